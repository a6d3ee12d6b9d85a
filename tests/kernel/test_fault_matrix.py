"""The fault matrix of issue 8: every fault the emulator injects, through ``%%respond``,
``%%chat`` and (a representative subset) the chat panel, in real kernels over HTTP.

Each case runs three turns in a fresh conversation: ``first`` completes, ``second``
meets the fault, ``third`` completes. It checks the message (one line, the key
phrase, no traceback, no key, the same words recorded with the turn), the answer that
arrived (kept, shown and saved, with no "Failed" line repeating the error), how many
requests the server saw (the SDK's retries),
what turn 2 and turn 3 sent (``previous_response_id`` or the history: never a failed
turn), and that memory (``%responses history``) and SQLite both hold all three turns.
The rows for long work (``faults.LONG_WORK``: compaction, ``--truncation auto``) send
turns 2 and 3 as their own cell, turn 3 being the retry (or the advice followed).

One kernel per API serves every case (``max_retries = 1``, so retries are quick). Each
case gets its own emulator, so its own base URL: what a kernel notices about a server
(one that ignores ``previous_response_id``) stays with that case.

Every case records what it observed, whether or not it passed; the last test writes
the table to ``docs/reliability.md`` (a full run of this file regenerates it), with
✗ on any observation that differs from what the case expects, which also fails it.
"""

from __future__ import annotations

import html
import itertools
import json
import re
import socket
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from jupyter_responses.chat_panel.wording import for_panel
from jupyter_responses.commands import COMPACT_PROMPT
from jupyter_responses.emulator import Emulator
from jupyter_responses.render.base import STATUS_LINES
from jupyter_responses.store import Store

from .faults import FAULTS, LONG_WORK, PATHS, Cell, Fault
from .harness import API_KEY, KernelSession
from .recorded import DB, LOAD, requests, user_texts

DOC = Path(__file__).resolve().parents[2] / "docs" / "reliability.md"
TIMEOUT = 20.0  # the kernel's timeout, but where a case shortens it
CONTEXT = ("completed", "incomplete")
MARKS = {"completed": "✓", "incomplete": "…", "failed": "✗", "interrupted": "⏹"}
ROWS = [*FAULTS, *LONG_WORK]

VIAS = {
    "respond": ("responses", "%%respond"),
    "chat": ("chat", "%%chat"),
    "panel-responses": ("responses", "panel (Responses)"),
    "panel-chat": ("chat", "panel (Chat)"),
}


def _slug(name: str) -> str:
    return re.sub(r"[^\w.]+", "-", name).strip("-")


CASES = [
    pytest.param(fault, via, id=f"{_slug(fault.name)}-{via}")
    for fault in ROWS
    for via in VIAS
    if VIAS[via][0] in (fault.panel if via.startswith("panel") else fault.apis)
]
CASE_IDS = [case.id for case in CASES]


# -- what a case observes ---------------------------------------------------------------------
@dataclass
class Seen:
    """What one turn showed: its error (in a cell, the block under the error's own
    name: its heading over the message; the panel's notice) and the text on screen."""

    ename: str | None = None
    message: str = ""
    traceback: str = ""
    shown: str = ""
    heading: str = ""


@dataclass
class Outcome:
    """One row of docs/reliability.md: each column observed, and what was not as the
    case expects."""

    fault: str
    via: str
    message: str = ""
    kept: str = ""
    attempts: str = ""
    turn2: str = ""
    turn3: str = ""
    saved: str = ""
    problems: list[str] = field(default_factory=list)
    finished: bool = False

    def check(self, ok: bool, column: str, what: str) -> None:
        if not ok:
            self.problems.append(f"{column}: {what}")


PANEL = """
import json as _json
import jupyter_responses as _jr
p = _jr.panel()

def _texts(widget):
    found = [str(getattr(widget, "value", ""))]
    for child in getattr(widget, "children", ()):
        found += _texts(child)
    return found

def _panel_turn(api, text):
    p.api.value = api
    p.send(text)
    p.worker.join(60)
    newest = p.messages.box.children[0] if p.messages.box.children else None
    shown = " ".join(_texts(newest)) if newest is not None else ""
    print(_json.dumps({"busy": p.busy, "notice": p.last_error, "shown": shown}))
"""


