"""The request parameters both cell magics pass to the model, one declaration each.

A ``Parameter`` says everything about one of them: its option on ``%%respond`` and
``%%chat`` (flags, help, choices), the trait that gives its default where a default
makes sense, how a value is checked before anything is sent, and how each API carries
it, or the one sentence that refuses it where that API has no such thing. So:

* the magics add ``arguments()`` to their shared options;
* ``turn_request.build_request`` resolves the values once (``resolve``: the option,
  else the trait), with the turn's tools in hand;
* each backend refuses in ``validate`` what its API cannot carry (``check_carried``)
  and applies the rest to its request in one loop (``apply``).

Adding a parameter is adding a declaration here; nothing else changes. Like the
built-in tool declarations, this is one of the places allowed to name the APIs (a
``Carrier`` per API): the differences live here, not in ``if`` statements elsewhere.

A value that comes from a trait is a default for the APIs that take it: an API without
that parameter leaves it out, quietly (``reasoning_summary`` set for ``%%respond`` must
not break ``%%chat``). A value typed on the cell is refused there instead, so nothing
asked for is ever dropped in silence.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal, TypedDict, cast

from IPython.core.magic_arguments import argument

from .builtin_tools import BuiltinTool
from .errors import OptionsError

if TYPE_CHECKING:
    from .backends.base import MagicArgument
    from .config import Settings
    from .tools import Tool
    from .turn_request import TurnRequest

#: ``text.verbosity`` / ``verbosity``.
VERBOSITIES = ("low", "medium", "high")
#: ``reasoning.summary`` (Responses only).
SUMMARIES = ("auto", "concise", "detailed")
#: ``service_tier``, as both APIs' request types and OpenAI's spec list it (``fast`` is
#: served as ``priority``).
SERVICE_TIERS = ("auto", "default", "flex", "scale", "priority", "fast")
#: ``tool_choice`` modes (anything else names a tool).
MODES = ("auto", "required", "none")
#: The built-in tool types a Responses ``tool_choice`` can name on its own (OpenAI's
#: ``ToolChoiceTypes``); any other is forced as the one tool of ``allowed_tools``.
HOSTED_CHOICES = frozenset(
    {"file_search", "web_search_preview", "computer", "computer_use_preview", "computer_use",
     "web_search_preview_2025_03_11", "image_generation", "code_interpreter"}
)  # fmt: skip
#: Bounds the APIs set (their spec's; the real API answers 400 beyond them).
MAX_STOP = 4
MAX_TOP_LOGPROBS = 20
MAX_METADATA_KEYS = 16
MAX_METADATA_KEY = 64
MAX_METADATA_VALUE = 512
MAX_SAFETY_IDENTIFIER = 64
SEED_RANGE = (-(2**63), 2**63 - 1)


class RequestParameters(TypedDict, total=False):
    """``TurnRequest.parameters``: each declared parameter's value, checked, present
    only when it is to be sent (given on the cell, or set by its trait)."""

    verbosity: Literal["low", "medium", "high"]
    reasoning_summary: Literal["auto", "concise", "detailed"]
    service_tier: str
    tool_choice: str  # a mode, or the name of one of the turn's tools
    allowed_tools: list[str]
    max_tool_calls: int
    no_parallel_tools: bool
    top_p: float
    seed: int
    stop: list[str]
    logprobs: int
    metadata: dict[str, str]
    safety_identifier: str


@dataclass(frozen=True)
class Resolving:
    """What a check may need besides its value: the turn's tools, whether its response
    is stored, and every parameter's raw value as given (``None``: not given)."""

    tools: tuple[Tool, ...]
    store: bool
    given: Mapping[str, Any]


#: Checks a raw value and returns it as it is to be sent (``None``: send nothing), or
#: raises ``OptionsError`` (one sentence).
Check = Callable[[Any, Resolving], Any]
#: Puts a checked value into an API's request arguments.
Apply = Callable[[Any, "TurnRequest", dict[str, Any]], None]
#: Why an API cannot carry a value in this request (one sentence), or ``None``.
Refuse = Callable[[Any, "TurnRequest"], "str | None"]


def _nothing(value: Any, request: TurnRequest, kwargs: dict[str, Any]) -> None:
    return None


def _never(value: Any, request: TurnRequest) -> str | None:
    return None


