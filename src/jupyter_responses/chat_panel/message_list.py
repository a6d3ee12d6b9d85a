"""The chat panel's message list: the thread's branch drawn as bubbles and answers.

It knows how a turn looks in the panel (the user's bubble, the answer replayed, a
failure's message in its own words) and which turns are on display, and nothing of
sending: the panel adds its own streaming answer here and asks whether a turn made
elsewhere continues what is shown.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import ipywidgets as w

from ..render.base import SAID_BY_THE_ERROR
from ..render.markup import escape_html
from ..render.widget import WidgetView, close_tree
from .messages import assistant, failure_box, has_content
from .wording import for_panel

if TYPE_CHECKING:
    from ..conversation import Conversation, Turn

#: What the list says while it is empty: when the panel opens on a fresh
#: conversation, and after New chat.
EMPTY = (
    "No messages yet. Type below and press Enter to send (Shift+Enter for a new line); "
    "<code>%%respond</code> and <code>%%chat</code> cells continue this conversation too."
)
FRESH = "New conversation. Type a message below and press Enter to send."


class MessageList:
    """``box`` holds the messages, newest first; ``hint`` stands in while it is empty;
    ``shown`` lists the ids of the turns on display, oldest first."""

    def __init__(self, interval: float) -> None:
        self.interval = interval
        self.box = w.VBox(layout=w.Layout(display="flex", flex_flow="column-reverse"))
        self.box.add_class("jr-messages")
        self.hint = w.HTML(EMPTY)
        self.hint.add_class("jr-empty")
        self.shown: list[str] = []

    def show_branch(self, conversation: Conversation, fresh: bool = False) -> None:
        """Draw ``conversation``'s branch afresh (``fresh``: just after New chat, which
        the empty list's hint then says)."""
        self.box.children = ()
        self.shown.clear()
        for turn in conversation.branch():
            self.show_finished(turn)
        self.hint.value = FRESH if fresh else EMPTY
        self.hint.layout.display = "none" if self.shown else None

    def continues(self, turn: Turn) -> bool:
        """Whether ``turn`` follows the newest turn on display (else the branch moved)."""
        return turn.parent == (self.shown[-1] if self.shown else None)

    def show_finished(self, turn: Turn) -> None:
        """Add a turn that ended elsewhere (a cell's, or one saved before)."""
        self.shown.append(turn.id)
        self.bubble(turn.prompt)
        view = WidgetView(self.interval, in_cell=False)
        view.replay(turn)
        if turn.status not in SAID_BY_THE_ERROR:  # its error, shown in its place
            self.append(assistant(view.widget))
            return
        # A failed turn says why, as it did when it failed (a cell's turn in its own
        # words: it names its cell), under what arrived of its answer.
        said = turn.error or "The answer failed."
        failure = failure_box(for_panel(said) if turn.magic == "panel" else said, "", None)
        if has_content(turn):
            self.append(assistant(view.widget, failure))
        else:
            close_tree(view.widget)
            self.append(assistant(failure))

    def bubble(self, text: str) -> None:
        """The user's message."""
        bubble = w.HTML(escape_html(text))
        bubble.add_class("jr-user")
        self.append(bubble)

    def append(self, message: Any) -> None:
        """Newest first: the list is laid out bottom-up (``column-reverse``), which keeps
        it scrolled to the newest message as answers grow, with no script. The hint an
        empty list shows goes with the first message."""
        self.hint.layout.display = "none"
        self.box.children = (message, *self.box.children)
