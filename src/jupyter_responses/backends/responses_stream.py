"""What a Responses API server sends back (SDK objects), as our events.

The final response is the truth: every item in it is reconciled against what streamed,
so an item that never got ``response.output_item.done``, text or reasoning that was
never streamed, or a citation never announced still arrive (a non-streamed response is
all reconciliation). Several reasoning parts and several messages stay apart (events
carry which part or message they belong to, and a message's ``phase``).

Servers that speak the protocol loosely are met halfway, never by loosening what is
sent: a missing ``sequence_number``, ``logprobs`` or ``usage`` (or ``null`` ones),
fields the SDK does not know, events of unknown types (ignored), output items of
unknown types (shown under their own name), a final response without its output (the
streamed text stands in), a status no version of this knows (decided from what arrived,
and said), an ``error`` event that nests its ``error`` object, and a server that answers
a request chained by ``previous_response_id`` without echoing that id (it was ignored:
said once, and the kernel resends history to that server from then on).
"""

from __future__ import annotations

import json
import re
from collections.abc import Generator, Iterable, Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from .. import builtin_tools, logprobs
from .. import events as ev
from ..computer.tool import COMPUTER
from ..errors import StreamFailed
from ..lenient import dicts_of, text_of
from ..transcript import Entry, MessageEntry, ProviderItem, TurnStatus

if TYPE_CHECKING:
    from .connection import ServerQuirks
    from .errors import StreamState

UNCHAINED_NOTE = (
    "{host} did not confirm previous_response_id, so this answer may not have seen the "
    "earlier turns. From now on this kernel resends the whole history to it (re-run the "
    "cell to regenerate this answer that way); %config ResponsesMagics.resend_history = "
    "True does so from the start."
)


@dataclass
class Exchange:
    """One request in flight: where it went (and what is known of that server), the
    ``previous_response_id`` it carried, and what arrived so far, to reconcile the
    final response against."""

    server: str
    quirks: ServerQuirks
    previous: str | None = None
    calls: dict[str, str] = field(default_factory=dict)  # item id -> call id
    text: list[str] = field(default_factory=list)
    streamed: dict[str, list[str]] = field(default_factory=dict)  # message id -> text
    phases: dict[str, str] = field(default_factory=dict)  # message id -> phase
    refused: set[str] = field(default_factory=set)  # message ids with a streamed refusal
    reasoned: set[str] = field(default_factory=set)  # reasoning item ids that streamed
    cited: set[tuple[str, str]] = field(default_factory=set)  # (message id, source)
    done: set[str] = field(default_factory=set)  # item ids whose item.done arrived
    scored: set[tuple[str, int]] = field(default_factory=set)  # (message id, part) logprobs
    streaming: str | None = None  # the message whose text streams now
    pieces: list[str] = field(default_factory=list)  # and its list in ``streamed``


#: The event most of a stream is made of, which ``events`` reads without a generator.
TEXT_DELTA = "response.output_text.delta"


def events(stream: Iterable[Any], exchange: Exchange, state: StreamState) -> Iterator[ev.Event]:
    """Every streamed event, translated. The per-delta path: each call here counts."""
    for event in stream:
        state.started = True
        if getattr(event, "type", None) == TEXT_DELTA:
            delta = text_delta(event, exchange)
            if delta is not None:
                yield delta
        else:
            yield from translate(event, exchange)


def text_delta(event: Any, exchange: Exchange) -> ev.TextDelta | None:
    """More of a message's text (``None`` for an empty delta)."""
    delta, item_id = getattr(event, "delta", None), getattr(event, "item_id", None)
    if type(delta) is not str:
        delta = text_of(delta)
    if type(item_id) is not str:
        item_id = text_of(item_id)
    if not delta:
        return None
    exchange.text.append(delta)
    if item_id != exchange.streaming:
        exchange.streaming = item_id
        exchange.pieces = exchange.streamed.setdefault(item_id, [])
    exchange.pieces.append(delta)
    return ev.TextDelta(delta, item_id, exchange.phases.get(item_id))


