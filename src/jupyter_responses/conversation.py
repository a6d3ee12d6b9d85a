"""Turns and the conversation tree they form. Pure data: no I/O, no API knowledge.

A ``Turn`` keeps what the user asked, what came back (as a neutral, ordered
``output`` transcript) and the opaque provider state needed to continue it
(``response_id``, provider items such as encrypted reasoning). From that either
backend can rebuild history, so a conversation may switch API between turns.
"""

from __future__ import annotations

import time
import uuid
from dataclasses import dataclass, field

from .events import Usage
from .transcript import (
    AttachmentRecord,
    CallRecord,
    CitationRecord,
    ContextRecord,
    Entry,
    LogprobRecord,
    TurnStatus,
    WindowRecord,
)

#: Statuses whose turns are context for later turns. Failed and interrupted turns
#: stay in the tree (shown, exported) but are never sent or chained to.
CONTEXT_STATUSES: tuple[TurnStatus, ...] = ("completed", "incomplete", "stopped")


#: The shortest all-digit reference read as a turn id's prefix rather than a number.
ID_PREFIX_DIGITS = 4

#: The thread a kernel starts in.
DEFAULT_THREAD = "main"


#: Longest conversation title (the start of its first prompt).
TITLE_CHARS = 60


def short_title(prompt: str) -> str:
    """The first line of ``prompt``, cut at a word with an ellipsis when too long."""
    line = prompt.strip().splitlines()[0] if prompt.strip() else ""
    if len(line) <= TITLE_CHARS:
        return line
    cut = line[: TITLE_CHARS - 1].rsplit(" ", 1)[0] if " " in line[:TITLE_CHARS] else ""
    return (cut or line[: TITLE_CHARS - 1]).rstrip(" ,;:.-") + "…"


def versions_among(siblings: list[Turn], turn: Turn) -> list[Turn]:
    """Of ``siblings`` (the children of ``turn``'s parent, oldest first), the versions of
    ``turn``: the turns its notebook cell made at that point. Re-running a cell attaches
    its new turn where the old one was, so they share parent and cell. A ``--fork`` from
    another cell, or a chat panel turn, is another branch there but not a version; a
    turn no cell made (terminal IPython, the panel) is its only version."""
    if turn.cell_id is None:
        return [turn]
    return [t for t in siblings if t.cell_id == turn.cell_id]


def new_turn_id() -> str:
    return uuid.uuid4().hex[:12]


@dataclass
class Turn:
    """One prompt and everything it produced.

    ``output`` is the neutral transcript, in order (``transcript.Entry``): what either
    backend rebuilds history from. ``calls`` is what the user saw of each tool call
    (``transcript.CallRecord``), ``attachments`` are references, never bytes.
    """

    api: str
    model: str
    prompt: str
    id: str = field(default_factory=new_turn_id)
    parent: str | None = None
    instructions: str | None = None
    attachments: list[AttachmentRecord] = field(default_factory=list)
    context: ContextRecord | None = None  # the notebook the message carried (--context)
    output: list[Entry] = field(default_factory=list)
    text: str = ""  # the answer (what -o gets)
    commentary: list[str] = field(default_factory=list)  # messages said on the way
    refusal: str | None = None
    reasoning: str = ""
    citations: list[CitationRecord] = field(default_factory=list)
    images: list[str] = field(default_factory=list)  # see transcript.image_record
    calls: list[CallRecord] = field(default_factory=list)
    schema: str | None = None  # the --schema the answer follows
    status: TurnStatus = "running"
    error: str | None = None
    notes: list[str] = field(default_factory=list)
    response_id: str | None = None
    stored: bool = False
    #: The server-side conversation (Conversations API) holding this turn's items, in a
    #: thread that keeps its state there (``Conversation.server_state``).
    server_conversation: str | None = None
    #: Run by the server apart from the connection (``--background``): while ``running``
    #: and saved so, a later kernel can finish it (``%responses resume``).
    background: bool = False
    usage: Usage = field(default_factory=Usage)
    #: Dollars, priced when the turn ended (``pricing``); ``None``: the model's price
    #: was not known then.
    cost: float | None = None
    #: The service tier that served it, as the server said (``flex``, ``priority``...).
    service_tier: str | None = None
    #: Its answer's tokens as the server scored them (``--logprobs``; at most
    #: ``logprobs.MAX_TOKENS``).
    logprobs: list[LogprobRecord] = field(default_factory=list)
    #: How full the model's context window was after it (``None``: size or counts
    #: unknown); the next turn sends at least that much.
    window: WindowRecord | None = None
    started: float = field(default_factory=time.time)
    finished: float | None = None
    cell_id: str | None = None
    magic: str = ""  # the magic line that produced it, for export and re-run

    @property
    def seconds(self) -> float:
        return (self.finished or time.time()) - self.started

    def message_texts(self) -> list[str]:
        """The texts of this turn's user message: the notebook context it carried
        (``--context``) as a labelled part of its own, then the prompt."""
        return [self.context["text"], self.prompt] if self.context else [self.prompt]

    def in_context(self) -> bool:
        return self.status in CONTEXT_STATUSES

    def compacts(self) -> bool:
        """Whether this turn is the conversation before it, compacted (``--compact``)."""
        return any(entry["type"] == "compaction" for entry in self.output)


