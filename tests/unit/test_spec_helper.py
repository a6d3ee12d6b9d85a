"""The OpenAPI validation helper (tests/spec) can both pass and fail.

The "valid" payloads here are hand-written to satisfy OpenAI's published OpenAPI spec; they
double as a reference for what the emulator must emit (see the required fields noted inline).
"""

from __future__ import annotations

import copy
import json
import time
from typing import Any

import pytest

from tests.spec import (
    SUBSET_PATH,
    response_event_types,
    validate_chat_chunk,
    validate_request,
    validate_response,
    validate_response_event,
    validate_schema,
)

# --- hand-written valid payloads ------------------------------------------------------------

OUTPUT_TEXT: dict[str, Any] = {
    "type": "output_text",
    "text": "Hello!",
    "annotations": [],  # required, may be empty
    "logprobs": [],  # required, may be empty
}

MESSAGE: dict[str, Any] = {
    "type": "message",
    "id": "msg_1",
    "role": "assistant",
    "status": "completed",  # required on output messages
    "content": [OUTPUT_TEXT],
}

USAGE: dict[str, Any] = {
    "input_tokens": 5,
    "input_tokens_details": {"cached_tokens": 0, "cache_write_tokens": 0},  # both required
    "output_tokens": 2,
    "output_tokens_details": {"reasoning_tokens": 0},
    "total_tokens": 7,
}

RESPONSE: dict[str, Any] = {
    "id": "resp_1",
    "object": "response",
    "created_at": 1_700_000_000,
    "status": "completed",
    "model": "gpt-4.1",
    "output": [MESSAGE],
    # required even though they may be null:
    "error": None,
    "incomplete_details": None,
    "instructions": None,
    "metadata": {},
    "temperature": 1.0,
    "top_p": 1.0,
    # required, not nullable:
    "parallel_tool_calls": True,
    "tool_choice": "auto",
    "tools": [],
    "usage": USAGE,  # optional, but NOT nullable: omit it rather than sending null
}

CHAT_CHUNK: dict[str, Any] = {
    "id": "chatcmpl-1",
    "object": "chat.completion.chunk",
    "created": 1_700_000_000,
    "model": "gpt-4.1",
    "choices": [
        {"index": 0, "delta": {"role": "assistant", "content": "Hi"}, "finish_reason": None}
    ],
}

CHAT_COMPLETION: dict[str, Any] = {
    "id": "chatcmpl-1",
    "object": "chat.completion",
    "created": 1_700_000_000,
    "model": "gpt-4.1",
    "choices": [
        {
            "index": 0,
            "message": {"role": "assistant", "content": "Hi", "refusal": None},
            "finish_reason": "stop",
            "logprobs": None,  # required, nullable
        }
    ],
    "usage": {"prompt_tokens": 3, "completion_tokens": 1, "total_tokens": 4},
}

ERROR_BODY: dict[str, Any] = {
    "error": {"message": "x", "type": "invalid_request_error", "param": None, "code": None}
}

OPENAI_FILE: dict[str, Any] = {
    "id": "file-1",
    "object": "file",
    "bytes": 12,
    "created_at": 1_700_000_000,
    "filename": "notes.txt",
    "purpose": "user_data",
    "status": "processed",  # deprecated but required
}

REASONING_ITEM: dict[str, Any] = {
    "type": "reasoning",
    "id": "rs_1",
    "summary": [{"type": "summary_text", "text": "Thinking."}],
}
FUNCTION_CALL_ITEM: dict[str, Any] = {
    "type": "function_call",
    "id": "fc_1",
    "call_id": "call_1",
    "name": "get_weather",
    "arguments": '{"city": "Paris"}',
    "status": "completed",
}
WEB_SEARCH_ITEM: dict[str, Any] = {
    "type": "web_search_call",
    "id": "ws_1",
    "status": "completed",
    "action": {"type": "search", "query": "weather"},  # `action` is required
}
FILE_SEARCH_ITEM: dict[str, Any] = {
    "type": "file_search_call",
    "id": "fs_1",
    "status": "completed",
    "queries": ["weather"],
    "results": None,
}
CODE_INTERPRETER_ITEM: dict[str, Any] = {
    "type": "code_interpreter_call",
    "id": "ci_1",
    "status": "completed",
    "code": "print(1)",
    "container_id": "cntr_1",
    "outputs": [{"type": "logs", "logs": "1\n"}],
}
IMAGE_GENERATION_ITEM: dict[str, Any] = {
    "type": "image_generation_call",
    "id": "ig_1",
    "status": "completed",
    "result": "aGVsbG8=",
}

