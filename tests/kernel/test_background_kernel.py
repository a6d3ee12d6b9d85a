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
