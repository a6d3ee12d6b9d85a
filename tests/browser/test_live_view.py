"""A magic's turn in a real JupyterLab: it streams into the live widget view, then the
cell keeps the static Markdown answer."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from playwright.sync_api import expect

from jupyter_responses.emulator import Emulator
from jupyter_responses.emulator import script as s

from .conftest import LabServer, NotebookFactory
from .lab import cell, open_lab, outputs, run, wait_done


def test_magic_streams_into_the_live_view(
    page: Any, lab: LabServer, notebook: NotebookFactory, emulator: Emulator, artifacts: Path
) -> None:
    words = [f"word{i}" for i in range(60)]
    emulator.enqueue(
        s.Reply(
            items=[
                s.Reasoning(summary="Counting words slowly."),
                s.Text("## Counting\n\n" + " ".join(words), deltas=60),
            ],
            event_delay=0.08,
        )
    )
    path = notebook("%load_ext jupyter_responses", "%%respond\nCount to sixty, slowly.")
    panel = open_lab(page, lab.url, path)
    run(page, cell(panel, 0))
    answer = run(page, cell(panel, 1), wait=False)
    live = answer.locator(".jr-turn")
    expect(live).to_be_visible()
    expect(live).to_contain_text("word5")
    page.screenshot(path=str(artifacts / "live-view-streaming.png"))
    assert "word59" not in live.inner_text(), "the answer should still be streaming"
    wait_done(answer)
    final = outputs(answer)
    expect(final.locator("h2")).to_contain_text("Counting")
    expect(final).to_contain_text("word59")
    expect(final.locator("details summary")).to_contain_text("Reasoning")
    expect(answer.locator(".jr-turn")).to_have_count(0)  # widgets replaced by the bundle
    page.screenshot(path=str(artifacts / "live-view-final.png"))
