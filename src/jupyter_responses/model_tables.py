"""Tables of facts per model shipped in ``data/`` (prices, context windows): read once,
each dated with where its figures were read, and looked up the way models are named
(a dated snapshot, ``gpt-4.1-2025-04-14``, is its model, ``gpt-4.1``)."""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Mapping
from importlib import resources
from typing import Any, TypeVar

V = TypeVar("V")
#: What a snapshot adds to its model's name.
_SNAPSHOT = re.compile(r"-\d{4}-\d{2}-\d{2}$")


@functools.cache
def shipped(name: str) -> Any:
    """``data/<name>``, parsed (once): ``{"read", "source", "unit", "models"}``."""
    text = resources.files(__package__).joinpath(f"data/{name}").read_text("utf-8")
    return json.loads(text)


def for_model(
    model: str, shipped_models: Mapping[str, V], overrides: Mapping[str, V] | None
) -> V | None:
    """What ``model`` (or the model a snapshot of it is) has in the table, the user's
    ``overrides`` first; ``None`` when neither knows it (never a guess)."""
    table = {**shipped_models, **(overrides or {})}
    for name in (model, _SNAPSHOT.sub("", model)):
        if name in table:
            return table[name]
    return None
