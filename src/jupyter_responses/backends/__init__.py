"""Which API is decided here, once, by a lookup; below this nothing asks."""

from __future__ import annotations

from .base import Backend, TurnRequest
from .chat import ChatBackend
from .responses import ResponsesBackend

BACKENDS: dict[str, Backend] = {"responses": ResponsesBackend(), "chat": ChatBackend()}

__all__ = ["BACKENDS", "Backend", "TurnRequest"]
