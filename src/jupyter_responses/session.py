"""The per-kernel session: the conversation, and running one turn against it.

Magics and the chat panel both come here, so they share one conversation and one lock:
turns never interleave. A turn is always recorded, whatever happens: completed,
cut off, failed or interrupted, with whatever partial answer arrived.
"""

from __future__ import annotations

import contextvars
import sys
import threading
import time
import weakref
from collections.abc import Callable, Generator, Iterable, Iterator
from dataclasses import replace
from functools import partial
from typing import TYPE_CHECKING, Any

from . import caching, logprobs, pricing, server_threads, window
from . import events as ev
from .backends import BACKENDS, Connection
from .cancel import Cancel
from .config import Settings
from .conversation import Conversation, Turn
from .errors import (
    Interrupted,
    JupyterResponsesError,
    OptionsError,
    StreamFailed,
    ToolRoundsExceeded,
)
from .render.base import View
from .streamed import Streamed
from .threads import Threads
from .tool_calls import LocalTool, run_pending, unanswered
from .transcript import (
    CallRecord,
    CitationRecord,
    LocalCallEntry,
    WindowRecord,
    image_record,
    pending_calls,
    result_entry,
)
from .turn_request import TurnRequest

ENDED_EARLY = (
    "The stream ended before the answer was complete; the partial answer is kept. Re-run "
    "the cell to retry."
)
INTERRUPTED = (
    "Interrupted: the partial answer is kept in the conversation (marked interrupted) and "
    "will not be sent as context."
)

#: Called with the conversation and the turn just recorded in it, or with ``None``
#: when the current conversation or its head changed (thread switch, new, checkout).
TurnListener = Callable[[Conversation, "Turn | None"], None]

if TYPE_CHECKING:
    from .chat_panel import ChatPanel


