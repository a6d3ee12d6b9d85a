"""An exception as short plain text: the frames of the user's code (cells named
``Cell [3]``, not ``<ipython-input-3-...>``), none of IPython's own, no ANSI colours,
and at most a dozen frames however deep the library code went."""

from __future__ import annotations

import os
import sys
import traceback
from typing import Any

from .records import ErrorRecord, bounded, strip_ansi

MAX_FRAMES = 10
#: Frames kept from the start (where the user's code called in) and from the end
#: (where it failed) of a longer traceback.
HEAD_FRAMES, TAIL_FRAMES = 3, 6
MAX_MESSAGE_CHARS = 2_000
MAX_TRACEBACK_CHARS = 6_000
#: Chained exceptions shown (``raise ... from ...``, or raised while handling another).
MAX_CHAIN = 3


def describe_exception(error: BaseException, shell: Any) -> ErrorRecord:
    message = bounded(strip_ansi(str(error)), MAX_MESSAGE_CHARS)
    text = _rendered_by_itself(error)
    if text is None:
        text = _chain_text(error, _cell_names(shell))
    return ErrorRecord(type(error).__name__, message, bounded(text, MAX_TRACEBACK_CHARS))


def _rendered_by_itself(error: BaseException) -> str | None:
    """What an exception that renders itself in IPython (``_render_traceback_``, as
    this package's own errors do; ``UsageError``) showed the user."""
    if type(error).__name__ == "UsageError" and type(error).__module__.startswith("IPython"):
        return f"UsageError: {strip_ansi(str(error))}"
    render = getattr(error, "_render_traceback_", None)
    if render is None:
        return None
    try:
        lines = render()
    except Exception:
        return None
    return strip_ansi("\n".join(str(line) for line in lines))


def _chain_text(error: BaseException, cells: dict[str, int]) -> str:
    chain: list[tuple[BaseException, str]] = []
    seen: set[int] = set()
    current: BaseException | None = error
    link = ""
    while current is not None and id(current) not in seen and len(chain) < MAX_CHAIN:
        seen.add(id(current))
        chain.append((current, link))
        if current.__cause__ is not None:
            current, link = current.__cause__, "direct cause"
        elif current.__context__ is not None and not current.__suppress_context__:
            current, link = current.__context__, "context"
        else:
            current = None
    blocks = []
    for exception, how in reversed(chain):
        blocks.append(_one_text(exception, cells))
        if how == "direct cause":
            blocks.append("The above exception was the direct cause of the following exception:")
        elif how == "context":
            blocks.append("During handling of the above exception, another exception occurred:")
    return "\n\n".join(blocks)


def _one_text(error: BaseException, cells: dict[str, int]) -> str:
    frames = _user_frames(traceback.extract_tb(error.__traceback__))
    lines = ["Traceback (most recent call last):"] if frames else []
    if len(frames) > MAX_FRAMES:
        left_out = len(frames) - HEAD_FRAMES - TAIL_FRAMES
        shown: list[traceback.FrameSummary | None] = [
            *frames[:HEAD_FRAMES],
            None,
            *frames[-TAIL_FRAMES:],
        ]
    else:
        left_out, shown = 0, list(frames)
    for frame in shown:
        if frame is None:
            lines.append(f"  ... {left_out} more frames ...")
            continue
        lines.append(f"  {_where(frame.filename, cells)}, line {frame.lineno}, in {frame.name}")
        if frame.line:
            lines.append(f"    {frame.line.strip()}")
    only = traceback.format_exception_only(type(error), error)
    for filename, count in cells.items():
        only = [line.replace(f'File "{filename}"', f"Cell [{count}]") for line in only]
    lines.append(strip_ansi("".join(only)).rstrip("\n"))
    return "\n".join(lines)


def _user_frames(frames: traceback.StackSummary) -> list[traceback.FrameSummary]:
    """The frames after IPython's own (``run_code`` calling ``exec``)."""
    internal = _ipython_dir()
    kept = list(frames)
    while kept and internal and kept[0].filename.startswith(internal):
        kept.pop(0)
    return kept


def _ipython_dir() -> str | None:
    ipython = sys.modules.get("IPython")
    path = getattr(ipython, "__file__", None)
    return os.path.dirname(path) + os.sep if path else None


def _cell_names(shell: Any) -> dict[str, int]:
    """IPython's compiler names each cell's code (``<ipython-input-3-...>``, or a
    temporary file in ipykernel) and remembers the execution count of each name."""
    names = getattr(getattr(shell, "compile", None), "_filename_map", None)
    return dict(names) if isinstance(names, dict) else {}


def _where(filename: str, cells: dict[str, int]) -> str:
    if filename in cells:
        return f"Cell [{cells[filename]}]"
    marker = f"site-packages{os.sep}"
    if marker in filename:
        return f'File "{marker}{filename.split(marker, 1)[1]}"'
    return f'File "{filename}"'
