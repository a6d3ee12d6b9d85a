"""Chat Completions: ``POST /v1/chat/completions``, streamed as chunks or whole.

Stateless like the real endpoint: the client resends the history as ``messages``; the
emulator checks that tool messages answer earlier tool calls exactly as OpenAI does,
so a client that drops or reorders history fails here, not in production.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from typing import Any

from . import logprobs, sampling, tool_outputs
from .dialogue import Dialogue, Message, Tool
from .errors import ApiError, invalid
from .prompt_cache import PromptCache
from .responses_events import new_id, split
from .script import (
    Citation,
    CustomToolCall,
    FunctionCall,
    Reasoning,
    Refusal,
    Reply,
    Text,
    loosen,
)
from .usage import count_tokens

_FINISH = {"completed": "stop", "incomplete": "length", "failed": "stop"}


def validate(body: Any) -> None:
    if not isinstance(body, dict):
        raise invalid("The request body must be a JSON object.")
    if not isinstance(body.get("model"), str) or not body["model"]:
        raise invalid("you must provide a model parameter", "model")
    sampling.check_chat(body)
    messages = body.get("messages")
    if not isinstance(messages, list) or not messages:
        raise invalid(
            "Invalid 'messages': empty array. Expected an array with minimum length 1.", "messages"
        )
    for index, tool in enumerate(body.get("tools") or []):
        if tool.get("type") not in ("function", "custom"):
            raise invalid(
                f"Invalid value: '{tool.get('type')}'. "
                "Supported values are: 'function' and 'custom'.",
                f"tools[{index}].type",
                "invalid_value",
            )
    for index, message in enumerate(messages):
        if isinstance(message, dict):
            tool_outputs.check_chat_message(message, index)
    _check_tool_pairs(messages)
    _check_n(body.get("n"))


#: Most choices one request may ask for (``n``).
MOST_CHOICES = 128


def _check_n(n: Any) -> None:
    if n is None:
        return
    if type(n) is not int:
        raise invalid(
            f"Invalid type for 'n': expected an integer, but got {type(n).__name__} instead.",
            "n",
            "invalid_type",
        )
    if n < 1:
        raise invalid(
            f"Invalid 'n': integer below minimum value. Expected a value >= 1, but got {n} "
            "instead.",
            "n",
            "integer_below_min_value",
        )
    if n > MOST_CHOICES:
        raise invalid(
            f"Invalid 'n': integer above maximum value. Expected a value <= {MOST_CHOICES}, "
            f"but got {n} instead.",
            "n",
            "integer_above_max_value",
        )


#: What the API answers to JSON mode where no message says "json" (and the param it names).
JSON_REFUSAL = (
    "'messages' must contain the word 'json' in some form, to use 'response_format' of type "
    "'json_object'.",
    "messages",
)


def _check_tool_pairs(messages: list[dict[str, Any]]) -> None:
    pending: set[str] = set()
    for message in messages:
        role = message.get("role")
        if role == "tool":
            if message.get("tool_call_id") not in pending:
                raise invalid(
                    "Invalid parameter: messages with role 'tool' must be a response to a "
                    "preceeding message with 'tool_calls'.",
                    "messages.[].role",
                )
            pending.discard(message["tool_call_id"])
            continue
        if pending:
            raise invalid(
                "An assistant message with 'tool_calls' must be followed by tool messages "
                "responding to each 'tool_call_id'. The following tool_call_ids did not have "
                f"response messages: {', '.join(sorted(pending))}",
                "messages.[].role",
            )
        if role == "assistant":
            pending = {c.get("id") for c in message.get("tool_calls") or []}


def dialogue_of(body: dict[str, Any]) -> Dialogue:
    names: dict[str, str] = {}
    messages: list[Message] = []
    instructions = []
    for m in body["messages"]:
        content = m.get("content")
        parts: list[str] = []
        if isinstance(content, list):
            parts = [p.get("text", "") for p in content if p.get("type") == "text"]
            text = "".join(parts)
            attachments = sum(
                1 for p in content if p.get("type") in ("image_url", "file", "input_audio")
            )
        else:
            text, attachments = content or "", 0
        if m.get("role") == "user" and messages and messages[-1].role == "tool" and attachments:
            # A tool message takes only text: the images the round's tools returned
            # follow its tool messages in a user message. They are the tools' results.
            messages[-1].attachments += tool_outputs.images_in(m)
            continue
        calls = m.get("tool_calls") or []
        called = [_called_name(call) for call in calls]
        names.update((call.get("id", ""), name) for call, name in zip(calls, called, strict=True))
        if m.get("role") in ("system", "developer"):
            instructions.append(text)
        messages.append(
            Message(
                m.get("role", "user"),
                text,
                tool_name=names.get(m.get("tool_call_id", "")),
                tool_calls=called,
                attachments=attachments,
                parts=parts if len(parts) > 1 else [],
            )
        )
    response_format = body.get("response_format") or {}
    schema = (response_format.get("json_schema") or {}).get("schema")
    json_mode = response_format.get("type") == "json_object"
    return Dialogue(
        model=body["model"],
        messages=[m for m in messages if m.role not in ("system", "developer")],
        instructions="\n".join(instructions) or None,
        tools=[
            Tool(t["type"], t[t["type"]].get("name", ""), t[t["type"]].get("parameters") or {})
            for t in body.get("tools") or []
            if t.get("type") in ("function", "custom") and isinstance(t.get(t["type"]), dict)
        ],
        tool_choice=body.get("tool_choice"),
        json_schema=schema if response_format.get("type") == "json_schema" else None,
        json_mode=json_mode,
        reasoning_effort=body.get("reasoning_effort"),
        max_output_tokens=body.get("max_completion_tokens") or body.get("max_tokens"),
        custom_calls=not body.get("stream"),
    )


def prompt_of(body: dict[str, Any]) -> str:
    """What a request puts in the model's context as the emulator counts it (its usage
    and the context window): the messages as sent, in JSON."""
    return json.dumps(body["messages"])


def _called_name(call: dict[str, Any]) -> str:
    """The tool an assistant message's tool call names (a function or a custom tool)."""
    spec = call.get("function") or call.get("custom") or {}
    return str(spec.get("name", "")) if isinstance(spec, dict) else ""


