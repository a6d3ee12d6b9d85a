"""What a Responses API server sends back (SDK objects), as our events.

Servers that speak the protocol loosely are met halfway, never by loosening what is
sent: a missing ``sequence_number``, ``logprobs`` or ``usage`` (or ``null`` ones),
events and output items of unknown types (ignored), a final response without its
output (the streamed text stands in), and a server that answers a request chained by
``previous_response_id`` without echoing that id (it was ignored: said once, and the
kernel resends history to that server from then on).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from .. import builtin_tools
from .. import events as ev
from ..errors import StreamFailed
from ..transcript import Entry, ProviderItem

if TYPE_CHECKING:
    from .connection import ServerQuirks

UNCHAINED_NOTE = (
    "{host} did not confirm previous_response_id, so this answer may not have seen the "
    "earlier turns. From now on this kernel resends the whole history to it (re-run the "
    "cell to regenerate this answer that way); %config ResponsesMagics.resend_history = "
    "True does so from the start."
)


@dataclass
class Exchange:
    """One request in flight: where it went (and what is known of that server), the
    ``previous_response_id`` it carried, and what arrived so far that the final
    response may lack."""

    server: str
    quirks: ServerQuirks
    previous: str | None = None
    calls: dict[str, str] = field(default_factory=dict)  # item id -> call id
    text: list[str] = field(default_factory=list)


def translate(event: Any, exchange: Exchange) -> Iterator[ev.Event]:
    """One streamed event; unknown kinds are ignored."""
    kind = getattr(event, "type", None)
    if kind == "response.output_text.delta":
        delta = _str(getattr(event, "delta", None))
        if delta:
            exchange.text.append(delta)
            yield ev.TextDelta(delta)
    elif kind == "response.refusal.delta":
        if _str(getattr(event, "delta", None)):
            yield ev.RefusalDelta(event.delta)
    elif kind == "response.reasoning_summary_text.delta":
        if _str(getattr(event, "delta", None)):
            yield ev.ReasoningDelta(event.delta)
    elif kind == "response.output_item.added":
        item: Any = getattr(event, "item", None)
        if _is_call(item):
            call_id = getattr(item, "call_id", None) or item.id
            exchange.calls[item.id] = call_id
            name = getattr(item, "name", None) or item.type
            yield ev.ToolCallStarted(
                call_id, name, "function" if item.type == "function_call" else item.type
            )
    elif kind == "response.function_call_arguments.delta" or kind in builtin_tools.CODE_EVENTS:
        item_id, delta = getattr(event, "item_id", None), _str(getattr(event, "delta", None))
        if item_id and delta:  # without an item id the arguments come whole at the end
            yield ev.ToolCallDelta(exchange.calls.get(item_id, item_id), delta)
    elif kind == "response.output_text.annotation.added":
        annotation = getattr(event, "annotation", None)
        if annotation is not None:
            annotation = as_dict(annotation)
        if annotation and annotation.get("type") == "url_citation" and annotation.get("url"):
            yield ev.Citation(annotation["url"], annotation.get("title") or annotation["url"])
    elif kind == "response.output_item.done":
        item = getattr(event, "item", None)
        if _is_call(item):
            yield from _item_done(item)
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


def whole(response: Any, exchange: Exchange) -> Iterator[ev.Event]:
    """A non-streamed response as the same events a stream would have produced."""
    for item in getattr(response, "output", None) or []:
        kind = getattr(item, "type", None)
        if kind == "message":
            for part in getattr(item, "content", None) or []:
                part_kind = getattr(part, "type", None)
                if part_kind == "output_text" and _str(getattr(part, "text", None)):
                    exchange.text.append(part.text)
                    yield ev.TextDelta(part.text)
                    for a in getattr(part, "annotations", None) or []:
                        if getattr(a, "type", None) == "url_citation" and a.url:
                            yield ev.Citation(a.url, a.title or a.url)
                elif part_kind == "refusal" and _str(getattr(part, "refusal", None)):
                    yield ev.RefusalDelta(part.refusal)
        elif kind == "reasoning":
            for summary in getattr(item, "summary", None) or []:
                if _str(getattr(summary, "text", None)):
                    yield ev.ReasoningDelta(summary.text)
        elif _is_call(item):
            call_id = getattr(item, "call_id", None) or item.id
            yield ev.ToolCallStarted(
                call_id,
                getattr(item, "name", None) or item.type,
                "function" if item.type == "function_call" else item.type,
            )
            yield from _item_done(item)
    if getattr(response, "status", None) == "failed":
        raise StreamFailed(
            f"The model failed: {_reason(getattr(response, 'error', None))}. Re-run the cell "
            "to retry."
        )
    yield from finished(response, exchange)


def finished(response: Any, exchange: Exchange) -> Iterator[ev.Event]:
    """The final response: usage, whether a chained request was really chained, and
    the answer as neutral transcript entries."""
    usage = getattr(response, "usage", None)
    if usage is not None:
        details = getattr(usage, "output_tokens_details", None)
        yield ev.Usage(
            getattr(usage, "input_tokens", None) or 0,
            getattr(usage, "output_tokens", None) or 0,
            getattr(details, "reasoning_tokens", None) or 0,
        )
    unchained = exchange.previous is not None and exchange.previous != getattr(
        response, "previous_response_id", None
    )
    if unchained:
        exchange.quirks.note(exchange.server, "ignores_previous_response_id")
        host = urlsplit(exchange.server).hostname or exchange.server
        yield ev.Note(UNCHAINED_NOTE.format(host=host))
    entries: list[Entry] = list(_entries(getattr(response, "output", None) or []))
    if exchange.text and not any(e["type"] == "message" for e in entries):
        entries.insert(0, {"type": "message", "text": "".join(exchange.text)})
    yield ev.Completed(
        status=getattr(response, "status", None) or "completed",
        response_id=getattr(response, "id", None),
        stored=bool(getattr(response, "store", True)) and not unchained,
        entries=tuple(entries),
        model=getattr(response, "model", None),
    )


def _str(value: Any) -> str:
    return value if isinstance(value, str) else ""


def _reason(error: Any) -> str:
    return _str(getattr(error, "message", None)) or "no reason given"


def _is_call(item: Any) -> bool:
    """A tool call or built-in tool item (not a message or reasoning), with an id."""
    kind = getattr(item, "type", None)
    return bool(kind) and kind not in ("message", "reasoning") and bool(getattr(item, "id", None))


#: How an image a built-in tool made arrives inline (code interpreter, image generation).
PNG_DATA_URL = "data:image/png;base64,"


def as_dict(item: Any) -> ProviderItem:
    """An SDK object as the plain data it was sent as. ``warnings=False``: a field of a
    shape the SDK's types do not foresee (a web search source of type ``api``) must
    not make pydantic print a serialization warning into the user's cell."""
    if isinstance(item, dict):
        return dict(item)
    data: ProviderItem = item.model_dump(exclude_none=True, warnings=False)
    return data


