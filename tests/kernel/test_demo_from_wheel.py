"""The demo runs as a new user would run it: from the built wheel, in an empty directory.

The wheel is built from this checkout and installed with ``pip install --target`` into
a private directory that goes first on ``PYTHONPATH``, so both the demo process and the
kernels nbclient starts for it (same environment) import the installed copy, never the
checkout.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
import zipfile
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
DEMOS = (
    "quickstart",
    "tools_and_files",
    "threads_and_export",
    "notebook_context",
    "feature_card",
    "long_work",
    "api_surface",
    "table_map",
)
PACKAGED = [f"jupyter_responses/notebooks/{name}.ipynb" for name in DEMOS] + [
    "jupyter_responses/notebooks/make_samples.py"
]
PROBE = "import os, jupyter_responses\nprint(jupyter_responses.__file__)\nprint(os.getcwd())"

pytestmark = [pytest.mark.kernel, pytest.mark.timeout(900)]


def _run(
    command: list[str | os.PathLike[str]], *, env: dict[str, str], cwd: Path, timeout: float
) -> subprocess.CompletedProcess[str]:
    """Run ``command`` in its own process group; on timeout the whole group (the demo and
    any kernels it started) is killed."""
    process = subprocess.Popen(
        command,
        env=env,
        cwd=cwd,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    try:
        stdout, stderr = process.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        stdout, stderr = process.communicate()
        pytest.fail(f"{command} did not finish in {timeout} s\n{stdout}\n{stderr}")
    return subprocess.CompletedProcess(command, process.returncode, stdout, stderr)


def _code_cells(path: Path) -> list[dict[str, Any]]:
    notebook = json.loads(path.read_text(encoding="utf-8"))
    return [cell for cell in notebook["cells"] if cell["cell_type"] == "code"]


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The checkout built into a wheel and installed into a private site directory."""
    tmp = tmp_path_factory.mktemp("wheel")
    dist, site = tmp / "dist", tmp / "site"
    pip = [sys.executable, "-m", "pip", "--disable-pip-version-check", "-q"]
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    built = _run([*pip, "wheel", "--no-deps", "-w", dist, ROOT], env=env, cwd=tmp, timeout=300)
    assert built.returncode == 0, built.stdout + built.stderr
    (wheel,) = dist.glob("jupyter_responses-*.whl")
    with zipfile.ZipFile(wheel) as archive:
        shipped = set(archive.namelist())
    assert not [name for name in PACKAGED if name not in shipped]
    assert not [name for name in shipped if name.endswith(".executed.ipynb")]
    done = _run(
        [*pip, "install", "--no-deps", "--target", site, wheel], env=env, cwd=tmp, timeout=300
    )
    assert done.returncode == 0, done.stdout + done.stderr
    return site


@pytest.fixture
def user_env(installed: Path, tmp_path: Path) -> dict[str, str]:
    """A new user's environment: no OpenAI settings, the wheel first on the path, a
    fresh IPython profile (JUPYTER_DATA_DIR stays the suite's private one)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("OPENAI_")}
    env["PYTHONPATH"] = str(installed)
    env["IPYTHONDIR"] = str(tmp_path / "ipython")
    return env


def test_the_demo_runs_from_the_wheel_in_an_empty_directory(
    installed: Path, user_env: dict[str, str], tmp_path: Path
) -> None:
    cwd, out = tmp_path.resolve() / "elsewhere", tmp_path.resolve() / "out"
    cwd.mkdir()
    package = installed / "jupyter_responses"
    before = sorted(p.name for p in (package / "notebooks").iterdir())

    where = _run(
        [sys.executable, "-c", "import jupyter_responses; print(jupyter_responses.__file__)"],
        env=user_env,
        cwd=cwd,
        timeout=60,
    )
    assert where.returncode == 0, where.stderr
    assert Path(where.stdout.strip()) == package / "__init__.py"

    demo = _run(
        [sys.executable, "-m", "jupyter_responses.demo", "--out", out],
        env=user_env,
        cwd=cwd,
        timeout=600,
    )
    assert demo.returncode == 0, demo.stdout + demo.stderr
    assert "running against the local emulator" in demo.stdout
    for name in DEMOS:
        executed = out / f"{name}.executed.ipynb"
        assert f": {executed}\n" in demo.stdout  # the absolute path is printed
        cells = _code_cells(executed)
        assert all(cell["execution_count"] for cell in cells), name
        outputs = [output for cell in cells for output in cell["outputs"]]
        assert outputs, name
        # Only a cell tagged to show a failure (the one %responses fix fixes) fails.
        failed = [c for c in cells if any(o["output_type"] == "error" for o in c["outputs"])]
        assert all("raises-exception" in c["metadata"].get("tags", []) for c in failed), name
        if name == "feature_card" and os.access("/usr/bin/chromium", os.X_OK):
            # Tagged only for servers without Chromium or the Assistants API: here all run.
            assert failed == [], [c["source"] for c in failed]
    # What the notebooks write lands next to them, not in the installed package.
    assert (out / "chart.png").is_file() and (out / "report.pdf").is_file()
    assert (out / "form.html").is_file()  # the page the computer-use demo drives
    assert (out / "exports" / "demo.md").is_file()
    assert sorted(p.name for p in (package / "notebooks").iterdir()) == before
    assert list(cwd.iterdir()) == []


def test_a_notebook_given_by_path_runs_in_its_own_directory_on_the_wheel(
    user_env: dict[str, str], installed: Path, tmp_path: Path
) -> None:
    """The kernels nbclient starts import the wheel too (same environment)."""
    mine, out = tmp_path.resolve() / "mine", tmp_path.resolve() / "out"
    mine.mkdir()
    probe = {
        "cells": [
            {
                "cell_type": "code",
                "execution_count": None,
                "id": "probe",
                "metadata": {},
                "outputs": [],
                "source": PROBE,
            }
        ],
        "metadata": {},
        "nbformat": 4,
        "nbformat_minor": 5,
    }
    (mine / "probe.ipynb").write_text(json.dumps(probe), encoding="utf-8")

    demo = _run(
        [sys.executable, "-m", "jupyter_responses.demo", "--out", out, "mine/probe.ipynb"],
        env=user_env,
        cwd=tmp_path,
        timeout=300,
    )
    assert demo.returncode == 0, demo.stdout + demo.stderr
    (cell,) = _code_cells(out / "probe.executed.ipynb")
    streams = [o for o in cell["outputs"] if o["output_type"] == "stream"]
    printed = "".join("".join(o["text"]) for o in streams).splitlines()
    assert printed == [str(installed / "jupyter_responses" / "__init__.py"), str(mine)]
    assert not (mine / "probe.executed.ipynb").exists()