@dataclass(frozen=True)
class Carrier:
    """How one API carries a parameter: ``apply`` puts the value into the request;
    ``refuse`` says when (and why) it cannot."""

    apply: Apply = _nothing
    refuse: Refuse = _never


def sent_as(key: str) -> Carrier:
    """Sent as the top-level request field ``key``."""

    def put(value: Any, request: TurnRequest, kwargs: dict[str, Any]) -> None:
        kwargs[key] = value

    return Carrier(put)


def refused(sentence: str) -> Carrier:
    """Not carried at all: ``sentence`` says so (and what to do instead)."""
    return Carrier(refuse=lambda value, request: sentence)


def _as_given(value: Any, resolving: Resolving) -> Any:
    return value


@dataclass(frozen=True)
class Parameter:
    """One request parameter. ``name`` is its option's ``argparse`` dest and its key in
    ``TurnRequest.parameters``; ``flags`` and ``option`` (``argparse`` keywords) make
    its option (none: a trait only); ``trait`` names the setting that gives its
    default; ``carriers`` say, by API, how it is sent or why it is refused."""

    name: str
    carriers: Mapping[str, Carrier]
    flags: tuple[str, ...] = ()
    help: str = ""
    option: Mapping[str, Any] = field(default_factory=dict)
    trait: str | None = None
    check: Check = _as_given

    @property
    def said(self) -> str:
        """How messages name it: its option, or its trait."""
        return self.flags[0] if self.flags else f"the {self.trait} trait"

    def carrier(self, api: str) -> Carrier:
        return self.carriers.get(api) or refused(f"{self.said}: this API does not take it.")


# -- checks --------------------------------------------------------------------------------
def _choice(choices: Sequence[str], what: str) -> Check:
    def check(value: Any, resolving: Resolving) -> Any:
        if not isinstance(value, str) or value not in choices:
            raise OptionsError(f"{what} takes {', '.join(choices)}, not {value!r}.")
        return value

    return check


