"""Model Markdown to HTML that is safe to put into a page.

Model output is untrusted, and a notebook frontend renders a trusted cell's HTML *and*
Markdown outputs without sanitizing them (JupyterLab even runs their scripts). So every
turn is shown as HTML made here: markdown-it-py renders CommonMark with raw HTML off (a
``<script>`` in the answer stays text), then nh3 (the Rust ``ammonia`` sanitizer)
cleans the result against an allow-list with only http(s) and mailto links, so even a
renderer bug cannot let markup through. Math spans are kept whole for MathJax
(``math.py``).
"""

from __future__ import annotations

import html
import re
from functools import cache
from typing import Any

from .highlight import STYLE_PROPERTIES

#: Link schemes kept; ``javascript:``, ``data:`` and the rest are dropped.
URL_SCHEMES = frozenset({"http", "https", "mailto"})


@cache
def _renderer() -> Any:
    from markdown_it import MarkdownIt

    from .highlight import highlight
    from .math import use_math

    md = MarkdownIt("commonmark", {"html": False, "highlight": highlight})
    return use_math(md.enable(["table", "strikethrough"]))


@cache
def _attributes() -> dict[str, set[str]]:
    import nh3

    allowed = nh3.ALLOWED_ATTRIBUTES
    return {
        **allowed,
        "details": {"open", "data-jr-key"},  # kept open or shut by turn.js
        "span": {*allowed.get("span", ()), "style"},  # highlighting (highlight.py)
        "pre": {*allowed.get("pre", ()), "style", "data-jr-lang"},  # the fence's label
    }


#: The classes our own markup uses (a model cannot write markup: its HTML is escaped).
CLASSES = {
    "blockquote": {"jr-commentary"},
    "div": {"jr-math"},
    "details": {"jr-section"},
    "p": {"jr-status", "jr-footer"},
}


def clean(html: str) -> str:
    """``html`` with everything outside the allow-list removed."""
    import nh3

    return nh3.clean(
        html,
        attributes=_attributes(),
        url_schemes=set(URL_SCHEMES),
        allowed_classes=CLASSES,
        filter_style_properties=set(STYLE_PROPERTIES),
    )


def to_html(markdown: str) -> str:
    return clean(_renderer().render(markdown))


def parse(markdown: str) -> list[Any]:
    """The block tokens of ``markdown`` as the renderer sees them (``answer_code``)."""
    return list(_renderer().parse(markdown))


def escape_html(text: str) -> str:
    """Plain text that HTML shows as written."""
    return html.escape(text, quote=True)


#: What Markdown (and Jupyter's ``$`` math) could read as markup anywhere in a line.
_ACTIVE = re.compile(r"([\\`*_\[\]<>#!|~&$])")
#: What reads as markup only at the start of a line: a list item, an underline.
_LINE_START = re.compile(r"^(?:[-+=]|\d+[.)])")


def escape_markdown(text: str) -> str:
    """``text`` (one line) with the characters Markdown would act on escaped, so it
    displays as typed. Backslash escapes of ASCII punctuation are CommonMark, and
    JupyterLab leaves an escaped ``$`` alone."""
    escaped = _ACTIVE.sub(r"\\\1", text)
    return _LINE_START.sub(lambda m: m[0][:-1] + "\\" + m[0][-1], escaped)
