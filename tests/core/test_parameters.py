"""Golden tests of the declared request parameters (``parameters.py``): what each backend
sends for every one, built as the magics build it (``TurnOptions`` -> ``build_request``),
or the one sentence it refuses with, before anything is sent.

Each case names the options (``parameters`` as the option line's dests give them), the
traits set, and what each API adds to (or changes in) its plain request, or a pattern
of its refusal.
"""

from __future__ import annotations

import dataclasses
from typing import Any

import pytest

from jupyter_responses import caching
from jupyter_responses.attachments import FileStore
from jupyter_responses.backends import BACKENDS, chat, responses
from jupyter_responses.config import ResponsesConfig
from jupyter_responses.conversation import Turn
from jupyter_responses.errors import OptionsError
from jupyter_responses.turn_request import TurnOptions, TurnRequest, build_request
from tests.core.test_request_kwargs import PLAIN, WEATHER_PARAMETERS, get_weather

CONVERSATION_ID = "c0ffee"


def get_time(city: str) -> str:
    """Local time.

    Args:
        city: The city.
    """
    return "noon"


NAMESPACE = {"get_weather": get_weather, "get_time": get_time}


def request_for(api: str, traits: dict[str, Any] | None = None, **options: Any) -> TurnRequest:
    """The request ``api`` makes of a first turn asked with ``options`` (``traits``:
    settings changed from the defaults), after its backend validated it."""
    settings = dataclasses.replace(ResponsesConfig().settings(), **(traits or {}))
    request = build_request(
        TurnOptions(api=api, prompt="Hi", **options), settings, NAMESPACE, FileStore()
    )
    BACKENDS[api].validate(request)
    return dataclasses.replace(
        request, cache_key=caching.resolve(request.cache_key, CONVERSATION_ID)
    )


def sent(api: str, traits: dict[str, Any] | None = None, **options: Any) -> dict[str, Any]:
    request = request_for(api, traits, **options)
    turn = Turn(api=api, model=request.model, prompt=request.prompt)
    if api == "responses":
        return responses.request_kwargs(request, [], turn, True, responses.Sources())
    return chat.request_kwargs(request, [], turn)


def weather(api: str) -> dict[str, Any]:
    if api == "responses":
        return {
            "type": "function",
            "name": "get_weather",
            "description": "Current weather.",
            "parameters": WEATHER_PARAMETERS,
            "strict": False,
        }
    function = {
        "name": "get_weather",
        "description": "Current weather.",
        "parameters": WEATHER_PARAMETERS,
    }
    return {"type": "function", "function": function}


def local_time(api: str) -> dict[str, Any]:
    entry = weather(api)
    if api == "responses":
        return {**entry, "name": "get_time", "description": "Local time."}
    function = {**entry["function"], "name": "get_time", "description": "Local time."}
    return {"type": "function", "function": function}


SEARCH_MODEL = "gpt-4o-search-preview"
WEB_SEARCH = {"type": "web_search"}
WEB_INCLUDE = ["web_search_call.action.sources"]
LOGPROBS_INCLUDE = "message.output_text.logprobs"


