"""What ``%load_ext jupyter_responses`` adds to an IPython start.

    python bench/load_time.py [--quick]

Every run is a fresh interpreter (``sys.executable -c ...``). The baseline, measured in
the same run and interleaved with ours, is a bare start: import IPython and create
``InteractiveShell.instance()``. Ours is the same start followed by
``shell.run_line_magic("load_ext", "jupyter_responses")``. Both read compiled bytecode
(a private ``PYTHONPYCACHEPREFIX``, warmed first), as any installed package does; one
row shows the cost when our own modules have to be compiled from source.

The extension must load without ``openai`` or ``ipywidgets``: those come with the
first turn or the first widget, not with ``%load_ext``. Loading starts a background
thread that imports them ahead of the first turn (``warmup.py``); here it is replaced by
a no-op, so that what is counted is what the load itself does, every run alike (the
package's ``__init__`` and ``warmup`` are imported to do that, before the clock starts:
both are a few lines). What the warm-up buys is measured by ``first_token.py``.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import Row, main

TARGET_MS = 50.0
#: Modules too heavy to load with the extension: they belong to the first turn.
HEAVY = (
    "openai",
    "httpx",
    "pydantic",
    "ipywidgets",
    "anywidget",
    "markdown_it",
    "nbformat",
    "sqlite3",
    "jupyter_core",
)

CHILD = r"""
import json, sys, time
start = time.perf_counter()
from IPython.core.interactiveshell import InteractiveShell
shell = InteractiveShell.instance()
started = time.perf_counter()
result = {"start": started - start}
if LOAD:
    import jupyter_responses.warmup
    jupyter_responses.warmup.start = lambda *args: None  # measured in first_token.py
    started = time.perf_counter()
    before = set(sys.modules)
    print("--load_ext--", file=sys.stderr, flush=True)
    shell.run_line_magic("load_ext", "jupyter_responses")
    result["load"] = time.perf_counter() - started
    result["modules"] = sorted(set(sys.modules) - before)
print(json.dumps(result))
"""


def _child(env: dict[str, str], load: bool, *flags: str) -> tuple[float, dict, str]:
    """Run one fresh interpreter; its wall time (from here), its JSON and stderr."""
    import time

    code = CHILD.replace("LOAD", "True" if load else "False")
    began = time.perf_counter()
    done = subprocess.run(
        [sys.executable, *flags, "-c", code], env=env, capture_output=True, text=True, check=True
    )
    wall = time.perf_counter() - began
    return wall, json.loads(done.stdout.strip().splitlines()[-1]), done.stderr


def _environment(prefix: str, write_bytecode: bool = True) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    env["PYTHONPYCACHEPREFIX"] = prefix
    if not write_bytecode:
        env["PYTHONDONTWRITEBYTECODE"] = "1"
    return env


def _importtime(env: dict[str, str], top: int = 4) -> list[tuple[str, int]]:
    """The modules ``load_ext`` imports with the largest own import time (µs)."""
    _, _, stderr = _child(env, True, "-X", "importtime")
    after = stderr.split("--load_ext--", 1)[-1]
    found = re.findall(r"import time:\s+(\d+) \|\s+\d+ \|\s*(\S+)", after)
    ranked = sorted(((name, int(us)) for us, name in found), key=lambda item: -item[1])
    return ranked[:top]


def _package_bytecode(prefix: str) -> Path:
    """Where the prefix holds our package's compiled modules."""
    import jupyter_responses

    source = Path(jupyter_responses.__file__).resolve().parent
    return Path(prefix + str(source)) if source.is_absolute() else Path(prefix) / source


def rows(quick: bool) -> list[Row]:
    runs = 5 if quick else 21
    prefix = tempfile.mkdtemp(prefix="jr-bench-pyc-")
    try:
        env = _environment(prefix)
        for load in (False, True):  # compile IPython's and our bytecode into the prefix
            _child(env, load)
        bare_wall, bare_start, with_wall, loads = [], [], [], []
        modules: list[str] = []
        for _ in range(runs):  # interleaved, so background load hits both alike
            wall, result, _ = _child(env, False)
            bare_wall.append(wall)
            bare_start.append(result["start"])
            wall, result, _ = _child(env, True)
            with_wall.append(wall)
            loads.append(result["load"])
            modules = result["modules"]
        offenders = _importtime(env)
        # the same load with our package's bytecode gone (a source checkout that
        # cannot write __pycache__): IPython stays compiled
        shutil.rmtree(_package_bytecode(prefix), ignore_errors=True)
        cold_env = _environment(prefix, write_bytecode=False)
        cold = [_child(cold_env, True)[1]["load"] for _ in range(max(3, runs // 3))]
    finally:
        shutil.rmtree(prefix, ignore_errors=True)

    added_ms = statistics.median(loads) * 1000
    bare_ms = statistics.median(bare_start) * 1000
    cold_ms = statistics.median(cold) * 1000
    process_ratio = statistics.median(with_wall) / statistics.median(bare_wall)
    heavy = sorted({m.split(".")[0] for m in modules} & set(HEAVY))
    ours = [m for m in modules if m.split(".")[0] == "jupyter_responses"]
    largest = ", ".join(f"{name} {us / 1000:.1f} ms" for name, us in offenders)
    met = added_ms <= TARGET_MS
    section = "Load time"
    return [
        Row(
            section,
            f"%load_ext added time, median of {runs} fresh processes",
            f"{added_ms:.0f} ms = {added_ms / bare_ms:.2f}× a bare IPython start",
            f"≤ {TARGET_MS:.0f} ms",
            met,
            f"baseline: import IPython + InteractiveShell.instance(), median "
            f"{bare_ms:.0f} ms in this run; bytecode cached. Largest own import times: "
            + largest
            + ("" if met else " (over target: these are the imports to make lazy)"),
        ),
        Row(
            section,
            "whole process, with load_ext / bare",
            f"{process_ratio:.2f}×",
            note=f"wall time of each subprocess from here, interpreter start and exit "
            f"included: medians {statistics.median(with_wall) * 1000:.0f} ms vs "
            f"{statistics.median(bare_wall) * 1000:.0f} ms (noisier than the row above)",
        ),
        Row(
            section,
            "%load_ext with our modules compiled from source",
            f"{cold_ms:.0f} ms = {cold_ms / bare_ms:.2f}× a bare IPython start",
            note="no bytecode for jupyter_responses (PYTHONDONTWRITEBYTECODE, as in this dev "
            "venv); an installed wheel has it",
        ),
        Row(
            section,
            "modules imported by load_ext",
            f"{len(modules)} ({len(ours)} ours)",
            note="others: "
            + ", ".join(sorted({m.split(".")[0] for m in modules} - {"jupyter_responses"})),
        ),
        Row(
            section,
            "heavy modules imported by load_ext (openai, ipywidgets, httpx, pydantic, ...)",
            str(len(heavy)),
            "0",
            not heavy,
            ", ".join(heavy) if heavy else "openai in sys.modules: False; ipywidgets: False",
        ),
    ]


if __name__ == "__main__":
    main(rows)
