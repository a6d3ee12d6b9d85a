"""One turn's request, and the one place it is built from what a front door was given.

The magics (from their option line) and the chat panel (from its widgets) both hand a
``TurnOptions`` to ``build_request``, which checks it, fills in the defaults from the
settings, interpolates the prompt, resolves tools, the schema and files, and returns a
``TurnRequest``: so a panel turn and a cell turn with the same choices ask for the same
thing. Changes to the conversation a request asks for (``new``, ``system``) are made
by the session, under its lock.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .caching import OFF, RETENTIONS
from .errors import OptionsError
from .interpolate import interpolate
from .parameters import PARAMETERS, RequestParameters, resolve

if TYPE_CHECKING:
    from .attachments import Attachment, FileStore
    from .config import Settings
    from .schemas import OutputSchema
    from .tools import Tool
    from .transcript import ContextRecord


@dataclass(frozen=True)
class TurnRequest:
    """Everything one turn asks for, already parsed and validated.

    ``thread``, ``fork``, ``new`` and ``system`` say where the turn goes: ``system``
    ``None`` keeps the conversation's instructions, ``""`` clears them. The session
    fills in ``instructions`` (the conversation's, after ``system``) under its lock."""

    api: str
    prompt: str
    model: str
    magic: str = ""
    thread: str | None = None
    fork: str | None = None
    new: bool = False
    system: str | None = None
    instructions: str | None = None
    stream: bool = True
    store: bool = True
    temperature: float | None = None
    max_tokens: int | None = None
    reasoning: str | None = None
    resend_history: bool = False
    tools: tuple[Tool, ...] = ()
    attachments: tuple[Attachment, ...] = ()
    schema: OutputSchema | None = None
    max_tool_rounds: int = 10
    approve: bool = False
    #: Seconds to wait for one function tool call (``None``: run it in place, unbounded).
    tool_timeout: float | None = None
    #: The notebook the message carries (``--context``); its images are ``attachments``.
    context: ContextRecord | None = None
    #: ``prompt_cache_key``: ``auto`` until the session knows the thread (then its
    #: key), a key of the user's, or ``None``.
    cache_key: str | None = None
    cache_retention: str | None = None
    #: ``auto``: the server may drop the oldest items (Responses); ``None``: its default.
    truncation: str | None = None
    #: Compact the conversation so far instead of asking (``--compact``).
    compact: bool = False
    #: Run on the server apart from the connection (``--background``, Responses).
    background: bool = False
    #: The thread keeps its state in server-side conversations (``server_threads``);
    #: ``server_conversation`` is the one this turn may continue (``None``: a new one,
    #: made of the branch so far). Set by the session, which knows the thread.
    server_state: bool = False
    server_conversation: str | None = None
    #: Answers asked for side by side (``-n``), each a version of the turn.
    candidates: int = 1
    #: The declared request parameters' values (``parameters.py``: verbosity, service
    #: tier, tool choice, logprobs...), given or from their traits; out of ``repr``, as
    #: ``safety_identifier`` is among them.
    parameters: RequestParameters = field(default_factory=lambda: RequestParameters(), repr=False)
    #: Which of ``parameters`` were given (the rest come from traits).
    parameters_given: frozenset[str] = frozenset()


@dataclass(frozen=True)
class TurnOptions:
    """What a front door was asked, before any checking. The field names are the
    magics' option names (``argparse`` dests), so a parsed option line maps onto it
    by name; ``None`` means "the setting's default"."""

    api: str
    prompt: str
    magic: str = ""
    model: str | None = None
    system: str | None = None
    new: bool = False
    thread: str | None = None
    fork: str | None = None
    out: str | None = None
    no_stream: bool = False
    temperature: float | None = None
    max_tokens: int | None = None
    reasoning: str | None = None
    no_interpolate: bool = False
    tools: list[str] = field(default_factory=list)
    max_tool_rounds: int = 10
    tool_timeout: float | None = None
    approve: bool = False
    file: list[str] = field(default_factory=list)
    schema: str | None = None
    no_store: bool = False
    vector_store: list[str] = field(default_factory=list)
    mcp: list[str] = field(default_factory=list)
    mcp_local: list[str] = field(default_factory=list)
    mcp_approve: list[str] = field(default_factory=list)
    mcp_header: list[str] = field(default_factory=list)
    mcp_auth: list[str] = field(default_factory=list)
    mcp_tools: list[str] = field(default_factory=list)
    computer_url: str | None = None
    computer_env: str | None = None
    context: list[str] = field(default_factory=list)
    context_budget: int | None = None
    cache_key: str | None = None
    cache_retention: str | None = None
    truncation: str | None = None
    compact: bool = False
    background: bool = False
    candidates: int | None = None
    #: The declared request parameters' options, by name (``parameters.PARAMETERS``).
    parameters: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def parsed(cls, api: str, prompt: str, magic: str, args: Any) -> TurnOptions:
        """From a parsed option line (an ``argparse.Namespace``): every option it has
        that is a field here (an option left out is ``None``: the default), and the
        declared parameters' options into ``parameters``."""
        names = {f.name for f in fields(cls)} - {"api", "prompt", "magic", "parameters"}
        given = {k: v for k, v in vars(args).items() if k in names and v is not None}
        declared = {k: v for k, v in vars(args).items() if k in PARAMETERS and v is not None}
        return cls(api=api, prompt=prompt, magic=magic, parameters=declared, **given)


def build_request(
    options: TurnOptions,
    settings: Settings,
    namespace: Mapping[str, Any],
    files: FileStore,
    cwd: Path | None = None,
    shell: Any = None,
) -> TurnRequest:
    """Check ``options`` and resolve them into a request; ``OptionsError`` (one
    paragraph, before anything is sent or recorded) for anything wrong. Files are
    read relative to ``cwd`` (default: the working directory); ``--context`` is read
    from ``shell``, the kernel's IPython shell. What the chosen API cannot carry is
    the backend's to refuse (``Backend.validate``, run by the session)."""
    from .backends import BACKENDS
    from .computer.tool import COMPUTER, ComputerOptions
    from .mcp_options import mcp_options, mcp_tools
    from .schemas import resolve_schema
    from .tools import resolve_tools

    magic = BACKENDS[options.api].magic
    if options.new and options.fork is not None:
        raise OptionsError("--new and --fork contradict each other: give one of them.")
    body = options.prompt.strip("\n").rstrip()  # a cell body comes with a final newline
    prompt = (
        body if options.no_interpolate or not settings.interpolate else interpolate(body, namespace)
    )
    sendable(prompt, "The prompt (with its {variables} filled in)")
    if not prompt.strip():
        raise OptionsError(f"The cell is empty: write the prompt on the lines below %%{magic}.")
    if options.out is not None and not options.out.isidentifier():
        raise OptionsError(f"-o needs a Python variable name, not {options.out!r}.")
    if options.temperature is not None and not math.isfinite(options.temperature):
        raise OptionsError(f"--temperature needs a number, not {options.temperature}.")
    if options.max_tool_rounds < 0:
        raise OptionsError("--max-tool-rounds must be 0 or more.")
    timeout = settings.tool_timeout if options.tool_timeout is None else options.tool_timeout
    if not (math.isfinite(timeout) and timeout >= 0):
        raise OptionsError(
            "--tool-timeout (or the tool_timeout trait) needs a number of seconds, 0 or more "
            "(0: no limit)."
        )
    if (options.computer_url or options.computer_env) and COMPUTER not in options.tools:
        raise OptionsError(
            "--computer-url and --computer-env say which screen the computer tool drives: "
            "add --tools computer to use it."
        )
    url = options.computer_url or (None if options.computer_env else settings.computer_url or None)
    computer = ComputerOptions(url, options.computer_env)
    tools = resolve_tools(options.tools, namespace, options.vector_store, (), computer)
    tools += mcp_tools(mcp_options(options), [getattr(tool, "name", "") for tool in tools])
    store = settings.store and not options.no_store
    parameters, given = resolve(options.parameters, settings, tools, store)
    schema = resolve_schema(options.schema, namespace) if options.schema else None
    where = cwd or Path.cwd()
    attachments = tuple(files.add(spec, where) for spec in options.file)
    context = None
    if options.context:
        context, figures = notebook_context(options, settings, shell, files)
        attachments += figures
    return TurnRequest(
        api=options.api,
        prompt=prompt,
        model=(options.model or "").strip() or settings.model,
        magic=options.magic,
        thread=options.thread,
        fork=options.fork,
        new=options.new,
        system=options.system,
        stream=settings.stream and not options.no_stream,
        store=settings.store and not options.no_store,
        temperature=options.temperature,
        max_tokens=options.max_tokens,
        reasoning=options.reasoning,
        resend_history=settings.resend_history,
        tools=tools,
        attachments=attachments,
        schema=schema,
        max_tool_rounds=options.max_tool_rounds,
        approve=options.approve,
        tool_timeout=timeout or None,
        context=context,
        cache_key=_cache_key(options.cache_key, settings.prompt_cache_key),
        cache_retention=_cache_retention(options.cache_retention, settings.prompt_cache_retention),
        truncation=options.truncation or settings.truncation,
        compact=options.compact,
        background=options.background or settings.background,
        candidates=_candidates(options, bool(tools)),
        parameters=parameters,
        parameters_given=given,
    )


def _candidates(options: TurnOptions, tools: bool) -> int:
    """``-n``: how many answers; what runs one turn at a time is refused with it."""
    from .backends.candidates import MOST

    count = 1 if options.candidates is None else options.candidates
    if not 1 <= count <= MOST:
        raise OptionsError(f"-n takes 1 to {MOST} candidates, not {count}.")
    one_at_a_time = [
        name
        for name, given in (
            ("--tools", tools),
            ("--background", options.background),
            ("--compact", options.compact),
        )
        if given
    ]
    if count > 1 and one_at_a_time:
        raise OptionsError(
            f"-n asks for {count} answers side by side, and {one_at_a_time[0]} runs one turn "
            "at a time: leave out one of them."
        )
    return count


def _cache_key(given: str | None, setting: str) -> str | None:
    key = setting if given is None else given.strip()
    if not key or key == OFF:
        return None
    return sendable(key, "--cache-key")


def _cache_retention(given: str | None, setting: str) -> str | None:
    value = (setting if given is None else given).strip().lower()
    if value and value not in RETENTIONS:
        raise OptionsError(f"--cache-retention takes {', '.join(RETENTIONS)}, not {value!r}.")
    return value or None


def notebook_context(
    options: TurnOptions, settings: Settings, shell: Any, files: FileStore
) -> tuple[ContextRecord, tuple[Attachment, ...]]:
    """``--context``: what of the notebook the message carries, within the budget, and
    the images it attaches (figures, pictures). Specs may also come comma-separated
    (``-c cells:3,vars``), as the panel's field gives them."""
    from .context import gather

    budget = settings.context_budget if options.context_budget is None else options.context_budget
    if budget < 0:
        raise OptionsError("--context-budget must be 0 (no limit) or a number of tokens.")
    if shell is None:
        raise OptionsError("--context reads the notebook from its kernel, and there is none here.")
    specs = [part for spec in options.context for part in re.split(r"[,\s]+", spec) if part]
    gathered = gather(specs, shell, budget)
    record: ContextRecord = {
        "specs": specs,
        "text": gathered.text,
        "items": list(gathered.items),
        "notes": list(gathered.notes),
    }
    figures = tuple(
        files.add_bytes(
            _file_name(image.label, image.mime), image.mime, image.data, f"--context {image.label}"
        )
        for image in gathered.images
    )
    return record, figures


def _file_name(label: str, mime: str) -> str:
    """What an image from the notebook is called among the turn's attachments."""
    return f"{label}.{mime.removeprefix('image/').replace('jpeg', 'jpg')}"


def sendable(text: str, what: str) -> str:
    """``text``, if it can be sent (and saved) as UTF-8: a lone surrogate, which a
    browser can pass on from damaged text, cannot."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError as error:
        raise OptionsError(
            f"{what} holds an unpaired surrogate ({text[error.start]!r} at position "
            f"{error.start}), which cannot be sent: delete it, or retype the text around it."
        ) from None
    return text
