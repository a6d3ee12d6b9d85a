"""``interpolate``: what gets filled in, and everything that must stay byte-identical."""

from __future__ import annotations

import datetime
import time
from collections.abc import Iterator, Mapping
from typing import Any

import pytest

from jupyter_responses.interpolate import interpolate


class Frame:
    shape = (2, 3)


class Greeter:
    def method(self) -> str:
        return "called"

    def interrupt(self) -> str:
        raise KeyboardInterrupt


class BadStr:
    def __str__(self) -> str:
        raise RuntimeError("no str")

    def __repr__(self) -> str:
        raise RuntimeError("no repr")

    def __format__(self, spec: str) -> str:
        raise RuntimeError("no format")


NS: dict[str, Any] = {
    "x": 1,
    "y": "Y",
    "name": "Ann",
    "d": {"k": "v", "a:b": "colon", "}": "brace", "{": "open"},
    "items": [10, 20, 30],
    "df": Frame(),
    "obj": Greeter(),
    "v": 3.14159,
    "w": 8,
    "u": "é",
    "t": datetime.datetime(2024, 1, 2, 13, 45),
    "tpl": "{x}",
    "bad": BadStr(),
    "max": "user max",  # shadows a builtin: the namespace wins
    "ünï": "unicode name",
}


def run(text: str) -> str:
    return interpolate(text, NS)


# -- rule 1: expressions rooted in the namespace ---------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("{x}", "1"),
        ("Hi {name}!", "Hi Ann!"),
        ("{ x }", "1"),
        ("{\n  x\n}", "1"),
        ("{df.shape}", "(2, 3)"),
        ("{items[0]}", "10"),
        ('{d["k"]}', "v"),
        ("{d['k']}", "v"),
        ("{obj.method()}", "called"),
        ("{len(items)}", "3"),
        ("{sum(items) + x}", "61"),
        ("{x != 2}", "True"),
        ("{[i * 2 for i in items]}", "[20, 40, 60]"),
        ("{(lambda n: n + x)(1)}", "2"),  # nested scopes see the namespace too
        ("{[i * x for i in items]}", "[10, 20, 30]"),
        ("{sum(i * x for i in items)}", "60"),
        ("{(x,\n y)}", "(1, 'Y')"),
        ("{(x, y)}", "(1, 'Y')"),
        ("{max}", "user max"),
        ("{ünï} ✓ 日本", "unicode name ✓ 日本"),
        ("{x} and {y} and {name}", "1 and Y and Ann"),
        ("{x}{y}", "1Y"),
        ("{tpl}", "{x}"),  # values are not re-scanned
        ("{x}}", "1}"),
        ("{{x}} {x}", "{x} 1"),
    ],
)
def test_fills_expressions_rooted_in_the_namespace(text: str, expected: str) -> None:
    assert run(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "{undefined}",
        "{x + undefined}",  # every name must resolve
        "{len}",  # builtins alone are not enough
        "{print}",
        '{__import__("os")}',
        "{True}",
        "{1 + 2}",
        "{'literal'}",
        '{d["missing"]}',  # evaluation raises
        "{items[10]}",
        "{x.nope}",
        "{x / 0}",
        "{obj.method(1, 2)}",
        "{x +\n 1}",  # not an expression without parentheses
        "{[i for i in undefined]}",
    ],
)
def test_leaves_fields_that_do_not_resolve(text: str) -> None:
    assert run(text) == text


def test_evaluates_each_field_once() -> None:
    calls: list[int] = []

    def tick() -> int:
        calls.append(1)
        return len(calls)

    assert interpolate("{tick()} {tick():>3}", {"tick": tick}) == "1   2"
    assert len(calls) == 2


class StrictMapping(Mapping[str, Any]):
    """Fails the test if the namespace is copied or iterated instead of looked up."""

    def __init__(self, data: dict[str, Any]) -> None:
        self.data = data

    def __getitem__(self, key: str) -> Any:
        return self.data[key]

    def __iter__(self) -> Iterator[str]:
        raise AssertionError("namespace iterated")

    def __len__(self) -> int:
        raise AssertionError("namespace sized")


