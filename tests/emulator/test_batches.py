"""The Batch API through the real SDK over HTTP: a file of requests uploaded, run in the
emulator's background as OpenAI runs it (statuses in order, counts as it goes), its
answers and failures in output and error files matched by ``custom_id``, a bad file
failing the batch line by line, cancel keeping what ran, listing in pages; and every
body the emulator sends valid against OpenAI's spec and the SDK's strict types."""

from __future__ import annotations

import json
import time
from typing import Any

import openai
import pytest
from openai import OpenAI
from openai.types import Batch

from jupyter_responses.emulator import BatchSpeed, Emulator
from jupyter_responses.emulator import script as s
from tests.protocol.conftest import Raw
from tests.spec import validate_request, validate_response

RESPONSES, CHAT = "/v1/responses", "/v1/chat/completions"
ENDED = ("completed", "failed", "cancelled", "expired")
CREATE_PARAMS = (
    "input_file_id",
    "endpoint",
    "completion_window",
    "metadata",
    "output_expires_after",
)


def _line(custom_id: str, url: str = RESPONSES, prompt: str | None = None, **body: Any) -> dict:
    """One request of an input file, asking the default model to quote ``prompt``."""
    text = prompt or f"row {custom_id}"
    if url == CHAT:
        body = {"model": "gpt-4.1", "messages": [{"role": "user", "content": text}], **body}
    else:
        body = {"model": "gpt-4.1", "input": text, **body}
    return {"custom_id": custom_id, "method": "POST", "url": url, "body": body}


def _upload(client: OpenAI, lines: list[Any], purpose: Any = "batch") -> str:
    """Upload ``lines`` (dicts, or raw text) as a JSONL file; its id."""
    text = "".join((line if isinstance(line, str) else json.dumps(line)) + "\n" for line in lines)
    validate_request("POST", "/v1/files", {"purpose": purpose, "file": text.encode()})
    return client.files.create(file=("rows.jsonl", text.encode()), purpose=purpose).id


def _create(client: OpenAI, file_id: str, endpoint: str = RESPONSES, **more: Any) -> Batch:
    body = {"input_file_id": file_id, "endpoint": endpoint, "completion_window": "24h", **more}
    validate_request("POST", "/v1/batches", body)
    return client.batches.create(**body)


def _get(raw: Raw, batch_id: str) -> Batch:
    """The batch now: valid against the spec and the SDK's type."""
    status, body = raw.json("GET", f"/v1/batches/{batch_id}")
    assert status == 200
    validate_response("GET", f"/v1/batches/{batch_id}", status, body)
    return Batch.model_validate(body)


def _wait(raw: Raw, batch_id: str, seconds: float = 10) -> tuple[Batch, list[Batch]]:
    """Poll until the batch ends: the last and every one seen."""
    seen: list[Batch] = []
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        seen.append(_get(raw, batch_id))
        if seen[-1].status in ENDED:
            return seen[-1], seen
        time.sleep(0.01)
    raise AssertionError(f"batch {batch_id} still {seen[-1].status} after {seconds} s")


def _file_lines(client: OpenAI, file_id: str | None, endpoint: str) -> dict[str, dict]:
    """An output or error file's lines by ``custom_id``, each answer valid for ``endpoint``."""
    assert file_id is not None
    raw = client.files.with_raw_response.retrieve(file_id)
    validate_response("GET", f"/v1/files/{file_id}", raw.status_code, json.loads(raw.text))
    meta = raw.parse()
    assert meta.purpose == "batch_output" and meta.filename.endswith(".jsonl")
    lines = [json.loads(text) for text in client.files.content(file_id).text.splitlines()]
    assert meta.bytes == sum(len(json.dumps(line)) + 1 for line in lines)
    for line in lines:
        assert set(line) == {"id", "custom_id", "response", "error"} and line["error"] is None
        assert line["id"].startswith("batch_req_")
        answer = line["response"]
        assert set(answer) == {"status_code", "request_id", "body"}
        validate_response("POST", endpoint, answer["status_code"], answer["body"])
    return {line["custom_id"]: line for line in lines}


def _text(body: dict[str, Any]) -> str:
    if body["object"] == "chat.completion":
        return str(body["choices"][0]["message"]["content"])
    return "".join(
        part["text"]
        for item in body["output"]
        if item["type"] == "message"
        for part in item["content"]
    )


