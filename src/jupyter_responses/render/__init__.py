"""Views of a turn. ``make_view`` picks the right one for where the kernel runs."""

from __future__ import annotations

from typing import Any

from .base import View
from .display import DisplayView
from .static import bundle
from .terminal import TerminalView

__all__ = ["View", "bundle", "make_view"]


def make_view(shell: Any, interval: float) -> View:
    """A live display in Jupyter frontends; plain streamed text in terminal IPython."""
    if getattr(shell, "kernel", None) is None:
        return TerminalView()
    return DisplayView(interval)
