"""What the emulator answers next: scripted replies and faults.

Tests (and the offline demo) enqueue these; each ``POST /v1/responses`` or
``POST /v1/chat/completions`` takes the next one, in order. With nothing queued the
deterministic default model answers instead (see ``default_model``).
``POST /v1/responses/compact`` takes the next one too, for its faults only (an
``HTTPError``, a ``Reply``'s ``first_byte_delay`` or ``disconnect_after``): the
compaction it answers is always its own.

Every type here is a plain dataclass that round-trips through JSON (``to_json`` /
``from_json``), so an emulator running in another process can be scripted over HTTP
(``POST /_emulator/script``) exactly as an in-process one is scripted in Python.
"""

from __future__ import annotations

import base64
import dataclasses
import json
from dataclasses import dataclass, field
from typing import Any, Literal

# A 1x1 transparent PNG: the smallest image every viewer accepts.
TINY_PNG_B64 = (
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk"
    "YPhfDwAChwGA60e6kgAAAABJRU5ErkJggg=="
)
# A 1x1 orange JPEG and a 1x1 lossless WebP (made with Pillow), for images of those types.
TINY_JPEG_B64 = (
    "/9j/4AAQSkZJRgABAQAAAQABAAD/2wBDAAMCAgMCAgMDAwMEAwMEBQgFBQQEBQoHBwYIDAoMDAsKCwsN"
    "DhIQDQ4RDgsLEBYQERMUFRUVDA8XGBYUGBIUFRT/2wBDAQMEBAUEBQkFBQkUDQsNFBQUFBQUFBQUFBQU"
    "FBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBT/wAARCAABAAEDASIAAhEBAxEB/8QA"
    "HwAAAQUBAQEBAQEAAAAAAAAAAAECAwQFBgcICQoL/8QAtRAAAgEDAwIEAwUFBAQAAAF9AQIDAAQRBRIh"
    "MUEGE1FhByJxFDKBkaEII0KxwRVS0fAkM2JyggkKFhcYGRolJicoKSo0NTY3ODk6Q0RFRkdISUpTVFVW"
    "V1hZWmNkZWZnaGlqc3R1dnd4eXqDhIWGh4iJipKTlJWWl5iZmqKjpKWmp6ipqrKztLW2t7i5usLDxMXG"
    "x8jJytLT1NXW19jZ2uHi4+Tl5ufo6erx8vP09fb3+Pn6/8QAHwEAAwEBAQEBAQEBAQAAAAAAAAECAwQF"
    "BgcICQoL/8QAtREAAgECBAQDBAcFBAQAAQJ3AAECAxEEBSExBhJBUQdhcRMiMoEIFEKRobHBCSMzUvAV"
    "YnLRChYkNOEl8RcYGRomJygpKjU2Nzg5OkNERUZHSElKU1RVVldYWVpjZGVmZ2hpanN0dXZ3eHl6goOE"
    "hYaHiImKkpOUlZaXmJmaoqOkpaanqKmqsrO0tba3uLm6wsPExcbHyMnK0tPU1dbX2Nna4uPk5ebn6Onq"
    "8vP09fb3+Pn6/9oADAMBAAIRAxEAPwDqKKKK/lQ/qU//2Q=="
)
TINY_WEBP_B64 = "UklGRh4AAABXRUJQVlA4TBEAAAAvAAAAAAdQvJrXo/+BiOh/AAA="
IMAGE_SAMPLES = {"png": TINY_PNG_B64, "jpeg": TINY_JPEG_B64, "webp": TINY_WEBP_B64}


@dataclass
class Citation:
    """A ``url_citation`` annotation over ``text[start:end]`` of the enclosing Text."""

    url: str
    title: str
    start: int = 0
    end: int = 0


@dataclass
class FileCitation:
    """A ``file_citation`` annotation (a file of a vector store) at ``index`` of the
    text, or with ``container_id`` a ``container_file_citation`` over ``start:end``
    (a file the code interpreter wrote, which the text links as ``sandbox:``)."""

    file_id: str
    filename: str
    container_id: str | None = None
    start: int = 0
    end: int = 0


@dataclass
class Text:
    """An assistant message. ``deltas`` splits it into that many stream deltas
    (default: one per word), so tests can control chunking exactly. ``phase``:
    ``commentary`` or ``final_answer``, as models that label their messages send."""

    text: str
    deltas: int | None = None
    citations: list[Citation | FileCitation] = field(default_factory=list)
    phase: Literal["commentary", "final_answer"] | None = None


