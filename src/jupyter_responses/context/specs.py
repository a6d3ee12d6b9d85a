"""``--context SPEC``: what each form means, checked before anything runs."""

from __future__ import annotations

import keyword
from collections.abc import Sequence
from dataclasses import dataclass

from ..errors import OptionsError

FORMS = (
    "cells (the code cells run so far, as many as the budget allows), "
    "cells:N (the last N of them), vars (a table of your variables), "
    "error (the last exception and the cell that raised it), "
    "fix or fix:N (what fixing the last failed cell, or cell N, needs: it, its traceback "
    "and the cells it depends on), "
    "or the name of a variable, such as df or model.coef_ "
    "(var:NAME for a variable called cells, vars or error)"
)


@dataclass(frozen=True)
class CellsSpec:
    last: int | None = None  # None: all that fit the budget


@dataclass(frozen=True)
class VarsSpec:
    pass


@dataclass(frozen=True)
class ErrorSpec:
    pass


@dataclass(frozen=True)
class FixSpec:
    count: int | None = None  # None: the last cell that raised


@dataclass(frozen=True)
class NameSpec:
    path: str  # "df", or dotted: "model.coef_"


Spec = CellsSpec | VarsSpec | ErrorSpec | FixSpec | NameSpec


def parse_specs(specs: Sequence[str]) -> list[Spec]:
    """Each ``--context`` value (one may list several, comma-separated) as a ``Spec``,
    in the order given, without repeats; ``cells`` and ``cells:N`` together mean the
    widest of them. Raises ``OptionsError`` on the first one that means nothing."""
    parsed: list[Spec] = []
    for given in specs:
        for text in given.split(","):
            spec = _parse_one(text.strip(), given)
            if isinstance(spec, CellsSpec):
                earlier = next((i for i, s in enumerate(parsed) if isinstance(s, CellsSpec)), None)
                if earlier is not None:
                    parsed[earlier] = _wider(parsed[earlier], spec)  # type: ignore[arg-type]
                    continue
            if spec not in parsed:
                parsed.append(spec)
    return parsed


def _wider(a: CellsSpec, b: CellsSpec) -> CellsSpec:
    if a.last is None or b.last is None:
        return CellsSpec()
    return CellsSpec(max(a.last, b.last))


def _parse_one(text: str, given: str) -> Spec:
    if text == "cells":
        return CellsSpec()
    if text.startswith("cells:"):
        number = text.removeprefix("cells:").strip()
        if not number.isdigit() or int(number) < 1:
            raise OptionsError(
                f"--context {text!r}: cells:N takes a whole number of cells, 1 or more "
                f"(cells:5 for the last five code cells), not {number!r}."
            )
        return CellsSpec(int(number))
    if text == "vars":
        return VarsSpec()
    if text == "error":
        return ErrorSpec()
    if text == "fix":
        return FixSpec()
    if text.startswith("fix:"):
        number = text.removeprefix("fix:").strip()
        if not number.isdigit():
            raise OptionsError(
                f"--context {text!r}: fix:N takes the number of the cell that failed "
                f"(fix:12 for cell [12]), not {number!r}."
            )
        return FixSpec(int(number))
    path = text.removeprefix("var:").strip()
    if is_name_path(path):
        return NameSpec(path)
    what = f"{text!r} (in {given!r})" if text != given.strip() else repr(text)
    raise OptionsError(f"--context {what} is not something to gather. Use {FORMS}.")


def is_name_path(path: str) -> bool:
    """``df`` or ``model.coef_``: identifiers joined by dots, none a Python keyword."""
    parts = path.split(".")
    return all(part.isidentifier() and not keyword.iskeyword(part) for part in parts)