class Session:
    def __init__(self, settings: Callable[[], Settings]) -> None:
        self.settings = settings
        self.lock = threading.RLock()
        self.threads = Threads(lambda: self.settings().db_path)
        self.cell_id: str | None = None
        self._cell_turns: set[str] = set()  # turns made by the cell running now
        self.listeners: list[TurnListener] = []
        self.connection = Connection(settings)
        self.panel: ChatPanel | None = None  # the one chat panel, made on first use
        self._detached: list[threading.Thread] = []  # --detach turns' workers
        self._detached_lock = threading.Lock()

    def close(self) -> None:
        """Let go of what the session holds open (the store); the extension's unload."""
        self.threads.close()

    # -- conversations -------------------------------------------------------------------
    @property
    def conversation(self) -> Conversation:
        """The current thread's conversation."""
        return self.threads.conversation

    def new_conversation(self, thread: str | None = None) -> Conversation:
        """Start afresh in ``thread`` (default: the current one) and make it current;
        the conversation it replaces stays saved."""
        with self.lock:
            conversation = self.threads.fresh(thread)
            self.threads.current = conversation.name
            self._changed(conversation)
            return conversation

    def switch(self, change: Callable[[], Conversation]) -> Conversation:
        """Run ``change`` (a ``Threads`` method that opens a conversation) under the
        lock, then tell the listeners."""
        with self.lock:
            conversation = change()
            self.threads.save(conversation)
            self._changed(conversation)
            return conversation

    def checkout(self, ref: str) -> Turn:
        """Move the current conversation's head to turn ``ref``."""
        with self.lock:
            conversation = self.conversation
            turn = conversation.find(ref)
            conversation.checkout(turn.id)
            self.threads.save(conversation)
            self._changed(conversation)
            return turn

    def show_version(self, conversation: Conversation, turn_id: str) -> bool:
        """Make version ``turn_id`` of a cell's turn current in ``conversation`` (the
        version switcher's arrows): the head moves to ``conversation.head_for(turn_id)``,
        the newest turn on that version's branch (or stays, when the version is on the
        current branch already), and the change is saved.

        Returns ``False``, changing nothing, while another turn holds the lock (the chat
        panel's, on its worker thread): a click is handled on the kernel's main thread,
        which must not wait out a whole answer (nor hold up the panel's Stop)."""
        if not self.lock.acquire(blocking=False):
            return False
        try:
            conversation.checkout(conversation.head_for(turn_id))
            self.threads.save(conversation)
            self._changed(conversation)
        finally:
            self.lock.release()
        return True

    def _changed(self, conversation: Conversation, turn: Turn | None = None) -> None:
        for listener in list(self.listeners):
            listener(conversation, turn)

    def note_cell(self, info: Any) -> None:
        """``pre_run_cell`` hook: remember which notebook cell is running."""
        self.cell_id = getattr(info, "cell_id", None)
        self._cell_turns.clear()

    def parent_for(
        self, conversation: Conversation, fork: str | None, cell_id: str | None
    ) -> str | None:
        """Where the next turn attaches. ``fork`` names the turn to continue from. A
        cell whose turn is on the current branch regenerates it: the new turn takes
        the old one's place (same parent) and the old branch stays in the tree. Any
        other turn continues the head, so cells below a regenerated one follow it."""
        if fork is not None:
            try:
                return conversation.find(fork).id
            except LookupError as error:
                raise OptionsError(f"--fork: {error.args[0]}") from None
        earlier = conversation.turn_of_cell(cell_id)
        regenerates = (
            earlier is not None
            and earlier.id not in self._cell_turns
            and earlier.id in {t.id for t in conversation.branch()}
        )
        return earlier.parent if earlier is not None and regenerates else conversation.head

    # -- one turn ------------------------------------------------------------------------
    def run(
        self,
        request: TurnRequest,
        view: View,
        cancel: Cancel | None = None,
        cell_id: str | None = None,
    ) -> Turn:
        """Run ``request`` as the next turn, showing it in ``view``; return the turn.

        It goes into ``request.thread`` (default: the current one), started afresh
        first with ``request.new``, after ``parent_for``'s choice of turn;
        ``request.system`` changes the conversation's instructions from this turn on.
        ``cell_id`` is the notebook cell asking (``None`` for the panel). The
        finished turn is saved to the store at once.

        Setting ``cancel`` (the panel's Stop) cuts the stream at once, even one that has
        gone quiet, and ends the turn as interrupted, like a kernel interrupt does.

        While the model calls local function tools, they are run here and their results
        sent back, round after round, until it answers (at most
        ``request.max_tool_rounds`` rounds of tools).

        Raises a ``JupyterResponsesError`` after recording the turn when it did not
        complete (the view has already shown what arrived).
        """
        began = False
        try:
            with self.lock:
                began = True
                return self._run(request, view, cancel, cell_id)
        except KeyboardInterrupt:
            # An interrupt outside the turn proper: while waiting for another turn
            # (the chat panel's) to finish, or while it was being wrapped up.
            raise Interrupted(
                "Interrupted: %responses history shows what was recorded."
                if began
                else "Interrupted while waiting for the turn already running (the chat "
                "panel's) to finish: nothing was sent."
            ) from None

    def run_candidates(
        self,
        request: TurnRequest,
        views: list[View],
        cancel: Cancel | None = None,
        cell_id: str | None = None,
    ) -> list[Turn]:
        """``-n N``: N answers to one prompt, streamed side by side (one per view), which
        become N sibling turns, versions of one another; the first that completed is the
        head. One candidate failing leaves the others; all failing fails the cell, and a
        Stop or an interrupt stops them all (each kept as far as it came)."""
        try:
            with self.lock:
                return self._candidates(request, views, cancel or Cancel(), cell_id)
        except KeyboardInterrupt:
            raise Interrupted("Interrupted: %responses history shows what was recorded.") from None

    def _candidates(
        self, request: TurnRequest, views: list[View], stop: Cancel, cell_id: str | None
    ) -> list[Turn]:
        conversation, request, parent = self._begin(request, cell_id)
        history = conversation.context(parent) if parent is not None else []
        turns = [_new_turn(request, parent, cell_id) for _ in views]
        # Only the first may continue the thread's server-side conversation: the others
        # are forks of it, each copied into a conversation of its own.
        requests = [request, *[replace(request, server_conversation=None)] * (len(views) - 1)]
        saving = partial(self._save_running, conversation)
        recorders = [_Recorder(turn, request.store, stop, saving) for turn in turns]
        for view, recorder in zip(views, recorders, strict=True):
            view.start(recorder.turn, recorder.streamed)
        streams = BACKENDS[request.api].candidates(self.connection, requests, history, turns, stop)
        errors: dict[int, BaseException] = {}
        try:
            with self.connection.retries_shown_to(views[0].update):
                for index, event in streams:
                    if stop.requested:
                        raise _Cancelled
                    if isinstance(event, BaseException):
                        errors.setdefault(index, event)
                        _failed(turns[index], event)
                    else:
                        recorders[index].apply(event)
                        views[index].update(event)
        except (KeyboardInterrupt, _Cancelled):
            stop.set()
            for turn in turns:
                turn.status = "interrupted" if turn.status == "running" else turn.status
            raise Interrupted(INTERRUPTED) from None
        finally:
            streams.close()
            for index, turn in enumerate(turns):
                if turn.status == "running":  # its stream ended without the answer's end
                    _failed(turn, errors.setdefault(index, StreamFailed(ENDED_EARLY)))
            for view, recorder in zip(views, recorders, strict=True):
                self._settle(conversation, recorder, view)
            answered = [t for t in turns if t.in_context()]
            conversation.checkout((answered or turns)[0].id)
            self.threads.save(conversation)
            self._changed(conversation)
        if not answered:
            raise errors.get(0) or StreamFailed(ENDED_EARLY)
        return turns

    def _run(
        self, request: TurnRequest, view: View, cancel: Cancel | None, cell_id: str | None
    ) -> Turn:
        """``run``, holding the lock."""
        conversation, request, parent = self._begin(request, cell_id)
        history = conversation.context(parent) if parent is not None else []
        turn = _new_turn(request, parent, cell_id)

        def work(recorder: _Recorder) -> None:
            recorder.consume(self._fullness(request, history, turn), view)
            self._rounds(request, history, turn, recorder, view)

        return self._recorded(conversation, turn, request, view, cancel, work)

    def _begin(
        self, request: TurnRequest, cell_id: str | None
    ) -> tuple[Conversation, TurnRequest, str | None]:
        """Where a turn goes (the conversation, and the parent ``parent_for`` chooses)
        and its request as sent there; checked before anything changes, then the
        changes it asks for (``--new``, ``-s``) made."""
        conversation = self.threads.get(request.thread)
        server_state = self.settings().server_conversations or (
            conversation.server_state and not request.new
        )
        request = replace(request, server_state=server_state)
        BACKENDS[request.api].validate(request)
        self.connection.client()  # no key and no server: say so before anything changes
        if request.new:
            conversation = self.threads.fresh(conversation.name)
        conversation.server_state = server_state
        parent = self.parent_for(conversation, request.fork, cell_id)
        if request.system is not None:
            conversation.system = request.system or None
        request = replace(
            request,
            instructions=conversation.system,
            cache_key=caching.resolve(request.cache_key, conversation.id),
            server_conversation=server_threads.continuable(conversation, parent)
            if server_state
            else None,
        )
        return conversation, request, parent

    def _recorded(
        self,
        conversation: Conversation,
        turn: Turn,
        request: TurnRequest,
        view: View,
        cancel: Cancel | None,
        work: Callable[[_Recorder], None],
    ) -> Turn:
        """Do ``work`` for ``turn``, shown in ``view``: however it ends, the turn is
        recorded (status, error, cost, window), the tools let go of what they opened,
        the turn is appended and saved, and the view finished."""
        recorder = _Recorder(turn, request.store, cancel, partial(self._save_running, conversation))
        view.start(turn, recorder.streamed)
        try:
            # The SDK's waits before retrying (429, 5xx) show in this turn's view.
            with self.connection.retries_shown_to(view.update):
                work(recorder)
        except (KeyboardInterrupt, _Cancelled):
            turn.status = "interrupted"
            raise Interrupted(INTERRUPTED) from None
        except JupyterResponsesError as error:
            turn.error = str(error)
            turn.status = "failed" if turn.status == "running" else turn.status
            raise
        except Exception as error:
            turn.status, turn.error = "failed", f"{type(error).__name__}: {error}"
            raise
        finally:
            for tool in request.tools:
                if isinstance(tool, LocalTool):
                    tool.end_turn()  # the computer's browser closes, however the turn ended
            self._settle(conversation, recorder, view)
        return turn

    def _settle(self, conversation: Conversation, recorder: _Recorder, view: View) -> None:
        """However a turn ended: it is recorded (text, calls, cost, window), appended
        (the head now), saved, and its view finished."""
        turn = recorder.turn
        recorder.close()
        _settle_calls(turn)
        settings = self.settings()
        turn.cost = pricing.cost(turn.usage, turn.model, settings.prices)
        # A compaction's usage counts what it compacted, not what it left to send.
        size = None if turn.compacts() else window.size_of(turn.model, settings.context_windows)
        turn.window = recorder.window(size)
        conversation.append(turn)
        self._cell_turns.add(turn.id)
        self.threads.save(conversation)
        if self.threads.save_error:
            print(self.threads.save_error, file=sys.stderr)
        view.finish(turn)
        self._changed(conversation, turn)

    # -- detached turns ----------------------------------------------------------------------
    def detach(
        self,
        request: TurnRequest,
        view: View,
        cancel: Cancel,
        cell_id: str | None,
        done: Callable[[Turn], None] = lambda turn: None,
    ) -> threading.Thread:
        """Run ``request`` on a worker thread and return at once (``--detach``): the
        view keeps drawing in the cell that asked (the thread runs in a copy of its
        context, so the kernel routes output there), turns still take the session's
        lock one at a time, and ``wait`` blocks until every detached turn has ended.
        ``done`` gets the finished turn (``-o``); a failure is said in the cell."""

        def work() -> None:
            try:
                done(self.run(request, view, cancel, cell_id))
            except JupyterResponsesError as error:
                print(f"{error.heading}: {error}", file=sys.stderr)

        context = contextvars.copy_context()
        thread = threading.Thread(
            target=context.run, args=(work,), name="jupyter-responses-detached", daemon=True
        )
        with self._detached_lock:
            self._detached = [t for t in self._detached if t.is_alive()] + [thread]
        thread.start()
        return thread

    def wait(self, poll: float = 0.1) -> int:
        """Block until every detached turn has ended; how many there were. Polls, so
        a kernel interrupt stops the waiting (never the turns)."""
        with self._detached_lock:
            running = [t for t in self._detached if t.is_alive()]
        for thread in running:
            while thread.is_alive():
                thread.join(poll)
        return len(running)

    # -- background turns left running -----------------------------------------------------
    def unfinished(self) -> list[tuple[str, str]]:
        """``(conversation id, turn id)`` of the background turns saved as running: a
        kernel died (or was restarted) while the server worked on them."""
        store = self.threads.store()
        return store.unfinished_background() if store is not None else []

    def finish(self, conversation_id: str, turn_id: str, view: View) -> Turn:
        """Finish a background turn left running: its conversation opens as a thread
        (made current), the response is streamed again from its first event (what had
        arrived before was not saved) and the turn ends in place, as it would have."""
        with self.lock:
            conversation = self.threads.resume(conversation_id)
            turn = conversation.turns.get(turn_id)
            if turn is None or turn.status != "running" or not turn.response_id:
                raise OptionsError(f"Turn {turn_id} of {conversation_id} is not left running.")
            backend = BACKENDS[turn.api]
            request = TurnRequest(
                api=turn.api,
                prompt=turn.prompt,
                model=turn.model,
                instructions=turn.instructions,
                background=True,
            )
            _restart(turn)
            turn.notes.append(FINISHED_NOTE)

            def work(recorder: _Recorder) -> None:
                recorder.consume(backend.reattach(self.connection, request, turn), view)
                if turn.status == "running":
                    raise StreamFailed(
                        "The background response's stream ended before it did; it may still "
                        "be running on the server: %responses resume tries again."
                    )

            return self._recorded(conversation, turn, request, view, None, work)

    def _save_running(self, conversation: Conversation, turn: Turn) -> None:
        """Save a turn the server runs in the background as it is (``running``, with its
        response id) without moving the head: if this kernel dies, the next can find
        it and finish it (``%responses resume``)."""
        conversation.turns.setdefault(turn.id, turn)
        self.threads.save(conversation)

    def over_threshold(self, request: TurnRequest) -> bool:
        """Whether ``request``, sent next in its thread, would fill ``context_warn_at``
        of its model's window (an estimate: what ``auto_compact`` acts on)."""
        settings = self.settings()
        size = window.size_of(request.model, settings.context_windows)
        if size is None or not settings.context_warn_at:
            return False
        with self.lock:
            history = self.threads.get(request.thread).context()
        context = request.context["text"] if request.context else ""
        new = [request.prompt, context, request.instructions or ""]
        return bool(history) and _estimate(history, new) >= settings.context_warn_at * size

    def _fullness(
        self, request: TurnRequest, history: list[Turn], turn: Turn
    ) -> Iterator[ev.Event]:
        """A note when this turn fills most of the model's context window: estimated,
        and counted by the server when the estimate comes near the threshold."""
        settings = self.settings()
        size = window.size_of(request.model, settings.context_windows)
        if size is None or not settings.context_warn_at or request.compact:
            return  # a compaction sends it all to make it small: nothing to warn of
        tokens = _estimate(history, [*turn.message_texts(), request.instructions or ""])
        threshold = settings.context_warn_at * size
        if tokens < NEAR * threshold:
            return
        backend = BACKENDS[request.api]
        counted = backend.count_tokens(self.connection, request, history, turn)
        tokens = counted if counted is not None else tokens
        if tokens >= threshold:
            yield ev.Note(window.warning(request.model, tokens, size))

    def _rounds(
        self,
        request: TurnRequest,
        history: list[Turn],
        turn: Turn,
        recorder: _Recorder,
        view: View,
    ) -> None:
        backend = BACKENDS[request.api]
        settings = self.settings()

        def asks(tool: LocalTool) -> bool:
            """``--approve`` asks before every call; else the tool says (the python tool
            asks unless ``python_tool_approve`` is off)."""
            return request.approve or tool.asks(settings)

        if request.compact:
            events = backend.compact(self.connection, request, history, turn, recorder.cancel)
            recorder.consume(events, view)
            return
        for rounds_done in range(request.max_tool_rounds + 1):
            recorder.consume(
                backend.stream(self.connection, request, history, turn, recorder.cancel), view
            )
            if turn.status == "running":
                raise StreamFailed(ENDED_EARLY)
            pending = pending_calls(turn.output)
            if not pending:
                return
            if rounds_done == request.max_tool_rounds:
                break
            turn.status = "running"
            recorder.consume(
                run_pending(pending, request.tools, view.confirm, request.tool_timeout, asks), view
            )
            if _ends_loop(pending, turn, request):  # the user chose to stop there
                turn.status = "completed"
                turn.notes.append(DECLINED_NOTE)
                return
        limit = request.max_tool_rounds
        recorder.consume(unanswered(pending, f"the limit of {limit} tool rounds was reached"), view)
        turn.status = "stopped"
        raise ToolRoundsExceeded(
            f"Stopped after {limit} rounds of tool calls: the model kept calling tools without "
            f"answering. Its last calls were not run. Raise the limit with --max-tool-rounds, "
            f"or make the task narrower."
        )


