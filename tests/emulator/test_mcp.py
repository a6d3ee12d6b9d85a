"""Remote MCP in the emulator, as OpenAI plays it: a server that asks first has each
call asked about (``mcp_approval_request``, the response ends there), an approval in
the next request (chained, or with the history resent) runs the call, a denial does
not; tools are listed, calls and listings fail with their own events. Every event and
body parses with the SDK's strict types and validates against OpenAI's spec; bad
declarations and answers to no question get OpenAI's 400; the response never echoes a
declaration's headers or token, which only the recorded request keeps."""

from __future__ import annotations

from typing import Any

import openai
import pytest
from openai import OpenAI
from openai.types.responses import (
    ResponseCompletedEvent,
    ResponseCreatedEvent,
    ResponseInProgressEvent,
    ResponseMcpCallArgumentsDeltaEvent,
    ResponseMcpCallArgumentsDoneEvent,
    ResponseMcpCallFailedEvent,
    ResponseMcpCallInProgressEvent,
    ResponseMcpListToolsCompletedEvent,
    ResponseMcpListToolsFailedEvent,
    ResponseMcpListToolsInProgressEvent,
    ResponseOutputItemAddedEvent,
    ResponseOutputItemDoneEvent,
    ResponseOutputMessage,
)
from openai.types.responses.response_output_item import (
    McpApprovalRequest,
    McpCall,
    McpListTools,
)

from jupyter_responses.emulator import Emulator
from jupyter_responses.emulator import script as s
from tests.emulator.shapes import refused
from tests.mcp_servers.spec import validate_mcp_items, validate_mcp_request
from tests.protocol.conftest import Raw
from tests.spec import validate_response, validate_response_event

URL = "https://mcp.example.com/mcp"
DOCS = {"type": "mcp", "server_label": "docs", "server_url": URL}
NEVER = {**DOCS, "require_approval": "never"}
SECRET = "Bearer sk-mcp-0d15ea5e"
ANSWERED = "The `docs` server's search returned: 1 result."


def _body(*tools: dict[str, Any], **more: Any) -> dict[str, Any]:
    return {"model": "gpt-4.1", "input": "Find Oslo.", "tools": list(tools), **more}


def _answer(request_id: str, approve: bool, **more: Any) -> dict[str, Any]:
    return {
        "type": "mcp_approval_response",
        "approval_request_id": request_id,
        "approve": approve,
        **more,
    }


def _streamed(raw: Raw, body: dict[str, Any]) -> list[dict[str, Any]]:
    """The events of ``body``, each valid against the spec, numbered in order."""
    validate_mcp_request(body)
    events = [data for _, data in raw.events("/v1/responses", body)]
    for event in events:
        validate_response_event(event)
    assert [e["sequence_number"] for e in events] == list(range(len(events)))
    return events


def test_a_server_that_asks_lists_its_tools_and_asks_with_the_sdks_own_types(
    emulator: Emulator, client: OpenAI
) -> None:
    events = list(client.responses.create(stream=True, **_body(DOCS)))
    assert [type(e) for e in events] == [
        ResponseCreatedEvent,
        ResponseInProgressEvent,
        ResponseOutputItemAddedEvent,
        ResponseMcpListToolsInProgressEvent,
        ResponseMcpListToolsCompletedEvent,
        ResponseOutputItemDoneEvent,
        ResponseOutputItemAddedEvent,
        ResponseOutputItemDoneEvent,
        ResponseCompletedEvent,
    ]
    listed, asked = events[-1].response.output
    assert isinstance(listed, McpListTools) and [t.name for t in listed.tools] == ["search"]
    assert isinstance(asked, McpApprovalRequest)
    assert (asked.server_label, asked.name) == ("docs", "search")
    assert asked.arguments == '{"query": "Find Oslo."}'
    assert isinstance(events[6].item, McpApprovalRequest) and events[6].item.id == asked.id


