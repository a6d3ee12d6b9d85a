"""Scripted items -> the Responses API's output items and semantic stream events.

One generator serves both modes: streaming sends every event it yields; a non-streamed
request drains it and returns only the finished ``Response``. Event shapes follow
OpenAI's published spec and satisfy the ``openai`` SDK's strict types (see
``tests/protocol``).
"""

from __future__ import annotations

import base64
import hashlib
import secrets
from collections.abc import Iterator
from typing import Any

from . import logprobs
from .script import (
    Citation,
    CodeInterpreter,
    ComputerCall,
    CustomToolCall,
    FileCitation,
    FileSearch,
    FunctionCall,
    ImageGeneration,
    Item,
    McpApprovalRequest,
    McpCall,
    McpListTools,
    RawItem,
    Reasoning,
    Refusal,
    Text,
    WebSearch,
)

Event = dict[str, Any]

TEXT_DELTA = "response.output_text.delta"
#: The ``include`` path that asks for the answer's token log probabilities.
LOGPROBS = "message.output_text.logprobs"


def new_id(prefix: str) -> str:
    return f"{prefix}_{secrets.token_hex(24)}"


def split(text: str, parts: int | None) -> list[str]:
    """``text`` in ``parts`` pieces (default: one per word, spaces kept with the word)."""
    if not text:
        return []
    if parts is None:
        pieces: list[str] = []
        start = 0
        for index, char in enumerate(text):
            if char == " " and index > start:
                pieces.append(text[start:index])
                start = index
        pieces.append(text[start:])
        return pieces
    parts = max(1, min(parts, len(text)))
    size, extra = divmod(len(text), parts)
    out, start = [], 0
    for i in range(parts):
        end = start + size + (1 if i < extra else 0)
        out.append(text[start:end])
        start = end
    return out


