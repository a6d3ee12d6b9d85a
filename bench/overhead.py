"""What ``%%respond`` and ``%%chat`` cost on top of the raw ``openai`` SDK loop.

    python bench/overhead.py [--quick]

The baseline is the SDK loop a user would write: ``client.responses.create(stream=True)``
(or ``client.chat.completions.create(stream=True)``) iterating the events and joining
the text deltas. Ours is the magic run end to end in a real shell, rendering on:

* ``widget``: an in-process ipykernel (a real kernel shell with a display publisher,
  comms and an IOPub thread), ``%config ResponsesMagics.widgets = True`` (the default
  in a kernel): the live ipywidgets view;
* ``display``: the same kernel with ``widgets = False``: the updating HTML display;
* ``terminal``: a plain ``InteractiveShell`` (terminal IPython): text written to
  stdout as it arrives (here to ``/dev/null``).

Both sides use the same client settings (``max_retries`` 0) against the same emulator,
which runs in its own process (so its serving never competes for this process's GIL)
and streams the same ``n`` deltas (``script.fast_stream``) far faster than the SDK
parses them, so both sides are bound by this process's CPU. Each round times the
baseline and every variant, one after the other in a rotating order; a figure is the
median over rounds of ``ours / baseline`` from the same round.

The figure is the ratio of this process's CPU time (``time.process_time``: the main
thread and the kernel's IOPub thread); the wall-time ratio is in the note. On an idle
machine the two agree (the client is CPU-bound); on a shared one (2 cores, the
emulator needing one of them) the wall time also counts waiting for a core, which
moves single runs by ±10% and says nothing about this code.

Every turn is persisted to a file-backed SQLite store, as by default (here a temporary
file, not the user's data directory), and every run starts a fresh conversation
(``--new``) so the history sent never grows. Redraws are counted by wrapping
``LiveView.redraw``: the note gives their rate, the share of the turn spent drawing,
and the IOPub messages a turn published (widgets: a comm for each widget and its
layout, opened and closed per turn, which is most of the fixed cost at 1k deltas).
"""

from __future__ import annotations

import contextlib
import gc
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

_HERE = str(Path(__file__).resolve().parent)
if _HERE not in sys.path:
    sys.path.insert(0, _HERE)

from common import RemoteEmulator, Row, main  # noqa: E402

from jupyter_responses.emulator import script  # noqa: E402

MODEL = "gpt-4.1"
PROMPT = "Say tok, many times."
TARGET = 1.05
#: Deltas per turn -> rounds (full mode); quick mode drops 100k and runs fewer rounds.
FULL = {1_000: 7, 10_000: 9, 100_000: 3}
QUICK = {1_000: 3, 10_000: 3}
APIS = {"responses": "%%respond", "chat": "%%chat"}
VIEWS = ("widget", "display", "terminal")


# -- the emulator, in its own process ------------------------------------------------------
# -- the baseline ----------------------------------------------------------------------------
def raw_responses(client: Any) -> str:
    deltas = []
    with client.responses.create(model=MODEL, input=PROMPT, stream=True) as stream:
        for event in stream:
            if event.type == "response.output_text.delta":
                deltas.append(event.delta)
    return "".join(deltas)


def raw_chat(client: Any) -> str:
    deltas = []
    with client.chat.completions.create(
        model=MODEL,
        messages=[{"role": "user", "content": PROMPT}],
        stream=True,
        stream_options={"include_usage": True},  # as ours asks, so the streams are equal
    ) as stream:
        for chunk in stream:
            if chunk.choices and chunk.choices[0].delta.content:
                deltas.append(chunk.choices[0].delta.content)
    return "".join(deltas)


RAW: dict[str, Callable[[Any], str]] = {"responses": raw_responses, "chat": raw_chat}


# -- redraw accounting -----------------------------------------------------------------------
@dataclass
class Draws:
    count: int = 0
    seconds: float = 0.0


@contextlib.contextmanager
def counting_redraws() -> Iterator[Draws]:
    """Count ``LiveView.redraw`` calls that drew, and the wall time they took."""
    from jupyter_responses.render.live import LiveView

    draws = Draws()
    original = LiveView.redraw

    def redraw(self: Any, final: bool = False) -> None:
        before = self.updates
        started = time.perf_counter()
        original(self, final)
        if self.updates != before:
            draws.count += 1
            draws.seconds += time.perf_counter() - started

    LiveView.redraw = redraw  # type: ignore[method-assign]
    try:
        yield draws
    finally:
        LiveView.redraw = original  # type: ignore[method-assign]


# -- the shells ------------------------------------------------------------------------------
@dataclass
class Published:
    """What the kernel sent on IOPub, as a frontend would receive it."""

    messages: int = 0
    bytes: int = 0


