"""Conversations outlive the kernel, in real kernels against the emulator: every turn is
saved to SQLite as it completes, so after a restart ``%responses resume`` continues
the conversation (chaining by ``previous_response_id`` while the server still has the
response, resending the whole history once it has not), re-running a cell still
regenerates its turn, and two kernels can write one file at once without losing a
turn. Exports validate and import back exactly; a store that cannot be written is
reported and caught up later; the API key is written nowhere; and the chat panel
follows thread switches and regenerated cells."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import nbformat

from jupyter_responses.backends.responses import RESENT_NOTE
from jupyter_responses.emulator import Emulator
from jupyter_responses.emulator import script as s
from jupyter_responses.store import Store

from .harness import API_KEY, KernelFactory, KernelSession, history_lines
from .recorded import DB, LOAD, requests, user_texts
from .test_panel import OPEN, _comm, _wait_idle

WEATHER = '''
def get_weather(city: str) -> dict:
    """Current weather for a city."""
    return {"city": city, "temp": 21}
'''


# -- helpers -------------------------------------------------------------------------------
def _db(kernel: KernelSession) -> Path:
    """The kernel's default conversation store (in its private JUPYTER_DATA_DIR)."""
    return kernel.workdir / DB


def _response_ids(emulator: Emulator) -> list[str]:
    """Stored response ids, oldest first."""
    with emulator.state.lock:
        return list(emulator.state.responses)


def _forget_responses(emulator: Emulator) -> None:
    """The server drops every stored response (expiry, another project...)."""
    with emulator.state.lock:
        emulator.state.responses.clear()


#: A "Saved" row of ``%responses threads``: name, id, turns, date and time, title.
_SAVED_ROW = re.compile(r"  (\S+) +([0-9a-f]+) +(\d+) turns? in all  (\S+ \S+)  (.*)")


def _saved(kernel: KernelSession) -> list[tuple[str, ...]]:
    """The rows under "Saved" in ``%responses threads``, newest first: (name, id,
    turns, when, title)."""
    listing = kernel.execute("%responses threads").stdout
    _, _, saved = listing.partition("Saved (%responses resume ID):\n")
    rows = [_SAVED_ROW.fullmatch(line) for line in saved.splitlines()]
    assert all(rows), saved
    return [row.groups() for row in rows if row]


def _history(kernel: KernelSession) -> list[str]:
    """``%responses history`` lines (the current branch, numbered)."""
    return history_lines(kernel)


def _prompts(history: list[str]) -> list[str]:
    """The prompt of each ``%responses history`` line."""
    return [line.split("] ", 1)[1].split(" → ")[0] for line in history]


def _restart_and_resume(kernel: KernelSession) -> str:
    """Restart the kernel, load the extension and resume the one saved conversation by
    a prefix of its id; return the full id."""
    kernel.restart()
    kernel.execute(LOAD)
    ((_name, conversation_id, *_),) = _saved(kernel)
    resumed = kernel.execute(f"%responses resume {conversation_id[:6]}").stdout
    assert resumed.startswith(f"Resumed {conversation_id} (") and "as thread 'main'" in resumed
    return conversation_id


def _panel_children(kernel: KernelSession) -> int:
    return int(kernel.execute("print(len(p.messages.box.children))").stdout)


def _oldest_bubble(kernel: KernelSession) -> str:
    """The first user bubble shown (the list is newest first)."""
    return kernel.execute("print(p.messages.box.children[-1].value)").stdout.strip()


# -- 1. restart, then resume ----------------------------------------------------------------
def test_restart_then_resume_chains_from_the_last_saved_response(
    loaded: KernelSession, emulator: Emulator
) -> None:
    loaded.execute("%%respond\nfirst question")
    loaded.execute("%%respond\nsecond question")
    _r1, r2 = _response_ids(emulator)
    before = _history(loaded)

    loaded.restart()
    loaded.execute(LOAD)
    ((name, conversation_id, count, _when, title),) = _saved(loaded)
    assert (name, count, title) == ("main", "2", "first question")
    resumed = loaded.execute(f"%responses resume {conversation_id[:5]}").stdout
    assert resumed == (
        f"Resumed {conversation_id} ('first question', 2 turns on its branch, 2 in all) "
        "as thread 'main', now current.\n"
    )
    assert _history(loaded) == before  # same turn ids, statuses, answers
    result = loaded.execute("%%respond\nthird question")
    assert RESENT_NOTE not in result.plain
    third = requests(emulator, "/v1/responses")[-1]
    assert third["previous_response_id"] == r2
    assert user_texts(third) == ["third question"]
    history = _history(loaded)
    assert history[:2] == before
    assert _prompts(history) == ["first question", "second question", "third question"]


