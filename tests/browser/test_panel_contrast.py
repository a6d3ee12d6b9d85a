"""Every text in the chat panel reads against its background, in JupyterLab's light and
dark themes: WCAG's contrast ratio, computed in the page from the colours the browser
actually uses, is at least 4.5:1 for each element that holds text.

The panel is shown empty (its hint; the controls' labels, the Background and Answers
boxes' too), then with a user message, an answer (commentary, reasoning, a code block,
a table, a link, the footer), a failed turn (its error and Retry), the text put back in
the input box, and once while an answer streams (Stop enabled). Disabled controls are
exempt, as in WCAG 1.4.3 ("inactive user interface components"); they are still listed
when the test fails. (A background turn's queued line: ``test_panel_background.py``; a
message's candidates in their tabs: ``test_panel_candidates.py``.)
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect

from jupyter_responses.emulator import Emulator
from jupyter_responses.emulator import script as s

from .conftest import LabServer, NotebookFactory
from .lab import cell, in_theme, open_lab, run

ANSWER = """Here is the **plan**, see [the docs](https://example.com/docs) for more:

```python
def total(prices: list[float]) -> float:
    # add them up
    return sum(prices) * 1.25  # with tax
```

| item | price |
|------|-------|
| tea  | 2.50  |
| cake | 3.00  |

Inline `code` too.
"""

#: WCAG 2 contrast of each element's own text (text nodes, a form control's value or
#: placeholder) against its effective background: the first opaque background-color
#: up the tree, with the translucent ones above it (and the text's own alpha and the
#: opacity of it and its ancestors) composited over it.
CONTRAST = """(root) => {
  const parse = (value) => {
    const m = value.match(/rgba?\\(([^)]*)\\)/);
    if (!m) return null;
    const p = m[1].split(/[\\s,\\/]+/).filter(Boolean).map(parseFloat);
    return [p[0], p[1], p[2], p.length > 3 ? p[3] : 1];
  };
  const over = (top, bottom) => {
    const a = top[3];
    return [0, 1, 2].map((i) => top[i] * a + bottom[i] * (1 - a)).concat([1]);
  };
  const luminance = (c) => {
    const [r, g, b] = c.slice(0, 3).map((v) => {
      v /= 255;
      return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4;
    });
    return 0.2126 * r + 0.7152 * g + 0.0722 * b;
  };
  const background = (el) => {
    const layers = [];
    for (let node = el; node && node.nodeType === 1; node = node.parentElement) {
      const bg = parse(getComputedStyle(node).backgroundColor);
      if (bg && bg[3] > 0) {
        layers.push(bg);
        if (bg[3] >= 1) break;
      }
    }
    let colour = [255, 255, 255, 1]; // the canvas, when nothing is opaque
    for (const layer of layers.reverse()) colour = over(layer, colour);
    return colour;
  };
  const opacity = (el) => {
    let value = 1;
    for (let node = el; node && node.nodeType === 1; node = node.parentElement) {
      value *= parseFloat(getComputedStyle(node).opacity);
    }
    return value;
  };
  const name = (el) => {
    const part = (n) =>
      n.tagName.toLowerCase() + [...n.classList].slice(0, 2).map((c) => "." + c).join("");
    const up = el.parentElement ? part(el.parentElement) + " > " : "";
    return up + part(el);
  };
  const results = [];
  const check = (el, text, colour) => {
    const shown = opacity(el);
    if (shown === 0) return; // not visible now (a Copy button until the code is hovered)
    const bg = background(el);
    const fg = over([...colour.slice(0, 3), colour[3] * shown], bg);
    const [a, b] = [luminance(fg), luminance(bg)].sort((x, y) => y - x);
    results.push({
      where: name(el),
      text: text.trim().slice(0, 40),
      ratio: Math.round(((a + 0.05) / (b + 0.05)) * 100) / 100,
      fg: fg.slice(0, 3).map(Math.round).join(","),
      bg: bg.slice(0, 3).map(Math.round).join(","),
      disabled: !!el.closest(":disabled, [disabled]"),
    });
  };
  for (const el of [root, ...root.querySelectorAll("*")]) {
    if (!el.checkVisibility({ visibilityProperty: true, opacityProperty: false })) continue;
    if (el.closest("style, script")) continue;
    const style = getComputedStyle(el);
    if (el.matches("input, textarea")) {
      if (el.value) check(el, el.value, parse(style.color));
      else if (el.placeholder) {
        check(el, el.placeholder, parse(getComputedStyle(el, "::placeholder").color));
      }
      continue;
    }
    const own = [...el.childNodes].filter((n) => n.nodeType === 3 && n.textContent.trim());
    if (own.length) check(el, own.map((n) => n.textContent).join(" "), parse(style.color));
  }
  return results;
}"""


def _offenders(chat: Any, moment: str) -> list[str]:
    results = chat.evaluate(CONTRAST)
    assert len(results) > 5, results
    return [
        f"{moment}: {r['ratio']}:1 {r['where']} {r['text']!r} (text {r['fg']} on {r['bg']})"
        + (" [disabled: exempt]" if r["disabled"] else "")
        for r in results
        if r["ratio"] < 4.5
    ]


@pytest.mark.parametrize("theme", ["light", "dark"])
def test_every_text_in_the_panel_reads_against_its_background(
    page: Any,
    lab: LabServer,
    notebook: NotebookFactory,
    emulator: Emulator,
    artifacts: Path,
    theme: str,
) -> None:
    emulator.enqueue(
        s.Reply(
            items=[
                s.Text("Let me look at the prices first.", phase="commentary"),
                s.Reasoning(summary="Adding the prices, then the tax."),
                s.Text(ANSWER, phase="final_answer"),
            ]
        ),
        s.HTTPError(500, message="The engine is overloaded"),
        s.text("word " * 200, deltas=200, event_delay=0.05),
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
        expect(chat.locator(".jr-empty")).to_be_visible()
        offenders = _offenders(chat, "empty")
        measured = [r["text"] for r in chat.evaluate(CONTRAST)]
        assert "Background" in measured, "the Background box's label is measured too"
        assert "Answers" in measured and "1" in measured, "and the Answers box's, and its value"

        prompt = chat.locator("textarea.jr-prompt")
        prompt.fill("What does the basket cost?")
        prompt.press("Enter")
        answer = chat.locator(".jr-assistant").first
        expect(answer.locator("table")).to_be_visible(timeout=30_000)
        expect(chat.get_by_role("button", name="Stop")).to_be_disabled(timeout=30_000)
        prompt.fill("And with a discount?")
        prompt.press("Enter")
        expect(chat.locator(".jr-failure")).to_contain_text("The engine is overloaded")
        expect(prompt).to_have_value("And with a discount?")
        chat.locator("details summary").first.click()  # the reasoning, opened
        offenders += _offenders(chat, "answered and failed")
        chat.screenshot(path=str(artifacts / f"panel-contrast-{theme}.png"))

        chat.get_by_role("button", name="Retry").click()
        expect(chat.locator(".jr-assistant").first).to_contain_text("word word", timeout=30_000)
        offenders += _offenders(chat, "streaming")
        chat.screenshot(path=str(artifacts / f"panel-contrast-streaming-{theme}.png"))
        chat.get_by_role("button", name="Stop").click()
        expect(prompt).to_be_enabled()
    failing = [line for line in offenders if "exempt" not in line]
    assert failing == [], "\n".join(offenders)
