"""Token log probabilities (``--logprobs N``): read from what a server sends, kept on the
turn within a bound, and shown as a table.

Both APIs score tokens alike (``token``, ``logprob``, ``top_logprobs`` of ``token`` and
``logprob``), whether as SDK objects or as plain dicts (a final response's parts), so
one lenient reader serves both backends. A turn keeps at most ``MAX_TOKENS`` tokens and
``MAX_ALTERNATIVES`` alternatives each, so a long answer cannot make its saved record
(SQLite, exports) many times the size of its text.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Sequence
from typing import Any

from .transcript import AlternativeRecord, LogprobRecord

#: Most tokens a turn keeps (the first ones: where an answer's doubts usually show).
MAX_TOKENS = 2_000
#: Most alternatives kept per token (the most the APIs send: ``top_logprobs`` <= 20).
MAX_ALTERNATIVES = 20
#: Most tokens the answer's own table shows (``%responses logprobs`` shows them all).
SHOWN_TOKENS = 50
#: Most alternatives a table row shows.
SHOWN_ALTERNATIVES = 3


def _field(item: Any, name: str) -> Any:
    """``item[name]`` of a dict, or the attribute of an SDK object (``None``: missing)."""
    if isinstance(item, dict):
        return item.get(name)
    return getattr(item, name, None)


def _number(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value) if math.isfinite(value) else None


def read(items: Any) -> list[LogprobRecord]:
    """The scored tokens in ``items`` (a list of either API's logprob entries);
    entries without a token or a finite log probability are skipped."""
    records: list[LogprobRecord] = []
    for item in items if isinstance(items, list | tuple) else []:
        token, logprob = _field(item, "token"), _number(_field(item, "logprob"))
        if not isinstance(token, str) or logprob is None:
            continue
        top: list[AlternativeRecord] = []
        for alternative in _field(item, "top_logprobs") or []:
            other, score = _field(alternative, "token"), _number(_field(alternative, "logprob"))
            if isinstance(other, str) and score is not None and len(top) < MAX_ALTERNATIVES:
                top.append({"token": other, "logprob": score})
        records.append({"token": token, "logprob": logprob, "top": top})
    return records


def keep(kept: list[LogprobRecord], tokens: Iterable[LogprobRecord]) -> None:
    """Add ``tokens`` to a turn's ``kept`` ones, up to ``MAX_TOKENS`` in all."""
    room = MAX_TOKENS - len(kept)
    if room > 0:
        kept.extend(list(tokens)[:room])


def full(kept: Sequence[LogprobRecord]) -> bool:
    """Whether a turn kept as many tokens as it may (later ones were not kept)."""
    return len(kept) >= MAX_TOKENS


def probability(logprob: float) -> str:
    """A log probability as a percentage a reader takes in at a glance."""
    share = math.exp(logprob) * 100
    return f"{share:.1f}%" if share >= 0.1 else "<0.1%"


def summary(kept: Sequence[LogprobRecord]) -> str:
    """How many tokens, their mean log probability and the perplexity it makes."""
    if not kept:
        return "no tokens"
    mean = sum(t["logprob"] for t in kept) / len(kept)
    more = " (the first ones: no more are kept)" if full(kept) else ""
    count = f"{len(kept):,} token{'s' * (len(kept) != 1)}{more}"
    return f"{count}, mean log probability {mean:.3f} (perplexity {math.exp(-mean):.2f})"


def _alternatives(record: LogprobRecord, shown: int = SHOWN_ALTERNATIVES) -> list[str]:
    others = [a for a in record["top"] if a["token"] != record["token"]][:shown]
    return [f"{a['token']!r} {probability(a['logprob'])}" for a in others]


def table(kept: Sequence[LogprobRecord]) -> str:
    """Every kept token, one a line: its number, the token as Python writes it (so
    spaces and newlines show), its log probability and probability, and the likeliest
    other tokens at that position."""
    rows = [
        (str(n), repr(t["token"]), f"{t['logprob']:.3f}", probability(t["logprob"]),
         " · ".join(_alternatives(t)))
        for n, t in enumerate(kept, start=1)
    ]  # fmt: skip
    head = ("#", "token", "logprob", "p", "alternatives")
    widths = [max(len(row[i]) for row in [head, *rows]) for i in range(4)]
    lines = []
    for row in [head, *rows]:
        cells = [row[0].rjust(widths[0]), row[1].ljust(widths[1])]
        cells += [row[2].rjust(widths[2]), row[3].rjust(widths[3]), row[4]]
        lines.append("  ".join(cells).rstrip())
    return "\n".join(lines)


def markdown(kept: Sequence[LogprobRecord], escape: Callable[[str], str]) -> str:
    """The first ``SHOWN_TOKENS`` tokens as a Markdown table (``escape``: Markdown's
    escaping of one line of text), and how to see the rest."""
    lines = ["| # | token | p | alternatives |", "|---:|---|---:|---|"]
    for number, record in enumerate(kept[:SHOWN_TOKENS], start=1):
        others = escape(" · ".join(_alternatives(record)))
        token = escape(repr(record["token"]))
        lines.append(f"| {number} | {token} | {probability(record['logprob'])} | {others} |")
    if len(kept) > SHOWN_TOKENS:
        rest = len(kept) - SHOWN_TOKENS
        lines.append(f"\n*{rest:,} more: `%responses logprobs` shows every token.*")
    return "\n".join(lines)
