"""A built-in tool is one declaration: a test's own tool, registered here and nowhere
else, is requested, shown live and in the saved output, exported and printed in the
terminal. And turns saved before declarations existed (format 2, the server's raw
item as ``detail``) still load and show the same."""

from __future__ import annotations

import contextlib
import io
from collections.abc import Iterator
from typing import Any

import pytest

from jupyter_responses import builtin_tools
from jupyter_responses.builtin_tools import BuiltinSpec, ItemKind
from jupyter_responses.emulator import Emulator
from jupyter_responses.emulator import script as s
from jupyter_responses.errors import OptionsError
from jupyter_responses.export import to_markdown, to_notebook
from jupyter_responses.render.static import bundle
from jupyter_responses.render.terminal import TerminalView
from jupyter_responses.serialize import conversation_from_dict, conversation_to_dict
from jupyter_responses.session import Session
from jupyter_responses.transcript import CallDetail, ProviderItem

from .test_session import ask, bodies


def _read_echo(item: ProviderItem) -> CallDetail:
    return {
        "query": str(item.get("q", "")),
        "sources": [{"url": str(r["url"]), "title": str(r["title"])} for r in item["results"]],
    }


@pytest.fixture
def echo_search() -> Iterator[BuiltinSpec]:
    spec = builtin_tools.register(
        BuiltinSpec(
            "echo_search",
            {"echo_search_call": ItemKind("echo finder", "📣", _read_echo)},
            include=("echo_search_call.results",),
            configure=lambda options: {"depth": 2},
        )
    )
    yield spec
    builtin_tools.unregister("echo_search")


ECHO_ITEM = {
    "type": "echo_search_call",
    "status": "completed",
    "q": "oslo weather",
    "results": [{"url": "https://yr.no/oslo", "title": "Yr: Oslo"}],
}


def test_a_new_builtin_tool_needs_only_its_declaration(
    session: Session, emulator: Emulator, echo_search: BuiltinSpec
) -> None:
    emulator.enqueue(s.Reply(items=[s.RawItem(ECHO_ITEM), s.Text("Mild.")]))
    printed = io.StringIO()
    with contextlib.redirect_stdout(printed):
        turn = session.run(
            ask(session, "responses", "Weather?", tools=["echo_search"]), TerminalView()
        )
    # requested with its spec and include paths
    (body,) = bodies(emulator, "/v1/responses")
    assert body["tools"] == [{"type": "echo_search", "depth": 2}]
    assert body["include"] == ["echo_search_call.results"]
    # recorded in neutral fields, shown in the terminal
    (call,) = turn.calls
    assert call["kind"] == "echo_search_call" and call["status"] == "done"
    assert call["detail"] == _read_echo(ECHO_ITEM)
    assert "[echo finder done] oslo weather" in printed.getvalue()
    # rendered
    shown = bundle(turn)
    assert "📣 echo finder: oslo weather — done" in shown["text/html"]
    assert "Query: <code>oslo weather</code>" in shown["text/html"]
    assert (
        '<a href="https://yr.no/oslo" rel="noopener noreferrer">Yr: Oslo</a>' in shown["text/html"]
    )
    assert "[📣 echo finder: oslo weather — done]" in shown["text/plain"]
    # exported: a cell that asks for it again, and the Markdown transcript
    cell = to_notebook(session.conversation).cells[2]
    assert cell.source.splitlines()[0] == "%%respond -m gpt-4.1 --tools echo_search"
    assert "📣 echo finder: oslo weather — done" in cell.outputs[0]["data"]["text/html"]
    assert "Query: `oslo weather`" in to_markdown(session.conversation)


def test_chat_refuses_a_declared_builtin_before_sending(
    session: Session, emulator: Emulator, echo_search: BuiltinSpec
) -> None:
    with pytest.raises(OptionsError, match="echo_search is a built-in tool"):
        session.run(ask(session, "chat", "Weather?", tools=["echo_search"]), TerminalView())
    assert emulator.requests() == []


def test_an_item_no_declaration_knows_is_still_shown(session: Session, emulator: Emulator) -> None:
    item = {"type": "future_tool_call", "status": "completed", "query": "what next"}
    emulator.enqueue(s.Reply(items=[s.RawItem(item), s.Text("Done.")]))
    with contextlib.redirect_stdout(io.StringIO()):
        turn = session.run(ask(session, "responses", "Go"), TerminalView())
    assert turn.calls[0]["detail"] == {"query": "what next"}
    assert "🧰 future tool: what next — done" in bundle(turn)["text/html"]


def _format_2(calls: list[dict[str, Any]]) -> dict[str, Any]:
    """A conversation as format 2 wrote it: built-in details are the raw items."""
    turn = {
        "api": "responses",
        "model": "gpt-4.1",
        "prompt": "Compare.",
        "id": "t1",
        "parent": None,
        "text": "Done.",
        "status": "completed",
        "calls": calls,
        "output": [{"type": "message", "text": "Done."}],
        "usage": {"input_tokens": 1, "output_tokens": 1, "reasoning_tokens": 0},
        "started": 1.0,
        "finished": 2.0,
    }
    return {
        "format": 2,
        "id": "c1",
        "name": "main",
        "title": "Compare.",
        "system": None,
        "head": "t1",
        "created": 1.0,
        "turns": [turn],
    }


def _old_call(kind: str, detail: dict[str, Any], **extra: Any) -> dict[str, Any]:
    return {
        "call_id": f"{kind}_1",
        "name": kind,
        "kind": kind,
        "arguments": "",
        "status": "done",
        "detail": detail,
        **extra,
    }


def test_format_2_details_load_as_neutral_fields() -> None:
    old = _format_2(
        [
            _old_call(
                "web_search_call",
                {"action": {"type": "search", "query": "oslo", "sources": [{"url": "https://a"}]}},
            ),
            _old_call(
                "file_search_call",
                {
                    "queries": ["report"],
                    "results": [{"file_id": "f1", "filename": "r.pdf", "score": 0.5, "text": "x"}],
                },
            ),
            _old_call(
                "code_interpreter_call",
                {
                    "code": "print(1)",
                    "container_id": "c",
                    "outputs": [{"type": "logs", "logs": "1\n"}],
                },
            ),
            _old_call("image_generation_call", {"revised_prompt": "A cat", "size": "1024x1024"}),
            _old_call(
                "mcp_call",
                {"server_label": "docs", "name": "lookup", "arguments": "{}", "output": "ok"},
                name="lookup",
                output="ok",
            ),
        ]
    )
    conversation = conversation_from_dict(old)
    details = [call["detail"] for call in conversation.turns["t1"].calls]
    assert details == [
        {"query": "oslo", "sources": [{"url": "https://a", "title": ""}]},
        {"queries": ["report"], "hits": [{"file": "r.pdf", "score": 0.5, "text": "x"}]},
        {"code": "print(1)", "language": "python", "logs": "1\n"},
        {"prompt": "A cat"},
        {"server": "docs"},
    ]
    html = bundle(conversation.turns["t1"])["text/html"]
    for shown in ("Query: <code>oslo</code>", "<code>r.pdf</code> (score 0.50)", "Prompt: A cat"):
        assert shown in html
    assert "🔌 docs.lookup() — done" in html
    # saved again, it is format 3 and reads back the same
    again = conversation_from_dict(conversation_to_dict(conversation))
    assert [c["detail"] for c in again.turns["t1"].calls] == details
