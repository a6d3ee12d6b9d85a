"""Prompt caching through the session: the thread's key on every request, cached tokens
read from both APIs' usage into the turn, priced, and Chat's resent history a
byte-identical prefix of the next request, turn after turn and across a restart."""

from __future__ import annotations

import dataclasses
import itertools
import json
from pathlib import Path
from typing import Any

from jupyter_responses import caching, pricing
from jupyter_responses.emulator import Emulator
from jupyter_responses.emulator import script as s
from jupyter_responses.emulator.prompt_cache import MIN_TOKENS
from jupyter_responses.render.base import footer
from jupyter_responses.session import Session
from jupyter_responses.turn_request import TurnOptions, TurnRequest, build_request

from .conftest import RecordingView, settings_for

#: Instructions long enough (about 1,500 tokens) to be cached on their own.
LONG = "You are a careful analyst who answers in full sentences. " * 105


def get_weather(city: str) -> str:
    """The weather in a city.

    Args:
        city: Its name.
    """
    return f"Sunny in {city}."


def ask(session: Session, api: str, prompt: str, **options: Any) -> TurnRequest:
    return build_request(
        TurnOptions(api=api, prompt=prompt, **options),
        session.settings(),
        {"get_weather": get_weather},
        session.connection.files,
    )


def run(session: Session, api: str, prompt: str, **options: Any) -> Any:
    return session.run(ask(session, api, prompt, **options), RecordingView())


def messages(emulator: Emulator) -> list[list[dict[str, Any]]]:
    return [r.body["messages"] for r in emulator.requests("/v1/chat/completions")]


def test_chat_resends_a_byte_identical_prefix_turn_after_turn_and_after_a_restart(
    emulator: Emulator, tmp_path: Path
) -> None:
    settings = dataclasses.replace(settings_for(emulator), db_path=str(tmp_path / "c.sqlite3"))
    session = Session(lambda: settings)
    run(session, "chat", "What is a cohort study?", system=LONG)
    emulator.enqueue(
        s.tool_calls(s.FunctionCall("get_weather", {"city": "Oslo"})), s.text("Sunny, 21 °C.")
    )
    run(session, "chat", "Weather in Oslo?", tools=["get_weather"])
    run(session, "chat", "And a **third** question, with `code`?")
    conversation_id = session.conversation.id
    session.close()

    restarted = Session(lambda: settings)
    restarted.threads.resume(conversation_id)
    last = run(restarted, "chat", "After the restart?")
    restarted.close()

    sent = messages(emulator)
    assert len(sent) == 5  # the tool turn made two requests
    for before, after in itertools.pairwise(sent):
        assert len(after) > len(before)
        assert json.dumps(after[: len(before)]) == json.dumps(before), "the prefix changed"
    keys = {r.body["prompt_cache_key"] for r in emulator.requests("/v1/chat/completions")}
    assert keys == {caching.thread_key(conversation_id)}
    # So the server reads all of it from its cache: the system prompt and every turn.
    assert last.usage.cached_tokens >= MIN_TOKENS
    assert last.usage.cached_tokens > last.usage.input_tokens - 200


def test_cached_tokens_reach_the_turn_its_cost_and_its_footer(emulator: Emulator) -> None:
    session = Session(lambda: settings_for(emulator))
    first = run(session, "responses", "Summarise the study design.", system=LONG)
    second = run(session, "responses", "And its weaknesses?")
    session.close()
    assert first.usage.cached_tokens == 0 and first.usage.cache_write_tokens >= MIN_TOKENS
    assert second.usage.cached_tokens >= MIN_TOKENS
    price = pricing.price_of("gpt-4.1")
    assert price is not None
    expected = (
        (second.usage.input_tokens - second.usage.cached_tokens) * price["input"]
        + second.usage.cached_tokens * price["cached_input"]
        + second.usage.output_tokens * price["output"]
    ) / 1e6
    assert second.cost is not None and abs(second.cost - expected) < 1e-12
    shown = footer(second)
    assert f"{second.usage.input_tokens:,} in ({second.usage.cached_tokens:,} cached)" in shown
    assert pricing.dollars(second.cost) in shown


