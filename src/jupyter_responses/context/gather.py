"""``--context``: turn the specs into the labelled block that goes before the prompt,
the list the cell shows of what it holds, the images sent with it, and what had to
be trimmed or redacted."""

from __future__ import annotations

import difflib
from dataclasses import dataclass
from typing import Any

from ..errors import OptionsError
from ..transcript import ContextItemRecord
from .budget import cut_to, fit
from .capture import log_for
from .records import CellRecord, ImageRef, resolve_carriage_returns, strip_ansi
from .redact import REDACTED, environment_secrets, is_secret_name, redact_counting, secret_values
from .sections import ContextImage, Piece, Section, count_range, render
from .summaries import describe, is_user_value, markdown_table, one_line, shape_of

#: Images sent with one turn at most: explicitly named values first, then the newest cells.
MAX_IMAGES = 8
MAX_VARIABLES = 100
#: What IPython puts in the namespace for itself.
IPYTHON_NAMES = frozenset({"In", "Out", "exit", "quit", "get_ipython"})


#: One line of the collapsed "Context" list the cell shows (as the turn records it).
ContextItem = ContextItemRecord


@dataclass(frozen=True)
class Gathered:
    text: str  # the labelled block that goes before the prompt ("" when nothing)
    items: list[ContextItem]
    images: list[ContextImage]
    notes: list[str]  # what was trimmed or redacted, for the cell to say


class Redactor:
    """Redacts text with one shell's secrets, counting the replacements."""

    def __init__(self, shell: Any) -> None:
        namespace = getattr(shell, "user_ns", {}) or {}
        self.values = [*secret_values(namespace), *environment_secrets()]
        self.count = 0

    def __call__(self, text: str) -> str:
        text, found = redact_counting(text, self.values, environment=False)
        self.count += found
        return text


def finish(
    sections: list[Section], budget_tokens: int, notes: list[str], redactor: Redactor
) -> Gathered:
    _limit_images(sections, notes)
    kept, trimmed = fit(sections, budget_tokens)
    text, cut = cut_to(render(kept), budget_tokens)
    notes = [*notes, *trimmed, *([cut] if cut else [])]
    if redactor.count:
        plural = "s" if redactor.count > 1 else ""
        notes.append(f"redacted {redactor.count} secret-looking value{plural}")
    items: list[ContextItem] = []
    for section in kept:
        item = ContextItem(label=section.label, chars=len(section.render()))
        if section.notes:
            item["note"] = ", ".join(section.notes)
        items.append(item)
    images = [image for section in kept for image in section.images]
    return Gathered(text, items, images, notes)


# -- cells ------------------------------------------------------------------------------------
def cell_sections(
    shell: Any, last: int | None, redactor: Redactor, notes: list[str]
) -> list[Section]:
    cells = log_for(shell).cells()
    if last is not None:
        cells = cells[-last:]
    if not cells:
        notes.append("no code cells have run before this one")
        return []
    early = [c.count for c in cells if not c.recorded]
    if early:
        its = "its" if len(early) == 1 else "their"
        notes.append(
            f"{count_range(early)} ran before jupyter_responses was loaded: "
            f"only {its} source and result are known"
        )
    return [cell_section(cell, redactor, droppable=True) for cell in cells]


def cell_section(
    cell: CellRecord, redactor: Redactor, *, droppable: bool, note: str = ""
) -> Section:
    """A cell as the model reads it: its source, each output, its error."""
    before = redactor.count
    count = cell.count
    section = Section(f"### Cell [{count}]", f"cell [{count}]")
    if droppable:
        section.droppable_cell = count
    if note:
        section.notes.append(note)
    section.pieces.append(Piece(redactor(cell.source), fence="python"))
    if not cell.recorded:
        section.pieces.append(Piece("(Ran before jupyter_responses was loaded: output unknown.)"))
        section.notes.append("output not recorded")
    for output in cell.outputs:
        title = {"stdout": "stdout:", "stderr": "stderr:", "display": "Displayed:"}.get(
            output.kind, f"Out[{count}]:"
        )
        text = output.text.text()
        if output.kind in ("stdout", "stderr"):
            text = resolve_carriage_returns(strip_ansi(text))
        if output.image is not None:
            placeholder = _attach(section, f"cell [{count}] image", output.image)
            text = f"{text}\n{placeholder}" if text.strip() else placeholder
        section.pieces.append(
            Piece(redactor(text), title=title, fence="text", what=f"the output of [{count}]")
        )
    if cell.outputs_left_out:
        section.pieces.append(Piece(f"({cell.outputs_left_out} more outputs not recorded.)"))
    if cell.error is not None:
        section.pieces.append(
            Piece(
                redactor(cell.error.traceback),
                title=f"Error ({cell.error.name}):",
                fence="text",
                what=f"the traceback of [{count}]",
            )
        )
    _note_extras(section, redactor.count - before)
    return section


def _attach(section: Section, prefix: str, image: ImageRef) -> str:
    if image.data is None:
        return f"[image: {image.mime}, not attached]"
    label = f"{prefix} {len(section.images) + 1}"
    section.images.append(ContextImage(label, image.mime, image.data))
    return f'[image: {image.mime}, attached as "{label}"]'


def _note_extras(section: Section, count: int) -> None:
    if count:
        section.notes.append(f"redacted {count} value{'s' if count > 1 else ''}")
    if section.images:
        section.notes.append("image attached" if len(section.images) == 1 else "images attached")


