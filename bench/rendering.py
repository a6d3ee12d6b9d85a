"""What the live views cost as an answer grows: redraws per second and render CPU.

    python bench/rendering.py [--quick]

The two notebook views (``render.widget.WidgetView``, ``render.display.DisplayView``)
are driven directly, in an in-process ipykernel (a real display publisher and comms;
what they publish is counted and dropped where a real kernel would send it), with a
synthetic stream of ``events.TextDelta`` tokens of Markdown prose (paragraphs,
emphasis, inline code, links, lists, code blocks: what a model writes, and what costs
Markdown rendering the most), paced at a fixed token rate far above the 20 updates/s
the views may make.

* updates/s: redraws while streaming / wall seconds of the stream (target ≤ 20);
* render CPU per 1k tokens, each length against the one before: the process CPU time
  spent inside ``draw`` (wrapped) while streaming, plus ``finish`` (the final redraw and
  the static bundle the cell keeps), divided by the tokens. A short answer redraws at
  the 20/s cap and stays under the drawing budget, so its cost per token rises until
  the budget binds; from there a linear view stays near 1x (target ≤ 1.5x at 10x the
  length), where re-rendering per token, or at a fixed rate, would grow with the length;
* the share of the stream's time spent drawing (target ≤ 27%: the 25% budget, plus
  slack), and the bytes published to the frontend relative to the answer's own size.

A run at ten times the rate checks that the bound on updates does not follow the
token rate.
"""

from __future__ import annotations

import gc
import itertools
import re
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

_HERE = str(Path(__file__).resolve().parent)
if _HERE not in sys.path:
    sys.path.insert(0, _HERE)

from common import Row, main  # noqa: E402
from overhead import InProcessKernel, isolated_environment  # noqa: E402

#: Tokens per second fed to the views (a fast model streams about 100-200), and a
#: rate ten times that, for the rate bound.
RATE = 10_000
FAST = 100_000
FULL = (2_000, 20_000, 200_000)
QUICK = (2_000, 20_000)
MAX_UPDATES_PER_SECOND = 20
#: Cost per token going 10x longer, once the drawing budget binds (1.0 = linear).
LINEAR_TARGET = 1.5
#: Drawing above this share of the stream's time means the budget binds.
BUDGET_BINDS = 0.15
#: The throttle's budget (25% of wall time) plus measuring slack.
DRAW_SHARE_TARGET = 0.27
VIEWS = ("widget", "display")

SECTION = """\
## Step {i}: what to check

The **important** part is that `render()` runs once per update, not per token, and \
that the [documentation](https://example.com/docs/{i}) says so. A long answer keeps \
going with ordinary prose, some *emphasis*, a little `inline_code()` and numbers \
like {i}.{i} so that the paragraph reads like something a model would write.

- first, a list item with `code` in it
- second, an item with a [link](https://example.com/{i})
- third, plain words to finish the list

```python
def step_{i}(values: list[int]) -> int:
    return sum(v * {i} for v in values)
```

"""


def tokens(n: int) -> list[str]:
    """``n`` tokens of Markdown prose (a word with its leading space, or a newline run)."""
    pieces: list[str] = []
    for i in itertools.count(1):
        pieces += re.findall(r"\s*\S+|\s+", SECTION.format(i=i))
        if len(pieces) >= n:
            return pieces[:n]
    raise AssertionError("unreachable")


@dataclass
class Result:
    tokens: int
    chars: int
    wall: float  # seconds from start() to the last token's update
    redraws: int  # while streaming
    draw_cpu: float  # process CPU seconds inside draw, while streaming
    draw_wall: float
    finish_cpu: float  # the final redraw and the static bundle the cell keeps
    published: int  # bytes published to the frontend, start to finish

    @property
    def render_cpu(self) -> float:
        return self.draw_cpu + self.finish_cpu


def make_view(kind: str) -> Any:
    if kind == "widget":
        from jupyter_responses.render.widget import WidgetView

        return WidgetView(0.05)
    from jupyter_responses.render.display import DisplayView

    return DisplayView(0.05)


def paced(items: list[str], rate: float) -> Iterator[str]:
    """``items`` at ``rate`` per second."""
    start = time.perf_counter()
    for index, item in enumerate(items):
        ahead = start + index / rate - time.perf_counter()
        if ahead > 0.001:
            time.sleep(ahead)
        yield item


