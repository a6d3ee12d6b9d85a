"""Which API is decided here, once, by a lookup; below this nothing asks."""

from __future__ import annotations

from .base import Backend
from .chat import ChatBackend
from .connection import Connection
from .responses import ResponsesBackend

BACKENDS: dict[str, Backend] = {b.api: b for b in (ResponsesBackend(), ChatBackend())}
#: The API a turn uses when nothing says which (the panel's first choice, old imports).
DEFAULT_API = ResponsesBackend.api


def by_magic(magic: str) -> Backend:
    return next(b for b in BACKENDS.values() if b.magic == magic)


__all__ = ["BACKENDS", "DEFAULT_API", "Backend", "Connection", "by_magic"]
