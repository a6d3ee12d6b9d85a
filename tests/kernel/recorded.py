"""What the emulator received, checked against OpenAI's spec on the way out."""

from __future__ import annotations

from typing import Any

from jupyter_responses.emulator import Emulator
from tests.spec import validate_request

LOAD = "%load_ext jupyter_responses"


def requests(emulator: Emulator, path: str) -> list[dict[str, Any]]:
    """The JSON bodies POSTed to ``path``, in order; each must be spec-valid."""
    bodies = [r.body for r in emulator.requests(path)]
    for body in bodies:
        validate_request("POST", path, body)
    return bodies


def user_texts(body: dict[str, Any]) -> list[str]:
    """The user prompts a Responses input or Chat messages list carries."""
    items = body.get("input", body.get("messages"))
    texts = []
    for item in items:
        if item.get("role") != "user":
            continue
        content = item["content"]
        texts.append(content if isinstance(content, str) else content[0]["text"])
    return texts
