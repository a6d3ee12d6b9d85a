"""A conversation read back from a file ``export`` wrote, so a session can continue it.

``.json`` is the whole tree, exactly. A notebook holds one branch: each turn's cell
carries its ``record`` (see ``export``), the code cell's source after the magic line is
the prompt and its image outputs are the images (in a transcript: the user cell's
metadata has the prompt and the answer cell's attachments the images). The turns are
chained in cell order, since cells are the only order a notebook keeps. Notebooks
exported before records existed still import, from their summary keys and plain text.

Anything else is refused with one ``ValueError`` paragraph saying why; a missing or
unreadable file raises ``OSError`` for the caller to report.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any, get_args

from .backends import DEFAULT_API
from .conversation import DEFAULT_THREAD, Conversation, Turn
from .events import Usage
from .render.base import STATUS_LINES
from .render.live import OUTPUT_IMAGE_TYPES
from .serialize import READABLE, conversation_from_dict, turn_from_dict
from .transcript import TurnStatus, image_record

_ONLY_OURS = "only files written by %responses export can be imported"
#: What a damaged file can raise while it is taken apart.
_DAMAGE = (ValueError, KeyError, TypeError, AttributeError)
#: A CommonMark backslash escape, or a hard break (a backslash ending the line).
_ESCAPE = re.compile(r"\\([!-/:-@\[-`{-~])|\\$")


def read_conversation(path: str | Path) -> Conversation:
    """The conversation in ``path``: the whole tree from ``.json``, the exported branch
    from ``.ipynb`` (its last turn the head)."""
    path = Path(path)
    if path.suffix == ".json":
        return _from_json(path)
    if path.suffix == ".ipynb":
        return _from_notebook(path)
    raise ValueError(
        f"{path.name} cannot be imported: give a .ipynb or .json file written by %responses export"
    )


def _from_json(path: Path) -> Conversation:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except ValueError as error:  # not UTF-8 or not JSON
        raise ValueError(
            f"{path.name} is not valid JSON ({_describe(error)}): {_ONLY_OURS}."
        ) from None
    if not isinstance(data, dict) or "turns" not in data:
        raise ValueError(
            f"{path.name} is JSON but not a jupyter_responses conversation: {_ONLY_OURS}."
        )
    try:
        return conversation_from_dict(data)
    except _DAMAGE as error:
        raise ValueError(
            f"{path.name} is not a conversation this version can read: {_describe(error)}."
        ) from None


def _from_notebook(path: Path) -> Conversation:
    import nbformat

    try:
        notebook = nbformat.read(str(path), as_version=4)
        cells = list(notebook.get("cells") or [])
        meta = (notebook.get("metadata") or {}).get("jupyter_responses") or {}
    except _DAMAGE as error:
        raise ValueError(
            f"{path.name} is not a readable notebook ({_describe(error)}): {_ONLY_OURS}."
        ) from None
    if not isinstance(meta, dict):
        meta = {}
    if "format" in meta and meta["format"] not in READABLE:
        raise ValueError(
            f"{path.name} was written in conversation format {meta['format']!r} and this "
            f"version reads {', '.join(map(str, READABLE))}: a newer jupyter_responses wrote it?"
        )
    prompts: dict[str, str] = {}  # a transcript's user cells, by turn id
    turns: dict[str, Turn] = {}
    for number, cell in enumerate(cells, start=1):
        ours = (cell.get("metadata") or {}).get("jupyter_responses")
        if not isinstance(ours, dict) or not isinstance(ours.get("turn"), str):
            continue  # a cell the user added
        try:
            if ours.get("role") == "user":
                prompts[ours["turn"]] = _user_prompt(cell, ours)
            elif ours["turn"] not in turns:  # a copied cell is the same turn
                turn = _turn(cell, ours, prompts)
                turns[turn.id] = turn
        except _DAMAGE as error:
            raise ValueError(
                f"{path.name}: cell {number} has a damaged jupyter_responses record "
                f"({_describe(error)}), so the conversation cannot be imported."
            ) from None
    if not turns:
        raise ValueError(f"{path.name} holds no jupyter_responses turns: {_ONLY_OURS}.")
    chain = list(turns.values())
    for parent, turn in zip([None, *list(turns)[:-1]], chain, strict=True):
        turn.parent = parent
    conversation = Conversation(
        name=str(meta.get("name") or DEFAULT_THREAD),
        title=str(meta.get("title") or ""),
        system=meta.get("system"),
        turns=turns,
        head=chain[-1].id,
        created=meta.get("created", chain[0].started),
        server_state=bool(meta.get("server_state", False)),
    )
    if meta.get("conversation"):
        conversation.id = str(meta["conversation"])
    return conversation


def _turn(cell: Any, ours: dict[str, Any], prompts: dict[str, str]) -> Turn:
    """The turn a code cell, or a transcript's answer cell, holds."""
    if cell.get("cell_type") == "code":
        magic, _, prompt = cell.get("source", "").partition("\n")
        outputs = [o for o in cell.get("outputs", []) if o.get("output_type") == "display_data"]
        images = [image for o in outputs if (image := _image(o.get("data") or {}))]
    else:
        magic, prompt, outputs = "", prompts.get(ours["turn"], ""), []
        attached = (cell.get("attachments") or {}).values()
        images = [image for bundle in attached if (image := _image(bundle))]
    record = ours.get("record")
    if isinstance(record, dict):
        return turn_from_dict({**record, "prompt": prompt, "images": images})
    return _legacy_turn(ours, prompt, images, magic, outputs)


