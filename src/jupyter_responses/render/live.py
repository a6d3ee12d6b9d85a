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
    more to redraw, so it is redrawn less often and the total stays linear). One slow
    redraw after fast ones waits at most ``MAX_GAP`` seconds for the next, so it never
    freezes the view; redraws that stay slow may space out further (at most doubling
    the wait each time), or a very long answer would go back to costing O(n^2).

    While the stream arrives faster than it is parsed (the thread was busy all the
    time since the last redraw: a local server, a burst), every redraw delays the
    answer itself, so the share drops towards ``BUSY_BUDGET``. A stream that keeps the
    thread waiting for the network gets the full ``BUDGET``: redrawing costs it nothing."""

    #: Share of wall time that redrawing may take.
    BUDGET = 0.25
    #: The share while the thread is busy all the time between redraws.
    BUSY_BUDGET = 0.01
    #: The longest wait after one slow redraw (redraws that stay slow may wait longer).
    MAX_GAP = 1.0

    def __init__(self, interval: float) -> None:
        self.interval = interval
        self.gap = interval
        self.last = time.monotonic()
        self.cpu: float | None = None  # this thread's CPU time after the last redraw

    def due(self, urgent: bool = False) -> bool:
        return urgent or time.monotonic() - self.last >= self.gap

    def drew(self, started: float) -> None:
        """Record a redraw that began at ``started`` (a ``time.monotonic()`` value)."""
        now, cpu = time.monotonic(), time.thread_time()
        spent = now - started
        busy = 0.0  # share of the time between the two redraws this thread was working
        if self.cpu is not None and started > self.last:
            busy = min(max((cpu - self.cpu - spent) / (started - self.last), 0.0), 1.0)
        wanted = max(spent / self.BUDGET, spent * busy / self.BUSY_BUDGET)
        self.gap = min(max(self.interval, wanted), max(self.MAX_GAP, 2 * self.gap))
        self.last, self.cpu = now, cpu


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
        if type(event) is ev.TextDelta:  # the per-token path, kept short
            self.pieces.append(event.text)
            self.dirty = True
            if self.throttle.due():
                self.redraw()
            return
        if isinstance(event, ev.ReasoningDelta):
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
