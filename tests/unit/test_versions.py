"""Versions of a cell's turn: which turns are versions, where the head goes to show one,
the switcher's clicks (head moved, answer display replaced, busy and closed cases), the
note without widgets, and how ``%responses history --all`` marks them."""

from __future__ import annotations

import contextlib
import gc
import io
import threading
import weakref
from importlib import resources
from types import SimpleNamespace
from typing import Any

import pytest

from jupyter_responses import commands
from jupyter_responses.config import ResponsesConfig
from jupyter_responses.conversation import Conversation, Turn
from jupyter_responses.render.versions import show_versions
from jupyter_responses.session import Session

IMAGE = "iVBORw0KGgo="  # the start of a PNG, enough for markup


class Tree:
    """A conversation built turn by turn, each started a second after the last."""

    def __init__(self, conversation: Conversation) -> None:
        self.conversation = conversation
        self.clock = 1_000.0

    def add(self, prompt: str, cell: str | None, parent: Turn | None, **fields: Any) -> Turn:
        self.clock += 1
        turn = Turn(
            api="responses", model="m", prompt=prompt, cell_id=cell, status="completed",
            text=f"answer to {prompt}", parent=parent.id if parent else None,
            started=self.clock, finished=self.clock + 0.5, **fields,
        )  # fmt: skip
        self.conversation.append(turn)
        return turn


def _session() -> Session:
    settings = ResponsesConfig(db_path=":memory:").settings()
    return Session(lambda: settings)


def _rerun_b(tree: Tree) -> tuple[Turn, ...]:
    """a; b1 (cell B) and c1 under it; then B re-run: b2, and c2 under that (the head)."""
    a = tree.add("a", "A", None)
    b1 = tree.add("b", "B", a)
    c1 = tree.add("c", "C", b1)
    b2 = tree.add("b again", "B", a)
    c2 = tree.add("c", "C", b2)
    return a, b1, c1, b2, c2


# -- which turns are versions ----------------------------------------------------------------
def test_a_rerun_cells_turns_at_one_point_are_its_versions_oldest_first() -> None:
    tree = Tree(Conversation())
    a, b1, _c1, b2, c2 = _rerun_b(tree)
    fork = tree.add("forked from cell D", "D", a)  # another branch at a, not a version of b
    panel = tree.add("from the panel", None, a)
    conversation = tree.conversation
    assert conversation.versions(b1) == conversation.versions(b2) == [b1, b2]
    assert conversation.versions(fork) == [fork]
    assert conversation.versions(panel) == [panel]  # no cell: its only version
    assert conversation.versions(c2) == [c2]  # c1 continues another turn: a branch of b's
    assert conversation.versions(a) == [a]


def test_a_regenerated_first_turn_has_versions_among_the_roots() -> None:
    tree = Tree(Conversation())
    first = tree.add("hi", "A", None)
    again = tree.add("hi again", "A", None)
    assert tree.conversation.versions(again) == [first, again]


def test_a_loop_cells_rerun_makes_versions_of_its_first_turn_only() -> None:
    tree = Tree(Conversation())
    one = tree.add("one", "L", None)
    tree.add("two", "L", one)
    one_again = tree.add("one", "L", None)
    two_again = tree.add("two", "L", one_again)
    assert tree.conversation.versions(one_again) == [one, one_again]
    assert tree.conversation.versions(two_again) == [two_again]


def test_tree_lists_every_turns_children_oldest_first() -> None:
    tree = Tree(Conversation())
    a, b1, c1, b2, c2 = _rerun_b(tree)
    kids = tree.conversation.tree()
    assert kids == {None: [a], a.id: [b1, b2], b1.id: [c1], b2.id: [c2]}


# -- where the head goes -----------------------------------------------------------------------
def test_showing_an_earlier_version_returns_to_the_newest_turn_under_it() -> None:
    tree = Tree(Conversation())
    _a, b1, c1, b2, c2 = _rerun_b(tree)
    conversation = tree.conversation
    assert conversation.head_for(b1.id) == c1.id  # b1 with the c that followed it
    conversation.checkout(c1.id)
    assert conversation.head_for(b2.id) == c2.id
    deeper = tree.add("d", "D", c1)
    conversation.checkout(c2.id)
    assert conversation.head_for(b1.id) == deeper.id  # the newest, however deep


def test_a_version_on_the_current_branch_leaves_the_head_where_it_is() -> None:
    tree = Tree(Conversation())
    a, b1, _c1, b2, c2 = _rerun_b(tree)
    conversation = tree.conversation
    assert conversation.head_for(b2.id) == c2.id == conversation.head
    conversation.checkout(b2.id)  # head mid-way: b2 is on the branch, nothing moves
    assert conversation.head_for(b2.id) == b2.id
    assert conversation.head_for(a.id) == b2.id
    lone = tree.add("lone", "L", None)
    conversation.checkout(c2.id)
    assert conversation.head_for(lone.id) == lone.id  # nothing continues it: itself
    with pytest.raises(LookupError):
        conversation.head_for("nope")
    assert b1.id != conversation.head_for(b2.id)


