"""How a long conversation scales: request size per turn, export and resume of 1,000
turns, memory kept per turn.

    python bench/scale.py [--quick]

* Request bytes: a ``Session`` drives N turns against the emulator; each request's
  size is its ``content-length`` as the emulator received it. Chaining by
  ``previous_response_id`` should stay flat; resending history grows with every turn.
* Export and resume: a realistic 1,000-turn conversation (prompts and Markdown answers
  of a few hundred characters, usage, a tool call every 10th turn, reasoning every 5th)
  built directly, then written and read back each way. Each is timed against the
  target and against a baseline doing the same I/O with no jupyter_responses code in
  it, measured in this run (named in each row's note).
* Memory: ``tracemalloc`` bytes still held after N turns of a ``Session`` (the emulator
  runs in its own process so its records are not counted), per turn, against the size
  of the turn's own text.
"""

from __future__ import annotations

import contextlib
import dataclasses
import gc
import io
import json
import random
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Callable
from pathlib import Path
from types import SimpleNamespace
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import Row, main

from jupyter_responses.config import ResponsesConfig
from jupyter_responses.conversation import Conversation, Turn
from jupyter_responses.emulator import Emulator
from jupyter_responses.events import Usage
from jupyter_responses.export import export
from jupyter_responses.importing import read_conversation
from jupyter_responses.render.terminal import TerminalView
from jupyter_responses.serialize import conversation_to_dict, turn_to_dict
from jupyter_responses.session import Session
from jupyter_responses.store import Store
from jupyter_responses.turn_request import TurnRequest

TARGET_SECONDS = 1.0
BIG = 1000  # turns in the export/resume conversation

VOCABULARY = (
    "the a of to and in data frame model value column index plot mean error test result "
    "function return list dict key row table query cache memory time series sample group "
    "filter merge sort count sum type string number array shape axis label train loss"
)
WORDS = VOCABULARY.split()


def _prose(rng: random.Random, chars: int) -> str:
    words: list[str] = []
    while sum(len(w) + 1 for w in words) < chars:
        words.append(rng.choice(WORDS))
    return " ".join(words).capitalize() + "."


def _prompt(rng: random.Random, number: int) -> str:
    return f"Question {number}: " + _prose(rng, rng.randint(150, 300))


def _answer(rng: random.Random) -> str:
    """A Markdown answer of a few hundred characters: prose, a list or a code block."""
    parts = [_prose(rng, rng.randint(120, 250))]
    shape = rng.random()
    if shape < 0.3:
        parts.append("\n".join(f"- {_prose(rng, 40)}" for _ in range(3)))
    elif shape < 0.5:
        parts.append("```python\ndf = df.groupby('key').agg({'value': 'mean'})\nprint(df)\n```")
    parts.append(_prose(rng, rng.randint(60, 150)))
    return "\n\n".join(parts)


# -- request bytes per turn --------------------------------------------------------------
def _session(url: str, db_path: str = ":memory:") -> Session:
    settings = ResponsesConfig(
        base_url=url, max_retries=0, widgets=False, db_path=db_path
    ).settings()
    return Session(lambda: settings)


def _run_turns(session: Session, request: Callable[[int], TurnRequest], n: int) -> list[Turn]:
    """``n`` turns, each from its own notebook cell, as a kernel runs them."""
    turns = []
    with contextlib.redirect_stdout(io.StringIO()):
        for number in range(1, n + 1):
            cell = f"cell-{number}"
            session.note_cell(SimpleNamespace(cell_id=cell))
            turns.append(session.run(request(number), TerminalView(), cell_id=cell))
    return turns


def _request_sizes(emulator: Emulator, path: str, api: str, resend: bool, n: int) -> list[int]:
    """The body size of each of ``n`` turns' requests. Prompts all have the same length
    (240 characters), so any growth is history."""
    rng = random.Random(7)
    before = len(emulator.requests(path))
    session = _session(emulator.url)
    _run_turns(
        session,
        lambda number: TurnRequest(
            api=api,
            prompt=(f"Question {number:04d}: " + _prose(rng, 260))[:240],
            model="gpt-4.1",
            resend_history=resend,
        ),
        n,
    )
    session.threads.close()
    sent = emulator.requests(path)[before:]
    assert len(sent) == n, (path, len(sent), n)
    return [int(r.headers["content-length"]) for r in sent]


