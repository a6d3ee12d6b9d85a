"""Fuzzing (hypothesis) ``%%respond``, ``%%chat`` and ``%responses SUB`` in ONE real
kernel against the emulator: option lines and cell bodies with braces, quotes (closed
or not), unicode, NULs, separators, 10,000-character lines and 1 MB bodies.

Every cell either fails cleanly (a one-line ``UsageError``, or one of our errors as
its one block: never a traceback of anything else) or, for the magics, gets a request
to the emulator. The examples are
derandomized and bounded, so a run is reproducible and takes well under a minute.
"""

from __future__ import annotations

import re
import shlex
from typing import Any

from hypothesis import HealthCheck, assume, example, given, settings
from hypothesis import strategies as st
from IPython.core.error import UsageError

from jupyter_responses.backends import by_magic
from jupyter_responses.commands import COMMANDS
from jupyter_responses.emulator import Emulator
from jupyter_responses.magics import cell_magic, parse_options

from .harness import CellResult, KernelSession

SETUP = '''
from pydantic import BaseModel
import pathlib

class Invoice(BaseModel):
    number: str

def get_weather(city: str) -> str:
    """Current weather."""
    return "sunny"

x = 3
schema_dict = {"type": "object", "properties": {"a": {"type": "string"}}}
pathlib.Path("chart.png").write_bytes(bytes.fromhex("89504e470d0a1a0a") + bytes(16))
pathlib.Path("notes.txt").write_text("notes")
pathlib.Path("junk.json").write_text("[1, 2")
pathlib.Path("list.json").write_text("[]")
pathlib.Path("empty.ipynb").write_text("")
pathlib.Path("other.ipynb").write_text('{"cells": 3}')
'''

#: Quotes, braces, escapes, NUL, a right-to-left mark, a combining accent, a superscript
#: digit, CJK, an emoji (lone surrogates cannot travel in a message: tested at the end).
SPECIALS = list("'\"{}[]()\\$%=-\t\x00\u200f\u0301²é中😀 ")
#: What ends a line for IPython (``str.splitlines``): never inside an option line, since
#: it would end the magic's line there; bodies have them all.
LINE_ENDS = "\n\r\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029"
NUMBERS = ["0", "-1", "0.5", "nan", "inf", "-inf", "1e309", "99999999999999999999", "2"]
VALUES = [
    *NUMBERS,
    "get_weather",
    "web_search",
    "file_search",
    "image_generation",
    "eval",
    "x",
    "Invoice",
    "schema_dict",
    "chart.png",
    "notes.txt",
    "junk.json",
    "list.json",
    "empty.ipynb",
    "other.ipynb",
    "missing.pdf",
    "http://[::1",
    "https://example.com/a.png",
    "lbl=https://mcp.example",
    "main",
    "side",
    "gpt-4.1-mini",
    "low",
    "{x}",
    "x" * 300 + ".png",
]
#: Names an ``-o`` must not overwrite and functions ``--tools`` must not offer here: the
#: kernel itself needs them (the default model calls an offered tool its prompt names).
PROTECTED = {"get_ipython", "In", "Out", "exit", "quit", "open", "print", "pathlib"}


def _texts(max_size: int = 20, newlines: bool = False) -> st.SearchStrategy[str]:
    exclude = "" if newlines else LINE_ENDS
    chars = st.characters(exclude_characters=exclude, exclude_categories=("Cs",))
    specials = SPECIALS + (list(LINE_ENDS) if newlines else [])
    return st.text(st.one_of(st.sampled_from(specials), chars), max_size=max_size)


def _line(func: Any) -> st.SearchStrategy[str]:
    """Option lines for ``func``'s parser: mostly well formed (its own options, each
    value quoted as a shell would; the arguments it takes), else any mix of its flags,
    values, and quoted, half-quoted or bare junk."""
    actions = func.parser._actions
    value = st.one_of(st.sampled_from(VALUES), _texts())
    quoted = value.map(shlex.quote)

    def fitting(action: Any) -> st.SearchStrategy[str]:
        """Mostly a value of the action's kind (a choice, a number), else anything."""
        good = action.choices or (NUMBERS if action.type in (int, float) else VALUES)
        return st.one_of(st.sampled_from(good), st.sampled_from(good), value).map(shlex.quote)

    options = [
        st.just(flag) if action.nargs == 0 else fitting(action).map(f"{flag} {{}}".format)
        for action in actions
        for flag in action.option_strings[-1:]
    ]
    positional = [fitting(action) for action in actions if not action.option_strings]
    well_formed = st.tuples(
        st.lists(st.one_of(options), max_size=4) if options else st.just([]),
        st.tuples(*positional) if positional else st.just(()),
    ).map(lambda parts: " ".join([*parts[0], *parts[1]]))
    flags = [flag for action in actions for flag in action.option_strings] or ["--"]
    half = st.builds(lambda q, v: f"{q}{v}", st.sampled_from(["'", '"']), _texts())
    junk = st.one_of(st.sampled_from(flags), value, quoted, half)
    chaos = st.lists(junk, max_size=8).map(" ".join)
    return st.one_of(*[well_formed] * 5, chaos)


BODIES = st.one_of(
    _texts(60, newlines=True).map("Ask: {}".format),
    _texts(60, newlines=True),
    st.sampled_from(["{x}", "{x} and {{x}} and {", "{get_weather('Oslo')}", "}{", '"unclosed']),
)
SUBCOMMANDS = [*sorted(COMMANDS), "nope", ""]


