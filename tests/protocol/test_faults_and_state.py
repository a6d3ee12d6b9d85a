"""Faults surface through the SDK as the real service's would, and server-side state
(store, previous_response_id, files) behaves like OpenAI's."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import urllib.request

import openai
import pytest
from openai import OpenAI

from jupyter_responses.emulator import Emulator
from jupyter_responses.emulator import script as s

from .conftest import Raw

STATUS_ERRORS = {
    400: openai.BadRequestError,
    401: openai.AuthenticationError,
    403: openai.PermissionDeniedError,
    404: openai.NotFoundError,
    429: openai.RateLimitError,
    500: openai.InternalServerError,
    503: openai.InternalServerError,
}
CALLS = {
    "responses": lambda c: c.responses.create(model="gpt-4.1", input="hi"),
    "chat": lambda c: c.chat.completions.create(
        model="gpt-4.1", messages=[{"role": "user", "content": "hi"}]
    ),
}


@pytest.mark.parametrize("api", CALLS)
@pytest.mark.parametrize("status", STATUS_ERRORS)
def test_http_errors_raise_the_sdk_class_with_openai_body(
    status: int, api: str, emulator: Emulator, client: OpenAI
) -> None:
    emulator.enqueue(s.HTTPError(status, code="context_length_exceeded" if status == 400 else None))
    with pytest.raises(STATUS_ERRORS[status]) as caught:
        CALLS[api](client)
    assert caught.value.status_code == status
    body = caught.value.body
    assert set(body) == {"message", "type", "param", "code"}
    assert body["message"]
    if status == 400:
        assert caught.value.code == "context_length_exceeded"


def test_rate_limit_retry_after_is_honoured_by_the_sdk(emulator: Emulator) -> None:
    emulator.enqueue(s.HTTPError(429, retry_after=0.05, times=2))
    client = OpenAI(base_url=emulator.url, api_key="sk-test", max_retries=2)
    assert client.responses.create(model="gpt-4.1", input="hi").status == "completed"
    assert len(emulator.requests("/v1/responses")) == 3


def test_required_key() -> None:
    with Emulator(api_key="sk-right") as emu:
        for key, code in (("sk-wrong", "invalid_api_key"), ("", None)):
            bad = OpenAI(base_url=emu.url, api_key=key or "x", max_retries=0)
            if not key:
                bad = bad.with_options(default_headers={"Authorization": ""})
            with pytest.raises(openai.AuthenticationError) as caught:
                bad.responses.create(model="gpt-4.1", input="hi")
            assert caught.value.code == code
        good = OpenAI(base_url=emu.url, api_key="sk-right", max_retries=0)
        assert good.chat.completions.create(
            model="m", messages=[{"role": "user", "content": "x"}]
        ).choices
        recorded = repr(emu.requests())
        assert "sk-right" not in recorded and "sk-wrong" not in recorded
        assert [r.authorized for r in emu.requests()] == [True, False, True]


def test_unknown_model_when_models_are_restricted() -> None:
    with Emulator(models=["gpt-4.1"]) as emu:
        client = OpenAI(base_url=emu.url, api_key="k", max_retries=0)
        with pytest.raises(openai.NotFoundError) as caught:
            client.responses.create(model="gpt-nope", input="hi")
        assert caught.value.code == "model_not_found"
        assert [m.id for m in client.models.list()] == ["gpt-4.1"]


@pytest.mark.parametrize("api", ["responses", "chat"])
def test_disconnect_mid_stream(api: str, emulator: Emulator, client: OpenAI) -> None:
    emulator.enqueue(s.text("one two three four five six", disconnect_after=4))
    with pytest.raises(openai.APIConnectionError):
        if api == "responses":
            list(client.responses.create(model="m", input="x", stream=True))
        else:
            list(
                client.chat.completions.create(
                    model="m", messages=[{"role": "user", "content": "x"}], stream=True
                )
            )


@pytest.mark.parametrize("api", ["responses", "chat"])
def test_malformed_event_data_mid_stream(api: str, emulator: Emulator, client: OpenAI) -> None:
    """The SDK lets the JSON error through (the extension maps it at its boundary)."""
    emulator.enqueue(s.text("one two three four five six", malformed_after=3))
    received = []
    with pytest.raises(json.JSONDecodeError):
        if api == "responses":
            received.extend(client.responses.create(model="m", input="x", stream=True))
        else:
            received.extend(
                client.chat.completions.create(
                    model="m", messages=[{"role": "user", "content": "x"}], stream=True
                )
            )
    assert len(received) == 3


def test_responses_error_event_mid_stream(emulator: Emulator, client: OpenAI) -> None:
    emulator.enqueue(s.text("one two three four", error_event_after=5, error_message="Boom."))
    events = list(client.responses.create(model="m", input="x", stream=True))
    assert events[-1].type == "error" and events[-1].message == "Boom."
    assert [e.sequence_number for e in events] == list(range(len(events)))


def test_chat_error_payload_mid_stream(emulator: Emulator, client: OpenAI) -> None:
    emulator.enqueue(s.text("one two three", error_event_after=2, error_message="Boom."))
    with pytest.raises(openai.APIError, match=r"Boom\."):
        list(
            client.chat.completions.create(
                model="m", messages=[{"role": "user", "content": "x"}], stream=True
            )
        )


def test_response_failed(emulator: Emulator, client: OpenAI) -> None:
    emulator.enqueue(s.text("partial", status="failed", error_message="Overloaded."))
    events = list(client.responses.create(model="m", input="x", stream=True))
    assert events[-1].type == "response.failed"
    assert events[-1].response.error.message == "Overloaded."
    assert events[-1].response.output_text == "partial"


def test_first_byte_slower_than_timeout(emulator: Emulator, client: OpenAI) -> None:
    emulator.enqueue(s.text("late", first_byte_delay=1.0))
    with pytest.raises(openai.APITimeoutError):
        client.with_options(timeout=0.2).responses.create(model="m", input="x", stream=True)


def test_delay_between_events_still_parses(emulator: Emulator, client: OpenAI) -> None:
    emulator.enqueue(s.text("a b c", event_delay=0.01))
    events = list(client.responses.create(model="m", input="x", stream=True))
    assert events[-1].response.output_text == "a b c"


def test_previous_response_chain_and_store(emulator: Emulator, client: OpenAI) -> None:
    first = client.responses.create(model="gpt-4.1", input="first question")
    second = client.responses.create(model="gpt-4.1", input="second", previous_response_id=first.id)
    assert "**1** earlier user turn" in second.output_text
    items = client.responses.input_items.list(second.id, order="asc")
    assert [i.content[0].text for i in items.data] == ["second"]

    unstored = client.responses.create(model="gpt-4.1", input="x", store=False)
    with pytest.raises(openai.NotFoundError) as caught:
        client.responses.create(model="gpt-4.1", input="y", previous_response_id=unstored.id)
    assert caught.value.code == "previous_response_not_found"
    assert caught.value.param == "previous_response_id"

    client.responses.delete(first.id)
    with pytest.raises(openai.NotFoundError):
        client.responses.retrieve(first.id)


def test_history_resent_as_items_is_seen(emulator: Emulator, client: OpenAI) -> None:
    response = client.responses.create(
        model="gpt-4.1",
        input=[
            {"role": "user", "content": "one"},
            {"role": "assistant", "content": "ok"},
            {"role": "user", "content": "two"},
        ],
    )
    assert "**1** earlier user turn" in response.output_text
    chat = client.chat.completions.create(
        model="gpt-4.1",
        messages=[
            {"role": "system", "content": "Be brief."},
            {"role": "user", "content": "one"},
            {"role": "assistant", "content": "ok"},
            {"role": "user", "content": "two"},
        ],
    )
    assert "**1** earlier user turn" in chat.choices[0].message.content
    assert "Be brief." in chat.choices[0].message.content


def test_tool_outputs_must_answer_calls(emulator: Emulator, client: OpenAI) -> None:
    with pytest.raises(openai.BadRequestError, match="No tool call found"):
        client.responses.create(
            model="m",
            input=[{"type": "function_call_output", "call_id": "call_nope", "output": "1"}],
        )
    with pytest.raises(openai.BadRequestError, match="must be a response to a preceeding message"):
        client.chat.completions.create(
            model="m",
            messages=[
                {"role": "user", "content": "x"},
                {"role": "tool", "tool_call_id": "c1", "content": "1"},
            ],
        )
    with pytest.raises(openai.BadRequestError, match="did not have response messages: c1"):
        client.chat.completions.create(
            model="m",
            messages=[
                {"role": "user", "content": "x"},
                {
                    "role": "assistant",
                    "tool_calls": [
                        {
                            "id": "c1",
                            "type": "function",
                            "function": {"name": "f", "arguments": "{}"},
                        }
                    ],
                },
                {"role": "user", "content": "y"},
            ],
        )


def test_unstored_reasoning_needs_encrypted_content(emulator: Emulator, client: OpenAI) -> None:
    item = {"type": "reasoning", "id": "rs_gone", "summary": []}
    with pytest.raises(openai.NotFoundError, match="not persisted"):
        client.responses.create(
            model="m", input=[item, {"role": "user", "content": "x"}], store=False
        )
    ok = client.responses.create(
        model="m",
        input=[{**item, "encrypted_content": "gAAAA"}, {"role": "user", "content": "x"}],
        store=False,
    )
    assert ok.status == "completed"


def test_default_model_calls_a_named_tool_then_summarises(
    emulator: Emulator, client: OpenAI
) -> None:
    tools = [
        {
            "type": "function",
            "name": "get_weather",
            "parameters": {
                "type": "object",
                "properties": {"city": {"type": "string"}},
                "required": ["city"],
            },
        }
    ]
    first = client.responses.create(model="m", input="Use get_weather for Oslo please", tools=tools)
    call = first.output[0]
    assert call.type == "function_call" and json.loads(call.arguments) == {"city": "Oslo"}
    second = client.responses.create(
        model="m",
        previous_response_id=first.id,
        tools=tools,
        input=[{"type": "function_call_output", "call_id": call.call_id, "output": '{"temp": -3}'}],
    )
    assert "`get_weather` →" in second.output_text and "-3" in second.output_text
    assert second.usage.input_tokens > 0


def test_default_model_structured_output(emulator: Emulator, client: OpenAI) -> None:
    schema = {
        "type": "object",
        "properties": {"name": {"type": "string"}, "total": {"type": "number"}},
        "required": ["name", "total"],
        "additionalProperties": False,
    }
    response = client.responses.create(
        model="m",
        input="extract",
        text={
            "format": {"type": "json_schema", "name": "Invoice", "schema": schema, "strict": True}
        },
    )
    assert set(json.loads(response.output_text)) == {"name", "total"}


def test_files_multipart(emulator: Emulator, client: OpenAI) -> None:
    uploaded = client.files.create(file=("report.pdf", b"%PDF-1.4 hello"), purpose="user_data")
    assert (
        uploaded.bytes == 14
        and uploaded.filename == "report.pdf"
        and uploaded.purpose == "user_data"
    )
    assert client.files.retrieve(uploaded.id).id == uploaded.id
    recorded = emulator.requests("/v1/files")[0].body
    assert recorded["purpose"] == "user_data" and recorded["file"]["size"] == 14
    assert "content" not in recorded["file"]


def test_script_over_http_round_trips(emulator: Emulator, client: OpenAI) -> None:
    reply = s.Reply(
        items=[
            s.Reasoning("hm"),
            s.Text("scripted", citations=[s.Citation("https://a", "A", 0, 3)]),
        ]
    )
    request = urllib.request.Request(
        emulator.url.removesuffix("/v1") + "/_emulator/script",
        data=json.dumps(s.to_json(reply)).encode(),
        headers={"content-type": "application/json"},
    )
    assert json.loads(urllib.request.urlopen(request).read()) == {"queued": 1}
    assert s.from_json(s.to_json(reply)) == reply
    assert client.responses.create(model="m", input="x").output_text == "scripted"


def test_cli_prints_url_and_serves() -> None:
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    process = subprocess.Popen(
        [sys.executable, "-m", "jupyter_responses.emulator", "--port", "0"],
        stdout=subprocess.PIPE,
        text=True,
        env=env,
    )
    try:
        url = process.stdout.readline().strip()
        assert url.startswith("http://127.0.0.1:") and url.endswith("/v1")
        client = OpenAI(base_url=url, api_key="k", max_retries=0)
        assert client.responses.create(model="m", input="hi").status == "completed"
    finally:
        process.kill()
        process.wait(timeout=10)


def test_loose_replies_leave_out_null_and_add_what_they_name(emulator: Emulator, raw: Raw) -> None:
    """What the kernel tests of loose servers rely on really reaches the wire."""
    loose = {"omit": ["sequence_number", "logprobs"], "null": ["usage"], "unknown_events": 2}
    emulator.enqueue(s.text("hi there", **loose))
    events = [data for _, data in raw.events("/v1/responses", {"model": "gpt-4.1", "input": "x"})]
    kinds = [event["type"] for event in events]
    unknown = "response.emulator_unknown"
    assert kinds[:3] == ["response.created", unknown, unknown]
    assert "response.output_text.delta" in kinds and kinds[-1] == "response.completed"
    assert not {"sequence_number", "logprobs"} & set().union(*map(_keys, events))
    assert events[-1]["response"]["usage"] is None

    emulator.enqueue(s.text("hi there", omit=["usage"], unknown_events=1))
    body = {"model": "gpt-4.1", "messages": [{"role": "user", "content": "x"}]}
    chunks = [data for _, data in raw.events("/v1/chat/completions", body)]
    assert chunks[-1] == "[DONE]" and sum("choices" not in c for c in chunks[:-1]) == 1
    assert not any("usage" in _keys(c) for c in chunks[:-1])

    emulator.enqueue(s.text("hi there", omit=["usage", "logprobs"]))
    status, whole = raw.json("POST", "/v1/chat/completions", body)
    assert status == 200 and "usage" not in whole and "logprobs" not in whole["choices"][0]
    emulator.enqueue(s.text("hi there", omit=["previous_response_id"]))
    status, whole = raw.json("POST", "/v1/responses", {"model": "gpt-4.1", "input": "x"})
    assert status == 200 and "previous_response_id" not in whole and whole["output"]


def _keys(value: object) -> set[str]:
    """Every key at any depth of a JSON value."""
    if isinstance(value, dict):
        return set(value).union(*map(_keys, value.values()))
    if isinstance(value, list):
        return set().union(*map(_keys, value))
    return set()
