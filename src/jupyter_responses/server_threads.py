"""Threads that keep their state on the server, in the Conversations API.

A server-side conversation is a list of items, and our conversation is a tree. The two
meet by one rule: a turn continues the server-side conversation its parent turn left
(``conversation=`` instead of ``previous_response_id``) only while that conversation
still ends with the parent: no later turn has added to it. A regenerated turn, a fork,
a turn after a failed one or after a Chat Completions turn finds it moved on (or
missing), so the Responses backend copies the branch into a new server-side
conversation and continues there. Each turn records the conversation that holds it
(``Turn.server_conversation``), so a restarted kernel, an imported export or another
machine (``%responses import-conversation``) continues where the last turn left off.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from .backends.errors import mapped_errors
from .backends.responses import ResponsesBackend
from .conversation import Conversation, Turn
from .errors import OptionsError
from .threads import check_name

if TYPE_CHECKING:
    from .session import Session


def continuable(conversation: Conversation, parent: str | None) -> str | None:
    """The server-side conversation a turn after ``parent`` may continue, or ``None``
    when one must be made (of the branch so far)."""
    if parent is None:
        return None
    last = conversation.turns[parent]
    held = last.server_conversation
    if held is None or not last.in_context():
        return None
    moved_on = any(
        turn.server_conversation == held and turn.id != last.id and turn.started > last.started
        for turn in conversation.turns.values()
    )
    return None if moved_on else held


def latest(conversation: Conversation) -> str | None:
    """The server-side conversation the head's branch continues, if any: what another
    machine would import to carry on."""
    head = conversation.head
    return continuable(conversation, head) if head is not None else None


# -- another machine: a server-side conversation opened as a thread -----------------------
#: What a Conversations API id may be, checked before it goes into a URL path.
_ID = re.compile(r"conv_[A-Za-z0-9_-]{1,200}")


@dataclass
class Imported:
    """The thread made of a server-side conversation, and what it could not show."""

    conversation: Conversation
    items: int
    kept_on_server: dict[str, int] = field(default_factory=dict)  # item type -> count


def import_into(session: Session, conversation_id: str, name: str | None = None) -> Imported:
    """Read every item of ``conversation_id`` (oldest first) and open it as a new
    server-side thread of ``session`` (named ``name``, else after the id), now
    current: its next ``%%respond`` turn continues that conversation."""
    conversation_id = conversation_id.strip()
    if not _ID.fullmatch(conversation_id):
        raise OptionsError(
            f"{conversation_id[:60]!r} is not a Conversations API id: they look like "
            "conv_abc123 (%responses status shows a server-side thread's)."
        )
    if name is not None:
        check_name(name)  # before anything is asked of the server
    client = session.connection.client()
    with mapped_errors(client, session.settings().model):
        pages = client.conversations.items.list(conversation_id, order="asc", limit=100)
        items = [item.model_dump(mode="json", exclude_none=True) for item in pages]
    imported = build(
        items, conversation_id, name or f"conv-{conversation_id[5:17]}", session.settings().model
    )
    session.switch(lambda: session.threads.adopt(imported.conversation))
    return imported


def build(items: list[dict[str, Any]], conversation_id: str, name: str, model: str) -> Imported:
    """The thread: each user message (with what follows it up to the next one) a turn
    of the Responses API, the last holding the conversation. Items other than messages
    (reasoning, tool calls) stay on the server, which sends them on; they are counted."""
    conversation = Conversation(name=name, server_state=True)
    imported = Imported(conversation, len(items))
    turns: list[Turn] = []
    for item in items:
        kind = str(item.get("type", "message"))
        if kind == "message" and item.get("role") in ("user", "developer", "system"):
            prompt = _text(item)
            if turns and not turns[-1].output:  # prompts in a row make one turn's message
                turns[-1].prompt = f"{turns[-1].prompt}\n\n{prompt}".strip()
            else:
                turns.append(Turn(api=ResponsesBackend.api, model=model, prompt=prompt))
            continue
        if not turns:  # the conversation begins with the assistant
            turns.append(Turn(api=ResponsesBackend.api, model=model, prompt=""))
        turn = turns[-1]
        if kind == "message" and item.get("role") == "assistant":
            text = _text(item)
            if text:
                turn.output.append({"type": "message", "text": text})
                turn.text = f"{turn.text}\n\n{text}" if turn.text else text
        else:
            imported.kept_on_server[kind] = imported.kept_on_server.get(kind, 0) + 1
    for turn in turns:
        turn.status = "completed"
        turn.parent = conversation.head
        turn.finished = turn.started
        conversation.append(turn)
    if turns:
        turns[-1].server_conversation = conversation_id
    return imported


def _text(item: dict[str, Any]) -> str:
    """A message's text: its text parts joined (an image or file shows as its kind)."""
    content = item.get("content")
    if isinstance(content, str):
        return content
    parts: list[str] = []
    for part in content if isinstance(content, list) else []:
        if not isinstance(part, dict):
            continue
        text = part.get("text") or part.get("refusal")
        if isinstance(text, str):
            parts.append(text)
        elif part.get("type"):
            parts.append(f"[{part['type']}]")
    return "\n\n".join(parts)


def summary(imported: Imported) -> str:
    """What was imported, and how it continues: a few lines for the cell."""
    conversation = imported.conversation
    turns = len(conversation.turns)
    held = latest(conversation)
    lines = [
        f"Imported {imported.items} item{'s' * (imported.items != 1)} as thread "
        f"{conversation.name!r}, now current: {turns} turn{'s' * (turns != 1)}.",
        f"Its next %%respond turn continues the server-side conversation {held}."
        if held
        else "It holds no turn yet: its next %%respond turn starts a server-side conversation.",
    ]
    if imported.kept_on_server:
        kinds = ", ".join(f"{count} {kind}" for kind, count in imported.kept_on_server.items())
        lines.append(
            f"Not shown here ({kinds}): they stay on the server, which sends them on with "
            "the conversation; a fork of an earlier turn resends the messages only."
        )
    return "\n".join(lines)
