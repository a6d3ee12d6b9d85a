"""The API-neutral view of a request that the default model answers.

Both wire protocols reduce a request to a ``Dialogue`` (the Responses API after
following its ``previous_response_id`` chain), so the default model can show that it
saw the same conversation whichever way the client sent it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass
class Message:
    """One entry of the conversation. ``role`` is user/assistant/system/developer/tool."""

    role: str
    text: str = ""
    tool_name: str | None = None  # for role="tool": the function whose result this is
    tool_calls: list[str] = field(default_factory=list)  # for assistant: names it called
    attachments: int = 0  # images/files that came with a user message


@dataclass
class Tool:
    """A tool the client offered: ``kind`` is "function" or a built-in type."""

    kind: str
    name: str
    parameters: dict[str, Any] = field(default_factory=dict)


@dataclass
class Dialogue:
    model: str
    messages: list[Message] = field(default_factory=list)
    instructions: str | None = None
    tools: list[Tool] = field(default_factory=list)
    tool_choice: Any = None
    json_schema: dict[str, Any] | None = None
    reasoning_effort: str | None = None
    reasoning_summary: bool = False
    max_output_tokens: int | None = None

    def user_messages(self) -> list[Message]:
        return [m for m in self.messages if m.role == "user"]

    def functions(self) -> dict[str, Tool]:
        return {t.name: t for t in self.tools if t.kind == "function"}

    def builtins(self) -> set[str]:
        return {t.kind for t in self.tools if t.kind != "function"}
