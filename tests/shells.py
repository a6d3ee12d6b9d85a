"""In-process IPython shells for tests, ended as IPython ends them at exit."""

from __future__ import annotations

import atexit
import contextlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from IPython.core.interactiveshell import InteractiveShell
from traitlets.config import Config


def _config() -> Config:
    config = Config()
    config.HistoryManager.hist_file = ":memory:"
    return config


def _end(shell: Any) -> None:
    atexit.unregister(shell.atexit_operations)
    shell.atexit_operations()


@contextlib.contextmanager
def own_shell(ipython_dir: Path) -> Iterator[InteractiveShell]:
    """A shell of its own (not the process's ``instance()``), history in memory."""
    made = InteractiveShell(config=_config(), ipython_dir=str(ipython_dir))
    try:
        yield made
    finally:
        _end(made)


@contextlib.contextmanager
def recording_instance() -> Iterator[InteractiveShell]:
    """A fresh process-wide shell (``display()`` reaches only that one), without
    colours, recording its cells for ``--context``."""
    from jupyter_responses.context import install, uninstall

    InteractiveShell.clear_instance()
    made = InteractiveShell.instance(config=_config())
    made.colors = "nocolor"
    install(made)
    try:
        yield made
    finally:
        uninstall(made)
        _end(made)
        InteractiveShell.clear_instance()
