"""Terminal IPython: no rich displays, so text is written as it arrives, and tool
activity as one line per step."""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING

from .. import events as ev
from .approval import ask_with_input
from .base import footer, status_line

if TYPE_CHECKING:
    from ..conversation import Turn


class TerminalView:
    def start(self, turn: Turn) -> None:
        self.turn = turn
        self.wrote = False
        self.reasoning = False

    def update(self, event: ev.Event) -> None:
        if isinstance(event, ev.TextDelta | ev.RefusalDelta):
            self._write(event.text)
        elif isinstance(event, ev.ReasoningDelta):
            self._write(("[reasoning] " if not self.reasoning else "") + event.text)
            self.reasoning = True
        elif isinstance(event, ev.Note):
            self._line(f"[{event.text}]")
        elif isinstance(event, ev.ToolRunning):
            self._line(f"[running {event.name}…]")
        elif isinstance(event, ev.ToolResult):
            state = "denied" if event.denied else "error" if event.error else "done"
            shown = " ".join(event.output.split())
            self._line(f"[{event.name} {state}] {shown[:200]}")
        elif isinstance(event, ev.ToolCallDone) and event.kind != "function":
            self._line(f"[{event.kind.removesuffix('_call').replace('_', ' ')} done]")
        elif isinstance(event, ev.Citation):
            self._line(f"[source] {event.title} <{event.url}>")
        elif isinstance(event, ev.Image):
            self._line(f"[image: {event.caption or 'generated image'}]")

    def _write(self, text: str) -> None:
        sys.stdout.write(text)
        sys.stdout.flush()
        self.wrote = True

    def _line(self, text: str) -> None:
        self._write(("\n" if self.wrote else "") + text + "\n")
        self.wrote = False

    def finish(self, turn: Turn) -> None:
        status = status_line(turn)
        tail = f"\n{status}" if status else ""
        sys.stdout.write(
            f"{tail}\n-- {footer(turn)}\n" if self.wrote else f"{tail.strip()}\n-- {footer(turn)}\n"
        )
        sys.stdout.flush()

    def confirm(self, name: str, arguments: str) -> bool:
        return ask_with_input(name, arguments)
