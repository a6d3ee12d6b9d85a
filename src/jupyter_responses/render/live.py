"""What the two live views in a notebook (widgets, and the updating HTML display)
share: the text and reasoning received so far, and when they may redraw."""

from __future__ import annotations

import time
from typing import TYPE_CHECKING

from .. import events as ev
from .markup import to_html
from .static import bundle

if TYPE_CHECKING:
    from ..conversation import Turn

#: Events the user should see without waiting for the next throttled redraw.
IMMEDIATE = (ev.ToolRunning, ev.ToolResult, ev.ToolCallDone)


class Throttle:
    """When a live view may redraw: at most once per ``interval`` seconds, and never
    more often than keeps drawing under a quarter of the time (a long answer costs
    more to redraw, so it is redrawn less often and the total stays linear), but at
    least once every ``MAX_GAP`` seconds, so one slow redraw never freezes the view."""

    #: Share of wall time that redrawing may take.
    BUDGET = 0.25
    #: The longest wait between redraws while text arrives.
    MAX_GAP = 1.0

    def __init__(self, interval: float) -> None:
        self.interval = interval
        self.gap = interval
        self.last = time.monotonic()

    def due(self, urgent: bool = False) -> bool:
        return urgent or time.monotonic() - self.last >= self.gap

    def drew(self, started: float) -> None:
        """Record a redraw that began at ``started`` (a ``time.monotonic()`` value)."""
        now = time.monotonic()
        self.gap = min(max(self.interval, (now - started) / self.BUDGET), self.MAX_GAP)
        self.last = now


class LiveView:
    """Collects deltas (joined per redraw, never per token) and redraws through
    ``draw`` when the throttle allows, or at once for tool activity."""

    def __init__(self, interval: float) -> None:
        to_html("")  # load the renderer now, not inside the first (timed) redraw
        self.throttle = Throttle(interval)
        self.turn: Turn | None = None
        self.pieces: list[str] = []
        self.reasoning_pieces: list[str] = []
        self.dirty = False
        self.updates = 0

    def update(self, event: ev.Event) -> None:
        if isinstance(event, ev.TextDelta):
            self.pieces.append(event.text)
        elif isinstance(event, ev.ReasoningDelta):
            self.reasoning_pieces.append(event.text)
        elif isinstance(event, ev.Image):
            self.image(event)
        self.dirty = True
        if self.throttle.due(urgent=isinstance(event, IMMEDIATE)):
            self.redraw()

    def redraw(self, final: bool = False) -> None:
        """Draw what changed (always, when ``final``)."""
        if self.turn is None or not (self.dirty or final):
            return
        started = time.monotonic()
        self.draw(self.turn, final)
        self.updates += 1
        self.dirty = False
        self.throttle.drew(started)

    def draw(self, turn: Turn, final: bool) -> None:
        raise NotImplementedError

    def image(self, image: ev.Image) -> None:
        """A generated image as its own output, so it stays in the saved notebook."""
        from IPython.display import display

        caption = image.caption or "generated image"
        display({"image/png": image.png_b64, "text/plain": f"[image: {caption}]"}, raw=True)


def final_bundle(turn: Turn) -> dict[str, str]:
    """What the cell keeps. A turn that failed before anything arrived keeps nothing:
    the error message below the cell says it all."""
    if turn.status in ("failed", "interrupted") and not (turn.text or turn.refusal or turn.calls):
        return {"text/plain": ""}
    return bundle(turn)
