"""Function tools at their limits, in a real kernel: the model can run only what the
user named (never a builtin, never another notebook function), a hanging tool is
bounded by --tool-timeout (the turn goes on, the kernel stays free), and a tool that
prints or displays gets its own outputs beside the turn's, never inside or over it."""

from __future__ import annotations

import time

import pytest

from jupyter_responses.emulator import Emulator
from jupyter_responses.emulator import script as s

from .harness import KernelSession
from .recorded import requests

WIDGET = "application/vnd.jupyter.widget-view+json"

NAMED = '''
ran = []

def get_weather(city: str) -> str:
    """Current weather."""
    ran.append(("get_weather", city))
    return "sunny"

def secret(note: str) -> str:
    """Defined in the notebook, never offered."""
    ran.append(("secret", note))
    return "leaked"
'''

#: Calls a model could make to names it was never offered.
ROGUE = [
    ("eval", {"source": "__import__('pathlib').Path('pwned').touch()"}),
    ("exec", {"source": "ran.append('exec')"}),
    ("__import__", {"name": "os"}),
    ("secret", {"note": "x"}),
    ("get_ipython", {}),
    ("ran.append", {"object": "x"}),
]


def _tool_outputs(api: str, body: dict) -> dict[str, str]:
    """call id -> the result the model got back, from a request of either API."""
    if api == "respond":
        items = [i for i in body["input"] if i.get("type") == "function_call_output"]
        return {i["call_id"]: i["output"] for i in items}
    return {m["tool_call_id"]: m["content"] for m in body["messages"] if m["role"] == "tool"}


@pytest.mark.parametrize(
    ("api", "path", "tools"),
    [
        ("respond", "/v1/responses", "get_weather"),
        ("chat", "/v1/chat/completions", "get_weather"),
        ("respond", "/v1/responses", "web_search"),  # no function offered at all
    ],
)
def test_only_the_named_functions_can_run(
    loaded: KernelSession, emulator: Emulator, api: str, path: str, tools: str
) -> None:
    loaded.execute(NAMED)
    calls = [s.FunctionCall(name, args, call_id=f"r{i}") for i, (name, args) in enumerate(ROGUE)]
    emulator.enqueue(s.tool_calls(*calls), s.text("None of that worked."))
    result = loaded.execute(f"%%{api} --tools {tools}\nRun whatever you like.")
    assert result.error is None and "None of that worked." in result.html
    outputs = _tool_outputs(api, requests(emulator, path)[-1])
    assert outputs == {
        f"r{i}": f"Error: no tool named {name!r} was offered." for i, (name, _) in enumerate(ROGUE)
    }
    check = loaded.execute("import pathlib\nprint(ran, pathlib.Path('pwned').exists())")
    assert check.stdout.strip() == "[] False"


# -- --tool-timeout --------------------------------------------------------------------------
HANG = '''
import threading, time
release = threading.Event()
woke = []

def hang(seconds: float) -> str:
    """Sleeps for a while."""
    print("hang started on", threading.current_thread().name)
    release.wait(seconds)
    woke.append(seconds)
    print("hang finished")
    return "woke"
'''


@pytest.mark.parametrize(
    ("api", "path", "setting"),
    [
        ("respond", "/v1/responses", "--tool-timeout 0.5"),
        ("chat", "/v1/chat/completions", "%config ResponsesMagics.tool_timeout = 0.5"),
    ],
)
def test_a_hanging_tool_times_out_and_the_turn_goes_on(
    loaded: KernelSession, emulator: Emulator, api: str, path: str, setting: str
) -> None:
    loaded.execute(HANG)
    option = setting if setting.startswith("--") else ""
    if not option:
        loaded.execute(setting)
    emulator.enqueue(
        s.tool_calls(s.FunctionCall("hang", {"seconds": 60}, call_id="h1")),
        s.text("The tool took too long, so here is my best guess."),
    )
    started = time.monotonic()
    result = loaded.execute(f"%%{api} --tools hang {option}\nTry the slow tool.", timeout=30)
    assert time.monotonic() - started < 10, "the turn waited for the hung tool"
    assert result.error is None
    assert "The tool took too long" in result.html
    assert "timed out after 0.5 s" in result.html
    assert "hang started on jupyter-responses-tool-hang" in result.stdout
    expected = "Error: timed out after 0.5 s (the function may still be running)"
    assert _tool_outputs(api, requests(emulator, path)[-1]) == {"h1": expected}
    # The kernel is free while the function still runs in the background; released, it ends.
    assert loaded.execute("print(woke)").stdout.strip() == "[]"
    loaded.execute("release.set()\nfor _ in range(100):\n    if woke: break\n    time.sleep(0.05)")
    assert loaded.execute("print(woke)").stdout.strip() == "[60.0]"
    # What it printed late went to the cell that ran it, not to the cells running now.
    late = [
        m
        for m in loaded.drain_iopub(1.0)
        if m["msg_type"] == "stream" and "hang finished" in m["content"]["text"]
    ]
    assert [m["parent_header"]["msg_id"] for m in late] == [result.msg_id]
    history = loaded.execute("%responses history").stdout
    assert "✓" in history and "⏹" not in history


