"""``tool_choice`` as both APIs define it, read into one shape the default model follows.

Responses: ``"auto" | "none" | "required"``, ``{"type": "function", "name": ...}``,
``{"type": "allowed_tools", "mode": "auto" | "required", "tools": [...]}``, a built-in
tool (``{"type": "web_search"}``...), ``{"type": "mcp", "server_label": ...}`` or
``{"type": "custom", "name": ...}``. Chat Completions: the same strings,
``{"type": "function", "function": {"name": ...}}``, ``{"type": "allowed_tools",
"allowed_tools": {"mode": ..., "tools": [...]}}`` and ``{"type": "custom", "custom":
{"name": ...}}``. A choice the tools cannot satisfy is refused with a 400, as the API does.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal, Protocol

from .errors import invalid

Mode = Literal["auto", "none", "required"]


class Tool(Protocol):
    """A tool a request offers (``dialogue.Tool``)."""

    kind: str
    name: str


@dataclass(frozen=True)
class ToolChoice:
    """``mode``; ``forced``: the one tool to call (a function's name, or a built-in
    tool's type); ``allowed``: the tools that may be used (``None``: every one)."""

    mode: Mode = "auto"
    forced: str | None = None
    allowed: frozenset[str] | None = None

    def permits(self, tool: Tool) -> bool:
        if self.mode == "none":
            return False
        return self.allowed is None or key(tool) in self.allowed


def key(tool: Tool) -> str:
    """How a choice names a tool: a function by its name, a built-in one by its type."""
    return tool.name if tool.kind in ("function", "custom") else tool.kind


def _name_of(entry: Any) -> str | None:
    """The tool a choice (or an ``allowed_tools`` entry) names, in either API's shape."""
    if not isinstance(entry, dict):
        return None
    kind = entry.get("type")
    if kind in ("function", "custom"):
        nested = entry.get(kind)
        if isinstance(nested, dict):
            return nested.get("name")
        return entry.get("name")
    return kind if isinstance(kind, str) else None


def read(raw: Any, tools: Sequence[Tool]) -> ToolChoice:
    """The ``tool_choice`` of a request offering ``tools``."""
    if raw is None or raw == "auto":
        return ToolChoice()
    offered = {key(t) for t in tools}
    if raw in ("none", "required"):
        if raw == "required" and not tools:
            raise invalid(
                "Tool choice 'required' must be specified with 'tools' parameter.", "tool_choice"
            )
        return ToolChoice(raw)
    if not isinstance(raw, dict) or not isinstance(raw.get("type"), str):
        raise invalid(
            "Invalid value for 'tool_choice': expected 'none', 'auto', 'required' or an object "
            "naming a tool.",
            "tool_choice",
            "invalid_value",
        )
    if raw["type"] == "allowed_tools":
        nested = raw.get("allowed_tools")
        spec: dict[str, Any] = nested if isinstance(nested, dict) else raw
        names = {_name_of(entry) for entry in spec.get("tools") or []}
        unknown = sorted(str(n) for n in names - offered)
        if unknown or not names:
            raise invalid(
                f"Invalid 'tool_choice.tools': {', '.join(unknown) or 'nothing'} is not among "
                "the 'tools' of this request.",
                "tool_choice",
            )
        mode = spec.get("mode", "auto")
        if mode not in ("auto", "required"):
            raise invalid(
                f"Invalid value for 'tool_choice.mode': '{mode}'.", "tool_choice", "invalid_value"
            )
        return ToolChoice(mode, allowed=frozenset(str(n) for n in names))
    name = _name_of(raw)
    if name not in offered:
        raise invalid(f"Tool choice '{raw['type']}' not found in 'tools' parameter.", "tool_choice")
    return ToolChoice("required", forced=name, allowed=frozenset({str(name)}))
