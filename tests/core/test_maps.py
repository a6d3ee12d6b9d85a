"""A prompt over a table, against the emulator over HTTP: every row answered in order
through either API, schema fields as columns, each row's result saved so a second run
sends only what is left, errors kept per row, 429s waited out (never failed), a Stop
keeping what ended."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import pandas as pd
import polars as pl
import pytest
from pydantic import BaseModel

from jupyter_responses.emulator import Emulator
from jupyter_responses.emulator import script as s
from jupyter_responses.errors import OptionsError
from jupyter_responses.maps import MapInterrupted
from jupyter_responses.maps.kernel import MapContext
from jupyter_responses.maps.progress import Stats
from jupyter_responses.store import Store
from jupyter_responses.turn_request import TurnOptions

from .conftest import settings_for

CITIES = ["Oslo", "Paris", "Rome", "Lima", "Quito", "Accra", "Hanoi", "Doha", "Bern", "Riga"]


@pytest.fixture
def store(tmp_path: Path) -> Any:
    made = Store(tmp_path / "c.sqlite3")
    yield made
    made.close()


def mapper(emulator: Emulator, store: Store | None, **changes: Any) -> MapContext:
    settings = settings_for(emulator, **changes)
    return MapContext(lambda: settings, store, None, False, "conv1", {})


def run(
    context: MapContext,
    rows: Any,
    prompt: str = "Country of {city}?",
    api: str = "responses",
    concurrency: int = 4,
    names: dict[str, Any] | None = None,
    **options: Any,
) -> Any:
    template = TurnOptions(api=api, prompt=prompt, no_interpolate=True, **options)
    return context.run(
        template, rows, names or {}, concurrency=concurrency, batch=False, progress=False
    )


def asked(emulator: Emulator, api: str = "responses") -> int:
    return len(emulator.requests("/v1/responses" if api == "responses" else "/v1/chat/completions"))


@pytest.mark.parametrize("api", ["responses", "chat"])
def test_every_row_is_answered_in_order(emulator: Emulator, store: Store, api: str) -> None:
    frame = pd.DataFrame({"city": CITIES, "rank": range(len(CITIES))})
    out = run(mapper(emulator, store), frame, api=api)
    assert list(out.columns) == ["city", "rank", "answer", "error"]
    assert out["error"].isna().all()
    for city, answer in zip(out["city"], out["answer"], strict=True):
        assert answer.endswith(f"> Country of {city}?")  # the default model echoes the prompt
    assert asked(emulator, api) == len(CITIES)
    bodies = [r.body for r in emulator.requests()]
    assert all(b.get("stream") in (None, False) for b in bodies)
    if api == "responses":
        assert all(b["store"] is False for b in bodies)


def test_polars_lists_and_plain_values_come_back_in_their_form(
    emulator: Emulator, store: Store
) -> None:
    context = mapper(emulator, store)
    polars = run(context, pl.DataFrame({"city": CITIES[:3]}))
    assert isinstance(polars, pl.DataFrame) and polars.columns == ["city", "answer", "error"]
    records = run(context, [{"city": "Oslo"}, {"city": "Lima"}])
    assert [r["city"] for r in records] == ["Oslo", "Lima"] and records[1]["answer"].endswith(
        "Lima?"
    )
    plain = run(context, ["Bern", "Riga"], prompt="Country of {row}?")
    assert [r["row"] for r in plain] == ["Bern", "Riga"] and plain[0]["answer"].endswith("Bern?")


def test_the_template_sees_the_users_names_under_the_rows(emulator: Emulator, store: Store) -> None:
    out = run(
        mapper(emulator, store),
        [{"city": "Oslo"}],
        prompt="{greeting}, country of {city.upper()}?",
        names={"greeting": "Hello", "city": "not this"},
    )
    assert out[0]["answer"].endswith("> Hello, country of OSLO?")


class Place(BaseModel):
    country: str
    population: int


def test_a_schema_gives_one_column_per_field(emulator: Emulator, store: Store) -> None:
    out = run(mapper(emulator, store), pd.DataFrame({"city": CITIES[:3]}), names={"Place": Place},
              schema="Place")  # fmt: skip
    assert list(out.columns) == ["city", "country", "population", "error"]
    assert out["error"].isna().all() and out["population"].map(type).eq(int).all()


def test_a_second_run_sends_only_the_rows_not_answered(emulator: Emulator, store: Store) -> None:
    context = mapper(emulator, store)
    first = run(context, pd.DataFrame({"city": CITIES[:6]}))
    assert asked(emulator) == 6
    again = run(context, pd.DataFrame({"city": CITIES}))  # four rows more
    assert asked(emulator) == 6 + 4
    assert list(again["answer"][:6]) == list(first["answer"])
    other = run(context, pd.DataFrame({"city": CITIES}), prompt="Capital of {city}?")
    assert asked(emulator) == 10 + 10  # another prompt is another map
    assert other["answer"][0].endswith("Capital of Oslo?")


def test_failed_rows_keep_their_error_and_are_sent_again_next_time(
    emulator: Emulator, store: Store
) -> None:
    context = mapper(emulator, store)
    emulator.enqueue(s.text("Norway"), s.HTTPError(400, "Bad row."), s.text("Italy"))
    out = run(context, [{"city": c} for c in CITIES[:3]], concurrency=1)
    assert [r["answer"] if r["error"] is None else None for r in out] == ["Norway", None, "Italy"]
    assert "Bad row" in out[1]["error"]
    again = run(context, [{"city": c} for c in CITIES[:3]], concurrency=1)
    assert asked(emulator) == 3 + 1 and again[1]["error"] is None


def test_server_errors_are_tried_again_and_429s_waited_out(
    emulator: Emulator, store: Store
) -> None:
    emulator.enqueue(
        s.HTTPError(500, "Down for a moment.", times=2),
        s.HTTPError(429, "Rate limit reached.", retry_after=0.2, times=3),
    )
    out = run(mapper(emulator, store), [{"city": c} for c in CITIES[:4]], concurrency=2)
    assert all(r["error"] is None for r in out)
    assert asked(emulator) == 4 + 2 + 3


def test_an_account_out_of_credit_fails_rows_without_waiting(
    emulator: Emulator, store: Store
) -> None:
    emulator.enqueue(
        s.HTTPError(429, "You exceeded your current quota.", code="insufficient_quota")
    )
    out = run(mapper(emulator, store), [{"city": "Oslo"}], concurrency=1)
    assert "quota" in out[0]["error"]
    assert asked(emulator) == 1


def test_a_stop_keeps_what_ended(emulator: Emulator, store: Store) -> None:
    context = mapper(emulator, store)
    emulator.enqueue(*(s.text(f"In {c}.", first_byte_delay=0.1) for c in CITIES))
    shown: list[int] = []

    class Stopping:
        def show(self, stats: Stats, final: bool = False) -> None:
            shown.append(stats.finished)
            if stats.done >= 3 and not final:
                raise KeyboardInterrupt

    from jupyter_responses.maps import kernel

    original = kernel.make_progress
    kernel.make_progress = lambda *a: Stopping()  # type: ignore[assignment]
    try:
        with pytest.raises(MapInterrupted) as stopped:
            run(context, [{"city": c} for c in CITIES], concurrency=1)
    finally:
        kernel.make_progress = original  # type: ignore[assignment]
    partial = stopped.value.partial
    answered = [r for r in partial if r["error"] is None]
    assert len(answered) >= 3 and any(r["error"] for r in partial)
    time.sleep(0.5)  # a request already under way when the Stop came lands (unsaved)
    sent = asked(emulator)
    run(context, [{"city": c} for c in CITIES], concurrency=1)
    assert asked(emulator) - sent == len(CITIES) - len(answered)


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"tools": ["f"]}, "tools, files and --context are not sent"),
        ({"concurrency": 0}, "concurrency takes 1 to 64"),
    ],
)
def test_what_a_map_cannot_do_is_refused_before_sending(
    emulator: Emulator, options: dict[str, Any], message: str
) -> None:
    concurrency = options.pop("concurrency", 4)
    with pytest.raises(OptionsError, match=message):
        run(mapper(emulator, None), [{"city": "Oslo"}], concurrency=concurrency, **options)
    assert asked(emulator) == 0


def test_rows_that_are_not_a_table_are_refused(emulator: Emulator) -> None:
    with pytest.raises(TypeError, match="map needs rows"):
        run(mapper(emulator, None), "Oslo")


# -- --batch -------------------------------------------------------------------------------
def run_batch(context: MapContext, rows: Any, api: str = "responses", **options: Any) -> Any:
    template = TurnOptions(api=api, prompt="Country of {city}?", no_interpolate=True, **options)
    return context.run(template, rows, {}, concurrency=4, batch=True, progress=False)


@pytest.mark.parametrize("api", ["responses", "chat"])
def test_a_batch_map_sends_one_file_and_matches_results_to_rows(
    emulator: Emulator, store: Store, api: str
) -> None:
    frame = pd.DataFrame({"city": CITIES[:5]})
    out = run_batch(mapper(emulator, store), frame, api=api)
    assert out["error"].isna().all()
    for city, answer in zip(out["city"], out["answer"], strict=True):
        assert answer.endswith(f"> Country of {city}?")
    assert asked(emulator, api) == 0  # no request of its own: all went through the batch
    (created,) = [r.body for r in emulator.requests("/v1/batches") if r.method == "POST"]
    assert created["endpoint"] == (
        "/v1/responses" if api == "responses" else "/v1/chat/completions"
    )
    again = run_batch(mapper(emulator, store), frame, api=api)
    posted = [r for r in emulator.requests("/v1/batches") if r.method == "POST"]
    assert len(posted) == 1 and list(again["answer"]) == list(out["answer"])


def test_a_stopped_batch_is_collected_by_the_next_run(emulator: Emulator, store: Store) -> None:
    from jupyter_responses.emulator.batches import BatchSpeed
    from jupyter_responses.maps import batch

    emulator.batch_speed = BatchSpeed(seconds_per_line=0.3)
    original = batch.time.sleep
    calls = {"n": 0}

    def interrupting(seconds: float) -> None:
        calls["n"] += 1
        if calls["n"] == 2:
            raise KeyboardInterrupt  # the user stops the cell while the batch runs
        original(seconds)

    batch.time.sleep = interrupting  # type: ignore[assignment]
    try:
        with pytest.raises(MapInterrupted, match="goes on on the server"):
            run_batch(mapper(emulator, store), [{"city": c} for c in CITIES[:4]])
    finally:
        batch.time.sleep = original  # type: ignore[assignment]
    out = run_batch(mapper(emulator, store), [{"city": c} for c in CITIES[:4]])
    assert [r["error"] for r in out] == [None] * 4
    posted = [r for r in emulator.requests("/v1/batches") if r.method == "POST"]
    assert len(posted) == 1  # the same batch, collected
    assert out[3]["answer"].endswith("Country of Lima?")


def test_failed_lines_of_a_batch_are_row_errors(emulator: Emulator, store: Store) -> None:
    emulator.enqueue(s.text("Norway"), s.HTTPError(400, "Bad row."), s.text("France"))
    out = run_batch(mapper(emulator, store), [{"city": c} for c in CITIES[:3]])
    assert [r["error"] is None for r in out] == [True, False, True]
    assert "400" in out[1]["error"] and "Bad row" in out[1]["error"]