def _item_done(item: Any) -> Iterator[ev.Event]:
    """A finished call item: a function call as it is; a built-in tool's item read by
    its declaration into neutral fields, its inline PNGs as images of their own."""
    if item.type == "function_call":
        call_id = getattr(item, "call_id", None) or item.id
        yield ev.ToolCallDone(call_id, item.name or "", item.arguments or "")
        return
    data = as_dict(item)
    detail = builtin_tools.item_kind(item.type).read(data)
    images = detail.pop("images", [])
    for url in images:
        if url.startswith(PNG_DATA_URL):
            yield ev.Image(url.removeprefix(PNG_DATA_URL), detail.get("prompt", ""))
    linked = [url for url in images if not url.startswith(PNG_DATA_URL)]
    if linked:
        detail["images"] = linked
    arguments, output, error = data.get("arguments"), data.get("output"), data.get("error")
    yield ev.ToolCallDone(
        item.id,
        getattr(item, "name", None) or item.type,
        arguments if isinstance(arguments, str) else "",
        item.type,
        detail,
        output if isinstance(output, str) else None,
        error if isinstance(error, str) and error else None,
    )


def _entries(output: list[Any]) -> Iterator[Entry]:
    for item in output:
        kind = getattr(item, "type", None)
        if kind is None:
            continue
        data = as_dict(item)
        if kind == "message":
            parts = [p for p in data.get("content") or [] if isinstance(p, dict)]
            text = "".join(p.get("text", "") for p in parts if p.get("type") == "output_text")
            refusal = "".join(p.get("refusal", "") for p in parts if p.get("type") == "refusal")
            if text:
                yield {"type": "message", "text": text}
            if refusal:
                yield {"type": "refusal", "text": refusal}
        elif kind == "reasoning":
            summary = "".join(
                s.get("text", "") for s in data.get("summary") or [] if isinstance(s, dict)
            )
            yield {"type": "reasoning", "summary": summary, "item": data}
        elif kind == "function_call":
            yield {
                "type": "function_call",
                "call_id": getattr(item, "call_id", None) or item.id,
                "name": item.name or "",
                "arguments": item.arguments or "",
            }
        else:
            yield {"type": "builtin", "name": kind, "item": data}