class OutputBuilder:
    """Yields the events of each output item and collects the finished items.

    ``include`` is the request's ``include`` list: like the real service, built-in tool
    results are only returned when asked for (encrypted reasoning always is, as the spec
    says it is "populated by default"), and so are the answer's token log probabilities
    (``message.output_text.logprobs``), each with ``top_logprobs`` alternatives.
    """

    def __init__(
        self,
        include: list[str],
        call_ids: dict[str, str],
        missing_done: list[int] | None = None,
        top_logprobs: int = 0,
    ) -> None:
        self.include = set(include)
        self.top_logprobs = top_logprobs
        self.tokens = 0  # answer tokens scored so far (their positions)
        self.output: list[dict[str, Any]] = []
        self.call_ids = call_ids  # call_id -> function name, shared with the store
        self.missing_done = set(missing_done or ())  # items sent without item.done

    def events(self, items: list[Item]) -> Iterator[Event]:
        for item in items:
            handler = getattr(self, f"_{type(item).__name__.lower()}")
            for event in handler(item, len(self.output)):
                done = event["type"] == "response.output_item.done"
                if not (done and event["output_index"] in self.missing_done):
                    yield event

    def _added(self, index: int, item: dict[str, Any]) -> Event:
        return {"type": "response.output_item.added", "output_index": index, "item": dict(item)}

    def _done(self, index: int, item: dict[str, Any]) -> Event:
        self.output.append(item)
        return {"type": "response.output_item.done", "output_index": index, "item": item}

    def _text(self, item: Text, index: int) -> Iterator[Event]:
        message = _message_shell()
        if item.phase:
            message["phase"] = item.phase
        yield self._added(index, message)
        annotations = [_annotation(c, item.text) for c in item.citations]
        part: dict[str, Any] = {
            "type": "output_text",
            "text": "",
            "annotations": [],
            "logprobs": [],
        }
        where = {"item_id": message["id"], "output_index": index, "content_index": 0}
        yield {"type": "response.content_part.added", **where, "part": dict(part)}
        pieces = split(item.text, item.deltas)
        tokens = self._scored(pieces)
        for number, delta in enumerate(pieces):
            scored = logprobs.event_entries(tokens[number : number + 1])
            yield {"type": TEXT_DELTA, **where, "delta": delta, "logprobs": scored}
        for number, annotation in enumerate(annotations):
            yield {
                "type": "response.output_text.annotation.added",
                **where,
                "annotation_index": number,
                "annotation": annotation,
            }
        scored = logprobs.event_entries(tokens)
        yield {"type": "response.output_text.done", **where, "text": item.text, "logprobs": scored}
        part = {**part, "text": item.text, "annotations": annotations}
        part["logprobs"] = logprobs.byte_entries(tokens)
        yield {"type": "response.content_part.done", **where, "part": part}
        yield self._done(index, {**message, "status": "completed", "content": [part]})

    def _scored(self, pieces: list[str]) -> list[logprobs.Scored]:
        """The pieces' token log probabilities, when the request asked for them."""
        if LOGPROBS not in self.include:
            return []
        tokens = logprobs.scored(pieces, self.top_logprobs, self.tokens)
        self.tokens += len(tokens)
        return tokens

    def _refusal(self, item: Refusal, index: int) -> Iterator[Event]:
        message = _message_shell()
        where = {"item_id": message["id"], "output_index": index, "content_index": 0}
        yield self._added(index, message)
        yield {
            "type": "response.content_part.added",
            **where,
            "part": {"type": "refusal", "refusal": ""},
        }
        for delta in split(item.text, None):
            yield {"type": "response.refusal.delta", **where, "delta": delta}
        yield {"type": "response.refusal.done", **where, "refusal": item.text}
        part = {"type": "refusal", "refusal": item.text}
        yield {"type": "response.content_part.done", **where, "part": part}
        yield self._done(index, {**message, "status": "completed", "content": [part]})

    def _reasoning(self, item: Reasoning, index: int) -> Iterator[Event]:
        shell: dict[str, Any] = {"id": new_id("rs"), "type": "reasoning", "summary": []}
        yield self._added(index, shell)
        # As the spec says: populated by default on the finished item (not on item.added,
        # where it "may be incomplete"), so clients can resend it with store off.
        digest = hashlib.sha256("".join(item.parts()).encode()).digest()
        done = {**shell, "encrypted_content": "gAAAAA" + base64.b64encode(digest).decode()}
        if item.raw:
            where = {"item_id": shell["id"], "output_index": index, "content_index": 0}
            for delta in split(item.raw, item.deltas):
                yield {"type": "response.reasoning_text.delta", **where, "delta": delta}
            yield {"type": "response.reasoning_text.done", **where, "text": item.raw}
            done["content"] = [{"type": "reasoning_text", "text": item.raw}]
        parts = []
        for number, summary in enumerate(item.parts()):
            where = {"item_id": shell["id"], "output_index": index, "summary_index": number}
            part = {"type": "summary_text", "text": ""}
            yield {"type": "response.reasoning_summary_part.added", **where, "part": dict(part)}
            for delta in split(summary, item.deltas):
                yield {"type": "response.reasoning_summary_text.delta", **where, "delta": delta}
            yield {"type": "response.reasoning_summary_text.done", **where, "text": summary}
            part["text"] = summary
            yield {"type": "response.reasoning_summary_part.done", **where, "part": part}
            parts.append(part)
        yield self._done(index, {**done, "summary": parts})

    def _functioncall(self, item: FunctionCall, index: int) -> Iterator[Event]:
        call_id = item.call_id or new_id("call")[:29]
        self.call_ids[call_id] = item.name
        shell = {
            "id": new_id("fc"),
            "type": "function_call",
            "status": "in_progress",
            "arguments": "",
            "call_id": call_id,
            "name": item.name,
        }
        arguments = item.arguments_json()
        yield self._added(index, shell)
        where = {"item_id": shell["id"], "output_index": index}
        for delta in split(arguments, item.deltas):
            yield {"type": "response.function_call_arguments.delta", **where, "delta": delta}
        yield {
            "type": "response.function_call_arguments.done",
            **where,
            "name": item.name,
            "arguments": arguments,
        }
        yield self._done(index, {**shell, "status": "completed", "arguments": arguments})

    def _customtoolcall(self, item: CustomToolCall, index: int) -> Iterator[Event]:
        """As the API streams a custom tool call: the item with empty ``input``, the
        input in deltas, ``custom_tool_call_input.done``, then the whole item."""
        call_id = item.call_id or new_id("call")[:29]
        self.call_ids[call_id] = item.name
        shell = {
            "id": new_id("ctc"),
            "type": "custom_tool_call",
            "status": "in_progress",
            "call_id": call_id,
            "name": item.name,
            "input": "",
        }
        yield self._added(index, shell)
        where = {"item_id": shell["id"], "output_index": index}
        for delta in split(item.input, item.deltas):
            yield {"type": "response.custom_tool_call_input.delta", **where, "delta": delta}
        yield {"type": "response.custom_tool_call_input.done", **where, "input": item.input}
        yield self._done(index, {**shell, "status": "completed", "input": item.input})

    def _computercall(self, item: ComputerCall, index: int) -> Iterator[Event]:
        """As the API sends a computer call: the whole item in ``output_item.added``
        (``in_progress``) and ``output_item.done`` (``completed``), no deltas."""
        call_id = item.call_id or new_id("call")[:29]
        self.call_ids[call_id] = "computer"
        actions = [_computer_action(action) for action in item.actions]
        shell: dict[str, Any] = {
            "id": new_id("cu"),
            "type": "computer_call",
            "status": "in_progress",
            "call_id": call_id,
            "pending_safety_checks": [
                {"id": new_id("cu_sc"), "code": None, "message": None, **check}
                for check in item.pending_safety_checks
            ],
        }
        if item.preview:
            shell["action"] = actions[0]
        else:
            shell["actions"] = actions
        yield self._added(index, shell)
        yield self._done(index, {**shell, "status": "completed"})

    def _tool_progress(self, kind: str, shell: dict[str, Any], index: int, steps: list[str]):
        where = {"item_id": shell["id"], "output_index": index}
        for step in steps:
            yield {"type": f"response.{kind}.{step}", **where}

    def _websearch(self, item: WebSearch, index: int) -> Iterator[Event]:
        action: dict[str, Any] = {"type": item.action}
        if item.action == "search":
            action.update(query=item.query, queries=[item.query])
        else:
            action["url"] = item.url
            if item.action == "find_in_page":
                action["pattern"] = item.pattern
        shell = {
            "id": new_id("ws"),
            "type": "web_search_call",
            "status": "in_progress",
            "action": action,
        }
        yield self._added(index, shell)
        yield from self._tool_progress(
            "web_search_call", shell, index, ["in_progress", "searching", "completed"]
        )
        if "web_search_call.action.sources" in self.include and item.action == "search":
            sources: list[dict[str, str]] = [{"type": "url", "url": url} for url in item.sources]
            sources += [{"type": "api", "name": name} for name in item.api_sources]
            action = {**action, "sources": sources}
        yield self._done(index, {**shell, "status": "completed", "action": action})

    def _filesearch(self, item: FileSearch, index: int) -> Iterator[Event]:
        shell = {
            "id": new_id("fs"),
            "type": "file_search_call",
            "status": "in_progress",
            "queries": list(item.queries),
            "results": None,
        }
        yield self._added(index, shell)
        yield from self._tool_progress(
            "file_search_call", shell, index, ["in_progress", "searching", "completed"]
        )
        results = None
        if "file_search_call.results" in self.include:
            results = [
                {
                    "file_id": h.file_id,
                    "filename": h.filename,
                    "score": h.score,
                    "text": h.text,
                    "attributes": {},
                }
                for h in item.results
            ]
        yield self._done(index, {**shell, "status": "completed", "results": results})

    def _codeinterpreter(self, item: CodeInterpreter, index: int) -> Iterator[Event]:
        shell = {
            "id": new_id("ci"),
            "type": "code_interpreter_call",
            "status": "in_progress",
            "code": "",
            "container_id": item.container_id,
            "outputs": None,
        }
        where = {"item_id": shell["id"], "output_index": index}
        yield self._added(index, shell)
        yield {"type": "response.code_interpreter_call.in_progress", **where}
        for delta in split(item.code, None):
            yield {"type": "response.code_interpreter_call_code.delta", **where, "delta": delta}
        yield {"type": "response.code_interpreter_call_code.done", **where, "code": item.code}
        yield {"type": "response.code_interpreter_call.interpreting", **where}
        yield {"type": "response.code_interpreter_call.completed", **where}
        outputs = None
        if "code_interpreter_call.outputs" in self.include:
            outputs = [{"type": "logs", "logs": item.logs}] if item.logs else []
            outputs += [
                {"type": "image", "url": f"data:image/png;base64,{png}"} for png in item.images
            ]
        yield self._done(
            index, {**shell, "status": "completed", "code": item.code, "outputs": outputs}
        )

    def _imagegeneration(self, item: ImageGeneration, index: int) -> Iterator[Event]:
        shell = {
            "id": new_id("ig"),
            "type": "image_generation_call",
            "status": "in_progress",
            "result": None,
        }
        where = {"item_id": shell["id"], "output_index": index}
        yield self._added(index, shell)
        yield {"type": "response.image_generation_call.in_progress", **where}
        yield {"type": "response.image_generation_call.generating", **where}
        yield {
            "type": "response.image_generation_call.partial_image",
            **where,
            "partial_image_index": 0,
            "partial_image_b64": item.image_b64(),
        }
        yield {"type": "response.image_generation_call.completed", **where}
        done = {
            **shell,
            "status": "completed",
            "result": item.image_b64(),
            "output_format": item.output_format,
        }
        if item.revised_prompt:
            done["revised_prompt"] = item.revised_prompt
        yield self._done(index, done)

    def _mcpcall(self, item: McpCall, index: int) -> Iterator[Event]:
        """As the API streams an MCP call: the item, ``mcp_call.in_progress``, its
        arguments, then ``completed`` with the output (or ``failed`` with the error)."""
        shell: dict[str, Any] = {
            "id": new_id("mcp"),
            "type": "mcp_call",
            "status": "in_progress",
            "server_label": item.server_label,
            "name": item.name,
            "arguments": "",
            "output": None,
            "error": None,
        }
        if item.approval_request_id:
            shell["approval_request_id"] = item.approval_request_id
        where = {"item_id": shell["id"], "output_index": index}
        yield self._added(index, shell)
        yield {"type": "response.mcp_call.in_progress", **where}
        for delta in split(item.arguments, item.deltas) or [""]:
            yield {"type": "response.mcp_call_arguments.delta", **where, "delta": delta}
        yield {"type": "response.mcp_call_arguments.done", **where, "arguments": item.arguments}
        done = {**shell, "status": "completed", "arguments": item.arguments}
        if item.error:
            yield {"type": "response.mcp_call.failed", **where}
            error = {"type": "mcp_tool_execution_error", "content": [_text_part(item.error)]}
            yield self._done(index, {**done, "status": "failed", "error": error})
            return
        yield {"type": "response.mcp_call.completed", **where}
        yield self._done(index, {**done, "output": item.output})

    def _mcpapprovalrequest(self, item: McpApprovalRequest, index: int) -> Iterator[Event]:
        """As the API sends an approval request: the whole item, added and done."""
        request = {
            "id": item.id or new_id("mcpr"),
            "type": "mcp_approval_request",
            "server_label": item.server_label,
            "name": item.name,
            "arguments": item.arguments,
        }
        yield self._added(index, request)
        yield self._done(index, dict(request))

    def _mcplisttools(self, item: McpListTools, index: int) -> Iterator[Event]:
        shell = {
            "id": new_id("mcpl"),
            "type": "mcp_list_tools",
            "server_label": item.server_label,
            "tools": [],
        }
        where = {"item_id": shell["id"], "output_index": index}
        yield self._added(index, shell)
        yield {"type": "response.mcp_list_tools.in_progress", **where}
        if item.error:
            yield {"type": "response.mcp_list_tools.failed", **where}
            yield self._done(index, {**shell, "error": item.error})
            return
        yield {"type": "response.mcp_list_tools.completed", **where}
        tools = [
            {"name": name, "input_schema": {"type": "object", "properties": {}}}
            for name in item.tools
        ]
        yield self._done(index, {**shell, "tools": tools})

    def _rawitem(self, item: RawItem, index: int) -> Iterator[Event]:
        done = {"id": new_id(str(item.item.get("type", "item"))[:8]), **item.item}
        yield self._added(index, {**done, "status": "in_progress"})
        if item.done:
            yield self._done(index, done)
        else:
            self.output.append(done)


