"""The subcommands of the ``%responses`` line magic: one function each, its options
read by its own ``magic_arguments`` parser. ``COMMANDS`` is the table the magic
dispatches on; adding a subcommand is adding a decorated function. A subcommand that
asks the model something returns an ``Ask``, which the magic runs as a cell of that
API's magic (so it is shown, recorded, exported and re-run as one)."""

from __future__ import annotations

import re
import shlex
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from IPython.core.magic_arguments import argument, magic_arguments

from . import caching, pricing, window
from .backends.connection import key_present
from .conversation import versions_among
from .errors import JupyterResponsesError, OptionsError, safe_url

if TYPE_CHECKING:
    from .conversation import Conversation, Turn
    from .session import Session


@dataclass(frozen=True)
class Ask:
    """A question for the model: the magic runs it as ``%%<api's magic> line`` over
    ``cell``."""

    api: str
    line: str
    cell: str


@dataclass(frozen=True)
class Finish:
    """Background turns left running, ``(conversation id, turn id)``: the magic shows
    each one's view while the session finishes it."""

    turns: tuple[tuple[str, str], ...]


#: A subcommand: the session it acts on, and its parsed options; it may return an Ask
#: or a Finish.
Handler = Callable[["Session", Any], "Ask | Finish | None"]
#: name -> (handler with a ``parser``, one line of help)
COMMANDS: dict[str, tuple[Handler, str]] = {}

#: A turn's status as one symbol in listings.
STATUS_SYMBOLS = {
    "completed": "✓",
    "incomplete": "…",
    "stopped": "⛔",
    "failed": "✗",
    "interrupted": "⏹",
}


def command(name: str, help_line: str, *arguments: Any) -> Callable[[Handler], Handler]:
    def register(handler: Handler) -> Handler:
        for decorator in reversed(arguments):
            handler = decorator(handler)
        handler = magic_arguments(name=f"responses {name}")(handler)
        COMMANDS[name] = (handler, help_line)
        return handler

    return register


@command("status", "API key present?, server, model, thread, conversation size, store")
def status(session: Session, args: Any) -> None:
    settings = session.settings()
    url = settings.effective_base_url()
    conversation = session.conversation
    in_context = len(conversation.context())
    store = session.threads.store()
    saved_to = store.path if store else f"nowhere: {session.threads.save_error}"
    print(
        f"API key:       {'set (OPENAI_API_KEY)' if key_present() else 'not set'}\n"
        f"Server:        {urlsplit(url).hostname} ({safe_url(url)})\n"
        f"Default model: {settings.model}\n"
        f"Store:         {'on' if settings.store else 'off'} · "
        f"streaming {'on' if settings.stream else 'off'}\n"
        f"Thread:        {conversation.name} (conversation {conversation.id}, "
        f"{len(session.threads.open)} open)\n"
        f"Conversation:  {_turns(len(conversation.branch()))} on this branch "
        f"({len(conversation.turns)} in all, {in_context} in context)\n"
        f"Tokens:        this thread {pricing.totals(conversation.turns.values())}\n"
        f"               this session {pricing.totals(_session_turns(session))}\n"
        f"Context:       {_fullness(session, conversation)}\n"
        f"Caching:       {_caching(settings, conversation)}\n"
        f"State:         {_state(conversation, settings.server_conversations)}\n"
        f"Saved to:      {saved_to}"
    )
    quirks = session.connection.quirks.of(url)
    if quirks:
        print(f"Server quirks: {'; '.join(quirks)} (noticed by this kernel)")


@command(
    "history",
    "[--all] the current branch, numbered (--all: every branch, as a tree)",
    argument("--all", action="store_true", help="show every branch of the tree"),
)
def history(session: Session, args: Any) -> None:
    conversation = session.conversation
    maps = _maps_of(session, conversation.id)
    if not conversation.turns:
        print("No turns yet.")
        for line in maps:
            print(line)
        return
    if args.all:
        _print_tree(conversation)
    else:
        for number, turn in enumerate(conversation.branch(), start=1):
            others = len(conversation.children(turn.parent)) - 1
            aside = f"  ↺ {others} other version{'s' if others > 1 else ''}" if others else ""
            print(f"{number:>3}. {_describe(turn)}{aside}")
    for line in maps:
        print(line)
    print(
        f"\nTokens of thread {conversation.name} (every branch): "
        f"{pricing.totals(conversation.turns.values())}"
    )


