"""The untidy shapes the real API sends, all in one reply, shown right on every surface:
a ``%%respond`` cell, the chat panel, a ``--transcript`` export and terminal IPython.
(tests/core/test_real_shapes.py checks each shape on its own, in-process.)"""

from __future__ import annotations

from pathlib import Path

import nbformat

from jupyter_responses.emulator import Emulator
from jupyter_responses.emulator import script as s

from .harness import KernelSession, terminal_ipython
from .test_panel import OPEN, _submit, _wait_idle


def untidy() -> s.Reply:
    return s.Reply(
        items=[
            s.Reasoning(["**Reading**\n\nThe question.", "**Checking**\n\nThe map."]),
            s.Text("Let me check the map.", phase="commentary"),
            s.WebSearch("oslo weather", ["https://yr.no"], api_sources=["oai-weather"]),
            s.WebSearch(action="open_page", url="https://yr.no/oslo"),
            s.McpListTools("docs", ["search"]),
            s.CodeInterpreter("plot()", "saved\n", images=[s.TINY_PNG_B64]),
            s.ImageGeneration(output_format="jpeg", revised_prompt="A fjord"),
            s.Text(
                "The capital is Oslo.",
                phase="final_answer",
                citations=[s.FileCitation("file-9", "report.pdf")],
            ),
        ],
        missing_done=[4],
        obfuscation=True,
    )


TOOLS = "--tools web_search code_interpreter image_generation --mcp docs=https://mcp.example/sse"
#: What every surface shows (HTML or Markdown/plain text, so only words are compared).
SHOWN = (
    "Checking",
    "Let me check the map.",
    "oai-weather",
    "Opened https://yr.no/oslo",
    "docs MCP tools",
    "The capital is Oslo.",
    "report.pdf",
)


def _no_noise(text: str) -> None:
    assert "Warning" not in text and "running…" not in text
    assert s.TINY_PNG_B64 not in text and s.TINY_JPEG_B64[:40] not in text


def test_a_cell_shows_every_shape(loaded: KernelSession, emulator: Emulator) -> None:
    emulator.enqueue(untidy())
    result = loaded.execute(f"%%respond {TOOLS} -o answer\nWhere?")
    html = result.html
    for shown in SHOWN:
        assert shown in html, shown
    assert "<p><strong>Reading</strong></p>\n<p>The question.</p>\n<p><strong>Checking" in html
    assert '<blockquote class="jr-commentary">' in html
    _no_noise(html + result.stderr + result.stdout)
    kinds = [next(k for k in o["data"] if k.startswith("image/")) for o in result.outputs[1:]]
    assert kinds == ["image/png", "image/jpeg"]
    assert loaded.execute("print(answer)").stdout == "The capital is Oslo.\n"


def _panel_text(kernel: KernelSession) -> str:
    """Every HTML value and section title in the panel's newest answer."""
    code = """
def _texts(widget):
    value = getattr(widget, "value", None)
    out = [value] if isinstance(value, str) else []
    if hasattr(widget, "get_title"):
        out += [widget.get_title(i) or "" for i in range(len(widget.children))]
    for child in getattr(widget, "children", ()):
        out += _texts(child)
    return out
newest = p.messages.box.children[0]
print("\\n".join(_texts(newest)))
print("images:", sum(type(w).__name__ == "Image" for w in newest.children[0].children[-2].children))
"""
    return kernel.execute(code).stdout


def test_the_panel_shows_every_shape(loaded: KernelSession, emulator: Emulator) -> None:
    opened = loaded.execute(OPEN)
    emulator.enqueue(untidy())
    # The panel asks without tools, so (as the real API does) the server leaves out
    # what only ``include`` brings: search sources, code interpreter outputs.
    _submit(loaded, opened, "Where?")
    _wait_idle(loaded)
    shown = _panel_text(loaded)
    for words in SHOWN:
        assert words in shown or words == "oai-weather", words
    assert "images: 1" in shown  # the JPEG from image generation, as a JPEG
    _no_noise(shown)


def test_a_transcript_export_shows_every_shape(loaded: KernelSession, emulator: Emulator) -> None:
    emulator.enqueue(untidy())
    loaded.execute(f"%%respond {TOOLS}\nWhere?")
    loaded.execute("%responses export t.ipynb --transcript")
    notebook = nbformat.read(loaded.cwd / "t.ipynb", as_version=4)
    answer = notebook.cells[-1]
    for shown in SHOWN:
        assert shown in answer.source, shown
    _no_noise(answer.source)
    assert sorted(answer.attachments) == ["image-1.png", "image-2.jpeg"]
    assert answer.attachments["image-2.jpeg"] == {"image/jpeg": s.TINY_JPEG_B64}


CODE = f"""
get_ipython().run_line_magic("load_ext", "jupyter_responses")
get_ipython().run_cell_magic("respond", "{TOOLS}", "Where?")
"""


def test_terminal_ipython_shows_every_shape(emulator: Emulator, tmp_path: Path) -> None:
    emulator.enqueue(untidy())
    done = terminal_ipython(emulator, tmp_path, CODE)
    out = done.stdout
    assert "[reasoning] **Reading**\n\nThe question.\n\n**Checking**\n\nThe map." in out
    assert "Let me check the map.\n[web search done] oslo weather" in out
    assert "[web search done] Opened https://yr.no/oslo" in out
    assert "[MCP tools done]" in out and "[image (image/jpeg): A fjord]" in out
    assert "The capital is Oslo." in out
    _no_noise(out + done.stderr)


def test_raw_reasoning_and_an_unknown_status_in_a_cell_and_its_export(
    loaded: KernelSession, emulator: Emulator
) -> None:
    emulator.enqueue(
        s.Reply(
            items=[s.Reasoning("", raw="First A, then B. B wins."), s.Text("B.")],
            final_status="paused",
            chat_reasoning_field="reasoning_content",
        ),
        s.Reply(
            items=[s.Reasoning("", raw="Chat thinks too."), s.Text("C.")],
            chat_reasoning_field="reasoning_content",
        ),
    )
    first = loaded.execute("%%respond\nWhich?")
    assert "First A, then B. B wins." in first.html
    assert "status 'paused', which this version does not know" in first.html
    second = loaded.execute("%%chat\nAnd you?")
    assert "Chat thinks too." in second.html and "<p>C.</p>" in second.html
    _no_noise(first.html + first.stderr + second.html + second.stderr)
    loaded.execute("%responses export t.ipynb --transcript")
    cells = nbformat.read(loaded.cwd / "t.ipynb", as_version=4).cells
    assert "First A, then B. B wins." in cells[2].source and "Chat thinks too." in cells[4].source
    history = loaded.execute("%responses history").stdout
    assert history.count("✓") == 2  # both kept as context


def test_a_nested_error_event_is_one_paragraph(loaded: KernelSession, emulator: Emulator) -> None:
    emulator.enqueue(s.text("one two three four", nested_error=True, error_event_after=5))
    result = loaded.execute("%%respond\nGo.", allow_errors=True)
    message = result.failure("StreamFailed")
    assert "The model failed to generate a response" in message
    _no_noise(result.html + result.stderr)
