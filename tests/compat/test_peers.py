"""The peers' process handling: everything a peer starts is stopped by its ids, also
what it started in sessions of its own, and also when it never came up."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from .peers import MOCK_AI_API, PRISM, Server, free_port, peer_env, started


def test_mock_ai_api_children_in_their_own_sessions_are_stopped(tmp_path: Path) -> None:
    MOCK_AI_API.ensure()
    port, other = free_port(), free_port()
    argv = [MOCK_AI_API.bin("mock-ai-api"), "--openai-port", port, "--anthropic-port", other]
    server = Server("mock-ai-api", argv, log=tmp_path / "log", env=peer_env(), cwd=tmp_path)
    with started(server, f"http://127.0.0.1:{port}/health"):
        server.wait_http(f"http://127.0.0.1:{other}/health")  # both uvicorns are up
        running = server.alive()
        sessions = {os.getsid(pid) for pid in running}
        assert len(running) == 3 and len(sessions) == 3  # the command and its two servers
    assert server.alive() == []
    assert all(not Path(f"/proc/{pid}").exists() or _zombie(pid) for pid in running)


def test_a_peer_that_never_comes_up_is_stopped_with_its_log(tmp_path: Path) -> None:
    PRISM.ensure()
    argv = [PRISM.bin("prism"), "mock", "-h", "127.0.0.1", "-p", free_port(), tmp_path / "no.json"]
    server = Server("prism", argv, log=tmp_path / "log", env=peer_env(), cwd=tmp_path)
    with pytest.raises(RuntimeError, match="prism exited"), started(server, "http://127.0.0.1:9/"):
        pass
    assert server.alive() == []


def _zombie(pid: int) -> bool:
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] == "Z"
    except OSError:
        return True
