"""``{var}`` interpolation of a ``%%respond``/``%%chat`` cell body from the user namespace.

Prompts are full of braces not meant for us (JSON, code), so only what is clearly a variable
is filled in; everything else stays byte-identical, and nothing ever raises.

* ``{expr}`` becomes ``str(value)`` if ``expr`` (stripped) is a Python expression whose free
  names are all in the namespace or builtins, one at least in the namespace, and it evaluates:
  ``{df.shape}``, ``{d["k"]}``, ``{len(items)}``. ``{len}``, ``{1, 2}`` and a bare tuple
  ``{a, b}`` (a set literal) stay. Values are not re-scanned; fields over 1000 chars stay.
* f-string ``!r``/``!s``/``!a`` and ``:spec`` work (``{x!r:>10}``, ``{v:>{width}.2f}``); the
  spec starts at the first colon outside brackets and strings (``{d["a:b"]}`` has none).
* Braces match with nesting and string awareness (``{ {"a": x}["a"] }``, ``{f"{x}"}``); a
  span left as written is still scanned inside: ``{"user": "{name}"}`` fills ``{name}``.
* ``{{inner}}`` becomes ``{inner}``, unevaluated. A ``{{`` with no matching ``}}`` is kept and
  scanning goes on after it; a ``}}`` closing no ``{{`` is kept (JSON is unchanged).
* Undefined names, errors (evaluation, ``str()``, ``format()``), unbalanced braces: as written.
"""

from __future__ import annotations

import ast
import builtins
import re
from collections.abc import Callable, Mapping
from types import CodeType
from typing import Any

_MAX_FIELD = 1000  # longer bracket spans count as unclosed: keeps deep nesting linear
_Span = tuple[int, list[int]]  # index of the closing bracket, indices of top-level colons
_SPECIAL = re.compile(r"[{}\[\]():'\"]")
_STRING = {
    q: re.compile(rf"{q * 3}(?:[^\\]|\\.)*?{q * 3}|{q}(?:[^{q}\\\n]|\\.)*{q}", re.S) for q in "'\""
}
_CLOSER = {"{": "}", "[": "]", "(": ")"}
_CONVERT: dict[str, Callable[[Any], str]] = {"r": repr, "s": str, "a": ascii}


def interpolate(text: str, namespace: Mapping[str, Any]) -> str:
    """Return ``text`` with ``{expr}`` fields filled from ``namespace`` (rules: module doc)."""
    pairs = _plain_pairs(text) if "{{" in text else {}
    memo: dict[int, _Span | None] = {}
    out: list[str] = []
    done = 0  # text[:done] is already in out
    pos = text.find("{")
    while pos != -1:
        if text.startswith("{{", pos):
            close = pairs.get(pos + 1, -1)
            if close < 0 or not text.startswith("}", close + 1):  # lone ``{{``: keep, go on
                pos = text.find("{", pos + 2)
                continue
            out += [text[done:pos], "{", text[pos + 2 : close], "}"]
            done = close + 2
        else:
            span = _match(text, pos, memo)
            if span is None or (value := _render(text, pos, span, namespace)) is None:
                pos = text.find("{", pos + 1)  # left as written; its inside is still scanned
                continue
            out += [text[done:pos], value]
            done = span[0] + 1
        pos = text.find("{", done)
    return "".join(out) + text[done:]


def _plain_pairs(text: str) -> dict[int, int]:
    """Pair braces by depth alone: ``{{...}}`` holds prose, whose apostrophes aren't quotes."""
    pairs: dict[int, int] = {}
    stack: list[int] = []
    for m in re.finditer("[{}]", text):
        if m.group() == "{":
            stack.append(m.start())
        elif stack:
            pairs[stack.pop()] = m.start()
    return pairs


def _match(text: str, start: int, memo: dict[int, _Span | None]) -> _Span | None:
    """Find the bracket closing ``text[start]`` as Python would, or ``None``. Memoising every
    bracket met keeps hostile input (``{'{'{'...``, unclosed strings) linear, not quadratic."""
    if start in memo or text[start : start + 1] not in _CLOSER:
        return memo.get(start)
    stack: list[tuple[int, str, list[int]]] = [(start, _CLOSER[text[start]], [])]
    pos = start + 1
    while stack and (m := _SPECIAL.search(text, pos)):
        char, pos = m.group(), m.end()
        if char in _STRING:
            if (string := _STRING[char].match(text, m.start())) is None:
                break
            pos = string.end()
        elif char == ":":
            stack[-1][2].append(m.start())
        elif char in _CLOSER and m.start() in memo:  # met before: skip it, or give up too
            if (known := memo[m.start()]) is None:
                break
            pos = known[0] + 1
        elif char in _CLOSER:
            stack.append((m.start(), _CLOSER[char], []))
        elif char == stack[-1][1]:
            opener, _, colons = stack.pop()
            memo[opener] = (m.start(), colons) if m.start() - opener <= _MAX_FIELD else None
        else:
            break
    for opener, _, _ in stack:  # never closed: mismatched, unterminated string or EOF
        memo[opener] = None
    return memo[start]


def _render(text: str, start: int, span: _Span, namespace: Mapping[str, Any]) -> str | None:
    """Format the field at ``text[start]``, or ``None``. As in f-strings a spec follows the
    first top-level colon that leaves a usable expression."""
    close, colons = span
    for cut in (close, *colons):
        expr, spec, conv = text[start + 1 : cut].strip(), text[cut + 1 : close], ""
        if expr[-2:-1] == "!" and expr[-1:] in _CONVERT:  # never valid Python, so a conversion
            expr, conv = expr[:-2].rstrip(), expr[-1]
        if (code := _compile(expr, namespace)) is None:
            continue
        try:
            # lambdas and genexps see only globals: give them a shallow copy, else look up in place
            nested = any(isinstance(c, CodeType) for c in code.co_consts)
            scope = {**(namespace if nested else {}), "__builtins__": builtins}
            value = eval(code, scope, namespace)
            value = _CONVERT[conv](value) if conv else value
            spec = spec if ":" in spec else interpolate(spec, namespace)  # one level, no blowup
            return format(value, spec) if spec else str(value)
        except Exception:
            return None
    return None


def _compile(expr: str, namespace: Mapping[str, Any]) -> CodeType | None:
    """Compile ``expr`` if it is an expression about the namespace, not only builtins."""
    try:
        tree = ast.parse(expr, mode="eval")
        if isinstance(tree.body, ast.Tuple) and (_match(expr, 0, {}) or (0,))[0] < len(expr) - 1:
            return None  # a bare ``a, b``: ``{a, b}`` reads as a set literal
        nodes = list(ast.walk(tree))
        names = [n for n in nodes if isinstance(n, ast.Name)]
        bound = {n.id for n in names if not isinstance(n.ctx, ast.Load)}
        free = {n.id for n in names} - bound - {n.arg for n in nodes if isinstance(n, ast.arg)}
        ours = {n for n in free if n in namespace}
        if ours and all(hasattr(builtins, n) for n in free - ours):
            return compile(tree, "<interpolate>", "eval")
    except Exception:
        pass
    return None
