"""How fast the emulator streams, on its own: events per second over raw HTTP.

    python bench/emulator_rate.py [N]

The emulator must never be the bottleneck of the overhead benchmarks, whose clients
(the SDK) parse far fewer events per second than this.
"""

from __future__ import annotations

import http.client
import json
import sys
import time

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


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 200_000
    with Emulator() as emulator:
        responses = rate(emulator, "/v1/responses", {"model": "m", "input": "x"}, n)
        chat = rate(
            emulator,
            "/v1/chat/completions",
            {"model": "m", "messages": [{"role": "user", "content": "x"}]},
            n,
        )
    print(f"| endpoint | events/s ({n:,} deltas) |\n|---|---|")
    print(f"| /v1/responses | {responses:,.0f} |\n| /v1/chat/completions | {chat:,.0f} |")


if __name__ == "__main__":
    main()
