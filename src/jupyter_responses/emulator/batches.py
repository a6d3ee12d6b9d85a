"""The Batch API as OpenAI serves it: a file of requests run in the background.

``POST /v1/batches`` checks its own parameters at once (``batch_input.check_create``; a
400, or a 404 for an input file it does not know, as the API does) and answers the
batch ``validating``; a daemon thread of the emulator then runs it, so it outlives the
connection that created it:

``validating`` (``BatchSpeed.start_delay`` seconds) → the input file is read
(``batch_input.py``): a bad file makes the batch ``failed`` with ``errors.data``, and
nothing runs → ``in_progress`` with ``request_counts.total`` set and ``model`` known →
each line in turn (``seconds_per_line`` apart) answered by the emulator's own
non-streaming handler for the endpoint (``batch_lines.py``: the same route method an
HTTP request runs, so scripted replies, faults and the default model apply, in the
order lines are run) → ``finalizing`` (``finalize_delay``) → ``completed``, with the
answers in an output file (purpose ``batch_output``) and the lines the handler refused
(a 4xx or 5xx) in an error file, one JSON object a line:
``{"id": "batch_req_...", "custom_id", "response": {"status_code", "request_id", "body"},
"error": null}`` (where OpenAI puts failed requests too: their ``error`` is null and the
error body is the ``response``'s). Each file exists only when it has a line. The batch
adds up its lines' token ``usage``.

``POST /v1/batches/{id}/cancel`` makes a validating or running batch ``cancelling``; the
run stops before its next line and becomes ``cancelled``, the answers so far kept in the
output (and error) file, as the spec says. Cancelling a batch that has ended is a 409.

OpenAI sends ``null`` for the fields a batch does not have yet (``output_file_id``,
``completed_at``...) but its published spec declares them non-nullable strings and
integers; the emulator leaves them out, which both the spec and the SDK's types (all
``Optional``) accept, and which reads the same through the SDK.

Locks: a run's condition guards its batch object; the run writes its files under
``state.lock`` without holding its own, and no code holding ``state.lock`` takes a run's.
"""

from __future__ import annotations

import copy
import json
import secrets
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, TypedDict

from . import batch_input
from .assistants import new_id
from .conversations import page
from .errors import ApiError, invalid, not_found
from .state import EmulatorState, StoredFile

WINDOW = "24h"
_WINDOW_SECONDS = 24 * 3600
#: Statuses a batch does not leave.
FINAL = frozenset({"failed", "completed", "expired", "cancelled"})

#: Answers one line: (endpoint URL, request body) -> (HTTP status, JSON body).
Answer = Callable[[str, dict[str, Any]], tuple[int, dict[str, Any]]]


@dataclass(frozen=True)
class BatchSpeed:
    """How long a batch takes, so a test can watch it run (or make it instant):
    seconds spent ``validating``, before each line, and ``finalizing``."""

    start_delay: float = 0.0
    seconds_per_line: float = 0.0
    finalize_delay: float = 0.0


class LineResponse(TypedDict):
    status_code: int
    request_id: str
    body: dict[str, Any]


class OutputLine(TypedDict):
    """One line of a batch's output or error file."""

    id: str
    custom_id: str
    response: LineResponse
    error: None


# -- the endpoints ----------------------------------------------------------------------
def create(state: EmulatorState, body: Any, speed: BatchSpeed, answer: Answer) -> dict[str, Any]:
    """``POST /v1/batches``: check, then start the run; the batch as created."""
    batch_input.check_create(body)
    with state.lock:
        stored = state.files.get(body["input_file_id"])
    if stored is None:
        raise not_found(f"No such File object: {body['input_file_id']}", "input_file_id")
    if stored.meta.get("purpose") != "batch":
        raise invalid(
            f"Invalid 'input_file_id': {body['input_file_id']} was uploaded with purpose "
            f"'{stored.meta.get('purpose')}'; a batch's input file must have purpose 'batch'.",
            "input_file_id",
            "invalid_value",
        )
    now = _now()
    batch: dict[str, Any] = {
        "id": "batch_" + secrets.token_hex(16),
        "object": "batch",
        "endpoint": body["endpoint"],
        "input_file_id": body["input_file_id"],
        "completion_window": WINDOW,
        "status": "validating",
        "created_at": now,
        "expires_at": now + _WINDOW_SECONDS,
        "request_counts": {"total": 0, "completed": 0, "failed": 0},
        "metadata": body.get("metadata"),
        "usage": _no_usage(),
    }
    expiry = body.get("output_expires_after")
    lifetime = expiry["seconds"] if expiry else None
    run = BatchRun(state, batch, stored.content, speed, answer, lifetime)
    created = run.snapshot()  # as created: the run may be on by the time it is sent
    with state.lock:
        state.batches[batch["id"]] = run
    run.start()
    return created


