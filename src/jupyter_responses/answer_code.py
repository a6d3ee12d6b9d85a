"""The code in an answer, for putting back into the notebook (``--insert``).

An answer's fenced code blocks are found by the same Markdown parser that renders it
(``markup``), so what counts as a block is exactly what the user sees as one: not a
regular expression that a fence inside a list, or four backticks, would fool.
"""

from __future__ import annotations

#: Fence labels that mean Python (a kernel's cell runs them as they are).
PYTHON_LABELS = frozenset({"python", "py", "python3", "ipython", "ipython3"})


def python_code(answer: str) -> str:
    """The answer's Python blocks, joined by blank lines, as one cell's source. Blocks
    labelled Python; if there are none, the unlabelled ones (models often leave the
    label out); ``""`` when there is neither."""
    from .render.markup import parse

    labelled: list[str] = []
    unlabelled: list[str] = []
    for token in parse(answer):
        if token.type != "fence":
            continue
        label = token.info.strip().split()[0].lower() if token.info.strip() else ""
        if label in PYTHON_LABELS:
            labelled.append(token.content.rstrip("\n"))
        elif not label:
            unlabelled.append(token.content.rstrip("\n"))
    return "\n\n".join(labelled or unlabelled)
