"""What a turn cost, from its usage and a price table; how tokens and dollars read.

The table ships as ``data/prices.json`` with the date its prices were read (they
change, and a notebook should say how old its figures are); the ``prices`` trait adds
or replaces models for other servers and newer prices. A model the table does not
know has no cost: views then show tokens only, never a guessed price. A dated
snapshot (``gpt-4.1-2025-04-14``) is priced as its model (``gpt-4.1``).

Cost = uncached input x input price + cached input x cached-input price (the input
price where the table has none) + output x output price; reasoning tokens are part of
the output tokens and billed as such.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any, TypedDict

from . import model_tables
from .events import Usage

if TYPE_CHECKING:
    from .conversation import Turn

#: Prices are per this many tokens.
PER_TOKENS = 1_000_000
_FIELDS = ("input", "cached_input", "output")


class _PriceRequired(TypedDict):
    input: float
    output: float


class Price(_PriceRequired, total=False):
    """US dollars per million tokens (cached input at the input price when absent)."""

    cached_input: float


class PriceTable(TypedDict):
    read: str
    source: str
    unit: str
    models: dict[str, Price]


def shipped() -> PriceTable:
    """The table in the package (read once)."""
    table: PriceTable = model_tables.shipped("prices.json")
    return table


def check_prices(value: Any) -> dict[str, Price]:
    """The ``prices`` trait's value, checked: ``{model: {"input": .., "output": ..,
    "cached_input": ..}}`` in dollars per million tokens. Raises ``ValueError`` (one
    sentence saying what is wrong) otherwise."""
    example = '{"my-model": {"input": 0.5, "cached_input": 0.1, "output": 1.5}}'
    if not isinstance(value, Mapping):
        raise ValueError(f"prices must be a dict of model -> prices, like {example}.")
    checked: dict[str, Price] = {}
    for model, price in value.items():
        if not isinstance(price, Mapping) or not {"input", "output"} <= set(price):
            raise ValueError(
                f"prices[{model!r}] needs at least 'input' and 'output' (dollars per million "
                f"tokens), like {example}."
            )
        unknown = set(price) - set(_FIELDS)
        if unknown:
            raise ValueError(
                f"prices[{model!r}] has {', '.join(sorted(map(repr, unknown)))}: the fields "
                f"are {', '.join(map(repr, _FIELDS))}."
            )
        for name, amount in price.items():
            if isinstance(amount, bool) or not isinstance(amount, int | float):
                raise ValueError(f"prices[{model!r}][{name!r}] must be a number, not {amount!r}.")
            if not math.isfinite(amount) or amount < 0:
                raise ValueError(f"prices[{model!r}][{name!r}] must be 0 or more, not {amount}.")
        checked[str(model)] = Price(**{k: float(v) for k, v in price.items()})  # type: ignore[typeddict-item]
    return checked


def price_of(model: str, overrides: Mapping[str, Price] | None = None) -> Price | None:
    """The price of ``model`` (or of the model a snapshot of it is), overrides first."""
    return model_tables.for_model(model, shipped()["models"], overrides)


def cost(usage: Usage, model: str, overrides: Mapping[str, Price] | None = None) -> float | None:
    """Dollars for ``usage`` on ``model``; ``None`` when its price is not known."""
    price = price_of(model, overrides)
    if price is None:
        return None
    cached = min(usage.cached_tokens, usage.input_tokens)
    dollars = (
        (usage.input_tokens - cached) * price["input"]
        + cached * price.get("cached_input", price["input"])
        + usage.output_tokens * price["output"]
    )
    return dollars / PER_TOKENS


def totals(turns: Iterable[Turn]) -> str:
    """``12,345 in (10,240 cached, 83%) · 1,234 out · $0.0123``: the tokens and cost of
    ``turns``; turns whose price is unknown are counted in tokens and named apart."""
    usage, spent, priced, unpriced = Usage(), 0.0, 0, 0
    for turn in turns:
        usage = usage + turn.usage
        if turn.cost is not None:
            spent, priced = spent + turn.cost, priced + 1
        elif turn.usage.input_tokens or turn.usage.output_tokens:
            unpriced += 1
    if not (usage.input_tokens or usage.output_tokens):
        return "no tokens counted"
    text = f"{usage.input_tokens:,} in"
    cache = (
        [f"{usage.cached_tokens:,} cached, {usage.cache_hit_ratio:.0%}"]
        if usage.cached_tokens
        else []
    )
    if usage.cache_write_tokens:
        cache.append(f"{usage.cache_write_tokens:,} written to the cache")
    if cache:
        text += f" ({'; '.join(cache)})"
    text += f" · {usage.output_tokens:,} out"
    if usage.reasoning_tokens:
        text += f" ({usage.reasoning_tokens:,} reasoning)"
    if not priced:
        return text + " · price unknown"
    text += f" · {dollars(spent)}"
    if unpriced:
        text += f" + {unpriced} turn{'s' * (unpriced > 1)} of unknown price"
    return text


def dollars(amount: float) -> str:
    """``$0.0042``, ``$1.23``, ``<$0.0001``: enough digits to tell turns apart."""
    if amount == 0:
        return "$0"
    if amount < 0.0001:
        return "<$0.0001"
    if amount < 1:
        return f"${amount:.4f}"
    return f"${amount:,.2f}"


def tokens(usage: Usage) -> str:
    """``3,210 in (2,944 cached) · 212 out (40 reasoning)``; empty without counts."""
    if not (usage.input_tokens or usage.output_tokens):
        return ""
    text = f"{usage.input_tokens:,} in"
    if usage.cached_tokens:
        text += f" ({usage.cached_tokens:,} cached)"
    text += f" · {usage.output_tokens:,} out"
    if usage.reasoning_tokens:
        text += f" ({usage.reasoning_tokens:,} reasoning)"
    return text
