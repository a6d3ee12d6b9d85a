"""Regenerating is visible in a real JupyterLab: a re-run cell shows "◀ 2/2 ▶" under its
answer; ◀ brings the first answer back into the cell (one answer at a time) and makes it
the branch ``%responses history`` lists. Screenshots in the light and dark themes."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect

from jupyter_responses.emulator import Emulator
from jupyter_responses.emulator import script as s

from .conftest import LabServer, NotebookFactory
from .lab import cell, in_theme, open_lab, outputs, run

FIRST = "Blue, as the first answer says."
SECOND = "Green, as the second answer says."


@pytest.mark.parametrize("theme", ["light", "dark"])
def test_the_version_switcher_changes_the_answer_and_the_branch(
    page: Any,
    lab: LabServer,
    notebook: NotebookFactory,
    emulator: Emulator,
    artifacts: Path,
    theme: str,
) -> None:
    emulator.enqueue(s.text(FIRST), s.text(SECOND))
    path = notebook(
        "%load_ext jupyter_responses",
        "%%respond\nName a colour.",
        "%responses history",
        "%responses history --all",
    )
    panel = open_lab(page, lab.url, path)
    with in_theme(page, theme):
        _switch_versions(page, panel, emulator, artifacts, theme)


def _switch_versions(
    page: Any, panel: Any, emulator: Emulator, artifacts: Path, theme: str
) -> None:
    run(page, cell(panel, 0))
    asked = run(page, cell(panel, 1))
    expect(outputs(asked)).to_contain_text(FIRST)
    expect(asked.locator(".jr-versions")).to_have_count(0)  # one version: no switcher

    run(page, asked)  # regenerate
    switcher = asked.locator(".jr-versions")
    expect(switcher).to_have_text(re.compile(r"^◀\s*2/2\s*▶$"))
    answer, _ = outputs(asked).all()  # the answer, then the switcher
    expect(answer).to_contain_text(SECOND)
    expect(asked).not_to_contain_text(FIRST)
    previous, following = switcher.locator("button").all()
    expect(following).to_be_disabled()
    asked.screenshot(path=str(artifacts / f"versions-2of2-{theme}.png"))

    previous.click()
    expect(switcher).to_have_text(re.compile(r"^◀\s*1/2\s*▶$"))
    expect(answer).to_contain_text(FIRST)
    expect(asked).not_to_contain_text(SECOND)  # one answer at a time
    expect(previous).to_be_disabled()
    expect(following).to_be_enabled()
    following.hover()
    asked.screenshot(path=str(artifacts / f"versions-1of2-{theme}.png"))

    history = run(page, cell(panel, 2))
    expect(outputs(history)).to_contain_text(f"Name a colour. → {FIRST}")
    expect(outputs(history)).not_to_contain_text("Green")
    assert len(emulator.requests("/v1/responses")) == 2  # switching sent nothing

    tree = run(page, cell(panel, 3))
    expect(outputs(tree)).to_contain_text("v1/2 ✓")
    expect(outputs(tree)).to_contain_text("Marks: * the current branch")
    tree.screenshot(path=str(artifacts / f"versions-history-all-{theme}.png"))
