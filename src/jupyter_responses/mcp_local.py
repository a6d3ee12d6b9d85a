"""``--mcp-local``: MCP servers this kernel runs (a command, over stdio) or reaches (a
streamable HTTP URL) itself, their tools offered to the model as function tools.

Because the kernel is the client, a server OpenAI cannot reach works (a command, one on
this machine or a private network), and so does ``%%chat``: the model sees functions
named ``LABEL__tool`` (the label keeps two servers' tools apart, within the APIs' name
rules), with the server's own descriptions and JSON schemas, and the tool loop calls
them like any function (asking first under ``--approve``). A result's text goes back
to the model, its images as images, and a result the server marks ``isError`` as an
error.

The ``mcp`` SDK is async. Its client runs on an event loop of our own on a daemon
thread (``_Loop``), never on the kernel's loop and never a loop nested in it: the
caller waits for each step with a timeout, and a kernel interrupt cancels the step.
There is one connection per server per kernel (``SERVERS``, by label; a kernel is one
process): opened when a turn first names the server, reused by later turns, opened
again when its line names another command or URL or when it died, and closed (a
command's process stopped) when the extension is unloaded or the kernel exits. The SDK
is imported only here, and this module only when a line asks for a local server.
"""

from __future__ import annotations

import asyncio
import atexit
import base64
import binascii
import concurrent.futures
import contextlib
import hashlib
import json
import os
import re
import shlex
import shutil
import sys
import tempfile
import threading
import time
from collections.abc import AsyncIterator, Coroutine, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from .errors import McpServerFailed, OptionsError, safe_url
from .tool_calls import Outcome
from .tool_results import MAX_IMAGE_BYTES, ToolImage, serialize
from .tools import FunctionTool

if TYPE_CHECKING:
    from .mcp_remote import Secret
    from .transcript import LocalCallEntry

#: Seconds a server has to start and answer ``initialize``, and to list its tools.
START_TIMEOUT = 30.0
LIST_TIMEOUT = 30.0
#: Seconds closing a server may take before it is cancelled (its process then killed).
STOP_TIMEOUT = 5.0
#: The image types a tool result may send the model.
IMAGE_TYPES = ("image/png", "image/jpeg", "image/gif", "image/webp")
#: How much of a server's stderr a failure to start quotes.
STDERR_CHARS = 600

T = TypeVar("T")


@dataclass(frozen=True)
class ServerSpec:
    """Where a local server is: a command line run over stdio, or the URL of a
    streamable HTTP server and the headers it is sent (read when it is connected)."""

    label: str
    command: tuple[str, ...] = ()
    url: str = ""
    headers: tuple[tuple[str, Secret], ...] = ()

    @property
    def shown(self) -> str:
        """The server as messages name it (a URL without any userinfo)."""
        return safe_url(self.url) if self.url else shlex.join(self.command)


# -- the tools ---------------------------------------------------------------------------------
def _not_called(**arguments: Any) -> Any:
    raise RuntimeError("an MCP tool runs through McpFunctionTool.run")


@dataclass(frozen=True)
class McpFunctionTool(FunctionTool):
    """A tool of a ``--mcp-local`` server, declared to the model as a function (so both
    APIs take it as one): ``name`` is ``LABEL__tool``, ``tool`` its name on ``server``."""

    server: ServerSpec
    tool: str

    def run(self, call: LocalCallEntry, timeout: float | None) -> Outcome:
        """Call the tool on its server (waiting at most ``timeout`` seconds, or until
        interrupted): what it returns, or why it failed, goes back to the model."""
        started = time.perf_counter()
        said = call.get("arguments")
        try:
            arguments = json.loads(said if isinstance(said, str) and said.strip() else "{}")
        except ValueError as error:
            message = f"the arguments are not valid JSON ({error})"
            return Outcome(f"Error: {message}", message, time.perf_counter() - started)
        if not isinstance(arguments, dict):
            message = f"arguments must be a JSON object, not {type(arguments).__name__}"
            return Outcome(f"Error: {message}", message, time.perf_counter() - started)
        try:
            result = SERVERS.call(self.server, self.tool, arguments, timeout)
        except McpServerFailed as error:
            return Outcome(f"Error: {error}", str(error), time.perf_counter() - started)
        return outcome_of(result, time.perf_counter() - started)