def test_resume_after_the_server_forgot_resends_the_whole_history(
    loaded: KernelSession, emulator: Emulator
) -> None:
    loaded.execute(WEATHER)
    emulator.enqueue(
        s.tool_calls(s.FunctionCall("get_weather", {"city": "Oslo"}, call_id="call_w")),
        s.text("It is 21 °C in Oslo."),
    )
    loaded.execute("%%respond --tools get_weather\nWeather in Oslo?")
    loaded.execute("%%respond\nsecond question")
    *_, r2 = _response_ids(emulator)
    _restart_and_resume(loaded)
    _forget_responses(emulator)

    result = loaded.execute("%%respond\nthird question")
    assert RESENT_NOTE in result.plain
    *_, chained, resent = requests(emulator, "/v1/responses")
    assert chained["previous_response_id"] == r2  # tried first, the server said 404
    assert "previous_response_id" not in resent
    assert user_texts(resent) == ["Weather in Oslo?", "second question", "third question"]
    assert [item.get("type", item.get("role")) for item in resent["input"]] == [
        "user", "function_call", "function_call_output", "assistant",
        "user", "assistant", "user",
    ]  # fmt: skip
    assert resent["input"][2]["output"] == '{"city":"Oslo","temp":21}'
    history = _history(loaded)
    assert _prompts(history) == ["Weather in Oslo?", "second question", "third question"]
    # The resent turn is stored again: the next one chains to it.
    (r3,) = _response_ids(emulator)
    loaded.execute("%%respond\nfourth question")
    assert requests(emulator, "/v1/responses")[-1]["previous_response_id"] == r3


def test_rerunning_a_cell_after_restart_and_resume_regenerates_its_turn(
    loaded: KernelSession, emulator: Emulator
) -> None:
    loaded.execute("%%respond\nfirst question", cell_id="a")
    loaded.execute("%%respond\nsecond question", cell_id="b")
    r1, _r2 = _response_ids(emulator)
    _restart_and_resume(loaded)

    loaded.execute("%%respond\nsecond question, again", cell_id="b")
    regenerated = requests(emulator, "/v1/responses")[-1]
    assert regenerated["previous_response_id"] == r1  # b's parent, not b itself
    assert user_texts(regenerated) == ["second question, again"]
    history = _history(loaded)
    assert _prompts(history) == ["first question", "second question, again"]
    assert "↺ 1 other version" in history[1]


def test_chat_after_resume_resends_the_saved_history(
    loaded: KernelSession, emulator: Emulator
) -> None:
    loaded.execute("%%respond\nfirst question")
    loaded.execute("%%respond\nsecond question")
    answers = [
        emulator.stored_response(rid)["output"][0]["content"][0]["text"]  # type: ignore[index]
        for rid in _response_ids(emulator)
    ]
    _restart_and_resume(loaded)

    loaded.execute("%%chat\nthird question, over chat")
    (chat,) = requests(emulator, "/v1/chat/completions")
    assert [(m["role"], m["content"]) for m in chat["messages"]] == [
        ("user", "first question"),
        ("assistant", answers[0]),
        ("user", "second question"),
        ("assistant", answers[1]),
        ("user", "third question, over chat"),
    ]