def _utf8(text: str, what: str) -> str:
    """``text``, if it can be sent as UTF-8 (a lone surrogate cannot)."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        raise OptionsError(f"{what} holds an unpaired surrogate, which cannot be sent.") from None
    return text


def _texts(value: Any, what: str) -> list[str]:
    """An option given once (a string) or repeated (a list of them)."""
    texts = [value] if isinstance(value, str) else value
    if not isinstance(texts, list | tuple) or not all(isinstance(t, str) for t in texts):
        raise OptionsError(f"{what} takes text, not {value!r}.")
    return list(texts)


def _integer(value: Any, what: str, low: int, high: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise OptionsError(f"{what} takes a whole number from {low} to {high}, not {value!r}.")
    return value


def _tool_name(tool: Tool) -> str:
    """What ``--tool-choice`` and ``--allowed-tools`` call a tool: a function (or the
    python or computer tool) by its name, a built-in tool by its type."""
    return tool.type if isinstance(tool, BuiltinTool) else tool.name


def _tool_named(tools: Sequence[Tool], name: str) -> Tool | None:
    return next((tool for tool in tools if _tool_name(tool) == name), None)


def _needs_tools(what: str, resolving: Resolving) -> None:
    if not resolving.tools:
        raise OptionsError(f"{what} is about the turn's tools, and it has none: add --tools.")


def _known_tool(name: str, what: str, resolving: Resolving) -> None:
    if _tool_named(resolving.tools, name) is None:
        names = ", ".join(_tool_name(tool) for tool in resolving.tools)
        raise OptionsError(f"{what}: {name!r} is not one of this turn's tools ({names}).")


def _tool_choice(value: Any, resolving: Resolving) -> str:
    _needs_tools("--tool-choice", resolving)
    if not isinstance(value, str):
        raise OptionsError(
            f"--tool-choice takes auto, required, none or a tool's name, not {value!r}."
        )
    choice = value.strip()
    if choice not in MODES:
        _known_tool(choice, f"--tool-choice {choice}", resolving)
    return choice


def _allowed_tools(value: Any, resolving: Resolving) -> list[str]:
    _needs_tools("--allowed-tools", resolving)
    specs = _texts(value, "--allowed-tools")
    names = list(dict.fromkeys(n for spec in specs for n in re.split(r"[,\s]+", spec) if n))
    if not names:
        raise OptionsError("--allowed-tools needs the names of the tools the model may use.")
    for name in names:
        _known_tool(name, "--allowed-tools", resolving)
    choice = resolving.given.get("tool_choice")
    if choice is not None and str(choice).strip() not in ("auto", "required"):
        raise OptionsError(
            f"--tool-choice {choice} and --allowed-tools contradict each other: with "
            "--allowed-tools, --tool-choice may only be auto or required."
        )
    return names


def _max_tool_calls(value: Any, resolving: Resolving) -> int:
    _needs_tools("--max-tool-calls", resolving)
    return _integer(value, "--max-tool-calls", 1, 10_000)


def _no_parallel_tools(value: Any, resolving: Resolving) -> bool | None:
    if not value:
        return None  # not asked
    _needs_tools("--no-parallel-tools", resolving)
    return True


def _top_p(value: Any, resolving: Resolving) -> float:
    number = value if isinstance(value, int | float) and not isinstance(value, bool) else None
    if number is None or not math.isfinite(number) or not 0 <= number <= 1:
        raise OptionsError(f"--top-p takes a number from 0 to 1, not {value!r}.")
    return float(number)


def _seed(value: Any, resolving: Resolving) -> int:
    return _integer(value, "--seed", *SEED_RANGE)


def _stop(value: Any, resolving: Resolving) -> list[str]:
    sequences = _texts(value, "--stop")
    if not 1 <= len(sequences) <= MAX_STOP:
        raise OptionsError(f"--stop takes 1 to {MAX_STOP} stop sequences, not {len(sequences)}.")
    if not all(sequences):
        raise OptionsError("--stop takes non-empty text: an empty stop sequence stops nothing.")
    return [_utf8(s, "--stop") for s in sequences]


def _logprobs(value: Any, resolving: Resolving) -> int:
    return _integer(value, "--logprobs", 0, MAX_TOP_LOGPROBS)


def _metadata(value: Any, resolving: Resolving) -> dict[str, str]:
    pairs = list(value.items()) if isinstance(value, Mapping) else []
    if not all(isinstance(k, str) and isinstance(t, str) for k, t in pairs):
        raise OptionsError("--metadata takes text keys and values.")
    for spec in [] if isinstance(value, Mapping) else _texts(value, "--metadata"):
        key, sep, text = spec.partition("=")
        if not sep:
            raise OptionsError(f"--metadata takes KEY=VALUE, not {spec!r}.")
        pairs.append((key.strip(), text))
    metadata: dict[str, str] = {}
    for key, text in pairs:
        if not key or len(key) > MAX_METADATA_KEY:
            raise OptionsError(f"--metadata keys take 1 to {MAX_METADATA_KEY} characters: {key!r}.")
        if len(text) > MAX_METADATA_VALUE:
            raise OptionsError(
                f"--metadata {key}: a value takes at most {MAX_METADATA_VALUE} characters, "
                f"not {len(text)}."
            )
        if key in metadata:
            raise OptionsError(f"--metadata {key} is given twice: give each key once.")
        metadata[_utf8(key, "--metadata")] = _utf8(text, "--metadata")
    if len(metadata) > MAX_METADATA_KEYS:
        raise OptionsError(
            f"--metadata takes at most {MAX_METADATA_KEYS} keys, not {len(metadata)}."
        )
    return metadata


def safety_identifier(value: Any, resolving: Resolving | None = None) -> str | None:
    """The ``safety_identifier`` trait's value as sent (``None``: empty, not sent);
    also the trait's own validation."""
    if not isinstance(value, str):
        raise OptionsError(f"The safety_identifier trait takes text, not {value!r}.")
    text = value.strip()
    if len(text) > MAX_SAFETY_IDENTIFIER:
        raise OptionsError(
            f"The safety_identifier trait takes at most {MAX_SAFETY_IDENTIFIER} characters "
            f"(not {len(text)}): send a hash of the user's id, e.g. its SHA-256 in hex (64)."
        )
    return _utf8(text, "The safety_identifier trait") or None


# -- how each API carries them -------------------------------------------------------------
def _responses_entry(tool: Tool, request: TurnRequest, kwargs: dict[str, Any]) -> dict[str, Any]:
    """``tool`` as the Responses request declares it: every tool of the request has
    its entry in ``tools``, in order."""
    entries = kwargs.get("tools") or []
    index = request.tools.index(tool)
    return dict(entries[index]) if index < len(entries) else {"type": _tool_name(tool)}


