"""One prompt over every row of a table: the rows not yet answered are sent, a bounded
number at a time, each row's result saved as it ends.

Each row is one request of the turn's API, made by its backend exactly as a cell's
turn would be (the options, ``--schema``, errors mapped once), but with no history and
kept in no conversation. Requests are not streamed and not stored on the server (no
one continues them). The ``Pacer`` keeps the map within the server's rate limits: a
429 is waited out and the row sent again, never failed; a server error or a dropped
connection is tried ``RETRIES`` more times; anything else fails the row, whose error is
its value in the ``error`` column. A Stop (interrupt) ends the map at once: rows that
ended are saved, and running it again sends only the others.
"""

from __future__ import annotations

import dataclasses
import threading
import time
from collections import ChainMap
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

from .. import pricing
from ..backends import BACKENDS, Connection
from ..conversation import Turn, short_title
from ..errors import (
    ConnectionFailed,
    Interrupted,
    JupyterResponsesError,
    RateLimited,
    ServerError,
    StreamFailed,
    TimedOut,
)
from ..interpolate import interpolate
from ..session import record
from .pacing import Pacer, retry_after
from .progress import Progress, Stats
from .rows import ANSWER, ERROR, Rows, read_rows, row_key, table
from .saved import MapStore, map_id

if TYPE_CHECKING:
    from ..config import Settings
    from ..turn_request import TurnRequest

#: Further tries of a row after a server error, a timeout or a dropped connection.
RETRIES = 3
#: Requests in flight at most, unless the map says otherwise.
CONCURRENCY = 8


class MapInterrupted(Interrupted):
    """Stopped: ``partial`` is the table so far (rows not run have the error
    ``NOT_RUN``); what ended is saved."""

    def __init__(self, message: str, partial: Any) -> None:
        super().__init__(message)
        self.partial = partial


#: The ``error`` of a row a stopped map did not get to.
NOT_RUN = "not run: the map was stopped"


@dataclass(frozen=True)
class MapJob:
    """A validated map: ``template`` is its turn request (``prompt`` the unfilled
    template), filled per row from the row's names over ``namespace``."""

    template: TurnRequest
    namespace: Mapping[str, Any]
    interpolate: bool = True
    concurrency: int = CONCURRENCY
    conversation_id: str | None = None

    def params(self) -> dict[str, Any]:
        """What decides a row's answer besides its prompt: the map's identity."""
        t = self.template
        schema = t.schema.schema if t.schema is not None else None
        extra = getattr(t, "parameters", None)
        return {
            "api": t.api,
            "model": t.model,
            "instructions": t.instructions,
            "temperature": t.temperature,
            "max_tokens": t.max_tokens,
            "reasoning": t.reasoning,
            "schema": schema,
            "parameters": repr(sorted(extra.items())) if isinstance(extra, Mapping) else None,
        }

    def prompt_for(self, names: Mapping[str, Any]) -> str:
        prompt = self.template.prompt
        return (
            interpolate(prompt, ChainMap(dict(names), dict(self.namespace)))
            if self.interpolate
            else prompt
        )


@dataclass
class Outcome:
    index: int
    key: str
    result: dict[str, Any] | None  # None: the row failed
    error: str | None
    usage: dict[str, int]
    cost: float | None


@dataclass
class Begun:
    """A map as a run begins it: its rows, its id, the results an earlier run saved
    (``None`` for the others), its counts, and the rows to send (index, key, names)."""

    rows: Rows
    map_id: str
    results: list[dict[str, Any] | None]
    stats: Stats
    todo: list[tuple[int, str, dict[str, Any]]]


