"""A prompt over a table against a server that rate-limits, as OpenAI does.

    python bench/map_rate.py [--quick]

The emulator runs in its own process with a requests-per-minute limit (``RateLimits``:
a minute's worth to start with, refilled continuously, 429 with ``retry-after`` beyond
it, ``x-ratelimit-*`` headers on every answer). ``jupyter_responses.map`` sends every
row (the emulator's default model answers each), and the rows are:

* **the allowed rate reached**: rows answered per second once the starting minute's
  worth is spent (from the first moment the map had to wait for the limit to the end),
  against the limit's own rate (limit / 60 a second); and the rows failed (0 is the
  target: a 429 is waited out, never failed);
* **against a plain sequential SDK loop** over the same rows in the same run
  (``client.responses.create`` per row, the SDK's own retries), each row answered 20 ms
  after it is asked (as a model takes time), on a fresh emulator with the same limit:
  wall time of each, and the rows each lost;
* **memory**: the Python heap the map holds per row (``tracemalloc``'s peak over the
  rows), at two sizes: flat means the same per row;
* **resume**: a map killed (SIGKILL, in a subprocess) once half its rows are saved, run
  again here: the rows the second run sends, against the rows not saved before the kill.
"""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import tempfile
import textwrap
import time
import tracemalloc
from pathlib import Path
from typing import Any

from common import RemoteEmulator, Row, main

PROMPT = "Classify item {n}: is it fruit or tool?"
MODEL = "gpt-4.1"


def _logged(url: str) -> list[dict[str, Any]]:
    """The emulator's log of create requests (each with its ``time``, a wall clock)."""
    import json
    import urllib.request

    with urllib.request.urlopen(url.removesuffix("/v1") + "/_emulator/requests", timeout=30) as r:
        return [entry for entry in json.loads(r.read()) if entry.get("path") == "/v1/responses"]


def _requests(url: str) -> int:
    """How many create requests the emulator was sent."""
    return len(_logged(url))


def _map(url: str, rows: list[dict[str, Any]], db: str, concurrency: int = 8) -> tuple[Any, float]:
    """One map in this process: (the result, seconds)."""
    os.environ["OPENAI_BASE_URL"] = url
    os.environ["OPENAI_API_KEY"] = "sk-bench"
    from jupyter_responses.config import ResponsesConfig
    from jupyter_responses.maps.kernel import MapContext
    from jupyter_responses.store import Store
    from jupyter_responses.turn_request import TurnOptions

    settings = ResponsesConfig(db_path=db).settings()
    store = Store(db)
    context = MapContext(lambda: settings, store, None, False, None, {})
    options = TurnOptions(api="responses", prompt=PROMPT, model=MODEL, no_interpolate=True)
    started = time.perf_counter()
    try:
        result = context.run(
            options, rows, {}, concurrency=concurrency, batch=False, progress=False
        )
    finally:
        store.close()
    return result, time.perf_counter() - started


def allowed_rate(n: int, per_minute: int) -> list[Row]:
    from jupyter_responses.maps import pacing

    rows = [{"n": i} for i in range(n)]
    waited: list[float] = []  # time.time() when the map first waited for the limit
    original = pacing.Pacer._short_by

    def noting(self: Any) -> float:
        wait = original(self)
        if wait > 0 and not waited:
            waited.append(time.time())
        return wait

    pacing.Pacer._short_by = noting  # type: ignore[method-assign]
    try:
        with (
            tempfile.TemporaryDirectory() as wd,
            RemoteEmulator("--requests-per-minute", str(per_minute)) as emulator,
        ):
            result, seconds = _map(emulator.url, rows, str(Path(wd) / "m.sqlite3"))
            logged = _logged(emulator.url)
    finally:
        pacing.Pacer._short_by = original  # type: ignore[method-assign]
    failed = sum(r["error"] is not None for r in result)
    limit_rate = per_minute / 60
    out: list[Row] = []
    if waited:
        # Requests the server took once the starting minute's worth was spent, and how
        # fast: the limit's own rate is the most a client can get then.
        late = sorted(entry["time"] for entry in logged if entry["time"] >= waited[0])
        window = late[-1] - waited[0] if late else 0.0
        rate = (len(late) - 1) / window if window > 0 else 0.0
        ratio = rate / limit_rate
        out.append(
            Row(
                "Map",
                f"rows/s once the starting minute's worth is spent / the limit's rate, "
                f"{n:,} rows at {per_minute:,} RPM",
                f"{ratio:.2f}×",
                "≥ 0.90×",
                ratio >= 0.90,
                f"{rate:,.1f} requests/s against {limit_rate:,.1f}/s over the last "
                f"{window:.1f} s ({len(late):,} requests); {len(logged) - n:,} answered 429 "
                f"and sent again; {seconds:.1f} s in all",
            )
        )
    else:
        note = "the limit never bound: more rows or a lower limit"
        measure = f"rate limit reached, {n:,} rows at {per_minute:,} RPM"
        out.append(Row("Map", measure, "never", "", None, note))
    out.append(Row("Map", f"rows failed, {n:,} rows", f"{failed}", "0", failed == 0))
    return out


