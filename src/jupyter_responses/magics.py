"""``%%respond``, ``%%chat`` and ``%responses``: parse options, call the session, show
errors as one short block each. No API logic lives here."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from functools import partial
from typing import Any

from IPython.core.error import UsageError
from IPython.core.magic import Magics, line_magic, magics_class
from IPython.core.magic_arguments import argument, magic_arguments
from IPython.utils._process_common import arg_split

from . import commands, parameters
from .answer_code import python_code
from .backends import BACKENDS, Backend
from .backends.base import MagicArgument
from .caching import RETENTIONS
from .cancel import Cancel
from .config import ResponsesConfig
from .conversation import Turn
from .errors import JupyterResponsesError, OptionsError, OutputInvalid
from .render import make_view
from .render.versions import show_versions
from .session import Session, session_for
from .turn_request import TurnOptions, TurnRequest, build_request, sendable

#: ``reasoning.effort`` / ``reasoning_effort``: every value the SDK's ``ReasoningEffort``
#: lists (a unit test holds them equal; the SDK is not imported when the magics load).
REASONING_EFFORTS = ["none", "minimal", "low", "medium", "high", "xhigh", "max"]


#: The options every API's cell magic takes (each backend adds its own).
TURN_ARGUMENTS: list[MagicArgument] = [
    argument("-m", "--model", help="model to use (default: the model trait)"),
    argument(
        "-s",
        "--system",
        help="instructions / system message; sticky for the conversation until changed",
    ),
    argument("--new", action="store_true", help="start a fresh conversation first"),
    argument(
        "-t",
        "--thread",
        metavar="NAME",
        help="run this turn in thread NAME (started if new); the current thread stays current",
    ),
    argument(
        "--fork",
        metavar="N|ID",
        help="continue from turn N of %%responses history (or a turn or response id) "
        "instead of the latest turn",
    ),
    argument("-o", "--out", metavar="VAR", help="store the answer in this variable"),
    argument("--no-stream", action="store_true", help="wait for the whole answer"),
    argument("--temperature", type=float, help="sampling temperature"),
    argument("--max-tokens", type=int, metavar="N", help="cap on output tokens"),
    argument("--reasoning", choices=REASONING_EFFORTS, help="reasoning effort"),
    argument("--no-interpolate", action="store_true", help="send {braces} as written"),
    argument(
        "--tools",
        nargs="+",
        metavar="NAME",
        help="notebook functions the model may call; python: the model runs code in this "
        "kernel (asks first; see python_tool_approve); and, for %%%%respond, built-in "
        "tools: web_search, file_search, code_interpreter, image_generation",
    ),
    argument(
        "--max-tool-rounds",
        type=int,
        default=10,
        metavar="N",
        help="stop after N rounds of tool calls (default 10)",
    ),
    argument(
        "--tool-timeout",
        type=float,
        metavar="SECONDS",
        help="stop waiting for a function tool call after SECONDS (default: the "
        "tool_timeout trait, 60; 0: no limit)",
    ),
    argument("--approve", action="store_true", help="ask before each tool call runs"),
    argument(
        "--mcp-local",
        action="append",
        metavar="LABEL=COMMAND|URL",
        help="an MCP server this kernel runs (LABEL='command args', over stdio) or reaches "
        "(LABEL=http://host:port/mcp): its tools become functions named LABEL__tool "
        "(repeatable; one connection per server, kept for the kernel's life)",
    ),
    argument(
        "--mcp-tools",
        action="append",
        metavar="LABEL=TOOL,TOOL",
        help="offer only these tools of MCP server LABEL (repeatable)",
    ),
    argument(
        "--mcp-header",
        action="append",
        metavar="LABEL:NAME=ENV_VAR",
        help="send MCP server LABEL the header NAME, its value read from the environment "
        "variable ENV_VAR when the request is sent; never saved (repeatable)",
    ),
    argument(
        "--file",
        action="append",
        metavar="PATH_OR_URL",
        help="attach an image or document (repeatable)",
    ),
    argument(
        "--schema",
        metavar="NAME",
        help="answer as JSON following this pydantic model or JSON-schema dict",
    ),
    argument(
        "-c",
        "--context",
        action="append",
        metavar="SPEC",
        help="show the model your notebook (repeatable): cells, cells:N (the last N cells "
        "run, with their outputs), vars (a table of your variables), NAME (a variable: a "
        "DataFrame's columns and first rows, an array's summary, a figure as an image), "
        "error (the last exception and its cell)",
    ),
    argument(
        "--context-budget",
        type=int,
        metavar="TOKENS",
        help="most tokens of --context (default: the context_budget trait, 8000; 0: no limit)",
    ),
    argument(
        "--insert",
        action="store_true",
        help="put the answer's Python code into a new cell below this one",
    ),
    argument(
        "--map",
        metavar="ROWS",
        help="answer the prompt once per row of ROWS (a DataFrame, a list of dicts): the "
        "cell is the template, filled from each row's columns; -o gets the table with the "
        "answers (see jupyter_responses.map)",
    ),
    argument(
        "--concurrency",
        type=int,
        metavar="N",
        help="with --map: requests at once (default 8), kept within the server's rate limits",
    ),
    argument(
        "--batch",
        action="store_true",
        help="with --map: through the Batch API (half the price; may take hours): the cell "
        "waits, and after a restart the same cell collects the results",
    ),
    argument(
        "-n",
        "--candidates",
        type=int,
        metavar="N",
        help="N answers to the prompt side by side (2-8), kept as versions of this turn: "
        "the switcher under the answer shows the others (and -o follows it)",
    ),
    argument(
        "--detach",
        action="store_true",
        help="return the cell at once: the turn streams into it from a worker thread "
        "(best with --background); %%responses wait waits for it",
    ),
    argument(
        "--compact",
        action="store_true",
        help="compact the conversation so far (the cell asks how): later turns send the "
        "compacted form instead of the turns before it (what %%responses compact runs)",
    ),
    argument(
        "--cache-key",
        metavar="KEY",
        help="prompt_cache_key: auto (a hash of the thread's id), off, or a key of yours "
        "(default: the prompt_cache_key trait)",
    ),
    argument(
        "--cache-retention",
        choices=RETENTIONS,
        help="how long the server keeps the cached prefix (default: the server's)",
    ),
]


def _set_out(namespace: dict[str, Any], name: str, request: TurnRequest, turn: Turn) -> None:
    """``-o NAME``: the answer of the version shown (set again when the switcher shows
    another)."""
    namespace[name] = answer_value(request, turn)


def cell_magic(
    backend: Backend, run: Callable[[Backend, Callable[..., Any], str, str], Any]
) -> Callable[[str, str], Any]:
    """``backend``'s cell magic: the shared options and its own, parsed by the
    function's ``parser`` (``magic_arguments`` adds it, and the usage to its help);
    calling it hands the backend, itself, the option line and the cell to ``run``."""

    def magic(line: str, cell: str) -> Any:
        return run(backend, magic, line, cell)

    magic.__name__ = backend.magic
    magic.__doc__ = type(backend).__doc__
    for decorator in reversed([*TURN_ARGUMENTS, *parameters.arguments(), *backend.options]):
        magic = decorator(magic)
    return magic_arguments(name=backend.magic)(magic)  # type: ignore[no-any-return]


@magics_class
class ResponsesMagics(Magics, ResponsesConfig):
    """Talk to OpenAI-style models from cells; every trait is user configuration.

    One cell magic per backend (``%%respond``, ``%%chat``), each taking the shared
    options plus the backend's own."""

    def __init__(self, shell: Any = None, **kwargs: Any) -> None:
        super().__init__(shell=shell, **kwargs)
        self.session: Session = session_for(shell, self.settings)
        for backend in BACKENDS.values():
            self.magics["cell"][backend.magic] = cell_magic(backend, self._turn)

    def _turn(self, backend: Backend, magic: Callable[..., Any], line: str, cell: str) -> Any:
        args = parse_options(magic, line)
        with self._errors():
            namespace = self._namespace()
            options = TurnOptions.parsed(
                backend.api, cell, f"%%{backend.magic} {line}".strip(), args
            )
            if args.map is not None:
                return self._map(options, args, namespace)
            if args.concurrency is not None or args.batch:
                raise OptionsError("--concurrency and --batch go with --map ROWS.")
            request = build_request(
                options, self.settings(), namespace, self.session.connection.files, shell=self.shell
            )
            if self.auto_compact and not request.compact and self.session.over_threshold(request):
                # auto_compact: the conversation shrinks first, in this cell, then the turn
                self._turn(backend, magic, "--compact", commands.COMPACT_PROMPT)
            if args.detach:
                self._detach(request, args, namespace)
                return
            out = partial(_set_out, namespace, args.out, request) if args.out else None
            if request.candidates > 1:
                turn, answer = self._candidates(request)
            else:
                view = make_view(self.shell, self.render_interval, self.widgets)
                turn = self.session.run(request, view, cell_id=self.session.cell_id)
                answer = getattr(view, "handle", None)
            show_versions(self.session, turn, answer, self.widgets, out)
            if out is not None:
                out(turn)
            if args.insert:
                self._insert(turn.text)

    def _candidates(self, request: TurnRequest) -> tuple[Turn, Any]:
        """``-n N``: the candidates side by side; then the first that was answered (the
        head now), and the display showing it."""
        from .render import make_candidates

        group = make_candidates(self.shell, self.render_interval, self.widgets, request.candidates)
        turns = self.session.run_candidates(request, group.views, cell_id=self.session.cell_id)
        picked = next(turn for turn in turns if turn.in_context())
        return picked, group.finish(picked)

    def _map(self, options: TurnOptions, args: Any, namespace: dict[str, Any]) -> Any:
        """``--map ROWS``: the cell's prompt over every row; ``-o`` gets the table (also
        the part a Stop left), else it is the cell's result."""
        from .maps import CONCURRENCY, MapInterrupted
        from .maps.kernel import context

        if not args.map.isidentifier() or args.map not in namespace:
            raise OptionsError(
                f"--map {args.map}: nothing named `{args.map}` is defined in the notebook; "
                "give the name of a DataFrame or a list of dicts."
            )
        clash = [o for o in ("detach", "insert", "candidates", "compact") if getattr(args, o)]
        if clash or options.background:
            name = clash[0] if clash else "background"
            raise OptionsError(
                f"--{name} is for one turn; --map sends each row as a request of its own."
            )
        template = replace(options, no_interpolate=True)
        try:
            table = context().run(
                template,
                namespace[args.map],
                {},
                concurrency=args.concurrency or CONCURRENCY,
                batch=args.batch,
                progress=True,
                interpolate=not options.no_interpolate,
            )
        except MapInterrupted as stopped:
            if args.out:
                namespace[args.out] = stopped.partial
            raise
        if args.out:
            namespace[args.out] = table
            return None
        return table

    def _detach(self, request: TurnRequest, args: Any, namespace: dict[str, Any]) -> None:
        """``--detach``: the cell returns now; the turn streams into its output from a
        worker thread, Stop stops it alone, ``-o`` is set when it ends."""
        if args.insert:
            raise OptionsError(
                "--insert adds a cell when its turn ends, which a detached turn does after its "
                "cell has returned: leave out one of them."
            )
        cancel = Cancel()
        view = make_view(self.shell, self.render_interval, self.widgets, cancel)

        def done(turn: Turn) -> None:
            if args.out:
                namespace[args.out] = answer_value(request, turn)

        self.session.detach(request, view, cancel, self.session.cell_id, done)

    def _insert(self, answer: str) -> None:
        """``--insert``: the answer's Python code as the next cell. The kernel's
        ``set_next_input`` payload: JupyterLab, Notebook 7 and VS Code add a cell
        below this one holding it (terminal IPython puts it at the next prompt)."""
        assert self.shell is not None, "magics are always registered on a shell"
        code = python_code(answer)
        if not code:
            print("--insert: the answer has no Python code block; no cell was added.")
            return
        self.shell.set_next_input(code, replace=False)

    def _namespace(self) -> dict[str, Any]:
        assert self.shell is not None, "magics are always registered on a shell"
        return self.shell.user_ns

    def _errors(self) -> Any:
        return _ShowErrors(self.debug)

    # -- %responses ----------------------------------------------------------------------
    @line_magic
    def responses(self, line: str) -> None:
        """%responses SUBCOMMAND [OPTIONS]: status, history, usage, checkout, new, threads,
        use, resume, wait, models, panel, export, import, import-assistant, fix, compact,
        logprobs, help
        (``%responses help`` says more)."""
        name, _, rest = line.strip().partition(" ")
        entry = commands.COMMANDS.get(name or "status")
        if entry is None:
            raise UsageError(f"Unknown subcommand {name!r}. Try: {', '.join(commands.COMMANDS)}.")
        handler = entry[0]
        args = parse_options(handler, rest)
        with self._errors():
            asked = handler(self.session, args)
        if isinstance(asked, commands.Finish):
            self._finish(asked)
        elif asked is not None:
            backend = BACKENDS[asked.api]
            self._turn(backend, self.magics["cell"][backend.magic], asked.line, asked.cell)

    def _finish(self, left: commands.Finish) -> None:
        """Finish each background turn a stopped kernel left running, in its own view."""
        for conversation_id, turn_id in left.turns:
            with self._errors():
                view = make_view(self.shell, self.render_interval, self.widgets)
                turn = self.session.finish(conversation_id, turn_id, view)
                print(f"Finished turn {turn.id} of thread {self.session.conversation.name!r}.")


