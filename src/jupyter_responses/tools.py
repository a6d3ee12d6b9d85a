"""Tools the model may use: local Python functions and the server's built-in tools.

A function becomes a tool only when the user names it (``--tools get_weather``); its
JSON schema comes from pydantic (signature, type hints, defaults) plus the docstring's
description and parameter docs. Calls are validated by pydantic before the function
runs, and whatever the function returns or raises becomes text for the model.
"""

from __future__ import annotations

import contextvars
import inspect
import json
import threading
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from . import builtin_tools
from . import events as ev
from .builtin_tools import BuiltinOptions, BuiltinTool
from .errors import OptionsError
from .schemas import SCHEMA_MAPS
from .transcript import FunctionCallEntry

#: Longest tool result sent back to the model; the rest is cut with a note.
MAX_RESULT_CHARS = 20_000

#: Rows of a table-like result (a DataFrame) that are sent.
MAX_TABLE_ROWS = 50


@dataclass(frozen=True)
class FunctionTool:
    """A notebook function the model may call."""

    name: str
    description: str
    parameters: dict[str, Any]
    func: Callable[..., Any] = field(repr=False, compare=False)

    @cached_property
    def validated(self) -> Callable[..., Any]:
        """The function behind pydantic's argument validation (built once)."""
        from pydantic import validate_call

        return validate_call(self.func)

    def call(self, arguments: str) -> Any:
        """Run the function with the model's JSON ``arguments``, validated first."""
        values = json.loads(arguments or "{}")
        if not isinstance(values, dict):
            raise TypeError(f"arguments must be a JSON object, not {type(values).__name__}")
        return self.validated(**values)


Tool = FunctionTool | BuiltinTool


def resolve_tools(
    names: Sequence[str],
    namespace: Mapping[str, Any],
    vector_stores: Sequence[str] = (),
    mcp_servers: Sequence[str] = (),
) -> tuple[Tool, ...]:
    """The tools ``--tools NAME ...``, ``--vector-store`` and ``--mcp`` ask for.

    A built-in tool's name means the built-in; any other name must be a callable in the
    notebook namespace. Nothing else can ever be called.
    """
    options = BuiltinOptions(tuple(vector_stores))
    known = builtin_tools.selectable()
    tools: list[Tool] = []
    for name in dict.fromkeys(names):
        if name in known:
            tools.append(builtin_tools.builtin(name, options))
        elif callable(namespace.get(name)):
            tools.append(function_tool(namespace[name], name))
        elif name in namespace:
            raise OptionsError(
                f"--tools {name}: `{name}` is not a function "
                f"(it is of type {type(namespace[name]).__name__})."
            )
        else:
            raise OptionsError(
                f"--tools {name}: no function named `{name}` is defined in the notebook, and it is "
                f"not a built-in tool ({', '.join(known)}). Define the function first."
            )
    for spec in builtin_tools.implied(options):
        if spec.name not in names:
            tools.append(builtin_tools.builtin(spec.name, options))
    tools.extend(builtin_tools.mcp_server(spec) for spec in mcp_servers)
    return tuple(tools)


def function_tool(func: Callable[..., Any], name: str | None = None) -> FunctionTool:
    """Describe ``func`` for the model: pydantic builds the parameter schema from the
    signature; the docstring gives the description and any parameter docs."""
    from pydantic import TypeAdapter
    from pydantic.errors import PydanticUserError

    name = name or str(getattr(func, "__name__", "tool"))
    try:
        inspect.signature(func)
    except (TypeError, ValueError):
        raise OptionsError(
            f"--tools {name}: Python cannot read this callable's signature; wrap it in a "
            "`def` with typed parameters."
        ) from None
    try:
        schema = TypeAdapter(func).json_schema()  # type: ignore[arg-type]  # functions work
    except NameError as error:
        raise OptionsError(
            f"--tools {name}: a type hint names something that is not defined ({error}). "
            "Define it before the function, or import it."
        ) from None
    except (PydanticUserError, TypeError, ValueError) as error:
        first = str(error).strip().splitlines()[0]
        raise OptionsError(
            f"--tools {name}: a parameter type cannot be described as JSON schema ({first}). "
            "Use JSON-friendly hints: str, int, float, bool, Literal, Enum, list, dict, or a "
            "pydantic model."
        ) from None
    description, params = _docstring(func)
    for param, text in params.items():
        prop = schema.get("properties", {}).get(param)
        if prop is not None and "description" not in prop:
            prop["description"] = text
    _drop_titles(schema)
    schema.setdefault("properties", {})
    return FunctionTool(name, description, schema, func)


