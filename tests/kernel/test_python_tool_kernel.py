"""``--tools python`` and images from tools in a real kernel against the emulator: the
code asked about at the input prompt and run in the kernel's namespace (approved,
denied, timing out, raising), run without asking when ``python_tool_approve`` is off,
and a figure a function returns sent to the model as an image through both APIs, with
the exact (spec-valid) requests."""

from __future__ import annotations

from jupyter_responses.emulator import Emulator
from jupyter_responses.emulator import script as s

from .harness import KernelSession
from .recorded import requests

NO_ASKING = "%config ResponsesMagics.python_tool_approve = False"


def _python(code: str, call_id: str = "k1") -> s.Reply:
    return s.tool_calls(s.CustomToolCall("python", code, call_id=call_id))


def test_approved_code_runs_in_the_kernel_and_its_output_goes_back(
    loaded: KernelSession, emulator: Emulator
) -> None:
    loaded.execute("base = 40")
    code = "total = base + 2\nprint(total)\ntotal * 2"
    emulator.enqueue(_python(code), s.text("It is 42."))
    msg_id = loaded.execute_async("%%respond --tools python\nAdd two to base.", allow_stdin=True)
    prompt = loaded.answer_input("y")
    assert prompt == (
        "Run this python code?\n    total = base + 2\n    print(total)\n    total * 2\n[y/N] "
    )
    result = loaded.collect(msg_id, timeout=60)
    assert "It is 42." in result.html
    assert "🐍 python: total = base + 2 — done" in result.html
    assert 'data-jr-lang="python"' in result.html  # the code, highlighted as Python
    assert "42" in result.stdout and "84" in result.plain  # the cell got its output
    assert loaded.execute("print(total)").stdout.strip() == "42"  # and its variables

    first, second = requests(emulator, "/v1/responses")
    assert first["tools"][0]["type"] == "custom" and first["tools"][0]["name"] == "python"
    assert second["input"] == [
        {"type": "custom_tool_call_output", "call_id": "k1", "output": "42\n84"}
    ]


def test_denied_code_does_not_run_and_chat_tells_the_model(
    loaded: KernelSession, emulator: Emulator
) -> None:
    emulator.enqueue(
        s.tool_calls(s.FunctionCall("python", {"code": "touched = True"}, call_id="d1")),
        s.text("Left alone."),
    )
    msg_id = loaded.execute_async("%%chat --tools python\nTouch it.", allow_stdin=True)
    assert loaded.answer_input("n") == "Run this python code?\n    touched = True\n[y/N] "
    result = loaded.collect(msg_id, timeout=60)
    assert "🐍 python: touched = True — denied" in result.html
    assert loaded.execute("print('touched' in globals())").stdout.strip() == "False"
    _first, second = requests(emulator, "/v1/chat/completions")
    assert second["messages"][-1] == {
        "role": "tool",
        "tool_call_id": "d1",
        "content": "The user declined to run this call.",
    }


def test_without_asking_code_runs_and_a_timeout_interrupts_it(
    loaded: KernelSession, emulator: Emulator
) -> None:
    loaded.execute(NO_ASKING)
    slow = "import time\nfor step in range(400):\n    time.sleep(0.05)\nprint('finished')"
    emulator.enqueue(_python("quick = 1"), _python(slow, "k2"), s.text("Too slow."))
    result = loaded.execute("%%respond --tools python --tool-timeout 1\nRun both.")
    assert "nobody can answer" not in result.stdout  # nothing was asked
    assert "finished" not in result.stdout
    assert "🐍 python: import time — error" in result.html
    _first, second, third = requests(emulator, "/v1/responses")
    assert second["input"][0]["output"] == "(no output)"
    assert third["input"] == [
        {
            "type": "custom_tool_call_output",
            "call_id": "k2",
            "output": "Error: timed out after 1 s; the code was interrupted.",
        }
    ]
    assert loaded.execute("print(quick, step < 399)").stdout.strip() == "1 True"


def test_raising_code_sends_the_traceback_to_the_model(
    loaded: KernelSession, emulator: Emulator
) -> None:
    loaded.execute(NO_ASKING)
    code = "items = [1, 2]\nprint('before')\nitems[5]"
    emulator.enqueue(_python(code), s.text("Out of range."))
    result = loaded.execute("%%respond --tools python\nIndex it.")
    assert result.error is None  # the turn goes on
    assert "🐍 python: items = [1, 2] — error" in result.html
    output = requests(emulator, "/v1/responses")[1]["input"][0]["output"]
    assert output.startswith("before\nTraceback (most recent call last):")
    assert 'File "<python-tool-' in output and "items[5]" in output
    assert output.endswith("IndexError: list index out of range")
    assert "\x1b[" not in output  # no terminal colours for the model


PLOT = '''
import matplotlib
matplotlib.use("Agg")
from matplotlib import pyplot
from matplotlib.figure import Figure

def plot_series(n: int) -> Figure:
    """Plot the first n squares."""
    figure, axes = pyplot.subplots(figsize=(2, 1))
    axes.plot([k * k for k in range(n)])
    return figure
'''


def _image_outputs(result: object) -> list[str]:
    return [o["data"]["image/png"] for o in result.outputs if "image/png" in o.get("data", {})]  # type: ignore[attr-defined]


def test_a_figure_a_function_returns_goes_back_as_an_image_through_both_apis(
    loaded: KernelSession, emulator: Emulator
) -> None:
    loaded.execute(PLOT)
    emulator.enqueue(s.tool_calls(s.FunctionCall("plot_series", {"n": 5}, call_id="f1")))
    result = loaded.execute("%%respond --tools plot_series\nPlot five squares.")
    (shown,) = _image_outputs(result)  # the cell shows the figure once
    assert "(+1 image)" in result.html  # the emulator's model got it as an image
    second = requests(emulator, "/v1/responses")[1]
    (output,) = second["input"]
    assert output["type"] == "function_call_output"
    text, image = output["output"]
    assert text["type"] == "input_text" and text["text"].startswith("An image (image/png, ")
    assert image == {
        "type": "input_image",
        "image_url": f"data:image/png;base64,{shown}",
        "detail": "auto",
    }

    emulator.enqueue(s.tool_calls(s.FunctionCall("plot_series", {"n": 3}, call_id="f2")))
    result = loaded.execute("%%chat --tools plot_series\nNow three.")
    (shown,) = _image_outputs(result)
    assert "(+1 image)" in result.html
    messages = requests(emulator, "/v1/chat/completions")[1]["messages"]
    tool, user = messages[-2:]
    assert tool["role"] == "tool" and tool["content"].startswith("An image (image/png, ")
    assert user == {
        "role": "user",
        "content": [
            {"type": "text", "text": "The image plot_series returned (call f2):"},
            {"type": "image_url", "image_url": {"url": f"data:image/png;base64,{shown}"}},
        ],
    }
    # The chat request resent the first turn's image too, from its one recorded copy.
    earlier = [m for m in messages[:-2] if m["role"] == "user" and isinstance(m["content"], list)]
    assert earlier[0]["content"][1]["image_url"]["url"].startswith("data:image/png;base64,")