def test_an_approved_call_runs_in_the_chained_request(
    emulator: Emulator, client: OpenAI, raw: Raw
) -> None:
    first = client.responses.create(**_body(DOCS))
    asked = first.output[-1]
    body = _body(DOCS, previous_response_id=first.id, input=[_answer(asked.id, True)])
    events = _streamed(raw, body)
    kinds = [e["type"] for e in events]
    assert kinds == [
        "response.created",
        "response.in_progress",
        "response.output_item.added",
        "response.mcp_call.in_progress",
        "response.mcp_call_arguments.delta",
        "response.mcp_call_arguments.done",
        "response.mcp_call.completed",
        "response.output_item.done",
        *["response.output_item.added", "response.content_part.added"],
        *["response.output_text.delta"] * len(ANSWERED.split()),
        *["response.output_text.done", "response.content_part.done"],
        "response.output_item.done",
        "response.completed",
    ]
    final = events[-1]["response"]
    validate_response("POST", "/v1/responses", 200, final)
    call = final["output"][0]
    assert call["approval_request_id"] == asked.id and call["output"] == "1 result."
    again = client.responses.create(**body)  # the same answer, through the SDK
    assert isinstance(again.output[0], McpCall) and again.output[0].status == "completed"
    assert again.output_text == ANSWERED
    path = f"/v1/responses/{again.id}/input_items"
    status, items = raw.json("GET", path)
    validate_mcp_items(path, status, items)
    assert [i["type"] for i in items["data"]] == ["mcp_approval_response"]


def test_a_scripted_question_returns_what_it_says_once_approved(
    emulator: Emulator, client: OpenAI
) -> None:
    ask = s.McpApprovalRequest("docs", "fetch", '{"id": 7}', output="page 7", id="mcpr_seven")
    emulator.enqueue(s.Reply([ask]))
    first = client.responses.create(**_body(DOCS))
    assert first.output[0].id == "mcpr_seven"
    second = client.responses.create(
        **_body(DOCS, previous_response_id=first.id, input=[_answer("mcpr_seven", True)])
    )
    (call,) = [o for o in second.output if isinstance(o, McpCall)]
    assert (call.name, call.output, call.approval_request_id) == ("fetch", "page 7", "mcpr_seven")


def test_a_denied_call_is_not_made(emulator: Emulator, client: OpenAI) -> None:
    first = client.responses.create(**_body(DOCS))
    answer = _answer(first.output[-1].id, False, reason="Not now.")
    second = client.responses.create(**_body(DOCS, previous_response_id=first.id, input=[answer]))
    assert [type(o) for o in second.output] == [ResponseOutputMessage]
    assert (
        second.output_text
        == "I did not run search on the `docs` server: you declined it (Not now.)."
    )
    # A script that makes the call anyway is played as the API would: no call.
    emulator.enqueue(s.Reply([s.McpCall("docs", "search", "{}", "1 result."), s.Text("Ok.")]))
    third = client.responses.create(**_body(DOCS, previous_response_id=first.id, input=[answer]))
    assert [o.type for o in third.output] == ["message"]


def test_a_scripted_call_to_a_server_that_asks_is_asked_about_first(
    emulator: Emulator, client: OpenAI
) -> None:
    emulator.enqueue(
        s.Reply([s.Text("Let me look."), s.McpCall("docs", "search", "{}", "hit"), s.Text("x")])
    )
    first = client.responses.create(**_body(DOCS))
    assert [o.type for o in first.output] == ["message", "mcp_approval_request"]
    emulator.enqueue(s.Reply([s.McpCall("docs", "search", "{}", "hit"), s.Text("Found it.")]))
    second = client.responses.create(
        **_body(DOCS, previous_response_id=first.id, input=[_answer(first.output[1].id, True)])
    )
    assert second.output[0].approval_request_id == first.output[1].id  # type: ignore[union-attr]


def test_a_server_that_never_asks_runs_the_call_at_once(emulator: Emulator, client: OpenAI) -> None:
    emulator.enqueue(s.Reply([s.McpApprovalRequest("docs", "search", "{}", output="hit")]))
    response = client.responses.create(**_body(NEVER))
    assert [o.type for o in response.output] == ["mcp_call"]
    assert response.output[0].output == "hit"  # type: ignore[union-attr]
    filtered = {**DOCS, "require_approval": {"never": {"tool_names": ["search"]}}}
    default = client.responses.create(**_body(filtered))
    assert [o.type for o in default.output] == ["mcp_list_tools", "mcp_call", "message"]


