"""Record each code cell's outputs as it runs, so that context can be gathered later
without running anything again.

IPython's ``pre_run_cell``/``post_run_cell`` events bracket a cell. In between, the
``write`` of ``sys.stdout``/``sys.stderr`` is wrapped to copy what it writes (wrapping
the method, as IPython does itself, rather than replacing the stream: ipykernel's
``OutStream`` must stay the stream); the display publisher's ``publish`` and the display
hook's ``write_format_data`` are wrapped to see displayed outputs and results. Every
wrapper calls the original with the same arguments and returns its result, so what the
notebook shows is unchanged. While IPython itself writes a result, a display or a
traceback to stdout (a terminal shell does), the stream copy pauses, so a result is not
recorded twice.

Prompt cells (``%%respond``, ``%%chat``) are not recorded at all: their turns are in
the conversation already, and their streamed answers are not copied.
"""

from __future__ import annotations

import contextlib
import functools
import re
import sys
import threading
import weakref
from collections import OrderedDict, deque
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from .patches import Patch, patch
from .records import (
    MAX_CELLS,
    MAX_SOURCE_CHARS,
    MAX_TOTAL_IMAGE_BYTES,
    BoundedText,
    CellOutput,
    CellRecord,
    ImageRef,
    OutputKind,
    bounded,
    bundle_image,
    bundle_text,
    strip_ansi,
)
from .summaries import short_repr
from .tracebacks import describe_exception

_PROMPT_CELL = re.compile(
    r"\s*(?:%%(?:respond|chat)|%responses|%(?:re)?load_ext\s+jupyter_responses\s*$)(?:\s|$)"
)


def is_prompt_cell(source: str) -> bool:
    """A cell that asks the model (its turn is in the conversation), manages the
    conversation (``%responses ...``, ``fix`` among them) or loads this extension: not
    the user's code."""
    return _PROMPT_CELL.match(source) is not None


@dataclass
class _Running:
    """A cell between its two events: the record being filled (None for a prompt
    cell, or one kept out of history: silent, or run by code with ``store_history``
    off) and the stream wrappers to take off afterwards."""

    info: Any
    record: CellRecord | None
    streams: list[Patch] = field(default_factory=list)


