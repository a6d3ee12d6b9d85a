"""The warm-up after ``%load_ext``: a daemon thread that ends, that runs only while no
cell runs, that connects nowhere, and that swallows its own errors (a missing module, no
API key) without a word above debug level."""

from __future__ import annotations

import logging
import socket
import sys
import threading
import time
from collections.abc import Iterator
from typing import Any

import pytest
from IPython.core.events import EventManager, available_events

from jupyter_responses import warmup
from jupyter_responses.backends import Connection
from jupyter_responses.config import ResponsesConfig


class Shell:
    """As much of a shell as the warm-up uses: its events (and, optionally, a kernel)."""

    def __init__(self, kernel: object = None) -> None:
        self.events = EventManager(self, available_events)
        self.kernel = kernel

    def showtraceback(self) -> None:
        raise AssertionError("a cell callback raised")


@pytest.fixture
def listener() -> Iterator[socket.socket]:
    """A socket that would accept a connection, were one made to it."""
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen()
        server.settimeout(0)
        yield server


def _connection(server: socket.socket) -> Connection:
    host, port = server.getsockname()
    return Connection(ResponsesConfig(base_url=f"http://{host}:{port}/v1").settings)


def test_the_thread_warms_the_client_and_renderer_then_ends_without_connecting(
    listener: socket.socket, caplog: pytest.LogCaptureFixture
) -> None:
    from jupyter_responses.render import markup

    markup._renderer.cache_clear()
    connection = _connection(listener)
    with caplog.at_level(logging.DEBUG, logger=warmup.__name__):
        thread = warmup.start(Shell(), connection)
        thread.join(60)
    assert not thread.is_alive() and thread.daemon and thread.name == "jupyter_responses-warmup"
    assert caplog.records == [], [r.getMessage() for r in caplog.records]
    assert connection._clients, "the session's client is made"
    assert markup._renderer.cache_info().currsize == 1, "the Markdown renderer is built"
    with pytest.raises(BlockingIOError):
        listener.accept()  # nothing connected


def test_it_runs_only_while_no_cell_runs(monkeypatch: pytest.MonkeyPatch) -> None:
    """A cell starting waits for the step under way, the next step waits for the cell
    (the outermost, when cells nest) to end; once the warm-up is over, its callbacks
    remove themselves."""
    started, ran = threading.Event(), []

    def slow() -> None:
        started.set()
        time.sleep(0.3)
        ran.append("slow")

    monkeypatch.setattr(
        warmup, "steps", lambda shell, connection: [slow, lambda: ran.append("next")]
    )
    shell = Shell()
    thread = warmup.start(shell, None)
    assert started.wait(10)
    shell.events.trigger("pre_run_cell", None)  # a cell starts
    assert ran == ["slow"], "the cell started before the step under way ended"
    shell.events.trigger("pre_run_cell", None)  # it runs a cell of its own
    shell.events.trigger("post_run_cell", None)
    time.sleep(0.2)
    assert ran == ["slow"] and thread.is_alive(), "a step ran while the cell ran"
    shell.events.trigger("post_run_cell", None)  # the outer cell ends
    thread.join(10)
    assert ran == ["slow", "next"] and not thread.is_alive()
    shell.events.trigger("pre_run_cell", None)
    shell.events.trigger("post_run_cell", None)
    assert shell.events.callbacks["pre_run_cell"] == []
    assert shell.events.callbacks["post_run_cell"] == []


def test_errors_are_swallowed_and_the_other_steps_still_run(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    ran = []

    def broken() -> None:
        raise RuntimeError("boom")

    monkeypatch.setattr(
        warmup, "steps", lambda shell, connection: [broken, lambda: ran.append("after")]
    )
    with caplog.at_level(logging.DEBUG, logger=warmup.__name__):
        warmup.start(Shell(), None).join(60)
    assert ran == ["after"]
    assert [r.levelno for r in caplog.records] == [logging.DEBUG]
    assert "boom" in caplog.records[0].getMessage()


def test_a_missing_sdk_or_widget_library_or_key_costs_nothing(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    """Without openai, ipywidgets or an API key, every step that needs them fails
    quietly; the rest still runs; nothing escapes the thread."""
    missing = ("openai", "ipywidgets", "anywidget", "jupyter_responses.render.widget")
    for name in [n for n in sys.modules if n.startswith(tuple(m + "." for m in missing))]:
        monkeypatch.delitem(sys.modules, name)
    for name in missing:
        monkeypatch.setitem(sys.modules, name, None)  # importing it raises ImportError
    from jupyter_responses import render

    monkeypatch.delattr(render, "widget", raising=False)  # else found on the package
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    monkeypatch.delenv("OPENAI_BASE_URL", raising=False)
    escaped: list[Any] = []
    monkeypatch.setattr(threading, "excepthook", escaped.append)
    connection = Connection(ResponsesConfig().settings)
    with caplog.at_level(logging.DEBUG, logger=warmup.__name__):
        warmup.start(Shell(kernel=object()), connection).join(60)
    assert escaped == []
    failed = {r.args[0] for r in caplog.records}
    assert failed == {"_sdk", "default_api", "views", "other_apis"}
    assert {r.levelno for r in caplog.records} == {logging.DEBUG}


def test_an_interrupt_while_a_cell_waits_for_a_step_shows_nothing(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """IPython shows an exception raised in a ``pre_run_cell`` callback as a traceback
    (and runs the cell anyway): an interrupt that lands while the cell waits for the
    step under way ends the wait, and nothing is shown."""
    import os
    import signal

    started, release = threading.Event(), threading.Event()

    def stuck() -> None:
        started.set()
        release.wait(10)

    monkeypatch.setattr(warmup, "steps", lambda shell, connection: [stuck])
    shell = Shell()  # showtraceback fails the test
    thread = warmup.start(shell, None)
    assert started.wait(10)
    threading.Timer(0.2, os.kill, (os.getpid(), signal.SIGINT)).start()  # as a kernel does
    began = time.monotonic()
    shell.events.trigger("pre_run_cell", None)
    assert time.monotonic() - began < warmup.STEP_TIMEOUT / 2, "the wait did not end"
    release.set()
    shell.events.trigger("post_run_cell", None)
    thread.join(10)
    assert not thread.is_alive()
