"""The computer-use building blocks without a browser: actions read from both shapes of
a call, described in a line, performed on a recording computer; key names read into
canonical chords; and a clear error when the browser computer cannot run."""

from __future__ import annotations

import sys
from collections.abc import Sequence
from typing import Any, cast

import pytest

from jupyter_responses.computer import (
    DEFAULT_WAIT_MS,
    Action,
    Computer,
    actions_of,
    describe,
    perform,
    perform_all,
    read_action,
)
from jupyter_responses.computer.environment import Button, Environment, Point
from jupyter_responses.computer.keys import canonical, chord, display
from jupyter_responses.errors import ConfigurationError

PNG = b"\x89PNG\r\n\x1a\nrecorded"

#: One action of each type, as the API sends them, and its line.
EXAMPLES: list[tuple[dict[str, Any], str]] = [
    ({"type": "click", "x": 120, "y": 340, "button": "left"}, "click (120, 340)"),
    (
        {"type": "click", "x": 5, "y": 6, "button": "right", "keys": ["shift"]},
        "right click (5, 6) with Shift",
    ),
    ({"type": "double_click", "x": 1, "y": 2, "keys": None}, "double click (1, 2)"),
    ({"type": "drag", "path": [{"x": 1, "y": 2}, {"x": 3, "y": 4}]}, "drag (1, 2) → (3, 4)"),
    (
        {"type": "drag", "path": [{"x": 1, "y": 2}, {"x": 2, "y": 3}, {"x": 3, "y": 4}]},
        "drag (1, 2) → (3, 4) (3 points)",
    ),
    ({"type": "keypress", "keys": ["CTRL", "A"]}, "keypress Ctrl+A"),
    ({"type": "keypress", "keys": ["Return"]}, "keypress Enter"),
    ({"type": "move", "x": 7, "y": 8}, "move to (7, 8)"),
    ({"type": "screenshot"}, "screenshot"),
    (
        {"type": "scroll", "x": 10, "y": 20, "scroll_x": 0, "scroll_y": 300},
        "scroll (10, 20) by 0, 300",
    ),
    ({"type": "type", "text": "hello"}, "type “hello”"),
    ({"type": "type", "text": "a\nb" + "c" * 60}, "type “a↵b" + "c" * 36 + "…”"),
    ({"type": "wait"}, "wait 1 s"),
]


class Recorder:
    """A computer that records every call (what a VM or a remote desktop would do)."""

    environment: Environment = "linux"

    def __init__(self) -> None:
        self.width, self.height = 640, 480
        self.calls: list[tuple[Any, ...]] = []

    def click(self, x: int, y: int, button: Button = "left", *, keys: Sequence[str] = ()) -> None:
        self.calls.append(("click", x, y, button, list(keys)))

    def double_click(self, x: int, y: int, *, keys: Sequence[str] = ()) -> None:
        self.calls.append(("double_click", x, y, list(keys)))

    def scroll(
        self, x: int, y: int, scroll_x: int, scroll_y: int, *, keys: Sequence[str] = ()
    ) -> None:
        self.calls.append(("scroll", x, y, scroll_x, scroll_y, list(keys)))

    def type(self, text: str) -> None:
        self.calls.append(("type", text))

    def keypress(self, keys: list[str]) -> None:
        self.calls.append(("keypress", keys))

    def wait(self, ms: int) -> None:
        self.calls.append(("wait", ms))

    def move(self, x: int, y: int, *, keys: Sequence[str] = ()) -> None:
        self.calls.append(("move", x, y, list(keys)))

    def drag(self, path: list[Point], *, keys: Sequence[str] = ()) -> None:
        self.calls.append(("drag", path, list(keys)))

    def screenshot(self) -> bytes:
        self.calls.append(("screenshot",))
        return PNG

    def close(self) -> None:
        self.calls.append(("close",))


@pytest.mark.parametrize(("raw", "line"), EXAMPLES, ids=[line for _, line in EXAMPLES])
def test_each_action_is_described_in_a_short_line(raw: dict[str, Any], line: str) -> None:
    assert describe(read_action(raw)) == line


def test_a_call_of_the_computer_tool_lists_its_actions() -> None:
    call = {
        "type": "computer_call",
        "call_id": "call_1",
        "actions": [raw for raw, _ in EXAMPLES],
        "pending_safety_checks": [],
    }
    actions = actions_of(call)
    assert [a["type"] for a in actions] == [raw["type"] for raw, _ in EXAMPLES]
    assert [describe(a) for a in actions] == [line for _, line in EXAMPLES]


def test_a_call_of_the_preview_tool_has_one_action() -> None:
    click = {"type": "click", "x": 1, "y": 2, "button": "left"}
    assert actions_of({"type": "computer_call", "action": click}) == [click]
    # The SDK's model_dump() of a preview call has both keys, ``actions`` as None.
    assert actions_of({"action": click, "actions": None}) == [click]
    assert actions_of({"call_id": "c"}) == []


