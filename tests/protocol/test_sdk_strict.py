"""The emulator's every scripted kind parses with the openai SDK in strict mode,
through every entry point a client may use, and the final objects are right."""

from __future__ import annotations

import copy

import pytest
from openai import LengthFinishReasonError, OpenAI

from jupyter_responses.emulator import Emulator

from .cases import CASES, INCLUDE, Case

TOOLS = [
    {
        "type": "function",
        "name": name,
        "parameters": {"type": "object", "properties": {"city": {"type": "string"}}},
    }
    for name in ("get_weather", "get_time")
]
CHAT_TOOLS = [
    {"type": "function", "function": {k: v for k, v in t.items() if k != "type"}} for t in TOOLS
]
CHAT_CASES = {name: case for name, case in CASES.items() if case.chat}


def _check_response(response, case: Case) -> None:
    assert [item.type for item in response.output] == case.output_types
    assert response.status == case.status
    assert response.output_text == case.text
    assert response.usage is not None
    assert response.usage.total_tokens == response.usage.input_tokens + response.usage.output_tokens
    if case.refusal:
        assert response.output[0].content[0].refusal == case.refusal
    calls = [item for item in response.output if item.type == "function_call"]
    assert [c.name for c in calls] == case.chat_tool_calls


def _responses_kwargs() -> dict:
    return {"model": "gpt-4.1", "input": "go", "tools": TOOLS, "include": INCLUDE}


@pytest.mark.parametrize("name", CASES)
def test_responses_create_stream(name: str, emulator: Emulator, client: OpenAI) -> None:
    case = CASES[name]
    emulator.enqueue(copy.deepcopy(case.reply))
    events = list(client.responses.create(stream=True, **_responses_kwargs()))
    assert [e.sequence_number for e in events] == list(range(len(events)))
    assert events[0].type == "response.created"
    assert events[-1].type == f"response.{case.status}"
    _check_response(events[-1].response, case)
    deltas = "".join(e.delta for e in events if e.type == "response.output_text.delta")
    assert deltas == case.text


@pytest.mark.parametrize("name", CASES)
def test_responses_stream_helper(name: str, emulator: Emulator, client: OpenAI) -> None:
    case = CASES[name]
    emulator.enqueue(copy.deepcopy(case.reply))
    with client.responses.stream(**_responses_kwargs()) as stream:
        for _ in stream:
            pass
        if case.status == "completed":
            _check_response(stream.get_final_response(), case)


@pytest.mark.parametrize("name", CASES)
def test_responses_create_whole(name: str, emulator: Emulator, client: OpenAI) -> None:
    case = CASES[name]
    emulator.enqueue(copy.deepcopy(case.reply))
    response = client.responses.create(**_responses_kwargs())
    _check_response(response, case)
    if case.status == "completed":
        again = client.responses.retrieve(response.id)
        assert again.output_text == case.text


def _check_chat_message(message, finish_reason: str, case: Case) -> None:
    assert (message.content or "") == (case.text if not case.refusal else "")
    assert message.refusal == case.refusal
    assert [c.function.name for c in message.tool_calls or []] == case.chat_tool_calls
    expected = (
        "tool_calls"
        if case.chat_tool_calls
        else ("length" if case.status == "incomplete" else "stop")
    )
    assert finish_reason == expected


def _chat_kwargs() -> dict:
    return {
        "model": "gpt-4.1",
        "messages": [{"role": "user", "content": "go"}],
        "tools": CHAT_TOOLS,
    }


@pytest.mark.parametrize("name", CHAT_CASES)
def test_chat_create_stream(name: str, emulator: Emulator, client: OpenAI) -> None:
    case = CHAT_CASES[name]
    emulator.enqueue(copy.deepcopy(case.reply))
    chunks = list(
        client.chat.completions.create(
            stream=True, stream_options={"include_usage": True}, **_chat_kwargs()
        )
    )
    assert chunks[-1].choices == [] and chunks[-1].usage is not None
    assert all(c.usage is None for c in chunks[:-1])
    content = "".join(c.choices[0].delta.content or "" for c in chunks[:-1])
    assert content == (case.text if not case.refusal else "")
    assert chunks[-2].choices[0].finish_reason is not None


@pytest.mark.parametrize("name", CHAT_CASES)
def test_chat_stream_helper(name: str, emulator: Emulator, client: OpenAI) -> None:
    case = CHAT_CASES[name]
    emulator.enqueue(copy.deepcopy(case.reply))
    with client.chat.completions.stream(
        stream_options={"include_usage": True}, **_chat_kwargs()
    ) as stream:
        for _ in stream:
            pass
        if case.status == "incomplete":  # the helper refuses to parse a cut-off answer
            with pytest.raises(LengthFinishReasonError):
                stream.get_final_completion()
            return
        completion = stream.get_final_completion()
    choice = completion.choices[0]
    _check_chat_message(choice.message, choice.finish_reason, case)
    assert completion.usage is not None and completion.usage.total_tokens > 0


@pytest.mark.parametrize("name", CHAT_CASES)
def test_chat_create_whole(name: str, emulator: Emulator, client: OpenAI) -> None:
    case = CHAT_CASES[name]
    emulator.enqueue(copy.deepcopy(case.reply))
    completion = client.chat.completions.create(**_chat_kwargs())
    choice = completion.choices[0]
    _check_chat_message(choice.message, choice.finish_reason, case)


def test_chat_without_include_usage_has_no_usage_chunk(emulator: Emulator, client: OpenAI) -> None:
    chunks = list(client.chat.completions.create(stream=True, **_chat_kwargs()))
    assert chunks[-1].choices[0].finish_reason == "stop"
    assert all(getattr(c, "usage", None) is None for c in chunks)
