"""``BrowserComputer``: a headless Chromium page as the computer a model drives.

Playwright's sync API refuses to run where an asyncio loop is running, and a Jupyter
kernel's main thread runs one. So one worker thread owns everything Playwright made
(the driver, the browser, the page) and every call is handed to it through a
single-thread executor; the caller waits for the result. That thread also keeps
Playwright's objects on the thread that made them, as its greenlets require.

Nothing is ever downloaded: the browser is the system's Chromium (``executable_path``,
else ``$JUPYTER_RESPONSES_CHROMIUM``, else ``/usr/bin/chromium``), and Playwright is an
optional dependency, imported only when a browser computer is made.
"""

from __future__ import annotations

import importlib.util
import os
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager, suppress
from typing import Any, TypeVar

from ..errors import ConfigurationError
from .environment import Button, Environment, Point
from .keys import canonical, chord

DEFAULT_CHROMIUM = "/usr/bin/chromium"
CHROMIUM_VARIABLE = "JUPYTER_RESPONSES_CHROMIUM"
#: The longest one ``wait`` may last: a model asking for minutes would stall the turn.
MAX_WAIT_MS = 10_000
#: Chromium as a container (often as root, without a GPU) lets it run.
LAUNCH_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--no-first-run",
    "--no-default-browser-check",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
_INSTALL = (
    "Install Playwright with `pip install playwright` (or `pip install "
    "jupyter_responses[computer]`) and a Chromium from your system's packages (`apt-get "
    "install chromium` on Debian and Ubuntu); Playwright's own browser download is not "
    "needed. Point to another Chromium with executable_path= or the "
    f"{CHROMIUM_VARIABLE} environment variable."
)
#: Playwright's names for the mouse buttons a model clicks with (back and forward go
#: through the page's history instead).
_BUTTONS = {"left": "left", "right": "right", "wheel": "middle"}
_THREAD_NAME = "jupyter-responses-computer"

T = TypeVar("T")


