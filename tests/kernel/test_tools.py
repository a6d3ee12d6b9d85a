"""Local function tools in a real kernel: the loop, parallel calls, errors, the round
cap and approval, with the exact requests both APIs receive."""

from __future__ import annotations

import json

from jupyter_responses.emulator import Emulator
from jupyter_responses.emulator import script as s

from .harness import KernelSession
from .recorded import requests

TOOLS = '''
from typing import Literal

calls = []

def get_weather(city: str, unit: Literal["C", "F"] = "C") -> dict:
    """Current weather for a city.

    Args:
        city: The city, e.g. Oslo.
        unit: Celsius or Fahrenheit.
    """
    calls.append(("get_weather", city, unit))
    return {"city": city, "temp": 21 if unit == "C" else 70, "unit": unit}

def get_time(city: str) -> str:
    """Local time in a city."""
    calls.append(("get_time", city))
    return f"12:00 in {city}"

def broken(x: int) -> int:
    """Always fails."""
    raise ValueError(f"no luck with {x}")
'''


def _define_tools(kernel: KernelSession) -> None:
    kernel.execute(TOOLS)


def _outputs(body: dict) -> list[dict]:
    return [i for i in body["input"] if i.get("type") == "function_call_output"]


def test_two_round_loop_responses_chains_each_round(
    loaded: KernelSession, emulator: Emulator
) -> None:
    _define_tools(loaded)
    emulator.enqueue(
        s.tool_calls(s.FunctionCall("get_weather", {"city": "Oslo"}, call_id="call_w")),
        s.tool_calls(s.FunctionCall("get_time", {"city": "Oslo"}, call_id="call_t")),
        s.text("It is 21 °C at noon in Oslo."),
    )
    result = loaded.execute("%%respond --tools get_weather get_time\nWeather and time in Oslo?")
    assert "It is 21 °C at noon in Oslo." in result.html
    assert '🔧 get_weather(city="Oslo") — done' in result.html
    assert '🔧 get_time(city="Oslo") — done' in result.html
    assert loaded.execute("print(calls)").stdout.strip() == (
        "[('get_weather', 'Oslo', 'C'), ('get_time', 'Oslo')]"
    )

    r1, r2, r3 = requests(emulator, "/v1/responses")
    assert r1["tools"][0] == {
        "type": "function",
        "name": "get_weather",
        "description": "Current weather for a city.",
        "parameters": {
            "type": "object",
            "properties": {
                "city": {"type": "string", "description": "The city, e.g. Oslo."},
                "unit": {
                    "enum": ["C", "F"],
                    "type": "string",
                    "default": "C",
                    "description": "Celsius or Fahrenheit.",
                },
            },
            "required": ["city"],
            "additionalProperties": False,
        },
        "strict": False,
    }
    ids = list(emulator.state.responses)
    assert r2["previous_response_id"] == ids[0]
    assert r2["input"] == [
        {
            "type": "function_call_output",
            "call_id": "call_w",
            "output": '{"city":"Oslo","temp":21,"unit":"C"}',
        }
    ]
    assert r3["input"] == [
        {"type": "function_call_output", "call_id": "call_t", "output": "12:00 in Oslo"}
    ]
    assert r3["tools"] == r1["tools"]

    # The next turn chains to the last round's response.
    loaded.execute("%%respond\nThanks.")
    r4 = requests(emulator, "/v1/responses")[3]
    assert r4["previous_response_id"] == list(emulator.state.responses)[2]


def test_two_round_loop_chat_resends_calls_and_results(
    loaded: KernelSession, emulator: Emulator
) -> None:
    _define_tools(loaded)
    emulator.enqueue(
        s.tool_calls(s.FunctionCall("get_weather", {"city": "Oslo"}, call_id="call_w")),
        s.tool_calls(s.FunctionCall("get_time", {"city": "Oslo"}, call_id="call_t")),
        s.text("Noon and mild."),
    )
    result = loaded.execute("%%chat --tools get_weather get_time\nWeather and time in Oslo?")
    assert "Noon and mild." in result.html

    c1, c2, c3 = requests(emulator, "/v1/chat/completions")
    assert c1["tools"][1] == {
        "type": "function",
        "function": {
            "name": "get_time",
            "description": "Local time in a city.",
            "parameters": {
                "type": "object",
                "properties": {"city": {"type": "string"}},
                "required": ["city"],
                "additionalProperties": False,
            },
        },
    }
    call_w = {
        "id": "call_w",
        "type": "function",
        "function": {"name": "get_weather", "arguments": '{"city": "Oslo"}'},
    }
    assert c2["messages"][1:] == [
        {"role": "assistant", "tool_calls": [call_w]},
        {
            "role": "tool",
            "tool_call_id": "call_w",
            "content": '{"city":"Oslo","temp":21,"unit":"C"}',
        },
    ]
    assert c3["messages"][-1] == {
        "role": "tool",
        "tool_call_id": "call_t",
        "content": "12:00 in Oslo",
    }
    # A %%respond turn afterwards carries the chat turn's calls and results as items.
    loaded.execute("%%respond\nAnd tomorrow?")
    (r1,) = requests(emulator, "/v1/responses")
    kinds = [i.get("type", i.get("role")) for i in r1["input"]]
    assert kinds == [
        "user",
        "function_call",
        "function_call_output",
        "function_call",
        "function_call_output",
        "assistant",
        "user",
    ]


