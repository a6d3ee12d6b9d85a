"""How our errors show themselves in IPython (``_render_traceback_``), the notice a
live view gives while the SDK waits to retry, and the status lines a failure no longer
repeats."""

from __future__ import annotations

import pickle
from typing import Any

import pytest
from IPython.core.interactiveshell import InteractiveShell

from jupyter_responses import errors
from jupyter_responses import events as ev
from jupyter_responses.conversation import Turn
from jupyter_responses.render.base import STATUS_LINES, retry_notice, status_line
from jupyter_responses.render.live import LiveView


def every_error() -> list[type[errors.JupyterResponsesError]]:
    return [
        value
        for value in vars(errors).values()
        if isinstance(value, type) and issubclass(value, errors.JupyterResponsesError)
    ]


def test_every_error_has_a_heading_of_its_own() -> None:
    headings = [kind.heading for kind in every_error()]
    assert all(heading and len(heading) < 40 for heading in headings)
    assert len(set(headings)) == len(headings), headings


def test_an_error_is_its_heading_over_its_message() -> None:
    error = errors.RateLimited("Rate limited by example.com (429): slow down. Wait.", 429)
    assert error.block() == ["Rate limited", "Rate limited by example.com (429): slow down. Wait."]
    lost = errors.ConnectionFailed("The connection dropped.", heading="Connection lost")
    assert lost.block() == ["Connection lost", "The connection dropped."]
    assert errors.ConnectionFailed("x").heading == "Could not connect"  # the class's stays
    # A message that starts with its heading does not say it twice.
    stopped = errors.Interrupted("Interrupted: the partial answer is kept.")
    assert stopped.block() == ["Interrupted", "The partial answer is kept."]


def test_a_heading_survives_pickling() -> None:
    error = errors.ServerError("boom", 503, None, heading="Server unavailable")
    copy = pickle.loads(pickle.dumps(error))
    assert (copy.heading, copy.status, str(copy)) == ("Server unavailable", 503, "boom")


@pytest.fixture
def shell() -> Any:
    made = InteractiveShell.instance()
    yield made
    InteractiveShell.clear_instance()


def test_ipython_shows_the_block_and_the_cell_fails(shell: Any, capsys: Any) -> None:
    shell.colors = "nocolor"
    shell.user_ns["errors"] = errors
    result = shell.run_cell("raise errors.ServerError('example.com failed with 500.', 500)")
    assert not result.success and isinstance(result.error_in_exec, errors.ServerError)
    out = capsys.readouterr().out
    assert out.strip() == "Server error\nexample.com failed with 500."


def test_colours_follow_the_shell(shell: Any) -> None:
    error = errors.TimedOut("No answer.")
    shell.colors = "linux"
    assert error._render_traceback_() == ["\x1b[1;31mTimed out\x1b[0m", "No answer."]
    shell.colors = "nocolor"
    assert error._render_traceback_() == ["Timed out", "No answer."]


def test_full_traceback_is_ipythons_own(shell: Any) -> None:
    shell.colors = "nocolor"
    try:
        raise errors.BadRequest("rejected (400).", 400)
    except errors.BadRequest as caught:
        error = caught
    error.full_traceback = True
    text = "\n".join(error._render_traceback_())
    assert "Traceback (most recent call last)" in text and "rejected (400)." in text
    assert "test_full_traceback_is_ipythons_own" in text  # the frames are there


@pytest.mark.parametrize(
    ("event", "said"),
    [
        (ev.Retrying(2.0, 429, 1), "Retrying in 2 s (429 rate limited)…"),
        (ev.Retrying(0.4637, 500, 2), "Retrying in 0.5 s (500 server error, retry 2)…"),
        (ev.Retrying(12.3, 503, 1), "Retrying in 12 s (503 server unavailable)…"),
        (ev.Retrying(1.0, 599, 1), "Retrying in 1 s (599 server error)…"),
        (ev.Retrying(0.8, None, 1), "Retrying in 0.8 s (no answer)…"),
    ],
)
def test_the_retry_notice(event: ev.Retrying, said: str) -> None:
    assert retry_notice(event) == said


class Drawn(LiveView):
    def __init__(self) -> None:
        super().__init__(interval=60)  # only urgent redraws
        self.turn = Turn(api="chat", model="m", prompt="p")
        self.notices: list[str] = []

    def draw(self, turn: Turn, final: bool) -> None:
        self.notices.append(self.notice)


@pytest.mark.parametrize("then", [ev.TextDelta("Hi"), ev.ReasoningDelta("Hm"), ev.Usage(1, 1)])
def test_a_live_view_says_the_retry_at_once_and_drops_it_with_what_comes_next(
    then: ev.Event,
) -> None:
    view = Drawn()
    view.update(ev.Retrying(1.0, 429, 1))
    assert view.notices == ["Retrying in 1 s (429 rate limited)…"]  # drawn at once
    view.update(then)
    assert view.notice == ""
    view.redraw(final=True)
    assert view.notices[-1] == ""


def test_a_failure_is_not_said_again_under_the_answer() -> None:
    turn = Turn(api="chat", model="m", prompt="p", text="partial")
    for status, line in [
        ("failed", None),
        ("stopped", None),
        ("incomplete", STATUS_LINES["incomplete"]),
        ("interrupted", STATUS_LINES["interrupted"]),
        ("completed", None),
    ]:
        turn.status = status  # type: ignore[assignment]
        assert status_line(turn) == line, status
        # in a cell an interrupt's block says it, and nothing else is said twice
        in_cell = None if status == "interrupted" else line
        assert status_line(turn, in_cell=True) == in_cell, status
