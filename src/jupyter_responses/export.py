"""A conversation as a file: a notebook that reads like the session and runs again,
a notebook transcript, Markdown, or a lossless JSON dump of the whole tree.

The notebook has one ``%%respond``/``%%chat`` cell per turn, its source the magic line
and the prompt as sent, its outputs the turn's static HTML/plain bundle (and images),
so it renders anywhere without a kernel and re-running it asks the same questions.
A transcript has, per turn, a Markdown cell with the prompt and one with the answer
(images as cell attachments): a document to read and share, not to re-run.

Each turn's cell metadata (``jupyter_responses``) has readable summary keys (turn,
status, api, model, response_id, usage) and ``record``: the turn as
``serialize.turn_to_dict`` writes it, minus the prompt and images, which the cells
already hold. That is what ``importing.read_conversation`` reads the branch back from.
Nothing secret is in a turn, so nothing secret is written.
"""

from __future__ import annotations

import re
import shlex
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

from . import __version__, builtin_tools, pricing
from . import events as ev
from .backends import BACKENDS
from .render.live import final_bundle, image_bundle, screen_bundle
from .render.markup import escape_markdown
from .render.static import html, markdown
from .transcript import image_parts, screen_caption, screen_images

if TYPE_CHECKING:
    from .conversation import Conversation, Turn
    from .transcript import CallRecord

FORMATS = (".ipynb", ".md", ".json")
#: The kernel an exported notebook asks for.
KERNELSPEC = {"name": "python3", "display_name": "Python 3 (ipykernel)", "language": "python"}


def language_info() -> dict[str, Any]:
    """The ``language_info`` the notebook's kernel will report, for its metadata.

    JupyterLab and Notebook 7 copy the kernel's ``language_info`` into the notebook's
    metadata as soon as the kernel connects; a notebook without it (or with a different
    one) is therefore modified the moment it is opened. Written here as the kernel reports
    it, that copy changes nothing and the notebook opens clean. The running kernel's own
    value is used when there is one (``%responses export`` runs in it); otherwise the
    value ipykernel reports for this Python.
    """
    import copy
    import sys

    shell = sys.modules["IPython"].get_ipython() if "IPython" in sys.modules else None
    reported = getattr(getattr(shell, "kernel", None), "language_info", None)
    if isinstance(reported, dict) and reported.get("name") == KERNELSPEC["language"]:
        return copy.deepcopy(reported)
    return {
        "name": "python",
        "version": sys.version.split()[0],
        "mimetype": "text/x-python",
        "codemirror_mode": {"name": "ipython", "version": sys.version_info[0]},
        "pygments_lexer": "ipython3",
        "nbconvert_exporter": "python",
        "file_extension": ".py",
    }


def export(conversation: Conversation, path: Path, transcript: bool = False) -> Path:
    """Write ``conversation`` to ``path``: its current branch as ``.ipynb`` or ``.md``,
    or the whole tree, losslessly, as ``.json``. ``transcript`` writes the notebook as
    Markdown cells (prompt, answer) instead of re-runnable code cells."""
    if path.suffix not in FORMATS:
        raise ValueError(f"export writes {' or '.join(FORMATS)} files, not {path.name!r}")
    if transcript and path.suffix != ".ipynb":
        raise ValueError(
            f"a transcript is a notebook of Markdown cells, so it is written as .ipynb, "
            f"not {path.name!r}"
        )
    path.parent.mkdir(parents=True, exist_ok=True)
    if path.suffix == ".md":
        path.write_text(to_markdown(conversation), encoding="utf-8")
    elif path.suffix == ".json":
        import json

        from .serialize import conversation_to_dict

        path.write_text(json.dumps(conversation_to_dict(conversation), indent=1), "utf-8")
    else:
        import nbformat

        nbformat.write(to_notebook(conversation, transcript=transcript), path)
    return path


def default_name(conversation: Conversation) -> str:
    """``<title-slug>-<date>-<time>.ipynb``: sortable, and never overwrites."""
    slug = re.sub(r"[^a-z0-9]+", "-", conversation.title.lower()).strip("-")[:40]
    return f"{slug or 'conversation'}-{time.strftime('%Y%m%d-%H%M%S')}.ipynb"


