"""The rows of the fault matrix (``test_fault_matrix.py`` runs them): what the server
does to turn 2 of three, and what must follow.

Most rows send every turn as a plain ``%%respond``/``%%chat`` cell. The rows for long
work send turns 2 and 3 as another cell (``Fault.cell``): a compaction
(``%responses compact``, ``--compact``) or a ``--truncation auto`` turn. There turn 3 is
a retry of turn 2's cell, or, where the error advises another cell (``Fault.fix``),
that cell: the advice followed.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from jupyter_responses.backends.responses import RESENT_NOTE
from jupyter_responses.commands import COMPACT_PROMPT
from jupyter_responses.emulator import script as s

PATHS = {"responses": "/v1/responses", "chat": "/v1/chat/completions"}
#: Where the Responses API compacts (Chat Completions compacts with a summary turn).
COMPACT_PATH = "/v1/responses/compact"
MAGICS = {"responses": "respond", "chat": "chat"}
TEXT = "alpha beta gamma delta epsilon"  # streamed one word per delta
THREE = "alpha beta gamma"
#: Stream events before the first text delta, and in all, for TEXT. Responses:
#: created, in_progress, output_item.added, content_part.added | 5 deltas |
#: output_text.done, content_part.done, output_item.done, completed. Chat: the role
#: chunk | 5 content chunks | the finish chunk, the usage chunk, [DONE].
BEFORE_TEXT = {"responses": 4, "chat": 1}
EVENTS = {"responses": 13, "chat": 9}
Replies = Callable[[str], list[s.Scripted]]


def _at(point: int | str, fault: str, **reply: Any) -> Replies:
    """TEXT with ``fault`` (a ``Reply`` field counting events) at ``point``: "start"
    (before any event), a number of words, or "end" (before the last event)."""

    def make(api: str) -> list[s.Scripted]:
        if isinstance(point, int):
            at = BEFORE_TEXT[api] + point
        else:
            at = {"start": 0, "end": EVENTS[api] - 1}[point]
        return [s.text(TEXT, **{fault: at}, **reply)]

    return make


def _always(*replies: s.Scripted) -> Replies:
    """The same replies for either API (fresh copies: the emulator counts ``times`` down)."""
    return lambda api: copy.deepcopy(list(replies))


def _http(status: int, **error: Any) -> Replies:
    return _always(s.HTTPError(status, **error))


@dataclass(frozen=True)
class Fault:
    """A row of the matrix: what the server does to turn 2, and what must follow."""

    name: str
    replies: Replies
    phrase: str  # in turn 2's message; "" when turn 2 must not fail
    error: str = ""  # the class of turn 2's error (its name in a cell's error block)
    hint: str = ""  # also in turn 2's message
    status: str = "failed"  # turn 2, as recorded
    partial: str = ""  # the answer turn 2 keeps
    attempts: int = 1  # requests the server saw for turn 2
    config: str = ""  # %config lines before turn 2 (base_url and timeout undone after)
    refused: bool = False  # turn 2 goes to a closed port
    forget: bool = False  # the server loses its stored responses before turn 2
    chained: bool = True  # turn 2 (Responses) is first sent chained to turn 1
    resends: bool = False  # turn 3 (Responses) sends the whole history
    shows: str = ""  # shown with turn 2 when it does not fail
    retry_after: float | None = None  # the wait between attempts the server asked for
    apis: tuple[str, ...] = ("responses", "chat")
    panel: tuple[str, ...] = ()  # APIs the chat panel runs this case with
    #: Turns 2 and 3 in a server-side thread: each sent in a server-side conversation.
    server: bool = False
    #: Turns 2 and 3 as this cell instead of a plain one: its first line, with
    #: ``{magic}`` and ``{api}`` filled in (a cell magic gets the prompt below it).
    cell: str = ""
    #: Turn 3 as this cell instead of turn 2's again: what turn 2's error advised.
    fix: str = ""
    #: The emulator's context window (tokens) from turn 2 on: over it is its own 400.
    window: int | None = None


@dataclass(frozen=True)
class Cell:
    """One turn's cell, resolved for a row's API: its code, the prompt it records, the
    API it talks to and the path its requests go to."""

    code: str
    prompt: str
    api: str
    compacts: bool
    truncates: bool

    @classmethod
    def of(cls, template: str, api: str, prompt: str) -> Cell:
        """``template`` (a ``Fault.cell``; "" is a plain magic) for a row on ``api``.
        A line magic (``%responses compact``) asks the prompt it has."""
        line = (template or "%%{magic}").format(magic=MAGICS[api], api=api)
        words = line.split()
        if "--api" in words:
            api = words[words.index("--api") + 1]
        compacts = "--compact" in words or words[:2] == ["%responses", "compact"]
        if line.startswith("%%"):
            code = f"{line}\n{prompt}"
        else:
            code, prompt = line, COMPACT_PROMPT
        return cls(code, prompt, api, compacts, "--truncation" in words)

    @property
    def line(self) -> str:
        return self.code.splitlines()[0]

    @property
    def path(self) -> str:
        """Where its requests go: a Responses compaction to its endpoint."""
        return COMPACT_PATH if self.compacts and self.api == "responses" else PATHS[self.api]

    @property
    def server_compacts(self) -> bool:
        """The server compacts (the history as input, chained to nothing)."""
        return self.path == COMPACT_PATH


#: Turn 2 (and those after it) as background responses, which survive a dropped
#: connection: the stream is picked up where it broke.
BACKGROUND = "%config ResponsesMagics.background = True"
SERVER = "%config ResponsesMagics.server_conversations = True"

#: The advice for a dead port names where its URL was set (%config, in this matrix).
CONFIG_HINT = "is %config ResponsesMagics.base_url right?"


FAULTS = [
    Fault("connection refused", _always(), "Could not reach http://127.0.0.1:", "ConnectionFailed",
          hint=CONFIG_HINT, attempts=0, refused=True, panel=("chat",)),
    Fault("401", _http(401), "rejected the API key (401 invalid_api_key)", "AuthenticationFailed",
          panel=("chat",)),
    Fault("403", _http(403), "denied access (403", "PermissionDenied"),
    Fault("404 unknown model", _http(404), "Model 'gpt-4.1' is not available", "NotFound"),
    Fault("400 context too long",
          _http(400, code="context_length_exceeded", message="Maximum context length exceeded"),
          "too long for this model (400 context_length_exceeded)", "BadRequest",
          hint="%responses compact"),
    Fault("429, retry-after 1 s", _http(429, retry_after=1, times=2),
          "Rate limited by 127.0.0.1 (429 rate_limit_exceeded) even after retrying",
          "RateLimited", attempts=2, retry_after=1.0, panel=("responses",)),
    Fault("500", _http(500, times=2), "failed with 500 even after retrying", "ServerError",
          attempts=2),
    Fault("503", _http(503, times=2), "failed with 503 even after retrying", "ServerError",
          attempts=2),
    Fault("503 once, then the retry answers", _always(s.HTTPError(503), s.text(TEXT)), "",
          status="completed", partial=TEXT, attempts=2, panel=("chat",)),
    Fault("disconnect before any event", _at("start", "disconnect_after"),
          "closed the connection before the answer began", "ConnectionFailed"),
    Fault("disconnect after 3 words", _at(3, "disconnect_after"), "dropped mid-answer",
          "ConnectionFailed", partial=THREE, panel=("responses", "chat")),
    Fault("disconnect before the last event", _at("end", "disconnect_after"),
          "dropped mid-answer", "ConnectionFailed", partial=TEXT),
    Fault("`error` event after 3 words",
          _at(3, "error_event_after", error_message="The engine is overloaded"),
          "engine is overloaded", "StreamFailed", partial=THREE, panel=("chat",)),
    Fault("response.failed", _always(s.text(TEXT, status="failed", error_message="It crashed")),
          "It crashed", "StreamFailed", partial=TEXT, panel=("responses",)),
    Fault("incomplete (max tokens)", _always(s.text(TEXT, status="incomplete")), "",
          status="incomplete", partial=TEXT, shows="Cut off (max tokens reached)"),
    Fault("first byte later than the timeout",
          _always(*[s.text(TEXT, first_byte_delay=2.0)] * 2), "No answer from 127.0.0.1 within "
          "the timeout", "TimedOut", attempts=2, config="%config ResponsesMagics.timeout = 0.5",
          panel=("responses",)),
    Fault("stall mid-stream longer than the timeout", _at(3, "stall_after", stall=3.0),
          "went quiet mid-answer", "TimedOut", partial=THREE,
          config="%config ResponsesMagics.timeout = 0.5"),
    Fault("malformed SSE data after 3 words", _at(3, "malformed_after"),
          "sent data that is not valid JSON mid-answer", "StreamFailed", partial=THREE,
          panel=("responses", "chat")),
    Fault("expired previous_response_id", _always(s.text(TEXT)), "", status="completed",
          partial=TEXT, attempts=2, forget=True, shows=RESENT_NOTE,
          apis=("responses",), panel=("responses",)),
    Fault("server ignores previous_response_id",
          _always(s.text(TEXT, omit=["previous_response_id"])), "", status="completed",
          partial=TEXT, resends=True, shows="did not confirm previous_response_id",
          apis=("responses",)),
    Fault("`resend_history = True` (for such servers)", _always(s.text(TEXT)), "",
          status="completed", partial=TEXT, chained=False, resends=True,
          config="%config ResponsesMagics.resend_history = True", apis=("responses",)),
    Fault("background: disconnect after 3 words", _at(3, "disconnect_after", event_delay=0.02),
          "", status="completed", partial=TEXT, shows="picked up where it broke",
          config=BACKGROUND, apis=("responses",)),
    Fault("background: disconnect before the last event",
          _at("end", "disconnect_after", event_delay=0.02), "", status="completed",
          partial=TEXT, shows="picked up where it broke", config=BACKGROUND,
          apis=("responses",)),
    Fault("background: disconnect before any event", _at("start", "disconnect_after"),
          "closed the connection before the answer began", "ConnectionFailed",
          config=BACKGROUND, apis=("responses",)),
    Fault("server-side thread: answered", _always(s.text(TEXT)), "", status="completed",
          partial=TEXT, config=SERVER, apis=("responses",), server=True),
    Fault("server-side thread: 500", _http(500, times=2), "failed with 500 even after retrying",
          "ServerError", attempts=2, config=SERVER, apis=("responses",), server=True),
    Fault("server-side thread: disconnect after 3 words", _at(3, "disconnect_after"),
          "dropped mid-answer", "ConnectionFailed", partial=THREE, config=SERVER,
          apis=("responses",), server=True),
]  # fmt: skip

#: The two ways to compact: the subcommand (which asks ``COMPACT_PROMPT``) and the option.
COMPACTIONS = ("%responses compact --api {api}", "%%{magic} --compact")
#: A Responses server without ``/responses/compact`` answers as for any unknown URL.
NO_ENDPOINT = s.HTTPError(
    404, message="Invalid URL (POST /v1/responses/compact)", code="unknown_url"
)
#: Both tries of a request the server drops before answering (the SDK retries it once).
DROPPED = (s.text(TEXT, disconnect_after=0), s.text(TEXT, disconnect_after=0))


def _compaction_rows(cell: str) -> list[Fault]:
    """A compaction (``cell``) meeting each fault, on both APIs: Responses' request to
    ``/responses/compact``, Chat's summary turn (streamed like any answer)."""
    both: dict[str, Any] = {"cell": cell}
    responses: dict[str, Any] = {"cell": cell, "apis": ("responses",)}
    chat: dict[str, Any] = {"cell": cell, "apis": ("chat",)}
    how = "`%responses compact`" if cell.startswith("%responses") else "`--compact`"
    return [
        Fault(f"{how}: 500", _http(500, times=2), "failed with 500 even after retrying",
              "ServerError", hint="the conversation is unchanged", attempts=2, **both),
        Fault(f"{how}: 429, retry-after 1 s", _http(429, retry_after=1, times=2),
              "Rate limited by 127.0.0.1 (429 rate_limit_exceeded) even after retrying",
              "RateLimited", attempts=2, retry_after=1.0, **both),
        Fault(f"{how}: connection dropped before the answer (both tries)", _always(*DROPPED),
              "closed the connection before it answered", "ConnectionFailed", attempts=2,
              **responses),
        Fault(f"{how}: connection dropped after 3 words of the summary",
              _at(3, "disconnect_after"), "dropped mid-answer", "ConnectionFailed",
              partial=THREE, **chat),
        Fault(f"{how}: no compaction endpoint (404)", _always(NO_ENDPOINT),
              "has no compaction endpoint (/responses/compact)", "NotFound",
              hint="%responses compact --api chat", fix="%responses compact --api chat",
              **responses),
        Fault(f"{how}: 404 unknown model", _http(404), "Model 'gpt-4.1' is not available",
              "NotFound", **responses),
    ]  # fmt: skip


