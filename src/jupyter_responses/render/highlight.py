"""Code blocks highlighted by Pygments, in the theme's own colours.

Highlighting is written as inline ``color`` styles whose values are JupyterLab's own
editor variables (``var(--jp-mirror-editor-keyword-color, #008000)``...): the saved
answer needs no stylesheet of ours, follows the light or dark theme wherever those
variables exist (JupyterLab, Notebook 7, nbconvert's lab template), and falls back to
Pygments' default colours elsewhere. The sanitizer keeps only these few properties.
"""

from __future__ import annotations

import html
from functools import cache
from typing import Any

#: Pygments token type (by name, most specific first) -> (CSS variable, fallback, extra).
_COLOURS: tuple[tuple[str, str, str, str], ...] = (
    ("Comment", "comment", "#408080", "font-style: italic"),
    ("Keyword", "keyword", "#008000", "font-weight: bold"),
    ("Name.Builtin", "builtin", "#008000", ""),
    ("Name.Function", "def", "#0000ff", ""),
    ("Name.Class", "def", "#0000ff", "font-weight: bold"),
    ("Name.Decorator", "meta", "#aa22ff", ""),
    ("Literal.String", "string", "#ba2121", ""),
    ("Literal.Number", "number", "#008800", ""),
    ("Operator.Word", "keyword", "#aa22ff", "font-weight: bold"),
    ("Operator", "operator", "#aa22ff", ""),
)

#: The box every code block sits in (the same in the live view and the saved answer):
#: the page's own surface, framed. On a grey block the editor's colours fall under a
#: 4.5:1 contrast (comments are #408080 in the light and dark themes alike: 3.9:1 and
#: 2.2:1); ``turn.css`` also lightens comments in dark themes.
PRE_STYLE = (
    "background-color: var(--jp-layout-color0, #fff); "
    "border: 1px solid var(--jp-border-color2, #e0e0e0); padding: 8px 10px; border-radius: 4px"
)
#: What the sanitizer lets through of ``style``.
STYLE_PROPERTIES = frozenset(
    {"color", "font-weight", "font-style", "background-color", "border", "padding", "border-radius"}
)


@cache
def _style_of(token_type: Any) -> str:
    name = str(token_type).removeprefix("Token.")
    for prefix, variable, fallback, extra in _COLOURS:
        if name == prefix or name.startswith(prefix + "."):
            colour = f"color: var(--jp-mirror-editor-{variable}-color, {fallback})"
            return f"{colour}; {extra}" if extra else colour
    return ""


def highlight(code: str, language: str, attrs: Any = None) -> str:
    """A fenced block as ``<pre><code>`` with coloured spans (plain when the language
    is unknown or not given: guessing would colour prose as code), its label (lower
    case) in ``data-jr-lang``: the page offers Insert below on Python only."""
    from pygments.lexers import get_lexer_by_name
    from pygments.util import ClassNotFound

    body = html.escape(code, quote=False)
    name = (language or "").strip().split()[0] if (language or "").strip() else ""
    if name:
        try:
            lexer = get_lexer_by_name(name, stripnl=False, ensurenl=False)
        except ClassNotFound:
            lexer = None
        if lexer is not None:
            spans = []
            for token_type, text in lexer.get_tokens(code):
                style, escaped = _style_of(token_type), html.escape(text, quote=False)
                spans.append(f'<span style="{style}">{escaped}</span>' if style else escaped)
            body = "".join(spans)
    label = f' data-jr-lang="{html.escape(name.lower())}"' if name else ""
    return f'<pre style="{PRE_STYLE}"{label}><code>{body}</code></pre>\n'