def translate(event: Any, exchange: Exchange) -> Iterator[ev.Event]:
    """One streamed event; kinds that carry nothing to show are ignored. An event of
    ours among the server's (``background`` says a response runs, and where it
    stands) passes as it is."""
    if isinstance(event, ev.Running | ev.BackgroundStatus):
        yield event
        return
    kind = getattr(event, "type", None)
    item_id = getattr(event, "item_id", None)
    if not isinstance(item_id, str):
        item_id = text_of(item_id)
    if kind == TEXT_DELTA:
        text = text_delta(event, exchange)
        if text is not None:
            yield text
    elif kind == "response.refusal.delta":
        if text_of(getattr(event, "delta", None)):
            exchange.refused.add(item_id)
            yield ev.RefusalDelta(event.delta)
    elif kind in ("response.reasoning_summary_text.delta", "response.reasoning_text.delta"):
        delta = text_of(getattr(event, "delta", None))
        if delta:
            exchange.reasoned.add(item_id)
            yield ev.ReasoningDelta(delta, _reasoning_part(event, kind, item_id))
    elif kind == "response.output_item.added":
        item: Any = getattr(event, "item", None)
        if getattr(item, "type", None) == "message" and text_of(getattr(item, "phase", None)):
            exchange.phases[item.id] = item.phase
        if _is_call(item):
            yield _started(item, exchange)
    elif kind in _ARGUMENT_EVENTS or kind in builtin_tools.CODE_EVENTS:
        delta = text_of(getattr(event, "delta", None))
        if item_id and delta:  # without an item id the arguments come whole at the end
            yield ev.ToolCallDelta(exchange.calls.get(item_id, item_id), delta)
    elif kind == "response.output_text.done":  # the part's token logprobs, all at once
        scored = logprobs.read(getattr(event, "logprobs", None))
        if scored:
            exchange.scored.add((item_id, getattr(event, "content_index", 0)))
            yield ev.Logprobs(tuple(scored))
    elif kind == "response.output_text.annotation.added":
        annotation = getattr(event, "annotation", None)
        if annotation is not None:
            yield from _citation(as_dict(annotation), item_id, exchange)
    elif kind == "response.output_item.done":
        item = getattr(event, "item", None)
        if _is_call(item):
            yield from _call_done(item, exchange)
    elif kind in ("response.completed", "response.incomplete"):
        yield from finished(getattr(event, "response", None), exchange)
    elif kind == "response.failed":
        error = getattr(getattr(event, "response", None), "error", None)
        raise StreamFailed(
            f"The model failed mid-answer: {_reason(error)}. The partial answer is kept; "
            "re-run the cell to retry."
        )
    elif kind == "error":
        raise StreamFailed(
            f"The server reported an error mid-answer: {_reason(event)}. Re-run the cell to retry."
        )


#: Stream events that carry more of a call's arguments (or input) as they are written.
_ARGUMENT_EVENTS = (
    "response.function_call_arguments.delta",
    "response.mcp_call_arguments.delta",
    "response.custom_tool_call_input.delta",
)


def _reasoning_part(event: Any, kind: str, item_id: str) -> str:
    """Which part of which reasoning item a delta belongs to: summary parts by their
    ``summary_index``, raw reasoning text by its ``content_index``."""
    if kind == "response.reasoning_text.delta":
        return f"{item_id}:text:{getattr(event, 'content_index', 0)}"
    return f"{item_id}:summary:{getattr(event, 'summary_index', 0)}"


#: Items that call a tool the kernel runs: a function, a freeform (custom) tool such
#: as the python tool, whose input is raw text, or the computer (its actions).
_LOCAL_CALLS = ("function_call", "custom_tool_call", "computer_call")


def _started(item: Any, exchange: Exchange) -> ev.ToolCallStarted:
    call_id = getattr(item, "call_id", None) or item.id
    exchange.calls[item.id] = call_id
    name = COMPUTER if item.type == "computer_call" else getattr(item, "name", None) or item.type
    return ev.ToolCallStarted(call_id, name, "function" if item.type in _LOCAL_CALLS else item.type)


#: Annotations that name a file rather than a web page.
_FILE_ANNOTATIONS = ("file_citation", "container_file_citation", "file_path")


def _citation(annotation: dict[str, Any], message: str, exchange: Exchange) -> Iterator[ev.Event]:
    """A web page or a file the answer cites, once per message."""
    kind = annotation.get("type")
    if kind == "url_citation" and text_of(annotation.get("url")):
        source, event = (
            annotation["url"],
            ev.Citation(annotation["url"], text_of(annotation.get("title")) or annotation["url"]),
        )
    elif kind in _FILE_ANNOTATIONS and text_of(annotation.get("file_id")):
        file_id = annotation["file_id"]
        name = text_of(annotation.get("filename")) or file_id
        source, event = file_id, ev.Citation("", name, file=file_id)
    else:
        return
    if (message, source) not in exchange.cited:
        exchange.cited.add((message, source))
        yield event


def whole(response: Any, exchange: Exchange) -> Iterator[ev.Event]:
    """A non-streamed response: all of it is reconciled, as after a stream that sent
    nothing but the final response."""
    if getattr(response, "status", None) == "failed":
        raise StreamFailed(
            f"The model failed: {_reason(getattr(response, 'error', None))}. Re-run the cell "
            "to retry."
        )
    yield from finished(response, exchange)


