"""The chat panel: the kernel's conversation as a chat, with its input box.

``panel.py`` holds the panel and its worker; ``sent.py`` what a message asks for and
the request made from it; ``messages.py`` the pieces of its message list;
``approve.py`` the Approve / Deny question a tool call may need; ``background_box.py``
and ``answers_box.py`` the Background and Answers boxes; ``candidates.py`` a message's
answers in tabs (Answers above 1), one of which the user picks; ``wording.py`` words
errors for it; ``prompt_box.py`` the input and ``model_box.py`` the model box
(anywidgets whose scripts are ``prompt_box.js`` and ``model_box.js``); ``panel.css``
styles the panel; ``saved.py`` (with ``stand_in.css``) is what a saved notebook shows
in its place. (Not named ``panel/``: that would shadow the public
``jupyter_responses.panel()`` once imported.)
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .panel import ChatPanel, panel_for

__all__ = ["ChatPanel", "panel_for"]


def __getattr__(name: str) -> Any:
    """``ChatPanel`` and ``panel_for``, imported on first use: the panel pulls in the
    widget libraries, which ``wording`` (pure text) does not need."""
    if name in __all__:
        from . import panel

        return getattr(panel, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
