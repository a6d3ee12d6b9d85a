"""What the real API (and servers for open-weight models) send, beyond the tidy case:
each shape the emulator can be scripted to send is recorded and shown right, with no
library warning. The numbers are those of the issue "Everything the real API sends"."""

from __future__ import annotations

import contextlib
import gc
import io
import warnings
from collections.abc import Iterator
from typing import Any

import pytest

from jupyter_responses.emulator import Emulator
from jupyter_responses.emulator import script as s
from jupyter_responses.errors import StreamFailed, ToolRoundsExceeded
from jupyter_responses.export import to_notebook
from jupyter_responses.render.static import bundle
from jupyter_responses.render.terminal import TerminalView
from jupyter_responses.session import Session
from jupyter_responses.transcript import image_parts

from .conftest import RecordingView
from .test_session import ask


@pytest.fixture(autouse=True)
def no_warnings() -> Iterator[None]:
    """No library warning may reach a cell: here, none may be raised at all. What an
    earlier test left for the garbage collector (an SDK client's pooled socket warns
    when collected) is collected first: the warnings caught are this test's own."""
    gc.collect()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        yield
    assert [str(w.message) for w in caught] == []


def run(session: Session, api: str = "responses", **options: Any) -> tuple[Any, str]:
    """One turn, shown in the terminal view: the turn and what it printed."""
    printed = io.StringIO()
    with contextlib.redirect_stdout(printed):
        turn = session.run(ask(session, api, "Go", **options), TerminalView())
    return turn, printed.getvalue()


def test_1_reasoning_parts_and_items_are_paragraphs(session: Session, emulator: Emulator) -> None:
    emulator.enqueue(
        s.Reply(
            items=[
                s.Reasoning(["**Reading**\n\nThe question.", "**Checking**\n\nThe map."]),
                s.Reasoning("**Deciding**\n\nPick B."),
                s.Text("B."),
            ]
        )
    )
    turn, printed = run(session, reasoning="high")
    assert turn.reasoning == (
        "**Reading**\n\nThe question.\n\n**Checking**\n\nThe map.\n\n**Deciding**\n\nPick B."
    )
    html = bundle(turn)["text/html"]
    assert "<p><strong>Checking</strong></p>\n<p>The map.</p>" in html
    assert "The question.\n\n**Checking**" in printed and "Pick B.\n\nB." in printed


def test_2_commentary_is_apart_from_the_answer(session: Session, emulator: Emulator) -> None:
    emulator.enqueue(
        s.Reply(
            items=[
                s.Text("Let me check the map.", phase="commentary"),
                s.Text("The capital is Oslo.", phase="final_answer"),
            ]
        )
    )
    turn, printed = run(session)
    assert turn.text == "The capital is Oslo."
    assert turn.commentary == ["Let me check the map."]
    assert [e.get("phase") for e in turn.output if e["type"] == "message"] == [
        "commentary",
        "final_answer",
    ]
    html = bundle(turn)["text/html"]
    assert '<blockquote class="jr-commentary"><p>Let me check the map.</p>' in html
    assert "Let me check the map.\n\nThe capital is Oslo." in printed
    # resent with its phase
    emulator.enqueue(s.text("Yes."))
    run(session, no_store=True)
    resent = emulator.requests("/v1/responses")[-1].body["input"]
    assert {"role": "assistant", "content": "Let me check the map.", "phase": "commentary"} in (
        resent
    )


@pytest.mark.parametrize("api", ["responses", "chat"])
def test_2_a_preamble_before_tool_calls_is_commentary(
    session: Session, emulator: Emulator, api: str
) -> None:
    emulator.enqueue(
        s.Reply(items=[s.Text("I'll look up PotatoLand."), s.FunctionCall("capital", {})]),
        s.text("The capital is Spudville."),
    )
    turn, _ = run(session, api, tools=["capital"], namespace={"capital": lambda: "Spudville"})
    assert turn.text == "The capital is Spudville."
    assert turn.commentary == ["I'll look up PotatoLand."]


def test_2_schema_parses_the_final_answer(session: Session, emulator: Emulator) -> None:
    from jupyter_responses.magics import answer_value

    schema = {
        "type": "object",
        "properties": {"city": {"type": "string"}},
        "required": ["city"],
        "additionalProperties": False,
    }
    emulator.enqueue(
        s.Reply(
            items=[
                s.Text("Thinking about cities.", phase="commentary"),
                s.Text('{"city": "Oslo"}', phase="final_answer"),
            ]
        )
    )
    request = ask(session, "responses", "Go", schema="City", namespace={"City": schema})
    turn = session.run(request, RecordingView())
    assert answer_value(request, turn) == {"city": "Oslo"}