def finished(response: Any, exchange: Exchange) -> Iterator[ev.Event]:
    """The final response: what of it did not stream, usage, whether a chained request
    was really chained, and the answer as neutral transcript entries."""
    # Each item as the SDK object (for the calls' types) and as data, dumped once.
    output = [
        (item, as_dict(item))
        for item in getattr(response, "output", None) or []
        if getattr(item, "type", None) is not None
    ]
    yield from _reconcile(output, exchange)
    usage = getattr(response, "usage", None)
    if usage is not None:
        details = getattr(usage, "output_tokens_details", None)
        cache = getattr(usage, "input_tokens_details", None)
        yield ev.Usage(
            getattr(usage, "input_tokens", None) or 0,
            getattr(usage, "output_tokens", None) or 0,
            getattr(details, "reasoning_tokens", None) or 0,
            getattr(cache, "cached_tokens", None) or 0,
            getattr(cache, "cache_write_tokens", None) or 0,
        )
    unchained = exchange.previous is not None and exchange.previous != getattr(
        response, "previous_response_id", None
    )
    if unchained:
        exchange.quirks.note(exchange.server, "ignores_previous_response_id")
        host = urlsplit(exchange.server).hostname or exchange.server
        yield ev.Note(UNCHAINED_NOTE.format(host=host))
    entries: list[Entry] = list(_entries(output))
    if exchange.text and not any(e["type"] == "message" for e in entries):
        entries.insert(0, {"type": "message", "text": "".join(exchange.text)})
    status = yield from _status(getattr(response, "status", None), entries)
    yield ev.Completed(
        status=status,
        response_id=getattr(response, "id", None),
        stored=bool(getattr(response, "store", True)) and not unchained,
        entries=tuple(entries),
        model=getattr(response, "model", None),
        service_tier=text_of(getattr(response, "service_tier", None)) or None,
    )


def _status(status: Any, entries: list[Entry]) -> Generator[ev.Event, None, TurnStatus]:
    """The turn's status from the response's: a known one as it is (none: completed,
    as loose servers leave it out); ``cancelled`` as interrupted; any other is decided
    from what arrived, and said."""
    if status in (None, "completed"):
        return "completed"
    if status == "incomplete":
        return "incomplete"
    if status == "cancelled":
        yield ev.Note("The server cancelled this response; what arrived is kept.")
        return "interrupted"
    if not entries:
        raise StreamFailed(
            f"The server ended the response with status {status!r} and no answer. Re-run "
            "the cell to retry."
        )
    yield ev.Note(
        f"The server ended the response with status {status!r}, which this version does "
        "not know; the answer that arrived is kept as complete."
    )
    return "completed"


def _reconcile(output: list[tuple[Any, ProviderItem]], exchange: Exchange) -> Iterator[ev.Event]:
    """Everything in the final ``output`` that the stream did not deliver.

    Streamed parts are matched to final items by id; what streamed under an id the final
    response does not have (no item id at all, or a proxy that renumbers items, as
    LiteLLM's Responses bridge does) belongs to the final items of its kind that have no
    streamed part, in order."""
    ids = {text_of(data.get("id")) for _, data in output}
    texts = [m for m in exchange.streamed if m not in ids]  # unmatched streamed messages
    thoughts = [r for r in exchange.reasoned if r not in ids]
    for item, item_data in output:
        kind = item.type
        if kind == "message":
            yield from _reconcile_message(item_data, exchange, texts)
        elif kind == "reasoning" and item_data.get("id") not in exchange.reasoned:
            if thoughts:
                thoughts.pop(0)  # it streamed under another id
                continue
            for number, part in enumerate(dicts_of(item_data.get("summary"))):
                if text_of(part.get("text")):
                    yield ev.ReasoningDelta(part["text"], f"{item_data.get('id')}:summary:{number}")
            for number, part in enumerate(dicts_of(item_data.get("content"))):
                if text_of(part.get("text")):
                    yield ev.ReasoningDelta(part["text"], f"{item_data.get('id')}:text:{number}")
        elif _is_call(item):
            yield from _call_done(item, exchange, item_data)


def _call_done(
    item: Any, exchange: Exchange, data: ProviderItem | None = None
) -> Iterator[ev.Event]:
    """A finished call item, once (``output_item.done``, or the final response for an
    item that never got it), started first if its ``output_item.added`` never came."""
    if item.id in exchange.done:
        return
    if item.id not in exchange.calls:
        yield _started(item, exchange)
    exchange.done.add(item.id)
    yield from _item_done(item, data)


