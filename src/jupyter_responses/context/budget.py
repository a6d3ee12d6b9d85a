"""Fit the sections into a token budget (estimated as characters / 4).

In order, stopping as soon as the text fits: drop the oldest droppable cells (keeping
the newest); shorten the longest pieces, all to one common length, never below
``FLOOR`` characters; cut the text itself at the budget. Each step says what it did,
in the notes the cell shows.
"""

from __future__ import annotations

from .sections import Piece, Section, count_range, render, shorten

CHARS_PER_TOKEN = 4
#: A shortened piece keeps at least this much: less says nothing.
FLOOR = 200


def fit(sections: list[Section], budget_tokens: int) -> tuple[list[Section], list[str]]:
    """The sections that fit ``budget_tokens`` (0: no limit), some pieces shortened in
    place, and a note per thing trimmed."""
    if budget_tokens <= 0:
        return sections, []
    limit = budget_tokens * CHARS_PER_TOKEN
    notes: list[str] = []
    sections = _drop_oldest(sections, limit, notes)
    if len(render(sections)) > limit:
        _shorten_longest(sections, limit, notes)
    return sections, notes


def cut_to(text: str, budget_tokens: int) -> tuple[str, str | None]:
    """The last resort: the text itself cut at the budget, and the note saying so."""
    limit = budget_tokens * CHARS_PER_TOKEN
    if budget_tokens <= 0 or len(text) <= limit:
        return text, None
    return (
        shorten(text, limit),
        f"cut the context to about {budget_tokens:,} tokens (it was still too long)",
    )


def _drop_oldest(sections: list[Section], limit: int, notes: list[str]) -> list[Section]:
    droppable = [s for s in sections if s.droppable_cell is not None]
    dropped: list[Section] = []
    sizes = {id(s): len(s.render()) + 2 for s in sections}
    total = len(render(sections))
    while total > limit and len(droppable) > 1:
        oldest = droppable.pop(0)
        dropped.append(oldest)
        total -= sizes[id(oldest)]
    if not dropped:
        return sections
    counts = [s.droppable_cell for s in dropped if s.droppable_cell is not None]
    notes.append(f"dropped {count_range(counts)} (older than the budget allows)")
    gone = {id(s) for s in dropped}
    return [s for s in sections if id(s) not in gone]


def _shorten_longest(sections: list[Section], limit: int, notes: list[str]) -> None:
    """Cut every shortenable piece longer than a cap ``L`` down to ``L``, with ``L``
    the largest cap that removes enough (so the longest pieces lose the most and short
    ones nothing)."""
    pieces: list[tuple[Section, Piece]] = [
        (section, piece) for section in sections for piece in section.pieces if piece.what
    ]
    for _ in range(3):  # fences and markers move the total a little: settle in a few tries
        excess = len(render(sections)) - limit
        if excess <= 0:
            return
        cap = _cap([len(p.content) for _, p in pieces], excess)
        if cap is None:
            return
        for section, piece in pieces:
            if len(piece.content) > cap:
                piece.content = shorten(piece.content, cap)
                if not piece.shortened:
                    piece.shortened = True
                    notes.append(f"shortened {piece.what}")
                    if "shortened" not in section.notes:
                        section.notes.append("shortened")


def _cap(lengths: list[int], excess: int) -> int | None:
    """The largest cap (at least ``FLOOR``) such that cutting every length above it
    down to it removes ``excess`` characters, or ``FLOOR`` when nothing does; None
    when no piece is above ``FLOOR``."""
    longest = max(lengths, default=0)
    if longest <= FLOOR:
        return None

    def removed(cap: int) -> int:
        return sum(n - cap for n in lengths if n > cap)

    low, high = FLOOR, longest  # removed(high) == 0; find the largest cap removing enough
    if removed(low) < excess:
        return low
    while high - low > 1:
        middle = (low + high) // 2
        if removed(middle) >= excess:
            low = middle
        else:
            high = middle
    return low
