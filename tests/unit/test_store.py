"""The SQLite store: lossless round trips, incremental saves, schema migrations, write
failures that catch up later, and several processes writing one file at once."""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
import textwrap
import threading
import time
from pathlib import Path
from typing import Any

import pytest

from jupyter_responses.conversation import Conversation, Turn
from jupyter_responses.events import Usage
from jupyter_responses.serialize import conversation_to_dict, turn_to_dict
from jupyter_responses.store import (
    MIGRATIONS,
    SavedConversation,
    Store,
    StoreError,
    _statements,
    default_path,
)


def _turn(prompt: str, parent: str | None = None, **fields: Any) -> Turn:
    values: dict[str, Any] = {"api": "responses", "model": "gpt-4.1", "status": "completed",
                              "text": f"answer to {prompt}", **fields}  # fmt: skip
    return Turn(prompt=prompt, parent=parent, **values)


def _branched() -> Conversation:
    """root -> (a, b): two children of one turn; the head is back on ``a``."""
    conversation = Conversation(name="research", system="Be brief.")
    root = _turn(
        "Weather in Paris?",
        usage=Usage(12, 34, 5),
        calls=[{"call_id": "c1", "name": "get_weather", "kind": "function",
                "arguments": '{"city": "Paris"}', "status": "done", "output": "sun",
                "error": None, "seconds": 0.25}],
        output=[{"type": "function_call", "call_id": "c1", "name": "get_weather",
                 "arguments": '{"city": "Paris"}'},
                {"type": "function_call_output", "call_id": "c1", "output": "sun"},
                {"type": "message", "text": "Sunny."}],
        attachments=[{"kind": "image", "name": "sky.png", "mime": "image/png", "size": 3,
                      "sha256": "ab" * 32}],
        citations=[{"url": "https://example.com", "title": "Example"}],
        response_id="resp_1", stored=True, finished=time.time() + 1, cell_id="cell-1",
        magic="%%respond", notes=["history resent"],
    )  # fmt: skip
    conversation.append(root)
    a = _turn("And tomorrow?", root.id, api="chat", reasoning="thinking", images=["iVBOR"])
    conversation.append(a)
    b = _turn("Cut", root.id, status="failed", error="The stream ended early.")
    conversation.append(b)
    conversation.checkout(a.id)
    return conversation


def _count(path: Path, table: str) -> int:
    with sqlite3.connect(path) as db:
        return int(db.execute(f"SELECT count(*) FROM {table}").fetchone()[0])


def test_round_trip_is_exact_for_a_branched_tree(tmp_path: Path) -> None:
    conversation = _branched()
    before = conversation_to_dict(conversation)
    store = Store(tmp_path / "c.sqlite3")
    store.save(conversation)
    store.close()
    assert conversation_to_dict(conversation) == before  # save never touches it

    loaded = Store(tmp_path / "c.sqlite3").load(conversation.id)
    assert conversation_to_dict(loaded) == before
    assert loaded.head == conversation.head
    assert [t.id for t in loaded.children(conversation.branch()[0].id)] == [
        t.id for t in conversation.children(conversation.branch()[0].id)
    ]


def test_incremental_saves_are_loaded_by_a_new_store_and_never_duplicated(
    tmp_path: Path,
) -> None:
    path = tmp_path / "c.sqlite3"
    conversation = Conversation()
    store = Store(path)
    for n in range(5):
        conversation.append(_turn(f"q{n}", conversation.head))
        store.save(conversation)
        assert _count(path, "turns") == n + 1
    store.close()

    again = Store(path)
    loaded = again.load(conversation.id)
    assert conversation_to_dict(loaded) == conversation_to_dict(conversation)
    again.save(loaded)
    assert _count(path, "turns") == 5
    loaded.append(_turn("q5", loaded.head))
    again.save(loaded)
    assert (_count(path, "turns"), _count(path, "conversations")) == (6, 1)
    assert again.load(conversation.id).head == loaded.head


def test_saving_each_turn_costs_constant_sql_and_loading_1000_turns_is_fast(
    tmp_path: Path,
) -> None:
    path = tmp_path / "c.sqlite3"
    store = Store(path)
    conversation = Conversation()
    statements: list[str] = []
    began = time.perf_counter()
    for n in range(1000):
        conversation.append(_turn(f"question {n} " + "x" * 200, conversation.head))
        if n == 999:
            store._db.set_trace_callback(statements.append)
        store.save(conversation)
    saving = time.perf_counter() - began
    store._db.set_trace_callback(None)
    # BEGIN, upsert the conversation, insert the one new turn, COMMIT.
    assert len(statements) == 4, statements
    assert saving < 20

    fresh = Store(path)
    began = time.perf_counter()
    loaded = fresh.load(conversation.id)
    assert time.perf_counter() - began < 1.0
    assert len(loaded.turns) == 1000 and len(loaded.branch()) == 1000


