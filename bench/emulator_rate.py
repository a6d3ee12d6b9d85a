"""How fast the emulator streams, on its own: events per second over raw HTTP.

    python bench/emulator_rate.py [--quick]

The emulator must never be the bottleneck of the overhead benchmarks, whose clients
(the SDK) parse far fewer events per second than this.
"""

from __future__ import annotations

import http.client
import json
import time

from common import Row, main

from jupyter_responses.emulator import Emulator, script


def rate(emulator: Emulator, path: str, body: dict, n: int) -> float:
    emulator.enqueue(script.fast_stream(n))
    host, port = emulator.url.split("//")[1].split("/")[0].split(":")
    conn = http.client.HTTPConnection(host, int(port))
    start = time.perf_counter()
    conn.request(
        "POST", path, json.dumps({**body, "stream": True}), {"content-type": "application/json"}
    )
    data = conn.getresponse().read()
    seconds = time.perf_counter() - start
    return data.count(b"\n\n") / seconds


def sdk_rate(emulator: Emulator, n: int) -> float:
    """Events per second the raw SDK consumes from the same stream: what the emulator
    must stay far above."""
    import openai

    client = openai.OpenAI(base_url=emulator.url, api_key="bench", max_retries=0)
    emulator.enqueue(script.fast_stream(n))
    start = time.perf_counter()
    count = sum(1 for _ in client.responses.create(model="m", input="x", stream=True))
    return count / (time.perf_counter() - start)


def rows(quick: bool) -> list[Row]:
    n = 20_000 if quick else 200_000
    with Emulator() as emulator:
        consumer = sdk_rate(emulator, n // 4)
        out = []
        for path, body in [
            ("/v1/responses", {"model": "m", "input": "x"}),
            (
                "/v1/chat/completions",
                {"model": "m", "messages": [{"role": "user", "content": "x"}]},
            ),
        ]:
            produced = rate(emulator, path, body, n)
            out.append(
                Row(
                    "Emulator",
                    f"{path}: events/s served ({n:,} deltas) ÷ events/s the SDK consumes",
                    f"{produced / consumer:.1f}×",
                    "≫ 1×",
                    produced / consumer > 2,
                    f"{produced:,.0f} vs {consumer:,.0f} events/s",
                )
            )
    return out


if __name__ == "__main__":
    main(rows)
