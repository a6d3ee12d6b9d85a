"""What every backend is: one generator from a turn request to our events."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol

from ..errors import from_bad_json, from_openai

if TYPE_CHECKING:
    from openai import OpenAI

    from ..attachments import Attachment, FileStore
    from ..cancel import Cancel
    from ..conversation import Turn
    from ..events import Event
    from ..schemas import OutputSchema
    from ..tools import Tool


@dataclass(frozen=True)
class TurnRequest:
    """Everything one turn asks for, already parsed and validated."""

    api: str
    prompt: str
    model: str
    instructions: str | None = None
    stream: bool = True
    store: bool = True
    temperature: float | None = None
    max_tokens: int | None = None
    reasoning: str | None = None
    resend_history: bool = False
    tools: tuple[Tool, ...] = ()
    attachments: tuple[Attachment, ...] = ()
    schema: OutputSchema | None = None
    max_tool_rounds: int = 10
    approve: bool = False
    #: Seconds to wait for one function tool call (``None``: run it in place, unbounded).
    tool_timeout: float | None = None
    extra: dict[str, Any] = field(default_factory=dict)


class Backend(Protocol):
    """Turn ``history`` (completed turns, oldest first) plus the ``turn`` in progress
    into requests, and the SDK's answer into events. One call is one model request;
    the session calls again while a tool loop continues. ``files`` holds the bytes of
    attachments (turns keep only references) and what the server already has.
    ``cancel`` is the panel's Stop: a streamed body is read inside
    ``cutting(cancel, response)``, so Stop ends it at once."""

    name: str

    def validate(self, request: TurnRequest) -> None:
        """Raise ``OptionsError`` for what this API cannot do, before anything is sent."""
        ...

    def stream(
        self,
        client: OpenAI,
        request: TurnRequest,
        history: list[Turn],
        turn: Turn,
        files: FileStore,
        cancel: Cancel | None = None,
    ) -> Iterator[Event]: ...


class ServerQuirks:
    """What this kernel has noticed about servers that speak the protocols loosely,
    by base URL: the backends then stop sending what a server mishandles, instead of
    failing (or retrying) on every turn. Kept for the kernel's life, never saved."""

    #: quirk -> what it means, for ``%responses status``
    MEANINGS = {
        "ignores_previous_response_id": "ignores previous_response_id (history is resent)",
        "no_stream_options": "rejects stream_options (not sent)",
        "no_files_api": "has no Files API (documents are sent inline)",
    }

    def __init__(self) -> None:
        self._seen: dict[str, set[str]] = {}

    @staticmethod
    def _key(base_url: object) -> str:
        return str(base_url).rstrip("/")

    def note(self, base_url: object, quirk: str) -> None:
        self._seen.setdefault(self._key(base_url), set()).add(quirk)

    def has(self, base_url: object, quirk: str) -> bool:
        return quirk in self._seen.get(self._key(base_url), ())

    def of(self, base_url: object) -> list[str]:
        """What was noticed about ``base_url``, as words for the user."""
        return [self.MEANINGS[q] for q in sorted(self._seen.get(self._key(base_url), ()))]


#: The one registry of the kernel (backends are per-process singletons too).
QUIRKS = ServerQuirks()


class StreamState:
    """Whether the server answered (a stream's headers arrived) and whether any event
    arrived yet: a dropped connection then means a cut-off answer, not an unreachable
    server."""

    answered = False
    started = False


@contextmanager
def mapped_errors(client: OpenAI, model: str) -> Iterator[StreamState]:
    """Turn ``openai`` exceptions into ours, once, here at the boundary; also the
    ``JSONDecodeError`` the SDK lets through for an event whose data is not JSON."""
    import json

    import openai

    state = StreamState()
    try:
        yield state
    except openai.OpenAIError as error:
        base_url = str(client.base_url).rstrip("/")
        raise from_openai(
            error, base_url, model, mid_stream=state.started, answered=state.answered
        ) from error
    except json.JSONDecodeError as error:
        base_url = str(client.base_url).rstrip("/")
        raise from_bad_json(error, base_url, mid_stream=state.started) from error
