"""The panel's input: a textarea where Enter sends and Shift+Enter starts a new line.

Plain ipywidgets cannot tell the two keys apart, so this one small widget is an
anywidget: a few lines of ES module (``prompt_box.js``, next to this file), no build
step, shipped with the package.
"""

from __future__ import annotations

from collections.abc import Callable
from importlib import resources
from typing import Any

import anywidget
import traitlets


class PromptBox(anywidget.AnyWidget):  # type: ignore[misc]
    """``on_submit(callback)`` is called with the text when the user presses Enter."""

    # The script's text, not its path: given a path, anywidget (0.11) makes it a file
    # watcher shared by the class and hooks each instance to its change signal with a
    # closure, so no PromptBox (nor the panel behind its callback) could be collected.
    _esm = resources.files(__package__).joinpath("prompt_box.js").read_text(encoding="utf-8")
    value = traitlets.Unicode("").tag(sync=True)
    disabled = traitlets.Bool(False).tag(sync=True)

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._callbacks: list[Callable[[str], None]] = []
        self.on_msg(self._on_message)

    def on_submit(self, callback: Callable[[str], None]) -> None:
        self._callbacks.append(callback)

    def _on_message(self, widget: Any, content: Any, buffers: Any) -> None:
        if isinstance(content, dict) and content.get("type") == "submit":
            text = str(content.get("text", ""))
            for callback in self._callbacks:
                callback(text)
