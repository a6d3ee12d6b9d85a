"""N answers to one panel message (the Answers box, ``-n``), a tab each.

While they stream, each tab is the panel's live view of one candidate (the session
runs them side by side: ``Session.run_candidates``, on the panel's worker thread; the
panel's Stop stops them all). When one ends its tab's title gets its mark (✓
answered, ✗ failed, ⏹ stopped), and a failed one says why in its tab, as a failed
panel turn does. When all have ended the session has made the first answered the head;
its tab is marked ★ and says so, and every other answered tab has a "Continue from this
one" button, which asks the panel to make that candidate the head (``pick``): the next
message, and the next ``%%respond`` cell, continue from it.

The tabs are what this message looked like, not a view kept in step with the tree: once
a later turn follows them the buttons go (``retire``), and a panel drawn afresh from
the conversation shows the head's branch only (``%responses history --all`` lists the
other candidates, where ``%responses checkout`` reaches them).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import ipywidgets as w

from ..render.widget import WidgetView, close_tree
from .approve import Approvals
from .messages import Watched, failure_box, has_content
from .wording import for_panel

if TYPE_CHECKING:
    from ..conversation import Conversation, Turn
    from ..render.base import View
    from ..session import Session

#: A candidate's mark once it has ended, by whether it answered (``Turn.in_context``),
#: else by its status.
ANSWERED, FAILED, STOPPED = "✓", "✗", "⏹"
#: The mark of the candidate the conversation continues from.
HEAD = "★"
CONTINUE = "Continue from this one"
CONTINUED = f"{HEAD} Continuing from this one"
#: Said when a pick cannot be made now (another turn holds the session's lock).
BUSY = "Another turn is running: pick the answer again once it has ended."


def mark(turn: Turn) -> str:
    """✓, ✗ or ⏹: how candidate ``turn`` ended."""
    if turn.in_context():
        return ANSWERED
    return STOPPED if turn.status == "interrupted" else FAILED


def title(index: int, turn: Turn | None = None, head: bool = False) -> str:
    """A tab's title: its number while it streams; then with its mark, and ★ on the head.
    Short, so that four fit side by side in a 300 px sidebar: where the tabs have room,
    ``panel.css`` writes "Answer" before the number."""
    said = str(index + 1)
    if turn is None or turn.status == "running":
        return said
    return f"{said} {mark(turn)}" + (f" {HEAD}" if head else "")


def reason(turn: Turn) -> str:
    """Why a candidate failed, worded for the panel, without its advice to Retry: the
    message has no Retry while another candidate answered (all failing has one)."""
    said = for_panel(turn.error or "The answer failed.")
    said = re.sub(r"\s*[;:]\s*Retry sends it again", "", said)
    kept = [part for part in re.split(r"(?<=[.!?])\s+", said) if "Retry" not in part]
    return " ".join(kept) or said


class _Candidate(Watched):
    """One tab: the candidate's live view, then its failure or its way to be picked."""

    def __init__(self, group: CandidateTabs, index: int, interval: float) -> None:
        self.group, self.index = group, index
        self.box = w.VBox()
        self.box.add_class("jr-candidate")
        self.approvals = Approvals(self.box, lambda: self.turn)
        super().__init__(WidgetView(interval, in_cell=False, confirm=self.approvals))
        self.box.children = (self.view.widget,)
        #: Under an answered candidate: its button, or the line saying it is continued
        #: (each made when first shown).
        self.pick_row = w.Box()
        self.pick_row.add_class("jr-pick")
        self.button: Any = None
        self.line: Any = None

    def finish(self, turn: Turn) -> None:
        super().finish(turn)
        self.group.ended(self)

    def answered(self) -> bool:
        return self.turn is not None and self.turn.in_context()


