"""Scripted rate limits, served as OpenAI serves them: every answer of both APIs carries
the ``x-ratelimit-*`` headers, a request over a limit gets OpenAI's 429 with a retry
hint that is always enough, the counts fall and refill at the limit's rate, and a
client pacing itself by the headers gets at least 90% of the limit (and never more)."""

from __future__ import annotations

import http.client
import json
import math
import re
import time
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlsplit

import openai
import pytest
from openai import OpenAI

from jupyter_responses.emulator import Emulator, RateLimits
from jupyter_responses.emulator.rate_limits import duration
from tests.spec import validate_response

RESPONSES, CHAT = "/v1/responses", "/v1/chat/completions"
HEADERS = ("limit", "remaining", "reset")


class Wire:
    """One kept-alive connection to the emulator: status, headers and JSON of each answer."""

    def __init__(self, emulator: Emulator) -> None:
        parts = urlsplit(emulator.url)
        self.conn = http.client.HTTPConnection(parts.hostname or "", parts.port, timeout=30)

    def post(self, path: str, body: dict[str, Any]) -> tuple[int, dict[str, str], Any]:
        headers = {"content-type": "application/json", "authorization": "Bearer sk-test"}
        self.conn.request("POST", path, json.dumps(body), headers)
        response = self.conn.getresponse()
        data = response.read()
        kind = response.getheader("content-type", "")
        parsed = json.loads(data) if kind.startswith("application/json") else data.decode()
        return response.status, {k.lower(): v for k, v in response.getheaders()}, parsed


@pytest.fixture
def wire(emulator: Emulator) -> Iterator[Wire]:
    wire = Wire(emulator)
    yield wire
    wire.conn.close()


def _body(path: str, text: str = "hi", most: int = 20, model: str = "gpt-4.1") -> dict[str, Any]:
    if path == CHAT:
        return {"model": model, "messages": [{"role": "user", "content": text}], "max_tokens": most}
    return {"model": model, "input": text, "max_output_tokens": most}


def _seconds(text: str) -> float:
    """A Go duration as OpenAI writes it (``120ms``, ``1.5s``, ``6m0s``) in seconds."""
    units = {"h": 3600.0, "m": 60.0, "s": 1.0, "ms": 0.001}
    parts = re.findall(r"([\d.]+)(ms|h|m|s)", text)
    assert parts and "".join(n + u for n, u in parts) == text, text
    return sum(float(number) * units[unit] for number, unit in parts)


def test_durations_are_written_as_openai_writes_them() -> None:
    assert [duration(s) for s in (0, 0.0004, 0.12, 1, 1.5, 59.9994, 360, 3725.25)] == [
        "0s",
        "1ms",
        "120ms",
        "1s",
        "1.5s",
        "1m0s",
        "6m0s",
        "1h2m5.25s",
    ]


@pytest.mark.parametrize("path", [RESPONSES, CHAT])
@pytest.mark.parametrize("stream", [False, True])
def test_every_answer_carries_the_headers_and_the_counts_fall(
    path: str, stream: bool, emulator: Emulator, wire: Wire
) -> None:
    emulator.rate_limits = RateLimits(requests_per_minute=60, tokens_per_minute=10_000)
    seen = []
    started = time.monotonic()
    for _ in range(3):
        status, headers, _ = wire.post(path, {**_body(path), "stream": stream})
        assert status == 200
        seen.append(headers)
    took = time.monotonic() - started
    prompt = "hi" if path == RESPONSES else json.dumps(_body(CHAT)["messages"])
    asked = math.ceil(len(prompt) / 4) + 20  # four characters a token, and the most output
    first = seen[0]
    assert {k: first[f"x-ratelimit-{k}-requests"] for k in HEADERS} == {
        "limit": "60",
        "remaining": "59",
        "reset": "1s",  # one request of 60 a minute comes back in a second
    }
    assert first["x-ratelimit-limit-tokens"] == "10000"
    assert int(first["x-ratelimit-remaining-tokens"]) == 10_000 - asked
    assert _seconds(first["x-ratelimit-reset-tokens"]) == pytest.approx(asked * 0.006, abs=0.001)
    assert [h["x-ratelimit-remaining-requests"] for h in seen] == ["59", "58", "57"]
    # three requests' worth come back in 3 s, less what passed since the first
    assert 3 - took - 0.01 < _seconds(seen[-1]["x-ratelimit-reset-requests"]) <= 3


