"""Untrusted model output in a real browser: every place an answer can show up gets
every payload, and nothing may run or survive as a script-capable element.

The places: a magic's live widget while it streams and the static Markdown it leaves,
reasoning summaries, tool arguments and results, web-search queries and citation
links, refusals, error messages, and the chat panel (its replay of magic turns, the
user's own bubble and a streamed answer). Then attachment file names, built-in tool
results (search sources, file-search hits, code logs, MCP calls and their names) and
citation URLs in every disguise (mixed case, entities, whitespace, ``data:``) in the
cells and in the panel's own streamed turn; and a ``--transcript`` export, whose
Markdown cells JupyterLab itself must sanitize.
"""

from __future__ import annotations

import base64
import json
import shlex
from pathlib import Path
from typing import Any

from playwright.sync_api import expect

from jupyter_responses.emulator import Emulator
from jupyter_responses.emulator import script as s

from .conftest import LabServer, NotebookFactory
from .lab import cell, open_lab, outputs, pwned, run
from .payloads import ALL, FIND_DANGER, PAYLOADS, _set

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


# -- file names, built-in tools and citation URLs, the panel's own turn, transcripts ------
def _named(name: str) -> str:
    """A handler that records ``name`` without a quote, so a file name holding it can be
    written on the magic line in single quotes."""
    return f"(window.__pwned=window.__pwned||[]).push(`{name}`)"


#: Attachment file names: all valid on Linux (anything but "/" and NUL).
FILE_NAMES = [
    f'<img src=x onerror="{_named("file-img")}">.png',
    f'<svg onload="{_named("file-svg")}">.png',
    f"[f](javascript:{_named('file-md-link')}).png",
    f"&lt;img src=x onerror={_named('file-entity')}&gt;.png",
]
#: Citation and source URLs that must never become links.
BAD_URLS = [
    JS_URL,
    f"JaVaScRiPt:{_set('url-case')}",
    f"javascript&#58;{_set('url-entity')}",
    f"&#x6A;avascript:{_set('url-hex-entity')}",
    f"\tjava\nscript:{_set('url-whitespace')}",
    "data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==",
    f'https://example.com/"><img src=x onerror="{_set("url-quote")}">',
]
BUILTINS = "--tools web_search code_interpreter file_search --vector-store vs_1"


def _attach(root: Path) -> str:
    """Write a tiny PNG under every payload file name; the ``--file`` options for them."""
    png = base64.b64decode(s.TINY_PNG_B64)
    for name in FILE_NAMES:
        (root / name).write_bytes(png)
    return " ".join(f"--file {shlex.quote(name)}" for name in FILE_NAMES)


def _tools_reply() -> s.Reply:
    """Built-in tool results (search sources, file hits, code logs, an MCP call) and
    citations, every field a payload."""
    img, svg = PAYLOADS["img-onerror"], PAYLOADS["svg-onload"]
    return s.Reply(
        items=[
            s.WebSearch(query=svg, sources=BAD_URLS),
            s.FileSearch(queries=[img], results=[s.FileSearchHit("file_1", img, 0.9, ALL)]),
            s.CodeInterpreter(code=ALL, logs=ALL),
            s.McpCall(server_label=img, name=svg, arguments=json.dumps({"q": ALL}), output=ALL),
            s.Text(
                ALL,
                citations=[s.Citation(url=url, title=img, start=0, end=5) for url in BAD_URLS],
            ),
        ],
        event_delay=0.002,
    )


def _assert_clean(page: Any, root: Any, where: str) -> None:
    page.wait_for_timeout(1000)  # give any handler that slipped through time to fire
    assert pwned(page) is None, f"{where}: {pwned(page)} ran"
    dangers = root.evaluate(FIND_DANGER)
    assert dangers == [], dangers


