"""The panel's model box: any model name, with the server's models offered as a list.

An anywidget (``model_box.js``) rather than ipywidgets' ``Combobox`` for two reasons:
its list is asked for when a front end shows the box (``on_shown``), so the kernel
fetches ``/models`` only for a panel someone looks at, never while the panel is being
made; and on focus it offers the whole list, where a plain ``<datalist>`` offers only
the names that contain what the box already holds (the current model).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import anywidget
import traitlets

from ..render.assets import asset_text


class ModelBox(anywidget.AnyWidget):  # type: ignore[misc]
    """``value`` is the model name; ``options`` the names to offer."""

    # The script's text, not its path: see prompt_box.py.
    _esm = asset_text(__package__, "model_box.js")
    value = traitlets.Unicode("").tag(sync=True)
    options = traitlets.List(traitlets.Unicode()).tag(sync=True)
    disabled = traitlets.Bool(False).tag(sync=True)

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._callbacks: list[Callable[[], None]] = []
        self.on_msg(self._on_message)

    def on_shown(self, callback: Callable[[], None]) -> None:
        """Call ``callback`` when a front end shows the box or the user focuses it (it
        wants the list then)."""
        self._callbacks.append(callback)

    def _on_message(self, widget: Any, content: Any, buffers: Any) -> None:
        if isinstance(content, dict) and content.get("type") == "models":
            for callback in self._callbacks:
                callback()
