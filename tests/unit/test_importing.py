"""Exported conversations read back: ``.json`` exactly (the whole tree), notebooks and
transcripts as their branch, older notebooks from what they show; anything else is
refused with a message that says why."""

from __future__ import annotations

import copy
import json
from pathlib import Path

import nbformat
import nbformat.v4 as v4
import pytest

from jupyter_responses.conversation import Conversation, Turn
from jupyter_responses.events import Usage
from jupyter_responses.export import export, to_notebook
from jupyter_responses.importing import _user_prompt, read_conversation
from jupyter_responses.serialize import conversation_to_dict, turn_to_dict

from .chains import chained

PNG = (
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9aw"
    "AAAABJRU5ErkJggg=="
)


def _full_turn(prompt: str, **fields: object) -> Turn:
    """A turn with every field set, so a lost field shows up in the comparison."""
    turn = Turn(
        api="responses",
        model="gpt-4.1",
        prompt=prompt,
        instructions="Be brief.",
        attachments=[{"kind": "file", "name": "a.csv", "mime": "text/csv", "size": 3}],
        output=[
            {"type": "reasoning", "summary": "think", "item": {"id": "rs_1", "encrypted": "x"}},
            {"type": "function_call", "call_id": "c1", "name": "f", "arguments": '{"a": 1}'},
            {"type": "function_call_output", "call_id": "c1", "output": "2"},
            {"type": "message", "text": "# Answer\n\n*done* $x$"},
        ],
        text="# Answer\n\n*done* $x$",
        reasoning="think",
        citations=[{"url": "https://example.com", "title": "Example"}],
        calls=[{"call_id": "c1", "name": "f", "kind": "function", "arguments": '{"a": 1}',
                "status": "done", "output": "2", "seconds": 0.5}],
        status="completed",
        notes=["history resent"],
        response_id="resp_" + prompt[:3],
        stored=True,
        usage=Usage(10, 20, 5),
        cell_id="cell-1",
        magic="%%respond -m gpt-4.1",
        started=1_700_000_000.25,
        finished=1_700_000_003.5,
    )  # fmt: skip
    for name, value in fields.items():
        setattr(turn, name, value)
    return turn


def _forked() -> Conversation:
    """root -> a -> (b, then a fork c -> d); the head on d."""
    conversation = Conversation(
        name="work", system="Be brief.\nAnd kind.", created=1_700_000_000.0, server_state=True
    )
    root = _full_turn("First {question}\n\n  indented\n1. item")
    a = _full_turn("Second", api="chat", images=[PNG, PNG], refusal="no")
    b = _full_turn("Third (abandoned)")
    c = _full_turn("Third again *", status="failed", error="The stream ended early.", text="")
    d = _full_turn("", schema='{"type": "object"}', text='{"a": 1}', magic="panel")
    d.server_conversation = "conv_0123456789"  # a server-side thread's, carried on
    for turn, parent in ((root, None), (a, root), (b, a), (c, a), (d, c)):
        turn.parent = parent.id if parent else None
        conversation.append(turn)
    assert [t.id for t in conversation.branch()] == [root.id, a.id, c.id, d.id]
    return conversation


def test_json_round_trip_is_exact_for_a_branched_tree(tmp_path: Path) -> None:
    conversation = _forked()
    restored = read_conversation(export(conversation, tmp_path / "c.json"))
    assert conversation_to_dict(restored) == conversation_to_dict(conversation)
    assert restored.turns[restored.branch()[1].id].images == [PNG, PNG]


@pytest.mark.parametrize("transcript", [False, True], ids=["cells", "transcript"])
def test_a_notebook_imports_back_as_its_branch(tmp_path: Path, transcript: bool) -> None:
    conversation = _forked()
    path = export(conversation, tmp_path / "c.ipynb", transcript=transcript)
    restored = read_conversation(path)
    branch = conversation.branch()
    assert [turn_to_dict(t) for t in restored.branch()] == [turn_to_dict(t) for t in branch]
    assert list(restored.turns) == [t.id for t in branch] and restored.head == branch[-1].id
    assert restored.branch()[1].images == [PNG, PNG]
    for field in ("id", "name", "title", "system", "created", "server_state"):
        assert getattr(restored, field) == getattr(conversation, field), field


def test_cells_the_user_added_are_skipped(tmp_path: Path) -> None:
    conversation = _forked()
    notebook = to_notebook(conversation)
    notebook.cells.insert(3, v4.new_code_cell("print('mine')"))
    notebook.cells.append(v4.new_markdown_cell("My notes"))
    copied = notebook.cells[2]  # a copied turn cell is the same turn
    notebook.cells.append(v4.new_code_cell(copied.source, metadata=copy.deepcopy(copied.metadata)))
    nbformat.write(notebook, tmp_path / "c.ipynb")
    restored = read_conversation(tmp_path / "c.ipynb")
    assert [t.id for t in restored.branch()] == [t.id for t in conversation.branch()]


