"""Fuzzing (hypothesis) of everything that reads what a user types after ``%%respond``,
``%%chat`` and ``%responses SUB``: the option parsers and the functions that turn option
values into a request (thread names, turn references, tool names, --file, --mcp,
--schema). Whatever comes in, the answer is a value or our one-paragraph error, never
another exception. Examples are derandomized, so a run is the same every time.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st
from IPython.core.error import UsageError
from pydantic import BaseModel

from jupyter_responses.attachments import FileStore
from jupyter_responses.backends import by_magic
from jupyter_responses.commands import COMMANDS
from jupyter_responses.conversation import Conversation, Turn
from jupyter_responses.errors import OptionsError
from jupyter_responses.magics import cell_magic, parse_options
from jupyter_responses.schemas import resolve_schema
from jupyter_responses.threads import check_name
from jupyter_responses.tools import resolve_tools

FUZZ = settings(max_examples=150, deadline=None, database=None, derandomize=True)

#: Characters that break naive parsing: quotes, braces, escapes, NUL, line and
#: paragraph separators, a right-to-left mark, a combining accent, a superscript digit,
#: an emoji, a lone surrogate. Never "\n": it ends a magic's line, so no option value
#: holds one.
SPECIALS = list(
    "'\"{}[]()\\$%=-\u2013\t\r\x00\x0b\x0c\x1c\x85\u2028\u2029\u200f\u0301²é中😀\ud800 "
)


def _texts(max_size: int = 30) -> st.SearchStrategy[str]:
    characters = st.characters(exclude_characters="\n")
    return st.text(st.one_of(st.sampled_from(SPECIALS), characters), max_size=max_size)


def _flags(magic: Callable[..., Any]) -> list[str]:
    parser = magic.parser  # type: ignore[attr-defined]
    return [flag for action in parser._actions for flag in action.option_strings]


NUMBERS = ["0", "-1", "1.5", "nan", "inf", "-inf", "1e309", "99999999999999999999", "0x10"]
NAMES = ["get_weather", "web_search", "file_search", "eval", "__import__", "x", "Model", "1"]


def _lines(magic: Callable[..., Any]) -> st.SearchStrategy[str]:
    """Option lines: the parser's own flags among numbers, names, quoted and unquoted
    junk, in any order."""
    value = st.one_of(_texts(), st.sampled_from(NUMBERS + NAMES))
    quoted = st.builds(lambda q, v: f"{q}{v}{q}", st.sampled_from(["'", '"', ""]), _texts())
    unclosed = st.builds(lambda q, v: f"{q}{v}", st.sampled_from(["'", '"']), _texts())
    token = st.one_of(st.sampled_from(_flags(magic) or ["--"]), value, quoted, unclosed)
    return st.lists(token, max_size=10).map(" ".join)


def _parses_or_usage_error(magic: Callable[..., Any], line: str) -> None:
    try:
        parse_options(magic, line)
    except UsageError as error:
        assert str(error).strip(), "an empty usage message"


HUGE_LINE = "--model " + "m" * 10_000 + ' -s "' + "{" * 5_000


@pytest.mark.parametrize("magic", ["respond", "chat"])
def test_magic_option_lines(magic: str) -> None:
    func = cell_magic(by_magic(magic), lambda *args: None)

    @FUZZ
    @given(_lines(func))
    @example(HUGE_LINE)
    @example("--temperature nan --max-tokens -5 --tools")
    @example("\x00 -s '\x00' --fork ''")
    def check(line: str) -> None:
        _parses_or_usage_error(func, line)

    check()


@pytest.mark.parametrize("name", sorted(COMMANDS))
def test_subcommand_option_lines(name: str) -> None:
    handler = COMMANDS[name][0]

    @settings(FUZZ, max_examples=40)
    @given(_lines(handler))
    @example(HUGE_LINE)
    def check(line: str) -> None:
        _parses_or_usage_error(handler, line)

    check()


# -- what option values become ------------------------------------------------------------------
def _only_options_error(call: Callable[[], Any]) -> None:
    try:
        call()
    except OptionsError as error:
        assert str(error).strip() and "\n" not in str(error), str(error)


@FUZZ
@given(_texts(80))
@example("a" * 61)
@example("")
def test_thread_names(name: str) -> None:
    _only_options_error(lambda: check_name(name))


@FUZZ
@given(st.one_of(_texts(), st.sampled_from(["1", "2", "0", "99", "-1", " 1 ", "1e3", "٣"])))
def test_turn_references(ref: str) -> None:
    conversation = Conversation()
    for prompt in ("one", "two"):
        conversation.append(Turn(api="chat", model="m", prompt=prompt, parent=conversation.head))
    try:
        turn = conversation.find(ref)
    except LookupError as error:
        assert str(error.args[0]).strip()
    else:
        assert turn.id in conversation.turns


class Model(BaseModel):
    x: int


def _namespace() -> dict[str, Any]:
    def get_weather(city: str) -> str:
        """Weather."""
        return city

    class Callable_:
        def __call__(self, *args: Any, **kwargs: Any) -> None:
            return None

    return {
        "get_weather": get_weather,
        "x": 3,
        "Model": Model,
        "schema_dict": {"type": "object", "properties": {}},
        "bad_schema": {"type": "array"},
        "lam": lambda a, b=2: a,
        "part": functools.partial(get_weather, "Oslo"),
        "builtin": len,
        "anything": Callable_(),
        "cls": dict,
        "math": math,
    }


@FUZZ
@given(
    st.lists(st.one_of(st.sampled_from([*_namespace(), *NAMES]), _texts()), max_size=4),
    st.lists(_texts(), max_size=2),
    st.lists(
        st.one_of(_texts(), st.builds("{}=https://{}".format, _texts(), _texts())), max_size=2
    ),
)
def test_tool_names_vector_stores_and_mcp_servers(
    names: list[str], stores: list[str], mcp: list[str]
) -> None:
    _only_options_error(lambda: resolve_tools(names, _namespace(), stores, mcp))


@FUZZ
@given(st.one_of(st.sampled_from(list(_namespace())), _texts()))
def test_schema_names(name: str) -> None:
    _only_options_error(lambda: resolve_schema(name, _namespace()))


@pytest.fixture(scope="module")
def files(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    root = tmp_path_factory.mktemp("files")
    (root / "chart.png").write_bytes(b"\x89PNG\r\n\x1a\n" + b"\x00" * 16)
    (root / "notes.txt").write_text("notes")
    (root / "program.exe").write_bytes(b"MZ")
    (root / "folder.png").mkdir()
    yield root


FILE_SPECS = [
    "chart.png",
    "notes.txt",
    "program.exe",
    "folder.png",
    "missing.pdf",
    "x" * 300 + ".png",
    "a/" * 3000 + "b.png",
    "chart.png\x00.txt",
    "~nobody-here/x.png",
    "http://[::1",
    "https://example.com/a.png",
    "https://example.com/noext",
    "https://[v1.x]/a.pdf",
    "file:///etc/passwd",
]


def test_file_specs(files: Path) -> None:
    def check(spec: str) -> None:
        _only_options_error(lambda: FileStore().add(spec, files))

    for spec in FILE_SPECS:  # each one surely tried, before anything generated
        check = example(spec)(check)
    urls = st.builds("https://{}".format, _texts())
    FUZZ(given(st.one_of(st.sampled_from(FILE_SPECS), _texts(), urls))(check))()