@pytest.mark.parametrize("endpoint", [RESPONSES, CHAT])
def test_a_batch_runs_every_line_and_outputs_match_by_custom_id(
    endpoint: str, emulator: Emulator, client: OpenAI, raw: Raw
) -> None:
    ids = [f"row-{n}" for n in range(6)]
    file_id = _upload(client, [_line(i, endpoint) for i in ids])
    created = _create(client, file_id, endpoint, metadata={"job": "nightly"})
    assert created.status == "validating" and created.metadata == {"job": "nightly"}
    assert created.request_counts is not None and created.request_counts.total == 0
    batch, _ = _wait(raw, created.id)
    assert batch.status == "completed" and batch.model == "gpt-4.1" and batch.error_file_id is None
    assert batch.request_counts is not None
    assert (batch.request_counts.total, batch.request_counts.completed) == (6, 6)
    outputs = _file_lines(client, batch.output_file_id, endpoint)
    assert sorted(outputs) == sorted(ids)
    for custom_id, line in outputs.items():  # each answer is its own line's
        assert line["response"]["status_code"] == 200
        assert f"> row {custom_id}" in _text(line["response"]["body"])
    usage = [line["response"]["body"]["usage"] for line in outputs.values()]
    assert batch.usage is not None
    assert batch.usage.input_tokens == sum(
        u.get("input_tokens", u.get("prompt_tokens")) for u in usage
    )
    assert batch.usage.total_tokens == sum(u["total_tokens"] for u in usage)
    assert emulator.requests(endpoint) == []  # lines are not requests a client sent
    if endpoint == RESPONSES:  # stored as any response is
        first = outputs["row-0"]["response"]["body"]["id"]
        assert client.responses.retrieve(first).id == first


def test_the_input_file_content_is_the_bytes_uploaded(client: OpenAI) -> None:
    content = b'{"custom_id": "a"}\n\xc3\xa9\r\n'
    uploaded = client.files.create(file=("in.jsonl", content), purpose="batch")
    assert uploaded.purpose == "batch" and uploaded.bytes == len(content)
    assert client.files.content(uploaded.id).read() == content


def test_scripted_replies_and_failures_land_in_their_lines(
    emulator: Emulator, client: OpenAI, raw: Raw
) -> None:
    emulator.enqueue(s.text("first scripted"), s.HTTPError(500), s.text("third scripted"))
    lines = [
        _line("a"),
        _line("b"),
        _line("c"),
        _line("gone", previous_response_id="resp_missing"),  # the handler's own 404
        _line("d"),  # the script is used up: the default model
    ]
    batch, _ = _wait(raw, _create(client, _upload(client, lines)).id)
    assert batch.status == "completed" and batch.request_counts is not None
    assert (batch.request_counts.completed, batch.request_counts.failed) == (3, 2)
    outputs = _file_lines(client, batch.output_file_id, RESPONSES)
    errors = _file_lines(client, batch.error_file_id, RESPONSES)
    assert sorted(outputs) == ["a", "c", "d"] and sorted(errors) == ["b", "gone"]
    assert _text(outputs["a"]["response"]["body"]) == "first scripted"
    assert _text(outputs["c"]["response"]["body"]) == "third scripted"
    assert "> row d" in _text(outputs["d"]["response"]["body"])
    assert errors["b"]["response"]["status_code"] == 500
    missing = errors["gone"]["response"]
    assert missing["status_code"] == 404
    assert missing["body"]["error"]["code"] == "previous_response_not_found"


def test_a_bad_input_file_fails_the_batch_with_each_line_error(
    emulator: Emulator, client: OpenAI, raw: Raw
) -> None:
    emulator.enqueue(s.text("kept for the next request"))
    lines = [
        _line("one"),
        "{not json",
        {"method": "POST", "url": RESPONSES, "body": {"model": "gpt-4.1", "input": "x"}},
        _line("one"),
        _line("two", url=CHAT),
        {**_line("three"), "method": "GET"},
        _line("four", model="gpt-4o"),
        _line("five", stream=True),
        "[1, 2]",
    ]
    batch, _ = _wait(raw, _create(client, _upload(client, lines)).id)
    assert batch.status == "failed" and batch.failed_at is not None
    assert batch.output_file_id is None and batch.error_file_id is None
    assert batch.in_progress_at is None  # nothing ran
    assert batch.errors is not None and batch.errors.object == "list"
    found = [(e.line, e.code, e.param) for e in batch.errors.data or []]
    assert found == [
        (2, "invalid_json_line", None),
        (3, "missing_required_parameter", "custom_id"),
        (4, "duplicate_custom_id", "custom_id"),
        (5, "url_mismatch", "url"),
        (6, "invalid_value", "method"),
        (7, "model_mismatch", "body.model"),
        (8, "invalid_value", "body.stream"),
        (9, "invalid_type", None),
    ]
    assert all(e.message for e in batch.errors.data or [])
    answer = client.responses.create(model="gpt-4.1", input="hi")
    assert answer.output_text == "kept for the next request"  # no line took the script


