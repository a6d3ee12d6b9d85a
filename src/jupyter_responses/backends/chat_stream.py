"""Chat Completions' answers read as our events: a stream's chunks (``streamed``), a
whole completion (``whole``), and the pieces both share. The per-delta path: each
lookup in ``streamed`` counts."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from .. import events as ev
from .. import logprobs as lp
from ..cancel import Cancel, cutting
from ..lenient import text_of

if TYPE_CHECKING:
    from ..transcript import Entry, FunctionCallEntry
    from .errors import StreamState


def streamed(
    stream: Any, state: StreamState, cancel: Cancel | None, logprobs: bool = False
) -> Iterator[ev.Event]:
    """A streamed completion's chunks as events; ``logprobs``: the request asked for
    token log probabilities (read from each chunk's choice only then)."""
    text: list[str] = []
    refusal: list[str] = []
    calls: dict[int, dict[str, Any]] = {}
    finish: str | None = None
    model: str | None = None
    tier: str | None = None  # the service tier that served it
    message = ""  # the completion's id: tells this request's message from other rounds'
    state.answered = True
    try:
        with cutting(cancel, stream.response):
            for chunk in stream:  # the per-delta path: each lookup here counts
                state.started = True
                if not message:  # the first chunk that says them names them all
                    model = getattr(chunk, "model", None) or model
                    message = text_of(getattr(chunk, "id", None))
                    tier = text_of(getattr(chunk, "service_tier", None)) or tier
                if getattr(chunk, "usage", None) is not None:
                    yield usage_of(chunk.usage)
                    tier = text_of(getattr(chunk, "service_tier", None)) or tier
                choices = getattr(chunk, "choices", None)
                if not choices:
                    continue
                choice = choices[0]
                delta = getattr(choice, "delta", None)
                thought = raw_reasoning(delta)
                if thought:
                    yield ev.ReasoningDelta(thought, message)
                content = getattr(delta, "content", None)
                if content and isinstance(content, str):
                    text.append(content)
                    yield ev.TextDelta(content, message)
                else:  # a search model's citations come in a chunk of their own
                    extra = getattr(delta, "__pydantic_extra__", None)
                    if extra and "annotations" in extra:
                        yield from citations(extra["annotations"])
                if logprobs:
                    scored = lp.read(getattr(getattr(choice, "logprobs", None), "content", None))
                    if scored:
                        yield ev.Logprobs(tuple(scored))
                said_no = getattr(delta, "refusal", None)
                if said_no and isinstance(said_no, str):
                    refusal.append(said_no)
                    yield ev.RefusalDelta(said_no)
                tool_calls = getattr(delta, "tool_calls", None)
                if tool_calls:
                    for call in tool_calls:
                        yield from call_delta(calls, call)
                finish = getattr(choice, "finish_reason", None) or finish
    finally:
        stream.close()
    calls_made = list(calls.values())
    yield from completed("".join(text), "".join(refusal), calls_made, finish, model, tier)


#: Where servers for open-weight models put raw reasoning in a Chat message or delta
#: (vLLM and DeepSeek: ``reasoning_content``; OpenRouter: ``reasoning``); not in the
#: SDK's types, so read as the extra fields they are.
REASONING_FIELDS = ("reasoning_content", "reasoning")


def raw_reasoning(message: Any) -> str:
    """Read from the model's field and extra dicts, not by ``getattr``: on a pydantic
    model a missing name goes through ``__getattr__`` and an exception, per delta (a
    tenth of a 100k-delta stream's time)."""
    fields = getattr(message, "__dict__", None) or {}
    extra = getattr(message, "__pydantic_extra__", None) or {}
    if not extra and REASONING_FIELDS[0] not in fields and REASONING_FIELDS[1] not in fields:
        return ""  # the per-delta case: neither field sent
    for name in REASONING_FIELDS:
        value = fields.get(name) or extra.get(name)
        if isinstance(value, str) and value:
            return value
    return ""


def call_delta(calls: dict[int, dict[str, Any]], call: Any) -> Iterator[ev.Event]:
    index = call_index(calls, call)
    state = calls.get(index)
    function = getattr(call, "function", None)
    if state is None:
        state = calls[index] = {
            "call_id": call.id or f"call_{index}",
            "name": "",
            "arguments": "",
        }
        state["name"] = (function.name if function else None) or ""
        yield ev.ToolCallStarted(state["call_id"], state["name"])
    if function and function.arguments:
        state["arguments"] += function.arguments
        yield ev.ToolCallDelta(state["call_id"], function.arguments)


def call_index(calls: dict[int, dict[str, Any]], call: Any) -> int:
    """The call a delta belongs to: its ``index``; servers that leave it out start a
    call with an ``id`` and continue it without one."""
    index = getattr(call, "index", None)
    if isinstance(index, int):
        return index
    if call.id:
        known = [i for i, state in calls.items() if state["call_id"] == call.id]
        return known[0] if known else len(calls)
    return max(calls) if calls else 0


def completed(
    text: str,
    refusal: str,
    calls: list[dict[str, Any]],
    finish: str | None,
    model: str | None,
    tier: str | None = None,
) -> Iterator[ev.Event]:
    entries: list[Entry] = []
    if text:
        entries.append({"type": "message", "text": text})
    if refusal:
        entries.append({"type": "refusal", "text": refusal})
    for call in calls:
        yield ev.ToolCallDone(call["call_id"], call["name"], call["arguments"])
        entry: FunctionCallEntry = {
            "type": "function_call",
            "call_id": call["call_id"],
            "name": call["name"],
            "arguments": call["arguments"],
        }
        entries.append(entry)
    yield ev.Completed(
        status="incomplete" if finish == "length" else "completed",
        entries=tuple(entries),
        model=model,
        service_tier=tier,
    )


def citations(annotations: Any) -> Iterator[ev.Citation]:
    """The web pages a search model's answer cites (``url_citation`` annotations, as
    the SDK's objects of a whole answer or the plain dicts of a stream's last chunk)."""
    for annotation in annotations if isinstance(annotations, list) else []:
        if isinstance(annotation, dict):
            cited = annotation.get("url_citation")
            cited = cited if isinstance(cited, dict) else {}
            url, title = text_of(cited.get("url")), text_of(cited.get("title"))
        else:
            cited = getattr(annotation, "url_citation", None)
            url = text_of(getattr(cited, "url", None))
            title = text_of(getattr(cited, "title", None))
        if url:
            yield ev.Citation(url, title or url)


def usage_of(usage: Any) -> ev.Usage:
    details = getattr(usage, "completion_tokens_details", None)
    cache = getattr(usage, "prompt_tokens_details", None)
    return ev.Usage(
        usage.prompt_tokens or 0,
        usage.completion_tokens or 0,
        getattr(details, "reasoning_tokens", None) or 0,
        getattr(cache, "cached_tokens", None) or 0,
        getattr(cache, "cache_write_tokens", None) or 0,
    )


def whole(completion: Any) -> Iterator[ev.Event]:
    choices = getattr(completion, "choices", None) or []
    choice = choices[0] if choices else None
    message = getattr(choice, "message", None)
    content = getattr(message, "content", None)
    content = content if isinstance(content, str) else ""
    said_no = getattr(message, "refusal", None)
    said_no = said_no if isinstance(said_no, str) else ""
    message_id = text_of(getattr(completion, "id", None))
    thought = raw_reasoning(message)
    if thought:
        yield ev.ReasoningDelta(thought, message_id)
    if content:
        yield ev.TextDelta(content, message_id)
    if said_no:
        yield ev.RefusalDelta(said_no)
    yield from citations(getattr(message, "annotations", None))
    scored = lp.read(getattr(getattr(choice, "logprobs", None), "content", None))
    if scored:
        yield ev.Logprobs(tuple(scored))
    calls = []
    for number, call in enumerate(getattr(message, "tool_calls", None) or []):
        function = getattr(call, "function", None)
        name = (function.name if function else None) or ""
        call_id = call.id or f"call_{number}"
        yield ev.ToolCallStarted(call_id, name)
        arguments = (function.arguments if function else None) or ""
        calls.append({"call_id": call_id, "name": name, "arguments": arguments})
    if getattr(completion, "usage", None) is not None:
        yield usage_of(completion.usage)
    finish = getattr(choice, "finish_reason", None)
    model = getattr(completion, "model", None)
    tier = text_of(getattr(completion, "service_tier", None)) or None
    yield from completed(content, said_no, calls, finish, model, tier)
