"""Background mode of the Responses API, as OpenAI runs it: the response is queued and
runs on the server, detached from the connection; a poll sees it as it is now; a dropped
stream is resumed from its last ``sequence_number`` with exactly the missing events; a
queued or running response can be cancelled (only a background one; a finished one is
returned unchanged); everything sent validates against OpenAI's published spec and
parses with the SDK's strict types."""

from __future__ import annotations

import contextlib
import json
import threading
import time
from collections.abc import Callable
from typing import Any

import openai
import pytest
from openai import OpenAI
from openai._streaming import SSEDecoder
from openai.types.responses import ResponseQueuedEvent

from jupyter_responses.emulator import Emulator
from jupyter_responses.emulator import script as s
from tests.protocol.conftest import Raw
from tests.spec import validate_request, validate_response, validate_response_event

WORDS = "one two three four five six seven eight nine ten eleven twelve"
BODY: dict[str, Any] = {"model": "gpt-4.1", "input": "Count.", "background": True}


def _wait_for(predicate: Callable[[], bool], seconds: float = 5.0) -> None:
    deadline = time.monotonic() + seconds
    while not predicate():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.005)


def _get_events(raw: Raw, path: str) -> list[dict[str, Any]]:
    """A GET that streams: every event's data, decoded by the SDK's SSE decoder."""
    response = raw.request("GET", path)
    assert response.status == 200, response.read()
    chunks = iter(lambda: response.read1(65536), b"")
    return [sse.json() for sse in SSEDecoder().iter_bytes(chunks)]


def _text(events: list[Any]) -> str:
    return "".join(e.delta for e in events if e.type == "response.output_text.delta")


def test_background_create_answers_queued_and_polling_reaches_completed(
    emulator: Emulator, client: OpenAI, raw: Raw
) -> None:
    emulator.enqueue(s.text(WORDS, queued_for=0.15, event_delay=0.02))
    validate_request("POST", "/v1/responses", BODY)
    status, created = raw.json("POST", "/v1/responses", BODY)
    assert status == 200
    validate_response("POST", "/v1/responses", status, created)
    assert (created["status"], created["background"], created["output"]) == ("queued", True, [])

    seen: list[tuple[str, str]] = []
    while not seen or seen[-1][0] in ("queued", "in_progress"):
        status, polled = raw.json("GET", f"/v1/responses/{created['id']}")
        validate_response("GET", "/v1/responses/{response_id}", status, polled)
        text = "".join(
            part.get("text", "") for item in polled["output"] for part in item.get("content", [])
        )
        seen.append((polled["status"], text))
        time.sleep(0.005)
    statuses = [status for status, _ in seen]
    assert statuses[0] == "queued" and statuses[-1] == "completed"
    assert statuses == sorted(statuses, key=["queued", "in_progress", "completed"].index)
    assert all(WORDS.startswith(text) for _, text in seen)  # the output so far, in order
    assert any(0 < len(text) < len(WORDS) for status, text in seen if status == "in_progress")

    final = client.responses.retrieve(created["id"])
    assert (final.status, final.background, final.output_text) == ("completed", True, WORDS)


def test_a_background_stream_is_queued_first_and_every_event_is_spec_valid(
    emulator: Emulator, client: OpenAI, raw: Raw
) -> None:
    emulator.enqueue(s.text(WORDS, deltas=4))
    events = [data for _, data in raw.events("/v1/responses", BODY)]
    for event in events:
        validate_response_event(event)
    assert [e["sequence_number"] for e in events] == list(range(len(events)))
    assert [e["type"] for e in events][:3] == [
        "response.created",
        "response.queued",
        "response.in_progress",
    ]
    assert [e["response"]["status"] for e in events[:3]] == ["queued", "queued", "in_progress"]
    assert events[-1]["type"] == "response.completed"
    assert all(e["response"]["background"] for e in events if "response" in e)

    emulator.enqueue(s.text(WORDS, deltas=4))
    parsed = list(client.responses.create(**BODY, stream=True))
    assert isinstance(parsed[1], ResponseQueuedEvent)
    assert _text(parsed) == WORDS and parsed[-1].response.output_text == WORDS