#: Said on a background turn that a later kernel finished.
FINISHED_NOTE = (
    "Finished after its kernel stopped: the server kept working on it, and the answer "
    "was streamed again from its start."
)


def record(turn: Turn, events: Iterable[ev.Event]) -> Turn:
    """``turn`` as ``events`` make it, shown nowhere and kept in no conversation: a
    mapped row's answer (``maps``)."""
    recorder = _Recorder(turn, store=False)
    for event in events:
        recorder.apply(event)
    recorder.close()
    _settle_calls(turn)
    return turn


def _failed(turn: Turn, error: BaseException) -> None:
    """Record why a turn failed, as ``_recorded`` does for one it was running."""
    turn.status = "failed" if turn.status == "running" else turn.status
    if isinstance(error, JupyterResponsesError):
        turn.error = str(error)
    else:
        turn.error = f"{type(error).__name__}: {error}"


def _new_turn(request: TurnRequest, parent: str | None, cell_id: str | None) -> Turn:
    return Turn(
        api=request.api,
        model=request.model,
        prompt=request.prompt,
        parent=parent,
        instructions=request.instructions,
        attachments=[a.record() for a in request.attachments],
        context=request.context,
        schema=request.schema.name if request.schema else None,
        cell_id=cell_id,
        magic=request.magic,
    )


