"""The actions a computer-use model asks for: typed records, read from a call, performed
on a ``Computer`` and described in one short line.

The records mirror the ``openai`` SDK's computer actions (``click``, ``double_click``,
``drag``, ``keypress``, ``move``, ``screenshot``, ``scroll``, ``type``, ``wait``) as
plain ``TypedDict``s, so a call's actions can be kept in a transcript as the JSON they
are. A call carries them in one of two shapes: the computer tool's ``actions`` list, or
the preview tool's single ``action``; ``actions_of`` reads both.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any, Literal, TypedDict, cast

from .environment import Button, Computer
from .keys import display

#: How long a ``wait`` lasts: the API's wait action carries no duration.
DEFAULT_WAIT_MS = 1000


class _HeldKeys(TypedDict, total=False):
    #: Modifier keys held down during the action (``["shift"]``), as the model wrote them.
    keys: list[str] | None


class ClickAction(_HeldKeys):
    type: Literal["click"]
    x: int
    y: int
    button: Button


class DoubleClickAction(_HeldKeys):
    type: Literal["double_click"]
    x: int
    y: int


class PathPoint(TypedDict):
    x: int
    y: int


class DragAction(_HeldKeys):
    type: Literal["drag"]
    path: list[PathPoint]


class KeypressAction(TypedDict):
    type: Literal["keypress"]
    keys: list[str]


class MoveAction(_HeldKeys):
    type: Literal["move"]
    x: int
    y: int


class ScreenshotAction(TypedDict):
    type: Literal["screenshot"]


class ScrollAction(_HeldKeys):
    type: Literal["scroll"]
    x: int
    y: int
    scroll_x: int
    scroll_y: int


class TypeAction(TypedDict):
    type: Literal["type"]
    text: str


class WaitAction(TypedDict):
    type: Literal["wait"]


Action = (
    ClickAction
    | DoubleClickAction
    | DragAction
    | KeypressAction
    | MoveAction
    | ScreenshotAction
    | ScrollAction
    | TypeAction
    | WaitAction
)

#: Each action type's required fields (coordinates first), and whether it holds keys.
_FIELDS: dict[str, tuple[tuple[str, ...], bool]] = {
    "click": (("x", "y", "button"), True),
    "double_click": (("x", "y"), True),
    "drag": (("path",), True),
    "keypress": (("keys",), False),
    "move": (("x", "y"), True),
    "screenshot": ((), False),
    "scroll": (("x", "y", "scroll_x", "scroll_y"), True),
    "type": (("text",), False),
    "wait": ((), False),
}
_INTEGERS = {"x", "y", "scroll_x", "scroll_y"}


def actions_of(item: Mapping[str, Any]) -> list[Action]:
    """The actions of a computer call given as a plain dict: its ``actions`` list, or
    its single ``action``. Fields no action type has are dropped; an action of an
    unknown type, or without a field its type needs, raises ``ValueError``."""
    listed = item.get("actions")
    if listed is None:
        single = item.get("action")
        listed = [] if single is None else [single]
    return [read_action(raw) for raw in listed]


def read_action(raw: Mapping[str, Any]) -> Action:
    """One action as its typed record (coordinates as ``int``), or ``ValueError``."""
    kind = _known_type(raw.get("type") if isinstance(raw, Mapping) else None)
    required, holds_keys = _FIELDS[kind]
    record: dict[str, Any] = {"type": kind}
    for name in required:
        if raw.get(name) is None:
            raise ValueError(f"A {kind} computer action needs the field {name!r}.")
        record[name] = int(raw[name]) if name in _INTEGERS else raw[name]
    if kind == "drag":
        record["path"] = [{"x": int(p["x"]), "y": int(p["y"])} for p in raw["path"]]
    if kind == "keypress":
        record["keys"] = [str(key) for key in raw["keys"]]
    if holds_keys and raw.get("keys"):
        record["keys"] = [str(key) for key in raw["keys"]]
    return cast(Action, record)  # built field by field as _FIELDS says


def perform(computer: Computer, action: Action) -> bytes | None:
    """Do ``action`` on ``computer``. A screenshot action returns the PNG it took;
    every other action returns ``None``."""
    kind = _known_type(action.get("type"))
    if action["type"] == "click":
        computer.click(action["x"], action["y"], action["button"], keys=_held(action))
    elif action["type"] == "double_click":
        computer.double_click(action["x"], action["y"], keys=_held(action))
    elif action["type"] == "drag":
        path = [(point["x"], point["y"]) for point in action["path"]]
        computer.drag(path, keys=_held(action))
    elif action["type"] == "keypress":
        computer.keypress(list(action["keys"]))
    elif action["type"] == "move":
        computer.move(action["x"], action["y"], keys=_held(action))
    elif action["type"] == "screenshot":
        return computer.screenshot()
    elif action["type"] == "scroll":
        computer.scroll(
            action["x"], action["y"], action["scroll_x"], action["scroll_y"], keys=_held(action)
        )
    elif action["type"] == "type":
        computer.type(action["text"])
    elif action["type"] == "wait":
        computer.wait(DEFAULT_WAIT_MS)
    else:  # pragma: no cover - _known_type refused it
        raise AssertionError(kind)
    return None


def perform_all(computer: Computer, actions: Iterable[Action]) -> bytes:
    """Do every action in order and return the screenshot the model gets back: the last
    action's own when it was a screenshot, else a fresh one."""
    shot: bytes | None = None
    for action in actions:
        shot = perform(computer, action)
    return shot if shot is not None else computer.screenshot()


