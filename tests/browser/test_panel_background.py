"""The chat panel's Background box in a real JupyterLab (light and dark): ticked, the
message runs as a background response (queued on the server, then answered); the
live line says it is queued and for how long, every text reads against its
background while it waits, the box fits a 300 px sidebar beside the API switch, and
it goes away for Chat Completions, which has no background responses."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect

from jupyter_responses.emulator import Emulator
from jupyter_responses.emulator import script as s

from .conftest import LabServer, NotebookFactory
from .lab import cell, in_theme, open_lab, run
from .test_panel_contrast import CONTRAST, _offenders
from .test_panel_layout import PROBLEMS

ANSWER = "Three analyses: a **trend** by month, a split by region, and outliers."

#: How the Background box sits in the row: its label whole, on one line, centred on
#: the API switch it follows (empty: nothing wrong).
ALIGNED = """(chat) => {
  const box = chat.querySelector(".jr-background");
  const label = box.querySelector("span");
  const input = box.querySelector("input");
  const api = chat.querySelector(".jr-api").getBoundingClientRect();
  const problems = [];
  if (label.scrollWidth > label.clientWidth + 1) problems.push("its label is cut");
  const r = label.getBoundingClientRect();
  const lineHeight = parseFloat(getComputedStyle(label).lineHeight) || 20;
  if (r.height > lineHeight * 1.5) problems.push(`its label wraps (${r.height} px)`);
  const middle = (b) => (b.top + b.bottom) / 2;
  const boxRect = box.getBoundingClientRect();
  if (Math.round(boxRect.top) === Math.round(api.top)
      && Math.abs(middle(boxRect) - middle(api)) > 2) {
    problems.push(`not centred on the API switch (${middle(boxRect)} vs ${middle(api)})`);
  }
  if (Math.abs(middle(input.getBoundingClientRect()) - middle(r)) > 2) {
    problems.push("the checkbox and its label are not centred on each other");
  }
  return problems;
}"""


@pytest.mark.parametrize("theme", ["light", "dark"])
def test_a_message_sent_in_the_background_waits_queued_then_answers(
    page: Any,
    lab: LabServer,
    notebook: NotebookFactory,
    emulator: Emulator,
    artifacts: Path,
    theme: str,
) -> None:
    emulator.enqueue(s.text(ANSWER, deltas=6, queued_for=3.0, event_delay=0.05))
    path = notebook("import jupyter_responses\njupyter_responses.panel()")
    panel = open_lab(page, lab.url, path)
    with in_theme(page, theme):
        run(page, cell(panel, 0))
        chat = cell(panel, 0).locator(".jr-panel")
        toggle = chat.get_by_role("checkbox", name="Background")
        expect(toggle).not_to_be_checked()  # the background trait's default
        assert chat.evaluate(ALIGNED) == []
        toggle.check()
        expect(toggle).to_be_checked()

        prompt = chat.locator("textarea.jr-prompt")
        prompt.fill("Propose three analyses of the sales data.")
        prompt.press("Enter")
        line = chat.locator(".jr-assistant .jr-live-text").first
        expect(line).to_have_text(
            re.compile(r"^⏳ Queued on the server \(background\)… [1-9] s$"), timeout=10_000
        )
        expect(chat.get_by_role("button", name="Stop")).to_be_enabled()
        texts = [r["text"] for r in chat.evaluate(CONTRAST)]
        assert "Background" in texts and any("Queued on the server" in t for t in texts), texts
        offenders = _offenders(chat, "queued")
        chat.screenshot(path=str(artifacts / f"panel-background-queued-{theme}.png"))

        answer = chat.locator(".jr-assistant").first
        expect(answer).to_contain_text("Three analyses", timeout=30_000)
        expect(answer).to_contain_text("gpt-4.1 ·")  # the footer: it completed
        expect(prompt).to_be_enabled()
        offenders += _offenders(chat, "answered")
        chat.screenshot(path=str(artifacts / f"panel-background-{theme}.png"))
        created = emulator.requests("/v1/responses")[-1].body
        assert created["background"] is True and created["stream"] is True

        # In a 300 px sidebar the box wraps as a whole, beside or under the switch.
        chat.evaluate("(el) => { el.closest('.jp-OutputArea-output').style.maxWidth = '300px'; }")
        assert chat.evaluate(PROBLEMS) == []
        assert chat.evaluate(ALIGNED) == []
        chat.screenshot(path=str(artifacts / f"panel-background-narrow-{theme}.png"))

        # Chat Completions has no background responses: the box goes, and comes back.
        chat.get_by_role("button", name="Chat", exact=True).click()
        expect(toggle).to_be_hidden()
        chat.get_by_role("button", name="Responses", exact=True).click()
        expect(toggle).to_be_checked()
    failing = [line for line in offenders if "exempt" not in line]
    assert failing == [], "\n".join(offenders)
