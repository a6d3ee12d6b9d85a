"""How fast a map may send: as fast as the server's rate limits allow, and no faster.

OpenAI says where a client stands with every answer: ``x-ratelimit-limit-requests``
and ``-tokens`` (a minute's worth), what remains of each, and when each resets; a
request beyond a limit gets a 429 with ``retry-after``. The limits refill continuously
(a limit of 600 a minute gives one request back every 0.1 s), so the ``Pacer`` keeps a
bucket of its own per limit, as the server does: learned from the first answer's
headers, refilled at the limit's rate, drawn down by each request sent (a request's
tokens estimated from the rows answered so far) and never above what the server says
remains. A request waits for its bucket rather than finding out with a 429. A 429 all
the same (other clients sharing the key, an estimate too low) pauses every worker for
its ``retry-after``, and the requests allowed in flight halve, growing back by one per
run of successes.
"""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Mapping

#: ``6m0s``, ``1.5s``, ``120ms``, ``2h3m``: the durations OpenAI's reset headers give.
_DURATION = re.compile(r"(\d+(?:\.\d+)?)(ms|h|m|s)")
_SECONDS = {"ms": 0.001, "s": 1.0, "m": 60.0, "h": 3600.0}
KINDS = ("requests", "tokens")


def duration(text: str | None) -> float | None:
    """Seconds in a reset header's duration (``None`` when there is none)."""
    if not text:
        return None
    parts = _DURATION.findall(text.strip())
    if not parts:
        try:
            return float(text)
        except ValueError:
            return None
    return sum(float(number) * _SECONDS[unit] for number, unit in parts)


def retry_after(headers: Mapping[str, str]) -> float | None:
    """The wait a 429 asks for: ``retry-after-ms``, else ``retry-after`` in seconds."""
    if headers.get("retry-after-ms"):
        try:
            return float(headers["retry-after-ms"]) / 1000
        except ValueError:
            pass
    return duration(headers.get("retry-after"))


def _number(text: str | None) -> float | None:
    try:
        return float(text) if text is not None else None
    except ValueError:
        return None


class Pacer:
    """Shared by a map's workers: ``wait_turn`` before each request, ``observe`` each
    answer's headers, ``spent`` each answered row's tokens, ``limited`` on a 429,
    ``release`` when a request is over."""

    #: Successes in a row after which one more request may be in flight.
    GROW_AFTER = 8

    def __init__(self, most: int) -> None:
        self.most = most
        self.allowed = most  # requests in flight allowed now
        self.in_flight = 0
        self.paused_until = 0.0
        self.limited_count = 0  # 429s seen
        self.limits: dict[str, float] = {}  # kind -> a minute's limit, once known
        self.levels: dict[str, float] = {}  # kind -> what this client may still send
        self._at = time.monotonic()
        self._tokens: float | None = None  # tokens a request counts, on average
        self._streak = 0
        self._cond = threading.Condition()

    def wait_turn(self, stop: threading.Event) -> bool:
        """Block until a request may go (``False``: the map was stopped meanwhile)."""
        with self._cond:
            while not stop.is_set():
                now = time.monotonic()
                self._refill(now)
                wait = max(self.paused_until - now, self._short_by())
                if wait <= 0 and self.in_flight < self.allowed:
                    self.in_flight += 1
                    for kind in self.levels:
                        self.levels[kind] -= self._need(kind)
                    return True
                self._cond.wait(timeout=min(max(wait, 0.002), 0.25))
            return False

    def release(self, succeeded: bool) -> None:
        with self._cond:
            self.in_flight -= 1
            if succeeded:
                self._streak += 1
                if self._streak >= self.GROW_AFTER and self.allowed < self.most:
                    self.allowed += 1
                    self._streak = 0
            self._cond.notify_all()

    def observe(self, headers: Mapping[str, str]) -> None:
        """An answer's rate-limit headers: the limits, and what the server says
        remains (this client's own count never goes above it)."""
        with self._cond:
            self._refill(time.monotonic())
            for kind in KINDS:
                limit = _number(headers.get(f"x-ratelimit-limit-{kind}"))
                remaining = _number(headers.get(f"x-ratelimit-remaining-{kind}"))
                if not limit or remaining is None:
                    continue
                self.limits[kind] = limit
                self.levels[kind] = min(self.levels.get(kind, remaining), remaining)
            self._cond.notify_all()

    def spent(self, tokens: int) -> None:
        """An answered request counted ``tokens`` (its usage): the estimate for the next."""
        if tokens > 0:
            with self._cond:
                self._tokens = tokens if self._tokens is None else 0.8 * self._tokens + 0.2 * tokens

    def limited(self, wait: float | None) -> None:
        """A 429: everyone waits ``wait`` (or a second), and fewer go at once."""
        with self._cond:
            self.limited_count += 1
            self.allowed = max(1, self.allowed // 2)
            self._streak = 0
            self.paused_until = max(self.paused_until, time.monotonic() + (wait or 1.0))
            self._cond.notify_all()

    def _refill(self, now: float) -> None:
        elapsed, self._at = max(0.0, now - self._at), now
        for kind, level in self.levels.items():
            limit = self.limits[kind]
            self.levels[kind] = min(limit, level + elapsed * limit / 60)

    def _need(self, kind: str) -> float:
        return 1.0 if kind == "requests" else (self._tokens or 1.0)

    def _short_by(self) -> float:
        """Seconds until every known bucket holds what one more request takes."""
        return max(
            (
                (self._need(kind) - level) * 60 / self.limits[kind]
                for kind, level in self.levels.items()
                if level < self._need(kind)
            ),
            default=0.0,
        )