def test_file_names_tools_and_citations_run_nothing_in_cells_or_panel(
    page: Any, lab: LabServer, notebook: NotebookFactory, emulator: Emulator, artifacts: Path
) -> None:
    files = _attach(lab.root)
    emulator.enqueue(
        s.text("Four tiny pictures.", event_delay=0.005),
        s.text("Still four.", event_delay=0.005),
        _tools_reply(),
        _tools_reply(),  # the panel's own turn (no tools asked for: no sources or logs)
    )
    path = notebook(
        "%load_ext jupyter_responses",
        f"%%respond {files}\nDescribe these files.",
        "%config ResponsesMagics.widgets = False",
        f"%%respond {files}\nAgain, without widgets.",
        "%config ResponsesMagics.widgets = True",
        f"%%respond {BUILTINS}\nSearch everything.",
        "import jupyter_responses\njupyter_responses.panel()",
    )
    panel = open_lab(page, lab.url, path)
    for index in range(7):
        run(page, cell(panel, index))
        page.wait_for_timeout(300)
        assert pwned(page) is None, f"after cell {index}: {pwned(page)} ran"
    # The file names are shown, as text, by the widget view's final output and the
    # updating HTML display.
    for index in (1, 3):
        expect(outputs(cell(panel, index)).last).to_contain_text("file-img")
        expect(outputs(cell(panel, index)).last).to_contain_text("file-entity")
    expect(outputs(cell(panel, 5)).last).to_contain_text("url-case")  # sources, as text

    chat = cell(panel, 6).locator(".jr-panel")
    expect(chat.locator(".jr-assistant")).to_have_count(3)
    prompt = chat.locator("textarea.jr-prompt")
    prompt.fill("Search again, here.")
    prompt.press("Enter")
    expect(chat.locator(".jr-assistant")).to_have_count(4)
    newest = chat.locator(".jr-assistant").first  # the list is newest first
    expect(newest).to_contain_text("md-ref-link", timeout=30_000)
    expect(prompt).to_be_enabled(timeout=30_000)
    # Tool names from the server are titles, shown as text; open every section.
    headers = newest.locator("details.jr-section > summary")
    # the MCP call, and now calls whose titles carry a payload in their query
    expect(headers.filter(has_text="onerror")).not_to_have_count(0)
    for header in headers.all():
        header.click()
    _assert_clean(page, page.locator(".jp-Notebook"), "in the notebook or the panel")
    page.screenshot(path=str(artifacts / "xss-files-tools.png"), full_page=True)
    chat.screenshot(path=str(artifacts / "xss-panel-tools.png"))


def test_transcript_export_runs_nothing_in_jupyterlab(
    page: Any, lab: LabServer, notebook: NotebookFactory, emulator: Emulator, artifacts: Path
) -> None:
    """A transcript's Markdown cells hold the model's Markdown as it is: JupyterLab's
    Markdown renderer sanitizes it."""
    files = _attach(lab.root)
    emulator.enqueue(
        s.text(ALL),
        _tools_reply(),
        s.tool_calls(s.FunctionCall("lookup", {"query": ALL})),
        s.text("Looked it up."),
        s.Reply(items=[s.Refusal(ALL)]),
    )
    transcript = "xss-transcript.ipynb"
    path = notebook(
        SETUP,
        f"%%respond {files}\nDescribe these files.",
        f"%%respond {BUILTINS}\nSearch everything.",
        "%%respond --tools lookup\nLook it up.",
        "%%chat\nRefuse.",
        f"%responses export {transcript} --transcript",
    )
    panel = open_lab(page, lab.url, path)
    for index in range(6):
        run(page, cell(panel, index))
    expect(outputs(cell(panel, 5)).last).to_contain_text("Exported 4 turns")
    assert pwned(page) is None, f"before opening the transcript: {pwned(page)} ran"

    document = open_lab(page, lab.url, transcript)
    rendered = document.locator(".jp-MarkdownCell .jp-RenderedMarkdown")
    expect(rendered).to_have_count(1 + 2 * 4)  # the heading, then prompt and answer per turn
    for shown in ("md-ref-link", "file-img", "file-md-link", "url-case", "Refused"):
        expect(document.locator(".jp-Notebook")).to_contain_text(shown)
    _assert_clean(page, document.locator(".jp-Notebook"), "in the transcript")
    page.screenshot(path=str(artifacts / "xss-transcript.png"), full_page=True)
