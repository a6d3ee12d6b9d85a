"""What every client's flows share: the tool the model calls, the output type, and
running one flow from the command line. Imported by each ``*_flows.py`` script, which
runs in its client's own venv (next to this file, so plain imports find it)."""

from __future__ import annotations

import asyncio
import json
import sys
from collections.abc import Awaitable, Callable, Mapping
from typing import Any

from pydantic import BaseModel

#: The arguments of every call of ``get_weather`` in this process.
calls: list[dict[str, Any]] = []


def get_weather(city: str) -> str:
    """The current weather in a city."""
    calls.append({"city": city})
    return f"Sunny and 21 °C in {city}."


class City(BaseModel):
    name: str
    country: str
    population: int


Flow = Callable[[str], Awaitable[dict[str, Any]]]


def main(flows: Mapping[str, Flow], default_api: str | None = None) -> None:
    """``python SCRIPT FLOW [API]``: run the flow, print what it got as one JSON line."""
    api = sys.argv[2] if len(sys.argv) > 2 else default_api
    if api is None:
        raise SystemExit(f"usage: {sys.argv[0]} FLOW API")
    print(json.dumps(asyncio.run(flows[sys.argv[1]](api))), flush=True)
