"""The context window: how many input tokens each model takes, and what a request over
it gets, as OpenAI serves it.

A Responses request whose input (instructions and the whole chain of messages, counted
by ``usage.input_tokens``) exceeds the model's window is refused with OpenAI's 400
``context_length_exceeded`` under ``truncation: "disabled"`` (the default); under
``"auto"`` the oldest messages are dropped, the instructions kept, until it fits. Chat
Completions has no truncation: over the window is a 400 in that API's own words.

Tests make the window small (``Emulator(context_window=2000)``) to reach it with a few
thousand characters instead of a million.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from .dialogue import Message
from .errors import ApiError, invalid
from .usage import count_tokens, input_tokens

#: Input tokens per model family (OpenAI's model pages), matched by the longest prefix
#: of the model name, so snapshots (``gpt-4.1-2025-04-14``) take their family's size.
WINDOWS: dict[str, int] = {
    "gpt-5": 400_000,
    "gpt-5-chat": 128_000,
    "gpt-4.1": 1_047_576,
    "gpt-4o": 128_000,
    "gpt-4-turbo": 128_000,
    "gpt-4": 8_192,
    "gpt-3.5-turbo": 16_385,
    "o1": 200_000,
    "o1-mini": 128_000,
    "o3": 200_000,
    "o4": 200_000,
    "computer-use-preview": 8_192,
}
#: The window of a model the table does not know.
DEFAULT_WINDOW = 128_000
TRUNCATION = ("auto", "disabled")

#: A size for every model, or sizes by model name (others keep the table's).
Override = int | Mapping[str, int] | None


def size(model: str, override: Override = None) -> int:
    """The context window of ``model``: the override's, else the table's."""
    if isinstance(override, int):
        return override
    if override is not None and model in override:
        return override[model]
    family = max((p for p in WINDOWS if model.startswith(p)), key=len, default=None)
    return WINDOWS[family] if family is not None else DEFAULT_WINDOW


def check_truncation(body: dict[str, Any]) -> None:
    """``truncation`` is ``auto`` or ``disabled`` (the API's 400 otherwise)."""
    value = body.get("truncation")
    if value is not None and value not in TRUNCATION:
        raise invalid(
            f"Invalid value: '{value}'. Supported values are: 'auto' and 'disabled'.",
            "truncation",
            "invalid_value",
        )


def fit(messages: Sequence[Message], instructions: str | None, window: int, truncation: Any) -> int:
    """How many of the oldest ``messages`` a request leaves out to fit ``window``: none
    when it fits; under ``truncation: "auto"`` as many as it takes (never the last,
    never the instructions); else, or when even that is too much, OpenAI's 400."""
    dropped = 0
    while input_tokens(instructions, messages[dropped:]) > window:
        if truncation != "auto" or dropped >= len(messages) - 1:
            raise exceeded()
        dropped += 1
    return dropped


def exceeded() -> ApiError:
    """What the Responses API answers to an input over the context window."""
    return invalid(
        "Your input exceeds the context window of this model. Please adjust your input "
        "and try again.",
        "input",
        "context_length_exceeded",
    )


def check_chat(prompt: str, window: int) -> None:
    """Chat Completions over the window (``prompt`` as its usage counts it): that API's
    400, which says both numbers."""
    prompt_tokens = count_tokens(prompt)
    if prompt_tokens > window:
        raise invalid(
            f"This model's maximum context length is {window} tokens. However, your "
            f"messages resulted in {prompt_tokens} tokens. Please reduce the length of the "
            "messages.",
            "messages",
            "context_length_exceeded",
        )


def counted(instructions: str | None, messages: Sequence[Message]) -> dict[str, Any]:
    """The body of ``POST /v1/responses/input_tokens``: the request's input, counted as
    its response's usage would count it."""
    return {"object": "response.input_tokens", "input_tokens": input_tokens(instructions, messages)}
