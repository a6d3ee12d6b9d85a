"""Function tools: schemas from signatures and docstrings, calls, results as text."""

from __future__ import annotations

import contextvars
import enum
import json
import sys
import threading
import time
from dataclasses import dataclass
from typing import Annotated

import pytest
from pydantic import BaseModel, Field

from jupyter_responses import events as ev
from jupyter_responses.builtin_tools import FILE_SEARCH
from jupyter_responses.errors import OptionsError
from jupyter_responses.mcp_remote import RemoteMcpServer
from jupyter_responses.tools import (
    MAX_RESULT_CHARS,
    BuiltinTool,
    FunctionTool,
    function_tool,
    resolve_tools,
    run_call,
    run_pending,
    serialize,
)


class Color(enum.Enum):
    RED = "red"
    BLUE = "blue"


class Point(BaseModel):
    x: int
    y: int = 0


def paint(
    where: Point,
    color: Color = Color.RED,
    tags: list[str] | None = None,
    size: Annotated[float, Field(description="in cm", gt=0)] = 1.0,
) -> str:
    """Paint a dot.

    A longer explanation.

    Parameters
    ----------
    where
        The spot.
    color
        Which paint.
    """
    return f"{color.value} dot at {where.x},{where.y} size {size} tags {tags}"


def test_schema_from_signature_hints_defaults_and_numpy_docstring() -> None:
    tool = function_tool(paint)
    assert tool.description == "Paint a dot.\n\nA longer explanation."
    params = tool.parameters
    assert params["required"] == ["where"]
    assert params["additionalProperties"] is False
    props = params["properties"]
    assert props["where"]["description"] == "The spot."
    assert props["color"] == {
        "$ref": "#/$defs/Color",
        "default": "red",
        "description": "Which paint.",
    }
    assert props["tags"]["anyOf"] == [
        {"type": "array", "items": {"type": "string"}},
        {"type": "null"},
    ]
    assert props["size"] == {
        "type": "number",
        "exclusiveMinimum": 0,
        "default": 1.0,
        "description": "in cm",
    }
    assert params["$defs"]["Point"]["properties"] == {
        "x": {"type": "integer"},
        "y": {"type": "integer", "default": 0},
    }
    assert '"title"' not in json.dumps(params)


def test_calls_are_validated_and_coerced_by_pydantic() -> None:
    tool = function_tool(paint)
    outcome = run_call(tool, '{"where": {"x": 1}, "color": "blue", "size": 2}')
    assert outcome.error is None
    assert outcome.output == "blue dot at 1,0 size 2.0 tags None"
    bad = run_call(tool, '{"where": {"x": "a"}, "size": -1}')
    assert bad.error is not None and bad.output == f"Error: {bad.error}"
    assert "where.x: Input should be a valid integer" in bad.error
    assert "size: Input should be greater than 0" in bad.error
    assert "https://" not in bad.error
    assert run_call(tool, "[1]").error == "TypeError: arguments must be a JSON object, not list"
    assert "not valid JSON" in (run_call(tool, "{").error or "")


def test_a_function_without_parameters_and_a_plain_docstring() -> None:
    def now() -> str:
        "The time."
        return "noon"

    tool = function_tool(now)
    assert tool.parameters == {"type": "object", "properties": {}, "additionalProperties": False}
    assert tool.description == "The time." and run_call(tool, "").output == "noon"


class Opaque:
    pass


def test_unschematic_parameters_are_a_clear_options_error() -> None:
    def use(thing: Opaque) -> None:
        """Uses a thing."""

    def later(thing: Undefined) -> None:  # type: ignore[name-defined]  # noqa: F821
        """Names a type that does not exist."""

    with pytest.raises(OptionsError, match=r"--tools use: a parameter type cannot be described"):
        function_tool(use)
    with pytest.raises(OptionsError, match=r"--tools later: a type hint names something"):
        function_tool(later)


def test_resolve_tools_names_builtins_and_refuses_the_rest() -> None:
    namespace = {"paint": paint, "x": 1}
    tools = resolve_tools(
        ["paint", "web_search", "paint"], namespace, ["vs_1"], ["docs=https://m.example/sse"]
    )
    assert [type(t) for t in tools] == [FunctionTool, BuiltinTool, BuiltinTool, RemoteMcpServer]
    assert tools[2] == BuiltinTool(FILE_SEARCH, {"vector_store_ids": ["vs_1"]})
    assert tools[3].options["server_label"] == "docs"  # type: ignore[union-attr]
    with pytest.raises(OptionsError, match="no function named `print`"):
        resolve_tools(["print"], namespace)
    with pytest.raises(OptionsError, match="`x` is not a function"):
        resolve_tools(["x"], namespace)