def test_rerunning_a_cell_that_shows_an_earlier_version_makes_another_version() -> None:
    session = _session()
    tree = Tree(session.conversation)
    a, b1, c1, b2, _c2 = _rerun_b(tree)
    conversation = session.conversation
    conversation.checkout(conversation.head_for(b1.id))  # the switcher's ◀
    assert conversation.turn_of_cell("B") is b1  # the version on the branch, not b2
    session.note_cell(SimpleNamespace(cell_id="B"))
    assert session.parent_for(conversation, None, "B") == a.id
    b3 = tree.add("b, third", "B", a)
    assert conversation.versions(b3) == [b1, b2, b3]
    session.note_cell(SimpleNamespace(cell_id="C"))  # c1 is off the branch now
    assert session.parent_for(conversation, None, "C") == b3.id
    assert c1 not in conversation.branch()


# -- the session -------------------------------------------------------------------------------
def test_show_version_moves_the_head_saves_and_tells_listeners() -> None:
    session = _session()
    _a, b1, c1, _b2, _c2 = _rerun_b(Tree(session.conversation))
    heard: list[Any] = []
    session.listeners.append(lambda conversation, turn: heard.append((conversation, turn)))
    assert session.show_version(session.conversation, b1.id)
    assert session.conversation.head == c1.id
    assert heard == [(session.conversation, None)]
    store = session.threads.store()
    assert store is not None and store.load(session.conversation.id).head == c1.id


def test_show_version_changes_nothing_while_another_thread_runs_a_turn() -> None:
    session = _session()
    _a, b1, _c1, _b2, c2 = _rerun_b(Tree(session.conversation))
    held, release = threading.Event(), threading.Event()

    def panel_turn() -> None:
        with session.lock:
            held.set()
            release.wait(10)

    worker = threading.Thread(target=panel_turn)
    worker.start()
    try:
        assert held.wait(10)
        assert not session.show_version(session.conversation, b1.id)
        assert session.conversation.head == c2.id
    finally:
        release.set()
        worker.join()
    assert session.show_version(session.conversation, b1.id)


# -- the switcher ------------------------------------------------------------------------------
class Answer:
    """Stands in for the live view's ``DisplayHandle``: records the updates."""

    def __init__(self) -> None:
        self.updates: list[dict[str, str]] = []

    def update(self, bundle: dict[str, str], raw: bool = False) -> None:
        assert raw
        self.updates.append(bundle)


def _switcher(session: Session, turn: Turn) -> tuple[Any, Answer]:
    from jupyter_responses.render.version_switcher import VersionSwitcher

    answer = Answer()
    return VersionSwitcher(session, session.conversation, turn, answer), answer  # type: ignore[arg-type]


def test_the_switcher_counts_the_versions_and_its_arrows_switch_them() -> None:
    session = _session()
    _a, b1, c1, b2, c2 = _rerun_b(Tree(session.conversation))
    switcher, answer = _switcher(session, b2)
    try:
        assert (switcher.number, switcher.count) == (2, 2)
        switcher._on_message(switcher, {"type": "show", "version": 1}, [])  # as ◀ sends it
        assert session.conversation.head == c1.id and switcher.number == 1
        assert "answer to b" in answer.updates[-1]["text/html"]
        assert "answer to b again" not in answer.updates[-1]["text/plain"]
        switcher._on_message(switcher, {"type": "show", "version": 2}, [])
        assert session.conversation.head == c2.id and switcher.number == 2
        assert "answer to b again" in answer.updates[-1]["text/plain"]
        for junk in ({"type": "show", "version": 3}, {"type": "show", "version": True}, {}, "x"):
            switcher._on_message(switcher, junk, [])
        assert len(answer.updates) == 2 and switcher.number == 2
        assert b1.id in session.conversation.turns
    finally:
        switcher.close()


def test_the_switcher_says_why_when_it_cannot_switch() -> None:
    session = _session()
    _a, _b1, _c1, b2, c2 = _rerun_b(Tree(session.conversation))
    switcher, answer = _switcher(session, b2)
    try:
        with session.lock:  # held by this thread: an RLock lets the owner in...
            switcher.switch(1)
        assert switcher.number == 1
        switcher.switch(2)
        session.lock.acquire()
        worker = threading.Thread(target=switcher.switch, args=(1,))  # ...not another thread
        worker.start()
        worker.join()
        session.lock.release()
        assert "A turn is running" in switcher.note and switcher.number == 2
        assert session.conversation.head == c2.id
        switcher.switch(1)
        assert switcher.note == "" and switcher.number == 1

        closed = session.conversation.id
        session.new_conversation()  # the switcher's conversation is no longer open
        switcher.switch(2)
        assert switcher.note == (
            f"This conversation is no longer open: %responses resume {closed} reopens it."
        )
        assert switcher.number == 1 and len(answer.updates) == 3
    finally:
        switcher.close()


