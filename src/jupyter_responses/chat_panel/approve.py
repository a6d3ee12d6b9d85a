"""Approve / Deny in the chat panel: a tool call that must be asked for (the python
tool, unless ``python_tool_approve`` is off) waits for the user's click.

A cell asks at the input prompt (``render/approval.py``), because its kernel is busy
running the cell and a click would arrive only after it ended. The panel's turn runs on
a worker thread while the kernel's main thread stays free, so it can ask with buttons:
the question shows in the turn's answer, under the call it is about, the worker waits
on a ``threading.Event``, and the click (handled on the main thread) sets it.

The call itself is shown by its own section in the answer, as in a cell: its title and,
for the python tool, its code highlighted (``render/static.py``), open while the call
waits. The question names it by that title (a round may hold several calls) and asks
in the cell's words (``render/approval.py``), so nothing is shown twice.

No answer is no: the question starts denied, only a click on Approve approves it, and
Stop ends the wait as a denial (the session then stops the turn).
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import ipywidgets as w

from ..render.approval import short_question
from ..render.markup import escape_html
from ..render.static import call_title
from ..render.widget import close_tree

if TYPE_CHECKING:
    from ..conversation import Turn
    from ..transcript import CallRecord


class Question:
    """One call's question (what it asks, the call's title) with Approve and Deny;
    once answered, one short line saying what was decided."""

    def __init__(self, call: CallRecord, asked: str) -> None:
        self.title = asked_title(call)
        self.approved = False  # until Approve is clicked: never yes by default
        self._answered = threading.Event()
        self._lock = threading.Lock()
        self.shown = w.HTML(question_html(asked, self.title))
        self.shown.add_class("jr-ask-text")
        self.approve_button = w.Button(
            description="Approve", icon="check", button_style="primary", tooltip="Run this call"
        )
        self.deny_button = w.Button(
            description="Deny", icon="times", tooltip="Do not run it: the model is told so"
        )
        self.approve_button.on_click(lambda _: self.answer(True))
        self.deny_button.on_click(lambda _: self.answer(False))
        buttons = w.HBox([self.approve_button, self.deny_button])
        buttons.add_class("jr-group")
        self.widget = w.HBox([self.shown, buttons])
        self.widget.add_class("jr-ask")

    def answer(self, approved: bool, why: str = "") -> None:
        """Record the first answer (a later click, or Stop after a click, changes
        nothing), wake the waiting worker, and put one line in the buttons' place."""
        with self._lock:
            if self._answered.is_set():
                return
            self.approved = approved
            self._answered.set()
        said = "✓ Approved" if approved else "✕ Denied"
        line = w.HTML(f"{said}: {escape_html(self.title)}{escape_html(why)}")
        line.add_class("jr-decision")
        old = self.widget.children
        self.widget.children = (line,)
        self.widget.remove_class("jr-ask")
        self.widget.add_class("jr-asked")
        for part in old:
            close_tree(part)

    def wait(self) -> bool:
        """Block until answered (the worker thread); whether the call may run."""
        self._answered.wait()
        return self.approved


class Approvals:
    """The panel's ``confirm`` for one turn: asks in ``answer`` (the turn's place in
    the message list) about the calls of ``turn()`` (the turn the session started),
    one at a time, and waits for each answer."""

    def __init__(self, answer: Any, turn: Callable[[], Turn | None]) -> None:
        self.answer = answer
        self.turn = turn  # read when asked: the session has started the turn by then
        #: The question waiting for a click, if any.
        self.pending: Question | None = None
        self._stopped = False
        self._lock = threading.Lock()

    def __call__(self, name: str, arguments: str) -> bool:
        """Show the question and wait (on the worker thread) for Approve or Deny."""
        call = asked_call(self.turn(), name, arguments)
        question = Question(call, short_question(name, arguments))
        with self._lock:
            if self._stopped:  # Stop came before the question could be shown
                close_tree(question.widget)
                return False
            self.pending = question
            self.answer.children = (*self.answer.children, question.widget)
        try:
            return question.wait()
        finally:
            self.pending = None

    def stop(self) -> None:
        """Stop: the question waiting (and any later one) is answered no."""
        with self._lock:
            self._stopped = True
            pending = self.pending
        if pending is not None:
            pending.answer(False, " (stopped)")


def asked_call(turn: Turn | None, name: str, arguments: str) -> CallRecord:
    """The record of the call being asked about: the first of ``name``'s calls still
    waiting to run (the loop asks in order), as the answer above shows it (a server's
    question, an MCP approval request, is asked by the server: ``name`` is its label);
    made from what was asked when the turn has no such record."""
    for call in turn.calls if turn is not None else ():
        asker = call["name"] if call["kind"] == "function" else call.get("detail", {}).get("server")
        if asker == name and call["status"] == "requested":
            return call
    return {
        "call_id": "",
        "name": name,
        "kind": "function",
        "arguments": arguments,
        "status": "requested",
    }


def asked_title(call: CallRecord) -> str:
    """The call's title as its section in the answer reads, without its state
    (``🐍 python: x = 1``, ``🔧 get_weather(city="Oslo")``)."""
    waiting: CallRecord = {**call, "status": "requested"}
    waiting.pop("seconds", None)
    return call_title(waiting).removesuffix(" — requested")


def question_html(asked: str, title: str) -> str:
    """``Run this python code?`` and, quieter, which call it is about."""
    return (
        f'<span class="jr-ask-question">{escape_html(asked)}</span> '
        f'<span class="jr-ask-title">{escape_html(title)}</span>'
    )
