"""Conversations as plain JSON-able dicts and back, losslessly: the one format the
``.json`` export and the SQLite store share.

Every field of ``Turn`` and ``Conversation`` is data already (strings, numbers, lists,
dicts); ``Usage`` is the one nested dataclass. ``FORMAT`` is bumped, with a migration
in ``conversation_from_dict``, whenever a field changes meaning.
"""

from __future__ import annotations

import dataclasses
from typing import Any

from .conversation import DEFAULT_THREAD, Conversation, Turn
from .events import Usage

FORMAT = 2
#: Formats ``conversation_from_dict`` still reads (1 had no thread ``name``).
READABLE = (1, 2)


def turn_to_dict(turn: Turn) -> dict[str, Any]:
    return dataclasses.asdict(turn)


def turn_from_dict(data: dict[str, Any]) -> Turn:
    known = {f.name for f in dataclasses.fields(Turn)}
    fields = {key: value for key, value in data.items() if key in known}
    fields["usage"] = Usage(**data.get("usage", {}))
    return Turn(**fields)


def conversation_to_dict(conversation: Conversation) -> dict[str, Any]:
    return {
        "format": FORMAT,
        "id": conversation.id,
        "name": conversation.name,
        "title": conversation.title,
        "system": conversation.system,
        "head": conversation.head,
        "created": conversation.created,
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
    )
    missing = {t.parent for t in turns if t.parent is not None} - set(conversation.turns)
    if missing or (conversation.head is not None and conversation.head not in conversation.turns):
        raise ValueError("the conversation's turns do not form a tree (a parent is missing)")
    return conversation
