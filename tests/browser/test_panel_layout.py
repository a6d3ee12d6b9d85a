"""The chat panel in a narrow space (a 300 px sidebar in JupyterLab, a phone-wide
Notebook 7): the controls wrap between groups, never inside one (the API switch stays
one row), no label is cut or wraps, nothing sticks out or scrolls sideways."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from playwright.sync_api import expect

from jupyter_responses.emulator import Emulator
from jupyter_responses.emulator import script as s

from .conftest import LabServer, NotebookFactory
from .lab import cell, open_lab, open_notebook7, run

ANSWER = "A short answer, with a table:\n\n| a | b |\n|---|---|\n| 1 | 2 |\n"

#: What is wrong with the panel's layout, as a list of sentences (empty: nothing).
PROBLEMS = """(chat) => {
  const box = chat.getBoundingClientRect();
  const problems = [];
  const label = (el) => (el.textContent || el.placeholder || el.className).trim().slice(0, 30);
  const rows = new Set([...chat.querySelectorAll(".jr-api button")].map(
    (b) => Math.round(b.getBoundingClientRect().top)));
  if (rows.size !== 1) problems.push(`the API switch takes ${rows.size} rows`);
  for (const el of chat.querySelectorAll("button, input, textarea, .jr-model > span, .jr-thread")) {
    if (!el.checkVisibility()) continue;
    const r = el.getBoundingClientRect();
    if (r.right > box.right + 0.5 || r.left < box.left - 0.5) {
      problems.push(`${label(el)} sticks out (${r.left}-${r.right} of ${box.left}-${box.right})`);
    }
    if (el.tagName === "BUTTON" && el.scrollWidth > el.clientWidth + 1) {
      problems.push(`${label(el)} is cut (${el.scrollWidth} > ${el.clientWidth})`);
    }
    if (el.tagName === "BUTTON" && r.height > 34) problems.push(`${label(el)} wraps`);
  }
  if (chat.scrollWidth > chat.clientWidth + 1) problems.push("the panel scrolls sideways");
  return problems;
}"""


def _converse(emulator: Emulator, chat: Any) -> None:
    """One answer, then a failure (its message and Retry)."""
    emulator.enqueue(s.text(ANSWER), s.HTTPError(500, message="The engine is overloaded"))
    prompt = chat.locator("textarea.jr-prompt")
    prompt.fill("Show me a table")
    prompt.press("Enter")
    expect(chat.locator(".jr-assistant").first.locator("table")).to_be_visible()
    expect(prompt).to_be_enabled()
    prompt.fill("And another")
    prompt.press("Enter")
    expect(chat.get_by_role("button", name="Retry")).to_be_visible()


def test_the_panel_fits_a_300px_sidebar(
    page: Any, lab: LabServer, notebook: NotebookFactory, emulator: Emulator, artifacts: Path
) -> None:
    path = notebook(
        "%load_ext jupyter_responses\n%config ResponsesMagics.max_retries = 0",
        "import jupyter_responses\njupyter_responses.panel()",
    )
    panel = open_lab(page, lab.url, path)
    run(page, cell(panel, 0))
    run(page, cell(panel, 1))
    chat = cell(panel, 1).locator(".jr-panel")
    expect(chat.locator(".jr-model-input")).to_be_visible()
    # As in a 300 px sidebar: the panel's output is made that narrow.
    chat.evaluate("(el) => { el.closest('.jp-OutputArea-output').style.maxWidth = '300px'; }")
    assert chat.evaluate("(el) => el.getBoundingClientRect().width") <= 300
    assert chat.evaluate(PROBLEMS) == []
    _converse(emulator, chat)
    assert chat.evaluate(PROBLEMS) == []
    chat.screenshot(path=str(artifacts / "panel-narrow-lab.png"))


def test_the_panel_fits_a_narrow_notebook7(
    page: Any, lab: LabServer, notebook: NotebookFactory, emulator: Emulator, artifacts: Path
) -> None:
    path = notebook(
        "%load_ext jupyter_responses\n%config ResponsesMagics.max_retries = 0",
        "import jupyter_responses\njupyter_responses.panel()",
    )
    panel = open_notebook7(page, lab.url, path)
    run(page, cell(panel, 0))
    run(page, cell(panel, 1))
    page.set_viewport_size({"width": 360, "height": 900})  # narrowed once open
    chat = cell(panel, 1).locator(".jr-panel")
    expect(chat.locator(".jr-model-input")).to_be_visible()
    assert chat.evaluate("(el) => el.getBoundingClientRect().width") <= 330
    _converse(emulator, chat)
    assert chat.evaluate(PROBLEMS) == []
    page.screenshot(path=str(artifacts / "panel-narrow-notebook7.png"), full_page=True)
