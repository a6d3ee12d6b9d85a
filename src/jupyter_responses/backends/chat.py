"""The Chat Completions backend (``POST /v1/chat/completions``).

Stateless: every request carries the whole history as messages, including turns made
with the Responses API (their text, tool calls and tool results).

Loose servers are met halfway: one that rejects ``stream_options`` is asked again
without it (once, and never sent it again), and chunks missing ``choices``, ``delta``,
``usage`` or a tool call's ``index`` are read for what they have.
"""

from __future__ import annotations

from collections.abc import Generator, Iterator
from dataclasses import replace
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from .. import caching, parameters
from .. import events as ev
from ..builtin_tools import BuiltinTool
from ..cancel import Cancel
from ..computer.actions import describe, read_action
from ..errors import OptionsError
from ..transcript import result_images
from .base import Candidate, MagicArgument
from .chat_stream import streamed, whole
from .errors import mapped_errors

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
        """What Chat Completions cannot carry, refused before anything is sent: a tool
        it has no form for (a built-in one its declaration does not carry, or not for
        this model), a document by URL, a request parameter it lacks."""
        builtins = [tool for tool in request.tools if isinstance(tool, BuiltinTool)]
        for tool in request.tools:
            if not isinstance(tool, BuiltinTool):
                _tool_param(tool)
        # The tools Chat never carries are said first, then those it cannot carry for
        # this model.
        for tool in sorted(builtins, key=lambda tool: tool.spec.chat_fields is not None):
            _builtin_fields(tool, request.model)
        parameters.check_carried(self.api, request)
        for attachment in request.attachments:
            if attachment.kind == "document" and attachment.url:
                raise OptionsError(_DOCUMENT_URL.format(url=attachment.url))

    def batch_line(self, request: TurnRequest, turn: Turn) -> tuple[str, dict[str, Any]]:
        return "/v1/chat/completions", request_kwargs(request, [], turn)

    def read_body(self, connection: Connection, body: dict[str, Any]) -> Iterator[ev.Event]:
        from openai._models import construct_type
        from openai.types.chat import ChatCompletion

        yield from whole(construct_type(type_=ChatCompletion, value=body))

    def candidates(
        self,
        connection: Connection,
        requests: list[TurnRequest],
        history: list[Turn],
        turns: list[Turn],
        cancel: Cancel,
    ) -> Generator[Candidate, None, None]:
        """One request with ``n``: its choices are the candidates (``chat_choices``)."""
        from .chat_choices import candidates

        request = requests[0]
        kwargs = request_kwargs(request, history, turns[0], connection.files)
        client = connection.client()
        return candidates(client, kwargs, request.model, request.stream, len(turns), cancel)

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
                yield from whole(client.chat.completions.create(**kwargs))
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
            yield from streamed(stream, state, cancel, bool(kwargs.get("logprobs")))


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
    functions = [tool for tool in request.tools if not isinstance(tool, BuiltinTool)]
    if functions:
        kwargs["tools"] = [_tool_param(tool) for tool in functions]
    for tool in request.tools:  # a built-in tool Chat carries its own way (web search)
        if isinstance(tool, BuiltinTool):
            kwargs.update(_builtin_fields(tool, request.model))
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
    parameters.apply(ChatBackend.api, request, kwargs)  # verbosity, tool choice, seed...
    return kwargs


_DOCUMENT_URL = (
    "--file {url}: Chat Completions cannot take a document by URL. Download it and pass "
    "the path, or use %%respond."
)


def _builtin_fields(tool: BuiltinTool, model: str) -> dict[str, Any]:
    """The request fields a built-in tool becomes, where its declaration says Chat
    Completions carries it (for this model); else ``OptionsError``."""
    carried = tool.spec.chat_fields
    if carried is None:
        raise OptionsError(
            f"{tool.type} is a built-in tool of the Responses API: use %%respond for it. "
            "Chat Completions can only call your own Python functions (and search the web "
            "with a search model: --tools web_search)."
        )
    return carried(tool.options, model)


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
