"""The Assistants API, as far as ``%responses import-assistant`` reads it: create and get
an assistant, create and get a thread, add messages to it and list them (a cursor
page: ``order``, ``limit``, ``after``, ``before``).

Objects have the shapes OpenAI sends (``AssistantObject``, ``ThreadObject``,
``MessageObject``): a text part comes back as ``{"value", "annotations": []}``, image
parts as they were given, and a message made through these endpoints has no run
(``run_id`` and ``assistant_id`` null). Nothing here runs an assistant: a thread holds
what clients put in it, so the SDK's own create calls are how tests and demos seed it.
Every endpoint wants the ``OpenAI-Beta: assistants=v2`` header the SDK sends, and
refuses a request without it in the service's words.
"""

from __future__ import annotations

import secrets
import string
import time
from collections.abc import Mapping
from typing import Any

from .conversations import cursor_page
from .errors import invalid, not_found, too_long
from .state import EmulatorState, StoredThread

#: The ``OpenAI-Beta`` value the SDK sends with every Assistants API request.
BETA = "assistants=v2"
_NO_BETA = (
    "You must provide the 'OpenAI-Beta' header to access the Assistants API. Please try "
    "again by setting the header 'OpenAI-Beta: assistants=v2'."
)
_OLD_BETA = (
    "The v1 Assistants API has been deprecated. Please try again by setting the header "
    "'OpenAI-Beta: assistants=v2'."
)

_ASSISTANT_FIELDS = frozenset(
    {
        "model",
        "name",
        "description",
        "instructions",
        "reasoning_effort",
        "tools",
        "tool_resources",
        "metadata",
        "temperature",
        "top_p",
        "response_format",
    }
)
_THREAD_FIELDS = frozenset({"messages", "tool_resources", "metadata"})
_MESSAGE_FIELDS = frozenset({"role", "content", "attachments", "metadata"})
#: What the service fills into a ``file_search`` tool given without ranking options.
_RANKING = {"ranker": "default_2024_08_21", "score_threshold": 0.0}
#: The most tools an assistant may have, and list pages' largest ``limit``.
MAX_TOOLS = 128
MAX_LIMIT = 100
_ALPHABET = string.ascii_letters + string.digits


def new_id(prefix: str) -> str:
    """An id as the service writes them: ``asst_``, ``thread_``, ``msg_`` + 24 letters."""
    return f"{prefix}_{''.join(secrets.choice(_ALPHABET) for _ in range(24))}"


def check_beta(header: str | None) -> None:
    """A 400 ``invalid_beta`` unless ``header`` (``OpenAI-Beta``) asks for version 2."""
    betas = [beta.strip() for beta in (header or "").split(",")]
    if BETA in betas:
        return
    old = "assistants=v1" in betas
    raise invalid(_OLD_BETA if old else _NO_BETA, None, "invalid_beta")


# -- assistants ------------------------------------------------------------------------
def create_assistant(state: EmulatorState, body: Any) -> dict[str, Any]:
    body = _object(body, _ASSISTANT_FIELDS)
    model = body.get("model")
    if model is None:
        raise invalid("Missing required parameter: 'model'.", "model", "missing_required_parameter")
    assistant: dict[str, Any] = {
        "id": new_id("asst"),
        "object": "assistant",
        "created_at": int(time.time()),
        "name": _text(body, "name", 256),
        "description": _text(body, "description", 512),
        "model": _string(model, "model"),
        "instructions": _text(body, "instructions", 256_000),
        "tools": _tools(body.get("tools")),
        "tool_resources": _tool_resources(body.get("tool_resources")),
        "metadata": _metadata(body.get("metadata")),
        "temperature": _number(body, "temperature", 1.0),
        "top_p": _number(body, "top_p", 1.0),
        "response_format": body.get("response_format") or "auto",
    }
    with state.lock:
        state.assistants[assistant["id"]] = assistant
    return assistant


