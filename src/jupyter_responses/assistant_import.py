"""``%responses import-assistant``: an Assistants API assistant, and one of its threads,
opened as a new thread whose later turns go through the Responses API. That is the
migration the SDK's deprecation of the Assistants API asks for, in one command.

``assistant_reading`` fetches the assistant and the thread's messages (every page,
oldest first) as plain records; building the conversation from them is pure. Each run
of user messages (joined) and the assistant messages answering it become one completed
turn. The turns carry no response id, so whichever backend continues them resends them
as history (the Responses backend as input items, Chat as messages): nothing later
depends on the Assistants API. The assistant's instructions become the conversation's
system prompt, which every later turn sends. Its model and tools cannot live in a
conversation, so the summary gives them as the options of the next ``%%respond``.
"""

from __future__ import annotations

import re
import shlex
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from . import builtin_tools
from .assistant_reading import PAGE_SIZE, AssistantRecord, MessageRecord, ToolMap, fetch
from .backends.responses import ResponsesBackend
from .conversation import Conversation, Turn, short_title
from .errors import OptionsError
from .threads import check_name
from .transcript import Entry

if TYPE_CHECKING:
    from .session import Session

#: What an id of the Assistants API may be (``asst_abc123``), checked before it goes
#: into a URL path.
_ID = re.compile(r"[A-Za-z0-9_.-]{1,256}")


@dataclass
class Imported:
    """What was read and the conversation made of it; ``notes`` are for the summary."""

    assistant: AssistantRecord
    thread_id: str | None
    conversation: Conversation
    notes: list[str] = field(default_factory=list)


def import_into(
    session: Session,
    assistant_id: str,
    thread_id: str | None = None,
    name: str | None = None,
    page_size: int = PAGE_SIZE,
) -> Imported:
    """Read the assistant (and the thread), open the conversation made of them as a new
    thread of ``session`` (``name``, else one made of the assistant's name) and make it
    current; it is saved like any other thread."""
    _check_id(assistant_id, "ASSISTANT_ID", "asst_abc123")
    if thread_id is not None:
        _check_id(thread_id, "--thread", "thread_abc123")
    if name is not None:
        check_name(name)  # before anything is asked of the server
    client = session.connection.client()
    assistant, thread_created, messages = fetch(client, assistant_id, thread_id, page_size)
    imported = build(assistant, thread_id, messages, name or thread_name(assistant))
    if thread_created is not None:
        imported.conversation.created = thread_created
    session.switch(lambda: session.threads.adopt(imported.conversation))
    return imported


def _check_id(ref: str, what: str, example: str) -> None:
    if not _ID.fullmatch(ref):
        raise OptionsError(
            f"{what} {_quote(ref, 40)} is not an Assistants API id: they look like {example}."
        )


# -- building ---------------------------------------------------------------------------
def thread_name(assistant: AssistantRecord) -> str:
    """The assistant's name as a thread name (one word: other characters become ``-``),
    or its id when its name has nothing left."""
    name = re.sub(r"[^\w.-]+", "-", assistant["name"]).strip("-.")[:60].rstrip("-.")
    return name or assistant["id"][:60]


def build(
    assistant: AssistantRecord, thread_id: str | None, messages: list[MessageRecord], name: str
) -> Imported:
    """The conversation: the assistant's instructions as its system prompt, the
    exchanges of ``messages`` as its turns, on one branch."""
    instructions = assistant["instructions"] or None
    conversation = Conversation(name=name, system=instructions)
    imported = Imported(assistant, thread_id, conversation)
    exchanges = _exchanges(messages)
    if exchanges and not exchanges[-1][1]:
        asked = "\n\n".join(m["text"] for m in exchanges.pop()[0])
        imported.notes.append(
            f"The thread ends with a user message that has no answer ({_quote(asked)}): it is "
            "not imported; send it with %%respond to have it answered."
        )
    if exchanges and not exchanges[0][0]:
        imported.notes.append(
            "The thread begins with a message of the assistant: the first turn has an empty "
            "prompt and that message as its answer."
        )
    for asked_by, answers in exchanges:
        turn = _turn(asked_by, answers, assistant["model"], instructions)
        turn.parent = conversation.head
        conversation.append(turn)
    if not conversation.title and assistant["name"]:
        conversation.title = short_title(assistant["name"])
    return imported


def _exchanges(
    messages: list[MessageRecord],
) -> list[tuple[list[MessageRecord], list[MessageRecord]]]:
    """``messages`` as (user messages, assistant messages answering them) pairs."""
    exchanges: list[tuple[list[MessageRecord], list[MessageRecord]]] = []
    for message in messages:
        answered = bool(exchanges) and bool(exchanges[-1][1])
        if not exchanges or (message["role"] == "user" and answered):
            exchanges.append(([], []))
        exchanges[-1][0 if message["role"] == "user" else 1].append(message)
    return exchanges


