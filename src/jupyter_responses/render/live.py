"""What the two live views in a notebook (widgets, and the updating HTML display)
share: the text and reasoning received so far, and when they may redraw."""

from __future__ import annotations

import contextlib
import contextvars
import threading
import time
from typing import TYPE_CHECKING, Any

from .. import events as ev
from ..streamed import SoFar, Streamed
from .base import BACKGROUND_LINES, retry_notice
from .markup import escape_html, to_html
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

    def wait(self) -> float:
        """Seconds until the next redraw is due (0 when it is)."""
        return max(0.0, self.last + self.gap - time.monotonic())

    def drew_while_quiet(self) -> None:
        """Record a redraw made because the stream went quiet (by another thread, so
        this thread's CPU time says nothing about how busy the stream kept it)."""
        self.last, self.cpu = time.monotonic(), None

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
    ``draw`` when the throttle allows, or at once for tool activity.

    What arrived just before the stream goes quiet (a model pausing, a slow tool call
    on the server) is drawn too: a helper thread draws it once the throttle's wait is
    over, so a stall never hides text that came. Subclasses call ``quiet_down`` first
    thing in ``finish``."""

    def __init__(self, interval: float) -> None:
        to_html("")  # load the renderer now, not inside the first (timed) redraw
        self.throttle = Throttle(interval)
        self.turn: Turn | None = None
        self.streamed = Streamed()
        self.dirty = False
        self.updates = 0
        #: A passing notice for the status line (e.g. a retry); empty when none.
        self.notice = ""
        #: What the status line says until something arrives, when more is known than
        #: that the turn waits (a background response queued on the server); "" else.
        self.waiting_line = ""
        self._drawing = threading.Lock()  # one redraw at a time, from either thread
        self._waiting = False  # something undrawn waits for the catch-up thread
        self._wake = threading.Event()
        self._catchup: threading.Thread | None = None
        self._ended = threading.Event()
        self._arrived = 0  # deltas so far: tells a quiet stream from a flowing one
        self._screen: tuple[ev.Image, Any] | None = None  # the latest screen, its handle

    def start(self, turn: Turn, streamed: Streamed) -> None:
        self.turn, self.streamed = turn, streamed

    def update(self, event: ev.Event) -> None:
        if type(event) is ev.TextDelta:  # the per-token path, kept short
            self._arrived += 1
            self.dirty = True
            if self.notice:
                self.notice = ""
            if self.throttle.due():
                self.redraw()
            elif not self._waiting:
                self._later()
            return
        if isinstance(event, ev.Retrying):
            # Said while the SDK waits to send the request again (drawn now: the wait
            # is happening), and gone with whatever the server sends next.
            self.notice = retry_notice(event)
            self.dirty = True
            self.redraw()
            return
        if isinstance(event, ev.BackgroundStatus):
            # Where the server has the run, said until the answer flows (drawn now).
            self.waiting_line = BACKGROUND_LINES.get(event.status, "")
            self.notice = ""
            self.dirty = True
            self.redraw()
            return
        self.notice = ""
        self._arrived += 1
        if isinstance(event, ev.Image):
            self.image(event)
        self.dirty = True
        if self.throttle.due(urgent=isinstance(event, IMMEDIATE)):
            self.redraw()
        elif not self._waiting:
            self._later()

    def redraw(self, final: bool = False) -> None:
        """Draw what changed (always, when ``final``)."""
        with self._drawing:
            if self.turn is not None and (self.dirty or final):
                self._draw_now(self.turn, final)

    def _draw_now(self, turn: Turn, final: bool, quiet: bool = False) -> None:
        """Draw, holding ``_drawing``, and tell the throttle (``quiet``: by the catch-up
        thread, whose CPU time says nothing of how busy the stream keeps its own)."""
        started = time.monotonic()
        self.draw(turn, final)
        self.updates += 1
        self.dirty = False
        if quiet:
            self.throttle.drew_while_quiet()
        else:
            self.throttle.drew(started)

    def quiet_down(self) -> None:
        """Stop the catch-up thread (the turn is over: ``finish`` draws the rest)."""
        with self._drawing:
            self._ended.set()
        self._wake.set()

    def _later(self) -> None:
        """Have what is undrawn drawn when the throttle allows, even if nothing more
        arrives by then."""
        self._waiting = True
        if self._catchup is None:
            # the cell's context goes along: an output made there lands in that cell
            context = contextvars.copy_context()
            self._catchup = threading.Thread(
                target=context.run, args=(self._catch_up,), name="jr-catch-up", daemon=True
            )
            self._catchup.start()
        self._wake.set()

    def _catch_up(self) -> None:
        """Draw what is undrawn once the stream has gone quiet: while events keep
        coming, the stream's own thread draws when the throttle allows (drawing here
        too would only compete with it for the GIL)."""
        while True:
            self._wake.wait()
            while True:
                seen = self._arrived
                wait = max(self.throttle.wait(), self.throttle.interval)
                if self._ended.wait(wait) or self._arrived == seen:
                    break  # the turn is over, or nothing came for a while
            with self._drawing:
                self._wake.clear()
                self._waiting = False
                if self._ended.is_set():
                    return
                if self.dirty and self.turn is not None:
                    # a failure is the main thread's next redraw's to report
                    with contextlib.suppress(Exception):
                        self._draw_now(self.turn, False, quiet=True)

    def draw(self, turn: Turn, final: bool) -> None:
        raise NotImplementedError

    def so_far(self) -> SoFar:
        """What has streamed, joined now (once per redraw, never per token)."""
        return self.streamed.so_far()

    def image(self, image: ev.Image) -> None:
        """A generated image as its own output, so it stays in the saved notebook. A
        screenshot of the computer the model drives shrinks the one before it to a
        thumbnail: the latest screen is the one to look at."""
        from IPython.display import display

        if not image.screen:
            display(image_bundle(image.data, image.mime, image.caption), raw=True)
            return
        if self._screen is not None:
            earlier, handle = self._screen
            handle.update(screen_bundle(earlier, thumbnail=True), raw=True)
        latest = screen_bundle(image)
        self._screen = (image, display(latest, raw=True, display_id=True))


#: How wide an earlier screenshot is shown (the latest is shown full size).
THUMBNAIL_WIDTH = 240


def screen_bundle(image: ev.Image, thumbnail: bool = False) -> dict[str, str]:
    """A screenshot of the computer the model drives, framed (a white page on a white
    notebook needs an edge) and captioned with the actions it followed; a thumbnail
    ``THUMBNAIL_WIDTH`` pixels wide. The image's own type rides along for frontends
    that show no HTML."""
    caption = escape_html(image.caption or "screen")
    size = f' width="{THUMBNAIL_WIDTH}"' if thumbnail else ""
    html = (
        f'<figure class="jr-screen" style="{SCREEN_STYLE}">'
        f'<img src="data:{image.mime};base64,{image.data}" alt="{caption}"{size} '
        f'style="display:block; box-sizing:border-box; max-width:100%; border:1px solid #8888"/>'
        f'<figcaption style="{CAPTION_STYLE}">🖥️ {caption}</figcaption></figure>'
    )
    bundle = {"text/html": html, "text/plain": f"[{image.caption or 'screen'}]"}
    if image.mime in OUTPUT_IMAGE_TYPES:
        bundle[image.mime] = image.data
    return bundle


#: Inline, so a saved notebook and an nbconvert export look the same without our CSS.
SCREEN_STYLE = "margin:0.25em 0; display:inline-block; max-width:100%"
CAPTION_STYLE = "font-size:0.85em; opacity:0.75; margin-top:0.2em"


#: Image types a notebook output can carry as they are (anything else goes as PNG-less
#: HTML, an ``<img>`` of its data URL, which every frontend shows).
OUTPUT_IMAGE_TYPES = ("image/png", "image/jpeg", "image/gif", "image/svg+xml")


def image_bundle(data: str, mime: str, caption: str = "") -> dict[str, str]:
    """An image as a display bundle: its own type where notebooks know it, else HTML."""
    text = f"[image: {caption or 'generated image'}]"
    if mime in OUTPUT_IMAGE_TYPES:
        return {mime: data, "text/plain": text}
    alt = escape_html(caption or "generated image")
    return {"text/html": f'<img src="data:{mime};base64,{data}" alt="{alt}"/>', "text/plain": text}


def final_bundle(turn: Turn, in_cell: bool = True) -> dict[str, str]:
    """What the cell keeps (``in_cell``: over the error block a turn that did not end
    well raises). A turn that failed before anything arrived keeps nothing: the error
    block says it all."""
    if turn.status in ("failed", "interrupted") and not (turn.text or turn.refusal or turn.calls):
        return {"text/plain": ""}
    return bundle(turn, in_cell)
