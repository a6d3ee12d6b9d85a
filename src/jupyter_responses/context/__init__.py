"""The notebook as context: ``--context SPEC`` on ``%%respond``/``%%chat`` puts the
user's work (cells run, variables, a value, the last error) before the prompt, as one
labelled block, with its images; ``%responses fix`` sends a failing cell with what it
depends on.

    capture.py    records each code cell's outputs as it runs (IPython events, wrapped
                  stream writes and display hooks); install / uninstall
    patches.py    a method wrapped on one object, and put back
    records.py    what is kept of a cell, bounded as it is recorded
    tracebacks.py an exception as short plain text
    summaries.py  one value described: DataFrame, array, figure, image, repr
    specs.py      the SPEC forms, checked before anything runs
    sections.py   the text's blocks and their Markdown
    budget.py     fitting a token budget: oldest cells dropped, longest pieces shortened
    redact.py     secrets out of everything sent
    gather.py     the sections of cells, variables, a value, the last error -> Gathered
    fix.py        the failing cell and the cells it depends on
    entry.py      gather(): each SPEC to its sections, fitted to the budget

Importing this package imports no heavy library and nothing of IPython's.
"""

from __future__ import annotations

from .capture import CellLog, install, uninstall
from .entry import gather
from .fix import fix_context
from .gather import ContextItem, Gathered
from .redact import redact
from .sections import ContextImage
from .specs import Spec, parse_specs

__all__ = [
    "CellLog",
    "ContextImage",
    "ContextItem",
    "Gathered",
    "Spec",
    "fix_context",
    "gather",
    "install",
    "parse_specs",
    "redact",
    "uninstall",
]
