"""Real JupyterLab (and Notebook 7) on 127.0.0.1, driven by Debian's Chromium.

One server and one browser serve the whole session: starting them takes most of a
browser test's time. Every test gets a fresh notebook file (so a fresh kernel) and a
fresh emulator script. Servers are started on free ports and stopped by process id,
also when a test fails. Screenshots and browser console logs go to ``artifacts/browser``.

Without ``/usr/bin/chromium`` the tests are skipped, unless ``JR_REQUIRE_BROWSER=1``
(set by ``.ci/run``, which installs it) makes that a failure.
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import nbformat
import pytest

from jupyter_responses.emulator import Emulator
from jupyter_responses.export import KERNELSPEC

from ..kernel.harness import API_KEY
from .lab import CHROMIUM, TIMEOUT_MS

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = Path(os.environ.get("JR_ARTIFACTS", ROOT / "artifacts")) / "browser"
_HERE = Path(__file__).resolve().parent
#: How long an ``expect`` waits for what it asserts before failing.
EXPECT_TIMEOUT_MS = 20_000


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if _HERE in Path(item.path).resolve().parents:
            item.add_marker(pytest.mark.browser)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: Any) -> Iterator[None]:
    """Let the page fixture know whether the test failed (to screenshot it)."""
    outcome = yield
    report = outcome.get_result()  # type: ignore[attr-defined]
    setattr(item, f"report_{report.when}", report)


def _need_browser() -> None:
    if os.access(CHROMIUM, os.X_OK):
        return
    message = f"{CHROMIUM} is missing (apt-get install chromium fonts-liberation)"
    if os.environ.get("JR_REQUIRE_BROWSER") == "1":
        pytest.fail(message)
    pytest.skip(message)


@pytest.fixture(scope="session")
def artifacts() -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    return ARTIFACTS


@pytest.fixture(scope="session")
def lab_emulator() -> Iterator[Emulator]:
    """One emulator for the session's server; each test resets it."""
    with Emulator() as emulator:
        yield emulator


@pytest.fixture
def emulator(lab_emulator: Emulator) -> Emulator:
    lab_emulator.reset()
    return lab_emulator


class LabServer:
    """A running ``jupyter lab`` whose kernels talk to the emulator."""

    def __init__(self, url: str, root: Path) -> None:
        self.url = url
        self.root = root

    def notebook(self, name: str, *cells: str) -> str:
        """Write a notebook of code ``cells`` into the server root; return its path."""
        nb = nbformat.v4.new_notebook()
        nb.cells = [nbformat.v4.new_code_cell(source) for source in cells]
        nb.metadata["kernelspec"] = dict(KERNELSPEC)
        nbformat.write(nb, self.root / name)
        return name


