"""Drive a real IPython kernel (ipykernel via jupyter_client) from a test.

    with KernelSession(env={"OPENAI_BASE_URL": emu.url, "OPENAI_API_KEY": "sk-test"}) as k:
        res = k.execute("print('hi')", cell_id="cell-1")
        assert res.stdout == "hi\\n"

The kernel always runs ``sys.executable -m ipykernel_launcher`` (no system-wide kernelspec
is consulted), with IPython/Jupyter config, data and runtime dirs in a private directory so
no user configuration leaks in. Its own stdout/stderr go to ``<workdir>/kernel.log``.
"""

from __future__ import annotations

import contextlib
import os
import queue
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType
from typing import IO, Any, NamedTuple

from jupyter_client import KernelManager
from jupyter_client.blocking import BlockingKernelClient
from jupyter_client.kernelspec import KernelSpec, KernelSpecManager, NoSuchKernel

from jupyter_responses import errors
from jupyter_responses.emulator import Emulator

Message = dict[str, Any]

#: The API key the ``kernel`` fixtures put in the kernel's environment.
API_KEY = "sk-test-kernel"

_ANSI = re.compile(r"\x1b\[[0-9;?]*[ -/]*[@-~]")

#: Inherited variables dropped from the kernel's environment, so the host's settings
#: (a real API key, an org id, a Jupyter config path ...) cannot reach the kernel.
_SCRUBBED_PREFIXES = ("OPENAI_", "JUPYTER_", "JPY_", "IPYTHON")
_SCRUBBED_NAMES = ("IPYTHONDIR", "PYTHONSTARTUP", "MPLBACKEND")


def kernel_env(emulator: Emulator, **extra: str | None) -> dict[str, str | None]:
    """The environment that points the openai SDK in a kernel at ``emulator``."""
    return {"OPENAI_BASE_URL": emulator.url, "OPENAI_API_KEY": API_KEY, **extra}


def strip_ansi(text: str) -> str:
    """``text`` without terminal colour/escape sequences."""
    return _ANSI.sub("", text)


