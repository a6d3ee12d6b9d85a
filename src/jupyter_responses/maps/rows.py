"""The rows a map reads, and the table it gives back in the same form.

A pandas or polars DataFrame, a list of dicts, or any iterable: each row becomes the
names its prompt is filled from (its columns, and ``row`` for the whole row; a value
that is not a mapping is ``row`` alone). What comes back is the input with the answer's
columns added (``answer``, or one per field of ``--schema``) and ``error``: a DataFrame
of the same library, or a list of dicts; row order is kept.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

#: The column a failed row's error goes in (``None`` for rows that were answered).
ERROR = "error"
#: The column the answer goes in, without ``--schema``.
ANSWER = "answer"


@dataclass(frozen=True)
class Rows:
    """The rows as names to fill a prompt from, and how to give the table back."""

    names: list[dict[str, Any]]
    kind: str  # "pandas", "polars" or "records"
    source: Any

    def __len__(self) -> int:
        return len(self.names)


def read_rows(rows: Any) -> Rows:
    """``rows`` as one dict of names per row; ``TypeError`` for what is not a table."""
    kind = _library(rows)
    if kind == "pandas":
        records = rows.to_dict(orient="records")
        return Rows([_names(r) for r in records], kind, rows)
    if kind == "polars":
        return Rows([_names(r) for r in rows.to_dicts()], kind, rows)
    if isinstance(rows, str | bytes | Mapping) or not isinstance(rows, Iterable):
        raise TypeError(
            f"map needs rows: a pandas or polars DataFrame, a list of dicts or an iterable, "
            f"not {type(rows).__name__}."
        )
    return Rows([_names(r) for r in rows], "records", rows)


def _library(rows: Any) -> str | None:
    module = type(rows).__module__.split(".")[0]
    name = type(rows).__name__
    if module == "pandas" and name == "DataFrame":
        return "pandas"
    if module == "polars" and name == "DataFrame":
        return "polars"
    return None


def _names(row: Any) -> dict[str, Any]:
    if isinstance(row, Mapping):
        names = {str(k): v for k, v in row.items()}
        return {**names, "row": dict(names)}
    return {"row": row}


def row_key(names: Mapping[str, Any]) -> str:
    """What identifies a row's content across runs (and kernels): a hash of its values,
    not of its position, so a re-run finds the rows already answered."""
    content = json.dumps(names.get("row"), sort_keys=True, default=repr, ensure_ascii=False)
    return hashlib.sha256(content.encode()).hexdigest()[:32]


def table(rows: Rows, results: list[dict[str, Any]]) -> Any:
    """The input with each row's result columns added, in the input's form."""
    columns = _columns(results)
    if rows.kind == "pandas":
        import pandas as pd

        added = pd.DataFrame(
            [{c: r.get(c) for c in columns} for r in results], index=rows.source.index
        )
        out = rows.source.copy()
        for column in columns:
            out[column] = added[column]
        return out
    if rows.kind == "polars":
        import polars as pl

        added = pl.DataFrame({c: [r.get(c) for r in results] for c in columns}, strict=False)
        return rows.source.with_columns(added.get_columns())
    return [
        {**(n["row"] if isinstance(n["row"], dict) else {"row": n["row"]}), **r}
        for n, r in zip(rows.names, results, strict=True)
    ]


def _columns(results: list[dict[str, Any]]) -> list[str]:
    """Every result column, in first-seen order, ``error`` last."""
    seen: dict[str, None] = {}
    for result in results:
        for column in result:
            if column != ERROR:
                seen.setdefault(column)
    return [*seen, ERROR]
