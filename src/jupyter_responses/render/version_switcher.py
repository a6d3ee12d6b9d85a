"""The version switcher, "◀ 2/2 ▶": an anywidget under a regenerated answer.

Its arrows send the kernel the version wanted; the cell has finished by then, so the
kernel is idle and handles the message at once. Showing version N:

1. makes it current: ``Session.show_version`` moves the head to the newest turn on
   that version's branch (``Conversation.head_for``), so the next cell continues it and
   ``%responses history`` lists it;
2. shows its recorded answer (``static.bundle``, the same as a saved turn) in the
   cell's answer output, updated by the display id the live view gave it. The answer
   is replaced, not added to: one answer is visible at a time. The images a version
   generated go inline after its answer; the cell's own image outputs (of the run that
   made them) have no display id and stay below;
3. sets ``number``, which redraws "◀ N/M ▶".

The switcher is shown with a fixed plain and HTML stand-in ("2 versions of this answer:
%responses history --all lists them") for where no kernel runs it (a saved notebook on
GitHub, nbconvert). It names no version number, so it is never stale after a switch and
the widget's output needs no update (which would redraw it, and lose keyboard focus).

The ES module and stylesheet are files beside this one, read as text (see
``chat_panel.prompt_box`` for why not paths).
"""

from __future__ import annotations

import weakref
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import anywidget
import traitlets

from ..transcript import image_parts
from .assets import WIDGET_MIME, asset_text
from .markup import escape_html
from .static import bundle

if TYPE_CHECKING:
    from IPython.display import DisplayHandle

    from ..conversation import Conversation, Turn
    from ..session import Session


#: Said beside the arrows when a click could not be acted on.
BUSY = "A turn is running (the chat panel's): try again when it has finished."
CLOSED = "This conversation is no longer open: %responses resume {id} reopens it."


class VersionSwitcher(anywidget.AnyWidget):  # type: ignore[misc]
    """ "◀ number/count ▶" for the versions of ``turn`` (the one the cell just made),
    updating the ``answer`` display when another version is shown."""

    _esm = asset_text(__package__, "versions.js")
    _css = asset_text(__package__, "versions.css")
    number = traitlets.Int(1).tag(sync=True)
    count = traitlets.Int(1).tag(sync=True)
    note = traitlets.Unicode("").tag(sync=True)

    def __init__(
        self,
        session: Session,
        conversation: Conversation,
        turn: Turn,
        answer: DisplayHandle,
        on_pick: Callable[[Turn], None] | None = None,
    ) -> None:
        versions = conversation.versions(turn)
        super().__init__(number=versions.index(turn) + 1, count=len(versions))
        # Weak: the registry of shown switchers is keyed weakly by session.
        self._session = weakref.ref(session)
        self.conversation_id = conversation.id
        self.turn_id = turn.id  # the version the cell's run made (its images are outputs)
        self.answer = answer
        self.on_pick = on_pick
        self.on_msg(self._on_message)

    def show(self, stand_in: str) -> None:
        """Display the switcher, with ``stand_in`` for where widgets do not run."""
        from IPython.display import display

        display(
            {
                WIDGET_MIME: {"model_id": self.model_id, "version_major": 2, "version_minor": 0},
                "text/plain": stand_in,
                "text/html": f"<p><small>{escape_html(stand_in)}</small></p>",
            },
            raw=True,
        )

    def _on_message(self, widget: Any, content: Any, buffers: Any) -> None:
        if isinstance(content, dict) and content.get("type") == "show":
            version = content.get("version")
            if isinstance(version, int) and not isinstance(version, bool):
                self.switch(version)

    def switch(self, number: int) -> None:
        """Make version ``number`` (1 = the oldest) current and show its answer; say
        why in ``note`` when that cannot be done now."""
        session = self._session()
        conversation = self._conversation(session)
        if session is None or conversation is None:
            self.note = CLOSED.format(id=self.conversation_id)
            return
        versions = conversation.versions(conversation.turns[self.turn_id])
        if not 1 <= number <= len(versions):
            return
        chosen = versions[number - 1]
        if not session.show_version(conversation, chosen.id):
            self.note = BUSY
            return
        self.answer.update(version_bundle(chosen, chosen.id != self.turn_id), raw=True)
        self.note = ""
        self.count, self.number = len(versions), number
        if self.on_pick is not None:
            self.on_pick(chosen)

    def _conversation(self, session: Session | None) -> Conversation | None:
        """The open conversation holding the cell's turn (by id: ``resume`` reopens a
        conversation as a new object), or ``None`` once it is closed."""
        if session is None:
            return None
        for conversation in session.threads.open.values():
            if conversation.id == self.conversation_id and self.turn_id in conversation.turns:
                return conversation
        return None


def version_bundle(turn: Turn, with_images: bool) -> dict[str, str]:
    """A version's recorded answer, as a saved turn shows it; ``with_images``: its
    generated images inline after it (for a version the cell's run did not make, whose
    images are nowhere else in the cell)."""
    shown = bundle(turn)
    if with_images and turn.images:
        shown["text/html"] += "".join(map(_image_html, turn.images))
        shown["text/plain"] += "".join(f"\n[image {n}]" for n in range(1, len(turn.images) + 1))
    return shown


def _image_html(record: str) -> str:
    mime, data = image_parts(record)
    if not mime.startswith("image/"):
        return ""
    source = escape_html(f"data:{mime};base64,{data}")
    return f'<p><img src="{source}" alt="generated image" style="max-width:100%"/></p>'