@dataclass
class Row:
    a: int


class FakeFrame:
    """Duck-typed like a pandas DataFrame."""

    shape = (120, 2)

    def head(self, n: int) -> FakeFrame:
        self.n = n
        return self

    def to_csv(self) -> str:
        return f"a,b\n(first {self.n} rows)\n"


class FakeArray:
    def tolist(self) -> list[int]:
        return [1, 2, 3]


@pytest.mark.parametrize(
    ("value", "text"),
    [
        ("plain", "plain"),
        (b"bytes", "bytes"),
        ({"a": [1, 2]}, '{"a":[1,2]}'),
        (Point(x=1), '{"x":1,"y":0}'),
        (Row(2), '{"a":2}'),
        (Color.BLUE, '"blue"'),
        (None, "null"),
        (FakeArray(), "[1,2,3]"),
        (FakeFrame(), "120 rows, 2 columns (CSV):\na,b\n(first 50 rows)\n\n… (70 more rows)"),
    ],
)
def test_results_are_serialized_sensibly(value: object, text: str) -> None:
    assert serialize(value) == text


def test_unknown_objects_fall_back_to_repr_and_long_results_are_cut() -> None:
    class Thing:
        def __repr__(self) -> str:
            return "<thing>"

    assert serialize(Thing()) == "<thing>"
    long = serialize("x" * (MAX_RESULT_CHARS + 10))
    assert long.endswith("… (10 more characters cut)")


def test_run_pending_runs_only_offered_functions_and_respects_denial() -> None:
    tools = (function_tool(paint),)
    calls = [
        {"call_id": "1", "name": "paint", "arguments": '{"where": {"x": 0}}'},
        {"call_id": "2", "name": "exec", "arguments": "{}"},
        {"call_id": "3", "name": "paint", "arguments": '{"where": {"x": 9}}'},
    ]
    asked: list[str] = []

    def confirm(name: str, arguments: str) -> bool:
        asked.append(arguments)
        return "9" not in arguments

    events = list(run_pending(calls, tools, confirm))
    assert [type(e).__name__ for e in events] == [
        "ToolRunning",
        "ToolResult",
        "ToolResult",
        "ToolResult",
    ]
    results = [e for e in events if isinstance(e, ev.ToolResult)]
    assert results[0].output.startswith("red dot at 0,0")
    assert results[1].error == "no tool named 'exec' was offered"
    assert results[2].denied and len(asked) == 2


_caller: contextvars.ContextVar[str] = contextvars.ContextVar("caller", default="nobody")


def test_a_timeout_runs_the_call_on_a_worker_thread_in_the_callers_context() -> None:
    seen: list[tuple[str, str]] = []

    def where() -> str:
        """Which thread and context run the call."""
        seen.append((threading.current_thread().name, _caller.get()))
        return "ok"

    tool = function_tool(where)
    token = _caller.set("the cell")
    try:
        assert run_call(tool, "{}", timeout=5).output == "ok"
        assert run_call(tool, "{}").output == "ok"
    finally:
        _caller.reset(token)
    assert seen == [
        ("jupyter-responses-tool-where", "the cell"),
        (threading.current_thread().name, "the cell"),
    ]
    # A tool that exits (argparse does) is an error result too, on either thread.
    quits = function_tool(lambda: sys.exit(3), "quits")
    assert run_call(quits, "{}").error == run_call(quits, "{}", timeout=5).error == "SystemExit: 3"
    # What the function raises on the worker comes back as the usual error result.
    assert run_call(function_tool(paint), '{"where": {"x": "a"}}', timeout=5).error == (
        "invalid arguments (where.x: Input should be a valid integer, unable to parse string "
        "as an integer)"
    )


def test_a_call_that_outlives_its_timeout_is_an_error_result_and_runs_on() -> None:
    release, finished = threading.Event(), threading.Event()

    def hang() -> str:
        """Never returns in time."""
        release.wait(10)
        finished.set()
        return "late"

    started = time.monotonic()
    outcome = run_call(function_tool(hang), "{}", timeout=0.2)
    assert time.monotonic() - started < 2
    assert outcome.error == "timed out after 0.2 s (the function may still be running)"
    assert outcome.output == f"Error: {outcome.error}"
    assert not finished.is_set(), "the thread cannot be stopped: it is still running"
    release.set()
    assert finished.wait(5)
    # Through run_pending, the timeout bounds each call (this one returns at once now).
    call = {"call_id": "h", "name": "hang", "arguments": ""}
    events = list(run_pending([call], (function_tool(hang),), None, timeout=0.1))
    assert isinstance(events[-1], ev.ToolResult) and events[-1].output == "late"
