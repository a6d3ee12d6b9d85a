"""A conversation exported as a notebook (valid nbformat, one re-runnable cell per turn
with its static outputs, or a Markdown transcript) and as Markdown."""

from __future__ import annotations

import html
import json
import re
from pathlib import Path

import nbformat
import pytest
from markdown_it import MarkdownIt

from jupyter_responses.conversation import Conversation, Turn
from jupyter_responses.export import (
    default_name,
    export,
    magic_line,
    quote_prompt,
    to_markdown,
    to_notebook,
)
from jupyter_responses.render.markup import escape_markdown
from jupyter_responses.serialize import (
    FORMAT,
    conversation_from_dict,
    conversation_to_dict,
    turn_to_dict,
)

from .chains import chained


def _conversation() -> Conversation:
    conversation = Conversation(system="Be brief.")
    turns = [
        Turn(api="responses", model="gpt-4.1", prompt="Weather in {city}?", magic="panel",
             status="completed", text="**Sunny.**", response_id="resp_1",
             calls=[{"call_id": "c", "name": "get_weather", "kind": "function",
                     "arguments": "{}", "status": "done", "output": "sun"},
                    {"call_id": "w", "name": "web_search", "kind": "web_search_call",
                     "arguments": "", "status": "done"}]),
        Turn(api="chat", model="gpt-4.1-mini", prompt="And tomorrow?",
             magic="%%chat -m gpt-4.1-mini", status="completed", text="Rain.",
             images=["iVBORw0KGgo="]),
        Turn(api="responses", model="gpt-4.1", prompt="Cut", magic="%%respond",
             status="failed", error="The stream ended early."),
    ]  # fmt: skip
    chained(conversation, turns)
    return conversation


def test_notebook_has_one_rerunnable_cell_per_turn_with_its_outputs() -> None:
    notebook = to_notebook(_conversation())
    nbformat.validate(notebook)
    cells = notebook.cells
    assert cells[0].source.startswith("# Weather in {city}?\n\n3 turns · models: gpt-4.1, ")
    assert cells[0].source.endswith("tokens: no tokens counted") and cells[1].source == (
        "%load_ext jupyter_responses"
    )
    first, second, third = cells[2:]
    assert first.source == (
        "%%respond -m gpt-4.1 --tools get_weather web_search -s 'Be brief.' --no-interpolate\n"
        "Weather in {city}?"
    )
    saved = first.outputs[0]["data"]["text/html"]
    assert saved.startswith("<style>") and '<div class="jr-answer"' in saved
    assert first.metadata["jupyter_responses"]["response_id"] == "resp_1"
    assert second.source == "%%chat -m gpt-4.1-mini\nAnd tomorrow?"
    assert [list(o["data"]) for o in second.outputs][1] == ["image/png", "text/plain"]
    assert (
        third.outputs[-1]["name"] == "stderr"
        and third.metadata["jupyter_responses"]["status"] == "failed"
    )
    assert [c.execution_count for c in cells[2:]] == [1, 2, 3]
    assert notebook.metadata["jupyter_responses"]["system"] == "Be brief."


def test_cells_carry_a_summary_and_the_turn_record_minus_what_the_cell_holds() -> None:
    conversation = _conversation()
    conversation.name = "weather"
    notebook = to_notebook(conversation)
    meta = notebook.metadata["jupyter_responses"]
    assert (meta["name"], meta["created"], meta["format"]) == (
        "weather",
        conversation.created,
        FORMAT,
    )
    assert meta["conversation"] == conversation.id
    for cell, turn in zip(notebook.cells[2:], conversation.branch(), strict=True):
        ours = cell.metadata["jupyter_responses"]
        assert ours["turn"] == turn.id and ours["model"] == turn.model
        assert ours["usage"] == {
            "input_tokens": 0,
            "output_tokens": 0,
            "reasoning_tokens": 0,
            "cached_tokens": 0,
            "cache_write_tokens": 0,
        }
        assert ours["cost"] == turn.cost
        expected = turn_to_dict(turn)
        del expected["prompt"], expected["images"]
        assert ours["record"] == expected


def test_transcript_alternates_user_and_assistant_markdown_cells() -> None:
    conversation = _conversation()
    notebook = to_notebook(conversation, transcript=True)
    nbformat.validate(notebook)
    cells = notebook.cells
    assert cells[0].source.startswith("# Weather in {city}?\n\n3 turns")
    assert {cell.cell_type for cell in cells} == {"markdown"}
    assert len(cells) == 1 + 2 * 3
    roles = [cell.metadata["jupyter_responses"]["role"] for cell in cells[1:]]
    assert roles == ["user", "assistant"] * 3
    first_user, first_answer, second_user, second_answer, _, failed = cells[1:]
    assert first_user.source == "**You**\n\n> Weather in {city}?"
    assert first_user.metadata["jupyter_responses"] == {
        "role": "user",
        "turn": conversation.branch()[0].id,
        "prompt": "Weather in {city}?",
    }
    assert first_answer.source.startswith("**gpt-4.1**\n\n")
    assert "<strong>Sunny.</strong>" in first_answer.source  # sanitized HTML, as the output
    assert first_answer.metadata["jupyter_responses"]["record"]["text"] == "**Sunny.**"
    assert "attachments" not in first_answer
    assert "![image](attachment:image-1.png)" in second_answer.source
    assert second_answer.attachments == {"image-1.png": {"image/png": "iVBORw0KGgo="}}
    assert second_user.metadata["jupyter_responses"]["prompt"] == "And tomorrow?"
    assert "> **Error:** The stream ended early." in failed.source
    assert failed.metadata["jupyter_responses"]["status"] == "failed"


