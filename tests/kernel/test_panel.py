"""The chat panel in a real kernel, driven through its widgets' comms as JupyterLab
would: it shares the magics' conversation, streams off the main thread, and stops."""

from __future__ import annotations

import time

from jupyter_responses.emulator import Emulator
from jupyter_responses.emulator import script as s

from .harness import CellResult, KernelSession
from .recorded import requests, user_texts

OPEN = "import jupyter_responses\np = jupyter_responses.panel()\np"


def _comm(result: CellResult, model: str, description: str | None = None) -> str:
    for msg in result.comm_opens:
        state = msg["content"]["data"]["state"]
        if state.get("_model_name") == model and (
            description is None or state.get("description") == description
        ):
            return msg["content"]["comm_id"]
    raise AssertionError(f"no {model} {description or ''} widget was opened")


def _submit(kernel: KernelSession, opened: CellResult, text: str) -> None:
    prompt = _comm(opened, "AnyModel")
    kernel.comm_send(prompt, {"method": "custom", "content": {"type": "submit", "text": text}})


def _wait_idle(kernel: KernelSession, timeout: float = 30) -> None:
    code = f"p.worker.join({timeout}) if p.worker else None\nprint(p.busy)"
    assert kernel.execute(code, timeout=timeout + 10).stdout.strip() == "False"


def test_panel_turns_and_magic_turns_share_one_conversation(
    kernel: KernelSession, emulator: Emulator
) -> None:
    opened = kernel.execute(OPEN)
    _submit(kernel, opened, "Hello from the panel")
    _wait_idle(kernel)
    result = kernel.execute("%%respond\nAnd from a cell.")
    assert "<strong>1</strong> earlier user turn" in result.html
    first, second = requests(emulator, "/v1/responses")
    assert user_texts(first) == ["Hello from the panel"]
    assert second["previous_response_id"] == next(iter(emulator.state.responses))
    # The magic's turn shows in the panel: two bubbles and two answers.
    assert kernel.execute("print(len(p.messages.children))").stdout.strip() == "4"
    history = kernel.execute("%responses history").stdout
    assert "Hello from the panel" in history and "And from a cell." in history


def test_chat_api_selector_and_new_chat(kernel: KernelSession, emulator: Emulator) -> None:
    opened = kernel.execute(OPEN)
    kernel.execute('p.api.value = "Chat Completions"; p.model.value = "gpt-4.1-mini"')
    _submit(kernel, opened, "Via chat")
    _wait_idle(kernel)
    (chat,) = requests(emulator, "/v1/chat/completions")
    assert chat["model"] == "gpt-4.1-mini" and user_texts(chat) == ["Via chat"]
    new_chat = _comm(opened, "ButtonModel", "New chat")
    kernel.comm_send(new_chat, {"method": "custom", "content": {"event": "click"}})
    assert "No turns yet." in kernel.execute("%responses history").stdout
    assert kernel.execute("print(len(p.messages.children))").stdout.strip() == "0"


def test_stop_closes_the_stream_and_keeps_the_partial_answer(
    kernel: KernelSession, emulator: Emulator
) -> None:
    emulator.enqueue(s.text("word " * 400, deltas=400, event_delay=0.02))
    opened = kernel.execute(OPEN)
    _submit(kernel, opened, "Talk for a while")
    time.sleep(1.0)
    # The kernel stays usable while the panel streams.
    assert kernel.execute("print(p.busy, 1 + 1)").stdout.strip() == "True 2"
    stop = _comm(opened, "ButtonModel", "Stop")
    clicked = time.monotonic()
    kernel.comm_send(stop, {"method": "custom", "content": {"event": "click"}})
    _wait_idle(kernel, timeout=5)
    assert time.monotonic() - clicked < 3
    history = kernel.execute("%responses history").stdout
    assert "⏹" in history and "word" in history
    kernel.execute("%%respond\nnext")
    last = requests(emulator, "/v1/responses")[-1]
    assert user_texts(last) == ["next"], "an interrupted turn is never context"


def test_stop_cuts_a_stream_that_has_gone_quiet(kernel: KernelSession, emulator: Emulator) -> None:
    """A server that stalls mid-answer sends no next event to notice Stop at: Stop
    must cut the connection itself, on both APIs."""
    opened = kernel.execute(OPEN)
    for api in ("Responses", "Chat Completions"):
        emulator.enqueue(s.text("partial answer then silence", deltas=4, stall_after=4, stall=60))
        kernel.execute(f'p.api.value = "{api}"')
        _submit(kernel, opened, f"Think hard ({api})")
        waited = kernel.execute(
            "import time\n"
            "t = time.monotonic()\n"
            "while 'partial' not in str(p.messages.children[0].children[0].children) "
            "and time.monotonic() - t < 20: time.sleep(0.05)\n"
            "t = time.monotonic(); p.stop(); p.worker.join(30)\n"
            "print(p.busy, round(time.monotonic() - t, 2))"
        )
        busy, seconds = waited.stdout.split()
        assert busy == "False" and float(seconds) < 5, waited.stdout
        history = kernel.execute("%responses history").stdout
        assert "⏹" in history and f"Think hard ({api})" in history


def test_a_saved_panel_reads_as_a_plain_stand_in(kernel: KernelSession) -> None:
    """Where no kernel runs the widget (nbconvert, GitHub), the panel's output says what
    it is instead of printing the widget's repr."""
    (output,) = [o for o in kernel.execute(OPEN).outputs if o["output_type"] == "display_data"]
    data = output["data"]
    assert data["text/plain"] == "Chat panel: run this cell to reopen it."
    assert "VBox" not in data["text/html"] and "application/vnd.jupyter.widget-view+json" in data
