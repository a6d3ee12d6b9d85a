"""The request parameters around the conversation in the emulator: accepted as the real
API accepts them (every request here validates against OpenAI's spec), echoed where the
API echoes them, the tier that served a request said, token log probabilities made when
asked (Responses: on delta and done events and on ``output_text`` parts; Chat: on each
chunk's choice and a whole answer's), a search model's citations streamed in a chunk of
their own; every body and event parses with the SDK in strict mode and validates
against the spec; and wrong values get the API's 400, naming the parameter."""

from __future__ import annotations

import copy
from typing import Any

import openai
import pytest
from openai import OpenAI
from openai.types.chat import ChatCompletionChunk
from openai.types.responses import ResponseTextDeltaEvent, ResponseTextDoneEvent

from jupyter_responses.emulator import Emulator
from jupyter_responses.emulator import script as s
from jupyter_responses.emulator.logprobs import score
from jupyter_responses.emulator.responses_events import split
from tests.emulator.shapes import refused
from tests.protocol.conftest import Raw
from tests.spec import (
    validate_chat_chunk,
    validate_request,
    validate_response,
    validate_response_event,
)

ANSWER = "Paris is the capital."
PIECES = split(ANSWER, None)  # one token each: " is", " the"...
FUNCTION = {
    "type": "function",
    "name": "get_weather",
    "description": "Weather.",
    "parameters": {"type": "object", "properties": {"city": {"type": "string"}}},
    "strict": False,
}
RESPONSES_BODY: dict[str, Any] = {
    "model": "gpt-5",
    "input": "Capital of France?",
    "tools": [FUNCTION],
    "tool_choice": {
        "type": "allowed_tools",
        "mode": "auto",
        "tools": [{"type": "function", "name": "get_weather"}],
    },
    "parallel_tool_calls": False,
    "max_tool_calls": 3,
    "service_tier": "flex",
    "text": {"verbosity": "low"},
    "reasoning": {"effort": "max", "summary": "detailed"},
    "top_p": 0.5,
    "top_logprobs": 2,
    "include": ["message.output_text.logprobs"],
    "metadata": {"team": "data"},
    "safety_identifier": "9f86d081884c7d65",
}
CHAT_BODY: dict[str, Any] = {
    "model": "gpt-4.1",
    "messages": [{"role": "user", "content": "Capital of France?"}],
    "tools": [{"type": "function", "function": {k: FUNCTION[k] for k in ("name", "parameters")}}],
    "tool_choice": {
        "type": "allowed_tools",
        "allowed_tools": {
            "mode": "auto",
            "tools": [{"type": "function", "function": {"name": "get_weather"}}],
        },
    },
    "parallel_tool_calls": False,
    "service_tier": "priority",
    "verbosity": "high",
    "top_p": 0.5,
    "seed": 42,
    "stop": ["END", "##"],
    "logprobs": True,
    "top_logprobs": 2,
    "store": True,
    "metadata": {"team": "data"},
    "safety_identifier": "9f86d081884c7d65",
}


def expected_logprobs(with_bytes: bool) -> list[dict[str, Any]]:
    """What the emulator scores each piece of ``ANSWER`` (two alternatives, chosen first)."""
    entries = []
    for position, piece in enumerate(PIECES):
        scored = score(piece, position, 2)
        top = [{"token": t, "logprob": p} for t, p in scored.top]
        entry: dict[str, Any] = {"token": piece, "logprob": scored.logprob, "top_logprobs": top}
        if with_bytes:
            entry["bytes"] = list(piece.encode())
            for alternative in top:
                alternative["bytes"] = list(alternative["token"].encode())
        entries.append(entry)
    return entries


def test_every_request_here_is_one_the_spec_allows() -> None:
    validate_request("POST", "/v1/responses", RESPONSES_BODY)
    validate_request("POST", "/v1/chat/completions", CHAT_BODY)
    validate_request(
        "POST",
        "/v1/chat/completions",
        {**CHAT_BODY, "model": "gpt-4o-search-preview", "web_search_options": {}},
    )


def test_responses_echoes_the_parameters_and_says_the_tier_that_served_it(
    emulator: Emulator, raw: Raw, client: OpenAI
) -> None:
    emulator.enqueue(s.text(ANSWER))
    status, body = raw.json("POST", "/v1/responses", RESPONSES_BODY)
    assert status == 200, body
    validate_response("POST", "/v1/responses", status, body)
    assert body["service_tier"] == "flex"
    echoed = {key: body[key] for key in (
        "tool_choice", "parallel_tool_calls", "max_tool_calls", "top_p", "top_logprobs",
        "metadata", "safety_identifier")}  # fmt: skip
    assert echoed == {key: RESPONSES_BODY[key] for key in echoed}
    assert body["text"]["verbosity"] == "low"
    assert body["reasoning"] == {"effort": "max", "summary": "detailed"}
    (part,) = body["output"][0]["content"]
    assert part["logprobs"] == expected_logprobs(with_bytes=True)

    emulator.enqueue(s.text(ANSWER))
    parsed = client.responses.create(**RESPONSES_BODY)  # the SDK, strict
    assert parsed.service_tier == "flex" and parsed.safety_identifier == "9f86d081884c7d65"
    logprobs = parsed.output[0].content[0].logprobs  # type: ignore[union-attr]
    assert logprobs is not None and [t.token for t in logprobs] == PIECES


