"""What the model's code writes and shows while the python tool runs it: passed
through to the running cell as usual, and copied, in order and bounded, for the model;
and the matplotlib figures it drew, shown in the cell and sent as PNG.

The copy is a tee, never a capture: ``sys.stdout``/``sys.stderr`` and the shell's
display publisher are wrapped for the run and given back after it, so the user sees
everything a cell would show.
"""

from __future__ import annotations

import base64
import io
import sys
import threading
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from typing import Any

from IPython.core.displaypub import DisplayPublisher

#: Images sent back to the model at most per run (each one costs input tokens).
MAX_IMAGES = 8

_PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
#: matplotlib backends that never show a window: a figure the code made is closed once
#: it has been shown in the cell (as matplotlib-inline does), not left to pile up.
_WINDOWLESS = {"agg", "cairo", "pdf", "pgf", "ps", "svg", "template"}


class Log:
    """Everything the code wrote and showed, in order, from any thread: its first and
    last ``keep`` characters (the middle of a long run is dropped as it is written, so
    memory stays bounded)."""

    def __init__(self, keep: int) -> None:
        self.keep = keep
        self._head: list[str] = []
        self._head_size = 0
        self._tail: list[str] = []
        self._tail_size = 0
        self._dropped = 0
        self._lock = threading.Lock()
        self._muted = threading.local()

    def write(self, text: str) -> None:
        muted: int = getattr(self._muted, "depth", 0)
        if not text or muted:
            return
        with self._lock:
            room = self.keep - self._head_size
            if room > 0:
                self._head.append(text[:room])
                self._head_size += len(self._head[-1])
                text = text[room:]
            if not text:
                return
            self._tail.append(text)
            self._tail_size += len(text)
            if self._tail_size > 2 * self.keep:
                joined = "".join(self._tail)
                self._dropped += len(joined) - self.keep
                self._tail, self._tail_size = [joined[-self.keep :]], self.keep

    @contextmanager
    def muted(self) -> Iterator[None]:
        """Not logging this thread's writes (a display the publisher also prints)."""
        self._muted.depth = getattr(self._muted, "depth", 0) + 1
        try:
            yield
        finally:
            self._muted.depth -= 1

    def text(self) -> str:
        with self._lock:
            head, tail = "".join(self._head), "".join(self._tail)
            dropped = self._dropped + max(0, len(tail) - self.keep)
        if not dropped:
            return head + tail
        return f"{head}\n… ({dropped} characters of output cut) …\n{tail[-self.keep :]}"


class _Tee:
    """A stream that writes through to the real one and copies into the log."""

    def __init__(self, inner: Any, log: Log) -> None:
        self._inner = inner
        self._log = log

    def write(self, text: str) -> int:
        written = self._inner.write(text)
        self._log.write(text if isinstance(text, str) else str(text))
        return int(written or 0)

    def writelines(self, lines: Iterable[str]) -> None:
        for line in lines:
            self.write(line)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._inner, name)


class DisplayCopy(DisplayPublisher):
    """The shell's display publisher, passed through: every display still reaches the
    cell, and its text and images are copied for the model. (A ``DisplayPublisher``
    itself, as the shell expects; made without the shell, so it hooks no events.)"""

    def __init__(self, inner: Any, log: Log) -> None:
        super().__init__()
        self._inner = inner
        self._log = log
        self.images: list[tuple[str, bytes]] = []
        self.left_out = 0

    def publish(self, data: Any, metadata: Any = None, *args: Any, **kwargs: Any) -> None:
        self._record(data)
        with self._log.muted():  # a terminal's publisher prints text/plain: logged once
            self._inner.publish(data, metadata, *args, **kwargs)

    def clear_output(self, wait: bool = False) -> None:
        with self._log.muted():
            self._inner.clear_output(wait)

    @property
    def is_publishing(self) -> bool:
        return bool(self._inner.is_publishing)

    def __getattr__(self, name: str) -> Any:
        inner = self.__dict__.get("_inner")
        if inner is None:
            raise AttributeError(name)
        return getattr(inner, name)

    def _record(self, data: Any) -> None:
        if not isinstance(data, dict):
            return
        for mime in ("image/png", "image/jpeg"):
            image = _image_bytes(data.get(mime))
            if image is None:
                continue
            if len(self.images) < MAX_IMAGES:
                self.images.append((mime, image))
            else:
                self.left_out += 1
        plain = data.get("text/plain")
        self._log.write((plain if isinstance(plain, str) else f"[{', '.join(data)}]") + "\n")