def test_parallel_calls_run_in_order_and_return_together(
    loaded: KernelSession, emulator: Emulator
) -> None:
    _define_tools(loaded)
    emulator.enqueue(
        s.tool_calls(
            s.FunctionCall("get_weather", {"city": "Oslo"}, call_id="c1"),
            s.FunctionCall("get_weather", {"city": "Lima", "unit": "F"}, call_id="c2"),
            s.FunctionCall("get_time", {"city": "Lima"}, call_id="c3"),
        ),
        s.text("Compared."),
    )
    loaded.execute("%%respond --tools get_weather get_time\nCompare Oslo and Lima.")
    _r1, r2 = requests(emulator, "/v1/responses")
    assert [o["call_id"] for o in _outputs(r2)] == ["c1", "c2", "c3"]
    assert json.loads(_outputs(r2)[1]["output"]) == {"city": "Lima", "temp": 70, "unit": "F"}
    assert "Lima" in loaded.execute("print(calls)").stdout

    emulator.enqueue(
        s.tool_calls(
            s.FunctionCall("get_time", {"city": "Oslo"}, call_id="d1"),
            s.FunctionCall("get_time", {"city": "Rome"}, call_id="d2"),
        ),
        s.text("Both noon."),
    )
    loaded.execute("%%chat --tools get_time\nTimes?")
    _c1, c2 = requests(emulator, "/v1/chat/completions")
    assistant = [m for m in c2["messages"] if m.get("tool_calls")][-1]
    assert [c["id"] for c in assistant["tool_calls"]] == ["d1", "d2"]
    assert [m["tool_call_id"] for m in c2["messages"] if m["role"] == "tool"][-2:] == ["d1", "d2"]


def test_raising_tool_bad_arguments_and_unknown_names_go_back_as_errors(
    loaded: KernelSession, emulator: Emulator
) -> None:
    _define_tools(loaded)
    emulator.enqueue(
        s.tool_calls(
            s.FunctionCall("broken", {"x": 3}, call_id="b1"),
            s.FunctionCall("get_weather", {"unit": "K"}, call_id="b2"),
            s.FunctionCall("os_system", {"cmd": "rm -rf /"}, call_id="b3"),
        ),
        s.text("Sorry, the tools failed."),
    )
    result = loaded.execute("%%respond --tools broken get_weather\nTry.")
    assert result.error is None  # the turn goes on
    assert "Sorry, the tools failed." in result.html
    assert "ValueError: no luck with 3" in result.html
    _r1, r2 = requests(emulator, "/v1/responses")
    outputs = {o["call_id"]: o["output"] for o in _outputs(r2)}
    assert outputs["b1"] == "Error: ValueError: no luck with 3"
    assert outputs["b2"].startswith("Error: invalid arguments (city: Missing required argument;")
    assert "unit: Input should be 'C' or 'F'" in outputs["b2"]
    assert outputs["b3"] == "Error: no tool named 'os_system' was offered."
    assert loaded.execute("print(calls)").stdout.strip() == "[]"


