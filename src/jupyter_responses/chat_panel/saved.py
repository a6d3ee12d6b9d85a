"""What a saved notebook shows where the chat panel was.

The panel is displayed as two outputs: a stand-in ("Chat panel: run this cell to
reopen it.") and then the widget. Where no kernel runs the widget (GitHub, nbconvert,
terminal IPython, and JupyterLab or Notebook 7 reopening a saved notebook, whose widget
model went with the old kernel), the stand-in is what reads, instead of the widget's
repr or "Error displaying widget: model not found". One output could not do it: the
front end picks a widget view over any other data in its bundle, and says "model not
found" when the model is gone. The stand-in's own stylesheet (``stand_in.css``, so it
comes with the saved notebook) hides it beside a live panel, and hides the widget's
error beside it.
"""

from __future__ import annotations

import functools
from typing import Any

import ipywidgets as w

from ..render.assets import asset_text, minified
from ..render.markup import escape_html

#: What a saved notebook shows where the panel cannot run.
STAND_IN = "Chat panel: run this cell to reopen it."


@functools.cache
def stand_in_html() -> str:
    """The saved notebook's stand-in, with the rules (``stand_in.css``, on one line
    without its comments: a Markdown export carries them) that show it only where the
    panel cannot be shown."""
    css = minified(asset_text(__package__, "stand_in.css"))
    return f"<style>{css}</style><p class='jr-stand-in'><em>{escape_html(STAND_IN)}</em></p>"


class PanelBox(w.VBox):  # type: ignore[misc]
    """The panel's outer box, whose text form is the stand-in rather than
    ``VBox(children=(HTML(value=...``: what a notebook saves as its text when
    ``panel.widget`` itself is displayed."""

    def __repr__(self) -> str:
        return STAND_IN


def display_with_stand_in(widget: Any) -> None:
    """Display the stand-in, then ``widget`` (whose own text is left empty: the
    stand-in above says it)."""
    from IPython.display import display

    display({"text/plain": STAND_IN, "text/html": stand_in_html()}, raw=True)
    bundle = dict(widget._repr_mimebundle_() or {})
    bundle["text/plain"] = ""
    display(bundle, raw=True)
