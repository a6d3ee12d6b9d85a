"""The conversation as a tree in a real kernel: re-running a cell regenerates its turn,
``--fork`` continues from an earlier one, named threads, and ``%responses checkout``.
Each test asserts on the requests the emulator received (chained from which response,
resending which history)."""

from __future__ import annotations

from jupyter_responses.emulator import Emulator

from .harness import KernelSession, history_lines
from .recorded import requests, user_texts


def _response_ids(emulator: Emulator) -> list[str]:
    """Stored response ids, oldest first."""
    return list(emulator.state.responses)


def test_rerunning_a_cell_regenerates_its_turn_and_cells_below_follow(
    loaded: KernelSession, emulator: Emulator
) -> None:
    loaded.execute("%%respond\nfirst", cell_id="a")
    loaded.execute("%%respond\nsecond", cell_id="b")
    loaded.execute("%%respond\nsecond again", cell_id="b")  # regenerate b
    a1, b1, _b2 = _response_ids(emulator)
    *_, regenerated = requests(emulator, "/v1/responses")
    assert regenerated["previous_response_id"] == a1  # from b's parent, not from b1
    assert user_texts(regenerated) == ["second again"]

    loaded.execute("%%respond\nfirst, take two", cell_id="a")  # regenerate a: a new root
    new_root = requests(emulator, "/v1/responses")[-1]
    assert "previous_response_id" not in new_root
    assert user_texts(new_root) == ["first, take two"]
    loaded.execute("%%respond\nsecond, after the new first", cell_id="b")
    below = requests(emulator, "/v1/responses")[-1]
    a2 = _response_ids(emulator)[3]
    assert below["previous_response_id"] == a2  # b follows the regenerated a

    lines = history_lines(loaded)
    assert len(lines) == 2 and "first, take two" in lines[0] and "after the new" in lines[1]
    assert "↺ 1 other version" in lines[0]
    tree = loaded.execute("%responses history --all").stdout
    assert tree.count("(id ") == 5 and tree.count("← head") == 1
    assert b1 not in tree  # turn ids, not response ids, are listed


def test_rerun_with_chat_resends_the_regenerated_branch(
    loaded: KernelSession, emulator: Emulator
) -> None:
    loaded.execute("%%chat\nq1", cell_id="a")
    loaded.execute("%%chat\nq2", cell_id="b")
    loaded.execute("%%chat\nq1 rephrased", cell_id="a")
    loaded.execute("%%chat\nq2", cell_id="b")
    *_, regenerated_a, following_b = requests(emulator, "/v1/chat/completions")
    assert user_texts(regenerated_a) == ["q1 rephrased"]
    assert user_texts(following_b) == ["q1 rephrased", "q2"]


def test_one_cell_run_making_several_turns_appends_them(
    loaded: KernelSession, emulator: Emulator
) -> None:
    loop = "for q in ['one', 'two']:\n    get_ipython().run_cell_magic('respond', '', q)"
    loaded.execute(loop, cell_id="loop")
    first, second = _response_ids(emulator)
    assert requests(emulator, "/v1/responses")[1]["previous_response_id"] == first
    loaded.execute(loop, cell_id="loop")  # run again: 'one' regenerates from the root
    third = requests(emulator, "/v1/responses")[2]
    assert "previous_response_id" not in third and user_texts(third) == ["one"]
    assert second != _response_ids(emulator)[2]


def test_without_cell_ids_turns_append(loaded: KernelSession, emulator: Emulator) -> None:
    loaded.execute("%%respond\nsame")
    loaded.execute("%%respond\nsame")
    first, _ = _response_ids(emulator)
    assert requests(emulator, "/v1/responses")[1]["previous_response_id"] == first


