"""Run every benchmark, print one table, and write ``bench/RESULTS.md``.

    python bench/run.py            # full run; writes bench/RESULTS.md
    python bench/run.py --quick    # small sizes, two minutes or so; writes nothing
    python bench/run.py --quick --out PATH

Each module's ``rows(quick)`` measures against a baseline taken in the same run (the
raw SDK loop, a bare IPython start, ...), so every figure is a ratio or a count. CI runs
``--quick`` so that none of them rots; nothing here asserts on timings.
"""

from __future__ import annotations

import argparse
import importlib
import os
import platform
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from common import Row, table  # noqa: E402  (bench/ is a folder of scripts, not a package)

#: In the order of the issues: overhead (and its per-delta part alone), rendering, load
#: time, first token, scale, panel, background resume, a prompt over a table, emulator.
MODULES = [
    "overhead",
    "per_delta",
    "rendering",
    "load_time",
    "first_token",
    "scale",
    "stop_latency",
    "resume",
    "map_rate",
    "emulator_rate",
]


def machine() -> str:
    import openai

    from jupyter_responses import __version__

    return (
        f"{platform.platform()}, {os.cpu_count()} CPUs, Python {platform.python_version()}, "
        f"openai {openai.__version__}, jupyter_responses {__version__}"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python bench/run.py", description=__doc__)
    parser.add_argument("--quick", action="store_true", help="small sizes, fewer repeats")
    parser.add_argument("--out", type=Path, help="where to write the results (Markdown)")
    parser.add_argument("--only", nargs="+", choices=MODULES, help="run only these modules")
    args = parser.parse_args(argv)
    out = args.out or (None if args.quick else HERE / "RESULTS.md")

    rows: list[Row] = []
    started = time.time()
    for name in args.only or MODULES:
        print(f"… {name}", file=sys.stderr, flush=True)
        rows += importlib.import_module(name).rows(args.quick)
    seconds = time.time() - started
    result = table(rows)
    print(result)

    missed = [row for row in rows if row.met is False]
    if out is not None:
        command = "python bench/run.py" + (" --quick" if args.quick else "")
        command += " --only " + " ".join(args.only) if args.only else ""
        out.write_text(
            "# Benchmark results\n\n"
            f"- Date: {time.strftime('%Y-%m-%d %H:%M %Z')}\n"
            f"- Machine: {machine()}\n"
            f"- Command: `{command}` ({seconds:.0f} s)\n"
            f"- Targets missed: {len(missed)}\n\n"
            "Every value is measured against a baseline taken in the same run; see each "
            "module's docstring in `bench/` for what it does.\n\n" + result + "\n",
            encoding="utf-8",
        )
        print(f"written to {out}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
