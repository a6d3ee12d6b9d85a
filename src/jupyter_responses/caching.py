"""Prompt caching: the key a thread's requests share, and how long the server keeps it.

OpenAI caches a prompt's prefix automatically (1,024 tokens or more) and routes
requests to a cache by a hash of their start plus ``prompt_cache_key``. A key per
thread keeps one thread's requests on one cache even when threads share a long
system prompt; it is a hash of the conversation's id, so no text of the conversation
(and nothing of the user's) leaves in it. Both APIs take the same parameters.
"""

from __future__ import annotations

import hashlib
from typing import Any

#: ``prompt_cache_key`` setting values with a meaning of their own.
AUTO, OFF = "auto", "off"
#: Retention values of ``prompt_cache_retention`` (older models; deprecated in the SDK
#: but what they take) and of ``prompt_cache_options.ttl`` (newer ones).
LEGACY_RETENTIONS = ("in_memory", "24h")
TTLS = ("30m", "12h")
RETENTIONS = (*LEGACY_RETENTIONS, *TTLS)


def thread_key(conversation_id: str) -> str:
    """The ``auto`` key of a conversation: stable across restarts (the id is saved)."""
    return "jr-" + hashlib.sha256(conversation_id.encode()).hexdigest()[:24]


def resolve(setting: str | None, conversation_id: str) -> str | None:
    """The key to send for ``setting`` (``auto``, ``off`` or a key of the user's)."""
    if not setting or setting == OFF:
        return None
    return thread_key(conversation_id) if setting == AUTO else setting


def request_params(key: str | None, retention: str | None) -> dict[str, Any]:
    """The request fields for a key and a retention, the same on both APIs."""
    params: dict[str, Any] = {}
    if key:
        params["prompt_cache_key"] = key
    if retention in LEGACY_RETENTIONS:
        params["prompt_cache_retention"] = retention
    elif retention in TTLS:
        params["prompt_cache_options"] = {"ttl": retention}
    return params
