"""Stop from another thread: the chat panel's Stop button while its worker streams.

A flag checked between events is not enough: a server that goes quiet mid-stream (a
reasoning model thinking, a stalled proxy) sends no next event, and a blocked socket
read ignores ``close()`` from another thread. So a stream being read registers how to
cut it, and ``set()`` shuts its socket down, which ends the read at once.
"""

from __future__ import annotations

import socket
import threading
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager, nullcontext, suppress
from typing import Any


class Cancel:
    def __init__(self) -> None:
        #: Whether Stop was asked for: a plain attribute, read between events (per
        #: token) where a ``threading.Event``'s ``is_set()`` would be two calls.
        self.requested = False
        self._lock = threading.Lock()
        self._aborts: list[Callable[[], None]] = []

    def set(self) -> None:
        """Ask the turn to stop, and cut the stream it is reading, if any."""
        with self._lock:  # held while cutting, so a stream cannot unregister meanwhile
            self.requested = True
            for abort in self._aborts:
                abort()

    def clear(self) -> None:
        self.requested = False

    def is_set(self) -> bool:
        return self.requested

    @contextmanager
    def cutting(self, response: Any) -> Iterator[None]:
        """While the body of ``response`` (an ``httpx`` response) is read, ``set()``
        shuts its connection down. Leave before the response is closed, so a pooled
        connection reused later is never touched."""
        abort = _shutdown_callback(response)
        with self._lock:
            self._aborts.append(abort)
            if self.requested:
                abort()
        try:
            yield
        finally:
            with self._lock:
                self._aborts.remove(abort)


def cutting(cancel: Cancel | None, response: Any) -> AbstractContextManager[None]:
    """``cancel.cutting(response)``, or nothing to do without a ``cancel``."""
    return nullcontext() if cancel is None else cancel.cutting(response)


def _shutdown_callback(response: Any) -> Callable[[], None]:
    def shutdown() -> None:
        stream = getattr(response, "extensions", {}).get("network_stream")
        sock = stream.get_extra_info("socket") if stream is not None else None
        if sock is None:  # a transport without httpcore's socket access: best effort
            response.close()
            return
        with suppress(OSError):  # already closed by the other side
            sock.shutdown(socket.SHUT_RDWR)

    return shutdown