def _responses_ref(entry: dict[str, Any]) -> dict[str, Any]:
    """A declared tool as ``tool_choice`` names it: a function or custom tool by its
    name, an MCP server by its label, a built-in tool by its type."""
    kind = entry.get("type")
    if kind in ("function", "custom"):
        return {"type": kind, "name": entry.get("name")}
    if kind == "mcp":
        return {"type": kind, "server_label": entry.get("server_label")}
    return {"type": kind}


def _responses_forced(entry: dict[str, Any]) -> dict[str, Any]:
    """The ``tool_choice`` that makes the model call this tool: the tool itself where
    the API can name it so, else the one tool of ``allowed_tools`` in ``required`` mode
    (``web_search`` is not among the types a choice names)."""
    ref = _responses_ref(entry)
    if ref["type"] in ("function", "custom", "mcp") or ref["type"] in HOSTED_CHOICES:
        return ref
    return {"type": "allowed_tools", "mode": "required", "tools": [ref]}


def _choosing(request: TurnRequest) -> bool:
    """Whether ``--tool-choice`` is sent as it is: the request has tools (a compaction
    drops them) and no ``--allowed-tools``, which carries the mode instead."""
    return bool(request.tools) and "allowed_tools" not in request.parameters


def _responses_tool_choice(value: str, request: TurnRequest, kwargs: dict[str, Any]) -> None:
    if not _choosing(request):
        return
    tool = _tool_named(request.tools, value)
    if value in MODES or tool is None:
        kwargs["tool_choice"] = value
    else:
        kwargs["tool_choice"] = _responses_forced(_responses_entry(tool, request, kwargs))


def _allowed_mode(request: TurnRequest) -> str:
    return "required" if request.parameters.get("tool_choice") == "required" else "auto"


def _responses_allowed(names: list[str], request: TurnRequest, kwargs: dict[str, Any]) -> None:
    tools = [_tool_named(request.tools, name) for name in names]
    refs = [_responses_ref(_responses_entry(t, request, kwargs)) for t in tools if t is not None]
    if refs:
        kwargs["tool_choice"] = {"type": "allowed_tools", "mode": _allowed_mode(request),
                                 "tools": refs}  # fmt: skip


def _chat_function(name: str) -> dict[str, Any]:
    return {"type": "function", "function": {"name": name}}


def _chat_tool_choice(value: str, request: TurnRequest, kwargs: dict[str, Any]) -> None:
    if _choosing(request):
        kwargs["tool_choice"] = value if value in MODES else _chat_function(value)


def _chat_allowed(names: list[str], request: TurnRequest, kwargs: dict[str, Any]) -> None:
    if request.tools:
        allowed = {"mode": _allowed_mode(request), "tools": [_chat_function(n) for n in names]}
        kwargs["tool_choice"] = {"type": "allowed_tools", "allowed_tools": allowed}


def _chat_names_builtin(what: str) -> Refuse:
    """Chat's tools are your functions only: a built-in tool (its web search is the
    search model's own) cannot be named in its ``tool_choice``."""

    def refuse(value: Any, request: TurnRequest) -> str | None:
        names = [value] if isinstance(value, str) else list(value)
        for name in names:
            if isinstance(_tool_named(request.tools, name), BuiltinTool):
                return (
                    f"{what} {name}: Chat Completions can only be told to call one of your "
                    f"functions, and {name} is none of them (use %%respond for that)."
                )
        return None

    return refuse


def _into(key: str, inner: str) -> Apply:
    """Sent as ``inner`` of the request's object ``key`` (made if missing)."""

    def put(value: Any, request: TurnRequest, kwargs: dict[str, Any]) -> None:
        kwargs.setdefault(key, {})[inner] = value

    return put


def _responses_summary(value: str, request: TurnRequest, kwargs: dict[str, Any]) -> None:
    """Asked with ``--reasoning`` (the trait's summary), or on its own when given."""
    if request.reasoning or "reasoning_summary" in request.parameters_given:
        kwargs.setdefault("reasoning", {})["summary"] = value


#: The ``include`` path that returns the answer's token log probabilities.
LOGPROBS_INCLUDE = "message.output_text.logprobs"


def _responses_logprobs(value: int, request: TurnRequest, kwargs: dict[str, Any]) -> None:
    include = kwargs.setdefault("include", [])
    if LOGPROBS_INCLUDE not in include:
        include.append(LOGPROBS_INCLUDE)
    kwargs["top_logprobs"] = value


