"""Terminal IPython (no kernel, no rich display): answers and tool activity as plain
text, and --approve reading the answer from the console."""

from __future__ import annotations

from pathlib import Path

from jupyter_responses.emulator import Emulator
from jupyter_responses.emulator import script as s

from .harness import API_KEY, terminal_ipython

CODE = '''
get_ipython().run_line_magic("load_ext", "jupyter_responses")
def get_time(city: str) -> str:
    """Local time in a city."""
    return f"12:00 in {city}"
get_ipython().run_cell_magic("respond", "--tools get_time --approve", "Time in Oslo and Rome?")
'''


def test_terminal_prints_text_tool_lines_and_asks_on_the_console(
    emulator: Emulator, tmp_path: Path
) -> None:
    emulator.enqueue(
        s.tool_calls(
            s.FunctionCall("get_time", {"city": "Oslo"}, call_id="t1"),
            s.FunctionCall("get_time", {"city": "Rome"}, call_id="t2"),
        ),
        s.text("It is noon in Oslo."),
    )
    done = terminal_ipython(emulator, tmp_path, CODE, answers="y\nn\n")
    out = done.stdout
    assert 'Run get_time({"city": "Oslo"})? [y/N] ' in out
    assert "[running get_time…]\n[get_time done] 12:00 in Oslo" in out
    assert "[get_time denied] The user declined to run this call." in out
    assert "It is noon in Oslo." in out and "-- gpt-4.1 ·" in out
    assert API_KEY not in out + done.stderr
