"""Prompt caching as OpenAI reports it: a prompt whose start repeats an earlier one's
reads that prefix from the cache, once it is 1,024 tokens or more, in steps of 128.

Prompts are grouped as the API routes them, by model and ``prompt_cache_key``; within a
group the longest common prefix with any earlier prompt counts. A prompt of 1,024
tokens or more writes its whole blocks to the cache (what it did not read). Tokens are
the emulator's usual four characters each (``usage.count_tokens``), so a client sees a
chained or resent conversation hit the cache exactly when the real API would: when what
it sends is a byte-identical continuation of what it sent before.
"""

from __future__ import annotations

import threading
from collections import deque
from dataclasses import dataclass

#: The shortest prefix that is cached, and the step cached prefixes grow by (tokens).
MIN_TOKENS = 1024
STEP = 128
#: Characters per token (``usage.count_tokens``).
CHARS_PER_TOKEN = 4
#: Prompts remembered per group (the oldest are forgotten, as a cache evicts).
REMEMBERED = 64


@dataclass(frozen=True)
class CacheUse:
    cached_tokens: int = 0
    cache_write_tokens: int = 0


def blocks(tokens: int) -> int:
    """``tokens`` rounded down to what the cache holds (0 under ``MIN_TOKENS``)."""
    if tokens < MIN_TOKENS:
        return 0
    return MIN_TOKENS + (tokens - MIN_TOKENS) // STEP * STEP


class PromptCache:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._seen: dict[tuple[str, str], deque[str]] = {}

    def use(self, model: str, key: str | None, prompt: str, input_tokens: int) -> CacheUse:
        """What sending ``prompt`` (counted as ``input_tokens``) reads from and writes
        to the cache; it is remembered for the prompts after it."""
        with self._lock:
            seen = self._seen.setdefault((model, key or ""), deque(maxlen=REMEMBERED))
            common = max((_common_prefix(prompt, earlier) for earlier in seen), default=0)
            seen.append(prompt)
        cached = min(blocks(common // CHARS_PER_TOKEN), input_tokens)
        written = max(blocks(input_tokens) - cached, 0)
        return CacheUse(cached, written)


def _common_prefix(a: str, b: str) -> int:
    """The length of the longest common prefix: a binary search over slice
    comparisons, which run at C speed (a loop over characters would not)."""
    low, high = 0, min(len(a), len(b))
    while low < high:
        middle = (low + high + 1) // 2
        if a[:middle] == b[:middle]:
            low = middle
        else:
            high = middle - 1
    return low