def begin(job: MapJob, source: Any, saved: MapStore) -> Begun:
    """Read the rows, record the map, and take what earlier runs answered."""
    rows = read_rows(source)
    the_map = map_id(job.template.prompt, job.params())
    template = job.template
    done = saved.begin(
        the_map,
        job.conversation_id,
        short_title(template.prompt),
        template.api,
        template.model,
        len(rows),
    )
    begun = Begun(rows, the_map, [None] * len(rows), Stats(total=len(rows)), [])
    for index, names in enumerate(rows.names):
        key = row_key(names)
        found = done.get(key)
        if found is None:
            begun.todo.append((index, key, names))
            continue
        begun.results[index] = {**found.result, ERROR: None}
        begun.stats.reused += 1
        count_usage(begun.stats, found.usage, found.cost)
    return begun


def run_map(
    job: MapJob,
    source: Any,
    settings: Callable[[], Settings],
    saved: MapStore,
    progress: Progress,
) -> Any:
    """The table of ``source`` with the answers added (see ``rows.table``)."""
    begun = begin(job, source, saved)
    rows, the_map, results, stats = begun.rows, begun.map_id, begun.results, begun.stats
    todo = begun.todo
    progress.show(stats)
    stop = threading.Event()
    lock = threading.Lock()

    def ended(outcome: Outcome) -> None:
        """A row's end, on its worker's thread: saved at once (no hand-over to this
        thread per row, which would wait on the GIL's switch interval every time)."""
        with lock:  # what a Stop returns is exactly what is saved
            if stop.is_set():
                return  # a row that ended after the Stop is not kept
            saved.save_row(
                the_map, outcome.key, outcome.result, outcome.error, outcome.usage, outcome.cost
            )
            results[outcome.index] = {**(outcome.result or {}), ERROR: outcome.error}
            if outcome.error is None:
                stats.done += 1
            else:
                stats.failed += 1
            count_usage(stats, outcome.usage, outcome.cost)

    pacer = Pacer(job.concurrency)
    workers = _start(job, todo, settings, pacer, stop, ended)
    try:
        for worker in workers:
            while worker.is_alive():
                worker.join(timeout=0.25)  # an interrupt gets through between waits
                stats.note = _waiting(pacer)
                progress.show(stats)
    except KeyboardInterrupt:
        stop.set()
        stats.note = "stopped"
        progress.show(stats, final=True)
        with lock:
            left = sum(r is None for r in results)
            partial = table(rows, [r or {ERROR: NOT_RUN} for r in results])
        raise MapInterrupted(
            f"Stopped with {left:,} of {len(rows):,} rows not answered: the others are saved, "
            "and running the map again sends only the rows left.",
            partial,
        ) from None
    stats.note = ""
    progress.show(stats, final=True)
    return finished_table(rows, results)


def finished_table(rows: Rows, results: list[dict[str, Any] | None]) -> Any:
    return table(rows, [r if r is not None else {ERROR: NOT_RUN} for r in results])


def count_usage(stats: Stats, usage: Mapping[str, int], cost: float | None) -> None:
    stats.input_tokens += int(usage.get("input_tokens", 0))
    stats.output_tokens += int(usage.get("output_tokens", 0))
    if cost is None and (usage.get("input_tokens") or usage.get("output_tokens")):
        stats.priced = False
    stats.cost += cost or 0.0


def _waiting(pacer: Pacer) -> str:
    wait = pacer.paused_until - time.monotonic()
    return f"waiting {wait:.0f} s for the rate limit" if wait > 0.5 else ""


def _start(
    job: MapJob,
    todo: list[tuple[int, str, dict[str, Any]]],
    settings: Callable[[], Settings],
    pacer: Pacer,
    stop: threading.Event,
    ended: Callable[[Outcome], None],
) -> list[threading.Thread]:
    """The workers, each taking the next row until none is left or the map stops."""
    connection = Connection(
        lambda: replace(settings(), max_retries=0),  # the pacer retries, knowing the limits
        on_response=lambda response: pacer.observe(response.headers),
    )
    rows: Iterator[tuple[int, str, dict[str, Any]]] = iter(todo)
    taking = threading.Lock()

    def work() -> None:
        while not stop.is_set():
            with taking:
                item = next(rows, None)
            if item is None:
                return
            outcome = _answer(job, connection, settings, pacer, stop, *item)
            if outcome is None:
                return  # stopped
            ended(outcome)

    count = min(job.concurrency, len(todo))
    workers = [threading.Thread(target=work, name=f"jr-map-{n}", daemon=True) for n in range(count)]
    for worker in workers:
        worker.start()
    return workers


