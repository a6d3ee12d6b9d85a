"""What a compaction that fails says, in-process against the emulator (the fault matrix
runs the same faults in kernels): a server without ``/responses/compact`` is told apart
from a missing model, its URL shown without credentials; a server that reached and then
dropped the connection is not called unreachable; and the conversation is as before, so
compacting again works."""

from __future__ import annotations

import dataclasses

import pytest

from jupyter_responses import commands
from jupyter_responses.emulator import Emulator
from jupyter_responses.emulator import script as s
from jupyter_responses.errors import ConnectionFailed, JupyterResponsesError, NotFound
from jupyter_responses.session import Session
from jupyter_responses.turn_request import TurnOptions, build_request

from .conftest import RecordingView, settings_for


def _turn(session: Session, prompt: str, compact: bool = False) -> None:
    options = TurnOptions(api="responses", prompt=prompt, compact=compact)
    request = build_request(options, session.settings(), {}, session.connection.files)
    session.run(request, RecordingView())


def _compact_fails(session: Session) -> JupyterResponsesError:
    with pytest.raises(JupyterResponsesError) as failed:
        _turn(session, commands.COMPACT_PROMPT, compact=True)
    return failed.value


def _statuses(session: Session) -> list[str]:
    return [turn.status for turn in session.conversation.branch()]


def test_a_missing_endpoint_is_not_a_missing_model(
    emulator: Emulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    with_password = emulator.url.replace("http://", "http://jr-user:secretpw@")
    settings = dataclasses.replace(settings_for(emulator), base_url=with_password)
    session = Session(lambda: settings)
    try:
        _turn(session, "first")
        emulator.enqueue(
            s.HTTPError(404, message="Invalid URL (POST /v1/responses/compact)", code="unknown_url")
        )
        error = _compact_fails(session)
        assert isinstance(error, NotFound) and error.heading == "No compaction endpoint"
        said = str(error)
        assert said.startswith(f"{emulator.url} has no compaction endpoint"), said
        assert "secretpw" not in said and "jr-user" not in said
        assert "%responses compact --api chat" in said

        emulator.enqueue(s.HTTPError(404))  # OpenAI's model_not_found
        error = _compact_fails(session)
        assert error.heading == "Unknown model" and "'gpt-4.1' is not available" in str(error)
        assert _statuses(session) == ["completed", "failed", "failed"]
        _turn(session, commands.COMPACT_PROMPT, compact=True)  # the endpoint answers again
        assert session.conversation.branch()[-1].compacts()
    finally:
        session.close()


def test_a_dropped_compaction_says_the_server_hung_up(session: Session, emulator: Emulator) -> None:
    _turn(session, "first")
    emulator.enqueue(s.text("unused", disconnect_after=0))  # max_retries is 0 here
    error = _compact_fails(session)
    assert isinstance(error, ConnectionFailed) and error.heading == "Connection closed"
    assert (
        str(error)
        == "127.0.0.1 closed the connection before it answered. Re-run the cell to retry."
    )
    emulator.stop()  # a server that is gone is still one that cannot be reached
    error = _compact_fails(session)
    assert isinstance(error, ConnectionFailed) and "Could not reach" in str(error)