def _maps_of(session: Session, conversation_id: str) -> list[str]:
    """One line per map run from this thread (they are not turns of it)."""
    from .maps.saved import MapStore

    try:
        maps = MapStore(session.threads.store()).listing(conversation_id)
    except JupyterResponsesError:
        return []
    return [
        f"  ↳ map {m.id} over {m.total:,} rows ({m.done:,} answered): {_short(m.title, 40)!r} "
        "· %responses maps"
        for m in maps
    ]


@command("maps", "prompts mapped over tables (jupyter_responses.map, --map), newest first")
def maps(session: Session, args: Any) -> None:
    from .maps.saved import MapStore

    found = MapStore(session.threads.store()).listing()
    if not found:
        print("No maps yet: jupyter_responses.map(prompt, rows) or %%respond --map DF.")
        return
    for m in found:
        when = time.strftime("%Y-%m-%d %H:%M", time.localtime(m.updated))
        failed = f", {m.failed:,} failed" if m.failed else ""
        left = m.total - m.done
        batch = f" · batch {m.batch_id} {m.batch_status}" if m.batch_id else ""
        state = "done" if not left else f"{left:,} to send again"
        print(
            f"{m.id}  {when}  {m.api} · {m.model}  {m.done:,}/{m.total:,} answered{failed} "
            f"({state}){batch}  {_short(m.title, 40)!r}"
        )


def _session_turns(session: Session) -> list[Turn]:
    """Every turn of every thread open in this session."""
    return [turn for c in session.threads.open.values() for turn in c.turns.values()]


def _state(conversation: Conversation, everywhere: bool) -> str:
    """Where the thread's state lives: here, or in a server-side conversation."""
    from . import server_threads

    if not (conversation.server_state or everywhere):
        return "local (each turn chains to the last, or resends the history)"
    held = server_threads.latest(conversation)
    if held is None:
        return "on the server (the next %%respond turn starts a server-side conversation)"
    return f"on the server, in conversation {held} (%responses import-conversation {held})"


def _fullness(session: Session, conversation: Conversation) -> str:
    """How full the last turn on this branch left the model's context window."""
    last = next((t for t in reversed(conversation.context()) if t.window), None)
    if last is None or last.window is None:
        return "not known yet (no turn with token counts, or the model's size is not known)"
    record = last.window
    return (
        f"{window.gauge(record)} ({window.share(record):.0%} of {last.model}'s window, after "
        f"the last turn); warned at {session.settings().context_warn_at:.0%}"
    )


def _caching(settings: Any, conversation: Conversation) -> str:
    """The prompt cache key this thread's next turn sends, and the retention asked for."""
    key = caching.resolve(settings.prompt_cache_key, conversation.id)
    said = "off" if key is None else key
    if settings.prompt_cache_key == caching.AUTO:
        said += " (auto: a hash of this thread's id)"
    retention = settings.prompt_cache_retention or "the server's default"
    return f"prompt_cache_key {said} · retention {retention}"


@command(
    "usage",
    "tokens and cost by model and API, this session's threads (--all: every saved one)",
    argument("--all", action="store_true", help="every conversation in the store too"),
)
def usage(session: Session, args: Any) -> None:
    turns = _session_turns(session)
    if args.all:
        turns = _all_saved_turns(session, turns)
    if not turns:
        print("No turns yet.")
        return
    by: dict[tuple[str, str], list[Turn]] = {}
    for turn in turns:
        by.setdefault((turn.model, turn.api), []).append(turn)
    rows = [
        (model, api, str(len(group)), pricing.totals(group))
        for (model, api), group in sorted(by.items())
    ]
    widths = [max(len(row[i]) for row in [("model", "api", "turns", ""), *rows]) for i in range(3)]
    print(f"{'model':<{widths[0]}}  {'api':<{widths[1]}}  {'turns':>{widths[2]}}  tokens · cost")
    for model, api, count, total in rows:
        print(f"{model:<{widths[0]}}  {api:<{widths[1]}}  {count:>{widths[2]}}  {total}")
    print(f"\nIn all: {pricing.totals(turns)}")
    table = pricing.shipped()
    print(
        f"Prices: {table['unit']}, read {table['read']} from {table['source']}; "
        "the prices trait adds or replaces models. A turn is priced when it ends."
    )


