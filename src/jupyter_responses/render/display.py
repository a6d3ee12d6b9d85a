"""A live view made of one IPython display (sanitized HTML and plain text), updated
in place at a bounded rate.

The view for frontends without widgets (``%config ResponsesMagics.widgets = False``).
The final bundle is always sent, byte-exact.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..streamed import SoFar, Streamed
from .approval import ask_with_input
from .live import LiveView, final_bundle
from .markup import escape_html
from .static import html, plain, styled

if TYPE_CHECKING:
    from IPython.display import DisplayHandle

    from ..conversation import Turn


class DisplayView(LiveView):
    def __init__(self, interval: float = 0.05) -> None:
        super().__init__(interval)
        self.handle: DisplayHandle | None = None

    def start(self, turn: Turn, streamed: Streamed) -> None:
        from IPython.display import display

        super().start(turn, streamed)
        self.handle = display(
            {"text/html": styled(html(turn, SoFar())), "text/plain": "…"},
            raw=True,
            display_id=True,
        )

    def draw(self, turn: Turn, final: bool) -> None:
        if self.handle is None:
            return
        so_far = self.so_far()
        page, text = html(turn, so_far), plain(turn, so_far)
        waiting = not (so_far.text or so_far.reasoning or so_far.commentary or turn.calls)
        line = self.notice or (self.waiting_line if waiting else "")
        if line:  # its status line, above the turn as in the widget view
            page = f"<p><em>{escape_html(line)}</em></p>{page}"
            text = f"{line}\n{text}"
        self.handle.update({"text/html": styled(page), "text/plain": text}, raw=True)

    def finish(self, turn: Turn) -> None:
        self.quiet_down()
        if self.handle is not None:
            self.handle.update(final_bundle(turn), raw=True)

    def confirm(self, name: str, arguments: str) -> bool:
        self.redraw()
        return ask_with_input(name, arguments)
