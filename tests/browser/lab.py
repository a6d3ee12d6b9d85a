"""Playwright steps for JupyterLab 4 and Notebook 7 (both render notebooks with the
same ``jp-`` widgets), written against what a user sees: prompts, outputs, buttons."""

from __future__ import annotations

import contextlib
import json
import re
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from playwright.sync_api import expect

CHROMIUM = "/usr/bin/chromium"
TIMEOUT_MS = 60_000

# JupyterLab's status bar shows "Python 3 (ipykernel) | Idle" once a kernel is really
# connected; the toolbar's execution indicator says "idle" even before there is one.
_LAB_KERNEL_STATUS = '#jp-main-statusbar .jp-StatusBar-TextItem[title^="Change kernel"]'


def open_lab(page: Any, base_url: str, path: str) -> Any:
    """Open ``path`` in JupyterLab with a fresh workspace; return the notebook panel
    once its kernel is idle."""
    page.goto(f"{base_url}/lab/tree/{path}?reset", wait_until="domcontentloaded")
    panel = _panel(page)
    expect(page.locator(_LAB_KERNEL_STATUS)).to_have_text(re.compile(r"\|\s*Idle$"))
    _wait_idle(panel)
    return panel


def open_notebook7(page: Any, base_url: str, path: str) -> Any:
    """Open ``path`` in Notebook 7's single-document page."""
    page.goto(f"{base_url}/notebooks/{path}", wait_until="domcontentloaded")
    panel = _panel(page)
    # Notebook 7 flashes the kernel's connection status, then fades it out: faded and
    # idle means connected (the execution indicator alone says "idle" before that).
    faded = ".jp-NotebookKernelStatus-fade:not(.jp-NotebookKernelStatus-info)"
    expect(page.locator(faded)).to_be_attached()
    _wait_idle(panel)
    return panel


def _panel(page: Any) -> Any:
    panel = page.locator(".jp-NotebookPanel").filter(has=page.locator(".jp-Notebook")).last
    expect(panel.locator(".jp-Cell").first).to_be_visible()
    return panel


def _wait_idle(panel: Any) -> None:
    indicator = panel.locator(".jp-Notebook-ExecutionIndicator")
    expect(indicator).to_have_attribute("data-status", "idle")


def cell(panel: Any, index: int) -> Any:
    return panel.locator(".jp-CodeCell").nth(index)


def run(page: Any, code_cell: Any, wait: bool = True) -> Any:
    """Run a cell as a user does: click into its editor, press Ctrl+Enter. With
    ``wait``, return once its prompt shows an execution count (all output arrived)."""
    code_cell.locator(".cm-content").click()
    page.keyboard.press("Control+Enter")
    if wait:
        wait_done(code_cell)
    return code_cell


def wait_done(code_cell: Any, timeout: float = TIMEOUT_MS) -> None:
    expect(code_cell.locator(".jp-InputPrompt")).to_have_text(
        re.compile(r"\[\d+\]:"), timeout=timeout
    )


def outputs(code_cell: Any) -> Any:
    return code_cell.locator(".jp-OutputArea-output")


def pwned(page: Any) -> Any:
    """What an executed payload set, or None."""
    return page.evaluate("() => window.__pwned ?? null")


@contextlib.contextmanager
def in_theme(page: Any, theme: str) -> Iterator[None]:
    """The block runs in JupyterLab's ``theme`` ("light" or "dark"); the lab keeps a
    theme as a user setting, so the light one is put back after, also on failure."""
    if theme == "dark":
        use_theme(page, "JupyterLab Dark")
    try:
        yield
    finally:
        if theme == "dark":
            use_theme(page, "JupyterLab Light")


def use_theme(page: Any, name: str) -> None:
    """Switch JupyterLab's theme (``"JupyterLab Dark"``, ``"JupyterLab Light"``) through
    the command palette, as a user does, and wait until the page wears it."""
    page.keyboard.press("Control+Shift+C")
    palette = page.locator(".lm-CommandPalette-input")
    palette.fill(f"Use Theme: {name}")
    page.keyboard.press("Enter")
    light = "true" if "Light" in name else "false"
    expect(page.locator("body")).to_have_attribute("data-jp-theme-light", light)


def saved_notebook(path: Path, ready: Callable[[dict[str, Any]], bool], timeout: float = 30) -> Any:
    """The notebook file at ``path`` (as JSON) once ``ready`` says it holds what was saved:
    JupyterLab writes it a moment after Ctrl+S, and a file caught mid-write is read again."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with contextlib.suppress(json.JSONDecodeError):  # caught while JupyterLab writes it
            saved = json.loads(path.read_text(encoding="utf-8"))
            if ready(saved):
                return saved
        time.sleep(0.2)
    raise AssertionError(f"not saved as expected: {path.read_text(encoding='utf-8')[:500]}")
