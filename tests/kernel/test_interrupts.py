"""Kernel interrupts (jupyter_client ``interrupt_kernel``, SIGINT) at fixed points of a
streamed turn and of a tool loop, with both APIs, in real kernels.

Wherever the interrupt lands, the conversation stays consistent: the interrupted turn
is kept and marked interrupted, the cell ends with a one-line message, ``%responses
history`` is right, the next turn's request carries only completed turns (no function
call without its output, no ``previous_response_id`` of an interrupted response), and
SQLite holds every turn. "Random" points are fixed ones, chosen once with a seeded
generator, so a failure always reproduces.
"""

from __future__ import annotations

import random
import re
import time
from collections.abc import Callable
from typing import Any

import pytest

from jupyter_responses.emulator import Emulator
from jupyter_responses.emulator import script as s

from .harness import CellResult, KernelSession, Message, history_lines
from .recorded import requests, saved_branch, user_texts

PATHS = {"respond": "/v1/responses", "chat": "/v1/chat/completions"}
WORDS = 300
#: Words of a streamed answer after which the interrupt comes (seeded, so fixed).
MID_STREAM = sorted(random.Random(8).sample(range(2, WORDS // 2), 2))

TOOLS = '''
import time
slow_calls = []

def slow(seconds: float) -> str:
    """Takes its time."""
    print("slow started")
    slow_calls.append(seconds)
    time.sleep(seconds)
    return "slept"

def quick(x: int) -> int:
    """Answers at once."""
    return x + 1
'''


# -- what each point does ---------------------------------------------------------------------
def _wait(condition: Callable[[], bool], what: str, timeout: float = 20) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.02)


def _requests_reach(emulator: Emulator, api: str, count: int) -> Callable[[], bool]:
    return lambda: len(emulator.requests(PATHS[api])) >= count


def _shows(word: str) -> Callable[[Message], bool]:
    """A widget update whose value (the answer's HTML) contains ``word``."""

    def match(msg: Message) -> bool:
        state = msg["content"].get("data", {}).get("state", {})
        return msg["msg_type"] == "comm_msg" and word in str(state.get("value", ""))

    return match


class Point:
    """Where a turn is interrupted: what it scripts, its options, how to tell the moment
    has come (``arm``), and what the interrupted turn then holds: ``partial`` text, a
    ``call`` section title, and how many times ``slow`` ``ran``."""

    def __init__(
        self,
        name: str,
        replies: list[Any],
        options: str,
        arm: Callable[[KernelSession, Emulator, str, str, int], None],
        partial: str = "",
        call: str = "",
        ran: int = 0,
    ) -> None:
        self.name, self.replies, self.options, self.arm = name, replies, options, arm
        self.partial, self.call, self.ran = partial, call, ran

    def __repr__(self) -> str:
        return self.name


def _before_first_byte(k: KernelSession, e: Emulator, api: str, msg_id: str, n: int) -> None:
    _wait(_requests_reach(e, api, n + 1), "the request")
    time.sleep(0.2)  # inside the SDK's wait for the response


def _mid_stream(word: int) -> Callable[[KernelSession, Emulator, str, str, int], None]:
    def arm(k: KernelSession, e: Emulator, api: str, msg_id: str, n: int) -> None:
        k.wait_for(msg_id, _shows(f"w{word} "))

    return arm


def _in_tool(k: KernelSession, e: Emulator, api: str, msg_id: str, n: int) -> None:
    k.wait_for_stdout(msg_id, "slow started")
    time.sleep(0.1)


def _at_the_prompt(k: KernelSession, e: Emulator, api: str, msg_id: str, n: int) -> None:
    assert k.kc is not None
    request = k.kc.stdin_channel.get_msg(timeout=20)
    assert request["msg_type"] == "input_request", request


def _between_rounds(k: KernelSession, e: Emulator, api: str, msg_id: str, n: int) -> None:
    _wait(_requests_reach(e, api, n + 2), "the second round's request")
    time.sleep(0.2)


STREAM_TEXT = " ".join(f"w{i}" for i in range(WORDS))
STREAM = s.text(STREAM_TEXT, deltas=WORDS, event_delay=0.01)
SLOW = s.tool_calls(s.FunctionCall("slow", {"seconds": 30}, call_id="s1"))
LATE = s.text("never shown", first_byte_delay=4)
POINTS = [
    Point("before-first-byte", [LATE], "", _before_first_byte),
    Point("before-the-whole-answer", [LATE], "--no-stream", _before_first_byte),
    *(Point(f"mid-stream-{w}", [STREAM], "", _mid_stream(w), partial=f"w{w}") for w in MID_STREAM),
    Point(
        "in-a-tool", [SLOW], "--tools slow", _in_tool, call="slow(seconds=30) — interrupted", ran=1
    ),
    Point(
        "in-a-tool-on-the-main-thread",
        [SLOW],
        "--tools slow --tool-timeout 0",
        _in_tool,
        call="slow(seconds=30) — interrupted",
        ran=1,
    ),
    Point(
        "at-the-approval-prompt",
        [SLOW],
        "--tools slow --approve",
        _at_the_prompt,
        call="slow(seconds=30) — interrupted",
    ),
    Point(
        "between-rounds",
        [s.tool_calls(s.FunctionCall("quick", {"x": 1}, call_id="q1")), LATE],
        "--tools quick",
        _between_rounds,
        call="quick(x=1) — done",
    ),
]


# -- checks -----------------------------------------------------------------------------------


def _history_marks(kernel: KernelSession) -> list[tuple[str, str]]:
    """(status mark, prompt) per line of ``%responses history``."""
    lines = history_lines(kernel)
    found = [re.match(r"\s*\d+\. (\S) \[[^]]+\] (.*?) → ", line) for line in lines]
    assert all(found), lines
    return [(m.group(1), m.group(2)) for m in found if m]


def _no_dangling_calls(api: str, body: dict[str, Any]) -> None:
    """Every function call in a request has its output right there."""
    if api == "respond":
        items = body["input"]
        calls = {i["call_id"] for i in items if i.get("type") == "function_call"}
        outputs = {i["call_id"] for i in items if i.get("type") == "function_call_output"}
    else:
        messages = body["messages"]
        calls = {c["id"] for m in messages for c in m.get("tool_calls") or []}
        outputs = {m["tool_call_id"] for m in messages if m["role"] == "tool"}
    assert calls <= outputs, f"function calls without output: {calls - outputs}"


def _interrupted_cleanly(result: CellResult) -> None:
    message = result.failure("Interrupted")  # one block: "Interrupted" over the message
    assert message.startswith("Interrupted:")
    assert "KeyboardInterrupt" not in result.error.traceback


# -- the test ---------------------------------------------------------------------------------
@pytest.mark.parametrize("point", POINTS, ids=repr)
@pytest.mark.parametrize("api", ["respond", "chat"])
def test_an_interrupt_leaves_the_conversation_consistent(
    loaded: KernelSession, emulator: Emulator, api: str, point: Point
) -> None:
    loaded.execute(TOOLS)
    first = loaded.execute(f"%%{api}\nfirst")
    assert "first" in first.html
    sent_before = len(emulator.requests(PATHS[api]))

    emulator.enqueue(*point.replies)
    started = time.monotonic()
    msg_id = loaded.execute_async(f"%%{api} {point.options}\nsecond", allow_stdin=True)
    point.arm(loaded, emulator, api, msg_id, sent_before)
    loaded.interrupt()
    result = loaded.collect(msg_id, timeout=20, allow_errors=True)
    assert time.monotonic() - started < 15, "the interrupt did not stop the turn at once"
    _interrupted_cleanly(result)
    # said once, by the block: not also by a line under the partial answer
    assert "⏹ Interrupted" not in result.plain
    if point.partial:
        assert point.partial in result.plain
    assert "never shown" not in result.plain and "— running" not in result.html
    if point.call:
        assert f"🔧 {point.call}" in result.html
    assert loaded.execute("print(len(slow_calls))").stdout.strip() == str(point.ran)

    # The next turn sends only what completed.
    third = loaded.execute(f"%%{api}\nthird")
    assert "<strong>1</strong> earlier user turn" in third.html
    body = requests(emulator, PATHS[api])[-1]
    _no_dangling_calls(api, body)
    turns = saved_branch(loaded)
    if api == "respond":
        assert body["previous_response_id"] == turns[0].response_id
        assert user_texts(body) == ["third"]
        assert body["input"] == [{"role": "user", "content": "third"}]
    else:
        assert user_texts(body) == ["first", "third"]
        assert [m["role"] for m in body["messages"]] == ["user", "assistant", "user"]
        assert body["messages"][1]["content"] == turns[0].text

    # Memory and SQLite agree: three turns, the second interrupted.
    assert _history_marks(loaded) == [("✓", "first"), ("⏹", "second"), ("✓", "third")]
    assert [(t.prompt, t.status) for t in turns] == [
        ("first", "completed"),
        ("second", "interrupted"),
        ("third", "completed"),
    ]
    second = turns[1]
    assert second.response_id is None or second.response_id != body.get("previous_response_id")
    assert point.partial in second.text and STREAM_TEXT.startswith(second.text)
    assert len(second.calls) == (1 if point.call else 0)
