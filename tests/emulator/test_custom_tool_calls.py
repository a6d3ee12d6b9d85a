"""Custom (freeform) tool calls in the emulator: a scripted ``CustomToolCall`` reaches
the real SDK, streamed and whole, as its own typed events and items, everything sent
validates against OpenAI's published spec, answers are checked against the calls they
answer, bad declarations get OpenAI's 400, and the default model calls ``python``."""

from __future__ import annotations

import copy
import json
import urllib.request
from typing import Any

import openai
import pytest
from openai import OpenAI
from openai.types.chat import ChatCompletionMessageCustomToolCall
from openai.types.responses import (
    CustomTool,
    ResponseCompletedEvent,
    ResponseCreatedEvent,
    ResponseCustomToolCall,
    ResponseCustomToolCallInputDeltaEvent,
    ResponseCustomToolCallInputDoneEvent,
    ResponseInProgressEvent,
    ResponseOutputItemAddedEvent,
    ResponseOutputItemDoneEvent,
)

from jupyter_responses.emulator import Emulator
from jupyter_responses.emulator import script as s
from tests.emulator.shapes import refused
from tests.protocol.conftest import Raw
from tests.spec import (
    validate_chat_chunk,
    validate_request,
    validate_response,
    validate_response_event,
)

CODE = 'import math\nprint(f"{math.pi:.3f}")\nwords = ["a", "b"]\nlen(words)'
PYTHON = {
    "type": "custom",
    "name": "python",
    "description": "Run Python in the user's kernel; the last expression is shown.",
}
CHAT_PYTHON = {"type": "custom", "custom": {k: v for k, v in PYTHON.items() if k != "type"}}
CALL = s.CustomToolCall("python", CODE, call_id="call_py1", deltas=4)
BODY = {"model": "gpt-4.1", "input": "run it", "tools": [PYTHON]}


def _events(client: OpenAI) -> list[Any]:
    return list(client.responses.create(stream=True, **BODY))


def test_a_streamed_call_parses_into_the_sdks_own_event_classes(
    emulator: Emulator, client: OpenAI
) -> None:
    emulator.enqueue(s.Reply(items=[copy.deepcopy(CALL)]))
    events = _events(client)
    assert [type(e) for e in events] == [
        ResponseCreatedEvent,
        ResponseInProgressEvent,
        ResponseOutputItemAddedEvent,
        *[ResponseCustomToolCallInputDeltaEvent] * 4,
        ResponseCustomToolCallInputDoneEvent,
        ResponseOutputItemDoneEvent,
        ResponseCompletedEvent,
    ]
    assert [e.sequence_number for e in events] == list(range(len(events)))
    added, done = events[2], events[-2]
    assert isinstance(added.item, ResponseCustomToolCall) and added.item.input == ""
    assert isinstance(done.item, ResponseCustomToolCall)
    assert (done.item.name, done.item.call_id, done.item.input) == ("python", "call_py1", CODE)
    inputs = events[3:8]
    assert {(e.item_id, e.output_index) for e in inputs} == {(added.item.id, 0)}
    assert "".join(e.delta for e in inputs[:-1]) == CODE == inputs[-1].input
    final = events[-1].response
    assert [type(item) for item in final.output] == [ResponseCustomToolCall]
    assert final.output[0].input == CODE
    assert isinstance(final.tools[0], CustomTool) and final.tools[0].name == "python"


def test_the_stream_helper_collects_the_call(emulator: Emulator, client: OpenAI) -> None:
    emulator.enqueue(s.Reply(items=[copy.deepcopy(CALL)]))
    with client.responses.stream(**BODY) as stream:
        for _ in stream:
            pass
        response = stream.get_final_response()
    assert [(o.type, o.input) for o in response.output] == [("custom_tool_call", CODE)]


def test_a_whole_answer_holds_the_call(emulator: Emulator, client: OpenAI) -> None:
    emulator.enqueue(s.Reply(items=[copy.deepcopy(CALL)]))
    response = client.responses.create(**BODY)
    assert isinstance(response.output[0], ResponseCustomToolCall)
    assert response.output[0].input == CODE
    again = client.responses.retrieve(response.id)
    assert again.output[0].model_dump() == response.output[0].model_dump()