def test_3_an_item_without_output_item_done_is_finished_by_the_final_response(
    session: Session, emulator: Emulator
) -> None:
    emulator.enqueue(
        s.Reply(
            items=[s.McpListTools("docs", ["search", "fetch"]), s.Text("Ok.")], missing_done=[0]
        )
    )
    turn, printed = run(session, mcp=["docs=https://mcp.example/sse"])
    (call,) = turn.calls
    assert call["status"] == "done" and call["detail"] == {
        "server": "docs",
        "tools": ["search", "fetch"],
    }
    # 6: mcp_list_tools shows the server and what it lists
    html = bundle(turn)["text/html"]
    assert "🔌 docs MCP tools — done" in html
    assert "Tools: <code>search</code>, <code>fetch</code>" in html
    assert "[MCP tools done]" in printed


def test_3_text_that_never_streamed_comes_from_the_final_response(
    session: Session, emulator: Emulator
) -> None:
    item = {
        "type": "message",
        "role": "assistant",
        "status": "completed",
        "content": [{"type": "output_text", "text": "Only in the end.", "annotations": []}],
    }
    emulator.enqueue(s.Reply(items=[s.RawItem(item, done=False)]))
    turn, _ = run(session)
    assert turn.text == "Only in the end."


def test_4_code_interpreter_images_and_file_citations(session: Session, emulator: Emulator) -> None:
    emulator.enqueue(
        s.Reply(
            items=[
                s.CodeInterpreter("plot()", "saved\n", images=[s.TINY_PNG_B64]),
                s.Text(
                    "[chart.csv](sandbox:/mnt/data/chart.csv) and the report.",
                    citations=[
                        s.FileCitation("cfile_1", "chart.csv", "cntr_1", 0, 39),
                        s.FileCitation("file-9", "report.pdf"),
                    ],
                ),
            ]
        )
    )
    turn, _ = run(session, tools=["code_interpreter"])
    assert turn.images == [s.TINY_PNG_B64]
    assert "images" not in turn.calls[0]["detail"]
    shown = bundle(turn)
    assert s.TINY_PNG_B64 not in shown["text/html"] + shown["text/plain"]
    assert "📎 chart.csv (<code>cfile_1</code>)" in shown["text/html"]
    assert "📎 report.pdf (<code>file-9</code>)" in shown["text/html"]
    assert "[1] chart.csv (file cfile_1)" in shown["text/plain"]
    cell = to_notebook(session.conversation).cells[2]
    images = [o for o in cell.outputs if "image/png" in o.get("data", {})]
    assert len(images) == 1  # once
    assert all(s.TINY_PNG_B64 not in str(o["data"].get("text/html", "")) for o in cell.outputs)


def test_5_every_web_search_action_shows_what_it_did(session: Session, emulator: Emulator) -> None:
    emulator.enqueue(
        s.Reply(
            items=[
                s.WebSearch("oslo weather", ["https://yr.no"], api_sources=["oai-weather"]),
                s.WebSearch(action="open_page", url="https://yr.no/oslo"),
                s.WebSearch(action="find_in_page", url="https://yr.no/oslo", pattern="snow"),
                s.Text("Mild."),
            ]
        )
    )
    turn, printed = run(session, tools=["web_search"])
    details = [call["detail"] for call in turn.calls]
    assert details == [
        {
            "query": "oslo weather",
            "sources": [{"url": "https://yr.no", "title": ""}, {"url": "", "title": "oai-weather"}],
        },
        {"action": "Opened https://yr.no/oslo"},
        {"action": "Looked for “snow” in https://yr.no/oslo"},
    ]
    html = bundle(turn)["text/html"]
    assert "<li>oai-weather</li>" in html
    assert "Opened https://yr.no/oslo" in html and "Looked for “snow”" in html
    assert "[web search done] Opened https://yr.no/oslo" in printed


@pytest.mark.parametrize(
    ("output_format", "mime"), [("jpeg", "image/jpeg"), ("webp", "image/webp")]
)
def test_7_images_keep_their_type(
    session: Session, emulator: Emulator, output_format: str, mime: str
) -> None:
    emulator.enqueue(
        s.Reply(items=[s.ImageGeneration(output_format=output_format), s.Text("Here.")])  # type: ignore[arg-type]
    )
    turn, printed = run(session, tools=["image_generation"])
    (image,) = turn.images
    assert image_parts(image) == (mime, s.IMAGE_SAMPLES[output_format])
    assert f"[image ({mime})" in printed
    outputs = to_notebook(session.conversation).cells[2].outputs
    data = [o["data"] for o in outputs[1:]]
    if mime == "image/jpeg":
        assert data == [{"image/jpeg": s.TINY_JPEG_B64, "text/plain": "[image: generated image]"}]
    else:
        assert data[0]["text/html"].startswith('<img src="data:image/webp;base64,')


