"""A map's results in the conversation store, as each row ends.

A map is named by what decides its answers: its prompt and the parameters of its
requests (``map_id``); a row by its content (``rows.row_key``). So running the same map
again, in this kernel or after a restart, finds every row already answered and sends
only the others; a changed prompt or model is another map. A row that failed is not
kept as done: the next run tries it again.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import sqlite3
import time
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from ..store import Store, StoreError


def map_id(prompt: str, params: Mapping[str, Any]) -> str:
    content = json.dumps({"prompt": prompt, **params}, sort_keys=True, default=repr)
    return "map_" + hashlib.sha256(content.encode()).hexdigest()[:16]


@dataclass(frozen=True)
class SavedRow:
    result: dict[str, Any]
    usage: dict[str, int]
    cost: float | None


@dataclass(frozen=True)
class SavedMap:
    """One line of ``%responses maps``."""

    id: str
    conversation_id: str | None
    title: str
    api: str
    model: str
    total: int
    done: int
    failed: int
    batch_id: str | None
    batch_status: str | None
    created: float
    updated: float


class MapStore:
    """The maps tables of a ``Store`` (``None``: nothing is saved, results live only in
    the returned table)."""

    def __init__(self, store: Store | None) -> None:
        self.store = store

    def begin(
        self, map_id: str, conversation_id: str | None, title: str, api: str, model: str, total: int
    ) -> dict[str, SavedRow]:
        """Record the map (again) and return the rows it has answered already."""
        if self.store is None:
            return {}
        now = time.time()
        with self._db("save") as db:
            db.execute(
                "INSERT INTO maps (id, conversation_id, title, api, model, total, created, "
                "updated) VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT(id) DO UPDATE SET "
                "conversation_id = excluded.conversation_id, total = excluded.total, "
                "updated = excluded.updated",
                (map_id, conversation_id, title, api, model, total, now, now),
            )
            rows = db.execute(
                "SELECT row_key, result, usage, cost FROM map_rows "
                "WHERE map_id = ? AND error IS NULL",
                (map_id,),
            ).fetchall()
        return {
            key: SavedRow(json.loads(result), json.loads(usage or "{}"), cost)
            for key, result, usage, cost in rows
        }

    def save_row(
        self,
        map_id: str,
        key: str,
        result: dict[str, Any] | None,
        error: str | None,
        usage: dict[str, int],
        cost: float | None,
    ) -> None:
        if self.store is None:
            return
        with self._db("save") as db:
            db.execute(
                "INSERT INTO map_rows (map_id, row_key, result, error, usage, cost) "
                "VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT(map_id, row_key) DO UPDATE SET "
                "result = excluded.result, error = excluded.error, usage = excluded.usage, "
                "cost = excluded.cost",
                (
                    map_id,
                    key,
                    None if result is None else json.dumps(result, default=repr),
                    error,
                    json.dumps(usage),
                    cost,
                ),
            )

    def save_batch(self, map_id: str, batch_id: str | None, status: str | None) -> None:
        if self.store is None:
            return
        with self._db("save") as db:
            db.execute(
                "UPDATE maps SET batch_id = ?, batch_status = ?, updated = ? WHERE id = ?",
                (batch_id, status, time.time(), map_id),
            )

    def batch_of(self, map_id: str) -> tuple[str | None, str | None]:
        if self.store is None:
            return None, None
        with self._db("read") as db:
            found = db.execute(
                "SELECT batch_id, batch_status FROM maps WHERE id = ?", (map_id,)
            ).fetchone()
        return (found[0], found[1]) if found else (None, None)

    def listing(self, conversation_id: str | None = None, limit: int = 50) -> list[SavedMap]:
        """Maps, the most recently run first (of one conversation, if given)."""
        if self.store is None:
            return []
        where, args = (
            ("WHERE m.conversation_id = ?", (conversation_id,)) if conversation_id else ("", ())
        )
        with self._db("read") as db:
            rows = db.execute(
                "SELECT m.id, m.conversation_id, m.title, m.api, m.model, m.total, "
                "(SELECT count(*) FROM map_rows r WHERE r.map_id = m.id AND r.error IS NULL), "
                "(SELECT count(*) FROM map_rows r WHERE r.map_id = m.id AND r.error IS NOT NULL), "
                f"m.batch_id, m.batch_status, m.created, m.updated FROM maps m {where} "
                "ORDER BY m.updated DESC LIMIT ?",
                (*args, limit),
            ).fetchall()
        return [SavedMap(*row) for row in rows]

    @contextlib.contextmanager
    def _db(self, action: str) -> Iterator[sqlite3.Connection]:
        """The store's connection; its errors as one paragraph (``StoreError``)."""
        assert self.store is not None
        try:
            with self.store.locked() as db:
                yield db
        except sqlite3.Error as error:
            raise StoreError(
                f"Could not {action} the map's results in {self.store.path}: {error}. The "
                "results so far are in the table returned; a later run sends only the rows "
                "not saved."
            ) from None
