"""SQLite persistence of conversations: each turn is written as soon as it completes,
so a kernel restart (or crash) loses nothing and a saved conversation can be resumed.

Embedded, no server: one file (``default_path()``) that several kernels may write at
once. That is why the connection runs in WAL mode with a generous busy timeout and every
write is one short ``BEGIN IMMEDIATE`` transaction: writers queue for a moment instead
of failing with "database is locked", and readers never block them.

A turn is stored as the JSON ``serialize.turn_to_dict`` makes (the same lossless format
as the ``.json`` export), beside the few columns needed to find and order it; loading
assembles the export's dict and hands it to ``serialize.conversation_from_dict``, so
there is one reader. Turns are immutable once appended, so each is inserted once and
never rewritten: saving after every turn costs one small transaction, not a rewrite of
the conversation. Only what ``Turn`` and ``Conversation`` hold is written: never the API
key or anything else from the environment.

The schema is versioned with ``PRAGMA user_version``: ``MIGRATIONS[i]`` upgrades a file
from version ``i`` to ``i + 1``, all pending ones in one transaction on open. Append a
script to change the schema; never edit one that has shipped.
"""

from __future__ import annotations

import contextlib
import dataclasses
import json
import os
import sqlite3
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .conversation import Conversation
from .errors import JupyterResponsesError
from .serialize import conversation_from_dict, conversation_to_dict, turn_to_dict

#: Seconds a write waits for another kernel's transaction before giving up.
BUSY_TIMEOUT = 10.0

MIGRATIONS: list[str] = [
    # 1: the tables. ``seq`` is the turn's position in ``Conversation.turns`` (a dict
    # whose order exports and views follow), so a load restores it exactly.
    """
    CREATE TABLE conversations (
        id      TEXT PRIMARY KEY,
        format  INTEGER NOT NULL,
        name    TEXT NOT NULL,
        title   TEXT NOT NULL,
        system  TEXT,
        head    TEXT,
        created REAL NOT NULL,
        updated REAL NOT NULL
    );
    CREATE TABLE turns (
        conversation_id TEXT NOT NULL REFERENCES conversations(id) ON DELETE CASCADE,
        turn_id         TEXT NOT NULL,
        parent          TEXT,
        started         REAL NOT NULL,
        seq             INTEGER NOT NULL,
        data            TEXT NOT NULL,
        PRIMARY KEY (conversation_id, turn_id)
    );
    """,
    # 2: indexes for the two hot reads: the listing (newest first) and a load (turns
    # of one conversation in order). The primary key already covers lookups by id.
    """
    CREATE INDEX conversations_updated ON conversations(updated DESC);
    CREATE INDEX turns_order ON turns(conversation_id, seq);
    """,
    # 3: a thread that keeps its state in server-side conversations (Conversations API).
    """
    ALTER TABLE conversations ADD COLUMN server_state INTEGER NOT NULL DEFAULT 0;
    """,
    # 4: prompts mapped over tables (maps/): a map is its prompt and parameters (its id
    # hashes them), each row's result is saved as it ends (keyed by the row's content),
    # and a map sent through the Batch API keeps its batch to collect later.
    """
    CREATE TABLE maps (
        id              TEXT PRIMARY KEY,
        conversation_id TEXT,
        title           TEXT NOT NULL,
        api             TEXT NOT NULL,
        model           TEXT NOT NULL,
        total           INTEGER NOT NULL,
        batch_id        TEXT,
        batch_status    TEXT,
        created         REAL NOT NULL,
        updated         REAL NOT NULL
    );
    CREATE TABLE map_rows (
        map_id  TEXT NOT NULL REFERENCES maps(id) ON DELETE CASCADE,
        row_key TEXT NOT NULL,
        result  TEXT,
        error   TEXT,
        usage   TEXT,
        cost    REAL,
        PRIMARY KEY (map_id, row_key)
    );
    CREATE INDEX maps_updated ON maps(updated DESC);
    """,
]


def default_path() -> Path:
    """Where conversations live unless configured otherwise: beside Jupyter's other
    per-user data, so it follows ``JUPYTER_DATA_DIR`` like the rest of Jupyter."""
    from jupyter_core.paths import jupyter_data_dir

    return Path(jupyter_data_dir()) / "jupyter_responses" / "conversations.sqlite3"


class StoreError(JupyterResponsesError):
    """The conversation store could not be opened, read or written."""


@dataclass(frozen=True)
class SavedConversation:
    """One row of the listing: enough to choose a conversation without loading it."""

    id: str
    name: str
    title: str
    turns: int
    created: float
    updated: float


def _statements(script: str) -> list[str]:
    """``script`` as single statements. ``executescript`` would commit the migration
    transaction half-way (it COMMITs first), so statements run one by one instead."""
    statements: list[str] = []
    pending = ""
    for piece in script.split(";"):
        pending += piece + ";"
        if sqlite3.complete_statement(pending):
            if pending.strip(" \t\n;"):
                statements.append(pending.strip())
            pending = ""
    if pending.strip(" \t\n;"):
        statements.append(pending.strip())
    return statements