@dataclass
class Refusal:
    """The model declines; Responses sends a ``refusal`` part, Chat a ``refusal`` field."""

    text: str


@dataclass
class Reasoning:
    """A reasoning item with a streamed summary: one part, or several (a list, each
    part streamed with its own ``summary_index``, as reasoning models send). ``raw``:
    the raw reasoning text open-weight models send (``reasoning_text`` content and
    deltas; on Chat Completions only with ``Reply.chat_reasoning_field``). Chat
    Completions otherwise carries only its token count."""

    summary: str | list[str]
    deltas: int | None = None
    tokens: int = 64
    raw: str = ""

    def parts(self) -> list[str]:
        return [self.summary] if isinstance(self.summary, str) else list(self.summary)


@dataclass
class FunctionCall:
    """A call to a function tool the client offered (``arguments``: a dict or raw JSON)."""

    name: str
    arguments: dict[str, Any] | str = field(default_factory=dict)
    call_id: str | None = None
    deltas: int = 3

    def arguments_json(self) -> str:
        if isinstance(self.arguments, str):
            return self.arguments
        return json.dumps(self.arguments)


@dataclass
class CustomToolCall:
    """A call to a custom (freeform) tool the client offered: ``input`` is the raw text
    the model wrote for it (code, a patch, a query), streamed in ``deltas`` pieces. On
    Chat Completions only a whole (non-streamed) answer can carry it: neither OpenAI's
    spec nor the SDK has a streamed chunk for a custom tool call."""

    name: str
    input: str = ""
    call_id: str | None = None
    deltas: int = 3


@dataclass
class ComputerCall:
    """A ``computer_call`` item (Responses only): the computer tool asks the client to do
    ``actions`` (dicts as the API sends them: ``{"type": "click", "x": 10, "y": 20,
    "button": "left"}``) and answer with a screenshot. ``preview``: the preview tool's
    shape, a single ``action`` (so exactly one action) instead of ``actions``.
    ``pending_safety_checks`` (``{"id", "code", "message"}``, an id made up if missing):
    checks the client's ``computer_call_output`` must acknowledge, or get a 400. Sent as
    the API sends it, without delta events: ``output_item.added``, then ``.done``."""

    actions: list[dict[str, Any]]
    pending_safety_checks: list[dict[str, Any]] = field(default_factory=list)
    call_id: str | None = None
    preview: bool = False

    def __post_init__(self) -> None:
        if self.preview and len(self.actions) != 1:
            raise ValueError(
                f"A preview ComputerCall carries exactly one action, not {len(self.actions)}."
            )


@dataclass
class WebSearch:
    """A ``web_search_call`` item (Responses only). ``action``: ``search`` (with
    ``query``, its ``sources`` as URLs and ``api_sources`` as names of the data sources
    searched, such as ``oai-weather``: the real API sends these, though neither the SDK's
    types nor the published spec have them), ``open_page`` (``url``) or
    ``find_in_page`` (``url`` and ``pattern``)."""

    query: str = ""
    sources: list[str] = field(default_factory=list)
    action: Literal["search", "open_page", "find_in_page"] = "search"
    url: str = ""
    pattern: str = ""
    api_sources: list[str] = field(default_factory=list)


@dataclass
class FileSearchHit:
    file_id: str
    filename: str
    score: float
    text: str


@dataclass
class FileSearch:
    """A ``file_search_call`` item with its results (Responses only)."""

    queries: list[str]
    results: list[FileSearchHit] = field(default_factory=list)


@dataclass
class CodeInterpreter:
    """A ``code_interpreter_call`` item with streamed code and its logs (Responses only)."""

    code: str
    logs: str = ""
    container_id: str = "cntr_emulator"
    images: list[str] = field(default_factory=list)  # base64 PNGs it displayed


@dataclass
class ImageGeneration:
    """An ``image_generation_call`` item whose result is a base64 PNG (Responses only)."""

    png_b64: str = TINY_PNG_B64
    revised_prompt: str = ""
    output_format: Literal["png", "jpeg", "webp"] = "png"

    def image_b64(self) -> str:
        """The result: ``png_b64``, or a sample image of ``output_format``."""
        return self.png_b64 if self.output_format == "png" else IMAGE_SAMPLES[self.output_format]

    def png_bytes(self) -> bytes:
        return base64.b64decode(self.png_b64)


