"""``--tools computer``: the model drives a computer, and the kernel does what it asks.

Each call is a list of actions; the tool does them on its computer and answers with a
screenshot of the screen after them. The computer is the user's own (``--computer-env
NAME``: any object with the ``Computer`` protocol's methods, which stays open after the
turn) or a headless Chromium page started at ``--computer-url`` when the turn's first
call needs it and closed when the turn ends, however it ends (answered, stopped at the
round limit, interrupted, failed).

A call the server raised safety checks on runs only after the user approves those
checks (the approval prompt in a cell, Approve / Deny in the panel); other calls run
without asking unless ``--approve``. A call that was denied cannot be answered (a
screenshot of what it did is the only answer the API takes), so denying one ends the
turn's tool loop.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from ..errors import OptionsError
from ..tool_calls import LocalToolDefaults, Outcome
from ..tool_results import ToolImage
from .actions import Action, describe, perform_all, read_action
from .environment import Computer, Environment

if TYPE_CHECKING:
    from ..config import Settings
    from ..transcript import CallDetail, LocalCallEntry

#: The tool's ``--tools`` name (and the name its calls are recorded under).
COMPUTER = "computer"
#: How the user is asked to approve a call (then why, then what it does).
QUESTION = "Allow these computer actions?"
#: The size of the built-in browser's screen (what the model is told, and sees).
DEFAULT_WIDTH, DEFAULT_HEIGHT = 1024, 768


@dataclass(frozen=True)
class ComputerOptions:
    """What the magic line says about the computer: a page to start the built-in
    browser at, or the name of the user's own computer in the namespace."""

    url: str | None = None
    env: str | None = None


@dataclass
class _Opened:
    """The computer a turn's calls drive, once the first call opened it."""

    computer: Computer | None = None


@dataclass(frozen=True)
class ComputerTool(LocalToolDefaults):
    """The computer tool of one request. ``open`` makes the computer when a call first
    needs it; ``owned``: it was made here, so the turn's end closes it."""

    open: Callable[[], Computer] = field(repr=False, compare=False)
    width: int = DEFAULT_WIDTH
    height: int = DEFAULT_HEIGHT
    environment: Environment = "browser"
    owned: bool = True
    name: str = COMPUTER
    opened: _Opened = field(default_factory=_Opened, repr=False, compare=False)

    answers_when_denied = False

    @property
    def type(self) -> str:
        return COMPUTER

    def computer(self) -> Computer:
        if self.opened.computer is None:
            self.opened.computer = self.open()
        return self.opened.computer

    # -- as a local tool ---------------------------------------------------------------
    def asks(self, settings: Settings) -> bool:
        return False  # calls with safety checks always ask (must_ask); --approve asks all

    def must_ask(self, call: LocalCallEntry) -> bool:
        return bool(call.get("safety_checks"))

    def detail(self, call: LocalCallEntry) -> CallDetail:
        return {"action": _described(call)}

    def question(self, call: LocalCallEntry) -> str | None:
        checks = call["safety_checks"] if call["type"] == "computer_call" else []
        warned = [
            f"⚠ {check.get('message') or 'a safety check'} ({check.get('code') or 'no code'})"
            for check in checks
        ]
        return "\n".join([QUESTION, *warned, f"Actions: {_described(call)}"])

    def run(self, call: LocalCallEntry, timeout: float | None) -> Outcome:
        started = time.perf_counter()
        said = _described(call)
        computer = self.computer()  # a browser that cannot start fails the turn, once
        error = None
        try:
            shot = perform_all(computer, _actions(call))
        except Exception as failed:  # the model sees what went wrong, and the screen
            error = f"{type(failed).__name__}: {failed}"
            shot = computer.screenshot()
        # The API takes only the screenshot back: the text is its caption, here and in
        # exports, and what Chat is told of the call.
        caption = f"screen after {said}" + (f" (failed: {error})" if error else "")
        image = ToolImage("image/png", shot, screen=True, caption=caption)
        return Outcome(caption, error, time.perf_counter() - started, (image,))

    def end_turn(self) -> None:
        computer, self.opened.computer = self.opened.computer, None
        if computer is not None and self.owned:
            computer.close()


def _actions(call: LocalCallEntry) -> list[Action]:
    raw = call.get("actions")
    return [read_action(action) for action in raw] if isinstance(raw, list) else []


def _described(call: LocalCallEntry) -> str:
    """``click (120, 340); type “hello”``: what the call does, for titles and prompts."""
    try:
        actions = _actions(call)
    except ValueError as error:
        return str(error)
    return "; ".join(describe(action) for action in actions) or "screenshot"


def computer_tool(options: ComputerOptions, namespace: Mapping[str, Any]) -> ComputerTool:
    """The tool ``--tools computer`` asks for: the user's computer (``--computer-env``),
    else the built-in browser at ``--computer-url``. Raises ``OptionsError``."""
    if options.env is not None:
        own = namespace.get(options.env)
        if own is None:
            raise OptionsError(
                f"--computer-env {options.env}: no variable `{options.env}` in the notebook. "
                "Make your computer first (an object with the methods of "
                "jupyter_responses.computer.Computer)."
            )
        if not isinstance(own, Computer):
            raise OptionsError(
                f"--computer-env {options.env}: `{options.env}` (of type {type(own).__name__}) is "
                "not a computer: it needs width, height, environment, click, double_click, "
                "scroll, type, keypress, wait, move, drag, screenshot and close "
                "(jupyter_responses.computer.Computer)."
            )
        if options.url is not None:
            raise OptionsError(
                "--computer-url starts the built-in browser and --computer-env names your "
                "own computer: give one of them."
            )
        return ComputerTool(lambda: own, own.width, own.height, own.environment, owned=False)
    if options.url is None:
        raise OptionsError(
            "--tools computer needs a screen to drive: --computer-url URL starts a headless "
            "Chromium at that page, or --computer-env NAME names your own computer."
        )
    url = options.url

    def browser() -> Computer:
        from .browser import BrowserComputer

        return BrowserComputer(url, DEFAULT_WIDTH, DEFAULT_HEIGHT)

    return ComputerTool(browser)