def test_a_version_the_run_did_not_make_brings_its_images_inline() -> None:
    from jupyter_responses.render.version_switcher import version_bundle

    tree = Tree(Conversation())
    picture = tree.add("draw", "P", None, images=[IMAGE, 'data:image/webp;base64,"x'])
    shown = version_bundle(picture, with_images=True)
    assert f'<img src="data:image/png;base64,{IMAGE}"' in shown["text/html"]
    assert 'src="data:image/webp;base64,&quot;x"' in shown["text/html"]  # escaped
    assert shown["text/plain"].endswith("[image 1]\n[image 2]")
    assert "<img" not in version_bundle(picture, with_images=False)["text/html"]


def test_the_switchers_script_and_style_are_the_shipped_files() -> None:
    from jupyter_responses.render.version_switcher import VersionSwitcher

    package = resources.files("jupyter_responses.render")
    assert VersionSwitcher._esm == package.joinpath("versions.js").read_text(encoding="utf-8")
    assert VersionSwitcher._css == package.joinpath("versions.css").read_text(encoding="utf-8")
    assert "function render(" in VersionSwitcher._esm and ".jr-versions" in VersionSwitcher._css


def test_a_closed_switcher_can_be_collected() -> None:
    session = _session()
    _a, _b1, _c1, b2, _c2 = _rerun_b(Tree(session.conversation))
    switcher, _ = _switcher(session, b2)
    switcher.close()
    ref = weakref.ref(switcher)
    del switcher
    gc.collect()
    assert ref() is None


# -- show_versions -----------------------------------------------------------------------------
def test_without_widgets_a_regenerated_turn_gets_a_one_line_note(
    capsys: pytest.CaptureFixture[str],
) -> None:
    session = _session()
    _a, b1, _c1, b2, c2 = _rerun_b(Tree(session.conversation))
    show_versions(session, b2, None, widgets=True)  # no answer display
    show_versions(session, b1, None, widgets=False)
    show_versions(session, c2, None, widgets=False)  # one version
    assert capsys.readouterr().out.splitlines() == [
        "↺ Version 2 of 2 of this cell's answer: %responses history --all lists them.",
        "↺ Version 1 of 2 of this cell's answer: %responses history --all lists them.",
    ]


# -- %responses history --all ------------------------------------------------------------------
def test_history_all_draws_the_tree_marks_versions_and_explains_the_marks(
    capsys: pytest.CaptureFixture[str],
) -> None:
    session = _session()
    tree = Tree(session.conversation)
    a, b1, c1, b2, c2 = _rerun_b(tree)
    c2.status = "failed"
    fork = tree.add("fork", "D", a)
    session.conversation.checkout(c2.id)
    commands.history(session, SimpleNamespace(all=True))
    lines = capsys.readouterr().out.splitlines()
    ids = [line.split("(id ")[1].split(")")[0] for line in lines[:6]]
    assert ids == [a.id, b1.id, c1.id, b2.id, c2.id, fork.id]
    drawn = [line.split("[")[0] for line in lines[:6]]
    assert drawn == [
        "* ✓ ",
        "  ├─ v1/2 ✓ ",
        "  │  ✓ ",
        "* ├─ v2/2 ✓ ",
        "* │  ✗ ",
        "  └─ ✓ ",
    ]
    assert lines[4].endswith("← head") and sum("← head" in line for line in lines) == 1
    assert lines[6] == ""
    assert lines[7:] == [
        "Marks: * the current branch · ← its head (the next turn continues there)",
        "       ├─ └─ several turns continue one · v2/3 version 2 of 3 of a re-run cell",
        "       ✓ completed · ✗ failed",
        "",
        "Tokens of thread main (every branch): no tokens counted",
    ]
    assert all(len(line) <= commands.LEGEND_WIDTH for line in lines[7:10])


def test_history_all_of_a_long_conversation_stays_in_one_column() -> None:
    session = _session()
    tree = Tree(session.conversation)
    last = None
    for n in range(1500):  # deeper than Python's recursion limit
        last = tree.add(f"q{n}", f"cell{n}", last)
    with contextlib.redirect_stdout(io.StringIO()) as printed:
        commands.history(session, SimpleNamespace(all=True))
    out = printed.getvalue().splitlines()
    assert len(out) == 1500 + 6  # a blank line, the legend's three, a blank line, tokens
    assert all(line.startswith("* ✓ [responses · m] q") for line in out[:1500])