def _turn(
    asked: list[MessageRecord], answers: list[MessageRecord], model: str, instructions: str | None
) -> Turn:
    output: list[Entry] = []
    for answer in answers:
        if answer["text"]:
            output.append({"type": "message", "text": answer["text"]})
        if answer["refusal"]:
            output.append({"type": "refusal", "text": answer["refusal"]})
    attached = [a for m in [*asked, *answers] for a in m["attachments"]]
    notes = (
        [f"Files attached in the Assistants thread, not carried over: {', '.join(attached)}."]
        if attached
        else []
    )
    first = (asked or answers)[0]
    return Turn(
        api=ResponsesBackend.api,
        model=model,
        prompt="\n\n".join(m["text"] for m in asked),
        instructions=instructions,
        output=output,
        text="\n\n".join(a["text"] for a in answers if a["text"]),
        refusal="\n\n".join(a["refusal"] for a in answers if a["refusal"]) or None,
        citations=[c for a in answers for c in a["citations"]],
        status="incomplete" if any(a["incomplete"] for a in answers) else "completed",
        notes=notes,
        started=first["created"],
        finished=answers[-1]["created"],
    )


# -- the summary ------------------------------------------------------------------------
def next_line(imported: Imported) -> str:
    """The ``%%respond`` line that continues the thread with the assistant's model and
    tools: file search only with the vector stores to search (it needs one)."""
    tools = imported.assistant["tools"]
    searches = builtin_tools.FILE_SEARCH.name in tools["builtins"]
    stores = tools["vector_stores"] if searches else []
    builtins = [n for n in tools["builtins"] if n != builtin_tools.FILE_SEARCH.name or stores]
    names = [*builtins, *(f["name"] for f in tools["functions"])]
    options = ["-m", imported.assistant["model"]]
    if names:
        options += ["--tools", *names]
    for store in stores:
        options += ["--vector-store", store]
    return f"%%{ResponsesBackend.magic} {shlex.join(options)}"


def summary(imported: Imported) -> str:
    """What was imported as what, and how to continue: a few lines for the cell."""
    assistant, conversation = imported.assistant, imported.conversation
    turns = len(conversation.turns)
    named = f"{_quote(assistant['name'])} ({assistant['id']})" if assistant["name"] else ""
    source = f"assistant {named or assistant['id']}"
    if imported.thread_id:
        source += f" and thread {imported.thread_id}"
    lines = [
        f"Imported {source} as thread {conversation.name!r}, now current: "
        f"{turns} turn{'' if turns == 1 else 's'}.",
        f"  Model:        {assistant['model']} (give it with -m on each turn)",
        f"  Instructions: {_instructions(assistant['instructions'])}",
        f"  Tools:        {_tool_words(assistant['tools'])}",
        "Continue with:",
        f"  {next_line(imported)}",
    ]
    functions = assistant["tools"]["functions"]
    if functions:
        signatures = [f"{f['name']}({', '.join(f['parameters'])})" for f in functions]
        lines.append(
            f"Define {_and(signatures)} as Python function{'s' if len(functions) > 1 else ''} "
            "in the notebook first: --tools "
            "calls only functions it finds there (the assistant's descriptions and schemas "
            "came from the server, the code never did)."
        )
    lines += [f"Note: {note}" for note in imported.notes]
    return "\n".join(lines)


def _instructions(instructions: str) -> str:
    if not instructions.strip():
        return "none"
    shown = short_title(instructions)
    more = " …" if len(instructions.strip().splitlines()) > 1 and not shown.endswith("…") else ""
    return f"{_quote(shown)}{more} (the thread's system prompt: every turn sends it)"


def _tool_words(tools: ToolMap) -> str:
    """Each of the assistant's tools and what it became here."""
    said: list[str] = []
    for name in tools["builtins"]:
        if name == builtin_tools.FILE_SEARCH.name:
            stores = " ".join(f"--vector-store {s}" for s in tools["vector_stores"])
            said.append(f"{name} → {stores or 'needs --vector-store ID (none was set)'}")
        else:
            said.append(f"{name} → --tools {name}")
    if tools["functions"]:
        names = " ".join(f["name"] for f in tools["functions"])
        said.append(f"functions → --tools {names}")
    if tools["code_files"]:
        said.append(f"code interpreter files {', '.join(tools['code_files'])} not carried over")
    if tools["unknown"]:
        said.append(f"{', '.join(tools['unknown'])}: no equivalent here, left out")
    return " · ".join(said) or "none"


def _quote(text: str, width: int = 60) -> str:
    text = " ".join(text.split())
    return repr(text if len(text) <= width else text[: width - 1] + "…")


def _and(items: list[str]) -> str:
    return items[0] if len(items) == 1 else f"{', '.join(items[:-1])} and {items[-1]}"