def local_tools(
    label: str,
    target: str,
    headers: Sequence[tuple[str, Secret]] = (),
    allowed: Sequence[str] = (),
) -> list[McpFunctionTool]:
    """The tools of server ``label`` (``--mcp-local LABEL=TARGET``), connected (or
    started) now and listed: all of them, or those ``allowed`` (``--mcp-tools``).
    ``OptionsError`` for a line that cannot work; ``McpServerFailed`` for a server that
    does not start, answer or list."""
    spec = server_spec(label, target, headers)
    for _, secret in spec.headers:
        secret.value()  # unset: said now, before any process starts
    listed = SERVERS.tools(spec)
    names = [_field(tool, "name") for tool in listed]
    missing = [name for name in allowed if name not in names]
    if missing:
        raise OptionsError(
            f"--mcp-tools {label}: the server offers no tool {missing[0]!r} (it offers "
            f"{', '.join(map(str, names)) or 'none'})."
        )
    tools: list[McpFunctionTool] = []
    used: set[str] = set()
    for tool in listed:
        name = str(_field(tool, "name"))
        if allowed and name not in allowed:
            continue
        function = function_name(label, name, used)
        used.add(function)
        description = _field(tool, "description") or _field(tool, "title")
        tools.append(
            McpFunctionTool(
                function,
                str(description or f"The {name} tool of the MCP server {label}."),
                _parameters(_field(tool, "input_schema", "inputSchema")),
                _not_called,
                spec,
                name,
            )
        )
    return tools


def server_spec(label: str, target: str, headers: Sequence[tuple[str, Secret]] = ()) -> ServerSpec:
    """``--mcp-local LABEL=TARGET`` read: an http(s) URL, else a command line (its
    program found on PATH, or beside this kernel's Python, where a virtual
    environment's scripts are)."""
    if target.startswith(("http://", "https://")):
        return ServerSpec(label, url=target, headers=tuple(headers))
    if headers:
        raise OptionsError(
            f"--mcp-header {label}: {label} is a command, run over stdio, which takes no "
            "HTTP headers (they are for a --mcp-local server given by its URL)."
        )
    try:
        argv = shlex.split(target)
    except ValueError as error:
        raise OptionsError(f"--mcp-local {label}: could not read the command ({error}).") from None
    if not argv:
        raise OptionsError(f"--mcp-local {label} needs a command or a URL.")
    program = _program(argv[0])
    if program is None:
        raise OptionsError(
            f"--mcp-local {label}: no program {argv[0]!r} was found (on PATH, or beside this "
            "kernel's Python)."
        )
    return ServerSpec(label, command=(program, *argv[1:]))


def _program(name: str) -> str | None:
    if os.sep in name or (os.altsep and os.altsep in name):
        return name if os.path.exists(name) else None
    return shutil.which(name) or shutil.which(name, path=str(Path(sys.executable).parent))


def function_name(label: str, tool: str, used: set[str] | frozenset[str] = frozenset()) -> str:
    """``LABEL__tool`` as the APIs take a function's name (letters, digits, ``_`` and
    ``-``, at most 64): other characters become ``_``; a name too long, or one that
    another tool of the server already took, ends in a short hash of the original."""
    wanted = f"{label}__{tool}"
    name = re.sub(r"[^A-Za-z0-9_-]", "_", wanted)
    if len(name) > 64 or name in used:
        digest = hashlib.sha256(wanted.encode()).hexdigest()[:8]
        name = f"{name[:55]}_{digest}"
    return name


def _parameters(schema: Any) -> dict[str, Any]:
    """A tool's input schema, as a function's parameters (an object, with properties)."""
    parameters = json.loads(json.dumps(schema)) if isinstance(schema, dict) else {}
    parameters.setdefault("type", "object")
    parameters.setdefault("properties", {})
    return parameters


def _field(value: Any, *names: str) -> Any:
    """The first of ``names`` set on ``value`` (the SDK spells some fields in camelCase
    in its 1.x releases, in snake_case since)."""
    for name in names:
        found = getattr(value, name, None)
        if found is not None:
            return found
    return None


