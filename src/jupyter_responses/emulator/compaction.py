"""Compaction: ``POST /v1/responses/compact``, and the ``compaction`` item it returns
read back as input.

As OpenAI documents it, a compacted response is "a list of all user messages, followed
by a single compaction item" whose ``encrypted_content`` is opaque. The emulator's is
``gAAAAA`` (the start of every real one) followed by the URL-safe base64 of a JSON
object: the conversation as the default model reads it (``messages``, ``call_ids``),
a short ``summary`` of it, and ``check``, a SHA-256 of the rest, so a garbled or
hand-made item is refused with the API's 400 ``invalid_encrypted_content``.

A later request with the user messages and the compaction item restores the whole
conversation for the model (it "remembers", and its echo counts the earlier turns),
but the restored turns take only the summary's tokens in the context: that is what
compaction is for.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import time
from typing import TYPE_CHECKING, Any

from .dialogue import Message
from .errors import ApiError, invalid
from .responses_events import new_id
from .usage import count_tokens, input_tokens, prompt_text

if TYPE_CHECKING:
    from .responses_api import ResponseRun

PREFIX = "gAAAAA"
KIND = "jupyter_responses.emulator.compaction"
VERSION = 1
_FIELDS = ("role", "text", "tool_name", "tool_calls", "attachments", "parts")


def compacted(run: ResponseRun, items: list[dict[str, Any]]) -> dict[str, Any]:
    """The ``response.compaction`` object for ``run`` (the compact request read like a
    ``POST /v1/responses``: its chain and input) whose items, oldest first, are
    ``items``: every user message, then one compaction item; usage for the pass."""
    messages = run.messages
    users = [
        {
            "id": new_id("msg"),
            "type": "message",
            "status": "completed",
            "role": "user",
            "content": item["content"],
        }
        for item in items
        if item.get("type") == "message" and item.get("role") == "user"
    ]
    said = summary(messages)
    item = {"id": new_id("cmp"), "type": "compaction", "encrypted_content": encode(run, said)}
    instructions = run.body.get("instructions")
    prompt = prompt_text(instructions, messages)
    tokens = input_tokens(instructions, messages)
    key = run.body.get("prompt_cache_key")
    cache = run.state.prompt_cache.use(run.body["model"], key, prompt, tokens)
    wrote = count_tokens(said)
    return {
        "id": new_id("resp"),
        "object": "response.compaction",
        "created_at": int(time.time()),
        "output": [*users, item],
        "usage": {
            "input_tokens": tokens,
            "input_tokens_details": {
                "cached_tokens": cache.cached_tokens,
                "cache_write_tokens": cache.cache_write_tokens,
            },
            "output_tokens": wrote,
            "output_tokens_details": {"reasoning_tokens": 0},
            "total_tokens": tokens + wrote,
        },
    }


def summary(messages: list[Message]) -> str:
    """What the emulator's compaction "writes": a line saying what it stands for. Its
    tokens are what the restored conversation costs in a later context."""
    users = sum(1 for m in messages if m.role == "user")
    answers = sum(1 for m in messages if m.role == "assistant" and m.text)
    results = sum(1 for m in messages if m.role == "tool")
    called = sorted({name for m in messages for name in m.tool_calls if name})
    line = (
        f"Earlier: {_plural(users, 'user turn')}, {_plural(answers, 'answer')}, "
        f"{_plural(results, 'tool result')}"
    )
    return line + (f"; tools called: {', '.join(called)}." if called else ".")


def encode(run: ResponseRun, said: str) -> str:
    """The ``encrypted_content`` of ``run``'s compaction: opaque to clients, but plain
    enough to read when debugging (strip ``PREFIX``, base64-decode: JSON)."""
    body = {
        "type": KIND,
        "version": VERSION,
        "model": run.body["model"],
        "summary": said,
        "messages": [{name: getattr(m, name) for name in _FIELDS} for m in run.messages],
        "call_ids": run.call_ids,
    }
    body["check"] = _check(body)
    return PREFIX + base64.urlsafe_b64encode(json.dumps(body).encode()).decode()


def _check(body: dict[str, Any]) -> str:
    """What makes a changed byte show: a hash of everything but itself."""
    rest = {k: v for k, v in body.items() if k != "check"}
    return hashlib.sha256(json.dumps(rest, sort_keys=True).encode()).hexdigest()


def read(content: Any, item_id: str | None) -> dict[str, Any]:
    """The payload of a compaction item's ``encrypted_content`` (one the emulator made,
    unchanged), else the API's 400."""
    try:
        if not isinstance(content, str) or not content.startswith(PREFIX):
            raise ValueError("not ours")
        raw = base64.urlsafe_b64decode(content[len(PREFIX) :].encode())
        body = json.loads(raw)
        if not isinstance(body, dict) or body.get("type") != KIND or body["check"] != _check(body):
            raise ValueError("not ours")
        for entry in body["messages"]:
            Message(**{name: entry[name] for name in _FIELDS})
        if not isinstance(body["call_ids"], dict):
            raise ValueError("not ours")
    except (ValueError, KeyError, TypeError, binascii.Error):
        raise unverified(content, item_id) from None
    return body


def unverified(content: Any, item_id: str | None) -> ApiError:
    """OpenAI's 400 for encrypted content it cannot read (with ``param`` null, as sent)."""
    if item_id:
        what = f"for item {item_id}"
    else:
        text = content if isinstance(content, str) else ""
        what = f"{text[:4]}...{text[-4:]}"
    return ApiError(
        400,
        f"The encrypted content {what} could not be verified. Reason: Encrypted content "
        "could not be decrypted or parsed.",
        "invalid_request_error",
        "invalid_encrypted_content",
        None,
    )


def check_item(item: dict[str, Any], where: str) -> None:
    """A compaction item as a request sends it: ``encrypted_content`` present and
    readable (checked before anything else, as the API does)."""
    if "encrypted_content" not in item:
        raise invalid(
            f"Missing required parameter: '{where}.encrypted_content'.",
            f"{where}.encrypted_content",
            "missing_required_parameter",
        )
    read(item["encrypted_content"], item.get("id"))


def expand(item: dict[str, Any], before: list[Message], call_ids: dict[str, str]) -> list[Message]:
    """The messages a compaction item stands for, oldest first, to follow ``before``
    (the messages sent ahead of it). The copies of its user messages that the
    compacted output put just before it are folded back in (taken off ``before``):
    they count in full, as they were sent; every other restored message counts as
    nothing but the summary, which the last one carries."""
    payload = read(item.get("encrypted_content"), item.get("id"))
    restored = [Message(**{name: e[name] for name in _FIELDS}) for e in payload["messages"]]
    call_ids.update(payload["call_ids"])
    users = [m for m in restored if m.role == "user"]
    sent: list[Message] = []
    while (
        before
        and len(sent) < len(users)
        and before[-1].role == "user"
        and before[-1].text == users[-1 - len(sent)].text
    ):
        before.pop()
        sent.append(users[-1 - len(sent)])
    for message in restored:
        message.counted_as = message.text if any(message is m for m in sent) else ""
    if restored:
        restored[-1].counted_as = (restored[-1].counted_as or "") + payload["summary"]
    return restored


def _plural(count: int, noun: str) -> str:
    return f"{count} {noun}{'' if count == 1 else 's'}"
