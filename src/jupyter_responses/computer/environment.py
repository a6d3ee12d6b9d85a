"""What a computer-use model drives: the ``Computer`` protocol.

The model sees the screen only through screenshots and acts with mouse and keyboard
actions at pixel coordinates of that screen. Anything that can do both can be the
computer: the headless browser of ``browser.BrowserComputer``, a VM, a remote desktop,
a test double. Implement these attributes and methods (no base class to inherit: it is
a ``typing.Protocol``) and ``actions.perform`` can drive it.

Held keys: a pointer action may come with ``keys``, modifier keys held down while it
happens (shift-click, ctrl-drag). Each pointer method takes them as the keyword
``keys`` (names as the model wrote them, see ``keys.canonical``); an environment that
cannot hold keys may ignore them.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal, Protocol, runtime_checkable

#: The kinds of computer the API's computer tool knows (its ``environment``).
Environment = Literal["browser", "mac", "windows", "linux", "ubuntu"]

#: The mouse buttons a click may use (``wheel``: the middle button; ``back`` and
#: ``forward``: the side buttons, which browsers read as history navigation).
Button = Literal["left", "right", "wheel", "back", "forward"]

#: A point of the screen, in pixels from its top left corner.
Point = tuple[int, int]


@runtime_checkable
class Computer(Protocol):
    """A screen of ``width`` x ``height`` pixels the model acts on.

    Methods return once the action is done (not once its effects settle: the model
    asks for ``wait`` when a page needs time). They raise on failure; ``close`` never
    does and may be called more than once.
    """

    width: int
    height: int
    environment: Environment

    def click(self, x: int, y: int, button: Button = "left", *, keys: Sequence[str] = ()) -> None:
        """Click ``button`` at ``(x, y)``."""
        ...

    def double_click(self, x: int, y: int, *, keys: Sequence[str] = ()) -> None:
        """Double-click the left button at ``(x, y)``."""
        ...

    def scroll(
        self, x: int, y: int, scroll_x: int, scroll_y: int, *, keys: Sequence[str] = ()
    ) -> None:
        """Move the pointer to ``(x, y)`` and scroll by ``scroll_x``, ``scroll_y`` pixels
        (positive: right and down)."""
        ...

    def type(self, text: str) -> None:
        """Type ``text`` into whatever has the keyboard focus."""
        ...

    def keypress(self, keys: list[str]) -> None:
        """Press ``keys`` together, as one chord (``["CTRL", "A"]``), and release them."""
        ...

    def wait(self, ms: int) -> None:
        """Let ``ms`` milliseconds pass (a page loading, an animation)."""
        ...

    def move(self, x: int, y: int, *, keys: Sequence[str] = ()) -> None:
        """Move the pointer to ``(x, y)`` without clicking (hover)."""
        ...

    def drag(self, path: list[Point], *, keys: Sequence[str] = ()) -> None:
        """Press the left button at ``path[0]``, move through the other points, release
        at the last one."""
        ...

    def screenshot(self) -> bytes:
        """The screen as PNG bytes, ``width`` x ``height`` pixels."""
        ...

    def close(self) -> None:
        """Release what the computer holds (a browser, a connection); idempotent."""
        ...