def request_rows(n: int) -> list[Row]:
    modes = [
        ("chained (%%respond, previous_response_id)", "/v1/responses", "responses", False),
        ("resent (%%respond, resend_history=True)", "/v1/responses", "responses", True),
        ("resent (%%chat)", "/v1/chat/completions", "chat", False),
    ]
    out: list[Row] = []
    totals: dict[str, int] = {}
    with Emulator() as emulator:
        for label, path, api, resend in modes:
            sizes = _request_sizes(emulator, path, api, resend, n)
            totals[label] = sum(sizes)
            slope = statistics.linear_regression(range(1, n + 1), sizes).slope
            chained = not resend and api == "responses"
            # turn 1 of a chain has no previous_response_id yet: compare with turn 2
            first = 2 if chained else 1
            ratio = sizes[-1] / sizes[first - 1]
            out.append(
                Row(
                    "Scale: request bytes",
                    f"{label}: turn {n} / turn {first}",
                    f"{ratio:.2f}×" if ratio < 10 else f"{ratio:.0f}×",
                    "constant (≤ 1.05×)" if chained else "",
                    ratio <= 1.05 if chained else None,
                    f"turn 1 {sizes[0]:,} B, turn 2 {sizes[1]:,} B, turn {n // 2} "
                    f"{sizes[n // 2 - 1]:,} B, turn {n} {sizes[-1]:,} B; least-squares slope "
                    f"{slope:,.1f} B/turn",
                )
            )
    chained_total = totals[modes[0][0]]
    for label, *_ in modes[1:]:
        out.append(
            Row(
                "Scale: request bytes",
                f"total sent over {n} turns, {label.split(' (')[0]} {label.split(' ', 1)[1]} / "
                "chained",
                f"{totals[label] / chained_total:.1f}×",
                note=f"{totals[label]:,} B vs {chained_total:,} B (request bodies, content-length)",
            )
        )
    return out


# -- export and resume of 1,000 turns ----------------------------------------------------
def big_conversation(n: int = BIG, seed: int = 1) -> Conversation:
    rng = random.Random(seed)
    conversation = Conversation(system="You are a careful data analyst.")
    start = time.time() - n * 60
    parent = None
    for number in range(1, n + 1):
        text = _answer(rng)
        turn = Turn(
            api="responses" if number % 4 else "chat",
            model="gpt-4.1",
            prompt=_prompt(rng, number),
            parent=parent,
            status="completed",
            text=text,
            response_id=f"resp_{rng.getrandbits(192):048x}" if number % 4 else None,
            stored=bool(number % 4),
            usage=Usage(input_tokens=rng.randint(50, 4000), output_tokens=rng.randint(40, 400)),
            started=start + number * 60,
            finished=start + number * 60 + rng.uniform(0.5, 8),
            cell_id=f"cell-{number}",
            magic="%%respond" if number % 4 else "%%chat",
        )
        if number % 5 == 0:
            turn.reasoning = _prose(rng, 120)
            turn.usage = dataclasses.replace(turn.usage, reasoning_tokens=rng.randint(20, 300))
            turn.output.append(
                {
                    "type": "reasoning",
                    "summary": turn.reasoning,
                    "item": {"type": "reasoning", "id": f"rs_{number}", "summary": []},
                }
            )
        if number % 10 == 0:
            call_id = f"call_{number:06d}"
            arguments = json.dumps({"column": rng.choice(WORDS), "limit": rng.randint(1, 50)})
            result = json.dumps({"rows": [rng.random() for _ in range(8)]})
            turn.output += [
                {
                    "type": "function_call",
                    "call_id": call_id,
                    "name": "query",
                    "arguments": arguments,
                },
                {"type": "function_call_output", "call_id": call_id, "output": result},
            ]
            turn.calls.append(
                {"call_id": call_id, "name": "query", "kind": "function", "arguments": arguments,
                 "status": "done", "output": result, "error": None, "seconds": 0.01}
            )  # fmt: skip
        turn.output.append({"type": "message", "text": text})
        conversation.append(turn)
        parent = turn.id
    return conversation


