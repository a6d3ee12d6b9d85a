"""The Responses API backend (``POST /v1/responses``).

Chains with ``previous_response_id`` when the turn before is stored server-side, and
otherwise sends the whole history as input items. If the server has lost the previous
response it falls back, once, to resending history, and says so with a ``Note``.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from .. import events as ev
from ..cancel import Cancel, cutting
from ..errors import StreamFailed
from .base import StreamState, TurnRequest, mapped_errors

if TYPE_CHECKING:
    from openai import OpenAI

    from ..attachments import FileStore
    from ..conversation import Turn
    from ..tools import Tool

RESENT_NOTE = "The server no longer had the previous response, so the whole history was resent."


class ResponsesBackend:
    name = "responses"

    def validate(self, request: TurnRequest) -> None:
        """Everything a turn can ask for, the Responses API can carry."""

    def stream(
        self,
        client: OpenAI,
        request: TurnRequest,
        history: list[Turn],
        turn: Turn,
        files: FileStore,
        cancel: Cancel | None = None,
    ) -> Iterator[ev.Event]:
        import openai

        with mapped_errors(client, request.model) as state:
            sources = Sources(files, str(client.base_url))
            kwargs = request_kwargs(request, history, turn, chain=True, sources=sources)
            sources.upload(client, kwargs)
            try:
                yield from self._run(client, request, kwargs, state, cancel)
            except openai.NotFoundError as error:
                if "previous_response_id" not in kwargs or getattr(error, "code", None) not in (
                    "previous_response_not_found",
                    None,
                ):
                    raise
                yield ev.Note(RESENT_NOTE)
                kwargs = request_kwargs(request, history, turn, chain=False, sources=sources)
                sources.upload(client, kwargs)
                yield from self._run(client, request, kwargs, state, cancel)

    def _run(
        self,
        client: OpenAI,
        request: TurnRequest,
        kwargs: dict[str, Any],
        state: StreamState,
        cancel: Cancel | None,
    ) -> Iterator[ev.Event]:
        if not request.stream:
            yield from _events_of_response(client.responses.create(**kwargs))
            return
        names: dict[str, str] = {}  # item id -> call id, for argument deltas
        stream = client.responses.create(stream=True, **kwargs)
        try:
            with cutting(cancel, stream.response):
                for event in stream:
                    state.started = True
                    yield from _translate(event, names)
        finally:
            stream.close()


def request_kwargs(
    request: TurnRequest,
    history: list[Turn],
    turn: Turn,
    chain: bool,
    sources: Sources | None = None,
) -> dict[str, Any]:
    """The ``responses.create`` arguments for this request (without ``stream``).

    Documents not yet on the server appear as ``input_file`` parts with a placeholder
    ``file_id`` that ``Sources.upload`` fills in before the request is sent.
    """
    sources = sources or Sources()
    kwargs: dict[str, Any] = {"model": request.model, "store": request.store}
    previous = _chain_point(request, history, turn) if chain else None
    if previous is not None and turn.response_id:
        kwargs["previous_response_id"] = previous
        kwargs["input"] = _trailing_outputs(turn)
    elif previous is not None:
        kwargs["previous_response_id"] = previous
        kwargs["input"] = [_user_item(turn, sources)]
    else:
        kwargs["input"] = [item for t in [*history, turn] for item in _turn_items(t, sources)]
    include: list[str] = []
    if request.tools:
        kwargs["tools"] = [_tool_param(tool) for tool in request.tools]
        builtins = {getattr(tool, "type", "") for tool in request.tools}
        include += [path for kind, path in INCLUDES.items() if kind in builtins]
    if request.schema is not None:
        kwargs["text"] = {
            "format": {
                "type": "json_schema",
                "name": request.schema.name,
                "schema": request.schema.schema,
                "strict": request.schema.strict,
            }
        }
    if request.instructions:
        kwargs["instructions"] = request.instructions
    if request.temperature is not None:
        kwargs["temperature"] = request.temperature
    if request.max_tokens is not None:
        kwargs["max_output_tokens"] = request.max_tokens
    if request.reasoning:
        kwargs["reasoning"] = {"effort": request.reasoning, "summary": "auto"}
        if not request.store:
            include.append("reasoning.encrypted_content")
    if include:
        kwargs["include"] = include
    kwargs.update(request.extra)
    return kwargs


#: What to ask the server to return with each built-in tool's item, so it can be shown.
INCLUDES = {
    "web_search": "web_search_call.action.sources",
    "code_interpreter": "code_interpreter_call.outputs",
    "file_search": "file_search_call.results",
}


def _tool_param(tool: Tool) -> dict[str, Any]:
    from ..tools import FunctionTool

    if isinstance(tool, FunctionTool):
        return {
            "type": "function",
            "name": tool.name,
            "description": tool.description,
            "parameters": tool.parameters,
            "strict": False,
        }
    return {"type": tool.type, **tool.options}


class Sources:
    """Attachment parts for input items: images inline as data URLs, documents by the
    ``file_id`` this server gave them (uploaded once per kernel, found by SHA-256)."""

    def __init__(self, files: FileStore | None = None, server: str = "") -> None:
        self.files = files
        self.server = server
        self.pending: dict[str, dict[str, Any]] = {}  # placeholder -> attachment record

    def part(self, record: dict[str, Any]) -> dict[str, Any]:
        if record["kind"] == "image":
            url = record.get("url") or (self.files and self.files.data_url(record))
            if url:
                return {"type": "input_image", "image_url": url, "detail": "auto"}
        elif record.get("url"):
            return {"type": "input_file", "file_url": record["url"]}
        elif self.files is not None:
            known = self.files.file_id(self.server, record)
            if known:
                return {"type": "input_file", "file_id": known}
            if self.files.data(record) is not None:
                placeholder = f"pending:{record['sha256']}"
                self.pending[placeholder] = record
                return {"type": "input_file", "file_id": placeholder}
        return {"type": "input_text", "text": f"[attachment {record['name']} is not available]"}

    def upload(self, client: OpenAI, kwargs: dict[str, Any]) -> None:
        """Upload what ``part`` left pending and put the real ids into ``kwargs``."""
        if not self.pending or self.files is None:
            return
        ids: dict[str, str] = {}
        for placeholder, record in self.pending.items():
            created = client.files.create(
                file=(record["name"], self.files.data(record) or b"", record["mime"]),
                purpose="user_data",
            )
            self.files.remember_upload(self.server, record, created.id)
            ids[placeholder] = created.id
        for item in kwargs["input"]:
            for part in item.get("content") or []:
                if isinstance(part, dict) and part.get("file_id") in ids:
                    part["file_id"] = ids[part["file_id"]]
        self.pending.clear()


def _chain_point(request: TurnRequest, history: list[Turn], turn: Turn) -> str | None:
    """The response id to continue from, or None to resend history."""
    if not request.store or request.resend_history:
        return None
    if turn.response_id:  # a later round of this turn's tool loop
        return turn.response_id if turn.stored else None
    last = history[-1] if history else None
    if last is not None and last.api == "responses" and last.stored and last.response_id:
        return last.response_id
    return None


def _user_item(turn: Turn, sources: Sources) -> dict[str, Any]:
    content = [{"type": "input_text", "text": turn.prompt}]
    content += [sources.part(record) for record in turn.attachments]
    return {"role": "user", "content": content}


def _trailing_outputs(turn: Turn) -> list[dict[str, Any]]:
    tail: list[dict[str, Any]] = []
    for entry in reversed(turn.output):
        if entry["type"] != "function_call_output":
            break
        tail.append(
            {"type": "function_call_output", "call_id": entry["call_id"], "output": entry["output"]}
        )
    return tail[::-1]


def _turn_items(turn: Turn, sources: Sources) -> list[dict[str, Any]]:
    items = [_user_item(turn, sources)]
    for entry in turn.output:
        item = _entry_item(entry)
        if item is not None:
            items.append(item)
    return items


def _entry_item(entry: dict[str, Any]) -> dict[str, Any] | None:
    kind = entry["type"]
    if kind == "message":
        return {"role": "assistant", "content": entry["text"]}
    if kind == "function_call":
        return {k: entry[k] for k in ("type", "call_id", "name", "arguments")}
    if kind == "function_call_output":
        return {
            "type": "function_call_output",
            "call_id": entry["call_id"],
            "output": entry["output"],
        }
    if kind == "reasoning" and (entry.get("item") or {}).get("encrypted_content"):
        item = entry["item"]
        return {k: item[k] for k in ("type", "id", "summary", "encrypted_content") if k in item}
    return None  # refusals, built-in tool items: their text already stands in the answer


def _translate(event: Any, calls: dict[str, str]) -> Iterator[ev.Event]:
    kind = event.type
    if kind == "response.output_text.delta":
        yield ev.TextDelta(event.delta)
    elif kind == "response.refusal.delta":
        yield ev.RefusalDelta(event.delta)
    elif kind == "response.reasoning_summary_text.delta":
        yield ev.ReasoningDelta(event.delta)
    elif kind == "response.output_item.added" and event.item.type not in ("message", "reasoning"):
        call_id = getattr(event.item, "call_id", None) or event.item.id
        calls[event.item.id] = call_id
        name = getattr(event.item, "name", None) or event.item.type
        yield ev.ToolCallStarted(
            call_id, name, "function" if event.item.type == "function_call" else event.item.type
        )
    elif kind in (
        "response.function_call_arguments.delta",
        "response.code_interpreter_call_code.delta",
    ):
        yield ev.ToolCallDelta(calls.get(event.item_id, event.item_id), event.delta)
    elif kind == "response.output_text.annotation.added":
        annotation = (
            event.annotation
            if isinstance(event.annotation, dict)
            else event.annotation.model_dump()
        )
        if annotation.get("type") == "url_citation":
            yield ev.Citation(annotation["url"], annotation.get("title") or annotation["url"])
    elif kind == "response.output_item.done" and event.item.type not in ("message", "reasoning"):
        yield from _item_done(event.item)
    elif kind in ("response.completed", "response.incomplete"):
        yield from _finished(event.response)
    elif kind == "response.failed":
        error = event.response.error
        raise StreamFailed(
            f"The model failed mid-answer: {error.message if error else 'no reason given'}. "
            "The partial answer is kept; re-run the cell to retry."
        )
    elif kind == "error":
        raise StreamFailed(
            f"The server reported an error mid-answer: {event.message}. Re-run the cell to retry."
        )


def _item_done(item: Any) -> Iterator[ev.Event]:
    data = item.model_dump(exclude_none=True)
    if item.type == "function_call":
        yield ev.ToolCallDone(item.call_id, item.name, item.arguments)
        return
    if item.type == "image_generation_call" and item.result:
        yield ev.Image(item.result, getattr(item, "revised_prompt", None) or "")
    detail = {k: v for k, v in data.items() if k not in ("id", "type", "status", "result")}
    output = data.get("output") if isinstance(data.get("output"), str) else None
    yield ev.ToolCallDone(
        item.id,
        getattr(item, "name", None) or item.type,
        data.get("arguments", ""),
        item.type,
        detail,
        output,
    )


def _finished(response: Any) -> Iterator[ev.Event]:
    usage = response.usage
    if usage is not None:
        details = usage.output_tokens_details
        yield ev.Usage(
            usage.input_tokens, usage.output_tokens, details.reasoning_tokens if details else 0
        )
    yield ev.Completed(
        status=response.status or "completed",
        response_id=response.id,
        stored=bool(getattr(response, "store", True)),
        entries=tuple(_entries(response.output)),
        model=response.model,
    )


def _entries(output: list[Any]) -> Iterator[dict[str, Any]]:
    for item in output:
        data = item.model_dump(exclude_none=True)
        if item.type == "message":
            text = "".join(
                p.get("text", "") for p in data.get("content", []) if p.get("type") == "output_text"
            )
            refusal = "".join(
                p.get("refusal", "") for p in data.get("content", []) if p.get("type") == "refusal"
            )
            if text:
                yield {"type": "message", "text": text}
            if refusal:
                yield {"type": "refusal", "text": refusal}
        elif item.type == "reasoning":
            summary = "".join(s.get("text", "") for s in data.get("summary", []))
            yield {"type": "reasoning", "summary": summary, "item": data}
        elif item.type == "function_call":
            yield {
                "type": "function_call",
                "call_id": item.call_id,
                "name": item.name,
                "arguments": item.arguments,
            }
        else:
            yield {"type": "builtin", "name": item.type, "item": data}


def _events_of_response(response: Any) -> Iterator[ev.Event]:
    """A non-streamed response as the same events a stream would have produced."""
    for item in response.output:
        if item.type == "message":
            for part in item.content:
                if part.type == "output_text":
                    yield ev.TextDelta(part.text)
                    for a in part.annotations or []:
                        if a.type == "url_citation":
                            yield ev.Citation(a.url, a.title or a.url)
                elif part.type == "refusal":
                    yield ev.RefusalDelta(part.refusal)
        elif item.type == "reasoning":
            for summary in item.summary or []:
                yield ev.ReasoningDelta(summary.text)
        else:
            call_id = getattr(item, "call_id", None) or item.id
            yield ev.ToolCallStarted(
                call_id,
                getattr(item, "name", None) or item.type,
                "function" if item.type == "function_call" else item.type,
            )
            yield from _item_done(item)
    if response.status == "failed":
        message = response.error.message if response.error else "no reason given"
        raise StreamFailed(f"The model failed: {message}. Re-run the cell to retry.")
    yield from _finished(response)