def test_everything_sent_matches_the_spec(emulator: Emulator, raw: Raw) -> None:
    validate_request("POST", "/v1/responses", BODY)
    emulator.enqueue(s.Reply(items=[copy.deepcopy(CALL), s.Text("Running it.")]))
    events = raw.events("/v1/responses", BODY)
    for name, data in events:
        assert name == data["type"]
        validate_response_event(data)
    assert [d["sequence_number"] for _, d in events] == list(range(len(events)))
    assert "response.custom_tool_call_input.delta" in {d["type"] for _, d in events}

    emulator.enqueue(s.Reply(items=[copy.deepcopy(CALL)]))
    status, first = raw.json("POST", "/v1/responses", BODY)
    validate_response("POST", "/v1/responses", status, first)
    answer = {
        "model": "gpt-4.1",
        "previous_response_id": first["id"],
        "input": [
            {
                "type": "custom_tool_call_output",
                "call_id": "call_py1",
                "output": [
                    {"type": "input_text", "text": "3.142\n2"},
                    {
                        "type": "input_image",
                        "detail": "auto",  # the spec requires it
                        "image_url": f"data:image/png;base64,{s.TINY_PNG_B64}",
                    },
                ],
            }
        ],
    }
    validate_request("POST", "/v1/responses", answer)
    status, second = raw.json("POST", "/v1/responses", answer)
    assert status == 200, second
    validate_response("POST", "/v1/responses", status, second)
    path = f"/v1/responses/{second['id']}/input_items"
    status, items = raw.json("GET", path)
    validate_response("GET", path, status, items)
    assert [i["type"] for i in items["data"]] == ["custom_tool_call_output"]


def test_an_answer_chained_to_the_call_is_accepted_and_read(
    emulator: Emulator, client: OpenAI
) -> None:
    emulator.enqueue(s.Reply(items=[copy.deepcopy(CALL)]))
    first = client.responses.create(**BODY)
    second = client.responses.create(
        model="gpt-4.1",
        previous_response_id=first.id,
        input=[{"type": "custom_tool_call_output", "call_id": "call_py1", "output": "3.142\n2"}],
        tools=[PYTHON],
    )
    assert "`python` → 3.142 2" in second.output_text  # the default model read the output


def test_an_answer_to_no_call_is_refused(emulator: Emulator, client: OpenAI) -> None:
    emulator.enqueue(s.Reply(items=[copy.deepcopy(CALL)]))
    first = client.responses.create(**BODY)
    with pytest.raises(openai.BadRequestError, match="No tool call found for custom tool call"):
        client.responses.create(
            model="gpt-4.1",
            previous_response_id=first.id,
            input=[{"type": "custom_tool_call_output", "call_id": "call_other", "output": "1"}],
        )


def test_history_resent_with_the_call_is_accepted(emulator: Emulator, client: OpenAI) -> None:
    history: Any = [
        {"role": "user", "content": "run it"},
        {"type": "custom_tool_call", "call_id": "call_a", "name": "python", "input": CODE},
        {"type": "custom_tool_call_output", "call_id": "call_a", "output": "2"},
    ]
    validate_request("POST", "/v1/responses", {"model": "gpt-4.1", "input": history})
    response = client.responses.create(model="gpt-4.1", input=history, store=False)
    assert "`python` → 2" in response.output_text


BAD_TOOLS: dict[str, tuple[dict[str, Any], str, str]] = {
    "no name": ({"type": "custom"}, "tools[0].name", "missing_required_parameter"),
    "a name with spaces": (
        {"type": "custom", "name": "run python"},
        "tools[0].name",
        "invalid_value",
    ),
    "a name too long": (
        {"type": "custom", "name": "p" * 65},
        "tools[0].name",
        "string_above_max_length",
    ),
    "a description not text": (
        {"type": "custom", "name": "python", "description": 3},
        "tools[0].description",
        "invalid_type",
    ),
    "a format of no kind": (
        {"type": "custom", "name": "python", "format": {"type": "json"}},
        "tools[0].format.type",
        "invalid_value",
    ),
    "a grammar without its definition": (
        {"type": "custom", "name": "python", "format": {"type": "grammar", "syntax": "lark"}},
        "tools[0].format.definition",
        "missing_required_parameter",
    ),
    "a grammar of an unknown syntax": (
        {
            "type": "custom",
            "name": "python",
            "format": {"type": "grammar", "syntax": "pcre", "definition": "x"},
        },
        "tools[0].format.syntax",
        "invalid_value",
    ),
    "a function's parameters": (
        {"type": "custom", "name": "python", "parameters": {"type": "object"}},
        "tools[0].parameters",
        "unknown_parameter",
    ),
}


