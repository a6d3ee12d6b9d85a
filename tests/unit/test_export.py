"""A conversation exported as a notebook (valid nbformat, one re-runnable cell per turn
with its static outputs) and as Markdown."""

from __future__ import annotations

import json
from pathlib import Path

import nbformat
import pytest

from jupyter_responses.conversation import Conversation, Turn
from jupyter_responses.export import default_name, export, magic_line, to_markdown, to_notebook
from jupyter_responses.serialize import conversation_from_dict, conversation_to_dict


def _conversation() -> Conversation:
    conversation = Conversation(system="Be brief.")
    turns = [
        Turn(api="responses", model="gpt-4.1", prompt="Weather in {city}?", magic="panel",
             status="completed", text="**Sunny.**", response_id="resp_1",
             calls=[{"call_id": "c", "name": "get_weather", "kind": "function",
                     "arguments": "{}", "status": "done", "output": "sun"},
                    {"call_id": "w", "name": "web_search", "kind": "web_search_call",
                     "status": "done"}]),
        Turn(api="chat", model="gpt-4.1-mini", prompt="And tomorrow?",
             magic="%%chat -m gpt-4.1-mini", status="completed", text="Rain.",
             images=["iVBORw0KGgo="]),
        Turn(api="responses", model="gpt-4.1", prompt="Cut", magic="%%respond",
             status="failed", error="The stream ended early."),
    ]  # fmt: skip
    for turn in turns:
        turn.parent = conversation.head
        turn.finished = turn.started + 1
        conversation.append(turn)
    return conversation


def test_notebook_has_one_rerunnable_cell_per_turn_with_its_outputs() -> None:
    notebook = to_notebook(_conversation())
    nbformat.validate(notebook)
    cells = notebook.cells
    assert cells[0].source.startswith("# Weather in {city}?\n\n3 turns · models: gpt-4.1, ")
    assert cells[0].source.endswith("0 tokens in / 0 out") and cells[1].source == (
        "%load_ext jupyter_responses"
    )
    first, second, third = cells[2:]
    assert first.source == (
        "%%respond -m gpt-4.1 --tools get_weather web_search -s 'Be brief.' --no-interpolate\n"
        "Weather in {city}?"
    )
    assert first.outputs[0]["data"]["text/html"].startswith("<details>")
    assert first.metadata["jupyter_responses"]["response_id"] == "resp_1"
    assert second.source == "%%chat -m gpt-4.1-mini\nAnd tomorrow?"
    assert [list(o["data"]) for o in second.outputs][1] == ["image/png", "text/plain"]
    assert (
        third.outputs[-1]["name"] == "stderr"
        and third.metadata["jupyter_responses"]["status"] == "failed"
    )
    assert [c.execution_count for c in cells[2:]] == [1, 2, 3]
    assert notebook.metadata["jupyter_responses"]["system"] == "Be brief."


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


def test_names_and_magic_lines() -> None:
    conversation = _conversation()
    assert default_name(conversation).startswith("weather-in-city-")
    assert default_name(Conversation()).startswith("conversation-")
    plain = Turn(api="chat", model="m x", prompt="hi", magic="panel")
    assert magic_line(plain) == "%%chat -m 'm x'"


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
