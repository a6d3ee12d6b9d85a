"""Terminal IPython: no rich displays, so text is written as it arrives."""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING

from .. import events as ev
from .base import footer, status_line

if TYPE_CHECKING:
    from ..conversation import Turn


class TerminalView:
    def start(self, turn: Turn) -> None:
        self.wrote = False

    def update(self, event: ev.Event) -> None:
        if isinstance(event, ev.TextDelta | ev.RefusalDelta):
            sys.stdout.write(event.text)
            sys.stdout.flush()
            self.wrote = True
        elif isinstance(event, ev.Note):
            sys.stdout.write(f"[{event.text}]\n")

    def finish(self, turn: Turn) -> None:
        status = status_line(turn)
        tail = f"\n{status}" if status else ""
        sys.stdout.write(
            f"{tail}\n-- {footer(turn)}\n" if self.wrote else f"{tail.strip()}\n-- {footer(turn)}\n"
        )
        sys.stdout.flush()
