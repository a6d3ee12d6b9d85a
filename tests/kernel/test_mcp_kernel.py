"""MCP in a real kernel: a remote server's call asked about at the cell's prompt
(approved, denied); a header's secret read from the kernel's environment and found in
no output, export, log or SQLite row; local servers (``mcp-server-time`` over stdio,
and the tests' own FastMCP server over stdio and HTTP) running their tools through both
``%%respond`` and ``%%chat``, one process reused across turns and stopped when the
extension is unloaded or the kernel ends. Every process a test starts is stopped by
its id, also when the test fails."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import psutil
import pytest

from jupyter_responses.emulator import Emulator
from jupyter_responses.emulator import script as s
from tests.mcp_servers.processes import STDIO, alive, http_server, stop, wait_gone
from tests.mcp_servers.spec import validate_mcp_request

from .harness import CellResult, KernelFactory, KernelSession
from .recorded import DB, LOAD

URL = "https://mcp.example.com/mcp"
SECRET = "Bearer sk-mcp-kernel-5ec12e7"
ASKED = 'Allow the MCP server docs to run search?\nArguments: {"query": "Find Oslo."}\n[y/N] '


def _sent(emulator: Emulator, path: str = "/v1/responses") -> list[dict[str, Any]]:
    bodies = [r.body for r in emulator.requests(path)]
    for body in bodies:
        if path == "/v1/responses":
            validate_mcp_request(body)
    return bodies


def _ask(kernel: KernelSession, code: str, reply: str) -> tuple[str, CellResult]:
    msg_id = kernel.execute_async(code, allow_stdin=True)
    prompt = kernel.answer_input(reply)
    return prompt, kernel.collect(msg_id, timeout=60)


def test_a_remote_call_is_asked_at_the_prompt_and_runs_once_approved(
    loaded: KernelSession, emulator: Emulator
) -> None:
    prompt, result = _ask(loaded, f"%%respond --mcp docs={URL}\nFind Oslo.", "y")
    assert prompt == ASKED
    assert '🔐 docs.search(query="Find Oslo.") — done' in result.html
    assert '🔌 docs.search(query="Find Oslo.") — done' in result.html
    assert "search returned: 1 result." in result.html
    first, second = _sent(emulator)
    assert first["tools"][0]["require_approval"] == "always"
    (answer,) = second["input"]
    assert answer["type"] == "mcp_approval_response" and answer["approve"] is True
    assert second["previous_response_id"]


def test_a_remote_call_denied_at_the_prompt_is_not_made(
    loaded: KernelSession, emulator: Emulator
) -> None:
    prompt, result = _ask(loaded, f"%%respond --mcp docs={URL}\nFind Oslo.", "n")
    assert prompt == ASKED
    assert '🔐 docs.search(query="Find Oslo.") — denied' in result.html
    assert "you declined it" in result.html and "🔌 docs.search" not in result.html
    (answer,) = _sent(emulator)[1]["input"]
    assert answer["approve"] is False and answer["reason"] == "The user declined to run this call."


def test_a_header_secret_reaches_the_server_and_nothing_else(
    kernel_factory: KernelFactory, emulator: Emulator
) -> None:
    kernel = kernel_factory({"DOCS_TOKEN": SECRET})
    outputs = [kernel.execute(LOAD)]
    line = f"--mcp docs={URL} --mcp-header docs:Authorization=DOCS_TOKEN"
    outputs.append(kernel.execute(f"%%respond {line} --mcp-approve never\nFind Oslo."))
    prompt, asked = _ask(kernel, f"%%respond {line}\nFind Bergen.", "y")
    outputs.append(asked)
    assert prompt.startswith("Allow the MCP server docs to run search?")
    emulator.enqueue(s.text("Fine."))
    outputs.append(kernel.execute(f"%%respond {line} --no-store\nAnd now?"))
    outputs.append(kernel.execute("%responses history"))
    missing = kernel.execute(
        f"%%respond --mcp docs={URL} --mcp-header docs:Authorization=NOT_SET\nHi.",
        allow_errors=True,
    )
    assert missing.error is not None and missing.error.ename == "UsageError"
    assert missing.error.evalue == (
        "--mcp-header docs:Authorization=NOT_SET: the environment variable NOT_SET is not set "
        "in the kernel (set it, e.g. with %env or os.environ, and run the cell again)."
    )
    outputs.append(missing)
    exports = [kernel.cwd / name for name in ("mcp.ipynb", "mcp.json", "mcp.md")]
    for path in exports:
        outputs.append(kernel.execute(f"%responses export {path.name}"))
    # The server got it, every time (the emulator records what it was sent).
    sent = _sent(emulator)
    assert len(sent) == 4
    assert all(body["tools"][0]["headers"] == {"Authorization": SECRET} for body in sent)
    # Nothing else has it.
    for result in outputs:
        shown = result.stdout + result.stderr + json.dumps([m["content"] for m in result.messages])
        assert SECRET not in shown, result.code
    db = kernel.workdir / DB
    stored = [db, db.with_name(db.name + "-wal"), db.with_name(db.name + "-shm")]
    files = [path for path in [*stored, *exports] if path.exists()]
    assert db in files and set(exports) <= set(files)
    for path in files:
        assert SECRET.encode() not in path.read_bytes(), path
    assert SECRET not in kernel.log_tail(chars=10**7)


def _servers_of(kernel: KernelSession, name: str) -> list[int]:
    """The ids of the kernel's child processes whose command line has ``name``."""
    assert kernel.pid is not None
    children = psutil.Process(kernel.pid).children(recursive=True)
    return [p.pid for p in children if name in " ".join(_cmdline(p))]


