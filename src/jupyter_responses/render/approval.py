"""``--approve``: ask before each tool call. No answer is no: a call runs only on an
explicit yes.

Magics ask with ``input()``, which every Jupyter frontend shows as a prompt while the
cell runs (and terminal IPython reads from the console). Buttons cannot work there: a
running cell blocks the kernel, so a click would only arrive after the cell ended
(ipykernel 7 no longer offers a way to pump its messages from inside a cell). The chat
panel, whose requests run off the kernel's main thread, asks with buttons instead.
"""

from __future__ import annotations


def question(name: str, arguments: str) -> str:
    return f"Run {name}({' '.join(arguments.split())})?"


def ask_with_input(name: str, arguments: str) -> bool:
    try:
        reply = input(f"{question(name, arguments)} [y/N] ")
    except (EOFError, RuntimeError, NotImplementedError):  # no stdin, e.g. a headless run
        print(f"Not run: {name} needs approval and nobody can answer here.")
        return False
    return reply.strip().lower() in ("y", "yes")
