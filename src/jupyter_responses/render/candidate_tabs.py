"""The tabs ``-n`` streams its candidates in, with widgets (see ``candidates``)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import ipywidgets as w

from .assets import WIDGET_MIME
from .base import View
from .candidates import heading
from .live import final_bundle
from .widget import WidgetView, close_tree

if TYPE_CHECKING:
    from IPython.display import DisplayHandle

    from ..conversation import Turn
    from ..streamed import Streamed


class TabbedCandidates:
    """One tab per candidate while they stream; then the picked answer in their place."""

    def __init__(self, interval: float, count: int) -> None:
        tabs = [_Tab(self, index, interval) for index in range(count)]
        self.views: list[View] = list(tabs)
        self.tabs = w.Tab(
            children=[tab.widget for tab in tabs],
            titles=tuple(heading(i, count) for i in range(count)),
        )
        self.tabs.add_class("jr-candidates")
        self.handle: DisplayHandle | None = None

    def show(self) -> None:
        """Display the tabs when the first candidate starts: a request refused before
        that leaves no empty tabs behind."""
        if self.handle is not None:
            return
        from IPython.display import display

        self.handle = display(
            {
                WIDGET_MIME: {
                    "model_id": self.tabs.model_id,
                    "version_major": 2,
                    "version_minor": 0,
                },
                "text/plain": f"{len(self.views)} candidates…",
            },
            raw=True,
            display_id=True,
        )

    def ended(self, index: int, turn: Turn) -> None:
        titles = list(self.tabs.titles)
        titles[index] = f"{heading(index, len(self.views))} {'✓' if turn.in_context() else '✗'}"
        self.tabs.titles = tuple(titles)

    def finish(self, picked: Turn) -> DisplayHandle | None:
        if self.handle is not None:
            self.handle.update(final_bundle(picked), raw=True)
        close_tree(self.tabs)
        return self.handle


class _Tab(WidgetView):
    """A candidate's live view, drawn in its tab rather than as an output of its own;
    its Stop interrupts the kernel, which stops every candidate."""

    def __init__(self, group: TabbedCandidates, index: int, interval: float) -> None:
        super().__init__(interval, in_cell=False)
        self.chrome.stoppable = True
        self.group, self.index = group, index

    def start(self, turn: Turn, streamed: Streamed) -> None:
        self.group.show()
        super().start(turn, streamed)

    def finish(self, turn: Turn) -> None:
        super().finish(turn)
        self.group.ended(self.index, turn)
