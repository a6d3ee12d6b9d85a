"""``--insert`` in a real kernel: the answer's Python code comes back as the
``set_next_input`` payload that JupyterLab, Notebook 7 and VS Code turn into a new cell
below the one that ran."""

from __future__ import annotations

import pytest

from jupyter_responses.emulator import Emulator
from jupyter_responses.emulator import script as s

from .harness import KernelSession

ANSWER = "Load it, then plot:\n\n```python\nimport pandas as pd\n```\n\n```python\ndf.plot()\n```\n"


@pytest.mark.parametrize("magic", ["respond", "chat"])
def test_insert_puts_the_answers_code_in_the_next_cell(
    loaded: KernelSession, emulator: Emulator, magic: str
) -> None:
    emulator.enqueue(s.text(ANSWER))
    result = loaded.execute(f"%%{magic} --insert\nPlot my data.")
    assert result.reply is not None
    payload = result.reply["content"]["payload"]
    assert payload == [
        {"source": "set_next_input", "text": "import pandas as pd\n\ndf.plot()", "replace": False}
    ]
    assert "Load it, then plot" in result.html  # the answer is shown as ever


def test_insert_without_code_says_so_and_adds_no_cell(
    loaded: KernelSession, emulator: Emulator
) -> None:
    emulator.enqueue(s.text("No code needed: it is 42."))
    result = loaded.execute("%%respond --insert\nWhat is it?")
    assert result.reply is not None and result.reply["content"]["payload"] == []
    assert "--insert: the answer has no Python code block" in result.stdout