def to_notebook(conversation: Conversation, transcript: bool = False) -> Any:
    """The current branch as an nbformat v4 notebook: re-runnable code cells, or with
    ``transcript`` alternating user/assistant Markdown cells."""
    import nbformat.v4 as v4

    from .serialize import FORMAT

    notebook = v4.new_notebook()
    notebook.metadata.update(
        kernelspec=dict(KERNELSPEC),
        language_info=language_info(),
        jupyter_responses={
            "version": __version__,
            "format": FORMAT,
            "conversation": conversation.id,
            "name": conversation.name,
            "title": conversation.title,
            "system": conversation.system,
            "server_state": conversation.server_state,
            "created": conversation.created,
            "exported": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        },
    )
    notebook.cells = [v4.new_markdown_cell(_heading(conversation))]
    if transcript:
        for turn in conversation.branch():
            notebook.cells += _transcript_cells(turn)
        return notebook
    notebook.cells.append(v4.new_code_cell("%load_ext jupyter_responses"))
    for count, turn in enumerate(conversation.branch(), start=1):
        notebook.cells.append(_turn_cell(turn, count, conversation.system))
    return notebook


def _heading(conversation: Conversation) -> str:
    """Title, then models, date and token totals of the exported branch."""
    branch = conversation.branch()
    models = ", ".join(dict.fromkeys(turn.model for turn in branch)) or "none"
    started = time.strftime("%Y-%m-%d %H:%M", time.localtime(conversation.created))
    return (
        f"# {conversation.title or 'Conversation'}\n\n"
        f"{len(branch)} turns · models: {models} · started {started} · "
        f"tokens: {pricing.totals(branch)}"
    )


def _cell(cell_type: str, source: str, **fields: Any) -> Any:
    """A cell as ``nbformat.v4.new_code_cell``/``new_markdown_cell`` makes it, but not
    validated one by one: ``nbformat.write`` validates the whole notebook anyway, and
    per-cell validation was two thirds of the time to export 1,000 turns."""
    from nbformat import NotebookNode
    from nbformat.v4.nbbase import random_cell_id

    cell = NotebookNode(
        id=random_cell_id(), cell_type=cell_type, source=source, metadata=NotebookNode()
    )
    if cell_type == "code":
        cell.update(execution_count=None, outputs=[])
    cell.update(fields)
    return cell


def _output(output_type: str, **fields: Any) -> Any:
    """An output as ``nbformat.v4.new_output`` makes it, without validating it (see
    ``_cell``)."""
    from nbformat import NotebookNode

    output = NotebookNode(output_type=output_type)
    if output_type == "display_data":
        output.metadata = NotebookNode()
    output.update(fields)
    return output


def _turn_cell(turn: Turn, count: int, system: str | None) -> Any:
    outputs = [_output("display_data", data=final_bundle(turn, in_cell=False))]
    screens = screen_images(turn.output)
    for index, (mime, data) in enumerate(map(image_parts, turn.images)):
        if index in screens:  # as the cell showed it: earlier screens are thumbnails
            shot = ev.Image(data, screen_caption(turn.output, index), mime, screen=True)
            bundle = screen_bundle(shot, thumbnail=index != screens[-1])
        else:
            bundle = image_bundle(data, mime)
        outputs.append(_output("display_data", data=bundle))
    if turn.error:
        outputs.append(_output("stream", name="stderr", text=turn.error + "\n"))
    cell = _cell(
        "code",
        magic_line(turn, system if count == 1 else None) + "\n" + turn.prompt,
        execution_count=count,
        outputs=outputs,
    )
    cell.metadata["jupyter_responses"] = turn_metadata(turn)
    return cell


