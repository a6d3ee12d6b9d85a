"""What every benchmark module shares: the row it reports and how rows are printed.

A benchmark module exposes ``rows(quick: bool) -> list[Row]``. Every value is a ratio
or a count measured in the same run against a baseline (the raw SDK loop, a bare
IPython start ...), never a bare time: machines differ, ratios travel.
"""

from __future__ import annotations

import json
import statistics
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Row:
    section: str  # e.g. "Overhead"
    measure: str  # what was measured, e.g. "%%respond, 10k deltas, widget view"
    value: str  # the figure, formatted: "1.03×", "14 updates/s", "812 B/turn"
    target: str = ""  # e.g. "≤ 1.05×"; empty when there is none
    met: bool | None = None  # None: no target
    note: str = ""  # baseline, cause of a miss, ...


def table(rows: Iterable[Row]) -> str:
    """A Markdown table of ``rows``."""
    lines = ["| section | measure | value | target | met | note |", "|---|---|---|---|---|---|"]
    for row in rows:
        met = "" if row.met is None else ("yes" if row.met else "**no**")
        lines.append(
            f"| {row.section} | {row.measure} | {row.value} | {row.target} | {met} | {row.note} |"
        )
    return "\n".join(lines)


def median_seconds(run: Callable[[], object], repeat: int) -> float:
    """Median wall time of ``repeat`` calls of ``run``."""
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        run()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main(rows: Callable[[bool], list[Row]], argv: list[str] | None = None) -> None:
    """``python bench/<module>.py [--quick]``: print that module's rows."""
    import sys

    args = sys.argv[1:] if argv is None else argv
    print(table(rows("--quick" in args)))


class RemoteEmulator:
    """``python -m jupyter_responses.emulator`` in a child process, scripted over HTTP
    (so its serving never shares this process's GIL with what is measured)."""

    def __init__(self, *args: str) -> None:
        self.args = args  # the emulator's command-line options (e.g. rate limits)

    def __enter__(self) -> RemoteEmulator:
        self.process = subprocess.Popen(
            [sys.executable, "-m", "jupyter_responses.emulator", *self.args],
            stdout=subprocess.PIPE,
            text=True,
        )
        assert self.process.stdout is not None
        self.url = self.process.stdout.readline().strip()  # http://127.0.0.1:PORT/v1
        return self

    def __exit__(self, *exc: object) -> None:
        self.process.terminate()
        self.process.wait(timeout=10)

    def _post(self, path: str, body: Any) -> None:
        request = urllib.request.Request(
            self.url.removesuffix("/v1") + path,
            json.dumps(body).encode(),
            {"content-type": "application/json"},
        )
        with urllib.request.urlopen(request, timeout=30) as response:
            response.read()

    def enqueue(self, reply: Any) -> None:
        """Script the next reply (an ``emulator.script`` item or ``Reply``)."""
        from jupyter_responses.emulator import script

        self._post("/_emulator/script", script.to_json(reply))

    def reset(self) -> None:
        """Forget stored responses and logged requests (between rounds)."""
        self._post("/_emulator/reset", {})
