"""Deterministic token counts: about four characters a token, as a rule of thumb.

``prompt_text`` is the one place that says what a Responses request puts in the model's
context (its instructions and the text of every message the model sees), so the usage
a response reports, ``POST /v1/responses/input_tokens``, the context window check and
the prompt cache all count the same thing.
"""

from __future__ import annotations

from collections.abc import Sequence

from .dialogue import Message


def count_tokens(text: str) -> int:
    return max(1, (len(text) + 3) // 4) if text else 0


def prompt_text(instructions: str | None, messages: Sequence[Message]) -> str:
    """The instructions and the messages as they count in the context: a message
    restored from a compaction item counts as its share of the summary
    (``Message.counted_as``), not as the text it stands for."""
    return (instructions or "") + "".join(
        m.text if m.counted_as is None else m.counted_as for m in messages
    )


def input_tokens(instructions: str | None, messages: Sequence[Message]) -> int:
    """What the model reads for a request: ``prompt_text``, counted."""
    return count_tokens(prompt_text(instructions, messages))