class InProcessKernel:
    """An in-process ipykernel: a real kernel shell (display publisher, comms, IOPub
    thread). Its IOPub messages are counted and dropped as they leave the IOPub thread,
    where a real kernel would write them to a socket: the in-process client would parse
    every one of them again in this process, which no real kernel does."""

    def __init__(self) -> None:
        os.environ.setdefault("PYDEVD_DISABLE_FILE_VALIDATION", "1")  # debugpy's warning
        from ipykernel.inprocess.manager import InProcessKernelManager
        from traitlets.config import SingletonConfigurable

        self.manager = InProcessKernelManager()
        self.manager.start_kernel()
        kernel = self.manager.kernel
        assert kernel is not None
        self.kernel = kernel
        self.shell: Any = kernel.shell
        # The kernel singleton, as a real kernel is: comms publish only through
        # ``Kernel.instance()`` and silently send nothing without one.
        for cls in type(self.kernel).mro():
            if issubclass(cls, SingletonConfigurable) and cls is not SingletonConfigurable:
                cls._instance = self.kernel
        self.published = Published()
        socket = self.kernel._underlying_iopub_socket
        socket.unobserve(self.kernel._io_dispatch, names=["message_sent"])
        socket.observe(self._sent, names=["message_sent"])
        self._socket = socket

    def _sent(self, change: Any) -> None:
        import queue

        while True:
            try:
                parts = self._socket.queue.get_nowait()
            except queue.Empty:
                return
            self.published.messages += 1
            self.published.bytes += sum(len(part) for part in parts)

    def stop(self) -> None:
        self.kernel.iopub_thread.stop()
        self.manager.shutdown_kernel()
        close_shell(self.shell)
        type(self.shell).clear_instance()  # a next kernel in this process gets its own
        type(self.kernel).clear_instance()


def close_shell(shell: Any) -> None:
    """What IPython would do at exit (end the history session), done now."""
    import atexit

    atexit.unregister(shell.atexit_operations)
    shell.atexit_operations()


def load_extension(shell: Any, db_path: str) -> None:
    for line in (
        "%load_ext jupyter_responses",
        "%config ResponsesMagics.max_retries = 0",
        f"%config ResponsesMagics.db_path = {db_path!r}",
    ):
        result = shell.run_cell(line, store_history=False)
        if not result.success:
            raise RuntimeError(f"{line}: {result.error_in_exec or result.error_before_exec}")


@dataclass
class Shells:
    """The in-process kernel (widget and display views) and a terminal shell."""

    kernel: InProcessKernel
    terminal_shell: Any
    sink: Any

    @classmethod
    def start(cls, db_path: str) -> Shells:
        from IPython.core.interactiveshell import InteractiveShell

        kernel = InProcessKernel()
        terminal_shell = InteractiveShell()  # not .instance(): that is the kernel's shell
        for shell in (kernel.shell, terminal_shell):
            load_extension(shell, db_path)
        return cls(kernel, terminal_shell, open(os.devnull, "w"))

    def stop(self) -> None:
        self.sink.close()
        self.kernel.stop()
        close_shell(self.terminal_shell)

    def shell_for(self, view: str) -> Any:
        if view == "terminal":
            return self.terminal_shell
        shell = self.kernel.shell
        shell.run_cell(f"%config ResponsesMagics.widgets = {view == 'widget'}", store_history=False)
        return shell

    def run(self, shell: Any, view: str, api: str) -> None:
        out = self.sink if view == "terminal" else sys.stdout
        with contextlib.redirect_stdout(out):
            result = shell.run_cell(f"{APIS[api]} --new\n{PROMPT}", store_history=True)
        if not result.success:
            raise RuntimeError(f"{view}/{api}: {result.error_in_exec or result.error_before_exec}")


def last_turn(shell: Any) -> Any:
    from jupyter_responses.session import _sessions

    return _sessions[shell].conversation.branch()[-1]


# -- one measurement -------------------------------------------------------------------------
@dataclass
class Sample:
    wall: float
    cpu: float
    draws: int = 0
    draw_seconds: float = 0.0
    messages: int = 0  # IOPub messages published


def timed(run: Callable[[], object], draws: Draws, published: Published) -> Sample:
    gc.collect()
    before = draws.count, draws.seconds, published.messages
    wall, cpu = time.perf_counter(), time.process_time()
    run()
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    time.sleep(0.02)  # let the IOPub thread send the turn's last messages
    return Sample(
        wall,
        cpu,
        draws.count - before[0],
        draws.seconds - before[1],
        published.messages - before[2],
    )


def measure(
    emulator: RemoteEmulator, shells: Shells, client: Any, api: str, n: int, rounds: int
) -> tuple[list[Sample], dict[str, list[Sample]]]:
    """``rounds`` rounds of baseline + each view, in a rotating order."""
    baseline: list[Sample] = []
    ours: dict[str, list[Sample]] = {view: [] for view in VIEWS}
    names = ["baseline", *VIEWS]
    with counting_redraws() as draws:
        for round_ in range(rounds):
            for name in names[round_ % len(names) :] + names[: round_ % len(names)]:
                emulator.enqueue(script.fast_stream(n))
                sample = one_run(shells, client, name, api, n, draws)
                (baseline if name == "baseline" else ours[name]).append(sample)
            emulator.reset()
    return baseline, ours


