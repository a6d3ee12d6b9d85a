"""``--insert`` in JupyterLab and Notebook 7: the answer's Python code arrives as a new
code cell right below the cell that asked."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect

from jupyter_responses.emulator import Emulator
from jupyter_responses.emulator import script as s

from .conftest import LabServer, NotebookFactory
from .lab import cell, open_lab, open_notebook7, run

ANSWER = "Like this:\n\n```python\nimport math\nprint(math.pi)\n```\n"


@pytest.mark.parametrize("frontend", ["lab", "notebook7"])
def test_insert_adds_the_code_as_the_next_cell(
    page: Any,
    lab: LabServer,
    notebook: NotebookFactory,
    emulator: Emulator,
    artifacts: Path,
    frontend: str,
) -> None:
    emulator.enqueue(s.text(ANSWER))
    path = notebook("%load_ext jupyter_responses", "%%respond --insert\nPrint pi.", "1 + 1")
    panel = (open_lab if frontend == "lab" else open_notebook7)(page, lab.url, path)
    run(page, cell(panel, 0))
    run(page, cell(panel, 1))
    inserted = cell(panel, 2)
    expect(inserted.locator(".cm-content")).to_have_text("import mathprint(math.pi)")
    expect(cell(panel, 3).locator(".cm-content")).to_have_text("1 + 1")  # below, not instead
    page.screenshot(path=str(artifacts / f"insert-{frontend}.png"))
