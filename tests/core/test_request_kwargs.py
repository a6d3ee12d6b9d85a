"""Golden tests: what each backend sends for every option, built the way the magics
and the panel build it (``TurnOptions`` -> ``build_request``), without a server.

Each case names the options and what they add to (or change in) the plain request
``{"model": ..., "store": ..., "input": ...}`` / ``{"model": ..., "messages": ...}``, for
each API; ``REFUSED`` marks what an API refuses before sending anything.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

import pytest
from pydantic import BaseModel

from jupyter_responses import caching
from jupyter_responses.attachments import FileStore
from jupyter_responses.backends import BACKENDS, chat, responses
from jupyter_responses.config import ResponsesConfig
from jupyter_responses.conversation import Turn
from jupyter_responses.errors import OptionsError
from jupyter_responses.turn_request import TurnOptions, TurnRequest, build_request

PNG = bytes.fromhex("89504e470d0a1a0a") + b"rest"
PNG_URL = "data:image/png;base64,iVBORw0KGgpyZXN0"


def get_weather(city: str) -> str:
    """Current weather.

    Args:
        city: The city.
    """
    return "sun"


class Invoice(BaseModel):
    number: str
    total: float


NAMESPACE = {"get_weather": get_weather, "Invoice": Invoice, "city": "Oslo"}
WEATHER_PARAMETERS = {
    "additionalProperties": False,
    "properties": {"city": {"type": "string", "description": "The city."}},
    "required": ["city"],
    "type": "object",
}
INVOICE_SCHEMA = {
    "properties": {"number": {"type": "string"}, "total": {"type": "number"}},
    "required": ["number", "total"],
    "type": "object",
    "additionalProperties": False,
}
REFUSED = "refused"


def _responses(request: TurnRequest, turn: Turn, files: FileStore) -> dict[str, Any]:
    return responses.request_kwargs(request, [], turn, True, responses.Sources(files))


def _chat(request: TurnRequest, turn: Turn, files: FileStore) -> dict[str, Any]:
    return chat.request_kwargs(request, [], turn, files)


KWARGS = {"responses": _responses, "chat": _chat}


def sent(api: str, tmp_path: Path, prompt: str = "Hi", **options: Any) -> dict[str, Any]:
    """What ``api`` sends for a first turn asked with ``options``."""
    (tmp_path / "dot.png").write_bytes(PNG)
    files = FileStore()
    settings = ResponsesConfig().settings()
    request = build_request(
        TurnOptions(api=api, prompt=prompt, **options), settings, NAMESPACE, files, tmp_path
    )
    BACKENDS[api].validate(request)
    # The session sets the conversation's instructions from ``system`` under its lock,
    # and the thread's cache key.
    request = dataclasses.replace(
        request,
        instructions=request.system or None,
        cache_key=caching.resolve(request.cache_key, CONVERSATION_ID),
    )
    turn = Turn(
        api=api,
        model=request.model,
        prompt=request.prompt,
        attachments=[a.record() for a in request.attachments],
    )
    return KWARGS[api](request, turn, files)


CONVERSATION_ID = "c0ffee"
THREAD_KEY = caching.thread_key(CONVERSATION_ID)
PLAIN = {
    "responses": {
        "model": "gpt-4.1",
        "store": True,
        "input": [{"role": "user", "content": "Hi"}],
        "prompt_cache_key": THREAD_KEY,
    },
    "chat": {
        "model": "gpt-4.1",
        "messages": [{"role": "user", "content": "Hi"}],
        "stream_options": {"include_usage": True},
        "prompt_cache_key": THREAD_KEY,
    },
}

CASES: list[tuple[str, dict[str, Any], dict[str, Any], dict[str, Any]]] = [
    ("nothing", {}, {}, {}),
    (
        "--cache-key off",
        {"cache_key": "off"},
        {"prompt_cache_key": None},
        {"prompt_cache_key": None},
    ),
    (
        "--cache-key KEY",
        {"cache_key": "team-a"},
        {"prompt_cache_key": "team-a"},
        {"prompt_cache_key": "team-a"},
    ),
    ("--truncation auto", {"truncation": "auto"}, {"truncation": "auto"}, {}),
    ("--background", {"background": True}, {"background": True}, {}),
    ("--truncation disabled", {"truncation": "disabled"}, {}, {}),
    (
        "--cache-retention 24h",
        {"cache_retention": "24h"},
        {"prompt_cache_retention": "24h"},
        {"prompt_cache_retention": "24h"},
    ),
    (
        "--cache-retention 12h",
        {"cache_retention": "12h"},
        {"prompt_cache_options": {"ttl": "12h"}},
        {"prompt_cache_options": {"ttl": "12h"}},
    ),
    ("-m", {"model": "gpt-5"}, {"model": "gpt-5"}, {"model": "gpt-5"}),
    (
        "-s",
        {"system": "Be brief."},
        {"instructions": "Be brief."},
        {
            "messages": [
                {"role": "system", "content": "Be brief."},
                {"role": "user", "content": "Hi"},
            ]
        },
    ),
    ("--temperature", {"temperature": 0.2}, {"temperature": 0.2}, {"temperature": 0.2}),
    (
        "--max-tokens",
        {"max_tokens": 50},
        {"max_output_tokens": 50},
        {"max_completion_tokens": 50},
    ),
    (
        "--reasoning",
        {"reasoning": "high"},
        {"reasoning": {"effort": "high", "summary": "auto"}},
        {"reasoning_effort": "high"},
    ),
    (
        "--reasoning --no-store",
        {"reasoning": "low", "no_store": True},
        {
            "store": False,
            "reasoning": {"effort": "low", "summary": "auto"},
            "include": ["reasoning.encrypted_content"],
        },
        {"reasoning_effort": "low"},
    ),
    ("--no-store", {"no_store": True}, {"store": False}, {}),
    ("--no-stream", {"no_stream": True}, {}, {"stream_options": None}),
    (
        "--tools function",
        {"tools": ["get_weather"]},
        {
            "tools": [
                {
                    "type": "function",
                    "name": "get_weather",
                    "description": "Current weather.",
                    "parameters": WEATHER_PARAMETERS,
                    "strict": False,
                }
            ]
        },
        {
            "tools": [
                {
                    "type": "function",
                    "function": {
                        "name": "get_weather",
                        "description": "Current weather.",
                        "parameters": WEATHER_PARAMETERS,
                    },
                }
            ]
        },
    ),
    (
        "--tools web_search code_interpreter",
        {"tools": ["web_search", "code_interpreter"]},
        {
            "tools": [
                {"type": "web_search"},
                {"type": "code_interpreter", "container": {"type": "auto"}},
            ],
            "include": ["web_search_call.action.sources", "code_interpreter_call.outputs"],
        },
        REFUSED,  # type: ignore[list-item]
    ),
    (
        "--tools image_generation",
        {"tools": ["image_generation"]},
        {"tools": [{"type": "image_generation"}]},
        REFUSED,  # type: ignore[list-item]
    ),
    (
        "--vector-store (implies file_search)",
        {"vector_store": ["vs_1"]},
        {
            "tools": [{"type": "file_search", "vector_store_ids": ["vs_1"]}],
            "include": ["file_search_call.results"],
        },
        REFUSED,  # type: ignore[list-item]
    ),
    (
        "--mcp",
        {"mcp": ["docs=https://mcp.example/sse"]},
        {
            "tools": [
                {
                    "type": "mcp",
                    "server_label": "docs",
                    "server_url": "https://mcp.example/sse",
                    "require_approval": "always",
                }
            ]
        },
        REFUSED,  # type: ignore[list-item]
    ),
    (
        "--schema",
        {"schema": "Invoice"},
        {
            "text": {
                "format": {
                    "type": "json_schema",
                    "name": "Invoice",
                    "schema": INVOICE_SCHEMA,
                    "strict": True,
                }
            }
        },
        {
            "response_format": {
                "type": "json_schema",
                "json_schema": {"name": "Invoice", "schema": INVOICE_SCHEMA, "strict": True},
            }
        },
    ),
    (
        "--file image",
        {"file": ["dot.png"]},
        {
            "input": [
                {
                    "role": "user",
                    "content": [
                        {"type": "input_text", "text": "Hi"},
                        {"type": "input_image", "image_url": PNG_URL, "detail": "auto"},
                    ],
                }
            ]
        },
        {
            "messages": [
                {
                    "role": "user",
                    "content": [
                        {"type": "text", "text": "Hi"},
                        {"type": "image_url", "image_url": {"url": PNG_URL}},
                    ],
                }
            ]
        },
    ),
]


def _expected(api: str, changes: dict[str, Any]) -> dict[str, Any]:
    """``PLAIN[api]`` with ``changes`` applied (a ``None`` value removes the key)."""
    merged = {**PLAIN[api], **changes}
    return {key: value for key, value in merged.items() if value is not None}


@pytest.mark.parametrize(
    ("options", "responses_changes", "chat_changes"),
    [pytest.param(options, r, c, id=name) for name, options, r, c in CASES],
)
def test_each_option_is_sent_as_each_api_names_it(
    tmp_path: Path,
    options: dict[str, Any],
    responses_changes: dict[str, Any],
    chat_changes: dict[str, Any] | str,
) -> None:
    assert sent("responses", tmp_path, **options) == _expected("responses", responses_changes)
    if chat_changes == REFUSED:
        with pytest.raises(OptionsError, match="built-in tool of the Responses API"):
            sent("chat", tmp_path, **options)
    else:
        assert isinstance(chat_changes, dict)
        assert sent("chat", tmp_path, **options) == _expected("chat", chat_changes)


def test_the_prompt_is_interpolated_unless_asked_not_to(tmp_path: Path) -> None:
    asked = sent("chat", tmp_path, prompt="Weather in {city}?\n")
    assert asked["messages"] == [{"role": "user", "content": "Weather in Oslo?"}]
    kept = sent("responses", tmp_path, prompt="Weather in {city}?", no_interpolate=True)
    assert kept["input"] == [{"role": "user", "content": "Weather in {city}?"}]


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"new": True, "fork": "1"}, "--new and --fork contradict"),
        ({"out": "not a name"}, "-o needs a Python variable name"),
        ({"temperature": float("nan")}, "--temperature needs a number"),
        ({"max_tool_rounds": -1}, "--max-tool-rounds must be 0 or more"),
        ({"tool_timeout": -1.0}, "--tool-timeout"),
        ({"tools": ["file_search"]}, "add --vector-store ID"),
        ({"mcp": ["docs"]}, "--mcp needs LABEL=URL"),
        ({"file": ["missing.png"]}, "no such file"),
        ({"schema": "city"}, "must be a pydantic model"),
    ],
)
def test_bad_options_are_one_paragraph_before_anything_is_sent(
    tmp_path: Path, options: dict[str, Any], message: str
) -> None:
    for api in BACKENDS:
        with pytest.raises(OptionsError, match=message) as caught:
            sent(api, tmp_path, **options)
        assert "\n" not in str(caught.value)


def test_an_empty_prompt_names_the_magic_of_its_api(tmp_path: Path) -> None:
    for api, backend in BACKENDS.items():
        with pytest.raises(OptionsError, match=f"below %%{backend.magic}"):
            sent(api, tmp_path, prompt="  \n")
