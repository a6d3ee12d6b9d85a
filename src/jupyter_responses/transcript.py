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
    """A call of a tool the kernel runs, with JSON ``arguments``."""

    type: Literal["function_call"]
    call_id: str
    name: str
    arguments: str


class CustomCallEntry(TypedDict):
    """A call of a freeform tool the kernel runs (the python tool, where the API has
    freeform tools): its ``input`` is raw text (the code), not JSON."""

    type: Literal["custom_call"]
    call_id: str
    name: str
    input: str


class _FunctionCallOutputRequired(TypedDict):
    type: Literal["function_call_output"]
    call_id: str
    output: str


class FunctionCallOutputEntry(_FunctionCallOutputRequired, total=False):
    """The result of a ``function_call``. ``images``: the images that went back to the
    model with ``output`` (a figure a function returned, the python tool's plots), as
    indexes into the turn's ``images``, where their data is kept once."""

    images: list[int]


class _CustomCallOutputRequired(TypedDict):
    type: Literal["custom_call_output"]
    call_id: str
    output: str


class CustomCallOutputEntry(_CustomCallOutputRequired, total=False):
    """The result of a ``custom_call``; ``images`` as for a function's result."""

    images: list[int]


class SafetyCheck(TypedDict, total=False):
    """A safety check the server raised on a computer call, which the user must
    acknowledge before its actions run."""

    id: str
    code: str
    message: str


class ComputerCallEntry(TypedDict):
    """A computer-use call: ``actions`` (mouse and keyboard, as ``computer.actions``
    reads them) to do on the computer, then a screenshot to send back. ``name`` is the
    tool that runs it (``computer``); ``item`` the call as the server sent it."""

    type: Literal["computer_call"]
    call_id: str
    name: str
    actions: list[dict[str, Any]]
    safety_checks: list[SafetyCheck]
    item: ProviderItem


class _ComputerCallOutputRequired(TypedDict):
    type: Literal["computer_call_output"]
    call_id: str
    output: str  # what was done, in words (a screenshot is all the API takes)


class ComputerCallOutputEntry(_ComputerCallOutputRequired, total=False):
    """The result of a ``computer_call``: ``images`` holds the screenshot taken after
    its actions (an index into the turn's ``images``; none when it did not run, which
    the backend then cannot send back); ``acknowledged`` the safety checks the user
    approved."""

    images: list[int]
    acknowledged: list[SafetyCheck]


class _CompactionRequired(TypedDict):
    type: Literal["compaction"]
    summary: (
        str  # the conversation so far in the model's words ("" when only the server can read it)
    )


class CompactionEntry(_CompactionRequired, total=False):
    """The conversation up to this turn, compacted: later turns send this instead of
    the turns before it (which stay in the tree). Made by the model as ``summary``, or
    by the server as an opaque ``item`` following the user ``messages`` it kept."""

    item: ProviderItem
    messages: list[str]


class ApprovalRequestEntry(TypedDict):
    """A call a server's own tool wants to make, waiting for the user's yes (a remote
    MCP server's tool, where the server asks first). ``name`` is the tool that answers
    it, the server as the request offers it (its label); ``tool`` the server's tool it
    would run, with ``arguments``; ``item`` the question as the server sent it, to be
    resent."""

    type: Literal["approval_request"]
    call_id: str
    name: str
    tool: str
    arguments: str
    item: ProviderItem


class _ApprovalRequired(TypedDict):
    type: Literal["approval"]
    call_id: str
    output: str  # what was decided, in words
    approve: bool


class ApprovalEntry(_ApprovalRequired, total=False):
    """The user's answer to an ``approval_request``: the server runs the call only
    when ``approve``. (``images`` is never set: no image answers a question.)"""

    images: list[int]


