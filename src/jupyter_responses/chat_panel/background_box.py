"""The panel's Background box: each message as a background response on the server,
as ``--background`` sends it (stored, picked up again where a dropped connection broke
it, cancelled there by Stop).

It is shown only while the API switch shows an API that takes ``--background`` among
its own options: the panel offers what a backend declares and names no API. It starts
at the ``background`` trait; what it says then decides the panel's turns (``sent.py``).
"""

from __future__ import annotations

from typing import Any

import ipywidgets as w

from ..backends import BACKENDS
from .sent import API_LABELS

#: The option an API takes when it can run a turn in the background on the server.
BACKGROUND_OPTION = "--background"


def runs_in_background(label: str) -> bool:
    """Whether the API the selector calls ``label`` can run a turn in the background."""
    backend = BACKENDS[API_LABELS[label]]
    return any(BACKGROUND_OPTION in getattr(option, "args", ()) for option in backend.options)


def background_box(value: bool, api: Any) -> Any:
    """The box, ticked as ``value``, kept shown or hidden with the selector ``api``.
    Like the selector, it stays usable while a turn runs: it is for the next message
    (and a disabled box would grey out its tick)."""
    box = w.Checkbox(
        value=value,
        description="Background",
        indent=False,
        tooltip="Run on the server in the background (as --background): a dropped "
        "connection picks up where it broke, and Stop cancels it there",
    )
    box.add_class("jr-background")

    def offer(label: str) -> None:
        box.layout.display = None if runs_in_background(label) else "none"

    api.observe(lambda change: offer(change["new"]), names="value")
    offer(api.value)
    return box


def wanted(box: Any, label: str) -> bool:
    """Whether a message sent through the API ``label`` runs in the background: the box
    ticked, and shown (a tick left from another API means nothing here)."""
    return bool(box.value) and runs_in_background(label)
