"""A sign under a regenerated answer that it has other versions, and a way back to them.

Re-running a cell regenerates its turn: the new answer takes the old one's place, and
the old one stays in the conversation tree as another version
(``Conversation.versions``). Without a sign, that was invisible. After a cell's turn,
``show_versions`` adds one when the turn has other versions:

- in a notebook with widgets, the switcher "◀ 2/2 ▶" (``version_switcher``), whose
  arrows make another version current and show its recorded answer in place of the one
  in the cell, so one answer is visible at a time;
- elsewhere (``widgets = False``; terminal IPython, which has no cell ids and so never
  regenerates), one line saying which version this is and where the others are listed.

This module stays light: the widget (anywidget, ipywidgets) is imported only when a
switcher is shown, not when the extension loads.
"""

from __future__ import annotations

import weakref
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ..conversation import Conversation, Turn
    from ..session import Session
    from .version_switcher import VersionSwitcher

#: Where a saved notebook (or a frontend without widgets) points for the other versions.
LISTED = "%responses history --all lists them"


def show_versions(
    session: Session,
    turn: Turn,
    answer: Any,
    widgets: bool,
    on_pick: Callable[[Turn], None] | None = None,
) -> None:
    """After ``turn``, shown by a cell in the display ``answer`` (the live views keep
    theirs as ``handle``; ``None`` without one): when the cell has made other versions
    of it, the switcher (a notebook with ``widgets`` on) or a one-line note. Nothing
    when it has only one version. ``on_pick`` hears of each version the switcher makes
    current (``-o`` follows it)."""
    conversation = _holding(session, turn)
    if conversation is None:
        return
    versions = conversation.versions(turn)
    if len(versions) < 2:
        return
    from IPython.display import DisplayHandle

    if not widgets or not isinstance(answer, DisplayHandle):
        number = versions.index(turn) + 1
        print(f"↺ Version {number} of {len(versions)} of this cell's answer: {LISTED}.")
        return
    from .version_switcher import VersionSwitcher

    switcher = VersionSwitcher(session, conversation, turn, answer, on_pick)
    switcher.show(f"↺ {len(versions)} versions of this answer: {LISTED}.")
    _keep(session, turn.cell_id, switcher)


def _holding(session: Session, turn: Turn) -> Conversation | None:
    """The open conversation ``turn`` is in (any thread: ``-t NAME`` runs elsewhere)."""
    for conversation in session.threads.open.values():
        if conversation.turns.get(turn.id) is turn:
            return conversation
    return None


#: Per session, the switchers each cell shows now, with the run that showed them. A
#: cell's next run clears its outputs, so the switchers of its last run are closed when
#: it shows new ones (their comms freed, not kept for the kernel's lifetime).
_shown: weakref.WeakKeyDictionary[Session, dict[str, tuple[Any, list[VersionSwitcher]]]] = (
    weakref.WeakKeyDictionary()
)


def _keep(session: Session, cell_id: str | None, switcher: VersionSwitcher) -> None:
    if cell_id is None:
        return
    from IPython import get_ipython

    shell = get_ipython()
    run = getattr(shell, "execution_count", None)
    cells = _shown.setdefault(session, {})
    last_run, switchers = cells.get(cell_id, (None, []))
    if last_run != run:
        for old in switchers:
            old.close()
        switchers = []
    cells[cell_id] = (run, [*switchers, switcher])