def test_uses_any_mapping_in_place() -> None:
    ns = StrictMapping({"x": 2, "items": [1]})
    assert interpolate("{x} {len(items)} {missing}", ns) == "2 1 {missing}"


def test_keyboard_interrupt_is_not_swallowed() -> None:
    with pytest.raises(KeyboardInterrupt):
        run("{obj.interrupt()}")


# -- rule 2: conversions and format specs ----------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("{y!r}", "'Y'"),
        ("{y!s}", "Y"),
        ("{u!a}", "'\\xe9'"),
        ("{u}", "é"),
        ("{v:.2f}", "3.14"),
        ("{x:05d}", "00001"),
        ("{y!r:>10}", "       'Y'"),
        ("{y !r}", "'Y'"),
        ("{v:>{w}.1f}", "     3.1"),  # nested field in the spec
        ("{t:%H:%M}", "13:45"),  # spec may contain colons
        ('{d["a:b"]}', "colon"),  # colon inside a string is not a spec
        ("{items[1:]}", "[20, 30]"),  # nor inside brackets
        ("{d[':'.join(['a', 'b'])]}", "colon"),
        ("{d['}']}", "brace"),  # braces inside strings don't close the field
        ("{d['{']}", "open"),
    ],
)
def test_conversions_and_format_specs(text: str, expected: str) -> None:
    assert run(text) == expected


@pytest.mark.parametrize(
    "text",
    ["{x!z}", "{x!}", "{x:zz}", "{y!r:zz}", "{v:>{missing}}", "{x!r!s}", "{x:}}"],
)
def test_bad_conversions_and_specs_are_left(text: str) -> None:
    # ``{x:}}``: ``{x:}`` formats with an empty spec, then the stray brace stays.
    expected = "1}" if text == "{x:}}" else text
    assert run(text) == expected


# -- rule 3: everything else is left byte-identical ------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        '{"a": 1}',
        '{"a": {"b": [1, {}]}}',
        '{"x": x, "y": y}',
        "def f(): return {x: 1 for x in y}",
        "{x: y}",
        "function f() { return x; }",
        "if (x) { y = 1; }",
        "{% for x in y %}",
        "{1, 2}",
        "{x, y}",  # a bare tuple reads as a set literal
        "{x,}",
        "{(x), (y)}",
        "{}",
        "{ }",
        "{",
        "}",
        "{x",
        "x}",
        "}{",
        "{(x}",
        "{x)}",
        "{'x}",
        "{d['k}",
        '{"ключ": "значение"} 🎉',
        "plain text without braces",
        "",
    ],
)
def test_leaves_everything_else_as_written(text: str) -> None:
    assert run(text) == text


def test_field_over_the_length_cap_is_left() -> None:
    long_expr = "(" + " " * 1200 + "x)"
    assert run("{" + long_expr + "}") == "{" + long_expr + "}"
    assert run("{" + "(" + " " * 500 + "x)" + "}") == "1"


def test_str_failure_leaves_the_field() -> None:
    assert run("a {bad} b {bad!r} c {bad:>3} {x}") == "a {bad} b {bad!r} c {bad:>3} 1"


# -- rule 4: ``{{...}}`` escapes ------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("{{x}}", "{x}"),
        ("{{ x }}", "{ x }"),
        ("{{undefined}}", "{undefined}"),
        ("{{{x}}}", "{{x}}"),  # one level stripped, inside not evaluated
        ("{{ {x} }}", "{ {x} }"),
        ('{{"a": {"b": 1}}}', '{"a": {"b": 1}}'),
        ("{{it's}} {x}", "{it's} 1"),  # escaped text is prose: apostrophes are not quotes
        ("{{x}", "{{x}"),  # lone ``{{`` is kept, and the ``{x}`` after it is not a field
        ("a {{ b", "a {{ b"),
        ("{{ {x}", "{{ 1"),
        ("{{x} and {y}}", "{{x} and Y}"),
        ("x}}", "x}}"),
        ("}} {{", "}} {{"),
        ('{"a": {"b": 1}}', '{"a": {"b": 1}}'),  # ``}}`` closing no ``{{`` stays
        ('{"a": {{x}} }', '{"a": {x} }'),
    ],
)
def test_double_brace_escapes(text: str, expected: str) -> None:
    assert run(text) == expected


