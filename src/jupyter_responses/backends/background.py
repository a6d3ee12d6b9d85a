"""Background responses: the server runs the request apart from the connection, so the
answer survives what happens to the connection, and the stream picks up where it broke.

A background request (``background: true``) is streamed as usual, but every event says
where it stands: the response's id once it is created, and a ``sequence_number``. When
the connection drops (``APIConnectionError`` mid-stream, or a stream that ends before a
terminal event), the stream is retrieved again from the event after the last one seen
(``responses.retrieve(id, stream=True, starting_after=N)``): no delta is lost and none
comes twice. The id is announced as soon as it is known (``events.Running``: the
session saves it, so a turn left running by a dead kernel can be found and finished),
and so is where the run stands until it answers (``events.BackgroundStatus``: queued,
then in progress), which the live views show.

Stop and a kernel interrupt mean stop: the run is cancelled on the server
(``responses.cancel``), which would otherwise go on working (and billing). A failure
that is not the user's choice leaves it running, so it can still be resumed.
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Iterator
from contextlib import suppress
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from .. import events as ev
from ..cancel import Cancel, cutting
from .responses_stream import Exchange, events

if TYPE_CHECKING:
    from openai import OpenAI

    from .errors import StreamState

#: Events after which a response is over.
TERMINAL = frozenset(
    {"response.completed", "response.incomplete", "response.failed", "response.cancelled"}
)
#: How many times a dropped stream is picked up again before the turn fails.
MAX_RESUMES = 5
#: Seconds before the first attempt to pick a dropped stream up (doubling, at most 4 s).
FIRST_WAIT = 0.25
RESUMED_NOTE = (
    "The connection dropped after event {sequence}; the answer was picked up where it "
    "broke (the server kept working on it)."
)


@dataclass
class Progress:
    """Where a background response stands, as far as this client has seen."""

    response_id: str | None = None
    sequence: int = -1
    status: str = ""  # the last status announced (``STATUSES``)
    ended: bool = False
    resumes: int = 0


def background_events(
    client: OpenAI,
    kwargs: dict[str, Any],
    exchange: Exchange,
    state: StreamState,
    cancel: Cancel | None,
    resume_id: str | None = None,
) -> Iterator[ev.Event]:
    """The events of a background response: made from ``kwargs`` (``background``
    already in them), or, with ``resume_id``, one already running (from its start)."""
    import openai

    where = Progress(response_id=resume_id)
    stopped = True  # until the stream ends as it should: a stop the user asked for
    try:
        while True:
            if where.response_id is None:
                stream = client.responses.create(stream=True, **kwargs)
            else:
                starting = where.sequence if where.sequence >= 0 else openai.omit
                stream = client.responses.retrieve(
                    where.response_id, stream=True, starting_after=starting
                )
            state.answered = True
            try:
                with cutting(cancel, stream.response):
                    yield from events(_tracked(stream, where), exchange, state)
            except openai.APIConnectionError:  # dropped: picked up below, if it can be
                if cancel is not None and cancel.requested:
                    raise
                if where.response_id is None or where.resumes >= MAX_RESUMES:
                    stopped = False
                    raise
            finally:
                stream.close()
            if where.ended:
                stopped = False
                return
            if where.response_id is None or where.resumes >= MAX_RESUMES:
                stopped = False
                return  # the stream ended early and cannot be resumed: the session says so
            where.resumes += 1
            time.sleep(min(FIRST_WAIT * 2 ** (where.resumes - 1), 4.0))
            yield ev.Note(RESUMED_NOTE.format(sequence=where.sequence))
    finally:
        if stopped and where.response_id is not None and not where.ended:
            with suppress(openai.OpenAIError):  # best effort: the run may be over already
                client.responses.cancel(where.response_id)


def _tracked(stream: Iterable[Any], where: Progress) -> Iterator[Any]:
    """``stream``'s events, noting the response id (then announced as ``Running``, an
    event of ours the translation passes on), its status before it answers (announced
    as ``BackgroundStatus`` when it changes), the position and the end."""
    for event in stream:
        sequence = getattr(event, "sequence_number", None)
        if isinstance(sequence, int):
            where.sequence = sequence
        kind = getattr(event, "type", "")
        if where.response_id is None:
            made = getattr(getattr(event, "response", None), "id", None)
            if isinstance(made, str) and made:
                where.response_id = made
                yield ev.Running(made)
        if kind in _STATUS_EVENTS:
            status = getattr(getattr(event, "response", None), "status", None)
            if status in STATUSES and status != where.status:
                where.status = status
                yield ev.BackgroundStatus(status)
        if kind in TERMINAL:
            where.ended = True
        yield event


#: Events whose response says where the run stands before it answers, and the statuses
#: announced from them (``queued``: not taken up yet; then ``in_progress``).
_STATUS_EVENTS = frozenset({"response.created", "response.queued", "response.in_progress"})
STATUSES = ("queued", "in_progress")

#: Seconds between polls of a background response asked for without streaming.
POLL = 0.5
#: Statuses a polled background response ends in.
_OVER = frozenset({"completed", "incomplete", "failed", "cancelled"})


def background_polled(
    client: OpenAI, kwargs: dict[str, Any], exchange: Exchange, cancel: Cancel | None
) -> Iterator[ev.Event]:
    """``--background --no-stream``: the response is created queued, then polled until
    it ends (Stop and interrupts cancel it on the server, as when streamed); its final
    state is read as a whole answer is."""
    import openai

    from .responses_stream import whole

    response = client.responses.create(**kwargs)
    yield ev.Running(response.id)
    said = ""
    over = False
    try:
        while (status := getattr(response, "status", None)) not in _OVER:
            if status in STATUSES and status != said:
                said = status
                yield ev.BackgroundStatus(status)
            if cancel is not None and cancel.requested:
                break
            time.sleep(POLL)
            response = client.responses.retrieve(response.id)
        over = getattr(response, "status", None) in _OVER
    finally:
        if not over:
            with suppress(openai.OpenAIError):
                client.responses.cancel(response.id)
    if not over:  # Stop: said once more, so the session ends the turn as interrupted
        yield ev.Note("Stopped: the background response was cancelled on the server.")
        return
    yield from whole(response, exchange)