def get_assistant(state: EmulatorState, assistant_id: str) -> dict[str, Any]:
    with state.lock:
        found = state.assistants.get(assistant_id)
    if found is None:
        raise not_found(f"No assistant found with id '{assistant_id}'.")
    return found


def delete_assistant(state: EmulatorState, assistant_id: str) -> dict[str, Any]:
    """``assistant.deleted``, as the API answers (a 404 for an unknown id)."""
    return _deleted(state.assistants, "assistant", assistant_id, state)


def delete_thread(state: EmulatorState, thread_id: str) -> dict[str, Any]:
    """``thread.deleted``, its messages with it (a 404 for an unknown id)."""
    return _deleted(state.threads, "thread", thread_id, state)


def _deleted(kept: dict[str, Any], kind: str, key: str, state: EmulatorState) -> dict[str, Any]:
    with state.lock:
        found = kept.pop(key, None)
    if found is None:
        raise not_found(f"No {kind} found with id '{key}'.")
    return {"id": key, "object": f"{kind}.deleted", "deleted": True}


# -- threads and their messages ----------------------------------------------------------
def create_thread(state: EmulatorState, body: Any) -> dict[str, Any]:
    body = _object(body, _THREAD_FIELDS)
    thread: dict[str, Any] = {
        "id": new_id("thread"),
        "object": "thread",
        "created_at": int(time.time()),
        "metadata": _metadata(body.get("metadata")),
        "tool_resources": _tool_resources(body.get("tool_resources")),
    }
    given = body.get("messages")
    if given is not None and not isinstance(given, list):
        raise _wrong_type("messages", "an array", given)
    messages = [
        _message(thread["id"], raw, f"messages[{number}].")
        for number, raw in enumerate(given or [])
    ]
    with state.lock:
        state.threads[thread["id"]] = StoredThread(thread, messages)
    return thread


def _thread(state: EmulatorState, thread_id: str) -> StoredThread:
    with state.lock:
        found = state.threads.get(thread_id)
    if found is None:
        raise not_found(f"No thread found with id '{thread_id}'.")
    return found


def get_thread(state: EmulatorState, thread_id: str) -> dict[str, Any]:
    return _thread(state, thread_id).thread


def add_message(state: EmulatorState, thread_id: str, body: Any) -> dict[str, Any]:
    stored = _thread(state, thread_id)
    message = _message(thread_id, body)
    with state.lock:
        stored.messages.append(message)
    return message


def list_messages(state: EmulatorState, thread_id: str, query: Mapping[str, str]) -> dict[str, Any]:
    """A cursor page of the thread's messages: ``order`` (``desc`` by default, newest
    first), ``limit`` (1-100, default 20), ``after`` (continue after that message),
    ``before`` (the page that ends just before it) and ``run_id``."""
    stored = _thread(state, thread_id)
    with state.lock:
        messages = list(stored.messages)
    order = query.get("order", "desc")
    if order not in ("asc", "desc"):
        raise invalid(
            f"Invalid value: '{order}'. Supported values are: 'asc' and 'desc'.",
            "order",
            "invalid_value",
        )
    ordered = messages if order == "asc" else messages[::-1]
    if "run_id" in query:
        ordered = [m for m in ordered if m["run_id"] == query["run_id"]]
    limit = _limit(query.get("limit", "20"))
    if query.get("after"):
        ordered = ordered[_position(ordered, query["after"], "after") + 1 :]
    if query.get("before"):
        ordered = ordered[: _position(ordered, query["before"], "before")]
        data = ordered[-limit:]
    else:
        data = ordered[:limit]
    return cursor_page(data, len(ordered) > limit)


def _limit(raw: str) -> int:
    try:
        limit = int(raw)
    except ValueError:
        raise invalid(
            f"Invalid 'limit': expected an integer, but got '{raw}' instead.",
            "limit",
            "invalid_type",
        ) from None
    if not 1 <= limit <= MAX_LIMIT:
        raise invalid(
            f"Invalid 'limit': expected an integer from 1 to {MAX_LIMIT}, but got {limit}.",
            "limit",
            "invalid_value",
        )
    return limit


