"""The session in-process against the emulator: turns through both APIs, the tool
loop, where turns attach (fork, regenerate, new, system), and turns that fail or are
stopped. What the server received is read from the emulator."""

from __future__ import annotations

import threading
from typing import Any

import pytest

from jupyter_responses import events as ev
from jupyter_responses.cancel import Cancel
from jupyter_responses.emulator import Emulator
from jupyter_responses.emulator import script as s
from jupyter_responses.errors import Interrupted, OptionsError, ServerError
from jupyter_responses.session import Session
from jupyter_responses.turn_request import TurnOptions, TurnRequest, build_request

from .conftest import RecordingView


def ask(session: Session, api: str, prompt: str, **options: Any) -> TurnRequest:
    namespace = options.pop("namespace", {})
    return build_request(
        TurnOptions(api=api, prompt=prompt, **options),
        session.settings(),
        namespace,
        session.connection.files,
    )


def bodies(emulator: Emulator, path: str) -> list[dict[str, Any]]:
    return [r.body for r in emulator.requests(path)]


def test_a_conversation_switches_api_and_keeps_its_context(
    session: Session, emulator: Emulator
) -> None:
    emulator.enqueue(s.text("Oslo is mild."), s.text("Still mild."), s.text("Yes."))
    first = session.run(ask(session, "responses", "Weather in Oslo?"), RecordingView())
    second = session.run(ask(session, "responses", "And tomorrow?"), RecordingView())
    third = session.run(ask(session, "chat", "Sure?"), RecordingView())
    assert [t.text for t in (first, second, third)] == ["Oslo is mild.", "Still mild.", "Yes."]
    assert [t.status for t in session.conversation.branch()] == ["completed"] * 3
    chained = bodies(emulator, "/v1/responses")[1]
    assert chained["previous_response_id"] == first.response_id
    assert chained["input"] == [{"role": "user", "content": "And tomorrow?"}]
    (resent,) = bodies(emulator, "/v1/chat/completions")
    assert [m["content"] for m in resent["messages"]] == [
        "Weather in Oslo?",
        "Oslo is mild.",
        "And tomorrow?",
        "Still mild.",
        "Sure?",
    ]
    assert first.usage.input_tokens > 0 and third.usage.output_tokens > 0


@pytest.mark.parametrize("api", ["responses", "chat"])
def test_the_tool_loop_runs_the_named_function_and_sends_its_result(
    session: Session, emulator: Emulator, api: str
) -> None:
    ran: list[str] = []

    def get_weather(city: str) -> str:
        ran.append(city)
        return f"{city}: 21 C"

    emulator.enqueue(
        s.tool_calls(s.FunctionCall("get_weather", {"city": "Oslo"}, call_id="call_1")),
        s.text("It is 21 C."),
    )
    request = ask(
        session, api, "Weather?", tools=["get_weather"], namespace={"get_weather": get_weather}
    )
    view = RecordingView()
    turn = session.run(request, view)
    assert ran == ["Oslo"] and turn.text == "It is 21 C."
    (call,) = turn.calls
    assert (call["name"], call["status"], call["output"]) == ("get_weather", "done", "Oslo: 21 C")
    assert [type(e) for e in view.events if isinstance(e, ev.ToolRunning | ev.ToolResult)] == [
        ev.ToolRunning,
        ev.ToolResult,
    ]
    assert [e["type"] for e in turn.output] == [
        "function_call",
        "function_call_output",
        "message",
    ]


def test_approval_denied_runs_nothing_and_tells_the_model(
    session: Session, emulator: Emulator
) -> None:
    ran: list[str] = []

    def rm(path: str) -> None:
        ran.append(path)

    emulator.enqueue(s.tool_calls(s.FunctionCall("rm", {"path": "/"})), s.text("Not done."))
    request = ask(session, "chat", "Clean up.", tools=["rm"], approve=True, namespace={"rm": rm})
    view = RecordingView(answers=[False])
    turn = session.run(request, view)
    assert ran == [] and view.asked == [("rm", '{"path": "/"}')]
    assert turn.calls[0]["status"] == "denied"
    tool_message = bodies(emulator, "/v1/chat/completions")[1]["messages"][-1]
    assert tool_message["content"] == "The user declined to run this call."


