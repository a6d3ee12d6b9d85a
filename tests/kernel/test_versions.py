"""The version switcher in a real kernel: re-running a cell shows "◀ 2/2 ▶" under its
answer, and the switcher's click (a comm message, as JupyterLab sends it) makes the
other version current (``%responses history``), replaces the cell's answer with it and
is what the next cell continues. Without widgets, a one-line note instead."""

from __future__ import annotations

from typing import Any

from jupyter_responses.emulator import Emulator
from jupyter_responses.emulator import script as s

from .harness import CellResult, KernelSession, history_lines
from .recorded import requests

WIDGET = "application/vnd.jupyter.widget-view+json"


def _switchers(result: CellResult) -> list[dict[str, Any]]:
    """The comm_open messages of version switchers."""
    return [m for m in result.comm_opens if "number" in m["content"]["data"].get("state", {})]


def _switcher(result: CellResult) -> tuple[str, dict[str, Any]]:
    """The switcher's comm id and initial state (asserted to be displayed once)."""
    (opened,) = _switchers(result)
    comm_id = opened["content"]["comm_id"]
    shown = [m for m in result.of_type("display_data") if WIDGET in m["content"]["data"]]
    # the live view's widget, then the switcher: the last output displayed
    assert [m["content"]["data"][WIDGET]["model_id"] for m in shown][1:] == [comm_id]
    assert shown[-1] is result.of_type("display_data")[-1]
    return comm_id, opened["content"]["data"]["state"]


def _answer_id(result: CellResult) -> str:
    """The display id of the cell's answer (the live view's, updated to the answer)."""
    return result.display_ids[0]


def _click(kernel: KernelSession, comm_id: str, version: int) -> CellResult:
    content = {"type": "show", "version": version}
    return kernel.comm_send(comm_id, {"method": "custom", "content": content})


def _updated(result: CellResult, display_id: str) -> dict[str, Any]:
    (update,) = [
        m["content"]["data"]
        for m in result.of_type("update_display_data")
        if m["content"]["transient"]["display_id"] == display_id
    ]
    return update


def _number(result: CellResult) -> int | None:
    numbers = [
        m["content"]["data"]["state"]["number"]
        for m in result.comm_msgs
        if "number" in m["content"]["data"].get("state", {})
    ]
    return numbers[-1] if numbers else None


def _history(kernel: KernelSession) -> list[str]:
    return history_lines(kernel)


def test_the_switcher_shows_and_switches_the_versions_of_a_rerun_cell(
    loaded: KernelSession, emulator: Emulator
) -> None:
    emulator.enqueue(
        s.text("Blue, the first colour."),
        s.text("It is calm."),
        s.text("Green, the second colour."),
        s.text("It grows."),
    )
    first = loaded.execute("%%respond\nName a colour.", cell_id="a")
    assert not _switchers(first) and len(first.outputs) == 1  # one version: no switcher
    loaded.execute("%%respond\nWhat does it feel like?", cell_id="b")
    rerun = loaded.execute("%%respond\nName a colour, again.", cell_id="a")

    comm_id, state = _switcher(rerun)
    assert (state["number"], state["count"], state["note"]) == (2, 2, "")
    assert "function render(" in state["_esm"] and ".jr-versions" in state["_css"]
    answer, switcher = rerun.outputs  # the answer, then the switcher under it
    assert "Green, the second colour." in answer["data"]["text/html"]
    assert switcher["data"]["text/plain"] == (
        "↺ 2 versions of this answer: %responses history --all lists them."
    )
    assert "Green" in _history(loaded)[0] and len(_history(loaded)) == 1

    back = _click(loaded, comm_id, 1)  # ◀
    shown = _updated(back, _answer_id(rerun))
    assert "Blue, the first colour." in shown["text/html"] and "Green" not in shown["text/html"]
    assert shown["text/plain"].startswith("Blue, the first colour.")
    assert _number(back) == 1
    assert not back.of_type("display_data")  # replaced in place, nothing added
    history = _history(loaded)
    assert "Name a colour. → Blue" in history[0] and "↺ 1 other version" in history[0]
    assert "What does it feel like? → It is calm." in history[1]  # b came back with it

    loaded.execute("%%respond\nAnd its opposite?", cell_id="c")
    below = requests(emulator, "/v1/responses")[-1]
    b_response = list(emulator.state.responses)[1]
    assert below["previous_response_id"] == b_response  # continues the version shown

    forward = _click(loaded, comm_id, 2)  # ▶
    assert "Green" in _updated(forward, _answer_id(rerun))["text/html"]
    assert _number(forward) == 2
    history = _history(loaded)
    assert len(history) == 1 and "Name a colour, again. → Green" in history[0]

    tree = loaded.execute("%responses history --all").stdout
    assert "v1/2 ✓" in tree and "v2/2 ✓" in tree and "\nMarks: *" in tree

    # Re-running the cell while it shows version 1 makes version 3 at the same point.
    _click(loaded, comm_id, 1)
    emulator.enqueue(s.text("Red, the third colour."))
    third = loaded.execute("%%respond\nName a colour, once more.", cell_id="a")
    assert "previous_response_id" not in requests(emulator, "/v1/responses")[-1]
    _, state = _switcher(third)
    assert (state["number"], state["count"]) == (3, 3)
    assert len(_history(loaded)) == 1


def test_without_widgets_a_rerun_cell_says_which_version_it_shows(
    loaded: KernelSession, emulator: Emulator
) -> None:
    loaded.execute("%config ResponsesMagics.widgets = False")
    loaded.execute("%%chat\nHello", cell_id="a")
    rerun = loaded.execute("%%chat\nHello again", cell_id="a")
    assert rerun.stdout == (
        "↺ Version 2 of 2 of this cell's answer: %responses history --all lists them.\n"
    )
    assert not _switchers(rerun)