def _plain_notebook(conversation: Conversation) -> Any:
    """The baseline notebook: as many code cells, each its prompt and its answer as one
    ``text/plain`` output (no metadata, no HTML)."""
    import nbformat.v4 as v4

    notebook = v4.new_notebook()
    notebook.cells = [v4.new_markdown_cell("# Conversation"), v4.new_code_cell("%load_ext x")]
    for count, turn in enumerate(conversation.branch(), start=1):
        notebook.cells.append(
            v4.new_code_cell(
                "%%respond\n" + turn.prompt,
                execution_count=count,
                outputs=[v4.new_output("display_data", data={"text/plain": turn.text})],
            )
        )
    return notebook


def _timed(run: Callable[[], object], repeat: int) -> float:
    times = []
    for _ in range(repeat):
        gc.collect()
        began = time.perf_counter()
        run()
        times.append(time.perf_counter() - began)
    return statistics.median(times)


def _save_turn_by_turn(conversation: Conversation, path: Path) -> None:
    path.unlink(missing_ok=True)
    store = Store(path)
    growing = Conversation(id=conversation.id, system=conversation.system)
    for turn in conversation.turns.values():
        growing.append(turn)
        store.save(growing)
    store.close()


def _raw_save_turn_by_turn(rows: list[tuple[str, str]], path: Path) -> None:
    """Baseline: one INSERT of the turn's JSON per transaction, same pragmas, no code
    of ours."""
    path.unlink(missing_ok=True)
    db = sqlite3.connect(path, isolation_level=None)
    db.execute("PRAGMA journal_mode = WAL")
    db.execute("PRAGMA synchronous = NORMAL")
    db.execute("CREATE TABLE turns (turn_id TEXT PRIMARY KEY, seq INTEGER, data TEXT)")
    for seq, (turn_id, data) in enumerate(rows):
        db.execute("BEGIN IMMEDIATE")
        db.execute("INSERT INTO turns VALUES (?, ?, ?)", (turn_id, seq, data))
        db.execute("COMMIT")
    db.close()


def _raw_load(path: Path) -> list[Any]:
    db = sqlite3.connect(path)
    rows = db.execute("SELECT data FROM turns ORDER BY seq").fetchall()
    db.close()
    return [json.loads(text) for (text,) in rows]


def _resume(path: Path, conversation_id: str) -> Conversation:
    store = Store(path)
    try:
        return store.load(conversation_id)
    finally:
        store.close()


def export_rows(quick: bool) -> list[Row]:
    import nbformat

    repeat = 1 if quick else 3
    conversation = big_conversation()
    n = len(conversation.turns)
    plain = conversation_to_dict(conversation)
    turn_json = [(turn.id, json.dumps(turn_to_dict(turn))) for turn in conversation.turns.values()]
    plain_notebook = _plain_notebook(conversation)
    out: list[Row] = []
    with tempfile.TemporaryDirectory(prefix="jr-bench-scale-") as folder:
        tmp = Path(folder)
        ours_nb, ours_json = tmp / "ours.ipynb", tmp / "ours.json"
        base_nb, base_json = tmp / "plain.ipynb", tmp / "plain.json"
        ours_db, base_db = tmp / "ours.sqlite3", tmp / "plain.sqlite3"
        cases = [
            (
                f"export {n} turns to .ipynb",
                lambda: export(conversation, ours_nb),
                lambda: nbformat.write(plain_notebook, base_nb),
                "nbformat.write of a plain notebook with the same cells (prompt source, "
                "answer as one text/plain output)",
            ),
            (
                f"export {n} turns to .json",
                lambda: export(conversation, ours_json),
                lambda: base_json.write_text(json.dumps(plain, indent=1), "utf-8"),
                "json.dumps(indent=1) + write of the same conversation, already a dict",
            ),
            (
                f"import {n} turns from .ipynb",
                lambda: read_conversation(ours_nb),
                lambda: nbformat.read(base_nb, as_version=4),
                "nbformat.read of the plain notebook above",
            ),
            (
                f"import {n} turns from .json",
                lambda: read_conversation(ours_json),
                lambda: json.loads(ours_json.read_text("utf-8")),
                "read + json.loads of the same file",
            ),
            (
                f"SQLite: save after each of {n} turns (Store.save)",
                lambda: _save_turn_by_turn(conversation, ours_db),
                lambda: _raw_save_turn_by_turn(turn_json, base_db),
                "raw sqlite3, one INSERT of the turn's JSON per transaction, same pragmas",
            ),
            (
                f"resume {n} turns (Store open + load)",
                lambda: _resume(ours_db, conversation.id),
                lambda: _raw_load(base_db),
                "raw sqlite3 connect + SELECT ordered + json.loads of each turn",
            ),
        ]
        sizes: dict[str, int] = {}
        for measure, ours, baseline, how in cases:
            ours()
            baseline()  # warm: imports, files, caches
            mine = _timed(ours, repeat)
            base = _timed(baseline, repeat)
            met = mine <= TARGET_SECONDS
            note = f"baseline: {how}"
            if measure.startswith("export") and ".ipynb" in measure:
                sizes = {"ours": ours_nb.stat().st_size, "plain": base_nb.stat().st_size}
                note += (
                    f"; files {sizes['ours'] / 1e6:.1f} MB vs {sizes['plain'] / 1e6:.1f} MB "
                    f"({sizes['ours'] / sizes['plain']:.1f}×: HTML bundle + turn record)"
                )
            out.append(
                Row(
                    "Scale: 1,000 turns",
                    measure,
                    f"{mine:.2f} s = {mine / base:.1f}× baseline",
                    f"≤ {TARGET_SECONDS:.0f} s",
                    met,
                    note,
                )
            )
        resumed = _resume(ours_db, conversation.id)
        assert [t.id for t in resumed.branch()] == [t.id for t in conversation.branch()]
        assert len(read_conversation(ours_nb).turns) == n
    return out


