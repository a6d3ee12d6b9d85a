"""How long Stop takes while the server has gone quiet mid-answer.

    python bench/stop_latency.py [--quick]

The baseline is the raw SDK: closing a stream from another thread while a read is
blocked waits for the server's next byte (here: the end of the stall). The panel's
Stop goes through ``Cancel``, which shuts the socket down. Both are measured in this
run, against the emulator's ``stall_after``/``stall`` fault, on both APIs.
"""

from __future__ import annotations

import contextlib
import io
import statistics
import threading
import time
from collections.abc import Callable

import openai
from common import Row, main

from jupyter_responses.cancel import Cancel
from jupyter_responses.config import ResponsesConfig
from jupyter_responses.emulator import Emulator, script
from jupyter_responses.render.terminal import TerminalView
from jupyter_responses.session import Session
from jupyter_responses.turn_request import TurnRequest

ROUNDS = 5


def stalled(emulator: Emulator, stall: float) -> None:
    emulator.enqueue(
        script.text("partial answer then silence", deltas=4, stall_after=4, stall=stall)
    )


def seconds_to_stop(work: Callable[[], None], stop: Callable[[], None]) -> float:
    """Run ``work`` on a thread until it is reading the stalled stream, then time
    ``stop`` from here until the thread has ended."""
    worker = threading.Thread(target=work)
    worker.start()
    time.sleep(0.3)
    started = time.perf_counter()
    stop()
    worker.join()
    return time.perf_counter() - started


def raw_sdk_close(emulator: Emulator, stall: float) -> float:
    stalled(emulator, stall)
    client = openai.OpenAI(base_url=emulator.url, api_key="bench", max_retries=0)
    stream = client.responses.create(model="gpt-4.1", input="x", stream=True)

    def read() -> None:
        with contextlib.suppress(Exception):
            for _ in stream:
                pass

    return seconds_to_stop(read, stream.close)


def panel_stop(emulator: Emulator, stall: float, api: str) -> float:
    stalled(emulator, stall)
    settings = ResponsesConfig(
        base_url=emulator.url, timeout=600.0, max_retries=0, widgets=False, db_path=":memory:"
    ).settings()
    session = Session(lambda: settings)
    cancel = Cancel()
    request = TurnRequest(api=api, prompt="x", model="gpt-4.1")

    def run() -> None:
        with contextlib.redirect_stdout(io.StringIO()), contextlib.suppress(Exception):
            session.run(request, TerminalView(), cancel)

    seconds = seconds_to_stop(run, cancel.set)
    assert session.conversation.branch()[-1].status == "interrupted"
    return seconds


def rows(quick: bool) -> list[Row]:
    stall = 1.0 if quick else 3.0
    rounds = 2 if quick else ROUNDS
    with Emulator() as emulator:
        baseline = statistics.median(raw_sdk_close(emulator, stall) for _ in range(3))
        out = []
        for api in ("responses", "chat"):
            ours = statistics.median(panel_stop(emulator, stall, api) for _ in range(rounds))
            out.append(
                Row(
                    "Panel",
                    f"Stop → stream closed, {api}, server stalled {stall:.0f} s",
                    f"{ours * 1000:.1f} ms = {ours / baseline:.4f}× the raw SDK's close()",
                    "≤ 200 ms",
                    ours <= 0.2,
                    f"baseline: close() from another thread waits {baseline * 1000:.0f} ms "
                    "(until the server speaks again)",
                )
            )
    return out


if __name__ == "__main__":
    main(rows)
