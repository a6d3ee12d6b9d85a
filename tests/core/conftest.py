"""The core in-process: a ``Session`` against the emulator over real HTTP, with no
kernel. Most logic (the tool loop, forks, threads, what each backend sends) is checked
here in seconds; tests/kernel keeps what needs a real kernel."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from typing import Any

import pytest

from jupyter_responses.config import ResponsesConfig, Settings
from jupyter_responses.conversation import Turn
from jupyter_responses.emulator import Emulator
from jupyter_responses.events import Event
from jupyter_responses.session import Session
from jupyter_responses.streamed import Streamed


@pytest.fixture
def emulator() -> Iterator[Emulator]:
    with Emulator() as emu:
        yield emu


def settings_for(emulator: Emulator, **changes: Any) -> Settings:
    """The traits' defaults, pointed at ``emulator``, saving nothing to disk, and with
    no retries (faults are seen at once)."""
    defaults = ResponsesConfig().settings()
    changes = {"db_path": ":memory:", **changes}
    return dataclasses.replace(defaults, base_url=emulator.url, max_retries=0, **changes)


@pytest.fixture
def session(emulator: Emulator, monkeypatch: pytest.MonkeyPatch) -> Iterator[Session]:
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    settings = settings_for(emulator)
    made = Session(lambda: settings)
    yield made
    made.close()


class RecordingView:
    """A view that keeps every event and the turn it finished with; ``answers`` are
    what ``confirm`` says, in order (``--approve``)."""

    def __init__(self, answers: list[bool] | None = None) -> None:
        self.events: list[Event] = []
        self.started: Turn | None = None
        self.finished: Turn | None = None
        self.answers = list(answers or [])
        self.asked: list[tuple[str, str]] = []

    def start(self, turn: Turn, streamed: Streamed) -> None:
        self.started = turn

    def update(self, event: Event) -> None:
        self.events.append(event)

    def finish(self, turn: Turn) -> None:
        self.finished = turn

    def confirm(self, name: str, arguments: str) -> bool:
        self.asked.append((name, arguments))
        return self.answers.pop(0) if self.answers else False
