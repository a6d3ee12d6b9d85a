"""The panel's input: a textarea where Enter sends and Shift+Enter starts a new line.

Plain ipywidgets cannot tell the two keys apart, so this one small widget is an
anywidget: a few lines of ES module (``prompt_box.js``, next to this file), no build
step, shipped with the package.

The text sent arrives as state (``submitted``, with a ``submits`` counter), in the
same update that empties the box, so it can never overtake the typing before it (see
``prompt_box.js``). The Send button asks the front end to submit what its box holds,
rather than reading ``value``, which may still be catching up with the typing.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import anywidget
import traitlets

from ..render.assets import asset_text


class PromptBox(anywidget.AnyWidget):  # type: ignore[misc]
    """``on_submit(callback)`` is called with the text when the user presses Enter (or
    Send: ``submit``)."""

    # The script's text, not its path: given a path, anywidget (0.11) makes it a file
    # watcher shared by the class and hooks each instance to its change signal with a
    # closure, so no PromptBox (nor the panel behind its callback) could be collected.
    _esm = asset_text(__package__, "prompt_box.js")
    value = traitlets.Unicode("").tag(sync=True)
    disabled = traitlets.Bool(False).tag(sync=True)
    #: The text last sent, and how many times the user has sent (each one a change).
    submitted = traitlets.Unicode("").tag(sync=True)
    submits = traitlets.Int(0).tag(sync=True)

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._callbacks: list[Callable[[str], None]] = []
        self.on_msg(self._on_message)
        self.observe(self._on_submits, names="submits")

    def on_submit(self, callback: Callable[[str], None]) -> None:
        self._callbacks.append(callback)

    def submit(self) -> None:
        """Have the front end send what its box holds (the Send button)."""
        self.send({"type": "submit"})

    def _on_submits(self, change: dict[str, Any]) -> None:
        self._submitted(self.submitted)

    def _on_message(self, widget: Any, content: Any, buffers: Any) -> None:
        """A ``submit`` message carrying its text: what a front end that does not send
        it as state (an older version of the script, a test) sends."""
        if isinstance(content, dict) and content.get("type") == "submit":
            self._submitted(str(content.get("text", "")))

    def _submitted(self, text: str) -> None:
        for callback in self._callbacks:
            callback(text)