#: ``--truncation auto`` turns under the same faults, and a conversation over the
#: model's window without it: the emulator's own 400, whose advice (truncation) works.
TRUNCATION = "%%{magic} --truncation auto"
_TRUNCATED: dict[str, Any] = {"cell": TRUNCATION, "apis": ("responses",)}
TRUNCATION_ROWS = [
    Fault("`--truncation auto`: 500", _http(500, times=2), "failed with 500 even after retrying",
          "ServerError", attempts=2, **_TRUNCATED),
    Fault("`--truncation auto`: 429, retry-after 1 s", _http(429, retry_after=1, times=2),
          "Rate limited by 127.0.0.1 (429 rate_limit_exceeded) even after retrying",
          "RateLimited", attempts=2, retry_after=1.0, **_TRUNCATED),
    Fault("`--truncation auto`: disconnect after 3 words", _at(3, "disconnect_after"),
          "dropped mid-answer", "ConnectionFailed", partial=THREE, **_TRUNCATED),
    Fault("over the context window, without truncation", _always(),
          "too long for this model (400 context_length_exceeded)", "BadRequest",
          hint="--truncation auto", fix=TRUNCATION, window=20, apis=("responses",)),
]  # fmt: skip

LONG_WORK = [*_compaction_rows(COMPACTIONS[0]), *_compaction_rows(COMPACTIONS[1]), *TRUNCATION_ROWS]
