"""The request parameters around the conversation (service tier, verbosity, sampling,
tool choice limits, logprobs, metadata, the safety identifier), checked as both APIs
check them, and the service tier a request is served by.

Each check answers what the real API answers to a wrong value: a 400
``invalid_request_error`` naming the parameter, with OpenAI's wording for a wrong type
(``invalid_type``), a value out of an enum (``invalid_value``) or out of range
(``integer_above_max_value``...). Where the API's own text is not published (a Chat
request's ``top_logprobs`` without ``logprobs``, ``web_search_options`` for a model that
does not search), the emulator says the rule in the same style.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from .errors import TYPE_NAMES, invalid, too_long, type_name

#: ``service_tier`` values the request types list (the Responses API also ``ultrafast``).
TIERS = ("auto", "default", "flex", "scale", "priority", "fast")
RESPONSES_TIERS = (*TIERS, "ultrafast")
VERBOSITIES = ("low", "medium", "high")
EFFORTS = ("none", "minimal", "low", "medium", "high", "xhigh", "max")
SUMMARIES = ("auto", "concise", "detailed")
#: What serves a request that asks for a tier (``fast`` is served as ``priority``; a
#: project without Scale Tier credits is served ``default``).
SERVED = {"flex": "flex", "priority": "priority", "fast": "priority"}
#: The Chat Completions models that take ``web_search_options``.
SEARCH_MODELS = ("-search-preview", "-search-api")
#: Parameters a Responses request does not have (OpenAI: ``Unknown parameter``).
NOT_RESPONSES = ("seed", "stop", "web_search_options")
#: Parameters a Chat Completions request does not have.
NOT_CHAT = ("max_tool_calls",)

METADATA_KEYS, METADATA_KEY, METADATA_VALUE = 16, 64, 512
SAFETY_IDENTIFIER = 64
TOP_LOGPROBS = 20
INT64 = 2**63


def served_tier(body: dict[str, Any]) -> str:
    """The ``service_tier`` of a finished response or completion."""
    return SERVED.get(str(body.get("service_tier")), "default")


def check_responses(body: dict[str, Any]) -> None:
    """``POST /v1/responses``: every parameter here, or the API's 400."""
    for name in NOT_RESPONSES:
        if name in body:
            raise invalid(f"Unknown parameter: '{name}'.", name, "unknown_parameter")
    _enum(body.get("service_tier"), RESPONSES_TIERS, "service_tier")
    text = body.get("text")
    if text is not None:
        _typed(text, dict, "text")
        _enum(text.get("verbosity"), VERBOSITIES, "text.verbosity")
    reasoning = body.get("reasoning")
    if reasoning is not None:
        _typed(reasoning, dict, "reasoning")
        _enum(reasoning.get("effort"), EFFORTS, "reasoning.effort")
        _enum(reasoning.get("summary"), SUMMARIES, "reasoning.summary")
    _number(body.get("top_p"), "top_p", 0, 1)
    _integer(body.get("top_logprobs"), "top_logprobs", 0, TOP_LOGPROBS)
    _integer(body.get("max_tool_calls"), "max_tool_calls", 0, None)
    if body.get("parallel_tool_calls") is not None:
        _typed(body["parallel_tool_calls"], bool, "parallel_tool_calls")
    _metadata(body.get("metadata"))
    _safety_identifier(body.get("safety_identifier"))