def one_run(shells: Shells, client: Any, name: str, api: str, n: int, draws: Draws) -> Sample:
    """Time the baseline or a view once, and check it received the whole answer."""
    expected = len("tok ") * n
    if name == "baseline":
        text: list[str] = []
        sample = timed(lambda: text.append(RAW[api](client)), draws, shells.kernel.published)
        assert len(text[0]) == expected, (api, n, len(text[0]))
        return sample
    shell = shells.shell_for(name)
    sample = timed(lambda: shells.run(shell, name, api), draws, shells.kernel.published)
    turn = last_turn(shell)
    assert turn.status == "completed" and len(turn.text) == expected, (name, api, n)
    return sample


def ratio(ours: list[Sample], baseline: list[Sample], attribute: str) -> float:
    return statistics.median(
        getattr(o, attribute) / getattr(b, attribute) for o, b in zip(ours, baseline, strict=True)
    )


def median(samples: list[Sample], attribute: str) -> float:
    return statistics.median(getattr(sample, attribute) for sample in samples)


def row(
    api: str, n: int, view: str, ours: list[Sample], baseline: list[Sample], fixed: float
) -> Row:
    """The figures of one (api, n, view); ``fixed`` is the extra CPU time of the
    smallest turn measured, to tell a miss's per-turn share from its per-delta share."""
    cpu = ratio(ours, baseline, "cpu")
    wall = ratio(ours, baseline, "wall")
    rate = n / median(baseline, "wall")
    note = f"wall time {wall:.3f}×; baseline {rate:,.0f} deltas/s"
    if view != "terminal":
        per_second = statistics.median(o.draws / o.wall for o in ours)
        share = statistics.median(o.draw_seconds / o.wall for o in ours)
        messages = statistics.median(o.messages for o in ours)
        note += (
            f"; {per_second:.0f} redraws/s, drawing {share:.1%} of the turn; "
            f"{messages:.0f} IOPub messages"
        )
    has_target = n >= 10_000
    if has_target and cpu > TARGET:
        per_turn = fixed / median(ours, "cpu")
        drawing = statistics.median(o.draw_seconds / o.cpu for o in ours)
        note += (
            f"; miss: +{cpu - 1:.1%} = per-turn cost {per_turn:.1%} (the 1k run's extra) "
            f"+ drawing {drawing:.1%} + the rest per delta {cpu - 1 - per_turn - drawing:.1%}"
        )
    return Row(
        "Overhead",
        f"{APIS[api]}, {n // 1000}k deltas, {view} view",
        f"{cpu:.3f}×",
        f"≤ {TARGET:.2f}×" if has_target else "",
        (cpu <= TARGET) if has_target else None,
        note,
    )


@contextlib.contextmanager
def isolated_environment(workdir: str, url: str | None = None) -> Iterator[None]:
    """Keep IPython's profile (config, history) in ``workdir``, away from the user's,
    and point the SDK at the emulator at ``url``."""
    values = {"IPYTHONDIR": str(Path(workdir) / "ipython"), "PYDEVD_DISABLE_FILE_VALIDATION": "1"}
    if url is not None:
        values.update(OPENAI_BASE_URL=url, OPENAI_API_KEY="bench")
    saved = {key: os.environ.get(key) for key in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


def rows(quick: bool) -> list[Row]:
    import openai

    plan = QUICK if quick else FULL
    result: list[Row] = []
    with (
        tempfile.TemporaryDirectory(prefix="jr-bench-") as workdir,
        RemoteEmulator() as emulator,
        isolated_environment(workdir, emulator.url),
    ):
        client = openai.OpenAI(base_url=emulator.url, api_key="bench", max_retries=0, timeout=120)
        shells = Shells.start(str(Path(workdir) / "conversations.sqlite3"))
        try:
            # Warm-up: imports, the first widget, the store's schema, the connections.
            measure(emulator, shells, client, "responses", 200, 1)
            measure(emulator, shells, client, "chat", 200, 1)
            for api in APIS:
                fixed: dict[str, float] = {}  # extra CPU seconds of a 1k-delta turn, per view
                for n, rounds in plan.items():
                    baseline, ours = measure(emulator, shells, client, api, n, rounds)
                    for view in VIEWS:
                        extra = median(ours[view], "cpu") - median(baseline, "cpu")
                        fixed.setdefault(view, extra)
                        result.append(row(api, n, view, ours[view], baseline, fixed[view]))
        finally:
            shells.stop()
    return result


if __name__ == "__main__":
    main(rows)
