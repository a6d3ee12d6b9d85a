"""The live views' redraw throttle: a floor of ``interval``, a budget share of wall
time, and a ceiling so one slow redraw never freezes a view."""

from __future__ import annotations

import threading
import time

from jupyter_responses import events as ev
from jupyter_responses.conversation import Turn
from jupyter_responses.render.live import LiveView, Throttle


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


class _Recorded(LiveView):
    def __init__(self, interval: float) -> None:
        super().__init__(interval)
        self.turn = Turn(api="chat", model="m", prompt="p")
        self.drawn: list[str] = []
        self.threads: list[str] = []

    def draw(self, turn: Turn, final: bool) -> None:
        self.drawn.append(self.so_far().text)
        self.threads.append(threading.current_thread().name)


def arrive(view: LiveView, text: str) -> None:
    """A delta, as the session's recorder hands it on: joined first, then shown."""
    view.streamed.answer.add(text)
    view.update(ev.TextDelta(text))


def test_text_that_came_before_the_stream_went_quiet_is_drawn() -> None:
    """The throttle skipped the last deltas (they came within the interval of the last
    redraw); nothing else arrives, yet they are drawn once the interval is over."""
    view = _Recorded(interval=0.05)
    view.throttle.drew(time.monotonic())  # just drawn: the deltas below are not due
    for word in ("one ", "two ", "three"):
        arrive(view, word)
    assert view.drawn == []
    deadline = time.monotonic() + 5
    while not view.drawn and time.monotonic() < deadline:
        time.sleep(0.01)
    assert view.drawn == ["one two three"]
    assert threading.current_thread() is threading.main_thread()
    view.quiet_down()
    assert view._catchup is not None
    view._catchup.join(timeout=5)
    assert not view._catchup.is_alive(), "the catch-up thread ends with the turn"


def test_after_the_turn_the_catch_up_thread_draws_nothing() -> None:
    view = _Recorded(interval=0.2)
    view.throttle.drew(time.monotonic())
    arrive(view, "late")
    view.quiet_down()  # finish comes before the interval is over
    assert view._catchup is not None
    view._catchup.join(timeout=5)
    assert view.drawn == [] and not view._catchup.is_alive()


def test_while_the_stream_flows_only_its_own_thread_draws() -> None:
    """The catch-up thread waits for the stream to go quiet: drawing beside a flowing
    stream would only compete with it for the GIL."""
    view = _Recorded(interval=0.05)
    for i in range(60):  # 0.6 s of a delta every 10 ms
        arrive(view, f"w{i} ")
        time.sleep(0.01)
    flowing = list(view.threads)
    assert flowing and set(flowing) == {threading.current_thread().name}
    deadline = time.monotonic() + 5
    while view.drawn[-1] != "".join(f"w{i} " for i in range(60)) and time.monotonic() < deadline:
        time.sleep(0.01)
    assert view.drawn[-1].endswith("w59 ")  # the tail, drawn once it went quiet
    view.quiet_down()
