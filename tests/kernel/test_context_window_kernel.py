"""The context window in a real kernel: the gauge in the footer, the warning above the
answer when a turn fills most of the window, --truncation auto sent, and auto_compact
compacting the conversation in the cell before the turn that would fill it."""

from __future__ import annotations

from jupyter_responses.emulator import Emulator
from jupyter_responses.emulator import script as s

from .harness import KernelSession, history_lines
from .recorded import requests

#: About 1,000 tokens.
PAGE = "page = " + repr("The quarterly numbers, region by region, with their notes. " * 66)


def test_the_gauge_the_warning_and_truncation(loaded: KernelSession, emulator: Emulator) -> None:
    loaded.execute(PAGE + '\n%config ResponsesMagics.context_windows = {"gpt-4.1": 3000}')
    first = loaded.execute("%%respond\n{page}")
    assert "context " in first.html and " of 3k tokens" in first.html
    second = loaded.execute("%%respond --truncation auto\n{page} And again.")
    assert "of gpt-4.1's 3k-token context window" in second.html
    assert requests(emulator, "/v1/responses")[-1]["truncation"] == "auto"


def test_auto_compact_compacts_before_the_turn_that_would_fill_the_window(
    loaded: KernelSession, emulator: Emulator
) -> None:
    loaded.execute(
        PAGE + "\n%config ResponsesMagics.auto_compact = True\n"
        '%config ResponsesMagics.context_windows = {"gpt-4.1": 3000}'
    )
    loaded.execute("%%chat\n{page}")
    emulator.enqueue(s.text("Summary: quarterly notes by region."), s.text("Answered."))
    cell = loaded.execute("%%chat\n{page} One more time.")
    assert "Summary: quarterly notes by region." in cell.html and "Answered." in cell.html
    lines = history_lines(loaded)
    assert len(lines) == 3 and "Summarise our conversation so far" in lines[1]
    sent = requests(emulator, "/v1/chat/completions")[-1]["messages"]
    assert [m["role"] for m in sent] == ["user", "assistant", "user"]
    assert sent[1]["content"] == "Summary: quarterly notes by region."
