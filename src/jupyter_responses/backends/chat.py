"""The Chat Completions backend (``POST /v1/chat/completions``).

Stateless: every request carries the whole history as messages, including turns made
with the Responses API (their text, tool calls and tool results).

Loose servers are met halfway: one that rejects ``stream_options`` is asked again
without it (once, and never sent it again), and chunks missing ``choices``, ``delta``,
``usage`` or a tool call's ``index`` are read for what they have.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from .. import caching
from .. import events as ev
from ..cancel import Cancel, cutting
from ..computer.actions import describe, read_action
from ..errors import OptionsError
from ..lenient import text_of
from ..transcript import result_images
from .base import MagicArgument
from .errors import StreamState, mapped_errors

if TYPE_CHECKING:
    from ..attachments import FileStore
    from ..conversation import Turn
    from ..tools import Tool
    from ..transcript import CustomCallEntry, Entry, FunctionCallEntry, LocalResultEntry
    from ..turn_request import TurnRequest
    from .connection import Connection


class ChatBackend:
    """Ask the model through Chat Completions (/v1/chat/completions)."""

    api = "chat"
    magic = "chat"
    label = "Chat Completions"
    options: tuple[MagicArgument, ...] = ()

    def validate(self, request: TurnRequest) -> None:
        for tool in request.tools:
            _tool_param(tool)
        for attachment in request.attachments:
            if attachment.kind == "document" and attachment.url:
                raise OptionsError(_DOCUMENT_URL.format(url=attachment.url))

    def compact(
        self,
        connection: Connection,
        request: TurnRequest,
        history: list[Turn],
        turn: Turn,
        cancel: Cancel | None = None,
    ) -> Iterator[ev.Event]:
        """The model compacts the history: it answers the turn's prompt (how to
        summarise) with a summary, which stands for the turns before it from then on."""
        written: list[str] = []
        plain = replace(request, tools=(), schema=None)
        for event in self.stream(connection, plain, history, turn, cancel):
            if isinstance(event, ev.TextDelta):
                written.append(event.text)
            elif isinstance(event, ev.Completed):
                entry: Entry = {"type": "compaction", "summary": "".join(written)}
                event = replace(event, entries=(entry,))
            yield event

    def reattach(
        self, connection: Connection, request: TurnRequest, turn: Turn
    ) -> Iterator[ev.Event]:
        """Chat Completions has no background responses to go back to."""
        raise OptionsError("Chat Completions runs nothing in the background to finish.")

    def count_tokens(
        self, connection: Connection, request: TurnRequest, history: list[Turn], turn: Turn
    ) -> int | None:
        """Chat Completions has no endpoint that counts a request's tokens."""
        return None

    def warm(self, connection: Connection | None) -> None:
        """The request's type hints and the chunk model (one model: no adapter)."""
        from openai._models import construct_type
        from openai._utils import maybe_transform
        from openai.types.chat import ChatCompletionChunk, completion_create_params

        if connection is not None:
            connection.client().chat.completions  # noqa: B018 - imported on first use
        maybe_transform(
            {"model": "", "messages": [{"role": "user", "content": ""}], "stream": True},
            completion_create_params.CompletionCreateParamsStreaming,
        )
        chunk = {"id": "", "object": "chat.completion.chunk", "created": 0, "model": ""}
        construct_type(type_=ChatCompletionChunk, value={**chunk, "choices": []})

    def stream(
        self,
        connection: Connection,
        request: TurnRequest,
        history: list[Turn],
        turn: Turn,
        cancel: Cancel | None = None,
    ) -> Iterator[ev.Event]:
        import openai

        client = connection.client()
        server = str(client.base_url)
        kwargs = request_kwargs(request, history, turn, connection.files)
        if connection.quirks.has(server, "no_stream_options"):
            kwargs.pop("stream_options", None)
        with mapped_errors(client, request.model) as state:
            if not request.stream:
                yield from _whole(client.chat.completions.create(**kwargs))
                return
            try:
                stream = client.chat.completions.create(stream=True, **kwargs)
            except (openai.BadRequestError, openai.UnprocessableEntityError) as error:
                if "stream_options" not in kwargs or not _about(error, "stream_options"):
                    raise
                connection.quirks.note(server, "no_stream_options")
                host = urlsplit(server).hostname or server
                yield ev.Note(NO_STREAM_OPTIONS_NOTE.format(host=host))
                del kwargs["stream_options"]
                stream = client.chat.completions.create(stream=True, **kwargs)
            yield from _streamed(stream, state, cancel)


