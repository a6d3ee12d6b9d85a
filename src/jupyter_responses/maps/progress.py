"""How far a map has come: a progress bar in a notebook, a line in a terminal.

Both say the same thing (rows done of all, failed, rows per second, tokens, cost, time
left) and are redrawn at most ``INTERVAL`` apart, however fast rows end: a map of
100,000 short rows must not spend its time drawing.
"""

from __future__ import annotations

import sys
import time
from dataclasses import dataclass, field
from typing import Any, Protocol

#: Seconds between redraws.
INTERVAL = 0.25


@dataclass
class Stats:
    """A map's counts so far (``reused``: answered by an earlier run, not sent)."""

    total: int
    reused: int = 0
    done: int = 0
    failed: int = 0
    input_tokens: int = 0
    output_tokens: int = 0
    cost: float = 0.0
    priced: bool = True  # every row's model had a price
    started: float = field(default_factory=time.monotonic)
    note: str = ""  # waiting on a rate limit, a batch's status

    @property
    def finished(self) -> int:
        return self.reused + self.done + self.failed

    def line(self) -> str:
        """One line: ``412 / 1,000 rows · 3 failed · 38.2 rows/s · … · ETA 15 s``."""
        elapsed = max(time.monotonic() - self.started, 1e-6)
        rate = (self.done + self.failed) / elapsed
        parts = [f"{self.finished:,} / {self.total:,} rows"]
        if self.reused:
            parts.append(f"{self.reused:,} from an earlier run")
        if self.failed:
            parts.append(f"{self.failed:,} failed")
        if self.done + self.failed:
            parts.append(f"{rate:,.1f} rows/s")
        if self.input_tokens or self.output_tokens:
            parts.append(f"{_short(self.input_tokens)} in · {_short(self.output_tokens)} out")
            parts.append(f"${self.cost:,.4f}" if self.priced else "price unknown")
        left = self.total - self.finished
        if left and rate > 0:
            parts.append(f"ETA {_duration(left / rate)}")
        elif not left:
            parts.append(f"in {_duration(elapsed)}")
        if self.note:
            parts.append(self.note)
        return " · ".join(parts)


def _short(tokens: int) -> str:
    return f"{tokens / 1000:,.1f}k" if tokens >= 10_000 else f"{tokens:,}"


def _duration(seconds: float) -> str:
    if seconds < 60:
        return f"{seconds:.0f} s"
    minutes, seconds = divmod(int(seconds), 60)
    if minutes < 60:
        return f"{minutes} min {seconds} s"
    hours, minutes = divmod(minutes, 60)
    return f"{hours} h {minutes} min"


class Progress(Protocol):
    def show(self, stats: Stats, final: bool = False) -> None:
        """Redraw, unless the last redraw was under ``INTERVAL`` ago (always: ``final``)."""
        ...


def make_progress(shell: Any, widgets: bool, shown: bool = True) -> Progress:
    if not shown:
        return _Silent()
    if getattr(shell, "kernel", None) is not None and widgets:
        return WidgetProgress()
    return TextProgress()


class _Throttled:
    def __init__(self) -> None:
        self.last = 0.0

    def due(self, final: bool) -> bool:
        now = time.monotonic()
        if final or now - self.last >= INTERVAL:
            self.last = now
            return True
        return False


class WidgetProgress(_Throttled):
    """An ipywidgets bar and its line while the map runs; then the line alone as plain
    output, which a saved notebook shows without widget state."""

    def __init__(self) -> None:
        super().__init__()
        self.handle: Any = None

    def show(self, stats: Stats, final: bool = False) -> None:
        if not self.due(final):
            return
        if final:
            if self.handle is not None:
                self.handle.update(_final(stats), raw=True)
                self.widget.close()
            else:
                from IPython.display import display

                display(_final(stats), raw=True)
            return
        if self.handle is None:
            self._open(stats.total)
        self.bar.value = stats.finished
        self.label.value = f"<small>{_html(stats.line())}</small>"

    def _open(self, total: int) -> None:
        import ipywidgets as w
        from IPython.display import display

        self.bar = w.IntProgress(min=0, max=max(total, 1), layout={"width": "40%"})
        self.label = w.HTML()
        self.widget = w.HBox([self.bar, self.label])
        bundle = {
            "application/vnd.jupyter.widget-view+json": {
                "model_id": self.widget.model_id,
                "version_major": 2,
                "version_minor": 0,
            },
            "text/plain": "map running…",
        }
        self.handle = display(bundle, raw=True, display_id=True)


def _final(stats: Stats) -> dict[str, str]:
    line = stats.line()
    mark = "⚠" if stats.failed else "✓"
    return {
        "text/plain": f"{mark} {line}",
        "text/html": f"<p><small>{mark} {_html(line)}</small></p>",
    }


def _html(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


class TextProgress(_Throttled):
    """One line, rewritten in place (``\\r``), ended with a newline."""

    def show(self, stats: Stats, final: bool = False) -> None:
        if not self.due(final):
            return
        sys.stdout.write("\r" + stats.line() + ("\n" if final else ""))
        sys.stdout.flush()


class _Silent:
    def show(self, stats: Stats, final: bool = False) -> None:
        pass
