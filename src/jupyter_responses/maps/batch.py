"""``batch=True`` / ``--batch``: a map through OpenAI's Batch API, at half the price, for
jobs that may take hours.

The rows not answered yet become one JSONL file (a line per row: its ``custom_id`` is
the row's key, its body what the turn's backend would send), uploaded with purpose
``batch``; the batch is created and its id saved with the map at once. The cell then
waits, showing the batch's counts. Stopped (or the kernel gone), the batch goes on on
the server: running the same map again finds it and waits on, and when it is done
downloads the results (and the errors), matches them to rows by ``custom_id``, reads
each body as the backend reads an unstreamed answer, and saves each row as a
concurrent map does. A batch that failed, expired or was cancelled is forgotten, and
the next run sends the rows left in a new one.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator
from dataclasses import replace
from typing import TYPE_CHECKING, Any

from ..backends import BACKENDS, Connection
from ..backends.errors import mapped_errors
from ..conversation import Turn
from ..errors import JupyterResponsesError, StreamFailed
from ..session import record
from .progress import Progress, Stats
from .rows import ERROR
from .run import (
    NOT_RUN,
    MapInterrupted,
    MapJob,
    Outcome,
    begin,
    count_usage,
    finished_table,
    row_cost,
    row_result,
    turn_usage,
)
from .saved import MapStore

if TYPE_CHECKING:
    from ..config import Settings

#: Statuses after which a batch changes no more.
ENDED = frozenset({"completed", "failed", "expired", "cancelled"})
#: Seconds between looks at a running batch: from the first, growing to the last.
POLL_FIRST, POLL_MOST = 0.5, 30.0


def run_batch(
    job: MapJob, source: Any, settings: Callable[[], Settings], saved: MapStore, progress: Progress
) -> Any:
    begun = begin(job, source, saved)
    rows, the_map, results, stats = begun.rows, begun.map_id, begun.results, begun.stats
    waiting: dict[str, list[int]] = {}  # row key -> the rows with that content
    for index, key, _ in begun.todo:
        waiting.setdefault(key, []).append(index)
    if not waiting:
        progress.show(stats, final=True)
        return finished_table(rows, results)
    connection = Connection(settings)
    client = connection.client()
    backend = BACKENDS[job.template.api]
    with mapped_errors(client, job.template.model):
        batch = _batch_for(client, saved, the_map, job, rows.names, waiting)
        try:
            batch = _wait(client, batch, saved, the_map, stats, progress)
        except KeyboardInterrupt:
            progress.show(stats, final=True)
            raise MapInterrupted(
                f"Stopped waiting: batch {batch.id} goes on on the server. Run the map again "
                "(the same cell) to wait on and collect its results; nothing is sent twice.",
                finished_table(rows, [r or {ERROR: NOT_RUN} for r in results]),
            ) from None
        if batch.status != "completed":
            saved.save_batch(the_map, None, batch.status)  # the next run sends a new one
            progress.show(stats, final=True)
            raise StreamFailed(_ended(batch))
        for key, result in _collected(client, connection, backend, job, batch, settings):
            for index in waiting.pop(key, []):
                results[index] = {**(result.result or {}), ERROR: result.error}
                if result.error is None:
                    stats.done += 1
                else:
                    stats.failed += 1
            saved.save_row(the_map, key, result.result, result.error, result.usage, result.cost)
            count_usage(stats, result.usage, result.cost)
    saved.save_batch(the_map, batch.id, "collected")
    stats.note = f"batch {batch.id}"
    progress.show(stats, final=True)
    return finished_table(rows, results)


def _batch_for(
    client: Any,
    saved: MapStore,
    the_map: str,
    job: MapJob,
    names: list[dict[str, Any]],
    waiting: dict[str, list[int]],
) -> Any:
    """The map's batch still to collect, else a new one of the rows waiting."""
    batch_id, status = saved.batch_of(the_map)
    if batch_id and status != "collected":
        batch = client.batches.retrieve(batch_id)
        if batch.status not in ENDED or batch.status == "completed":
            return batch
    elif batch_id is None:
        found = _sent_before(client, the_map)  # created, then the kernel died before saving
        if found is not None:
            saved.save_batch(the_map, found.id, found.status)
            return found
    backend = BACKENDS[job.template.api]
    lines = []
    endpoint = ""
    for key, indexes in waiting.items():
        request = replace(job.template, prompt=job.prompt_for(names[indexes[0]]))
        turn = Turn(api=request.api, model=request.model, prompt=request.prompt)
        endpoint, body = backend.batch_line(request, turn)
        lines.append(
            json.dumps({"custom_id": key, "method": "POST", "url": endpoint, "body": body})
        )
    uploaded = client.files.create(
        file=(f"{the_map}.jsonl", ("\n".join(lines) + "\n").encode(), "application/jsonl"),
        purpose="batch",
    )
    batch = client.batches.create(
        input_file_id=uploaded.id,
        endpoint=endpoint,
        completion_window="24h",
        metadata={"jupyter_responses_map": the_map},
    )
    saved.save_batch(the_map, batch.id, batch.status)
    return batch