def test_list_is_newest_first_and_load_takes_a_unique_prefix(tmp_path: Path) -> None:
    store = Store(tmp_path / "c.sqlite3")
    first = Conversation(id="abc111")
    first.append(_turn("First question\nsecond line"))
    second = Conversation(id="abc222", name="side")
    second.append(_turn("Other"))
    second.append(_turn("More", second.head))
    store.save(first)
    store.save(second)

    listing = store.listing()
    assert [(s.id, s.name, s.title, s.turns) for s in listing] == [
        ("abc222", "side", "Other", 2),
        ("abc111", "main", "First question", 1),
    ]
    assert all(isinstance(s, SavedConversation) and s.updated >= s.created for s in listing)
    assert [s.id for s in store.listing(limit=1)] == ["abc222"]
    store.save(first)
    assert [s.id for s in store.listing()] == ["abc111", "abc222"]

    assert store.load("abc1").id == "abc111"
    assert store.load(" abc222 ").id == "abc222"
    with pytest.raises(LookupError, match="matches 2"):
        store.load("abc")
    with pytest.raises(LookupError, match="No saved conversation"):
        store.load("zzz")
    with pytest.raises(LookupError):
        store.load("")


def test_an_exact_id_wins_over_longer_ids_it_prefixes(tmp_path: Path) -> None:
    store = Store(tmp_path / "c.sqlite3")
    for cid in ("abc", "abcd"):
        store.save(Conversation(id=cid))
    assert store.load("abc").id == "abc"


def _indexes(path: Path) -> set[str]:
    with sqlite3.connect(path) as db:
        rows = db.execute("SELECT name FROM sqlite_master WHERE type = 'index'").fetchall()
    return {name for (name,) in rows if not name.startswith("sqlite_autoindex")}


def test_a_version_1_file_is_migrated_with_its_data_intact(tmp_path: Path) -> None:
    path = tmp_path / "old.sqlite3"
    conversation = _branched()
    db = sqlite3.connect(path, isolation_level=None)
    for statement in _statements(MIGRATIONS[0]):
        db.execute(statement)
    db.execute("PRAGMA user_version = 1")
    db.execute(
        "INSERT INTO conversations VALUES (?, 2, ?, ?, ?, ?, ?, ?)",
        (conversation.id, conversation.name, conversation.title, conversation.system,
         conversation.head, conversation.created, time.time()),
    )  # fmt: skip
    for seq, turn in enumerate(conversation.turns.values()):
        db.execute(
            "INSERT INTO turns VALUES (?, ?, ?, ?, ?, ?)",
            (conversation.id, turn.id, turn.parent, turn.started, seq,
             json.dumps(turn_to_dict(turn))),
        )  # fmt: skip
    db.close()
    assert _indexes(path) == set()

    store = Store(path)
    with sqlite3.connect(path) as check:
        assert check.execute("PRAGMA user_version").fetchone()[0] == len(MIGRATIONS) == 4
    assert _indexes(path) == {"conversations_updated", "turns_order", "maps_updated"}
    assert conversation_to_dict(store.load(conversation.id)) == conversation_to_dict(conversation)
    assert [s.turns for s in store.listing()] == [3]
    assert store.load(conversation.id).server_state is False  # migration 3's default


def test_a_server_side_thread_is_saved_as_one(tmp_path: Path) -> None:
    conversation = _branched()
    conversation.server_state = True
    next(iter(conversation.turns.values())).server_conversation = "conv_abc"
    Store(tmp_path / "c.sqlite3").save(conversation)
    loaded = Store(tmp_path / "c.sqlite3").load(conversation.id)
    assert loaded.server_state is True
    assert next(iter(loaded.turns.values())).server_conversation == "conv_abc"


def test_a_file_from_a_newer_version_is_refused_and_left_untouched(tmp_path: Path) -> None:
    path = tmp_path / "new.sqlite3"
    with sqlite3.connect(path) as db:
        db.execute("CREATE TABLE future (x)")
        db.execute(f"PRAGMA user_version = {len(MIGRATIONS) + 1}")
    db.close()
    before = path.read_bytes()
    with pytest.raises(StoreError, match="newer jupyter_responses") as raised:
        Store(path)
    assert str(path) in str(raised.value)
    assert path.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["new.sqlite3"]


def test_a_failed_write_raises_and_the_next_save_catches_up(tmp_path: Path) -> None:
    path = tmp_path / "c.sqlite3"
    store = Store(path)
    conversation = Conversation()
    conversation.append(_turn("q0"))
    store.save(conversation)

    writable = store._db
    # Works as root too (chmod would not stop root): a read-only connection.
    store._db = sqlite3.connect(
        f"file:{path}?mode=ro", uri=True, isolation_level=None, check_same_thread=False
    )
    conversation.append(_turn("q1", conversation.head))
    with pytest.raises(StoreError, match="readonly") as raised:
        store.save(conversation)
    message = str(raised.value)
    assert str(path) in message and "next save" in message and "\n" not in message
    conversation.append(_turn("q2", conversation.head))
    with pytest.raises(StoreError):
        store.save(conversation)
    assert _count(path, "turns") == 1

    store._db.close()
    store._db = writable
    store.save(conversation)
    assert _count(path, "turns") == 3
    loaded = Store(path).load(conversation.id)
    assert conversation_to_dict(loaded) == conversation_to_dict(conversation)


