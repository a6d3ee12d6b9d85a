"""The Conversations API: ``/v1/conversations`` and its items, and the ``conversation``
parameter of ``POST /v1/responses``.

A conversation holds items, oldest first. A response made with ``conversation`` starts
from its items (instead of a ``previous_response_id`` chain) and adds its input and
output items to it, as the real service does.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from typing import Any

from .errors import invalid, not_found, too_long
from .responses_events import new_id
from .state import EmulatorState, StoredConversation

#: Most items one request may add (the API's limit).
MAX_ITEMS = 20


def of_request(state: EmulatorState, body: dict[str, Any]) -> StoredConversation | None:
    """The conversation a ``POST /v1/responses`` continues, if it names one."""
    named = body.get("conversation")
    if named is None:
        return None
    if body.get("previous_response_id"):
        raise invalid(
            "Mutually exclusive parameters: Ensure you are only providing one of: "
            "'previous_response_id' or 'conversation'.",
            "conversation",
            "mutually_exclusive_parameters",
        )
    conversation_id = named.get("id") if isinstance(named, dict) else named
    return lookup(state, str(conversation_id))


def lookup(state: EmulatorState, conversation_id: str) -> StoredConversation:
    with state.lock:
        found = state.conversations.get(conversation_id)
    if found is None:
        raise not_found(f"Conversation with id '{conversation_id}' not found.", "conversation_id")
    return found


def _metadata(body: Any) -> dict[str, str]:
    metadata = body.get("metadata") if isinstance(body, dict) else None
    if metadata is None:
        return {}
    if not isinstance(metadata, dict) or len(metadata) > 16:
        raise invalid("Invalid 'metadata': at most 16 string key-value pairs.", "metadata")
    return {str(k): str(v) for k, v in metadata.items()}


def _new_items(
    state: EmulatorState, raw: Any, normalize: Callable[[Any, EmulatorState], list[dict[str, Any]]]
) -> list[dict[str, Any]]:
    if not isinstance(raw, list):
        raise invalid("Invalid 'items': expected an array of items.", "items")
    if len(raw) > MAX_ITEMS:
        raise too_long("items", raw, MAX_ITEMS)
    items = normalize(raw, state)
    with state.lock:
        state.items.update((item["id"], item) for item in items)
    return items


def create(
    state: EmulatorState,
    body: Any,
    normalize: Callable[[Any, EmulatorState], list[dict[str, Any]]],
) -> dict[str, Any]:
    conversation: dict[str, Any] = {
        "id": new_id("conv"),
        "object": "conversation",
        "created_at": int(time.time()),
        "metadata": _metadata(body),
    }
    raw = body.get("items") if isinstance(body, dict) else None
    items = _new_items(state, raw, normalize) if raw is not None else []
    with state.lock:
        state.conversations[conversation["id"]] = StoredConversation(conversation, items)
    return conversation


def update(state: EmulatorState, conversation_id: str, body: Any) -> dict[str, Any]:
    stored = lookup(state, conversation_id)
    if not isinstance(body, dict) or "metadata" not in body:
        raise invalid(
            "Missing required parameter: 'metadata'.", "metadata", "missing_required_parameter"
        )
    stored.conversation["metadata"] = _metadata(body)
    return stored.conversation


def delete(state: EmulatorState, conversation_id: str) -> dict[str, Any]:
    lookup(state, conversation_id)
    with state.lock:
        del state.conversations[conversation_id]
    return {"id": conversation_id, "object": "conversation.deleted", "deleted": True}


def add_items(
    state: EmulatorState,
    conversation_id: str,
    body: Any,
    normalize: Callable[[Any, EmulatorState], list[dict[str, Any]]],
) -> dict[str, Any]:
    stored = lookup(state, conversation_id)
    raw = body.get("items") if isinstance(body, dict) else None
    if raw is None:
        raise invalid("Missing required parameter: 'items'.", "items", "missing_required_parameter")
    items = _new_items(state, raw, normalize)
    with state.lock:
        stored.items.extend(items)
    return {
        "object": "list",
        "data": items,
        "first_id": items[0]["id"] if items else "",
        "last_id": items[-1]["id"] if items else "",
        "has_more": False,
    }


def _item(stored: StoredConversation, item_id: str) -> dict[str, Any]:
    found = next((item for item in stored.items if item.get("id") == item_id), None)
    if found is None:
        raise not_found(f"Item with id '{item_id}' not found.", "item_id")
    return found


def get_item(state: EmulatorState, conversation_id: str, item_id: str) -> dict[str, Any]:
    return _item(lookup(state, conversation_id), item_id)


def delete_item(state: EmulatorState, conversation_id: str, item_id: str) -> dict[str, Any]:
    stored = lookup(state, conversation_id)
    found = _item(stored, item_id)
    with state.lock:
        stored.items.remove(found)
    return stored.conversation


def page(items: list[dict[str, Any]], query: Mapping[str, str]) -> dict[str, Any]:
    """A cursor page of ``items`` (oldest first) as list endpoints answer: ``order``
    (``desc`` by default), ``after`` (the id to continue after) and ``limit`` (1-100,
    default 20)."""
    ordered = list(reversed(items)) if query.get("order", "desc") == "desc" else list(items)
    after = query.get("after")
    if after:
        ids = [item.get("id") for item in ordered]
        if after not in ids:
            raise invalid(f"Invalid 'after': no item with id '{after}'.", "after")
        ordered = ordered[ids.index(after) + 1 :]
    try:
        limit = int(query.get("limit", 20))
    except ValueError:
        raise invalid("Invalid 'limit': expected an integer.", "limit") from None
    if not 1 <= limit <= 100:
        raise invalid("Invalid 'limit': expected an integer from 1 to 100.", "limit")
    data = ordered[:limit]
    return cursor_page(data, len(ordered) > limit)


def cursor_page(data: list[dict[str, Any]], has_more: bool) -> dict[str, Any]:
    """A cursor-paged list as the API sends one (conversation items, thread messages)."""
    return {
        "object": "list",
        "data": data,
        "first_id": data[0]["id"] if data else "",
        "last_id": data[-1]["id"] if data else "",
        "has_more": has_more,
    }
