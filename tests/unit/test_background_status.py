"""Where a background response stands, from the server's events to the live line: the
stream's ``response.created`` / ``.queued`` / ``.in_progress`` become ``BackgroundStatus``
events (each status once), and the live views (a cell's and the panel's widget view,
the terminal) say queued or in progress until the answer flows."""

from __future__ import annotations

import io
from contextlib import redirect_stdout
from types import SimpleNamespace
from typing import Any

from jupyter_responses import events as ev
from jupyter_responses.backends.background import Progress, _tracked
from jupyter_responses.conversation import Turn
from jupyter_responses.render.base import BACKGROUND_LINES
from jupyter_responses.render.terminal import TerminalView
from jupyter_responses.render.widget import WidgetView
from jupyter_responses.streamed import Streamed


def _event(kind: str, sequence: int, status: str | None = None) -> Any:
    response = SimpleNamespace(id="resp_1", status=status) if status else None
    return SimpleNamespace(type=kind, sequence_number=sequence, response=response)


def test_the_stream_announces_each_status_once() -> None:
    stream = [
        _event("response.created", 0, "queued"),
        _event("response.queued", 1, "queued"),
        _event("response.in_progress", 2, "in_progress"),
        _event("response.output_text.delta", 3),
        _event("response.completed", 4, "completed"),
    ]
    where = Progress()
    ours = [e for e in _tracked(stream, where) if isinstance(e, ev.Running | ev.BackgroundStatus)]
    assert ours == [
        ev.Running("resp_1"),
        ev.BackgroundStatus("queued"),
        ev.BackgroundStatus("in_progress"),
    ]
    assert where.ended and where.sequence == 4


def test_the_live_line_says_where_the_run_stands_until_the_answer_flows() -> None:
    view = WidgetView(0.0, in_cell=False)
    turn, streamed = Turn(api="responses", model="gpt-4.1", prompt="p"), Streamed()
    view.start(turn, streamed)
    assert view.chrome.status == "⏳ Waiting for gpt-4.1…"
    view.update(ev.BackgroundStatus("queued"))
    assert (
        view.chrome.status == BACKGROUND_LINES["queued"] == "⏳ Queued on the server (background)…"
    )
    view.update(ev.Retrying(1.0, 503))  # a retry's notice goes first while it lasts
    assert view.chrome.status.startswith("Retrying in 1 s")
    view.update(ev.BackgroundStatus("in_progress"))
    assert view.chrome.status == BACKGROUND_LINES["in_progress"]
    view.update(ev.Usage(1, 1))  # not the answer: still in progress
    assert view.chrome.status == BACKGROUND_LINES["in_progress"]
    streamed.answer.add("Hello", "m1", None)
    view.update(ev.TextDelta("Hello", "m1"))
    view.redraw()  # (text is drawn when the throttle allows: now)
    assert view.chrome.status == ""
    view.finish(turn)
    assert view.chrome.running is False


def test_the_terminal_writes_each_status_as_a_line() -> None:
    view = TerminalView()
    out = io.StringIO()
    with redirect_stdout(out):
        view.start(Turn(api="responses", model="gpt-4.1", prompt="p"), Streamed())
        view.update(ev.BackgroundStatus("queued"))
        view.update(ev.BackgroundStatus("in_progress"))
    assert "[Queued on the server (background)]" in out.getvalue()
    assert "[In progress on the server (background)]" in out.getvalue()