class ChatRun:
    """One ``POST /v1/chat/completions`` after validation."""

    def __init__(
        self, body: dict[str, Any], reply: Reply, cache: PromptCache, index: int = 0
    ) -> None:
        self.body = body
        self.reply = reply
        self.cache = cache
        self.index = index  # which choice this run is (``n``: ``ChatChoices``)
        self.id = "chatcmpl-" + new_id("x")[2:31]
        self.created = int(time.time())
        self.calls = [
            (i, item.call_id or new_id("call")[:29], item)
            for i, item in enumerate(
                x for x in self.reply.items if isinstance(x, FunctionCall | CustomToolCall)
            )
        ]
        if body.get("stream") and any(isinstance(c, CustomToolCall) for _, _, c in self.calls):
            raise invalid(
                "The emulator cannot stream a CustomToolCall on Chat Completions: neither "
                "OpenAI's published spec nor the openai SDK has a stream chunk for a custom "
                "tool call (only whole answers carry one). Script a FunctionCall for a "
                "streamed Chat request, or make the request without stream.",
                "stream",
                "emulator_unsupported",
            )

    def _text(self) -> str:
        return "".join(i.text for i in self.reply.items if isinstance(i, Text))

    def _refusal(self) -> str | None:
        refusals = [i.text for i in self.reply.items if isinstance(i, Refusal)]
        return "".join(refusals) if refusals else None

    def _annotations(self) -> list[dict[str, Any]]:
        """The answer's ``url_citation`` annotations (a search model's sources)."""
        return [
            {
                "type": "url_citation",
                "url_citation": {
                    "url": c.url,
                    "title": c.title,
                    "start_index": c.start,
                    "end_index": c.end,
                },
            }
            for item in self.reply.items
            if isinstance(item, Text)
            for c in item.citations
            if isinstance(c, Citation)
        ]

    def _finish_reason(self) -> str:
        return "tool_calls" if self.calls else _FINISH[self.reply.status]

    def written(self) -> tuple[int, int]:
        """The tokens this choice wrote, and of them the reasoning's."""
        given = self.reply.usage or {}
        reasoning = sum(i.tokens for i in self.reply.items if isinstance(i, Reasoning))
        completion = count_tokens(self._text() + "".join(_call_text(c) for _, _, c in self.calls))
        return given.get("output_tokens", completion + reasoning), reasoning

    def usage(self) -> dict[str, Any]:
        given = self.reply.usage or {}
        sent = prompt_of(self.body)
        prompt = given.get("input_tokens", count_tokens(sent))
        completion, reasoning = self.written()
        cache = self.cache.use(self.body["model"], self.body.get("prompt_cache_key"), sent, prompt)
        return {
            "prompt_tokens": prompt,
            "completion_tokens": completion,
            "total_tokens": prompt + completion,
            "prompt_tokens_details": {
                "cached_tokens": given.get("cached_tokens", cache.cached_tokens),
                "cache_write_tokens": given.get("cache_write_tokens", cache.cache_write_tokens),
                "audio_tokens": 0,
            },
            "completion_tokens_details": {
                "reasoning_tokens": reasoning,
                "audio_tokens": 0,
                "accepted_prediction_tokens": 0,
                "rejected_prediction_tokens": 0,
            },
        }

    def final(self) -> dict[str, Any]:
        if self.reply.error_event_after is not None or self.reply.status == "failed":
            raise ApiError(500, self.reply.error_message, "server_error", self.reply.error_code)
        message: dict[str, Any] = {
            "role": "assistant",
            "content": self._text() if not self._refusal() else None,
            "refusal": self._refusal(),
            "annotations": self._annotations(),
        }
        raw = "".join(i.raw for i in self.reply.items if isinstance(i, Reasoning))
        if self.reply.chat_reasoning_field and raw:
            message[self.reply.chat_reasoning_field] = raw
        if self.calls:
            message["tool_calls"] = [_tool_call(cid, c) for _, cid, c in self.calls]
        pieces = [
            p for i in self.reply.items if isinstance(i, Text) for p in split(i.text, i.deltas)
        ]
        body = {
            **self._head("chat.completion"),
            "choices": [
                {
                    "index": self.index,
                    "message": message,
                    "logprobs": self._logprobs(pieces),
                    "finish_reason": self._finish_reason(),
                }
            ],
            "usage": self.usage(),
        }
        return loosen(body, self.reply)

    def _head(self, kind: str) -> dict[str, Any]:
        return {
            "id": self.id,
            "object": kind,
            "created": self.created,
            "model": self.body["model"],
            "service_tier": sampling.served_tier(self.body),
            "system_fingerprint": "fp_emulator",
        }

    def _logprobs(self, pieces: list[str], start: int = 0) -> dict[str, Any] | None:
        """A choice's ``logprobs``: the pieces' tokens when the request asked for them
        (``logprobs: true``), each with ``top_logprobs`` alternatives; else ``None``."""
        if self.body.get("logprobs") is not True:
            return None
        tokens = logprobs.scored(pieces, self.body.get("top_logprobs") or 0, start)
        return {"content": logprobs.byte_entries(tokens), "refusal": None}

    def _chunk(
        self,
        delta: dict[str, Any],
        finish: str | None = None,
        scored: dict[str, Any] | None = None,
    ) -> bytes:
        choice = {"index": self.index, "delta": delta, "logprobs": scored, "finish_reason": finish}
        chunk = {**self._head("chat.completion.chunk"), "choices": [choice]}
        if self._include_usage():
            chunk["usage"] = None
        return self._data(chunk)

    def _data(self, chunk: dict[str, Any]) -> bytes:
        data = json.dumps(loosen(chunk, self.reply), separators=(",", ":"))
        return b"data: " + data.encode() + b"\n\n"

    def _include_usage(self) -> bool:
        return bool((self.body.get("stream_options") or {}).get("include_usage"))

    def _deltas(self) -> Iterator[bytes]:
        yield self._chunk({"role": "assistant", "content": "", "refusal": None})
        for _ in range(self.reply.unknown_events):
            yield self._data({**self._head("chat.completion.chunk"), "emulator_unknown": {}})
        field = self.reply.chat_reasoning_field
        tokens = 0  # answer tokens so far (each piece is one: logprobs)
        for item in self.reply.items:
            if isinstance(item, Reasoning) and item.raw and field:
                for piece in split(item.raw, item.deltas):
                    yield self._chunk({field: piece})
            elif isinstance(item, Text):
                for piece in split(item.text, item.deltas):
                    yield self._chunk({"content": piece}, None, self._logprobs([piece], tokens))
                    tokens += 1
            elif isinstance(item, Refusal):
                for piece in split(item.text, None):
                    yield self._chunk({"refusal": piece})
        annotations = self._annotations()
        if annotations:  # as a search model sends them: a chunk of their own, after the text
            yield self._chunk({"annotations": annotations})
        for index, call_id, call in self.calls:
            assert isinstance(call, FunctionCall)  # custom calls are refused when streaming
            head = {
                "index": index,
                "id": call_id,
                "type": "function",
                "function": {"name": call.name, "arguments": ""},
            }
            yield self._chunk({"tool_calls": [head]})
            for piece in split(call.arguments_json(), call.deltas):
                yield self._chunk(
                    {"tool_calls": [{"index": index, "function": {"arguments": piece}}]}
                )

    def sse(self) -> Iterator[bytes]:
        limit = self.reply.error_event_after
        if self.reply.status == "failed" and limit is None:
            limit = 10**9  # fail after the content: an error payload where [DONE] would be
        count = 0
        for count, chunk in enumerate(self._deltas(), start=1):
            yield chunk
            if limit is not None and count >= limit:
                break
        if limit is not None and (count >= limit or self.reply.status == "failed"):
            error = ApiError(
                500, self.reply.error_message, "server_error", self.reply.error_code
            ).body()
            yield b"data: " + json.dumps(error).encode() + b"\n\n"
            return
        yield self._chunk({}, self._finish_reason())
        if self._include_usage():
            final = {**self._head("chat.completion.chunk"), "choices": [], "usage": self.usage()}
            yield self._data(final)
        yield b"data: [DONE]\n\n"