def test_failures_stream_their_own_events(emulator: Emulator, client: OpenAI, raw: Raw) -> None:
    reply = s.Reply(
        [
            s.McpListTools("docs", error="Error retrieving tool list: 401"),
            s.McpCall("docs", "search", '{"q": 1}', error="index offline", deltas=2),
        ]
    )
    emulator.enqueue(reply)
    events = list(client.responses.create(stream=True, **_body(NEVER)))
    kinds = [type(e) for e in events[2:-1]]
    assert kinds == [
        ResponseOutputItemAddedEvent,
        ResponseMcpListToolsInProgressEvent,
        ResponseMcpListToolsFailedEvent,
        ResponseOutputItemDoneEvent,
        ResponseOutputItemAddedEvent,
        ResponseMcpCallInProgressEvent,
        ResponseMcpCallArgumentsDeltaEvent,
        ResponseMcpCallArgumentsDeltaEvent,
        ResponseMcpCallArgumentsDoneEvent,
        ResponseMcpCallFailedEvent,
        ResponseOutputItemDoneEvent,
    ]
    listed, call = events[-1].response.output
    assert isinstance(listed, McpListTools) and listed.error == "Error retrieving tool list: 401"
    assert isinstance(call, McpCall) and call.status == "failed" and call.error is not None
    assert call.error.type == "mcp_tool_execution_error"
    emulator.enqueue(reply)
    _streamed(raw, _body(NEVER))  # and on the wire, as the spec has them


def test_resent_history_runs_an_approved_call_once(emulator: Emulator, client: OpenAI) -> None:
    first = client.responses.create(**_body(DOCS, store=False))
    listed, asked = (o.model_dump(exclude_none=True) for o in first.output)
    history: list[Any] = [{"role": "user", "content": "Find Oslo."}, listed, asked]
    second = client.responses.create(
        **_body(DOCS, store=False, input=[*history, _answer(asked["id"], True)])
    )
    call = second.output[0]
    assert isinstance(call, McpCall) and call.approval_request_id == asked["id"]
    resent = [
        *history,
        _answer(asked["id"], True),
        call.model_dump(exclude_none=True),
        {"role": "assistant", "content": second.output_text},
        {"role": "user", "content": "Thanks."},
    ]
    body = _body(DOCS, store=False, input=resent)
    validate_mcp_request(body)
    emulator.enqueue(s.text("You are welcome."))
    third = client.responses.create(**body)
    assert [o.type for o in third.output] == ["message"], "the call is not run again"


def test_an_answer_to_no_question_is_refused(emulator: Emulator, client: OpenAI, raw: Raw) -> None:
    body = _body(DOCS, input=[_answer("mcpr_nothing", True)])
    error = refused(raw, client, body, "input[0].approval_request_id", None)  # type: ignore[arg-type]
    assert "mcpr_nothing" in error["message"]


BAD: dict[str, tuple[dict[str, Any], str, str]] = {
    "no server": (
        {"type": "mcp", "server_label": "docs"},
        "tools[0]",
        "missing_required_parameter",
    ),
    "no label": (
        {"type": "mcp", "server_url": URL},
        "tools[0].server_label",
        "missing_required_parameter",
    ),
    "an unknown connector": (
        {"type": "mcp", "server_label": "d", "connector_id": "connector_myspace"},
        "tools[0].connector_id",
        "invalid_value",
    ),
    "approval sometimes": (
        {**DOCS, "require_approval": "sometimes"},
        "tools[0].require_approval",
        "invalid_value",
    ),
    "an unknown field": ({**DOCS, "token": "x"}, "tools[0].token", "unknown_parameter"),
}


@pytest.mark.parametrize("case", BAD)
def test_a_bad_declaration_gets_openais_400(
    case: str, emulator: Emulator, raw: Raw, client: OpenAI
) -> None:
    tool, param, code = BAD[case]
    refused(raw, client, _body(tool), param, code)


def test_secrets_are_recorded_as_sent_but_never_echoed(
    emulator: Emulator, client: OpenAI, raw: Raw
) -> None:
    tool = {**NEVER, "headers": {"Authorization": SECRET}, "authorization": "oauth-" + SECRET}
    emulator.enqueue(s.text("Done."))
    status, response = raw.json("POST", "/v1/responses", _body(tool))
    assert status == 200
    validate_response("POST", "/v1/responses", status, response)
    assert SECRET not in str(response)
    assert response["tools"] == [NEVER]
    (recorded,) = emulator.requests("/v1/responses")
    assert recorded.body["tools"][0]["headers"] == {"Authorization": SECRET}
    with pytest.raises(openai.BadRequestError):  # and the SDK's strict client agrees on shapes
        client.responses.create(**_body({**tool, "headers": {"X": 1}}))
