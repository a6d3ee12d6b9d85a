"""What picking a dropped background stream up costs: deltas lost, round trips added,
and time, against the same background turn with no drop, measured in the same run.

    python bench/resume.py [--quick]

A ``%%respond --background`` turn (the session, a terminal view) streams ``N`` deltas
from the emulator, which drops the connection halfway (``disconnect_after``) while the
run goes on on the server; the client retrieves the stream from the event after the
last one it saw. The baseline is the same turn without the drop. The rows say how many
deltas the view got (against ``N``: none lost, none twice), how many HTTP requests the
turn made (the drop adds the one retrieve), and the median wall time of each.
"""

from __future__ import annotations

import contextlib
import io
import statistics
import time
from typing import Any

from common import Row, main

from jupyter_responses import events as ev
from jupyter_responses.backends import background
from jupyter_responses.config import ResponsesConfig
from jupyter_responses.emulator import Emulator, script
from jupyter_responses.render.terminal import TerminalView
from jupyter_responses.session import Session
from jupyter_responses.turn_request import TurnRequest

WORD = "tok "


class Counting(TerminalView):
    """The terminal view, counting the text deltas it was given."""

    def __init__(self) -> None:
        super().__init__()
        self.deltas = 0

    def update(self, event: ev.Event) -> None:
        if type(event) is ev.TextDelta:
            self.deltas += 1
        super().update(event)


def one_turn(emulator: Emulator, n: int, drop: bool) -> tuple[float, int, int, str]:
    """(seconds, deltas the view got, HTTP requests, the answer) of one turn."""
    reply: dict[str, Any] = {"disconnect_after": n // 2} if drop else {}
    emulator.enqueue(script.fast_stream(n, WORD, event_delay=0.0, **reply))
    settings = ResponsesConfig(
        base_url=emulator.url, max_retries=0, widgets=False, db_path=":memory:"
    ).settings()
    session = Session(lambda: settings)
    request = TurnRequest(api="responses", prompt="x", model="gpt-4.1", background=True)
    view = Counting()
    before = len(emulator.requests())
    started = time.perf_counter()
    with contextlib.redirect_stdout(io.StringIO()):
        turn = session.run(request, view)
    seconds = time.perf_counter() - started
    session.close()
    return seconds, view.deltas, len(emulator.requests()) - before, turn.text


def rows(quick: bool) -> list[Row]:
    n = 2_000 if quick else 10_000
    rounds = 3 if quick else 7
    background.FIRST_WAIT = 0.0  # the wait before retrieving is a policy, not a cost
    with Emulator() as emulator:
        plain = [one_turn(emulator, n, drop=False) for _ in range(rounds)]
        dropped = [one_turn(emulator, n, drop=True) for _ in range(rounds)]
    expected = WORD * n
    lost = [n - deltas for _, deltas, _, text in dropped if text == expected]
    exact = len(lost) == rounds and all(count == 0 for count in lost)
    extra = max(r for _, _, r, _ in dropped) - max(r for _, _, r, _ in plain)
    base, ours = statistics.median(t for t, *_ in plain), statistics.median(t for t, *_ in dropped)
    return [
        Row(
            "Background",
            f"deltas lost when the connection drops halfway, {n:,} deltas",
            f"{max(lost) if lost else n:,}",
            "0",
            exact,
            f"{rounds} turns; the answer exact and no delta shown twice in each",
        ),
        Row(
            "Background",
            "round trips the resume adds",
            f"{extra}",
            "≤ 1",
            extra <= 1,
            f"requests per turn: {max(r for _, _, r, _ in plain)} without a drop, "
            f"{max(r for _, _, r, _ in dropped)} with one (the retrieve from the last event)",
        ),
        Row(
            "Background",
            f"turn time with a drop halfway, {n:,} deltas",
            f"{ours / base:.3f}×",
            "",
            None,
            f"median {ours * 1000:.0f} ms against {base * 1000:.0f} ms without the drop",
        ),
    ]


if __name__ == "__main__":
    main(rows)
