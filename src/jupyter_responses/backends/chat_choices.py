"""``-n`` on Chat Completions: one request with ``n``, whose choices are the candidates.

The chunks of the N choices arrive interleaved, each naming its choice by ``index``;
each choice is read as ``chat_stream.streamed`` reads the only one (text, refusal, raw
reasoning, citations, tool calls, how it finished). A whole completion (``--no-stream``)
is read choice by choice as a completion of one. The request's usage covers all the
choices: it is the first candidate's, and the others say so in a note.
"""

from __future__ import annotations

from collections.abc import Generator, Iterator
from types import SimpleNamespace
from typing import TYPE_CHECKING, Any

from .. import events as ev
from .. import logprobs as lp
from ..cancel import Cancel, cutting
from ..lenient import text_of
from .chat_stream import call_delta, citations, completed, raw_reasoning, usage_of, whole
from .errors import mapped_errors

if TYPE_CHECKING:
    from .base import Candidate

USAGE_NOTE = "One request made all {count} candidates: its tokens are counted with candidate 1."


class _Choice:
    """What one choice has said so far."""

    def __init__(self, message: str, logprobs: bool) -> None:
        self.message = message
        self.logprobs = logprobs
        self.text: list[str] = []
        self.refusal: list[str] = []
        self.calls: dict[int, dict[str, Any]] = {}
        self.finish: str | None = None

    def read(self, choice: Any) -> Iterator[ev.Event]:
        delta = getattr(choice, "delta", None)
        thought = raw_reasoning(delta)
        if thought:
            yield ev.ReasoningDelta(thought, self.message)
        content = getattr(delta, "content", None)
        if content and isinstance(content, str):
            self.text.append(content)
            yield ev.TextDelta(content, self.message)
        extra = getattr(delta, "__pydantic_extra__", None)
        if extra and "annotations" in extra:
            yield from citations(extra["annotations"])
        if self.logprobs:
            scored = lp.read(getattr(getattr(choice, "logprobs", None), "content", None))
            if scored:
                yield ev.Logprobs(tuple(scored))
        said_no = getattr(delta, "refusal", None)
        if said_no and isinstance(said_no, str):
            self.refusal.append(said_no)
            yield ev.RefusalDelta(said_no)
        for call in getattr(delta, "tool_calls", None) or []:
            yield from call_delta(self.calls, call)
        self.finish = getattr(choice, "finish_reason", None) or self.finish

    def end(self, model: str | None, tier: str | None) -> Iterator[ev.Event]:
        text, refusal = "".join(self.text), "".join(self.refusal)
        yield from completed(text, refusal, list(self.calls.values()), self.finish, model, tier)


def candidates(
    client: Any, kwargs: dict[str, Any], model: str, stream: bool, count: int, cancel: Cancel
) -> Generator[Candidate, None, None]:
    """The ``count`` choices of one request (``kwargs``, as the backend builds it for the
    first turn), as ``(index, event)``; a failure of the request fails every candidate
    (they are one request)."""
    kwargs = {**kwargs, "n": count}
    try:
        with mapped_errors(client, model) as state:
            if not stream:
                yield from _whole_choices(client.chat.completions.create(**kwargs), count)
                return
            answer = client.chat.completions.create(stream=True, **kwargs)
            state.answered = True
            logprobs = bool(kwargs.get("logprobs"))
            yield from _streamed_choices(answer, count, cancel, logprobs)
    except Exception as error:  # every candidate ends with it
        for index in range(count):
            yield index, error


def _streamed_choices(
    stream: Any, count: int, cancel: Cancel, logprobs: bool
) -> Iterator[Candidate]:
    choices: dict[int, _Choice] = {}
    model: str | None = None
    tier: str | None = None
    message = ""
    try:
        with cutting(cancel, stream.response):
            for chunk in stream:
                if not message:
                    model = getattr(chunk, "model", None) or model
                    message = text_of(getattr(chunk, "id", None))
                tier = text_of(getattr(chunk, "service_tier", None)) or tier
                if getattr(chunk, "usage", None) is not None:
                    yield from _usage(chunk.usage, count)
                for choice in getattr(chunk, "choices", None) or []:
                    index = getattr(choice, "index", 0)
                    if not isinstance(index, int) or not 0 <= index < count:
                        continue  # a choice not asked for: nothing to show it in
                    reader = choices.setdefault(index, _Choice(f"{message}:{index}", logprobs))
                    for event in reader.read(choice):
                        yield index, event
    finally:
        stream.close()
    for index in range(count):
        for event in choices.get(index, _Choice(message, logprobs)).end(model, tier):
            yield index, event


def _whole_choices(completion: Any, count: int) -> Iterator[Candidate]:
    """Each choice read as a completion of its own; the usage goes with the first."""
    for choice in getattr(completion, "choices", None) or []:
        index = getattr(choice, "index", 0)
        if not isinstance(index, int) or not 0 <= index < count:
            continue
        one = SimpleNamespace(
            id=f"{text_of(getattr(completion, 'id', None))}:{index}",
            model=getattr(completion, "model", None),
            choices=[choice],
            usage=getattr(completion, "usage", None) if index == 0 else None,
        )
        for event in whole(one):
            yield index, event
        if index:
            yield index, ev.Note(USAGE_NOTE.format(count=count))


def _usage(counted: Any, count: int) -> Iterator[Candidate]:
    yield 0, usage_of(counted)
    for index in range(1, count):
        yield index, ev.Note(USAGE_NOTE.format(count=count))
