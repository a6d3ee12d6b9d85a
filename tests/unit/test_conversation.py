"""The conversation tree and where a new turn attaches: branch, fork, re-run, head
moves; and the kernel's threads over an in-memory store."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

import pytest

from jupyter_responses.config import ResponsesConfig
from jupyter_responses.conversation import Conversation, Turn
from jupyter_responses.errors import OptionsError
from jupyter_responses.session import Session
from jupyter_responses.threads import Threads

from .chains import chained


def _turn(
    prompt: str, cell: str | None = None, status: str = "completed", response_id: str | None = None
) -> Turn:
    return Turn(
        api="responses", model="m", prompt=prompt, status=status, cell_id=cell,
        response_id=response_id,
    )  # fmt: skip


def _attach(conversation: Conversation, turn: Turn, parent: str | None) -> Turn:
    turn.parent = parent
    conversation.append(turn)
    return turn


def _session() -> Session:
    settings = ResponsesConfig(db_path=":memory:").settings()
    return Session(lambda: settings)


def test_branch_and_context_follow_parents_to_the_head() -> None:
    conversation = Conversation()
    chained(conversation, [_turn("a"), _turn("b", status="failed"), _turn("c")])
    b = conversation.branch()[1].id
    assert [t.prompt for t in conversation.branch()] == ["a", "b", "c"]
    assert [t.prompt for t in conversation.context()] == ["a", "c"]  # failed: not context
    assert [t.prompt for t in conversation.branch(b)] == ["a", "b"]
    assert conversation.title == "a"


def test_a_second_child_is_another_version_and_checkout_moves_the_head() -> None:
    conversation = Conversation()
    a = _attach(conversation, _turn("a"), None)
    b1 = _attach(conversation, _turn("b1"), a.id)
    b2 = _attach(conversation, _turn("b2"), a.id)
    assert conversation.head == b2.id
    assert [t.id for t in conversation.children(a.id)] == [b1.id, b2.id]
    assert [t.prompt for t in conversation.branch()] == ["a", "b2"]
    conversation.checkout(b1.id)
    assert [t.prompt for t in conversation.branch()] == ["a", "b1"]
    with pytest.raises(LookupError):
        conversation.checkout("nope")


def test_find_by_number_id_prefix_and_response_id() -> None:
    conversation = Conversation()
    chained(conversation, [_turn("a", response_id="resp_a"), _turn("b")])
    a, b = conversation.branch()
    assert conversation.find("1") is a and conversation.find("2") is b
    assert conversation.find(b.id) is b and conversation.find(b.id[:6]) is b
    assert conversation.find("resp_a") is a
    with pytest.raises(LookupError, match="There is no turn 3: the current branch has 2"):
        conversation.find("3")
    with pytest.raises(LookupError, match="No turn 'zzz'"):
        conversation.find("zzz")
    with pytest.raises(LookupError, match="There is no turn 0"):
        conversation.find("0")


def test_an_all_digit_id_prefix_is_an_id_not_a_turn_number() -> None:
    conversation = Conversation()
    chained(conversation, [_turn("a"), _turn("b")])
    a, b = conversation.branch()
    for turn, digits in ((a, "402913aa0b1c"), (b, "0713bb2c3d4e")):
        del conversation.turns[turn.id]
        turn.id = digits
        conversation.turns[digits] = turn
    b.parent, conversation.head = a.id, b.id
    assert conversation.find("402913") is a and conversation.find("0713") is b
    assert conversation.find("2") is b  # a turn number wins where it is one
    with pytest.raises(LookupError, match="There is no turn 7"):
        conversation.find("07")  # too short to be read as an id


def test_turn_of_cell_is_the_first_turn_of_the_cells_latest_run() -> None:
    conversation = Conversation()
    a = _attach(conversation, _turn("a", cell="A"), None)
    loop1 = _attach(conversation, _turn("l1", cell="L"), a.id)
    _attach(conversation, _turn("l2", cell="L"), loop1.id)
    assert conversation.turn_of_cell("A") is a
    assert conversation.turn_of_cell("L") is loop1
    assert conversation.turn_of_cell("other") is None and conversation.turn_of_cell(None) is None


def test_rerun_regenerates_and_cells_below_continue_from_the_new_turn() -> None:
    session = _session()
    conversation = session.conversation
    session.note_cell(SimpleNamespace(cell_id="A"))
    a1 = _attach(conversation, _turn("a", cell="A"), session.parent_for(conversation, None, "A"))
    session.note_cell(SimpleNamespace(cell_id="B"))
    b1 = _attach(conversation, _turn("b", cell="B"), session.parent_for(conversation, None, "B"))
    assert b1.parent == a1.id

    session.note_cell(SimpleNamespace(cell_id="B"))  # re-run B: same parent as before
    assert session.parent_for(conversation, None, "B") == a1.id

    session.note_cell(SimpleNamespace(cell_id="A"))  # re-run A: a new root
    assert session.parent_for(conversation, None, "A") is None
    a2 = _attach(conversation, _turn("a again", cell="A"), None)
    session.note_cell(SimpleNamespace(cell_id="B"))  # B's old turn is off the branch now
    assert session.parent_for(conversation, None, "B") == a2.id


def test_turns_made_in_the_same_cell_run_append() -> None:
    session = _session()
    conversation = session.conversation
    session.note_cell(SimpleNamespace(cell_id="L"))
    first = _attach(conversation, _turn("1", cell="L"), None)
    session._cell_turns.add(first.id)  # what Session.run records for each turn it makes
    assert session.parent_for(conversation, None, "L") == first.id


def test_fork_overrides_and_bad_refs_are_option_errors() -> None:
    session = _session()
    conversation = chained(session.conversation, [_turn("a"), _turn("b"), _turn("c")])
    first = conversation.branch()[0]
    assert session.parent_for(conversation, "1", cell_id=None) == first.id
    with pytest.raises(OptionsError, match="--fork: There is no turn 9"):
        session.parent_for(conversation, "9", cell_id=None)


def test_threads_get_fresh_switch_and_adopt_without_losing_anything() -> None:
    threads = Threads(lambda: ":memory:")
    main = threads.conversation
    chained(main, [_turn("kept")])
    threads.save(main)
    research = threads.get("research")
    assert research.name == "research" and threads.current == "main"
    with pytest.raises(OptionsError, match="is not a thread name"):
        threads.get("two words")

    fresh = threads.fresh()
    assert fresh is threads.conversation and not fresh.turns
    assert [s.id for s in threads.saved()] == [main.id]  # the replaced one is still saved
    assert threads.resume(main.id[:5]) is not fresh
    assert threads.current == "main" and threads.conversation.turns  # reopened: main was empty

    other = chained(Conversation(name="main"), [_turn("imported")])
    adopted = threads.adopt(other)
    assert adopted.name == "main-2" and threads.current == "main-2"  # main holds turns
    assert threads.switch("research") is research
    with pytest.raises(OptionsError, match="There is no thread 'nowhere'"):
        threads.switch("nowhere")


def test_an_unopenable_store_is_reported_and_memory_is_kept(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a directory")
    threads = Threads(lambda: str(blocker / "db.sqlite3"))
    conversation = chained(threads.conversation, [_turn("a")])
    threads.save(conversation)
    assert threads.save_error and str(blocker) in threads.save_error
    assert len(conversation.turns) == 1


def test_titles_are_cut_at_a_word_with_an_ellipsis() -> None:
    from jupyter_responses.conversation import TITLE_CHARS, short_title

    assert short_title("  Short question?\nmore") == "Short question?"
    long = "Summarise the quarterly revenue figures for every region, please, in detail"
    title = short_title(long)
    assert title.endswith("…") and len(title) <= TITLE_CHARS
    assert long.startswith(title[:-1]) and long[len(title) - 1] in " ,"
    assert short_title("x" * 100) == "x" * (TITLE_CHARS - 1) + "…"
