"""``-n 3`` in a real JupyterLab: three candidates stream in tabs (each tab its own live
view), then the cell holds the first answer with "◀ 1/3 ▶" under it, and ▶ brings the
second. Screenshots mid-stream and finished, in the light and dark themes."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect

from jupyter_responses.emulator import Emulator
from jupyter_responses.emulator import script as s

from .conftest import LabServer, NotebookFactory
from .lab import cell, in_theme, open_lab, outputs, run, wait_done

ANSWERS = [
    "**Paris** is the capital of France, on the Seine.",
    "The capital is Paris, home to about 2.1 million people.",
    "Paris: the seat of government since the 10th century.",
]


@pytest.mark.parametrize("theme", ["light", "dark"])
def test_candidates_stream_in_tabs_then_one_answer_with_its_versions(
    page: Any,
    lab: LabServer,
    notebook: NotebookFactory,
    emulator: Emulator,
    artifacts: Path,
    theme: str,
) -> None:
    emulator.enqueue(*(s.text(answer, deltas=30, event_delay=0.08) for answer in ANSWERS))
    path = notebook("%load_ext jupyter_responses", "%%respond -n 3\nThe capital of France?")
    panel = open_lab(page, lab.url, path)
    with in_theme(page, theme):
        run(page, cell(panel, 0))
        asked = run(page, cell(panel, 1), wait=False)
        tabs = asked.locator(".jr-candidates .lm-TabBar-tab")
        expect(tabs).to_have_count(3)
        expect(tabs.first).to_contain_text("Candidate 1 of 3")
        expect(asked.locator(".jr-candidates")).to_contain_text("Paris")  # streaming
        asked.screenshot(path=str(artifacts / f"candidates-streaming-{theme}.png"))
        tabs.nth(1).click()  # another candidate, while it streams
        expect(asked.locator(".jr-candidates")).to_contain_text("2.1 million", timeout=15_000)
        wait_done(asked)

        switcher = asked.locator(".jr-versions")
        expect(switcher).to_have_text(re.compile(r"^◀\s*1/3\s*▶$"))
        expect(asked.locator(".jr-candidates")).to_have_count(0)  # the tabs are gone
        answer = outputs(asked).first
        shown = [a for a in ANSWERS if a.replace("**", "") in (answer.inner_text() or "")]
        assert len(shown) == 1, answer.inner_text()
        asked.screenshot(path=str(artifacts / f"candidates-finished-{theme}.png"))
        switcher.locator("button").last.click()
        expect(switcher).to_have_text(re.compile(r"^◀\s*2/3\s*▶$"))
        expect(answer).not_to_contain_text(shown[0].replace("**", "")[:20])