@dataclass
class McpCall:
    """A remote MCP tool call (Responses only): the server ran ``name`` with
    ``arguments`` (JSON) and it returned ``output``, or failed with ``error`` (then the
    call ``failed``, its error an ``mcp_tool_execution_error`` saying so). Played as
    OpenAI plays it: for a server of the request that asks first (``require_approval``
    not ``never``) a call runs only once the user approved it (an answered approval
    request's id becomes its ``approval_request_id``); until then it is asked about
    instead (an ``McpApprovalRequest``), and a call the user denied is not made.
    ``deltas``: how many stream deltas its arguments come in."""

    server_label: str
    name: str
    arguments: str = "{}"
    output: str = ""
    error: str = ""
    approval_request_id: str | None = None
    deltas: int = 1


@dataclass
class McpApprovalRequest:
    """An ``mcp_approval_request`` (Responses only): the server asks the user before it
    runs ``name`` with ``arguments``, and the response ends there. Approved in a later
    request (an ``mcp_approval_response``), the call runs and returns ``output`` (or
    fails with ``error``); denied, it is not run. For a server of the request that never
    asks it is an ``McpCall`` at once. ``id``: made up when ``None``."""

    server_label: str
    name: str
    arguments: str = "{}"
    output: str = ""
    error: str = ""
    id: str | None = None


@dataclass
class McpListTools:
    """An ``mcp_list_tools`` item: the tools a remote MCP server offers (Responses
    only), or, with ``error``, why it could not list them (``mcp_list_tools.failed``)."""

    server_label: str
    tools: list[str] = field(default_factory=list)
    error: str = ""


@dataclass
class RawItem:
    """An output item sent exactly as given (Responses only): ``output_item.added``
    with ``status: in_progress``, then ``output_item.done`` with ``item`` itself. For
    shapes no other kind makes: items of types the SDK does not know yet, extra
    fields, a built-in tool of a test's own. An ``id`` is made up if it has none;
    ``done=False`` leaves out ``output_item.done`` (the final response still has it),
    as some servers do."""

    item: dict[str, Any]
    done: bool = True


Item = (
    Text
    | Refusal
    | Reasoning
    | FunctionCall
    | CustomToolCall
    | ComputerCall
    | WebSearch
    | FileSearch
    | CodeInterpreter
    | ImageGeneration
    | McpCall
    | McpApprovalRequest
    | McpListTools
    | RawItem
)


@dataclass
class Reply:
    """One scripted model reply: its output items in order, and how the stream behaves.

    * ``status``: ``completed``; ``incomplete`` (max output tokens reached, the text is
      what was produced); ``failed`` (``response.failed`` with ``error_message``).
    * ``error_event_after``: after that many events, send an ``error`` event and stop.
    * ``disconnect_after``: after that many events, drop the connection without ending
      the HTTP body (a cut-off stream). In background mode only the connection drops:
      the run goes on, and ``GET /v1/responses/{id}?stream=true&starting_after=N``
      resumes it (without ``stream``, the create request's answer is dropped instead).
    * ``first_byte_delay`` / ``event_delay``: seconds before the first byte / between events.
      In background mode ``event_delay`` (with ``stall``) paces the run itself, so a
      long reply (many deltas) lasts long enough to drop, resume, poll and cancel.
    * ``queued_for``: in background mode, seconds the response stays ``queued`` (after
      ``response.queued``) before it starts (``response.in_progress``).
    * ``stall_after`` / ``stall``: after that many events, go quiet for ``stall`` seconds
      with the connection open (a server thinking, or a stuck proxy), then go on.
    * ``malformed_after``: after that many stream events, send one whose data is not
      JSON (a proxy that cut or mangled it), then go on (in background mode, on the
      create request's stream; the run keeps the event as it was).
    * ``usage``: override token counts as ``{"input_tokens": .., "output_tokens": ..}``
      (and ``cached_tokens``, ``cache_write_tokens``: else the emulator's prompt cache,
      ``prompt_cache``, says them).
    * ``omit`` / ``null``: field names left out of (or sent as ``null`` in) everything
      sent for this reply, at any depth, as loose servers do: ``["sequence_number",
      "logprobs"]``, ``["usage"]``, ``["previous_response_id"]``.
    * ``unknown_events``: that many stream events no client knows, after the first
      (Responses: a type of no known event; Chat: a chunk without ``choices``).
    * ``missing_done``: indexes of items whose ``response.output_item.done`` is left
      out (the final response still holds them), as servers do for some items.
    * ``nested_error``: the ``error`` event nests its ``error`` object
      (``{"type": "error", "error": {"code", "message"}}``), as some servers send it.
    * ``obfuscation``: every delta event carries an ``obfuscation`` field, and usage a
      ``cost``: fields the SDK's types do not know.
    * ``final_status``: the status of the final response when it is not ``status``'s
      (``cancelled``, or one no client knows), sent in ``response.completed``.
    * ``chat_reasoning_field``: Chat Completions sends each ``Reasoning.raw`` in this
      delta field (``reasoning_content``, ``reasoning``), as servers for open-weight
      models do.
    """

    items: list[Item] = field(default_factory=list)
    status: Literal["completed", "incomplete", "failed"] = "completed"
    error_message: str = "The model failed to generate a response."
    error_code: str = "server_error"
    error_event_after: int | None = None
    disconnect_after: int | None = None
    first_byte_delay: float = 0.0
    event_delay: float = 0.0
    queued_for: float = 0.0
    stall_after: int | None = None
    stall: float = 0.0
    malformed_after: int | None = None
    usage: dict[str, int] | None = None
    omit: list[str] = field(default_factory=list)
    null: list[str] = field(default_factory=list)
    unknown_events: int = 0
    missing_done: list[int] = field(default_factory=list)
    nested_error: bool = False
    obfuscation: bool = False
    final_status: str | None = None
    chat_reasoning_field: str | None = None


