"""A small MCP server for the tests, made with the ``mcp`` SDK's FastMCP (``MCPServer``
since mcp 2): ``python tests/mcp_servers/server.py [--http PORT] [--pid-file PATH]
[--token-env VAR]`` (a script that needs only the SDK: it runs from anywhere).

Its tools: ``add`` (integers), ``shout`` (text), ``fail`` (raises: the result is an
error), ``red_dot`` (an image), ``slow`` (sleeps). Over stdio by default; with
``--http`` a streamable HTTP server on 127.0.0.1:PORT at ``/mcp``, which answers 401 to
a request whose ``Authorization`` header is not the value of ``--token-env``'s
variable, when given (the value itself is never written anywhere). It writes its
process id to ``--pid-file``, so a test can check it stopped."""

from __future__ import annotations

import argparse
import base64
import os
import time
from pathlib import Path

try:  # mcp 2
    from mcp.server.mcpserver import MCPServer as FastMCP
    from mcp.server.mcpserver.exceptions import ToolError
    from mcp.server.mcpserver.utilities.types import Image
except ImportError:  # mcp 1.x
    from mcp.server.fastmcp import FastMCP  # type: ignore[no-redef]
    from mcp.server.fastmcp.exceptions import ToolError  # type: ignore[no-redef]
    from mcp.server.fastmcp.utilities.types import Image  # type: ignore[no-redef]

#: A 1x1 red PNG.
RED_DOT = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8DwHwAFBQIAX8jx0gAAAABJRU5ErkJggg=="
)

server = FastMCP("tests-server")


@server.tool()
def add(a: int, b: int) -> int:
    """Add two integers."""
    return a + b


@server.tool()
def shout(text: str) -> str:
    """The text in capitals, with an exclamation mark."""
    return text.upper() + "!"


@server.tool()
def fail(reason: str) -> str:
    """Always fails, saying why."""
    raise ToolError(f"failed on purpose: {reason}")


@server.tool()
def red_dot() -> Image:
    """A picture of a red dot."""
    return Image(data=RED_DOT, format="png")


@server.tool()
def slow(seconds: float) -> str:
    """Sleeps, then says so."""
    time.sleep(seconds)
    return f"slept {seconds:g} s"


def _http(port: int, token_env: str | None) -> None:
    import uvicorn
    from starlette.responses import PlainTextResponse

    app = server.streamable_http_app()
    expected = os.environ[token_env] if token_env else None

    async def guarded(scope, receive, send):  # type: ignore[no-untyped-def]
        if scope["type"] == "http" and expected is not None:
            headers = dict(scope.get("headers") or [])
            if headers.get(b"authorization", b"").decode() != expected:
                await PlainTextResponse("unauthorized", status_code=401)(scope, receive, send)
                return
        await app(scope, receive, send)

    uvicorn.run(guarded, host="127.0.0.1", port=port, log_level="warning")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--http", type=int, metavar="PORT")
    parser.add_argument("--pid-file")
    parser.add_argument("--token-env")
    args = parser.parse_args()
    if args.pid_file:
        Path(args.pid_file).write_text(str(os.getpid()))
    if args.http:
        _http(args.http, args.token_env)
    else:
        server.run()


if __name__ == "__main__":
    main()