class ChatChoices:
    """``n`` > 1: one completion whose choices are runs of their own replies (the first
    the one asked for, the others the next scripted or the default model's). A stream
    interleaves their chunks, a choice's chunk at a time, as the API does; the usage
    counts the prompt once and what every choice wrote."""

    def __init__(self, body: dict[str, Any], replies: list[Reply], cache: PromptCache) -> None:
        self.runs = [ChatRun(body, reply, cache, index) for index, reply in enumerate(replies)]
        first = self.runs[0]
        for run in self.runs[1:]:
            run.id, run.created = first.id, first.created

    def _usage(self) -> dict[str, Any]:
        usage = self.runs[0].usage()
        for run in self.runs[1:]:
            completion, reasoning = run.written()
            usage["completion_tokens"] += completion
            usage["completion_tokens_details"]["reasoning_tokens"] += reasoning
        usage["total_tokens"] = usage["prompt_tokens"] + usage["completion_tokens"]
        return usage

    def final(self) -> dict[str, Any]:
        bodies = [run.final() for run in self.runs]
        return {
            **bodies[0],
            "choices": [choice for body in bodies for choice in body["choices"]],
            "usage": self._usage(),
        }

    def sse(self) -> Iterator[bytes]:
        streams = [run._deltas() for run in self.runs]
        while streams:
            for stream in list(streams):
                chunk = next(stream, None)
                if chunk is None:
                    streams.remove(stream)
                else:
                    yield chunk
        for run in self.runs:
            yield run._chunk({}, run._finish_reason())
        first = self.runs[0]
        if first._include_usage():
            final = {**first._head("chat.completion.chunk"), "choices": [], "usage": self._usage()}
            yield first._data(final)
        yield b"data: [DONE]\n\n"


def _call_text(call: FunctionCall | CustomToolCall) -> str:
    return call.input if isinstance(call, CustomToolCall) else call.arguments_json()


def _tool_call(call_id: str, call: FunctionCall | CustomToolCall) -> dict[str, Any]:
    """A call in a whole answer's ``message.tool_calls``, in its own shape."""
    if isinstance(call, CustomToolCall):
        return {"id": call_id, "type": "custom", "custom": {"name": call.name, "input": call.input}}
    return {
        "id": call_id,
        "type": "function",
        "function": {"name": call.name, "arguments": call.arguments_json()},
    }