class CandidateTabs:
    """The tabs of one message's ``count`` candidates: ``views`` go to the session
    (``views[i]`` shows candidate ``i``), ``widget`` into the message list. A pick
    moves ``session``'s head; ``say`` puts a line in the panel's notice (``""``
    clears it)."""

    def __init__(
        self, count: int, interval: float, session: Session, say: Callable[[str], None]
    ) -> None:
        self.session, self.say = session, say
        self.candidates = [_Candidate(self, index, interval) for index in range(count)]
        self.widget = w.Tab(
            children=[candidate.box for candidate in self.candidates],
            titles=tuple(title(index) for index in range(count)),
        )
        self.widget.add_class("jr-panel-candidates")
        self.widget.add_class(f"jr-of-{count}")  # how much room "Answer" needs (panel.css)
        #: The candidate the conversation continues from, once all have ended.
        self.head: str | None = None
        self._enabled = False  # the buttons wait until the panel is free again
        self._retired = False

    @property
    def views(self) -> list[View]:
        return list(self.candidates)

    @property
    def ids(self) -> set[str]:
        """The candidates' turn ids (known once the session has started them)."""
        return {c.turn.id for c in self.candidates if c.turn is not None}

    def arrived(self) -> bool:
        """Whether any candidate's answer arrived (all failing keeps the tabs then)."""
        return any(has_content(candidate.turn) for candidate in self.candidates)

    def ended(self, candidate: _Candidate) -> None:
        """A candidate has ended (the worker thread): its mark, and a failure's reason in
        its tab, under what arrived of its answer."""
        turn = candidate.turn
        assert turn is not None
        self._retitle()
        if turn.status not in ("failed", "stopped"):
            return
        failure = failure_box(reason(turn), "", None)
        if has_content(turn):
            candidate.box.children = (*candidate.box.children, failure)
        else:
            close_tree(candidate.view.widget)
            candidate.box.children = (failure,)

    def follow(self, conversation: Conversation, turn: Turn | None, shown: list[str]) -> bool:
        """Whether a change the panel hears of (``Session.listeners``) is these
        candidates' own, shown here: one of them recorded (the head is chosen once all
        have), or the head moved to one of them (the session's choice, a pick). Then
        ``shown`` (the ids on display) ends with the head, in the candidates' place."""
        ids = self.ids
        if turn is not None:
            return turn.id in ids
        head = conversation.head
        if head is None or head not in ids:
            return False
        at = next((i for i, shown_id in enumerate(shown) if shown_id in ids), len(shown))
        shown[at:] = [head]
        self.show_head(head)
        return True

    def pick(self, turn_id: str) -> None:
        """What a "Continue from this one" click does (on the kernel's main thread): make
        that candidate the head, as the version switcher does, never waiting for a turn
        that holds the session's lock (``Session.show_version``). The change comes back
        through ``follow``, which moves the mark."""
        conversation = self.session.conversation
        if not self._enabled or turn_id not in conversation.turns:
            return
        self.say("" if self.session.show_version(conversation, turn_id) else BUSY)

    def show_head(self, head: str) -> None:
        """Mark ``head`` as the candidate the conversation continues from, and offer
        every other answered one: after all have ended, and after each pick."""
        self.head = head
        for candidate in self.candidates:
            if not candidate.answered():
                continue
            assert candidate.turn is not None
            if candidate.pick_row not in candidate.box.children:
                candidate.box.children = (*candidate.box.children, candidate.pick_row)
            if candidate.turn.id == head:
                shown: tuple[Any, ...] = (self._line(candidate),)
            elif self._retired:
                shown = ()
            else:
                shown = (self._button(candidate),)
            candidate.pick_row.children = shown
        self._retitle()

    def enable(self, enabled: bool) -> None:
        """The buttons are usable only while the panel runs no turn."""
        self._enabled = enabled
        for candidate in self.candidates:
            if candidate.button is not None:
                candidate.button.disabled = not enabled

    def retire(self) -> None:
        """A later turn follows these candidates: the head stays marked, the buttons go
        (the tree has moved on; ``%responses checkout`` still reaches any of them)."""
        self._retired = True
        for candidate in self.candidates:
            if candidate.button is not None:
                candidate.pick_row.children = tuple(
                    part for part in candidate.pick_row.children if part is not candidate.button
                )
                close_tree(candidate.button)
                candidate.button = None
            if candidate.line is not None and candidate.line not in candidate.pick_row.children:
                close_tree(candidate.line)  # a former head's
                candidate.line = None

    def stop(self) -> None:
        """Stop: any question a candidate waits on is answered no (``-n`` runs no tools,
        so there is none; the wiring is the panel's, as for one turn)."""
        for candidate in self.candidates:
            candidate.approvals.stop()

    def _button(self, candidate: _Candidate) -> Any:
        if candidate.button is None:
            assert candidate.turn is not None
            turn_id = candidate.turn.id
            button = w.Button(
                description=CONTINUE,
                icon="code-branch",
                tooltip="Make this answer the one the next message (and the next "
                "%%respond cell) continues from",
                disabled=not self._enabled,
            )
            button.add_class("jr-continue")
            button.on_click(lambda _: self.pick(turn_id))
            candidate.button = button
        return candidate.button

    def _line(self, candidate: _Candidate) -> Any:
        if candidate.line is None:
            candidate.line = w.HTML(
                CONTINUED,
                tooltip="The next message, and the next %%respond cell, continue from this answer",
            )
            candidate.line.add_class("jr-continued")
        return candidate.line

    def _retitle(self) -> None:
        self.widget.titles = tuple(
            title(c.index, c.turn, c.answered() and c.turn is not None and c.turn.id == self.head)
            for c in self.candidates
        )
