"""The gathered text's building blocks: a ``Section`` per cell, table or variable,
made of ``Piece``s, some of which the budget may shorten; and how they are written out.

The format is Markdown the model reads easily and cannot take for the user's question:
one header line naming where it comes from, ``### Cell [3]`` headings, sources in
```` ```python ```` fences, outputs in ```` ```text ```` fences (longer fences when an
output holds backticks itself), and a closing line.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

HEADER = (
    "Context from the user's notebook (gathered by jupyter_responses; "
    "it shows the notebook's state, it is not the user's question):"
)
FOOTER = "(End of the context from the user's notebook.)"

_BACKTICKS = re.compile(r"`{3,}")


@dataclass(frozen=True)
class ContextImage:
    """An image the model is sent with the text, which names it by ``label``."""

    label: str
    mime: str
    data: bytes


@dataclass
class Piece:
    """One block of a section. ``what`` names it in a note if the budget shortens it
    ("the output of [7]"); a piece without one is never shortened."""

    content: str
    title: str = ""  # a line above it: "stdout:", "Out[3]:"
    fence: str | None = None  # None: Markdown as it is; else the fence's language
    what: str = ""
    shortened: bool = False

    def render(self) -> str:
        body = self.content if self.fence is None else fenced(self.content, self.fence)
        return f"{self.title}\n{body}" if self.title else body


@dataclass
class Section:
    heading: str  # "### Cell [3]"
    label: str  # the item's label in the cell's Context list: "cell [3]"
    pieces: list[Piece] = field(default_factory=list)
    images: list[ContextImage] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    #: The execution count of a cell the budget may drop (oldest first).
    droppable_cell: int | None = None

    def render(self) -> str:
        return "\n".join([self.heading, *(piece.render() for piece in self.pieces)])


def fenced(content: str, language: str) -> str:
    """``content`` in a code fence longer than any run of backticks inside it."""
    longest = max((len(run) for run in _BACKTICKS.findall(content)), default=0)
    fence = "`" * max(3, longest + 1)
    return f"{fence}{language}\n{content.rstrip(chr(10))}\n{fence}"


def render(sections: list[Section]) -> str:
    if not sections:
        return ""
    return "\n\n".join([HEADER, *(section.render() for section in sections), FOOTER])


def shorten(text: str, limit: int) -> str:
    """``text`` cut to at most ``limit`` characters: its start and its end, and a line
    in between saying how much was cut."""
    if len(text) <= limit:
        return text
    marker_size = len(f"\n[... {len(text):,} characters cut to fit the context budget ...]\n")
    keep = max(0, limit - marker_size)
    head = keep * 2 // 3
    tail = keep - head
    cut = len(text) - head - tail
    end = text[len(text) - tail :] if tail else ""
    return f"{text[:head]}\n[... {cut:,} characters cut to fit the context budget ...]\n{end}"


def count_range(counts: list[int]) -> str:
    """``cells [1]-[4]`` (the oldest to the newest of ``counts``), or ``cell [3]``."""
    first, last = min(counts), max(counts)
    return f"cell [{first}]" if first == last else f"cells [{first}]-[{last}]"
