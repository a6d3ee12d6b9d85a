"""Terminal IPython: no rich displays, so text is written as it arrives, and tool
activity as one line per step.

Text that arrives in a burst is written at most every ``WRITE_INTERVAL`` seconds: IPython
tees every ``write`` into its history, and with a flush per token the writes alone
cost a fast stream several percent."""

from __future__ import annotations

import sys
import time
from typing import TYPE_CHECKING

from .. import builtin_tools
from .. import events as ev
from .approval import ask_with_input
from .base import BACKGROUND_LINES, footer, retry_notice, status_line

if TYPE_CHECKING:
    from ..conversation import Turn
    from ..streamed import Streamed


#: Seconds text may wait to be written with the text that follows it.
WRITE_INTERVAL = 0.05


class TerminalView:
    def start(self, turn: Turn, streamed: Streamed) -> None:
        self.turn = turn  # deltas are written as they come: ``streamed`` is not needed
        self.wrote = False
        self.part: str | None = None  # which reasoning part or message is being written
        self.message: str | None = None  # the message being written (per-token check)
        self.pending: list[str] = []
        self.written = 0.0  # time.monotonic() of the last write

    def update(self, event: ev.Event) -> None:
        if type(event) is ev.TextDelta:  # the per-token path, kept short
            if event.message != self.message:
                self._part(f"text:{event.message}", "")
                self.message = event.message
            self._text(event.text)
        elif isinstance(event, ev.RefusalDelta):
            self._text(event.text)
        elif isinstance(event, ev.ReasoningDelta):
            self._part(f"reasoning:{event.part}", "[reasoning] ")
            self._text(event.text)
        elif isinstance(event, ev.Note):
            self._line(f"[{event.text}]")
        elif isinstance(event, ev.Retrying):  # written before the wait, not after it
            self._line(f"[{retry_notice(event)}]")
        elif isinstance(event, ev.BackgroundStatus):
            said = BACKGROUND_LINES.get(event.status, event.status)
            self._line(f"[{said.removeprefix('⏳ ').removesuffix('…')}]")
        elif isinstance(event, ev.ToolRunning):
            self._line(f"[running {event.name}…]")
        elif isinstance(event, ev.ToolResult):
            state = "denied" if event.denied else "error" if event.error else "done"
            shown = " ".join(event.output.split())
            self._line(f"[{event.name} {state}] {shown[:200]}")
        elif isinstance(event, ev.ToolCallDone) and event.kind != "function":
            kind = builtin_tools.item_kind(event.kind)
            server = event.detail.get("server")
            named = f"{server}.{event.name}" if kind.named and server else ""
            said = event.detail.get("query") or event.detail.get("action") or named
            state = "error" if event.error else "asks first" if event.waiting else "done"
            self._line(f"[{kind.label} {state}]" + (f" {said}" if said else ""))
        elif isinstance(event, ev.Citation):
            self._line(f"[source] {event.title} <{event.url}>")
        elif isinstance(event, ev.Image):
            self._line(f"[image ({event.mime}): {event.caption or 'generated image'}]")

    def _part(self, part: str, label: str) -> None:
        """Start ``part`` (a reasoning part, a message) on a paragraph of its own, with
        ``label`` unless the part before had it too."""
        if part != self.part:
            same_kind = (self.part or "").split(":")[0] == part.split(":")[0]
            gap = "\n\n" if self.wrote or self.pending else ""
            self._text(gap + ("" if same_kind else label))
            self.part, self.message = part, None

    def _text(self, text: str) -> None:
        """Write ``text`` now, unless text was written less than ``WRITE_INTERVAL`` ago:
        then keep it for the next write."""
        self.pending.append(text)
        if time.monotonic() - self.written >= WRITE_INTERVAL:
            self._catch_up()

    def _catch_up(self) -> None:
        """Write the text kept back, if any."""
        if self.pending:
            text = "".join(self.pending)
            self.pending.clear()
            self._write(text)

    def _write(self, text: str) -> None:
        sys.stdout.write(text)
        sys.stdout.flush()
        self.written = time.monotonic()
        self.wrote = True

    def _line(self, text: str) -> None:
        self._catch_up()
        self._write(("\n" if self.wrote else "") + text + "\n")
        self.wrote = False
        self.part = self.message = None

    def finish(self, turn: Turn) -> None:
        self._catch_up()
        status = status_line(turn)
        tail = f"\n{status}" if status else ""
        sys.stdout.write(
            f"{tail}\n-- {footer(turn)}\n" if self.wrote else f"{tail.strip()}\n-- {footer(turn)}\n"
        )
        sys.stdout.flush()

    def confirm(self, name: str, arguments: str) -> bool:
        self._catch_up()
        return ask_with_input(name, arguments)
