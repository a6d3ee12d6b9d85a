"""Threads that keep their state on the server (Conversations API), through the session
against the emulator: a turn continues the conversation its parent left, a regenerated
or forked turn copies its branch into a new one, Chat turns and failures never leave a
conversation continued that moved on, a new session (a restart) carries on, and
another machine imports the conversation and continues it."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from jupyter_responses import events as ev
from jupyter_responses import server_threads
from jupyter_responses.emulator import Emulator
from jupyter_responses.emulator import script as s
from jupyter_responses.errors import JupyterResponsesError, OptionsError
from jupyter_responses.session import Session
from jupyter_responses.turn_request import TurnOptions, build_request

from .conftest import RecordingView, settings_for


def ask(session: Session, prompt: str, api: str = "responses", **options: Any) -> Any:
    request = build_request(
        TurnOptions(api=api, prompt=prompt, **options),
        session.settings(),
        {},
        session.connection.files,
    )
    return session.run(request, RecordingView())


def server_session(emulator: Emulator, db: str = ":memory:", **changes: Any) -> Session:
    settings = settings_for(emulator, db_path=db, server_conversations=True, **changes)
    return Session(lambda: settings)


def bodies(emulator: Emulator) -> list[dict[str, Any]]:
    return [r.body for r in emulator.requests("/v1/responses")]


def texts(emulator: Emulator, conversation_id: str) -> list[str]:
    """The server-side conversation's messages, as role: text."""
    stored = emulator.state.conversations[conversation_id]
    said = []
    for item in stored.items:
        if item.get("type", "message") != "message":
            continue
        content = item["content"]
        text = content if isinstance(content, str) else "".join(p.get("text", "") for p in content)
        said.append(f"{item['role']}: {text}")
    return said


@pytest.fixture
def server(emulator: Emulator) -> Any:
    made = server_session(emulator)
    yield made
    made.close()


def test_turns_continue_one_server_side_conversation(server: Session, emulator: Emulator) -> None:
    emulator.enqueue(s.text("Hello, Ada."), s.text("You are Ada."))
    first = ask(server, "I am Ada.")
    second = ask(server, "Who am I?")
    sent = bodies(emulator)
    assert first.server_conversation and second.server_conversation == first.server_conversation
    assert all(body["conversation"] == first.server_conversation for body in sent)
    assert all("previous_response_id" not in body for body in sent)
    assert sent[1]["input"] == [{"role": "user", "content": "Who am I?"}]  # nothing resent
    assert texts(emulator, first.server_conversation) == [
        "user: I am Ada.",
        "assistant: Hello, Ada.",
        "user: Who am I?",
        "assistant: You are Ada.",
    ]
    assert emulator.requests("/v1/conversations")[0].body == {"items": []}


def test_a_regenerated_turn_copies_its_branch_into_a_new_conversation(
    server: Session, emulator: Emulator
) -> None:
    emulator.enqueue(s.text("Hello, Ada."), s.text("Blue."), s.text("Green."))
    first = ask(server, "I am Ada.")
    ask(server, "Pick a colour.")
    again = ask(server, "Pick a colour.", fork=first.id)  # a sibling of the turn before
    assert again.server_conversation not in (None, first.server_conversation)
    assert texts(emulator, again.server_conversation) == [
        "user: I am Ada.",
        "assistant: Hello, Ada.",
        "user: Pick a colour.",
        "assistant: Green.",
    ]
    # the first conversation is as it was: the fork did not add to it
    assert texts(emulator, first.server_conversation)[-1] == "assistant: Blue."


def test_a_chat_turn_in_between_is_carried_into_a_new_conversation(
    server: Session, emulator: Emulator
) -> None:
    emulator.enqueue(s.text("Hello, Ada."), s.text("Noted: tea."), s.text("Tea, Ada."))
    first = ask(server, "I am Ada.")
    chat = ask(server, "I like tea.", api="chat")
    last = ask(server, "What do I like?")
    assert chat.server_conversation is None
    assert last.server_conversation != first.server_conversation
    assert texts(emulator, last.server_conversation)[:4] == [
        "user: I am Ada.",
        "assistant: Hello, Ada.",
        "user: I like tea.",
        "assistant: Noted: tea.",
    ]


