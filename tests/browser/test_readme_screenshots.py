"""The README's pictures, taken as a user sees them: an answer with math, code and a
table, and the chat panel, in JupyterLab's light and dark themes.

Each run writes them under ``artifacts/browser/``; with ``JR_UPDATE_SCREENSHOTS=1`` they
also replace the README's copies in ``docs/images/``."""

from __future__ import annotations

import os
import shutil
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect

from jupyter_responses.emulator import Emulator
from jupyter_responses.emulator import script as s

from .conftest import LabServer, NotebookFactory
from .lab import cell, in_theme, open_lab, outputs, run, wait_done

DOCS = Path(__file__).resolve().parents[2] / "docs" / "images"

ANSWER = r"""Fitting a line by least squares minimises \( \sum_i (y_i - a - b x_i)^2 \), which gives

\[ \hat b = \frac{\sum_i (x_i - \bar x)(y_i - \bar y)}{\sum_i (x_i - \bar x)^2},
   \qquad \hat a = \bar y - \hat b \bar x \]

| x | y | fitted |
|---|---|---|
| 1 | 2.1 | 2.0 |
| 2 | 3.9 | 4.0 |
| 3 | 6.0 | 6.0 |

```python
import numpy as np

b, a = np.polyfit(x, y, deg=1)  # slope first
print(f"y = {a:.2f} + {b:.2f} x")
```
"""

PANEL_ANSWER = r"""The mean of $x$ is \( \bar x = 2 \); in code:

```python
x.mean()
```
"""


def _keep(picture: Path) -> None:
    if os.environ.get("JR_UPDATE_SCREENSHOTS") == "1":
        DOCS.mkdir(parents=True, exist_ok=True)
        shutil.copy(picture, DOCS / picture.name)


@pytest.mark.parametrize("theme", ["light", "dark"])
def test_readme_pictures(
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
                s.Reasoning(summary="Derive the estimates, then show them in numpy."),
                s.Text(ANSWER, deltas=8),
            ]
        )
    )
    emulator.enqueue(s.Reply(items=[s.Text(PANEL_ANSWER, deltas=4)]))
    path = notebook(
        "%load_ext jupyter_responses",
        "%%respond --reasoning low\nHow do I fit a line to x and y?",
        "%responses panel",
    )
    panel = open_lab(page, lab.url, path)
    with in_theme(page, theme):
        run(page, cell(panel, 0))
        answer = run(page, cell(panel, 1))
        wait_done(answer)
        expect(outputs(answer).locator("mjx-container")).to_have_count(2)
        picture = artifacts / f"readme-answer-{theme}.png"
        outputs(answer).first.screenshot(path=str(picture))
        _keep(picture)

        side = run(page, cell(panel, 2))
        box = side.locator(".jr-panel textarea")
        box.fill("And its mean?")
        box.press("Enter")
        expect(side.locator(".jr-panel mjx-container")).not_to_have_count(0)
        expect(side.locator(".jr-panel")).to_contain_text("x.mean()")
        picture = artifacts / f"readme-panel-{theme}.png"
        side.locator(".jr-panel").screenshot(path=str(picture))
        _keep(picture)