# `common` fields of the per-item stream events
_ITEM = {"item_id": "msg_1", "output_index": 0}
_PART = {**_ITEM, "content_index": 0}

#: one valid example per Responses stream event type the emulator may emit
VALID_EVENTS: list[dict[str, Any]] = [
    {"type": "response.created", "response": {**RESPONSE, "status": "in_progress", "output": []}},
    {"type": "response.in_progress", "response": {**RESPONSE, "status": "in_progress"}},
    {"type": "response.completed", "response": RESPONSE},
    {
        "type": "response.failed",
        "response": {
            **RESPONSE,
            "status": "failed",
            "error": {"code": "server_error", "message": "boom"},
        },
    },
    {
        "type": "response.incomplete",
        "response": {
            **RESPONSE,
            "status": "incomplete",
            "incomplete_details": {"reason": "max_output_tokens"},
        },
    },
    {"type": "response.output_item.added", "output_index": 0, "item": {**MESSAGE, "content": []}},
    {"type": "response.output_item.done", "output_index": 0, "item": MESSAGE},
    {"type": "response.content_part.added", **_PART, "part": {**OUTPUT_TEXT, "text": ""}},
    {"type": "response.content_part.done", **_PART, "part": OUTPUT_TEXT},
    {"type": "response.output_text.delta", **_PART, "delta": "Hel", "logprobs": []},
    {"type": "response.output_text.done", **_PART, "text": "Hello!", "logprobs": []},
    {
        "type": "response.output_text.annotation.added",
        **_PART,
        "annotation_index": 0,
        "annotation": {
            "type": "url_citation",
            "url": "https://example.com",
            "title": "Example",
            "start_index": 0,
            "end_index": 5,
        },
    },
    {"type": "response.refusal.delta", **_PART, "delta": "I can't"},
    {"type": "response.refusal.done", **_PART, "refusal": "I can't help."},
    {
        "type": "response.reasoning_summary_part.added",
        **_ITEM,
        "summary_index": 0,
        "part": {"type": "summary_text", "text": ""},
    },
    {
        "type": "response.reasoning_summary_part.done",
        **_ITEM,
        "summary_index": 0,
        "part": {"type": "summary_text", "text": "Thinking."},
    },
    {"type": "response.reasoning_summary_text.delta", **_ITEM, "summary_index": 0, "delta": "T"},
    {"type": "response.reasoning_summary_text.done", **_ITEM, "summary_index": 0, "text": "T."},
    {"type": "response.function_call_arguments.delta", **_ITEM, "delta": '{"ci'},
    {
        "type": "response.function_call_arguments.done",
        **_ITEM,
        "name": "get_weather",  # required by the spec (not by the SDK)
        "arguments": '{"city": "Paris"}',
    },
    {"type": "response.web_search_call.in_progress", **_ITEM},
    {"type": "response.web_search_call.searching", **_ITEM},
    {"type": "response.web_search_call.completed", **_ITEM},
    {"type": "response.file_search_call.in_progress", **_ITEM},
    {"type": "response.file_search_call.searching", **_ITEM},
    {"type": "response.file_search_call.completed", **_ITEM},
    {"type": "response.code_interpreter_call.in_progress", **_ITEM},
    {"type": "response.code_interpreter_call.interpreting", **_ITEM},
    {"type": "response.code_interpreter_call.completed", **_ITEM},
    {"type": "response.code_interpreter_call_code.delta", **_ITEM, "delta": "print("},
    {"type": "response.code_interpreter_call_code.done", **_ITEM, "code": "print(1)"},
    {"type": "response.image_generation_call.in_progress", **_ITEM},
    {"type": "response.image_generation_call.generating", **_ITEM},
    {
        "type": "response.image_generation_call.partial_image",
        **_ITEM,
        "partial_image_index": 0,
        "partial_image_b64": "aGVsbG8=",
    },
    {"type": "response.image_generation_call.completed", **_ITEM},
    {"type": "error", "code": "server_error", "message": "boom", "param": None},
]
for _seq, _event in enumerate(VALID_EVENTS):
    _event["sequence_number"] = _seq  # required on every event


