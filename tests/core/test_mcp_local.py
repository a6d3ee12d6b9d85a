"""Local MCP servers (``--mcp-local``) through the session, on both APIs: the tests'
own FastMCP server (a process over stdio, or streamable HTTP on a free port) started
once per kernel and reused, its tools offered as ``LABEL__tool`` functions with their
schemas, called in the tool loop (text, images and errors back to the model, asking
first under ``--approve``), bounded by the tool timeout, and stopped when the servers
are closed. Every process a test starts is stopped, by its id, however the test ends."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from jupyter_responses import mcp_local
from jupyter_responses.emulator import Emulator
from jupyter_responses.emulator import script as s
from jupyter_responses.errors import McpServerFailed, OptionsError
from jupyter_responses.mcp_local import SERVERS, function_name
from jupyter_responses.render.static import call_title
from jupyter_responses.session import Session
from jupyter_responses.turn_request import TurnOptions, build_request
from tests.mcp_servers.processes import ROOT, STDIO, alive, http_server, stop, wait_gone

from .conftest import RecordingView

TOOLS = ["t__add", "t__shout", "t__fail", "t__red_dot", "t__slow"]


@pytest.fixture
def pid_file(tmp_path: Path) -> Iterator[Path]:
    """Where the server writes its process id; every server is stopped afterwards (the
    test's own process too, by its id, should closing fail)."""
    path = tmp_path / "server.pid"
    try:
        yield path
    finally:
        SERVERS.close()
        if path.exists() and alive(int(path.read_text())):
            stop(int(path.read_text()))


def local(pid_file: Path) -> str:
    return f"t={STDIO} --pid-file {pid_file}"


def run(session: Session, prompt: str, answers: list[bool] | None = None, **options: Any) -> Any:
    view = RecordingView(answers)
    request = build_request(
        TurnOptions(api=options.pop("api", "responses"), prompt=prompt, **options),
        session.settings(),
        {},
        session.connection.files,
    )
    return session.run(request, view), view


def bodies(emulator: Emulator, api: str) -> list[dict[str, Any]]:
    path = "/v1/responses" if api == "responses" else "/v1/chat/completions"
    return [r.body for r in emulator.requests(path)]


def _declared(body: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """The functions a request offers, by name (either API's shape)."""
    found = {}
    for tool in body["tools"]:
        spec = tool.get("function", tool)
        found[spec["name"]] = spec
    return found


@pytest.mark.parametrize("api", ["responses", "chat"])
def test_the_servers_tools_are_functions_the_model_calls(
    session: Session, emulator: Emulator, pid_file: Path, api: str
) -> None:
    emulator.enqueue(
        s.tool_calls(s.FunctionCall("t__add", {"a": 2, "b": 40}, call_id="call_add")),
        s.text("It is 42."),
    )
    turn, _ = run(session, "Add 2 and 40.", api=api, mcp_local=[local(pid_file)])
    assert turn.text == "It is 42."
    first, second = bodies(emulator, api)
    declared = _declared(first)
    assert list(declared) == TOOLS
    assert declared["t__add"]["description"] == "Add two integers."
    parameters = declared["t__add"]["parameters"]
    assert parameters["required"] == ["a", "b"]
    assert parameters["properties"]["a"]["type"] == "integer"
    if api == "responses":
        assert second["input"] == [
            {"type": "function_call_output", "call_id": "call_add", "output": "42"}
        ]
    else:
        assert second["messages"][-1] == {
            "role": "tool",
            "tool_call_id": "call_add",
            "content": "42",
        }
    assert call_title(turn.calls[0]).startswith("🔧 t__add(a=2, b=40) — done")


def test_images_and_errors_go_back_as_images_and_errors(
    session: Session, emulator: Emulator, pid_file: Path
) -> None:
    emulator.enqueue(
        s.tool_calls(
            s.FunctionCall("t__red_dot", {}, call_id="call_dot"),
            s.FunctionCall("t__fail", {"reason": "no disk"}, call_id="call_fail"),
        ),
        s.text("A red dot, and a failure."),
    )
    turn, _ = run(session, "Draw and fail.", mcp_local=[local(pid_file)])
    dot, failed = bodies(emulator, "responses")[1]["input"]
    assert dot["output"][0] == {"type": "input_text", "text": "An image, attached."}
    assert dot["output"][1]["image_url"].startswith("data:image/png;base64,iVBOR")
    assert failed["output"] == ("Error: Error executing tool fail: failed on purpose: no disk")
    assert [c["status"] for c in turn.calls] == ["done", "error"]
    assert len(turn.images) == 1


def test_approve_asks_first_and_a_denied_call_is_not_made(
    session: Session, emulator: Emulator, pid_file: Path
) -> None:
    emulator.enqueue(
        s.tool_calls(s.FunctionCall("t__shout", {"text": "hi"}, call_id="call_s")),
        s.text("Not shouted."),
    )
    turn, view = run(session, "Shout hi.", [False], mcp_local=[local(pid_file)], approve=True)
    assert view.asked == [("t__shout", '{"text": "hi"}')]
    assert turn.calls[0]["status"] == "denied"
    assert bodies(emulator, "responses")[1]["input"][0]["output"] == (
        "The user declined to run this call."
    )


def test_one_server_per_kernel_reused_restarted_on_change_and_stopped(
    session: Session, emulator: Emulator, pid_file: Path, tmp_path: Path
) -> None:
    emulator.enqueue(s.text("One."), s.text("Two."))
    run(session, "One.", mcp_local=[local(pid_file)])
    pid = int(pid_file.read_text())
    pid_file.unlink()
    run(session, "Two.", mcp_local=[local(pid_file)])
    assert not pid_file.exists() and alive(pid), "the second turn used the same server"
    other = tmp_path / "other.pid"
    emulator.enqueue(s.text("Three."))
    try:
        run(session, "Three.", mcp_local=[f"t={STDIO} --pid-file {other}"])
        assert wait_gone(pid), "a label given another command stops the old server"
        newer = int(other.read_text())
        assert alive(newer)
        SERVERS.close()
        assert wait_gone(newer), "closing the servers stops the process"
    finally:
        if other.exists() and alive(int(other.read_text())):
            stop(int(other.read_text()))


def test_only_the_allowed_tools_are_offered(
    session: Session, emulator: Emulator, pid_file: Path
) -> None:
    emulator.enqueue(s.text("Ok."))
    run(session, "Hi.", mcp_local=[local(pid_file)], mcp_tools=["t=add,shout"])
    assert list(_declared(bodies(emulator, "responses")[0])) == ["t__add", "t__shout"]
    with pytest.raises(OptionsError, match=r"--mcp-tools t: the server offers no tool 'sum'"):
        run(session, "Hi.", mcp_local=[local(pid_file)], mcp_tools=["t=sum"])


def test_a_slow_call_is_stopped_at_the_tool_timeout_and_the_server_goes_on(
    session: Session, emulator: Emulator, pid_file: Path
) -> None:
    emulator.enqueue(
        s.tool_calls(s.FunctionCall("t__slow", {"seconds": 5}, call_id="call_slow")),
        s.tool_calls(s.FunctionCall("t__add", {"a": 1, "b": 1}, call_id="call_add")),
        s.text("Done."),
    )
    turn, _ = run(session, "Sleep.", mcp_local=[local(pid_file)], tool_timeout=0.5)
    slow, add = turn.calls
    assert slow["status"] == "error"
    assert "calling slow took longer than 0.5 s" in str(slow["error"])
    assert add["status"] == "done" and add["output"] == "2"


def test_a_server_over_http_gets_its_header_from_the_environment(
    session: Session, emulator: Emulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("T_TOKEN", "Bearer local-0ff1ce")
    with http_server("T_TOKEN") as (url, pid):
        try:
            with pytest.raises(McpServerFailed, match=r"--mcp-local h \(http://127\.0\.0\.1:"):
                run(session, "Hi.", mcp_local=[f"h={url}"])  # no header: refused
            emulator.enqueue(
                s.tool_calls(s.FunctionCall("h__shout", {"text": "ok"}, call_id="c1")),
                s.text("OK!"),
            )
            turn, _ = run(
                session,
                "Shout ok.",
                api="chat",
                mcp_local=[f"h={url}"],
                mcp_header=["h:Authorization=T_TOKEN"],
            )
            assert turn.calls[0]["output"] == "OK!"
            assert "local-0ff1ce" not in json.dumps(bodies(emulator, "chat"))
        finally:
            SERVERS.close()
    assert not alive(pid)


def test_what_cannot_start_is_one_paragraph(
    session: Session, emulator: Emulator, tmp_path: Path
) -> None:
    with pytest.raises(OptionsError, match="no program 'no-such-mcp-server' was found"):
        run(session, "Hi.", mcp_local=["x=no-such-mcp-server --flag"])
    script = tmp_path / "dies.py"
    script.write_text(
        "import sys\nprint('cannot open the database', file=sys.stderr)\nsys.exit(2)\n"
    )
    with pytest.raises(McpServerFailed) as failed:
        run(session, "Hi.", mcp_local=[f"x={sys.executable} {script}"])
    said = str(failed.value)
    assert said.startswith(f"--mcp-local x ({sys.executable} {script}): ")
    assert "It wrote: cannot open the database" in said and "\n" not in said
    with pytest.raises(OptionsError, match="takes no HTTP headers"):
        run(session, "Hi.", mcp_local=["x=python -V"], mcp_header=["x:A=B"])
    with pytest.raises(OptionsError, match="is a --mcp-local server, whose calls run"):
        run(session, "Hi.", mcp_local=["x=python -V"], mcp_approve=["x=never"])
    assert emulator.requests() == []


def test_names_fit_the_apis_rules() -> None:
    assert function_name("time", "get_current_time") == "time__get_current_time"
    assert function_name("fs", "read.file/v2") == "fs__read_file_v2"
    long = function_name("server", "x" * 80)
    assert len(long) == 64 and long.startswith("server__xxx")
    assert function_name("fs", "a.b", {"fs__a_b"}) != "fs__a_b"


def test_the_mcp_sdk_loads_only_for_a_local_server() -> None:
    code = (
        "import sys\n"
        "from jupyter_responses.config import ResponsesConfig\n"
        "from jupyter_responses.attachments import FileStore\n"
        "from jupyter_responses.turn_request import TurnOptions, build_request\n"
        "options = TurnOptions(api='responses', prompt='x', mcp=['d=https://a.example/mcp'])\n"
        "build_request(options, ResponsesConfig().settings(), {}, FileStore())\n"
        "print(sorted(m for m in sys.modules if m == 'mcp' or m.endswith('mcp_local')))\n"
    )
    shown = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT
    )
    assert shown.stdout.strip() == "[]"
    assert mcp_local.SERVERS is SERVERS
