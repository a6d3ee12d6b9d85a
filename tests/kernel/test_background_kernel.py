"""A background turn outlives its kernel: the kernel is killed while the server works
on the answer; the next kernel says so at ``%load_ext``, and ``%responses resume``
finishes the turn in place, saved and in the history, with the exact answer."""

from __future__ import annotations

import time

from jupyter_responses.emulator import Emulator
from jupyter_responses.emulator import script as s
from jupyter_responses.store import Store

from .harness import KernelSession, history_lines
from .recorded import DB, LOAD

ANSWER = "Across the four regions the survey gathered 1,204 replies in six weeks."


def _unfinished(kernel: KernelSession) -> list[tuple[str, str]]:
    path = kernel.workdir / DB
    if not path.exists():
        return []
    store = Store(path)
    try:
        return store.unfinished_background()
    finally:
        store.close()


def test_a_background_turn_is_finished_after_its_kernel_dies(
    loaded: KernelSession, emulator: Emulator
) -> None:
    emulator.enqueue(s.text(ANSWER, deltas=40, event_delay=0.1))
    loaded.execute_async("%%respond --background\nHow did the survey go?")
    deadline = time.monotonic() + 30
    while not _unfinished(loaded):  # saved running as soon as the server has it
        assert time.monotonic() < deadline, loaded.log_tail()
        time.sleep(0.1)
    loaded.restart()  # the kernel dies mid-answer; the server keeps working
    said = loaded.execute(LOAD).stdout
    assert "1 background turn was left running when a kernel stopped" in said
    assert "%responses resume finishes them here" in said

    finished = loaded.execute("%responses resume")
    assert ANSWER in finished.html
    assert "Finished after its kernel stopped" in finished.html
    assert "Finished turn " in finished.stdout
    assert _unfinished(loaded) == []
    (line,) = history_lines(loaded)
    assert "✓ [responses · gpt-4.1] How did the survey go? → Across the four regions" in line
    nothing = loaded.execute("%responses resume").stdout
    assert nothing.strip() == "No background turn was left running: nothing to finish."


def test_a_detached_turn_frees_the_cell_and_wait_waits_for_it(
    loaded: KernelSession, emulator: Emulator
) -> None:
    emulator.enqueue(s.text(ANSWER, deltas=30, event_delay=0.05))
    loaded.execute("%%respond --background --detach -o answer\nHow did the survey go?")
    # The cell has returned; the turn goes on while other cells run.
    assert loaded.execute("print('answer' in globals(), 6 * 7)").stdout.split() == ["False", "42"]
    assert loaded.execute("%responses wait").stdout.strip() == "1 detached turn ended."
    assert loaded.execute(f"print(answer == {ANSWER!r})").stdout.strip() == "True"
    (line,) = history_lines(loaded)
    assert "✓ [responses · gpt-4.1] How did the survey go?" in line
    assert loaded.execute("%responses wait").stdout.strip() == "No detached turn is running."


def test_stop_in_a_detached_turn_stops_it_alone_and_cancels_it_on_the_server(
    loaded: KernelSession, emulator: Emulator
) -> None:
    emulator.enqueue(s.text(ANSWER, deltas=60, event_delay=0.1))
    cell = loaded.execute("%%respond --background --detach\nHow did the survey go?")
    chrome = next(
        msg["content"]["comm_id"]
        for msg in cell.comm_opens
        if "stop_by_message" in msg["content"]["data"]["state"]
    )
    time.sleep(0.5)
    loaded.comm_send(chrome, {"method": "custom", "content": {"stop": True}})
    loaded.execute("%responses wait")
    (line,) = history_lines(loaded)
    assert line.split()[1] == "⏹", line
    cancels = [r for r in emulator.requests() if r.path.endswith("/cancel")]
    assert len(cancels) == 1