def _without(body: dict[str, Any], key: str) -> dict[str, Any]:
    out = copy.deepcopy(body)
    del out[key]
    return out


# --- schemas --------------------------------------------------------------------------------


def test_minimal_response_passes() -> None:
    validate_schema("Response", RESPONSE)


@pytest.mark.parametrize(
    "key",
    [
        "id",
        "object",
        "created_at",
        "model",
        "output",
        "error",
        "incomplete_details",
        "instructions",
        "metadata",
        "temperature",
        "top_p",
        "parallel_tool_calls",
        "tool_choice",
        "tools",
    ],
)
def test_response_without_required_field_fails(key: str) -> None:
    with pytest.raises(AssertionError, match=rf"schema Response: at \$: '{key}' is a required"):
        validate_schema("Response", _without(RESPONSE, key))


def test_response_failure_message_is_readable() -> None:
    with pytest.raises(AssertionError) as info:
        validate_schema("Response", _without(RESPONSE, "created_at"))
    message = str(info.value)
    assert "Response" in message
    assert "'created_at' is a required property" in message
    assert "at $" in message


def test_response_optional_fields_may_be_omitted() -> None:
    validate_schema("Response", _without(_without(RESPONSE, "usage"), "status"))


def test_response_usage_is_not_nullable() -> None:
    with pytest.raises(AssertionError, match=r"\$\.usage"):
        validate_schema("Response", {**RESPONSE, "usage": None})


def test_output_text_requires_logprobs_and_annotations() -> None:
    for key in ("logprobs", "annotations"):
        part = _without(OUTPUT_TEXT, key)
        body = {**RESPONSE, "output": [{**MESSAGE, "content": [part]}]}
        with pytest.raises(AssertionError, match=rf"\$\.output\[0\]\.content\[0\].*'{key}'"):
            validate_schema("Response", body)


@pytest.mark.parametrize(
    "item",
    [
        MESSAGE,
        REASONING_ITEM,
        FUNCTION_CALL_ITEM,
        WEB_SEARCH_ITEM,
        FILE_SEARCH_ITEM,
        CODE_INTERPRETER_ITEM,
        IMAGE_GENERATION_ITEM,
    ],
    ids=lambda item: item["type"] if item is not MESSAGE else "message",
)
def test_output_items_pass(item: dict[str, Any]) -> None:
    validate_schema("OutputItem", item)
    validate_schema("Response", {**RESPONSE, "output": [item]})


def test_wrong_output_item_reports_the_intended_member() -> None:
    with pytest.raises(AssertionError, match=r"'action' is a required property"):
        validate_schema("OutputItem", _without(WEB_SEARCH_ITEM, "action"))


def test_unknown_schema_name_is_a_lookup_error() -> None:
    with pytest.raises(LookupError):
        validate_schema("NoSuchSchema", {})


# --- stream events --------------------------------------------------------------------------

TEXT_DELTA: dict[str, Any] = {
    "type": "response.output_text.delta",
    "sequence_number": 4,
    "item_id": "msg_1",
    "output_index": 0,
    "content_index": 0,
    "delta": "Hel",
    "logprobs": [],
}


def test_text_delta_event_passes() -> None:
    validate_response_event(TEXT_DELTA)


def test_text_delta_event_with_wrong_sequence_number_type_fails() -> None:
    with pytest.raises(AssertionError, match=r"\$\.sequence_number"):
        validate_response_event({**TEXT_DELTA, "sequence_number": "4"})


def test_text_delta_event_without_logprobs_fails() -> None:
    with pytest.raises(AssertionError, match="'logprobs' is a required property"):
        validate_response_event(_without(TEXT_DELTA, "logprobs"))


def test_unknown_event_type_fails() -> None:
    with pytest.raises(AssertionError, match="unknown Responses stream event type"):
        validate_response_event({**TEXT_DELTA, "type": "response.output_text.telepathy"})
    with pytest.raises(AssertionError):
        validate_response_event(_without(TEXT_DELTA, "type"))