@pytest.mark.parametrize("case", BAD_TOOLS)
def test_a_bad_declaration_gets_openais_400(
    case: str, emulator: Emulator, raw: Raw, client: OpenAI
) -> None:
    tool, param, code = BAD_TOOLS[case]
    error = refused(raw, client, {"model": "gpt-4.1", "input": "x", "tools": [tool]}, param, code)
    assert error["type"] == "invalid_request_error"
    assert f"'{param}'" in error["message"] or "Invalid value" in error["message"]


def test_a_declaration_names_the_tool_at_its_own_index(raw: Raw) -> None:
    tools = [{"type": "function", "name": "f", "parameters": {}}, {"type": "custom"}]
    status, error = raw.json("POST", "/v1/responses", {"model": "m", "input": "x", "tools": tools})
    assert (status, error["error"]["param"]) == (400, "tools[1].name")


def test_good_declarations_are_accepted_and_echoed(raw: Raw) -> None:
    grammar = {"type": "grammar", "syntax": "lark", "definition": 'start: "42"'}
    tools = [PYTHON, {"type": "custom", "name": "answer", "format": grammar}]
    body = {"model": "gpt-4.1", "input": "x", "tools": tools}
    validate_request("POST", "/v1/responses", body)
    status, response = raw.json("POST", "/v1/responses", body)
    assert status == 200
    validate_response("POST", "/v1/responses", status, response)
    assert response["tools"] == [{**PYTHON, "format": {"type": "text"}}, tools[1]]


BAD_ITEMS: dict[str, tuple[dict[str, Any], str]] = {
    "an output without its call": (
        {"type": "custom_tool_call_output", "output": "1"},
        "input[0].call_id",
    ),
    "an output that is an object": (
        {"type": "custom_tool_call_output", "call_id": "c", "output": {"text": "1"}},
        "input[0].output",
    ),
    "an output part of the model's kind": (
        {
            "type": "custom_tool_call_output",
            "call_id": "c",
            "output": [{"type": "output_text", "text": "1"}],
        },
        "input[0].output[0].type",
    ),
    "a call without its input": (
        {"type": "custom_tool_call", "call_id": "c", "name": "python"},
        "input[0].input",
    ),
}


@pytest.mark.parametrize("case", BAD_ITEMS)
def test_a_malformed_item_gets_a_400_naming_it(case: str, raw: Raw) -> None:
    item, param = BAD_ITEMS[case]
    status, error = raw.json("POST", "/v1/responses", {"model": "m", "input": [item]})
    assert (status, error["error"]["param"]) == (400, param)
    validate_response("POST", "/v1/responses", status, error)


def test_unknown_tool_types_are_passed_as_before(raw: Raw) -> None:
    """The Responses endpoint leaves tool types it does not model alone (a test's own
    built-in tool, say); only custom declarations gained checks."""
    status, _ = raw.json(
        "POST", "/v1/responses", {"model": "m", "input": "x", "tools": [{"type": "novel_tool"}]}
    )
    assert status == 200


def test_the_script_round_trips_through_json(emulator: Emulator, client: OpenAI) -> None:
    reply = s.tool_calls(copy.deepcopy(CALL), s.FunctionCall("f", {"a": 1}))
    assert s.from_json(json.loads(json.dumps(s.to_json(reply)))) == reply
    request = urllib.request.Request(
        emulator.url.removesuffix("/v1") + "/_emulator/script",
        data=json.dumps(s.to_json(reply)).encode(),
        headers={"content-type": "application/json"},
    )
    assert json.loads(urllib.request.urlopen(request).read()) == {"queued": 1}
    response = client.responses.create(model="m", input="x")
    assert [o.type for o in response.output] == ["custom_tool_call", "function_call"]


# -- Chat Completions ------------------------------------------------------------------