def against_sequential(n: int, per_minute: int, latency: float) -> list[Row]:
    """The same rows, each answered ``latency`` seconds after it is asked (as a real
    model takes time), by the map and by a plain loop."""
    import openai

    from jupyter_responses.emulator import script

    rows = [{"n": i} for i in range(n)]
    with tempfile.TemporaryDirectory() as wd:
        with RemoteEmulator("--requests-per-minute", str(per_minute)) as emulator:
            for row in rows:
                emulator.enqueue(script.text(f"Answer {row['n']}.", first_byte_delay=latency))
            result, ours = _map(emulator.url, rows, str(Path(wd) / "m.sqlite3"))
        with RemoteEmulator("--requests-per-minute", str(per_minute)) as emulator:
            for row in rows:
                emulator.enqueue(script.text(f"Answer {row['n']}.", first_byte_delay=latency))
            client = openai.OpenAI(base_url=emulator.url, api_key="sk-bench")
            lost = 0
            started = time.perf_counter()
            for row in rows:
                try:
                    client.responses.create(model=MODEL, input=PROMPT.format(**row), store=False)
                except openai.RateLimitError:
                    lost += 1
            loop = time.perf_counter() - started
    failed = sum(r["error"] is not None for r in result)
    return [
        Row(
            "Map",
            f"wall time, map (8 at once) / a sequential SDK loop, {n:,} rows answered in "
            f"{latency * 1000:.0f} ms each, {per_minute:,} RPM",
            f"{ours / loop:.2f}×",
            "",
            None,
            f"{ours:.1f} s vs {loop:.1f} s; rows failed: map {failed}, loop {lost}",
        )
    ]


def memory(sizes: tuple[int, int]) -> list[Row]:
    per_row: list[float] = []
    for n in sizes:
        rows = [{"n": i} for i in range(n)]
        with tempfile.TemporaryDirectory() as wd, RemoteEmulator() as emulator:
            tracemalloc.start()
            _map(emulator.url, rows, str(Path(wd) / "m.sqlite3"))
            peak = tracemalloc.get_traced_memory()[1]
            tracemalloc.stop()
        per_row.append(peak / n)
    ratio = per_row[1] / per_row[0]
    return [
        Row(
            "Map",
            f"heap per row, {sizes[1]:,} rows / {sizes[0]:,} rows",
            f"{ratio:.2f}×",
            "≤ 1.2× (flat)",
            ratio <= 1.2,
            f"{per_row[0] / 1000:.1f} kB vs {per_row[1] / 1000:.1f} kB per row (tracemalloc "
            "peak: the rows, their prompts, answers and the table returned)",
        )
    ]


_KILLED = textwrap.dedent(
    """
    import sys
    sys.path.insert(0, {bench!r})
    from map_rate import _map
    _map({url!r}, [{{"n": i}} for i in range({n})], {db!r}, concurrency=2)
    """
)


def resume(n: int) -> list[Row]:
    with tempfile.TemporaryDirectory() as wd, RemoteEmulator() as emulator:
        db = str(Path(wd) / "m.sqlite3")
        code = _KILLED.format(bench=str(Path(__file__).parent), url=emulator.url, n=n, db=db)
        child = subprocess.Popen([sys.executable, "-c", code], stderr=subprocess.DEVNULL)
        try:
            saved = 0
            deadline = time.monotonic() + 120
            while saved < n // 2 and time.monotonic() < deadline:
                time.sleep(0.02)
                saved = _saved(db)
            os.kill(child.pid, signal.SIGKILL)
        finally:
            child.wait(timeout=30)
        saved = _saved(db)
        before = _requests(emulator.url)
        _map(emulator.url, [{"n": i} for i in range(n)], db)
        again = _requests(emulator.url) - before
    left = n - saved
    return [
        Row(
            "Map",
            f"resume after a kill at 50%: rows sent again / rows not saved, {n:,} rows",
            f"{again / left:.2f}×" if left else "—",
            "1.00×",
            again == left,
            f"{saved:,} rows saved before the kill, {again:,} sent by the second run",
        )
    ]


def _saved(db: str) -> int:
    try:
        with sqlite3.connect(db, timeout=5) as connection:
            query = "SELECT count(*) FROM map_rows WHERE error IS NULL"
            return int(connection.execute(query).fetchone()[0])
    except sqlite3.Error:
        return 0


def rows(quick: bool) -> list[Row]:
    if quick:
        return [
            *allowed_rate(1_500, 1_200),
            *against_sequential(200, 6_000, 0.02),
            *memory((200, 600)),
            *resume(200),
        ]
    return [
        *allowed_rate(10_000, 4_800),
        *against_sequential(1_000, 6_000, 0.02),
        *memory((2_000, 10_000)),
        *resume(2_000),
    ]


if __name__ == "__main__":
    main(rows)
