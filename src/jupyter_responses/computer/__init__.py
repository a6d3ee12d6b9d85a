"""Computer use: the screen a model drives, and the actions it asks for.

* ``environment``: the ``Computer`` protocol to implement for your own environment (a
  VM, a remote browser).
* ``actions``: typed action records, read from a computer call (``actions_of``), done
  on a computer (``perform``, ``perform_all``) and described in a line (``describe``).
* ``browser``: ``BrowserComputer``, a headless Chromium page driven by Playwright on a
  worker thread of its own (Playwright is optional and imported only there).
* ``keys``: key names as models write them -> the web's canonical names.

Nothing here names an API: the backends read a call's item and hand over its plain dict.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .actions import (
    DEFAULT_WAIT_MS,
    Action,
    actions_of,
    describe,
    perform,
    perform_all,
    read_action,
)
from .environment import Button, Computer, Environment, Point

if TYPE_CHECKING:
    from .browser import BrowserComputer

__all__ = [
    "DEFAULT_WAIT_MS",
    "Action",
    "BrowserComputer",
    "Button",
    "Computer",
    "Environment",
    "Point",
    "actions_of",
    "describe",
    "perform",
    "perform_all",
    "read_action",
]


def __getattr__(name: str) -> Any:
    """``BrowserComputer`` on first use (it brings threads and, later, Playwright)."""
    if name == "BrowserComputer":
        from .browser import BrowserComputer

        return BrowserComputer
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
