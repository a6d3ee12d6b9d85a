"""A live view made of one IPython display, updated in place at a bounded rate.

Updates are coalesced: however fast tokens arrive, the display is rewritten at most
once per ``interval`` seconds, and the final bundle is always sent, byte-exact. Tool
activity is shown at once (a tool may run for a while), and generated images appear
as their own PNG outputs below the answer.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING

from .. import events as ev
from .approval import ask_with_input
from .static import bundle, markdown, plain

if TYPE_CHECKING:
    from IPython.display import DisplayHandle

    from ..conversation import Turn

#: Events the user should see without waiting for the next throttled refresh.
IMMEDIATE = (ev.ToolRunning, ev.ToolResult, ev.ToolCallDone)


class DisplayView:
    def __init__(self, interval: float = 0.05) -> None:
        self.interval = interval
        self.handle: DisplayHandle | None = None
        self.turn: Turn | None = None
        self.pieces: list[str] = []
        self.reasoning: list[str] = []
        self.last = 0.0
        self.dirty = False
        self.updates = 0

    def start(self, turn: Turn) -> None:
        from IPython.display import display

        self.turn = turn
        self.handle = display(
            {"text/markdown": markdown(turn, "", "", final=False), "text/plain": "…"},
            raw=True,
            display_id=True,
        )
        self.last = time.monotonic()

    def update(self, event: ev.Event) -> None:
        if isinstance(event, ev.TextDelta):
            self.pieces.append(event.text)
        elif isinstance(event, ev.ReasoningDelta):
            self.reasoning.append(event.text)
        elif isinstance(event, ev.Image):
            self._image(event)
        self.dirty = True
        now = time.monotonic()
        if now - self.last >= self.interval or isinstance(event, IMMEDIATE):
            self._refresh(now)

    def _refresh(self, now: float) -> None:
        if self.handle is None or self.turn is None or not self.dirty:
            return
        text = "".join(self.pieces)
        self.handle.update(
            {
                "text/markdown": markdown(self.turn, text, "".join(self.reasoning), final=False),
                "text/plain": plain(self.turn, text),
            },
            raw=True,
        )
        self.updates += 1
        self.last = now
        self.dirty = False

    def _image(self, image: ev.Image) -> None:
        from IPython.display import display

        caption = image.caption or "generated image"
        display({"image/png": image.png_b64, "text/plain": f"[image: {caption}]"}, raw=True)

    def finish(self, turn: Turn) -> None:
        """The final bundle; a turn that failed before anything arrived shows nothing
        here, since the error message below the cell says it all."""
        if self.handle is None:
            return
        if turn.status in ("failed", "interrupted") and not (
            turn.text or turn.refusal or turn.calls
        ):
            self.handle.update({"text/plain": ""}, raw=True)
        else:
            self.handle.update(bundle(turn), raw=True)

    def confirm(self, name: str, arguments: str) -> bool:
        if self.dirty:
            self._refresh(time.monotonic())
        return ask_with_input(name, arguments)
