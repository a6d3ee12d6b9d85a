"""Compaction through the session: the conversation so far shrinks into one turn, by
the server (Responses: /responses/compact, an opaque item after the user messages it
kept) or by the model (Chat: a summary); later turns send it instead of the turns
before, which stay in the tree; either API continues after either compaction."""

from __future__ import annotations

from typing import Any

import pytest

from jupyter_responses import commands
from jupyter_responses.emulator import Emulator
from jupyter_responses.emulator import script as s
from jupyter_responses.session import Session
from jupyter_responses.turn_request import TurnOptions, build_request

from .conftest import RecordingView

QUESTIONS = ["What is a cohort study?", "And a case-control study?", "Which is cheaper?"]


def run(session: Session, api: str, prompt: str, **options: Any) -> Any:
    request = build_request(
        TurnOptions(api=api, prompt=prompt, **options),
        session.settings(),
        {},
        session.connection.files,
    )
    return session.run(request, RecordingView())


def compact(session: Session, api: str) -> Any:
    asked = commands.compact(session, type("Args", (), {"api": api, "model": None})())
    assert asked.api == api and asked.line == "--compact"
    return run(session, api, asked.cell, compact=True)


def bodies(emulator: Emulator, path: str) -> list[dict[str, Any]]:
    return [r.body for r in emulator.requests(path)]


def test_the_model_summarises_on_chat_and_later_turns_send_the_summary(
    session: Session, emulator: Emulator
) -> None:
    for question in QUESTIONS:
        run(session, "chat", question)
    emulator.enqueue(s.text("Summary: cohort vs case-control; case-control is cheaper."))
    turn = compact(session, "chat")
    assert turn.compacts() and turn.text.startswith("Summary:")
    assert [t.prompt for t in session.conversation.context()] == [commands.COMPACT_PROMPT]
    assert len(session.conversation.branch()) == 4, "the compacted turns stay in the tree"
    run(session, "chat", "Go on.")
    sent = bodies(emulator, "/v1/chat/completions")[-1]["messages"]
    assert [m["role"] for m in sent] == ["user", "assistant", "user"]
    assert sent[1]["content"].startswith("Summary:") and sent[2]["content"] == "Go on."
    run(session, "responses", "And on Responses?")
    items = bodies(emulator, "/v1/responses")[-1]["input"]
    assert "previous_response_id" not in bodies(emulator, "/v1/responses")[-1]
    assert items[1] == {"role": "assistant", "content": turn.text}


def test_the_server_compacts_on_responses_and_later_turns_send_its_item(
    session: Session, emulator: Emulator
) -> None:
    for question in QUESTIONS:
        run(session, "responses", question)
    turn = compact(session, "responses")
    assert turn.compacts() and "is compacted on the server" in turn.text
    (entry,) = turn.output
    assert entry["type"] == "compaction" and entry["messages"] == QUESTIONS
    sent = bodies(emulator, "/v1/responses/compact")[-1]
    assert len(sent["input"]) == 6  # the three turns, resent
    run(session, "responses", "Go on.")
    last = bodies(emulator, "/v1/responses")[-1]
    assert "previous_response_id" not in last
    assert [i.get("type", i.get("role")) for i in last["input"]] == [
        "user",
        "user",
        "user",
        "compaction",
        "user",
    ]
    run(session, "chat", "And on Chat?")
    said = bodies(emulator, "/v1/chat/completions")[-1]["messages"]
    assert "compacted by the Responses API" in said[1]["content"]
    assert all(question in said[1]["content"] for question in QUESTIONS)


def test_compacting_nothing_is_refused(session: Session) -> None:
    from jupyter_responses.errors import OptionsError

    with pytest.raises(OptionsError, match="Nothing to compact"):
        commands.compact(session, type("Args", (), {"api": "chat", "model": None})())