@pytest.mark.parametrize("cut", [1, 2, 3, 6, 10, 19])
def test_a_dropped_stream_resumes_with_exactly_the_missing_events(
    emulator: Emulator, client: OpenAI, cut: int
) -> None:
    emulator.enqueue(s.text(WORDS, deltas=12, event_delay=0.01, disconnect_after=cut))
    received = []
    with pytest.raises(openai.APIConnectionError):
        for event in client.responses.create(**BODY, stream=True):
            received.append(event)
    assert [e.sequence_number for e in received] == list(range(cut))
    response_id = received[0].response.id

    rest = list(client.responses.retrieve(response_id, stream=True, starting_after=cut - 1))
    numbers = [e.sequence_number for e in received + rest]
    assert numbers == list(range(len(numbers)))  # none missing, none twice
    assert rest[-1].type == "response.completed"
    assert _text(received + rest) == WORDS == rest[-1].response.output_text


def test_a_resumed_stream_goes_on_live_and_is_spec_valid(
    emulator: Emulator, client: OpenAI, raw: Raw
) -> None:
    emulator.enqueue(s.text(WORDS, deltas=12, event_delay=0.03, disconnect_after=5))
    with pytest.raises(openai.APIConnectionError):
        received = []
        for event in client.responses.create(**BODY, stream=True):
            received.append(event)
    response_id = received[0].response.id
    assert client.responses.retrieve(response_id).status == "in_progress"  # it runs on
    started = time.monotonic()
    events = _get_events(raw, f"/v1/responses/{response_id}?stream=true&starting_after=4")
    assert time.monotonic() - started > 0.2  # it waited for events still to be made
    for event in events:
        validate_response_event(event)
    assert [e["sequence_number"] for e in events] == list(range(5, 5 + len(events)))
    assert events[-1]["type"] == "response.completed"

    # Without starting_after, a finished run is streamed again from its first event.
    again = _get_events(raw, f"/v1/responses/{response_id}?stream=true")
    assert [e["sequence_number"] for e in again] == list(range(5 + len(events)))
    assert again[5:] == events


def test_cancel_mid_run_ends_the_live_stream_and_keeps_the_output_so_far(
    emulator: Emulator, client: OpenAI, raw: Raw
) -> None:
    emulator.enqueue(s.text(WORDS, deltas=12, event_delay=0.2))
    stream = iter(client.responses.create(**BODY, stream=True))
    received = [next(stream) for _ in range(7)]  # ... and two deltas
    response_id = received[0].response.id

    status, cancelled = raw.json("POST", f"/v1/responses/{response_id}/cancel")
    validate_response("POST", "/v1/responses/{response_id}/cancel", status, cancelled)
    assert (cancelled["status"], cancelled["background"]) == ("cancelled", True)
    message = cancelled["output"][0]
    assert message["status"] == "in_progress"  # cut off, as in the spec's example
    assert WORDS.startswith(message["content"][0]["text"])

    started = time.monotonic()
    received += list(stream)  # the live stream ends: no event after the cancel
    assert time.monotonic() - started < 1.5  # the rest of the run would take 2 s more
    assert received[-1].type == "response.output_text.delta"
    assert [e.sequence_number for e in received] == list(range(len(received)))
    assert message["content"][0]["text"] == _text(received)

    time.sleep(0.15)  # the run made nothing more
    again = client.responses.retrieve(response_id, stream=True)
    assert [e.sequence_number for e in again] == list(range(len(received)))
    polled = client.responses.retrieve(response_id)
    assert polled.status == "cancelled" and polled.output_text == _text(received)
    assert client.responses.cancel(response_id).status == "cancelled"  # idempotent


def test_a_queued_response_is_cancelled_before_it_starts(
    emulator: Emulator, client: OpenAI
) -> None:
    emulator.enqueue(s.text(WORDS, queued_for=30))
    events = iter(client.responses.create(**BODY, stream=True))
    first = [next(events) for _ in range(2)]
    assert [e.type for e in first] == ["response.created", "response.queued"]
    response_id = first[0].response.id
    started = time.monotonic()
    assert client.responses.cancel(response_id).status == "cancelled"
    assert list(events) == []  # ends at once, though the queue had 30 s to go
    assert time.monotonic() - started < 1
    assert client.responses.retrieve(response_id).output == []


