"""What is kept of a cell that ran: its source, its outputs as text, its images, its
error. Everything is bounded as it is recorded, so a cell that prints a million lines
or shows a hundred figures costs a few kilobytes, not the kernel's memory."""

from __future__ import annotations

import base64
import binascii
import re
from collections import deque
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Literal

#: Cells kept per kernel (the oldest are forgotten first).
MAX_CELLS = 200
#: Characters kept of one output (a stream, a result, a display): the start and the end.
MAX_OUTPUT_CHARS = 3_000
MAX_SOURCE_CHARS = 10_000
MAX_OUTPUTS_PER_CELL = 30
MAX_IMAGE_BYTES = 5_000_000
#: Image bytes kept over all cells; past it the oldest images keep only their mention.
MAX_TOTAL_IMAGE_BYTES = 40_000_000

OutputKind = Literal["stdout", "stderr", "result", "display"]

#: The image types the APIs take as input; others are mentioned, not attached.
SENDABLE_IMAGES = {"image/png": b"\x89PNG\r\n\x1a\n", "image/jpeg": b"\xff\xd8\xff"}

_ANSI = re.compile(r"\x1b\[[0-?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)|\x1b[@-Z\\-_]")


def strip_ansi(text: str) -> str:
    return _ANSI.sub("", text)


def resolve_carriage_returns(text: str) -> str:
    """Each line as a terminal would leave it after progress bars rewrote it with
    ``\\r`` (the last non-empty rewrite wins)."""
    if "\r" not in text:
        return text
    lines = []
    for line in text.replace("\r\n", "\n").split("\n"):
        pieces = [p for p in line.split("\r") if p]
        lines.append(pieces[-1] if pieces else "")
    return "\n".join(lines)


class BoundedText:
    """Text appended piece by piece, keeping its first two thirds of ``limit`` and its
    last third: the start says what a long output is, the end how it finished."""

    def __init__(self, limit: int = MAX_OUTPUT_CHARS, text: str = "") -> None:
        self._head_limit = limit * 2 // 3
        self._tail_limit = limit - self._head_limit
        self._head: list[str] = []
        self._head_len = 0
        self._tail: deque[str] = deque()
        self._tail_len = 0
        self.dropped = 0
        if text:
            self.add(text)

    def add(self, text: str) -> None:
        room = self._head_limit - self._head_len
        if room > 0 and not self._tail:
            self._head.append(text[:room])
            self._head_len += min(room, len(text))
            text = text[room:]
        if not text:
            return
        self._tail.append(text)
        self._tail_len += len(text)
        while self._tail_len > self._tail_limit:
            excess = self._tail_len - self._tail_limit
            first = self._tail[0]
            if len(first) <= excess:
                self._tail.popleft()
                self._tail_len -= len(first)
                self.dropped += len(first)
            else:
                self._tail[0] = first[excess:]
                self._tail_len -= excess
                self.dropped += excess

    def text(self) -> str:
        head, tail = "".join(self._head), "".join(self._tail)
        if not self.dropped:
            return head + tail
        return f"{head}\n[... {self.dropped:,} characters not kept ...]\n{tail}"

    def __len__(self) -> int:
        return self._head_len + self._tail_len


def bounded(text: str, limit: int) -> str:
    return BoundedText(limit, text).text()


@dataclass(eq=False)
class ImageRef:
    """An image a cell showed. ``data`` is None when it is only mentioned: not a type
    the APIs take, too large, or forgotten to keep the memory bound."""

    mime: str
    data: bytes | None


@dataclass(eq=False)
class CellOutput:
    kind: OutputKind
    text: BoundedText
    image: ImageRef | None = None


@dataclass(frozen=True)
class ErrorRecord:
    name: str  # the exception's class name: ZeroDivisionError
    message: str
    traceback: str  # plain text, ANSI-free, the user's frames


@dataclass(eq=False)
class CellRecord:
    count: int
    source: str
    outputs: list[CellOutput] = field(default_factory=list)
    error: ErrorRecord | None = None
    #: False for a cell that ran before the log was installed: its source (and its
    #: ``Out`` value) come from IPython's history, its printed output is unknown.
    recorded: bool = True
    #: Outputs past ``MAX_OUTPUTS_PER_CELL``, counted, not kept.
    outputs_left_out: int = 0

    def add_output(self, output: CellOutput) -> bool:
        if len(self.outputs) >= MAX_OUTPUTS_PER_CELL:
            self.outputs_left_out += 1
            return False
        self.outputs.append(output)
        return True


def bundle_text(data: Mapping[str, object]) -> str:
    """The text a display bundle shows in a terminal: ``text/plain``, else a mention."""
    plain = data.get("text/plain")
    if isinstance(plain, list):
        plain = "".join(str(p) for p in plain)
    if isinstance(plain, str):
        return strip_ansi(plain)
    shown = [mime for mime in data if not mime.startswith("image/")]
    return f"[{shown[0]} output]" if shown else ""


def bundle_image(data: Mapping[str, object]) -> ImageRef | None:
    """The bundle's PNG or JPEG as bytes; any other image type as a mention only."""
    for mime, signature in SENDABLE_IMAGES.items():
        raw = image_bytes(data.get(mime))
        if raw is not None and raw.startswith(signature):
            return ImageRef(mime, raw if len(raw) <= MAX_IMAGE_BYTES else None)
    for mime in data:
        if mime.startswith("image/"):
            return ImageRef(mime, None)
    return None


def image_bytes(value: object) -> bytes | None:
    """Image data as a bundle carries it: bytes, or base64 text."""
    if isinstance(value, bytes):
        return value
    if isinstance(value, str):
        try:
            return base64.b64decode(value)
        except (binascii.Error, ValueError):
            return None
    return None
