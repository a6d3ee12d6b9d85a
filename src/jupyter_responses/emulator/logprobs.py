"""Token log probabilities, made up deterministically, in each shape the APIs send them.

Each streamed piece of text counts as one token. Its log probability and its likeliest
alternatives depend only on the token and its position, so a test can predict them
(``score``). The shapes: a Responses delta or ``output_text.done`` event's
``ResponseLogProb`` (``token``, ``logprob``, ``top_logprobs`` of ``token`` and
``logprob``); an ``output_text`` part's ``LogProb`` and a Chat choice's
``ChatCompletionTokenLogprob`` (the same, each with its UTF-8 ``bytes``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

#: Tokens offered as alternatives, after the chosen one.
ALTERNATIVES = (
    " the", " a", ",", ".", " and", " of", " to", " in", " is", " it", " that",
    " for", " on", " with", " as", " was", " at", " by", " this", " be", " or",
)  # fmt: skip


@dataclass(frozen=True)
class Scored:
    """One token: its log probability, and ``top``: the likeliest tokens there (the
    chosen one first), each with its log probability."""

    token: str
    logprob: float
    top: tuple[tuple[str, float], ...]


def score(token: str, position: int, top: int) -> Scored:
    """``token`` at ``position`` of the answer, with ``top`` alternatives."""
    logprob = -round(0.01 + (position % 5) * 0.3 + (len(token) % 3) * 0.07, 4)
    others = [t for t in ALTERNATIVES if t != token][: max(0, top - 1)]
    ranked = [(token, logprob)] if top else []
    ranked += [(other, round(logprob - 1.25 * (k + 1) - 0.5, 4)) for k, other in enumerate(others)]
    return Scored(token, logprob, tuple(ranked))


def scored(pieces: list[str], top: int, start: int = 0) -> list[Scored]:
    """Each piece as one token, from answer position ``start``."""
    return [score(piece, start + n, top) for n, piece in enumerate(pieces)]


def _bytes(token: str) -> list[int]:
    return list(token.encode("utf-8"))


def event_entries(tokens: list[Scored]) -> list[dict[str, Any]]:
    """As a Responses ``output_text.delta`` / ``.done`` event carries them."""
    return [
        {
            "token": t.token,
            "logprob": t.logprob,
            "top_logprobs": [{"token": o, "logprob": p} for o, p in t.top],
        }
        for t in tokens
    ]


def byte_entries(tokens: list[Scored]) -> list[dict[str, Any]]:
    """As a Responses ``output_text`` part and a Chat choice's ``logprobs.content``
    carry them (with each token's UTF-8 bytes)."""
    return [
        {
            "token": t.token,
            "logprob": t.logprob,
            "bytes": _bytes(t.token),
            "top_logprobs": [{"token": o, "logprob": p, "bytes": _bytes(o)} for o, p in t.top],
        }
        for t in tokens
    ]
