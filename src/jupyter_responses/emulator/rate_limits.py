"""Rate limits as OpenAI enforces and reports them, for clients that pace themselves.

Off unless given (``Emulator(rate_limits=RateLimits(requests_per_minute=600))``, or a
``{model: RateLimits}`` dict for some models only; ``emu.rate_limits = ...`` later). Each
model has its own limits, as each model has at OpenAI. Every ``POST /v1/responses`` and
``POST /v1/chat/completions`` (streamed or not, and whatever its answer) then takes one
request and its tokens from its model's two buckets, and its answer carries what
OpenAI's carry::

    x-ratelimit-limit-requests: 600        x-ratelimit-limit-tokens: 30000
    x-ratelimit-remaining-requests: 599    x-ratelimit-remaining-tokens: 29950
    x-ratelimit-reset-requests: 100ms      x-ratelimit-reset-tokens: 100ms

A bucket holds a minute's limit and refills continuously at limit/60 a second, which is
what OpenAI's headers show (one request of a 10,000 RPM limit resets in ``6ms``); reset
is the time until the bucket is full again, written as Go durations (``6ms``, ``1.5s``,
``6m0s``). A request its bucket cannot cover is not served and takes nothing: a 429 with
OpenAI's body (``type`` ``requests`` or ``tokens``, code ``rate_limit_exceeded``, "Rate
limit reached for gpt-4.1 in organization org-... on requests per min (RPM): Limit 600,
Used 600, Requested 1. Please try again in 100ms. Visit ...") and ``retry-after-ms`` /
``retry-after`` (rounded up, so waiting that long is always enough). A request needing
more tokens than the whole limit is OpenAI's "Request too large" 429, with no retry hint.

Tokens are counted as OpenAI counts them against TPM, before the answer: the prompt as
the emulator's usage counts it (four characters a token, ``usage.count_tokens``: Chat's
messages as sent, ``chat_api.prompt_of``; Responses' instructions and input) plus the
most output the request allows (``max_output_tokens``, ``max_completion_tokens`` or
``max_tokens``, times ``n``); with none given, 15, as the OpenAI cookbook's parallel
request processor estimates it. Batch lines count against no limit (``batch_lines.py``).
"""

from __future__ import annotations

import json
import math
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from .chat_api import prompt_of
from .errors import ApiError
from .usage import count_tokens

#: The routes (``server.ROUTES`` method names) that rate limits apply to.
LIMITED = ("create_response", "chat_completion")
#: Output tokens counted for a request that sets no maximum.
DEFAULT_OUTPUT = 15
ORGANIZATION = "org-emulator"
_MORE = "Visit https://platform.openai.com/account/rate-limits to learn more."


@dataclass(frozen=True)
class RateLimits:
    """A model's limits per minute (``None``: no such limit)."""

    requests_per_minute: int | None = None
    tokens_per_minute: int | None = None


#: Limits for every model, or by model name (others unlimited), or none at all.
Limits = RateLimits | Mapping[str, RateLimits] | None


class _Bucket:
    """A minute's worth of a limit, refilled continuously."""

    def __init__(self, limit: int, now: float) -> None:
        self.limit = limit
        self.level = float(limit)
        self.at = now

    def refill(self, now: float) -> None:
        elapsed = max(0.0, now - self.at)
        self.level = min(float(self.limit), self.level + elapsed * self.limit / 60)
        self.at = max(now, self.at)

    def wait(self, amount: int) -> float:
        """Seconds until ``amount`` is there (0: now)."""
        return max(0.0, (amount - self.level) * 60 / self.limit)

    def headers(self, kind: str) -> dict[str, str]:
        return {
            f"x-ratelimit-limit-{kind}": str(self.limit),
            f"x-ratelimit-remaining-{kind}": str(max(0, math.floor(self.level))),
            f"x-ratelimit-reset-{kind}": duration((self.limit - self.level) * 60 / self.limit),
        }


