"""``-n N``: N candidate answers streamed side by side, then one answer with a way to
the others.

The candidates are versions of one turn (siblings made by one cell), so once they have
ended the cell shows one of them as any answer is shown, and the version switcher
("◀ 1/3 ▶", ``versions``) under it brings up the others, as after re-running a cell.
While they stream:

- with widgets, one tab per candidate, each the live view a turn has (its own Stop
  interrupts the kernel, which stops them all);
- with the updating display (``widgets = False``), one after the other, each under its
  heading; they stay so, each answer with its footer;
- in terminal IPython, the first streams as a turn does; the others are written out
  when all have ended, each under its heading.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Protocol

from .base import View, footer, status_line

if TYPE_CHECKING:
    from IPython.display import DisplayHandle

    from ..conversation import Turn
    from ..streamed import Streamed


class Candidates(Protocol):
    """The views of N candidates (``views[i]`` shows turn ``i``) and what the cell
    shows once they have ended."""

    views: list[View]

    def finish(self, picked: Turn) -> DisplayHandle | None:
        """Show ``picked`` as the cell's answer; the display holding it (which the
        version switcher updates), if there is one."""
        ...


def heading(index: int, count: int) -> str:
    return f"Candidate {index + 1} of {count}"


class StackedCandidates:
    """Each candidate's updating display under its heading, one after the other."""

    def __init__(self, interval: float, count: int) -> None:
        from .display import DisplayView

        self.views: list[View] = [_Headed(DisplayView(interval), i, count) for i in range(count)]

    def finish(self, picked: Turn) -> DisplayHandle | None:
        return None  # every answer stays where it is


class TerminalCandidates:
    """The first candidate streams; the others are written when all have ended."""

    def __init__(self, count: int) -> None:
        from .terminal import TerminalView

        self.count = count
        self.views: list[View] = [TerminalView(), *(_Kept() for _ in range(count - 1))]

    def finish(self, picked: Turn) -> DisplayHandle | None:
        for index, view in enumerate(self.views[1:], start=1):
            assert isinstance(view, _Kept) and view.turn is not None
            turn = view.turn
            said = [f"[reasoning] {turn.reasoning}"] if turn.reasoning else []
            said += [text for text in (turn.text, turn.refusal or "", status_line(turn)) if text]
            print(f"\n== {heading(index, self.count)} ==\n" + "\n\n".join(said))
            print(f"-- {footer(turn)}")
        return None


class _Headed:
    """A view under a heading of its own (written when the view starts)."""

    def __init__(self, view: View, index: int, count: int) -> None:
        self.view, self.index, self.count = view, index, count

    def start(self, turn: Turn, streamed: Streamed) -> None:
        from IPython.display import HTML, display

        display(HTML(f"<p><strong>{heading(self.index, self.count)}</strong></p>"))
        self.view.start(turn, streamed)

    def update(self, event: Any) -> None:
        self.view.update(event)

    def finish(self, turn: Turn) -> None:
        self.view.finish(turn)

    def confirm(self, name: str, arguments: str) -> bool:
        return self.view.confirm(name, arguments)


class _Kept:
    """Shows nothing while the candidate streams (terminal): kept for the end."""

    turn: Turn | None = None

    def start(self, turn: Turn, streamed: Streamed) -> None:
        self.turn, self.streamed = turn, streamed

    def update(self, event: Any) -> None:
        pass

    def finish(self, turn: Turn) -> None:
        self.turn = turn

    def confirm(self, name: str, arguments: str) -> bool:
        return False  # -n runs no tools
