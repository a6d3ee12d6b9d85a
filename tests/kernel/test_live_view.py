"""The ipywidgets live view in a real kernel: the widget messages a streamed turn with
a tool call sends, sanitized answer HTML, and the static bundle the cell keeps."""

from __future__ import annotations

import re

from jupyter_responses.emulator import Emulator
from jupyter_responses.emulator import script as s

from ..stream_events import events_before_the_end
from .harness import KernelSession

WIDGET = "application/vnd.jupyter.widget-view+json"
ANSWER = "It is **noon** in Oslo."


def _titles(result) -> list[str]:
    """Every section title (``<summary>``) the live view drew, in order."""
    values = [str(v) for values in result.widget_values().values() for v in values]
    return [t for value in values for t in re.findall(r"<summary>(.*?)</summary>", value)]


def test_streamed_turn_with_a_tool_call_drives_widgets_then_leaves_static_output(
    loaded: KernelSession, emulator: Emulator
) -> None:
    loaded.execute('def get_time(city: str) -> str:\n    "Local time."\n    return "noon"')
    before_the_end = events_before_the_end(s.text(ANSWER, deltas=6))
    emulator.enqueue(
        s.Reply(
            items=[
                s.Reasoning("Check the clock."),
                s.FunctionCall("get_time", {"city": "Oslo"}, call_id="c1"),
            ]
        ),
        # quiet before response.completed, so the live view draws the whole answer
        # however the throttle spaced its redraws on a loaded machine; the cell then
        # swaps it for the static output
        s.text(ANSWER, deltas=6, event_delay=0.02, stall_after=before_the_end, stall=2.0),
    )
    result = loaded.execute("%%respond --reasoning low --tools get_time\nTime in Oslo?")

    opened = [m["content"]["data"]["state"]["_model_name"] for m in result.comm_opens]
    # a box, the turn's HTML (MathJax typesets it) and the behaviour (turn.js), and the
    # layouts and style all turns share: six comms on the first turn, and none on the
    # next, which reuses them (there were ~25 a turn with a widget a part, then seven)
    per_turn = ["VBoxModel", "HTMLMathModel", "AnyModel"]
    shared = ["LayoutModel", "LayoutModel", "HTMLMathStyleModel"]
    assert sorted(opened) == sorted(per_turn + shared), opened
    displayed = [m for m in result.of_type("display_data") if WIDGET in m["content"]["data"]]
    assert len(displayed) == 1, "one live widget per turn"

    titles = _titles(result)
    assert "💭 Reasoning" in titles
    assert any(t.startswith('🔧 get_time(city="Oslo") — running') for t in titles)
    assert any(t.startswith('🔧 get_time(city="Oslo") — done') for t in titles)
    answer = [v for values in result.widget_values().values() for v in values if "It is" in str(v)]
    assert "<p>It is <strong>noon</strong> in Oslo.</p>" in answer[-1]

    # The cell keeps static Markdown (readable without a kernel); no widget is closed:
    # the turn's three are emptied and kept for the next cell's turn.
    assert [list(o["data"]) for o in result.outputs] == [["text/html", "text/plain"]]
    assert "It is <strong>noon</strong> in Oslo." in result.html
    assert result.of_type("comm_close") == []
    box = next(
        m["content"]["comm_id"]
        for m in result.comm_opens
        if m["content"]["data"]["state"]["_model_name"] == "VBoxModel"
    )

    emulator.enqueue(s.text("Still **noon**."))
    again = loaded.execute("%%respond\nAnd now?")
    assert again.comm_opens == [] and again.of_type("comm_close") == []
    shown = [m for m in again.of_type("display_data") if WIDGET in m["content"]["data"]]
    assert [m["content"]["data"][WIDGET]["model_id"] for m in shown] == [box]
    # It starts empty (nothing of the first answer), then shows the second.
    values = [v for vs in again.widget_values().values() for v in vs if isinstance(v, str)]
    assert not any("Oslo" in v for v in values)
    assert "Still <strong>noon</strong>." in again.html


def test_answer_html_is_sanitized(loaded: KernelSession, emulator: Emulator) -> None:
    payload = (
        "<script>window.__pwned=1</script> <img src=x onerror=alert(1)> "
        "[a](javascript:alert(1)) <iframe src=https://evil.example></iframe> "
        '<svg onload=alert(1)></svg> [b](https://ok.example "t")'
    )
    emulator.enqueue(s.text(payload, deltas=1))
    result = loaded.execute("%%respond\nBe evil.")
    html = " ".join(str(value) for vs in result.widget_values().values() for value in vs)
    for bad in ("<script", "<img", "<iframe", "<svg", 'href="javascript'):
        assert bad not in html, bad
    assert '<a href="https://ok.example" title="t" rel="noopener noreferrer">b</a>' in html


def test_widgets_off_gives_an_updating_markdown_display(
    loaded: KernelSession, emulator: Emulator
) -> None:
    loaded.execute("%config ResponsesMagics.widgets = False")
    result = loaded.execute("%%respond\nHello.")
    assert result.comm_opens == [] and result.updates >= 1
    assert "Hello." in result.html