class Store:
    """Conversations in one SQLite file (``":memory:"``: a private, unsaved database).

    Safe to share between the kernel's thread and the panel's worker thread (one lock
    guards the connection) and between kernels (SQLite's own locking)."""

    def __init__(self, path: str | Path) -> None:
        self.path: str = ":memory:" if path == ":memory:" else os.fspath(Path(path).expanduser())
        self._lock = threading.Lock()
        #: (conversation id -> turn ids) this Store wrote or read: never written again.
        self._written: dict[str, set[str]] = {}
        try:
            if self.path != ":memory:":
                Path(self.path).parent.mkdir(parents=True, exist_ok=True)
            self._db = sqlite3.connect(
                self.path, timeout=BUSY_TIMEOUT, isolation_level=None, check_same_thread=False
            )
        except (sqlite3.Error, OSError) as error:
            raise self._error("open", error) from None
        try:
            self._open()
        except (sqlite3.Error, OSError) as error:
            self._db.close()
            raise self._error("open", error) from None
        except StoreError:
            self._db.close()
            raise

    def _open(self) -> None:
        """Check the version before anything that could change the file (a newer
        jupyter_responses' file is left exactly as it is), then WAL and migrations."""
        db = self._db
        db.execute(f"PRAGMA busy_timeout = {int(BUSY_TIMEOUT * 1000)}")
        self._check_version(db.execute("PRAGMA user_version").fetchone()[0])
        if self.path != ":memory:":
            self._wal()
            db.execute("PRAGMA synchronous = NORMAL")  # durable enough in WAL, much faster
        db.execute("PRAGMA foreign_keys = ON")
        if db.execute("PRAGMA user_version").fetchone()[0] == len(MIGRATIONS):
            return
        db.execute("BEGIN IMMEDIATE")  # re-read inside: another kernel may be migrating
        try:
            version = db.execute("PRAGMA user_version").fetchone()[0]
            self._check_version(version)
            for script in MIGRATIONS[version:]:
                for statement in _statements(script):
                    db.execute(statement)
            db.execute(f"PRAGMA user_version = {len(MIGRATIONS)}")
            db.execute("COMMIT")
        except BaseException:
            if db.in_transaction:
                db.execute("ROLLBACK")
            raise

    def _wal(self) -> None:
        """Switch to WAL, retrying: the switch needs an exclusive lock and SQLite fails
        it at once, without the busy timeout, while another kernel is migrating or
        switching the same new file (waiting could deadlock there)."""
        deadline = time.monotonic() + BUSY_TIMEOUT
        while True:
            try:
                self._db.execute("PRAGMA journal_mode = WAL")
                return
            except sqlite3.OperationalError as error:
                if "locked" not in str(error) or time.monotonic() > deadline:
                    raise
                time.sleep(0.02)

    def _check_version(self, version: int) -> None:
        if version > len(MIGRATIONS):
            raise StoreError(
                f"The conversation store {self.path} has schema version {version}, but this "
                f"jupyter_responses reads up to version {len(MIGRATIONS)}: a newer "
                "jupyter_responses wrote it. Upgrade jupyter_responses, or point the store at "
                "another file; this one was left unchanged."
            )

    def _error(self, action: str, error: BaseException, what: str = "") -> StoreError:
        """One paragraph: what failed, where, and what to do about it."""
        advice = {
            "open": "Check that the directory exists and is writable, or point the store at "
            "another file; conversations are kept in memory only until then.",
            "save": "The conversation is still complete in memory and the next save writes "
            "every turn missed; check free disk space and that the file is writable (another "
            "kernel holding a long write can also cause this).",
            "read": "The file may be damaged or written by an incompatible version; point the "
            "store at another file to start afresh (this one is left as it is).",
        }[action]
        return StoreError(
            f"Could not {action}{' ' + what if what else ''} the conversation store "
            f"{self.path}: {error}. {advice}"
        )

    def save(self, conversation: Conversation) -> None:
        """Record ``conversation``: its row (head, title... may have changed) and every
        turn this Store has not written yet, in one transaction. Turns are only marked
        written once it commits, so after a failure the next save catches up."""
        row = conversation_to_dict(dataclasses.replace(conversation, turns={}))
        with self._lock:
            written = self._written.get(conversation.id, set())
            new = [
                (
                    conversation.id,
                    turn.id,
                    turn.parent,
                    turn.started,
                    seq,
                    json.dumps(turn_to_dict(turn)),
                )
                for seq, turn in enumerate(conversation.turns.values())
                if turn.id not in written
            ]
            try:
                self._db.execute("BEGIN IMMEDIATE")
                try:
                    self._db.execute(
                        "INSERT INTO conversations (id, format, name, title, system, head, "
                        "created, updated, server_state) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) "
                        "ON CONFLICT(id) DO UPDATE SET format = excluded.format, "
                        "name = excluded.name, title = excluded.title, system = excluded.system, "
                        "head = excluded.head, updated = excluded.updated, "
                        "server_state = excluded.server_state",
                        (row["id"], row["format"], row["name"], row["title"], row["system"],
                         row["head"], row["created"], time.time(), int(row["server_state"])),
                    )  # fmt: skip
                    self._db.executemany(
                        "INSERT INTO turns (conversation_id, turn_id, parent, started, seq, data) "
                        "VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT(conversation_id, turn_id) DO "
                        "UPDATE SET data = excluded.data",
                        new,
                    )
                    self._db.execute("COMMIT")
                except BaseException:
                    if self._db.in_transaction:
                        self._db.execute("ROLLBACK")
                    raise
            except (sqlite3.Error, OSError) as error:
                raise self._error("save", error, f"conversation {conversation.id} to") from None
            # A turn saved while it still runs (a background one) is saved again later.
            done = {t.id for t in conversation.turns.values() if t.status != "running"}
            self._written.setdefault(conversation.id, set()).update(
                t[1] for t in new if t[1] in done
            )

    def load(self, ref: str) -> Conversation:
        """The conversation ``ref`` names (its id or a unique prefix of it), as it was
        last saved. Raises ``LookupError`` with a message for the user."""
        ref = ref.strip()
        with self._lock:
            try:
                found = self._db.execute(
                    "SELECT id, format, name, title, system, head, created, server_state "
                    "FROM conversations "
                    "WHERE id = ? OR (? != '' AND substr(id, 1, ?) = ?) ORDER BY id = ? DESC",
                    (ref, ref, len(ref), ref, ref),
                ).fetchall()
                if not found:
                    raise LookupError(
                        f"No saved conversation {ref!r} in {self.path}: give an id or a unique "
                        "prefix of one from the list of saved conversations."
                    )
                if len(found) > 1 and found[0][0] != ref:
                    raise LookupError(
                        f"{ref!r} matches {len(found)} saved conversations; give more of the id."
                    )
                cid, fmt, name, title, system, head, created, server_state = found[0]
                rows = self._db.execute(
                    "SELECT data FROM turns WHERE conversation_id = ? ORDER BY seq", (cid,)
                ).fetchall()
            except sqlite3.Error as error:
                raise self._error("read", error, f"conversation {ref!r} from") from None
        data: dict[str, Any] = {
            "format": fmt, "id": cid, "name": name, "title": title, "system": system,
            "head": head, "created": created, "server_state": bool(server_state),
        }  # fmt: skip
        try:
            data["turns"] = [json.loads(text) for (text,) in rows]
            conversation = conversation_from_dict(data)
        except (ValueError, TypeError, KeyError) as error:
            raise self._error("read", error, f"conversation {cid} from") from None
        with self._lock:  # a turn still running when saved is written again when it ends
            done = (tid for tid, turn in conversation.turns.items() if turn.status != "running")
            self._written.setdefault(cid, set()).update(done)
        return conversation

    def listing(self, limit: int = 50) -> list[SavedConversation]:
        """Saved conversations, the most recently updated first."""
        with self._lock:
            try:
                rows = self._db.execute(
                    "SELECT c.id, c.name, c.title, "
                    "(SELECT count(*) FROM turns t WHERE t.conversation_id = c.id), "
                    "c.created, c.updated FROM conversations c "
                    "ORDER BY c.updated DESC LIMIT ?",
                    (limit,),
                ).fetchall()
            except sqlite3.Error as error:
                raise self._error("read", error, "the list of conversations in") from None
        return [SavedConversation(*row) for row in rows]

    def unfinished_background(self) -> list[tuple[str, str]]:
        """``(conversation id, turn id)`` of every turn saved while the server ran it in
        the background and never saved again: its kernel died (or stopped) first."""
        with self._lock:
            try:
                rows = self._db.execute(
                    "SELECT conversation_id, turn_id FROM turns "
                    "WHERE json_extract(data, '$.status') = 'running' "
                    "AND json_extract(data, '$.background') ORDER BY started"
                ).fetchall()
            except sqlite3.Error as error:
                raise self._error("read", error, "the unfinished turns in") from None
        return [(str(cid), str(tid)) for cid, tid in rows]

    @contextlib.contextmanager
    def locked(self) -> Iterator[sqlite3.Connection]:
        """The file's connection, held alone: for the tables others own in this file
        (``maps.saved``), whose schema the migrations above also keep."""
        with self._lock:
            yield self._db

    def close(self) -> None:
        """Close the connection (idempotent); in WAL mode this also checkpoints."""
        with self._lock:
            self._db.close()
