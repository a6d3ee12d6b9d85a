"""Run the model's Python in the user's kernel, as a cell would, and tell the model
what happened.

The code runs in ``shell.user_ns``: what it defines stays for the user, what it
prints and displays appears in the running cell's output area, and a copy of all of
it (plus the last expression's value, a traceback, the figures it drew) goes back to
the model. It does not go through ``shell.run_cell``, even with
``store_history=False``: that fires the ``pre/post_run_cell`` events (matplotlib-inline
then shows and closes every open figure, autoreload reloads modules, extensions react
to a "cell"), the displayhook writes ``_`` and ``Out[n]`` of the user's cell, and
tracebacks come out coloured and through IPython's frames. So the code is transformed
(``%magics``, ``!shell``) and parsed as a cell is, compiled here with the user's
``__future__`` flags, and run statement block first, last expression shown after,
as ``ast_node_interactivity="last_expr"`` does. Top-level ``await`` works too.
"""

from __future__ import annotations
import __future__

import ast
import asyncio
import contextvars
import functools
import inspect
import io
import itertools
import linecache
import operator
import re
import threading
import time
import tokenize
import traceback
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from types import CodeType
from typing import Any

from .python_output import Figures, Log, captured
from .tool_results import MAX_RESULT_CHARS, serialize

#: Seconds to wait, after interrupting code that timed out, for it to stop.
STOP_GRACE = 1.0

#: Characters kept from the start, and from the end, of what the code writes; the
#: middle of a long log is dropped as it is written (its end shows how it finished).
_LOG_KEEP = MAX_RESULT_CHARS * 2 // 5

#: Each run's code gets its own file name, so tracebacks (now and later, from functions
#: it defined) show its lines, and its frames are told apart from everyone else's.
_FILE_PREFIX = "<python-tool-"
_runs = itertools.count(1)

_FUTURE_FLAGS = functools.reduce(
    operator.or_, (getattr(__future__, name).compiler_flag for name in __future__.all_feature_names)
)
_ANSI = re.compile(r"\x1b\[[0-?]*[ -/]*[@-~]")


@dataclass(frozen=True)
class PythonRun:
    """What one run produced, for the model and for the view."""

    text: str  # what goes back to the model: output, the last value, the traceback
    images: list[tuple[str, bytes]]  # (mime, data) of figures and images it showed
    error: str | None  # "ZeroDivisionError: division by zero", "timed out after 2 s"
    seconds: float


def run_python(shell: Any, code: str, timeout: float | None = None) -> PythonRun:
    """Run ``code`` in ``shell``'s namespace as a cell would; never raises for what
    the code does (its exception becomes the traceback in ``text`` and ``error``),
    only ``KeyboardInterrupt`` (the user's kernel interrupt) goes through.

    Without a ``timeout`` (``None`` or 0) the code runs right here, on the caller's
    thread, so an interrupt stops it as it stops a cell. With one, it runs on a worker
    thread (in a copy of the caller's context, so the kernel sends its output to the
    caller's cell) and the caller waits at most ``timeout`` seconds; an interrupt
    while waiting stops the wait and is passed on to the code. When the time is up,
    the code is interrupted as a kernel interrupt would do it (``KeyboardInterrupt``
    raised in its thread), the caller waits up to ``STOP_GRACE`` seconds more for it
    to stop, and the model is told it timed out (and whether it stopped). Python can
    deliver that interrupt only between bytecodes: code blocked in a call outside
    Python (``time.sleep``, a socket read, a long numpy operation) stops when that call
    returns, so it may still run for a while; what it prints or displays then goes to
    the cell, not to the model, and what it had done to the namespace stays done.
    """
    started = time.perf_counter()
    filename = f"{_FILE_PREFIX}{next(_runs)}>"
    log = Log(_LOG_KEEP)
    try:
        program = _compile(shell, code, filename)
    except Exception as error:  # a SyntaxError, or a transformer refusing the code
        trace = "".join(traceback.format_exception_only(type(error), error))
        return _report(log, [], 0, trace, _one_line(error), started)
    figures = Figures()
    with captured(shell, log) as display:
        if timeout:
            ended = _on_worker(functools.partial(program.run, shell), timeout)
        else:
            ended = _Ended(error=program.run(shell))
        if not ended.timed_out:
            try:
                figures.show_touched(shell, log)
            except Exception as error:  # a broken figure must not lose the run's result
                log.write(f"(the figures could not be shown: {_one_line(error)})\n")
    if ended.timed_out:
        message = f"timed out after {timeout:g} s"
        how = (
            "the code was interrupted"
            if ended.stopped
            else "the code was interrupted, but it is blocked in a call outside Python "
            "and stops only when that call returns"
        )
        trace = f"Error: {message}; {how}.\n"
        return _report(log, display.images, display.left_out, trace, message, started)
    if ended.error is None:
        return _report(log, display.images, display.left_out, "", None, started)
    trace = _traceback(ended.error)
    return _report(log, display.images, display.left_out, trace, _one_line(ended.error), started)