# -- 2. two kernels, one file -----------------------------------------------------------------
def test_two_kernels_write_one_store_at_once_and_lose_nothing(
    kernel_factory: KernelFactory, emulator: Emulator, tmp_path: Path
) -> None:
    turns = 15
    shared = tmp_path / "shared-data"
    kernels = [kernel_factory({"JUPYTER_DATA_DIR": str(shared)}) for _ in range(2)]
    for kernel in kernels:
        kernel.execute(LOAD)
    burst = (
        "for n in range({turns}):\n"
        "    get_ipython().run_cell_magic('respond', '', f'kernel {name} turn {{n}}')"
    )
    running = [
        kernel.execute_async(burst.format(turns=turns, name=name))
        for name, kernel in zip("AB", kernels, strict=True)
    ]
    results = [k.collect(m, timeout=120) for k, m in zip(kernels, running, strict=True)]
    for result in results:  # collect() already failed on an error
        assert result.stderr == ""
    assert len(requests(emulator, "/v1/responses")) == 2 * turns

    store = Store(shared / "jupyter_responses" / "conversations.sqlite3")
    try:
        listed = store.listing()
        assert sorted(entry.turns for entry in listed) == [turns, turns]
        for entry in listed:
            conversation = store.load(entry.id)
            branch = conversation.branch()
            name = branch[0].prompt.split()[1]
            assert [t.prompt for t in branch] == [f"kernel {name} turn {n}" for n in range(turns)]
            assert all(t.status == "completed" and t.stored for t in branch)
        assert {entry.title.split()[1] for entry in listed} == {"A", "B"}
    finally:
        store.close()


# -- 3. export, validate, import --------------------------------------------------------------
def _converse_and_export(kernel: KernelSession, emulator: Emulator) -> dict[str, Path]:
    """A tool turn, a chat turn asked twice (re-run: the tree has a branch the notebooks
    leave out), then a plain turn, stored so that an import chains from it; exported as
    a notebook, JSON and a transcript."""
    kernel.execute(LOAD)
    kernel.execute(WEATHER)
    emulator.enqueue(
        s.tool_calls(s.FunctionCall("get_weather", {"city": "Oslo"}, call_id="call_w")),
        s.text("It is 21 °C in Oslo."),
    )
    kernel.execute("%%respond --tools get_weather\nWeather in Oslo?", cell_id="w")
    kernel.execute("%%chat -m gpt-4.1-mini\nAnd in Bergen?", cell_id="c")
    kernel.execute("%%chat -m gpt-4.1-mini\nAnd in Bergen, roughly?", cell_id="c")
    kernel.execute("%%respond\nSummarise both {{briefly}}.", cell_id="s")
    paths = {
        "notebook": kernel.cwd / "talk.ipynb",
        "json": kernel.cwd / "talk.json",
        "transcript": kernel.cwd / "transcript.ipynb",
    }
    for kind, path in paths.items():
        flag = " --transcript" if kind == "transcript" else ""
        printed = kernel.execute(f"%responses export {path}{flag}").stdout
        what = "4 turns (the whole tree)" if kind == "json" else "3 turns (the current branch)"
        assert printed == f"Exported {what} to {path}\n"
    return paths


def _branch_only(exported: dict[str, Any], history: list[str]) -> dict[str, Any]:
    """``exported`` less the turns off the current branch (a notebook holds one)."""
    on_branch = re.findall(r"\(id ([0-9a-f]+)\)", "\n".join(history))
    assert len(on_branch) == 3
    return {**exported, "turns": [t for t in exported["turns"] if t["id"] in on_branch]}


def test_export_validates_and_imports_back_exactly_in_a_fresh_kernel(
    kernel_factory: KernelFactory, emulator: Emulator
) -> None:
    source = kernel_factory()
    paths = _converse_and_export(source, emulator)
    for kind in ("notebook", "transcript"):
        nbformat.validate(nbformat.read(paths[kind], as_version=4))
    exported = json.loads(paths["json"].read_text(encoding="utf-8"))
    assert [t["prompt"] for t in exported["turns"]] == [
        "Weather in Oslo?",
        "And in Bergen?",
        "And in Bergen, roughly?",
        "Summarise both {briefly}.",
    ]
    assert exported["turns"][0]["calls"][0]["name"] == "get_weather"
    history = _history(source)
    assert "↺ 1 other version" in history[1]
    last_response = exported["turns"][-1]["response_id"]
    assert exported["turns"][-1]["stored"] is True and last_response == _response_ids(emulator)[-1]

    for kind, path in paths.items():
        fresh = kernel_factory()
        fresh.execute(LOAD)
        imported = fresh.execute(f"%responses import {path}").stdout
        in_all = 4 if kind == "json" else 3
        assert imported == (
            f"Imported {exported['id']} ('Weather in Oslo?', 3 turns on its branch, {in_all} in "
            "all) as thread 'main', now current.\n"
        )
        # The tree (JSON) or the branch (notebooks) comes back exactly: exported again as
        # JSON, it is what was exported.
        again = fresh.cwd / "again.json"
        fresh.execute(f"%responses export {again}")
        expected = exported if kind == "json" else _branch_only(exported, history)
        assert json.loads(again.read_text(encoding="utf-8")) == expected, kind
        if kind == "json":
            assert _history(fresh) == history
        else:
            assert _history(fresh) == [line.split("  ↺")[0] for line in history], kind

        sent_before = len(requests(emulator, "/v1/responses"))
        fresh.execute("%%respond\nAnd tomorrow?")
        after = requests(emulator, "/v1/responses")
        assert len(after) == sent_before + 1
        assert after[-1]["previous_response_id"] == last_response, kind
        assert user_texts(after[-1]) == ["And tomorrow?"]

        twice = fresh.execute(f"%responses import {path}", allow_errors=True)
        message = twice.usage_error()
        assert message.startswith(f"Conversation {exported['id']} is already open as thread 'main'")


