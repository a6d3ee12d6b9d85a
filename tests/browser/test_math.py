"""Math in every delimiter style models write typesets in JupyterLab: in the live view
while the answer streams, in the saved output, and in the chat panel. No stray TeX
delimiters are left as text."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from playwright.sync_api import expect

from jupyter_responses.emulator import Emulator
from jupyter_responses.emulator import script as s

from .conftest import LabServer, NotebookFactory
from .lab import cell, open_lab, outputs, run, wait_done

MATH = r"""Bayes: \( P(\theta \mid x) \propto P(x \mid \theta)\,P(\theta) \) for a set $\{1, 2\}$
and $a*b*c$; prices $5 and $10 stay text.

\[ \int_0^1 x\,dx = \tfrac{1}{2} \]

$$
\begin{aligned} a &= b + c \\ d &= e \end{aligned}
$$
"""
FORMULAS = 5


def _no_stray_tex(text: str) -> None:
    for stray in ("\\(", "\\)", "\\[", "\\]", "$$", "\\theta"):
        assert stray not in text, stray


def test_math_typesets_live_saved_and_in_the_panel(
    page: Any, lab: LabServer, notebook: NotebookFactory, emulator: Emulator, artifacts: Path
) -> None:
    emulator.enqueue(s.Reply(items=[s.Text(MATH, deltas=12)], event_delay=0.05))
    emulator.enqueue(s.Reply(items=[s.Text(MATH)]))
    path = notebook(
        "%load_ext jupyter_responses",
        "%%respond\nShow some math.",
        "import jupyter_responses\njupyter_responses.panel()",
    )
    panel = open_lab(page, lab.url, path)
    run(page, cell(panel, 0))
    answer = run(page, cell(panel, 1), wait=False)
    wait_done(answer)
    final = outputs(answer)
    expect(final.locator("mjx-container")).to_have_count(FORMULAS)
    expect(final.locator("mjx-merror")).to_have_count(0)  # every formula is valid TeX
    text = final.inner_text()
    _no_stray_tex(text)
    assert "prices $5 and $10 stay text" in text
    page.screenshot(path=str(artifacts / "math-cell.png"))
    side = run(page, cell(panel, 2))
    box = side.locator(".jr-panel textarea")
    box.fill("Math again, please.")
    box.press("Enter")
    newest = side.locator(".jr-assistant").first
    expect(newest.locator("mjx-container")).to_have_count(FORMULAS, timeout=30_000)
    expect(newest.locator("mjx-merror")).to_have_count(0)
    _no_stray_tex(newest.inner_text())
    page.screenshot(path=str(artifacts / "math-panel.png"))