def _restart(turn: Turn) -> None:
    """Empty what streamed into ``turn`` before: its replay brings it all again."""
    turn.output, turn.calls, turn.citations, turn.images = [], [], [], []
    turn.text, turn.reasoning, turn.refusal, turn.commentary = "", "", None, []
    turn.usage = type(turn.usage)()
    turn.logprobs = []
    turn.started, turn.finished = time.time(), None


def _estimate(history: list[Turn], new: list[str]) -> int:
    """Tokens a turn sends after ``history`` with the texts ``new``: what the last turn
    filled, as counted then (else the history's texts), plus the new texts."""
    last = history[-1].window if history else None
    sent = [t for past in history for t in [*past.message_texts(), past.text]]
    return window.estimate(last["used"] if last else None, sent, new)


#: How near the warning threshold an estimate must come for the server to be asked for
#: an exact count (an estimate from characters can be a fifth off either way).
NEAR = 0.8

#: Said when the user denied a call only its running could answer (a computer call).
DECLINED_NOTE = (
    "You declined a computer action, so the model's use of the computer ended there: "
    "ask again to go on."
)


def _ends_loop(pending: list[LocalCallEntry], turn: Turn, request: TurnRequest) -> bool:
    """Whether a call the user denied cannot be answered (``answers_when_denied``), so
    the loop cannot go on."""
    tools = {t.name: t for t in request.tools if isinstance(t, LocalTool)}
    denied = {c["call_id"] for c in turn.calls if c["status"] == "denied"}
    return any(
        call["call_id"] in denied and not tools[call["name"]].answers_when_denied
        for call in pending
        if call["name"] in tools
    )


