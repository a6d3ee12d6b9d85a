"""Math in model Markdown, kept whole for MathJax.

Models write ``$...$``, ``$$...$$``, ``\\(...\\)``, ``\\[...\\]`` and ``\\begin{align}``
environments. Markdown would eat their backslashes (``\\{`` becomes ``{``, ``\\\\``
becomes ``\\``) and read two ``*`` as emphasis, so the spans are taken out before Markdown
runs, by the maintained markdown-it plugins (``mdit_py_plugins``: ``dollarmath``,
``texmath`` for the brackets, ``amsmath`` for environments), and written back as TeX in
the delimiters MathJax looks for: ``\\(...\\)`` inline, ``\\[...\\]`` on their own.
JupyterLab, Notebook 7, ipywidgets' ``HTMLMath`` and nbconvert's HTML typeset them;
where nothing typesets, the TeX reads as written.

A ``$`` that is not math (``$5 and $10``) is written as ``\\$``, which MathJax (with
``processEscapes``, as all of those configure it) shows as a dollar instead of
pairing it with the next one into a formula.
"""

from __future__ import annotations

import html
from typing import Any


def use_math(md: Any) -> Any:
    """``md`` (a ``MarkdownIt``) with math spans protected and rendered for MathJax."""
    from mdit_py_plugins.amsmath import amsmath_plugin
    from mdit_py_plugins.dollarmath import dollarmath_plugin
    from mdit_py_plugins.texmath import texmath_plugin

    # Pandoc's rules: "$5 and $10" are prices, not math (a closing $ follows no space
    # and precedes no digit).
    md.use(dollarmath_plugin, allow_space=False, allow_digits=False, double_inline=True)
    md.use(texmath_plugin, delimiters="brackets")
    md.use(amsmath_plugin)
    for name in ("math_inline", "math_inline_double"):
        md.add_render_rule(name, _inline)
    for name in ("math_block", "math_block_label", "math_block_eqno"):
        md.add_render_rule(name, _display)
    md.add_render_rule("amsmath", _environment)
    md.add_render_rule("text", _text)
    return md


def _tex(token: Any) -> str:
    return html.escape(token.content.strip(), quote=False)


def _inline(self: Any, tokens: Any, idx: int, options: Any, env: Any) -> str:
    return f"\\({_tex(tokens[idx])}\\)"


def _display(self: Any, tokens: Any, idx: int, options: Any, env: Any) -> str:
    return f'<div class="jr-math">\\[{_tex(tokens[idx])}\\]</div>\n'


def _environment(self: Any, tokens: Any, idx: int, options: Any, env: Any) -> str:
    return f'<div class="jr-math">{_tex(tokens[idx])}</div>\n'


def _text(self: Any, tokens: Any, idx: int, options: Any, env: Any) -> str:
    return html.escape(tokens[idx].content, quote=False).replace("$", "\\$")
