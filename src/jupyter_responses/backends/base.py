"""What every backend is: one generator from a turn request to our events, plus what
the magics and the panel need to offer it (its magic, its label, its own options)."""

from __future__ import annotations

from collections.abc import Callable, Generator, Iterator
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from ..cancel import Cancel
    from ..conversation import Turn
    from ..events import Event
    from ..turn_request import TurnRequest
    from .connection import Connection

#: An ``IPython.core.magic_arguments.argument(...)`` decorator.
MagicArgument = Callable[[Callable[..., Any]], Callable[..., Any]]


class Backend(Protocol):
    """Turn ``history`` (completed turns, oldest first) plus the ``turn`` in progress
    into requests, and the SDK's answer into events. One call is one model request;
    the session calls again while a tool loop continues. ``connection`` holds the
    client, the bytes of attachments (turns keep only references) and what the server
    already has or cannot do. ``cancel`` is the panel's Stop: a streamed body is read
    inside ``cutting(cancel, response)``, so Stop ends it at once."""

    #: The name turns record and ``BACKENDS`` is keyed by ("responses", "chat").
    api: str
    #: The cell magic that talks to it, without ``%%``.
    magic: str
    #: What the chat panel's API selector calls it.
    label: str
    #: Magic options only this API accepts (beyond the shared ones).
    options: tuple[MagicArgument, ...]

    def validate(self, request: TurnRequest) -> None:
        """Raise ``OptionsError`` for what this API cannot do, before anything is sent."""
        ...

    def compact(
        self,
        connection: Connection,
        request: TurnRequest,
        history: list[Turn],
        turn: Turn,
        cancel: Cancel | None = None,
    ) -> Iterator[Event]:
        """The conversation ``history`` compacted, as the events of ``turn``, ending in
        a ``Completed`` whose entries hold one ``compaction`` entry."""
        ...

    def reattach(self, connection: Connection, request: TurnRequest, turn: Turn) -> Iterator[Event]:
        """The events of ``turn``'s background response (``turn.response_id``), from its
        first, ending as the response did."""
        ...

    def count_tokens(
        self, connection: Connection, request: TurnRequest, history: list[Turn], turn: Turn
    ) -> int | None:
        """The input tokens the server counts for this turn's request, where the API can
        count them without answering (``None``: it cannot, or did not say)."""
        ...

    def warm(self, connection: Connection | None) -> None:
        """Build, ahead of the first turn, what the SDK makes on first use for this API
        and caches (``warmup.py``): its client resource, the type hints it transforms a
        request with, the parser of its stream events. Never connects; may raise (the
        warm-up swallows it)."""
        ...

    def stream(
        self,
        connection: Connection,
        request: TurnRequest,
        history: list[Turn],
        turn: Turn,
        cancel: Cancel | None = None,
    ) -> Iterator[Event]: ...

    def candidates(
        self,
        connection: Connection,
        requests: list[TurnRequest],
        history: list[Turn],
        turns: list[Turn],
        cancel: Cancel,
    ) -> Generator[Candidate, None, None]:
        """``-n``: one answer per turn of ``turns`` (the same prompt; ``requests[i]`` is
        turn ``i``'s), as ``(i, event)`` in arrival order, or ``(i, error)`` when turn
        ``i``'s request failed (the others go on). Closing the generator stops them."""
        ...

    def batch_line(self, request: TurnRequest, turn: Turn) -> tuple[str, dict[str, Any]]:
        """``turn`` as one request of a Batch API file: the endpoint's path (as the
        batch names it, ``/v1/...``) and the body, as ``stream`` would send it unstreamed
        with no history (a mapped row)."""
        ...

    def read_body(self, connection: Connection, body: dict[str, Any]) -> Iterator[Event]:
        """The events of an answer that came as JSON (a Batch API result line's body),
        as ``stream`` reads the answer to an unstreamed request."""
        ...


#: One event of one candidate (its index), or the error that ended it.
Candidate = tuple[int, "Event | BaseException"]
