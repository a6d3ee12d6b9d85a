"""The live view made of ipywidgets, for magics and the chat panel alike.

A status line until the first token; a collapsed section for the reasoning summary and
one per tool call (name, arguments as they stream, result, duration, status); the
answer as sanitized HTML; images inline; a footer. Redraws are coalesced by
``Throttle``. In a cell, the finished turn replaces the widgets with its static
HTML/plain bundle, so a saved notebook needs no widget state to read; the panel
keeps the widgets.
"""

from __future__ import annotations

import base64
import functools
from collections.abc import Callable
from importlib import resources
from typing import TYPE_CHECKING, Any

from .. import events as ev
from ..transcript import image_parts
from .approval import ask_with_input
from .base import footer, status_line
from .live import LiveView, final_bundle
from .markup import escape_html, to_html
from .static import call_body, call_title, commentary_html, sources_markdown

if TYPE_CHECKING:
    from IPython.display import DisplayHandle

    from ..conversation import Turn
    from ..transcript import CallRecord

WIDGET_MIME = "application/vnd.jupyter.widget-view+json"


def style_block(package: str, name: str) -> str:
    """A ``<style>`` element holding the CSS file ``name`` shipped in ``package``."""
    css = resources.files(package).joinpath(name).read_text(encoding="utf-8")
    return f"<style>\n{css}</style>"


@functools.cache
def turn_style() -> str:
    """The ``<style>`` block for a turn's widgets (``turn.css``, read once).

    ipywidgets give HTML a fixed 28 px line height (sized for one-line labels); an
    answer reads as prose instead.
    """
    return style_block(__package__, "turn.css")


class WidgetView(LiveView):
    def __init__(
        self,
        interval: float = 0.05,
        *,
        in_cell: bool = True,
        confirm: Callable[[str, str], bool] = ask_with_input,
    ) -> None:
        import ipywidgets as w

        super().__init__(interval)
        self.in_cell = in_cell
        self._confirm = confirm
        self.handle: DisplayHandle | None = None
        self.status = w.HTML(layout=w.Layout(margin="0"))
        self.reasoning = w.Accordion(
            children=[w.HTMLMath()], titles=("💭 Reasoning",), layout=w.Layout(display="none")
        )
        # HTMLMath: JupyterLab's MathJax typesets the math spans markup.to_html keeps
        self.said = w.HTMLMath(layout=w.Layout(margin="0"))
        self.calls = w.VBox()
        self.text = w.HTMLMath(layout=w.Layout(margin="0"))
        self.images = w.VBox()
        self.footer = w.HTML(layout=w.Layout(margin="0"))
        self.widget = w.VBox(
            [
                w.HTML(turn_style(), layout=w.Layout(display="none")),
                self.status,
                self.reasoning,
                self.said,
                self.calls,
                self.text,
                self.images,
                self.footer,
            ]
        )
        self.widget.add_class("jr-turn")
        self._sections: dict[str, Any] = {}

    # -- View ------------------------------------------------------------------------------
    def start(self, turn: Turn) -> None:
        self.turn = turn
        self.status.value = f"<i>⏳ Waiting for {escape_html(turn.model)}…</i>"
        if self.in_cell:
            from IPython.display import display

            self.handle = display(
                {
                    WIDGET_MIME: {
                        "model_id": self.widget.model_id,
                        "version_major": 2,
                        "version_minor": 0,
                    },
                    "text/plain": "…",
                },
                raw=True,
                display_id=True,
            )

    def finish(self, turn: Turn) -> None:
        self.redraw(final=True)
        if self.in_cell and self.handle is not None:
            self.handle.update(final_bundle(turn), raw=True)
            self.close()

    def replay(self, turn: Turn) -> None:
        """Show a turn that finished elsewhere (a magic's turn, in the panel)."""
        self.turn = turn
        for image in turn.images:
            mime, data = image_parts(image)
            self.image(ev.Image(data, mime=mime))
        self.redraw(final=True)

    def confirm(self, name: str, arguments: str) -> bool:
        self.redraw()
        return self._confirm(name, arguments)

    # -- drawing ---------------------------------------------------------------------------
    def draw(self, turn: Turn, final: bool) -> None:
        so_far = None if final else self.so_far()
        text = turn.text if so_far is None else so_far.text
        reasoning = turn.reasoning if so_far is None else so_far.reasoning
        said = turn.commentary if so_far is None else so_far.commentary
        if reasoning:
            self.reasoning.layout.display = None
            self.reasoning.children[0].value = to_html(reasoning)
        self.said.value = "".join(commentary_html(text) for text in said)
        for call in turn.calls:
            self._section(call)
        notes = "".join(
            f"<blockquote><em>{escape_html(note)}</em></blockquote>" for note in turn.notes
        )
        self.text.value = notes + (to_html(text) if text else "")
        if turn.refusal and final:
            self.text.value += (
                f"<blockquote><b>Refused:</b> {escape_html(turn.refusal)}</blockquote>"
            )
        if turn.citations:
            self.text.value += to_html(sources_markdown(turn.citations))
        waiting = not text and not turn.calls and not reasoning and not said
        self.status.layout.display = None if waiting or final else "none"
        if final:
            mark = status_line(turn)
            self.status.value = f"<b>{escape_html(mark)}</b>" if mark else ""
            self.status.layout.display = None if mark else "none"
            self.footer.value = f"<small>{escape_html(footer(turn))}</small>"

    def _section(self, call: CallRecord) -> None:
        import ipywidgets as w

        section = self._sections.get(call["call_id"])
        if section is None:
            section = w.Accordion(children=[w.HTMLMath()], selected_index=None)
            self._sections[call["call_id"]] = section
            self.calls.children = (*self.calls.children, section)
        title = call_title(call)
        if section.get_title(0) != title:
            section.set_title(0, title)
        body = to_html(call_body(call))
        if section.children[0].value != body:
            section.children[0].value = body

    def image(self, image: ev.Image) -> None:
        """In a cell, the base's own output (it stays when the widgets go); in the
        panel, an Image widget in the answer."""
        if self.in_cell:
            super().image(image)
            return
        import ipywidgets as w

        kind = image.mime.removeprefix("image/")
        picture = w.Image(value=base64.b64decode(image.data), format=kind)
        picture.layout.max_width = "100%"
        self.images.children = (*self.images.children, picture)

    def close(self) -> None:
        """Free every widget's comm (the cell keeps the static bundle instead)."""
        close_tree(self.widget)


def close_tree(widget: Any) -> None:
    """Close ``widget`` and every widget it holds: children, and also the layout and
    style widgets each one has, whose comms would otherwise outlive it."""
    from ipywidgets import Widget

    for name in widget.keys:
        value = getattr(widget, name, None)
        for part in value if isinstance(value, list | tuple) else (value,):
            if isinstance(part, Widget) and part.comm is not None:
                close_tree(part)
    widget.close()