def _chat_logprobs(value: int, request: TurnRequest, kwargs: dict[str, Any]) -> None:
    kwargs["logprobs"] = True
    kwargs["top_logprobs"] = value


def _no_parallel(value: bool, request: TurnRequest, kwargs: dict[str, Any]) -> None:
    if request.tools:
        kwargs["parallel_tool_calls"] = False


def _chat_metadata(value: dict[str, str], request: TurnRequest, kwargs: dict[str, Any]) -> None:
    """Chat takes metadata only on a stored completion ("The 'metadata' parameter is
    only allowed when 'store' is enabled."), so it asks for one."""
    kwargs["store"] = True
    kwargs["metadata"] = value


def _chat_metadata_refused(value: Any, request: TurnRequest) -> str | None:
    if request.store:
        return None
    return (
        "--metadata: Chat Completions takes metadata only on a stored completion (store: "
        "true), which the store trait's False turns off: set it to True, or leave out --metadata."
    )


# -- the declarations ----------------------------------------------------------------------
PARAMETERS: dict[str, Parameter] = {}


def register(parameter: Parameter) -> Parameter:
    """Add (or replace) a declaration."""
    PARAMETERS[parameter.name] = parameter
    return parameter


register(Parameter(
    "verbosity",
    {"responses": Carrier(_into("text", "verbosity")), "chat": sent_as("verbosity")},
    ("--verbosity",),
    "how much the model writes: low, medium or high (default: the verbosity trait; unset: "
    "the model's own)",
    {"choices": VERBOSITIES},
    trait="verbosity",
    check=_choice(VERBOSITIES, "--verbosity"),
))  # fmt: skip
register(Parameter(
    "reasoning_summary",
    {
        "responses": Carrier(_responses_summary),
        "chat": refused(
            "--reasoning-summary: Chat Completions sends no reasoning summaries (the "
            "Responses API does): use %%respond, or leave it out."
        ),
    },
    ("--reasoning-summary",),
    "the reasoning summary asked for (%%%%respond): auto, concise or detailed (default: the "
    "reasoning_summary trait, asked with --reasoning)",
    {"choices": SUMMARIES},
    trait="reasoning_summary",
    check=_choice(SUMMARIES, "--reasoning-summary"),
))  # fmt: skip
register(Parameter(
    "service_tier",
    {"responses": sent_as("service_tier"), "chat": sent_as("service_tier")},
    ("--service-tier",),
    "how the request is served: auto, default, flex, scale, priority or fast (default: the "
    "service_tier trait); the footer says which tier served it",
    {"choices": SERVICE_TIERS},
    trait="service_tier",
    check=_choice(SERVICE_TIERS, "--service-tier"),
))  # fmt: skip
register(Parameter(
    "tool_choice",
    {
        "responses": Carrier(_responses_tool_choice),
        "chat": Carrier(_chat_tool_choice, _chat_names_builtin("--tool-choice")),
    },
    ("--tool-choice",),
    "which tool the model uses: auto, required (one or more), none, or NAME (that tool)",
    {"metavar": "auto|required|none|NAME"},
    check=_tool_choice,
))  # fmt: skip
register(Parameter(
    "allowed_tools",
    {
        "responses": Carrier(_responses_allowed),
        "chat": Carrier(_chat_allowed, _chat_names_builtin("--allowed-tools")),
    },
    ("--allowed-tools",),
    "the only tools of the turn the model may use (comma-separated or repeated; with "
    "--tool-choice required it must use one)",
    {"action": "append", "metavar": "NAME[,NAME]"},
    check=_allowed_tools,
))  # fmt: skip
register(Parameter(
    "max_tool_calls",
    {
        "responses": sent_as("max_tool_calls"),
        "chat": refused(
            "--max-tool-calls: Chat Completions has no limit on a response's tool calls: "
            "use --max-tool-rounds, or %%respond."
        ),
    },
    ("--max-tool-calls",),
    "(%%%%respond) at most N calls of built-in tools in one response",
    {"type": int, "metavar": "N"},
    check=_max_tool_calls,
))  # fmt: skip
register(Parameter(
    "no_parallel_tools",
    {"responses": Carrier(_no_parallel), "chat": Carrier(_no_parallel)},
    ("--no-parallel-tools",),
    "one tool call at a time (parallel_tool_calls: false)",
    {"action": "store_true"},
    check=_no_parallel_tools,
))  # fmt: skip
register(Parameter(
    "top_p",
    {"responses": sent_as("top_p"), "chat": sent_as("top_p")},
    ("--top-p",),
    "nucleus sampling: only the tokens of the top P probability mass (0 to 1)",
    {"type": float, "metavar": "P"},
    check=_top_p,
))  # fmt: skip
register(Parameter(
    "seed",
    {
        "responses": refused(
            "--seed: the Responses API takes no seed (Chat Completions does): use %%chat, "
            "or leave it out."
        ),
        "chat": sent_as("seed"),
    },
    ("--seed",),
    "(%%%%chat) sample deterministically, as far as the server can",
    {"type": int, "metavar": "N"},
    check=_seed,
))  # fmt: skip
register(Parameter(
    "stop",
    {
        "responses": refused(
            "--stop: the Responses API has no stop sequences (Chat Completions has): use "
            "%%chat, or leave it out."
        ),
        "chat": sent_as("stop"),
    },
    ("--stop",),
    "(%%%%chat) stop the answer before this text (repeatable, up to 4)",
    {"action": "append", "metavar": "TEXT"},
    check=_stop,
))  # fmt: skip
register(Parameter(
    "logprobs",
    {"responses": Carrier(_responses_logprobs), "chat": Carrier(_chat_logprobs)},
    ("--logprobs",),
    "keep each answer token's log probability and its N likeliest alternatives (0 to 20); "
    "%%%%responses logprobs shows them",
    {"type": int, "metavar": "N"},
    check=_logprobs,
))  # fmt: skip
register(Parameter(
    "metadata",
    {
        "responses": sent_as("metadata"),
        "chat": Carrier(_chat_metadata, _chat_metadata_refused),
    },
    ("--metadata",),
    "a tag stored with the response (repeatable, up to 16 keys; with %%%%chat the "
    "completion is stored too, as the API requires)",
    {"action": "append", "metavar": "KEY=VALUE"},
    check=_metadata,
))  # fmt: skip
register(Parameter(
    "safety_identifier",
    {"responses": sent_as("safety_identifier"), "chat": sent_as("safety_identifier")},
    trait="safety_identifier",
    check=safety_identifier,
))  # fmt: skip