def test_a_failed_turn_leaves_the_next_one_a_fresh_copy(
    server: Session, emulator: Emulator
) -> None:
    emulator.enqueue(s.text("Hello, Ada."))
    first = ask(server, "I am Ada.")
    emulator.enqueue(s.text("Half an ans", deltas=4, disconnect_after=2))
    with pytest.raises(JupyterResponsesError):
        ask(server, "Tell me a story.")
    emulator.enqueue(s.text("Once upon a time."))
    retried = ask(server, "Tell me a story.")
    assert retried.server_conversation not in (None, first.server_conversation)
    assert texts(emulator, retried.server_conversation) == [
        "user: I am Ada.",
        "assistant: Hello, Ada.",
        "user: Tell me a story.",
        "assistant: Once upon a time.",
    ]


def test_a_long_branch_is_copied_in_requests_of_twenty_items(
    server: Session, emulator: Emulator
) -> None:
    for n in range(12):
        emulator.enqueue(s.text(f"Answer {n}."))
        ask(server, f"Question {n}.", api="chat")  # 24 items the server has never seen
    emulator.enqueue(s.text("Done."))
    turn = ask(server, "Sum up.")
    created = emulator.requests("/v1/conversations")[-1].body
    added = [
        r.body for r in emulator.requests(f"/v1/conversations/{turn.server_conversation}/items")
    ]
    assert len(created["items"]) == 20 and [len(b["items"]) for b in added] == [4]
    assert len(texts(emulator, turn.server_conversation)) == 26


def test_a_tool_round_sends_only_the_outputs_into_the_conversation(
    server: Session, emulator: Emulator
) -> None:
    def weather(city: str) -> str:
        """The weather in a city."""
        return f"Sunny in {city}."

    emulator.enqueue(
        s.tool_calls(s.FunctionCall("weather", {"city": "Oslo"})), s.text("It is sunny.")
    )
    request = build_request(
        TurnOptions(api="responses", prompt="Weather in Oslo?", tools=["weather"]),
        server.settings(),
        {"weather": weather},
        server.connection.files,
    )
    turn = server.run(request, RecordingView())
    second = bodies(emulator)[-1]
    assert second["conversation"] == turn.server_conversation
    assert [item["type"] for item in second["input"]] == ["function_call_output"]
    assert turn.text == "It is sunny."


def test_a_restarted_session_continues_the_same_conversation(
    emulator: Emulator, tmp_path: Path
) -> None:
    db = str(tmp_path / "c.sqlite3")
    first = server_session(emulator, db)
    emulator.enqueue(s.text("Hello, Ada."), s.text("You are Ada."))
    held = ask(first, "I am Ada.").server_conversation
    conversation_id = first.conversation.id
    first.close()
    later = Session(lambda: settings_for(emulator, db_path=db))  # the trait off: per thread
    try:
        later.switch(lambda: later.threads.resume(conversation_id))
        assert later.conversation.server_state
        turn = ask(later, "Who am I?")
        assert turn.server_conversation == held and bodies(emulator)[-1]["conversation"] == held
    finally:
        later.close()


