"""Running the model's calls of local tools (notebook functions, the python tool):
in order, after the user's yes where one is needed, each bounded by a timeout, its
result (text, images, or the error it raised) made into events for the session.

A raising or hanging tool is never fatal: what went wrong goes back to the model as
the call's result, and the turn goes on.
"""

from __future__ import annotations

import contextvars
import json
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

from . import events as ev
from .tool_results import ToolImage, result_of

if TYPE_CHECKING:
    from .config import Settings
    from .tools import FunctionTool, Tool
    from .transcript import CallDetail, LocalCallEntry


@dataclass(frozen=True)
class Outcome:
    """What running one call produced: the text for the model (or the error it raised),
    and the images that go back with it. ``shown``: the tool already showed those
    images where its output goes (the python tool draws its figures in the cell)."""

    output: str
    error: str | None
    seconds: float
    images: tuple[ToolImage, ...] = ()
    shown: bool = False


@runtime_checkable
class LocalTool(Protocol):
    """A tool the kernel runs when the model calls it (``tools.FunctionTool``,
    ``tools.PythonTool``): what the loop needs of it, and nothing about which it is."""

    name: str

    def asks(self, settings: Settings) -> bool:
        """Whether each call needs the user's yes (``--approve`` asks for every tool)."""
        ...

    def detail(self, call: LocalCallEntry) -> CallDetail:
        """How a call reads, beyond its arguments (the python tool's code)."""
        ...

    def question(self, call: LocalCallEntry) -> str | None:
        """What the user is asked to approve: the arguments, or the code (``None``: the
        call cannot run as it is, so there is nothing to ask; running it says why)."""
        ...

    def run(self, call: LocalCallEntry, timeout: float | None) -> Outcome: ...

    def must_ask(self, call: LocalCallEntry) -> bool:
        """Whether this call needs the user's yes whatever the settings say (a computer
        call the server raised safety checks on)."""
        ...

    #: Whether a call the user denied can still be answered (a function's result says
    #: it was declined); a computer call cannot (only a screenshot of what it did
    #: answers it), so denying one ends the tool loop.
    answers_when_denied: bool

    def end_turn(self) -> None:
        """Release what the turn's calls opened (the computer's browser)."""
        ...


class LocalToolDefaults:
    """What most local tools say to the rarer questions of ``LocalTool``: no call needs
    asking beyond the settings, a denied call is answered by saying so, and a turn
    leaves nothing open."""

    answers_when_denied = True

    def must_ask(self, call: LocalCallEntry) -> bool:
        return False

    def end_turn(self) -> None:
        return None


def run_call(tool: FunctionTool, arguments: str, timeout: float | None = None) -> Outcome:
    """Run one call. A raising tool is not fatal: the error goes back to the model.

    With a ``timeout`` (seconds), the function runs on a worker thread and the turn
    waits at most that long; then the model is told the call timed out and the turn
    goes on. Python cannot stop a thread, so a hung function keeps running in the
    background (a daemon thread: it never keeps the kernel from exiting), and what it
    prints or displays later still goes to the cell that ran it. Without a timeout
    (``None`` or 0) it runs right here, on the caller's thread.
    """
    started = time.perf_counter()
    try:
        value = _in_thread(tool, arguments, timeout) if timeout else tool.call(arguments)
    except _TimedOut:
        message = f"timed out after {timeout:g} s (the function may still be running)"
        return Outcome(f"Error: {message}", message, time.perf_counter() - started)
    except (Exception, SystemExit) as error:  # a tool's sys.exit() (argparse...) too
        message = _describe(error)
        return Outcome(f"Error: {message}", message, time.perf_counter() - started)
    result = result_of(value)
    return Outcome(result.text, None, time.perf_counter() - started, result.images)


class _TimedOut(Exception):
    """A tool call did not return within its timeout."""


