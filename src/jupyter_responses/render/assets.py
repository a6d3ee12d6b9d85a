"""The front-end files shipped beside the Python code (CSS, ES modules), read once."""

from __future__ import annotations

import functools
import re
from importlib import resources

#: The display type that shows a widget (its model id) in a notebook output.
WIDGET_MIME = "application/vnd.jupyter.widget-view+json"


@functools.cache
def asset_text(package: str, name: str) -> str:
    """The text of the file ``name`` shipped in ``package``."""
    return resources.files(package).joinpath(name).read_text(encoding="utf-8")


def style_block(package: str, name: str) -> str:
    """A ``<style>`` element holding the CSS file ``name`` shipped in ``package``."""
    return f"<style>\n{asset_text(package, name)}</style>"


@functools.cache
def turn_style() -> str:
    """The stylesheet of a turn (``turn.css``) as a ``<style>`` element: the saved answer
    carries it, so it looks the same as the live view, which gets the same file. Every
    saved turn carries a copy (an output may be shown alone), so it goes without its
    comments and spare whitespace."""
    return f"<style>{minified(asset_text(__package__, 'turn.css'))}</style>"


def minified(css: str) -> str:
    """``css`` without comments, and with runs of whitespace made one space."""
    css = re.sub(r"/\*.*?\*/", "", css, flags=re.DOTALL)
    css = re.sub(r"\s+", " ", css)
    # (not around ":": ".a :is(b)" and ".a:is(b)" are different selectors)
    return re.sub(r"\s*([{};,>])\s*", r"\1", css).strip()
