"""The pieces of the chat panel's message list: answers, a failed turn's message (with
Retry), the rows of controls, and the view that remembers its turn."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import ipywidgets as w

from ..render.markup import escape_html

if TYPE_CHECKING:
    from collections.abc import Callable

    from ..conversation import Turn
    from ..events import Event
    from ..render.widget import WidgetView
    from ..streamed import Streamed


class Watched:
    """The panel's view of a turn, remembering the turn the session started in it, so
    a failure can tell whether any answer arrived."""

    def __init__(self, view: WidgetView) -> None:
        self.view = view
        self.turn: Turn | None = None
        # the per-event path calls the view's own method: no extra call per token
        self.update: Callable[[Event], None] = view.update
        self.confirm: Callable[[str, str], bool] = view.confirm

    @property
    def widget(self) -> Any:
        """What shows the turn in the message list."""
        return self.view.widget

    def arrived(self) -> bool:
        """Whether anything of the answer arrived (a failure keeps it, under its error)."""
        return has_content(self.turn)

    def start(self, turn: Turn, streamed: Streamed) -> None:
        self.turn = turn
        self.view.start(turn, streamed)

    def finish(self, turn: Turn) -> None:
        self.view.finish(turn)


def has_content(turn: Turn | None) -> bool:
    """Whether anything of the turn's answer arrived to be shown."""
    return turn is not None and bool(
        turn.text
        or turn.reasoning
        or turn.commentary
        or turn.calls
        or turn.images
        or turn.refusal
        or turn.citations
        or turn.notes
    )


def failure_box(message: str, heading: str, retry: Any) -> Any:
    """A failed turn's one message (``heading``: its cause in a few words, when known)
    and, for the newest failure, its Retry button."""
    said = f"<b>{escape_html(heading)}.</b> " if heading else ""
    text = w.HTML(f"<div class='jr-error'>⚠ {said}{escape_html(message)}</div>")
    box = w.VBox([text, retry] if retry is not None else [text])
    box.add_class("jr-failure")
    return box


def error_html(message: str) -> str:
    """A message for the notice under the list (what could not be sent, Export)."""
    return f"<div class='jr-error'>⚠ {escape_html(message)}</div>"


def row(classes: str, *children: Any) -> Any:
    """A row of controls (``panel.css`` says how it wraps)."""
    box = w.HBox(list(children))
    for name in classes.split():
        box.add_class(name)
    return box


def assistant(*content: Any) -> Any:
    """An answer's place in the list: its view, a failure's message, or both."""
    box = w.VBox(list(content))
    box.add_class("jr-assistant")
    return box
