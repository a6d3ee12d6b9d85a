"""The live view and the saved answer look the same: when the stream ends, paragraphs,
headings, tables, code and math keep their boxes to the pixel (light and dark themes,
JupyterLab and Notebook 7); a section the user opened stays open; code has a Copy button
that copies it; a stalled stream shows how long it has been quiet, and Stop ends it."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect

from jupyter_responses.emulator import Emulator
from jupyter_responses.emulator import script as s

from ..stream_events import events_before_the_end
from .conftest import LabServer, NotebookFactory
from .lab import cell, in_theme, open_lab, open_notebook7, outputs, run, wait_done

ANSWER = r"""## Results

The posterior mean is \( \mu = \frac{\sum x_i}{n} \), and the set $\{1, 2\}$ is small.

| city | temp |
|---|---|
| Oslo | 21 |
| Bergen | 17 |

```python
def mean(xs):
    return sum(xs) / len(xs)
```

\[ \int_0^1 x\,dx = \tfrac{1}{2} \]

- first point, with `inline code`
- second point
"""

#: What is measured: every block the answer is made of.
BLOCKS = "h2, p:not(.jr-footer):not(.jr-status), table, td, pre, mjx-container, li, details"

MEASURE = """(answer) => {
  const origin = answer.getBoundingClientRect();
  return [...answer.querySelectorAll(arguments_selector)].map((el) => {
    const box = el.getBoundingClientRect();
    const half = (v) => Math.round(v * 2) / 2;
    return [el.tagName, half(box.x - origin.x), half(box.y - origin.y),
            half(box.width), half(box.height), getComputedStyle(el).fontSize];
  });
}""".replace("arguments_selector", repr(BLOCKS))


def _reply(stall: float) -> s.Reply:
    items: list[Any] = [
        s.Reasoning(summary="Working out the mean, then the integral."),
        s.WebSearch(query="oslo bergen temperature"),
        s.Text(ANSWER, deltas=24),
    ]
    # stall just before response.completed: everything has arrived, the turn is live (the
    # last deltas come faster than the view redraws: drawn once the stream is quiet)
    quiet_at = events_before_the_end(s.Reply(items=items))
    return s.Reply(items=items, event_delay=0.02, stall_after=quiet_at, stall=stall)


def _boxes(answer: Any) -> list[Any]:
    return answer.evaluate(MEASURE)  # type: ignore[no-any-return]


@pytest.mark.parametrize(
    ("frontend", "theme"), [("lab", "light"), ("lab", "dark"), ("notebook7", "light")]
)
def test_the_end_of_the_stream_moves_nothing(
    page: Any,
    lab: LabServer,
    notebook: NotebookFactory,
    emulator: Emulator,
    artifacts: Path,
    frontend: str,
    theme: str,
) -> None:
    page.context.grant_permissions(["clipboard-read", "clipboard-write"])
    emulator.enqueue(_reply(stall=4.0))
    path = notebook(
        "%load_ext jupyter_responses", "%%respond --tools web_search\nSummarise the data."
    )
    panel = (open_lab if frontend == "lab" else open_notebook7)(page, lab.url, path)
    with in_theme(page, theme):
        _stream_then_compare(page, panel, artifacts, f"{frontend}-{theme}")


def _stream_then_compare(page: Any, panel: Any, artifacts: Path, name: str) -> None:
    run(page, cell(panel, 0))
    answer_cell = run(page, cell(panel, 1), wait=False)
    live = answer_cell.locator(".jr-turn .jr-answer")
    # everything has arrived; the stream is quiet before its end
    expect(live.locator("pre")).to_have_count(1)
    expect(live.locator("mjx-container")).to_have_count(3)
    expect(answer_cell.locator(".jr-live")).to_contain_text("since the last update")
    expect(answer_cell.locator(".jr-stop")).to_be_visible()
    reasoning = live.locator("details[data-jr-key=reasoning]")
    reasoning.locator("summary").click()
    expect(reasoning).to_have_attribute("open", "")
    page.screenshot(path=str(artifacts / f"one-look-live-{name}.png"))
    before = _boxes(live)
    wait_done(answer_cell)
    final = outputs(answer_cell).locator(".jr-answer")
    expect(answer_cell.locator(".jr-turn")).to_have_count(0)
    expect(final.locator("mjx-container")).to_have_count(3)
    expect(final.locator("details[data-jr-key=reasoning]")).to_have_attribute("open", "")
    page.screenshot(path=str(artifacts / f"one-look-final-{name}.png"))
    after = _boxes(final)
    assert len(before) == len(after) > 10
    moved = [(b, a) for b, a in zip(before, after, strict=True) if b != a]
    assert moved == [], moved

    # the call's title says what it searched; Copy copies the code block
    expect(final.locator("details summary").nth(1)).to_contain_text("oslo bergen temperature")
    code = final.locator("pre")
    code.hover()
    code.locator(".jr-copy").click()
    expect(code.locator(".jr-copy")).to_have_text("Copied")
    copied = page.evaluate("() => navigator.clipboard.readText()")
    assert copied == "def mean(xs):\n    return sum(xs) / len(xs)\n"


def test_stop_in_the_cell_ends_the_turn_like_an_interrupt(
    page: Any, lab: LabServer, notebook: NotebookFactory, emulator: Emulator, artifacts: Path
) -> None:
    emulator.enqueue(
        s.Reply(
            items=[s.Text("Partial words before a long pause.")],
            first_byte_delay=2.5,
            stall_after=6,
            stall=30,
        )
    )
    path = notebook("%load_ext jupyter_responses", "%%respond\nTake your time.", "1 + 1")
    panel = open_notebook7(page, lab.url, path)
    run(page, cell(panel, 0))
    answer_cell = run(page, cell(panel, 1), wait=False)
    # the time spent waiting for the first token counts up in the page
    live = answer_cell.locator(".jr-live")
    expect(live).to_contain_text(re.compile(r"Waiting for gpt-4\.1… [12] s"))
    page.screenshot(path=str(artifacts / "waiting-notebook7.png"))
    expect(answer_cell.locator(".jr-answer")).to_contain_text("Partial")
    stop = answer_cell.locator(".jr-stop")
    expect(stop).to_be_visible()
    page.screenshot(path=str(artifacts / "stop-button-notebook7.png"))
    stop.click()
    wait_done(answer_cell)
    text = " ".join(outputs(answer_cell).all_inner_texts())
    assert "Interrupted" in text and "Partial" in text, text
    assert text.count("Interrupted") == 1, "said once: by the error block"
    expect(answer_cell.locator(".jr-turn")).to_have_count(0)
