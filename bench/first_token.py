"""The first turn in a fresh kernel: how long to its first visible token.

    python bench/first_token.py [--quick]

Every sample is a fresh kernel (``python -m ipykernel_launcher``, started by
jupyter_client as JupyterLab starts one) with private IPython and Jupyter directories,
talking to the emulator on 127.0.0.1 (in its own process). A sample is the time from
the timed cell's start (the kernel's ``busy`` status for it) to the first IOPub message
that carries the answer's first word: a ``stream`` message for a print, a widget's
``comm_msg`` (or a display) for ours. Both instants are read from the kernel's own
message headers, so the client's latency cancels out. Before each kernel's first cell,
and between cells, the bench waits ``PAUSE`` seconds, as a user does.

* the baseline, the raw SDK loop as a user writes it in a fresh kernel: one cell that
  imports openai, makes the client, streams and prints each delta as it arrives;
* ours: ``%load_ext jupyter_responses``, the pause, then the ``%%respond`` (or
  ``%%chat``) cell, with the live widget view as in JupyterLab;
* ours with the warm-up off (``warmup.start`` replaced by a no-op before loading): what
  the first turn paid before the extension warmed up in the background;
* ours with no pause: the turn sent right behind ``%load_ext``: it waits for the
  warm-up's step under way, then pays the rest itself (the warm-up pauses while a cell
  runs);
* the raw loop with openai imported and the client made in an earlier cell, the same
  pause before its loop: a stricter baseline, with its imports already paid.

The warm-up is timed too (``warm`` wrapped before loading): its own duration, and in
how many rounds it was over before the turn began.

Each round runs every variant once, in a rotated order; a figure is the median over
rounds of ``variant / baseline`` from the same round. The raw loop prints with
``flush=True``; ours shows the text as its live widget view does.
"""

from __future__ import annotations

import json
import os
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

_HERE = str(Path(__file__).resolve().parent)
if _HERE not in sys.path:
    sys.path.insert(0, _HERE)

from common import RemoteEmulator, Row, main  # noqa: E402

from jupyter_responses.emulator import script  # noqa: E402

MODEL = "gpt-4.1"
PROMPT = "Tell me about marsupials."
#: The answer's first word: the first IOPub message holding it is the first visible token.
MARKER = "Quokkas"
ANSWER = f"{MARKER} are small marsupials. " + "They smile a lot. " * 30
#: Seconds a user waits before a notebook's first cell and between cells.
PAUSE = 1.0
TARGET = 1.0
ROUNDS = {True: 3, False: 9}  # quick, full

RAW_SETUP = "from openai import OpenAI\nclient = OpenAI()"
RAW_LOOP = {
    "responses": (
        f"with client.responses.create(model={MODEL!r}, input={PROMPT!r}, stream=True) as s:\n"
        "    for event in s:\n"
        "        if event.type == 'response.output_text.delta':\n"
        "            print(event.delta, end='', flush=True)"
    ),
    "chat": (
        f"with client.chat.completions.create(model={MODEL!r}, stream=True,\n"
        f"        messages=[{{'role': 'user', 'content': {PROMPT!r}}}]) as s:\n"
        "    for chunk in s:\n"
        "        if chunk.choices and chunk.choices[0].delta.content:\n"
        "            print(chunk.choices[0].delta.content, end='', flush=True)"
    ),
}
MAGIC = {"responses": "%%respond", "chat": "%%chat"}
LOAD = "%load_ext jupyter_responses"
NO_WARMUP = "import jupyter_responses.warmup as _w\n_w.start = lambda *a, **k: None\ndel _w"
#: Times the warm-up thread (``warm`` is looked up when the thread is made); the first
#: turn's cell starts after it ended (if it took less than ``PAUSE``), so the turn does
#: not pause it.
TIME_WARMUP = """\
import time, jupyter_responses.warmup as _w
def _timed(*args, _warm=_w.warm):
    began = time.perf_counter()
    _warm(*args)
    _w.took = time.perf_counter() - began
_w.warm = _timed
"""


