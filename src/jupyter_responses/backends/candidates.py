"""``-n`` on an API with no ``n``: N requests of one turn, run side by side.

Each candidate's stream runs on a thread of its own and hands its events to the
session's thread through one queue, so the turns are still recorded and drawn on one
thread, in arrival order. One Stop cuts every stream (they share the ``Cancel``)."""

from __future__ import annotations

import contextvars
import queue
import threading
from collections.abc import Callable, Generator, Iterator
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ..cancel import Cancel
    from ..conversation import Turn
    from ..events import Event
    from ..turn_request import TurnRequest
    from .base import Candidate
    from .connection import Connection

#: Most candidates one turn may ask for (``-n``): each is a request of its own.
MOST = 8
#: How long a closed merge waits for each stream's thread to see the Stop.
JOIN_SECONDS = 5.0

#: ``Backend.stream``.
Stream = Callable[
    ["Connection", "TurnRequest", "list[Turn]", "Turn", "Cancel | None"], Iterator["Event"]
]
_DONE = object()


def side_by_side(
    stream: Stream,
    connection: Connection,
    requests: list[TurnRequest],
    history: list[Turn],
    turns: list[Turn],
    cancel: Cancel,
) -> Generator[Candidate, None, None]:
    """Every candidate's events, merged as they arrive; closed early (a Stop, an
    interrupt, a failure here), it cuts the streams and waits for their threads."""
    arrived: queue.Queue[tuple[int, object]] = queue.Queue()

    def pump(index: int) -> None:
        try:
            for event in stream(connection, requests[index], history, turns[index], cancel):
                arrived.put((index, event))
                if cancel.requested:
                    break
        except BaseException as error:  # handed to the session, which records it
            arrived.put((index, error))
        finally:
            arrived.put((index, _DONE))

    threads = [
        threading.Thread(
            target=contextvars.copy_context().run,
            args=(pump, index),
            name=f"jr-candidate-{index + 1}",
            daemon=True,
        )
        for index in range(len(turns))
    ]
    for thread in threads:
        thread.start()
    running = len(threads)
    try:
        while running:
            try:
                index, item = arrived.get(timeout=0.1)  # an interrupt gets through
            except queue.Empty:
                continue
            if item is _DONE:
                running -= 1
                continue
            yield index, item  # type: ignore[misc]
    finally:
        if running:
            cancel.set()
        for thread in threads:
            thread.join(JOIN_SECONDS)
