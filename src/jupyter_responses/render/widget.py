"""The live view made of ipywidgets, for magics and the chat panel alike.

The turn is drawn as the same HTML its saved output will be (``static.html``: reasoning
and each tool call as a section, the answer, then the footer), in one ``HTMLMath``
widget so MathJax typesets it, styled by the one stylesheet ``turn.css``. Under it a
small anywidget (``TurnChrome``, ``turn.js``) shows signs of life (time waiting, a
stalled stream), a Stop button, Copy buttons on code, and keeps sections open as the
user left them. Redraws are coalesced by ``Throttle``. In a cell, the finished turn
replaces the widgets with its static HTML/plain bundle, so a saved notebook needs no
widget state to read; the panel keeps the widgets.

Three widgets per turn (a box, the HTML, the chrome), and no more: every widget opens a
comm, which costs the kernel time on every turn, and ipywidgets would give each its own
layout (and the HTML a style) too. Those never change, so every turn shares one of each
(``_shared``), opened once per kernel and never closed. And a cell's three are not closed
when its turn ends (its output is the static bundle by then, so nothing shows them): they
are emptied and kept for the next cell's turn (``_SPARE``), so a kernel running turn
after turn opens them once.
"""

from __future__ import annotations

import base64
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import anywidget
import traitlets

from .. import events as ev
from ..transcript import image_parts
from .approval import ask_with_input
from .assets import WIDGET_MIME, asset_text
from .live import THUMBNAIL_WIDTH, LiveView, final_bundle
from .static import html

if TYPE_CHECKING:
    from IPython.display import DisplayHandle

    from ..cancel import Cancel
    from ..conversation import Turn
    from ..streamed import Streamed


class TurnChrome(anywidget.AnyWidget):  # type: ignore[misc]
    """The live view's behaviour (``turn.js``) and its stylesheet (``turn.css``)."""

    # Texts, not paths: see chat_panel/prompt_box.py for why.
    _esm = asset_text(__package__, "turn.js")
    _css = asset_text(__package__, "turn.css")
    #: What the line under the turn says (waiting, retrying); empty once text flows.
    status = traitlets.Unicode("").tag(sync=True)
    running = traitlets.Bool(True).tag(sync=True)
    #: Whether Stop may interrupt the kernel (a cell's turn; the panel has its own Stop).
    stoppable = traitlets.Bool(False).tag(sync=True)
    #: Stop sends a message (a detached turn: a kernel interrupt would land elsewhere).
    stop_by_message = traitlets.Bool(False).tag(sync=True)
    #: Finds the saved answer that replaces the live view (``data-jr-turn``).
    turn_id = traitlets.Unicode("").tag(sync=True)


