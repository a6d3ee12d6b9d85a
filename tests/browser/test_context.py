"""``--context`` as a person sees it in JupyterLab (light and dark) and Notebook 7: the
answer starts with a collapsed "Context" section that opens to list what the message
carried, each item with its size, and what was left out."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect

from jupyter_responses.emulator import Emulator
from jupyter_responses.emulator import script as s

from .conftest import LabServer, NotebookFactory
from .lab import cell, in_theme, open_lab, open_notebook7, outputs, run

SETUP = "rows = [3, 1, 4, 1, 5]\ntotal = sum(rows)\nprint('total', total)"


@pytest.mark.parametrize(
    ("frontend", "theme"), [("lab", "light"), ("lab", "dark"), ("notebook7", "light")]
)
def test_the_context_section_lists_what_the_message_carried(
    page: Any,
    lab: LabServer,
    notebook: NotebookFactory,
    emulator: Emulator,
    artifacts: Path,
    frontend: str,
    theme: str,
) -> None:
    emulator.enqueue(s.text("The **total** is 14."))
    path = notebook(
        "%load_ext jupyter_responses",
        SETUP,
        "%%respond -c cells -c vars -c rows\nWhat is the total?",
    )
    panel = (open_lab if frontend == "lab" else open_notebook7)(page, lab.url, path)
    with in_theme(page, theme):
        for index in range(3):
            run(page, cell(panel, index))
        answer = outputs(cell(panel, 2))
        section = answer.locator('details.jr-section[data-jr-key="context"]')
        expect(section).to_have_count(1)
        summary = section.locator("summary")
        expect(summary).to_contain_text("Context from the notebook · 3 items")
        expect(section).not_to_have_attribute("open", "")  # collapsed until asked
        expect(answer).to_contain_text("The total is 14.")
        summary.click()
        expect(section).to_have_attribute("open", "")
        items = section.locator("li")
        expect(items).to_have_count(3)
        expect(items.nth(0)).to_contain_text("cell [2]")
        expect(items.nth(1)).to_contain_text("vars (2 variables)")
        expect(items.nth(2)).to_contain_text("rows")
        assert "chars" in items.nth(0).inner_text()
        answer.screenshot(path=str(artifacts / f"context-{frontend}-{theme}.png"))
