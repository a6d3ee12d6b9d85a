"""Computer use end to end, in a real JupyterLab (light and dark): ``%%respond --tools
computer`` in a notebook drives a real headless Chromium (the kernel's own, started at
``--computer-url``) against a small form served on 127.0.0.1, as the emulator's
scripted computer calls say: it types into the form and clicks its button; the last
screenshot sent back to the model shows the page's answer; the cell shows each call's
actions as a section title and the screenshots, the latest full size and the earlier
ones as thumbnails."""

from __future__ import annotations

import base64
import io
from pathlib import Path
from typing import Any

import pytest
from PIL import Image, ImageChops
from playwright.sync_api import expect

from jupyter_responses.emulator import Emulator
from jupyter_responses.emulator import script as s
from jupyter_responses.render.live import THUMBNAIL_WIDTH

from .conftest import LabServer, NotebookFactory
from .lab import cell, in_theme, open_lab, outputs, run
from .test_computer_browser import Site, site  # noqa: F401 - the page's server, a fixture

#: Where the page writes its greeting (the built-in browser's screen is 1024 x 768).
GREETING = (0, 170, 1024, 260)


def _shots(emulator: Emulator) -> list[Image.Image]:
    """The screenshots the kernel sent back to the model, in order."""
    found = []
    for request in emulator.requests("/v1/responses"):
        for item in request.body.get("input") or []:
            if isinstance(item, dict) and item.get("type") == "computer_call_output":
                data = item["output"]["image_url"].split(",", 1)[1]
                found.append(Image.open(io.BytesIO(base64.b64decode(data))).convert("RGB"))
    return found


@pytest.mark.parametrize("theme", ["light", "dark"])
def test_a_computer_use_turn_fills_a_form_in_real_chromium(
    page: Any,
    lab: LabServer,
    notebook: NotebookFactory,
    emulator: Emulator,
    site: Site,  # noqa: F811
    artifacts: Path,
    theme: str,
) -> None:
    emulator.enqueue(
        s.Reply(
            [
                s.ComputerCall(
                    [
                        {"type": "click", "x": 170, "y": 40, "button": "left"},
                        {"type": "type", "text": "world"},
                    ]
                )
            ]
        ),
        s.Reply([s.ComputerCall([{"type": "click", "x": 100, "y": 125, "button": "left"}])]),
        s.Reply([s.ComputerCall([{"type": "wait"}])]),
        s.text("The page now says **Hello, world!**"),
    )
    path = notebook(
        "%load_ext jupyter_responses",
        f"%%respond --tools computer --computer-url {site.url}\n"
        "Type world into the form and press its button.",
    )
    panel = open_lab(page, lab.url, path)
    with in_theme(page, theme):
        run(page, cell(panel, 0))
        asked = run(page, cell(panel, 1))
        shown = outputs(asked)
        expect(shown.first).to_contain_text("Hello, world!", timeout=60_000)
        titles = shown.first.locator("summary")
        expect(titles.nth(0)).to_contain_text("🖥️ computer: click (170, 40); type “world” — done")
        expect(titles.nth(1)).to_contain_text("🖥️ computer: click (100, 125) — done")
        images = asked.locator(".jp-OutputArea-output img")
        expect(images).to_have_count(3)
        widths = [
            images.nth(i).evaluate("(img) => img.getBoundingClientRect().width") for i in range(3)
        ]
        assert widths[0] == widths[1] == THUMBNAIL_WIDTH, widths
        assert widths[2] > 2 * THUMBNAIL_WIDTH, widths  # the latest, as large as it fits
        asked.screenshot(path=str(artifacts / f"computer-use-{theme}.png"))
    assert site.wait_for(1) == ["world"]
    first, _, last = _shots(emulator)
    assert first.size == (1024, 768)
    blank = first.crop(GREETING)
    assert blank.getextrema() == ((255, 255),) * 3, "no greeting before the click"
    assert ImageChops.difference(blank, last.crop(GREETING)).getbbox(), "the greeting shows"