class RateLimiter:
    """The buckets of every model that has limits; locks itself."""

    def __init__(self, limits: Limits = None) -> None:
        self._lock = threading.Lock()
        self._limits = limits
        self._buckets: dict[tuple[str, str], _Bucket] = {}

    @property
    def limits(self) -> Limits:
        return self._limits

    @limits.setter
    def limits(self, value: Limits) -> None:
        with self._lock:
            self._limits = value
            self._buckets.clear()

    def refill(self) -> None:
        """Every bucket full again (``emu.reset()``)."""
        with self._lock:
            self._buckets.clear()

    def admit(self, model: str, tokens: int) -> dict[str, str]:
        """Take one request and ``tokens`` from ``model``'s buckets: the headers its
        answer carries; a 429 ``ApiError`` (nothing taken) when they cannot."""
        limits = self._for(model)
        if limits is None:
            return {}
        wanted = {
            "requests": (limits.requests_per_minute, 1),
            "tokens": (limits.tokens_per_minute, tokens),
        }
        with self._lock:
            now = time.monotonic()
            buckets: dict[str, tuple[_Bucket, int]] = {}
            for kind, (limit, amount) in wanted.items():
                if limit is not None:
                    bucket = self._buckets.setdefault((model, kind), _Bucket(limit, now))
                    bucket.refill(now)
                    buckets[kind] = (bucket, amount)
            headers = {k: v for kind, (b, _) in buckets.items() for k, v in b.headers(kind).items()}
            for kind, (bucket, amount) in buckets.items():
                if amount > bucket.limit:
                    raise _too_large(model, kind, bucket, amount, headers)
                if bucket.wait(amount) > 0:
                    raise _reached(model, kind, bucket, amount, headers)
            for kind, (bucket, amount) in buckets.items():
                bucket.level -= amount
                headers.update(bucket.headers(kind))
        return headers

    def _for(self, model: str) -> RateLimits | None:
        limits = self._limits
        if isinstance(limits, RateLimits) or limits is None:
            return limits
        return limits.get(model)


def admit(limiter: RateLimiter, route: str, body: Any) -> dict[str, str]:
    """The rate-limit headers for a request to ``route`` (none for other routes, or a
    body without a model: its own validation answers it); a 429 when over the limit."""
    if route not in LIMITED or not isinstance(body, dict) or not isinstance(body.get("model"), str):
        return {}
    return limiter.admit(body["model"], requested_tokens(body))


def requested_tokens(body: dict[str, Any]) -> int:
    """The tokens a request counts against TPM: its prompt and its most output."""
    if "messages" in body:
        prompt = prompt_of(body)
    else:
        given = body.get("input")
        text = given if isinstance(given, str) else json.dumps(given) if given else ""
        prompt = str(body.get("instructions") or "") + text
    most = next(
        (
            body[name]
            for name in ("max_output_tokens", "max_completion_tokens", "max_tokens")
            if isinstance(body.get(name), int)
        ),
        DEFAULT_OUTPUT,
    )
    n = body.get("n")
    choices = n if isinstance(n, int) and n > 1 else 1
    return count_tokens(prompt) + most * choices


def duration(seconds: float) -> str:
    """``seconds`` as OpenAI's headers and messages write it (Go's durations, rounded
    up to the millisecond): ``0s``, ``120ms``, ``1.5s``, ``6m0s``, ``1h0m0s``."""
    ms = math.ceil(seconds * 1000 - 1e-6)
    if ms <= 0:
        return "0s"
    if ms < 1000:
        return f"{ms}ms"
    minutes, rest = divmod(ms, 60_000)
    hours, minutes = divmod(minutes, 60)
    text = f"{rest / 1000:.3f}".rstrip("0").rstrip(".") + "s"
    if hours:
        return f"{hours}h{minutes}m{text}"
    return f"{minutes}m{text}" if minutes else text


_NAMES = {"requests": "requests per min (RPM)", "tokens": "tokens per min (TPM)"}


def _reached(
    model: str, kind: str, bucket: _Bucket, amount: int, headers: dict[str, str]
) -> ApiError:
    wait = bucket.wait(amount)
    used = bucket.limit - max(0, math.floor(bucket.level))
    message = (
        f"Rate limit reached for {model} in organization {ORGANIZATION} on {_NAMES[kind]}: "
        f"Limit {bucket.limit}, Used {used}, Requested {amount}. Please try again in "
        f"{duration(wait)}. {_MORE}"
    )
    hint = {
        "retry-after-ms": str(math.ceil(wait * 1000 - 1e-6)),
        "retry-after": str(math.ceil(wait - 1e-9)),
    }
    return ApiError(429, message, kind, "rate_limit_exceeded", None, {**headers, **hint})


def _too_large(
    model: str, kind: str, bucket: _Bucket, amount: int, headers: dict[str, str]
) -> ApiError:
    message = (
        f"Request too large for {model} in organization {ORGANIZATION} on {_NAMES[kind]}: "
        f"Limit {bucket.limit}, Requested {amount}. The input or output tokens must be reduced "
        f"in order to run successfully. {_MORE}"
    )
    return ApiError(429, message, kind, "rate_limit_exceeded", None, headers)
