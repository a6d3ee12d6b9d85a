"""The chat panel: the kernel's conversation as a chat, with its input box.

``panel.py`` holds the panel and its worker; ``prompt_box.py`` the input (an anywidget
whose script is ``prompt_box.js``); ``panel.css`` styles the panel. (Not named
``panel/``: that would shadow the public ``jupyter_responses.panel()`` once imported.)
"""

from __future__ import annotations

from .panel import ChatPanel, panel_for

__all__ = ["ChatPanel", "panel_for"]