def _answer(
    job: MapJob,
    connection: Connection,
    settings: Callable[[], Settings],
    pacer: Pacer,
    stop: threading.Event,
    index: int,
    key: str,
    names: dict[str, Any],
) -> Outcome | None:
    """One row, tried until it is answered or fails for good (``None``: stopped)."""
    request = replace(job.template, prompt=job.prompt_for(names))
    backend = BACKENDS[request.api]
    failures = 0
    while True:
        if not pacer.wait_turn(stop):
            return None
        turn = Turn(
            api=request.api,
            model=request.model,
            prompt=request.prompt,
            instructions=request.instructions,
        )
        succeeded = False
        try:
            record(turn, backend.stream(connection, request, [], turn))
            succeeded = True
            pacer.spent(turn.usage.input_tokens + turn.usage.output_tokens)
        except RateLimited as error:
            if _quota(error):
                return _failed(index, key, turn, str(error), settings)
            pacer.limited(_retry_after(error))
            continue
        except (ServerError, ConnectionFailed, TimedOut, StreamFailed) as error:
            failures += 1
            if failures > RETRIES:
                return _failed(index, key, turn, str(error), settings)
            time.sleep(0.5 * 2 ** (failures - 1))
            continue
        except JupyterResponsesError as error:
            return _failed(index, key, turn, str(error), settings)
        finally:
            pacer.release(succeeded)
        return row_result(job.template, index, key, turn, settings)


def _quota(error: RateLimited) -> bool:
    """A 429 that waiting does not cure: the account is out of credit."""
    return getattr(error.__cause__, "code", None) == "insufficient_quota"


def _retry_after(error: RateLimited) -> float | None:
    response = getattr(error.__cause__, "response", None)
    headers = getattr(response, "headers", None)
    return retry_after(headers) if headers is not None else None


def turn_usage(turn: Turn) -> dict[str, int]:
    return {k: v for k, v in dataclasses.asdict(turn.usage).items() if isinstance(v, int) and v}


def row_cost(turn: Turn, settings: Callable[[], Settings]) -> float | None:
    return pricing.cost(turn.usage, turn.model, settings().prices)


def _failed(
    index: int, key: str, turn: Turn, error: str, settings: Callable[[], Settings]
) -> Outcome:
    return Outcome(index, key, None, error, turn_usage(turn), row_cost(turn, settings))


def row_result(
    template: TurnRequest, index: int, key: str, turn: Turn, settings: Callable[[], Settings]
) -> Outcome:
    """The row's columns: the answer, or the schema's fields."""
    usage, cost = turn_usage(turn), row_cost(turn, settings)
    if turn.status not in ("completed", "incomplete"):
        return Outcome(index, key, None, turn.error or f"the answer {turn.status}", usage, cost)
    if turn.refusal and not turn.text:
        return Outcome(index, key, None, f"refused: {turn.refusal}", usage, cost)
    cut = "cut off at --max-tokens" if turn.status == "incomplete" else None
    if template.schema is None:
        return Outcome(index, key, {ANSWER: turn.text}, cut, usage, cost)
    try:
        parsed = template.schema.parse(turn.text)
    except ValueError as error:
        first = str(error).strip().splitlines()[0] if str(error).strip() else "not JSON"
        return Outcome(
            index, key, None, f"the answer does not match the schema ({first})", usage, cost
        )
    fields = parsed.model_dump() if hasattr(parsed, "model_dump") else parsed
    columns = dict(fields) if isinstance(fields, Mapping) else {ANSWER: fields}
    return Outcome(index, key, columns, cut, usage, cost)