def test_round_cap_stops_with_a_message_and_keeps_history_valid(
    loaded: KernelSession, emulator: Emulator
) -> None:
    _define_tools(loaded)
    emulator.enqueue(
        s.tool_calls(s.FunctionCall("get_time", {"city": "A"}, call_id="k1")),
        s.tool_calls(s.FunctionCall("get_time", {"city": "B"}, call_id="k2")),
        s.tool_calls(s.FunctionCall("get_time", {"city": "C"}, call_id="k3")),
    )
    result = loaded.execute(
        "%%chat --tools get_time --max-tool-rounds 2\nLoop forever.", allow_errors=True
    )
    message = result.failure("ToolRoundsExceeded")
    assert "Stopped after 2 rounds of tool calls" in message and "--max-tool-rounds" in message
    assert result.error.heading == "Too many tool rounds"
    assert "Stopped at the limit" not in result.plain  # said once, by the error
    assert len(requests(emulator, "/v1/chat/completions")) == 3
    assert loaded.execute("print(calls)").stdout.strip() == "[('get_time', 'A'), ('get_time', 'B')]"

    # The unanswered last call got a "not run" result, so the history stays valid.
    loaded.execute("%%chat\nJust answer.")
    last = requests(emulator, "/v1/chat/completions")[-1]
    tool_messages = [m for m in last["messages"] if m["role"] == "tool"]
    assert [m["tool_call_id"] for m in tool_messages] == ["k1", "k2", "k3"]
    assert tool_messages[-1]["content"].startswith("Not run: the limit of 2 tool rounds")
    history = loaded.execute("%responses history").stdout
    assert "1. ⛔ [chat" in history  # kept as stopped, and used as context


def test_only_named_functions_are_offered(loaded: KernelSession, emulator: Emulator) -> None:
    _define_tools(loaded)
    result = loaded.execute("%%respond --tools nope\nHi", allow_errors=True)
    assert result.error is not None and "no function named `nope`" in result.error.evalue
    result = loaded.execute("x = 3", allow_errors=True)
    result = loaded.execute("%%respond --tools x\nHi", allow_errors=True)
    assert (
        result.error is not None
        and "`x` is not a function (it is of type int)" in result.error.evalue
    )
    assert requests(emulator, "/v1/responses") == []
    assert "No turns yet." in loaded.execute("%responses history").stdout


def test_approve_asks_before_each_call_and_no_means_not_run(
    loaded: KernelSession, emulator: Emulator
) -> None:
    _define_tools(loaded)
    emulator.enqueue(
        s.tool_calls(s.FunctionCall("get_time", {"city": "Oslo"}, call_id="a1")),
        s.tool_calls(s.FunctionCall("get_time", {"city": "Rome"}, call_id="a2")),
        s.text("One of two."),
    )
    msg_id = loaded.execute_async("%%respond --tools get_time --approve\nTimes?", allow_stdin=True)
    assert loaded.answer_input("y") == 'Run get_time({"city": "Oslo"})? [y/N] '
    assert loaded.answer_input("") == 'Run get_time({"city": "Rome"})? [y/N] '
    result = loaded.collect(msg_id, timeout=60)
    assert "One of two." in result.html
    assert '🔧 get_time(city="Rome") — denied' in result.html
    assert loaded.execute("print(calls)").stdout.strip() == "[('get_time', 'Oslo')]"
    _r1, r2, r3 = requests(emulator, "/v1/responses")
    assert _outputs(r2)[0]["output"] == "12:00 in Oslo"
    assert _outputs(r3)[0]["output"] == "The user declined to run this call."


def test_approve_without_stdin_runs_nothing(loaded: KernelSession, emulator: Emulator) -> None:
    """A headless run (nbclient, papermill) cannot answer: nothing runs, the turn goes on."""
    _define_tools(loaded)
    emulator.enqueue(
        s.tool_calls(s.FunctionCall("get_time", {"city": "Oslo"}, call_id="h1")),
        s.text("Could not check."),
    )
    result = loaded.execute("%%chat --tools get_time --approve\nTime?")
    assert "nobody can answer here" in result.stdout
    assert "Could not check." in result.html
    assert loaded.execute("print(calls)").stdout.strip() == "[]"


def test_no_store_loop_resends_the_whole_turn_each_round(
    loaded: KernelSession, emulator: Emulator
) -> None:
    _define_tools(loaded)
    emulator.enqueue(
        s.Reply(
            items=[
                s.Reasoning("Need the time."),
                s.FunctionCall("get_time", {"city": "Oslo"}, call_id="n1"),
            ]
        ),
        s.text("Noon."),
    )
    loaded.execute("%%respond --no-store --reasoning low --tools get_time\nTime?")
    _r1, r2 = requests(emulator, "/v1/responses")
    assert "previous_response_id" not in r2
    assert [i.get("type", i.get("role")) for i in r2["input"]] == [
        "user",
        "reasoning",
        "function_call",
        "function_call_output",
    ]
    assert r2["input"][1]["encrypted_content"]
