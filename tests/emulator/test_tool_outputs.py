"""Images in tool results, as the emulator takes and checks them: a function's or a
custom tool's output as text and image parts (Responses), text-only tool messages with
the images in a user message after them (Chat); malformed ones get OpenAI's 400 naming
the parameter, and everything accepted validates against OpenAI's published spec."""

from __future__ import annotations

import copy
from typing import Any

import pytest
from openai import OpenAI

from jupyter_responses.emulator import Emulator
from jupyter_responses.emulator import script as s
from tests.protocol.conftest import Raw
from tests.spec import validate_request, validate_response

PNG_URL = f"data:image/png;base64,{s.TINY_PNG_B64}"
CALL = {"type": "function_call", "call_id": "c1", "name": "chart", "arguments": "{}"}
CUSTOM = {"type": "custom_tool_call", "call_id": "c1", "name": "python", "input": "plot()"}


def _output(kind: str, image: dict[str, Any]) -> dict[str, Any]:
    text = {"type": "input_text", "text": "A chart."}
    return {"type": kind, "call_id": "c1", "output": [text, {"type": "input_image", **image}]}


def _body(*items: dict[str, Any]) -> dict[str, Any]:
    return {"model": "gpt-4.1", "input": [{"role": "user", "content": "Chart?"}, *items]}


@pytest.mark.parametrize(
    ("call", "kind"), [(CALL, "function_call_output"), (CUSTOM, "custom_tool_call_output")]
)
def test_an_output_with_an_image_is_taken_and_read(
    raw: Raw, call: dict[str, Any], kind: str
) -> None:
    body = _body(call, _output(kind, {"image_url": PNG_URL, "detail": "auto"}))
    validate_request("POST", "/v1/responses", body)
    status, response = raw.json("POST", "/v1/responses", body)
    assert status == 200, response
    validate_response("POST", "/v1/responses", status, response)
    text = response["output"][0]["content"][0]["text"]
    assert f"`{call['name']}` → A chart. (+1 image)" in text


BAD: dict[str, tuple[dict[str, Any], dict[str, Any], str, str]] = {
    "a custom tool's image without its detail (the spec requires it)": (
        CUSTOM,
        _output("custom_tool_call_output", {"image_url": PNG_URL}),
        "input[2].output[1].detail",
        "missing_required_parameter",
    ),
    "a detail no API knows": (
        CALL,
        _output("function_call_output", {"image_url": PNG_URL, "detail": "huge"}),
        "input[2].output[1].detail",
        "invalid_value",
    ),
    "an image with neither URL nor file": (
        CALL,
        _output("function_call_output", {"detail": "auto"}),
        "input[2].output[1]",
        "missing_required_parameter",
    ),
    "a data URL of another type": (
        CALL,
        _output("function_call_output", {"image_url": "data:image/bmp;base64,Qk0="}),
        "input[2].output[1].image_url",
        "invalid_value",
    ),
    "a data URL whose base64 is broken": (
        CALL,
        _output("function_call_output", {"image_url": "data:image/png;base64,%%%"}),
        "input[2].output[1].image_url",
        "invalid_value",
    ),
    "bytes that are not the image they claim": (
        CALL,
        _output("function_call_output", {"image_url": "data:image/png;base64,aGVsbG8="}),
        "input[2].output[1].image_url",
        "invalid_image_format",
    ),
    "a text part without text": (
        CALL,
        {"type": "function_call_output", "call_id": "c1", "output": [{"type": "input_text"}]},
        "input[2].output[0].text",
        "missing_required_parameter",
    ),
}


@pytest.mark.parametrize("case", BAD)
def test_a_malformed_output_gets_a_400_naming_it(case: str, raw: Raw) -> None:
    call, output, param, code = BAD[case]
    status, error = raw.json("POST", "/v1/responses", _body(call, output))
    assert status == 400, error
    validate_response("POST", "/v1/responses", status, error)
    assert (error["error"]["param"], error["error"]["code"]) == (param, code)


CHAT_CALL = {
    "role": "assistant",
    "tool_calls": [
        {"id": "c1", "type": "function", "function": {"name": "chart", "arguments": "{}"}}
    ],
}
IMAGE_PART = {"type": "image_url", "image_url": {"url": PNG_URL}}


def test_chat_takes_the_images_in_a_user_message_after_the_tool_messages(
    emulator: Emulator, client: OpenAI
) -> None:
    messages: Any = [
        {"role": "user", "content": "Chart?"},
        CHAT_CALL,
        {"role": "tool", "tool_call_id": "c1", "content": "A chart."},
        {"role": "user", "content": [{"type": "text", "text": "chart returned:"}, IMAGE_PART]},
    ]
    validate_request("POST", "/v1/chat/completions", {"model": "gpt-4.1", "messages": messages})
    completion = client.chat.completions.create(model="gpt-4.1", messages=messages)
    # The emulator's model reads the images as the tool's results, not as a new prompt.
    assert "`chart` → A chart. (+1 image)" in (completion.choices[0].message.content or "")


@pytest.mark.parametrize(
    ("message", "param"),
    [
        (
            {"role": "tool", "tool_call_id": "c1", "content": [IMAGE_PART]},
            "messages[2]",
        ),
        (
            {"role": "user", "content": [{"type": "image_url", "image_url": {"url": "x"}}]},
            "messages[3].content[0].image_url.url",
        ),
    ],
)
def test_chat_refuses_an_image_in_a_tool_message_or_a_bad_image_url(
    raw: Raw, message: dict[str, Any], param: str
) -> None:
    messages = [{"role": "user", "content": "Chart?"}, CHAT_CALL]
    if message["role"] == "tool":
        messages.append(message)
    else:
        messages += [{"role": "tool", "tool_call_id": "c1", "content": "A chart."}, message]
    status, error = raw.json("POST", "/v1/chat/completions", {"model": "m", "messages": messages})
    assert (status, error["error"]["param"]) == (400, param), error
    validate_response("POST", "/v1/chat/completions", status, error)


def test_the_chained_path_reads_an_image_output_too(emulator: Emulator, client: OpenAI) -> None:
    emulator.enqueue(s.tool_calls(s.FunctionCall("chart", {}, call_id="c1")))
    tools: Any = [{"type": "function", "name": "chart", "parameters": {"type": "object"}}]
    first = client.responses.create(model="gpt-4.1", input="Chart?", tools=tools)
    output = copy.deepcopy(_output("function_call_output", {"image_url": PNG_URL}))
    second = client.responses.create(
        model="gpt-4.1", previous_response_id=first.id, input=[output], tools=tools
    )
    assert "(+1 image)" in second.output_text
