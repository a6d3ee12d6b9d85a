"""``-n`` in a real kernel: the candidates stream in tabs, the cell then shows the first
with the version switcher under it, ``-o`` holds it and follows the switcher; both APIs.
Without widgets, each candidate under its heading."""

from __future__ import annotations

from typing import Any

import pytest

from jupyter_responses.emulator import Emulator
from jupyter_responses.emulator import script as s

from .harness import KernelSession, history_lines
from .recorded import requests
from .test_versions import _answer_id, _click, _switcher, _updated

ANSWERS = ["Paris.", "It is Paris.", "The capital of France is Paris."]


def _tabs(opens: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [m for m in opens if m["content"]["data"]["state"].get("_model_name") == "TabModel"]


@pytest.mark.parametrize("magic", ["respond", "chat"])
def test_candidates_stream_in_tabs_and_the_switcher_picks_one_for_o(
    loaded: KernelSession, emulator: Emulator, magic: str
) -> None:
    emulator.enqueue(*(s.text(answer, deltas=4, event_delay=0.01) for answer in ANSWERS))
    cell = loaded.execute(f"%%{magic} -n 3 -o best\nThe capital of France?", cell_id="q")
    (tab,) = _tabs(cell.comm_opens)
    assert tab["content"]["data"]["state"]["titles"] == [
        "Candidate 1 of 3",
        "Candidate 2 of 3",
        "Candidate 3 of 3",
    ]
    final = _updated(cell, _answer_id(cell))
    first = loaded.execute("print(best)").stdout.strip()
    assert first in ANSWERS and first in final["text/plain"]
    comm_id, state = _switcher(cell)
    assert (state["number"], state["count"]) == (1, 3)
    lines = history_lines(loaded)
    assert len(lines) == 1 and first in lines[0]  # the head: the first candidate

    _click(loaded, comm_id, 3)
    third = loaded.execute("print(best)").stdout.strip()
    assert third in ANSWERS and third != first  # -o follows the pick
    (line,) = history_lines(loaded)
    assert third[:20] in line
    if magic == "chat":
        assert requests(emulator, "/v1/chat/completions")[-1]["n"] == 3
    else:
        assert len(requests(emulator, "/v1/responses")) == 3


def test_without_widgets_each_candidate_shows_under_its_heading(
    loaded: KernelSession, emulator: Emulator
) -> None:
    loaded.execute("%config ResponsesMagics.widgets = False")
    emulator.enqueue(*(s.text(answer) for answer in ANSWERS[:2]))
    cell = loaded.execute("%%chat -n 2\nThe capital of France?", cell_id="q")
    html = "\n".join(o["data"].get("text/html", "") for o in cell.outputs if "data" in o)
    assert "Candidate 1 of 2" in html and "Candidate 2 of 2" in html
    assert all(answer in html for answer in ANSWERS[:2])
    assert "Version 1 of 2 of this cell's answer" in cell.stdout


def test_n_with_tools_is_one_clear_error(loaded: KernelSession) -> None:
    loaded.execute("def f() -> str:\n    return 'x'")
    bad = loaded.execute("%%respond -n 2 --tools f\nCall f.", allow_errors=True)
    assert bad.error is not None and "--tools runs one turn at a time" in bad.error.evalue
    assert not history_lines(loaded)  # nothing sent, nothing recorded