def test_importing_a_file_that_is_not_ours_is_one_line(loaded: KernelSession) -> None:
    cwd = loaded.cwd
    plain = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("1 + 1")])
    nbformat.write(plain, cwd / "plain.ipynb")
    (cwd / "list.json").write_text("[1, 2, 3]", encoding="utf-8")
    (cwd / "broken.json").write_text("{not json", encoding="utf-8")
    (cwd / "notes.txt").write_text("hello", encoding="utf-8")
    expected = {
        "plain.ipynb": "plain.ipynb holds no jupyter_responses turns",
        "list.json": "list.json is JSON but not a jupyter_responses conversation",
        "broken.json": "broken.json is not valid JSON",
        "notes.txt": "notes.txt cannot be imported",
        "missing.json": "Could not read missing.json: No such file or directory.",
    }
    for name, start in expected.items():
        result = loaded.execute(f"%responses import {name}", allow_errors=True)
        assert result.usage_error().startswith(start), name
    assert _history(loaded) == []
    assert "No turns yet." in loaded.execute("%responses history").stdout


# -- 4. a store that cannot be written -------------------------------------------------------
def test_a_store_that_cannot_be_written_is_reported_and_caught_up(
    loaded: KernelSession, emulator: Emulator
) -> None:
    good = loaded.cwd / "good.sqlite3"
    blocker = loaded.cwd / "blocker"
    blocker.write_text("a regular file, not a directory", encoding="utf-8")
    loaded.execute(f'%config ResponsesMagics.db_path = "{good}"')
    assert loaded.execute("%%respond\nfirst, saved").stderr == ""

    loaded.execute(f'%config ResponsesMagics.db_path = "{blocker}/conversations.sqlite3"')
    for prompt in ("second, unsaved", "third, unsaved"):
        result = loaded.execute(f"%%respond\n{prompt}")
        assert result.error is None and f"> {prompt}" in result.plain  # quoted in the answer
        assert result.stderr.startswith(
            f"Could not open the conversation store {blocker}/conversations.sqlite3: "
        )
        assert result.stderr.count("\n") == 1 and "in memory only until then" in result.stderr
    assert "Could not open the conversation store" in loaded.execute("%responses threads").stdout
    prompts = ["first, saved", "second, unsaved", "third, unsaved"]
    assert _prompts(_history(loaded)) == prompts

    loaded.execute(f'%config ResponsesMagics.db_path = "{good}"')
    assert loaded.execute("%%respond\nfourth, saved").stderr == ""
    assert len(requests(emulator, "/v1/responses")) == 4
    store = Store(good)
    try:
        (entry,) = store.listing()
        assert entry.turns == 4
        saved = store.load(entry.id).branch()
        assert [t.prompt for t in saved] == [*prompts, "fourth, saved"]
        assert [t.response_id for t in saved] == _response_ids(emulator)
    finally:
        store.close()