def test_a_whole_chat_answer_carries_the_call_in_its_own_shape(
    emulator: Emulator, client: OpenAI, raw: Raw
) -> None:
    emulator.enqueue(s.Reply(items=[copy.deepcopy(CALL)]))
    body = {"model": "gpt-4.1", "messages": [{"role": "user", "content": "go"}]}
    status, whole = raw.json("POST", "/v1/chat/completions", {**body, "tools": [CHAT_PYTHON]})
    validate_response("POST", "/v1/chat/completions", status, whole)

    emulator.enqueue(s.Reply(items=[copy.deepcopy(CALL)]))
    completion = client.chat.completions.create(tools=[CHAT_PYTHON], **body)
    choice = completion.choices[0]
    assert choice.finish_reason == "tool_calls"
    call = choice.message.tool_calls[0]
    assert isinstance(call, ChatCompletionMessageCustomToolCall)
    assert (call.id, call.custom.name, call.custom.input) == ("call_py1", "python", CODE)

    history = [
        *body["messages"],
        choice.message.model_dump(exclude_none=True),
        {"role": "tool", "tool_call_id": call.id, "content": "3.142\n2"},
    ]
    validate_request("POST", "/v1/chat/completions", {"model": "gpt-4.1", "messages": history})
    summary = client.chat.completions.create(model="gpt-4.1", messages=history)
    assert "`python` → 3.142 2" in (summary.choices[0].message.content or "")


def test_a_streamed_chat_answer_refuses_a_custom_call_clearly(
    emulator: Emulator, client: OpenAI
) -> None:
    emulator.enqueue(s.Reply(items=[copy.deepcopy(CALL)]))
    with pytest.raises(openai.BadRequestError, match="cannot stream a CustomToolCall"):
        client.chat.completions.create(
            model="gpt-4.1", messages=[{"role": "user", "content": "go"}], stream=True
        )


# -- the default model -----------------------------------------------------------------


def _call_of(response: Any) -> tuple[str, str] | None:
    calls = [o for o in response.output if o.type == "custom_tool_call"]
    return (calls[0].name, calls[0].input) if calls else None


@pytest.mark.parametrize(
    ("prompt", "code"),
    [
        ("Please run `print(sum(range(10)))` for me.", "print(sum(range(10)))"),
        ("Run this:\n```python\nx = 2\nx ** 10\n```", "x = 2\nx ** 10"),
        ("Compute 12 times 3.", "print(12 * 3)"),
    ],
)
def test_the_default_model_runs_code_with_python(prompt: str, code: str, client: OpenAI) -> None:
    response = client.responses.create(model="gpt-4.1", input=prompt, tools=[PYTHON])
    assert _call_of(response) == ("python", code)


def test_the_default_model_leaves_python_alone_unless_asked(client: OpenAI) -> None:
    response = client.responses.create(model="gpt-4.1", input="Hello there.", tools=[PYTHON])
    assert _call_of(response) is None and "Emulator" in response.output_text


def test_the_default_model_follows_tool_choice(client: OpenAI) -> None:
    forced = client.responses.create(
        model="gpt-4.1",
        input="Hello there.",
        tools=[PYTHON],
        tool_choice={"type": "custom", "name": "python"},
    )
    assert _call_of(forced) == ("python", "print(6 * 7)")
    required = client.responses.create(
        model="gpt-4.1", input="Hello there.", tools=[PYTHON], tool_choice="required"
    )
    assert _call_of(required) == ("python", "print(6 * 7)")
    none = client.responses.create(
        model="gpt-4.1", input="Compute 6 * 7.", tools=[PYTHON], tool_choice="none"
    )
    assert _call_of(none) is None


def test_the_default_model_calls_then_summarises(client: OpenAI) -> None:
    first = client.responses.create(model="gpt-4.1", input="Compute 6 * 7.", tools=[PYTHON])
    call = first.output[0]
    assert isinstance(call, ResponseCustomToolCall)
    second = client.responses.create(
        model="gpt-4.1",
        previous_response_id=first.id,
        input=[{"type": "custom_tool_call_output", "call_id": call.call_id, "output": "42"}],
        tools=[PYTHON],
    )
    assert _call_of(second) is None and "`python` → 42" in second.output_text


def test_the_default_model_on_chat_calls_python_only_in_a_whole_answer(
    client: OpenAI, raw: Raw
) -> None:
    messages: Any = [{"role": "user", "content": "Compute 6 * 7."}]
    whole = client.chat.completions.create(model="gpt-4.1", messages=messages, tools=[CHAT_PYTHON])
    call = (whole.choices[0].message.tool_calls or [])[0]
    assert isinstance(call, ChatCompletionMessageCustomToolCall)
    assert call.custom.input == "print(6 * 7)"
    body = {"model": "gpt-4.1", "messages": messages, "tools": [CHAT_PYTHON]}
    chunks = [data for _, data in raw.events("/v1/chat/completions", body) if data != "[DONE]"]
    for chunk in chunks:
        validate_chat_chunk(chunk)
    assert not any(c["choices"][0]["delta"].get("tool_calls") for c in chunks if c["choices"])
