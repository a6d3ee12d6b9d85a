"""A notebook executed headless and converted by nbconvert reads without a kernel or
widgets: every answer is in the HTML, and none of the payloads in it runs when a
browser opens the file."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import nbformat
import pytest
from nbclient import NotebookClient
from nbconvert import HTMLExporter

from jupyter_responses.emulator import Emulator
from jupyter_responses.emulator import script as s

from ..kernel.harness import API_KEY
from .lab import pwned
from .payloads import ALL, FIND_DANGER

WIDGET_MIME = "application/vnd.jupyter.widget-view+json"


def test_nbconvert_html_shows_every_answer_and_runs_nothing(
    page: Any,
    emulator: Emulator,
    tmp_path: Path,
    artifacts: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("OPENAI_BASE_URL", emulator.url)
    monkeypatch.setenv("OPENAI_API_KEY", API_KEY)
    emulator.enqueue(
        s.text("The **first** answer.\n\n" + ALL),
        s.tool_calls(s.FunctionCall("lookup", {"query": "tea"})),
        s.text("Green tea is *lovely*."),
        s.text("A chat answer."),
    )
    nb = nbformat.v4.new_notebook()
    nb.cells = [
        nbformat.v4.new_code_cell(source)
        for source in (
            "%load_ext jupyter_responses",
            'def lookup(query: str) -> str:\n    "Look up."\n    return "green"',
            "%%respond\nFirst question",
            "%%respond --tools lookup\nWhich tea?",
            "%%chat\nAnd via chat?",
        )
    ]
    NotebookClient(nb, timeout=60, kernel_name="python3", store_widget_state=False).execute()
    outputs = [o for c in nb.cells for o in c.get("outputs", [])]
    assert not any(WIDGET_MIME in o.get("data", {}) for o in outputs), "widgets left behind"
    assert API_KEY not in nbformat.writes(nb)

    html, _ = HTMLExporter().from_notebook_node(nb)
    exported = artifacts / "exported.html"
    exported.write_text(html)
    page.goto(exported.as_uri())
    body = page.locator("body")
    for answer in ("The first answer.", "Green tea is lovely.", "A chat answer.", "md-ref-link"):
        assert answer in body.inner_text(), answer
    assert 'lookup(query="tea") — done' in body.inner_text()
    page.wait_for_timeout(500)
    assert pwned(page) is None, f"{pwned(page)} ran in the exported HTML"
    dangers = page.eval_on_selector_all(
        ".jp-OutputArea-output", f"(outputs) => outputs.flatMap({FIND_DANGER})"
    )
    assert dangers == [], dangers
    page.screenshot(path=str(artifacts / "exported-html.png"), full_page=True)