# -- results -----------------------------------------------------------------------------------
def outcome_of(result: Any, seconds: float) -> Outcome:
    """A tool's result for the model: its text blocks (and what its other blocks are, in
    words), its structured content when it has no text, and its images; an ``isError``
    result is the call's error."""
    texts: list[str] = []
    images: list[ToolImage] = []
    for block in _field(result, "content") or []:
        kind = _field(block, "type")
        if kind == "text":
            texts.append(str(_field(block, "text") or ""))
        elif kind == "image":
            image = _image(block)
            if image is None:
                mime = _field(block, "mime_type", "mimeType")
                texts.append(f"(an image of type {mime} that could not be passed on)")
            else:
                images.append(image)
        elif kind == "resource":
            resource = _field(block, "resource")
            text = _field(resource, "text")
            uri = _field(resource, "uri")
            texts.append(text if isinstance(text, str) else f"(a resource: {uri})")
        elif kind == "resource_link":
            texts.append(f"(a resource: {_field(block, 'name')} <{_field(block, 'uri')}>)")
        else:
            texts.append(f"(a {kind} block, which cannot be passed on)")
    structured = _field(result, "structured_content", "structuredContent")
    if not texts and structured is not None:
        texts.append(json.dumps(structured, ensure_ascii=False))
    text = serialize("\n".join(texts))
    if images and not text:
        text = "An image, attached." if len(images) == 1 else f"{len(images)} images, attached."
    if _field(result, "is_error", "isError"):
        said = text or "the tool failed without saying why"
        return Outcome(f"Error: {said}", said, seconds, tuple(images))
    return Outcome(text, None, seconds, tuple(images))


def _image(block: Any) -> ToolImage | None:
    mime = str(_field(block, "mime_type", "mimeType") or "")
    try:
        data = base64.b64decode(str(_field(block, "data") or ""), validate=True)
    except (binascii.Error, ValueError):
        return None
    if mime not in IMAGE_TYPES or not data or len(data) > MAX_IMAGE_BYTES:
        return None
    return ToolImage(mime, data)


# -- the connections ---------------------------------------------------------------------------
class _Loop:
    """An asyncio event loop of our own, running on a daemon thread: where the ``mcp``
    SDK's client lives. The caller's thread (the kernel's, or the chat panel's worker)
    only waits on futures."""

    def __init__(self) -> None:
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(
            target=self.loop.run_forever, name="jupyter-responses-mcp", daemon=True
        )
        self.thread.start()

    def submit(self, coroutine: Coroutine[Any, Any, T]) -> concurrent.futures.Future[T]:
        return asyncio.run_coroutine_threadsafe(coroutine, self.loop)

    def stop(self) -> None:
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(STOP_TIMEOUT)


class _Timeout(Exception):
    """A step did not finish in time (it was cancelled)."""


def _wait(future: concurrent.futures.Future[T], timeout: float | None) -> T:
    """The future's result within ``timeout`` seconds (``None``: as long as it takes);
    on timeout or interrupt the step is cancelled."""
    try:
        return future.result(timeout)
    except concurrent.futures.TimeoutError:
        future.cancel()
        raise _Timeout from None
    except KeyboardInterrupt:
        future.cancel()
        raise


