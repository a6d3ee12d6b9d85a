"""Built-in tools of the Responses API in a real kernel: what is asked for, and how
each kind of output item is shown (and that %%chat refuses them up front)."""

from __future__ import annotations

import re

from jupyter_responses.emulator import Emulator
from jupyter_responses.emulator import script as s

from .harness import KernelSession
from .recorded import requests

ALL = (
    "%%respond --tools web_search file_search code_interpreter image_generation "
    "--vector-store vs_1 --vector-store vs_2 --mcp docs=https://mcp.example.com/sse "
    "--mcp-approve never\nCompare."
)


def test_builtin_tools_are_requested_with_what_they_need(
    loaded: KernelSession, emulator: Emulator
) -> None:
    loaded.execute(ALL)
    (body,) = requests(emulator, "/v1/responses")
    assert body["tools"] == [
        {"type": "web_search"},
        {"type": "file_search", "vector_store_ids": ["vs_1", "vs_2"]},
        {"type": "code_interpreter", "container": {"type": "auto"}},
        {"type": "image_generation"},
        {
            "type": "mcp",
            "server_label": "docs",
            "server_url": "https://mcp.example.com/sse",
            "require_approval": "never",
        },
    ]
    assert body["include"] == [
        "web_search_call.action.sources",
        "file_search_call.results",
        "code_interpreter_call.outputs",
    ]


def test_web_search_shows_query_sources_and_numbered_citations(
    loaded: KernelSession, emulator: Emulator
) -> None:
    emulator.enqueue(
        s.Reply(
            items=[
                s.WebSearch("weather oslo", ["https://yr.no/oslo", "https://met.no"]),
                s.Text(
                    "Oslo is mild [1]; see also [2].",
                    citations=[
                        s.Citation("https://yr.no/oslo", "Yr: Oslo", 0, 13),
                        s.Citation("https://met.no", "MET Norway", 15, 28),
                        s.Citation("https://yr.no/oslo", "Yr again", 0, 4),
                    ],
                ),
            ]
        )
    )
    result = loaded.execute("%%respond --tools web_search\nWeather in Oslo?")
    md = result.html
    assert "🔎 web search: weather oslo — done" in md and "Query: <code>weather oslo</code>" in md
    link = '<a href="https://yr.no/oslo" rel="noopener noreferrer">'
    assert f"<li>{link}https://yr.no/oslo</a></li>" in md
    assert (
        f"<p><strong>Sources</strong></p>\n<ol>\n<li>{link}Yr: Oslo</a></li>\n"
        '<li><a href="https://met.no" rel="noopener noreferrer">MET Norway</a></li>\n</ol>'
    ) in md
    assert "[1] Yr: Oslo <https://yr.no/oslo>" in result.plain


def test_file_search_code_interpreter_image_and_mcp_are_shown(
    loaded: KernelSession, emulator: Emulator
) -> None:
    emulator.enqueue(
        s.Reply(
            items=[
                s.FileSearch(
                    ["oslo report"],
                    [s.FileSearchHit("file-1", "report.pdf", 0.87, "Oslo had 21 degrees.")],
                ),
                s.CodeInterpreter("print(21 * 9 / 5 + 32)", logs="69.8\n"),
                s.ImageGeneration(revised_prompt="A sunny Oslo"),
                s.McpCall("docs", "lookup", '{"q": "oslo"}', "Oslo is the capital."),
                s.Text("Done."),
            ]
        )
    )
    result = loaded.execute(ALL)
    md = result.html
    assert "📄 file search: oslo report — done" in md and "Queries: <code>oslo report</code>" in md
    assert "<li><code>report.pdf</code> (score 0.87): Oslo had 21 degrees.</li>" in md
    assert "🐍 code interpreter: print(21 * 9 / 5 + 32) — done" in md
    code = re.search(r"<pre[^>]*><code>(.*?)</code></pre>", md, re.DOTALL)
    assert code is not None and re.sub(r"<[^>]+>", "", code[1]) == "print(21 * 9 / 5 + 32)\n"
    assert '<span style="color:var(--jp-mirror-editor-builtin-color, #008000)">print' in md
    assert "<code>69.8\n</code></pre>" in md  # logs: plain text
    assert "🖼 image generation: A sunny Oslo — done" in md and "Prompt: A sunny Oslo" in md
    assert '🔌 docs.lookup(q="oslo") — done' in md and "Oslo is the capital." in md
    images = [o for o in result.outputs if "image/png" in o.get("data", {})]
    assert len(images) == 1 and images[0]["data"]["image/png"] == s.TINY_PNG_B64
    assert images[0]["data"]["text/plain"] == "[image: A sunny Oslo]"
    # Shown, and kept in the turn so later turns and exports carry them.
    loaded.execute("%%chat\nSummarise.")
    (chat,) = requests(emulator, "/v1/chat/completions")
    assert chat["messages"][1]["content"] == "Done."


def test_chat_refuses_builtin_tools_before_any_request(
    loaded: KernelSession, emulator: Emulator
) -> None:
    result = loaded.execute("%%chat --tools code_interpreter\nRun.", allow_errors=True)
    assert result.error is not None and result.error.ename == "UsageError"
    assert "code_interpreter is a built-in tool of the Responses API: use %%respond" in (
        result.error.evalue
    )
    # Chat searches the web only with a search model (web_search_options), and says so.
    result = loaded.execute("%%chat --tools web_search\nSearch.", allow_errors=True)
    assert result.error is not None and result.error.ename == "UsageError"
    assert "web_search on Chat Completions needs a search model" in result.error.evalue
    assert emulator.requests("/v1/chat/completions") == []
    assert "No turns yet." in loaded.execute("%responses history").stdout


def test_file_search_needs_a_vector_store_and_mcp_a_url(loaded: KernelSession) -> None:
    result = loaded.execute("%%respond --tools file_search\nFind.", allow_errors=True)
    assert result.error is not None and "add --vector-store ID" in result.error.evalue
    result = loaded.execute("%%respond --mcp docs\nFind.", allow_errors=True)
    assert result.error is not None and "--mcp needs LABEL=URL" in result.error.evalue