def _annotation(cited: Citation | FileCitation, text: str) -> dict[str, Any]:
    """The annotation a citation of the scripted text becomes."""
    if isinstance(cited, Citation):
        return {
            "type": "url_citation",
            "url": cited.url,
            "title": cited.title,
            "start_index": cited.start,
            "end_index": cited.end or len(text),
        }
    if cited.container_id:
        return {
            "type": "container_file_citation",
            "container_id": cited.container_id,
            "file_id": cited.file_id,
            "filename": cited.filename,
            "start_index": cited.start,
            "end_index": cited.end or len(text),
        }
    return {
        "type": "file_citation",
        "file_id": cited.file_id,
        "filename": cited.filename,
        "index": cited.start,
    }


def _computer_action(action: dict[str, Any]) -> dict[str, Any]:
    """A scripted computer action as sent: a ``double_click`` always says its held
    ``keys`` (``null`` for none), as the spec requires of it."""
    if action.get("type") == "double_click":
        return {"keys": None, **action}
    return dict(action)


def _text_part(text: str) -> dict[str, Any]:
    """An MCP content block of text (what an MCP tool's error says)."""
    return {"type": "text", "text": text}


def _message_shell() -> dict[str, Any]:
    return {
        "id": new_id("msg"),
        "type": "message",
        "status": "in_progress",
        "role": "assistant",
        "content": [],
    }