@dataclass
class Conversation:
    """A tree of turns with a head; the branch from the root to the head is "the
    conversation" a new turn continues. Earlier branches (a regenerated turn, a fork)
    stay in ``turns`` and the head can return to them.

    ``name`` is the thread it is open as (``-t NAME``); ``id`` is what the store and
    exports know it by."""

    id: str = field(default_factory=lambda: uuid.uuid4().hex[:12])
    name: str = DEFAULT_THREAD
    title: str = ""
    system: str | None = None
    turns: dict[str, Turn] = field(default_factory=dict)
    head: str | None = None
    created: float = field(default_factory=time.time)
    #: Its turns on the Responses API go through server-side conversations
    #: (``server_threads``), which another machine can continue.
    server_state: bool = False

    def branch(self, tip: str | None = None) -> list[Turn]:
        """Turns from the root to ``tip`` (default: the head), oldest first."""
        chain: list[Turn] = []
        current = tip if tip is not None else self.head
        while current is not None:
            turn = self.turns[current]
            chain.append(turn)
            current = turn.parent
        return chain[::-1]

    def context(self, tip: str | None = None) -> list[Turn]:
        """The turns a new turn after ``tip`` sends or chains to: from the last
        compaction on (it stands for the turns before it, which stay in the tree)."""
        sent = [t for t in self.branch(tip) if t.in_context()]
        last = max((i for i, t in enumerate(sent) if t.compacts()), default=0)
        return sent[last:]

    def append(self, turn: Turn) -> None:
        """Add ``turn`` (its ``parent`` already chosen) and make it the head."""
        self.turns[turn.id] = turn
        self.head = turn.id
        if not self.title and turn.prompt.strip():
            self.title = short_title(turn.prompt)

    def children(self, turn_id: str | None) -> list[Turn]:
        """The turns that continue ``turn_id`` (``None``: the roots), oldest first."""
        kids = [t for t in self.turns.values() if t.parent == turn_id]
        return sorted(kids, key=lambda t: t.started)

    def tree(self) -> dict[str | None, list[Turn]]:
        """Every turn's children at once (``None``: the roots), oldest first: one pass
        for whoever walks the whole tree, where ``children`` per turn would be O(n²)."""
        kids: dict[str | None, list[Turn]] = {}
        for turn in sorted(self.turns.values(), key=lambda t: t.started):
            kids.setdefault(turn.parent, []).append(turn)
        return kids

    def versions(self, turn: Turn) -> list[Turn]:
        """The versions of ``turn``, oldest first, itself among them: see
        ``versions_among``. More than one means the cell was re-run (regenerated)."""
        return versions_among(self.children(turn.parent), turn)

    def head_for(self, turn_id: str) -> str:
        """Where the head goes to make turn ``turn_id`` current (the version switcher):
        nowhere new when it is on the current branch already; else the newest turn
        under it (itself when nothing continues it). So going back to an earlier
        version brings back the turns that followed it, as they were left, and the
        cells below it in the notebook, which still show those turns, continue them.
        (The head on the version itself would leave them off the current branch.)"""
        if turn_id not in self.turns:
            raise LookupError(f"No turn {turn_id!r} in this conversation.")
        if any(t.id == turn_id for t in self.branch()):
            return self.head or turn_id
        kids = self.tree()
        newest, stack = self.turns[turn_id], [turn_id]
        while stack:
            for child in kids.get(stack.pop(), []):
                newest = max(newest, child, key=lambda t: t.started)
                stack.append(child.id)
        return newest.id

    def find(self, ref: str) -> Turn:
        """The turn ``ref`` names: its number on the current branch (1 = oldest, as
        ``%responses history`` shows it), its id, a unique prefix of its id, or the
        server's response id. Raises ``LookupError`` with a message for the user."""
        ref = ref.strip()
        branch = self.branch()
        # not isdigit(): "²" is a digit that int() refuses
        number = int(ref) if ref.isdecimal() else None
        if number is not None and 1 <= number <= len(branch):
            return branch[number - 1]
        if ref in self.turns:
            return self.turns[ref]
        # an id prefix may be all digits ("402913"): a number too big for a turn is one,
        # if it is long enough not to be a mistyped turn number ("0", "12")
        prefixes = ref and (number is None or len(ref) >= ID_PREFIX_DIGITS)
        by_response = [t for t in self.turns.values() if ref and t.response_id == ref]
        by_prefix = [t for t in self.turns.values() if prefixes and t.id.startswith(ref)]
        found = by_response or by_prefix
        if len(found) == 1:
            return found[0]
        if found:
            raise LookupError(f"{ref!r} matches {len(found)} turns; give more of the id.")
        if number is not None:
            raise LookupError(
                f"There is no turn {number}: the current branch has {len(branch)} "
                f"turn{'' if len(branch) == 1 else 's'} (see %responses history)."
            )
        raise LookupError(
            f"No turn {ref!r} in this conversation: give a number, a turn id or a response "
            "id from %responses history."
        )

    def turn_of_cell(self, cell_id: str | None) -> Turn | None:
        """The turn a notebook cell shows: the first of the turns one run of it made in
        a row (one, unless the cell runs a magic in a loop). That run is the newest one
        on the current branch, which is the version the cell shows after a switch
        (``head_for``); with none on it, the cell's latest run. Re-running the cell
        regenerates from there."""
        if cell_id is None:
            return None
        made = [t for t in self.turns.values() if t.cell_id == cell_id]
        if not made:
            return None
        on_branch = {t.id for t in self.branch()}
        shown = [t for t in made if t.id in on_branch]
        first = max(shown or made, key=lambda t: t.started)
        while first.parent is not None and self.turns[first.parent].cell_id == cell_id:
            first = self.turns[first.parent]
        return first

    def checkout(self, turn_id: str) -> None:
        """Make ``turn_id`` the head: the next turn continues its branch."""
        if turn_id not in self.turns:
            raise LookupError(f"No turn {turn_id!r} in this conversation.")
        self.head = turn_id