def _all_saved_turns(session: Session, open_turns: list[Turn]) -> list[Turn]:
    """``open_turns`` and the turns of every conversation in the store not open now."""
    store = session.threads.store()
    turns = list(open_turns)
    for saved in session.threads.saved(limit=100_000) if store is not None else []:
        turns += store.load(saved.id).turns.values()  # type: ignore[union-attr]
    return turns


#: What the marks of ``history --all`` mean (then the status symbols that occur).
TREE_MARKS = (
    "* the current branch",
    "← its head (the next turn continues there)",
    "├─ └─ several turns continue one",
    "v2/3 version 2 of 3 of a re-run cell",
)

#: How wide the legend's lines may grow (notebook outputs wrap longer lines).
LEGEND_WIDTH = 80

#: A status symbol's meaning, for the legend.
STATUS_WORDS = {
    "completed": "completed",
    "incomplete": "cut off",
    "stopped": "stopped at the tool-round limit",
    "failed": "failed",
    "interrupted": "interrupted",
}


def _print_tree(conversation: Conversation) -> None:
    """Every turn under the turn it continues, then a legend. A turn continued once
    keeps its column, so a long conversation does not drift right; where a turn is
    continued several times (versions of a re-run cell, forks), each continuation hangs
    from ├─ or └─ and the turns after it are indented under it."""
    on_branch = {t.id for t in conversation.branch()}
    kids = conversation.tree()
    statuses: list[str] = []
    # (turn, its siblings, the drawing before it, the drawing before the turns after it)
    stack = _continuations(kids.get(None, []), "")
    while stack:
        turn, siblings, lead, rest = stack.pop()
        mark = "*" if turn.id in on_branch else " "
        head = "  ← head" if turn.id == conversation.head else ""
        versions = versions_among(siblings, turn)
        tag = f"v{versions.index(turn) + 1}/{len(versions)} " if len(versions) > 1 else ""
        print(f"{mark} {lead}{tag}{_describe(turn)}{head}")
        if turn.status not in statuses:
            statuses.append(turn.status)
        stack += _continuations(kids.get(turn.id, []), rest)
    symbols = [f"{STATUS_SYMBOLS[s]} {STATUS_WORDS[s]}" for s in STATUS_WORDS if s in statuses]
    print()
    print(_legend([*TREE_MARKS, *symbols]))


def _legend(items: list[str]) -> str:
    """``Marks:`` and ``items``, as many to a line as fit in ``LEGEND_WIDTH``."""
    lead = "Marks: "
    lines: list[list[str]] = [[]]
    for item in items:
        if lines[-1] and len(lead) + len(" · ".join([*lines[-1], item])) > LEGEND_WIDTH:
            lines.append([])
        lines[-1].append(item)
    return "\n".join(
        (lead if n == 0 else " " * len(lead)) + " · ".join(line) for n, line in enumerate(lines)
    )


def _continuations(turns: list[Turn], rest: str) -> list[tuple[Turn, list[Turn], str, str]]:
    """Stack entries for ``turns`` (one turn's continuations, oldest first), popped in
    that order: a lone one in the same column, several each on a ├─ / └─ of their own."""
    if len(turns) == 1:
        return [(turns[0], turns, rest, rest)]
    entries = []
    for number, turn in enumerate(turns, start=1):
        last = number == len(turns)
        lead, under = ("└─ ", "   ") if last else ("├─ ", "│  ")
        entries.append((turn, turns, rest + lead, rest + under))
    return entries[::-1]


def _describe(turn: Turn) -> str:
    answer = turn.text or turn.refusal or turn.error or ""
    return (
        f"{STATUS_SYMBOLS.get(turn.status, '?')} [{turn.api} · {turn.model}] "
        f"{_short(turn.prompt)} → {_short(answer)}  (id {turn.id})"
    )