@pytest.mark.parametrize(
    "prompt",
    ["plain", "# *marked* [up] <b> $1 & 2_3 \\ end\\", "1. a\n\n- b\n===", "    code\n```"],
)
def test_a_transcript_prompt_without_metadata_is_read_from_its_markdown(prompt: str) -> None:
    conversation = Conversation()
    conversation.append(Turn(api="chat", model="m", prompt=prompt))
    user = to_notebook(conversation, transcript=True).cells[1]
    assert _user_prompt(user, {"role": "user", "turn": "x"}) == prompt


def test_an_older_notebook_without_records_imports_with_its_text(tmp_path: Path) -> None:
    conversation = Conversation(title="Old")
    turns = [
        Turn(api="chat", model="m", prompt="Hi", status="completed", text="Hello\nthere",
             magic="%%chat -m m", response_id="r1", usage=Usage(3, 4, 0)),
        Turn(api="responses", model="n", prompt="More", status="failed", text="Par",
             magic="panel", error="Cut."),
    ]  # fmt: skip
    chained(conversation, turns)
    notebook = to_notebook(conversation)
    for cell in notebook.cells[2:]:
        del cell.metadata["jupyter_responses"]["record"]
    for key in ("name", "created", "format"):
        del notebook.metadata["jupyter_responses"][key]
    nbformat.write(notebook, tmp_path / "old.ipynb")
    first, second = read_conversation(tmp_path / "old.ipynb").branch()
    assert (first.prompt, first.text, first.model, first.api) == ("Hi", "Hello\nthere", "m", "chat")
    assert (first.status, first.response_id, first.usage, first.stored) == (
        "completed",
        "r1",
        Usage(3, 4, 0),
        False,
    )
    assert first.output == [{"type": "message", "text": "Hello\nthere"}]
    assert first.magic == "%%chat -m m" and first.notes and first.parent is None
    assert (second.text, second.status, second.parent) == ("Par", "failed", first.id)


def _refused(path: Path) -> str:
    with pytest.raises(ValueError) as caught:
        read_conversation(path)
    message = str(caught.value)
    assert "\n" not in message and path.name in message
    return message


def test_files_that_are_not_exported_conversations_are_refused(tmp_path: Path) -> None:
    nbformat.write(v4.new_notebook(), tmp_path / "empty.ipynb")
    assert "holds no jupyter_responses turns" in _refused(tmp_path / "empty.ipynb")
    foreign = v4.new_notebook(cells=[v4.new_code_cell("1 + 1"), v4.new_markdown_cell("# Hi")])
    nbformat.write(foreign, tmp_path / "foreign.ipynb")
    assert "%responses export" in _refused(tmp_path / "foreign.ipynb")
    (tmp_path / "text.ipynb").write_text("not a notebook")
    assert "not a readable notebook" in _refused(tmp_path / "text.ipynb")
    (tmp_path / "c.md").write_text("# Hi")
    assert ".ipynb or .json" in _refused(tmp_path / "c.md")
    (tmp_path / "broken.json").write_text('{"format": 2, "turns": [')
    assert "not valid JSON" in _refused(tmp_path / "broken.json")
    (tmp_path / "other.json").write_text('{"a": 1}')
    assert "not a jupyter_responses conversation" in _refused(tmp_path / "other.json")
    data = conversation_to_dict(_forked())
    (tmp_path / "future.json").write_text(json.dumps({**data, "format": 99}))
    assert "format 99" in _refused(tmp_path / "future.json")
    del data["turns"][0]["api"]
    (tmp_path / "damaged.json").write_text(json.dumps(data))
    assert "can read" in _refused(tmp_path / "damaged.json")


def test_a_damaged_record_is_refused_and_a_missing_file_is_an_os_error(tmp_path: Path) -> None:
    notebook = to_notebook(_forked())
    notebook.cells[3].metadata["jupyter_responses"]["record"]["usage"] = "lots"
    nbformat.write(notebook, tmp_path / "damaged.ipynb")
    assert "cell 4 has a damaged" in _refused(tmp_path / "damaged.ipynb")
    with pytest.raises(FileNotFoundError):
        read_conversation(tmp_path / "missing.ipynb")
    with pytest.raises(FileNotFoundError):
        read_conversation(tmp_path / "missing.json")


def test_imported_files_hold_no_secret_from_the_environment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    secret = "sk-proj-FAKE0123456789secret"
    monkeypatch.setenv("OPENAI_API_KEY", secret)
    conversation = _forked()
    for name, transcript in (("c.ipynb", False), ("t.ipynb", True), ("c.json", False)):
        path = export(conversation, tmp_path / name, transcript=transcript)
        assert secret not in path.read_text()
        assert secret not in json.dumps(conversation_to_dict(read_conversation(path)))
