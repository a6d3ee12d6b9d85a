"""The ``openai.OpenAI`` client, made once per configuration.

It honours ``OPENAI_API_KEY`` and ``OPENAI_BASE_URL`` exactly as the SDK does; the
``base_url`` trait overrides the environment. A server reached through an explicit
base URL (a local emulator, vLLM, Ollama...) may need no key: then a placeholder is
sent. The key itself is only ever held in memory, by the SDK.
"""

from __future__ import annotations

import hashlib
import os
from typing import TYPE_CHECKING

from .errors import ConfigurationError

if TYPE_CHECKING:
    from openai import OpenAI

    from .config import Settings

NO_KEY_PLACEHOLDER = "no-key-required"

_clients: dict[tuple[str, str | None, float, int], OpenAI] = {}


def key_present() -> bool:
    return bool(os.environ.get("OPENAI_API_KEY"))


def make_client(settings: Settings) -> OpenAI:
    import openai

    key = os.environ.get("OPENAI_API_KEY")
    base_url = settings.base_url or os.environ.get("OPENAI_BASE_URL") or None
    if not key and not base_url:
        raise ConfigurationError(
            "No API key: set OPENAI_API_KEY in the environment the kernel started from (then "
            "restart it), or point OPENAI_BASE_URL at a server that needs none, such as the "
            "local emulator (python -m jupyter_responses.emulator)."
        )
    fingerprint = hashlib.sha256((key or "").encode()).hexdigest()
    cache_key = (fingerprint, base_url, settings.timeout, settings.max_retries)
    if cache_key not in _clients:
        _clients[cache_key] = openai.OpenAI(
            api_key=key or NO_KEY_PLACEHOLDER,
            base_url=base_url,
            timeout=settings.timeout,
            max_retries=settings.max_retries,
        )
    return _clients[cache_key]