def test_transcript_is_written_only_as_a_notebook(tmp_path: Path) -> None:
    conversation = _conversation()
    written = export(conversation, tmp_path / "t.ipynb", transcript=True)
    notebook = nbformat.read(written, as_version=4)
    nbformat.validate(notebook)
    assert notebook.cells[4].attachments["image-1.png"]["image/png"] == "iVBORw0KGgo="
    with pytest.raises(ValueError, match=r"transcript .* \.ipynb, not 't\.md'"):
        export(conversation, tmp_path / "t.md", transcript=True)
    assert not (tmp_path / "t.md").exists()


def _shown(markdown: str) -> str:
    """The text a CommonMark renderer displays for ``markdown`` (line breaks kept)."""
    rendered = MarkdownIt("commonmark").render(markdown)
    assert not re.search(r"<(?!/?(blockquote|p|br|pre|code)\b)", rendered), rendered
    return html.unescape(re.sub(r"<[^>]+>", "", rendered)).strip()


@pytest.mark.parametrize(
    "prompt",
    [
        "# not a heading, *not* emphasis, _nor_ `code` or [a](link) or <b>html</b>",
        "1. not a list\n- nor this\n+ nor this\n---\n===\n> not a quote",
        "cost $5 & $6 &amp; | pipes | ~~strike~~ back\\slash at the end\\",
        "![img](x.png) and \\*kept\\* escapes",
    ],
)
def test_a_prose_prompt_displays_as_it_was_typed(prompt: str) -> None:
    assert _shown(quote_prompt(prompt)) == prompt


def test_an_indented_prompt_is_fenced_longer_than_its_backticks() -> None:
    prompt = "Fix this:\n    x = ```y```\n\tz"
    quoted = quote_prompt(prompt)
    assert quoted == f"````\n{prompt}\n````"
    assert _shown(quoted) == prompt
    assert escape_markdown("gpt-4.1") == "gpt-4.1" and escape_markdown("-x_1") == "\\-x\\_1"


def test_markdown_keeps_prompts_and_answers() -> None:
    text = to_markdown(_conversation())
    assert text.startswith("# Weather in {city}?\n\n*System:* Be brief.")
    assert "## You\n\n> And tomorrow?\n\n## gpt-4.1-mini\n\nRain." in text


def test_export_writes_both_formats_and_refuses_others(tmp_path: Path) -> None:
    conversation = _conversation()
    notebook = export(conversation, tmp_path / "sub" / "c.ipynb")
    nbformat.validate(nbformat.read(notebook, as_version=4))
    assert export(conversation, tmp_path / "c.md").read_text().startswith("# Weather")
    with pytest.raises(ValueError, match=r"\.ipynb or \.md or \.json"):
        export(conversation, tmp_path / "c.txt")


def test_no_secret_from_the_environment_is_written(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    secret = "sk-test-0123456789abcdefSECRET"
    monkeypatch.setenv("OPENAI_API_KEY", secret)
    monkeypatch.setenv("OPENAI_BASE_URL", "http://secret-host.invalid/v1")
    conversation = _conversation()
    written = [
        export(conversation, tmp_path / f"c{suffix}") for suffix in (".ipynb", ".md", ".json")
    ]
    written.append(export(conversation, tmp_path / "t.ipynb", transcript=True))
    for path in written:
        text = path.read_text()
        assert secret not in text and "secret-host" not in text, path.name


def test_names_and_magic_lines() -> None:
    conversation = _conversation()
    assert default_name(conversation).startswith("weather-in-city-")
    assert default_name(Conversation()).startswith("conversation-")
    plain = Turn(api="chat", model="m x", prompt="hi", magic="panel")
    assert magic_line(plain) == "%%chat -m 'm x'"
    # a cell magic has one line, so a multi-line system prompt is joined into it
    assert magic_line(plain, "Be brief.\nBe kind.") == "%%chat -m 'm x' -s 'Be brief. Be kind.'"


def test_json_is_a_lossless_dump_of_the_whole_tree(tmp_path: Path) -> None:
    conversation = _conversation()
    other = Turn(api="chat", model="m", prompt="A branch", parent=None, status="completed")
    conversation.turns[other.id] = other  # a second root: not on the current branch
    restored = conversation_from_dict(
        json.loads(export(conversation, tmp_path / "c.json").read_text())
    )
    assert restored == conversation
    broken = conversation_to_dict(conversation)
    broken["turns"] = broken["turns"][1:]
    with pytest.raises(ValueError, match="tree"):
        conversation_from_dict(broken)


def test_transcript_survives_nbconvert_default_html_export() -> None:
    """nbconvert's default HTML export does not sanitize Markdown cells, so the answer a
    transcript carries must already be safe HTML."""
    from nbconvert import HTMLExporter

    payload = "<img src=x onerror=alert(1)> [click](javascript:alert(2)) <script>alert(3)</script>"
    conversation = chained(
        Conversation(),
        [Turn(api="chat", model="m", prompt="hi", status="completed", text=payload)],
    )
    body, _ = HTMLExporter().from_notebook_node(to_notebook(conversation, transcript=True))
    answer = body[body.index("<strong>m</strong>") :]
    assert "&lt;img src=x onerror" in answer  # shown as text ...
    assert "<img" not in answer and "<script>alert" not in answer  # ... never as markup
    assert 'href="javascript' not in answer.lower()
