"""Building conversations for tests."""

from __future__ import annotations

from collections.abc import Iterable

from jupyter_responses.conversation import Conversation, Turn


def chained(conversation: Conversation, turns: Iterable[Turn]) -> Conversation:
    """Append ``turns`` one after another (each continues the last), each lasting 1 s."""
    for turn in turns:
        turn.parent = conversation.head
        turn.finished = turn.started + 1
        conversation.append(turn)
    return conversation
