"""A session's way to its server: the SDK client for the current settings, the files it
has sent, and what it has noticed about servers that speak the protocols loosely.

One object per session, handed to every backend call, instead of process-wide state:
two sessions (two shells in one process, or tests) never share a client cache, files
or quirks. The client honours ``OPENAI_API_KEY`` and ``OPENAI_BASE_URL`` exactly as
the SDK does; the ``base_url`` trait overrides the environment. A server reached
through an explicit base URL (the emulator, vLLM, Ollama...) may need no key: then a
placeholder is sent. The key itself is only ever held in memory, by the SDK.

The SDK retries a request that met a 429, a 5xx or no answer by itself (``max_retries``),
waiting in between; the connection tells the turn running on the calling thread (see
``retries_shown_to``) each wait as a ``Retrying`` event, so it is not silence.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import os
import threading
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any

from ..attachments import FileStore
from ..errors import ConfigurationError
from ..events import Retrying
from .errors import mapped_errors

if TYPE_CHECKING:
    from openai import OpenAI

    from ..config import Settings

NO_KEY_PLACEHOLDER = "no-key-required"

#: Called with each wait of the SDK before it retries (on the thread that waits).
RetryListener = Callable[[Retrying], None]


def key_present() -> bool:
    return bool(os.environ.get("OPENAI_API_KEY"))


class ServerQuirks:
    """What this session has noticed about servers, by base URL: the backends then stop
    sending what a server mishandles, instead of failing (or retrying) on every turn.
    Kept for the session's life, never saved."""

    #: quirk -> what it means, for ``%responses status``
    MEANINGS = {
        "ignores_previous_response_id": "ignores previous_response_id (history is resent)",
        "no_stream_options": "rejects stream_options (not sent)",
        "no_files_api": "has no Files API (documents are sent inline)",
    }

    def __init__(self) -> None:
        self._seen: dict[str, set[str]] = {}

    @staticmethod
    def _key(base_url: object) -> str:
        return str(base_url).rstrip("/")

    def note(self, base_url: object, quirk: str) -> None:
        self._seen.setdefault(self._key(base_url), set()).add(quirk)

    def has(self, base_url: object, quirk: str) -> bool:
        return quirk in self._seen.get(self._key(base_url), ())

    def of(self, base_url: object) -> list[str]:
        """What was noticed about ``base_url``, as words for the user."""
        return [self.MEANINGS[q] for q in sorted(self._seen.get(self._key(base_url), ()))]


class Connection:
    def __init__(
        self,
        settings: Callable[[], Settings],
        on_response: Callable[[Any], None] | None = None,
    ) -> None:
        """``on_response``: told of every answer (an ``httpx`` response, headers read,
        body not): a map paces itself by the rate-limit headers."""
        self.settings = settings
        self.files = FileStore()
        self.quirks = ServerQuirks()
        self._clients: dict[tuple[str, str | None, str, float, int], OpenAI] = {}
        self._lock = threading.Lock()
        self._retries = _Retries()
        self._on_response = on_response

    def client(self) -> OpenAI:
        """The client for the settings as they are now (made once per configuration);
        ``ConfigurationError`` when there is neither a key nor a server to ask."""
        settings = self.settings()
        key = os.environ.get("OPENAI_API_KEY")
        base_url, source = base_url_of(settings)
        if not key and not base_url:
            raise ConfigurationError(
                "No API key: set OPENAI_API_KEY in the environment the kernel started from "
                "(then restart it), or point OPENAI_BASE_URL (or %config "
                "ResponsesMagics.base_url) at a server that needs none, such as the local "
                "emulator (python -m jupyter_responses.emulator).",
                heading="No API key",
            )
        fingerprint = hashlib.sha256((key or "").encode()).hexdigest()
        cache_key = (fingerprint, base_url, source, settings.timeout, settings.max_retries)
        with self._lock:
            if cache_key not in self._clients:
                self._clients[cache_key] = _client_type()(
                    api_key=key or NO_KEY_PLACEHOLDER,
                    base_url=base_url,
                    timeout=settings.timeout,
                    max_retries=settings.max_retries,
                    event_hooks={
                        "request": [self._retries.sending],
                        "response": [self._retries.answered]
                        + ([self._on_response] if self._on_response else []),
                    },
                    base_url_source=source,
                    retry_listener=self._retries.waiting,
                )
            return self._clients[cache_key]

    def models(self) -> list[str]:
        """The ids of the models the server lists, sorted."""
        client = self.client()
        with mapped_errors(client):
            return sorted(model.id for model in client.models.list())

    # -- the SDK's retries ---------------------------------------------------------------
    @contextlib.contextmanager
    def retries_shown_to(self, listener: RetryListener) -> Iterator[None]:
        """While the block runs, each wait of the SDK before a retry made on this
        thread goes to ``listener`` (a turn's view) as a ``Retrying`` event."""
        local = self._retries.local
        before = getattr(local, "listener", None)
        local.listener = listener
        try:
            yield
        finally:
            local.listener = before