@pytest.mark.parametrize(
    ("content", "code"),
    [("\n\n", "empty_file"), ("x\n" * 50_001, "too_many_tasks")],
)
def test_an_empty_or_too_long_file_fails_as_a_whole(
    content: str, code: str, client: OpenAI, raw: Raw
) -> None:
    uploaded = client.files.create(file=("rows.jsonl", content.encode()), purpose="batch")
    batch, _ = _wait(raw, _create(client, uploaded.id).id)
    assert batch.status == "failed" and batch.errors is not None
    assert [(e.code, e.line) for e in batch.errors.data or []] == [(code, None)]


def test_create_refuses_what_the_api_refuses(client: OpenAI, raw: Raw) -> None:
    good = _upload(client, [_line("a")])
    other = client.files.create(file=("notes.txt", b"hello"), purpose="user_data").id
    cases = [
        ({"endpoint": "/v1/embeddings"}, 400, "endpoint", "invalid_value"),
        ({"endpoint": "/v1/nope"}, 400, "endpoint", "invalid_value"),
        ({"completion_window": "48h"}, 400, "completion_window", "invalid_value"),
        ({"input_file_id": "file-missing"}, 404, "input_file_id", None),
        ({"input_file_id": other}, 400, "input_file_id", "invalid_value"),
        ({"extra": 1}, 400, "extra", "unknown_parameter"),
        ({"metadata": {str(n): "v" for n in range(17)}}, 400, "metadata", None),
        (
            {"output_expires_after": {"anchor": "created_at", "seconds": 60}},
            400,
            "output_expires_after.seconds",
            "integer_below_min_value",
        ),
    ]
    base = {"input_file_id": good, "endpoint": RESPONSES, "completion_window": "24h"}
    for change, status, param, code in cases:
        body = {**base, **change}
        answer, error = raw.json("POST", "/v1/batches", body)
        assert answer == status, (change, error)
        validate_response("POST", "/v1/batches", status, error)
        assert (error["error"]["param"], error["error"]["code"]) == (param, code), change
        known = {k: v for k, v in body.items() if k in CREATE_PARAMS}
        extra = {k: v for k, v in body.items() if k not in CREATE_PARAMS}
        with pytest.raises(openai.APIStatusError) as caught:
            client.batches.create(**known, extra_body=extra)
        assert caught.value.status_code == status
    missing = {k: v for k, v in base.items() if k != "endpoint"}
    answer, error = raw.json("POST", "/v1/batches", missing)
    assert answer == 400 and error["error"]["code"] == "missing_required_parameter"
    assert raw.json("GET", "/v1/batches/batch_missing")[0] == 404


def test_output_files_expire_as_asked(client: OpenAI, raw: Raw) -> None:
    expiry = {"anchor": "created_at", "seconds": 7200}
    batch, _ = _wait(
        raw, _create(client, _upload(client, [_line("a")]), output_expires_after=expiry).id
    )
    assert batch.output_file_id is not None
    output = client.files.retrieve(batch.output_file_id)
    assert output.expires_at == output.created_at + 7200


def test_statuses_progress_in_order_with_counts_and_times(
    emulator: Emulator, client: OpenAI, raw: Raw
) -> None:
    emulator.batch_speed = BatchSpeed(start_delay=0.3, seconds_per_line=0.15, finalize_delay=0.3)
    body = {
        "input_file_id": _upload(client, [_line(str(n)) for n in range(4)]),
        "endpoint": RESPONSES,
        "completion_window": "24h",
    }
    status, created = raw.json("POST", "/v1/batches", body)
    validate_response("POST", "/v1/batches", status, created)
    assert created["status"] == "validating" and "output_file_id" not in created
    batch, seen = _wait(raw, created["id"])
    statuses = [b.status for b in seen]
    order = [status for n, status in enumerate(statuses) if n == 0 or statuses[n - 1] != status]
    assert order == ["validating", "in_progress", "finalizing", "completed"]
    done = [b.request_counts.completed for b in seen if b.request_counts]
    assert done == sorted(done) and len(set(done)) == 5  # 0, 1, 2, 3, 4: one line at a time
    assert batch.in_progress_at is not None and batch.finalizing_at is not None
    assert batch.completed_at is not None
    assert batch.created_at <= batch.in_progress_at <= batch.finalizing_at <= batch.completed_at
    assert batch.expires_at == batch.created_at + 24 * 3600