def test_reading_keeps_the_fields_of_the_type_and_coerces_coordinates() -> None:
    raw = {"type": "scroll", "x": 1.0, "y": "2", "scroll_x": 0, "scroll_y": -5, "extra": 1}
    assert read_action(raw) == {"type": "scroll", "x": 1, "y": 2, "scroll_x": 0, "scroll_y": -5}
    held = read_action({"type": "move", "x": 1, "y": 2, "keys": ["CTRL"]})
    assert held == {"type": "move", "x": 1, "y": 2, "keys": ["CTRL"]}
    assert "keys" not in read_action({"type": "move", "x": 1, "y": 2, "keys": None})


def test_an_unknown_action_type_is_a_clear_value_error() -> None:
    with pytest.raises(ValueError, match=r"^Unknown computer action type 'teleport' \(known"):
        actions_of({"actions": [{"type": "teleport", "x": 1}]})
    with pytest.raises(ValueError, match="Unknown computer action type None"):
        read_action({"x": 1})
    with pytest.raises(ValueError, match="Unknown computer action type 'teleport'"):
        perform(Recorder(), cast(Action, {"type": "teleport"}))
    with pytest.raises(ValueError, match="Unknown computer action type 'teleport'"):
        describe(cast(Action, {"type": "teleport"}))


def test_an_action_without_a_field_it_needs_is_a_value_error() -> None:
    with pytest.raises(ValueError, match="A click computer action needs the field 'button'"):
        read_action({"type": "click", "x": 1, "y": 2})


def test_perform_calls_the_computer_for_each_action() -> None:
    computer = Recorder()
    assert isinstance(computer, Computer)  # the protocol is runtime-checkable
    results = [perform(computer, read_action(raw)) for raw, _ in EXAMPLES]
    assert computer.calls == [
        ("click", 120, 340, "left", []),
        ("click", 5, 6, "right", ["shift"]),
        ("double_click", 1, 2, []),
        ("drag", [(1, 2), (3, 4)], []),
        ("drag", [(1, 2), (2, 3), (3, 4)], []),
        ("keypress", ["CTRL", "A"]),
        ("keypress", ["Return"]),
        ("move", 7, 8, []),
        ("screenshot",),
        ("scroll", 10, 20, 0, 300, []),
        ("type", "hello"),
        ("type", "a\nb" + "c" * 60),
        ("wait", DEFAULT_WAIT_MS),
    ]
    assert results[8] == PNG
    assert [r for i, r in enumerate(results) if i != 8] == [None] * (len(results) - 1)


def test_perform_all_returns_the_screenshot_the_model_gets_back() -> None:
    computer = Recorder()
    actions: list[Action] = [{"type": "type", "text": "x"}, {"type": "screenshot"}]
    assert perform_all(computer, actions) == PNG
    assert computer.calls == [("type", "x"), ("screenshot",)]  # not taken twice
    computer.calls.clear()
    assert perform_all(computer, [{"type": "wait"}]) == PNG
    assert computer.calls == [("wait", DEFAULT_WAIT_MS), ("screenshot",)]


@pytest.mark.parametrize(
    ("loose", "name"),
    [
        ("CTRL", "Control"),
        ("ctrl", "Control"),
        ("ENTER", "Enter"),
        ("Return", "Enter"),
        ("ArrowDown", "ArrowDown"),
        ("DOWN", "ArrowDown"),
        ("PAGEDOWN", "PageDown"),
        ("page_down", "PageDown"),
        ("alt", "Alt"),
        ("shift", "Shift"),
        ("cmd", "Meta"),
        ("space", "Space"),
        ("backspace", "Backspace"),
        ("tab", "Tab"),
        ("esc", "Escape"),
        ("F5", "F5"),
        ("a", "a"),
        ("A", "A"),
        ("+", "+"),
        ("Unidentified", "Unidentified"),
    ],
)
def test_key_names_become_canonical(loose: str, name: str) -> None:
    assert canonical(loose) == name


def test_keys_pressed_together_are_one_chord() -> None:
    assert chord(["CTRL", "A"]) == "Control+A"
    assert chord(["ctrl", "shift", "t"]) == "Control+Shift+t"
    assert display(["CTRL", "ESC"]) == "Ctrl+Esc"


def test_the_browser_computer_says_how_to_install_what_is_missing(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from jupyter_responses.computer import BrowserComputer

    with pytest.raises(ConfigurationError, match="No Chromium to run at /nowhere/chromium"):
        BrowserComputer("about:blank", executable_path="/nowhere/chromium")
    monkeypatch.setenv("JUPYTER_RESPONSES_CHROMIUM", "/elsewhere/chromium")
    with pytest.raises(ConfigurationError, match="/elsewhere/chromium") as caught:
        BrowserComputer("about:blank")
    assert "pip install playwright" in str(caught.value)
    assert "\n" not in str(caught.value)  # one paragraph
    monkeypatch.setitem(sys.modules, "playwright", None)  # as if it were not installed
    with pytest.raises(ConfigurationError, match="needs Playwright, which is not installed"):
        BrowserComputer("about:blank", executable_path="/usr/bin/chromium")