class WidgetView(LiveView):
    def __init__(
        self,
        interval: float = 0.05,
        *,
        in_cell: bool = True,
        confirm: Callable[[str, str], bool] | None = None,
        cancel: Cancel | None = None,
    ) -> None:
        import ipywidgets as w

        super().__init__(interval)
        self.in_cell = in_cell
        # A cell asks at the input prompt. Off the main thread (the panel) that prompt
        # cannot work: the panel passes its own ``confirm`` (Approve / Deny), and a view
        # given none refuses, so a call is never run unasked.
        self._confirm = confirm or (ask_with_input if in_cell else _refuse)
        #: A detached turn's Stop (``stop_by_message``): the chrome's message sets it.
        self.cancel = cancel
        self.handle: DisplayHandle | None = None
        self._screen_widget: Any = None  # the panel's latest screenshot
        spare = _SPARE.pop() if in_cell and _SPARE else None
        if spare is not None and spare.usable():
            self.widget, self.body, self.chrome = spare.widget, spare.body, spare.chrome
            self.images = None
            return
        shared = _shared()
        # HTMLMath: JupyterLab's MathJax typesets the math spans markup.to_html keeps
        self.body = w.HTMLMath(layout=shared.full_width, style=shared.html_style)
        self.chrome = TurnChrome(stoppable=in_cell, layout=shared.plain)
        # a cell shows images as outputs of their own; the panel in the turn
        self.images = None if in_cell else w.VBox(layout=shared.plain)
        parts = [self.body, self.images, self.chrome] if self.images else [self.body, self.chrome]
        self.widget = w.VBox(parts, layout=shared.plain)
        self.widget.add_class("jr-turn")

    # -- View ------------------------------------------------------------------------------
    def start(self, turn: Turn, streamed: Streamed) -> None:
        super().start(turn, streamed)
        self.chrome.turn_id = turn.id
        self.chrome.status = _waiting(turn)
        self.chrome.stop_by_message = self.cancel is not None
        if self.cancel is not None:
            self.chrome.on_msg(self._stop_asked)
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
        self.quiet_down()
        if self.in_cell and self.handle is not None:
            self.handle.update(final_bundle(turn), raw=True)
            self.close()
        else:
            self.redraw(final=True)

    def replay(self, turn: Turn) -> None:
        """Show a turn that finished elsewhere (a magic's turn, in the panel)."""
        self.turn = turn
        self.chrome.turn_id = turn.id
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
        body = html(turn, so_far, placeholder=False)
        if self.body.value != body:
            self.body.value = body
        if final:
            self.chrome.status, self.chrome.running = "", False
            return
        assert so_far is not None
        arrived = so_far.text or so_far.reasoning or so_far.commentary or turn.calls
        self.chrome.status = self.notice or ("" if arrived else self.waiting_line or _waiting(turn))

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
        if image.screen:  # the screen before this one shrinks to a thumbnail
            if self._screen_widget is not None:
                self._screen_widget.layout.width = f"{THUMBNAIL_WIDTH}px"
            self._screen_widget = picture
        assert self.images is not None, "the panel's view has an images box"
        self.images.children = (*self.images.children, picture)

    def _stop_asked(self, widget: Any, content: Any, buffers: Any) -> None:
        if isinstance(content, dict) and content.get("stop") and self.cancel is not None:
            self.cancel.set()

    def close(self) -> None:
        """The cell keeps the static bundle instead: the widgets are emptied and kept
        for the next cell's turn (one set is kept; any other is closed)."""
        if self.cancel is not None:
            self.chrome.on_msg(self._stop_asked, remove=True)
            self.chrome.stop_by_message = False
        if self.in_cell and not _SPARE:
            with self.chrome.hold_sync():
                self.chrome.status, self.chrome.running, self.chrome.turn_id = "", True, ""
            self.body.value = ""
            _SPARE.append(_CellWidgets(self.widget, self.body, self.chrome))
        else:
            close_tree(self.widget)


@dataclass(frozen=True)
class _CellWidgets:
    """A cell turn's box, HTML and chrome, kept between turns."""

    widget: Any
    body: Any
    chrome: TurnChrome

    def usable(self) -> bool:
        """Not closed meanwhile (``Widget.close_all``, a test tearing down)."""
        return all(part.comm is not None for part in (self.widget, self.body, self.chrome))


#: The idle set of a cell turn's widgets (at most one), for the next cell's turn.
_SPARE: list[_CellWidgets] = []


def _refuse(name: str, arguments: str) -> bool:
    """No one to ask: not run (the model is told it was declined)."""
    return False


def _waiting(turn: Turn) -> str:
    """The live line until something arrives (the page adds the seconds)."""
    return f"⏳ Waiting for {turn.model}…"


@dataclass(frozen=True)
class _Shared:
    """The layouts and style every turn's widgets use (see the module's docstring)."""

    plain: Any
    full_width: Any
    html_style: Any

    @property
    def parts(self) -> tuple[Any, ...]:
        return (self.plain, self.full_width, self.html_style)


_SHARED: list[_Shared] = []


def _shared() -> _Shared:
    """Made on the first turn; made again if something closed them (``Widget.close_all``)."""
    import ipywidgets as w
    from ipywidgets.widgets.widget_string import HTMLMathStyle

    if not _SHARED or any(part.comm is None for part in _SHARED[0].parts):
        _SHARED[:] = [_Shared(w.Layout(), w.Layout(margin="0", width="100%"), HTMLMathStyle())]
    return _SHARED[0]


def close_tree(widget: Any) -> None:
    """Close ``widget`` and every widget it holds: children, and also the layout and
    style widgets each one has, whose comms would otherwise outlive it (but not the
    ones all turns share)."""
    from ipywidgets import Widget

    shared = _SHARED[0].parts if _SHARED else ()  # closing never opens the shared ones
    for name in widget.keys:
        value = getattr(widget, name, None)
        for part in value if isinstance(value, list | tuple) else (value,):
            if (
                isinstance(part, Widget)
                and part.comm is not None
                and not any(part is kept for kept in shared)
            ):
                close_tree(part)
    widget.close()