class Kernels:
    """One kernel per API, started on first use, each with the extension loaded."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.open: dict[str, KernelSession] = {}
        self.panels: set[str] = set()

    def get(self, api: str, panel: bool) -> KernelSession:
        if api not in self.open:
            kernel = KernelSession({"OPENAI_API_KEY": API_KEY}, workdir=self.root / api)
            self.open[api] = kernel
            kernel.execute(f"{LOAD}\n%config ResponsesMagics.max_retries = 1")
        if panel and api not in self.panels:
            self.open[api].execute(PANEL)
            self.panels.add(api)
        return self.open[api]

    def close(self) -> None:
        for kernel in self.open.values():
            kernel.close()


@pytest.fixture(scope="module")
def kernels(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Kernels]:
    opened = Kernels(tmp_path_factory.mktemp("fault-matrix"))
    try:
        yield opened
    finally:
        opened.close()


def _turn(kernel: KernelSession, via: str, prompt: str, code: str = "") -> Seen:
    """Run one turn through ``via``: in a cell, ``code`` (by default the via's magic over
    ``prompt``); in the panel, ``prompt`` sent from its box."""
    if not via.startswith("panel"):
        code = code or f"{VIAS[via][1]}\n{prompt}"
        result = kernel.execute(code, timeout=90, allow_errors=True)
        error = result.error
        if error is None:
            return Seen(shown=result.plain)
        return Seen(error.ename, error.evalue, error.traceback, result.plain, error.heading)
    label = "Responses" if via == "panel-responses" else "Chat Completions"
    out = kernel.execute(f"_panel_turn({label!r}, {prompt!r})", timeout=90).stdout
    seen = json.loads(out)
    assert not seen["busy"], "the panel's turn did not end"
    notice = html.unescape(re.sub(r"<[^>]*>", "", seen["notice"]))
    shown = html.unescape(re.sub(r"<[^>]*>", " ", seen["shown"]))
    return Seen("notice" if notice else None, notice, "", " ".join(shown.split()))


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _portless(text: str) -> str:
    return re.sub(r"127\.0\.0\.1:\d+", "127.0.0.1:PORT", text)


Shape = tuple[str, list[str]]  # (the turn a request chains to, or "", its user prompts)


def _shape(body: dict[str, Any], ids: dict[str, str]) -> Shape:
    """(what the request continues, its user texts): a turn by its response id, or a
    server-side conversation, named in the order they appear ("conversation 1")."""
    conversation = body.get("conversation")
    if conversation:
        number = 1 + sum(name.startswith("conversation") for name in ids.values())
        return ids.setdefault(conversation, f"conversation {number}"), user_texts(body)
    previous = body.get("previous_response_id")
    return (ids.get(previous, f"unknown {previous}") if previous else "", user_texts(body))


def _describe(shapes: list[Shape]) -> str:
    """``[("turn 1", ["second"])] * 2`` -> ``chained to turn 1 (+ second), 2 times``."""
    parts = []
    for (chain, sent), group in itertools.groupby(shapes):
        count = len(list(group))
        texts = ["(the compaction prompt)" if text == COMPACT_PROMPT else text for text in sent]
        link = "in" if chain.startswith("conversation") else "chained to"
        said = f"{link} {chain} (+ {', '.join(texts)})" if chain else "history: "
        said += "" if chain else ", ".join(texts)
        parts.append(f"{said}, {count} times" if count > 1 else said)
    return ", then ".join(parts) or "nothing"


def _expected_shapes(fault: Fault, cell2: Cell, cell3: Cell) -> tuple[list[Shape], Shape]:
    """What turn 2's requests and turn 3's request must carry. A server's compaction
    sends the history as its input, chained to nothing (its user prompts: the turns
    before, not the compaction's own prompt)."""
    history = ("", ["first", cell2.prompt])
    if fault.server:  # turn 2 copies the branch into conversation 1; turn 3 continues it,
        # or, after a failed turn 2 (which moved it on), copies the branch into another
        answered = fault.status in CONTEXT
        return [("conversation 1", [cell2.prompt])] * fault.attempts, (
            "conversation 1" if answered else "conversation 2",
            [cell3.prompt],
        )
    if cell2.server_compacts:
        second = [("", ["first"])] * fault.attempts
    elif cell2.api == "chat":
        second = [history] * fault.attempts
    elif fault.forget:
        second = [("turn 1", [cell2.prompt]), history]
    else:
        second = [("turn 1", [cell2.prompt]) if fault.chained else history] * fault.attempts
    context = ["first", cell2.prompt] if fault.status in CONTEXT else ["first"]
    if cell3.server_compacts:
        third: Shape = ("", context)
    elif cell3.api == "chat" or fault.resends:
        third = ("", [*context, cell3.prompt])
    else:
        third = ("turn 2" if fault.status in CONTEXT else "turn 1", [cell3.prompt])
    return second, third


def _truncating(cell: Cell, sent: list[Any]) -> str:
    """Said after what a ``--truncation auto`` turn sent (the column says it asked)."""
    return ", with truncation: auto" if cell.truncates and sent else ""


def _listed(shown: str, prompt: str) -> bool:
    """Whether ``%responses history`` lists ``prompt`` as ``shown`` (cut with "…")."""
    return shown == prompt or (shown.endswith("…") and prompt.startswith(shown[:-1]))


OUTCOMES: dict[str, Outcome] = {}


# -- the matrix -------------------------------------------------------------------------------
@pytest.mark.parametrize(("fault", "via"), CASES)
def test_fault(kernels: Kernels, fault: Fault, via: str, request: pytest.FixtureRequest) -> None:
    api, label = VIAS[via]
    if fault.cell:  # turn 2 is sent otherwise than by the via's plain magic
        label = Cell.of(fault.cell, api, "").line
    kernel = kernels.get(api, panel=via.startswith("panel"))
    outcome = OUTCOMES[request.node.callspec.id] = Outcome(fault.name, label)
    with Emulator() as emulator:
        _run(kernel, emulator, fault, api, via, outcome)
    assert not outcome.problems, "\n".join(outcome.problems)


def _run(
    kernel: KernelSession, emu: Emulator, fault: Fault, api: str, via: str, outcome: Outcome
) -> None:
    here = f"%config ResponsesMagics.base_url = {emu.url!r}"
    cell2 = Cell.of(fault.cell, api, "second")
    cell3 = Cell.of(fault.fix or fault.cell, api, "third")
    status = kernel.execute(
        f"{here}\n%config ResponsesMagics.timeout = {TIMEOUT}\n"
        "%config ResponsesMagics.resend_history = False\n"
        "%config ResponsesMagics.background = False\n"
        "%config ResponsesMagics.server_conversations = False\n%responses new\n%responses status"
    ).stdout
    found = re.search(r"\(conversation (\S+),", status)
    assert found, status
    first = _turn(kernel, via, "first")
    outcome.check(first.ename is None, "turn 1", f"failed: {first.message}")

    if fault.forget:
        with emu.state.lock:
            emu.state.responses.clear()
    emu.enqueue(*fault.replies(api))
    if fault.window is not None:
        emu.context_window = fault.window
    config = [fault.config] if fault.config else []
    if fault.refused:
        config.append(f"%config ResponsesMagics.base_url = 'http://127.0.0.1:{_closed_port()}/v1'")
    if config:
        kernel.execute("\n".join(config))
    before = len(emu.requests(cell2.path))
    second = _turn(kernel, via, cell2.prompt, cell2.code)
    sent = emu.requests(cell2.path)[before:]
    if config:
        kernel.execute(f"{here}\n%config ResponsesMagics.timeout = {TIMEOUT}")
    before = len(emu.requests(cell3.path))
    third = _turn(kernel, via, cell3.prompt, cell3.code)
    sent3 = emu.requests(cell3.path)[before:]
    outcome.check(third.ename is None, "turn 3", f"failed: {third.message}")
    for path in {PATHS[api], cell2.path, cell3.path}:
        requests(emu, path)  # each one valid against OpenAI's spec
    history = kernel.execute("%responses history").stdout
    store = Store(kernel.workdir / DB)
    try:
        turns = store.load(found.group(1)).branch()
    finally:
        store.close()
    assert len(turns) == 3, [(t.prompt, t.status) for t in turns]
    turn2 = turns[1]

    # The message: one block (a heading over one line), the key phrase, no traceback or
    # key, recorded with the turn.
    in_cell = not via.startswith("panel")
    if second.ename is not None:
        shown_as = f"`{second.ename}` **{second.heading}**: " if in_cell else ""
        outcome.message = shown_as + _portless(second.message)
    else:
        said = turn2.notes or [STATUS_LINES.get(turn2.status, "")]
        outcome.message = "no error" + (f"; {said[0]}" if said[0] else "")
    if fault.phrase:
        expected = fault.error if in_cell else "notice"
        outcome.check(second.ename == expected, "message", f"{second.ename}, not {expected}")
        outcome.check(fault.phrase in second.message, "message", f"no {fault.phrase!r}")
        outcome.check(fault.hint in second.message, "message", f"no {fault.hint!r}")
        outcome.check("\n" not in second.message.strip(), "message", "more than one line")
        outcome.check("Traceback" not in second.traceback, "message", "a traceback")
        lines = second.traceback.splitlines()
        block = len(lines) == 2 and lines[0] == second.heading and lines[1][1:] in second.message
        outcome.check(block or not in_cell, "message", "not one block: heading, message")
        recorded = turn2.error if in_cell else for_panel(turn2.error or "")
        outcome.check(recorded == second.message, "message", "not the recorded error")
    else:
        outcome.check(second.ename is None, "message", f"{second.ename}: {second.message}")
        outcome.check(fault.shows in second.shown, "message", f"{fault.shows!r} not shown")
    outcome.check(API_KEY not in second.message + second.shown, "message", "the API key")

    # The answer that arrived: kept, shown and saved.
    outcome.kept = f"`{turn2.text}`" if turn2.text else "— (none arrived)"
    outcome.check(turn2.text == fault.partial, "answer", f"{turn2.text!r}, not {fault.partial!r}")
    outcome.check(fault.partial in second.shown, "answer", "not shown")
    outcome.check(STATUS_LINES["failed"] not in second.shown, "answer", "a 'Failed' line too")

    # What the server saw: the SDK's retries, then what turns 2 and 3 sent.
    outcome.attempts = str(len(sent))
    outcome.check(len(sent) == fault.attempts, "requests", f"{len(sent)}, not {fault.attempts}")
    if fault.retry_after is not None and len(sent) > 1:
        waited = sent[1].time - sent[0].time
        honoured = waited >= fault.retry_after * 0.95
        outcome.attempts += (
            f" (the retry waited the {fault.retry_after:g} s of retry-after)"
            if honoured
            else f" (the retry came after {waited:.2f} s)"
        )
        outcome.check(honoured, "requests", f"retry-after not honoured ({waited:.2f} s)")
    ids = {t.response_id: f"turn {n}" for n, t in enumerate(turns[:2], 1) if t.response_id}
    expect2, expect3 = _expected_shapes(fault, cell2, cell3)
    shapes2 = [_shape(r.body, ids) for r in sent]
    outcome.turn2 = _describe(shapes2) + _truncating(cell2, sent)
    outcome.check(shapes2 == expect2, "turn 2 sent", f"not {_describe(expect2)}")
    shapes3 = [_shape(r.body, ids) for r in sent3]
    outcome.turn3 = _describe(shapes3) + _truncating(cell3, sent3)
    outcome.check(shapes3 == [expect3], "turn 3 sent", f"not {_describe([expect3])}")
    for cell, bodies in ((cell2, sent), (cell3, sent3)):  # --truncation auto sent as asked
        truncating = [r.body.get("truncation") == "auto" for r in bodies]
        outcome.check(truncating == [cell.truncates] * len(bodies), "sent", "truncation")

    # Every turn in memory and in SQLite, with the right status.
    expected_turns = [
        ("first", "completed"),
        (cell2.prompt, fault.status),
        (cell3.prompt, "completed"),
    ]
    memory = re.findall(r"^\s*\d+\. (\S) \[[^]]+\] (.*?) → ", history, re.M)
    stored = [(t.prompt, t.status) for t in turns]
    outcome.saved = (
        f"memory {' '.join(mark for mark, _ in memory)} · "
        f"SQLite {' '.join(MARKS.get(st, '?') for _, st in stored)}"
    )
    listed = len(memory) == len(expected_turns) and all(
        mark == MARKS[st] and _listed(shown, prompt)
        for (mark, shown), (prompt, st) in zip(memory, expected_turns, strict=False)
    )
    outcome.check(listed, "saved", "memory")
    outcome.check(stored == expected_turns, "saved", "SQLite")
    outcome.check(all(t.text for t in (turns[0], turns[2])), "saved", "an answer is missing")
    outcome.finished = True


# -- the generated page -----------------------------------------------------------------------
HEADER = """\
# Reliability: the fault matrix

<!-- Generated by tests/kernel/test_fault_matrix.py: a full run of that file rewrites
this page. Do not edit it by hand. -->

Every fault the emulator injects, through `%%respond`, `%%chat` and (a representative
subset) the chat panel, in real IPython kernels talking HTTP to the emulator, with
`%config ResponsesMagics.max_retries = 1`. In each case, in a fresh conversation, turn
1 (`first`) completes, turn 2 (`second`) meets the fault and turn 3 (`third`)
completes. `PORT` stands for the port of the server the case used.

The rows for long work send turns 2 and 3 as the cell in **Via**: a compaction
(`%responses compact`, which asks the model the compaction prompt on Chat, or
`--compact`; on Responses the server compacts at `/responses/compact`, sent the history
as its input) or a `--truncation auto` turn. Turn 3 is then the same cell again (the
retry), or where the error advises another cell, that one: after "no compaction
endpoint", `%responses compact --api chat`; after "too long for this model" (the
emulator's own 400 over a 20-token window), `%%respond --truncation auto`.

- **Message**: what turn 2 shows: in a cell, one error block under the error's own
  class (listed first), its heading (in bold) over one line, and no traceback; the
  panel's notice; or for a turn that did not fail, its note or status line. The line is
  also the error recorded with the turn.
- **Answer kept**: turn 2's answer as saved; it is also shown in the cell or panel,
  with no "Failed" line under it (the error says so, once).
- **Requests**: requests for turn 2 the server received (the SDK's retries included).
- **Turn 2 sent**, **Turn 3 sent**: `chained to turn N (+ prompt)` is
  `previous_response_id` with only the new prompt; `history: …` is the whole history
  resent (its user prompts listed). A failed turn is never sent or chained to.
- **Saved**: the three turns' marks (✓ completed, ✗ failed, … incomplete) in
  `%responses history` and in the SQLite store.
- **As expected**: ✓ when every observation is what the case requires (the test fails
  otherwise); ✗ names what differs.

"""

COLUMNS = [
    "Fault", "Via", "Message", "Answer kept", "Requests", "Turn 2 sent", "Turn 3 sent",
    "Saved", "As expected",
]  # fmt: skip


def _cell(text: str) -> str:
    return " ".join(text.split()).replace("|", "\\|").replace("<", "&lt;")


def render(outcomes: list[Outcome]) -> str:
    rows = ["| " + " | ".join(COLUMNS) + " |", "|" + "---|" * len(COLUMNS)]
    for o in outcomes:
        verdict = "✓" if o.finished and not o.problems else "✗ " + "; ".join(o.problems)
        if not o.finished:
            verdict += "; the case stopped early (see its failure)"
        cells = [o.fault, o.via, o.message, o.kept, o.attempts, o.turn2, o.turn3, o.saved]
        rows.append("| " + " | ".join(_cell(c) for c in [*cells, verdict]) + " |")
    return HEADER + "\n".join(rows) + "\n"


def test_docs_reliability_md_is_the_matrix_observed() -> None:
    """Runs after the matrix (last in this file): writes what every case observed."""
    missing = [case for case in CASE_IDS if case not in OUTCOMES]
    if missing:
        pytest.skip(
            f"{len(missing)} of {len(CASE_IDS)} cases were not run; only a run of the whole "
            f"matrix writes {DOC.name}"
        )
    DOC.write_text(render([OUTCOMES[case] for case in CASE_IDS]), encoding="utf-8")
    assert len(DOC.read_text(encoding="utf-8").splitlines()) > len(CASE_IDS)