# -- rule 5: nesting, and fields inside spans left as written --------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('{ {"a": x}["a"] }', "1"),
        ('{f"{x}"}', "1"),
        ("{f'{y!r}'}", "'Y'"),
        ('{"""a}b""" + y}', "a}bY"),
        ('Explain this JSON: {"user": "{name}"}', 'Explain this JSON: {"user": "Ann"}'),
        ('{"a": {x}}', '{"a": 1}'),
        ("{undefined {x}}", "{undefined 1}"),
        ('{"k": [{y}, {"n": {x}}]}', '{"k": [Y, {"n": 1}]}'),
        ('{d["{x}"]}', '{d["1"]}'),  # the outer field fails, so the inner one is filled
        ("{x} isn't {y}", "1 isn't Y"),
        ("{it's} {x}", "{it's} 1"),
    ],
)
def test_nesting_and_inner_fields(text: str, expected: str) -> None:
    assert run(text) == expected


# -- rule 7: never raises, stays fast --------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("{x} " + '{"a": [1, {}]} ' * 10_000, "1 " + '{"a": [1, {}]} ' * 10_000),
        ("{x}, {name}! " * 8_000, "1, Ann! " * 8_000),
        ("{" * 100_000, "{" * 100_000),
        ("}" * 100_000, "}" * 100_000),
        ("{'" * 50_000, "{'" * 50_000),
        ('{"' * 50_000, '{"' * 50_000),
        ("{[" * 50_000, "{[" * 50_000),
        ("{x:" * 33_000, "{x:" * 33_000),
        ("{x(" * 20_000 + ")}" * 20_000, "{x(" * 20_000 + ")}" * 20_000),
        ('{"a":' * 20_000 + "1" + "}" * 20_000, '{"a":' * 20_000 + "1" + "}" * 20_000),
        ("{'''" * 25_000, "{'''" * 25_000),
        ("{{x}} " * 16_000, "{x} " * 16_000),
        ("{x:" * 40 + "zz" + "}" * 40, "{x:" * 40 + "zz" + "}" * 40),  # exponential if nested
    ],
    ids=[
        "json",
        "fields",
        "opens",
        "closes",
        "squote",
        "dquote",
        "brackets",
        "specs",
        "calls",
        "deep-json",
        "triple",
        "escapes",
        "nested-specs",
    ],
)
def test_long_inputs_are_linear(text: str, expected: str) -> None:
    start = time.perf_counter()
    assert run(text) == expected
    assert time.perf_counter() - start < 3  # quadratic versions take tens of seconds


def test_never_raises_fuzz() -> None:
    hypothesis = pytest.importorskip("hypothesis")
    st = hypothesis.strategies
    pieces = [*"{}[]()\"':!.xyz 0-9\\\n", "{x}", "{{", "}}", "'''", "!r", ":>3", "d['k']"]
    piece = st.one_of(st.sampled_from(pieces), st.characters())
    text_strategy = st.lists(piece, max_size=60).map("".join)
    ns = {"x": 1, "y": "Y", "d": {"k": "v"}}

    @hypothesis.settings(max_examples=300, deadline=None, database=None)
    @hypothesis.given(text_strategy)
    def check(text: str) -> None:
        result = interpolate(text, ns)
        assert isinstance(result, str)
        if "{" not in text and "}" not in text:
            assert result == text
        if "{{" not in text:  # without names nothing can be evaluated, nor escaped
            assert interpolate(text, {}) == text

    check()