class _Retries:
    """What the clients' hooks report, kept per thread (a panel turn runs on a worker
    thread while the kernel's main thread may ask the server too): who hears of
    retries, and the status of the last answer. Apart from the ``Connection`` so that
    its clients, which hold these hooks, hold no reference back to it: a session
    dropped is freed at once, sockets closed, not left to the cycle collector."""

    def __init__(self) -> None:
        self.local = threading.local()

    def sending(self, request: Any) -> None:
        """httpx hook: a request goes out (a retry too), with no answer yet."""
        self.local.status = None

    def answered(self, response: Any) -> None:
        """httpx hook: the status of the answer, for the wait that may follow it."""
        self.local.status = response.status_code

    def waiting(self, seconds: float, attempt: int) -> None:
        """The SDK is about to wait ``seconds`` before retry number ``attempt``: tell
        this thread's listener, with the status that made it retry (``None``: no answer
        came). A listener that fails must not cost the request: it is not told again."""
        listener: RetryListener | None = getattr(self.local, "listener", None)
        if listener is None:
            return
        status = getattr(self.local, "status", None)
        try:
            listener(Retrying(seconds, status, attempt))
        except Exception:
            self.local.listener = None


def base_url_of(settings: Settings) -> tuple[str | None, str]:
    """The base URL requests go to and where it was set (a key of ``URL_SOURCES`` in
    ``backends.errors``): the ``base_url`` trait, else ``OPENAI_BASE_URL``, else
    neither (the SDK's own default, OpenAI)."""
    if settings.base_url:
        return settings.base_url, "config"
    if os.environ.get("OPENAI_BASE_URL"):
        return os.environ["OPENAI_BASE_URL"], "env"
    return None, "default"


@functools.cache
def _client_type() -> Callable[..., OpenAI]:
    """``openai.OpenAI`` that says where its base URL was set (``base_url_source``, a
    key of ``backends.errors.URL_SOURCES``, for the advice in our errors), reports
    each wait before a retry to ``retry_listener`` and calls httpx's ``event_hooks``
    for each request and answer. (A copy made by ``with_options`` keeps neither
    attribute; nothing here makes one.)

    The wait is read where the SDK computes it (``_calculate_retry_timeout``, which
    it calls once per retry, right before sleeping): honouring ``retry-after`` and
    its backoff exactly as it does, rather than guessing them again here. If a later
    SDK renames it, the notes stop and nothing else changes (tests/core checks them).
    Made on first use: openai is not imported with the package."""
    import openai

    class HttpClient(openai.DefaultHttpxClient):
        """The SDK's defaults, closed when collected as the client the SDK makes is
        (a session's clients are dropped, never closed, when it ends)."""

        def __del__(self) -> None:
            with contextlib.suppress(Exception):
                if not self.is_closed:
                    self.close()

    class Client(openai.OpenAI):
        def __init__(
            self,
            *,
            base_url_source: str = "default",
            retry_listener: Callable[[float, int], None] | None = None,
            event_hooks: dict[str, list[Callable[[Any], None]]] | None = None,
            **options: Any,
        ) -> None:
            if event_hooks is not None:
                options["http_client"] = HttpClient(event_hooks=event_hooks)
            super().__init__(**options)
            self.base_url_source = base_url_source  # read by backends.errors
            self.retry_listener = retry_listener

        def _calculate_retry_timeout(
            self, remaining_retries: int, options: Any, response_headers: Any = None
        ) -> float:
            seconds = super()._calculate_retry_timeout(remaining_retries, options, response_headers)
            if self.retry_listener is not None:
                try:
                    retries = int(options.get_max_retries(self.max_retries))
                except (AttributeError, TypeError, ValueError):
                    retries = self.max_retries
                self.retry_listener(seconds, retries - remaining_retries + 1)
            return seconds

    return Client