#: (id, options, traits, Responses changes or a refusal pattern, Chat's likewise)
Case = tuple[str, dict[str, Any], dict[str, Any], dict[str, Any] | str, dict[str, Any] | str]
CASES: list[Case] = [
    (
        "--verbosity",
        {"parameters": {"verbosity": "low"}},
        {},
        {"text": {"verbosity": "low"}},
        {"verbosity": "low"},
    ),
    (
        "verbosity trait",
        {},
        {"verbosity": "high"},
        {"text": {"verbosity": "high"}},
        {"verbosity": "high"},
    ),
    (
        "--reasoning max (the SDK's highest)",
        {"reasoning": "max"},
        {},
        {"reasoning": {"effort": "max", "summary": "auto"}},
        {"reasoning_effort": "max"},
    ),
    (
        "--reasoning --reasoning-summary",
        {"reasoning": "high", "parameters": {"reasoning_summary": "detailed"}},
        {},
        {"reasoning": {"effort": "high", "summary": "detailed"}},
        "Chat Completions sends no reasoning summaries",
    ),
    (
        "--reasoning-summary alone",
        {"parameters": {"reasoning_summary": "concise"}},
        {},
        {"reasoning": {"summary": "concise"}},
        "Chat Completions sends no reasoning summaries",
    ),
    (
        "reasoning_summary trait: asked with --reasoning, left out by Chat",
        {"reasoning": "low"},
        {"reasoning_summary": "detailed"},
        {"reasoning": {"effort": "low", "summary": "detailed"}},
        {"reasoning_effort": "low"},
    ),
    (
        "reasoning_summary trait '': no summary",
        {"reasoning": "low"},
        {"reasoning_summary": ""},
        {"reasoning": {"effort": "low"}},
        {"reasoning_effort": "low"},
    ),
    (
        "reasoning_summary trait without --reasoning: nothing",
        {},
        {"reasoning_summary": "detailed"},
        {},
        {},
    ),
    (
        "--service-tier",
        {"parameters": {"service_tier": "flex"}},
        {},
        {"service_tier": "flex"},
        {"service_tier": "flex"},
    ),
    (
        "service_tier trait, overridden per cell",
        {"parameters": {"service_tier": "default"}},
        {"service_tier": "priority"},
        {"service_tier": "default"},
        {"service_tier": "default"},
    ),
    (
        "--tool-choice required",
        {"tools": ["get_weather"], "parameters": {"tool_choice": "required"}},
        {},
        {"tools": "weather", "tool_choice": "required"},
        {"tools": "weather", "tool_choice": "required"},
    ),
    (
        "--tool-choice NAME (a function)",
        {"tools": ["get_weather", "get_time"], "parameters": {"tool_choice": "get_time"}},
        {},
        {"tools": "both", "tool_choice": {"type": "function", "name": "get_time"}},
        {"tools": "both", "tool_choice": {"type": "function", "function": {"name": "get_time"}}},
    ),
    (
        "--tool-choice NAME (a built-in tool the API names)",
        {"tools": ["code_interpreter"], "parameters": {"tool_choice": "code_interpreter"}},
        {},
        {
            "tools": [{"type": "code_interpreter", "container": {"type": "auto"}}],
            "include": ["code_interpreter_call.outputs"],
            "tool_choice": {"type": "code_interpreter"},
        },
        "built-in tool of the Responses API",
    ),
    (
        "--tool-choice web_search (forced as the one allowed tool)",
        {
            "model": SEARCH_MODEL,
            "tools": ["web_search", "get_weather"],
            "parameters": {"tool_choice": "web_search"},
        },
        {},
        {
            "model": SEARCH_MODEL,
            "tools": [WEB_SEARCH, "weather"],
            "include": WEB_INCLUDE,
            "tool_choice": {"type": "allowed_tools", "mode": "required", "tools": [WEB_SEARCH]},
        },
        "can only be told to call one of your functions, and web_search is none of them",
    ),
    (
        "--allowed-tools with --tool-choice required",
        {
            "tools": ["get_weather", "get_time"],
            "parameters": {"allowed_tools": ["get_weather,get_time"], "tool_choice": "required"},
        },
        {},
        {
            "tools": "both",
            "tool_choice": {
                "type": "allowed_tools",
                "mode": "required",
                "tools": [
                    {"type": "function", "name": "get_weather"},
                    {"type": "function", "name": "get_time"},
                ],
            },
        },
        {
            "tools": "both",
            "tool_choice": {
                "type": "allowed_tools",
                "allowed_tools": {
                    "mode": "required",
                    "tools": [
                        {"type": "function", "function": {"name": "get_weather"}},
                        {"type": "function", "function": {"name": "get_time"}},
                    ],
                },
            },
        },
    ),
    (
        "--allowed-tools (repeated, mode auto)",
        {"tools": ["get_weather", "get_time"], "parameters": {"allowed_tools": ["get_time"]}},
        {},
        {
            "tools": "both",
            "tool_choice": {
                "type": "allowed_tools",
                "mode": "auto",
                "tools": [{"type": "function", "name": "get_time"}],
            },
        },
        {
            "tools": "both",
            "tool_choice": {
                "type": "allowed_tools",
                "allowed_tools": {
                    "mode": "auto",
                    "tools": [{"type": "function", "function": {"name": "get_time"}}],
                },
            },
        },
    ),
    (
        "--max-tool-calls",
        {"tools": ["get_weather"], "parameters": {"max_tool_calls": 3}},
        {},
        {"tools": "weather", "max_tool_calls": 3},
        "Chat Completions has no limit on a response's tool calls",
    ),
    (
        "--no-parallel-tools",
        {"tools": ["get_weather"], "parameters": {"no_parallel_tools": True}},
        {},
        {"tools": "weather", "parallel_tool_calls": False},
        {"tools": "weather", "parallel_tool_calls": False},
    ),
    ("--top-p", {"parameters": {"top_p": 0.5}}, {}, {"top_p": 0.5}, {"top_p": 0.5}),
    (
        "--seed",
        {"parameters": {"seed": 7}},
        {},
        "the Responses API takes no seed",
        {"seed": 7},
    ),
    (
        "--stop (repeated)",
        {"parameters": {"stop": ["END", "##"]}},
        {},
        "the Responses API has no stop sequences",
        {"stop": ["END", "##"]},
    ),
    (
        "--logprobs",
        {"parameters": {"logprobs": 3}},
        {},
        {"include": [LOGPROBS_INCLUDE], "top_logprobs": 3},
        {"logprobs": True, "top_logprobs": 3},
    ),
    (
        "--logprobs with other include paths",
        {"no_store": True, "reasoning": "low", "parameters": {"logprobs": 0}},
        {},
        {
            "store": False,
            "reasoning": {"effort": "low", "summary": "auto"},
            "include": ["reasoning.encrypted_content", LOGPROBS_INCLUDE],
            "top_logprobs": 0,
        },
        {"reasoning_effort": "low", "logprobs": True, "top_logprobs": 0},
    ),
    (
        "--metadata (Chat stores the completion, as it must)",
        {"parameters": {"metadata": ["team=data", "run=7=x"]}},
        {},
        {"metadata": {"team": "data", "run": "7=x"}},
        {"store": True, "metadata": {"team": "data", "run": "7=x"}},
    ),
    (
        "--metadata with the store trait off",
        {"parameters": {"metadata": ["team=data"]}},
        {"store": False},
        {"store": False, "metadata": {"team": "data"}},
        "takes metadata only on a stored completion",
    ),
    (
        "safety_identifier trait",
        {},
        {"safety_identifier": "9f86d081884c7d65"},
        {"safety_identifier": "9f86d081884c7d65"},
        {"safety_identifier": "9f86d081884c7d65"},
    ),
    (
        "--tools web_search with a search model",
        {"model": SEARCH_MODEL, "tools": ["web_search", "get_weather"]},
        {},
        {"model": SEARCH_MODEL, "tools": [WEB_SEARCH, "weather"], "include": WEB_INCLUDE},
        {"model": SEARCH_MODEL, "tools": ["weather"], "web_search_options": {}},
    ),
    (
        "--tools web_search, not a search model",
        {"tools": ["web_search"]},
        {},
        {"tools": [WEB_SEARCH], "include": WEB_INCLUDE},
        r"web_search on Chat Completions needs a search model \(gpt-4o-search-preview, ",
    ),
]

