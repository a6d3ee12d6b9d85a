"""The static Markdown/plain rendering of a turn: tool sections, citations, and model
output that cannot break out into links, HTML or code fences."""

from __future__ import annotations

from jupyter_responses.conversation import Turn
from jupyter_responses.render.static import bundle, escape, fence, fence_inline, link, markdown


def _turn(**fields: object) -> Turn:
    turn = Turn(api="responses", model="m", prompt="p", status="completed", **fields)  # type: ignore[arg-type]
    turn.finished = turn.started + 1.5
    return turn


def test_only_http_links_become_links() -> None:
    assert link("https://a.example/x", "A") == "[A](https://a.example/x)"
    assert link("javascript:alert(1)", "click") == "click (`javascript:alert(1)`)"
    assert link("https://a.example/x) [y](javascript:z", "t").startswith("t (`")
    assert link("data:text/html,<script>", "d") == "d (`data:text/html,<script>`)"


def test_escape_and_fences_contain_their_text() -> None:
    assert escape("[x](javascript:y) <b>") == "\\[x\\]\\(javascript:y\\) \\<b\\>"
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
    assert md.index("💭 Reasoning") < md.index("🔧 f — done · 12 ms") < md.index("Answer")
    assert "````\nok ``` </details><script>\n````" in md
    assert "1. [S \\[1\\]](https://s.example)" in md
    assert md.endswith("<sub>m · 0 in / 0 out tokens · 1.5 s</sub>")
    plain = bundle(turn)["text/plain"]
    assert '[🔧 f — done · 12 ms] ({"a": 1}) → ok ``` </details><script>' in plain
    assert "[1] S [1] <https://s.example>" in plain


def test_schema_answers_are_pretty_json_and_streaming_shows_progress() -> None:
    turn = _turn(text='{"a":1}', schema="S")
    assert '```json\n{\n  "a": 1\n}\n```' in markdown(turn)
    running = Turn(api="chat", model="m", prompt="p")
    assert markdown(running, "", "", final=False) == "*Thinking…*"
    assert markdown(running, "partial", "", final=False) == "partial"
