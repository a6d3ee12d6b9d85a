"""What the default model does with an offered computer: the actions the prompt spells
out, in order, or else a screenshot to look first.

The emulator cannot see a screen, so it acts only on explicit instructions: ``click
(120, 340)``, ``double click (5, 6)``, ``type "Ada Lovelace"``, ``press Enter`` (or a
chord, ``press Ctrl+A``), ``scroll down 300`` / ``scroll up``, ``move to (7, 8)`` and
``wait``. That makes a computer-use turn deterministic for tests and the offline demo,
and shows every action the computer tool handles. The computer tool gets them all in
one call; the preview tool, whose calls carry one action each, one call per action,
each after the screenshot of the one before.
"""

from __future__ import annotations

import re
from typing import Any

from .dialogue import Dialogue
from .script import ComputerCall

_POINT = r"\(\s*(\d+)\s*,\s*(\d+)\s*\)"
_STEPS = re.compile(
    rf"(?P<double>double[- ]click(?:\s+at)?\s*{_POINT})"
    rf"|(?P<click>(?:right[- ])?click(?:\s+at)?\s*{_POINT})"
    r"|(?P<type>type\s+[\"“](?P<text>[^\"”]*)[\"”])"
    r"|(?P<press>press\s+(?P<keys>[A-Za-z0-9]+(?:\+[A-Za-z0-9]+)*))"
    r"|(?P<scroll>scroll\s+(?P<way>up|down)(?:\s+(?P<by>\d+))?)"
    rf"|(?P<move>move(?:\s+to)?\s*{_POINT})"
    r"|(?P<wait>\bwait\b)",
    re.IGNORECASE,
)
#: How far a ``scroll down`` without a number goes, in pixels.
SCROLL_STEP = 300


def spelled_out(prompt: str) -> list[dict[str, Any]]:
    """The actions ``prompt`` asks for, in order (none: it asks for none)."""
    actions: list[dict[str, Any]] = []
    for match in _STEPS.finditer(prompt):
        found = match.group(0).lower()
        numbers = [int(n) for n in re.findall(r"\d+", match.group(0))]
        if match["double"]:
            actions.append({"type": "double_click", "x": numbers[0], "y": numbers[1], "keys": None})
        elif match["click"]:
            button = "right" if found.startswith("right") else "left"
            actions.append({"type": "click", "x": numbers[0], "y": numbers[1], "button": button})
        elif match["type"]:
            actions.append({"type": "type", "text": match["text"]})
        elif match["press"]:
            actions.append({"type": "keypress", "keys": match["keys"].split("+")})
        elif match["scroll"]:
            by = int(match["by"] or SCROLL_STEP) * (-1 if match["way"].lower() == "up" else 1)
            actions.append({"type": "scroll", "x": 0, "y": 0, "scroll_x": 0, "scroll_y": by})
        elif match["move"]:
            actions.append({"type": "move", "x": numbers[0], "y": numbers[1]})
        else:
            actions.append({"type": "wait"})
    return actions


def next_preview_call(dialogue: Dialogue) -> ComputerCall | None:
    """With the preview tool, after a screenshot came back: the call for the next
    action the user's last message spelled out, if one is left."""
    if "computer_use_preview" not in dialogue.builtins():
        return None
    messages = dialogue.messages
    asked = max((i for i, m in enumerate(messages) if m.role == "user"), default=-1)
    if asked < 0:
        return None
    done = sum(1 for m in messages[asked + 1 :] if m.role == "tool" and m.tool_name == "computer")
    actions = spelled_out(messages[asked].text)
    return ComputerCall([actions[done]], preview=True) if 0 < done < len(actions) else None