#: Batches looked through for one a kernel created and died before saving.
RECENT = 20


def _sent_before(client: Any, the_map: str) -> Any:
    """A batch of this map the server has, running or done, that no run saved."""
    for batch in client.batches.list(limit=RECENT).data:
        metadata = getattr(batch, "metadata", None) or {}
        if metadata.get("jupyter_responses_map") == the_map and (
            batch.status not in ENDED or batch.status == "completed"
        ):
            return batch
    return None


def _wait(
    client: Any, batch: Any, saved: MapStore, the_map: str, stats: Stats, progress: Progress
) -> Any:
    """Until the batch ends, its counts on the progress line."""
    pause = POLL_FIRST
    while True:
        counts = getattr(batch, "request_counts", None)
        finished = (counts.completed + counts.failed) if counts else 0
        total = counts.total if counts else 0
        stats.note = f"batch {batch.id} {batch.status}: {finished:,} of {total:,} requests"
        progress.show(stats)
        if batch.status in ENDED:
            return batch
        time.sleep(pause)
        pause = min(pause * 1.5, POLL_MOST)
        previous = batch.status
        batch = client.batches.retrieve(batch.id)
        if batch.status != previous:
            saved.save_batch(the_map, batch.id, batch.status)


def _collected(
    client: Any,
    connection: Connection,
    backend: Any,
    job: MapJob,
    batch: Any,
    settings: Callable[[], Settings],
) -> Iterator[tuple[str, Any]]:
    """Each result line as a row's outcome (``run.Outcome``), by its ``custom_id``."""
    for file_id in (batch.output_file_id, batch.error_file_id):
        if not file_id:
            continue
        for line in client.files.content(file_id).text.splitlines():
            if not line.strip():
                continue
            entry = json.loads(line)
            key = str(entry.get("custom_id", ""))
            yield key, _outcome(entry, key, connection, backend, job, settings)


def _outcome(
    entry: dict[str, Any],
    key: str,
    connection: Connection,
    backend: Any,
    job: MapJob,
    settings: Callable[[], Settings],
) -> Any:
    response = entry.get("response") or {}
    body = response.get("body") if isinstance(response, dict) else None
    status = response.get("status_code") if isinstance(response, dict) else None
    turn = Turn(api=job.template.api, model=job.template.model, prompt="")
    if status != 200 or not isinstance(body, dict):
        said = entry.get("error") or (body.get("error") if isinstance(body, dict) else None)
        message = said.get("message") if isinstance(said, dict) else None
        return Outcome(0, key, None, f"{status}: {message or 'the request failed'}", {}, None)
    try:
        record(turn, backend.read_body(connection, body))
    except JupyterResponsesError as error:
        return Outcome(0, key, None, str(error), turn_usage(turn), row_cost(turn, settings))
    return row_result(job.template, 0, key, turn, settings)


def _ended(batch: Any) -> str:
    errors = getattr(getattr(batch, "errors", None), "data", None) or []
    said = "; ".join(
        f"line {e.line}: {e.message}" if getattr(e, "line", None) else str(e.message)
        for e in errors[:3]
    )
    return (
        f"Batch {batch.id} {batch.status}" + (f" ({said})" if said else "") + ". Nothing of it "
        "was saved; run the map again to send its rows in a new batch."
    )
