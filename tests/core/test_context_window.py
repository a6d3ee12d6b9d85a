"""The context window through the session: each turn records how full it left the
model's window (the footer's and status's gauge), and a turn that would fill most of it
carries a warning before it is sent, counted by the server where it can count."""

from __future__ import annotations

import dataclasses
from types import SimpleNamespace
from typing import Any

import pytest

from jupyter_responses import commands, window
from jupyter_responses.emulator import Emulator
from jupyter_responses.render.base import footer
from jupyter_responses.session import Session
from jupyter_responses.turn_request import TurnOptions, build_request

from .conftest import RecordingView, settings_for

#: About 1,000 tokens of text.
PAGE = "The quarterly numbers, region by region, with the notes that go with them. " * 53


def session_with(emulator: Emulator, **changes: Any) -> Session:
    settings = dataclasses.replace(settings_for(emulator), **changes)
    return Session(lambda: settings)


def run(session: Session, api: str, prompt: str) -> Any:
    request = build_request(
        TurnOptions(api=api, prompt=prompt), session.settings(), {}, session.connection.files
    )
    return session.run(request, RecordingView())


@pytest.mark.parametrize("api", ["responses", "chat"])
def test_a_turn_records_how_full_it_left_the_window(emulator: Emulator, api: str) -> None:
    session = session_with(emulator, context_windows={"gpt-4.1": 100_000})
    turn = run(session, api, PAGE)
    assert turn.window == {
        "used": turn.usage.input_tokens + turn.usage.output_tokens,
        "size": 100_000,
    }
    assert f"context {window.gauge(turn.window)}" in footer(turn)
    assert window.gauge({"used": 41_200, "size": 128_000}) == "41.2k of 128k tokens"
    session.close()


def test_a_model_of_no_known_size_has_no_gauge(emulator: Emulator) -> None:
    emulator.models = ["my-local-model"]
    session = session_with(emulator)
    request = build_request(
        TurnOptions(api="chat", prompt="hi", model="my-local-model"),
        session.settings(),
        {},
        session.connection.files,
    )
    turn = session.run(request, RecordingView())
    assert turn.window is None and "context" not in footer(turn)
    session.close()


@pytest.mark.parametrize("api", ["responses", "chat"])
def test_a_turn_that_fills_most_of_the_window_says_so_first(emulator: Emulator, api: str) -> None:
    session = session_with(emulator, context_windows={"gpt-4.1": 3_000})
    first = run(session, api, PAGE)
    second = run(session, api, PAGE + " And the second page.")
    assert not any("context window" in note for note in first.notes)
    warned = [note for note in second.notes if "context window" in note]
    assert len(warned) == 1, second.notes
    assert "of gpt-4.1's 3k-token context window" in warned[0]
    assert "%responses compact" in warned[0] and "--truncation auto" in warned[0]
    commands.status(session, SimpleNamespace())
    session.close()


def test_status_shows_the_gauge(emulator: Emulator, capsys: Any) -> None:
    session = session_with(emulator, context_windows={"gpt-4.1": 100_000})
    turn = run(session, "responses", PAGE)
    capsys.readouterr()
    commands.status(session, SimpleNamespace())
    status = capsys.readouterr().out
    assert turn.window is not None
    assert f"Context:       {window.gauge(turn.window)} (" in status
    assert "warned at 80%" in status
    session.close()


def test_near_the_threshold_the_server_counts_the_turn(emulator: Emulator) -> None:
    session = session_with(emulator, context_windows={"gpt-4.1": 3_000})
    run(session, "responses", PAGE)
    second = run(session, "responses", PAGE + " And the second page.")
    (counted,) = emulator.requests("/v1/responses/input_tokens")
    assert counted.body["previous_response_id"] and counted.body["model"] == "gpt-4.1"
    sent = emulator.requests("/v1/responses")[-1].body
    assert counted.body["input"] == sent["input"], "counted as it is then sent"
    assert any("context window" in note for note in second.notes)
    session.close()


def test_over_the_window_truncation_auto_lets_the_server_drop_the_oldest(
    emulator: Emulator,
) -> None:
    emulator.context_window = 1_500
    session = session_with(emulator, truncation="auto")
    for _ in range(3):
        turn = run(session, "responses", PAGE)
    assert turn.status == "completed"
    assert emulator.requests("/v1/responses")[-1].body["truncation"] == "auto"
    session.close()
