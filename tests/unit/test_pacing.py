"""The map's pacer: OpenAI's durations and retry hints read, limits learned from the
headers, a request made to wait for what its bucket lacks, a 429 pausing everyone and
halving what may be in flight."""

from __future__ import annotations

import threading
import time

import pytest

from jupyter_responses.maps.pacing import Pacer, duration, retry_after


@pytest.mark.parametrize(
    ("text", "seconds"),
    [("6m0s", 360.0), ("1.5s", 1.5), ("120ms", 0.12), ("2h3m", 7380.0), ("7", 7.0), ("", None)],
)
def test_durations_as_openai_writes_them(text: str, seconds: float | None) -> None:
    assert (
        duration(text) == pytest.approx(seconds) if seconds is not None else duration(text) is None
    )


def test_retry_after_prefers_milliseconds() -> None:
    assert retry_after({"retry-after-ms": "250", "retry-after": "1"}) == pytest.approx(0.25)
    assert retry_after({"retry-after": "2"}) == 2.0
    assert retry_after({}) is None


def test_limits_are_learned_and_a_spent_bucket_makes_requests_wait() -> None:
    pacer = Pacer(8)
    stop = threading.Event()
    assert pacer.wait_turn(stop)  # nothing known yet: it goes
    pacer.release(True)
    pacer.observe(
        {
            "x-ratelimit-limit-requests": "600",
            "x-ratelimit-remaining-requests": "0",
            "x-ratelimit-limit-tokens": "60000",
            "x-ratelimit-remaining-tokens": "59000",
        }
    )
    assert pacer.limits == {"requests": 600, "tokens": 60000}
    assert 0.0 < pacer._short_by() <= 0.1  # one request back every 0.1 s
    started = time.monotonic()
    assert pacer.wait_turn(stop)
    assert time.monotonic() - started >= 0.05  # it waited for the bucket
    pacer.release(True)


def test_a_bucket_never_holds_more_than_the_server_says_remains() -> None:
    pacer = Pacer(8)
    headers = {"x-ratelimit-limit-requests": "6000", "x-ratelimit-remaining-requests": "5"}
    pacer.observe(headers)
    pacer.observe({**headers, "x-ratelimit-remaining-requests": "3"})
    assert pacer.levels["requests"] == pytest.approx(3, abs=0.1)


def test_token_estimates_follow_the_rows_answered() -> None:
    pacer = Pacer(8)
    pacer.observe({"x-ratelimit-limit-tokens": "6000", "x-ratelimit-remaining-tokens": "100"})
    pacer.spent(300)
    assert pacer._short_by() == pytest.approx((300 - 100) * 60 / 6000, rel=0.05)


def test_a_429_pauses_everyone_and_halves_the_requests_in_flight() -> None:
    pacer = Pacer(8)
    stop = threading.Event()
    pacer.limited(0.2)
    assert pacer.allowed == 4 and pacer.limited_count == 1
    started = time.monotonic()
    assert pacer.wait_turn(stop)
    assert time.monotonic() - started >= 0.15
    for _ in range(Pacer.GROW_AFTER):
        pacer.release(True)
        assert pacer.wait_turn(stop)
    assert pacer.allowed == 5  # grows back, one at a time


def test_a_stop_ends_the_wait() -> None:
    pacer = Pacer(1)
    stop = threading.Event()
    pacer.limited(30)
    threading.Timer(0.1, stop.set).start()
    assert pacer.wait_turn(stop) is False
