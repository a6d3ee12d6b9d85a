"""Install and run the third-party servers and clients the compat suite meets.

Each peer lives in its own folder under ``.venv-compat/`` (or ``$JR_COMPAT_HOME``): a
virtualenv for the Python ones (they pin their own ``openai``, ``fastapi`` ...), an npm
prefix for Prism. The clients (the OpenAI Agents SDK, pydantic-ai) are peers too, a
virtualenv each, in which ``clients/*.py`` run against the emulator. A folder is reused
while its stamp names the same pinned version, and built from the package registries
otherwise, so a fresh CI clone installs from nothing.

    python -m tests.compat.peers          # install (or check) all of them, in parallel

A running peer is a ``Server``: started in a session of its own on a free port of
127.0.0.1 with its output in a log file, waited for over HTTP, and stopped by its
process ids: its process group and the groups of every descendant it started (the
``mock-ai-api`` command starts its uvicorn servers each in a session of their own, so
killing its group alone would leave them running).
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType

ROOT = Path(__file__).resolve().parents[2]
HOME = Path(os.environ.get("JR_COMPAT_HOME") or ROOT / ".venv-compat")


# -- installing ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Peer:
    """A server or client from a package registry: ``kind`` is ``pypi`` or ``npm``;
    ``spec`` the exact version installed."""

    name: str
    kind: str
    spec: str

    @property
    def home(self) -> Path:
        return HOME / self.name

    def bin(self, command: str) -> Path:
        if self.kind == "npm":
            return self.home / "node_modules" / ".bin" / command
        return self.home / "bin" / command

    @property
    def _stamp(self) -> Path:
        return self.home / ".jr-installed"

    def installed(self) -> bool:
        try:
            return self._stamp.read_text().strip() == self.spec
        except OSError:
            return False

    def ensure(self) -> Peer:
        """Install unless this exact version is there already; one installer at a time."""
        if self.installed():
            return self
        HOME.mkdir(parents=True, exist_ok=True)
        with open(HOME / f".{self.name}.lock", "w") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            if not self.installed():
                self._install()
        return self

    def _install(self) -> None:
        shutil.rmtree(self.home, ignore_errors=True)
        self.home.mkdir(parents=True)
        log = HOME / f"{self.name}-install.log"
        if self.kind == "npm":
            npm = shutil.which("npm")
            if npm is None:
                raise RuntimeError(f"{self.name} needs npm (Node.js), which is not installed")
            steps = [
                [
                    npm,
                    "install",
                    "--prefix",
                    str(self.home),
                    "--no-save",
                    "--no-audit",
                    "--no-fund",
                    "--loglevel=error",
                    self.spec,
                ]
            ]
        else:
            python = getattr(sys, "_base_executable", None) or sys.executable
            steps = [
                [python, "-m", "venv", str(self.home)],
                [
                    str(self.home / "bin" / "python"),
                    "-m",
                    "pip",
                    "install",
                    "-q",
                    "--disable-pip-version-check",
                    self.spec,
                ],
            ]
        with open(log, "w") as out:
            for step in steps:
                done = subprocess.run(step, stdout=out, stderr=subprocess.STDOUT, check=False)
                if done.returncode != 0:
                    out.flush()
                    tail = log.read_text(errors="replace")[-3000:]
                    raise RuntimeError(
                        f"installing {self.spec} failed ({' '.join(step[:3])}...):\n{tail}"
                    )
        self._stamp.write_text(self.spec + "\n")


#: Exact versions: a peer's behaviour (and its quirks the tests name) is part of the test.
#: LiteLLM: 1.82.7 and 1.82.8 were malicious uploads (March 2026); 1.82.6 predates them.
LITELLM = Peer("litellm", "pypi", "litellm[proxy]==1.82.6")
MOCK_AI_API = Peer("mock-ai-api", "pypi", "mock-ai-api==0.1.1")
#: 5.14.2 is the newest Prism that runs on Node.js 18/20 (later ones ask for Node 24).
PRISM = Peer("prism", "npm", "@stoplight/prism-cli@5.14.2")
#: Clients, each run by ``clients/*.py`` in its own venv; pydantic-ai without the extras
#: of its other providers.
OPENAI_AGENTS = Peer("openai-agents", "pypi", "openai-agents==0.24.0")
PYDANTIC_AI = Peer("pydantic-ai", "pypi", "pydantic-ai-slim[openai]==2.68.0")
PEERS = (LITELLM, MOCK_AI_API, PRISM, OPENAI_AGENTS, PYDANTIC_AI)


# -- running -------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _start_time(pid: int) -> str | None:
    """The kernel's start time of ``pid`` (so a reused pid is never taken for it)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    return stat.rsplit(")", 1)[1].split()[19]


def _children() -> dict[int, list[int]]:
    tree: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            parent = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
        except (OSError, IndexError, ValueError):
            continue
        tree.setdefault(parent, []).append(int(entry.name))
    return tree


