"""Everything the emulator remembers: the script queue, stored responses, background
runs, conversations, assistants and threads, uploaded files and the log of requests
received. One lock guards it all; handlers run on server threads (a background run's
events are under its own lock, taken before this one)."""

from __future__ import annotations

import threading
import time
from collections import deque
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from .dialogue import Message
from .prompt_cache import PromptCache
from .script import HTTPError, Scripted

if TYPE_CHECKING:
    from .background import BackgroundRun


@dataclass
class StoredResponse:
    response: dict[str, Any]
    input_items: list[dict[str, Any]]
    messages: list[Message]  # the whole conversation up to and including this output
    call_ids: dict[str, str]  # every call_id seen in the chain -> function name


@dataclass
class StoredConversation:
    """A conversation of the Conversations API: its object and its items, oldest first."""

    conversation: dict[str, Any]
    items: list[dict[str, Any]]


@dataclass
class StoredThread:
    """A thread of the Assistants API: its object and its messages, oldest first."""

    thread: dict[str, Any]
    messages: list[dict[str, Any]]


@dataclass
class StoredFile:
    meta: dict[str, Any]
    content: bytes


@dataclass
class RecordedRequest:
    """What a client sent. ``authorized`` says whether a bearer token was present;
    the token itself is never kept."""

    method: str
    path: str
    body: Any
    authorized: bool
    headers: dict[str, str]
    time: float = field(default_factory=time.time)
    query: dict[str, str] = field(default_factory=dict)  # the URL's, last value per name


class EmulatorState:
    def __init__(self, api_key: str | None = None) -> None:
        self.lock = threading.Lock()
        self.api_key = api_key
        self.queue: deque[Scripted] = deque()
        self.responses: dict[str, StoredResponse] = {}
        #: Every item of a stored response (input and output), by id: what a client may
        #: send back by reference (``item_reference``, or an item given by its id alone).
        self.items: dict[str, dict[str, Any]] = {}
        #: Ids of items of responses made with ``store: false``: never found again.
        self.unstored: set[str] = set()
        self.conversations: dict[str, StoredConversation] = {}
        #: The Assistants API (``assistants.py``): assistants by id, threads by id.
        self.assistants: dict[str, dict[str, Any]] = {}
        self.threads: dict[str, StoredThread] = {}
        self.files: dict[str, StoredFile] = {}
        #: Background responses (``background.py``) by id: their runs, events and lock.
        #: A run's own lock comes before this one: stop runs only after releasing it.
        self.background: dict[str, BackgroundRun] = {}
        self.requests: list[RecordedRequest] = []
        self.prompt_cache = PromptCache()  # locks itself

    def enqueue(self, *items: Scripted) -> None:
        with self.lock:
            self.queue.extend(items)

    def next_scripted(self) -> Scripted | None:
        """Take the next scripted answer; an ``HTTPError`` with ``times > 1`` stays queued."""
        with self.lock:
            if not self.queue:
                return None
            head = self.queue[0]
            if isinstance(head, HTTPError) and head.times > 1:
                head.times -= 1
                return HTTPError(**{**head.__dict__, "times": 1})
            return self.queue.popleft()

    def record(self, request: RecordedRequest) -> None:
        with self.lock:
            self.requests.append(request)

    def reset(self) -> None:
        with self.lock:
            self.queue.clear()
            self.responses.clear()
            self.items.clear()
            self.unstored.clear()
            self.conversations.clear()
            self.assistants.clear()
            self.threads.clear()
            self.files.clear()
            self.requests.clear()
            runs = list(self.background.values())
            self.background.clear()
        for run in runs:  # outside the lock (see ``background``)
            run.stop()

    def stop_runs(self) -> None:
        """Stop every background run now (the emulator is stopping); keep the rest."""
        with self.lock:
            runs = list(self.background.values())
        for run in runs:
            run.stop()
