"""``%%respond``, ``%%chat`` and ``%responses``: parse options, call the session, show
errors as one paragraph. No API logic lives here."""

from __future__ import annotations

import math
from collections.abc import Callable
from pathlib import Path
from typing import Any

from IPython.core.error import UsageError
from IPython.core.magic import Magics, cell_magic, line_magic, magics_class
from IPython.core.magic_arguments import argument, magic_arguments
from IPython.utils._process_common import arg_split

from .backends import TurnRequest
from .config import ResponsesConfig
from .errors import JupyterResponsesError, OptionsError, OutputInvalid
from .interpolate import interpolate
from .render import make_view
from .schemas import resolve_schema
from .session import Session, session_for
from .tools import resolve_tools

REASONING_EFFORTS = ["none", "minimal", "low", "medium", "high", "xhigh"]


def _turn_arguments(func: Callable[..., Any]) -> Callable[..., Any]:
    """The options %%respond and %%chat share."""
    for decorator in reversed(
        [
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
                help="run this turn in thread NAME (started if new); the current thread "
                "stays current",
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
                help="notebook functions the model may call (and, for %%%%respond, built-in "
                "tools: web_search, file_search, code_interpreter, image_generation)",
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
        ]
    ):
        func = decorator(func)
    return func


@magics_class
class ResponsesMagics(Magics, ResponsesConfig):
    """Talk to OpenAI-style models from cells; every trait is user configuration."""

    def __init__(self, shell: Any = None, **kwargs: Any) -> None:
        super().__init__(shell=shell, **kwargs)
        self.session: Session = session_for(shell, self.settings)

    # -- cell magics ---------------------------------------------------------------------
    @magic_arguments()
    @_turn_arguments
    @argument("--no-store", action="store_true", help="don't store the response server-side")
    @argument(
        "--vector-store",
        action="append",
        metavar="ID",
        help="vector store for the file_search tool (repeatable)",
    )
    @argument(
        "--mcp",
        action="append",
        metavar="LABEL=URL",
        help="a remote MCP server the model may use (repeatable)",
    )
    @cell_magic
    def respond(self, line: str, cell: str) -> None:
        """Ask the model through the Responses API (/v1/responses)."""
        self._turn("responses", "respond", line, cell)

    @magic_arguments()
    @_turn_arguments
    @cell_magic
    def chat(self, line: str, cell: str) -> None:
        """Ask the model through Chat Completions (/v1/chat/completions)."""
        self._turn("chat", "chat", line, cell)

    def _turn(self, api: str, magic: str, line: str, cell: str) -> None:
        args = parse_options(getattr(self, magic), line)
        with self._errors():
            if args.new and args.fork is not None:
                raise OptionsError("--new and --fork contradict each other: give one of them.")
            request = self._request(api, args, cell)
            turn = self.session.run(
                request,
                make_view(self.shell, self.render_interval, self.widgets),
                f"%%{magic} {line}".strip(),
                thread=args.thread,
                fork=args.fork,
                cell_id=self.session.cell_id,
            )
            if args.out:
                self._namespace()[args.out] = answer_value(request, turn)

    def _request(self, api: str, args: Any, cell: str) -> TurnRequest:
        settings = self.settings()
        cell = cell.strip("\n").rstrip()  # IPython hands the body over with a final newline
        prompt = (
            cell
            if args.no_interpolate or not settings.interpolate
            else interpolate(cell, self._namespace())
        )
        _sendable(prompt, "The prompt (with its {variables} filled in)")
        if not prompt.strip():
            raise OptionsError(f"The cell is empty: write the prompt on the lines below %%{api}.")
        if args.out and not args.out.isidentifier():
            raise OptionsError(f"-o needs a Python variable name, not {args.out!r}.")
        if args.temperature is not None and not math.isfinite(args.temperature):
            raise OptionsError(f"--temperature needs a number, not {args.temperature}.")
        if args.max_tool_rounds < 0:
            raise OptionsError("--max-tool-rounds must be 0 or more.")
        timeout = settings.tool_timeout if args.tool_timeout is None else args.tool_timeout
        if not (math.isfinite(timeout) and timeout >= 0):
            raise OptionsError(
                "--tool-timeout (or the tool_timeout trait) needs a number of seconds, 0 or "
                "more (0: no limit)."
            )
        namespace = self._namespace()
        tools = resolve_tools(
            args.tools or [],
            namespace,
            getattr(args, "vector_store", None) or [],
            getattr(args, "mcp", None) or [],
        )
        schema = resolve_schema(args.schema, namespace) if args.schema else None
        attachments = tuple(self.session.files.add(spec, Path.cwd()) for spec in args.file or [])
        conversation = self.session.threads.get(args.thread)
        if args.new:
            conversation = self.session.threads.fresh(conversation.name)
        if args.system is not None:
            conversation.system = args.system or None
        return TurnRequest(
            api=api,
            prompt=prompt,
            model=args.model or settings.model,
            instructions=conversation.system,
            stream=settings.stream and not args.no_stream,
            store=settings.store and not getattr(args, "no_store", False),
            temperature=args.temperature,
            max_tokens=args.max_tokens,
            reasoning=args.reasoning,
            resend_history=settings.resend_history,
            tools=tools,
            attachments=attachments,
            schema=schema,
            max_tool_rounds=args.max_tool_rounds,
            approve=args.approve,
            tool_timeout=timeout or None,
        )

    def _namespace(self) -> dict[str, Any]:
        assert self.shell is not None, "magics are always registered on a shell"
        return self.shell.user_ns

    def _errors(self) -> Any:
        return _ShowErrors(self.debug)

    # -- %responses ----------------------------------------------------------------------
    @line_magic
    def responses(self, line: str) -> None:
        """%responses SUBCOMMAND [OPTIONS]: status, history, checkout, new, threads, use,
        resume, models, panel, export, import, help (``%responses help`` says more)."""
        from .commands import COMMANDS

        name, _, rest = line.strip().partition(" ")
        entry = COMMANDS.get(name or "status")
        if entry is None:
            raise UsageError(f"Unknown subcommand {name!r}. Try: {', '.join(COMMANDS)}.")
        handler = entry[0]
        args = parse_options(handler, rest)
        with self._errors():
            handler(self, args)


def parse_options(magic: Callable[..., Any], line: str) -> Any:
    """Like ``parse_argstring``, but quotes group words and are removed, as in a shell
    (``-s "Be brief."`` gives ``Be brief.``); an unclosed quote is a usage error."""
    try:
        argv = arg_split(_sendable(line, "The option line"), posix=True)
    except OptionsError as error:
        raise UsageError(str(error)) from None
    except ValueError as error:
        raise UsageError(f"Could not read the options: {error}.") from None
    return magic.parser.parse_args(argv)  # type: ignore[attr-defined]  # set by @magic_arguments


def _sendable(text: str, what: str) -> str:
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


def answer_value(request: TurnRequest, turn: Any) -> Any:
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
    """Our errors become a one-paragraph ``UsageError`` (full traceback with debug)."""

    def __init__(self, debug: bool) -> None:
        self.debug = debug

    def __enter__(self) -> None:
        return None

    def __exit__(self, kind: Any, error: BaseException | None, tb: Any) -> None:
        if isinstance(error, JupyterResponsesError) and not self.debug:
            raise UsageError(str(error)) from None
