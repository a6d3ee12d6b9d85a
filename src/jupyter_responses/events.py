"""One event vocabulary for both APIs.

Backends translate the SDK's stream (Responses semantic events or Chat chunks) into
these; renderers and the session consume only these. Nothing here knows which API
produced it. A failure mid-stream is not an event: the backend raises our error.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from .transcript import CallDetail, Entry, LogprobRecord, TurnStatus

# Events are frozen, except the deltas, which are made once per token: ``slots`` and
# no ``frozen`` (whose ``__init__`` sets each field through ``object.__setattr__``) make
# them three times cheaper to build. Nothing changes an event after it is made.


@dataclass(slots=True)
class TextDelta:
    """More of an assistant message. ``message`` tells messages apart (several in one
    turn are separate paragraphs); ``phase`` is ``"commentary"`` for a message said on
    the way (a preamble before tool calls), ``"final_answer"`` for the answer, or
    ``None`` when the server does not say."""

    text: str
    message: str = ""
    phase: str | None = None


@dataclass(slots=True)
class RefusalDelta:
    text: str


@dataclass(slots=True)
class ReasoningDelta:
    """More of the model's reasoning: a summary, or the raw reasoning text open-weight
    models send. ``part`` tells parts apart (several summary parts, several reasoning
    items): each is its own paragraph."""

    text: str
    part: str = ""


@dataclass(frozen=True)
class ToolCallStarted:
    """A tool call began. ``kind`` is "function" or a built-in tool type."""

    call_id: str
    name: str
    kind: str = "function"


@dataclass(slots=True)
class ToolCallDelta:
    """More of a call's arguments (or a code interpreter's code) as they stream."""

    call_id: str
    text: str


@dataclass(frozen=True)
class ToolCallDone:
    """A finished call. For built-ins, ``detail`` carries what they report in neutral
    fields (query, sources, code, logs, hits...; see ``builtin_tools``), ``output``
    their result text and ``error`` their failure, where there is one. ``waiting``: a
    built-in's call that waits for the user's answer before the server runs it (an MCP
    approval request), as a function call waits to be run."""

    call_id: str
    name: str
    arguments: str
    kind: str = "function"
    detail: CallDetail = field(default_factory=lambda: CallDetail())
    output: str | None = None
    error: str | None = None
    waiting: bool = False


@dataclass(frozen=True)
class ToolDetail:
    """How a local tool call reads, once its tool has read it (the python tool's code,
    to be shown highlighted), in the neutral fields built-in tools use. Sent before the
    call is approved or run, so the user sees what they are asked to allow."""

    call_id: str
    name: str
    detail: CallDetail


@dataclass(frozen=True)
class ToolRunning:
    """A local function tool is about to run (views show it at once: it may be slow)."""

    call_id: str
    name: str


@dataclass(frozen=True)
class ToolResult:
    """The result of running a local tool: ``output`` is what the model gets;
    ``error`` is set when it raised, ``denied`` when the user said no.

    Images go back to the model with ``output``. Those a function returned arrive
    before the result as ``Image`` events with its ``call_id`` (views show them);
    ``images`` are those the tool already showed in its own output (the python tool's
    figures, drawn in the cell as it ran): ``(mime, base64 data)``, recorded with the
    result and not shown again."""

    call_id: str
    name: str
    output: str
    error: str | None = None
    seconds: float = 0.0
    denied: bool = False
    images: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class Logprobs:
    """Answer tokens as the server scored them (``--logprobs``), in order: each its log
    probability and likeliest alternatives. Recorded on the turn (within a bound)."""

    tokens: tuple[LogprobRecord, ...]


@dataclass(frozen=True)
class Citation:
    """A source the answer cites: a web page (``url``), or a file (``file``: its id;
    ``title`` its name), which has no URL."""

    url: str
    title: str
    file: str = ""


@dataclass(frozen=True)
class Image:
    """An image the model (or a tool) made: base64 data of type ``mime``. ``call_id``:
    the local tool call that returned it, whose result takes it back to the model.
    ``screen``: a screenshot of the computer the model drives; each new one shrinks the
    one before to a thumbnail."""

    data: str
    caption: str = ""
    mime: str = "image/png"
    call_id: str = ""
    screen: bool = False


@dataclass(frozen=True)
class Usage:
    """Tokens as the server counted them. ``cached_tokens`` (read from the prompt
    cache) and ``cache_write_tokens`` (written to it) are parts of ``input_tokens``;
    ``reasoning_tokens`` are part of ``output_tokens`` (and billed as output)."""

    input_tokens: int = 0
    output_tokens: int = 0
    reasoning_tokens: int = 0
    cached_tokens: int = 0
    cache_write_tokens: int = 0

    def __add__(self, other: Usage) -> Usage:
        return Usage(
            self.input_tokens + other.input_tokens,
            self.output_tokens + other.output_tokens,
            self.reasoning_tokens + other.reasoning_tokens,
            self.cached_tokens + other.cached_tokens,
            self.cache_write_tokens + other.cache_write_tokens,
        )

    @property
    def cache_hit_ratio(self) -> float | None:
        """The share of input tokens read from the cache (``None`` without input)."""
        return self.cached_tokens / self.input_tokens if self.input_tokens else None


@dataclass(frozen=True)
class Running:
    """The server runs this request in the background, as ``response_id``: the turn
    can be finished from there, even by another kernel after this one died."""

    response_id: str


@dataclass(frozen=True)
class BackgroundStatus:
    """Where a background response stands on the server before its answer flows:
    ``queued`` (waiting for the server to take it up) or ``in_progress``. Shown on the
    live line, so a long queue reads as waiting on the server, not as silence; not
    recorded."""

    status: str


@dataclass(frozen=True)
class ServerConversation:
    """This turn's items go into the server-side conversation ``conversation_id`` (a
    thread that keeps its state there: ``server_threads``)."""

    conversation_id: str


@dataclass(frozen=True)
class Note:
    """Something the user should know that is not the answer (e.g. history resent)."""

    text: str


@dataclass(frozen=True)
class Retrying:
    """The request failed and the SDK waits ``seconds`` before sending it again (its
    own retries, ``max_retries``): ``status`` is the HTTP status that made it retry
    (``None``: no answer came, a connection error or timeout); ``attempt`` counts the
    retries, from 1. Shown while the wait lasts, so it is not silence; not recorded."""

    seconds: float
    status: int | None
    attempt: int = 1


@dataclass(frozen=True)
class Completed:
    """The model finished this request.

    ``status`` is "completed" or "incomplete" (cut off by max tokens).
    ``response_id`` is set when the server stored the response (Responses API with
    ``store``), so the next turn may chain to it. ``entries`` is what came back as
    neutral transcript entries (see ``conversation.Turn.output``), built by the backend
    from the final object, so history can be rebuilt exactly for either API.
    ``service_tier`` is the tier that served it, as the server said (``None``: not said).
    """

    status: TurnStatus = "completed"
    response_id: str | None = None
    stored: bool = False
    entries: tuple[Entry, ...] = ()
    model: str | None = None
    service_tier: str | None = None


Event = (
    TextDelta
    | RefusalDelta
    | ReasoningDelta
    | ToolCallStarted
    | ToolCallDelta
    | ToolCallDone
    | ToolDetail
    | ToolRunning
    | ToolResult
    | Citation
    | Logprobs
    | Image
    | Usage
    | ServerConversation
    | Running
    | BackgroundStatus
    | Note
    | Retrying
    | Completed
)