# -- what the magics, the request builder and the backends call ----------------------------
def arguments() -> list[MagicArgument]:
    """The options of the declared parameters, for both cell magics."""
    return [argument(*p.flags, help=p.help, **p.option) for p in PARAMETERS.values() if p.flags]


def resolve(
    given: Mapping[str, Any], settings: Settings, tools: tuple[Tool, ...], store: bool
) -> tuple[RequestParameters, frozenset[str]]:
    """Each parameter's value to send (given, else its trait's; checked) and the names
    of those given rather than defaulted. ``OptionsError`` for a bad value."""
    resolving = Resolving(tools, store, given)
    values: dict[str, Any] = {}
    asked: set[str] = set()
    for parameter in PARAMETERS.values():
        raw = given.get(parameter.name)
        explicit = raw is not None and raw is not False and raw != []
        if not explicit:
            raw = getattr(settings, parameter.trait) if parameter.trait else None
            if raw is None or raw == "":
                continue
        value = parameter.check(raw, resolving)
        if value is not None:
            values[parameter.name] = value
            if explicit:
                asked.add(parameter.name)
    return cast(RequestParameters, values), frozenset(asked)


def check_carried(api: str, request: TurnRequest) -> None:
    """Refuse (``OptionsError``) a parameter given for this request that ``api`` cannot
    carry; a trait's value it cannot carry is simply not sent."""
    for name, value in request.parameters.items():
        sentence = PARAMETERS[name].carrier(api).refuse(value, request)
        if sentence is not None and name in request.parameters_given:
            raise OptionsError(sentence)


def apply(api: str, request: TurnRequest, kwargs: dict[str, Any]) -> None:
    """Put every parameter of ``request`` that ``api`` carries into its request
    arguments ``kwargs``, as that API names it."""
    for name, value in request.parameters.items():
        carrier = PARAMETERS[name].carrier(api)
        sentence = carrier.refuse(value, request)
        if sentence is None:
            carrier.apply(value, request, kwargs)
        elif name in request.parameters_given:
            raise OptionsError(sentence)
