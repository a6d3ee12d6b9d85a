"""Background responses through the session: sent with ``background``, a dropped
stream picked up where it broke (the answer exact, no delta twice), Stop cancelling
the run on the server, and a turn left running finished by a later session."""

from __future__ import annotations

import dataclasses
import threading
import time
from pathlib import Path
from typing import Any

import pytest

from jupyter_responses import events as ev
from jupyter_responses.backends import background
from jupyter_responses.cancel import Cancel
from jupyter_responses.emulator import Emulator
from jupyter_responses.emulator import script as s
from jupyter_responses.errors import Interrupted, OptionsError
from jupyter_responses.session import FINISHED_NOTE, Session
from jupyter_responses.turn_request import TurnOptions, build_request

from .conftest import RecordingView, settings_for

ANSWER = "The survey ran for six weeks across four regions, with 1,204 replies in all."


@pytest.fixture(autouse=True)
def quick_resumes(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(background, "FIRST_WAIT", 0.01)


def ask(session: Session, prompt: str = "Summarise the survey.", **options: Any) -> Any:
    return build_request(
        TurnOptions(api="responses", prompt=prompt, background=True, **options),
        session.settings(),
        {},
        session.connection.files,
    )


def test_a_background_turn_is_sent_so_and_remembers_its_response(
    session: Session, emulator: Emulator
) -> None:
    turn = session.run(ask(session), RecordingView())
    body = emulator.requests("/v1/responses")[-1].body
    assert body["background"] is True and body["store"] is True
    assert turn.status == "completed" and turn.background and turn.response_id


@pytest.mark.parametrize("cut", [2, 5, 9])
def test_a_dropped_stream_is_picked_up_where_it_broke(
    session: Session, emulator: Emulator, cut: int
) -> None:
    emulator.enqueue(s.text(ANSWER, deltas=10, event_delay=0.01, disconnect_after=cut))
    view = RecordingView()
    turn = session.run(ask(session), view)
    assert turn.status == "completed" and turn.text == ANSWER
    deltas = "".join(e.text for e in view.events if isinstance(e, ev.TextDelta))
    assert deltas == ANSWER, "a delta lost or sent twice"
    assert [n for n in turn.notes if "picked up where it broke" in n]
    (again,) = emulator.requests(f"/v1/responses/{turn.response_id}")
    assert again.query["starting_after"] == str(cut - 1)


def test_stop_cancels_the_run_on_the_server(session: Session, emulator: Emulator) -> None:
    emulator.enqueue(s.text(ANSWER, deltas=40, event_delay=0.05))
    cancel = Cancel()
    view = RecordingView()
    threading.Timer(0.6, cancel.set).start()
    with pytest.raises(Interrupted):
        session.run(ask(session), view, cancel)
    turn = view.finished
    assert turn is not None and turn.status == "interrupted" and turn.response_id
    assert emulator.requests(f"/v1/responses/{turn.response_id}/cancel")
    time.sleep(0.2)
    assert emulator.stored_response(turn.response_id)["status"] == "cancelled"


def test_background_needs_the_response_stored(session: Session) -> None:
    with pytest.raises(OptionsError, match="--background needs the response stored"):
        session.run(ask(session, no_store=True), RecordingView())


def test_a_turn_left_running_is_finished_by_a_later_session(
    emulator: Emulator, tmp_path: Path
) -> None:
    settings = dataclasses.replace(settings_for(emulator), db_path=str(tmp_path / "c.sqlite3"))
    first = Session(lambda: settings)
    emulator.enqueue(s.text(ANSWER, deltas=30, event_delay=0.05))
    done = threading.Event()
    threading.Thread(
        target=lambda: (first.run(ask(first), RecordingView()), done.set()), daemon=True
    ).start()
    later = Session(lambda: settings)
    deadline = time.monotonic() + 10
    while not later.unfinished():  # the running turn is saved as soon as the server has it
        assert time.monotonic() < deadline, "the running turn was never saved"
        time.sleep(0.02)
    ((conversation_id, turn_id),) = later.unfinished()
    view = RecordingView()
    turn = later.finish(conversation_id, turn_id, view)
    assert turn.status == "completed" and turn.text == ANSWER
    assert FINISHED_NOTE in turn.notes and later.conversation.head == turn_id
    assert later.unfinished() == []
    assert done.wait(10)
    first.close()
    later.close()


def test_without_streaming_it_polls_until_the_answer_is_there(
    session: Session, emulator: Emulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(background, "POLL", 0.02)
    emulator.enqueue(s.text(ANSWER, deltas=10, event_delay=0.02, queued_for=0.1))
    turn = session.run(ask(session, no_stream=True), RecordingView())
    assert turn.status == "completed" and turn.text == ANSWER and turn.background
    polls = emulator.requests(f"/v1/responses/{turn.response_id}")
    assert polls and all(r.method == "GET" and not r.query for r in polls)


def test_stop_while_polling_cancels_on_the_server(
    session: Session, emulator: Emulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(background, "POLL", 0.02)
    emulator.enqueue(s.text(ANSWER, deltas=40, event_delay=0.05))
    cancel = Cancel()
    view = RecordingView()
    threading.Timer(0.3, cancel.set).start()
    with pytest.raises(Interrupted):
        session.run(ask(session, no_stream=True), view, cancel)
    turn = view.finished
    assert turn is not None and turn.status == "interrupted"
    assert emulator.requests(f"/v1/responses/{turn.response_id}/cancel")