# -- memory per turn ---------------------------------------------------------------------
@contextlib.contextmanager
def _emulator_process() -> Any:
    """The emulator in its own process, so its records of our requests are not ours."""
    child = subprocess.Popen(
        [sys.executable, "-m", "jupyter_responses.emulator"],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert child.stdout is not None
        yield child.stdout.readline().strip()
    finally:
        child.terminate()
        child.wait(timeout=10)


def memory_rows(n: int) -> list[Row]:
    rng = random.Random(11)
    with _emulator_process() as url, tempfile.TemporaryDirectory(prefix="jr-bench-mem-") as tmp:
        session = _session(url, str(Path(tmp) / "conversations.sqlite3"))

        def request(number: int) -> TurnRequest:
            return TurnRequest(api="responses", prompt=_prompt(rng, number), model="gpt-4.1")

        _run_turns(session, request, 5)  # warm: client, connection, store, imports
        gc.collect()
        tracemalloc.start()
        before = tracemalloc.take_snapshot()
        held_before = tracemalloc.get_traced_memory()[0]
        turns = _run_turns(session, request, n // 2)
        gc.collect()
        held_half = tracemalloc.get_traced_memory()[0]
        turns += _run_turns(session, request, n - n // 2)
        gc.collect()
        held_after = tracemalloc.get_traced_memory()[0]
        after = tracemalloc.take_snapshot()
        tracemalloc.stop()
        session.threads.close()
    per_turn = (held_after - held_before) / n
    first_half = (held_half - held_before) / (n // 2)
    second_half = (held_after - held_half) / (n - n // 2)
    text = statistics.mean(len(t.prompt.encode()) + len(t.text.encode()) for t in turns)
    record = statistics.mean(len(json.dumps(turn_to_dict(t)).encode()) for t in turns)
    top = after.compare_to(before, "filename")[:3]
    where = ", ".join(
        f"{Path(s.traceback[0].filename).name} {s.size_diff / n / 1000:.1f} kB" for s in top
    )
    return [
        Row(
            "Scale: memory",
            f"Python heap kept per turn over {n} turns (%%respond, chained)",
            f"≈ {per_turn / 1000:.1f} kB/turn = {per_turn / text:.1f}× the turn's text",
            note=f"text = prompt + answer, mean {text:,.0f} B; the turn's JSON record is "
            f"{record:,.0f} B ({per_turn / record:.1f}×). tracemalloc after gc, emulator in "
            f"another process; largest per turn by file: {where}",
        ),
        Row(
            "Scale: memory",
            "kept per turn, second half / first half of the turns",
            f"{second_half / first_half:.2f}×",
            "≤ 1.2× (no growth)",
            second_half / first_half <= 1.2,
            f"{first_half / 1000:.1f} kB then {second_half / 1000:.1f} kB per turn: "
            "what a turn keeps does not grow with the conversation",
        ),
    ]


def rows(quick: bool) -> list[Row]:
    turns = 50 if quick else 200
    return request_rows(turns) + export_rows(quick) + memory_rows(turns)


if __name__ == "__main__":
    main(rows)
