"""The chat panel and the magics at once, and a burst of turns, in real kernels.

The session's lock serialises turns: a magic run while the panel streams waits for it
(and can be interrupted while it waits), a panel turn sent while a magic runs (over a
kernel subshell, as a frontend with subshells sends widget messages) waits for the
magic. Either way both turns are recorded whole, in order, and each request carries
the other turn as history. A hundred turns from one loop cell all arrive, in order, in
memory and in SQLite.
"""

from __future__ import annotations

import contextlib
import time
from typing import Any

import pytest

from jupyter_responses.conversation import Turn
from jupyter_responses.emulator import Emulator
from jupyter_responses.emulator import script as s

from .harness import CellResult, KernelSession, history_lines
from .recorded import requests, saved_branch, user_texts
from .test_panel import OPEN, _comm, _wait_idle

PATHS = {"respond": "/v1/responses", "chat": "/v1/chat/completions"}

PANEL_TEXT = " ".join(f"p{i}" for i in range(40))
MAGIC_TEXT = " ".join(f"m{i}" for i in range(40))


def _slow(text: str, seconds: float = 1.0) -> Any:
    """A reply that streams for about ``seconds``, one word per delta."""
    words = len(text.split())
    return s.text(text, deltas=words, event_delay=seconds / words)


def _wait_requests(emulator: Emulator, count: int, timeout: float = 20) -> None:
    deadline = time.monotonic() + timeout
    while len(emulator.requests()) < count:
        assert time.monotonic() < deadline, f"fewer than {count} requests arrived"
        time.sleep(0.02)


def _submit(kernel: KernelSession, opened: CellResult, text: str, subshell: str = "") -> None:
    """Type ``text`` into the panel and press Enter, as JupyterLab's widget manager does
    (on ``subshell`` when given, so it is handled while the main shell is busy)."""
    kc = kernel.kc
    assert kc is not None
    content = {"type": "submit", "text": text}
    msg = kc.session.msg(
        "comm_msg",
        {"comm_id": _comm(opened, "AnyModel"), "data": {"method": "custom", "content": content}},
    )
    if subshell:
        msg["header"]["subshell_id"] = subshell
    kc.shell_channel.send(msg)


def _subshell(kernel: KernelSession) -> str:
    """A new kernel subshell (kernel protocol 5.5): a second thread handling shell messages."""
    kc = kernel.kc
    assert kc is not None
    request = kc.session.msg("create_subshell_request", {})
    kc.control_channel.send(request)
    reply = kc.control_channel.get_msg(timeout=10)
    assert reply["parent_header"]["msg_id"] == request["header"]["msg_id"]
    subshell: str = reply["content"]["subshell_id"]
    return subshell


def _execute_on(kernel: KernelSession, subshell: str, code: str) -> CellResult:
    """Run ``code`` on ``subshell`` (at once, even while the main shell runs a cell)."""
    kc = kernel.kc
    assert kc is not None
    content = {
        "code": code,
        "silent": False,
        "store_history": False,
        "user_expressions": {},
        "allow_stdin": False,
        "stop_on_error": True,
    }
    msg = kc.session.msg("execute_request", content)
    msg["header"]["subshell_id"] = subshell
    kc.shell_channel.send(msg)
    return kernel.collect(msg["header"]["msg_id"], timeout=20)


def _check_history_request(api: str, body: dict[str, Any], earlier: Turn, prompt: str) -> None:
    """``body`` continues after ``earlier`` (complete), with ``prompt``."""
    if api == "respond" and earlier.api == "responses":
        assert body["previous_response_id"] == earlier.response_id
        assert body["input"] == [{"role": "user", "content": prompt}]
    elif api == "respond":
        assert "previous_response_id" not in body
        assert body["input"] == [
            {"role": "user", "content": earlier.prompt},
            {"role": "assistant", "content": earlier.text},
            {"role": "user", "content": prompt},
        ]
    else:
        assert body["messages"] == [
            {"role": "user", "content": earlier.prompt},
            {"role": "assistant", "content": earlier.text},
            {"role": "user", "content": prompt},
        ]


@pytest.mark.parametrize("api", ["respond", "chat"])
def test_a_magic_run_while_the_panel_streams_waits_for_it(
    kernel: KernelSession, emulator: Emulator, api: str
) -> None:
    opened = kernel.execute(OPEN)
    emulator.enqueue(_slow(PANEL_TEXT, 2.0), s.text(MAGIC_TEXT, deltas=8))
    _submit(kernel, opened, "from the panel")
    _wait_requests(emulator, 1)
    # The magic starts while the panel streams, and waits for its turn to end.
    result = kernel.execute(
        f"print('panel busy:', p.busy)\nget_ipython().run_cell_magic('{api}', '', 'from a cell')"
    )
    assert result.stdout.startswith("panel busy: True")
    _wait_idle(kernel)

    panel, magic = saved_branch(kernel)
    assert (panel.prompt, panel.status, panel.text) == ("from the panel", "completed", PANEL_TEXT)
    assert (magic.prompt, magic.status, magic.text) == ("from a cell", "completed", MAGIC_TEXT)
    assert MAGIC_TEXT in result.html and "p0" not in result.html
    _check_history_request(api, requests(emulator, PATHS[api])[-1], panel, "from a cell")
    history = kernel.execute("%responses history").stdout
    assert history.index("from the panel") < history.index("from a cell")
    # The panel shows both turns, its own answer untouched by the magic's.
    assert kernel.execute("print(len(p.messages.box.children))").stdout.strip() == "4"
    shown = kernel.execute("print(p.messages.box.children[2].children[0].children[0].value)")
    assert "p39" in shown.stdout and "m0" not in shown.stdout