def _docstring(func: Callable[..., Any]) -> tuple[str, dict[str, str]]:
    import docstring_parser

    doc = inspect.getdoc(func) or ""
    parsed = docstring_parser.parse(doc)
    parts = [parsed.short_description, parsed.long_description]
    description = "\n\n".join(p for p in parts if p) or doc.strip()
    params = {p.arg_name: p.description for p in parsed.params if p.description}
    return description, params


def _drop_titles(schema: Any) -> None:
    """pydantic titles every property after its own name: noise the model pays for."""
    if isinstance(schema, dict):
        schema.pop("title", None)
        for key, value in schema.items():
            if key in SCHEMA_MAPS and isinstance(value, dict):
                for prop in value.values():
                    _drop_titles(prop)
            else:
                _drop_titles(value)
    elif isinstance(schema, list):
        for value in schema:
            _drop_titles(value)


@dataclass(frozen=True)
class Outcome:
    """What running one call produced: the text for the model, or the error it raised."""

    output: str
    error: str | None
    seconds: float


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
    return Outcome(serialize(value), None, time.perf_counter() - started)


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


def serialize(value: Any) -> str:
    """A tool's return value as text: strings as they are, tables as CSV (first
    rows), pydantic models and other data as JSON, anything else as its repr."""
    text = _as_text(value)
    if len(text) > MAX_RESULT_CHARS:
        cut = len(text) - MAX_RESULT_CHARS
        text = f"{text[:MAX_RESULT_CHARS]}\n… ({cut} more characters cut)"
    return text


def _as_text(value: Any) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, bytes):
        return value.decode("utf-8", errors="replace")
    if _is_table(value):
        rows, cols = value.shape
        head = value.head(MAX_TABLE_ROWS).to_csv()
        more = f"\n… ({rows - MAX_TABLE_ROWS} more rows)" if rows > MAX_TABLE_ROWS else ""
        return f"{rows} rows, {cols} columns (CSV):\n{head}{more}"
    from pydantic_core import PydanticSerializationError, to_json

    if callable(getattr(value, "tolist", None)):  # numpy arrays and scalars
        value = value.tolist()
    try:
        return to_json(value, indent=None, serialize_unknown=False).decode()
    except (PydanticSerializationError, TypeError, ValueError):
        return repr(value)


def _is_table(value: Any) -> bool:
    shape = getattr(value, "shape", None)
    return (
        isinstance(shape, tuple)
        and len(shape) == 2
        and callable(getattr(value, "head", None))
        and callable(getattr(value, "to_csv", None))
    )


#: Asks the user whether a call may run: ``confirm(name, arguments) -> bool``.
Confirm = Callable[[str, str], bool]


def run_pending(
    calls: Sequence[FunctionCallEntry],
    tools: Sequence[Tool],
    confirm: Confirm | None,
    timeout: float | None = None,
) -> Iterator[ev.Event]:
    """Run the model's function calls in order, one ``ToolRunning`` then one
    ``ToolResult`` per call. Only the named functions can run: a call to any other
    name gets an error result, as does a call the user denies. ``timeout`` bounds
    each call (see ``run_call``)."""
    functions = {t.name: t for t in tools if isinstance(t, FunctionTool)}
    for call in calls:
        call_id, name, arguments = call["call_id"], call["name"], call["arguments"]
        tool = functions.get(name)
        if tool is None:
            message = f"no tool named {name!r} was offered"
            yield ev.ToolResult(call_id, name, f"Error: {message}.", error=message)
            continue
        if confirm is not None and not confirm(name, arguments):
            yield ev.ToolResult(call_id, name, "The user declined to run this call.", denied=True)
            continue
        yield ev.ToolRunning(call_id, name)
        outcome = run_call(tool, arguments, timeout)
        yield ev.ToolResult(call_id, name, outcome.output, outcome.error, outcome.seconds)


def unanswered(calls: Sequence[FunctionCallEntry], reason: str) -> Iterator[ev.ToolResult]:
    """Results for calls that will not run, so the transcript stays valid to resend."""
    for call in calls:
        yield ev.ToolResult(call["call_id"], call["name"], f"Not run: {reason}", error=reason)