def _image_bytes(value: Any) -> bytes | None:
    """An image of a display bundle as bytes (bundles carry base64 text, or raw bytes)."""
    if isinstance(value, bytes):
        return value if value.startswith((_PNG_SIGNATURE, b"\xff\xd8")) else _b64(value)
    if isinstance(value, str):
        return _b64(value.encode("ascii", "ignore"))
    return None


def _b64(value: bytes) -> bytes | None:
    try:
        return base64.b64decode(value, validate=False)
    except ValueError:
        return None


@contextmanager
def captured(shell: Any, log: Log) -> Iterator[DisplayCopy]:
    """Tee ``sys.stdout``, ``sys.stderr`` and the shell's displays into ``log`` (from
    every thread, as the streams are the process's), restored on the way out."""
    display = DisplayCopy(shell.display_pub, log)
    streams = sys.stdout, sys.stderr
    sys.stdout, sys.stderr = _Tee(streams[0], log), _Tee(streams[1], log)
    shell.display_pub = display
    try:
        yield display
    finally:
        sys.stdout, sys.stderr = streams
        shell.display_pub = display._inner


class Figures:
    """The open matplotlib figures before the run, to tell which ones it made or
    changed. Only when pyplot is already imported: it is never imported here."""

    def __init__(self) -> None:
        self.before = {id(f): (f, f.stale) for f in _open_figures()}

    def show_touched(self, shell: Any, log: Log) -> None:
        """Show, in the cell (and so to the model), each figure the code made or changed
        and did not draw itself; close the ones it made when no window shows them.

        matplotlib marks a figure ``stale`` when it changes and clears that when it is
        drawn, so a figure that is not stale now was shown or saved by the code already
        (``plt.show()``, ``display(fig)``, ``savefig``), or not touched at all. A user's
        figure that was stale before the run too cannot be told apart: it is left alone.
        """
        pyplot = sys.modules.get("matplotlib.pyplot")
        if pyplot is None:
            return
        for figure in _open_figures():
            if not figure.stale:
                continue
            known = self.before.get(id(figure))
            made = known is None or known[0] is not figure
            if not made and known is not None and known[1]:
                continue
            try:
                png = io.BytesIO()
                figure.savefig(png, format="png", bbox_inches="tight")
            except Exception as error:
                log.write(
                    f"(a figure could not be saved as PNG: {type(error).__name__}: {error})\n"
                )
                continue
            data = {"image/png": base64.b64encode(png.getvalue()).decode("ascii")}
            shell.display_pub.publish(data={**data, "text/plain": repr(figure)}, metadata={})
            if made and windowless(sys.modules.get("matplotlib")):
                pyplot.close(figure)


def _open_figures() -> list[Any]:
    if "matplotlib.pyplot" not in sys.modules:
        return []
    helpers = sys.modules.get("matplotlib._pylab_helpers")
    if helpers is None:
        return []
    managers = sorted(helpers.Gcf.get_all_fig_managers(), key=lambda m: m.num)
    return [manager.canvas.figure for manager in managers]


def windowless(matplotlib: Any) -> bool:
    """Whether ``matplotlib``'s backend shows no window (inline, Agg...): a figure the
    tool has shown is then closed, or the end of the cell would draw it again."""
    backend = str(matplotlib.get_backend()).lower() if matplotlib else ""
    return "inline" in backend or backend in _WINDOWLESS