def test_new_and_system_change_the_conversation_under_the_lock(
    session: Session, emulator: Emulator
) -> None:
    emulator.enqueue(s.text("A"), s.text("B"), s.text("C"))
    session.run(ask(session, "responses", "One", system="Be brief."), RecordingView())
    session.run(ask(session, "responses", "Two"), RecordingView())
    assert session.conversation.system == "Be brief."
    before = session.conversation
    session.run(ask(session, "chat", "Three", new=True), RecordingView())
    assert session.conversation is not before and before.system == "Be brief."
    assert len(session.conversation.turns) == 1 and session.conversation.system is None
    first, second = bodies(emulator, "/v1/responses")
    assert first["instructions"] == second["instructions"] == "Be brief."
    (fresh,) = bodies(emulator, "/v1/chat/completions")
    assert fresh["messages"] == [{"role": "user", "content": "Three"}]


def test_a_refused_request_changes_nothing(session: Session, emulator: Emulator) -> None:
    emulator.enqueue(s.text("A"))
    session.run(ask(session, "responses", "One"), RecordingView())
    conversation = session.conversation
    with pytest.raises(OptionsError, match="use %%respond"):
        request = ask(session, "chat", "Two", tools=["web_search"], new=True, system="x")
        session.run(request, RecordingView())
    assert session.conversation is conversation and conversation.system is None
    assert len(conversation.turns) == 1


def test_fork_and_regenerate_keep_the_old_branch(session: Session, emulator: Emulator) -> None:
    emulator.enqueue(*(s.text(word) for word in ("one", "two", "two again", "fork")))
    first = session.run(ask(session, "responses", "1"), RecordingView(), cell_id="a")
    second = session.run(ask(session, "responses", "2"), RecordingView(), cell_id="b")
    session.note_cell(None)  # a new run of cell b: regenerate its turn
    again = session.run(ask(session, "responses", "2"), RecordingView(), cell_id="b")
    assert again.parent == second.parent == first.id
    assert [t.text for t in session.conversation.branch()] == ["one", "two again"]
    forked = session.run(ask(session, "responses", "f", fork="1"), RecordingView())
    assert forked.parent == first.id and len(session.conversation.turns) == 4
    assert bodies(emulator, "/v1/responses")[-1]["previous_response_id"] == first.response_id


def test_a_failed_turn_is_recorded_and_not_context(session: Session, emulator: Emulator) -> None:
    emulator.enqueue(s.HTTPError(500), s.text("Fine."))
    with pytest.raises(ServerError):
        session.run(ask(session, "chat", "Boom?"), RecordingView())
    failed = session.conversation.branch()[-1]
    assert failed.status == "failed" and failed.error
    session.run(ask(session, "chat", "Again?"), RecordingView())
    last = bodies(emulator, "/v1/chat/completions")[-1]
    assert last["messages"] == [{"role": "user", "content": "Again?"}]


def test_cancel_cuts_a_stalled_stream_and_keeps_the_partial_answer(
    session: Session, emulator: Emulator
) -> None:
    # created, in_progress, item added, part added, two deltas: then silence
    emulator.enqueue(s.text("Partial answer then silence", deltas=4, stall_after=6, stall=30))
    cancel = Cancel()
    view = RecordingView()
    original = view.update

    def update(event: ev.Event) -> None:
        original(event)
        if isinstance(event, ev.TextDelta) and len(view.events) == 2:
            threading.Timer(0.2, cancel.set).start()

    view.update = update  # type: ignore[method-assign]
    with pytest.raises(Interrupted):
        session.run(ask(session, "responses", "Go"), view, cancel)
    turn = session.conversation.branch()[-1]
    assert turn.status == "interrupted" and turn.text.startswith("Partial")


def test_every_turn_is_saved_as_it_ends(session: Session, emulator: Emulator) -> None:
    emulator.enqueue(s.text("Saved."))
    session.run(ask(session, "responses", "Save me"), RecordingView())
    store = session.threads.store()
    assert store is not None
    (saved,) = store.listing()
    assert saved.id == session.conversation.id and saved.turns == 1
