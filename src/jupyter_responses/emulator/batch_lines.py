"""A Batch API line answered by the emulator's own HTTP handler, with no connection.

A batch's lines must be answered exactly as the same requests sent one by one would be
(validation, scripted replies and faults, the default model, stored responses), so a
line runs the very route method an HTTP request runs (``Handler.create_response``,
``Handler.chat_completion``), found through the same ``ROUTES``, on a handler that has
no socket. What an HTTP request adds around the route is left out, as OpenAI's batch
runner leaves it out: the line is not in the request log (``emu.requests()`` lists what
clients sent; the input file is there) and counts against no rate limit.

``Emulator`` hands ``answerer(server)`` to its server (``server.batch_lines``): this
module imports the server, so the server cannot import it.
"""

from __future__ import annotations

from email.message import Message
from typing import Any

from .batches import Answer
from .errors import ApiError
from .server import ROUTES, EmulatorServer, Handler


class _LineHandler(Handler):
    """The handler's route methods on a request that came from a batch file."""

    def __init__(self, server: EmulatorServer) -> None:
        # Not BaseHTTPRequestHandler.__init__: that would serve a connection.
        self.server = server
        self.query = {}
        self.headers = Message()
        self.limit_headers = {}
        self.dropped = False

    def _drop_connection(self) -> None:
        """A scripted disconnect: the line fails as a server error (see ``answer``)."""
        self.dropped = True


def answerer(server: EmulatorServer) -> Answer:
    """What a batch of ``server`` calls to answer each of its lines."""

    def answer(url: str, body: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        handler = _LineHandler(server)
        name = _route(url)
        try:
            result = getattr(handler, name)(body)
        except ApiError as error:
            return error.status, error.body()
        if handler.dropped or not isinstance(result, dict):  # a drop, or a stream
            return 500, ApiError(500).body()
        return 200, result

    return answer


def _route(url: str) -> str:
    """The name of the handler method ``POST url`` runs."""
    for verb, pattern, name in ROUTES:
        if verb == "POST" and pattern.fullmatch(url):
            return name
    raise ValueError(f"no route for POST {url}")  # batches.SERVED are all routed