def _message_text(data: ProviderItem) -> str:
    """A message item's answer text: its ``output_text`` parts, joined."""
    parts = dicts_of(data.get("content"))
    return "".join(text_of(p.get("text")) for p in parts if p.get("type") == "output_text")


def _reconcile_message(
    data: dict[str, Any], exchange: Exchange, unmatched: list[str]
) -> Iterator[ev.Event]:
    message = text_of(data.get("id"))
    parts = dicts_of(data.get("content"))
    full = _message_text(data)
    if message not in exchange.streamed and unmatched:
        message = unmatched.pop(0)  # the id its text streamed under
    streamed = "".join(exchange.streamed.get(message, []))
    phase = text_of(data.get("phase")) or exchange.phases.get(message)
    if full.startswith(streamed) and len(full) > len(streamed):
        exchange.text.append(full[len(streamed) :])
        yield ev.TextDelta(full[len(streamed) :], message, phase)
    refused_before = bool(exchange.refused)
    for index, part in enumerate(parts):
        for annotation in dicts_of(part.get("annotations")):
            yield from _citation(annotation, message, exchange)
        # Token logprobs that did not come with the part's output_text.done (a whole
        # response, a stream cut short), from the final response.
        scored = [] if (message, index) in exchange.scored else logprobs.read(part.get("logprobs"))
        if scored:
            yield ev.Logprobs(tuple(scored))
        refused = part.get("type") == "refusal" and text_of(part.get("refusal"))
        if refused and not refused_before:
            yield ev.RefusalDelta(part["refusal"])


def _reason(error: Any) -> str:
    """What an error says: its ``message``, or that of the ``error`` object it nests."""
    said = text_of(getattr(error, "message", None))
    if not said and error is not None:
        nested = as_dict(error).get("error")
        said = text_of(nested.get("message")) if isinstance(nested, dict) else ""
    # the message it goes into adds the full stop: never "…a response.."
    return " ".join(said.split()).rstrip(".!?") or "no reason given"


def _is_call(item: Any) -> bool:
    """A tool call or built-in tool item (not a message or reasoning), with an id."""
    kind = getattr(item, "type", None)
    return bool(kind) and kind not in ("message", "reasoning") and bool(getattr(item, "id", None))


#: How an image a built-in tool made arrives inline (code interpreter, image generation).
_INLINE_IMAGE = re.compile(r"data:(image/[\w.+-]+);base64,(.+)", re.DOTALL)


def as_dict(item: Any) -> ProviderItem:
    """An SDK object as the plain data it was sent as. ``warnings=False``: a field of a
    shape the SDK's types do not foresee (a web search source of type ``api``) must
    not make pydantic print a serialization warning into the user's cell."""
    if isinstance(item, dict):
        return dict(item)
    data: ProviderItem = item.model_dump(exclude_none=True, warnings=False)
    return data


def _item_done(item: Any, data: ProviderItem | None = None) -> Iterator[ev.Event]:
    """A finished call item: a function call as it is; a built-in tool's item read by
    its declaration into neutral fields, its inline images as images of their own.
    ``data``: the item already dumped, if it was."""
    if item.type == "computer_call":
        actions = _computer_actions(as_dict(item) if data is None else data)
        yield ev.ToolCallDone(item.call_id or item.id, COMPUTER, json.dumps(actions))
        return
    if item.type in _LOCAL_CALLS:
        call_id = getattr(item, "call_id", None) or item.id
        said = item.arguments if item.type == "function_call" else item.input
        yield ev.ToolCallDone(call_id, item.name or "", said or "")
        return
    data = as_dict(item) if data is None else data
    kind = builtin_tools.item_kind(item.type)
    detail = kind.read(data)
    linked = []
    for url in detail.pop("images", []):
        inline = _INLINE_IMAGE.fullmatch(url)
        if inline:  # an image of its own (shown, saved and exported once), not text
            yield ev.Image(inline[2], detail.get("prompt", ""), inline[1])
        else:
            linked.append(url)
    if linked:
        detail["images"] = linked
    arguments = data.get("arguments") or data.get("input")  # a custom tool's is its input
    output = data.get("output")
    yield ev.ToolCallDone(
        item.id,
        getattr(item, "name", None) or item.type,
        arguments if isinstance(arguments, str) else "",
        item.type,
        detail,
        output if isinstance(output, str) else None,
        _error_text(data.get("error")) or None,
        waiting=kind.asks,
    )


