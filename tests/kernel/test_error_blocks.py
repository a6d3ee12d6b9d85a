"""How a failure reads in a real kernel (issue 18, item 9, and the retry notes of item
5): one block per failure, worded for its cause and under the error's own name (not
``UsageError``), the partial answer kept above it without a second "Failed" line, the
cell still failed so "Run all" stops; the SDK's wait before a retry said while it
waits; the advice for a dead port naming where its URL was set."""

from __future__ import annotations

import socket
from pathlib import Path

import pytest

from jupyter_responses.emulator import Emulator
from jupyter_responses.emulator import script as s

from .harness import KernelSession, terminal_ipython

TEXT = "alpha beta gamma delta epsilon"
#: Responses stream events before the first text delta (created, in_progress, item
#: added, part added); Chat sends its role chunk first.
BEFORE_TEXT = {"respond": 4, "chat": 1}


@pytest.mark.parametrize("magic", ["respond", "chat"])
def test_a_server_error_mid_stream_is_one_block_and_stops_run_all(
    loaded: KernelSession, emulator: Emulator, magic: str
) -> None:
    emulator.enqueue(s.text(TEXT, error_event_after=BEFORE_TEXT[magic] + 3))
    failing = loaded.execute_async(f"%%{magic}\nsecond")
    queued = loaded.execute_async("print('ran after the failure')")  # "Run all": next cell
    result = loaded.collect(failing, allow_errors=True)
    after = loaded.collect(queued, allow_errors=True)

    message = result.failure("StreamFailed")  # one block: heading and message, no traceback
    assert "The model failed to generate a response" in message  # the server's words
    assert result.error.heading == "The answer failed"
    assert "UsageError" not in result.stderr + result.error.traceback
    assert after.status == "aborted" and "ran after" not in after.stdout
    # The partial answer and its footer stay in the output; no "Failed" line repeats
    # what the error block says.
    (answer,) = [o for o in result.outputs if o["output_type"] == "display_data"]
    shown = answer["data"]["text/plain"]
    assert "alpha beta gamma" in shown and "-- gpt-4.1 ·" in shown
    assert "Failed" not in shown + answer["data"]["text/html"]
    assert [o["output_type"] for o in result.outputs] == ["display_data", "error"]


def test_a_turn_that_failed_before_anything_arrived_keeps_no_output(
    loaded: KernelSession, emulator: Emulator
) -> None:
    loaded.execute("%config ResponsesMagics.max_retries = 0")
    emulator.enqueue(s.HTTPError(500))
    result = loaded.execute("%%chat\nhi", allow_errors=True)
    assert "failed with 500" in result.failure("ServerError")
    assert result.error.heading == "Server error"
    assert result.plain == "" and result.html == ""  # the error block says it all


def test_the_dead_port_advice_names_where_the_url_was_set(
    kernel_factory, emulator: Emulator
) -> None:
    with socket.socket() as closed:
        closed.bind(("127.0.0.1", 0))
        dead = f"http://127.0.0.1:{closed.getsockname()[1]}/v1"
    kernel = kernel_factory({"OPENAI_BASE_URL": dead})
    kernel.execute("%load_ext jupyter_responses\n%config ResponsesMagics.max_retries = 0")
    from_env = kernel.execute("%%chat\nhi", allow_errors=True).failure("ConnectionFailed")
    assert f"Could not reach {dead}" in from_env and "is OPENAI_BASE_URL right?" in from_env
    kernel.execute(f"%config ResponsesMagics.base_url = {dead!r}")
    from_config = kernel.execute("%%respond\nhi", allow_errors=True).failure("ConnectionFailed")
    assert "is %config ResponsesMagics.base_url right?" in from_config
    assert "OPENAI_BASE_URL" not in from_config


def test_debug_shows_the_whole_traceback_instead(loaded: KernelSession, emulator: Emulator) -> None:
    loaded.execute("%config ResponsesMagics.debug = True\n%config ResponsesMagics.max_retries = 0")
    emulator.enqueue(s.HTTPError(503))
    result = loaded.execute("%%chat\nhi", allow_errors=True)
    assert result.status == "error" and result.error.ename == "ServerError"
    trace = result.error.traceback
    assert "Traceback (most recent call last)" in trace and "InternalServerError" in trace
    assert "failed with 503" in trace


NOTICE = "Retrying in 1 s (429 rate limited)…"


def test_a_429_retried_says_so_while_it_waits_then_answers(
    loaded: KernelSession, emulator: Emulator
) -> None:
    """The updating display (no widgets): the note is drawn at once, then the answer."""
    loaded.execute(
        "%config ResponsesMagics.widgets = False\n%config ResponsesMagics.max_retries = 1"
    )
    emulator.enqueue(s.HTTPError(429, retry_after=1), s.text("Worth the wait."))
    result = loaded.execute("%%respond\nhi")
    updates = [m["content"]["data"] for m in result.of_type("update_display_data")]
    drawn = [data["text/plain"] for data in updates]
    noticed = [n for n, text in enumerate(drawn) if NOTICE in text]
    answered = [n for n, text in enumerate(drawn) if "Worth the wait." in text]
    assert noticed and answered and noticed[0] < answered[0], drawn
    assert NOTICE in updates[noticed[0]]["text/html"]
    # Gone once the answer came, and from what the cell keeps.
    assert "Retrying" not in drawn[-1] and "Worth the wait." in result.plain
    assert "Retrying" not in result.html
    sent = emulator.requests("/v1/responses")
    assert len(sent) == 2 and sent[1].time - sent[0].time >= 0.95


def test_the_widget_view_shows_the_retry_note_too(
    loaded: KernelSession, emulator: Emulator
) -> None:
    loaded.execute("%config ResponsesMagics.max_retries = 1")
    emulator.enqueue(s.HTTPError(429, retry_after=1), s.text("Worth the wait."))
    result = loaded.execute("%%chat\nhi")
    states = [str(m["content"].get("data", {}).get("state", "")) for m in result.comm_msgs]
    assert any(NOTICE in state for state in states), states
    assert "Worth the wait." in result.plain and "Retrying" not in result.plain + result.html


def test_the_terminal_writes_the_retry_note_before_the_answer(
    emulator: Emulator, tmp_path: Path
) -> None:
    emulator.enqueue(s.HTTPError(503, retry_after=0.2), s.text("Back again."))
    code = (
        'get_ipython().run_line_magic("load_ext", "jupyter_responses")\n'
        'get_ipython().run_line_magic("config", "ResponsesMagics.max_retries = 1")\n'
        'get_ipython().run_cell_magic("chat", "", "hi")\n'
    )
    out = terminal_ipython(emulator, tmp_path, code).stdout
    assert "[Retrying in 0.2 s (503 server unavailable)…]\nBack again." in out