class LocalServer:
    """One open connection to a server (and, for a command, its process), held by a
    task on the loop until ``close``."""

    def __init__(self, spec: ServerSpec, loop: _Loop) -> None:
        self.spec = spec
        self._loop = loop
        self.session: Any = None
        self._closing: asyncio.Event | None = None
        self._ready: concurrent.futures.Future[None] = concurrent.futures.Future()
        self._log = _StderrLog() if spec.command else None
        self._held = loop.submit(self._hold())

    @property
    def alive(self) -> bool:
        return self.session is not None and not self._held.done()

    def start(self, timeout: float) -> None:
        """Wait until the server has answered ``initialize``; ``McpServerFailed`` (the
        connection closed, the process stopped) when it does not."""
        try:
            self._ready.result(timeout)
            return
        except concurrent.futures.TimeoutError:
            said = self._said(f"it did not answer within {timeout:g} s")
        except KeyboardInterrupt:
            self.close()
            raise
        except BaseException as error:  # CancelledError too: it never started
            said = self._said(_described(error, self.spec))
            if self.spec.url and not self.spec.headers and "an error" in said:
                said += (
                    f" If it wants a token, send it: --mcp-header {self.spec.label}:"
                    "Authorization=ENV_VAR (the variable holding the header's value)."
                )
        self.close()
        raise McpServerFailed(said)

    def run(self, step: Coroutine[Any, Any, T], timeout: float | None, what: str) -> T:
        """``step`` (a coroutine of the session's) on the loop, within ``timeout``."""
        try:
            return _wait(self._loop.submit(step), timeout)
        except _Timeout:
            raise McpServerFailed(self._said(f"{what} took longer than {timeout:g} s")) from None
        except (Exception, concurrent.futures.CancelledError) as error:
            raise McpServerFailed(self._said(_described(error, self.spec, what))) from None

    def close(self) -> None:
        """Close the connection (a command's process is stopped by the SDK); cancel it
        when it does not close in time."""
        closing = self._closing
        if closing is not None and not self._held.done():
            self._loop.loop.call_soon_threadsafe(closing.set)
        try:
            self._held.result(STOP_TIMEOUT)
        except BaseException:  # it failed, or it hangs: cancelled, and given a moment
            self._held.cancel()
            concurrent.futures.wait([self._held], STOP_TIMEOUT)
        if self._log is not None:
            self._log.close()

    def _said(self, what: str) -> str:
        """The one paragraph a failure is: the server, what went wrong, and what it
        wrote to stderr last."""
        said = f"--mcp-local {self.spec.label} ({self.spec.shown}): {what}."
        tail = self._log.tail() if self._log is not None else ""
        return f"{said} It wrote: {tail}" if tail else said

    async def _hold(self) -> None:
        from mcp import ClientSession

        self._closing = asyncio.Event()
        try:
            async with contextlib.AsyncExitStack() as stack:
                streams = await stack.enter_async_context(self._transport())
                session = await stack.enter_async_context(ClientSession(streams[0], streams[1]))
                await session.initialize()
                self.session = session
                self._ready.set_result(None)
                await self._closing.wait()
        except BaseException as error:
            if not self._ready.done():
                self._ready.set_exception(error)
            if not isinstance(error, Exception):
                raise
        finally:
            self.session = None

    def _transport(self) -> contextlib.AbstractAsyncContextManager[Any]:
        if self.spec.url:
            headers = {header: secret.value() for header, secret in self.spec.headers}
            return _http(self.spec.url, headers)
        from mcp import StdioServerParameters
        from mcp.client.stdio import stdio_client

        assert self._log is not None
        program, *args = self.spec.command
        parameters = StdioServerParameters(command=program, args=args, cwd=os.getcwd())
        return stdio_client(parameters, errlog=self._log.file)


@contextlib.asynccontextmanager
async def _http(url: str, headers: dict[str, str]) -> AsyncIterator[tuple[Any, Any]]:
    """The streamable HTTP transport, ``headers`` sent with every request: as mcp 2
    (and late 1.x) make it, through an HTTP client of its own, or as older 1.x do."""
    from mcp.client import streamable_http

    if hasattr(streamable_http, "streamable_http_client"):
        from mcp.shared._httpx_utils import create_mcp_http_client

        async with create_mcp_http_client(headers=headers) as client:
            opened = streamable_http.streamable_http_client(url, http_client=client)
            async with opened as streams:
                yield streams[0], streams[1]
    else:  # pragma: no cover - mcp 1.x before streamable_http_client
        opened = streamable_http.streamablehttp_client(url, headers=headers)  # type: ignore[attr-defined]
        async with opened as streams:
            yield streams[0], streams[1]


class _StderrLog:
    """Where a command's stderr goes (a file: the kernel's own stderr may be no real
    file), so a failure can quote its last lines."""

    def __init__(self) -> None:
        handle, self.path = tempfile.mkstemp(prefix="jupyter-responses-mcp-", suffix=".log")
        os.close(handle)
        self.file = open(self.path, "a", encoding="utf-8")  # noqa: SIM115 - open while it runs

    def tail(self) -> str:
        try:
            text = Path(self.path).read_text(encoding="utf-8", errors="replace")
        except OSError:
            return ""
        lines = [line for line in text.strip().splitlines() if line.strip()]
        said = " ".join(" ".join(lines[-5:]).split())
        return said if len(said) <= STDERR_CHARS else "…" + said[-STDERR_CHARS:]

    def close(self) -> None:
        self.file.close()
        with contextlib.suppress(OSError):
            os.unlink(self.path)


