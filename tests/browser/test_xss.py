"""Untrusted model output in a real browser: every place an answer can show up gets
every payload, and nothing may run or survive as a script-capable element.

The places: a magic's live widget while it streams and the static Markdown it leaves,
reasoning summaries, tool arguments and results, web-search queries and citation
links, refusals, error messages, and the chat panel (its replay of magic turns, the
user's own bubble and a streamed answer).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from playwright.sync_api import expect

from jupyter_responses.emulator import Emulator
from jupyter_responses.emulator import script as s

from .conftest import LabServer, NotebookFactory
from .lab import cell, open_lab, outputs, pwned, run
from .payloads import ALL, FIND_DANGER, PAYLOADS

JS_URL = "javascript:(window.__pwned=window.__pwned||[]).push('citation-url')"
SETUP = f'''%load_ext jupyter_responses
PAYLOAD = {ALL!r}
def lookup(query: str) -> str:
    """Look something up."""
    return PAYLOAD'''


def _script(emulator: Emulator) -> None:
    img = PAYLOADS["img-onerror"]
    emulator.enqueue(
        s.Reply(
            items=[
                s.Reasoning(summary=ALL),
                s.WebSearch(query=img, sources=[JS_URL, f"https://example.com/{img}"]),
                s.Text(
                    ALL,
                    citations=[
                        s.Citation(url=JS_URL, title=img, start=0, end=5),
                        s.Citation(url="https://example.com/ok", title=img, start=5, end=9),
                    ],
                ),
            ],
            event_delay=0.005,
        ),
        s.tool_calls(s.FunctionCall("lookup", {"query": ALL})),
        s.text("Looked it up."),
        s.Reply(items=[s.Refusal(ALL)]),
        s.HTTPError(400, message=ALL),
        s.text(ALL, event_delay=0.005),
    )


def test_no_payload_runs_anywhere(
    page: Any, lab: LabServer, notebook: NotebookFactory, emulator: Emulator, artifacts: Path
) -> None:
    _script(emulator)
    path = notebook(
        SETUP,
        "%%respond\nShow me everything.",
        "%%respond --tools lookup\nLook it up.",
        "%%chat\nRefuse.",
        "%%respond\nFail.",
        "import jupyter_responses\njupyter_responses.panel()",
    )
    panel = open_lab(page, lab.url, path)
    for index in range(6):
        run(page, cell(panel, index))
        page.wait_for_timeout(300)
        assert pwned(page) is None, f"after cell {index}: {pwned(page)} ran"
    chat = cell(panel, 5).locator(".jr-panel")
    expect(chat.locator(".jr-assistant")).to_have_count(
        4
    )  # the replayed magic turns, the failed one too
    prompt = chat.locator("textarea.jr-prompt")
    prompt.fill(ALL)
    prompt.press("Enter")
    expect(chat.locator(".jr-assistant")).to_have_count(5)
    expect(chat.locator(".jr-assistant").last).to_contain_text("md-ref-link", timeout=30_000)
    expect(prompt).to_be_enabled(timeout=30_000)
    page.wait_for_timeout(1000)  # give any handler that slipped through time to fire

    assert pwned(page) is None, f"in the panel: {pwned(page)} ran"
    dangers = page.locator(".jp-Notebook").evaluate(FIND_DANGER)
    assert dangers == [], dangers
    # Each payload is visible as text: sanitized, not silently dropped.
    expect(outputs(cell(panel, 1)).last).to_contain_text("md-js-link")
    expect(outputs(cell(panel, 4)).last).to_contain_text("rejected the request")
    page.screenshot(path=str(artifacts / "xss-notebook.png"), full_page=True)
    chat.screenshot(path=str(artifacts / "xss-panel.png"))