@pytest.mark.parametrize("api", ["respond", "chat"])
def test_a_panel_turn_sent_while_a_magic_runs_waits_for_it(
    kernel: KernelSession, emulator: Emulator, api: str
) -> None:
    # A panel displayed from a subshell gets its widget messages there (ipykernel routes
    # a comm's messages to the subshell that last used it), so they are handled at once.
    subshell = _subshell(kernel)
    opened = _execute_on(kernel, subshell, OPEN)
    emulator.enqueue(_slow(MAGIC_TEXT), s.text(PANEL_TEXT, deltas=8))
    msg_id = kernel.execute_async(f"%%{api}\nfrom a cell")
    _wait_requests(emulator, 1)
    _submit(kernel, opened, "from the panel", subshell)
    # The panel took the prompt at once and waits for the lock; nothing more was sent.
    waiting = _execute_on(
        kernel, subshell, "import time\nwhile not p.busy: time.sleep(0.01)\nprint(p.busy)"
    )
    assert waiting.stdout.strip() == "True"
    assert len(emulator.requests()) == 1
    result = kernel.collect(msg_id, timeout=30)
    _wait_idle(kernel)

    magic, panel = saved_branch(kernel)
    assert (magic.prompt, magic.status, magic.text) == ("from a cell", "completed", MAGIC_TEXT)
    assert (panel.prompt, panel.status, panel.text) == ("from the panel", "completed", PANEL_TEXT)
    assert MAGIC_TEXT in result.html and "p0" not in result.html
    panel_request = requests(emulator, "/v1/responses")[-1]  # the panel speaks Responses
    _check_history_request("respond", panel_request, magic, "from the panel")
    assert user_texts(requests(emulator, PATHS[api])[0]) == ["from a cell"]


def test_interrupting_a_magic_that_waits_for_the_panel(
    kernel: KernelSession, emulator: Emulator
) -> None:
    opened = kernel.execute(OPEN)
    emulator.enqueue(_slow(PANEL_TEXT, 3.0))
    _submit(kernel, opened, "from the panel")
    _wait_requests(emulator, 1)
    msg_id = kernel.execute_async("%%chat\nfrom a cell")
    kernel.wait_for(msg_id, lambda m: m["msg_type"] == "execute_input")
    # The cell soon waits for the session's lock (the panel's turn holds it for 3 s). On
    # a busy machine an interrupt sent before the cell runs its code is lost: send
    # another each half second until the cell ends.
    result = None
    for _ in range(5):
        time.sleep(0.3)
        kernel.interrupt()
        with contextlib.suppress(TimeoutError):
            result = kernel.collect(msg_id, timeout=0.5, allow_errors=True)
            break
    if result is None:
        result = kernel.collect(msg_id, timeout=20, allow_errors=True)
    assert result.failure("Interrupted") == (
        "Interrupted while waiting for the turn already running (the chat panel's) to finish: "
        "nothing was sent."
    )
    _wait_idle(kernel)
    # The panel's turn was not disturbed, and nothing of the cell's was sent or kept.
    assert requests(emulator, "/v1/chat/completions") == []
    (panel,) = saved_branch(kernel)
    assert (panel.prompt, panel.status, panel.text) == ("from the panel", "completed", PANEL_TEXT)
    kernel.execute("%%chat\nafter all")
    _check_history_request("chat", requests(emulator, PATHS["chat"])[-1], panel, "after all")


BURST = 100


def test_a_burst_of_turns_from_one_cell_loses_nothing(
    loaded: KernelSession, emulator: Emulator
) -> None:
    """Turns alternate between the APIs, so every request resends the whole history
    so far: each one shows that nothing was lost and the order was kept."""
    loaded.execute(
        "ip = get_ipython()\n"
        f"for i in range({BURST}):\n"
        "    ip.run_cell_magic('respond' if i % 2 == 0 else 'chat', '', f'turn {i}')",
        cell_id="burst",
        timeout=120,
    )
    prompts = [f"turn {i}" for i in range(BURST)]
    sent = [r.body for r in emulator.requests() if r.method == "POST"]
    assert len(sent) == BURST
    for i, body in enumerate(sent):
        assert user_texts(body) == prompts[: i + 1], f"request {i}"
    assert [b["model"] for b in sent] == ["gpt-4.1"] * BURST
    assert all(("input" in b) == (i % 2 == 0) for i, b in enumerate(sent))

    turns = saved_branch(loaded)
    assert [t.prompt for t in turns] == prompts
    assert {t.status for t in turns} == {"completed"}
    assert all(f"I received **{i}** earlier user" in t.text for i, t in enumerate(turns))
    history = history_lines(loaded)
    assert len(history) == BURST
    assert all(f"] turn {i} → " in line for i, line in enumerate(history))
