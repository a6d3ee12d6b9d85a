"""The chat panel: the kernel's conversation as a chat, next to the magics.

It drives the same ``Session`` as ``%%respond`` and ``%%chat``: a panel turn is
context for the next magic, and a magic's turn appears here. Requests run on a worker
thread, so the kernel stays usable while an answer streams and Stop is handled at once;
the session's lock keeps panel and magic turns from interleaving.
"""

from __future__ import annotations

import functools
import threading
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..backends import BACKENDS
from ..cancel import Cancel
from ..errors import Interrupted, JupyterResponsesError
from ..render.markup import escape_html
from ..render.widget import WidgetView, style_block
from ..session import Session
from ..turn_request import TurnOptions, TurnRequest, build_request

if TYPE_CHECKING:
    from ..conversation import Conversation, Turn

#: What a saved notebook shows where the panel cannot run.
STAND_IN = "Chat panel: run this cell to reopen it."

#: The API selector's labels, as each backend names itself.
API_LABELS = {backend.label: backend.api for backend in BACKENDS.values()}


@functools.cache
def panel_style() -> str:
    """The panel's ``<style>`` block (``panel.css``, read once)."""
    return style_block(__package__, "panel.css")


class ChatPanel:
    """The panel widget; ``display(panel)`` or ``panel.widget`` shows it."""

    def __init__(self, session: Session, model: str, api: str, interval: float = 0.05) -> None:
        import ipywidgets as w

        from .prompt_box import PromptBox

        self.session = session
        self.interval = interval
        self.cancel = Cancel()
        self.worker: threading.Thread | None = None
        self.model = w.Combobox(
            value=model, options=[model], description="Model", ensure_option=False
        )
        self.api = w.ToggleButtons(
            options=list(API_LABELS),
            value=next(label for label, name in API_LABELS.items() if name == api),
        )
        self.new_chat = w.Button(description="New chat", icon="plus")
        self.export_button = w.Button(description="Export", icon="download")
        self.messages = w.VBox(layout=w.Layout(display="flex", flex_flow="column-reverse"))
        self.messages.add_class("jr-messages")
        self.prompt = PromptBox()
        self.send_button = w.Button(description="Send", button_style="primary", icon="paper-plane")
        self.stop_button = w.Button(description="Stop", button_style="warning", icon="stop")
        self.stop_button.disabled = True
        self.notice = w.HTML()
        self.thread = w.HTML(layout=w.Layout(width="auto", margin="0 0 0 8px"))
        self.shown: list[str] = []  # ids of the turns on display, oldest first
        self.widget = w.VBox(
            [
                w.HTML(panel_style()),
                w.HBox([self.model, self.api, self.new_chat, self.export_button, self.thread]),
                self.messages,
                self.notice,
                self.prompt,
                w.HBox([self.send_button, self.stop_button]),
            ]
        )
        self.widget.add_class("jr-panel")
        self.prompt.on_submit(self.send)
        self.send_button.on_click(lambda _: self.send(self.prompt.value))
        self.stop_button.on_click(lambda _: self.stop())
        self.new_chat.on_click(lambda _: self.start_new_chat())
        self.export_button.on_click(lambda _: self.export())
        self.show_conversation()
        session.listeners.append(self._on_change)

    def _ipython_display_(self) -> None:
        """The widget, with a plain stand-in for where no kernel runs it (a saved
        notebook on GitHub, nbconvert, terminal IPython) instead of its widget repr."""
        from IPython.display import display

        bundle = dict(self.widget._repr_mimebundle_() or {})
        bundle["text/plain"] = STAND_IN
        bundle["text/html"] = f"<p><em>{escape_html(STAND_IN)}</em></p>"
        display(bundle, raw=True)

    # -- actions -----------------------------------------------------------------------
    def send(self, text: str) -> None:
        """Start a turn with ``text`` on the worker thread (ignored while one runs)."""
        text = text.strip("\n")
        if not text.strip() or self.busy:
            return
        options = TurnOptions(
            api=API_LABELS[self.api.value],
            prompt=text,
            magic="panel",
            model=self.model.value,
            no_interpolate=True,  # the panel sends what was typed, braces and all
        )
        try:
            request = build_request(
                options, self.session.settings(), {}, self.session.connection.files
            )
        except JupyterResponsesError as error:
            self.notice.value = _error_html(str(error))
            return
        self.prompt.value = ""
        self.cancel.clear()
        self._busy(True)
        view = WidgetView(self.interval, in_cell=False)
        self._bubble(text)
        self._append(_assistant(view.widget))
        self.worker = threading.Thread(
            target=self._run, args=(request, view), name="jupyter-responses-panel", daemon=True
        )
        self.worker.start()

    def stop(self) -> None:
        """Stop the running turn; the partial answer stays, marked interrupted."""
        self.cancel.set()

    def start_new_chat(self) -> None:
        """A fresh conversation in the current thread (the old one stays saved)."""
        if self.busy:
            return
        self.session.new_conversation()
        self.notice.value = ""

    def export(self, path: str | Path | None = None) -> Path | None:
        """Save the conversation as a notebook (in the kernel's working directory by
        default) and say where; ``None`` when there is nothing to save."""
        from ..export import default_name, export

        conversation = self.session.conversation
        if self.busy or not conversation.turns:
            self.notice.value = "<i>Nothing to export yet.</i>" if not self.busy else ""
            return None
        target = Path(path) if path is not None else Path.cwd() / default_name(conversation)
        try:
            written = export(conversation, target)
        except (OSError, ValueError) as error:
            self.notice.value = _error_html(f"Export failed: {error}")
            return None
        self.notice.value = f"Exported to <code>{escape_html(str(written))}</code>"
        return written

    @property
    def busy(self) -> bool:
        return self.worker is not None and self.worker.is_alive()

    # -- worker ------------------------------------------------------------------------
    def _run(self, request: TurnRequest, view: WidgetView) -> None:
        try:
            self.session.run(request, view, cancel=self.cancel)
            problem = self.session.threads.save_error
            self.notice.value = _error_html(problem) if problem else ""
        except Interrupted:
            self.notice.value = ""  # the turn itself is marked: Stop needs no error
        except JupyterResponsesError as error:
            self.notice.value = _error_html(str(error))
        except Exception as error:  # a bug of ours must not kill the panel silently
            self.notice.value = _error_html(f"{type(error).__name__}: {error}")
        finally:
            self._busy(False)

    def _busy(self, busy: bool) -> None:
        self.prompt.disabled = busy
        self.send_button.disabled = busy
        self.stop_button.disabled = not busy
        self.new_chat.disabled = busy
        self.export_button.disabled = busy

    # -- turns made elsewhere ----------------------------------------------------------
    def show_conversation(self) -> None:
        """Show the current thread's branch afresh (thread switched, head moved)."""
        conversation = self.session.conversation
        name = escape_html(conversation.name)
        self.thread.value = f"<span style='white-space:nowrap'>thread <b>{name}</b></span>"
        self.messages.children = ()
        self.shown = []
        for turn in conversation.branch():
            self._show_finished(turn)

    def _on_change(self, conversation: Conversation, turn: Turn | None) -> None:
        """Keep the panel on the current thread's branch: a turn that continues what is
        shown is added (the panel's own turn is already there, streamed); anything
        else (a regenerated cell, a switch, a new chat) redraws the branch."""
        if conversation is not self.session.conversation:
            return
        last = self.shown[-1] if self.shown else None
        if turn is not None and turn.parent == last:
            if turn.magic == "panel":
                self.shown.append(turn.id)
            else:
                self._show_finished(turn)
        else:
            self.show_conversation()

    def _show_finished(self, turn: Turn) -> None:
        self.shown.append(turn.id)
        self._bubble(turn.prompt)
        view = WidgetView(self.interval, in_cell=False)
        view.replay(turn)
        self._append(_assistant(view.widget))

    def _bubble(self, text: str) -> None:
        import ipywidgets as w

        bubble = w.HTML(escape_html(text))
        bubble.add_class("jr-user")
        self._append(bubble)

    def _append(self, message: Any) -> None:
        """Newest first: the list is laid out bottom-up (``column-reverse``), which keeps
        it scrolled to the newest message as answers grow, with no script."""
        self.messages.children = (message, *self.messages.children)


def _error_html(message: str) -> str:
    return f"<span style='color:var(--jp-error-color1,#c00)'>{escape_html(message)}</span>"


def _assistant(content: Any) -> Any:
    import ipywidgets as w

    box = w.VBox([content])
    box.add_class("jr-assistant")
    return box


def panel_for(session: Session) -> ChatPanel:
    """The session's one panel (created on first use, so listeners never pile up)."""
    if session.panel is None:
        settings = session.settings()
        session.panel = ChatPanel(session, settings.model, settings.api, settings.render_interval)
    return session.panel