NO_STREAM_OPTIONS_NOTE = (
    "{host} rejected stream_options, so it is left out for this server (token usage may "
    "then be missing)."
)


def _about(error: Any, name: str) -> bool:
    """Whether a rejection names the parameter ``name`` (as ``param`` or in its text)."""
    return getattr(error, "param", None) == name or name in f"{error.body} {error.message}"


def request_kwargs(
    request: TurnRequest, history: list[Turn], turn: Turn, files: FileStore | None = None
) -> dict[str, Any]:
    """The ``chat.completions.create`` arguments (without ``stream``); raises
    ``OptionsError`` for what Chat Completions cannot carry, before any request."""
    messages: list[dict[str, Any]] = []
    if request.instructions:
        messages.append({"role": "system", "content": request.instructions})
    for past in [*history, turn]:
        messages.append({"role": "user", "content": _user_content(past, files)})
        messages.extend(_entry_messages(past.output, past.images))
    kwargs: dict[str, Any] = {"model": request.model, "messages": messages}
    if request.tools:
        kwargs["tools"] = [_tool_param(tool) for tool in request.tools]
    if request.schema is not None:
        kwargs["response_format"] = {
            "type": "json_schema",
            "json_schema": {
                "name": request.schema.name,
                "schema": request.schema.schema,
                "strict": request.schema.strict,
            },
        }
    if request.stream:
        kwargs["stream_options"] = {"include_usage": True}
    if request.temperature is not None:
        kwargs["temperature"] = request.temperature
    if request.max_tokens is not None:
        kwargs["max_completion_tokens"] = request.max_tokens
    if request.reasoning:
        kwargs["reasoning_effort"] = request.reasoning
    kwargs.update(caching.request_params(request.cache_key, request.cache_retention))
    return kwargs


_DOCUMENT_URL = (
    "--file {url}: Chat Completions cannot take a document by URL. Download it and pass "
    "the path, or use %%respond."
)


def _tool_param(tool: Tool) -> dict[str, Any]:
    """A function, or the python tool as one (its code the one string argument)."""
    from ..tools import FunctionTool, PythonTool

    if not isinstance(tool, FunctionTool | PythonTool):
        raise OptionsError(
            f"{tool.type} is a built-in tool of the Responses API: use %%respond for it. "
            "Chat Completions can only call your own Python functions."
        )
    return {
        "type": "function",
        "function": {
            "name": tool.name,
            "description": tool.description,
            "parameters": tool.parameters,
        },
    }


def _user_content(turn: Turn, files: FileStore | None) -> str | list[dict[str, Any]]:
    """A plain string, or text parts (the notebook context, the prompt) plus image and
    file parts when files came with it.
    What Chat cannot carry (a document by URL, bytes no longer here) is named in text."""
    if not turn.attachments and not turn.context:
        return turn.prompt
    parts: list[dict[str, Any]] = [{"type": "text", "text": t} for t in turn.message_texts()]
    for record in turn.attachments:
        inline = files.data_url(record) if files is not None else None
        if record["kind"] == "image" and (record.get("url") or inline):
            parts.append({"type": "image_url", "image_url": {"url": record.get("url") or inline}})
        elif record.get("url"):  # an earlier %%respond turn's; validate() stops new ones
            parts.append({"type": "text", "text": f"[document {record['name']}: {record['url']}]"})
        elif inline:
            file = {"filename": record["name"], "file_data": inline}
            parts.append({"type": "file", "file": file})
        else:
            missing = f"[attachment {record['name']} is not available]"
            parts.append({"type": "text", "text": missing})
    return parts


