"""Conversations as plain JSON-able dicts and back, losslessly: the one format the
``.json`` export and the SQLite store share.

Every field of ``Turn`` and ``Conversation`` is data already (strings, numbers, lists,
dicts); ``Usage`` is the one nested dataclass. ``FORMAT`` is bumped, with a migration
here, whenever a field changes meaning. Migrations work per turn, from what the turn
holds, because the store writes each turn once: a conversation saved before an
upgrade and continued after it holds turns of both formats.
"""

from __future__ import annotations

import dataclasses
from typing import Any

from . import builtin_tools
from .conversation import DEFAULT_THREAD, Conversation, Turn
from .events import Usage
from .transcript import CallDetail

FORMAT = 3
#: Formats ``conversation_from_dict`` still reads (1 had no thread ``name``; up to 2, a
#: built-in tool call's ``detail`` was the server's raw item).
READABLE = (1, 2, 3)


def turn_to_dict(turn: Turn) -> dict[str, Any]:
    return dataclasses.asdict(turn)


def turn_from_dict(data: dict[str, Any]) -> Turn:
    known = {f.name for f in dataclasses.fields(Turn)}
    fields = {key: value for key, value in data.items() if key in known}
    fields["usage"] = Usage(**data.get("usage", {}))
    fields["calls"] = [_neutral_detail(call) for call in data.get("calls", [])]
    return Turn(**fields)


def _neutral_detail(call: dict[str, Any]) -> Any:
    """A call as format 3 keeps it: a built-in tool's ``detail`` in neutral fields. A
    format-2 detail (the item as the server sent it, less ``id``, ``type``,
    ``status`` and ``result``) is read by the tool's declaration, as a new item is."""
    detail = call.get("detail")
    if not isinstance(detail, dict) or _is_neutral(detail):
        return call
    item = {"type": call.get("kind", ""), **detail}
    return {**call, "detail": builtin_tools.item_kind(item["type"]).read(item)}


def _is_neutral(detail: dict[str, Any]) -> bool:
    return set(detail) <= set(CallDetail.__annotations__) and not isinstance(
        detail.get("action"), dict
    )


def conversation_to_dict(conversation: Conversation) -> dict[str, Any]:
    return {
        "format": FORMAT,
        "id": conversation.id,
        "name": conversation.name,
        "title": conversation.title,
        "system": conversation.system,
        "head": conversation.head,
        "created": conversation.created,
        "server_state": conversation.server_state,
        "turns": [turn_to_dict(turn) for turn in conversation.turns.values()],
    }


def conversation_from_dict(data: dict[str, Any]) -> Conversation:
    if data.get("format") not in READABLE:
        raise ValueError(
            f"unknown conversation format {data.get('format')!r} (this version reads "
            f"{', '.join(map(str, READABLE))}; a newer jupyter_responses wrote it?)"
        )
    turns = [turn_from_dict(turn) for turn in data["turns"]]
    conversation = Conversation(
        id=data["id"],
        name=data.get("name", DEFAULT_THREAD),
        title=data["title"],
        system=data["system"],
        turns={turn.id: turn for turn in turns},
        head=data["head"],
        created=data["created"],
        server_state=bool(data.get("server_state", False)),
    )
    missing = {t.parent for t in turns if t.parent is not None} - set(conversation.turns)
    if missing or (conversation.head is not None and conversation.head not in conversation.turns):
        raise ValueError("the conversation's turns do not form a tree (a parent is missing)")
    return conversation
