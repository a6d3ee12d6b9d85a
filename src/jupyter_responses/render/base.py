"""The one interface every view implements, and the status and footer lines all of
them show."""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from ..conversation import Turn
    from ..events import Event


class View(Protocol):
    """Shows one turn: ``start`` before the request, ``update`` per event (the view
    throttles itself), ``finish`` with the recorded turn (always called)."""

    def start(self, turn: Turn) -> None: ...

    def update(self, event: Event) -> None: ...

    def finish(self, turn: Turn) -> None: ...

    def confirm(self, name: str, arguments: str) -> bool:
        """Ask the user whether the tool call ``name(arguments)`` may run (``--approve``)."""
        ...


#: The line under a turn that did not complete.
STATUS_LINES = {
    "incomplete": "⚠ Cut off (max tokens reached).",
    "stopped": "⚠ Stopped at the limit of tool rounds: the model was still calling tools.",
    "failed": "⚠ Failed: the answer above is incomplete.",
    "interrupted": "⏹ Interrupted: the partial answer is kept.",
}


def footer(turn: Turn) -> str:
    """Model, tokens (when the server reported them: a stopped stream has none) and time."""
    usage = turn.usage
    parts = [turn.model]
    if usage.input_tokens or usage.output_tokens:
        parts.append(f"{usage.input_tokens} in / {usage.output_tokens} out tokens")
    if usage.reasoning_tokens:
        parts.append(f"{usage.reasoning_tokens} reasoning")
    parts.append(f"{turn.seconds:.1f} s")
    return " · ".join(parts)


def status_line(turn: Turn) -> str | None:
    return STATUS_LINES.get(turn.status)
