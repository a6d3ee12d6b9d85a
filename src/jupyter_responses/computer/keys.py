"""Key names as computer-use models write them, read into one canonical spelling.

Models name keys loosely: ``CTRL``, ``ctrl``, ``Control``; ``ENTER`` or ``Return``;
``PAGEDOWN``, ``ArrowDown``, ``esc``, ``cmd``. The canonical names are the web's
``KeyboardEvent.key`` names (``Control``, ``Enter``, ``PageDown``, ``ArrowDown``), which
Playwright and browser automation take as they are; ``display`` shortens a few of them
for a line a person reads ("Ctrl+A"). A single character stays as it is (``A``, ``/``).
"""

from __future__ import annotations

from collections.abc import Sequence

#: Loose names (lower case, without ``_``, ``-`` or spaces) -> canonical names.
_ALIASES: dict[str, str] = {
    "ctrl": "Control",
    "control": "Control",
    "alt": "Alt",
    "option": "Alt",
    "opt": "Alt",
    "shift": "Shift",
    "cmd": "Meta",
    "command": "Meta",
    "meta": "Meta",
    "super": "Meta",
    "win": "Meta",
    "windows": "Meta",
    "enter": "Enter",
    "return": "Enter",
    "esc": "Escape",
    "escape": "Escape",
    "backspace": "Backspace",
    "tab": "Tab",
    "space": "Space",
    "spacebar": "Space",
    "delete": "Delete",
    "del": "Delete",
    "insert": "Insert",
    "ins": "Insert",
    "home": "Home",
    "end": "End",
    "pageup": "PageUp",
    "pgup": "PageUp",
    "pagedown": "PageDown",
    "pgdn": "PageDown",
    "up": "ArrowUp",
    "arrowup": "ArrowUp",
    "down": "ArrowDown",
    "arrowdown": "ArrowDown",
    "left": "ArrowLeft",
    "arrowleft": "ArrowLeft",
    "right": "ArrowRight",
    "arrowright": "ArrowRight",
    "capslock": "CapsLock",
    "printscreen": "PrintScreen",
    **{f"f{n}": f"F{n}" for n in range(1, 13)},
}

#: Canonical names shown shorter to a person.
_SHORT = {"Control": "Ctrl", "Escape": "Esc", "Meta": "Cmd"}


def canonical(name: str) -> str:
    """The canonical name of one key (``"CTRL"`` -> ``"Control"``); a single character,
    and a name this table does not know, stay as given."""
    if len(name) == 1:
        return name
    loose = name.lower().replace("_", "").replace("-", "").replace(" ", "")
    return _ALIASES.get(loose, name)


def chord(keys: Sequence[str]) -> str:
    """Keys pressed together, joined with ``+`` (``["CTRL", "A"]`` -> ``"Control+A"``)."""
    return "+".join(canonical(key) for key in keys)


def display(keys: Sequence[str]) -> str:
    """A chord as a person reads it (``["CTRL", "A"]`` -> ``"Ctrl+A"``)."""
    shown = (canonical(key) for key in keys)
    return "+".join(_SHORT.get(key, key) for key in shown)
