"""The chat panel's Approve / Deny, without a kernel: the worker waits for the first
answer, which is no unless Approve was clicked; Stop answers no, also before the
question shows; the question names its call by the title of the call's section."""

from __future__ import annotations

import threading

import ipywidgets as w

from jupyter_responses.chat_panel.approve import Approvals, asked_call, asked_title
from jupyter_responses.conversation import Turn
from jupyter_responses.transcript import CallRecord

CODE = "total = 1 + 1\nprint(total)"


def _turn() -> Turn:
    turn = Turn(api="responses", model="gpt-4.1", prompt="Add")
    turn.calls.append(
        {
            "call_id": "c1",
            "name": "python",
            "kind": "function",
            "arguments": CODE,
            "status": "requested",
            "detail": {"code": CODE, "language": "python"},
        }
    )
    return turn


def _ask(approvals: Approvals) -> tuple[threading.Thread, list[bool]]:
    said: list[bool] = []
    worker = threading.Thread(target=lambda: said.append(approvals("python", CODE)))
    worker.start()
    for _ in range(200):
        if approvals.pending is not None:
            break
        worker.join(0.01)
    return worker, said


def test_the_worker_waits_for_the_click_and_the_first_answer_counts() -> None:
    answer = w.VBox()
    approvals = Approvals(answer, _turn)
    worker, said = _ask(approvals)
    question = approvals.pending
    assert question is not None and worker.is_alive() and not question.approved
    assert answer.children == (question.widget,)
    question.approve_button.click()
    question.deny_button.click()  # too late: the first answer counts
    worker.join(5)
    assert said == [True] and approvals.pending is None
    (line,) = question.widget.children
    assert line.value == "✓ Approved: 🐍 python: total = 1 + 1"


def test_deny_and_stop_say_no() -> None:
    approvals = Approvals(w.VBox(), _turn)
    worker, said = _ask(approvals)
    assert approvals.pending is not None
    approvals.pending.deny_button.click()
    worker.join(5)
    assert said == [False]

    stopped = Approvals(w.VBox(), _turn)
    worker, said = _ask(stopped)
    question = stopped.pending
    assert question is not None
    stopped.stop()
    worker.join(5)
    assert said == [False]
    assert question.widget.children[0].value.endswith("(stopped)")
    # Stopped before a question could show: no, at once, and nothing shown.
    assert stopped("python", CODE) is False and stopped.answer.children == (question.widget,)


def test_the_question_names_the_call_as_its_section_does() -> None:
    turn = _turn()
    (call,) = turn.calls
    assert asked_call(turn, "python", CODE) is call
    assert asked_title(call) == "🐍 python: total = 1 + 1"
    question = Approvals(w.VBox(), lambda: turn)
    worker, _said = _ask(question)
    assert question.pending is not None
    shown = question.pending.shown.value
    assert "Run this python code?" in shown and "🐍 python: total = 1 + 1" in shown
    question.stop()
    worker.join(5)
    weather: CallRecord = {
        "call_id": "w1",
        "name": "get_weather",
        "kind": "function",
        "arguments": '{"city": "Oslo"}',
        "status": "done",
        "seconds": 0.5,
    }
    assert asked_title(weather) == '🔧 get_weather(city="Oslo")'
    # Asked about a call the turn has no record of: named from what was asked.
    assert asked_title(asked_call(None, "get_weather", '{"city": "Oslo"}')) == (
        '🔧 get_weather(city="Oslo")'
    )
