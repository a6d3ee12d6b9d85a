"""``python -m jupyter_responses.demo``: execute the quickstart notebook headless.

Without ``OPENAI_API_KEY`` it starts the local emulator and points the kernel at it,
so the demo runs offline; with a key it talks to OpenAI (or ``OPENAI_BASE_URL``).
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m jupyter_responses.demo", description=__doc__)
    parser.add_argument("notebook", nargs="?", default="notebooks/quickstart.ipynb")
    parser.add_argument("-o", "--output", help="where to write the executed notebook")
    parser.add_argument("--timeout", type=int, default=300, help="seconds per cell")
    args = parser.parse_args(argv)
    source = Path(args.notebook)
    if not source.exists():
        parser.error(f"{source} not found (run from the repository root)")
    output = Path(args.output) if args.output else source.with_suffix(".executed.ipynb")
    try:
        import nbclient
        import nbformat
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
        notebook = nbformat.read(source, as_version=4)
        client = nbclient.NotebookClient(
            notebook,
            timeout=args.timeout,
            kernel_name="python3",
            resources={"metadata": {"path": str(source.parent)}},
        )
        try:
            client.execute()
        except nbclient.exceptions.CellExecutionError as error:
            nbformat.write(notebook, output)
            print(
                f"A cell failed; the partly executed notebook is at {output}\n{error}",
                file=sys.stderr,
            )
            return 1
        nbformat.write(notebook, output)
    finally:
        if emulator is not None:
            emulator.stop()
    cells = [c for c in notebook.cells if c.cell_type == "code"]
    print(f"Executed {len(cells)} code cells of {source}.")
    print(f"The executed notebook is at {output.resolve()}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
