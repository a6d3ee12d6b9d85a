"""The chat panel's Answers box in a real JupyterLab (light and dark): a message with 3
answers streams in three tabs, which end marked (✓, and ★ on the one the conversation
continues from, which says so); "Continue from this one" in another tab moves the mark
there. Every text reads against its background mid-stream and finished, the box sits
beside Send and Stop, and all of it fits a 300 px sidebar with the tab titles whole."""

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

ANSWERS = [
    "**Paris** is the capital of France, on the Seine.",
    "The capital is Paris, home to about 2.1 million people.",
    "Paris: the seat of government since the 10th century.",
]

#: What is wrong with the Answers box and the candidates' tabs (empty: nothing): the
#: box's label cut or wrapped, the box not centred on Send, a tab's title cut, the tab
#: bar wider than the answer.
TIDY = """(chat) => {
  const problems = [];
  const box = chat.querySelector(".jr-answers");
  const label = box.querySelector(".widget-label");
  const input = box.querySelector("input");
  const send = [...chat.querySelectorAll("button")].find((b) => b.textContent.trim() === "Send");
  const middle = (r) => (r.top + r.bottom) / 2;
  if (label.scrollWidth > label.clientWidth + 1) problems.push("the Answers label is cut");
  if (label.getBoundingClientRect().height > 30) problems.push("the Answers label wraps");
  if (Math.abs(middle(input.getBoundingClientRect()) - middle(label.getBoundingClientRect())) > 2) {
    problems.push("the Answers box and its label are not centred on each other");
  }
  const sendRect = send.getBoundingClientRect();
  const boxRect = box.getBoundingClientRect();
  if (Math.round(boxRect.top) === Math.round(sendRect.top)
      && Math.abs(middle(boxRect) - middle(sendRect)) > 2) {
    problems.push("the Answers box is not centred on Send");
  }
  for (const tabs of chat.querySelectorAll(".jr-panel-candidates")) {
    const bar = tabs.querySelector(".lm-TabBar").getBoundingClientRect();
    for (const label of tabs.querySelectorAll(".lm-TabBar-tabLabel")) {
      if (label.scrollWidth > label.clientWidth + 1) {
        problems.push(`the tab "${label.textContent}" is cut`);
      }
      const r = label.closest(".lm-TabBar-tab").getBoundingClientRect();
      if (r.right > bar.right + 0.5) problems.push(`the tab "${label.textContent}" sticks out`);
    }
  }
  return problems;
}"""


def _titles(chat: Any) -> list[str]:
    """The tabs' titles as shown: "Answer 1 ✓" where the bar has room, else "1 ✓" (the
    word is the stylesheet's, which ``innerText`` leaves out)."""
    titles: list[str] = chat.evaluate(
        """(chat) => [...chat.querySelectorAll(".jr-panel-candidates .lm-TabBar-tabLabel")]
          .map((label) => {
            const before = getComputedStyle(label, "::before").content;
            const word = before.startsWith('"') ? JSON.parse(before) : "";
            return (word + label.textContent).trim();
          })"""
    )
    return titles


