"""The one interface every view implements, and the status, footer and notice lines
all of them show."""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol

from .. import pricing, window

if TYPE_CHECKING:
    from ..conversation import Turn
    from ..events import Event, Retrying
    from ..streamed import Streamed


class View(Protocol):
    """Shows one turn: ``start`` before the request, ``update`` per event (the view
    throttles itself), ``finish`` with the recorded turn (always called). ``streamed``
    is the text joined so far, which the session fills before each ``update``: a view
    that draws snapshots reads it rather than keeping a copy."""

    def start(self, turn: Turn, streamed: Streamed) -> None: ...

    def update(self, event: Event) -> None: ...

    def finish(self, turn: Turn) -> None: ...

    def confirm(self, name: str, arguments: str) -> bool:
        """Ask the user whether the tool call ``name(arguments)`` may run (``--approve``)."""
        ...


#: The line under a turn that did not complete. (``importing`` also strips these from
#: the text of notebooks saved before records, so a line once shown stays listed.)
STATUS_LINES = {
    "incomplete": "⚠ Cut off (max tokens reached).",
    "stopped": "⚠ Stopped at the limit of tool rounds: the model was still calling tools.",
    "failed": "⚠ Failed: the answer above is incomplete.",
    "interrupted": "⏹ Interrupted: the partial answer is kept.",
}

#: Statuses whose turn always ends in an error that says so, in its own block under
#: the answer (and as the chat panel's notice), with the partial answer kept: a status
#: line would say the same failure a second time.
SAID_BY_THE_ERROR = frozenset({"failed", "stopped"})

#: The live line while a background response waits on the server (by its status, from
#: ``events.BackgroundStatus``), until its answer flows; the page adds the seconds.
BACKGROUND_LINES = {
    "queued": "⏳ Queued on the server (background)…",
    "in_progress": "⏳ In progress on the server (background)…",
}

#: A few words for the HTTP statuses the SDK retries.
RETRY_REASONS = {
    408: "request timeout",
    409: "conflict",
    429: "rate limited",
    500: "server error",
    502: "bad gateway",
    503: "server unavailable",
    504: "gateway timeout",
}


#: The service tier a footer does not mention (the one nearly every turn is served by).
DEFAULT_TIER = "default"


def footer(turn: Turn) -> str:
    """Model, the service tier that served it (when not the default one), tokens (when
    the server reported them: a stopped stream has none; the cached part of the input,
    the reasoning part of the output), cost (when the model's price is known), how full
    the context window is, and time."""
    parts = [turn.model]
    if turn.service_tier and turn.service_tier != DEFAULT_TIER:
        parts.append(f"{turn.service_tier} tier")
    counted = pricing.tokens(turn.usage)
    if counted:
        parts.append(counted)
    if turn.cost is not None and counted:
        parts.append(pricing.dollars(turn.cost))
    if turn.window:
        parts.append(f"context {window.gauge(turn.window)}")
    parts.append(f"{turn.seconds:.1f} s")
    return " · ".join(parts)


def status_line(turn: Turn, in_cell: bool = False) -> str | None:
    """The line under a turn that did not complete, unless its error says it. In a
    cell an interrupt's own block says it too (the panel and exports have no block)."""
    if turn.status in SAID_BY_THE_ERROR or (in_cell and turn.status == "interrupted"):
        return None
    return STATUS_LINES.get(turn.status)


def retry_notice(event: Retrying) -> str:
    """``Retrying in 2 s (429 rate limited)…``: what a live view shows while the SDK
    waits to send a failed request again."""
    seconds = event.seconds
    wait = f"{seconds:.1f}".removesuffix(".0") if seconds < 10 else f"{seconds:.0f}"
    if event.status is None:
        why = "no answer"
    else:
        reason = RETRY_REASONS.get(event.status, "server error" if event.status >= 500 else "")
        why = f"{event.status} {reason}".strip()
    if event.attempt > 1:
        why += f", retry {event.attempt}"
    return f"Retrying in {wait} s ({why})…"