class _ThisPythonKernelSpecs(KernelSpecManager):
    """Only ``python3``, always run by this interpreter (``sys.executable``)."""

    def get_kernel_spec(self, kernel_name: str) -> KernelSpec:
        if kernel_name != "python3":
            raise NoSuchKernel(kernel_name)
        from ipykernel.kernelspec import RESOURCES, get_kernel_dict

        spec = get_kernel_dict()
        spec["argv"] = [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"]
        return KernelSpec(resource_dir=RESOURCES, name=kernel_name, **spec)

    def find_kernel_specs(self) -> dict[str, str]:
        from ipykernel.kernelspec import RESOURCES

        return {"python3": RESOURCES}


#: The names of our errors (``JupyterResponsesError`` and every subclass): each shows
#: itself in a cell as one block, a heading over its message.
OUR_ERRORS = frozenset(
    value.__name__
    for value in vars(errors).values()
    if isinstance(value, type) and issubclass(value, errors.JupyterResponsesError)
)


class CellError(NamedTuple):
    ename: str
    evalue: str
    traceback: str  # ANSI-stripped, one frame per line

    def __str__(self) -> str:
        return f"{self.ename}: {self.evalue}"

    @property
    def heading(self) -> str:
        """The first line of the error block (ours: the cause in a few words)."""
        return self.traceback.split("\n", 1)[0]


@dataclass
class CellResult:
    """Everything one request (an execute_request, or a comm_msg) caused on iopub.

    ``messages`` holds the raw iopub messages in arrival order, ``status`` busy/idle
    included; ``reply`` the shell reply (``None`` for requests without one, e.g. comm_msg).
    """

    msg_id: str
    code: str = ""
    messages: list[Message] = field(default_factory=list)
    reply: Message | None = None

    # -- raw access -----------------------------------------------------------------------

    def of_type(self, *msg_types: str) -> list[Message]:
        return [m for m in self.messages if m["msg_type"] in msg_types]

    @property
    def msg_types(self) -> list[str]:
        return [m["msg_type"] for m in self.messages]

    @property
    def status(self) -> str | None:
        """The shell reply's status: ``ok``, ``error`` or ``aborted``."""
        return None if self.reply is None else self.reply["content"]["status"]

    @property
    def execution_count(self) -> int | None:
        return None if self.reply is None else self.reply["content"].get("execution_count")

    # -- streams --------------------------------------------------------------------------

    def _stream(self, name: str) -> str:
        return "".join(
            m["content"]["text"] for m in self.of_type("stream") if m["content"]["name"] == name
        )

    @property
    def stdout(self) -> str:
        return self._stream("stdout")

    @property
    def stderr(self) -> str:
        return self._stream("stderr")

    # -- notebook view ----------------------------------------------------------------------

    @property
    def outputs(self) -> list[dict[str, Any]]:
        """The cell's outputs as nbformat v4 dicts, as a notebook would save them.

        ``update_display_data`` replaces data/metadata of every output with that display_id
        (so each display shows its FINAL state), ``clear_output`` (also ``wait=True``) is
        applied, and consecutive stream outputs of one name are merged.
        """
        outputs: list[dict[str, Any]] = []
        display_ids: list[str | None] = []  # parallel to outputs
        clear_pending = False

        def add(output: dict[str, Any], display_id: str | None = None) -> None:
            nonlocal clear_pending
            if clear_pending:
                outputs.clear()
                display_ids.clear()
                clear_pending = False
            last = outputs[-1] if outputs else None
            if (
                output["output_type"] == "stream"
                and last is not None
                and last["output_type"] == "stream"
                and last["name"] == output["name"]
            ):
                last["text"] += output["text"]
                return
            outputs.append(output)
            display_ids.append(display_id)

        for msg in self.messages:
            kind, content = msg["msg_type"], msg["content"]
            if kind == "stream":
                add({"output_type": "stream", "name": content["name"], "text": content["text"]})
            elif kind in ("display_data", "execute_result"):
                output: dict[str, Any] = {
                    "output_type": kind,
                    "data": dict(content.get("data", {})),
                    "metadata": dict(content.get("metadata", {})),
                }
                if kind == "execute_result":
                    output["execution_count"] = content.get("execution_count")
                add(output, (content.get("transient") or {}).get("display_id"))
            elif kind == "error":
                add(
                    {
                        "output_type": "error",
                        "ename": content["ename"],
                        "evalue": content["evalue"],
                        "traceback": list(content["traceback"]),
                    }
                )
            elif kind == "update_display_data":
                target = (content.get("transient") or {}).get("display_id")
                for output, display_id in zip(outputs, display_ids, strict=True):
                    if target is not None and display_id == target:
                        output["data"] = dict(content.get("data", {}))
                        output["metadata"] = dict(content.get("metadata", {}))
            elif kind == "clear_output":
                if content.get("wait"):
                    clear_pending = True
                else:
                    outputs.clear()
                    display_ids.clear()
                    clear_pending = False
        return outputs

    @property
    def display_ids(self) -> list[str]:
        """display_ids of the displays this cell created, in order."""
        return [
            m["content"]["transient"]["display_id"]
            for m in self.of_type("display_data")
            if (m["content"].get("transient") or {}).get("display_id")
        ]

    @property
    def updates(self) -> int:
        """How many ``update_display_data`` messages arrived."""
        return len(self.of_type("update_display_data"))

    def mime(self, mimetype: str) -> list[Any]:
        """The ``mimetype`` value of every final output that has one, in order."""
        return [o["data"][mimetype] for o in self.outputs if mimetype in o.get("data", {})]

    @property
    def markdown(self) -> str:
        return "\n".join(self.mime("text/markdown"))

    @property
    def plain(self) -> str:
        return "\n".join(self.mime("text/plain"))

    @property
    def html(self) -> str:
        return "\n".join(self.mime("text/html"))

    # -- errors -----------------------------------------------------------------------------

    @property
    def error(self) -> CellError | None:
        """The exception the cell raised (from the reply, else from an ``error`` message)."""
        source: dict[str, Any] | None = None
        if self.reply is not None and self.reply["content"]["status"] == "error":
            source = self.reply["content"]
        else:
            errors = self.of_type("error")
            source = errors[-1]["content"] if errors else None
        if source is None:
            return None
        return CellError(
            source.get("ename", ""),
            source.get("evalue", ""),
            strip_ansi("\n".join(source.get("traceback", []))),
        )

    def usage_error(self) -> str:
        """The one-line ``UsageError`` message the cell ended with (asserted so): what
        IPython shows for a bad option line or input."""
        return self.failure("UsageError")

    def failure(self, ename: str | None = None) -> str:
        """The one-line message of the error the cell ended with, asserted to be shown
        as one clean block: a ``UsageError`` line, or one of our errors under its own
        name (``OUR_ERRORS``), shown as its heading over that message and nothing more
        (no Python traceback, no second error). ``ename``: the class it must be."""
        error = self.error
        assert error is not None, f"the cell did not fail (status {self.status!r})"
        assert self.status == "error", self.status  # it counts as failed: "Run all" stops
        assert ename is None or error.ename == ename, f"{error}, not {ename}"
        assert error.evalue.strip() and "\n" not in error.evalue, repr(error.evalue)
        if error.ename != "UsageError":
            assert error.ename in OUR_ERRORS, f"{error}\n{error.traceback}"
            heading, *said = error.traceback.split("\n")
            assert heading and len(said) == 1, error.traceback  # a heading and the message
            assert said[0][1:] in error.evalue, (said, error.evalue)  # its own words
            assert len(self.of_type("error")) == 1, self.of_type("error")
        assert "Traceback" not in error.traceback + self.stderr, error.traceback
        return error.evalue

    # -- comms ------------------------------------------------------------------------------

    @property
    def comm_opens(self) -> list[Message]:
        return self.of_type("comm_open")

    @property
    def comm_msgs(self) -> list[Message]:
        return self.of_type("comm_msg")

    def widget_values(self) -> dict[str, list[Any]]:
        """Every ``value`` each widget (by comm id) was given, in order: its initial
        state, then each update the kernel sent."""
        values: dict[str, list[Any]] = {}
        for msg in self.messages:
            if msg["msg_type"] not in ("comm_open", "comm_msg"):
                continue
            data = msg["content"].get("data", {})
            state = data.get("state", {})
            if "value" in state and data.get("method", "update") == "update":
                values.setdefault(msg["content"]["comm_id"], []).append(state["value"])
        return values


class KernelSession:
    """One ipykernel process plus a blocking client. Use as a context manager.

    ``env`` is merged over ``os.environ`` (minus inherited ``OPENAI_*``/Jupyter/IPython
    settings); a ``None`` value removes a variable. ``workdir`` holds the private config
    dirs and the kernel log (a fresh temporary directory, removed on close, when not
    given); ``cwd`` is the kernel's working directory (``workdir/"cwd"`` by default).
    """

    def __init__(
        self,
        env: Mapping[str, str | None] | None = None,
        *,
        workdir: str | os.PathLike[str] | None = None,
        cwd: str | os.PathLike[str] | None = None,
        startup_timeout: float = 120,
    ) -> None:
        self._own_workdir = workdir is None
        self.workdir = Path(workdir or tempfile.mkdtemp(prefix="jr-kernel-")).resolve()
        self.workdir.mkdir(parents=True, exist_ok=True)
        self.cwd = Path(cwd).resolve() if cwd is not None else self.workdir / "cwd"
        self.cwd.mkdir(parents=True, exist_ok=True)
        self.log_path = self.workdir / "kernel.log"
        self.env = self._build_env(env or {})
        self.startup_timeout = startup_timeout
        self.startup_seconds: float = 0.0

        self._log: IO[str] | None = None
        self._ipc_dir: str | None = None
        self._pids: set[int] = set()
        self._stash: dict[str, list[Message]] = {}  # iopub messages by parent msg_id
        self._idle: set[str] = set()  # parent msg_ids whose ``status: idle`` arrived
        self._replies: dict[str, Message] = {}  # shell replies by parent msg_id
        self._code: dict[str, str] = {}
        self.km: KernelManager | None = None
        self.kc: BlockingKernelClient | None = None
        self._start()

    # -- lifecycle ----------------------------------------------------------------------------

    def _build_env(self, overrides: Mapping[str, str | None]) -> dict[str, str]:
        env = {
            k: v
            for k, v in os.environ.items()
            if not k.startswith(_SCRUBBED_PREFIXES) and k not in _SCRUBBED_NAMES
        }
        dirs = {
            "IPYTHONDIR": "ipython",
            "JUPYTER_CONFIG_DIR": "jupyter-config",
            "JUPYTER_DATA_DIR": "jupyter-data",
            "JUPYTER_RUNTIME_DIR": "jupyter-runtime",
        }
        for name, sub in dirs.items():
            path = self.workdir / sub
            path.mkdir(parents=True, exist_ok=True)
            env[name] = str(path)
        env["JUPYTER_PLATFORM_DIRS"] = "1"
        env["PYDEVD_DISABLE_FILE_VALIDATION"] = "1"
        env["PYTHONUNBUFFERED"] = "1"
        for key, value in overrides.items():
            if value is None:
                env.pop(key, None)
            else:
                env[key] = value
        return env

    def _start(self) -> None:
        t0 = time.monotonic()
        self._log = open(self.log_path, "a", encoding="utf-8")  # noqa: SIM115 (closed in close())
        connection_file = Path(self.env["JUPYTER_RUNTIME_DIR"]) / f"kernel-{uuid.uuid4()}.json"
        # Unix sockets, not TCP ports: kernels (and the servers other tests start) can
        # never race for a port. The directory is short, for the 108-byte socket limit.
        self._ipc_dir = tempfile.mkdtemp(prefix="jrk-")
        self.km = KernelManager(
            kernel_name="python3",
            kernel_spec_manager=_ThisPythonKernelSpecs(),
            connection_file=str(connection_file),
            transport="ipc",
            ip=os.path.join(self._ipc_dir, "k"),
        )
        try:
            self.km.start_kernel(
                env=self.env, cwd=str(self.cwd), stdout=self._log, stderr=self._log
            )
            self._remember_pid()
            self._connect()
        except BaseException:
            self.close()
            raise
        self.startup_seconds = time.monotonic() - t0

    def _remember_pid(self) -> None:
        assert self.km is not None
        pid = getattr(self.km.provisioner, "pid", None)
        if pid:
            self._pids.add(int(pid))

    def _connect(self) -> None:
        assert self.km is not None
        if self.kc is not None:
            self.kc.stop_channels()
        self._stash.clear()
        self._idle.clear()
        self._replies.clear()
        self._code.clear()
        self.kc = self.km.client()
        self.kc.start_channels()
        try:
            self.kc.wait_for_ready(timeout=self.startup_timeout)
        except RuntimeError as exc:
            raise RuntimeError(f"{exc}\n--- kernel log ---\n{self.log_tail()}") from exc

    @property
    def pid(self) -> int | None:
        return getattr(self.km.provisioner, "pid", None) if self.km else None

    def is_alive(self) -> bool:
        return self.km is not None and self.km.is_alive()

    def restart(self, now: bool = True) -> None:
        """Restart the kernel process (same env, cwd and ports); waits until it is ready."""
        assert self.km is not None, "kernel is closed"
        t0 = time.monotonic()
        self.km.restart_kernel(now=now)
        self._remember_pid()
        self._connect()
        self.startup_seconds = time.monotonic() - t0

    def close(self) -> None:
        """Stop the kernel (``shutdown_kernel(now=True)``), then SIGKILL any survivor."""
        try:
            if self.kc is not None:
                with contextlib.suppress(Exception):
                    self.kc.stop_channels()
                self.kc = None
            if self.km is not None:
                with contextlib.suppress(Exception):
                    self.km.shutdown_kernel(now=True)
                self.km = None
        finally:
            for pid in self._pids:
                _kill_if_alive(pid)
            self._pids.clear()
            if self._log is not None:
                self._log.close()
                self._log = None
            if self._own_workdir:
                shutil.rmtree(self.workdir, ignore_errors=True)
            if self._ipc_dir is not None:
                shutil.rmtree(self._ipc_dir, ignore_errors=True)

    def __enter__(self) -> KernelSession:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def log_tail(self, chars: int = 4000) -> str:
        """The end of the kernel process's own stdout/stderr."""
        if self._log is not None:
            self._log.flush()
        try:
            return self.log_path.read_text(encoding="utf-8", errors="replace")[-chars:]
        except OSError:
            return ""

    # -- execution ----------------------------------------------------------------------------

    def execute_async(
        self,
        code: str,
        cell_id: str | None = None,
        *,
        silent: bool = False,
        store_history: bool = True,
        stop_on_error: bool = True,
        allow_stdin: bool = False,
    ) -> str:
        """Send an execute_request without waiting; returns its msg_id (for ``collect``).

        ``cell_id`` goes into the request's metadata as ``{"cellId": ...}``, as JupyterLab
        sends it; IPython exposes it as ``ExecutionInfo.cell_id``.
        """
        kc = self._client()
        content = {
            "code": code,
            "silent": silent,
            "store_history": store_history,
            "user_expressions": {},
            "allow_stdin": allow_stdin,
            "stop_on_error": stop_on_error,
        }
        metadata = {"cellId": cell_id} if cell_id is not None else {}
        msg = kc.session.msg("execute_request", content, metadata=metadata)
        kc.shell_channel.send(msg)
        msg_id: str = msg["header"]["msg_id"]
        self._code[msg_id] = code
        return msg_id

    def collect(self, msg_id: str, timeout: float = 60, allow_errors: bool = False) -> CellResult:
        """Wait for the request's ``status: idle`` and its shell reply; return all it caused.

        Raises AssertionError when the cell failed (reply status ``error``/``aborted``)
        unless ``allow_errors``; TimeoutError when the kernel does not finish in time.
        """
        deadline = time.monotonic() + timeout
        self._pump_iopub(lambda: msg_id in self._idle, deadline, msg_id)
        reply = self._wait_reply(msg_id, deadline)
        result = CellResult(
            msg_id=msg_id,
            code=self._code.pop(msg_id, ""),
            messages=self._stash.pop(msg_id, []),
            reply=reply,
        )
        self._idle.discard(msg_id)
        if not allow_errors and result.status != "ok":
            error = result.error
            detail = (
                f"{error}\n{error.traceback}"
                if error is not None
                else f"reply status {result.status!r}: {reply['content']}"
            )
            raise AssertionError(
                f"cell failed: {detail}\n--- code ---\n{result.code}\n"
                f"--- stdout ---\n{result.stdout}--- stderr ---\n{result.stderr}"
            )
        return result

    def execute(
        self,
        code: str,
        timeout: float = 60,
        cell_id: str | None = None,
        allow_errors: bool = False,
    ) -> CellResult:
        """Run ``code`` as a cell and wait for it (see ``execute_async`` and ``collect``)."""
        return self.collect(self.execute_async(code, cell_id), timeout, allow_errors)

    def wait_for(
        self, msg_id: str, predicate: Callable[[Message], bool], timeout: float = 30
    ) -> Message:
        """Block until an iopub message of request ``msg_id`` satisfies ``predicate``.

        The messages stay stashed for ``collect``. E.g. wait until a long cell printed
        something before ``interrupt()``-ing it.
        """
        found: list[Message] = []

        def done() -> bool:
            if not found:
                found.extend(m for m in self._stash.get(msg_id, []) if predicate(m))
            return bool(found) or msg_id in self._idle

        self._pump_iopub(done, time.monotonic() + timeout, msg_id)
        if not found:
            raise AssertionError(f"request {msg_id} finished without a matching message")
        return found[0]

    def wait_for_stdout(self, msg_id: str, text: str, timeout: float = 30) -> None:
        """Block until request ``msg_id`` has printed ``text`` to stdout."""

        def printed(_: Message) -> bool:
            streams = self._stash.get(msg_id, [])
            out = "".join(
                m["content"]["text"]
                for m in streams
                if m["msg_type"] == "stream" and m["content"]["name"] == "stdout"
            )
            return text in out

        self.wait_for(msg_id, printed, timeout)

    def answer_input(self, text: str, timeout: float = 30) -> str:
        """Wait for the running cell's ``input()`` prompt (the cell must have been sent
        with ``allow_stdin=True``), type ``text`` as a frontend would; return the prompt."""
        kc = self._client()
        request = kc.stdin_channel.get_msg(timeout=timeout)
        assert request["msg_type"] == "input_request", request["msg_type"]
        kc.input(text)
        prompt: str = request["content"]["prompt"]
        return prompt

    def interrupt(self) -> None:
        """Interrupt the running cell (SIGINT to the kernel's process group)."""
        assert self.km is not None, "kernel is closed"
        self.km.interrupt_kernel()

    def comm_send(
        self, comm_id: str, data: dict[str, Any], timeout: float = 30, wait: bool = True
    ) -> CellResult:
        """Send a comm_msg as a frontend (e.g. a widget manager) would; return what it
        caused. ``wait=False`` returns at once: for a cell that is running and handles
        the message itself, whose output then belongs to that cell."""
        kc = self._client()
        msg = kc.session.msg("comm_msg", {"comm_id": comm_id, "data": data})
        kc.shell_channel.send(msg)
        msg_id: str = msg["header"]["msg_id"]
        if not wait:
            return CellResult(msg_id=msg_id, messages=[])
        self._pump_iopub(lambda: msg_id in self._idle, time.monotonic() + timeout, msg_id)
        self._idle.discard(msg_id)
        return CellResult(msg_id=msg_id, messages=self._stash.pop(msg_id, []))

    def drain_iopub(self, timeout: float = 0.2) -> list[Message]:
        """Every iopub message not yet handed out (e.g. output a background thread sent
        after its cell finished), reading for up to ``timeout`` seconds more."""
        kc = self._client()
        deadline = time.monotonic() + timeout
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                break
            try:
                self._route_iopub(kc.get_iopub_msg(timeout=remaining))
            except queue.Empty:
                break
        out = [m for msgs in self._stash.values() for m in msgs]
        out.sort(key=lambda m: str(m["header"].get("date", "")))
        self._stash.clear()
        return out

    # -- plumbing ------------------------------------------------------------------------------

    def _client(self) -> BlockingKernelClient:
        assert self.kc is not None, "kernel is closed"
        return self.kc

    def _route_iopub(self, msg: Message) -> None:
        parent = msg.get("parent_header", {}).get("msg_id", "")
        self._stash.setdefault(parent, []).append(msg)
        if msg["msg_type"] == "status" and msg["content"].get("execution_state") == "idle":
            self._idle.add(parent)

    def _pump_iopub(self, done: Callable[[], bool], deadline: float, msg_id: str) -> None:
        kc = self._client()
        while not done():
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                got = [m["msg_type"] for m in self._stash.get(msg_id, [])]
                raise TimeoutError(
                    f"request {msg_id} not finished in time; iopub so far: {got}\n"
                    f"--- code ---\n{self._code.get(msg_id, '')}\n"
                    f"--- kernel log ---\n{self.log_tail()}"
                )
            try:
                msg = kc.get_iopub_msg(timeout=min(remaining, 0.5))
            except queue.Empty:
                self._check_alive()
                continue
            self._route_iopub(msg)

    def _wait_reply(self, msg_id: str, deadline: float) -> Message:
        kc = self._client()
        while msg_id not in self._replies:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise TimeoutError(f"no shell reply for {msg_id}")
            try:
                msg = kc.get_shell_msg(timeout=min(remaining, 0.5))
            except queue.Empty:
                self._check_alive()
                continue
            self._replies[msg["parent_header"].get("msg_id", "")] = msg
        return self._replies.pop(msg_id)

    def _check_alive(self) -> None:
        if not self.is_alive():
            raise RuntimeError(f"kernel died\n--- kernel log ---\n{self.log_tail()}")


#: What the ``kernel_factory`` fixture yields: ``(env=None, *, cwd=None) -> KernelSession``.
KernelFactory = Callable[..., KernelSession]


class KernelPool:
    """Kernels started on demand, each in its own ``root/kernel-N`` directory, all
    closed together (also when a test fails)."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.sessions: list[KernelSession] = []

    def start(
        self, env: Mapping[str, str | None], *, cwd: str | os.PathLike[str] | None = None
    ) -> KernelSession:
        session = KernelSession(
            env, workdir=self.root / f"kernel-{len(self.sessions) + 1}", cwd=cwd
        )
        self.sessions.append(session)
        return session

    def __enter__(self) -> KernelPool:
        return self

    def __exit__(self, *exc: object) -> None:
        for session in reversed(self.sessions):
            session.close()


def _kill_if_alive(pid: int) -> None:
    """SIGKILL kernel ``pid`` (a child of ours, leader of its own session) and its process
    group if it is still running, and reap it."""
    if sys.platform == "win32":
        return
    try:
        waited, _ = os.waitpid(pid, os.WNOHANG)
    except ChildProcessError:
        return  # already reaped by jupyter_client: gone (and the pid may be reused: hands off)
    if waited:
        return  # it had exited; now reaped
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pid, signal.SIGKILL)  # launched with start_new_session: pgid == pid
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, signal.SIGKILL)
    with contextlib.suppress(ChildProcessError):
        os.waitpid(pid, 0)


def terminal_ipython(
    emulator: Emulator, cwd: Path, code: str, answers: str = ""
) -> subprocess.CompletedProcess[str]:
    """``code`` run by terminal IPython (no kernel, no rich display) against
    ``emulator``, ``answers`` typed at its prompts; asserted to exit cleanly."""
    env = {
        **os.environ,
        "OPENAI_BASE_URL": emulator.url,
        "OPENAI_API_KEY": API_KEY,
        "IPYTHONDIR": str(cwd / "ipython"),
    }
    done = subprocess.run(
        [sys.executable, "-m", "IPython", "--no-banner", "--colors=NoColor", "-c", code],
        input=answers,
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        cwd=cwd,
    )
    assert done.returncode == 0, done.stderr
    return done


_NUMBERED = re.compile(r"\s*\d+\. ")


def history_lines(kernel: KernelSession) -> list[str]:
    """The turns ``%responses history`` lists (its numbered lines; not the totals)."""
    out = kernel.execute("%responses history").stdout
    return [line for line in out.splitlines() if _NUMBERED.match(line)]