class Server:
    """One peer process (and whatever it starts), always stopped by ``stop()``."""

    def __init__(
        self,
        name: str,
        argv: Sequence[str | os.PathLike[str]],
        *,
        log: Path,
        env: Mapping[str, str] | None = None,
        cwd: Path | None = None,
        url: str = "",
    ) -> None:
        self.name = name
        self.url = url  # where clients reach it
        self.log = log
        self._log = open(log, "ab")  # noqa: SIM115 (closed in stop())
        self.process = subprocess.Popen(
            [str(a) for a in argv],
            stdin=subprocess.DEVNULL,
            stdout=self._log,
            stderr=subprocess.STDOUT,
            env=dict(env) if env is not None else None,
            cwd=cwd,
            start_new_session=True,
        )
        self.known: dict[int, str | None] = {self.process.pid: _start_time(self.process.pid)}

    # -- what it started -------------------------------------------------------------------
    def _track(self) -> None:
        """Remember every descendant now alive (called while waiting and at stop)."""
        tree = _children()
        todo = [self.process.pid]
        while todo:
            for child in tree.get(todo.pop(), []):
                if child not in self.known:
                    self.known[child] = _start_time(child)
                    todo.append(child)

    def alive(self) -> list[int]:
        """The processes this server started that are still running (zombies aside)."""
        out = []
        for pid, started in self.known.items():
            if started is None or _start_time(pid) != started:
                continue
            with contextlib.suppress(OSError):
                state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
                if state != "Z":
                    out.append(pid)
        return out

    # -- waiting -------------------------------------------------------------------------
    def wait_http(
        self, url: str, headers: Mapping[str, str] | None = None, timeout: float = 120
    ) -> None:
        """Until ``url`` answers 200 (raises with the log's end if it exits or times out)."""
        deadline = time.monotonic() + timeout
        while True:
            self._track()
            if self.process.poll() is not None:
                raise RuntimeError(
                    f"{self.name} exited with {self.process.returncode}\n{self.log_tail()}"
                )
            try:
                request = urllib.request.Request(url, headers=dict(headers or {}))
                with urllib.request.urlopen(request, timeout=5) as response:
                    if response.status == 200:
                        self._track()
                        return
            except (urllib.error.URLError, OSError):
                pass
            if time.monotonic() > deadline:
                raise RuntimeError(
                    f"{self.name} not ready after {timeout:.0f} s\n{self.log_tail()}"
                )
            time.sleep(0.2)

    def log_tail(self, chars: int = 4000) -> str:
        self._log.flush()
        return self.log.read_text(errors="replace")[-chars:]

    def log_size(self) -> int:
        self._log.flush()
        return self.log.stat().st_size

    def log_since(self, offset: int) -> str:
        self._log.flush()
        with open(self.log, "rb") as fh:
            fh.seek(offset)
            return fh.read().decode(errors="replace")

    # -- stopping ------------------------------------------------------------------------
    def stop(self, grace: float = 3.0) -> None:
        """SIGTERM to the process group of the server and of each descendant, then
        SIGKILL to whatever is left; every one checked by pid and start time."""
        try:
            self._track()
            self._signal(signal.SIGTERM)
            deadline = time.monotonic() + grace
            while self.alive() and time.monotonic() < deadline:
                self.process.poll()
                time.sleep(0.05)
            if self.alive():
                self._signal(signal.SIGKILL)
            with contextlib.suppress(subprocess.TimeoutExpired):
                self.process.wait(timeout=10)
            left = self.alive()
            if left:
                raise RuntimeError(f"{self.name}: processes {left} survived SIGKILL")
        finally:
            self._log.close()

    def _signal(self, sig: signal.Signals) -> None:
        for pid in self.alive():
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(os.getpgid(pid), sig)
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.kill(pid, sig)

    def __enter__(self) -> Server:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()


@contextlib.contextmanager
def started(server: Server, url: str, headers: Mapping[str, str] | None = None) -> Iterator[Server]:
    """``server`` once ``url`` answers; stopped afterwards, also if it never came up."""
    try:
        server.wait_http(url, headers)
        yield server
    finally:
        server.stop()


def peer_env(**extra: str) -> dict[str, str]:
    """The environment a peer runs in: ours without any OpenAI or Jupyter settings."""
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("OPENAI_", "JUPYTER_", "JPY_", "VIRTUAL_ENV", "PYTHON"))
    }
    return {**env, **extra}


def main() -> None:
    """Install every peer that is not there yet, in parallel; print what took how long."""
    t0 = time.monotonic()

    def one(peer: Peer) -> str:
        start = time.monotonic()
        was = peer.installed()
        peer.ensure()
        how = "already installed" if was else f"installed in {time.monotonic() - start:.0f} s"
        return f"{peer.spec}: {how} ({peer.home})"

    with ThreadPoolExecutor(len(PEERS)) as pool:
        for line in pool.map(one, PEERS):
            print(line, flush=True)
    print(f"compat peers ready in {time.monotonic() - t0:.0f} s", flush=True)


if __name__ == "__main__":
    main()