# -- the emulator, in its own process --------------------------------------------------------
# -- a fresh kernel ----------------------------------------------------------------------------
class Kernel:
    """A fresh ipykernel run by this interpreter, its environment scrubbed of the
    host's OpenAI and Jupyter settings, its directories private (the conversation
    store among them)."""

    def __init__(self, url: str) -> None:
        from jupyter_client import KernelManager

        self.home = tempfile.mkdtemp(prefix="jr-bench-kernel-")
        env = {
            k: v
            for k, v in os.environ.items()
            if not k.startswith(("OPENAI_", "JUPYTER_", "JPY_", "IPYTHON"))
        }
        env.update(
            OPENAI_BASE_URL=url,
            OPENAI_API_KEY="sk-bench",
            IPYTHONDIR=os.path.join(self.home, "ipython"),
            JUPYTER_DATA_DIR=os.path.join(self.home, "data"),
            JUPYTER_CONFIG_DIR=os.path.join(self.home, "config"),
            JUPYTER_RUNTIME_DIR=os.path.join(self.home, "runtime"),
            PYDEVD_DISABLE_FILE_VALIDATION="1",
        )
        self.manager = KernelManager(kernel_name="python3")
        self.manager.kernel_spec.argv = [  # this interpreter, whatever specs are installed
            sys.executable,
            "-m",
            "ipykernel_launcher",
            "-f",
            "{connection_file}",
        ]
        self.manager.start_kernel(env=env, cwd=self.home)
        self.client = self.manager.client()
        self.client.start_channels()
        self.client.wait_for_ready(timeout=60)

    def send(self, code: str) -> str:
        return str(self.client.execute(code, store_history=True))

    def finish(self, msg_id: str) -> list[dict[str, Any]]:
        """The IOPub messages of request ``msg_id``, until its kernel went idle."""
        messages = []
        while True:
            message = self.client.get_iopub_msg(timeout=60)
            if message["parent_header"].get("msg_id") != msg_id:
                continue
            messages.append(message)
            if message["msg_type"] == "error":
                raise RuntimeError("\n".join(message["content"]["traceback"]))
            state = message["content"].get("execution_state")
            if message["msg_type"] == "status" and state == "idle":
                return messages

    def run(self, code: str) -> list[dict[str, Any]]:
        return self.finish(self.send(code))

    def close(self) -> None:
        self.client.stop_channels()
        self.manager.shutdown_kernel(now=True)
        shutil.rmtree(self.home, ignore_errors=True)


def first_token(messages: list[dict[str, Any]]) -> float:
    """Seconds from the cell's start to the first message showing ``MARKER``."""
    busy = next(
        m["header"]["date"]
        for m in messages
        if m["msg_type"] == "status" and m["content"]["execution_state"] == "busy"
    )
    for message in messages:
        if message["msg_type"] != "status" and MARKER in json.dumps(message["content"]):
            return float((message["header"]["date"] - busy).total_seconds())
    raise RuntimeError(f"no message showed {MARKER!r}: {[m['msg_type'] for m in messages]}")


# -- the variants --------------------------------------------------------------------------------
@dataclass
class Run:
    """What a variant's timed cell sent on IOPub; how long the warm-up took, if timed."""

    messages: list[dict[str, Any]]
    warmup: float | None = None


Variant = Callable[[Kernel], Run]


def raw(api: str) -> Variant:
    def run(kernel: Kernel) -> Run:
        return Run(kernel.run(RAW_SETUP + "\n" + RAW_LOOP[api]))

    return run


def raw_prepaid(api: str) -> Variant:
    def run(kernel: Kernel) -> Run:
        kernel.run(RAW_SETUP)
        time.sleep(PAUSE)
        return Run(kernel.run(RAW_LOOP[api]))

    return run


def ours(api: str, warmup: bool = True, pause: bool = True) -> Variant:
    def run(kernel: Kernel) -> Run:
        turn = f"{MAGIC[api]}\n{PROMPT}"
        kernel.run(TIME_WARMUP if warmup else NO_WARMUP)
        if pause:
            kernel.run(LOAD)
            time.sleep(PAUSE)
            messages = kernel.run(turn)
        else:  # both requests queued at once: the turn starts as the load ends
            load_id, turn_id = kernel.send(LOAD), kernel.send(turn)
            kernel.finish(load_id)
            messages = kernel.finish(turn_id)
        return Run(messages, warmup_seconds(kernel) if warmup and pause else None)

    return run


def warmup_seconds(kernel: Kernel) -> float:
    """How long the warm-up took, once it is over (it runs while no cell runs, so the
    kernel is left idle between the cells that ask)."""
    for _ in range(60):
        asked = kernel.run("print(getattr(_w, 'took', ''))")
        text = "".join(m["content"]["text"] for m in asked if m["msg_type"] == "stream")
        if text.strip():
            return float(text)
        time.sleep(0.5)
    raise RuntimeError("the warm-up did not end within 30 s")


