"""A local OpenAI-compatible server that speaks the Responses and Chat Completions
wire protocols exactly, for tests and the offline demo.

    with Emulator() as emu:
        emu.enqueue(script.text("Hello!", deltas=3))
        client = OpenAI(base_url=emu.url, api_key="anything")
        ...
        assert emu.requests("/v1/responses")[-1].body["model"] == "gpt-4.1"

Run it standalone with ``python -m jupyter_responses.emulator``.
"""

from __future__ import annotations

import threading
from types import TracebackType
from typing import Any

from . import batch_lines, script
from .batches import BatchSpeed
from .context_window import Override
from .rate_limits import Limits, RateLimits
from .script import Scripted
from .server import EmulatorServer
from .state import EmulatorState, RecordedRequest

__all__ = ["BatchSpeed", "Emulator", "RateLimits", "RecordedRequest", "script"]


class Emulator:
    """The emulator on a free port of 127.0.0.1, served from a background thread.

    ``api_key``: when set, requests without that bearer token get OpenAI's 401 body.
    ``models``: when set, only these models exist (others get a 404 ``model_not_found``).
    ``context_window``: input tokens every model takes (an int), or a size per model name
    (a dict); else each model's real window (``context_window.WINDOWS``). A few thousand
    lets a test reach the limit; settable later as ``emu.context_window``.
    ``rate_limits``: ``RateLimits(requests_per_minute=..., tokens_per_minute=...)`` for
    every model (or a ``{model: RateLimits}`` dict): answers carry OpenAI's
    ``x-ratelimit-*`` headers and a request over a limit gets its 429 (``rate_limits.py``);
    settable later as ``emu.rate_limits``.
    ``batch_speed``: how long a Batch API batch spends validating, on each line and
    finalizing (``BatchSpeed``; default: no wait); settable later as ``emu.batch_speed``.
    """

    def __init__(
        self,
        host: str = "127.0.0.1",
        port: int = 0,
        api_key: str | None = None,
        models: list[str] | None = None,
        context_window: Override = None,
        rate_limits: Limits = None,
        batch_speed: BatchSpeed | None = None,
    ) -> None:
        self.state = EmulatorState(api_key)
        self._server = EmulatorServer((host, port), self.state, models, context_window)
        self._server.batch_lines = batch_lines.answerer(self._server)
        self.state.rate_limiter.limits = rate_limits
        self.batch_speed = batch_speed or BatchSpeed()
        self._thread: threading.Thread | None = None

    @property
    def context_window(self) -> Override:
        """The context windows used instead of the real ones (``None``: the real ones)."""
        return self._server.context_window

    @context_window.setter
    def context_window(self, value: Override) -> None:
        self._server.context_window = value

    @property
    def rate_limits(self) -> Limits:
        """The limits requests are held to (``None``: none); setting them refills."""
        return self.state.rate_limiter.limits

    @rate_limits.setter
    def rate_limits(self, value: Limits) -> None:
        self.state.rate_limiter.limits = value

    @property
    def batch_speed(self) -> BatchSpeed:
        """How long batches created from now on take (``BatchSpeed``)."""
        return self._server.batch_speed

    @batch_speed.setter
    def batch_speed(self, value: BatchSpeed) -> None:
        self._server.batch_speed = value

    @property
    def url(self) -> str:
        """The base URL to give the SDK (``OPENAI_BASE_URL``), ending in ``/v1``."""
        host, port = self._server.server_address[:2]
        host = host.decode() if isinstance(host, bytes) else host
        return f"http://{host}:{port}/v1"

    def start(self) -> Emulator:
        if self._thread is None:
            self._thread = threading.Thread(
                target=self._server.serve_forever,
                kwargs={"poll_interval": 0.05},
                daemon=True,
                name="openai-emulator",
            )
            self._thread.start()
        return self

    def stop(self) -> None:
        self.state.stop_runs()  # background runs end first: their streams hold handlers
        if self._thread is not None:
            self._server.shutdown()
            self._thread.join(timeout=5)
            self._thread = None
        self._server.server_close()

    def __enter__(self) -> Emulator:
        return self.start()

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    def enqueue(self, *items: Scripted) -> None:
        """Queue what the next model calls answer, in order."""
        self.state.enqueue(*items)

    def requests(self, path: str | None = None) -> list[RecordedRequest]:
        """The requests received so far (only those to ``path`` when given)."""
        with self.state.lock:
            return [r for r in self.state.requests if path is None or r.path == path]

    def reset(self) -> None:
        """Forget the script, stored responses (stopping background runs), batches
        (stopping them), files and recorded requests; refill the rate limits (which stay
        set, as the context window does)."""
        self.state.reset()

    def stored_response(self, response_id: str) -> dict[str, Any] | None:
        with self.state.lock:
            stored = self.state.responses.get(response_id)
        return stored.response if stored else None