@pytest.mark.parametrize("event", VALID_EVENTS, ids=lambda e: e["type"])
def test_valid_events_pass(event: dict[str, Any]) -> None:
    validate_response_event(event)


@pytest.mark.parametrize("event", VALID_EVENTS, ids=lambda e: e["type"])
def test_events_without_sequence_number_fail(event: dict[str, Any]) -> None:
    with pytest.raises(AssertionError, match="sequence_number"):
        validate_response_event(_without(event, "sequence_number"))


def test_function_call_arguments_done_requires_name() -> None:
    (done,) = [e for e in VALID_EVENTS if e["type"] == "response.function_call_arguments.done"]
    with pytest.raises(AssertionError, match="'name' is a required property"):
        validate_response_event(_without(done, "name"))


def test_every_listed_event_type_is_known() -> None:
    assert {e["type"] for e in VALID_EVENTS} <= response_event_types()


def test_event_validation_is_fast_after_warm_up() -> None:
    validate_response_event(TEXT_DELTA)
    n = 500
    start = time.perf_counter()
    for _ in range(n):
        validate_response_event(TEXT_DELTA)
    per_event = (time.perf_counter() - start) / n
    assert per_event < 1e-3, f"{per_event * 1e6:.0f} us per event"


def test_chat_chunk_passes() -> None:
    validate_chat_chunk(CHAT_CHUNK)
    final = {**CHAT_CHUNK, "choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}]}
    validate_chat_chunk(final)
    usage_only = {
        **CHAT_CHUNK,
        "choices": [],
        "usage": {"prompt_tokens": 3, "completion_tokens": 1, "total_tokens": 4},
    }
    validate_chat_chunk(usage_only)


def test_chat_chunk_fails() -> None:
    with pytest.raises(AssertionError, match="finish_reason"):
        validate_chat_chunk({**CHAT_CHUNK, "choices": [{"index": 0, "delta": {}}]})
    with pytest.raises(AssertionError, match=r"\$\.object"):
        validate_chat_chunk({**CHAT_CHUNK, "object": "chat.completion"})


# --- requests -------------------------------------------------------------------------------


def test_minimal_create_response_request_passes() -> None:
    validate_request("POST", "/v1/responses", {"model": "gpt-4.1", "input": "hi"})
    validate_request("post", "/responses", {"model": "gpt-4.1", "input": "hi"})


def test_create_response_request_with_wrong_model_type_fails() -> None:
    with pytest.raises(AssertionError, match=r"\$\.model"):
        validate_request("POST", "/v1/responses", {"model": 5})


def test_create_response_request_with_input_messages_passes() -> None:
    # Valid under both EasyInputMessage and InputMessage: needs the oneOf -> anyOf rewrite.
    validate_request(
        "POST",
        "/v1/responses",
        {
            "model": "gpt-4.1",
            "input": [
                {"role": "user", "content": [{"type": "input_text", "text": "hi"}]},
                {"role": "assistant", "content": "hello"},
                {"type": "function_call_output", "call_id": "call_1", "output": "42"},
            ],
            "instructions": "Be brief.",
            "previous_response_id": "resp_0",
            "stream": True,
            "store": True,
            "tools": [
                {
                    "type": "function",
                    "name": "get_weather",
                    "parameters": {"type": "object", "properties": {}},
                    "strict": True,  # `strict` and `parameters` are required (nullable)
                }
            ],
            "tool_choice": "auto",
        },
    )


def test_chat_completion_request() -> None:
    body = {"model": "gpt-4.1", "messages": [{"role": "user", "content": "hi"}], "stream": True}
    validate_request("POST", "https://api.openai.com/v1/chat/completions", body)
    with pytest.raises(AssertionError, match=r"\$\.messages"):
        validate_request("POST", "/v1/chat/completions", {**body, "messages": []})


def test_multipart_file_upload_request() -> None:
    form = {"purpose": "user_data", "file": ("notes.txt", b"hello", "text/plain")}
    validate_request("POST", "/v1/files", form)
    validate_request(
        "POST",
        "/v1/files",
        {**form, "expires_after[anchor]": "created_at", "expires_after[seconds]": "3600"},
    )
    with pytest.raises(AssertionError, match="'file' is a required property"):
        validate_request("POST", "/v1/files", {"purpose": "user_data"})
    with pytest.raises(AssertionError, match=r"\$\.purpose"):
        validate_request("POST", "/v1/files", {**form, "purpose": "nonsense"})


def test_request_body_on_get_fails() -> None:
    validate_request("GET", "/v1/models", None)
    with pytest.raises(AssertionError, match="takes no request body"):
        validate_request("GET", "/v1/models", {"x": 1})


def test_unknown_operation_is_a_lookup_error() -> None:
    with pytest.raises(LookupError):
        validate_request("POST", "/v1/embeddings", {})
    with pytest.raises(LookupError):
        validate_request("PUT", "/v1/responses", {})


# --- responses ------------------------------------------------------------------------------


def test_response_bodies_pass() -> None:
    validate_response("POST", "/v1/responses", 200, RESPONSE)
    validate_response("GET", "/v1/responses/resp_1", 200, RESPONSE)
    validate_response("POST", "/v1/chat/completions", 200, CHAT_COMPLETION)
    validate_response("GET", "/v1/files/file-1", 200, OPENAI_FILE)
    validate_response("POST", "/v1/files", 200, OPENAI_FILE)
    model = {"id": "gpt-4.1", "object": "model", "created": 1_700_000_000, "owned_by": "openai"}
    validate_response("GET", "/v1/models", 200, {"object": "list", "data": [model]})
    items = {
        "object": "list",
        "data": [
            {
                "type": "message",
                "id": "msg_0",  # required on listed input items
                "role": "user",
                "status": "completed",
                "content": [{"type": "input_text", "text": "hi"}],
            }
        ],
        "first_id": "msg_0",
        "last_id": "msg_0",
        "has_more": False,
    }
    validate_response("GET", "/v1/responses/resp_1/input_items?limit=20", 200, items)
    # The spec gives DELETE /responses/{id} 200 no body: anything is accepted.
    validate_response(
        "DELETE",
        "/v1/responses/resp_1",
        200,
        {"id": "resp_1", "object": "response", "deleted": True},
    )


def test_response_bodies_fail() -> None:
    with pytest.raises(AssertionError, match="'created_at' is a required property"):
        validate_response("GET", "/v1/responses/resp_1", 200, _without(RESPONSE, "created_at"))
    with pytest.raises(AssertionError, match="first_id"):
        validate_response(
            "GET",
            "/v1/responses/resp_1/input_items",
            200,
            {"object": "list", "data": [], "last_id": "x", "has_more": False},
        )
    with pytest.raises(AssertionError, match="logprobs"):
        choice = _without(CHAT_COMPLETION["choices"][0], "logprobs")
        validate_response(
            "POST", "/v1/chat/completions", 200, {**CHAT_COMPLETION, "choices": [choice]}
        )
    with pytest.raises(AssertionError, match="declares no 201"):
        validate_response("POST", "/v1/responses", 201, RESPONSE)


def test_error_response_for_undeclared_404_passes() -> None:
    validate_response("GET", "/v1/responses/resp_x", 404, ERROR_BODY)
    validate_response("POST", "/v1/responses", 429, ERROR_BODY)  # declared: ErrorResponse
    validate_response("DELETE", "/v1/responses/resp_x", 404, ERROR_BODY)  # declared: Error
    validate_response("DELETE", "/v1/responses/resp_x", 404, ERROR_BODY["error"])


def test_error_response_fails() -> None:
    with pytest.raises(AssertionError, match="ErrorResponse"):
        validate_response("GET", "/v1/responses/resp_x", 404, {"error": {"message": "x"}})
    with pytest.raises(AssertionError, match="ErrorResponse"):
        validate_response("GET", "/v1/responses/resp_x", 500, {"detail": "boom"})


# --- the subset file ------------------------------------------------------------------------


def test_subset_is_current() -> None:
    """The committed subset equals a fresh extraction from the whole published spec."""
    from tests.spec import extract, published_spec

    spec = published_spec()
    assert extract.build_subset(spec) == json.loads(SUBSET_PATH.read_text(encoding="utf-8"))
