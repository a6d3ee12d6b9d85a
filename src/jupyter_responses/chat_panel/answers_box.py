"""The panel's Answers box: how many answers each message asks for, side by side, as
``-n`` asks a cell for them (``session.run_candidates``).

A number box rather than a drop-down: it is as narrow as a digit, its value is text the
browser suite measures for contrast like every other field's, and it takes the
keyboard (arrows, typing). It offers at most ``MOST`` answers: each one is a tab in the
message (``candidates.py``), and more than four tabs do not fit a narrow sidebar.
Like the Context and Tools fields it is kept between messages, and at 1 a message is
one turn, exactly as without it.
"""

from __future__ import annotations

from typing import Any

import ipywidgets as w

#: Most answers one panel message may ask for (``-n`` itself takes up to 8).
MOST = 4


def answers_box(value: int = 1) -> Any:
    """The box, at ``value``, bounded to 1..``MOST`` (the front end clamps what is
    typed; ``answers`` clamps again, in case a value arrives from elsewhere)."""
    box = w.BoundedIntText(
        value=value,
        min=1,
        max=MOST,
        step=1,
        description="Answers",
        description_allow_html=False,
        tooltip=f"How many answers each message asks for, side by side (as -n; 1 to {MOST}): "
        "you pick the one the conversation continues from",
    )
    box.add_class("jr-answers")
    return box


def answers(box: Any) -> int:
    """The number of answers the box asks for, within 1..``MOST``."""
    try:
        count = int(box.value)
    except (TypeError, ValueError):
        return 1
    return min(max(count, 1), MOST)
