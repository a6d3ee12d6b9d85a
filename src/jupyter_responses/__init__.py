"""jupyter_responses: OpenAI-style models as a first-class part of a notebook.

``%load_ext jupyter_responses`` registers ``%%respond`` (Responses API), ``%%chat``
(Chat Completions) and ``%responses``. Importing this package is cheap: the magics,
the SDK and widgets load only when the extension is loaded or used.
"""

from __future__ import annotations

from typing import Any

__version__ = "0.1.0.dev0"
__all__ = ["__version__", "load_ipython_extension", "map", "panel", "unload_ipython_extension"]


def load_ipython_extension(ipython: Any) -> None:
    from . import context, warmup
    from .magics import ResponsesMagics

    magics = ResponsesMagics(ipython)
    ipython.register_magics(magics)
    ipython.events.register("pre_run_cell", magics.session.note_cell)
    # Cells are recorded with their outputs as they run, for --context (context/).
    context.install(ipython)
    _say_unfinished(magics.session)
    # What the first turn needs (the SDK, its client, widgets, the renderer) is loaded
    # in the background while no cell runs, rather than by the first turn (warmup.py).
    warmup.start(ipython, magics.session.connection)


def _say_unfinished(session: Any) -> None:
    """One line when background turns were left running by a kernel that stopped (the
    server kept working on them): ``%responses resume`` finishes them."""
    try:
        left = session.unfinished()
    except Exception:  # a store that cannot be read says so when a turn saves
        return
    if left:
        turns = "turn was" if len(left) == 1 else "turns were"
        print(
            f"{len(left)} background {turns} left running when a kernel stopped; the server "
            "kept working: %responses resume finishes them here."
        )


def panel() -> Any:
    """The chat panel on this kernel's conversation (loads the extension if needed).

    Display it, or leave it as a cell's last expression.
    """
    from IPython import get_ipython

    from .chat_panel import panel_for
    from .magics import ResponsesMagics

    shell = get_ipython()
    if shell is None:
        raise RuntimeError("jupyter_responses.panel() needs a running IPython kernel.")
    magics = shell.magics_manager.registry.get(ResponsesMagics.__name__)
    if magics is None:
        shell.extension_manager.load_extension("jupyter_responses")
        magics = shell.magics_manager.registry[ResponsesMagics.__name__]
    return panel_for(magics.session)


def unload_ipython_extension(ipython: Any) -> None:
    from .magics import ResponsesMagics

    magics = ipython.magics_manager.registry.get(ResponsesMagics.__name__)
    if magics is not None:
        ipython.events.unregister("pre_run_cell", magics.session.note_cell)
        magics.session.close()
    _close_local_servers()


def _close_local_servers() -> None:
    """Stop the ``--mcp-local`` servers this kernel started (if it started any: the
    module, and the ``mcp`` SDK, are not imported for nothing)."""
    import sys

    local = sys.modules.get(f"{__name__}.mcp_local")
    if local is not None:
        local.SERVERS.close()


def map(prompt: str, rows: Any, **options: Any) -> Any:
    """One prompt over every row of a table: ``rows`` (a pandas or polars DataFrame, a
    list of dicts, any iterable) back with an ``answer`` column (with ``schema``, a
    column per field) and an ``error`` column, in the input's form and order.

    ``prompt`` is filled per row as a cell is (``{column}``, ``{row}``, any
    expression). Options: ``api`` (default: the ``api`` trait), ``model``, ``schema`` (a
    pydantic model or JSON-schema dict), ``instructions``, ``temperature``,
    ``max_tokens``, ``reasoning``, ``concurrency`` (requests at once, default 8, kept
    within the server's rate limits), ``batch`` (through the Batch API: half the price,
    for jobs that may take hours), ``progress``. Each row's result is saved as it ends:
    running the same map again sends only the rows not answered yet."""
    from .maps import map_rows

    return map_rows(prompt, rows, **options)
