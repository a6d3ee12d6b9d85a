"""Tools in the chat panel, in a real JupyterLab (light and dark): the Tools field names
the python tool; the model's call waits in the answer, its section open on the code
(highlighted), the question under it with Approve and Deny; every text there reads
against its background and the question fits a 300 px sidebar; Approve runs the code
in the kernel, and one line says so."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect

from jupyter_responses.emulator import Emulator
from jupyter_responses.emulator import script as s

from .conftest import LabServer, NotebookFactory
from .lab import cell, in_theme, open_lab, outputs, run
from .test_panel_contrast import _offenders
from .test_panel_layout import PROBLEMS

CODE = """# the basket, with tax
prices = [2.50, 3.00, 4.25]
total = round(sum(prices) * 1.25, 2)
print(f"total: {total}")"""

#: The parts of the question that reach past its padding (empty: none).
INSIDE = """(ask) => {
  const box = ask.getBoundingClientRect();
  const pad = parseFloat(getComputedStyle(ask).paddingRight);
  return [...ask.querySelectorAll(".jr-ask-text, button")]
    .filter((el) => el.getBoundingClientRect().right > box.right - pad + 0.5)
    .map((el) => `${el.tagName} ends at ${el.getBoundingClientRect().right} of ${box.right}`);
}"""


@pytest.mark.parametrize("theme", ["light", "dark"])
def test_the_panel_asks_before_the_python_tool_runs(
    page: Any,
    lab: LabServer,
    notebook: NotebookFactory,
    emulator: Emulator,
    artifacts: Path,
    theme: str,
) -> None:
    emulator.enqueue(
        s.tool_calls(s.CustomToolCall("python", CODE, call_id="t1")),
        s.text("The basket costs **12.19** with tax."),
    )
    path = notebook("import jupyter_responses\njupyter_responses.panel()", "print(total)")
    panel = open_lab(page, lab.url, path)
    with in_theme(page, theme):
        run(page, cell(panel, 0))
        chat = cell(panel, 0).locator(".jr-panel")
        tools = chat.locator(".jr-tools input")
        expect(tools).to_have_attribute("placeholder", "Tools: python, get_weather")
        tools.fill("python")
        prompt = chat.locator("textarea.jr-prompt")
        prompt.fill("What does the basket cost with tax?")
        prompt.press("Enter")

        ask = chat.locator(".jr-ask")
        expect(ask).to_be_visible(timeout=30_000)
        expect(ask.locator(".jr-ask-question")).to_have_text("Run this python code?")
        expect(ask.locator(".jr-ask-title")).to_have_text("🐍 python: # the basket, with tax")
        section = chat.locator('.jr-assistant details.jr-section[data-jr-key="t1"]')
        expect(section).to_have_attribute("open", "")
        expect(section.locator("summary")).to_have_text(
            "🐍 python: # the basket, with tax — requested"
        )
        code = section.locator('pre[data-jr-lang="python"]')
        expect(code).to_contain_text("total = round(sum(prices) * 1.25, 2)")
        assert code.locator("span[style]").count() > 5, "highlighted as Python"
        expect(chat.locator(".jr-live")).to_be_hidden()  # no "seconds since" while asked
        approve = ask.get_by_role("button", name="Approve")
        expect(approve).to_be_enabled()
        expect(ask.get_by_role("button", name="Deny")).to_be_enabled()
        expect(tools).to_be_disabled()  # busy: the turn waits for the answer
        chat.screenshot(path=str(artifacts / f"panel-approve-{theme}.png"))
        offenders = _offenders(chat, "asked")

        # In a 300 px sidebar the question wraps and nothing sticks out.
        width = "(el, px) => { el.closest('.jp-OutputArea-output').style.maxWidth = px; }"
        chat.evaluate(width, "300px")
        assert chat.evaluate(PROBLEMS) == []
        assert ask.evaluate(INSIDE) == [], "the question stays inside its frame"
        chat.screenshot(path=str(artifacts / f"panel-approve-narrow-{theme}.png"))
        chat.evaluate(width, "")

        approve.click()
        expect(ask).to_have_count(0)
        decision = chat.locator(".jr-decision")
        expect(decision).to_have_text("✓ Approved: 🐍 python: # the basket, with tax")
        answer = chat.locator(".jr-assistant").first
        expect(answer).to_contain_text("The basket costs 12.19 with tax.", timeout=30_000)
        expect(answer.get_by_role("button")).to_have_count(0)
        expect(tools).to_have_value("python")  # kept for the next message
        offenders += _offenders(chat, "approved")
        chat.screenshot(path=str(artifacts / f"panel-approved-{theme}.png"))

        # It ran in the kernel: its variable is there for the next cell.
        expect(outputs(run(page, cell(panel, 1)))).to_have_text("12.19")
    second = emulator.requests("/v1/responses")[1].body
    assert second["input"] == [
        {"type": "custom_tool_call_output", "call_id": "t1", "output": "total: 12.19"}
    ]
    failing = [line for line in offenders if "exempt" not in line]
    assert failing == [], "\n".join(offenders)
