"""Views of a turn. ``make_view`` picks the right one for where the kernel runs."""

from __future__ import annotations

from typing import Any

from .base import View
from .static import bundle

__all__ = ["View", "bundle", "make_view"]


def make_view(shell: Any, interval: float, widgets: bool = True) -> View:
    """Widgets in Jupyter frontends (an updating HTML display if ``widgets`` is
    off); plain streamed text in terminal IPython."""
    if getattr(shell, "kernel", None) is None:
        from .terminal import TerminalView

        return TerminalView()
    if widgets:
        from .widget import WidgetView

        return WidgetView(interval)
    from .display import DisplayView

    return DisplayView(interval)
