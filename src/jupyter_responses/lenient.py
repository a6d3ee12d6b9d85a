"""Reading what a server sent without trusting its shape: a field the spec says is a
string may be missing, ``null`` or something else on a loose server (or an item type
the SDK does not know), and reading it must never raise."""

from __future__ import annotations

from typing import Any


def text_of(value: Any) -> str:
    """``value`` if it is a string, else ``""``."""
    return value if isinstance(value, str) else ""


def dicts_of(value: Any) -> list[dict[str, Any]]:
    """The objects in ``value`` if it is a list, else none."""
    return [v for v in value if isinstance(v, dict)] if isinstance(value, list) else []