def _settle_calls(turn: Turn) -> None:
    """A call still running (or waiting to run) when its turn stopped never finished:
    it must not be shown as running forever."""
    if turn.status in ("completed", "running"):
        return
    for call in turn.calls:
        if call["status"] in ("running", "requested"):
            call["status"] = "interrupted" if turn.status == "interrupted" else "not finished"


class _Cancelled(Exception):
    """The panel's Stop: handled like a kernel interrupt."""


class _Recorder:
    """Folds events into the turn; text is joined once, not per token."""

    def __init__(
        self,
        turn: Turn,
        store: bool,
        cancel: Cancel | None = None,
        running: Callable[[Turn], None] = lambda turn: None,
    ) -> None:
        self.turn = turn
        self.store = store
        self.cancel = cancel
        #: Told when the server starts running the turn in the background.
        self.running = running
        self.streamed = Streamed()
        self.calls: dict[str, CallRecord] = {}
        #: Per local tool call, the indexes in ``turn.images`` of the images it returned.
        self.tool_images: dict[str, list[int]] = {}
        #: What the server counted for the last request (one per tool round).
        self.last_usage: ev.Usage | None = None

    def consume(self, events: Iterator[ev.Event], view: View) -> None:
        """Apply and show each event; on cancel, close ``events`` at once, which closes
        the HTTP stream underneath. A stream cut by the cancel fails: that is the stop."""
        cancel, apply, show = self.cancel, self.apply, view.update  # once, not per token
        add_text = self.streamed.answer.add
        try:
            for event in events:
                if cancel is not None and cancel.requested:
                    raise _Cancelled
                if type(event) is ev.TextDelta:  # the per-token path, kept short
                    add_text(event.text, event.message, event.phase)
                else:
                    apply(event)
                show(event)
        except JupyterResponsesError:
            if self.cancelled:
                raise _Cancelled from None
            raise
        finally:
            if isinstance(events, Generator):
                events.close()

    @property
    def cancelled(self) -> bool:
        return self.cancel is not None and self.cancel.is_set()

    def apply(self, event: ev.Event) -> None:
        turn = self.turn
        streamed = self.streamed
        if isinstance(event, ev.TextDelta):
            streamed.answer.add(event.text, event.message, event.phase)
        elif isinstance(event, ev.RefusalDelta):
            streamed.refusal.append(event.text)
        elif isinstance(event, ev.ReasoningDelta):
            streamed.reasoning.add(event.text, event.part)
        elif isinstance(event, ev.Usage):
            turn.usage = turn.usage + event
            self.last_usage = event
        elif isinstance(event, ev.Running):
            turn.response_id, turn.background = event.response_id, True
            self.running(turn)
        elif isinstance(event, ev.ServerConversation):
            turn.server_conversation = event.conversation_id
        elif isinstance(event, ev.Note):
            turn.notes.append(event.text)
        elif isinstance(event, ev.Citation):
            cited: CitationRecord = {"url": event.url, "title": event.title}
            if event.file:
                cited["file"] = event.file
            turn.citations.append(cited)
        elif isinstance(event, ev.Logprobs):
            logprobs.keep(turn.logprobs, event.tokens)
        elif isinstance(event, ev.Image):
            turn.images.append(image_record(event.data, event.mime))
            if event.call_id:  # it goes back to the model with that call's result
                self.tool_images.setdefault(event.call_id, []).append(len(turn.images) - 1)
        elif isinstance(event, ev.ToolCallStarted):
            streamed.answer.tool_called()
            call: CallRecord = {
                "call_id": event.call_id,
                "name": event.name,
                "kind": event.kind,
                "arguments": "",
                "status": "running",
            }
            self.calls[event.call_id] = call
            turn.calls.append(call)
        elif isinstance(event, ev.ToolCallDelta):
            call = self._call(event.call_id)
            call["arguments"] += event.text
        elif isinstance(event, ev.ToolCallDone):
            call = self._call(event.call_id, event.name, event.kind)
            call["arguments"] = event.arguments
            if event.kind == "function":
                call["status"] = "requested"
            else:
                waits = event.waiting  # a question for the user: answered before it runs
                call["status"] = "error" if event.error else "requested" if waits else "done"
                call["detail"], call["output"], call["error"] = (
                    event.detail,
                    event.output,
                    event.error,
                )
        elif isinstance(event, ev.ToolDetail):
            self._call(event.call_id, event.name)["detail"] = event.detail
        elif isinstance(event, ev.ToolRunning):
            self._call(event.call_id, event.name)["status"] = "running"
        elif isinstance(event, ev.ToolResult):
            images = self.tool_images.pop(event.call_id, [])
            for mime, data in event.images:  # shown by the tool itself: recorded here
                turn.images.append(image_record(data, mime))
                images.append(len(turn.images) - 1)
            ran = not event.denied and event.error is None
            turn.output.append(result_entry(turn.output, event.call_id, event.output, images, ran))
            call = self._call(event.call_id, event.name)
            call["status"] = "denied" if event.denied else "error" if event.error else "done"
            call["output"], call["error"] = event.output, event.error
            call["seconds"] = event.seconds
        elif isinstance(event, ev.Completed):
            turn.status = event.status
            turn.response_id = event.response_id
            turn.stored = bool(event.response_id) and event.stored and self.store
            turn.output.extend(event.entries)
            turn.service_tier = event.service_tier or turn.service_tier

    def window(self, size: int | None) -> WindowRecord | None:
        """How full the last request left a window of ``size`` tokens: its input and
        the answer it wrote, which the next turn sends."""
        last = self.last_usage
        if size is None or last is None or not (last.input_tokens or last.output_tokens):
            return None
        return {"used": last.input_tokens + last.output_tokens, "size": size}

    def _call(self, call_id: str, name: str = "", kind: str = "function") -> CallRecord:
        """The display record of a call (created if the stream skipped its start)."""
        call = self.calls.get(call_id)
        if call is None:
            self.apply(ev.ToolCallStarted(call_id, name, kind))
            call = self.calls[call_id]
        return call

    def close(self) -> None:
        turn, streamed = self.turn, self.streamed
        turn.text = streamed.answer.text()
        turn.commentary = streamed.answer.commentary()
        turn.refusal = "".join(streamed.refusal) or None
        turn.reasoning = streamed.reasoning.text()
        turn.finished = time.time()


_sessions: weakref.WeakKeyDictionary[Any, Session] = weakref.WeakKeyDictionary()


def session_for(shell: Any, settings: Callable[[], Settings]) -> Session:
    """The one session of this kernel's shell (created on first use)."""
    session = _sessions.get(shell)
    if session is None:
        session = _sessions[shell] = Session(settings)
    return session