def _described(error: BaseException, spec: ServerSpec, what: str = "") -> str:
    """What went wrong, in a few words: the first real error of an exception group
    (the SDK's task groups raise them), named for what it means."""
    inner = getattr(error, "exceptions", None)
    while isinstance(inner, tuple) and inner and isinstance(inner[0], BaseException):
        error = inner[0]
        inner = getattr(error, "exceptions", None)
    name = type(error).__name__
    doing = f"{what}: " if what else ""
    if isinstance(error, FileNotFoundError | PermissionError) and spec.command:
        return f"could not start it ({error.strerror or name})"
    if name in ("ConnectError", "ConnectTimeout") or isinstance(error, ConnectionError):
        return f"could not connect to it ({name})"
    if name in ("EndOfStream", "ClosedResourceError", "BrokenResourceError") or (
        "connection closed" in str(error).lower()
    ):
        return f"{doing}it closed the connection (it may have stopped)"
    if isinstance(error, concurrent.futures.CancelledError | asyncio.CancelledError):
        return f"{doing}it was cancelled"
    if name in ("MCPError", "McpError"):
        return f"{doing}it answered with an error: {error}"
    if name == "HTTPStatusError":
        status = getattr(getattr(error, "response", None), "status_code", "?")
        return f"{doing}it answered HTTP {status}"
    return f"{doing}{name}: {error}" if str(error) else f"{doing}{name}"


class LocalServers:
    """This kernel's open connections to local servers, by label."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._servers: dict[str, LocalServer] = {}
        self._loop: _Loop | None = None

    def connect(self, spec: ServerSpec) -> LocalServer:
        """The open connection to ``spec``: the one open already, else a new one (the
        label's earlier server closed first, if it was another or has died)."""
        with self._lock:
            server = self._servers.get(spec.label)
            if server is not None and server.spec == spec and server.alive:
                return server
            if server is not None:
                del self._servers[spec.label]
                server.close()
            if self._loop is None:
                self._loop = _Loop()
                atexit.register(self.close)
            server = LocalServer(spec, self._loop)
            server.start(START_TIMEOUT)
            self._servers[spec.label] = server
            return server

    def tools(self, spec: ServerSpec) -> list[Any]:
        """The tools the server offers now (every page of its list)."""
        server = self.connect(spec)
        return server.run(_list_tools(server.session), LIST_TIMEOUT, "listing its tools")

    def call(
        self, spec: ServerSpec, tool: str, arguments: dict[str, Any], timeout: float | None
    ) -> Any:
        """Call ``tool``; ``McpServerFailed`` when the server cannot (a server that died
        is forgotten, so the next turn starts it again)."""
        with self._lock:
            server = self._servers.get(spec.label)
        if server is None or server.spec != spec or not server.alive:
            server = self.connect(spec)
        session = server.session
        if session is None:  # it closed a moment ago
            server = self.connect(spec)
            session = server.session
        try:
            return server.run(session.call_tool(tool, arguments), timeout, f"calling {tool}")
        except McpServerFailed:
            if not server.alive:
                self._forget(server)
            raise

    def running(self) -> dict[str, ServerSpec]:
        """The servers open now, by label."""
        with self._lock:
            return {label: s.spec for label, s in self._servers.items() if s.alive}

    def _forget(self, server: LocalServer) -> None:
        with self._lock:
            if self._servers.get(server.spec.label) is server:
                del self._servers[server.spec.label]
        server.close()

    def close(self) -> None:
        """Close every connection (stopping the processes) and the loop: the
        extension's unload, and the kernel's exit."""
        with self._lock:
            servers, self._servers = list(self._servers.values()), {}
            loop, self._loop = self._loop, None
        for server in servers:
            server.close()
        if loop is not None:
            loop.stop()
            atexit.unregister(self.close)


async def _list_tools(session: Any) -> list[Any]:
    """Every tool the server lists, following its pages (``params`` in mcp 2, a
    ``cursor`` argument in 1.x)."""
    import inspect

    result = await session.list_tools()
    tools = list(_field(result, "tools") or [])
    cursor = _field(result, "next_cursor", "nextCursor")
    paged = "params" in inspect.signature(session.list_tools).parameters
    while cursor:
        if paged:
            from mcp.types import PaginatedRequestParams

            result = await session.list_tools(params=PaginatedRequestParams(cursor=cursor))
        else:  # pragma: no cover - mcp 1.x
            result = await session.list_tools(cursor=cursor)
        tools += list(_field(result, "tools") or [])
        cursor = _field(result, "next_cursor", "nextCursor")
    return tools


#: This kernel's local servers.
SERVERS = LocalServers()