#: A call the kernel runs (or, for an approval request, answers), and its result.
LocalCallEntry = FunctionCallEntry | CustomCallEntry | ComputerCallEntry | ApprovalRequestEntry
LocalResultEntry = (
    FunctionCallOutputEntry | CustomCallOutputEntry | ComputerCallOutputEntry | ApprovalEntry
)


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
    | CustomCallEntry
    | CustomCallOutputEntry
    | ComputerCallEntry
    | ComputerCallOutputEntry
    | CompactionEntry
    | ReasoningEntry
    | BuiltinEntry
    | ApprovalRequestEntry
    | ApprovalEntry
)


def pending_calls(entries: list[Entry]) -> list[LocalCallEntry]:
    """The calls of local tools in ``entries`` that have no result yet, in order."""
    answered = {
        e["call_id"]
        for e in entries
        if e["type"] == "function_call_output"
        or e["type"] == "custom_call_output"
        or e["type"] == "computer_call_output"
        or e["type"] == "approval"
    }
    return [
        e
        for e in entries
        if (
            e["type"] == "function_call"
            or e["type"] == "custom_call"
            or e["type"] == "computer_call"
            or e["type"] == "approval_request"
        )
        and e["call_id"] not in answered
    ]


def result_entry(
    entries: list[Entry], call_id: str, output: str, images: list[int], ran: bool = True
) -> LocalResultEntry:
    """The entry that answers call ``call_id`` of ``entries``, of the type that answers
    its type (a function's by default). A computer call's result acknowledges the
    call's safety checks: it ran only after the user approved them. An approval
    request's answer approves it when it ``ran`` (the user said yes), else refuses."""
    call = next((e for e in pending_calls(entries) if e["call_id"] == call_id), None)
    entry: LocalResultEntry
    if call is not None and call["type"] == "approval_request":
        return {"type": "approval", "call_id": call_id, "output": output, "approve": ran}
    if call is not None and call["type"] == "custom_call":
        entry = {"type": "custom_call_output", "call_id": call_id, "output": output}
    elif call is not None and call["type"] == "computer_call":
        entry = {"type": "computer_call_output", "call_id": call_id, "output": output}
        if images and call["safety_checks"]:
            entry["acknowledged"] = list(call["safety_checks"])
    else:
        entry = {"type": "function_call_output", "call_id": call_id, "output": output}
    if images:
        entry["images"] = images
    return entry


def screen_caption(turn_output: list[Entry], index: int) -> str:
    """What the screenshot at ``index`` of a turn's images followed (its result's text)."""
    for e in turn_output:
        if e["type"] == "computer_call_output" and index in e.get("images", []):
            return e["output"]
    return "screen"


def screen_images(entries: list[Entry]) -> list[int]:
    """The indexes in a turn's ``images`` of the screenshots its computer calls took,
    in order (views show the last full size, the earlier ones as thumbnails)."""
    return [i for e in entries if e["type"] == "computer_call_output" for i in e.get("images", [])]


class WindowRecord(TypedDict):
    """How full a turn left the model's context window: ``used`` tokens of ``size``."""

    used: int
    size: int


class AlternativeRecord(TypedDict):
    """A token the model could have written at a position, and its log probability."""

    token: str
    logprob: float


class LogprobRecord(TypedDict):
    """One token of the answer as the server scored it (``--logprobs``): the token, its
    log probability, and the likeliest alternatives at that position (``top``)."""

    token: str
    logprob: float
    top: list[AlternativeRecord]


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
    kind: str  # "function" (a tool the kernel runs), or the item type of a built-in tool
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


def image_data_url(record: str) -> str:
    """An entry of ``Turn.images`` as a ``data:`` URL (how images are sent)."""
    mime, data = image_parts(record)
    return f"data:{mime};base64,{data}"


def result_images(entry: LocalResultEntry, images: list[str]) -> list[str]:
    """The images a result sent the model, as ``data:`` URLs, from its turn's
    ``images`` (an index that is not there, as after an import that lost an image, is
    left out)."""
    return [image_data_url(images[i]) for i in entry.get("images", []) if 0 <= i < len(images)]
