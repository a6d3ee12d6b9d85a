"""Tools the model may use: local Python functions, the python tool, and the server's
built-in tools.

A function becomes a tool only when the user names it (``--tools get_weather``); its
JSON schema comes from pydantic (signature, type hints, defaults) plus the docstring's
description and parameter docs. Calls are validated by pydantic before the function
runs, and whatever the function returns or raises becomes what the model gets back
(text, or an image: see ``tool_results``).

``--tools python`` is the python tool: the model writes code and it runs in this
kernel, as a cell would (``python_tool.run_python``), after the user says yes (unless
``python_tool_approve`` is off). The name is reserved: a notebook function named
``python`` is refused, never silently swapped for the tool or the tool for it.

Local tools (the functions and the python tool) share one small interface, so the loop
that runs the model's calls (``run_pending``) never asks which tool it has.
"""

from __future__ import annotations

import inspect
import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING, Any

from . import builtin_tools
from .builtin_tools import BuiltinOptions, BuiltinTool
from .computer.tool import COMPUTER, ComputerOptions, ComputerTool, computer_tool
from .errors import OptionsError
from .mcp_remote import remote_servers
from .schemas import SCHEMA_MAPS
from .tool_calls import LocalToolDefaults, Outcome, run_call, run_pending, unanswered
from .tool_results import MAX_RESULT_CHARS, MAX_TABLE_ROWS, ToolImage, serialize

if TYPE_CHECKING:
    from .config import Settings
    from .transcript import CallDetail, LocalCallEntry

__all__ = [
    "MAX_RESULT_CHARS",
    "MAX_TABLE_ROWS",
    "BuiltinTool",
    "ComputerTool",
    "FunctionTool",
    "Outcome",
    "PythonTool",
    "Tool",
    "function_tool",
    "resolve_tools",
    "run_call",
    "run_pending",
    "serialize",
    "unanswered",
]


@dataclass(frozen=True)
class FunctionTool(LocalToolDefaults):
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

    # -- as a local tool ---------------------------------------------------------------
    def asks(self, settings: Settings) -> bool:
        """A function runs without asking (unless ``--approve``)."""
        return False

    def detail(self, call: LocalCallEntry) -> CallDetail:
        return {}  # its name and arguments say it all

    def question(self, call: LocalCallEntry) -> str | None:
        return _text_of(call)

    def run(self, call: LocalCallEntry, timeout: float | None) -> Outcome:
        return run_call(self, _text_of(call), timeout)


#: The python tool's ``--tools`` name.
PYTHON = "python"

PYTHON_DESCRIPTION = (
    "Run Python code in the user's Jupyter kernel, as a notebook cell: it shares the "
    "user's variables, imports and working directory, and what it defines stays. Send "
    "plain code, no Markdown fences. You get back what it printed, the value of its last "
    "expression, any traceback, and the figures it drew, as images. The user may be "
    "asked to approve each run, and a run that takes too long is stopped."
)


@dataclass(frozen=True)
class PythonTool(LocalToolDefaults):
    """``--tools python``: the model's code runs in ``shell``'s namespace as a cell
    would. Where the API has freeform tools it is one (the code is the call's whole
    input); elsewhere a function taking the code as its one string argument,
    ``argument``. Shown with the code highlighted as ``language``."""

    shell: Any = field(repr=False, compare=False)
    name: str = PYTHON
    description: str = PYTHON_DESCRIPTION
    argument: str = "code"
    language: str = "python"

    @property
    def parameters(self) -> dict[str, Any]:
        """The JSON schema of its arguments, where it is declared as a function."""
        return {
            "type": "object",
            "properties": {self.argument: {"type": "string", "description": "The code to run."}},
            "required": [self.argument],
            "additionalProperties": False,
        }

    def code(self, call: LocalCallEntry) -> str:
        """The code a call carries: a freeform call's input, or the function call's
        ``argument``; ``ValueError`` when a function call does not carry it."""
        if call.get("type") == "custom_call":  # a freeform call: its input is the code
            return _text_of(call)
        try:
            values = json.loads(_text_of(call) or "{}")
        except ValueError:
            values = None
        code = values.get(self.argument) if isinstance(values, dict) else None
        if not isinstance(code, str):
            raise ValueError(
                f"invalid arguments: expected a JSON object with the code as a string in "
                f'"{self.argument}"'
            )
        return code

    def asks(self, settings: Settings) -> bool:
        return settings.python_tool_approve

    def detail(self, call: LocalCallEntry) -> CallDetail:
        try:
            return {"code": self.code(call), "language": self.language}
        except ValueError:
            return {}

    def question(self, call: LocalCallEntry) -> str | None:
        try:
            return self.code(call)
        except ValueError:
            return None  # no code to ask about: running it is the error result

    def run(self, call: LocalCallEntry, timeout: float | None) -> Outcome:
        from .python_tool import run_python

        try:
            code = self.code(call)
        except ValueError as error:
            return Outcome(f"Error: {error}", str(error), 0.0)
        ran = run_python(self.shell, code, timeout)
        images = tuple(ToolImage(mime, data) for mime, data in ran.images)
        return Outcome(ran.text, ran.error, ran.seconds, images, shown=True)


