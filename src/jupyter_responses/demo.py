"""``python -m jupyter_responses.demo``: execute the demo notebooks headless.

Without ``OPENAI_API_KEY`` it starts the local emulator and points the kernel at it,
so the demo runs offline; with a key it talks to OpenAI (or ``OPENAI_BASE_URL``).

The demo notebooks ship inside the package, so this runs from any directory. Each
executed notebook is written to the output directory (``--out``, by default
``jupyter_responses_demo/`` in the current directory) as ``NAME.executed.ipynb``.
The packaged notebooks also run there, with the files they need copied alongside, so
what they write (sample attachments, exports) lands next to them and never in the
installed package. Notebooks given by path run in their own directory.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
from pathlib import Path
from typing import Any

PACKAGED = Path(__file__).resolve().with_name("notebooks")
DEMOS = [
    "quickstart.ipynb",
    "tools_and_files.ipynb",
    "threads_and_export.ipynb",
    "notebook_context.ipynb",
    "feature_card.ipynb",
    "long_work.ipynb",
    "api_surface.ipynb",
    "table_map.ipynb",
]
DEFAULT_OUT = "jupyter_responses_demo"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m jupyter_responses.demo",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "notebooks", nargs="*", help="notebooks to run (default: the packaged demo notebooks)"
    )
    parser.add_argument(
        "--out",
        type=Path,
        default=Path(DEFAULT_OUT),
        metavar="DIR",
        help=f"where NAME.executed.ipynb files are written (default: ./{DEFAULT_OUT})",
    )
    parser.add_argument("--timeout", type=int, default=300, help="seconds per cell")
    args = parser.parse_args(argv)
    sources = [Path(n) for n in args.notebooks] or [PACKAGED / name for name in DEMOS]
    missing = [str(s) for s in sources if not s.is_file()]
    if missing:
        parser.error(f"{', '.join(missing)} not found")
    names = [_output_name(s) for s in sources]
    clashes = sorted({n for n in names if names.count(n) > 1})
    if clashes:
        parser.error(f"two notebooks would both be written to {', '.join(clashes)}")
    out: Path = args.out.resolve()
    if out.exists() and not out.is_dir():
        parser.error(f"--out {args.out} is not a directory")
    try:
        import nbclient  # noqa: F401
        import nbformat  # noqa: F401
    except ImportError:
        parser.error("the demo needs nbclient and ipykernel: pip install 'jupyter_responses[test]'")

    out.mkdir(parents=True, exist_ok=True)
    if any(_is_packaged(s) for s in sources):
        _copy_support_files(out)

    from .emulator import Emulator

    emulator = None
    if not os.environ.get("OPENAI_API_KEY"):
        emulator = Emulator().start()
        os.environ["OPENAI_BASE_URL"] = emulator.url
        print(f"No OPENAI_API_KEY: running against the local emulator at {emulator.url}")
    else:
        print("OPENAI_API_KEY is set: running against the real service.")
    try:
        return max(_run(source, out, args.timeout) for source in sources)
    finally:
        if emulator is not None:
            emulator.stop()


def _output_name(source: Path) -> str:
    return source.with_suffix(".executed.ipynb").name


def _is_packaged(source: Path) -> bool:
    return source.resolve().parent == PACKAGED


def _copy_support_files(out: Path) -> None:
    """Copy what the packaged notebooks read (``make_samples.py``) into ``out``."""
    for item in PACKAGED.iterdir():
        if item.is_file() and item.suffix != ".ipynb":
            shutil.copyfile(item, out / item.name)


def _run(source: Path, out: Path, timeout: int) -> int:
    import nbclient
    import nbformat

    output = out / _output_name(source)
    # The packaged notebooks run in the output directory (the package may be read-only);
    # a notebook given by path runs in its own directory, as it would in Jupyter.
    workdir = out if _is_packaged(source) else source.resolve().parent
    notebook: Any = nbformat.read(source, as_version=4)
    client = nbclient.NotebookClient(
        notebook,
        timeout=timeout,
        kernel_name="python3",
        resources={"metadata": {"path": str(workdir)}},
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
    shown = source.name if _is_packaged(source) else source
    print(f"Executed {len(cells)} code cells of {shown}: {output}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