@pytest.mark.parametrize("api", ["responses", "chat"])
def test_8_raw_reasoning_text_is_shown(session: Session, emulator: Emulator, api: str) -> None:
    emulator.enqueue(
        s.Reply(
            items=[s.Reasoning("", raw="First A, then B. B wins."), s.Text("B.")],
            chat_reasoning_field="reasoning_content",
        )
    )
    turn, printed = run(session, api)
    assert "First A, then B. B wins." in turn.reasoning
    assert "[reasoning] First A, then B. B wins." in printed


def test_9_the_tool_round_limit_has_its_own_status(session: Session, emulator: Emulator) -> None:
    emulator.enqueue(s.tool_calls(s.FunctionCall("f", {})), s.tool_calls(s.FunctionCall("f", {})))
    with (
        pytest.raises(ToolRoundsExceeded, match="Stopped after 1 rounds of tool calls"),
        contextlib.redirect_stdout(io.StringIO()),
    ):
        session.run(
            ask(session, "chat", "Go", tools=["f"], max_tool_rounds=1, namespace={"f": lambda: 1}),
            TerminalView(),
        )
    turn = session.conversation.branch()[-1]
    assert turn.status == "stopped" and turn.in_context()
    # The error says it (in its own block, recorded with the turn): no status line
    # under the answer says it again, nor calls it cut off.
    assert turn.error and "Stopped after 1 rounds" in turn.error
    plain = bundle(turn)["text/plain"]
    assert "Stopped at the limit" not in plain and "max tokens" not in plain


@pytest.mark.parametrize(
    ("final_status", "status", "note"),
    [
        ("cancelled", "interrupted", "The server cancelled this response"),
        ("paused", "completed", "status 'paused', which this version does not know"),
    ],
)
def test_10_a_status_we_do_not_know_is_decided_from_what_arrived(
    session: Session, emulator: Emulator, final_status: str, status: str, note: str
) -> None:
    emulator.enqueue(s.text("Partly there.", final_status=final_status))
    turn, _ = run(session)
    assert turn.status == status and turn.text == "Partly there."
    assert any(note in n for n in turn.notes)


def test_11_fields_the_sdk_does_not_know_and_a_nested_error(
    session: Session, emulator: Emulator
) -> None:
    emulator.enqueue(s.text("Fine.", obfuscation=True))
    turn, _ = run(session)
    assert turn.text == "Fine." and turn.usage.output_tokens > 0
    emulator.enqueue(s.text("one two three", nested_error=True, error_event_after=5))
    with pytest.raises(StreamFailed, match="The model failed to generate a response"):
        run(session)


def test_text_streamed_under_other_ids_is_not_doubled() -> None:
    """A proxy that renumbers items (LiteLLM's Responses bridge) streams deltas under
    one id and ends with a message of another: matched by order, not shown twice."""
    from openai._models import construct_type
    from openai.types.responses.response_stream_event import ResponseStreamEvent

    from jupyter_responses import events as ev
    from jupyter_responses.backends.connection import ServerQuirks
    from jupyter_responses.backends.responses_stream import Exchange, translate
    from jupyter_responses.streamed import Answer

    def message(item_id: str, text: str) -> dict[str, Any]:
        part = {"type": "output_text", "text": text, "annotations": []}
        return {"type": "message", "id": item_id, "role": "assistant", "content": [part]}

    stream = [
        {"type": "response.output_text.delta", "item_id": "tmp_1", "delta": "Hel"},
        {"type": "response.output_text.delta", "item_id": "tmp_1", "delta": "lo"},
        {"type": "response.output_text.delta", "item_id": "tmp_2", "delta": "Again"},
        {
            "type": "response.completed",
            "response": {
                "id": "resp_1",
                "status": "completed",
                "output": [message("msg_a", "Hello"), message("msg_b", "Again, fully")],
            },
        },
    ]
    exchange = Exchange("http://proxy/v1", ServerQuirks())
    answer = Answer()
    for data in stream:
        event = construct_type(type_=ResponseStreamEvent, value={"sequence_number": 0, **data})
        for out in translate(event, exchange):
            if isinstance(out, ev.TextDelta):
                answer.add(out.text, out.message, out.phase)
    assert answer.text() == "Hello\n\nAgain, fully"