def test_responses_streams_logprobs_on_each_delta_and_done_event(
    emulator: Emulator, raw: Raw, client: OpenAI
) -> None:
    emulator.enqueue(s.text(ANSWER))
    events = [data for _, data in raw.events("/v1/responses", RESPONSES_BODY)]
    for event in events:
        validate_response_event(event)
    deltas = [e for e in events if e["type"] == "response.output_text.delta"]
    assert [e["logprobs"] for e in deltas] == [[x] for x in expected_logprobs(False)]
    (done,) = [e for e in events if e["type"] == "response.output_text.done"]
    assert done["logprobs"] == expected_logprobs(False)
    assert events[0]["response"]["service_tier"] == "flex"  # as asked, until served
    assert events[-1]["response"]["service_tier"] == "flex"

    emulator.enqueue(s.text(ANSWER))
    parsed = list(client.responses.create(stream=True, **RESPONSES_BODY))
    typed = [e for e in parsed if isinstance(e, ResponseTextDeltaEvent | ResponseTextDoneEvent)]
    assert len(typed) == len(PIECES) + 1 and all(e.logprobs for e in typed)


def test_responses_without_the_include_sends_no_logprobs(emulator: Emulator, raw: Raw) -> None:
    emulator.enqueue(s.text(ANSWER))
    body = {"model": "gpt-4.1", "input": "Hi", "top_logprobs": 3}
    events = [data for _, data in raw.events("/v1/responses", body)]
    assert all(e.get("logprobs") in (None, []) for e in events)
    assert events[-1]["response"]["service_tier"] == "default"


@pytest.mark.parametrize(("asked", "served"), [("fast", "priority"), ("scale", "default")])
def test_the_tier_that_serves_a_request(
    asked: str, served: str, emulator: Emulator, client: OpenAI
) -> None:
    response = client.responses.create(model="gpt-4.1", input="Hi", service_tier=asked)  # type: ignore[arg-type]
    assert response.service_tier == served
    completion = client.chat.completions.create(
        model="gpt-4.1",
        messages=[{"role": "user", "content": "Hi"}],
        service_tier=asked,  # type: ignore[arg-type]
    )
    assert completion.service_tier == served


def test_chat_streams_logprobs_with_each_chunk(
    emulator: Emulator, raw: Raw, client: OpenAI
) -> None:
    emulator.enqueue(s.text(ANSWER))
    chunks = [data for _, data in raw.events("/v1/chat/completions", CHAT_BODY)][:-1]  # [DONE]
    for chunk in chunks:
        validate_chat_chunk(chunk)
        assert chunk["service_tier"] == "priority"
    scored = [
        c["choices"][0]["logprobs"] for c in chunks if c["choices"][0]["delta"].get("content")
    ]
    assert [entry["content"] for entry in scored] == [[x] for x in expected_logprobs(True)]
    assert all(entry["refusal"] is None for entry in scored)

    emulator.enqueue(s.text(ANSWER))
    stream = client.chat.completions.create(stream=True, **CHAT_BODY)
    tokens = [
        token.token
        for chunk in stream
        for choice in chunk.choices
        for token in (
            choice.logprobs.content if choice.logprobs and choice.logprobs.content else []
        )
    ]
    assert tokens == PIECES


def test_a_whole_chat_answer_holds_its_logprobs(
    emulator: Emulator, raw: Raw, client: OpenAI
) -> None:
    emulator.enqueue(s.text(ANSWER))
    status, body = raw.json("POST", "/v1/chat/completions", CHAT_BODY)
    validate_response("POST", "/v1/chat/completions", status, body)
    assert body["choices"][0]["logprobs"] == {
        "content": expected_logprobs(True),
        "refusal": None,
    }
    emulator.enqueue(s.text(ANSWER))
    completion = client.chat.completions.create(
        **{**CHAT_BODY, "logprobs": False, "top_logprobs": None}
    )
    assert completion.choices[0].logprobs is None and completion.service_tier == "priority"


CITED = s.Reply(
    items=[
        s.Text(
            "Paris [1].",
            citations=[s.Citation("https://example.com/paris", "Paris", 6, 9)],
        )
    ]
)


