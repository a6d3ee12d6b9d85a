"""``python -m jupyter_responses.demo``: execute the demo notebooks headless.

Without ``OPENAI_API_KEY`` it starts the local emulator and points the kernel at it,
so the demo runs offline; with a key it talks to OpenAI (or ``OPENAI_BASE_URL``).
Each executed notebook is written next to its source as ``NAME.executed.ipynb``.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path
from typing import Any

DEMOS = [
    "notebooks/quickstart.ipynb",
    "notebooks/tools_and_files.ipynb",
    "notebooks/threads_and_export.ipynb",
]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m jupyter_responses.demo", description=__doc__)
    parser.add_argument("notebooks", nargs="*", default=DEMOS, help="notebooks to run")
    parser.add_argument("--timeout", type=int, default=300, help="seconds per cell")
    args = parser.parse_args(argv)
    sources = [Path(n) for n in args.notebooks]
    missing = [str(s) for s in sources if not s.exists()]
    if missing:
        parser.error(f"{', '.join(missing)} not found (run from the repository root)")
    try:
        import nbclient  # noqa: F401
        import nbformat  # noqa: F401
    except ImportError:
        parser.error("the demo needs nbclient and ipykernel: pip install 'jupyter_responses[test]'")

    from .emulator import Emulator

    emulator = None
    if not os.environ.get("OPENAI_API_KEY"):
        emulator = Emulator().start()
        os.environ["OPENAI_BASE_URL"] = emulator.url
        print(f"No OPENAI_API_KEY: running against the local emulator at {emulator.url}")
    else:
        print("OPENAI_API_KEY is set: running against the real service.")
    try:
        return max(_run(source, args.timeout) for source in sources)
    finally:
        if emulator is not None:
            emulator.stop()


def _run(source: Path, timeout: int) -> int:
    import nbclient
    import nbformat

    output = source.with_suffix(".executed.ipynb")
    notebook: Any = nbformat.read(source, as_version=4)
    client = nbclient.NotebookClient(
        notebook,
        timeout=timeout,
        kernel_name="python3",
        resources={"metadata": {"path": str(source.parent)}},
        # Finished turns are static HTML; the live widgets are gone, so their
        # state (which nbclient would keep even after they close) is not worth saving.
        store_widget_state=False,
    )
    try:
        client.execute()
    except nbclient.exceptions.CellExecutionError as error:
        nbformat.write(notebook, output)
        print(
            f"A cell failed; the partly executed notebook is at {output}\n{error}", file=sys.stderr
        )
        return 1
    nbformat.write(notebook, output)
    cells = [c for c in notebook.cells if c.cell_type == "code"]
    print(f"Executed {len(cells)} code cells of {source}: {output.resolve()}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