def describe(action: Action) -> str:
    """A short line for a person watching (``click (120, 340)``, ``keypress Ctrl+A``)."""
    kind = _known_type(action.get("type"))
    held = _held(action)
    said = f" with {display(held)}" if held else ""
    if action["type"] == "click":
        button = "" if action["button"] == "left" else f"{action['button']} "
        return f"{button}click {_at(action['x'], action['y'])}{said}"
    if action["type"] == "double_click":
        return f"double click {_at(action['x'], action['y'])}{said}"
    if action["type"] == "drag":
        points = [_at(p["x"], p["y"]) for p in action["path"]]
        if not points:
            return f"drag (no path){said}"
        via = f" ({len(points)} points)" if len(points) > 2 else ""
        return f"drag {points[0]} \u2192 {points[-1]}{via}{said}"
    if action["type"] == "keypress":
        return f"keypress {display(action['keys'])}"
    if action["type"] == "move":
        return f"move to {_at(action['x'], action['y'])}{said}"
    if action["type"] == "screenshot":
        return "screenshot"
    if action["type"] == "scroll":
        by = f"{action['scroll_x']}, {action['scroll_y']}"
        return f"scroll {_at(action['x'], action['y'])} by {by}{said}"
    if action["type"] == "type":
        return f"type \u201c{_shortened(action['text'])}\u201d"
    if action["type"] == "wait":
        return f"wait {DEFAULT_WAIT_MS / 1000:g} s"
    raise AssertionError(kind)  # pragma: no cover - _known_type refused it


def _known_type(kind: Any) -> str:
    if kind not in _FIELDS:
        known = ", ".join(_FIELDS)
        raise ValueError(f"Unknown computer action type {kind!r} (known types: {known}).")
    return str(kind)


def _held(action: Action) -> Sequence[str]:
    """The keys held during a pointer action (a keypress's keys are its chord, not held)."""
    if action["type"] == "keypress":
        return ()
    held = cast("Mapping[str, Any]", action).get("keys")
    return [str(key) for key in held] if held else ()


def _at(x: int, y: int) -> str:
    return f"({x}, {y})"


def _shortened(text: str, limit: int = 40) -> str:
    flat = text.replace("\n", "\u21b5")
    return flat if len(flat) <= limit else flat[: limit - 1] + "\u2026"
