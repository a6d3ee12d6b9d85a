"""Views of a turn. ``make_view`` picks the right one for where the kernel runs."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .base import View
from .static import bundle

if TYPE_CHECKING:
    from ..cancel import Cancel
    from .candidates import Candidates

__all__ = ["View", "bundle", "make_candidates", "make_view"]


def make_view(
    shell: Any, interval: float, widgets: bool = True, cancel: Cancel | None = None
) -> View:
    """Widgets in Jupyter frontends (an updating HTML display if ``widgets`` is
    off); plain streamed text in terminal IPython. ``cancel``: a detached turn's, which
    the widgets' Stop sets (a kernel interrupt would not reach it)."""
    if getattr(shell, "kernel", None) is None:
        from .terminal import TerminalView

        return TerminalView()
    if widgets:
        from .widget import WidgetView

        return WidgetView(interval, cancel=cancel)
    from .display import DisplayView

    return DisplayView(interval)


def make_candidates(shell: Any, interval: float, widgets: bool, count: int) -> Candidates:
    """The views of ``-n`` candidates, chosen as ``make_view`` chooses (``candidates``)."""
    from .candidates import StackedCandidates, TerminalCandidates

    if getattr(shell, "kernel", None) is None:
        return TerminalCandidates(count)
    if widgets:
        from .candidate_tabs import TabbedCandidates

        return TabbedCandidates(interval, count)
    return StackedCandidates(interval, count)
