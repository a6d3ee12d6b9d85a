"""An exported notebook carries the ``language_info`` its kernel will report, so that
JupyterLab, which copies the kernel's into the notebook when it connects, finds nothing
to change and does not mark the notebook modified (tests/browser/test_export_clean.py
opens one)."""

from __future__ import annotations

from types import SimpleNamespace

import IPython
import nbformat
import pytest
from ipykernel.ipkernel import IPythonKernel

from jupyter_responses.conversation import Conversation, Turn
from jupyter_responses.export import KERNELSPEC, language_info, to_notebook

from .chains import chained


def _conversation() -> Conversation:
    turn = Turn(api="responses", model="gpt-4.1", prompt="Hi", magic="%%respond", text="Hello.")
    return chained(Conversation(), [turn])


@pytest.mark.parametrize("transcript", [False, True])
def test_notebook_metadata_is_what_ipykernel_reports_for_this_python(transcript: bool) -> None:
    notebook = to_notebook(_conversation(), transcript=transcript)
    nbformat.validate(notebook)
    assert notebook.metadata.language_info == IPythonKernel.language_info
    assert notebook.metadata.kernelspec == KERNELSPEC


def test_the_running_kernels_own_language_info_wins(monkeypatch: pytest.MonkeyPatch) -> None:
    reported = {**IPythonKernel.language_info, "version": "3.99.0"}
    shell = SimpleNamespace(kernel=SimpleNamespace(language_info=reported))
    monkeypatch.setattr(IPython, "get_ipython", lambda: shell)
    info = language_info()
    assert info == reported and info is not reported
    # another language's kernel (the notebook asks for python3): ipykernel's value
    shell.kernel.language_info = {"name": "julia"}
    assert language_info() == IPythonKernel.language_info