class CellLog:
    """The last ``max_cells`` code cells of one shell, with their outputs, recorded as
    they ran. Made and hooked up by ``install(shell)``."""

    #: How ``install`` recognises a log even from an earlier import of this module
    #: (after ``%reload_ext``), when ``isinstance`` no longer would.
    is_cell_log = True

    def __init__(self, shell: Any, *, max_cells: int = MAX_CELLS) -> None:
        self.shell = shell
        self.max_cells = max_cells
        #: The first execution count run with the log installed; earlier cells come
        #: from IPython's history (source and ``Out`` only).
        self.installed_at: int = getattr(shell, "execution_count", 1)
        self._records: OrderedDict[int, CellRecord] = OrderedDict()
        self._lock = threading.Lock()
        self._running: list[_Running] = []
        self._quiet = 0
        self._patches: list[Patch] = []
        self._displays: weakref.WeakValueDictionary[str, CellOutput] = weakref.WeakValueDictionary()
        self._images: deque[ImageRef] = deque()
        self._image_bytes = 0
        self.active = False

    # -- what gather reads ---------------------------------------------------------------
    def records(self) -> list[CellRecord]:
        """The recorded cells, oldest first."""
        with self._lock:
            return list(self._records.values())

    def cells(self) -> list[CellRecord]:
        """Every code cell known, oldest first: those from history that ran before the
        log was installed, then the recorded ones. Never the cell running now."""
        recorded = self.records()
        known = {record.count for record in recorded}
        early = [c for c in self._history_cells() if c.count not in known]
        return early + recorded

    def _history_cells(self) -> list[CellRecord]:
        history = getattr(self.shell, "history_manager", None)
        sources = getattr(history, "input_hist_raw", None) or []
        results = getattr(history, "output_hist", None) or {}
        first = max(1, self.installed_at - self.max_cells)
        cells = []
        for count in range(first, min(self.installed_at, len(sources))):
            source = sources[count]
            if not source.strip() or is_prompt_cell(source):
                continue
            cell = CellRecord(count, bounded(source, MAX_SOURCE_CHARS), recorded=False)
            if count in results:
                cell.add_output(CellOutput("result", BoundedText(text=_safe_repr(results[count]))))
            cells.append(cell)
        return cells

    # -- the events ----------------------------------------------------------------------
    def pre_run_cell(self, info: Any = None) -> None:
        source = getattr(info, "raw_cell", "") or ""
        unseen = getattr(info, "silent", False) or not getattr(info, "store_history", True)
        if unseen or is_prompt_cell(source):
            self._running.append(_Running(info, None))
            return
        running = _Running(info, CellRecord(-1, bounded(source, MAX_SOURCE_CHARS)))
        for channel in ("stdout", "stderr"):
            patch = self._tee(getattr(sys, channel), channel, running)
            if patch is not None:
                running.streams.append(patch)
        self._running.append(running)

    def post_run_cell(self, result: Any = None) -> None:
        info = getattr(result, "info", None)
        index = next(
            (i for i in range(len(self._running) - 1, -1, -1) if self._running[i].info is info),
            None,
        )
        if index is None:
            return  # no pre_run_cell seen: the cell that installed the log, an empty one
        finished = self._running[index]
        for running in reversed(self._running[index:]):
            for stream_patch in reversed(running.streams):
                stream_patch.undo()
        del self._running[index:]
        record = finished.record
        count = getattr(result, "execution_count", None)
        if record is None or count is None:
            return  # a prompt cell, or one not stored in history
        record.count = count
        error = getattr(result, "error_in_exec", None) or getattr(result, "error_before_exec", None)
        if isinstance(error, BaseException):
            with contextlib.suppress(Exception):
                record.error = describe_exception(error, self.shell)
        self._add(record)

    def _add(self, record: CellRecord) -> None:
        with self._lock:
            if record.count in self._records:
                # The counts started again (``shell.reset(new_session=True)``): what
                # was recorded belongs to another session.
                self._records.clear()
                self.installed_at = 0
            unordered = bool(self._records) and record.count < next(reversed(self._records))
            self._records[record.count] = record
            if unordered:  # a cell finishing after one it ran (nested run_cell)
                self._records = OrderedDict(sorted(self._records.items()))
            while len(self._records) > self.max_cells:
                self._records.popitem(last=False)

    # -- the wrappers --------------------------------------------------------------------
    def _tee(self, stream: Any, channel: OutputKind, running: _Running) -> Patch | None:
        def make(write: Callable[..., Any]) -> Callable[..., Any]:
            @functools.wraps(write)
            def tee(data: Any, *args: Any, **kwargs: Any) -> Any:
                written = write(data, *args, **kwargs)
                if (
                    self._quiet == 0
                    and isinstance(data, str)
                    and data
                    and self._running
                    and self._running[-1] is running
                ):
                    self._add_stream(running, channel, data)
                return written

            return tee

        return patch(stream, "write", make)

    def _add_stream(self, running: _Running, channel: OutputKind, data: str) -> None:
        record = running.record
        if record is None:
            return
        if record.outputs and record.outputs[-1].kind == channel:
            record.outputs[-1].text.add(data)
        else:
            record.add_output(CellOutput(channel, BoundedText(text=data)))

    def _wrap(self, target: Any, name: str, after: Callable[..., None] | None) -> None:
        """Replace ``target.name`` by a wrapper that calls it unchanged, with the stream
        copy paused, and then ``after`` with the same arguments."""

        def make(method: Callable[..., Any]) -> Callable[..., Any]:
            @functools.wraps(method)
            def wrapper(*args: Any, **kwargs: Any) -> Any:
                if not self.active:
                    return method(*args, **kwargs)
                self._quiet += 1
                try:
                    return method(*args, **kwargs)
                finally:
                    self._quiet -= 1
                    if after is not None:
                        with contextlib.suppress(Exception):
                            after(*args, **kwargs)

            return wrapper

        made = patch(target, name, make)
        if made is not None:
            self._patches.append(made)

    def _current(self) -> CellRecord | None:
        return self._running[-1].record if self._running else None

    def _published(
        self,
        data: Mapping[str, object],
        metadata: object = None,
        *args: Any,
        transient: Mapping[str, object] | None = None,
        update: bool = False,
        **kwargs: Any,
    ) -> None:
        display_id = (transient or {}).get("display_id")
        if update:
            shown = self._displays.get(display_id) if isinstance(display_id, str) else None
            if shown is not None:
                shown.text = BoundedText(text=bundle_text(data))
                shown.image = self._keep_image(bundle_image(data))
            return
        output = self._output("display", data)
        if output is not None and isinstance(display_id, str):
            self._displays[display_id] = output

    def _result(self, format_dict: Mapping[str, object], *args: Any, **kwargs: Any) -> None:
        self._output("result", format_dict)

    def _output(self, kind: OutputKind, data: Mapping[str, object]) -> CellOutput | None:
        record = self._current()
        if record is None or not isinstance(data, Mapping):
            return None
        output = CellOutput(kind, BoundedText(text=bundle_text(data)))
        if record.add_output(output):
            output.image = self._keep_image(bundle_image(data))
            return output
        return None

    def _cleared(self, *args: Any, **kwargs: Any) -> None:
        record = self._current()
        if record is not None:
            record.outputs.clear()

    def _keep_image(self, image: ImageRef | None) -> ImageRef | None:
        """Keep ``image``'s bytes within the log's total; the oldest images kept
        become mentions first."""
        if image is None or image.data is None:
            return image
        self._images.append(image)
        self._image_bytes += len(image.data)
        while self._image_bytes > MAX_TOTAL_IMAGE_BYTES and self._images:
            oldest = self._images.popleft()
            self._image_bytes -= len(oldest.data or b"")
            oldest.data = None
        return image

    # -- installing ----------------------------------------------------------------------
    def attach(self) -> None:
        shell = self.shell
        shell.events.register("pre_run_cell", self.pre_run_cell)
        shell.events.register("post_run_cell", self.post_run_cell)
        self.active = True
        self._wrap(shell.display_pub, "publish", self._published)
        self._wrap(shell.display_pub, "clear_output", self._cleared)
        self._wrap(shell.displayhook, "write_output_prompt", None)
        self._wrap(shell.displayhook, "write_format_data", self._result)
        self._wrap(shell.displayhook, "finish_displayhook", None)
        self._wrap(shell, "_showtraceback", None)
        self._wrap(shell, "show_usage_error", None)

    def detach(self) -> None:
        """Undo ``attach``: events, wrappers, and the streams of a cell still running
        (the one that unloads the extension)."""
        self.active = False
        for event, callback in (
            ("pre_run_cell", self.pre_run_cell),
            ("post_run_cell", self.post_run_cell),
        ):
            with contextlib.suppress(ValueError):
                self.shell.events.unregister(event, callback)
        for running in reversed(self._running):
            for stream_patch in reversed(running.streams):
                stream_patch.undo()
        self._running.clear()
        for hook_patch in reversed(self._patches):
            hook_patch.undo()
        self._patches.clear()

    def adopt(self, other: Any) -> None:
        """Take over the records of a log made by an earlier import of this module."""
        try:
            for record in other.records():
                self._records[record.count] = record
            self.installed_at = min(self.installed_at, other.installed_at)
        except Exception:
            pass