#: How ``render.live.image_bundle`` writes an image of a type outputs cannot carry.
_IMG = re.compile(r'<img src="data:(image/[\w.+-]+);base64,([A-Za-z0-9+/=]+)"')


def _image(bundle: dict[str, Any]) -> str | None:
    """The image a display bundle (or a cell attachment) holds, as ``Turn.images``
    keeps it; ``None`` when it holds none."""
    for mime in OUTPUT_IMAGE_TYPES:
        if isinstance(bundle.get(mime), str):
            return image_record(bundle[mime], mime)
    if isinstance(bundle.get("text/plain"), str) and bundle["text/plain"].startswith("[image"):
        found = _IMG.match(str(bundle.get("text/html", "")))
        if found:
            return image_record(found[2], found[1])
    return None


def _legacy_turn(
    ours: dict[str, Any], prompt: str, images: list[str], magic: str, outputs: list[Any]
) -> Turn:
    """A turn from a notebook exported before records: the summary keys, and the
    answer from the plain text shown (less its status and footer lines). Tool calls,
    reasoning and timing were not saved; a note says so. ``stored`` stays False so
    the history is resent rather than chained to a response that may be gone."""
    shown = outputs[0].get("data", {}).get("text/plain", "") if outputs else ""
    lines = shown.splitlines()
    while lines and (lines[-1].startswith("-- ") or lines[-1] in STATUS_LINES.values()):
        lines.pop()
    text = "\n".join(lines)
    turn = Turn(
        api=str(ours.get("api") or DEFAULT_API),
        model=str(ours.get("model") or "unknown"),
        prompt=prompt,
        id=ours["turn"],
        status=_status(ours.get("status")),
        response_id=ours.get("response_id"),
        usage=Usage(**(ours.get("usage") or {})),
        text=text,
        output=[{"type": "message", "text": text}] if text else [],
        images=images,
        magic=magic if magic.startswith("%%") else "",
        notes=["Imported from an older export: tool calls, reasoning and timing are not known."],
    )
    turn.finished = turn.started
    return turn


def _status(value: Any) -> TurnStatus:
    """A status read from a file: one we know, else completed (the turn was exported)."""
    return value if value in get_args(TurnStatus) else "completed"  # type: ignore[no-any-return]


def _user_prompt(cell: Any, ours: dict[str, Any]) -> str:
    """A transcript's prompt: exactly, from the metadata; failing that, the cell's
    Markdown undone (the inverse of ``export.quote_prompt``)."""
    if isinstance(ours.get("prompt"), str):
        return str(ours["prompt"])
    body = cell.get("source", "").removeprefix("**You**").strip("\n")
    fenced = re.fullmatch(r"(`{3,})\n(.*)\n\1", body, re.DOTALL)
    if fenced:
        return fenced[2]
    lines = [line[2:] if line.startswith("> ") else line.lstrip(">") for line in body.splitlines()]
    return "\n".join(_ESCAPE.sub(lambda m: m[1] or "", line) for line in lines)


def _describe(error: Exception) -> str:
    """The error as part of one sentence: a missing key named, on one line."""
    if isinstance(error, KeyError):
        return f"the field {error.args[0]!r} is missing"
    return " ".join(str(error).split()) or type(error).__name__