def test_no_limits_no_headers(emulator: Emulator, wire: Wire) -> None:
    _, headers, _ = wire.post(RESPONSES, _body(RESPONSES))
    assert not [k for k in headers if k.startswith("x-ratelimit")]


def test_over_the_request_limit_is_openais_429_with_a_retry_hint(
    emulator: Emulator, wire: Wire, client: OpenAI
) -> None:
    emulator.rate_limits = RateLimits(requests_per_minute=3)
    for path in (RESPONSES, CHAT, RESPONSES):  # one limit per model, whichever API
        assert wire.post(path, _body(path))[0] == 200
    for path in (RESPONSES, CHAT):
        status, headers, body = wire.post(path, _body(path))
        assert status == 429
        validate_response("POST", path, status, body)
        error = body["error"]
        assert (error["type"], error["code"], error["param"]) == (
            "requests",
            "rate_limit_exceeded",
            None,
        )
        match = re.fullmatch(
            r"Rate limit reached for gpt-4\.1 in organization org-\S+ on requests per min "
            r"\(RPM\): Limit 3, Used 3, Requested 1\. Please try again in (\S+)\. Visit "
            r"https://platform\.openai\.com/account/rate-limits to learn more\.",
            error["message"],
        )
        assert match, error["message"]
        wait = int(headers["retry-after-ms"]) / 1000
        assert 19 < wait <= 20  # a third of a minute, less the moments since
        assert _seconds(match.group(1)) == pytest.approx(wait, abs=0.001)
        assert headers["retry-after"] == "20"
        assert headers["x-ratelimit-remaining-requests"] == "0"
    with pytest.raises(openai.RateLimitError) as caught:
        client.responses.create(**_body(RESPONSES))
    assert caught.value.type == "requests" and caught.value.code == "rate_limit_exceeded"
    assert wire.post(RESPONSES, _body(RESPONSES, model="gpt-4o"))[0] == 200  # its own limit


def test_over_the_token_limit_and_a_request_too_large(emulator: Emulator, wire: Wire) -> None:
    emulator.rate_limits = {"gpt-4.1": RateLimits(tokens_per_minute=100)}
    status, headers, _ = wire.post(RESPONSES, _body(RESPONSES, most=60))
    assert status == 200 and headers["x-ratelimit-remaining-tokens"] == "39"
    assert "x-ratelimit-limit-requests" not in headers  # no request limit was given
    status, headers, body = wire.post(RESPONSES, _body(RESPONSES, most=60))
    assert status == 429 and body["error"]["type"] == "tokens"
    assert "on tokens per min (TPM): Limit 100, Used 61, Requested 61." in body["error"]["message"]
    assert 13 < int(headers["retry-after-ms"]) / 1000 <= 13.2  # 22 tokens at 100 a minute
    status, headers, body = wire.post(RESPONSES, _body(RESPONSES, most=200))
    assert status == 429 and body["error"]["message"].startswith(
        "Request too large for gpt-4.1 in organization"
    )
    assert "retry-after-ms" not in headers  # waiting would not help
    assert wire.post(RESPONSES, _body(RESPONSES, model="gpt-4o", most=500))[0] == 200  # no limit


def test_the_counts_refill_and_waiting_the_hint_is_enough(emulator: Emulator, wire: Wire) -> None:
    emulator.rate_limits = RateLimits(requests_per_minute=600)  # ten a second
    _drain(wire)
    status, headers, _ = wire.post(RESPONSES, _body(RESPONSES))
    assert status == 429
    time.sleep(int(headers["retry-after-ms"]) / 1000)
    emptied = time.monotonic()
    status, headers, _ = wire.post(RESPONSES, _body(RESPONSES))
    assert status == 200 and headers["x-ratelimit-remaining-requests"] == "0"
    time.sleep(0.5)
    status, headers, _ = wire.post(RESPONSES, _body(RESPONSES))
    took = time.monotonic() - emptied  # at most this long to refill (a loaded machine: more)
    # ten a second came back (the request takes one), no more than the time allowed
    assert status == 200 and 3 <= int(headers["x-ratelimit-remaining-requests"]) <= 10 * took


