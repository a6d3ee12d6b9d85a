"""A session's way to its server: the SDK client for the current settings, the files it
has sent, and what it has noticed about servers that speak the protocols loosely.

One object per session, handed to every backend call, instead of process-wide state:
two sessions (two shells in one process, or tests) never share a client cache, files
or quirks. The client honours ``OPENAI_API_KEY`` and ``OPENAI_BASE_URL`` exactly as
the SDK does; the ``base_url`` trait overrides the environment. A server reached
through an explicit base URL (the emulator, vLLM, Ollama...) may need no key: then a
placeholder is sent. The key itself is only ever held in memory, by the SDK.
"""

from __future__ import annotations

import hashlib
import os
import threading
from collections.abc import Callable
from typing import TYPE_CHECKING

from ..attachments import FileStore
from ..errors import ConfigurationError
from .errors import mapped_errors

if TYPE_CHECKING:
    from openai import OpenAI

    from ..config import Settings

NO_KEY_PLACEHOLDER = "no-key-required"


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
    def __init__(self, settings: Callable[[], Settings]) -> None:
        self.settings = settings
        self.files = FileStore()
        self.quirks = ServerQuirks()
        self._clients: dict[tuple[str, str | None, float, int], OpenAI] = {}
        self._lock = threading.Lock()

    def client(self) -> OpenAI:
        """The client for the settings as they are now (made once per configuration);
        ``ConfigurationError`` when there is neither a key nor a server to ask."""
        import openai

        settings = self.settings()
        key = os.environ.get("OPENAI_API_KEY")
        base_url = settings.base_url or os.environ.get("OPENAI_BASE_URL") or None
        if not key and not base_url:
            raise ConfigurationError(
                "No API key: set OPENAI_API_KEY in the environment the kernel started from "
                "(then restart it), or point OPENAI_BASE_URL at a server that needs none, such "
                "as the local emulator (python -m jupyter_responses.emulator)."
            )
        fingerprint = hashlib.sha256((key or "").encode()).hexdigest()
        cache_key = (fingerprint, base_url, settings.timeout, settings.max_retries)
        with self._lock:
            if cache_key not in self._clients:
                self._clients[cache_key] = openai.OpenAI(
                    api_key=key or NO_KEY_PLACEHOLDER,
                    base_url=base_url,
                    timeout=settings.timeout,
                    max_retries=settings.max_retries,
                )
            return self._clients[cache_key]

    def models(self) -> list[str]:
        """The ids of the models the server lists, sorted."""
        client = self.client()
        with mapped_errors(client):
            return sorted(model.id for model in client.models.list())