def test_a_search_model_streams_its_citations_in_a_chunk_of_their_own(
    emulator: Emulator, raw: Raw, client: OpenAI
) -> None:
    body = {
        "model": "gpt-4o-search-preview",
        "messages": [{"role": "user", "content": "Capital of France?"}],
        "web_search_options": {"search_context_size": "low"},
    }
    emulator.enqueue(copy.deepcopy(CITED))
    chunks = [data for _, data in raw.events("/v1/chat/completions", body)][:-1]
    for chunk in chunks:
        validate_chat_chunk(chunk)
    cited = [c for c in chunks if c["choices"] and "annotations" in c["choices"][0]["delta"]]
    (chunk,) = cited
    assert chunk["choices"][0]["delta"]["annotations"][0]["url_citation"]["url"] == (
        "https://example.com/paris"
    )
    emulator.enqueue(copy.deepcopy(CITED))
    parsed = list(client.chat.completions.create(stream=True, **body))  # type: ignore[call-overload]
    assert all(isinstance(c, ChatCompletionChunk) for c in parsed)
    extra = [c.choices[0].delta.model_extra for c in parsed if c.choices]
    assert any(e and "annotations" in e for e in extra)


# -- what the API refuses ------------------------------------------------------------------
RESPONSES_REFUSALS = [
    ({"service_tier": "gold"}, "service_tier", "invalid_value"),
    ({"text": {"verbosity": "loud"}}, "text.verbosity", "invalid_value"),
    ({"reasoning": {"summary": "long"}}, "reasoning.summary", "invalid_value"),
    ({"top_p": 1.5}, "top_p", "decimal_above_max_value"),
    ({"top_p": "high"}, "top_p", "invalid_type"),
    ({"top_logprobs": 21}, "top_logprobs", "integer_above_max_value"),
    ({"max_tool_calls": "3"}, "max_tool_calls", "invalid_type"),
    ({"parallel_tool_calls": "no"}, "parallel_tool_calls", "invalid_type"),
    ({"metadata": {f"k{n}": "v" for n in range(17)}}, "metadata", "object_above_max_properties"),
    ({"metadata": {"k": "v" * 513}}, "metadata.k", "string_above_max_length"),
    ({"metadata": {"k": 1}}, "metadata.k", "invalid_type"),
    ({"safety_identifier": "x" * 65}, "safety_identifier", "string_above_max_length"),
]


@pytest.mark.parametrize(("extra", "param", "code"), RESPONSES_REFUSALS)
def test_responses_refuses_wrong_values_as_the_api_does(
    extra: dict[str, Any], param: str, code: str, raw: Raw, client: OpenAI
) -> None:
    refused(raw, client, {"model": "gpt-4.1", "input": "Hi", **extra}, param, code)


CHAT_REFUSALS = [
    ({"service_tier": "ultrafast"}, "service_tier"),
    ({"verbosity": "loud"}, "verbosity"),
    ({"seed": 2**63}, "seed"),
    ({"seed": 1.5}, "seed"),
    ({"stop": ["a", "b", "c", "d", "e"]}, "stop"),
    ({"stop": [1]}, "stop[0]"),
    ({"logprobs": "yes"}, "logprobs"),
    ({"top_logprobs": 2}, "top_logprobs"),  # without logprobs: true
    ({"logprobs": True, "top_logprobs": -1}, "top_logprobs"),
    ({"metadata": {"team": "data"}}, "metadata"),  # without store: true
    ({"web_search_options": {}}, "web_search_options"),  # not a search model
    ({"web_search_options": []}, "web_search_options"),
]


@pytest.mark.parametrize(("extra", "param"), CHAT_REFUSALS)
def test_chat_refuses_wrong_values_as_the_api_does(
    extra: dict[str, Any], param: str, raw: Raw, client: OpenAI
) -> None:
    body = {"model": "gpt-4.1", "messages": [{"role": "user", "content": "Hi"}], **extra}
    status, error = raw.json("POST", "/v1/chat/completions", body)
    assert status == 400
    validate_response("POST", "/v1/chat/completions", status, error)
    assert error["error"]["param"] == param and "\n" not in error["error"]["message"]
    with pytest.raises(openai.BadRequestError) as caught:
        client.chat.completions.create(**body)
    assert caught.value.param == param


@pytest.mark.parametrize(
    ("path", "name", "body"),
    [
        ("/v1/responses", "seed", {"model": "gpt-4.1", "input": "Hi"}),
        ("/v1/responses", "stop", {"model": "gpt-4.1", "input": "Hi"}),
        (
            "/v1/chat/completions",
            "max_tool_calls",
            {"model": "gpt-4.1", "messages": [{"role": "user", "content": "Hi"}]},
        ),
    ],
)
def test_a_parameter_the_api_does_not_have_is_refused(
    path: str, name: str, body: dict[str, Any], raw: Raw, client: OpenAI
) -> None:
    """What the SDK would not even send (its methods have no such argument) but a raw
    client or ``extra_body`` can: the API's 400 names it."""
    status, error = raw.json("POST", path, {**body, name: 1})
    assert status == 400 and error["error"]["param"] == name
    validate_response("POST", path, status, error)
    create = client.responses.create if path == "/v1/responses" else client.chat.completions.create
    with pytest.raises(openai.BadRequestError) as caught:
        create(**body, extra_body={name: 1})  # type: ignore[operator]
    assert caught.value.param == name