def test_a_damaged_conversation_is_a_store_error(tmp_path: Path) -> None:
    path = tmp_path / "c.sqlite3"
    store = Store(path)
    conversation = _branched()
    store.save(conversation)
    with sqlite3.connect(path) as db:
        db.execute("UPDATE conversations SET head = 'gone'")
    db.close()
    with pytest.raises(StoreError, match="do not form a tree"):
        store.load(conversation.id)


def test_an_unopenable_path_is_a_store_error(tmp_path: Path) -> None:
    (tmp_path / "file").write_text("not a directory")
    with pytest.raises(StoreError, match="Could not open"):
        Store(tmp_path / "file" / "c.sqlite3")
    (tmp_path / "junk.sqlite3").write_bytes(b"this is not a database" * 100)
    with pytest.raises(StoreError, match=r"junk\.sqlite3"):
        Store(tmp_path / "junk.sqlite3")


def test_threads_share_one_store(tmp_path: Path) -> None:
    store = Store(tmp_path / "c.sqlite3")
    errors: list[BaseException] = []

    def work(name: str) -> None:
        conversation = Conversation(id=name)
        try:
            for n in range(30):
                conversation.append(_turn(f"{name}{n}", conversation.head))
                store.save(conversation)
        except BaseException as error:  # pragma: no cover - reported below
            errors.append(error)

    threads = [threading.Thread(target=work, args=(f"t{i}",)) for i in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert sorted(s.turns for s in store.listing()) == [30, 30, 30]


WRITER = textwrap.dedent(
    """
    import sys
    from jupyter_responses.conversation import Conversation, Turn
    from jupyter_responses.store import Store

    print("ready", flush=True)
    sys.stdin.readline()
    store = Store(sys.argv[1])
    conversation = Conversation(id=sys.argv[2])
    for n in range(50):
        conversation.append(Turn(api="chat", model="m", prompt=f"q{n}", parent=conversation.head,
                                 status="completed"))
        store.save(conversation)
    store.close()
    """
)


def test_two_processes_write_one_file_at_once(tmp_path: Path) -> None:
    path = tmp_path / "shared.sqlite3"
    writers = [
        subprocess.Popen(
            [sys.executable, "-c", WRITER, str(path), f"proc{i}"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for i in range(2)
    ]
    for writer in writers:
        assert writer.stdout is not None
        assert writer.stdout.readline().strip() == "ready"
    for writer in writers:  # both open the fresh file and write at the same moment
        assert writer.stdin is not None
        writer.stdin.write("go\n")
        writer.stdin.flush()
    results = [writer.communicate(timeout=120) for writer in writers]
    for writer, (_, stderr) in zip(writers, results, strict=True):
        assert "locked" not in stderr, stderr
        assert writer.returncode == 0, stderr

    store = Store(path)
    assert sorted((s.id, s.turns) for s in store.listing()) == [("proc0", 50), ("proc1", 50)]
    assert _count(path, "turns") == 100
    assert len(store.load("proc1").branch()) == 50


def test_memory_store_works_and_writes_no_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    store = Store(":memory:")
    assert store.path == ":memory:"
    conversation = _branched()
    store.save(conversation)
    assert conversation_to_dict(store.load(conversation.id)) == conversation_to_dict(conversation)
    assert [s.turns for s in store.listing()] == [3]
    store.close()
    assert list(tmp_path.iterdir()) == []
    assert Store(":memory:").listing() == []  # private: nothing shared between stores


def test_no_secret_from_the_environment_reaches_the_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    secret = "sk-secret-test-4c1f"
    monkeypatch.setenv("OPENAI_API_KEY", secret)
    path = tmp_path / "c.sqlite3"
    store = Store(path)
    store.save(_branched())
    files = [p for p in tmp_path.iterdir() if p.name.startswith("c.sqlite3")]
    assert Path(f"{path}-wal") in files
    for file in files:
        assert secret.encode() not in file.read_bytes()
    store.close()
    assert secret.encode() not in path.read_bytes()


def test_default_path_follows_jupyter_data_dir(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("JUPYTER_DATA_DIR", str(tmp_path / "data"))
    assert default_path() == tmp_path / "data" / "jupyter_responses" / "conversations.sqlite3"
    store = Store(default_path())  # parent directories are created
    store.close()
    assert default_path().is_file()