def test_another_machine_imports_the_conversation_and_continues_it(
    server: Session, emulator: Emulator
) -> None:
    emulator.enqueue(s.text("Hello, Ada."), s.text("Noted."))
    ask(server, "I am Ada.")
    held = ask(server, "I live in Oslo.").server_conversation
    assert held is not None and server_threads.latest(server.conversation) == held
    elsewhere = Session(lambda: settings_for(emulator))
    try:
        imported = server_threads.import_into(elsewhere, held, "from-laptop")
        conversation = elsewhere.conversation
        assert conversation.name == "from-laptop" and conversation.server_state
        assert [t.prompt for t in conversation.branch()] == ["I am Ada.", "I live in Oslo."]
        assert [t.text for t in conversation.branch()] == ["Hello, Ada.", "Noted."]
        assert "continues the server-side conversation " + held in server_threads.summary(imported)
        emulator.enqueue(s.text("In Oslo."))
        turn = ask(elsewhere, "Where do I live?")
        assert turn.server_conversation == held
        assert bodies(emulator)[-1]["input"] == [{"role": "user", "content": "Where do I live?"}]
    finally:
        elsewhere.close()


def test_import_refuses_what_is_not_a_conversation_id(server: Session) -> None:
    with pytest.raises(OptionsError, match="not a Conversations API id"):
        server_threads.import_into(server, "thread_abc")


def test_import_of_an_unknown_conversation_says_so(server: Session) -> None:
    with pytest.raises(JupyterResponsesError, match=r"(?i)not found"):
        server_threads.import_into(server, "conv_doesnotexist")


def test_a_server_thread_refuses_no_store(server: Session) -> None:
    with pytest.raises(OptionsError, match="keeps its state on the server"):
        ask(server, "Hello.", no_store=True)


def test_the_event_is_shown_and_the_thread_stays_local_without_the_trait(
    session: Session, emulator: Emulator
) -> None:
    ask(session, "Hello.")
    assert "conversation" not in bodies(emulator)[-1]
    assert session.conversation.server_state is False
    session.conversation.server_state = True  # %responses threads --server
    view = RecordingView()
    request = build_request(
        TurnOptions(api="responses", prompt="Again."),
        session.settings(),
        {},
        session.connection.files,
    )
    turn = session.run(request, view)
    assert [e for e in view.events if isinstance(e, ev.ServerConversation)] == [
        ev.ServerConversation(turn.server_conversation or "")
    ]
    # the branch so far was copied: the conversation starts with the first turn
    assert texts(emulator, turn.server_conversation or "")[0] == "user: Hello."


def test_build_reads_prompts_in_a_row_and_counts_what_stays_on_the_server() -> None:
    items: list[dict[str, Any]] = [
        {"type": "message", "role": "user", "content": [{"type": "input_text", "text": "A"}]},
        {"type": "message", "role": "user", "content": [{"type": "input_image"}]},
        {"type": "reasoning", "summary": []},
        {"type": "function_call", "name": "f", "arguments": "{}", "call_id": "c"},
        {"type": "message", "role": "assistant", "content": [{"type": "output_text", "text": "B"}]},
    ]
    imported = server_threads.build(items, "conv_x", "t", "gpt-4.1")
    (turn,) = imported.conversation.branch()
    assert turn.prompt == "A\n\n[input_image]" and turn.text == "B"
    assert turn.server_conversation == "conv_x" and turn.status == "completed"
    assert imported.kept_on_server == {"reasoning": 1, "function_call": 1}


def test_a_conversation_deleted_on_the_server_is_replaced_by_a_copy(
    server: Session, emulator: Emulator
) -> None:
    emulator.enqueue(s.text("Hello, Ada."), s.text("You are Ada."))
    first = ask(server, "I am Ada.")
    with emulator.state.lock:
        del emulator.state.conversations[first.server_conversation or ""]
    view = RecordingView()
    request = build_request(
        TurnOptions(api="responses", prompt="Who am I?"),
        server.settings(),
        {},
        server.connection.files,
    )
    turn = server.run(request, view)
    assert turn.status == "completed" and turn.server_conversation != first.server_conversation
    notes = [e.text for e in view.events if isinstance(e, ev.Note)]
    assert any("no longer has conversation" in note for note in notes), notes
    assert texts(emulator, turn.server_conversation or "") == [
        "user: I am Ada.",
        "assistant: Hello, Ada.",
        "user: Who am I?",
        "assistant: You are Ada.",
    ]