#: Any tool a request may offer: the kernel runs all but the server's built-ins
#: (``tool_calls.LocalTool``).
Tool = FunctionTool | PythonTool | ComputerTool | BuiltinTool


def _text_of(call: LocalCallEntry) -> str:
    """What the model sent: a function call's JSON arguments, a freeform call's input
    (read leniently: a call may come as a plain dict without its ``type``)."""
    said = call.get("input") if call.get("type") == "custom_call" else call.get("arguments")
    return said if isinstance(said, str) else ""


def resolve_tools(
    names: Sequence[str],
    namespace: Mapping[str, Any],
    vector_stores: Sequence[str] = (),
    mcp_servers: Sequence[str] = (),
    computer: ComputerOptions | None = None,
) -> tuple[Tool, ...]:
    """The tools ``--tools NAME ...``, ``--vector-store`` and ``--mcp`` ask for.

    ``python`` means the python tool (``python_tool``), ``computer`` the computer the
    model drives (``computer``: the screen ``--computer-url`` or ``--computer-env``
    names), a built-in tool's name the built-in; any other name must be a callable in
    the notebook namespace. Nothing else can ever be called.
    """
    options = BuiltinOptions(tuple(vector_stores))
    known = builtin_tools.selectable()
    tools: list[Tool] = []
    for name in dict.fromkeys(names):
        if name == PYTHON:
            tools.append(python_tool(namespace))
        elif name == COMPUTER:
            tools.append(computer_tool(computer or ComputerOptions(), namespace))
        elif name in known:
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
                f"not a built-in tool ({', '.join([PYTHON, COMPUTER, *known])}). Define the "
                "function first."
            )
    for spec in builtin_tools.implied(options):
        if spec.name not in names:
            tools.append(builtin_tools.builtin(spec.name, options))
    tools.extend(remote_servers(mcp_servers))  # the other MCP options: mcp_options
    return tuple(tools)


def python_tool(namespace: Mapping[str, Any]) -> PythonTool:
    """The python tool, running code in the shell whose namespace this is.

    IPython puts its own ``get_ipython`` into every user namespace, so the magics'
    namespace names its shell (even one that is not the process's ``instance()``);
    without it, the process's running shell. The tool keeps the shell: the session and
    the tool loop need nothing new to run code."""
    if callable(namespace.get(PYTHON)):
        raise OptionsError(
            f"--tools {PYTHON}: `{PYTHON}` is the python tool (the model runs code in this "
            f"kernel), and the notebook also defines a function named `{PYTHON}`. The tool is "
            f"what --tools {PYTHON} means; so that no one mistakes one for the other, rename "
            f"the function (or `del {PYTHON}`) and run the cell again."
        )
    getter = namespace.get("get_ipython")
    shell = getter() if callable(getter) else None
    if shell is None:
        from IPython import get_ipython

        shell = get_ipython()
    if shell is None or not hasattr(shell, "user_ns"):
        raise OptionsError(
            f"--tools {PYTHON} runs the model's code in an IPython kernel, and there is none here."
        )
    return PythonTool(shell)


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