def _position(messages: list[dict[str, Any]], message_id: str, cursor: str) -> int:
    ids = [m["id"] for m in messages]
    if message_id not in ids:
        raise invalid(f"Invalid '{cursor}': no message with id '{message_id}'.", cursor)
    return ids.index(message_id)


def _message(thread_id: str, body: Any, where: str = "") -> dict[str, Any]:
    """A message object from a ``CreateMessageRequest`` (``where``: its place in the
    request, for the error's ``param``)."""
    body = _object(body, _MESSAGE_FIELDS, where)
    role = body.get("role")
    if role is None or body.get("content") is None:
        missing = "role" if role is None else "content"
        raise invalid(
            f"Missing required parameter: '{where}{missing}'.",
            f"{where}{missing}",
            "missing_required_parameter",
        )
    if role not in ("user", "assistant"):
        raise invalid(
            f"Invalid value: '{role}'. Supported values are: 'user' and 'assistant'.",
            f"{where}role",
            "invalid_value",
        )
    attachments = body.get("attachments")
    if attachments is not None and not isinstance(attachments, list):
        raise _wrong_type(f"{where}attachments", "an array", attachments)
    now = int(time.time())
    return {
        "id": new_id("msg"),
        "object": "thread.message",
        "created_at": now,
        "assistant_id": None,
        "thread_id": thread_id,
        "run_id": None,
        "role": role,
        "content": _content(body["content"], f"{where}content"),
        "attachments": attachments or [],
        "metadata": _metadata(body.get("metadata"), f"{where}metadata"),
        "status": "completed",
        "incomplete_details": None,
        "completed_at": now,
        "incomplete_at": None,
    }


def _content(content: Any, param: str) -> list[dict[str, Any]]:
    """A message's content as the service stores it: text as ``{"value",
    "annotations"}``, image parts (``image_file``, ``image_url``) as given."""
    if isinstance(content, str):
        return [_text_part(content)]
    if not isinstance(content, list):
        raise _wrong_type(param, "a string or an array", content)
    if not content:
        raise invalid(
            f"Invalid '{param}': empty array. Expected an array with minimum length 1, but "
            "got an empty array instead.",
            param,
            "empty_array",
        )
    parts = []
    for number, part in enumerate(content):
        kind = part.get("type") if isinstance(part, dict) else None
        where = f"{param}[{number}]"
        if kind == "text" and isinstance(part.get("text"), str):
            parts.append(_text_part(part["text"]))
        elif kind in _IMAGE_PARTS:
            image = part.get(kind)
            key = _IMAGE_PARTS[kind]
            if not isinstance(image, dict) or not isinstance(image.get(key), str):
                missing = f"{where}.{kind}.{key}"
                raise invalid(
                    f"Missing required parameter: '{missing}'.",
                    missing,
                    "missing_required_parameter",
                )
            parts.append({"type": kind, kind: dict(image)})
        elif kind == "text":
            raise invalid(
                f"Missing required parameter: '{where}.text'.",
                f"{where}.text",
                "missing_required_parameter",
            )
        else:
            raise invalid(
                f"Invalid value: '{kind}'. Supported values are: 'text', 'image_file', and "
                "'image_url'.",
                f"{where}.type",
                "invalid_value",
            )
    return parts


#: An image part's type -> the field its object must have.
_IMAGE_PARTS = {"image_file": "file_id", "image_url": "url"}


def _text_part(text: str) -> dict[str, Any]:
    return {"type": "text", "text": {"value": text, "annotations": []}}


