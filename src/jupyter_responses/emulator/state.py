"""Everything the emulator remembers: the script queue, stored responses, background
runs, batches, rate-limit buckets, conversations, assistants and threads, uploaded files
and the log of requests received. One lock guards it all; handlers run on server
threads (a background run's events, and a batch, are under their own lock, taken before
this one)."""

from __future__ import annotations

import threading
import time
from collections import deque
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from .dialogue import Message
from .prompt_cache import PromptCache
from .rate_limits import RateLimiter
from .script import HTTPError, Reply, Scripted

if TYPE_CHECKING:
    from .background import BackgroundRun
    from .batches import BatchRun


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
        #: What each MCP call the emulator asked about returns once approved (``mcp.py``):
        #: approval request id -> (output, error).
        self.mcp_outputs: dict[str, tuple[str, str]] = {}
        self.prompt_cache = PromptCache()  # locks itself
        #: Batch API batches (``batches.py``) by id, oldest first; stopped like ``background``.
        self.batches: dict[str, BatchRun] = {}
        self.rate_limiter = RateLimiter()  # locks itself (``rate_limits.py``)

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

    def next_reply(self) -> Reply | None:
        """Take the next scripted answer if it is a ``Reply`` (another choice of the same
        request); anything else stays queued for the next request."""
        with self.lock:
            head = self.queue[0] if self.queue else None
            if isinstance(head, Reply):
                self.queue.popleft()
                return head
            return None

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
            self.mcp_outputs.clear()
            runs = list(self.background.values())
            self.background.clear()
            batches = list(self.batches.values())
            self.batches.clear()
        for run in runs:  # outside the lock (see ``background``)
            run.stop()
        for batch in batches:
            batch.stop()
        self.rate_limiter.refill()

    def stop_runs(self) -> None:
        """Stop every background run now (the emulator is stopping); keep the rest."""
        with self.lock:
            runs = list(self.background.values())
            batches = list(self.batches.values())
        for run in runs:
            run.stop()
        for batch in batches:
            batch.stop()
