"""Custom (freeform) tools on the Responses API: their declarations in ``tools``, and
the ``custom_tool_call`` / ``custom_tool_call_output`` input items that resend a call
and answer it, checked as OpenAI checks them (a 400 naming the parameter at fault).

A custom tool takes raw text instead of JSON arguments: ``{"type": "custom", "name":
..., "description": ..., "format": {"type": "text"} | {"type": "grammar", "syntax":
"lark" | "regex", "definition": ...}}``.
"""

from __future__ import annotations

import re
from typing import Any

from . import tool_outputs
from .errors import TYPE_NAMES, ApiError, invalid, too_long, type_name

#: What a tool's name may be, on both APIs (and how long).
NAME_PATTERN = "^[a-zA-Z0-9_-]+$"
NAME_MAX = 64

_DECLARATION_FIELDS = {
    "type",
    "name",
    "description",
    "format",
    "defer_loading",
    "allowed_callers",
    "async",
}
_FORMAT_FIELDS = {"text": {"type"}, "grammar": {"type", "syntax", "definition"}}


def check_declaration(tool: dict[str, Any], where: str) -> None:
    """A custom tool in ``tools`` (``where``: ``tools[2]``), or the API's 400."""
    _no_unknown(tool, _DECLARATION_FIELDS, where)
    name = _required(tool, "name", where, str)
    if len(name) > NAME_MAX:
        raise too_long(f"{where}.name", name, NAME_MAX)
    if not re.fullmatch(NAME_PATTERN, name):
        raise invalid(
            f"Invalid '{where}.name': string does not match pattern. Expected a string that "
            f"matches the pattern '{NAME_PATTERN}'.",
            f"{where}.name",
            "invalid_value",
        )
    if "description" in tool:
        _typed(tool["description"], f"{where}.description", str)
    if "format" in tool:
        _check_format(tool["format"], f"{where}.format")


def _check_format(spec: Any, where: str) -> None:
    _typed(spec, where, dict)
    kind = _required(spec, "type", where, str)
    if kind not in _FORMAT_FIELDS:
        raise _unsupported(kind, list(_FORMAT_FIELDS), f"{where}.type")
    _no_unknown(spec, _FORMAT_FIELDS[kind], where)
    if kind == "grammar":
        syntax = _required(spec, "syntax", where, str)
        if syntax not in ("lark", "regex"):
            raise _unsupported(syntax, ["lark", "regex"], f"{where}.syntax")
        _required(spec, "definition", where, str)


def check_item(item: dict[str, Any], where: str) -> None:
    """A ``custom_tool_call`` or ``custom_tool_call_output`` input item (``where``:
    ``input[3]``), or the API's 400."""
    _required(item, "call_id", where, str)
    if item.get("type") == "custom_tool_call":
        _required(item, "name", where, str)
        _required(item, "input", where, str)
        return
    output = _required(item, "output", where, (str, list))
    tool_outputs.check_output(output, f"{where}.output", detail_required=True)


# -- the API's messages ----------------------------------------------------------------


Kind = type | tuple[type, ...]


def _required(container: dict[str, Any], key: str, where: str, kind: Kind) -> Any:
    if container.get(key) is None:
        raise invalid(
            f"Missing required parameter: '{where}.{key}'.",
            f"{where}.{key}",
            "missing_required_parameter",
        )
    return _typed(container[key], f"{where}.{key}", kind)


def _typed(value: Any, where: str, kind: Kind) -> Any:
    kinds = kind if isinstance(kind, tuple) else (kind,)
    if not isinstance(value, kinds) or (isinstance(value, bool) and bool not in kinds):
        expected = " or ".join(TYPE_NAMES[k] for k in kinds)
        raise invalid(
            f"Invalid type for '{where}': expected {expected}, but got {type_name(value)} instead.",
            where,
            "invalid_type",
        )
    return value


def _no_unknown(container: dict[str, Any], known: set[str], where: str) -> None:
    unknown = sorted(set(container) - known)
    if unknown:
        raise invalid(
            f"Unknown parameter: '{where}.{unknown[0]}'.",
            f"{where}.{unknown[0]}",
            "unknown_parameter",
        )


def _unsupported(value: Any, supported: list[str], where: str) -> ApiError:
    quoted = [f"'{s}'" for s in supported]
    listed = " and ".join(quoted)
    if len(quoted) > 2:
        listed = ", ".join(quoted[:-1]) + ", and " + quoted[-1]
    return invalid(
        f"Invalid value: '{value}'. Supported values are: {listed}.", where, "invalid_value"
    )
