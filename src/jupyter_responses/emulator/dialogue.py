"""The API-neutral view of a request that the default model answers.

Both wire protocols reduce a request to a ``Dialogue`` (the Responses API after
following its ``previous_response_id`` chain), so the default model can show that it
saw the same conversation whichever way the client sent it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from .errors import invalid
from .tool_choice import ToolChoice, read


@dataclass
class Message:
    """One entry of the conversation. ``role`` is user/assistant/system/developer/tool."""

    role: str
    text: str = ""
    tool_name: str | None = None  # for role="tool": the function whose result this is
    tool_calls: list[str] = field(default_factory=list)  # for assistant: names it called
    attachments: int = 0  # images/files that came with a user message
    #: The text parts a message came in, when there were several (``text`` joins them).
    parts: list[str] = field(default_factory=list)
    #: What the message takes up in the model's context when that is not ``text``:
    #: set on the messages a compaction item restores (``compaction.py``), which count
    #: as its short summary, not as the turns they were.
    counted_as: str | None = None


@dataclass
class Tool:
    """A tool the client offered: ``kind`` is "function", "custom" (a freeform tool,
    called with raw text) or a built-in type."""

    kind: str
    name: str
    parameters: dict[str, Any] = field(default_factory=dict)


@dataclass
class Dialogue:
    model: str
    messages: list[Message] = field(default_factory=list)
    instructions: str | None = None
    tools: list[Tool] = field(default_factory=list)
    tool_choice: Any = None  # as the request sent it
    json_schema: dict[str, Any] | None = None
    json_mode: bool = False  # ``json_object``: any JSON object, no schema
    reasoning_effort: str | None = None
    reasoning_summary: bool = False
    max_output_tokens: int | None = None
    #: Whether the reply may call a custom tool: a Chat Completions stream has no shape
    #: for such a call (neither the spec nor the SDK), so there it may not.
    custom_calls: bool = True

    def user_messages(self) -> list[Message]:
        return [m for m in self.messages if m.role == "user"]

    def choice(self) -> ToolChoice:
        """``tool_choice`` as the tools offered allow (a 400 if they cannot)."""
        return read(self.tool_choice, self.tools)

    def functions(self) -> dict[str, Tool]:
        """The function tools the model may call (``tool_choice`` allowing)."""
        choice = self.choice()
        return {t.name: t for t in self.tools if t.kind == "function" and choice.permits(t)}

    def customs(self) -> dict[str, Tool]:
        """The custom tools the model may call (``tool_choice`` allowing)."""
        if not self.custom_calls:
            return {}
        choice = self.choice()
        return {t.name: t for t in self.tools if t.kind == "custom" and choice.permits(t)}

    def builtins(self) -> set[str]:
        """The built-in tools the model may use (``tool_choice`` allowing)."""
        choice = self.choice()
        kinds = {t.kind for t in self.tools if choice.permits(t)}
        return kinds - {"function", "custom"}

    def check(self, json_refusal: tuple[str, str]) -> None:
        """What only the whole request shows: a ``tool_choice`` its tools cannot satisfy;
        JSON mode where no message or instruction says "json" (refused with the API's
        own ``(message, param)``)."""
        self.choice()
        if self.json_mode and not self.mentions_json():
            raise invalid(*json_refusal)

    def mentions_json(self) -> bool:
        """Whether the instructions or a message say "json" (JSON mode demands it)."""
        texts = [self.instructions or "", *(m.text for m in self.messages)]
        return any("json" in text.lower() for text in texts)
