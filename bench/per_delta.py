"""Our own cost per streamed delta, apart from the network and the SDK's parsing.

    python bench/per_delta.py [--quick]

A turn's stream (``n`` text deltas) is read once from the emulator through the real
SDK, kept, and replayed through:

* the raw loop of ``overhead.py`` (what a user's loop does with each event);
* ours: the backend's reading (``responses_stream.events``, ``chat_stream.streamed``),
  the session's recorder (``_Recorder.consume``) and a live view's per-token update,
  with drawing left out (``overhead.py`` and ``rendering.py`` measure drawing).

Replaying takes out what both sides share (the socket, the SSE decoder, pydantic),
which is most of a turn and what moves ``overhead.py``'s whole-turn ratios by several
percent between runs on a shared machine. What is left is the work that is ours, in µs
per delta, and its share of what the SDK spends on a delta of a live stream (timed in
the same run, against the emulator in its own process).
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from types import SimpleNamespace
from typing import Any

import openai
from common import RemoteEmulator, Row, main, median_seconds
from overhead import MODEL, PROMPT, RAW

from jupyter_responses import events as ev
from jupyter_responses.backends import chat_stream, responses_stream
from jupyter_responses.backends.connection import ServerQuirks
from jupyter_responses.backends.errors import StreamState
from jupyter_responses.conversation import Turn
from jupyter_responses.emulator import script
from jupyter_responses.render.live import LiveView
from jupyter_responses.session import _Recorder

#: Deltas per turn, and how many times each side replays it (the median is taken).
FULL, QUICK = (100_000, 9), (10_000, 5)


class Replay:
    """A recorded SDK stream, iterable again (with the ``response`` and ``close`` the
    Chat backend's reader uses)."""

    def __init__(self, events: list[Any]) -> None:
        self.events = events
        self.response = None

    def __iter__(self) -> Iterator[Any]:
        return iter(self.events)

    def close(self) -> None:
        pass


class Undrawn(LiveView):
    """A live view's per-token path (counting, the throttle's clock, the catch-up
    thread) with the drawing itself left out."""

    def draw(self, turn: Turn, final: bool) -> None:
        pass


def recorded(client: Any, api: str) -> list[Any]:
    if api == "responses":
        return list(client.responses.create(model=MODEL, input=PROMPT, stream=True))
    return list(
        client.chat.completions.create(
            model=MODEL,
            messages=[{"role": "user", "content": PROMPT}],
            stream=True,
            stream_options={"include_usage": True},
        )
    )


def read_ours(api: str, replay: Replay) -> Iterator[ev.Event]:
    if api == "responses":
        exchange = responses_stream.Exchange("http://127.0.0.1/v1", ServerQuirks())
        return responses_stream.events(replay, exchange, StreamState())
    return chat_stream.streamed(replay, StreamState(), None)


def ours(api: str, replay: Replay, n: int) -> Callable[[], None]:
    def run() -> None:
        turn = Turn(api=api, model=MODEL, prompt=PROMPT)
        recorder = _Recorder(turn, True, None, lambda turn: None)
        view = Undrawn(0.05)
        view.start(turn, recorder.streamed)
        try:
            recorder.consume(read_ours(api, replay), view)
        finally:
            view.quiet_down()
        assert len(recorder.streamed.answer.text()) == len("tok ") * n

    return run


def rows(quick: bool) -> list[Row]:
    n, repeat = QUICK if quick else FULL
    found = []
    with RemoteEmulator() as emulator:
        client = openai.OpenAI(base_url=emulator.url, api_key="bench", max_retries=0)
        for api, magic in (("responses", "%%respond"), ("chat", "%%chat")):
            emulator.enqueue(script.fast_stream(n))
            replay = Replay(recorded(client, api))

            def live(api: str = api) -> None:
                emulator.enqueue(script.fast_stream(n))
                RAW[api](client)

            sdk = median_seconds(live, max(3, repeat // 3)) / n
            replayed = replay_client(replay)
            raw = median_seconds(lambda: RAW[api](replayed), repeat) / n  # noqa: B023
            mine = median_seconds(ours(api, replay, n), repeat) / n
            extra = mine - raw
            found.append(
                Row(
                    "Per delta",
                    f"{magic}: our reading, recording and live-view update per delta "
                    f"(replayed, {n:,} deltas)",
                    f"{extra * 1e6:.2f} µs",
                    note=f"ours {mine * 1e6:.2f} µs against the raw loop's {raw * 1e6:.2f} µs "
                    f"over the same events; the SDK spends {sdk * 1e6:.1f} µs on a delta of a "
                    f"live stream, so ours adds {extra / sdk:.1%} to it",
                )
            )
    return found


def replay_client(replay: Replay) -> Any:
    """A client whose streaming create gives ``replay``: the raw loop of ``overhead.py``,
    unchanged, over the recorded events."""

    def create(**kwargs: Any) -> contextlib.nullcontext[Replay]:
        return contextlib.nullcontext(replay)

    chat = SimpleNamespace(completions=SimpleNamespace(create=create))
    return SimpleNamespace(responses=SimpleNamespace(create=create), chat=chat)


if __name__ == "__main__":
    main(rows)