def _free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="session")
def lab(lab_emulator: Emulator, artifacts: Path) -> Iterator[LabServer]:
    _need_browser()
    state = Path(tempfile.mkdtemp(prefix="jr-lab-"))
    root = state / "root"
    settings = state / "user-settings" / "@jupyterlab" / "apputils-extension"
    root.mkdir()
    settings.mkdir(parents=True)
    # No news toast, no update check: both would reach for the internet.
    (settings / "notification.jupyterlab-settings").write_text(
        '{"fetchNews": "false", "checkForUpdates": false}'
    )
    # Every cell stays in the page, so a check of the whole notebook sees all outputs.
    tracker = state / "user-settings" / "@jupyterlab" / "notebook-extension"
    tracker.mkdir(parents=True)
    (tracker / "tracker.jupyterlab-settings").write_text('{"windowingMode": "none"}')
    env = {
        **os.environ,
        "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}",
        "OPENAI_BASE_URL": lab_emulator.url,
        "OPENAI_API_KEY": API_KEY,
        "JUPYTER_CONFIG_DIR": str(state / "config"),
        "JUPYTER_RUNTIME_DIR": str(state / "runtime"),
        "IPYTHONDIR": str(state / "ipython"),
        "XDG_CONFIG_HOME": str(state / "xdg-config"),
        "XDG_CACHE_HOME": str(state / "xdg-cache"),
        "JUPYTER_PLATFORM_DIRS": "1",
        "PYDEVD_DISABLE_FILE_VALIDATION": "1",
    }
    port = _free_port()
    command = [
        sys.executable,
        "-m",
        "jupyterlab",
        "--no-browser",
        "--ip=127.0.0.1",
        f"--port={port}",
        "--port-retries=0",
        "--IdentityProvider.token=",
        "--allow-root",
        f"--ServerApp.root_dir={root}",
        f"--LabApp.user_settings_dir={state / 'user-settings'}",
        f"--LabApp.workspaces_dir={state / 'workspaces'}",
        "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate",
        "--LabApp.news_url=",
        "--LabApp.extension_manager=readonly",
    ]
    log = open(artifacts / "jupyterlab.log", "w")  # noqa: SIM115 - closed at teardown
    server = subprocess.Popen(
        command,
        env=env,
        stdin=subprocess.DEVNULL,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        _wait_ready(server, url)
        yield LabServer(url, root)
    finally:
        _stop(server)
        log.close()
        shutil.rmtree(state, ignore_errors=True)


def _wait_ready(server: subprocess.Popen[bytes], url: str) -> None:
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError(f"jupyter lab exited ({server.returncode}); see jupyterlab.log")
        try:
            with urllib.request.urlopen(f"{url}/api/status", timeout=2) as answer:
                if answer.status == 200:
                    return
        except OSError:
            time.sleep(0.25)
    raise TimeoutError("jupyter lab did not answer /api/status within 120 s")


def _stop(server: subprocess.Popen[bytes]) -> None:
    """SIGTERM shuts the server and its kernels down; the group kill is the backstop."""
    server.send_signal(signal.SIGTERM)
    with contextlib.suppress(subprocess.TimeoutExpired):
        server.wait(timeout=20)
    with contextlib.suppress(ProcessLookupError):
        os.killpg(server.pid, signal.SIGKILL)
    server.wait()


@pytest.fixture(scope="session")
def browser(artifacts: Path) -> Iterator[Any]:
    _need_browser()
    from playwright.sync_api import expect, sync_playwright

    # An assertion waits as long as an action may (Playwright's own default is 5 s):
    # with the suite on two workers, JupyterLab can take longer to open a notebook.
    expect.set_options(timeout=EXPECT_TIMEOUT_MS)
    profile = tempfile.mkdtemp(prefix="jr-chromium-")
    with sync_playwright() as playwright:
        context = playwright.chromium.launch_persistent_context(
            profile,
            executable_path=CHROMIUM,
            headless=True,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                # Nothing but 127.0.0.1 resolves: a test can never reach the internet.
                "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1",
            ],
            viewport={"width": 1280, "height": 1000},
        )
        context.set_default_timeout(TIMEOUT_MS)
        try:
            yield context
        finally:
            context.close()
            shutil.rmtree(profile, ignore_errors=True)


@pytest.fixture
def page(browser: Any, artifacts: Path, request: pytest.FixtureRequest) -> Iterator[Any]:
    """A new tab; its console goes to a log, and a failing test leaves a screenshot."""
    page = browser.new_page()
    name = request.node.name
    with open(artifacts / f"console-{name}.log", "w") as console:
        page.on("console", lambda message: console.write(f"[{message.type}] {message.text}\n"))
        page.on("pageerror", lambda error: console.write(f"[pageerror] {error}\n"))
        try:
            yield page
        finally:
            report = getattr(request.node, "report_call", None)
            if report is None or report.failed:
                page.screenshot(path=str(artifacts / f"FAILED-{name}.png"), full_page=True)
            page.close()


NotebookFactory = Callable[..., str]


@pytest.fixture
def notebook(lab: LabServer, request: pytest.FixtureRequest) -> NotebookFactory:
    """``notebook(*cells)``: a notebook named after the test (so it gets its own kernel)."""

    def make(*cells: str, suffix: str = "") -> str:
        stem = re.sub(r"[^\w-]+", "_", request.node.name)
        return lab.notebook(f"{stem}{suffix}.ipynb", *cells)

    return make
