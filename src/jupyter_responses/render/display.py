"""A live view made of one IPython display, updated in place at a bounded rate.

Updates are coalesced: however fast tokens arrive, the display is rewritten at most
once per ``interval`` seconds, and the final bundle is always sent, byte-exact.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING

from .. import events as ev
from .base import bundle, markdown

if TYPE_CHECKING:
    from IPython.display import DisplayHandle

    from ..conversation import Turn


class DisplayView:
    def __init__(self, interval: float = 0.05) -> None:
        self.interval = interval
        self.handle: DisplayHandle | None = None
        self.turn: Turn | None = None
        self.pieces: list[str] = []
        self.last = 0.0
        self.dirty = False
        self.updates = 0

    def start(self, turn: Turn) -> None:
        from IPython.display import display

        self.turn = turn
        self.handle = display(
            {"text/markdown": markdown(turn, "", final=False), "text/plain": "…"},
            raw=True,
            display_id=True,
        )
        self.last = time.monotonic()

    def update(self, event: ev.Event) -> None:
        if isinstance(event, ev.TextDelta):
            self.pieces.append(event.text)
        self.dirty = True
        now = time.monotonic()
        if now - self.last >= self.interval:
            self._refresh(now)

    def _refresh(self, now: float) -> None:
        if self.handle is None or self.turn is None or not self.dirty:
            return
        text = "".join(self.pieces)
        self.handle.update(
            {"text/markdown": markdown(self.turn, text, final=False), "text/plain": text}, raw=True
        )
        self.updates += 1
        self.last = now
        self.dirty = False

    def finish(self, turn: Turn) -> None:
        """The final bundle; a turn that failed before any answer shows nothing here,
        since the error message below the cell says it all."""
        if self.handle is None:
            return
        if turn.status in ("failed", "interrupted") and not (turn.text or turn.refusal):
            self.handle.update({"text/plain": ""}, raw=True)
        else:
            self.handle.update(bundle(turn), raw=True)
