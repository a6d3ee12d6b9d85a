"""``--approve``: ask before each tool call (and before each run of the python tool,
unless ``python_tool_approve`` is off). No answer is no: a call runs only on an
explicit yes.

Magics ask with ``input()``, which every Jupyter frontend shows as a prompt while the
cell runs (and terminal IPython reads from the console). Buttons cannot work there: a
running cell blocks the kernel, so a click would only arrive after the cell ended
(ipykernel 7 no longer offers a way to pump its messages from inside a cell). The chat
panel, whose requests run off the kernel's main thread, asks with buttons instead.
"""

from __future__ import annotations

import json

#: Lines of code a question shows (the call's section in a notebook shows all of it).
QUESTION_LINES = 20


def question(name: str, arguments: str) -> str:
    """``Run get_time({"city": "Oslo"})?`` for a function's JSON arguments; for code
    (the python tool's: not a JSON object), the code itself, indented on lines of its
    own, so a terminal, where no section shows it, reads what it is asked to run. A
    tool that words its own question (the computer's: ``Allow these computer
    actions?`` and what they are) is asked in its words."""
    if _is_json_object(arguments):
        return f"Run {name}({' '.join(arguments.split())})?"
    if _worded(arguments):
        return arguments.rstrip("\n") + "\n"
    lines = arguments.strip("\n").splitlines() or [""]
    shown = lines[:QUESTION_LINES]
    if len(lines) > QUESTION_LINES:
        shown.append(f"… ({len(lines) - QUESTION_LINES} more lines)")
    code = "\n".join(f"    {line}".rstrip() for line in shown)
    return f"{short_question(name, arguments)}\n{code}\n"


def short_question(name: str, arguments: str) -> str:
    """The question in a few words, where the call is shown beside it (the chat
    panel shows its title and its code or arguments above Approve and Deny):
    ``Run this python code?``, ``Run get_time?``."""
    if _is_json_object(arguments):
        return f"Run {name}?"
    return arguments.split("\n", 1)[0] if _worded(arguments) else f"Run this {name} code?"


def _worded(text: str) -> bool:
    """A question a tool worded: its first line asks (ends in ``?``) and is not code
    (Python cannot read it: ``# why?`` is code, ``Allow these actions?`` is not)."""
    first = text.split("\n", 1)[0].strip()
    if not first.endswith("?"):
        return False
    try:
        compile(first, "<question>", "exec")
    except SyntaxError:
        return True
    return False


def _is_json_object(text: str) -> bool:
    try:
        return isinstance(json.loads(text or "{}"), dict)
    except ValueError:
        return False


def ask_with_input(name: str, arguments: str) -> bool:
    asked = question(name, arguments)
    try:
        reply = input(asked + ("[y/N] " if asked.endswith("\n") else " [y/N] "))
    except (EOFError, RuntimeError, NotImplementedError):  # no stdin, e.g. a headless run
        print(f"Not run: {name} needs approval and nobody can answer here.")
        return False
    return reply.strip().lower() in ("y", "yes")
