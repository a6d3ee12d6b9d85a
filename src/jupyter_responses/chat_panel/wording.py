"""Our errors' advice, worded for the chat panel.

An error's message is written for the magics: "Re-run the cell to retry", "Start afresh
with --new", "-m MODEL". In the panel there is no cell and no option line; it has a
Retry button, New chat, the Model box, the API switch and the Tools field instead.
``for_panel`` swaps those few phrases (the rest of the message, what happened and the
server's own words, is kept as it is); a phrase this does not know stays as written,
which is still true, only less direct.
"""

from __future__ import annotations

import re

#: (pattern, replacement), applied in order; each targets advice, never a fact.
_REWORDINGS: list[tuple[re.Pattern[str], str]] = [
    # ServerError: "Re-run the cell; the conversation is unchanged."
    (
        re.compile(r"Re-run the cell; the conversation is unchanged\."),
        "The conversation is unchanged: Retry sends it again.",
    ),
    # "; re-run the cell to retry." / ". Re-run the cell to try again."
    (
        re.compile(r"([.;:,?!]\s*)re-run the cell to (?:retry|try again)", re.I),
        r"\1Retry sends it again",
    ),
    # "Re-run the cell, or raise it with ...", "Wait a moment and re-run the cell."
    (re.compile(r"\bRe-run the cell\b"), "Retry"),
    (re.compile(r"\bre-run the cell\b"), "retry"),
    # "Set a valid OPENAI_API_KEY and re-run."
    (re.compile(r"\band re-run\b"), "and retry"),
    # NotFound (unknown model): "-m MODEL or %config ...; `%responses models` lists ..."
    (
        re.compile(r"Choose another with -m MODEL or [^;]*;[^.]*\."),
        "Choose another in the Model box, which lists what the server offers.",
    ),
    # BadRequest (context too long)
    (
        re.compile(
            r"Start afresh with --new, shrink it with %responses compact, let the server "
            r"drop its oldest turns with --truncation auto \(%%respond\),"
        ),
        "Start afresh with New chat, shrink it with %responses compact in a cell,",
    ),
    # Tools: "--tools nope: no function named ..." is about the panel's Tools field
    (re.compile(r"^--tools (\S+):"), r"Tools field, \1:"),
    # "rename the function (or `del python`) and run the cell again."
    (re.compile(r"\band run the cell again\b"), "and send again"),
    # The Answers box (-n) with tools or Background: which of the panel's controls to change
    (
        re.compile(
            r"^-n asks for (\d+) answers side by side, and --tools runs one turn at a time: "
            r"leave out one of them\."
        ),
        r"Answers asks for \1 answers side by side, and a message with tools runs one turn "
        r"at a time: set Answers to 1, or empty the Tools field.",
    ),
    (
        re.compile(
            r"^-n asks for (\d+) answers side by side, and --background runs one turn at a "
            r"time: leave out one of them\."
        ),
        r"Answers asks for \1 answers side by side, and a background message runs one turn "
        r"at a time: set Answers to 1, or untick Background.",
    ),
    # Chat given a built-in tool: "...: use %%respond for it."
    (re.compile(r"\buse %%respond for it\b"), "switch the panel to Responses for it"),
    # web_search on Chat without a search model: "...: pick one with -m, or use %%respond."
    (
        re.compile(r"pick one with -m, or use %%respond\."),
        "pick one in the Model box, or switch the panel to Responses.",
    ),
    # NotFound (no Responses API)
    (
        re.compile(r"Use %%chat, which talks to Chat Completions, with this server; [^.]*\."),
        "Switch the panel to Chat for this server: it talks to Chat Completions.",
    ),
]


def for_panel(message: str) -> str:
    """``message`` (one of our errors' paragraphs) with its advice worded for the
    panel: Retry instead of re-running a cell, the panel's own controls instead of
    options."""
    for pattern, replacement in _REWORDINGS:
        message = pattern.sub(replacement, message)
    return message
