"""What every backend is: one generator from a turn request to our events."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol

from ..errors import from_openai

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


class StreamState:
    """Whether any event arrived yet: a dropped connection then means a cut-off
    answer, not an unreachable server."""

    started = False


@contextmanager
def mapped_errors(client: OpenAI, model: str) -> Iterator[StreamState]:
    """Turn ``openai`` exceptions into ours, once, here at the boundary."""
    import openai

    state = StreamState()
    try:
        yield state
    except openai.OpenAIError as error:
        base_url = str(client.base_url).rstrip("/")
        raise from_openai(error, base_url, model, mid_stream=state.started) from error