def _in_thread(tool: FunctionTool, arguments: str, timeout: float) -> Any:
    """``tool.call(arguments)`` on a daemon thread, waiting at most ``timeout`` seconds.
    The thread runs in a copy of the caller's context, so the kernel routes its output
    to the caller's cell; what it raises is raised here."""
    done = threading.Event()
    outcome: list[tuple[bool, Any]] = []
    context = contextvars.copy_context()

    def target() -> None:
        try:
            outcome.append((True, context.run(tool.call, arguments)))
        except BaseException as error:  # handed to the waiting caller, never lost
            outcome.append((False, error))
        finally:
            done.set()

    worker = threading.Thread(target=target, name=f"jupyter-responses-tool-{tool.name}")
    worker.daemon = True
    worker.start()
    if not done.wait(min(timeout, threading.TIMEOUT_MAX)):
        raise _TimedOut
    returned, value = outcome[0]
    if returned:
        return value
    raise value


def _describe(error: BaseException) -> str:
    """One line the model can act on; pydantic's own message is long and carries URLs."""
    from pydantic import ValidationError

    if isinstance(error, ValidationError):
        problems = "; ".join(
            f"{'.'.join(str(part) for part in e['loc']) or 'arguments'}: {e['msg']}"
            for e in error.errors()
        )
        return f"invalid arguments ({problems})"
    if isinstance(error, json.JSONDecodeError):
        return f"the arguments are not valid JSON ({error})"
    return f"{type(error).__name__}: {error}"


#: Asks the user whether a call may run: ``confirm(name, arguments) -> bool``.
Confirm = Callable[[str, str], bool]


def run_pending(
    calls: Sequence[LocalCallEntry],
    tools: Sequence[Tool],
    confirm: Confirm | None,
    timeout: float | None = None,
    asks: Callable[[LocalTool], bool] | None = None,
) -> Iterator[ev.Event]:
    """Run the model's calls of local tools in order: per call, how it reads
    (``ToolDetail``, when its tool has more to show than its arguments), then
    ``ToolRunning``, the images it returned and its ``ToolResult``. Only the tools
    offered can run: a call to any other name gets an error result, as does a call the
    user denies. ``asks(tool)``: whether a call of ``tool`` needs the user's yes first
    (default: every call, when there is a ``confirm`` to ask with); with nobody to ask,
    such a call does not run. ``timeout`` bounds each call (see ``run_call``)."""
    local = {t.name: t for t in tools if isinstance(t, LocalTool)}
    for call in calls:
        call_id, name = call["call_id"], call["name"]
        tool = local.get(name)
        if tool is None:
            message = f"no tool named {name!r} was offered"
            yield ev.ToolResult(call_id, name, f"Error: {message}.", error=message)
            continue
        detail = tool.detail(call)
        if detail:
            yield ev.ToolDetail(call_id, name, detail)
        question = tool.question(call)
        must_ask = question is not None and (
            tool.must_ask(call) or (asks(tool) if asks else confirm is not None)
        )
        if must_ask and (confirm is None or not confirm(name, question or "")):
            yield ev.ToolResult(call_id, name, "The user declined to run this call.", denied=True)
            continue
        yield ev.ToolRunning(call_id, name)
        yield from _results(call_id, name, tool.run(call, timeout))


def _results(call_id: str, name: str, outcome: Outcome) -> Iterator[ev.Event]:
    """A call's images and its result: images the tool has not shown yet come first,
    as images of the call, for the view to show (the python tool has drawn its own in
    the cell, so they ride on the result)."""
    shown: tuple[tuple[str, str], ...] = ()
    if outcome.shown:
        shown = tuple((image.mime, image.base64()) for image in outcome.images)
    else:
        for image in outcome.images:
            caption = image.caption or f"returned by {name}"
            yield ev.Image(image.base64(), caption, image.mime, call_id, image.screen)
    yield ev.ToolResult(call_id, name, outcome.output, outcome.error, outcome.seconds, images=shown)


def unanswered(calls: Sequence[LocalCallEntry], reason: str) -> Iterator[ev.ToolResult]:
    """Results for calls that will not run, so the transcript stays valid to resend."""
    for call in calls:
        yield ev.ToolResult(call["call_id"], call["name"], f"Not run: {reason}", error=reason)
