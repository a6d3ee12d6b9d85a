"""The one interface every view implements, and the static Markdown/plain bundle
that every displayed turn carries (so a saved notebook reads without a kernel)."""

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


STATUS_MARKS = {
    "incomplete": "⚠ Cut off (max tokens reached).",
    "failed": "⚠ Failed: the answer above is incomplete.",
    "interrupted": "⏹ Interrupted: the partial answer is kept.",
}


def footer(turn: Turn) -> str:
    usage = turn.usage
    parts = [turn.model, f"{usage.input_tokens} in / {usage.output_tokens} out tokens"]
    if usage.reasoning_tokens:
        parts.append(f"{usage.reasoning_tokens} reasoning")
    parts.append(f"{turn.seconds:.1f} s")
    return " · ".join(parts)


def status_line(turn: Turn) -> str | None:
    return STATUS_MARKS.get(turn.status)


def markdown(turn: Turn, text: str | None = None, final: bool = True) -> str:
    """The turn as Markdown; model text is left to the frontend's sanitizer."""
    blocks = [*(f"> *{note}*" for note in turn.notes)]
    body = turn.text if text is None else text
    if body:
        blocks.append(body)
    if turn.refusal:
        blocks.append(f"> **Refused:** {turn.refusal}")
    if not final:
        return "\n\n".join(blocks) if body else "\n\n".join([*blocks, "*Thinking…*"])
    status = status_line(turn)
    if status:
        blocks.append(f"**{status}**")
    blocks.append(f"<sub>{footer(turn)}</sub>")
    return "\n\n".join(blocks)


def plain(turn: Turn) -> str:
    lines = [*(f"[{note}]" for note in turn.notes)]
    if turn.text:
        lines.append(turn.text)
    if turn.refusal:
        lines.append(f"Refused: {turn.refusal}")
    status = status_line(turn)
    if status:
        lines.append(status)
    lines.append(f"-- {footer(turn)}")
    return "\n".join(lines)


def bundle(turn: Turn) -> dict[str, str]:
    return {"text/markdown": markdown(turn), "text/plain": plain(turn)}