def installed(shell: Any) -> Any:
    """The log hooked into ``shell``'s events, if any (found through the events, so one
    installed before a ``%reload_ext`` is found too)."""
    callbacks = getattr(getattr(shell, "events", None), "callbacks", {}) or {}
    for callback in callbacks.get("pre_run_cell", []):
        owner = getattr(callback, "__self__", None)
        if getattr(owner, "is_cell_log", False) and getattr(owner, "shell", None) is shell:
            return owner
    return None


def install(shell: Any) -> CellLog:
    """Start recording ``shell``'s cells. Idempotent: a second call (a second
    ``%load_ext``, a ``%reload_ext``) returns the log already there, or replaces one
    from an earlier import of this module, keeping its records."""
    existing = installed(shell)
    if isinstance(existing, CellLog):
        return existing
    log = CellLog(shell)
    if existing is not None:
        log.adopt(existing)
        existing.detach()
    log.attach()
    return log


def uninstall(shell: Any) -> None:
    """Stop recording and put back everything ``install`` wrapped."""
    seen: set[int] = set()
    while (log := installed(shell)) is not None and id(log) not in seen:
        seen.add(id(log))
        log.detach()


def log_for(shell: Any) -> CellLog:
    """The shell's log; without one, a detached log that knows the cells from history
    (sources and ``Out`` values, no printed output) before the one running now."""
    log = installed(shell)
    if log is not None:
        return log  # type: ignore[no-any-return]
    detached = CellLog(shell)
    detached.installed_at = max(0, detached.installed_at - 1)
    return detached


def _safe_repr(value: object) -> str:
    return strip_ansi(short_repr(value))