def variants(api: str) -> dict[str, Variant]:
    return {
        "raw": raw(api),
        "ours": ours(api),
        "ours, warm-up off": ours(api, warmup=False),
        "ours, no pause": ours(api, pause=False),
        "raw, setup prepaid": raw_prepaid(api),
    }


def sample(emulator: RemoteEmulator, variant: Variant) -> tuple[float, float | None]:
    """Seconds to the first token in a fresh kernel, and the warm-up's, if timed."""
    kernel = Kernel(emulator.url)
    try:
        time.sleep(PAUSE)
        emulator.enqueue(script.text(ANSWER, deltas=40))
        run = variant(kernel)
        return first_token(run.messages), run.warmup
    finally:
        kernel.close()


@dataclass
class Samples:
    seconds: dict[str, list[float]]
    warmup: list[float]

    def ratio(self, name: str, baseline: str = "raw") -> float:
        """The median over rounds of ``name / baseline`` from the same round."""
        pairs = zip(self.seconds[name], self.seconds[baseline], strict=True)
        return statistics.median(ours / base for ours, base in pairs)

    def ms(self, name: str) -> float:
        return statistics.median(self.seconds[name]) * 1000


def measure(emulator: RemoteEmulator, api: str, rounds: int) -> Samples:
    runs = variants(api)
    names = list(runs)
    samples = Samples({name: [] for name in names}, [])
    for index in range(rounds):
        rotated = names[index % len(names) :] + names[: index % len(names)]
        for name in rotated:
            seconds, warmup = sample(emulator, runs[name])
            samples.seconds[name].append(seconds)
            if warmup is not None:
                samples.warmup.append(warmup)
    return samples


def rows(quick: bool) -> list[Row]:
    apis = ["responses"] if quick else ["responses", "chat"]
    rounds = ROUNDS[quick]
    result = []
    with RemoteEmulator() as emulator:
        for api in apis:
            samples = measure(emulator, api, rounds)
            magic, ms = MAGIC[api], samples.ms
            ratio = samples.ratio("ours")
            result += [
                Row(
                    "First token",
                    f"{magic}: first turn in a fresh kernel, {PAUSE:g} s after %load_ext / "
                    "the raw SDK loop",
                    f"{ratio:.2f}×",
                    f"≤ {TARGET:.2f}×",
                    ratio <= TARGET,
                    f"{ms('ours'):.0f} ms vs {ms('raw'):.0f} ms for one cell that imports "
                    f"openai, makes the client, streams and prints; medians of {rounds} rounds, "
                    "a fresh kernel each",
                ),
                Row(
                    "First token",
                    f"{magic}: the same with the warm-up off / the raw SDK loop",
                    f"{samples.ratio('ours, warm-up off'):.2f}×",
                    note=f"{ms('ours, warm-up off'):.0f} ms: the imports, the client, the SDK's "
                    "event parser, widgets and renderer paid in the turn",
                ),
                Row(
                    "First token",
                    f"{magic}: sent right behind %load_ext, no pause / the raw SDK loop",
                    f"{samples.ratio('ours, no pause'):.2f}×",
                    note=f"{ms('ours, no pause'):.0f} ms: the turn waits for the warm-up's "
                    "step under way, then pays the rest itself, as with the warm-up off",
                ),
                Row(
                    "First token",
                    f"{magic} rounds: the warm-up's own duration, after %load_ext",
                    f"{statistics.median(samples.warmup) * 1000:.0f} ms",
                    note=f"median; over within the {PAUSE:g} s pause in "
                    f"{sum(t < PAUSE for t in samples.warmup)} of {len(samples.warmup)} rounds",
                ),
                Row(
                    "First token",
                    f"{magic}: first turn / the raw loop with its setup in an earlier cell",
                    f"{samples.ratio('ours', 'raw, setup prepaid'):.2f}×",
                    note=f"{ms('raw, setup prepaid'):.0f} ms: openai imported and the client "
                    f"made {PAUSE:g} s before; its first stream still loads the SDK's "
                    "resource and (Responses) builds the SDK's event parser",
                ),
            ]
    return result


if __name__ == "__main__":
    main(rows)
