"""What every benchmark module shares: the row it reports and how rows are printed.

A benchmark module exposes ``rows(quick: bool) -> list[Row]``. Every value is a ratio
or a count measured in the same run against a baseline (the raw SDK loop, a bare
IPython start ...), never a bare time: machines differ, ratios travel.
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass


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
