"""The static HTML/plain/Markdown rendering of a turn: tool sections, citations, and model
output that cannot break out into links, HTML or code fences."""

from __future__ import annotations

import json
import re
from html.parser import HTMLParser
from typing import Any

import pytest

from jupyter_responses.conversation import Turn
from jupyter_responses.render.markup import escape_markdown
from jupyter_responses.render.static import (
    bundle,
    call_title,
    fence,
    fence_inline,
    html,
    link,
    markdown,
)
from jupyter_responses.streamed import SoFar

from ..browser.payloads import PAYLOADS


def _turn(**fields: object) -> Turn:
    fields.setdefault("status", "completed")
    turn = Turn(api="responses", model="m", prompt="p", **fields)  # type: ignore[arg-type]
    turn.finished = turn.started + 1.5
    return turn


def test_only_http_links_become_links() -> None:
    assert link("https://a.example/x", "A") == "[A](https://a.example/x)"
    assert link("javascript:alert(1)", "click") == "click (`javascript:alert(1)`)"
    assert link("https://a.example/x) [y](javascript:z", "t").startswith("t (`")
    assert link("data:text/html,<script>", "d") == "d (`data:text/html,<script>`)"


def test_escape_and_fences_contain_their_text() -> None:
    assert escape_markdown("[x](javascript:y) <b>") == "\\[x\\](javascript:y) \\<b\\>"
    assert escape_markdown("- item & $x$") == "\\- item \\& \\$x\\$"
    assert fence("a ``` b ```` c").startswith("`````\n") and fence("x").startswith("```\n")
    assert fence_inline("a `b` c") == "``a `b` c``"
    assert fence_inline("`x") == "`` `x ``"


def test_tool_sections_citations_and_footer() -> None:
    turn = _turn(
        text="Answer",
        reasoning="Thought",
        calls=[
            {
                "call_id": "1",
                "name": "f",
                "kind": "function",
                "arguments": '{"a": 1}',
                "status": "done",
                "output": "ok ``` </details><script>",
                "seconds": 0.012,
            }
        ],
        citations=[{"url": "https://s.example", "title": "S [1]"}],
    )
    md = markdown(turn)
    assert md.index("💭 Reasoning") < md.index("🔧 f(a=1) — done · 12 ms") < md.index("Answer")
    assert "````\nok ``` </details><script>\n````" in md
    assert "1. [S \\[1\\]](https://s.example)" in md
    assert md.endswith("<sub>m · 1.5 s</sub>")
    plain = bundle(turn)["text/plain"]
    assert "[🔧 f(a=1) — done · 12 ms] → ok ``` </details><script>" in plain
    assert "[1] S [1] <https://s.example>" in plain


def test_schema_answers_are_pretty_json_and_streaming_shows_progress() -> None:
    turn = _turn(text='{"a":1}', schema="S")
    assert '```json\n{\n  "a": 1\n}\n```' in markdown(turn)
    running = Turn(api="chat", model="m", prompt="p")
    assert markdown(running, SoFar()) == "*Thinking…*"
    assert markdown(running, SoFar("partial")) == "partial"


class _Dangers(HTMLParser):
    """What a browser would parse out of the HTML as script-capable."""

    FORBIDDEN = {"script", "iframe", "object", "embed", "svg", "math", "input", "style", "form"}

    def __init__(self, html: str) -> None:
        super().__init__()
        self.found: list[str] = []
        self.feed(html)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in self.FORBIDDEN:
            self.found.append(f"<{tag}>")
        for name, value in attrs:
            if name.startswith("on"):
                self.found.append(f"{tag}[{name}]")
            if name in ("href", "src") and not re.match(r"https?://", value or ""):
                self.found.append(f"{tag}[{name}={value}]")


@pytest.mark.parametrize("name", sorted(PAYLOADS))
def test_no_payload_survives_into_the_html(name: str) -> None:
    """The HTML every output carries; tests/browser/test_xss.py proves it in a browser."""
    payload = PAYLOADS[name]
    turn = _turn(
        text=payload,
        reasoning=payload,
        refusal=payload,
        notes=[payload],
        attachments=[{"name": payload}],
        calls=[
            {
                "call_id": "1",
                "name": payload,
                "kind": "function",
                "arguments": payload,
                "status": "error",
                "error": payload,
                "output": payload,
            },
            {
                "call_id": "2",
                "name": "web_search",
                "kind": "web_search_call",
                "status": "done",
                "arguments": payload,
                "detail": {  # every neutral field a built-in tool can report
                    "query": payload,
                    "queries": [payload],
                    "action": payload,
                    "sources": [{"url": payload, "title": payload}, {"url": "", "title": payload}],
                    "code": payload,
                    "language": payload,
                    "logs": payload,
                    "hits": [{"file": payload, "score": 1.0, "text": payload}],
                    "images": [payload],
                    "prompt": payload,
                    "server": payload,
                    "tools": [payload],
                },
            },
        ],
        citations=[{"url": "javascript:alert(1)", "title": payload}],
    )
    rendered = html(turn)
    assert _Dangers(rendered).found == [], rendered
    assert "__pwned" in rendered or name == "md-data-link", "shown as text, not dropped"
    assert "text/markdown" not in bundle(turn)


def test_html_sections_and_open_state() -> None:
    running = _turn(status="running")
    box = f'<div class="jr-answer" data-jr-turn="{running.id}">'
    assert html(running, SoFar()) == box + "<p><em>Thinking…</em></p></div>"
    assert html(running, SoFar(), placeholder=False) == box + "</div>"
    thinking = html(running, SoFar(reasoning="Plan **first**"))
    assert thinking.startswith(
        box + '<details class="jr-section" data-jr-key="reasoning" open="">'
        "<summary>💭 Reasoning</summary><p>Plan <strong>"
    )
    done = html(_turn(text="# Title\n\n| a |\n|---|\n| 1 |", reasoning="r"))
    assert '<details class="jr-section" data-jr-key="reasoning"><summary>💭 Reasoning' in done
    assert "<h1>Title</h1>" in done and "<td>1</td>" in done
    assert done.endswith('<p class="jr-footer">m · 1.5 s</p></div>')
    # the saved answer carries the stylesheet the live view gets from its widget
    saved = bundle(_turn(text="x"))["text/html"]
    assert saved.startswith("<style>") and ".jr-answer" in saved.split("</style>")[0]


def test_call_titles_say_what_each_call_was_asked() -> None:
    def call(name: str, arguments: str, kind: str = "function", **detail: Any) -> Any:
        record = {"call_id": "c", "name": name, "kind": kind, "arguments": arguments}
        return {**record, "status": "completed", "detail": detail}

    assert call_title(call("get_weather", '{"city": "Oslo"}')) == (
        '🔧 get_weather(city="Oslo") — completed'
    )
    assert call_title(call("get_weather", '{"city": "Os')) == "🔧 get_weather(…) — completed"
    long = call_title(call("f", json.dumps({"text": "word " * 40})))
    assert "…" in long and len(long) < 100
    search = call_title(call("", "", "web_search_call", query="oslo weather"))
    assert ": oslo weather — completed" in search
    code = call_title(call("", "\nimport pandas as pd\ndf = 1", "code_interpreter_call"))
    assert "import pandas as pd" in code and "df = 1" not in code
