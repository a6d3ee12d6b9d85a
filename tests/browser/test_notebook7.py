"""Notebook 7 renders notebooks with the same JupyterLab components: a magic's live
view and the panel work there too."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from playwright.sync_api import expect

from jupyter_responses.emulator import Emulator
from jupyter_responses.emulator import script as s

from .conftest import LabServer, NotebookFactory
from .lab import cell, open_notebook7, outputs, run, wait_done


def test_magic_and_panel_in_notebook7(
    page: Any, lab: LabServer, notebook: NotebookFactory, emulator: Emulator, artifacts: Path
) -> None:
    emulator.enqueue(
        s.text("Streaming " + "along " * 40 + "done.", deltas=42, event_delay=0.05),
        s.text("From the **panel**."),
    )
    path = notebook(
        "%load_ext jupyter_responses",
        "%%respond\nStream something.",
        "import jupyter_responses\njupyter_responses.panel()",
    )
    panel = open_notebook7(page, lab.url, path)
    run(page, cell(panel, 0))
    answer = run(page, cell(panel, 1), wait=False)
    expect(answer.locator(".jr-turn")).to_contain_text("along")  # the live widget
    wait_done(answer)
    expect(outputs(answer).first).to_contain_text("done.")
    run(page, cell(panel, 2))
    chat = cell(panel, 2).locator(".jr-panel")
    expect(chat.locator(".jr-assistant")).to_have_count(1)  # the magic's turn
    prompt = chat.locator("textarea.jr-prompt")
    prompt.fill("Hello from Notebook 7")
    prompt.press("Enter")
    expect(chat.locator(".jr-assistant").first).to_contain_text("From the panel.")
    page.screenshot(path=str(artifacts / "notebook7.png"), full_page=True)