def test_the_sdk_retries_after_the_hint_and_succeeds(emulator: Emulator, wire: Wire) -> None:
    emulator.rate_limits = RateLimits(requests_per_minute=60)  # one a second
    patient = OpenAI(base_url=emulator.url, api_key="sk-test", max_retries=2)
    _drain(wire)
    started = time.monotonic()
    answer = patient.responses.with_raw_response.create(**_body(RESPONSES))
    assert answer.retries_taken == 1 and time.monotonic() - started < 2
    assert answer.headers["x-ratelimit-limit-requests"] == "60"


def test_a_paced_client_gets_at_least_90_percent_of_the_limit(
    emulator: Emulator, wire: Wire
) -> None:
    """600 RPM, the minute's burst spent first: over two seconds a client that sends
    one request each time the headers say one has come back gets 18 to 21 through."""
    emulator.rate_limits = RateLimits(requests_per_minute=600)
    _drain(wire)
    window, accepted, refused = 2.0, 0, 0
    start = time.monotonic()
    next_at = start
    while (now := time.monotonic()) < start + window:
        time.sleep(max(0.0, next_at - now))
        sent = time.monotonic()
        if sent >= start + window:
            break
        status, headers, _ = wire.post(RESPONSES, _body(RESPONSES))
        if status == 200:
            accepted += 1
            limit = int(headers["x-ratelimit-limit-requests"])
            remaining = int(headers["x-ratelimit-remaining-requests"])
            reset = _seconds(headers["x-ratelimit-reset-requests"])
            next_at = sent + (reset / (limit - remaining) if remaining == 0 else 0)
        else:
            refused += 1
            next_at = time.monotonic() + int(headers["retry-after-ms"]) / 1000
    allowed = 600 / 60 * window
    assert 0.9 * allowed <= accepted <= allowed + 1, (accepted, refused)


def test_batch_lines_count_against_no_limit(emulator: Emulator, client: OpenAI) -> None:
    emulator.rate_limits = RateLimits(requests_per_minute=2)
    line = {"method": "POST", "url": RESPONSES, "body": _body(RESPONSES)}
    text = "".join(json.dumps({"custom_id": str(n), **line}) + "\n" for n in range(5))
    file_id = client.files.create(file=("rows.jsonl", text.encode()), purpose="batch").id
    batch = client.batches.create(
        input_file_id=file_id, endpoint=RESPONSES, completion_window="24h"
    )
    deadline = time.monotonic() + 10
    while batch.status != "completed" and time.monotonic() < deadline:
        time.sleep(0.02)
        batch = client.batches.retrieve(batch.id)
    assert batch.request_counts is not None and batch.request_counts.completed == 5
    answer = client.responses.with_raw_response.create(**_body(RESPONSES))
    assert answer.headers["x-ratelimit-remaining-requests"] == "1"


def test_reset_refills_and_limits_apply_from_the_constructor() -> None:
    with Emulator(rate_limits=RateLimits(requests_per_minute=1)) as emu:
        wire = Wire(emu)
        assert wire.post(RESPONSES, _body(RESPONSES))[0] == 200
        assert wire.post(RESPONSES, _body(RESPONSES))[0] == 429
        emu.reset()
        assert wire.post(RESPONSES, _body(RESPONSES))[0] == 200
        emu.rate_limits = None
        assert wire.post(RESPONSES, _body(RESPONSES))[0] == 200
        wire.conn.close()


def _drain(wire: Wire) -> None:
    """Spend the minute's burst: post until the first 429."""
    for _ in range(10_000):
        if wire.post(RESPONSES, _body(RESPONSES, most=1))[0] == 429:
            return
    raise AssertionError("never limited")