def _cmdline(process: psutil.Process) -> list[str]:
    try:
        return process.cmdline()
    except psutil.Error:
        return []


@pytest.fixture
def started() -> Iterator[list[int]]:
    """Process ids a test saw start: each still running at the end is stopped."""
    pids: list[int] = []
    yield pids
    for pid in pids:
        if alive(pid):
            stop(pid)


def _time_call(api: str) -> s.Reply:
    call = s.FunctionCall("time__get_current_time", {"timezone": "UTC"}, call_id=f"c_{api}")
    return s.tool_calls(call)


def test_mcp_server_time_answers_through_respond_and_chat(
    loaded: KernelSession, emulator: Emulator, started: list[int]
) -> None:
    emulator.enqueue(_time_call("r"), s.text("It is noon in UTC."))
    result = loaded.execute("%%respond --mcp-local time=mcp-server-time\nWhat time is it?")
    started += _servers_of(loaded, "mcp-server-time")
    assert len(started) == 1
    assert "It is noon in UTC." in result.html
    assert '🔧 time__get_current_time(timezone="UTC") — done' in result.html
    first, second = _sent(emulator)
    names = [tool["name"] for tool in first["tools"]]
    assert names == ["time__get_current_time", "time__convert_time"]
    assert first["tools"][0]["parameters"]["required"] == ["timezone"]
    output = json.loads(second["input"][0]["output"])
    assert output["timezone"] == "UTC" and "datetime" in output

    emulator.enqueue(_time_call("c"), s.text("Still noon."))
    loaded.execute("%%chat --mcp-local time=mcp-server-time\nAnd now?")
    assert _servers_of(loaded, "mcp-server-time") == started, "the same server, reused"
    chat_first, chat_second = _sent(emulator, "/v1/chat/completions")
    assert [t["function"]["name"] for t in chat_first["tools"]] == names
    answered = chat_second["messages"][-1]
    assert answered["role"] == "tool" and answered["tool_call_id"] == "c_c"
    assert json.loads(answered["content"])["timezone"] == "UTC"

    loaded.execute("%unload_ext jupyter_responses")
    assert wait_gone(started[0]), "unloading the extension stops the server"


def test_the_tests_own_server_over_stdio_through_both_apis_stops_with_the_kernel(
    kernel: KernelSession, emulator: Emulator, tmp_path: Path, started: list[int]
) -> None:
    pid_file = tmp_path / "server.pid"
    local = f"--mcp-local t='{STDIO} --pid-file {pid_file}'"
    kernel.execute(LOAD)
    emulator.enqueue(
        s.tool_calls(
            s.FunctionCall("t__add", {"a": 20, "b": 22}, call_id="c_add"),
            s.FunctionCall("t__red_dot", {}, call_id="c_dot"),
        ),
        s.text("42, and a dot."),
    )
    result = kernel.execute(f"%%respond {local}\nAdd and draw.")
    started.append(int(pid_file.read_text()))
    assert "42, and a dot." in result.html
    assert [o for o in result.outputs if "image/png" in o.get("data", {})], "the dot is shown"
    add, dot = _sent(emulator)[1]["input"]
    assert add["output"] == "42"
    assert dot["output"][1]["image_url"].startswith("data:image/png;base64,")

    emulator.enqueue(
        s.tool_calls(s.FunctionCall("t__fail", {"reason": "no disk"}, call_id="c_fail")),
        s.text("It failed."),
    )
    result = kernel.execute(f"%%chat {local} --approve\nFail.")
    assert 't__fail(reason="no disk") — denied' in result.html, "asked: nobody answers"
    emulator.enqueue(
        s.tool_calls(s.FunctionCall("t__fail", {"reason": "no disk"}, call_id="c_fail2")),
        s.text("It failed."),
    )
    result = kernel.execute(f"%%chat {local}\nFail.")
    assert 't__fail(reason="no disk") — error' in result.html
    last = _sent(emulator, "/v1/chat/completions")[-1]["messages"][-1]
    assert last["content"] == "Error: Error executing tool fail: failed on purpose: no disk"
    assert int(pid_file.read_text()) == started[0] and alive(started[0]), "one server, reused"

    assert kernel.km is not None
    kernel.km.shutdown_kernel(now=False)  # a kernel that ends as kernels do
    assert wait_gone(started[0]), "the server stops when the kernel ends"


def test_the_tests_own_server_over_http_with_a_header_from_the_environment(
    kernel_factory: KernelFactory, emulator: Emulator
) -> None:
    with http_server("T_TOKEN", env={"T_TOKEN": SECRET}) as (url, _pid):
        kernel = kernel_factory({"T_TOKEN": SECRET})
        kernel.execute(LOAD)
        local = f"--mcp-local t={url} --mcp-header t:Authorization=T_TOKEN"
        for magic in ("respond", "chat"):
            emulator.enqueue(
                s.tool_calls(s.FunctionCall("t__shout", {"text": magic}, call_id=f"c_{magic}")),
                s.text("Shouted."),
            )
            result = kernel.execute(f"%%{magic} {local}\nShout.")
            assert f't__shout(text="{magic}") — done' in result.html
            assert magic.upper() + "!" in result.html
        refused = kernel.execute(f"%%respond --mcp-local u={url}\nHi.", allow_errors=True)
        assert refused.error is not None and refused.error.ename == "McpServerFailed"
        assert "--mcp-header u:Authorization=ENV_VAR" in refused.error.evalue
        assert SECRET not in json.dumps([m["content"] for m in refused.messages])
        kernel.execute("%unload_ext jupyter_responses")
