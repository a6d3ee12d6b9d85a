"""A conversation as a file: a notebook that reads like the session and runs again,
Markdown, or a lossless JSON dump of the whole tree.

The notebook has one ``%%respond``/``%%chat`` cell per turn, its source the magic line
and the prompt as sent, its outputs the turn's static HTML/plain bundle (and images),
so it renders anywhere without a kernel and re-running it asks the same questions.
Each cell's metadata names its turn (id, status, model, API, response id). Nothing
secret is in a turn, so nothing secret is written.
"""

from __future__ import annotations

import re
import shlex
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

from . import __version__
from .render.live import final_bundle
from .render.static import markdown

if TYPE_CHECKING:
    from .conversation import Conversation, Turn

FORMATS = (".ipynb", ".md", ".json")
#: The kernel an exported notebook asks for.
KERNELSPEC = {"name": "python3", "display_name": "Python 3 (ipykernel)", "language": "python"}
_BUILTIN_OPTIONS = {
    "web_search_call": "web_search",
    "file_search_call": "file_search",
    "code_interpreter_call": "code_interpreter",
    "image_generation_call": "image_generation",
}


def export(conversation: Conversation, path: Path) -> Path:
    """Write ``conversation`` to ``path``: its current branch as ``.ipynb`` or ``.md``,
    or the whole tree, losslessly, as ``.json``."""
    if path.suffix not in FORMATS:
        raise ValueError(f"export writes {' or '.join(FORMATS)} files, not {path.name!r}")
    path.parent.mkdir(parents=True, exist_ok=True)
    if path.suffix == ".md":
        path.write_text(to_markdown(conversation), encoding="utf-8")
    elif path.suffix == ".json":
        import json

        from .serialize import conversation_to_dict

        path.write_text(json.dumps(conversation_to_dict(conversation), indent=1), "utf-8")
    else:
        import nbformat

        nbformat.write(to_notebook(conversation), path)
    return path


def default_name(conversation: Conversation) -> str:
    """``<title-slug>-<date>-<time>.ipynb``: sortable, and never overwrites."""
    slug = re.sub(r"[^a-z0-9]+", "-", conversation.title.lower()).strip("-")[:40]
    return f"{slug or 'conversation'}-{time.strftime('%Y%m%d-%H%M%S')}.ipynb"


def to_notebook(conversation: Conversation) -> Any:
    import nbformat.v4 as v4

    notebook = v4.new_notebook()
    notebook.metadata.update(
        kernelspec=dict(KERNELSPEC),
        jupyter_responses={
            "version": __version__,
            "conversation": conversation.id,
            "title": conversation.title,
            "system": conversation.system,
            "exported": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        },
    )
    notebook.cells = [
        v4.new_markdown_cell(_heading(conversation)),
        v4.new_code_cell("%load_ext jupyter_responses"),
    ]
    for count, turn in enumerate(conversation.branch(), start=1):
        notebook.cells.append(_turn_cell(turn, count, conversation.system))
    return notebook


def _heading(conversation: Conversation) -> str:
    """Title, then models, date and token totals of the exported branch."""
    branch = conversation.branch()
    models = ", ".join(dict.fromkeys(turn.model for turn in branch)) or "none"
    tokens_in = sum(turn.usage.input_tokens for turn in branch)
    tokens_out = sum(turn.usage.output_tokens for turn in branch)
    started = time.strftime("%Y-%m-%d %H:%M", time.localtime(conversation.created))
    return (
        f"# {conversation.title or 'Conversation'}\n\n"
        f"{len(branch)} turns · models: {models} · started {started} · "
        f"{tokens_in} tokens in / {tokens_out} out"
    )


def _turn_cell(turn: Turn, count: int, system: str | None) -> Any:
    import nbformat.v4 as v4

    outputs = [v4.new_output("display_data", data=final_bundle(turn))]
    outputs += [
        v4.new_output("display_data", data={"image/png": png, "text/plain": "[image]"})
        for png in turn.images
    ]
    if turn.error:
        outputs.append(v4.new_output("stream", name="stderr", text=turn.error + "\n"))
    cell = v4.new_code_cell(
        magic_line(turn, system if count == 1 else None) + "\n" + turn.prompt,
        execution_count=count,
        outputs=outputs,
    )
    cell.metadata["jupyter_responses"] = {
        "turn": turn.id,
        "status": turn.status,
        "api": turn.api,
        "model": turn.model,
        "response_id": turn.response_id,
        "usage": {
            "input_tokens": turn.usage.input_tokens,
            "output_tokens": turn.usage.output_tokens,
            "reasoning_tokens": turn.usage.reasoning_tokens,
        },
    }
    return cell


def magic_line(turn: Turn, system: str | None = None) -> str:
    """The line that asks this turn's question again: the cell's own line, or for a
    panel turn the equivalent one. The prompt was already interpolated, so braces in
    it are kept literal."""
    if turn.magic.startswith("%%"):
        line = turn.magic
    else:
        line = f"%%{'respond' if turn.api == 'responses' else 'chat'} -m {shlex.quote(turn.model)}"
        functions = dict.fromkeys(c["name"] for c in turn.calls if c.get("kind") == "function")
        builtins = dict.fromkeys(
            _BUILTIN_OPTIONS[c["kind"]] for c in turn.calls if c.get("kind") in _BUILTIN_OPTIONS
        )
        if functions or builtins:
            line += " --tools " + " ".join(map(shlex.quote, [*functions, *builtins]))
        if system:
            line += f" -s {shlex.quote(system)}"
    if ("{" in turn.prompt or "}" in turn.prompt) and "--no-interpolate" not in line:
        line += " --no-interpolate"
    return line


def to_markdown(conversation: Conversation) -> str:
    """The branch as a Markdown document: each prompt, then the answer as shown. This
    is the user's own file, so the model's Markdown is kept as it is."""
    blocks = [f"# {conversation.title or 'Conversation'}"]
    if conversation.system:
        blocks.append(f"*System:* {conversation.system}")
    for turn in conversation.branch():
        quoted = "\n".join(f"> {line}" if line else ">" for line in turn.prompt.splitlines())
        blocks += ["## You", quoted, f"## {turn.model}", markdown(turn)]
    return "\n\n".join(blocks) + "\n"