def test_a_relative_store_path_stays_where_it_was_set(loaded: KernelSession) -> None:
    loaded.execute('%config ResponsesMagics.db_path = "rel.sqlite3"')
    loaded.execute("%%respond\nbefore cd")
    loaded.execute("import os\nos.mkdir('sub')\n%cd sub")
    loaded.execute("%%respond\nafter cd")
    assert not (loaded.cwd / "sub" / "rel.sqlite3").exists()
    store = Store(loaded.cwd / "rel.sqlite3")
    try:
        ((entry_id, turns),) = [(entry.id, entry.turns) for entry in store.listing()]
        assert turns == 2
        assert [t.prompt for t in store.load(entry_id).branch()] == ["before cd", "after cd"]
    finally:
        store.close()


# -- 5. the key is written nowhere ------------------------------------------------------------
def test_the_api_key_is_in_no_file_and_no_output(kernel: KernelSession, emulator: Emulator) -> None:
    opened = kernel.execute(OPEN)
    outputs = [opened, kernel.execute(WEATHER)]
    emulator.enqueue(
        s.tool_calls(s.FunctionCall("get_weather", {"city": "Oslo"}, call_id="call_w")),
        s.text("Mild."),
    )
    outputs.append(kernel.execute("%%respond --tools get_weather\nsecret-scan: weather?"))
    outputs.append(kernel.execute("%%chat\nsecret-scan: over chat"))
    submit = {"method": "custom", "content": {"type": "submit", "text": "secret-scan: panel"}}
    outputs.append(kernel.comm_send(_comm(opened, "AnyModel"), submit))
    _wait_idle(kernel)
    status = kernel.execute("%responses status")
    assert "API key:       set (OPENAI_API_KEY)" in status.stdout  # the kernel has the key
    outputs.append(status)
    exports = [
        kernel.cwd / name for name in ("all.ipynb", "transcript.ipynb", "all.md", "all.json")
    ]
    for path in exports:
        flag = " --transcript" if path.name == "transcript.ipynb" else ""
        outputs.append(kernel.execute(f"%responses export {path.name}{flag}"))
    for line in ("threads", "history --all"):
        outputs.append(kernel.execute(f"%responses {line}"))

    db = _db(kernel)
    stored = [db, db.with_name(db.name + "-wal"), db.with_name(db.name + "-shm")]
    files = {path: path.read_bytes() for path in [*stored, *exports] if path.exists()}
    assert set(exports) | {db} <= set(files)
    saved = b"".join(files[path] for path in stored if path in files)
    for prompt in ("weather?", "over chat", "panel"):
        assert f"secret-scan: {prompt}".encode() in saved  # the scan reads the right bytes
    key = API_KEY.encode()
    for path, data in files.items():
        assert key not in data, path
    for result in outputs:
        streams = result.stdout + result.stderr
        assert streams or result.messages  # something to scan
        assert API_KEY not in streams, result.code
        assert API_KEY not in json.dumps([m["content"] for m in result.messages]), result.code
    late = kernel.drain_iopub()  # anything the panel's worker sent after its request
    assert API_KEY not in json.dumps([m["content"] for m in late])
    assert API_KEY not in kernel.log_tail(chars=10**7)


# -- 6. the panel follows the conversation ----------------------------------------------------
def test_the_panel_follows_regeneration_and_thread_switches(
    kernel: KernelSession, emulator: Emulator
) -> None:
    kernel.execute(OPEN)
    assert "<b>main</b>" in kernel.execute("print(p.thread.value)").stdout
    kernel.execute("%%respond\nq1", cell_id="a")
    kernel.execute("%%respond\nq2", cell_id="b")
    assert _panel_children(kernel) == 4  # a bubble and an answer per turn
    kernel.execute("%%respond\nq1 again", cell_id="a")  # regenerate a: a new root
    assert _panel_children(kernel) == 2
    assert _oldest_bubble(kernel) == "q1 again"

    assert "thread 'other'" in kernel.execute("%responses new other").stdout
    assert _panel_children(kernel) == 0
    assert "<b>other</b>" in kernel.execute("print(p.thread.value)").stdout
    kernel.execute("%%respond\nin other")
    assert _panel_children(kernel) == 2

    kernel.execute("%responses use main")
    assert _panel_children(kernel) == 2
    assert _oldest_bubble(kernel) == "q1 again"
    assert "<b>main</b>" in kernel.execute("print(p.thread.value)").stdout
    assert len(requests(emulator, "/v1/responses")) == 4
