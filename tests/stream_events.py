"""What the emulator streams for a scripted reply, counted once by the tests that make
it go quiet at a chosen point (``stall_after``)."""

from __future__ import annotations

import openai

from jupyter_responses.emulator import Emulator
from jupyter_responses.emulator import script as s


def events_before_the_end(reply: s.Reply) -> int:
    """How many events the emulator sends for ``reply`` before ``response.completed``
    (read through the SDK from an emulator of its own)."""
    with Emulator() as server:
        server.enqueue(reply)
        client = openai.OpenAI(base_url=server.url, api_key="sk-test")
        events = list(client.responses.create(model="gpt-test", input="x", stream=True))
    return len(events) - 1
