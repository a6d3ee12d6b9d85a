"""The prompt of a ``%%respond`` or ``%%chat`` cell is highlighted as Markdown in the
editor of JupyterLab 4 and Notebook 7, by the prebuilt extension the wheel ships
(``labextension/``): its words are not Python keywords; Python cells are unchanged."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect

import jupyter_responses

from .conftest import LabServer, NotebookFactory
from .lab import cell, open_lab, open_notebook7

PREBUILT = Path(jupyter_responses.__file__).parent / "labextension"

#: Each word of interest in a cell's editor, with the computed style of its token.
WORDS = """(cell) => {
  const words = new Set(['for', 'and', 'poem', 'range']);
  const found = [];
  const walker = document.createTreeWalker(cell.querySelector('.cm-content'), NodeFilter.SHOW_TEXT);
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    const style = getComputedStyle(node.parentElement);
    for (const word of node.textContent.split(/\\W+/)) {
      if (words.has(word)) found.push([word, style.fontWeight, style.color]);
    }
  }
  return found;
}"""


@pytest.fixture
def prompt_highlighting() -> None:
    """The extension as ``pip install`` puts it (the wheel's shared data, in
    ``share/jupyter/labextensions``), where the test server finds it."""
    installed = Path(sys.prefix) / "share" / "jupyter" / "labextensions" / "jupyter-responses"
    assert (installed / "package.json").is_file(), f"not installed: {installed}"
    shipped = {p.name for p in (PREBUILT / "static").iterdir()}
    assert {p.name for p in (installed / "static").iterdir()} == shipped, "a stale install"


def _styles(panel: Any, index: int) -> dict[str, set[tuple[str, str]]]:
    styles: dict[str, set[tuple[str, str]]] = {}
    for word, weight, colour in cell(panel, index).evaluate(WORDS):
        styles.setdefault(word, set()).add((weight, colour))
    return styles


def _check(page: Any, panel: Any, artifacts: Path, name: str) -> None:
    python = cell(panel, 2)
    # Python cells keep their highlighting: wait until the editor has drawn it.
    expect(python.locator(".cm-content")).to_contain_text("print(x and 1)")
    expect(python.locator(".cm-line span", has_text="for").first).to_have_css("font-weight", "700")
    keyword = _styles(panel, 2)["for"]
    assert keyword == _styles(panel, 2)["and"], keyword
    for index in (0, 1):  # %%respond, %%chat
        styles = _styles(panel, index)
        plain = styles["for"] | styles["and"]
        assert not plain & keyword, f"cell {index}: prompt words styled as keywords: {styles}"
        assert {weight for weight, _ in plain} == {"400"}, styles
        assert {weight for weight, _ in styles["poem"]} == {"700"}, "**poem** is Markdown"
    page.screenshot(path=str(artifacts / f"prompt-highlighting-{name}.png"))


CELLS = (
    "%%respond -m gpt-4.1\nWrite a **poem** for me and for you,\n- with `code` and\n# a heading",
    "%%chat\nAnd now a **poem** for the rest of us and for them.",
    "for x in range(3):\n    print(x and 1)",
)


def test_prompt_is_markdown_in_jupyterlab(
    page: Any, lab: LabServer, notebook: NotebookFactory, artifacts: Path, prompt_highlighting: None
) -> None:
    _check(page, open_lab(page, lab.url, notebook(*CELLS)), artifacts, "lab")


def test_prompt_is_markdown_in_notebook7(
    page: Any, lab: LabServer, notebook: NotebookFactory, artifacts: Path, prompt_highlighting: None
) -> None:
    _check(page, open_notebook7(page, lab.url, notebook(*CELLS)), artifacts, "notebook7")