@command(
    "checkout",
    "N|ID continue from that turn (an earlier branch, see history --all)",
    argument("turn", help="a number from %responses history, or a turn or response id"),
)
def checkout(session: Session, args: Any) -> None:
    try:
        turn = session.checkout(args.turn)
    except LookupError as error:
        raise OptionsError(error.args[0]) from None
    print(f"The next turn continues from {turn.id}: {_short(turn.prompt)}")


@command(
    "new",
    "[NAME] a fresh conversation (in thread NAME, made current)",
    argument("name", nargs="?", help="thread to start afresh (default: the current one)"),
)
def new(session: Session, args: Any) -> None:
    conversation = session.new_conversation(args.name)
    print(f"Started a new conversation in thread {conversation.name!r}.")


@command(
    "threads",
    "[--server | --local] open threads, then saved conversations to resume; --server keeps "
    "the current thread's state on the server (Conversations API), --local stops that",
    argument(
        "--server",
        action="store_true",
        help="keep the current thread's state in server-side conversations from its next "
        "%%respond turn on (another machine can continue it: %responses import-conversation)",
    ),
    argument("--local", action="store_true", help="send the current thread's turns as before"),
)
def threads(session: Session, args: Any) -> None:
    if args.server or args.local:
        _server_state(session, args.server and not args.local)
        return
    registry = session.threads
    print("Open threads:")
    for name, conversation in registry.open.items():
        mark = "*" if name == registry.current else " "
        print(f"{mark} {name:<12} {_summary(conversation.id, len(conversation.turns))}  "
              f"{_short(conversation.title, 40)}")  # fmt: skip
    saved = registry.saved(limit=20)
    if saved:
        print("Saved (%responses resume ID):")
        for entry in saved:
            when = time.strftime("%Y-%m-%d %H:%M", time.localtime(entry.updated))
            print(f"  {entry.name:<12} {_summary(entry.id, entry.turns)}  {when}  "
                  f"{_short(entry.title, 40)}")  # fmt: skip
    if registry.save_error:
        print(registry.save_error)


def _server_state(session: Session, on: bool) -> None:
    from . import server_threads

    conversation = session.conversation
    conversation.server_state = on
    session.threads.save(conversation)
    if not on:
        print(f"Thread {conversation.name!r} is local again: its turns chain as before.")
        return
    held = server_threads.latest(conversation)
    if held:
        where = f"continues the server-side conversation {held}"
    elif conversation.turns:
        where = "copies this branch into a new server-side conversation"
    else:
        where = "starts a server-side conversation"
    print(
        f"Thread {conversation.name!r} keeps its state on the server: its next %%respond turn "
        f"{where}. %responses status shows the conversation's id, which "
        "%responses import-conversation opens on another machine."
    )


def _summary(conversation_id: str, turns: int) -> str:
    """A listing's id and size: every turn of the tree, all branches counted."""
    return f"{conversation_id}  {turns:>3} turn{' ' if turns == 1 else 's'} in all"


def _turns(count: int) -> str:
    return f"{count} turn{'' if count == 1 else 's'}"


@command(
    "use",
    "NAME make thread NAME current (resuming the newest saved one of that name)",
    argument("name", help="thread name"),
)
def use(session: Session, args: Any) -> None:
    conversation = session.switch(lambda: session.threads.switch(args.name))
    print(f"Now in thread {conversation.name!r} ({_turns(len(conversation.branch()))}).")


@command(
    "resume",
    "[ID] continue a saved conversation (after a restart: see threads); without ID, "
    "finish the background turns a stopped kernel left running",
    argument("id", nargs="?", help="conversation id (or its start) from %responses threads"),
)
def resume(session: Session, args: Any) -> Finish | None:
    if args.id is None:
        left = session.unfinished()
        if not left:
            print("No background turn was left running: nothing to finish.")
            return None
        return Finish(tuple(left))
    conversation = session.switch(lambda: session.threads.resume(args.id))
    _opened(conversation, "Resumed")
    return None


