"""``--context SPEC...``: which section builder each SPEC uses, and the whole made to
fit the budget. Apart from ``gather.py`` (the builders), so that ``fix.py``, which
builds on them, is one of the builders without an import cycle."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from .fix import fix_sections
from .gather import (
    Gathered,
    Redactor,
    cell_sections,
    finish,
    last_error_section,
    named_section,
    variables_section,
)
from .sections import Section
from .specs import CellsSpec, ErrorSpec, FixSpec, Spec, VarsSpec, parse_specs


def gather(specs: Sequence[str], shell: Any, budget_tokens: int = 8000) -> Gathered:
    """What ``--context SPEC...`` puts before the prompt. Raises ``OptionsError`` for a
    spec that means nothing, an unknown variable, or ``error`` with no error yet."""
    parsed = parse_specs(specs)
    if not parsed:
        return Gathered("", [], [], [])
    redactor = Redactor(shell)
    notes: list[str] = []
    sections: list[Section] = []
    for spec in parsed:
        sections.extend(_sections_for(spec, shell, redactor, notes))
    return finish(sections, budget_tokens, notes, redactor)


def _sections_for(spec: Spec, shell: Any, redactor: Redactor, notes: list[str]) -> list[Section]:
    if isinstance(spec, CellsSpec):
        return cell_sections(shell, spec.last, redactor, notes)
    if isinstance(spec, VarsSpec):
        return [variables_section(shell, redactor)]
    if isinstance(spec, ErrorSpec):
        return [last_error_section(shell, redactor)]
    if isinstance(spec, FixSpec):
        return fix_sections(shell, spec.count, redactor)
    return [named_section(shell, spec.path, redactor)]
