"""What the emulator received, checked against OpenAI's spec on the way out."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from jupyter_responses.emulator import Emulator
from jupyter_responses.store import Store
from tests.spec import validate_request

if TYPE_CHECKING:
    from jupyter_responses.conversation import Turn

    from .harness import KernelSession

LOAD = "%load_ext jupyter_responses"
#: A kernel's conversation store, under the private Jupyter data dir the harness gives it.
DB = Path("jupyter-data") / "jupyter_responses" / "conversations.sqlite3"


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


def saved_branch(kernel: KernelSession) -> list[Turn]:
    """The current branch of the kernel's one saved conversation, read from SQLite."""
    store = Store(kernel.workdir / DB)
    try:
        (saved,) = store.listing()
        return store.load(saved.id).branch()
    finally:
        store.close()
