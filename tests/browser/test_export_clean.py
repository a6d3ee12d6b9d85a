"""A notebook written by ``%responses export`` opens unmodified in JupyterLab 4 and
Notebook 7: nothing the frontend fills in when the kernel connects (``language_info``,
``kernelspec``) differs from what the file holds, and saving it changes nothing."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from playwright.sync_api import expect

from jupyter_responses.emulator import Emulator
from jupyter_responses.emulator import script as s

from .conftest import LabServer, NotebookFactory
from .lab import cell, open_lab, open_notebook7, outputs, run

#: Long enough for the kernel's info reply to reach the notebook's metadata.
SETTLE_MS = 2_000


def _export_in_a_kernel(page: Any, lab: LabServer, notebook: NotebookFactory) -> list[str]:
    """Two turns (one per API, one with an image) exported from a real kernel as a
    re-runnable notebook and as a transcript; return both file names."""
    names = ["exported-rerun.ipynb", "exported-transcript.ipynb"]
    for name in names:
        (lab.root / name).unlink(missing_ok=True)
    path = notebook(
        "%load_ext jupyter_responses",
        "%%respond\nA **bold** question with `code`?",
        "%%chat\nAnd one more?",
        f"%responses export {names[0]}\n%responses export {names[1]} --transcript",
    )
    panel = open_lab(page, lab.url, path)
    for index in range(4):
        run(page, cell(panel, index))
    expect(outputs(cell(panel, 3))).to_contain_text(names[1])
    return names


def _dirty_tab(page: Any) -> Any:
    return page.locator(".lm-TabBar-tab.jp-mod-current.jp-mod-dirty")


def test_exported_notebooks_open_clean_in_jupyterlab(
    page: Any, lab: LabServer, notebook: NotebookFactory, emulator: Emulator, artifacts: Path
) -> None:
    answer = "A list and a picture:\n\n- one\n- two\n\n```python\nx = 1\n```"
    emulator.enqueue(s.Reply(items=[s.Text(answer), s.ImageGeneration()]), s.text("A chat answer."))
    for name in _export_in_a_kernel(page, lab, notebook):
        written = json.loads((lab.root / name).read_text(encoding="utf-8"))
        panel = open_lab(page, lab.url, name)
        page.wait_for_timeout(SETTLE_MS)
        current = page.locator(".lm-TabBar-tab.jp-mod-current")
        expect(current).to_contain_text(name)
        expect(_dirty_tab(page)).to_have_count(0)
        page.screenshot(path=str(artifacts / f"export-clean-{Path(name).stem}.png"))
        # What JupyterLab saves right back is what was written.
        panel.locator(".jp-Cell").first.click()
        page.keyboard.press("Control+s")
        expect(_dirty_tab(page)).to_have_count(0)
        page.wait_for_timeout(500)
        assert json.loads((lab.root / name).read_text(encoding="utf-8")) == written
        # The check can see a modified notebook: an edit marks the tab.
        panel.locator(".jp-Cell").first.dblclick()
        page.keyboard.type("x")
        expect(_dirty_tab(page)).to_have_count(1)
        page.keyboard.press("Control+z")
        page.keyboard.press("Control+s")
        expect(_dirty_tab(page)).to_have_count(0)


def test_exported_notebook_opens_clean_in_notebook7(
    page: Any, lab: LabServer, notebook: NotebookFactory, emulator: Emulator, artifacts: Path
) -> None:
    emulator.enqueue(s.text("An answer."), s.text("A chat answer."))
    name = _export_in_a_kernel(page, lab, notebook)[0]
    open_notebook7(page, lab.url, name)
    page.wait_for_timeout(SETTLE_MS)
    page.screenshot(path=str(artifacts / "export-clean-notebook7.png"))
    # Notebook 7 shows no dirty mark of its own; its "leave without saving?" guard on
    # beforeunload asks only while the document is modified. Chromium shows that dialog
    # only after a user gesture, so the page gets one (a click that changes nothing).
    page.locator(".jp-Cell").first.click()
    assert _asks_before_leaving(page) is False  # and the page is gone
    # ... and it does ask once the notebook is modified.
    open_notebook7(page, lab.url, name)
    page.locator(".jp-Cell").first.dblclick()
    page.keyboard.type("x")
    assert _asks_before_leaving(page) is True


def _asks_before_leaving(page: Any) -> bool:
    """Whether leaving the page raises the unsaved-changes guard (then stay)."""
    asked: list[str] = []

    def answer(dialog: Any) -> None:
        asked.append(dialog.type)
        dialog.dismiss()

    page.on("dialog", answer)
    try:
        page.evaluate("() => { location.href = 'about:blank#leave'; }")
        page.wait_for_timeout(1_000)
    finally:
        page.remove_listener("dialog", answer)
    return "beforeunload" in asked
