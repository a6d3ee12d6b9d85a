"""The panel's input: a textarea where Enter sends and Shift+Enter starts a new line.

Plain ipywidgets cannot tell the two keys apart, so this one small widget is an
anywidget: a few lines of ES module, no build step, shipped with the package.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import anywidget
import traitlets

_ESM = """
function render({ model, el }) {
  const area = document.createElement("textarea");
  area.className = "jr-prompt";
  area.rows = 3;
  area.placeholder = "Ask something. Enter sends, Shift+Enter starts a new line.";
  area.style.cssText = "width:100%;box-sizing:border-box;font:inherit;resize:vertical;";
  area.value = model.get("value");
  const sync = () => { area.disabled = model.get("disabled"); };
  sync();
  model.on("change:disabled", sync);
  model.on("change:value", () => {
    if (area.value !== model.get("value")) area.value = model.get("value");
  });
  area.addEventListener("input", () => {
    model.set("value", area.value);
    model.save_changes();
  });
  // Keys typed here are text, not notebook shortcuts (Shift+Enter would run the cell).
  for (const type of ["keydown", "keypress", "keyup"]) {
    area.addEventListener(type, (event) => event.stopPropagation());
  }
  area.addEventListener("keydown", (event) => {
    if (event.key !== "Enter" || event.shiftKey || event.isComposing) return;
    event.preventDefault();
    if (!area.value.trim() || area.disabled) return;
    model.send({ type: "submit", text: area.value });
    area.value = "";
    model.set("value", "");
    model.save_changes();
  });
  el.appendChild(area);
}
export default { render };
"""


class PromptBox(anywidget.AnyWidget):  # type: ignore[misc]
    """``on_submit(callback)`` is called with the text when the user presses Enter."""

    _esm = _ESM
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
