"""Every body and streamed event the emulator sends validates against OpenAI's
published OpenAPI spec (the subset in tests/spec), for every scripted kind and fault."""

from __future__ import annotations

import copy

import pytest

from jupyter_responses.emulator import Emulator
from jupyter_responses.emulator import script as s
from tests.spec import (
    validate_chat_chunk,
    validate_request,
    validate_response,
    validate_response_event,
)

from .cases import CASES, INCLUDE
from .conftest import Raw
from .test_sdk_strict import CHAT_CASES, CHAT_TOOLS, TOOLS

RESPONSES_BODY = {
    "model": "gpt-4.1",
    "input": "go",
    "tools": [{**t, "strict": False} for t in TOOLS],
    "include": INCLUDE,
}
CHAT_BODY = {
    "model": "gpt-4.1",
    "messages": [{"role": "user", "content": "go"}],
    "tools": CHAT_TOOLS,
}
FAULTS = {
    "error_event": s.text("one two three four", error_event_after=5),
    "failed": s.text("partial", status="failed"),
    "incomplete": s.text("cut", status="incomplete"),
}


def _check_events(events: list) -> None:
    numbers = []
    for name, data in events:
        assert name == data["type"], "the SSE event name must equal the payload's type"
        validate_response_event(data)
        numbers.append(data["sequence_number"])
    assert numbers == list(range(len(numbers))), "sequence_number must increase by one from 0"


@pytest.mark.parametrize("name", [*CASES, *FAULTS])
def test_responses_stream_and_body_match_the_spec(name: str, emulator: Emulator, raw: Raw) -> None:
    reply = CASES[name].reply if name in CASES else FAULTS[name]
    validate_request("POST", "/v1/responses", RESPONSES_BODY)
    emulator.enqueue(copy.deepcopy(reply))
    _check_events(raw.events("/v1/responses", RESPONSES_BODY))
    if name == "error_event":
        emulator.enqueue(copy.deepcopy(reply))
        status, body = raw.json("POST", "/v1/responses", RESPONSES_BODY)
        assert status == 500
        validate_response("POST", "/v1/responses", status, body)
        return
    emulator.enqueue(copy.deepcopy(reply))
    status, body = raw.json("POST", "/v1/responses", RESPONSES_BODY)
    assert status == 200
    validate_response("POST", "/v1/responses", status, body)
    if body["status"] == "completed":
        response_id = body["id"]
        for method, path in (
            ("GET", f"/v1/responses/{response_id}"),
            ("GET", f"/v1/responses/{response_id}/input_items"),
            ("DELETE", f"/v1/responses/{response_id}"),
        ):
            code, data = raw.json(method, path)
            assert code == 200
            validate_response(method, path, code, data)


def test_default_model_matches_the_spec(emulator: Emulator, raw: Raw) -> None:
    body = {
        **RESPONSES_BODY,
        "input": "please call get_weather",
        "reasoning": {"effort": "low", "summary": "auto"},
    }
    validate_request("POST", "/v1/responses", body)
    _check_events(raw.events("/v1/responses", body))
    code, chained = raw.json("POST", "/v1/responses", {"model": "gpt-4.1", "input": "hi"})
    validate_response("POST", "/v1/responses", code, chained)
    follow = {"model": "gpt-4.1", "input": "again", "previous_response_id": chained["id"]}
    validate_request("POST", "/v1/responses", follow)
    _check_events(raw.events("/v1/responses", follow))


@pytest.mark.parametrize("name", [*CHAT_CASES, "error_event"])
@pytest.mark.parametrize("include_usage", [True, False])
def test_chat_chunks_and_body_match_the_spec(
    name: str, include_usage: bool, emulator: Emulator, raw: Raw
) -> None:
    reply = CHAT_CASES[name].reply if name in CHAT_CASES else FAULTS[name]
    body = {**CHAT_BODY, "stream_options": {"include_usage": True}} if include_usage else CHAT_BODY
    validate_request("POST", "/v1/chat/completions", {**body, "stream": True})
    emulator.enqueue(copy.deepcopy(reply))
    events = raw.events("/v1/chat/completions", body)
    for _, data in events:
        if data == "[DONE]":
            continue
        if "error" in data:  # the mid-stream error payload OpenAI sends in place of a chunk
            validate_response("POST", "/v1/chat/completions", 500, data)
        else:
            validate_chat_chunk(data)
    assert (events[-1][1] == "[DONE]") == (name != "error_event")
    emulator.enqueue(copy.deepcopy(reply))
    code, whole = raw.json("POST", "/v1/chat/completions", CHAT_BODY)
    validate_response("POST", "/v1/chat/completions", code, whole)


@pytest.mark.parametrize("status", [400, 401, 403, 404, 429, 500, 503])
def test_error_bodies_match_the_spec(status: int, emulator: Emulator, raw: Raw) -> None:
    for path, body in (("/v1/responses", RESPONSES_BODY), ("/v1/chat/completions", CHAT_BODY)):
        emulator.enqueue(s.HTTPError(status, retry_after=1 if status == 429 else None))
        response = raw.request("POST", path, body)
        assert response.status == status
        import json

        validate_response("POST", path, status, json.loads(response.read()))
        if status == 429:
            assert response.getheader("retry-after") == "1"


def test_other_endpoints_match_the_spec(emulator: Emulator, raw: Raw) -> None:
    code, models = raw.json("GET", "/v1/models")
    validate_response("GET", "/v1/models", code, models)
    code, missing = raw.json("GET", "/v1/responses/resp_missing")
    assert code == 404
    validate_response("GET", "/v1/responses/resp_missing", code, missing)
    code, missing = raw.json(
        "POST", "/v1/responses", {**RESPONSES_BODY, "previous_response_id": "resp_gone"}
    )
    assert code == 404 and missing["error"]["code"] == "previous_response_not_found"
    validate_response("POST", "/v1/responses", code, missing)


def test_uploaded_file_matches_the_spec(emulator: Emulator, client) -> None:
    uploaded = client.files.create(file=("report.pdf", b"%PDF-1.4"), purpose="user_data")
    validate_response("POST", "/v1/files", 200, uploaded.model_dump(exclude_unset=True))
    recorded = emulator.requests("/v1/files")[0].body
    validate_request("POST", "/v1/files", {"purpose": recorded["purpose"], "file": b"%PDF-1.4"})
    again = client.files.retrieve(uploaded.id)
    validate_response("GET", f"/v1/files/{uploaded.id}", 200, again.model_dump(exclude_unset=True))


def test_chat_choices_of_n_match_the_spec(emulator: Emulator, raw: Raw) -> None:
    """``n``: interleaved chunks of three choices, and a whole body with three."""
    body = {**CHAT_BODY, "n": 3, "stream_options": {"include_usage": True}}
    validate_request("POST", "/v1/chat/completions", {**body, "stream": True})
    for _ in range(2):
        emulator.enqueue(*(copy.deepcopy(CHAT_CASES[name].reply) for name in list(CHAT_CASES)[:3]))
        if _ == 0:
            events = raw.events("/v1/chat/completions", body)
            indexes = set()
            for _, data in events[:-1]:
                validate_chat_chunk(data)
                indexes.update(choice["index"] for choice in data["choices"])
            assert indexes == {0, 1, 2} and events[-1][1] == "[DONE]"
        else:
            code, whole = raw.json("POST", "/v1/chat/completions", {**CHAT_BODY, "n": 3})
            validate_response("POST", "/v1/chat/completions", code, whole)
            assert [choice["index"] for choice in whole["choices"]] == [0, 1, 2]
