"""The live views' redraw throttle: a floor of ``interval``, a budget share of wall
time, and a ceiling so one slow redraw never freezes a view."""

from __future__ import annotations

import time

from jupyter_responses.render.live import Throttle


def test_fast_redraws_wait_the_interval() -> None:
    throttle = Throttle(0.05)
    throttle.drew(time.monotonic())
    assert throttle.gap == 0.05
    assert not throttle.due() and throttle.due(urgent=True)


def test_slow_redraws_space_out_within_the_budget() -> None:
    throttle = Throttle(0.05)
    throttle.drew(time.monotonic() - 0.1)  # a redraw that took 100 ms
    assert abs(throttle.gap - 0.1 / Throttle.BUDGET) < 0.01


def test_one_very_slow_redraw_never_freezes_the_view() -> None:
    throttle = Throttle(0.05)
    throttle.drew(time.monotonic() - 3.0)  # e.g. a cold import inside the first redraw
    assert throttle.gap == Throttle.MAX_GAP
    throttle.last -= Throttle.MAX_GAP
    assert throttle.due()