def turn_metadata(turn: Turn) -> dict[str, Any]:
    """A turn's cell metadata: summary keys a reader can scan, and ``record``, the
    rest of the turn, so the notebook can be imported back. The prompt and images are
    left out of the record because the cells hold them already."""
    from .serialize import turn_to_dict

    record = turn_to_dict(turn)
    del record["prompt"], record["images"]
    return {
        "turn": turn.id,
        "status": turn.status,
        "api": turn.api,
        "model": turn.model,
        "response_id": turn.response_id,
        "usage": dict(record["usage"]),
        "cost": turn.cost,
        "record": record,
    }


def _transcript_cells(turn: Turn) -> list[Any]:
    """The user's prompt, shown exactly as written, then the answer (sanitized HTML,
    which Markdown cells render) with the turn's images attached to the cell (a
    Markdown cell has no outputs)."""
    user = _cell("markdown", f"**You**\n\n{quote_prompt(turn.prompt)}".rstrip())
    user.metadata["jupyter_responses"] = {"role": "user", "turn": turn.id, "prompt": turn.prompt}
    images = [image_parts(image) for image in turn.images]
    names = [
        f"image-{n}.{mime.split('/')[-1].split('+')[0]}" for n, (mime, _) in enumerate(images, 1)
    ]
    # The answer as the cell output shows it: sanitized HTML, not the model's Markdown,
    # which nbconvert's default HTML export would pass through with any script in it.
    blocks = [f"**{escape_markdown(turn.model)}**", html(turn)]
    blocks += [f"![image](attachment:{name})" for name in names]
    if turn.error:
        blocks.append(f"> **Error:** {escape_markdown(turn.error)}")
    answer = _cell("markdown", "\n\n".join(blocks))
    if names:
        answer.attachments = {
            name: {mime: data} for name, (mime, data) in zip(names, images, strict=True)
        }
    answer.metadata["jupyter_responses"] = {"role": "assistant", **turn_metadata(turn)}
    return [user, answer]


def _extension(mime: str) -> str:
    """``image/svg+xml`` -> ``svg``."""
    return mime.rpartition("/")[2].partition("+")[0]


def quote_prompt(prompt: str) -> str:
    """The prompt as Markdown that displays as it was typed: indented text (code,
    usually) in a fence longer than any backtick run in it; prose as a blockquote with
    markup escaped and each line break kept."""
    lines = prompt.splitlines()
    if any(line[:1] in (" ", "\t") for line in lines):
        longest = max((len(run) for run in re.findall(r"`+", prompt)), default=0)
        fence = "`" * max(3, longest + 1)
        return f"{fence}\n{prompt}\n{fence}"
    quoted = []
    for index, line in enumerate(lines):
        if not line:
            quoted.append(">")
            continue
        # a backslash before the newline is a hard break, except before a blank line
        following = lines[index + 1] if index + 1 < len(lines) else ""
        quoted.append(f"> {escape_markdown(line)}" + ("\\" if following else ""))
    return "\n".join(quoted)


def magic_line(turn: Turn, system: str | None = None) -> str:
    """The line that asks this turn's question again: the cell's own line, or for a
    panel turn the equivalent one. The prompt was already interpolated, so braces in
    it are kept literal."""
    if turn.magic.startswith("%%"):
        line = turn.magic
    else:
        line = f"%%{BACKENDS[turn.api].magic} -m {shlex.quote(turn.model)}"
        tools = [name for name in dict.fromkeys(map(_tool_option, turn.calls)) if name]
        if tools:
            line += " --tools " + " ".join(map(shlex.quote, tools))
        if system:
            # a cell magic has one line: a multi-line system prompt is joined into it
            # (the notebook's metadata keeps it exactly)
            line += f" -s {shlex.quote(' '.join(system.splitlines()))}"
    if ("{" in turn.prompt or "}" in turn.prompt) and "--no-interpolate" not in line:
        line += " --no-interpolate"
    return line


def _tool_option(call: CallRecord) -> str | None:
    """The ``--tools`` name that asks for ``call``'s tool again, if there is one."""
    if call["kind"] == "function":
        return call["name"]
    spec = builtin_tools.spec_of_item(call["kind"])
    return spec.name if spec is not None and spec.selectable else None


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
