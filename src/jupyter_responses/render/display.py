"""A live view made of one IPython display, updated in place at a bounded rate.

The view for frontends without widgets. Updates are coalesced (see ``Throttle``), the
final bundle is always sent, byte-exact. Tool activity is shown at once (a tool may
run for a while), and generated images appear as their own PNG outputs.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING

from .. import events as ev
from .approval import ask_with_input
from .base import Throttle
from .static import bundle, markdown, plain

if TYPE_CHECKING:
    from IPython.display import DisplayHandle

    from ..conversation import Turn

#: Events the user should see without waiting for the next throttled refresh.
IMMEDIATE = (ev.ToolRunning, ev.ToolResult, ev.ToolCallDone)


def show_image(image: ev.Image) -> None:
    from IPython.display import display

    caption = image.caption or "generated image"
    display({"image/png": image.png_b64, "text/plain": f"[image: {caption}]"}, raw=True)


class DisplayView:
    def __init__(self, interval: float = 0.05) -> None:
        self.throttle = Throttle(interval)
        self.handle: DisplayHandle | None = None
        self.turn: Turn | None = None
        self.pieces: list[str] = []
        self.reasoning: list[str] = []
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

    def update(self, event: ev.Event) -> None:
        if isinstance(event, ev.TextDelta):
            self.pieces.append(event.text)
        elif isinstance(event, ev.ReasoningDelta):
            self.reasoning.append(event.text)
        elif isinstance(event, ev.Image):
            show_image(event)
        self.dirty = True
        if self.throttle.due(urgent=isinstance(event, IMMEDIATE)):
            self._refresh()

    def _refresh(self) -> None:
        if self.handle is None or self.turn is None or not self.dirty:
            return
        started = time.monotonic()
        text = "".join(self.pieces)
        self.handle.update(
            {
                "text/markdown": markdown(self.turn, text, "".join(self.reasoning), final=False),
                "text/plain": plain(self.turn, text),
            },
            raw=True,
        )
        self.updates += 1
        self.dirty = False
        self.throttle.drew(started)

    def finish(self, turn: Turn) -> None:
        """The final bundle; a turn that failed before anything arrived shows nothing
        here, since the error message below the cell says it all."""
        if self.handle is None:
            return
        self.handle.update(final_bundle(turn), raw=True)

    def confirm(self, name: str, arguments: str) -> bool:
        if self.dirty:
            self._refresh()
        return ask_with_input(name, arguments)


def final_bundle(turn: Turn) -> dict[str, str]:
    if turn.status in ("failed", "interrupted") and not (turn.text or turn.refusal or turn.calls):
        return {"text/plain": ""}
    return bundle(turn)
