"""The typed records a ``Turn`` keeps: its transcript entries, the tool calls the user
saw, its attachments and citations.

They are ``TypedDict``s, not classes, because they are stored and exported as the
plain JSON they are (``serialize``): old ``.json`` exports and SQLite rows load as
they always did, and mypy still catches a renamed field or a status that drifted.
Nothing here knows an API: provider items ride along opaque (``ProviderItem``), for
the backend that made them to resend.
"""

from __future__ import annotations

from typing import Any, Literal, TypedDict

#: Where a turn stands. ``incomplete``: cut off by the output token limit; ``stopped``:
#: ended at ``--max-tool-rounds`` with the model still calling tools. Only
#: ``completed``, ``incomplete`` and ``stopped`` turns are context for later turns;
#: ``failed`` and ``interrupted`` ones stay visible but are never sent.
TurnStatus = Literal["running", "completed", "incomplete", "stopped", "failed", "interrupted"]

#: Where a tool call stands, as the user sees it: ``running`` (streaming, or a local
#: function being run), ``requested`` (the model asked; not run yet), ``done``,
#: ``error`` (it raised, or could not run), ``denied`` (the user said no), and for a
#: call still open when its turn stopped, ``interrupted`` (the user stopped it) or
#: ``not finished`` (the turn failed around it).
CallStatus = Literal[
    "running", "requested", "done", "error", "denied", "interrupted", "not finished"
]

#: A provider's own item (a Responses ``reasoning`` item with ``encrypted_content``,
#: a built-in tool's output item), kept as sent so its backend can resend it. No
#: code outside ``backends/`` reads into it.
ProviderItem = dict[str, Any]


class _MessageRequired(TypedDict):
    type: Literal["message"]
    text: str


class MessageEntry(_MessageRequired, total=False):
    """An assistant message; ``phase`` (``commentary`` or ``final_answer``) when the
    server labelled it, kept to be resent as it came."""

    phase: str


class RefusalEntry(TypedDict):
    type: Literal["refusal"]
    text: str


class FunctionCallEntry(TypedDict):
    type: Literal["function_call"]
    call_id: str
    name: str
    arguments: str


class FunctionCallOutputEntry(TypedDict):
    type: Literal["function_call_output"]
    call_id: str
    output: str


class ReasoningEntry(TypedDict):
    type: Literal["reasoning"]
    summary: str
    item: ProviderItem


class BuiltinEntry(TypedDict):
    """A built-in tool's item: ``name`` is its item type."""

    type: Literal["builtin"]
    name: str
    item: ProviderItem


#: One entry of ``Turn.output``, the neutral transcript either backend rebuilds
#: history from.
Entry = (
    MessageEntry
    | RefusalEntry
    | FunctionCallEntry
    | FunctionCallOutputEntry
    | ReasoningEntry
    | BuiltinEntry
)


class Source(TypedDict):
    """A page a search read or cited."""

    url: str
    title: str


class Hit(TypedDict):
    """One passage a file search found."""

    file: str
    score: float
    text: str


class CallDetail(TypedDict, total=False):
    """What a built-in tool reported, in neutral fields: its declaration
    (``builtin_tools``) fills them from the server's item; views show each field the
    same way whatever the tool."""

    query: str  # what was searched for
    queries: list[str]
    action: str  # one line on what a step did that is not a query ("opened https://…")
    sources: list[Source]
    code: str
    language: str  # of ``code``
    logs: str
    hits: list[Hit]
    images: list[str]  # URLs (http(s) or data:) of images it produced
    prompt: str  # the prompt an image model actually used
    server: str  # the MCP server that ran it
    tools: list[str]  # tools a server offers


class _CallRequired(TypedDict):
    call_id: str
    name: str
    kind: str  # "function", or the item type of a built-in tool
    arguments: str
    status: CallStatus


class CallRecord(_CallRequired, total=False):
    """One tool call as the user saw it (``Turn.calls``)."""

    output: str | None
    error: str | None
    seconds: float
    detail: CallDetail


class _AttachmentRequired(TypedDict):
    kind: Literal["image", "document"]
    name: str
    mime: str
    size: int


class AttachmentRecord(_AttachmentRequired, total=False):
    """A file sent with a prompt, by reference: the bytes live in ``FileStore``."""

    sha256: str
    url: str  # a file passed by URL (sent as it is, never fetched)


class _ContextItemRequired(TypedDict):
    label: str  # "cell [3]", "vars (12 variables)", "df (DataFrame 300 x 4)"
    chars: int  # the size of its text in the message


class ContextItemRecord(_ContextItemRequired, total=False):
    """One item of the notebook a turn's message carried (a line of its "Context")."""

    note: str  # "shortened", "redacted 1 value", "image attached"


class ContextRecord(TypedDict):
    """What of the notebook a turn's user message carried (``--context``): the labelled
    text sent before the prompt (so later turns and exports carry it too), an entry per
    item, and what was trimmed or redacted. Images it attached are ``attachments``."""

    specs: list[str]
    text: str
    items: list[ContextItemRecord]
    notes: list[str]


class _CitationRequired(TypedDict):
    url: str  # "" for a file
    title: str


class CitationRecord(_CitationRequired, total=False):
    """A source the answer cites: a web page, or a file (``file``: its id)."""

    file: str


def image_record(data: str, mime: str = "image/png") -> str:
    """How ``Turn.images`` keeps an image: a PNG as its bare base64 (as always), any
    other type as a ``data:`` URL, so its type is never lost."""
    return data if mime == "image/png" else f"data:{mime};base64,{data}"


def image_parts(record: str) -> tuple[str, str]:
    """``(mime, base64 data)`` of an entry of ``Turn.images``."""
    if record.startswith("data:") and ";base64," in record:
        head, data = record.split(";base64,", 1)
        return head.removeprefix("data:"), data
    return "image/png", record