@pytest.mark.parametrize("theme", ["light", "dark"])
def test_three_answers_stream_in_tabs_and_another_can_be_continued(
    page: Any,
    lab: LabServer,
    notebook: NotebookFactory,
    emulator: Emulator,
    artifacts: Path,
    theme: str,
) -> None:
    emulator.enqueue(*(s.text(answer, deltas=30, event_delay=0.1) for answer in ANSWERS))
    path = notebook("import jupyter_responses\njupyter_responses.panel()")
    panel = open_lab(page, lab.url, path)
    with in_theme(page, theme):
        run(page, cell(panel, 0))
        chat = cell(panel, 0).locator(".jr-panel")
        box = chat.locator(".jr-answers input")
        expect(box).to_have_value("1")  # one answer, as before, until asked
        texts = [r["text"] for r in chat.evaluate(CONTRAST)]
        assert "Answers" in texts and "1" in texts, "the Answers box is measured"
        offenders = _offenders(chat, "empty")
        box.fill("3")
        box.press("Tab")

        prompt = chat.locator("textarea.jr-prompt")
        prompt.fill("The capital of France?")
        prompt.press("Enter")
        tabs = chat.locator(".jr-panel-candidates .lm-TabBar-tab")
        expect(tabs).to_have_count(3)
        candidates = chat.locator(".jr-panel-candidates")
        expect(candidates).to_contain_text("Paris")  # streaming
        expect(chat.get_by_role("button", name="Stop")).to_be_enabled()
        assert _titles(chat) == ["Answer 1", "Answer 2", "Answer 3"]  # the panel is wide
        assert chat.evaluate(TIDY) == []
        offenders += _offenders(chat, "streaming")
        chat.screenshot(path=str(artifacts / f"panel-candidates-streaming-{theme}.png"))

        expect(prompt).to_be_enabled(timeout=30_000)  # all three have ended
        titles = _titles(chat)
        assert all(re.fullmatch(rf"Answer {i + 1} ✓( ★)?", t) for i, t in enumerate(titles)), titles
        (head,) = [i for i, t in enumerate(titles) if t.endswith("★")]
        expect(box).to_have_value("3")  # kept for the next message
        tabs.nth(head).click()
        shown = chat.locator(".jr-panel-candidates .widget-tab-contents")
        expect(shown.locator(".jr-continued:visible")).to_have_text("★ Continuing from this one")
        expect(shown.get_by_role("button", name="Continue from this one")).to_be_hidden()
        assert chat.evaluate(TIDY) == []
        offenders += _offenders(chat, "finished")
        chat.screenshot(path=str(artifacts / f"panel-candidates-finished-{theme}.png"))

        other = (head + 1) % 3
        tabs.nth(other).click()
        pick = shown.get_by_role("button", name="Continue from this one")
        expect(pick).to_be_visible()
        offenders += _offenders(chat, "another")
        chat.screenshot(path=str(artifacts / f"panel-candidates-another-{theme}.png"))
        pick.click()
        expect(tabs.nth(other)).to_have_text(re.compile(r"★$"))
        expect(tabs.nth(head)).not_to_have_text(re.compile(r"★"))
        expect(shown.locator(".jr-continued:visible")).to_be_visible()
        expect(pick).to_be_hidden()
        tabs.nth(head).click()
        expect(shown.get_by_role("button", name="Continue from this one")).to_be_visible()
        tabs.nth(other).click()
        chat.screenshot(path=str(artifacts / f"panel-candidates-picked-{theme}.png"))

        # In a 300 px sidebar: the box beside Send and Stop, the tabs whole.
        chat.evaluate("(el) => { el.closest('.jp-OutputArea-output').style.maxWidth = '300px'; }")
        assert chat.evaluate(PROBLEMS) == []
        assert chat.evaluate(TIDY) == []
        titles = _titles(chat)
        assert titles[other].endswith("★") and all(t[0].isdigit() for t in titles), titles
        offenders += _offenders(chat, "narrow")
        chat.screenshot(path=str(artifacts / f"panel-candidates-narrow-{theme}.png"))
        tabs.nth(head).click()  # the one picked before: its button, narrow
        expect(shown.get_by_role("button", name="Continue from this one")).to_be_visible()
        assert chat.evaluate(PROBLEMS) == []
        offenders += _offenders(chat, "narrow, another")
        chat.screenshot(path=str(artifacts / f"panel-candidates-narrow-another-{theme}.png"))
    failing = [line for line in offenders if "exempt" not in line]
    assert failing == [], "\n".join(offenders)


@pytest.mark.parametrize("theme", ["light", "dark"])
def test_a_failed_candidate_says_why_in_its_tab(
    page: Any,
    lab: LabServer,
    notebook: NotebookFactory,
    emulator: Emulator,
    artifacts: Path,
    theme: str,
) -> None:
    emulator.enqueue(
        s.text(ANSWERS[0], deltas=10, event_delay=0.05),
        s.HTTPError(500, message="The engine is overloaded"),
    )
    path = notebook(
        "%load_ext jupyter_responses\n%config ResponsesMagics.max_retries = 0",
        "import jupyter_responses\njupyter_responses.panel()",
    )
    panel = open_lab(page, lab.url, path)
    with in_theme(page, theme):
        run(page, cell(panel, 0))
        run(page, cell(panel, 1))
        chat = cell(panel, 1).locator(".jr-panel")
        box = chat.locator(".jr-answers input")
        box.fill("2")
        box.press("Tab")
        prompt = chat.locator("textarea.jr-prompt")
        prompt.fill("The capital of France?")
        prompt.press("Enter")
        tabs = chat.locator(".jr-panel-candidates .lm-TabBar-tab")
        expect(tabs).to_have_count(2)
        for tab in (tabs.nth(0), tabs.nth(1)):
            expect(tab).to_have_text(re.compile(r"[✓✗]"), timeout=30_000)
        expect(prompt).to_be_enabled()
        expect(prompt).to_have_value("")  # one answered: nothing to put back
        titles = _titles(chat)
        (failed,) = [i for i, t in enumerate(titles) if t.endswith("✗")]
        assert titles[1 - failed] == f"Answer {2 - failed} ✓ ★", titles
        tabs.nth(failed).click()
        shown = chat.locator(".jr-panel-candidates .widget-tab-contents")
        expect(shown.locator(".jr-failure:visible")).to_contain_text("The engine is overloaded")
        expect(shown.get_by_role("button")).to_have_count(0)  # no Retry, no Continue
        expect(chat.locator(".jr-assistant > .jr-failure")).to_have_count(0)
        offenders = _offenders(chat, "failed")
        assert chat.evaluate(TIDY) == []
        chat.screenshot(path=str(artifacts / f"panel-candidates-failed-{theme}.png"))
    failing = [line for line in offenders if "exempt" not in line]
    assert failing == [], "\n".join(offenders)
