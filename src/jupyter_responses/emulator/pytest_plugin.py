"""pytest fixtures for testing notebooks and code against the emulator.

Installed as a pytest plugin, so any project that installs jupyter_responses can write::

    def test_my_notebook(openai_emulator, monkeypatch):
        monkeypatch.setenv("OPENAI_BASE_URL", openai_emulator.url)
        openai_emulator.enqueue(script.text("scripted answer"))
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from . import Emulator


@pytest.fixture
def openai_emulator() -> Iterator[Emulator]:
    """A fresh emulator on a free port of 127.0.0.1, stopped after the test."""
    with Emulator() as emulator:
        yield emulator
