"""Markdown to HTML that is safe to put into a page, for the widget views.

Model output is untrusted. markdown-it-py renders CommonMark with raw HTML turned off
(a ``<script>`` in the answer stays text) and drops ``javascript:``-style links; nh3
(the Rust ``ammonia`` sanitizer) then cleans the result against an allow-list, so even
a renderer bug cannot let markup through. Saved notebooks never hold this HTML: a
finished turn is shown as ``text/markdown``, which the frontend's own sanitizer renders.
"""

from __future__ import annotations

from functools import cache
from typing import Any


@cache
def _renderer() -> Any:
    from markdown_it import MarkdownIt

    return MarkdownIt("commonmark", {"html": False}).enable(["table", "strikethrough"])


def to_html(markdown: str) -> str:
    import nh3

    return nh3.clean(_renderer().render(markdown))


def escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
