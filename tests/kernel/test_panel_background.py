"""The chat panel's Background box in a real kernel, driven through the widgets' comms
as JupyterLab drives them: ticked, a message is sent as a background response; the
box starts at the ``background`` trait and, unticked, overrides it; the panel's Stop
cancels the run on the server."""

from __future__ import annotations

import time

from jupyter_responses.emulator import Emulator
from jupyter_responses.emulator import script as s

from .harness import KernelSession
from .recorded import LOAD, requests, user_texts
from .test_panel import OPEN, _comm, _submit, _value, _wait_idle


def _tick(kernel: KernelSession, box: str, value: bool) -> None:
    """What the front end sends when the user (un)ticks the box."""
    state = {"method": "update", "state": {"value": value}, "buffer_paths": []}
    kernel.comm_send(box, state)


def test_the_box_asks_for_a_background_response_and_overrides_the_trait(
    kernel: KernelSession, emulator: Emulator
) -> None:
    kernel.execute(f"{LOAD}\n%config ResponsesMagics.background = True")
    opened = kernel.execute(OPEN)
    box = _comm(opened, "CheckboxModel", "Background")
    assert _value(kernel, "p.background.value") == "True", "it starts at the trait"
    for ticked in (False, True):
        _tick(kernel, box, ticked)
        emulator.enqueue(s.text(f"Answer {ticked}"))
        _submit(kernel, opened, f"Background {ticked}")
        _wait_idle(kernel)
        body = requests(emulator, "/v1/responses")[-1]
        assert user_texts(body)[-1] == f"Background {ticked}"
        assert body.get("background", False) is ticked, body
    history = kernel.execute("%responses history").stdout
    assert "Answer False" in history and "Answer True" in history


def test_stop_cancels_the_background_run_on_the_server(
    kernel: KernelSession, emulator: Emulator
) -> None:
    emulator.enqueue(s.text("word " * 300, deltas=300, event_delay=0.03))
    opened = kernel.execute(OPEN)
    _tick(kernel, _comm(opened, "CheckboxModel", "Background"), True)
    _submit(kernel, opened, "Go on for a while")
    deadline = time.monotonic() + 20
    newest = "p.messages.box.children[0].children[0].children[0].value"
    while "word word" not in _value(kernel, newest):
        assert time.monotonic() < deadline, "the answer never started"
        time.sleep(0.2)
    kernel.comm_send(
        _comm(opened, "ButtonModel", "Stop"), {"method": "custom", "content": {"event": "click"}}
    )
    _wait_idle(kernel, timeout=10)
    (created,) = requests(emulator, "/v1/responses")
    assert created["background"] is True
    (run,) = emulator.state.background.values()
    assert run.cancelled, "Stop cancelled the run on the server"
    assert emulator.requests(f"/v1/responses/{run.response['id']}/cancel")
    history = kernel.execute("%responses history").stdout
    assert "⏹" in history and "Go on for a while" in history
