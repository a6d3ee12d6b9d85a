"""The SDK's own retries, seen by the turn: each wait before a retry reaches the turn's
view as a ``Retrying`` event (the status that made it retry, the seconds it waits, which
retry), while it waits; and the advice for a server that cannot be reached names where
its base URL was set."""

from __future__ import annotations

import dataclasses
import socket
import threading
import time
from typing import Any

import pytest

from jupyter_responses import events as ev
from jupyter_responses.emulator import Emulator
from jupyter_responses.emulator import script as s
from jupyter_responses.errors import ConnectionFailed, RateLimited
from jupyter_responses.session import Session

from .conftest import RecordingView, settings_for
from .test_session import ask


def retrying_session(emulator: Emulator, **changes: Any) -> Session:
    """A session whose SDK retries (twice, unless ``changes`` say otherwise)."""
    settings = dataclasses.replace(settings_for(emulator), **{"max_retries": 2, **changes})
    return Session(lambda: settings)


class TimedView(RecordingView):
    """Also notes when each event came (``time.monotonic()``)."""

    def __init__(self) -> None:
        super().__init__()
        self.times: list[float] = []

    def update(self, event: ev.Event) -> None:
        super().update(event)
        self.times.append(time.monotonic())


@pytest.mark.parametrize("api", ["responses", "chat"])
def test_a_429_retried_shows_its_wait_before_the_answer(emulator: Emulator, api: str) -> None:
    emulator.enqueue(s.HTTPError(429, retry_after=0.3), s.text("After the wait."))
    session = retrying_session(emulator)
    view = TimedView()
    try:
        turn = session.run(ask(session, api, "Hi"), view)
    finally:
        session.close()
    assert turn.status == "completed" and turn.text == "After the wait."
    first = view.events[0]
    assert first == ev.Retrying(0.3, 429, 1)  # retry-after, exactly as the SDK honours it
    answered = emulator.requests()[-1].time
    assert view.times[1] - view.times[0] >= 0.25  # said before the wait, not after it
    assert answered - emulator.requests()[0].time >= 0.29
    assert not any(isinstance(e, ev.Retrying) for e in view.events[1:])
    assert not turn.notes  # shown, not recorded


def test_each_retry_is_counted_and_the_last_failure_is_the_error(emulator: Emulator) -> None:
    emulator.enqueue(s.HTTPError(503, times=2), s.HTTPError(429, retry_after=0.05))
    session = retrying_session(emulator)
    view = RecordingView()
    try:
        with pytest.raises(RateLimited, match=r"Rate limited by 127\.0\.0\.1"):
            session.run(ask(session, "chat", "Hi"), view)
    finally:
        session.close()
    waits = [e for e in view.events if isinstance(e, ev.Retrying)]
    assert [(w.status, w.attempt) for w in waits] == [(503, 1), (503, 2)]
    assert all(0 < w.seconds <= 8 for w in waits)  # the SDK's backoff: no retry-after
    assert len(emulator.requests()) == 3


def test_a_server_that_does_not_answer_is_retried_with_no_status(emulator: Emulator) -> None:
    with socket.socket() as closed:
        closed.bind(("127.0.0.1", 0))
        port = closed.getsockname()[1]
    session = retrying_session(emulator, base_url=f"http://127.0.0.1:{port}/v1", max_retries=1)
    view = RecordingView()
    try:
        with pytest.raises(ConnectionFailed) as caught:
            session.run(ask(session, "chat", "Hi"), view)
    finally:
        session.close()
    (wait,) = view.events
    assert isinstance(wait, ev.Retrying) and wait.status is None and wait.attempt == 1
    # The base URL came from the trait: the advice names it, not the environment.
    said = str(caught.value)
    assert "%config ResponsesMagics.base_url right" in said and "OPENAI_BASE_URL" not in said
    assert caught.value.heading == "Could not connect"


def test_the_base_url_advice_follows_where_it_was_set(
    emulator: Emulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    with socket.socket() as closed:
        closed.bind(("127.0.0.1", 0))
        port = closed.getsockname()[1]
    monkeypatch.setenv("OPENAI_BASE_URL", f"http://127.0.0.1:{port}/v1")
    settings = dataclasses.replace(settings_for(emulator), base_url=None)
    session = Session(lambda: settings)
    try:
        with pytest.raises(ConnectionFailed, match="is OPENAI_BASE_URL right"):
            session.run(ask(session, "responses", "Hi"), RecordingView())
    finally:
        session.close()


def test_retries_are_told_only_to_the_turn_on_their_thread(emulator: Emulator) -> None:
    """The panel's turn runs on a worker thread while the kernel's own thread may ask
    the server too: a wait on one thread never reaches the other's view."""
    emulator.enqueue(s.HTTPError(429, retry_after=0.2), s.text("Worker's."))
    session = retrying_session(emulator)
    worker_view = RecordingView()
    heard: list[ev.Retrying] = []
    connection = session.connection
    try:
        with connection.retries_shown_to(heard.append):
            worker = threading.Thread(
                target=session.run, args=(ask(session, "chat", "Hi"), worker_view)
            )
            worker.start()
            worker.join(30)
    finally:
        session.close()
    assert worker_view.finished is not None and worker_view.finished.text == "Worker's."
    assert worker_view.events[0] == ev.Retrying(0.2, 429, 1)
    assert heard == []


def test_a_view_that_fails_on_the_notice_does_not_cost_the_answer(emulator: Emulator) -> None:
    emulator.enqueue(s.HTTPError(500), s.text("Still here."))
    session = retrying_session(emulator)

    class Clumsy(RecordingView):
        def update(self, event: ev.Event) -> None:
            if isinstance(event, ev.Retrying):
                raise RuntimeError("cannot draw")
            super().update(event)

    try:
        turn = session.run(ask(session, "responses", "Hi"), Clumsy())
    finally:
        session.close()
    assert turn.status == "completed" and turn.text == "Still here."
