"""Background mode of the Responses API: a run that outlives the connection that began it.

``POST /v1/responses`` with ``background: true`` starts a ``BackgroundRun``: a daemon
thread pulls the ``ResponseRun``'s events at the reply's pace (``queued_for``,
``event_delay``, ``stall``) and keeps every one, numbered by its ``sequence_number``,
whether anyone listens or not; so a client that loses its stream loses no event. Any
number of streams follow a run (the create request's own and every ``GET
/v1/responses/{id}?stream=true&starting_after=N``): each sends the kept events after N,
then waits on the run's condition for the rest, until the run ends. A poll (``GET``
without ``stream``) sees the response the events so far make: ``queued``, then
``in_progress`` with its output so far (an unfinished message holds the text streamed
until then), then finished.

``POST /v1/responses/{id}/cancel`` stops a queued or running run between two events: its
status becomes ``cancelled`` (the output so far kept, as in the spec's example) and the
streams following it end after the last event it made. No event announces the cancel:
``response.cancelled`` is a webhook in OpenAI's spec, not a ``ResponseStreamEvent``, and
the SDK's stream union has no such event, so none is invented.

Locks: a run holds its condition while its generator makes the next event, which may
store the finished response under ``state.lock``; so a run's lock is always taken
before ``state.lock``, and code that holds ``state.lock`` never touches a run.
"""

from __future__ import annotations

import contextlib
import copy
import functools
import json
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from .errors import invalid
from .responses_api import ResponseRun, lookup
from .state import EmulatorState, StoredResponse

#: Statuses a response does not leave: cancelling one of these changes nothing.
FINAL = frozenset({"completed", "failed", "incomplete", "cancelled"})

#: What OpenAI's background guide says of streams (its "Limits"); the API's own error
#: text is not published, so the emulator answers the guide's sentence.
NOT_STREAMABLE = (
    "You can only start a new stream from a background response if you created it with stream=true."
)
#: The cancel endpoint's description in OpenAI's spec, as the refusal's message.
ONLY_BACKGROUND = (
    "Only responses created with the `background` parameter set to `true` can be cancelled."
)
#: The guide: "Background sampling requires store=true; stateless requests are rejected."
NEEDS_STORE = "Background mode requires `store` to be true: stateless requests are rejected."


@dataclass(frozen=True)
class Delivery:
    """How the HTTP side sends a stream that follows a run. The run keeps the pace
    itself, so there is no delay here; ``live`` has every event flushed as it is sent
    (the next one may be seconds away). ``disconnect_after`` / ``malformed_after`` are
    the create request's faults: its connection drops, the run goes on."""

    disconnect_after: int | None = None
    malformed_after: int | None = None
    live: bool = True


#: A retrieve stream: no faults of its own.
LIVE = Delivery()