def _report(
    log: Log,
    images: list[tuple[str, bytes]],
    left_out: int,
    trace: str,
    error: str | None,
    started: float,
) -> PythonRun:
    """The text for the model: everything written and shown, in order, then the
    traceback; bounded like any tool result."""
    text = log.text()
    if trace:
        text += ("\n" if text and not text.endswith("\n") else "") + trace
    if left_out:
        text += f"\n({left_out} more image{'s' if left_out > 1 else ''} not sent)"
    text = _ANSI.sub("", text).rstrip("\n") or "(no output)"
    return PythonRun(serialize(text), images, error, time.perf_counter() - started)


def _one_line(error: BaseException) -> str:
    if isinstance(error, SyntaxError):
        return f"{type(error).__name__}: {error.msg} (line {error.lineno})"
    message = str(error)
    return f"{type(error).__name__}: {message}" if message else type(error).__name__


# -- compiling and running -------------------------------------------------------------


@dataclass(frozen=True)
class _Program:
    """The code compiled as a cell is: every statement but a last expression, and
    that expression, whose value is shown (unless the code ends with ``;``)."""

    body: CodeType | None
    last: CodeType | None
    quiet: bool

    def run(self, shell: Any) -> BaseException | None:
        """Run it; what the code raises is returned (an interrupt goes through)."""
        try:
            if self.body is not None:
                _evaluate(self.body, shell)
            if self.last is not None:
                value = _evaluate(self.last, shell)
                if value is not None and not self.quiet:
                    data, metadata = shell.display_formatter.format(value)
                    shell.display_pub.publish(data=data, metadata=metadata)
        except (Exception, SystemExit) as error:  # sys.exit() must not end the kernel
            return error
        return None


def _compile(shell: Any, code: str, filename: str) -> _Program:
    source = shell.transform_cell(code)
    linecache.cache[filename] = (len(source), None, source.splitlines(keepends=True), filename)
    tree = shell.transform_ast(ast.parse(source, filename))
    flags = (getattr(shell.compile, "flags", 0) & _FUTURE_FLAGS) | ast.PyCF_ALLOW_TOP_LEVEL_AWAIT
    nodes = list(tree.body)
    last = nodes.pop() if nodes and isinstance(nodes[-1], ast.Expr) else None
    body = None
    if nodes:
        module = ast.Module(body=nodes, type_ignores=[])
        body = compile(module, filename, "exec", flags, dont_inherit=True)
    expression = None
    if last is not None:
        expression = compile(ast.Expression(last.value), filename, "eval", flags, dont_inherit=True)
    return _Program(body, expression, _ends_with_semicolon(source))


def _ends_with_semicolon(source: str) -> bool:
    """Whether the last token is ``;`` (which hides a cell's value)."""
    try:
        tokens = list(tokenize.generate_tokens(io.StringIO(source).readline))
    except (tokenize.TokenError, SyntaxError):
        return False
    skip = {tokenize.ENDMARKER, tokenize.NL, tokenize.NEWLINE, tokenize.COMMENT}
    last = next((t for t in reversed(tokens) if t.type not in skip), None)
    return last is not None and last.type == tokenize.OP and last.string == ";"


def _evaluate(code: CodeType, shell: Any) -> Any:
    value = eval(code, shell.user_global_ns, shell.user_ns)
    if code.co_flags & inspect.CO_COROUTINE:  # it awaits at top level
        value = _await(value)
    return value