def parse_options(magic: Callable[..., Any], line: str) -> Any:
    """Like ``parse_argstring``, but quotes group words and are removed, as in a shell
    (``-s "Be brief."`` gives ``Be brief.``); an unclosed quote is a usage error."""
    try:
        argv = arg_split(sendable(line, "The option line"), posix=True)
    except OptionsError as error:
        raise UsageError(str(error)) from None
    except ValueError as error:
        raise UsageError(f"Could not read the options: {error}.") from None
    return magic.parser.parse_args(argv)  # type: ignore[attr-defined]  # set by @magic_arguments


def answer_value(request: TurnRequest, turn: Turn) -> Any:
    """What ``-o VAR`` receives: the text, or with ``--schema`` the parsed object
    (None when the model refused)."""
    if request.schema is None:
        return turn.text
    if turn.refusal and not turn.text:
        return None
    try:
        return request.schema.parse(turn.text)
    except ValueError as error:  # pydantic's ValidationError is a ValueError
        first = str(error).strip().splitlines()[0]
        raise OutputInvalid(
            f"The answer does not match --schema {request.schema.name} ({first}); it is kept "
            "as text in the conversation. Re-run the cell to try again."
        ) from None


class _ShowErrors:
    """How our errors reach the cell. What was typed (the option line, the cell, a
    ``%responses`` argument: an ``OptionsError``) is a usage error, shown as IPython
    shows any magic's bad options: one ``UsageError`` line, fixed by what is typed.
    Every other error of ours goes on as it is and shows itself (a heading for its
    cause over one paragraph, see ``JupyterResponsesError._render_traceback_``), so
    the cell fails under the error's own name and "Run all" stops. With ``debug``,
    each shows its full traceback instead."""

    def __init__(self, debug: bool) -> None:
        self.debug = debug

    def __enter__(self) -> None:
        return None

    def __exit__(self, kind: Any, error: BaseException | None, tb: Any) -> None:
        if not isinstance(error, JupyterResponsesError):
            return
        if self.debug:
            error.full_traceback = True
        elif isinstance(error, OptionsError):
            raise UsageError(str(error)) from None