# -- tools and their resources ---------------------------------------------------------------
def _tools(tools: Any) -> list[dict[str, Any]]:
    """The tools as the service returns them: a function's ``strict`` and a file
    search's ranking options filled in."""
    if tools is None:
        return []
    if not isinstance(tools, list):
        raise _wrong_type("tools", "an array", tools)
    if len(tools) > MAX_TOOLS:
        raise too_long("tools", tools, MAX_TOOLS)
    out = []
    for number, tool in enumerate(tools):
        kind = tool.get("type") if isinstance(tool, dict) else None
        if kind == "code_interpreter":
            out.append({"type": kind})
        elif kind == "file_search":
            options = tool.get("file_search") or {}
            out.append({"type": kind, "file_search": {"ranking_options": _RANKING, **options}})
        elif kind == "function":
            function = tool.get("function")
            if not isinstance(function, dict) or not isinstance(function.get("name"), str):
                param = f"tools[{number}].function.name"
                raise invalid(
                    f"Missing required parameter: '{param}'.", param, "missing_required_parameter"
                )
            out.append({"type": kind, "function": {"strict": False, **function}})
        else:
            raise invalid(
                f"Invalid value: '{kind}'. Supported values are: 'code_interpreter', "
                "'file_search', and 'function'.",
                f"tools[{number}].type",
                "invalid_value",
            )
    return out


def _tool_resources(resources: Any) -> dict[str, Any]:
    """``code_interpreter.file_ids`` (at most 20) and ``file_search.vector_store_ids``
    (at most one; ``vector_stores`` asks for one to be made, which gets an id here)."""
    if resources is None:
        return {}
    if not isinstance(resources, dict):
        raise _wrong_type("tool_resources", "an object", resources)
    out: dict[str, Any] = {}
    code = resources.get("code_interpreter")
    if isinstance(code, dict):
        files = _ids(code.get("file_ids"), "tool_resources.code_interpreter.file_ids", 20)
        out["code_interpreter"] = {"file_ids": files}
    search = resources.get("file_search")
    if isinstance(search, dict):
        param = "tool_resources.file_search.vector_store_ids"
        stores = _ids(search.get("vector_store_ids"), param, 1)
        made = search.get("vector_stores")
        stores += [new_id("vs") for _ in made] if isinstance(made, list) else []
        if len(stores) > 1:
            raise too_long(param, stores, 1)
        out["file_search"] = {"vector_store_ids": stores}
    return out


def _ids(value: Any, param: str, most: int) -> list[str]:
    if value is None:
        return []
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise _wrong_type(param, "an array of strings", value)
    if len(value) > most:
        raise too_long(param, value, most)
    return list(value)


# -- fields ----------------------------------------------------------------------------------
def _object(body: Any, allowed: frozenset[str], where: str = "") -> dict[str, Any]:
    """``body`` as an object with none but the ``allowed`` fields (``additionalProperties:
    false`` in the spec: the service names the first stranger)."""
    if body is None:
        return {}
    if not isinstance(body, dict):
        raise _wrong_type(where.rstrip(".") or "body", "an object", body)
    for key in body:
        if key not in allowed:
            raise invalid(f"Unrecognized request argument supplied: {where}{key}")
    return body


def _string(value: Any, param: str) -> str:
    if not isinstance(value, str):
        raise _wrong_type(param, "a string", value)
    return value


def _text(body: dict[str, Any], key: str, most: int) -> str | None:
    value = body.get(key)
    if value is None:
        return None
    value = _string(value, key)
    if len(value) > most:
        raise too_long(key, value, most)
    return value


def _number(body: dict[str, Any], key: str, default: float) -> float:
    value = body.get(key)
    if value is None:
        return default
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise _wrong_type(key, "a number", value)
    return float(value)


def _metadata(value: Any, param: str = "metadata") -> dict[str, str]:
    if value is None:
        return {}
    if not isinstance(value, dict) or len(value) > 16:
        raise invalid(f"Invalid '{param}': at most 16 string key-value pairs.", param)
    return {str(k): str(v) for k, v in value.items()}


def _wrong_type(param: str, expected: str, value: Any) -> Exception:
    names = {str: "a string", list: "an array", dict: "an object", bool: "a boolean"}
    got = names.get(type(value), "a number" if isinstance(value, int | float) else "null")
    return invalid(
        f"Invalid type for '{param}': expected {expected}, but got {got} instead.",
        param,
        "invalid_type",
    )