class BackgroundRun:
    """One background response: its events so far, its current state, its thread."""

    def __init__(self, run: ResponseRun) -> None:
        self.run = run
        reply = run.reply
        #: Only a response created with ``stream: true`` may be streamed again.
        self.streamable = bool(run.body.get("stream"))
        self.delivery = Delivery(reply.disconnect_after, reply.malformed_after)
        #: The response as the events so far make it (what a poll and cancel answer);
        #: changed in place, as ``state.responses`` holds this same object.
        self.response: dict[str, Any] = copy.deepcopy(run.response)
        self.created = copy.deepcopy(run.response)  # the create request's answer
        #: Every event sent so far, as SSE bytes; the index is its sequence_number.
        self.events: list[bytes] = []
        self.changed = threading.Condition()
        self.finished = False  # the run made its last event
        self.cancelled = False
        self.stopped = False  # the emulator stopped or forgot it
        self._thread = threading.Thread(
            target=self._produce, daemon=True, name=f"background {self.response['id']}"
        )

    # -- what server._deliver asks of a run ---------------------------------------------
    def sse(self) -> Iterator[bytes]:
        """The create request's stream: every event from the first."""
        return self.follow(-1)

    def final(self) -> dict[str, Any]:
        """The create request's answer without ``stream``: the response as queued."""
        return copy.deepcopy(self.created)

    # -- the run ----------------------------------------------------------------------
    def start(self) -> None:
        self._thread.start()

    def _produce(self) -> None:
        reply = self.run.reply
        chunks = self.run.sse()
        count = 0
        try:
            while True:
                if count == reply.stall_after and self._rest(reply.stall):
                    return
                with self.changed:
                    if self.cancelled or self.stopped:
                        return
                    chunk = next(chunks, None)
                    if chunk is None:
                        return
                    event = _data(chunk)
                    self.events.append(chunk)
                    self._apply(event)
                    self.changed.notify_all()
                count += 1
                pause = reply.event_delay
                if event.get("type") == "response.queued":
                    pause += reply.queued_for
                if pause and self._rest(pause):
                    return
        finally:
            with self.changed:
                self.finished = True
                self.changed.notify_all()

    def _rest(self, seconds: float) -> bool:
        """Wait ``seconds`` unless cancelled or stopped first (then say so)."""
        with self.changed:
            return self.changed.wait_for(lambda: self.cancelled or self.stopped, seconds)

    def _apply(self, event: dict[str, Any]) -> None:
        """Bring ``response`` up to date with one event (under the run's lock)."""
        whole = event.get("response")
        if isinstance(whole, dict):  # created, queued, in_progress, and the last
            self.response.clear()
            self.response.update(whole)
        elif event.get("type") == "error":  # the run ends here: it failed
            nested = event.get("error")
            error: dict[str, Any] = nested if isinstance(nested, dict) else event
            self.response["status"] = "failed"
            self.response["error"] = {"code": error.get("code"), "message": error.get("message")}
        else:
            # (a loose reply may leave out what an event refers to: keep what we have)
            with contextlib.suppress(LookupError, TypeError, AttributeError):
                _grow(self.response.setdefault("output", []), event)

    # -- what clients do to it ----------------------------------------------------------
    def follow(self, after: int) -> Iterator[bytes]:
        """The events after sequence number ``after``, kept ones first, then live ones as
        they come, until the run ends, is cancelled or is stopped."""
        position = max(after + 1, 0)
        while True:
            with self.changed:
                self.changed.wait_for(functools.partial(self._beyond, position))
                fresh = self.events[position:]
                over = self._over()
            position += len(fresh)
            yield from fresh
            if over and not fresh:
                return

    def _over(self) -> bool:
        return self.finished or self.cancelled or self.stopped

    def _beyond(self, position: int) -> bool:
        """Is there an event at ``position`` or later, or will there be none?"""
        return len(self.events) > position or self._over()

    def snapshot(self) -> dict[str, Any]:
        with self.changed:
            return copy.deepcopy(self.response)

    def cancel(self) -> dict[str, Any]:
        """Cancel a queued or running response; a finished one is returned unchanged."""
        with self.changed:
            if not self.finished and self.response.get("status") not in FINAL:
                self.cancelled = True
                self.response["status"] = "cancelled"
                self.changed.notify_all()
            return copy.deepcopy(self.response)

    def stop(self) -> None:
        """End the run's thread and its streams now (the emulator stops or resets)."""
        with self.changed:
            self.stopped = True
            self.changed.notify_all()
        if self._thread.is_alive() and self._thread is not threading.current_thread():
            self._thread.join(timeout=2)


#: Delta events -> the field of the item they extend.
_ITEM_DELTAS = {
    "response.function_call_arguments.delta": "arguments",
    "response.custom_tool_call_input.delta": "input",
    "response.code_interpreter_call_code.delta": "code",
    "response.mcp_call_arguments.delta": "arguments",
}
#: Delta events -> the field of the item's content part they extend.
_PART_DELTAS = {"response.output_text.delta": "text", "response.refusal.delta": "refusal"}


