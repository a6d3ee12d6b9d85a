"""A saved notebook with a chat panel, reopened once its kernel is gone (the widget's
model went with it), shows "Chat panel: run this cell to reopen it." in JupyterLab and
Notebook 7, not "Error displaying widget: model not found"; nbconvert's HTML and
Markdown show the same words, not the widget's repr."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import nbformat
from nbconvert import HTMLExporter, MarkdownExporter
from playwright.sync_api import expect

from .conftest import LabServer, NotebookFactory
from .lab import cell, open_lab, open_notebook7, run, saved_notebook

STAND_IN = "Chat panel: run this cell to reopen it."
WIDGET_MIME = "application/vnd.jupyter.widget-view+json"

#: Ends every kernel session of the server, as shutting JupyterLab down would.
END_SESSIONS = """async () => {
  const xsrf = (document.cookie.match(/_xsrf=([^;]+)/) || [])[1] || "";
  const sessions = await (await fetch("/api/sessions")).json();
  for (const s of sessions) {
    await fetch("/api/sessions/" + s.id, { method: "DELETE", headers: { "X-XSRFToken": xsrf } });
  }
  return (await (await fetch("/api/sessions")).json()).length;
}"""


def _shows_the_stand_in(page: Any, panel: Any) -> None:
    stand_in = cell(panel, 0).locator(".jr-stand-in")
    expect(stand_in).to_be_visible()
    expect(stand_in).to_have_text(STAND_IN)
    # The widget's error is there, hidden beside the stand-in.
    error = cell(panel, 0).locator(".jp-OutputArea-output.jupyter-widgets")
    expect(error).to_have_text("Error displaying widget: model not found")
    expect(error).to_be_hidden()
    assert cell(panel, 0).locator(".jp-OutputArea-child:visible").count() == 1


def test_a_saved_panel_reopened_without_its_kernel_reads_as_its_stand_in(
    page: Any,
    browser: Any,
    lab: LabServer,
    notebook: NotebookFactory,
    artifacts: Path,
) -> None:
    path = notebook("import jupyter_responses\njupyter_responses.panel()")
    panel = open_lab(page, lab.url, path)
    run(page, cell(panel, 0))
    expect(cell(panel, 0).locator(".jr-panel")).to_be_visible()
    expect(cell(panel, 0).locator(".jr-stand-in")).to_be_hidden()  # beside the live panel
    page.keyboard.press("Control+s")
    saved = saved_notebook(lab.root / path, lambda nb: len(nb["cells"][0]["outputs"]) == 2)
    stand_in, widget = saved["cells"][0]["outputs"]
    assert "".join(stand_in["data"]["text/plain"]) == STAND_IN
    assert WIDGET_MIME in widget["data"]
    assert page.evaluate(END_SESSIONS) == 0

    reopened = browser.new_page()
    try:
        panel = open_lab(reopened, lab.url, path)  # a new kernel: the widget model is gone
        _shows_the_stand_in(reopened, panel)
        cell(panel, 0).screenshot(path=str(artifacts / "panel-reopened-lab.png"))
        panel = open_notebook7(reopened, lab.url, path)
        _shows_the_stand_in(reopened, panel)
        cell(panel, 0).screenshot(path=str(artifacts / "panel-reopened-notebook7.png"))

        # nbconvert: the words, not VBox(children=...), in HTML and Markdown.
        saved = nbformat.read(lab.root / path, as_version=4)
        markdown, _ = MarkdownExporter().from_notebook_node(saved)
        assert STAND_IN in markdown and "VBox" not in markdown, markdown
        html, _ = HTMLExporter().from_notebook_node(saved)
        assert STAND_IN in html and "VBox" not in html
        exported = artifacts / "panel-saved.html"
        exported.write_text(html)
        reopened.goto(exported.as_uri())
        expect(reopened.locator(".jr-stand-in")).to_be_visible()
        outputs = reopened.locator(".jp-OutputArea-child")
        expect(outputs).to_have_count(2)
        expect(outputs.nth(1)).to_be_hidden()  # the widget's empty text
        reopened.screenshot(path=str(artifacts / "panel-saved-html.png"))
    finally:
        reopened.close()