def retrieve(state: EmulatorState, batch_id: str) -> dict[str, Any]:
    """``GET /v1/batches/{id}``: the batch as it is now."""
    return _lookup(state, batch_id).snapshot()


def listing(state: EmulatorState, query: Mapping[str, str]) -> dict[str, Any]:
    """``GET /v1/batches``: a cursor page, newest first (``after``, ``limit``)."""
    with state.lock:
        runs = list(state.batches.values())
    return page([run.snapshot() for run in runs], {**query, "order": "desc"})


def cancel(state: EmulatorState, batch_id: str) -> dict[str, Any]:
    """``POST /v1/batches/{id}/cancel``: ``cancelling`` (then ``cancelled``)."""
    return _lookup(state, batch_id).cancel()


def _lookup(state: EmulatorState, batch_id: str) -> BatchRun:
    with state.lock:
        run = state.batches.get(batch_id)
    if run is None:
        raise not_found(f"No batch found with id '{batch_id}'.", "batch_id")
    return run


# -- the run ----------------------------------------------------------------------------
class BatchRun:
    """One batch: its object (changed in place as it runs) and its thread."""

    def __init__(
        self,
        state: EmulatorState,
        batch: dict[str, Any],
        content: bytes,
        speed: BatchSpeed,
        answer: Answer,
        expires_after: int | None = None,
    ) -> None:
        self.state = state
        self.batch = batch
        self.content = content
        self.speed = speed
        self.answer = answer
        self.expires_after = expires_after  # seconds the output files live, if given
        self.outputs: list[OutputLine] = []
        self.failures: list[OutputLine] = []
        self.changed = threading.Condition()
        self.cancelled = False
        self.stopped = False  # the emulator stopped or forgot it
        self._thread = threading.Thread(target=self._run, daemon=True, name=batch["id"])

    def start(self) -> None:
        self._thread.start()

    def snapshot(self) -> dict[str, Any]:
        with self.changed:
            return {k: copy.deepcopy(v) for k, v in self.batch.items() if v is not None}

    def cancel(self) -> dict[str, Any]:
        with self.changed:
            status = self.batch["status"]
            if status in FINAL or status == "finalizing":
                raise ApiError(
                    409, f"Cannot cancel a batch with status '{status}'.", "invalid_request_error"
                )
            if status != "cancelling":
                self.cancelled = True
                self.batch.update(status="cancelling", cancelling_at=_now())
                self.changed.notify_all()
        return self.snapshot()

    def stop(self) -> None:
        with self.changed:
            self.stopped = True
            self.changed.notify_all()

    def _run(self) -> None:
        try:
            self._work()
        except Exception as error:  # a bug of the emulator: say so on the batch
            failure: batch_input.BatchError = {
                "code": "server_error",
                "message": str(error),
                "param": None,
                "line": None,
            }
            self._set(status="failed", failed_at=_now(), errors=_errors([failure]))

    def _work(self) -> None:
        if self._rest(self.speed.start_delay):
            self._end_cancelled()
            return
        lines, errors = batch_input.read(self.content, self.batch["endpoint"])
        if errors:
            self._set(status="failed", failed_at=_now(), errors=_errors(errors))
            return
        started = self._advance(
            status="in_progress",
            in_progress_at=_now(),
            model=batch_input.model_of(lines),
            request_counts={"total": len(lines), "completed": 0, "failed": 0},
        )
        if not started:
            self._end_cancelled()
            return
        for line in lines:
            if self._rest(self.speed.seconds_per_line):
                self._end_cancelled()
                return
            status, body = self.answer(line["url"], copy.deepcopy(line["body"]))
            self._record(line, status, body)
        if not self._advance(status="finalizing", finalizing_at=_now()):
            self._end_cancelled()
            return
        self._rest(self.speed.finalize_delay)  # a batch finalizing cannot be cancelled
        if not self.stopped:
            self._finish("completed")

    def _rest(self, seconds: float) -> bool:
        """Wait ``seconds`` unless cancelled or stopped first (then say so)."""
        with self.changed:
            return self.changed.wait_for(lambda: self.cancelled or self.stopped, seconds)

    def _advance(self, **fields: Any) -> bool:
        """Move on (update the batch with ``fields``) unless cancelled or stopped."""
        with self.changed:
            if self.cancelled or self.stopped:
                return False
            self.batch.update(fields)
            return True

    def _set(self, **fields: Any) -> None:
        with self.changed:
            self.batch.update(fields)

    def _record(self, line: batch_input.BatchLine, status: int, body: dict[str, Any]) -> None:
        out: OutputLine = {
            "id": new_id("batch_req"),
            "custom_id": line["custom_id"],
            "response": {"status_code": status, "request_id": secrets.token_hex(16), "body": body},
            "error": None,
        }
        with self.changed:
            counts = self.batch["request_counts"]
            if status < 400:
                self.outputs.append(out)
                counts["completed"] += 1
                _add_usage(self.batch["usage"], body.get("usage") or {})
            else:
                self.failures.append(out)
                counts["failed"] += 1

    def _end_cancelled(self) -> None:
        if not self.stopped:
            self._finish("cancelled")

    def _finish(self, status: str) -> None:
        """Write the output and error files (those with lines), then end as ``status``."""
        with self.changed:
            outputs, failures = list(self.outputs), list(self.failures)
        files = {"output_file_id": self._store(outputs, "output")}
        files["error_file_id"] = self._store(failures, "error")
        ended = {f"{status}_at": _now()}
        self._set(**{k: v for k, v in files.items() if v}, **ended, status=status)

    def _store(self, lines: list[OutputLine], kind: str) -> str | None:
        if not lines:
            return None
        content = "".join(json.dumps(line) + "\n" for line in lines).encode()
        now = _now()
        meta: dict[str, Any] = {
            "id": "file-" + secrets.token_hex(11),
            "object": "file",
            "bytes": len(content),
            "created_at": now,
            "filename": f"{self.batch['id']}_{kind}.jsonl",
            "purpose": "batch_output",
            "status": "processed",
        }
        if self.expires_after:
            meta["expires_at"] = now + self.expires_after
        with self.state.lock:
            self.state.files[meta["id"]] = StoredFile(meta, content)
        return str(meta["id"])


def _now() -> int:
    return int(time.time())


def _errors(data: list[batch_input.BatchError]) -> dict[str, Any]:
    return {"object": "list", "data": data}


def _no_usage() -> dict[str, Any]:
    return {
        "input_tokens": 0,
        "input_tokens_details": {"cached_tokens": 0},
        "output_tokens": 0,
        "output_tokens_details": {"reasoning_tokens": 0},
        "total_tokens": 0,
    }


def _add_usage(total: dict[str, Any], usage: Mapping[str, Any]) -> None:
    """Add one answer's usage (either API's names) to a batch's ``usage``."""
    inp = usage.get("input_tokens", usage.get("prompt_tokens")) or 0
    out = usage.get("output_tokens", usage.get("completion_tokens")) or 0
    details = usage.get("input_tokens_details") or usage.get("prompt_tokens_details") or {}
    thought = usage.get("output_tokens_details") or usage.get("completion_tokens_details") or {}
    total["input_tokens"] += inp
    total["output_tokens"] += out
    total["total_tokens"] += inp + out
    total["input_tokens_details"]["cached_tokens"] += details.get("cached_tokens") or 0
    total["output_tokens_details"]["reasoning_tokens"] += thought.get("reasoning_tokens") or 0
