"""``%%respond``, ``%%chat`` and ``%responses``: parse options, call the session, show
errors as one paragraph. No API logic lives here."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from IPython.core.error import UsageError
from IPython.core.magic import Magics, cell_magic, line_magic, magics_class
from IPython.core.magic_arguments import argument, magic_arguments
from IPython.utils._process_common import arg_split

from .backends import TurnRequest
from .client import key_present, make_client
from .config import ResponsesConfig
from .errors import JupyterResponsesError, OptionsError, OutputInvalid, from_openai, safe_url
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
            request = self._request(api, args, cell)
            turn = self.session.run(
                request,
                make_view(self.shell, self.render_interval, self.widgets),
                f"%%{magic} {line}".strip(),
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
        if not prompt.strip():
            raise OptionsError(f"The cell is empty: write the prompt on the lines below %%{api}.")
        if args.out and not args.out.isidentifier():
            raise OptionsError(f"-o needs a Python variable name, not {args.out!r}.")
        if args.max_tool_rounds < 0:
            raise OptionsError("--max-tool-rounds must be 0 or more.")
        namespace = self._namespace()
        tools = resolve_tools(
            args.tools or [],
            namespace,
            getattr(args, "vector_store", None) or [],
            getattr(args, "mcp", None) or [],
        )
        schema = resolve_schema(args.schema, namespace) if args.schema else None
        attachments = tuple(self.session.files.add(spec, Path.cwd()) for spec in args.file or [])
        if args.new:
            self.session.new_conversation()
        conversation = self.session.conversation
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
        )

    def _namespace(self) -> dict[str, Any]:
        assert self.shell is not None, "magics are always registered on a shell"
        return self.shell.user_ns

    def _errors(self) -> Any:
        return _ShowErrors(self.debug)

    # -- %responses ----------------------------------------------------------------------
    @line_magic
    def responses(self, line: str) -> None:
        """%responses SUBCOMMAND — status | history | new | models | panel | export | help"""
        name, _, rest = line.strip().partition(" ")
        entry = SUBCOMMANDS.get(name or "status")
        if entry is None:
            raise UsageError(f"Unknown subcommand {name!r}. Try: {', '.join(SUBCOMMANDS)}.")
        with self._errors():
            entry[0](self, rest.strip())

    def _status(self, rest: str) -> None:
        settings = self.settings()
        url = settings.effective_base_url()
        conversation = self.session.conversation
        usage = conversation.usage()
        in_context = len(conversation.context())
        print(
            f"API key:       {'set (OPENAI_API_KEY)' if key_present() else 'not set'}\n"
            f"Server:        {urlsplit(url).hostname} ({safe_url(url)})\n"
            f"Default model: {settings.model}\n"
            f"Store:         {'on' if settings.store else 'off'} · "
            f"streaming {'on' if settings.stream else 'off'}\n"
            f"Conversation:  {len(conversation.turns)} turns ({in_context} in context), "
            f"{usage.input_tokens} tokens in / {usage.output_tokens} out"
        )

    def _history(self, rest: str) -> None:
        branch = self.session.conversation.branch()
        if not branch:
            print("No turns yet.")
            return
        for number, turn in enumerate(branch, start=1):
            mark = {"completed": "✓", "incomplete": "…", "failed": "✗", "interrupted": "⏹"}
            answer = (turn.text or turn.refusal or turn.error or "").strip().replace("\n", " ")
            print(
                f"{number:>3}. {mark.get(turn.status, '?')} [{turn.api} · {turn.model}] "
                f"{_short(turn.prompt)} → {_short(answer)}  (id {turn.id})"
            )

    def _new(self, rest: str) -> None:
        self.session.new_conversation()
        print("Started a new conversation.")

    def _models(self, rest: str) -> None:
        import openai

        settings = self.settings()
        try:
            models = sorted(m.id for m in make_client(settings).models.list())
        except openai.OpenAIError as error:
            raise from_openai(error, settings.effective_base_url()) from error
        print("\n".join(models) or "The server lists no models.")

    def _panel(self, rest: str) -> None:
        from IPython.display import display

        from .chat_panel import panel_for

        display(panel_for(self.session))

    def _export(self, rest: str) -> None:
        from .export import default_name, export

        conversation = self.session.conversation
        if not conversation.turns:
            raise OptionsError("Nothing to export yet: the conversation has no turns.")
        target = Path(rest.strip() or default_name(conversation)).expanduser()
        try:
            written = export(conversation, target)
        except ValueError as error:
            raise OptionsError(f"{error}. Give a path ending in .ipynb, .md or .json.") from None
        except OSError as error:
            raise OptionsError(f"Could not write {target}: {error.strerror or error}.") from None
        count = len(conversation.branch())
        print(f"Exported {count} turn{'' if count == 1 else 's'} to {written}")

    def _help(self, rest: str) -> None:
        for name, (_, text) in SUBCOMMANDS.items():
            print(f"%responses {name:<8} {text}")


def parse_options(magic: Callable[..., Any], line: str) -> Any:
    """Like ``parse_argstring``, but quotes group words and are removed, as in a shell
    (``-s "Be brief."`` gives ``Be brief.``); an unclosed quote is a usage error."""
    try:
        argv = arg_split(line, posix=True)
    except ValueError as error:
        raise UsageError(f"Could not read the options: {error}.") from None
    return magic.parser.parse_args(argv)  # type: ignore[attr-defined]  # set by @magic_arguments


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


def _short(text: str, width: int = 50) -> str:
    text = " ".join(text.split())
    return text if len(text) <= width else text[: width - 1] + "…"


#: ``%responses`` subcommands: name -> (handler, help). Add a row to add one.
SUBCOMMANDS: dict[str, tuple[Callable[[ResponsesMagics, str], None], str]] = {
    "status": (
        ResponsesMagics._status,
        "API key present?, server, default model, conversation size",
    ),
    "history": (ResponsesMagics._history, "the turns of the current conversation, numbered"),
    "new": (ResponsesMagics._new, "start a fresh conversation"),
    "models": (ResponsesMagics._models, "models the server offers"),
    "panel": (ResponsesMagics._panel, "a chat panel on this conversation"),
    "export": (
        ResponsesMagics._export,
        "[PATH] the conversation as a notebook that re-runs (.ipynb), Markdown (.md) or JSON",
    ),
    "help": (ResponsesMagics._help, "this list"),
}


class _ShowErrors:
    """Our errors become a one-paragraph ``UsageError`` (full traceback with debug)."""

    def __init__(self, debug: bool) -> None:
        self.debug = debug

    def __enter__(self) -> None:
        return None

    def __exit__(self, kind: Any, error: BaseException | None, tb: Any) -> None:
        if isinstance(error, JupyterResponsesError) and not self.debug:
            raise UsageError(str(error)) from None