@st.composite
def cells(draw: st.DrawFn) -> tuple[str, str, str]:
    """(magic, option line, body); a body of "" for ``%responses``."""
    kind = draw(st.sampled_from(["respond", "chat", "responses"]))
    if kind == "responses":
        sub = draw(st.sampled_from(SUBCOMMANDS))
        handler = COMMANDS[sub][0] if sub in COMMANDS else COMMANDS["status"][0]
        rest = draw(_line(handler))
        if sub in ("export", "import"):  # only files of the kernel's own directory
            assume(not re.search(r"[/\\~]", rest))
        return kind, f"{sub} {rest}".strip(), ""
    return kind, draw(_line(_magic(kind))), draw(BODIES)


def _magic(kind: str) -> Any:
    """The cell magic ``kind`` (respond, chat), carrying its option parser."""
    return cell_magic(by_magic(kind), lambda *args: None)


def _harmless(kind: str, line: str) -> bool:
    """Whether the cell leaves what the kernel itself needs alone."""
    if kind == "responses":
        return True
    try:
        args = parse_options(_magic(kind), line)
    except UsageError:
        return True
    out = args.out or ""
    return not (out in PROTECTED or out.startswith("_")) and not PROTECTED & set(args.tools or ())


def _code(kind: str, line: str, body: str) -> str:
    return f"%responses {line}" if kind == "responses" else f"%%{kind} {line}\n{body}"


def _check(kernel: KernelSession, emulator: Emulator, kind: str, line: str, body: str) -> None:
    before = len(emulator.requests())
    result = kernel.execute(_code(kind, line, body), timeout=60, allow_errors=True)
    _no_traceback_wall(result)
    if result.error is None and kind != "responses":
        assert len(emulator.requests()) > before, "a turn ran, but nothing reached the server"
    if len(body) > 100_000:  # keep later turns (and resent history) small
        kernel.execute("%responses new")


def _no_traceback_wall(result: CellResult) -> None:
    if result.error is not None:
        result.failure()  # UsageError or one of ours, one line, no traceback
    assert "Traceback" not in result.stderr, result.stderr


HUGE_BODY = ("A line of a very long prompt {x} with 'quotes' and {braces}.\n" * 16_500)[:1_000_000]
LONG = "y" * 10_000


def test_magics_and_subcommands_never_fail_with_a_traceback(
    loaded: KernelSession, emulator: Emulator
) -> None:
    loaded.execute(SETUP)

    @settings(
        max_examples=200,
        deadline=None,
        database=None,
        derandomize=True,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
    )
    @given(cells())
    @example(("respond", "", HUGE_BODY))
    @example(("chat", "--no-stream -o big", HUGE_BODY))
    @example(("respond", f'-s "{LONG}" --temperature 0.5', "Hello"))
    @example(("chat", f"--model {LONG}", "Hello"))
    @example(("respond", f"--tools {LONG}", "Hello"))
    @example(("chat", f"-t {LONG}", "Hello"))
    @example(("respond", "'" + LONG, "Hello"))
    @example(("responses", f"checkout {LONG}", ""))
    @example(("responses", f"use {LONG}", ""))
    @example(("respond", "--temperature nan", "Hello"))
    @example(("chat", "--temperature inf", "Hello"))
    @example(("respond", "--max-tokens -5 --max-tool-rounds 99999999999999999999", "Hi"))
    @example(("chat", "--file http://[::1 --file 'x\x00.png'", "Hi"))
    @example(("respond", "--file " + "x" * 300 + ".png", "Hi"))
    @example(("respond", "-s '\x00' -m 'a b'", "nul \x00 in the body"))
    @example(("chat", "--fork ² --reasoning low", "Hi"))
    @example(("responses", "checkout ¹", ""))
    @example(("responses", "import junk.json", ""))
    @example(("responses", "import list.json", ""))
    @example(("responses", "import empty.ipynb", ""))
    @example(("responses", "import other.ipynb", ""))
    @example(("responses", "export out.ipynb", ""))
    @example(("responses", "export out.json", ""))
    @example(("responses", "import out.json", ""))
    @example(("responses", "resume \x00", ""))
    @example(("respond", "--tools get_weather --schema Invoice -o inv", "get_weather in {x}"))
    @example(("chat", "--file chart.png --file notes.txt -t side --new", "Describe them."))
    @example(("respond", "--file notes.txt --fork 1 --reasoning high --max-tokens 5", "Again"))
    @example(("chat", "--tools web_search", "Search."))
    @example(("responses", "use side", ""))
    @example(("chat", "--no-interpolate --schema schema_dict -o d", "{x} {{x}} {"))
    def check(cell: tuple[str, str, str]) -> None:
        kind, line, body = cell
        assume(_harmless(kind, line))
        _check(loaded, emulator, kind, line, body)

    check()
    # A lone surrogate (JSON can carry one from a browser) cannot be sent or saved.
    for call in (
        "run_cell_magic('respond', '', 'broken \\ud800 text')",
        "run_cell_magic('chat', '-s \\udfff', 'Hi')",
        "run_line_magic('responses', 'resume \\ud800')",
        "run_line_magic('responses', 'export \\ud800.json')",
    ):
        result = loaded.execute(f"get_ipython().{call}", allow_errors=True)
        _no_traceback_wall(result)
        assert result.error is not None and "unpaired surrogate" in result.error.evalue