def test_fork_by_number_by_turn_id_and_by_response_id(
    loaded: KernelSession, emulator: Emulator
) -> None:
    for number in (1, 2, 3):
        loaded.execute(f"%%respond\nq{number}")
    r1, r2, _r3 = _response_ids(emulator)
    loaded.execute("%%respond --fork 1\nbranch off one")
    assert requests(emulator, "/v1/responses")[-1]["previous_response_id"] == r1
    # the fork became the head: the branch is q1, branch off one
    history = history_lines(loaded)
    assert [line.split("] ")[1].split(" →")[0] for line in history] == ["q1", "branch off one"]

    loaded.execute(f"%%respond --fork {r2}\nfrom two, by response id")
    assert requests(emulator, "/v1/responses")[-1]["previous_response_id"] == r2

    tree = loaded.execute("%responses history --all").stdout
    q3_turn = next(line for line in tree.splitlines() if "q3" in line).split("(id ")[1][:-1]
    loaded.execute(f"%%chat --fork {q3_turn}\nafter three, by turn id, over chat")
    (chat,) = requests(emulator, "/v1/chat/completions")
    assert user_texts(chat) == ["q1", "q2", "q3", "after three, by turn id, over chat"]


def test_fork_without_server_state_resends_that_branch(
    loaded: KernelSession, emulator: Emulator
) -> None:
    for number in (1, 2, 3):
        loaded.execute(f"%%respond --no-store\nq{number}")
    loaded.execute("%%respond --no-store --fork 2\nalt")
    last = requests(emulator, "/v1/responses")[-1]
    assert "previous_response_id" not in last and user_texts(last) == ["q1", "q2", "alt"]


def test_bad_fork_is_one_line(loaded: KernelSession) -> None:
    loaded.execute("%%respond\nq1")
    for ref, message in [("7", "There is no turn 7"), ("nope", "No turn 'nope'")]:
        result = loaded.execute(f"%%respond --fork {ref}\nx", allow_errors=True)
        assert result.error is not None and message in result.error.evalue
        assert result.error.ename == "UsageError"
    both = loaded.execute("%%respond --new --fork 1\nx", allow_errors=True)
    assert both.error is not None and "contradict" in both.error.evalue
    assert len(history_lines(loaded)) == 1


def test_named_threads_keep_separate_context(loaded: KernelSession, emulator: Emulator) -> None:
    loaded.execute("%%respond -t research\nresearch question")
    loaded.execute("%%respond\nmain question")
    _, main = requests(emulator, "/v1/responses")
    assert "previous_response_id" not in main  # -t did not make research current
    _, r_main = _response_ids(emulator)

    listing = loaded.execute("%responses threads").stdout
    assert "* main" in listing and "  research" in listing

    assert "Now in thread 'research'" in loaded.execute("%responses use research").stdout
    loaded.execute("%%chat\nresearch follow-up")
    (chat,) = requests(emulator, "/v1/chat/completions")
    assert user_texts(chat) == ["research question", "research follow-up"]
    loaded.execute("%%respond -t main\nmain follow-up")
    follow_up = requests(emulator, "/v1/responses")[-1]
    assert follow_up["previous_response_id"] == r_main
    assert user_texts(follow_up) == ["main follow-up"]

    assert "thread 'side'" in loaded.execute("%responses new side").stdout
    loaded.execute("%%respond\nfresh")
    assert user_texts(requests(emulator, "/v1/responses")[-1]) == ["fresh"]
    assert "* side" in loaded.execute("%responses threads").stdout

    missing = loaded.execute("%responses use nowhere", allow_errors=True)
    assert missing.error is not None and "There is no thread 'nowhere'" in missing.error.evalue
    bad = loaded.execute("%%respond -t 'two words'\nx", allow_errors=True)
    assert bad.error is not None and "is not a thread name" in bad.error.evalue


def test_checkout_returns_to_an_earlier_branch(loaded: KernelSession, emulator: Emulator) -> None:
    loaded.execute("%%respond\nq1", cell_id="a")
    loaded.execute("%%respond\nq2 first try", cell_id="b")
    loaded.execute("%%respond\nq2 second try", cell_id="b")
    tree = loaded.execute("%responses history --all").stdout
    old = next(line for line in tree.splitlines() if "first try" in line).split("(id ")[1][:-1]
    assert "continues from" in loaded.execute(f"%responses checkout {old}").stdout
    loaded.execute("%%respond\nq3")
    _r1, r2_first, _r2_second, _r3 = _response_ids(emulator)
    assert requests(emulator, "/v1/responses")[-1]["previous_response_id"] == r2_first