#: Stand-ins for the tools lists, by API.
TOOL_LISTS = {"weather": (weather,), "both": (weather, local_time)}


def _expected(api: str, changes: dict[str, Any]) -> dict[str, Any]:
    merged = {**PLAIN[api], **changes}
    tools = merged.get("tools")
    if isinstance(tools, str):
        merged["tools"] = [make(api) for make in TOOL_LISTS[tools]]
    elif isinstance(tools, list):
        merged["tools"] = [weather(api) if t == "weather" else t for t in tools]
    return merged


@pytest.mark.parametrize(
    ("options", "traits", "responses_changes", "chat_changes"),
    [pytest.param(o, t, r, c, id=name) for name, o, t, r, c in CASES],
)
def test_each_parameter_is_sent_as_each_api_names_it_or_refused(
    options: dict[str, Any],
    traits: dict[str, Any],
    responses_changes: dict[str, Any] | str,
    chat_changes: dict[str, Any] | str,
) -> None:
    for api, changes in (("responses", responses_changes), ("chat", chat_changes)):
        if isinstance(changes, str):
            with pytest.raises(OptionsError, match=changes) as caught:
                sent(api, traits, **options)
            assert "\n" not in str(caught.value)
        else:
            assert sent(api, traits, **options) == _expected(api, changes), api


def test_a_refusal_comes_from_validate_before_any_request_is_built() -> None:
    """The session validates first: what the API cannot carry never reaches a request."""
    settings = ResponsesConfig().settings()
    for api, name, value in (
        ("responses", "seed", 1),
        ("responses", "stop", ["x"]),
        ("chat", "max_tool_calls", 2),
        ("chat", "reasoning_summary", "auto"),
    ):
        tools = ["get_weather"] if name == "max_tool_calls" else []
        options = TurnOptions(api=api, prompt="Hi", tools=tools, parameters={name: value})
        request = build_request(options, settings, NAMESPACE, FileStore())
        with pytest.raises(OptionsError, match=f"--{name.replace('_', '-')}: "):
            BACKENDS[api].validate(request)


def test_compaction_drops_the_tool_parameters_with_the_tools() -> None:
    """Chat compacts with the turn's tools left out: its tool choice goes with them."""
    request = request_for(
        "chat",
        tools=["get_weather"],
        parameters={"tool_choice": "required", "no_parallel_tools": True, "top_p": 0.2},
    )
    turn = Turn(api="chat", model=request.model, prompt="Hi")
    kwargs = chat.request_kwargs(dataclasses.replace(request, tools=()), [], turn)
    assert "tool_choice" not in kwargs and "parallel_tool_calls" not in kwargs
    assert kwargs["top_p"] == 0.2


def test_the_safety_identifier_stays_out_of_a_requests_repr() -> None:
    request = request_for("chat", {"safety_identifier": "hashed-user-7"})
    assert request.parameters["safety_identifier"] == "hashed-user-7"
    assert "hashed-user-7" not in repr(request)