def _entry_messages(entries: list[Entry], images: list[str]) -> Iterator[dict[str, Any]]:
    """Neutral transcript entries as chat messages; consecutive tool calls become one
    assistant message with several ``tool_calls``, as the API requires. A tool message
    takes only text, so the images tool results returned (``images``: the turn's, which
    results point at) follow the round's tool messages in one user message."""
    calls: list[dict[str, Any]] = []
    shown: list[dict[str, Any]] = []  # image parts waiting for their round's results
    names = {
        e["call_id"]: e["name"]
        for e in entries
        if e["type"] == "function_call" or e["type"] == "custom_call"
    }
    for entry in entries:
        if entry["type"] == "function_call" or entry["type"] == "custom_call":
            if shown:
                yield {"role": "user", "content": shown}
                shown = []
            calls.append(_tool_call(entry))
            continue
        if calls:
            yield {"role": "assistant", "tool_calls": calls}
            calls = []
        if entry["type"] == "function_call_output" or entry["type"] == "custom_call_output":
            yield {"role": "tool", "tool_call_id": entry["call_id"], "content": entry["output"]}
            shown += _result_images(entry, names.get(entry["call_id"], "the tool"), images)
            continue
        if shown:
            yield {"role": "user", "content": shown}
            shown = []
        if entry["type"] == "message":
            yield {"role": "assistant", "content": entry["text"]}
        elif entry["type"] == "compaction":  # what the turns before it came to
            said = entry["summary"] or _server_compaction(entry.get("messages", []))
            yield {"role": "assistant", "content": said}
        elif entry["type"] == "computer_call":  # a %%respond turn's: said, not redone
            done = "; ".join(describe(read_action(a)) for a in entry["actions"]) or "screenshot"
            yield {"role": "assistant", "content": f"[computer use: {done}]"}
    if calls:
        yield {"role": "assistant", "tool_calls": calls}
    if shown:
        yield {"role": "user", "content": shown}


def _server_compaction(messages: list[str]) -> str:
    """A compaction only the Responses API can read, as Chat can take it: what the
    user asked, kept in the clear, and a word on the rest."""
    asked = "\n".join(f"- {' '.join(text.split())}" for text in messages)
    return (
        "[The conversation before this point was compacted by the Responses API, which "
        f"alone can read it. The user's messages in it were:\n{asked}]"
    )


def _tool_call(entry: FunctionCallEntry | CustomCallEntry) -> dict[str, Any]:
    """A call as the assistant message's ``tool_calls`` holds it: a function's, or a
    freeform (custom) tool's, as a %%respond turn may have made it."""
    if entry["type"] == "custom_call":
        custom = {"name": entry["name"], "input": entry["input"]}
        return {"id": entry["call_id"], "type": "custom", "custom": custom}
    function = {"name": entry["name"], "arguments": entry["arguments"]}
    return {"id": entry["call_id"], "type": "function", "function": function}


def _result_images(entry: LocalResultEntry, name: str, images: list[str]) -> list[dict[str, Any]]:
    """The parts showing a result's images: a line saying whose they are, then each."""
    urls = result_images(entry, images)
    if not urls:
        return []
    said = "The image" if len(urls) == 1 else f"The {len(urls)} images"
    label = {"type": "text", "text": f"{said} {name} returned (call {entry['call_id']}):"}
    return [label, *({"type": "image_url", "image_url": {"url": url}} for url in urls)]


def _streamed(stream: Any, state: StreamState, cancel: Cancel | None) -> Iterator[ev.Event]:
    text: list[str] = []
    refusal: list[str] = []
    calls: dict[int, dict[str, Any]] = {}
    finish: str | None = None
    model: str | None = None
    message = ""  # the completion's id: tells this request's message from other rounds'
    state.answered = True
    try:
        with cutting(cancel, stream.response):
            for chunk in stream:  # the per-delta path: each lookup here counts
                state.started = True
                if not message:  # the first chunk that says them names them all
                    model = getattr(chunk, "model", None) or model
                    message = text_of(getattr(chunk, "id", None))
                if getattr(chunk, "usage", None) is not None:
                    yield _usage(chunk.usage)
                choices = getattr(chunk, "choices", None)
                if not choices:
                    continue
                choice = choices[0]
                delta = getattr(choice, "delta", None)
                thought = _raw_reasoning(delta)
                if thought:
                    yield ev.ReasoningDelta(thought, message)
                content = getattr(delta, "content", None)
                if content and isinstance(content, str):
                    text.append(content)
                    yield ev.TextDelta(content, message)
                said_no = getattr(delta, "refusal", None)
                if said_no and isinstance(said_no, str):
                    refusal.append(said_no)
                    yield ev.RefusalDelta(said_no)
                tool_calls = getattr(delta, "tool_calls", None)
                if tool_calls:
                    for call in tool_calls:
                        yield from _call_delta(calls, call)
                finish = getattr(choice, "finish_reason", None) or finish
    finally:
        stream.close()
    yield from _finish("".join(text), "".join(refusal), list(calls.values()), finish, model)


