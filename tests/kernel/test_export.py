"""Exporting the kernel's conversation: ``%responses export`` and the panel's Export
button write a notebook that renders without a kernel and asks the same questions
when it runs again."""

from __future__ import annotations

import os

import nbformat
import pytest
from nbclient import NotebookClient

from jupyter_responses.emulator import Emulator

from .harness import API_KEY, KernelSession
from .recorded import requests, user_texts
from .test_panel import OPEN, _comm


def test_export_notebook_runs_again_with_the_same_prompts(
    loaded: KernelSession, emulator: Emulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    loaded.execute("city = 'Oslo'")
    loaded.execute("%%respond\nWeather in {city}? Use {{braces}}.")
    loaded.execute("%%chat -m gpt-4.1-mini\nAnd tomorrow?")
    printed = loaded.execute("%responses export out/talk.ipynb").stdout
    assert printed.startswith("Exported 2 turns (the current branch) to out/talk.ipynb")
    path = loaded.cwd / "out" / "talk.ipynb"
    notebook = nbformat.read(path, as_version=4)
    nbformat.validate(notebook)
    assert notebook.cells[2].source == (
        "%%respond --no-interpolate\nWeather in Oslo? Use {braces}."
    )
    assert "earlier user turn" in notebook.cells[3].outputs[0]["data"]["text/html"]
    assert API_KEY not in path.read_text()
    first_run = [user_texts(r)[-1] for r in requests(emulator, "/v1/responses")]

    emulator.reset()
    monkeypatch.setenv("OPENAI_BASE_URL", emulator.url)
    monkeypatch.setenv("OPENAI_API_KEY", API_KEY)
    NotebookClient(notebook, timeout=60, kernel_name="python3").execute(cwd=os.fspath(path.parent))
    assert [user_texts(r)[-1] for r in requests(emulator, "/v1/responses")] == first_run
    (chat,) = requests(emulator, "/v1/chat/completions")
    assert chat["model"] == "gpt-4.1-mini" and user_texts(chat)[-1] == "And tomorrow?"


def test_export_errors_are_one_line(loaded: KernelSession, emulator: Emulator) -> None:
    empty = loaded.execute("%responses export", allow_errors=True)
    assert empty.error is not None and "Nothing to export yet" in empty.error.evalue
    loaded.execute("%%respond\nHi")
    wrong = loaded.execute("%responses export talk.txt", allow_errors=True)
    assert wrong.error is not None and "ending in .ipynb, .md or .json" in wrong.error.evalue
    markdown = loaded.execute("%responses export talk.md")
    assert "Exported 1 turn (the current branch) to talk.md" in markdown.stdout
    assert (loaded.cwd / "talk.md").read_text().startswith("# Hi")


def test_panel_export_button_saves_in_the_working_directory(
    kernel: KernelSession, emulator: Emulator
) -> None:
    opened = kernel.execute(OPEN)
    kernel.execute("%%respond\nHello")
    export = _comm(opened, "ButtonModel", "Export")
    kernel.comm_send(export, {"method": "custom", "content": {"event": "click"}})
    notice = kernel.execute("print(p.notice.value)").stdout
    assert "Exported to" in notice
    (written,) = kernel.cwd.glob("hello-*.ipynb")
    assert nbformat.read(written, as_version=4).cells[2].source == "%%respond\nHello"