def _opened(conversation: Conversation, verb: str) -> None:
    print(
        f"{verb} {conversation.id} ({_short(conversation.title, 40)!r}, "
        f"{_turns(len(conversation.branch()))} on its branch, {len(conversation.turns)} in all) "
        f"as thread {conversation.name!r}, now current."
    )


@command("wait", "wait until every detached turn (--detach) has ended")
def wait(session: Session, args: Any) -> None:
    ended = session.wait()
    if not ended:
        print("No detached turn is running.")
    else:
        print(f"{ended} detached turn{'s' * (ended != 1)} ended.")


@command("models", "models the server offers")
def models(session: Session, args: Any) -> None:
    names = session.connection.models()
    print("\n".join(names) or "The server lists no models.")


@command("panel", "a chat panel on the current thread")
def panel(session: Session, args: Any) -> None:
    from IPython.display import display

    from .chat_panel import panel_for

    display(panel_for(session))


@command(
    "export",
    "[PATH] [--transcript] the thread as a notebook that re-runs (.ipynb), Markdown or JSON",
    argument("path", nargs="?", help="file to write: .ipynb, .md or .json"),
    argument(
        "--transcript",
        action="store_true",
        help="(.ipynb) alternating Markdown cells instead of re-runnable code cells",
    ),
)
def export(session: Session, args: Any) -> None:
    from .export import default_name
    from .export import export as write

    conversation = session.conversation
    if not conversation.turns:
        raise OptionsError("Nothing to export yet: the conversation has no turns.")
    target = Path(args.path or default_name(conversation)).expanduser()
    try:
        written = write(conversation, target, transcript=args.transcript)
    except ValueError as error:
        raise OptionsError(f"{error}. Give a path ending in .ipynb, .md or .json.") from None
    except OSError as error:
        raise OptionsError(f"Could not write {target}: {error.strerror or error}.") from None
    # .json holds every turn of the tree, the other formats only the current branch:
    # count what was written, so a tree with other versions is not under-reported.
    if target.suffix == ".json":
        count, what = len(conversation.turns), "the whole tree"
    else:
        count, what = len(conversation.branch()), "the current branch"
    print(f"Exported {_turns(count)} ({what}) to {written}")


@command(
    "import",
    "PATH open an exported .ipynb or .json as a new thread",
    argument("path", help="a file written by %responses export"),
)
def import_(session: Session, args: Any) -> None:
    from .importing import read_conversation

    path = Path(args.path).expanduser()
    try:
        conversation = read_conversation(path)
    except ValueError as error:
        raise OptionsError(str(error)) from None
    except OSError as error:
        raise OptionsError(f"Could not read {path}: {error.strerror or error}.") from None
    for name, existing in session.threads.open.items():
        if existing.id == conversation.id:
            raise OptionsError(
                f"Conversation {conversation.id} is already open as thread {name!r}: "
                f"`%responses use {name}` switches to it."
            )
    opened = session.switch(lambda: session.threads.adopt(conversation))
    _opened(opened, "Imported")


@command(
    "import-assistant",
    "ASSISTANT_ID [--thread ID] [--name NAME] an Assistants API assistant (and thread) as "
    "a new thread on the Responses API",
    argument("assistant", metavar="ASSISTANT_ID", help="the assistant's id (asst_...)"),
    argument("--thread", metavar="THREAD_ID", help="also import this thread's messages, as turns"),
    argument("--name", metavar="NAME", help="the new thread's name (default: the assistant's)"),
)
def import_assistant(session: Session, args: Any) -> None:
    from .assistant_import import import_into, summary

    print(summary(import_into(session, args.assistant, args.thread, args.name)))


@command(
    "import-conversation",
    "CONVERSATION_ID [--name NAME] a server-side conversation (Conversations API, e.g. "
    "another machine's thread) as a new thread that continues it",
    argument("conversation", metavar="CONVERSATION_ID", help="the conversation's id (conv_...)"),
    argument("--name", metavar="NAME", help="the new thread's name (default: from the id)"),
)
def import_conversation(session: Session, args: Any) -> None:
    from .server_threads import import_into, summary

    print(summary(import_into(session, args.conversation, args.name)))