class BrowserComputer:
    """A ``width`` x ``height`` headless Chromium page showing ``url``.

    Use it as a context manager, or call ``close`` (idempotent) when done: that closes
    the browser, stops Playwright and ends the worker thread.
    """

    environment: Environment = "browser"

    def __init__(
        self,
        url: str,
        width: int = 1024,
        height: int = 768,
        executable_path: str | None = None,
    ) -> None:
        self.width = width
        self.height = height
        self.executable_path = _chromium(executable_path)
        self._lock = threading.Lock()
        self._closed = False
        self._playwright: Any = None
        self._browser: Any = None
        self._page: Any = None
        self._worker = ThreadPoolExecutor(max_workers=1, thread_name_prefix=_THREAD_NAME)
        try:
            self._call(self._start, url)
        except BaseException:
            self.close()
            raise

    # -- the Computer protocol -------------------------------------------------------
    def click(self, x: int, y: int, button: Button = "left", *, keys: Sequence[str] = ()) -> None:
        self._call(self._click, x, y, button, keys)

    def double_click(self, x: int, y: int, *, keys: Sequence[str] = ()) -> None:
        self._call(self._held, keys, lambda: self._page.mouse.dblclick(x, y))

    def scroll(
        self, x: int, y: int, scroll_x: int, scroll_y: int, *, keys: Sequence[str] = ()
    ) -> None:
        def scroll() -> None:
            self._page.mouse.move(x, y)
            self._page.mouse.wheel(scroll_x, scroll_y)

        self._call(self._held, keys, scroll)

    def type(self, text: str) -> None:
        self._call(lambda: self._page.keyboard.type(text))

    def keypress(self, keys: list[str]) -> None:
        if keys:
            self._call(lambda: self._page.keyboard.press(chord(keys)))

    def wait(self, ms: int) -> None:
        """Sleep on the caller's thread (the page goes on in its own process), at most
        ``MAX_WAIT_MS``."""
        self._check_open()
        time.sleep(max(0, min(ms, MAX_WAIT_MS)) / 1000)

    def move(self, x: int, y: int, *, keys: Sequence[str] = ()) -> None:
        self._call(self._held, keys, lambda: self._page.mouse.move(x, y))

    def drag(self, path: list[Point], *, keys: Sequence[str] = ()) -> None:
        if path:
            self._call(self._held, keys, lambda: self._drag(path))

    def screenshot(self) -> bytes:
        shot: bytes = self._call(lambda: self._page.screenshot(type="png"))
        return shot

    def close(self) -> None:
        with self._lock:
            if self._closed:
                return
            self._closed = True
        try:
            with suppress(Exception):  # closing never fails; the thread still ends below
                self._worker.submit(self._stop).result(timeout=60)
        finally:
            self._worker.shutdown(wait=True)

    def __enter__(self) -> BrowserComputer:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def __repr__(self) -> str:
        state = "closed" if self._closed else "open"
        return f"<BrowserComputer {self.width}x{self.height} {state}>"

    # -- on the caller's thread ------------------------------------------------------
    def _call(self, function: Callable[..., T], *args: Any) -> T:
        """Run ``function(*args)`` on the worker thread and return what it returns."""
        self._check_open()
        return self._worker.submit(function, *args).result()

    def _check_open(self) -> None:
        if self._closed:
            raise RuntimeError("This BrowserComputer is closed; make a new one.")

    # -- on the worker thread --------------------------------------------------------
    def _start(self, url: str) -> None:
        from playwright.sync_api import Error, sync_playwright

        self._playwright = sync_playwright().start()
        try:
            self._browser = self._playwright.chromium.launch(
                executable_path=self.executable_path, headless=True, args=LAUNCH_ARGS
            )
        except Error as error:
            first = str(error).strip().splitlines()[0] if str(error).strip() else repr(error)
            raise ConfigurationError(
                f"Chromium at {self.executable_path} did not start ({first}). {_INSTALL}",
                heading="Browser unavailable",
            ) from None
        self._page = self._browser.new_page(viewport={"width": self.width, "height": self.height})
        self._page.goto(url)

    def _stop(self) -> None:
        for close in (
            lambda: self._browser.close(),
            lambda: self._playwright.stop(),
        ):
            with suppress(Exception):
                close()
        self._page = self._browser = self._playwright = None

    def _click(self, x: int, y: int, button: Button, keys: Sequence[str]) -> None:
        if button == "back":
            self._page.go_back()
        elif button == "forward":
            self._page.go_forward()
        else:
            self._held(keys, lambda: self._page.mouse.click(x, y, button=_BUTTONS[button]))

    def _drag(self, path: list[Point]) -> None:
        mouse = self._page.mouse
        mouse.move(*path[0])
        mouse.down()
        for point in path[1:]:
            mouse.move(*point)
        mouse.up()

    def _held(self, keys: Sequence[str], action: Callable[[], object]) -> None:
        with self._holding(keys):
            action()

    @contextmanager
    def _holding(self, keys: Sequence[str]) -> Iterator[None]:
        """Hold ``keys`` down while the block runs; release them, last first."""
        names = [canonical(key) for key in keys]
        keyboard = self._page.keyboard
        pressed: list[str] = []
        try:
            for name in names:
                keyboard.down(name)
                pressed.append(name)
            yield
        finally:
            for name in reversed(pressed):
                keyboard.up(name)


def _chromium(executable_path: str | None) -> str:
    """The Chromium to run, checked, with Playwright importable; else a clear error."""
    if importlib.util.find_spec("playwright") is None:
        raise ConfigurationError(
            f"The browser computer needs Playwright, which is not installed. {_INSTALL}",
            heading="Browser unavailable",
        )
    path = executable_path or os.environ.get(CHROMIUM_VARIABLE) or DEFAULT_CHROMIUM
    if not (os.path.isfile(path) and os.access(path, os.X_OK)):
        raise ConfigurationError(
            f"No Chromium to run at {path}. {_INSTALL}", heading="Browser unavailable"
        )
    return path