def test_a_model_without_a_price_shows_tokens_only(emulator: Emulator) -> None:
    emulator.models = ["my-local-model"]
    session = Session(lambda: settings_for(emulator))
    turn = run(session, "chat", "Hi", model="my-local-model")
    session.close()
    assert turn.cost is None
    assert "$" not in footer(turn) and " in · " in footer(turn)


def test_the_prices_setting_prices_other_models(emulator: Emulator) -> None:
    prices = {"my-local-model": {"input": 1.0, "output": 2.0}}
    settings = dataclasses.replace(settings_for(emulator), prices=pricing.check_prices(prices))
    session = Session(lambda: settings)
    turn = run(session, "chat", "Hi", model="my-local-model")
    session.close()
    assert turn.cost == (turn.usage.input_tokens * 1.0 + turn.usage.output_tokens * 2.0) / 1e6


def test_the_cache_key_is_per_thread_and_can_be_fixed_or_off(emulator: Emulator) -> None:
    session = Session(lambda: settings_for(emulator))
    run(session, "responses", "One")
    run(session, "responses", "Two", thread="other")
    run(session, "responses", "Three", cache_key="shared-prefix")
    run(session, "chat", "Four", cache_key="off", cache_retention="24h")
    ids = [session.threads.open[name].id for name in ("main", "other")]
    session.close()
    sent = [r.body for r in emulator.requests()]
    sent = [b for b in sent if isinstance(b, dict) and "model" in b]
    assert [b.get("prompt_cache_key") for b in sent] == [
        caching.thread_key(ids[0]),
        caching.thread_key(ids[1]),
        "shared-prefix",
        None,
    ]
    assert sent[3]["prompt_cache_retention"] == "24h"


def test_status_history_and_usage_show_totals_hit_ratio_and_cost(
    emulator: Emulator, capsys: Any
) -> None:
    from types import SimpleNamespace

    from jupyter_responses import commands

    emulator.models = ["gpt-4.1", "my-local-model"]
    session = Session(lambda: settings_for(emulator))
    run(session, "responses", "Summarise the design.", system=LONG)
    run(session, "responses", "And its weaknesses?")
    run(session, "chat", "And on Chat?")
    run(session, "chat", "Elsewhere", thread="side", model="my-local-model")
    session.threads.switch("main")
    capsys.readouterr()

    commands.status(session, SimpleNamespace())
    status = capsys.readouterr().out
    main_turns = list(session.threads.open["main"].turns.values())
    assert f"Tokens:        this thread {pricing.totals(main_turns)}" in status
    assert "cached, " in status and "written to the cache)" in status
    assert "this session" in status and "+ 1 turn of unknown price" in status
    key = caching.thread_key(session.conversation.id)
    assert f"prompt_cache_key {key} (auto: a hash of this thread's id)" in status

    commands.history(session, SimpleNamespace(all=False))
    history = capsys.readouterr().out
    assert f"Tokens of thread main (every branch): {pricing.totals(main_turns)}" in history

    commands.usage(session, SimpleNamespace(all=False))
    table = capsys.readouterr().out.splitlines()
    assert table[0].split() == ["model", "api", "turns", "tokens", "·", "cost"]
    rows = {tuple(line.split()[:3]): line for line in table[1:4]}
    assert set(rows) == {
        ("gpt-4.1", "chat", "1"),
        ("gpt-4.1", "responses", "2"),
        ("my-local-model", "chat", "1"),
    }
    assert "$" in rows[("gpt-4.1", "responses", "2")]
    assert rows[("my-local-model", "chat", "1")].endswith(" out · price unknown")
    assert any(line.startswith("In all: ") for line in table)
    assert any(f"read {pricing.shipped()['read']}" in line for line in table)
    session.close()
