"""Start the tests' MCP server as a process of its own, and make sure every process a
test started is stopped, by its id, also when the test fails."""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator, Mapping
from pathlib import Path

#: The repository root.
ROOT = Path(__file__).resolve().parents[2]
#: The tests' server: a script that needs only the ``mcp`` SDK, so it runs from any
#: directory and environment (a stdio server gets only a few of the kernel's variables).
SERVER = Path(__file__).resolve().with_name("server.py")
#: The command line of the tests' server over stdio (``--mcp-local t='...'``).
STDIO = f"{sys.executable} {SERVER}"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def alive(pid: int) -> bool:
    """Whether process ``pid`` still runs (a zombie, which has ended, does not)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    status = Path(f"/proc/{pid}/status")
    with contextlib.suppress(OSError):
        for line in status.read_text().splitlines():
            if line.startswith("State:"):
                return "Z" not in line.split(":", 1)[1]
    return True


def stop(pid: int, grace: float = 5.0) -> None:
    """Stop process ``pid``: SIGTERM, then SIGKILL after ``grace`` seconds."""
    for sent in (signal.SIGTERM, signal.SIGKILL):
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, sent)
        deadline = time.monotonic() + grace
        while time.monotonic() < deadline:
            with contextlib.suppress(ChildProcessError):
                os.waitpid(pid, os.WNOHANG)  # reap it if it is ours
            if not alive(pid):
                return
            time.sleep(0.05)


def wait_gone(pid: int, timeout: float = 15.0) -> bool:
    """Whether ``pid`` ends within ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not alive(pid):
            return True
        time.sleep(0.1)
    return not alive(pid)


@contextlib.contextmanager
def http_server(
    token_env: str | None = None, env: Mapping[str, str] | None = None
) -> Iterator[tuple[str, int]]:
    """The tests' server over streamable HTTP on a free port of 127.0.0.1, as ``(URL,
    process id)``; stopped by its id when the block ends, however it ends. With
    ``token_env``, it wants that variable's value as the ``Authorization`` header."""
    port = free_port()
    command = [sys.executable, str(SERVER), "--http", str(port)]
    if token_env:
        command += ["--token-env", token_env]
    process = subprocess.Popen(
        command,
        cwd=ROOT,
        env={**os.environ, **(env or {})},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        deadline = time.monotonic() + 30
        while True:
            with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), 0.2):
                break
            if process.poll() is not None or time.monotonic() > deadline:
                said = process.stderr.read().decode(errors="replace") if process.stderr else ""
                raise RuntimeError(f"the test MCP server did not start: {said[-2000:]}")
            time.sleep(0.1)
        yield f"http://127.0.0.1:{port}/mcp", process.pid
    finally:
        stop(process.pid)
        process.wait(5)
        if process.stderr is not None:
            process.stderr.close()
