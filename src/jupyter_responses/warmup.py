"""Pay, in the background after ``%load_ext``, what the first turn would pay in the cell.

``%load_ext`` stays cheap: it imports none of the SDK, the widgets or the Markdown
stack. Those then came with the first turn and made it slower to its first visible token
than a raw SDK loop: importing ``openai``, making the client (an SSL context, the SDK's
lazily imported resources), the parser the SDK builds for stream events on first use,
ipywidgets and anywidget, the Markdown renderer with its math plugins, the sanitizer and
the Python lexer. A user pauses between loading the extension and running a turn; a
daemon thread does that work then (``bench/first_token.py`` measures the difference).

What it may do: import modules and fill process-wide caches (the renderer's, the SDK's,
the session's client, which opens no connection until a request is sent). What it never
does: connect, display anything, open the conversation store, touch the user's
namespace or raise. Each step swallows its own errors (logged at debug level, so
nothing shows), so a missing optional module or a missing API key costs nothing: the
turn then reports it as it would have.

It runs only while no cell runs (``Gate``): a cell starting waits for the step under
way to end (one import, at most ~300 ms, which a turn needs anyway), the rest waits
until the cell has ended. So a turn never runs alongside a half-done warm-up (two
threads importing the same packages can meet each other's partially initialised
modules), user code never shares the GIL with it, and a turn sent right behind
``%load_ext`` pays what it needs itself, as it did before, rather than waiting for all
of the warm-up (which also prepares what that turn may not need: the other API, the
store).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .backends import Connection

log = logging.getLogger(__name__)

#: The longest a cell waits for the step under way (a stuck import must not hold the
#: notebook; the slowest step, importing openai, takes a few hundred milliseconds).
STEP_TIMEOUT = 5.0
#: Rendered once: Markdown, inline code, math and a highlighted Python block reach every
#: part of the pipeline (markdown-it, mdit_py_plugins, pygments, nh3).
SAMPLE = "**x** `y` $z$\n\n```python\nx = 1\n```\n"


class Gate:
    """Open while no cell runs. A step starts only through an open gate; ``close``
    (before a cell) waits for the step under way to end. Cells may nest (a cell that
    calls ``run_cell``): the gate opens when the outermost one ends."""

    def __init__(self) -> None:
        self._open = threading.Event()
        self._open.set()
        self._step = threading.Lock()
        self._cells = 0  # changed by the shell's thread only

    def close(self) -> None:
        self._cells += 1
        self._open.clear()
        if self._step.acquire(timeout=STEP_TIMEOUT):
            self._step.release()

    def open(self) -> None:
        self._cells = max(0, self._cells - 1)
        if not self._cells:
            self._open.set()

    def run(self, step: Callable[[], object]) -> None:
        while True:
            self._open.wait()
            with self._step:
                if self._open.is_set():  # not closed between the wait and the lock
                    step()
                    return


def start(shell: Any, connection: Connection | None = None) -> threading.Thread:
    """Start warming in a daemon thread that pauses while the shell runs a cell."""
    gate = Gate()
    thread = threading.Thread(
        target=warm, args=(shell, connection, gate), name="jupyter_responses-warmup", daemon=True
    )
    events = getattr(shell, "events", None)
    if events is not None:

        def before(info: Any = None) -> None:
            if thread.is_alive():
                try:
                    gate.close()
                except KeyboardInterrupt:
                    # An interrupt while the cell waits for the step under way: IPython
                    # would show it as a traceback and run the cell anyway. The cell has
                    # not started, like an interrupt sent just before it; it stops
                    # waiting and runs (the step may finish alongside it).
                    log.debug("interrupted while waiting for a warm-up step")
            else:
                events.unregister("pre_run_cell", before)

        def after(result: Any = None) -> None:
            gate.open()
            if not thread.is_alive():
                events.unregister("post_run_cell", after)

        events.register("pre_run_cell", before)
        events.register("post_run_cell", after)
    thread.start()
    return thread


def warm(shell: Any = None, connection: Connection | None = None, gate: Gate | None = None) -> None:
    """Run every step, each through ``gate`` if there is one; never raises."""
    for step in steps(shell, connection):
        try:
            if gate is None:
                step()
            else:
                gate.run(step)
        except Exception as error:  # nothing may escape: a traceback would show in a cell
            log.debug("warm-up step %s failed: %r", getattr(step, "__name__", step), error)


def steps(shell: Any, connection: Connection | None) -> list[Callable[[], object]]:
    """The steps, what every turn needs first (in the order a turn needs it: the SDK,
    the default API's client and stream parser, the view, the renderer), then what only
    some do (the other APIs) or do after their answer (the store). Each backend warms
    what is its own (``Backend.warm``)."""

    def default_api() -> None:
        from .backends import BACKENDS, DEFAULT_API

        BACKENDS[DEFAULT_API].warm(connection)

    def other_apis() -> None:
        from .backends import BACKENDS, DEFAULT_API

        for api, backend in BACKENDS.items():
            if api != DEFAULT_API:
                backend.warm(connection)

    def views() -> None:
        if getattr(shell, "kernel", None) is None:
            from .render import terminal  # noqa: F401
        else:
            from .render import display, widget  # noqa: F401 - ipywidgets, anywidget

    return [_sdk, default_api, views, _renderer, other_apis, _store]


def _sdk() -> None:
    import openai  # noqa: F401


def _renderer() -> None:
    from .render.markup import to_html

    to_html(SAMPLE)


def _store() -> None:
    import jupyter_core.paths  # noqa: F401

    from . import store  # noqa: F401 - sqlite3, serialize