def loosen(data: Any, reply: Any) -> Any:
    """``data`` as ``reply`` says a loose server sends it (``omit``, ``null``)."""
    omit, null = set(getattr(reply, "omit", ())), set(getattr(reply, "null", ()))
    if not omit and not null:
        return data

    def walk(value: Any) -> Any:
        if isinstance(value, dict):
            return {k: None if k in null else walk(v) for k, v in value.items() if k not in omit}
        if isinstance(value, list):
            return [walk(v) for v in value]
        return value

    return walk(data)


@dataclass
class HTTPError:
    """Answer with an HTTP error status and OpenAI's error body instead of a reply.

    ``message``/``type``/``code`` default to what OpenAI sends for that status.
    ``retry_after`` sets the ``retry-after`` header (seconds) as OpenAI does on 429.
    ``times`` repeats the fault for that many consecutive requests (the SDK retries).
    """

    status: int
    message: str | None = None
    type: str | None = None
    code: str | None = None
    param: str | None = None
    retry_after: float | None = None
    times: int = 1


Scripted = Reply | HTTPError


def text(value: str, deltas: int | None = None, **reply: Any) -> Reply:
    """Shorthand: a reply that is a single assistant message."""
    return Reply(items=[Text(value, deltas=deltas)], **reply)


def json_answer(value: Any, **reply: Any) -> Reply:
    """Shorthand: a structured-output answer (the JSON text of ``value``)."""
    return Reply(items=[Text(json.dumps(value))], **reply)


def fast_stream(n: int, delta: str = "tok ", **reply: Any) -> Reply:
    """Shorthand: ``n`` identical text deltas, for benchmarks (the emulator streams
    well over 100,000 events a second, so it is never the bottleneck)."""
    return Reply(items=[Text(delta * n, deltas=n)], **reply)


def tool_calls(*calls: FunctionCall | CustomToolCall, **reply: Any) -> Reply:
    """Shorthand: one or several (parallel) function or custom tool calls."""
    return Reply(items=list(calls), **reply)


_TYPES: dict[str, type] = {
    cls.__name__: cls
    for cls in (
        Citation,
        FileCitation,
        Text,
        Refusal,
        Reasoning,
        FunctionCall,
        CustomToolCall,
        ComputerCall,
        WebSearch,
        FileSearchHit,
        FileSearch,
        CodeInterpreter,
        ImageGeneration,
        McpCall,
        McpApprovalRequest,
        McpListTools,
        RawItem,
        Reply,
        HTTPError,
    )
}


def to_json(obj: Any) -> Any:
    """Encode a scripted object (recursively) as JSON-ready data tagged with its kind."""
    if dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        data = {f.name: to_json(getattr(obj, f.name)) for f in dataclasses.fields(obj)}
        return {"kind": type(obj).__name__, **data}
    if isinstance(obj, list):
        return [to_json(v) for v in obj]
    return obj


def from_json(data: Any) -> Any:
    """Decode what ``to_json`` produced; unknown kinds raise ``ValueError``."""
    if isinstance(data, list):
        return [from_json(v) for v in data]
    if isinstance(data, dict) and "kind" in data:
        kind = data["kind"]
        cls = _TYPES.get(kind)
        if cls is None:
            raise ValueError(f"unknown scripted kind {kind!r}")
        fields = {k: from_json(v) for k, v in data.items() if k != "kind"}
        return cls(**fields)
    return data