def _await(coroutine: Any) -> Any:
    """Run top-level ``await`` code to its end. The kernel's own event loop is running
    this thread (the cell is one of its tasks) and cannot be re-entered, so then the
    coroutine gets a loop of its own on a helper thread."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(coroutine)
    outcome: list[tuple[bool, Any]] = []
    context = contextvars.copy_context()

    def target() -> None:
        try:
            outcome.append((True, context.run(asyncio.run, coroutine)))
        except BaseException as error:  # handed to the waiting caller
            outcome.append((False, error))

    helper = threading.Thread(target=target, name="jupyter-responses-python-await", daemon=True)
    helper.start()
    helper.join()
    returned, value = outcome[0]
    if returned:
        return value
    raise value


@dataclass
class _Ended:
    """How a run ended: with the code's exception (or none), or by the timeout, after
    which the code was interrupted and has ``stopped`` (or not yet)."""

    error: BaseException | None = None
    timed_out: bool = False
    stopped: bool = False


def _on_worker(run: Callable[[], BaseException | None], timeout: float) -> _Ended:
    done = threading.Event()
    ended = _Ended()
    context = contextvars.copy_context()

    def target() -> None:
        try:
            ended.error = context.run(run)
        except BaseException as error:  # our interrupt after the timeout, mostly
            ended.error = error
        finally:
            done.set()

    worker = threading.Thread(target=target, name="jupyter-responses-python", daemon=True)
    worker.start()
    try:
        if done.wait(min(timeout, threading.TIMEOUT_MAX)):
            return ended
    except KeyboardInterrupt:  # the user interrupted the kernel while we waited
        _interrupt(worker, done)
        raise
    _interrupt(worker, done)
    return _Ended(timed_out=True, stopped=done.wait(STOP_GRACE))


def _interrupt(worker: threading.Thread, done: threading.Event) -> None:
    """Raise ``KeyboardInterrupt`` in ``worker``, as a kernel interrupt does in a cell."""
    import ctypes

    if done.is_set() or worker.ident is None or not hasattr(ctypes, "pythonapi"):
        return
    ctypes.pythonapi.PyThreadState_SetAsyncExc(
        ctypes.c_ulong(worker.ident), ctypes.py_object(KeyboardInterrupt)
    )


# -- tracebacks ------------------------------------------------------------------------


def _is_model_code(filename: str) -> bool:
    return filename.startswith(_FILE_PREFIX)


class _ModelFrames(traceback.StackSummary):
    """A stack as the model needs it: from its own code down (the runner's frames above
    it are dropped), the frames of its code in full, each run of other frames
    (libraries, the notebook's functions) as one line, and always the frame that
    raised, wherever it is."""

    @classmethod
    def of(cls, frames: Iterable[traceback.FrameSummary]) -> _ModelFrames:
        frames = list(frames)
        first = next((i for i, f in enumerate(frames) if _is_model_code(f.filename)), None)
        trimmed = cls()
        trimmed.extend(frames[first:] if first is not None else frames[-1:])
        return trimmed

    def format(self, **options: Any) -> list[str]:
        lines: list[str] = []
        innermost = len(self) - 1

        def shown(pair: tuple[int, traceback.FrameSummary]) -> bool:
            return pair[0] == innermost or _is_model_code(pair[1].filename)

        for full, run in itertools.groupby(enumerate(self), key=shown):
            frames = [frame for _, frame in run]
            if full:
                lines += traceback.StackSummary.from_list(frames).format()
            else:
                count = len(frames)
                lines.append(f"  [{count} frame{'s' if count > 1 else ''} in other code]\n")
        return lines


def _traceback(error: BaseException) -> str:
    """The traceback, without colours and without the frames that are not the model's
    (see ``_ModelFrames``), chained exceptions included."""
    report = traceback.TracebackException.from_exception(error)
    pending, seen = [report], set()
    while pending:
        each = pending.pop()
        if id(each) in seen:
            continue
        seen.add(id(each))
        each.stack = _ModelFrames.of(each.stack)
        pending += [e for e in (each.__cause__, each.__context__) if e is not None]
        pending += getattr(each, "exceptions", None) or []  # an ExceptionGroup's
    return "".join(report.format())