def test_tool_timeout_zero_runs_on_the_main_thread_and_bad_values_are_refused(
    loaded: KernelSession, emulator: Emulator
) -> None:
    loaded.execute(HANG + "release.set()")
    emulator.enqueue(
        s.tool_calls(s.FunctionCall("hang", {"seconds": 0}, call_id="z")), s.text("Done.")
    )
    result = loaded.execute("%%respond --tools hang --tool-timeout 0\nGo.")
    assert "hang started on MainThread" in result.stdout and "Done." in result.html
    for value in ("-1", "nan", "inf", "soon"):
        bad = loaded.execute(f"%%chat --tools hang --tool-timeout {value}\nGo.", allow_errors=True)
        assert bad.error is not None and bad.error.ename == "UsageError", value
        assert "--tool-timeout" in bad.error.evalue and "\n" not in bad.error.evalue
    assert len(requests(emulator, "/v1/chat/completions")) == 0


# -- a tool with output of its own -----------------------------------------------------------
NOISY = '''
from IPython.display import HTML, Markdown, display

def noisy(city: str) -> str:
    """Looks things up, chattily."""
    print(f"looking up {city}")
    display(Markdown(f"**map of {city}**"))
    display(HTML("<b>chart</b>"))
    print("lookup done")
    return "21 C"
'''


@pytest.mark.parametrize(
    "setup",
    [
        "",  # widgets, tool on a worker thread
        "%config ResponsesMagics.widgets = False",  # an updating HTML display
        "%config ResponsesMagics.tool_timeout = 0",  # widgets, tool on the main thread
    ],
)
def test_a_tool_that_prints_and_displays_leaves_the_turn_intact(
    loaded: KernelSession, emulator: Emulator, setup: str
) -> None:
    loaded.execute(NOISY)
    if setup:
        loaded.execute(setup)
    emulator.enqueue(
        s.tool_calls(s.FunctionCall("noisy", {"city": "Oslo"}, call_id="n1")),
        s.text("The answer: 21 C in Oslo.", deltas=5, event_delay=0.01),
    )
    result = loaded.execute("%%respond --tools noisy\nWeather in Oslo?")
    assert result.error is None
    outputs = result.outputs
    # The turn's display is first, whole, and holds none of the tool's own output.
    ours = outputs[0]
    assert [o for o in outputs if "The answer: 21 C" in str(o)] == [ours]
    assert '🔧 noisy(city="Oslo") — done' in ours["data"]["text/html"]
    assert "The answer: 21 C in Oslo." in ours["data"]["text/plain"]
    for text in ("looking up", "map of", "chart", "lookup done"):
        assert text not in ours["data"]["text/html"] and text not in ours["data"]["text/plain"]
    # The tool's output are outputs of their own, in the order it made them.
    rest = outputs[1:]
    kinds = [(o["output_type"], sorted(o.get("data", {}))) for o in rest]
    assert ("display_data", ["text/markdown", "text/plain"]) in kinds
    assert ("display_data", ["text/html", "text/plain"]) in kinds
    assert result.stdout == "looking up Oslo\nlookup done\n"
    assert [o["data"]["text/markdown"] for o in rest if "text/markdown" in o.get("data", {})] == [
        "**map of Oslo**"
    ]
    # The live view (widgets) never received the tool's output either.
    values = " ".join(str(v) for vs in result.widget_values().values() for v in vs)
    assert "looking up" not in values and "map of" not in values
    # Exactly one display of the turn: it was updated in place, not displayed anew.
    turn_displays = [
        m for m in result.of_type("display_data") if (m["content"].get("transient") or {})
    ]
    assert len(turn_displays) == 1
