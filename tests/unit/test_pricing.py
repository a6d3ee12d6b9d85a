"""Prices: the shipped table (dated), snapshots priced as their model, overrides checked
with one clear sentence, and how tokens and dollars read."""

from __future__ import annotations

import re

import pytest
from traitlets import TraitError

from jupyter_responses import pricing
from jupyter_responses.config import ResponsesConfig
from jupyter_responses.events import Usage


def test_the_shipped_table_says_when_and_where_its_prices_were_read() -> None:
    table = pricing.shipped()
    assert re.fullmatch(r"\d{4}-\d{2}-\d{2}", table["read"]) and table["source"]
    assert table["unit"] == "USD per 1M tokens"
    for model, price in table["models"].items():
        assert pricing.check_prices({model: price}) == {model: price}


def test_a_snapshot_is_priced_as_its_model_and_a_variant_is_not() -> None:
    assert pricing.price_of("gpt-4.1-2025-04-14") == pricing.price_of("gpt-4.1")
    assert pricing.price_of("gpt-4.1-mini") != pricing.price_of("gpt-4.1")
    assert pricing.price_of("gpt-4.1-custom") is None
    assert pricing.price_of("llama3") is None


def test_cost_bills_cached_input_at_its_price_and_reasoning_as_output() -> None:
    usage = Usage(
        input_tokens=10_000, output_tokens=2_000, reasoning_tokens=500, cached_tokens=8_000
    )
    price = {"input": 2.0, "cached_input": 0.5, "output": 8.0}
    cost = pricing.cost(usage, "m", {"m": price})  # type: ignore[dict-item]
    assert cost == pytest.approx((2_000 * 2.0 + 8_000 * 0.5 + 2_000 * 8.0) / 1e6)
    no_cache_price = pricing.cost(usage, "n", {"n": {"input": 2.0, "output": 8.0}})
    assert no_cache_price == pytest.approx((10_000 * 2.0 + 2_000 * 8.0) / 1e6)
    assert pricing.cost(usage, "unknown-model") is None


def test_overrides_replace_the_shipped_price() -> None:
    cheap = {"gpt-4.1": {"input": 0.0, "output": 0.0}}
    assert pricing.cost(Usage(100, 100), "gpt-4.1", cheap) == 0.0  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("value", "said"),
    [
        ([1, 2], "expected a dict"),
        ({"m": {"input": 1}}, "prices['m'] needs at least 'input' and 'output'"),
        ({"m": {"input": 1, "output": 2, "cache": 1}}, "prices['m'] has 'cache': the fields are"),
        ({"m": {"input": "1", "output": 2}}, "prices['m']['input'] must be a number, not '1'"),
        ({"m": {"input": -1, "output": 2}}, "prices['m']['input'] must be 0 or more, not -1"),
        ({"m": {"input": True, "output": 2}}, "must be a number, not True"),
    ],
)
def test_a_bad_prices_setting_is_refused_in_one_sentence(value: object, said: str) -> None:
    with pytest.raises(TraitError, match=re.escape(said)):
        ResponsesConfig(prices=value)


def test_the_prices_setting_reaches_the_settings() -> None:
    config = ResponsesConfig(prices={"m": {"input": 1, "output": 2}})
    assert config.settings().prices == {"m": {"input": 1.0, "output": 2.0}}


@pytest.mark.parametrize(
    ("amount", "shown"),
    [
        (0, "$0"),
        (0.00004, "<$0.0001"),
        (0.0042, "$0.0042"),
        (0.5, "$0.5000"),
        (1234.5, "$1,234.50"),
    ],
)
def test_dollars_read_with_enough_digits(amount: float, shown: str) -> None:
    assert pricing.dollars(amount) == shown


def test_tokens_read_with_their_cached_and_reasoning_parts() -> None:
    assert pricing.tokens(Usage()) == ""
    assert pricing.tokens(Usage(3210, 212)) == "3,210 in · 212 out"
    assert (
        pricing.tokens(Usage(3210, 212, reasoning_tokens=40, cached_tokens=2944))
        == "3,210 in (2,944 cached) · 212 out (40 reasoning)"
    )
