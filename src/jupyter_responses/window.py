"""The model's context window: how big it is, how full a conversation keeps it, and
what a turn is about to send.

Sizes ship as ``data/context_windows.json`` (dated, like the prices), and the
``context_windows`` trait adds or replaces models for other servers; a model neither
knows has no gauge, never a guessed one. After a turn, the conversation fills what the
server counted for its last request: that request's input and the answer it wrote
(both go into the next turn). Before a turn, the size of what it sends is estimated
from that plus the new message (four characters a token), and asked of the server
(``Backend.count_tokens``) only when the estimate comes near the warning threshold.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypedDict

from . import model_tables
from .transcript import WindowRecord

#: Characters per token, for estimates (the rule of thumb the emulator counts by too).
CHARS_PER_TOKEN = 4


class WindowTable(TypedDict):
    read: str
    source: str
    unit: str
    models: dict[str, int]


def shipped() -> WindowTable:
    """The table in the package (read once)."""
    table: WindowTable = model_tables.shipped("context_windows.json")
    return table


def check_windows(value: Any) -> dict[str, int]:
    """The ``context_windows`` trait's value, checked: ``{model: tokens}``; raises
    ``ValueError`` in one sentence."""
    if not isinstance(value, Mapping):
        raise ValueError(
            'context_windows must be a dict of model -> tokens, like {"my-model": 32768}.'
        )
    for model, size in value.items():
        if isinstance(size, bool) or not isinstance(size, int) or size < 1:
            raise ValueError(
                f"context_windows[{model!r}] must be a number of tokens, not {size!r}."
            )
    return {str(model): int(size) for model, size in value.items()}


def size_of(model: str, overrides: Mapping[str, int] | None = None) -> int | None:
    """The context window of ``model`` (or of the model a snapshot of it is)."""
    return model_tables.for_model(model, shipped()["models"], overrides)


def tokens_of(text: str) -> int:
    """An estimate of ``text``'s tokens."""
    return (len(text) + CHARS_PER_TOKEN - 1) // CHARS_PER_TOKEN


def short(tokens: int) -> str:
    """``950``, ``41.2k``, ``1M``, ``1.05M``: a count at a glance."""
    if tokens < 1000:
        return str(tokens)
    if tokens < 1_000_000:
        value, unit = tokens / 1000, "k"
    else:
        value, unit = tokens / 1_000_000, "M"
    shown = f"{value:.1f}" if value < 100 else f"{value:.0f}"
    if unit == "M":
        shown = f"{value:.2f}".rstrip("0").rstrip(".")
    return shown.removesuffix(".0") + unit


def gauge(record: WindowRecord) -> str:
    """``41.2k of 128k tokens``: how full the window is."""
    return f"{short(record['used'])} of {short(record['size'])} tokens"


def share(record: WindowRecord) -> float:
    return record["used"] / record["size"] if record["size"] else 0.0


def estimate(history_used: int | None, history_texts: list[str], new_texts: list[str]) -> int:
    """What a turn is about to send, in tokens: what the conversation filled after its
    last turn (as counted then) or, without that, its texts; plus the new message."""
    before = history_used if history_used is not None else sum(map(tokens_of, history_texts))
    return before + sum(map(tokens_of, new_texts))


def warning(model: str, tokens: int, size: int) -> str:
    """The note a turn carries when it fills most of the window."""
    return (
        f"This turn sends about {short(tokens)} tokens: {tokens / size:.0%} of {model}'s "
        f"{short(size)}-token context window. %responses compact shrinks the conversation; "
        "--truncation auto lets the server drop its oldest turns."
    )