def _grow(output: list[dict[str, Any]], event: dict[str, Any]) -> None:
    """Apply one item event to the output so far, as a client accumulating the stream
    would: items as added, parts and deltas appended, an item replaced when done."""
    kind = event.get("type")
    if kind == "response.output_item.added":
        output.append(event["item"])
        return
    index = event.get("output_index")
    if not isinstance(index, int):
        return
    item = output[index]
    if kind == "response.output_item.done":
        output[index] = event["item"]
    elif kind == "response.content_part.added":
        item.setdefault("content", []).append(event["part"])
    elif kind == "response.content_part.done":
        item["content"][event["content_index"]] = event["part"]
    elif kind in _PART_DELTAS:
        part = item["content"][event["content_index"]]
        part[_PART_DELTAS[kind]] = (part.get(_PART_DELTAS[kind]) or "") + event["delta"]
    elif kind == "response.output_text.annotation.added":
        part = item["content"][event["content_index"]]
        part.setdefault("annotations", []).append(event["annotation"])
    elif kind in _ITEM_DELTAS:
        item[_ITEM_DELTAS[kind]] = (item.get(_ITEM_DELTAS[kind]) or "") + event["delta"]
    elif kind == "response.reasoning_summary_part.added":
        item.setdefault("summary", []).append(event["part"])
    elif kind == "response.reasoning_summary_part.done":
        item["summary"][event["summary_index"]] = event["part"]
    elif kind == "response.reasoning_summary_text.delta":
        item["summary"][event["summary_index"]]["text"] += event["delta"]


def _data(chunk: bytes) -> dict[str, Any]:
    """The JSON of one SSE event as ``ResponseRun.sse`` encodes it."""
    data: dict[str, Any] = json.loads(chunk[chunk.index(b"\ndata: ") + 7 :])
    return data


# -- the endpoints' side ---------------------------------------------------------------
def check(body: Any) -> None:
    """Refuse background mode where the response would not be stored, as OpenAI does
    (before the script is touched)."""
    if isinstance(body, dict) and body.get("background") and body.get("store") is False:
        raise invalid(NEEDS_STORE, "background")


def start(state: EmulatorState, run: ResponseRun) -> BackgroundRun:
    """Store the queued response and start its run."""
    background = BackgroundRun(run)
    stored = StoredResponse(background.response, run.input_items, run.messages, run.call_ids)
    with state.lock:
        state.background[background.response["id"]] = background
        state.responses[background.response["id"]] = stored
    background.start()
    return background


def _run(state: EmulatorState, response_id: str) -> BackgroundRun | None:
    lookup(state, response_id)  # 404 for an unknown (or deleted) id
    with state.lock:
        return state.background.get(response_id)


def current(state: EmulatorState, response_id: str) -> dict[str, Any]:
    """``GET /v1/responses/{id}``: a background response as it is now, else the stored one."""
    background = _run(state, response_id)
    return background.snapshot() if background else lookup(state, response_id).response


def stream(state: EmulatorState, response_id: str, starting_after: str | None) -> Iterator[bytes]:
    """``GET /v1/responses/{id}?stream=true``: checked now, streamed as it is read."""
    background = _run(state, response_id)
    if background is None or not background.streamable:
        raise invalid(NOT_STREAMABLE, "stream")
    after = -1
    if starting_after is not None:
        try:
            after = int(starting_after)
        except ValueError:
            raise invalid(
                "Invalid type for 'starting_after': expected an integer, but got a string instead.",
                "starting_after",
                "invalid_type",
            ) from None
    return background.follow(after)


def cancel(state: EmulatorState, response_id: str) -> dict[str, Any]:
    """``POST /v1/responses/{id}/cancel``."""
    background = _run(state, response_id)
    if background is None:
        raise invalid(ONLY_BACKGROUND, "response_id")
    return background.cancel()


def forget(state: EmulatorState, response_id: str) -> None:
    """A deleted response's run stops (it would store the response again on finishing)."""
    with state.lock:
        background = state.background.pop(response_id, None)
    if background is not None:
        background.stop()