#: Where servers for open-weight models put raw reasoning in a Chat message or delta
#: (vLLM and DeepSeek: ``reasoning_content``; OpenRouter: ``reasoning``); not in the
#: SDK's types, so read as the extra fields they are.
_REASONING_FIELDS = ("reasoning_content", "reasoning")


def _raw_reasoning(message: Any) -> str:
    """Read from the model's field and extra dicts, not by ``getattr``: on a pydantic
    model a missing name goes through ``__getattr__`` and an exception, per delta (a
    tenth of a 100k-delta stream's time)."""
    fields = getattr(message, "__dict__", None) or {}
    extra = getattr(message, "__pydantic_extra__", None) or {}
    if not extra and _REASONING_FIELDS[0] not in fields and _REASONING_FIELDS[1] not in fields:
        return ""  # the per-delta case: neither field sent
    for name in _REASONING_FIELDS:
        value = fields.get(name) or extra.get(name)
        if isinstance(value, str) and value:
            return value
    return ""


def _call_delta(calls: dict[int, dict[str, Any]], call: Any) -> Iterator[ev.Event]:
    index = _call_index(calls, call)
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


def _call_index(calls: dict[int, dict[str, Any]], call: Any) -> int:
    """The call a delta belongs to: its ``index``; servers that leave it out start a
    call with an ``id`` and continue it without one."""
    index = getattr(call, "index", None)
    if isinstance(index, int):
        return index
    if call.id:
        known = [i for i, state in calls.items() if state["call_id"] == call.id]
        return known[0] if known else len(calls)
    return max(calls) if calls else 0


def _finish(
    text: str, refusal: str, calls: list[dict[str, Any]], finish: str | None, model: str | None
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
    )


def _usage(usage: Any) -> ev.Usage:
    details = getattr(usage, "completion_tokens_details", None)
    cache = getattr(usage, "prompt_tokens_details", None)
    return ev.Usage(
        usage.prompt_tokens or 0,
        usage.completion_tokens or 0,
        getattr(details, "reasoning_tokens", None) or 0,
        getattr(cache, "cached_tokens", None) or 0,
        getattr(cache, "cache_write_tokens", None) or 0,
    )


def _whole(completion: Any) -> Iterator[ev.Event]:
    choices = getattr(completion, "choices", None) or []
    choice = choices[0] if choices else None
    message = getattr(choice, "message", None)
    content = getattr(message, "content", None)
    content = content if isinstance(content, str) else ""
    said_no = getattr(message, "refusal", None)
    said_no = said_no if isinstance(said_no, str) else ""
    message_id = text_of(getattr(completion, "id", None))
    thought = _raw_reasoning(message)
    if thought:
        yield ev.ReasoningDelta(thought, message_id)
    if content:
        yield ev.TextDelta(content, message_id)
    if said_no:
        yield ev.RefusalDelta(said_no)
    for annotation in getattr(message, "annotations", None) or []:
        cited = getattr(annotation, "url_citation", None)
        if cited is not None and cited.url:
            yield ev.Citation(cited.url, cited.title or cited.url)
    calls = []
    for number, call in enumerate(getattr(message, "tool_calls", None) or []):
        function = getattr(call, "function", None)
        name = (function.name if function else None) or ""
        call_id = call.id or f"call_{number}"
        yield ev.ToolCallStarted(call_id, name)
        arguments = (function.arguments if function else None) or ""
        calls.append({"call_id": call_id, "name": name, "arguments": arguments})
    if getattr(completion, "usage", None) is not None:
        yield _usage(completion.usage)
    finish = getattr(choice, "finish_reason", None)
    yield from _finish(content, said_no, calls, finish, getattr(completion, "model", None))
