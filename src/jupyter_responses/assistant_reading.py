"""Reading an assistant of the Assistants API, and one of its threads, into plain
records: what ``assistant_import`` builds a conversation from, so that nothing past
here knows the SDK's Assistants types (or that they are deprecated).

The assistant's tools are read as what they become in a ``%%respond`` line: its code
interpreter and file search are built-in tools here, the vector stores file search
searches (the assistant's and the thread's, as a run joins them) go to
``--vector-store``, its functions are names the user defines in Python. A message's
image parts are named in its text, so none is silently lost.
"""

from __future__ import annotations

import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any, Literal, TypedDict
from urllib.parse import urlsplit

from . import builtin_tools
from .backends.errors import mapped_errors
from .errors import NotFound
from .lenient import text_of
from .transcript import CitationRecord

if TYPE_CHECKING:
    from openai import OpenAI

#: Messages asked for per page (the API's largest page).
PAGE_SIZE = 100
#: The Assistants API's tool types that are built-in tools here, by their ``--tools`` name.
BUILTIN_EQUIVALENTS = {
    "code_interpreter": builtin_tools.CODE_INTERPRETER.name,
    "file_search": builtin_tools.FILE_SEARCH.name,
}


class FunctionRecord(TypedDict):
    """A function tool of the assistant: what the user's Python function must be."""

    name: str
    parameters: list[str]


class ToolMap(TypedDict):
    """The assistant's tools as ``%%respond`` options. ``code_files``: files the
    assistant's code interpreter held, which a new container does not have;
    ``unknown``: tool types with no equivalent here."""

    builtins: list[str]
    vector_stores: list[str]
    functions: list[FunctionRecord]
    code_files: list[str]
    unknown: list[str]


class AssistantRecord(TypedDict):
    """The assistant: ``instructions`` and ``name`` are ``""`` when it has none."""

    id: str
    name: str
    model: str
    instructions: str
    tools: ToolMap


class MessageRecord(TypedDict):
    """One thread message. ``text``: its text parts joined, each image part named in
    brackets (``[image file file-abc]``) so none is silently lost; ``attachments``:
    the files it gave the assistant's tools, as ``file-abc (file_search)``."""

    role: Literal["user", "assistant"]
    text: str
    refusal: str
    incomplete: bool
    created: float
    citations: list[CitationRecord]
    attachments: list[str]


def fetch(
    client: OpenAI, assistant_id: str, thread_id: str | None, page_size: int = PAGE_SIZE
) -> tuple[AssistantRecord, float | None, list[MessageRecord]]:
    """The assistant, when the thread was created, and its messages oldest first
    (through every page). The thread's own tool resources (vector stores, files) join
    the assistant's, as the Assistants API joins them for a run."""
    with _deprecated_calls(), mapped_errors(client):
        with _named(client, "assistant", assistant_id):
            assistant = client.beta.assistants.retrieve(assistant_id)
        record = _assistant(assistant)
        if thread_id is None:
            return record, None, []
        with _named(client, "thread", thread_id):
            thread = client.beta.threads.retrieve(thread_id)
            pages = client.beta.threads.messages.list(thread_id, order="asc", limit=page_size)
            messages = [_message(m) for m in pages]  # iterating fetches the next pages
    _add_resources(record["tools"], getattr(thread, "tool_resources", None))
    return record, float(thread.created_at), messages


@contextmanager
def _deprecated_calls() -> Iterator[None]:
    """The SDK marks the whole Assistants API deprecated. Reading it once, to move off
    it, is this command's job: the warning would only be noise (or, under a test run's
    warnings-as-errors, a failure)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        yield


@contextmanager
def _named(client: OpenAI, kind: str, ref: str) -> Iterator[None]:
    """A 404 said as what is missing: no such assistant (or thread), or, when the
    server's answer does not name the id, a server without the Assistants API."""
    import openai

    try:
        yield
    except openai.NotFoundError as error:
        body = error.body if isinstance(error.body, dict) else {}
        said = " ".join(str(body.get("message") or error.message).split()).rstrip(".")
        host = urlsplit(str(client.base_url)).hostname or str(client.base_url)
        if ref in said:
            message = (
                f"{host} has no {kind} {ref} (404: {said}). Check the id, and that the API "
                f"key belongs to the project the {kind} was made in."
            )
        else:
            message = (
                f"{host} answered 404 when asked for {kind} {ref} ({said}): it may not serve "
                "the Assistants API. Import from the server the assistant lives on."
            )
        raise NotFound(message, 404, getattr(error, "code", None)) from None


def _assistant(assistant: Any) -> AssistantRecord:
    tools = ToolMap(builtins=[], vector_stores=[], functions=[], code_files=[], unknown=[])
    for tool in assistant.tools or []:
        kind = text_of(getattr(tool, "type", None))
        if kind in BUILTIN_EQUIVALENTS:
            _add(tools["builtins"], [BUILTIN_EQUIVALENTS[kind]])
        elif kind == "function":
            tools["functions"].append(_function(tool.function))
        else:
            _add(tools["unknown"], [kind or "?"])
    _add_resources(tools, assistant.tool_resources)
    return AssistantRecord(
        id=assistant.id,
        name=assistant.name or "",
        model=assistant.model,
        instructions=assistant.instructions or "",
        tools=tools,
    )


def _function(function: Any) -> FunctionRecord:
    schema = getattr(function, "parameters", None) or {}
    properties = schema.get("properties") if isinstance(schema, dict) else None
    return FunctionRecord(
        name=function.name,
        parameters=list(properties) if isinstance(properties, dict) else [],
    )


def _add_resources(tools: ToolMap, resources: Any) -> None:
    """The vector stores file search searches, and the files code interpreter had."""
    search = getattr(resources, "file_search", None)
    _add(tools["vector_stores"], getattr(search, "vector_store_ids", None) or [])
    code = getattr(resources, "code_interpreter", None)
    _add(tools["code_files"], getattr(code, "file_ids", None) or [])


def _add(into: list[str], values: list[str]) -> None:
    into.extend(v for v in values if v not in into)


def _message(message: Any) -> MessageRecord:
    texts: list[str] = []
    refusals: list[str] = []
    citations: list[CitationRecord] = []
    for part in message.content or []:
        kind = getattr(part, "type", None)
        if kind == "text":
            texts.append(part.text.value)
            citations += _citations(part.text.annotations or [], citations)
        elif kind == "image_file":
            texts.append(f"[image file {part.image_file.file_id}]")
        elif kind == "image_url":
            texts.append(f"[image {part.image_url.url}]")
        elif kind == "refusal":
            refusals.append(part.refusal)
        else:
            texts.append(f"[{kind} part]")
    attachments = [
        f"{a.file_id} ({', '.join(t.type for t in a.tools or []) or 'no tool'})"
        for a in message.attachments or []
        if a.file_id
    ]
    return MessageRecord(
        role=message.role,
        text="\n\n".join(t for t in texts if t),
        refusal="\n\n".join(refusals),
        incomplete=message.status == "incomplete",
        created=float(message.created_at),
        citations=citations,
        attachments=attachments,
    )


def _citations(annotations: list[Any], known: list[CitationRecord]) -> list[CitationRecord]:
    """The files a text cites (``file_search``), once each."""
    seen = {c.get("file") for c in known}
    found: list[CitationRecord] = []
    for annotation in annotations:
        cited = getattr(getattr(annotation, "file_citation", None), "file_id", None)
        if isinstance(cited, str) and cited not in seen:
            seen.add(cited)
            found.append({"url": "", "title": cited, "file": cited})
    return found