def test_cancel_refusals_and_a_finished_response(
    emulator: Emulator, client: OpenAI, raw: Raw
) -> None:
    foreground = client.responses.create(model="gpt-4.1", input="hi")
    status, error = raw.json("POST", f"/v1/responses/{foreground.id}/cancel")
    assert status == 400
    validate_response("POST", "/v1/responses/{response_id}/cancel", status, error)
    assert error["error"]["message"] == (
        "Only responses created with the `background` parameter set to `true` can be cancelled."
    )
    with pytest.raises(openai.BadRequestError):
        client.responses.cancel(foreground.id)

    status, error = raw.json("POST", "/v1/responses/resp_nope/cancel")
    assert status == 404
    validate_response("POST", "/v1/responses/{response_id}/cancel", status, error)
    assert error["error"]["message"] == "Response with id 'resp_nope' not found."

    emulator.enqueue(s.text(WORDS))
    created = client.responses.create(**BODY)
    _wait_for(lambda: client.responses.retrieve(created.id).status == "completed")
    finished = client.responses.cancel(created.id)
    assert (finished.status, finished.output_text) == ("completed", WORDS)
    assert finished == client.responses.retrieve(created.id)


def test_background_without_store_is_refused(emulator: Emulator, client: OpenAI, raw: Raw) -> None:
    body = {**BODY, "store": False}
    validate_request("POST", "/v1/responses", body)
    emulator.enqueue(s.text("kept for the next request"))
    status, error = raw.json("POST", "/v1/responses", body)
    assert status == 400
    validate_response("POST", "/v1/responses", status, error)
    assert error["error"]["param"] == "background"
    assert "store" in error["error"]["message"]
    with pytest.raises(openai.BadRequestError):
        client.responses.create(**body)
    assert client.responses.create(model="gpt-4.1", input="x").output_text == (
        "kept for the next request"
    )


def test_only_a_background_response_created_streaming_streams_again(
    emulator: Emulator, client: OpenAI, raw: Raw
) -> None:
    polled = client.responses.create(**BODY)
    foreground = client.responses.create(model="gpt-4.1", input="hi")
    for response_id in (polled.id, foreground.id):
        status, error = raw.json("GET", f"/v1/responses/{response_id}?stream=true")
        assert status == 400 and error["error"]["param"] == "stream"
        with pytest.raises(openai.BadRequestError):
            list(client.responses.retrieve(response_id, stream=True))
    with pytest.raises(openai.NotFoundError):
        client.responses.retrieve("resp_nope", stream=True)


def test_deleting_a_running_response_stops_it(emulator: Emulator, client: OpenAI) -> None:
    emulator.enqueue(s.text(WORDS, event_delay=0.05))
    created = client.responses.create(**BODY)
    client.responses.delete(created.id)
    time.sleep(0.1)
    with pytest.raises(openai.NotFoundError):
        client.responses.retrieve(created.id)
    with emulator.state.lock:
        assert created.id not in emulator.state.responses
        assert created.id not in emulator.state.background


def test_the_emulator_stops_promptly_with_a_run_in_progress() -> None:
    emulator = Emulator().start()
    client = OpenAI(base_url=emulator.url, api_key="k", max_retries=0)
    emulator.enqueue(s.text(WORDS, deltas=12, event_delay=5.0))
    stream = client.responses.create(**BODY, stream=True)
    first = next(iter(stream))
    follower_done = threading.Event()

    def follow() -> None:  # a live stream waiting on the run when the emulator stops
        with contextlib.suppress(openai.APIError):
            list(client.responses.retrieve(first.response.id, stream=True))
        follower_done.set()

    threading.Thread(target=follow, daemon=True).start()
    time.sleep(0.1)
    started = time.monotonic()
    emulator.stop()
    assert time.monotonic() - started < 2
    assert follower_done.wait(2)
    stream.close()


def test_reset_stops_runs_and_forgets_them(emulator: Emulator, client: OpenAI) -> None:
    emulator.enqueue(s.text(WORDS, event_delay=5.0))
    created = client.responses.create(**BODY)
    started = time.monotonic()
    emulator.reset()
    assert time.monotonic() - started < 2
    with pytest.raises(openai.NotFoundError):
        client.responses.retrieve(created.id)


def test_queued_for_round_trips_through_the_script_json() -> None:
    reply = s.text("hi", queued_for=1.5, event_delay=0.1)
    assert s.from_json(json.loads(json.dumps(s.to_json(reply)))) == reply