def check_chat(body: dict[str, Any]) -> None:
    """``POST /v1/chat/completions``: every parameter here, or the API's 400."""
    for name in NOT_CHAT:
        if name in body:
            raise invalid(f"Unrecognized request argument supplied: {name}", name)
    _enum(body.get("service_tier"), TIERS, "service_tier")
    _enum(body.get("verbosity"), VERBOSITIES, "verbosity")
    _number(body.get("top_p"), "top_p", 0, 1)
    _integer(body.get("seed"), "seed", -INT64, INT64 - 1)
    _stop(body.get("stop"))
    if body.get("logprobs") is not None:
        _typed(body["logprobs"], bool, "logprobs")
    _integer(body.get("top_logprobs"), "top_logprobs", 0, TOP_LOGPROBS)
    if body.get("top_logprobs") is not None and body.get("logprobs") is not True:
        raise invalid(
            "Invalid value for 'top_logprobs': 'logprobs' must be set to true when "
            "'top_logprobs' is given.",
            "top_logprobs",
            "invalid_value",
        )
    if body.get("parallel_tool_calls") is not None:
        _typed(body["parallel_tool_calls"], bool, "parallel_tool_calls")
    _metadata(body.get("metadata"))
    if body.get("metadata") and body.get("store") is not True:
        raise invalid(
            "The 'metadata' parameter is only allowed when 'store' is enabled.", "metadata"
        )
    _safety_identifier(body.get("safety_identifier"))
    options = body.get("web_search_options")
    if options is not None:
        _typed(options, dict, "web_search_options")
        _enum(
            options.get("search_context_size"),
            VERBOSITIES,
            "web_search_options.search_context_size",
        )
        if not any(mark in str(body.get("model")) for mark in SEARCH_MODELS):
            raise invalid(
                "Web search options are only supported with the search models "
                "(gpt-4o-search-preview, gpt-4o-mini-search-preview, gpt-5-search-api).",
                "web_search_options",
                "invalid_value",
            )


# -- OpenAI's wording ------------------------------------------------------------------------
def _typed(value: Any, kind: type, where: str) -> None:
    wrong = not isinstance(value, kind) or (isinstance(value, bool) and kind is not bool)
    if wrong:
        raise invalid(
            f"Invalid type for '{where}': expected {TYPE_NAMES[kind]}, but got "
            f"{type_name(value)} instead.",
            where,
            "invalid_type",
        )


def _enum(value: Any, supported: Sequence[str], where: str) -> None:
    if value is None:
        return
    if value not in supported:
        quoted = [f"'{s}'" for s in supported]
        listed = ", ".join(quoted[:-1]) + ", and " + quoted[-1]
        raise invalid(
            f"Invalid value: '{value}'. Supported values are: {listed}.", where, "invalid_value"
        )


def _range(value: float, where: str, low: float | None, high: float | None, kind: str) -> None:
    shown = int(value) if float(value).is_integer() else value
    if high is not None and value > high:
        raise invalid(
            f"Invalid '{where}': {kind} above maximum value. Expected a value <= {high}, but "
            f"got {shown} instead.",
            where,
            f"{kind}_above_max_value",
        )
    if low is not None and value < low:
        raise invalid(
            f"Invalid '{where}': {kind} below minimum value. Expected a value >= {low}, but "
            f"got {shown} instead.",
            where,
            f"{kind}_below_min_value",
        )


def _number(value: Any, where: str, low: float, high: float) -> None:
    if value is None:
        return
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise invalid(
            f"Invalid type for '{where}': expected a number, but got {type_name(value)} instead.",
            where,
            "invalid_type",
        )
    _range(value, where, low, high, "decimal")


def _integer(value: Any, where: str, low: int | None, high: int | None) -> None:
    if value is None:
        return
    _typed(value, int, where)
    _range(value, where, low, high, "integer")


def _stop(value: Any) -> None:
    if value is None or isinstance(value, str):
        return
    _typed(value, list, "stop")
    if len(value) > 4:
        raise too_long("stop", value, 4)
    for index, sequence in enumerate(value):
        _typed(sequence, str, f"stop[{index}]")


def _metadata(value: Any) -> None:
    if value is None:
        return
    _typed(value, dict, "metadata")
    if len(value) > METADATA_KEYS:
        raise invalid(
            f"Invalid 'metadata': too many properties. Expected an object with at most "
            f"{METADATA_KEYS} properties, but got an object with {len(value)} properties "
            "instead.",
            "metadata",
            "object_above_max_properties",
        )
    for key, text in value.items():
        if len(key) > METADATA_KEY:
            raise too_long("metadata", key, METADATA_KEY)
        _typed(text, str, f"metadata.{key}")
        if len(text) > METADATA_VALUE:
            raise too_long(f"metadata.{key}", text, METADATA_VALUE)


def _safety_identifier(value: Any) -> None:
    if value is None:
        return
    _typed(value, str, "safety_identifier")
    if len(value) > SAFETY_IDENTIFIER:
        raise too_long("safety_identifier", value, SAFETY_IDENTIFIER)