def test_cancel_keeps_the_lines_answered_so_far(
    emulator: Emulator, client: OpenAI, raw: Raw
) -> None:
    emulator.batch_speed = BatchSpeed(seconds_per_line=0.1)
    created = _create(client, _upload(client, [_line(str(n)) for n in range(30)]))
    while (now := _get(raw, created.id)).request_counts.completed < 2:  # type: ignore[union-attr]
        time.sleep(0.02)
    status, cancelling = raw.json("POST", f"/v1/batches/{created.id}/cancel")
    validate_response("POST", f"/v1/batches/{created.id}/cancel", status, cancelling)
    assert cancelling["status"] == "cancelling" and cancelling["cancelling_at"] >= now.created_at
    batch, _ = _wait(raw, created.id)
    assert batch.status == "cancelled" and batch.cancelled_at is not None
    assert batch.request_counts is not None
    kept = batch.request_counts.completed
    assert 2 <= kept < 30
    outputs = _file_lines(client, batch.output_file_id, RESPONSES)
    assert sorted(outputs, key=int) == [str(n) for n in range(kept)]
    with pytest.raises(openai.ConflictError):
        client.batches.cancel(created.id)
    status, refused = raw.json("POST", f"/v1/batches/{created.id}/cancel")
    assert status == 409 and refused["error"]["message"] == (
        "Cannot cancel a batch with status 'cancelled'."
    )
    validate_response("POST", f"/v1/batches/{created.id}/cancel", status, refused)
    assert _get(raw, created.id).status == "cancelled"


def test_a_validating_batch_cancels_with_no_files(
    emulator: Emulator, client: OpenAI, raw: Raw
) -> None:
    emulator.batch_speed = BatchSpeed(start_delay=5)
    created = _create(client, _upload(client, [_line("a")]))
    assert client.batches.cancel(created.id).status == "cancelling"
    batch, _ = _wait(raw, created.id, seconds=2)
    assert batch.status == "cancelled" and batch.output_file_id is None
    assert batch.in_progress_at is None


def test_batches_list_newest_first_in_pages(client: OpenAI, raw: Raw) -> None:
    file_id = _upload(client, [_line("a")])
    made = [_create(client, file_id).id for _ in range(5)]
    status, first = raw.json("GET", "/v1/batches?limit=2")
    validate_response("GET", "/v1/batches", status, first)
    assert [b["id"] for b in first["data"]] == made[::-1][:2] and first["has_more"] is True
    assert (first["first_id"], first["last_id"]) == (made[4], made[3])
    status, last = raw.json("GET", f"/v1/batches?limit=2&after={made[1]}")
    validate_response("GET", "/v1/batches", status, last)
    assert [b["id"] for b in last["data"]] == [made[0]] and last["has_more"] is False
    assert [b.id for b in client.batches.list(limit=2)] == made[::-1]  # the SDK's paging


def test_a_batch_runs_on_after_its_client_goes_away(
    emulator: Emulator, client: OpenAI, raw: Raw
) -> None:
    emulator.batch_speed = BatchSpeed(seconds_per_line=0.05)
    file_id = _upload(client, [_line(str(n)) for n in range(4)])
    with OpenAI(base_url=emulator.url, api_key="sk-test", max_retries=0) as gone:
        batch_id = gone.batches.create(
            input_file_id=file_id, endpoint=RESPONSES, completion_window="24h"
        ).id
    batch, _ = _wait(raw, batch_id)
    assert batch.status == "completed" and batch.request_counts is not None
    assert batch.request_counts.completed == 4


def test_stopping_the_emulator_stops_its_batches() -> None:
    with Emulator(batch_speed=BatchSpeed(seconds_per_line=10)) as emu:
        client = OpenAI(base_url=emu.url, api_key="sk-test", max_retries=0)
        created = _create(client, _upload(client, [_line("a"), _line("b")]))
        run = emu.state.batches[created.id]
    run._thread.join(timeout=2)
    assert not run._thread.is_alive()


def test_lines_end_at_newlines_only(client: OpenAI, raw: Raw) -> None:
    """CRLF endings, and a prompt holding U+2028 (a line break to ``str.splitlines``,
    not to JSONL), each make one request."""
    first = json.dumps(_line("a", prompt="one\u2028two"), ensure_ascii=False)
    content = (first + "\r\n" + json.dumps(_line("b")) + "\r\n").encode()
    uploaded = client.files.create(file=("rows.jsonl", content), purpose="batch")
    batch, _ = _wait(raw, _create(client, uploaded.id).id)
    assert batch.status == "completed" and batch.request_counts is not None
    assert batch.request_counts.completed == 2
    outputs = _file_lines(client, batch.output_file_id, RESPONSES)
    assert "> one\n> two" in _text(outputs["a"]["response"]["body"])  # quoted line by line