def stream(kernel: InProcessKernel, kind: str, n: int, rate: float) -> Result:
    from jupyter_responses import events as ev
    from jupyter_responses.conversation import Turn
    from jupyter_responses.streamed import Streamed

    items = tokens(n)
    gc.collect()
    published = kernel.published.bytes
    started = time.perf_counter()  # before the view: its throttle starts counting then
    view = make_view(kind)
    draw = view.draw
    spent = {"cpu": 0.0, "wall": 0.0}

    def timed_draw(turn: Any, final: bool) -> None:
        cpu, wall = time.process_time(), time.perf_counter()
        draw(turn, final)
        spent["cpu"] += time.process_time() - cpu
        spent["wall"] += time.perf_counter() - wall

    view.draw = timed_draw
    turn = Turn(api="responses", model="bench-model", prompt="Explain, at length.")
    streamed = Streamed()  # what the session's recorder fills, as it does in a turn
    view.start(turn, streamed)
    add = streamed.answer.add
    for item in paced(items, rate):
        add(item)
        view.update(ev.TextDelta(item))
    wall = time.perf_counter() - started
    redraws, draw_cpu, draw_wall = view.updates, spent["cpu"], spent["wall"]
    turn.text, turn.status, turn.finished = "".join(items), "completed", time.time()
    cpu = time.process_time()
    view.finish(turn)
    finish_cpu = time.process_time() - cpu
    time.sleep(0.05)  # let the IOPub thread send the last messages
    return Result(
        n,
        len(turn.text),
        wall,
        redraws,
        draw_cpu,
        draw_wall,
        finish_cpu,
        kernel.published.bytes - published,
    )


def rows(quick: bool) -> list[Row]:
    lengths = QUICK if quick else FULL
    result: list[Row] = []
    with tempfile.TemporaryDirectory(prefix="jr-bench-") as workdir, isolated_environment(workdir):
        kernel = InProcessKernel()
        try:
            for kind in VIEWS:
                stream(kernel, kind, 500, RATE)  # warm-up: imports, the first widgets
                runs = [stream(kernel, kind, n, RATE) for n in lengths]
                fast = stream(kernel, kind, lengths[-1], FAST)
                result += view_rows(kind, runs, fast)
        finally:
            kernel.stop()
    return result


def view_rows(kind: str, runs: list[Result], fast: Result) -> list[Row]:
    name = f"{kind} view"
    rows: list[Row] = []
    for run in [*runs, fast]:
        rate = run.redraws / run.wall
        pace = f"{RATE if run is not fast else FAST:,} tokens/s"
        note = (
            f"{run.redraws} redraws in {run.wall:.2f} s; drawing {run.draw_wall / run.wall:.1%} "
            f"of it; published {run.published / run.chars:.1f}× the answer's size"
        )
        rows.append(
            Row(
                "Rendering",
                f"{name}: updates/s, {run.tokens // 1000}k tokens, {pace}",
                f"{rate:.1f} updates/s",
                f"≤ {MAX_UPDATES_PER_SECOND}",
                rate <= MAX_UPDATES_PER_SECOND,
                note,
            )
        )
    shortest = runs[0]
    per_token = [run.render_cpu / run.tokens for run in runs]
    for index, run in enumerate(runs[1:], start=1):
        previous = runs[index - 1]
        step = per_token[index] / per_token[index - 1]
        share = run.draw_cpu / run.wall
        note = (
            f"redraws while streaming: CPU {share:.1%} of the stream's time "
            f"({shortest.draw_cpu / shortest.wall:.1%} at {shortest.tokens // 1000}k); "
            f"the final render: {run.finish_cpu / run.render_cpu:.0%} of the total; "
            f"{per_token[index] / per_token[0]:.2f}× the cost per token at "
            f"{shortest.tokens // 1000}k"
        )
        # A short answer redraws at the 20/s cap and draws less than the budget allows;
        # once the budget binds, a linear view's cost per token stays flat.
        binding = previous.draw_cpu / previous.wall >= BUDGET_BINDS
        rows.append(
            Row(
                "Rendering",
                f"{name}: render CPU per 1k tokens, {run.tokens // 1000}k vs "
                f"{previous.tokens // 1000}k tokens",
                f"{step:.2f}×",
                f"≤ {LINEAR_TARGET}× at {run.tokens // previous.tokens}× the length"
                if binding
                else "",
                step <= LINEAR_TARGET if binding else None,
                note
                if binding
                else note + "; below the 25% drawing budget here (updates capped at 20/s), "
                "so the cost per token rises until the budget binds",
            )
        )
        rows.append(
            Row(
                "Rendering",
                f"{name}: share of the stream's time spent redrawing, {run.tokens // 1000}k tokens",
                f"{share:.1%}",
                f"≤ {DRAW_SHARE_TARGET:.0%}",
                share <= DRAW_SHARE_TARGET,
                "the throttle's budget is 25% of wall time: total render cost stays linear "
                "in the answer's length",
            )
        )
    return rows


if __name__ == "__main__":
    main(rows)