def _error_text(error: Any) -> str:
    """What a built-in's ``error`` says: a string, or an error object's ``message``
    (an MCP protocol or HTTP error) or its text ``content`` (an MCP tool's own error),
    else the object as JSON."""
    if isinstance(error, str) or not error:
        return error if isinstance(error, str) else ""
    if not isinstance(error, dict):
        return str(error)
    said = text_of(error.get("message"))
    if not said:
        parts = dicts_of(error.get("content"))
        said = "\n".join(text_of(part.get("text")) for part in parts if text_of(part.get("text")))
    if said and isinstance(error.get("code"), int):
        said = f"{said} ({error['code']})"
    return said or json.dumps(error)


def _computer_actions(data: ProviderItem) -> list[dict[str, Any]]:
    """A computer call's actions as sent: the ``actions`` list, or the preview tool's
    one ``action`` (read, and refused if unknown, only when the tool does them)."""
    listed = data.get("actions")
    if listed is None:
        listed = [data["action"]] if isinstance(data.get("action"), dict) else []
    return dicts_of(listed)


def _entries(output: list[tuple[Any, ProviderItem]]) -> Iterator[Entry]:
    for item, data in output:
        kind = item.type
        if kind == "message":
            parts = dicts_of(data.get("content"))
            text = _message_text(data)
            refusal = "".join(
                text_of(p.get("refusal")) for p in parts if p.get("type") == "refusal"
            )
            if text:
                message: MessageEntry = {"type": "message", "text": text}
                if text_of(data.get("phase")):
                    message["phase"] = data["phase"]
                yield message
            if refusal:
                yield {"type": "refusal", "text": refusal}
        elif kind == "reasoning":
            summary = "\n\n".join(text_of(s.get("text")) for s in dicts_of(data.get("summary")))
            yield {"type": "reasoning", "summary": summary, "item": data}
        elif kind == "function_call":
            yield {
                "type": "function_call",
                "call_id": text_of(data.get("call_id")) or text_of(data.get("id")),
                "name": text_of(data.get("name")),
                "arguments": text_of(data.get("arguments")),
            }
        elif kind == "custom_tool_call":
            yield {
                "type": "custom_call",
                "call_id": text_of(data.get("call_id")) or text_of(data.get("id")),
                "name": text_of(data.get("name")),
                "input": text_of(data.get("input")),
            }
        elif kind == "computer_call":
            yield {
                "type": "computer_call",
                "call_id": text_of(data.get("call_id")) or text_of(data.get("id")),
                "name": COMPUTER,
                "actions": _computer_actions(data),
                "safety_checks": [
                    {k: c[k] for k in ("id", "code", "message") if isinstance(c.get(k), str)}  # type: ignore[misc]
                    for c in dicts_of(data.get("pending_safety_checks"))
                ],
                "item": data,
            }
        elif (declared := builtin_tools.item_kind(kind)).asks:  # the user answers it
            yield {
                "type": "approval_request",
                "call_id": text_of(data.get("id")),
                "name": declared.read(data).get("server", ""),
                "tool": text_of(data.get("name")),
                "arguments": text_of(data.get("arguments")),
                "item": data,
            }
        else:
            yield {"type": "builtin", "name": kind, "item": data}


def compaction_events(compacted: Any, turns: int, model: str) -> Iterator[ev.Event]:
    """A ``responses.compact`` answer as a compaction turn's events: its usage, a line
    saying what happened, and the compaction entry (the user messages it kept, its
    item as sent)."""
    output = [as_dict(item) for item in getattr(compacted, "output", None) or []]
    kept = [_message_text_of(item) for item in output if item.get("type") == "message"]
    items = [item for item in output if item.get("type") == "compaction"]
    if not items:
        raise StreamFailed(
            "The server's compaction came back without a compaction item; nothing was "
            "changed. Try again, or compact with --api chat."
        )
    usage = getattr(compacted, "usage", None)
    if usage is not None:
        yield ev.Usage(
            getattr(usage, "input_tokens", None) or 0, getattr(usage, "output_tokens", None) or 0
        )
    said = (
        f"The conversation so far ({turns} turn{'s' * (turns != 1)}) is compacted on the "
        f"server: later turns send its {len(kept)} user message{'s' * (len(kept) != 1)} and "
        "one compacted item instead of the turns before. Those stay in the history."
    )
    yield ev.TextDelta(said, "compaction")
    entry: Entry = {"type": "compaction", "summary": "", "item": items[-1], "messages": kept}
    yield ev.Completed(status="completed", entries=(entry,), model=model)


def _message_text_of(item: ProviderItem) -> str:
    """A user message's text, from a plain string or its text parts."""
    content = item.get("content")
    if isinstance(content, str):
        return content
    return "".join(text_of(p.get("text")) for p in dicts_of(content))