def _limit_images(sections: list[Section], notes: list[str]) -> None:
    """Keep ``MAX_IMAGES``: named values' first, then the newest cells'. A cell whose
    image is left out says so in place of "attached"."""
    named = [s for s in sections if s.droppable_cell is None]
    cells = [s for s in reversed(sections) if s.droppable_cell is not None]
    room = MAX_IMAGES
    left_out = 0
    for section in named + cells:
        kept = section.images[:room]
        for image in section.images[room:]:
            left_out += 1
            for piece in section.pieces:
                piece.content = piece.content.replace(
                    f'attached as "{image.label}"', "not attached (too many images)"
                )
        room -= len(kept)
        if len(kept) < len(section.images):
            section.images = kept
            section.notes = [n for n in section.notes if not n.startswith("image")]
            if kept:
                section.notes.append("image attached")
    if left_out:
        notes.append(
            f"left out {left_out} older image{'s' if left_out > 1 else ''} "
            f"(at most {MAX_IMAGES} are sent)"
        )


# -- variables ---------------------------------------------------------------------------------
def user_variables(shell: Any) -> dict[str, object]:
    """The user's own variables, by name: no modules, functions, classes, ``_`` names,
    nor what IPython put there (unless the user has reassigned it)."""
    namespace = getattr(shell, "user_ns", {}) or {}
    hidden = getattr(shell, "user_ns_hidden", {}) or {}
    missing = object()
    return {
        name: value
        for name, value in list(namespace.items())
        if not name.startswith("_")
        and name not in IPYTHON_NAMES
        and hidden.get(name, missing) is not value
        and is_user_value(value)
    }


def variables_section(shell: Any, redactor: Redactor) -> Section:
    variables = user_variables(shell)
    names = sorted(variables, key=lambda n: (n.lower(), n))
    rows = []
    secret = 0
    for name in names[:MAX_VARIABLES]:
        value = variables[name]
        if is_secret_name(name):
            shown, secret = REDACTED, secret + 1
        else:
            shown = redactor(one_line(value))
        rows.append((name, type(value).__name__, shape_of(value), shown))
    section = Section(
        "### Variables", f"vars ({len(names)} variable{'s' if len(names) != 1 else ''})"
    )
    if rows:
        text = markdown_table(("name", "type", "shape/len", "value"), rows)
        if len(names) > MAX_VARIABLES:
            text += f"\n(and {len(names) - MAX_VARIABLES} more variables)"
    else:
        text = "(no variables defined)"
    section.pieces.append(Piece(text, what="the variables table"))
    if secret:
        section.notes.append(f"redacted {secret} value{'s' if secret > 1 else ''}")
        redactor.count += secret
    return section


# -- one value ---------------------------------------------------------------------------------
def named_section(shell: Any, path: str, redactor: Redactor) -> Section:
    value = resolve(shell, path)
    parts = path.split(".")
    if any(is_secret_name(part) for part in parts):
        section = Section(f"### {path}", f"{path} ({type(value).__name__})")
        section.pieces.append(Piece(REDACTED))
        section.notes.append("redacted")
        redactor.count += 1
        return section
    summary = describe(path, value)
    section = Section(f"### {path}", f"{path} ({summary.kind})")
    before = redactor.count
    for piece in summary.pieces:
        piece.content = redactor(piece.content)
        section.pieces.append(piece)
    for number, (mime, data) in enumerate(summary.images, 1):
        label = path if len(summary.images) == 1 else f"{path} image {number}"
        section.images.append(ContextImage(label, mime, data))
    _note_extras(section, redactor.count - before)
    return section


def resolve(shell: Any, path: str) -> object:
    """The value ``path`` names in the user namespace; ``OptionsError`` if none."""
    namespace = getattr(shell, "user_ns", {}) or {}
    first, *attributes = path.split(".")
    if first not in namespace:
        known = [n for n in namespace if not n.startswith("_")]
        close = difflib.get_close_matches(first, known, n=3, cutoff=0.6)
        hint = f" Did you mean {', '.join(close)}?" if close else ""
        raise OptionsError(
            f"--context {path}: there is no variable named {first!r} in this notebook.{hint}"
        )
    value = namespace[first]
    reached = first
    for attribute in attributes:
        try:
            value = getattr(value, attribute)
        except AttributeError:
            raise OptionsError(
                f"--context {path}: {reached} (a {type(value).__name__}) has no "
                f"attribute {attribute!r}."
            ) from None
        except Exception as error:
            raise OptionsError(
                f"--context {path}: reading {reached}.{attribute} raised "
                f"{type(error).__name__}: {error}"
            ) from None
        reached = f"{reached}.{attribute}"
    return value


# -- the last error ----------------------------------------------------------------------------
def last_failed(shell: Any) -> CellRecord | None:
    return next((c for c in reversed(log_for(shell).cells()) if c.error is not None), None)


def last_error_section(shell: Any, redactor: Redactor) -> Section:
    cell = last_failed(shell)
    if cell is None or cell.error is None:
        raise OptionsError(
            "--context error: there is no error to show: no code cell has raised an "
            "exception since jupyter_responses was loaded."
        )
    error = cell.error
    before = redactor.count
    section = Section(
        f"### Last error: {error.name} in cell [{cell.count}]", f"error ({error.name})"
    )
    section.pieces.append(Piece(redactor(cell.source), fence="python"))
    section.pieces.append(
        Piece(
            redactor(error.traceback),
            title="Traceback:",
            fence="text",
            what=f"the traceback of [{cell.count}]",
        )
    )
    _note_extras(section, redactor.count - before)
    return section