#: What ``%responses fix`` asks, over the failing cell and what it depends on (-c fix).
FIX_PROMPT = (
    "My cell failed with the error shown in the context above. Explain in a few sentences "
    "why it failed, then fix it: give the corrected code as one Python code block that "
    "can replace the failing cell."
)


@command(
    "fix",
    "[N] [--insert] explain and fix the last error (or cell N's), from its cell, its "
    "traceback and the cells it depends on",
    argument("cell", nargs="?", type=int, help="the number of the cell that failed"),
    argument("--insert", action="store_true", help="put the fixed code into a new cell below"),
    argument("-m", "--model", help="model to use (default: the model trait)"),
    argument("--api", help="which API to ask (default: the api trait)"),
)
def fix(session: Session, args: Any) -> Ask:
    from .backends import BACKENDS

    api = args.api or session.settings().api
    if api not in BACKENDS:
        raise OptionsError(f"--api {api!r}: use one of {', '.join(BACKENDS)}.")
    options = ["-c", "fix" if args.cell is None else f"fix:{args.cell}"]
    if args.model:
        options += ["-m", args.model]
    if args.insert:
        options.append("--insert")
    return Ask(api, shlex.join(options), FIX_PROMPT)


#: What a compaction asks the model for (Chat); the Responses API compacts on its own.
COMPACT_PROMPT = (
    "Summarise our conversation so far for your own later use: every fact, figure, "
    "decision, open question and piece of code that still matters, in as few words as "
    "keep them all. Write only the summary."
)


@command(
    "compact",
    "[--api API] [-m MODEL] shrink the conversation so far into one turn that later "
    "turns send instead (the turns before it stay in the history)",
    argument("-m", "--model", help="model to use (default: the model trait)"),
    argument(
        "--api",
        help="responses: the server compacts it (/responses/compact); chat: the model "
        "writes a summary (default: the api trait)",
    ),
)
def compact(session: Session, args: Any) -> Ask:
    from .backends import BACKENDS

    api = args.api or session.settings().api
    if api not in BACKENDS:
        raise OptionsError(f"--api {api!r}: use one of {', '.join(BACKENDS)}.")
    if not session.conversation.context():
        raise OptionsError("Nothing to compact: this thread has no turns to send yet.")
    options = ["--compact", *(["-m", args.model] if args.model else [])]
    return Ask(api, shlex.join(options), COMPACT_PROMPT)


@command(
    "logprobs",
    "[N|ID] the tokens of a turn asked with --logprobs, with their log probabilities and "
    "likeliest alternatives (default: the latest such turn on this branch)",
    argument("turn", nargs="?", help="a number from %%responses history, or a turn id"),
)
def logprobs_table(session: Session, args: Any) -> None:
    from . import logprobs

    conversation = session.conversation
    if args.turn is None:
        turn = next((t for t in reversed(conversation.branch()) if t.logprobs), None)
        if turn is None:
            raise OptionsError(
                "No turn on this branch has token log probabilities: ask for them with "
                "--logprobs N (N: how many alternatives per token, 0 to 20)."
            )
    else:
        try:
            turn = conversation.find(args.turn)
        except LookupError as error:
            raise OptionsError(error.args[0]) from None
    if not turn.logprobs:
        raise OptionsError(
            f"Turn {turn.id} has no token log probabilities: re-run it with --logprobs N."
        )
    print(f"Turn {turn.id} ({turn.model}): {logprobs.summary(turn.logprobs)}")
    print(logprobs.table(turn.logprobs))


@command("help", "this list")
def help_(session: Session, args: Any) -> None:
    width = max(len(name) for name in COMMANDS)
    for name, (_, text) in COMMANDS.items():
        print(f"%responses {name:<{width}} {text}")


#: Markdown emphasis, code and heading marks: noise in a one-line preview.
_MARKUP = re.compile(r"\*\*|__|`+|^#+\s*", re.MULTILINE)


def _short(text: str, width: int = 50) -> str:
    text = " ".join(_MARKUP.sub("", text).split())
    return text if len(text) <= width else text[: width - 1] + "…"
