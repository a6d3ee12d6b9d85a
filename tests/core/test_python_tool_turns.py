"""``--tools python`` in-process against the emulator, through both APIs: how the tool
is declared, how the model's call is asked about, run in a real IPython shell's
namespace and answered, and how the call and its result are sent again (chained by
``previous_response_id``, resent as history, and to the other API). Every body the
emulator received must validate against OpenAI's spec."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from IPython.core.interactiveshell import InteractiveShell

from jupyter_responses import events as ev
from jupyter_responses.emulator import Emulator
from jupyter_responses.emulator import script as s
from jupyter_responses.errors import OptionsError
from jupyter_responses.session import Session
from jupyter_responses.tools import PYTHON_DESCRIPTION
from jupyter_responses.turn_request import TurnOptions, build_request
from tests.shells import own_shell
from tests.spec import validate_request

from .conftest import RecordingView, settings_for

CODE = "x = 6 * 7\nprint(x)\nx + 1"


@pytest.fixture
def shell(tmp_path: Path) -> Iterator[InteractiveShell]:
    with own_shell(tmp_path) as made:
        yield made


def ask(session: Session, shell: InteractiveShell, api: str, prompt: str, **options: Any) -> Any:
    """A request built from the shell's own namespace, as the magics build it."""
    return build_request(
        TurnOptions(api=api, prompt=prompt, **options),
        session.settings(),
        shell.user_ns,
        session.connection.files,
    )


def bodies(emulator: Emulator, path: str) -> list[dict[str, Any]]:
    found = [r.body for r in emulator.requests(path)]
    for body in found:
        validate_request("POST", path, body)
    return found


def python_call(code: str = CODE, call_id: str = "call_py") -> s.Reply:
    return s.tool_calls(s.CustomToolCall("python", code, call_id=call_id))


def test_responses_declares_a_freeform_tool_asks_runs_and_chains_the_output(
    session: Session, emulator: Emulator, shell: InteractiveShell, capsys: Any
) -> None:
    emulator.enqueue(python_call(), s.text("x is 42."))
    view = RecordingView(answers=[True])
    turn = session.run(ask(session, shell, "responses", "Compute.", tools=["python"]), view)

    assert view.asked == [("python", CODE)]
    assert shell.user_ns["x"] == 42  # it ran in the namespace, as a cell would
    assert "42" in capsys.readouterr().out  # and its output went where a cell's goes
    first, second = bodies(emulator, "/v1/responses")
    assert first["tools"] == [
        {"type": "custom", "name": "python", "description": PYTHON_DESCRIPTION}
    ]
    assert second["previous_response_id"] == next(iter(emulator.state.responses))
    assert second["input"] == [
        {"type": "custom_tool_call_output", "call_id": "call_py", "output": "42\n43"}
    ]
    assert [e["type"] for e in turn.output] == ["custom_call", "custom_call_output", "message"]
    assert turn.output[0] == {
        "type": "custom_call",
        "call_id": "call_py",
        "name": "python",
        "input": CODE,
    }
    (call,) = turn.calls
    assert call["detail"] == {"code": CODE, "language": "python"}
    assert (call["status"], call["output"]) == ("done", "42\n43")
    shown = [type(e) for e in view.events if isinstance(e, ev.ToolDetail | ev.ToolRunning)]
    assert shown == [ev.ToolDetail, ev.ToolRunning]  # the code is shown before it runs

    # The next turn chains to the loop's last response: nothing is resent.
    emulator.enqueue(s.text("Yes."))
    session.run(ask(session, shell, "responses", "Sure?"), RecordingView())
    third = bodies(emulator, "/v1/responses")[2]
    assert third["input"] == [{"role": "user", "content": "Sure?"}]


def test_without_store_the_call_and_its_output_are_resent_as_items(
    session: Session, emulator: Emulator, shell: InteractiveShell
) -> None:
    emulator.enqueue(python_call("print('hi')"), s.text("Said hi."), s.text("Again."))
    request = ask(session, shell, "responses", "Say hi.", tools=["python"], no_store=True)
    session.run(request, RecordingView(answers=[True]))
    session.run(ask(session, shell, "responses", "Again?", no_store=True), RecordingView())
    _first, second, third = bodies(emulator, "/v1/responses")
    call = {"type": "custom_tool_call", "call_id": "call_py", "name": "python"}
    items = [
        {**call, "input": "print('hi')"},
        {"type": "custom_tool_call_output", "call_id": "call_py", "output": "hi"},
    ]
    assert "previous_response_id" not in second
    assert second["input"] == [{"role": "user", "content": "Say hi."}, *items]
    assert third["input"][1:3] == items  # and in the next turn's history


def test_chat_declares_a_function_with_the_code_and_answers_in_a_tool_message(
    session: Session, emulator: Emulator, shell: InteractiveShell
) -> None:
    emulator.enqueue(
        s.tool_calls(s.FunctionCall("python", {"code": "y = 2 ** 10\ny"}, call_id="c1")),
        s.text("1024."),
    )
    view = RecordingView(answers=[True])
    turn = session.run(ask(session, shell, "chat", "Two to the ten?", tools=["python"]), view)
    assert view.asked == [("python", "y = 2 ** 10\ny")]  # the code, not its JSON
    assert shell.user_ns["y"] == 1024
    first, second = bodies(emulator, "/v1/chat/completions")
    assert first["tools"] == [
        {
            "type": "function",
            "function": {
                "name": "python",
                "description": PYTHON_DESCRIPTION,
                "parameters": {
                    "type": "object",
                    "properties": {"code": {"type": "string", "description": "The code to run."}},
                    "required": ["code"],
                    "additionalProperties": False,
                },
            },
        }
    ]
    assert second["messages"][-1] == {"role": "tool", "tool_call_id": "c1", "content": "1024"}
    assert turn.calls[0]["detail"] == {"code": "y = 2 ** 10\ny", "language": "python"}


def test_a_call_without_its_code_is_an_error_for_the_model(
    session: Session, emulator: Emulator, shell: InteractiveShell
) -> None:
    emulator.enqueue(
        s.tool_calls(s.FunctionCall("python", {"source": "1"}, call_id="c1")), s.text("Oops.")
    )
    turn = session.run(ask(session, shell, "chat", "Run.", tools=["python"]), RecordingView())
    assert turn.calls[0]["status"] == "error"
    last = bodies(emulator, "/v1/chat/completions")[1]["messages"][-1]
    assert last["content"].startswith("Error: invalid arguments: expected a JSON object")


def test_denied_code_does_not_run_and_the_model_is_told(
    session: Session, emulator: Emulator, shell: InteractiveShell
) -> None:
    emulator.enqueue(python_call("ran = True"), s.text("Not run."))
    view = RecordingView(answers=[False])
    turn = session.run(ask(session, shell, "responses", "Run.", tools=["python"]), view)
    assert "ran" not in shell.user_ns
    assert turn.calls[0]["status"] == "denied"
    second = bodies(emulator, "/v1/responses")[1]
    assert second["input"][0]["output"] == "The user declined to run this call."


def test_python_tool_approve_off_runs_without_asking_but_approve_still_asks(
    emulator: Emulator, shell: InteractiveShell, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    settings = settings_for(emulator, python_tool_approve=False)
    session = Session(lambda: settings)
    try:
        emulator.enqueue(python_call("a = 1"), s.text("Done."))
        view = RecordingView()
        session.run(ask(session, shell, "responses", "Run.", tools=["python"]), view)
        assert view.asked == [] and shell.user_ns["a"] == 1

        emulator.enqueue(python_call("b = 1", "call_b"), s.text("Not done."))
        view = RecordingView(answers=[False])
        request = ask(session, shell, "responses", "Run.", tools=["python"], approve=True)
        session.run(request, view)
        assert view.asked == [("python", "b = 1")] and "b" not in shell.user_ns
    finally:
        session.close()


def test_raising_code_sends_its_traceback(
    session: Session, emulator: Emulator, shell: InteractiveShell
) -> None:
    code = "def ratio(a, b):\n    return a / b\n\nratio(1, 0)"
    emulator.enqueue(python_call(code), s.text("Division by zero."))
    turn = session.run(
        ask(session, shell, "responses", "Run.", tools=["python"]), RecordingView(answers=[True])
    )
    output = bodies(emulator, "/v1/responses")[1]["input"][0]["output"]
    assert output.startswith("Traceback (most recent call last):")
    assert "return a / b" in output and output.endswith("ZeroDivisionError: division by zero")
    call = turn.calls[0]
    assert (call["status"], call["error"]) == ("error", "ZeroDivisionError: division by zero")


def test_a_responses_python_call_reaches_chat_as_a_custom_tool_call(
    session: Session, emulator: Emulator, shell: InteractiveShell
) -> None:
    emulator.enqueue(python_call("print(3)"), s.text("Three."), s.text("Still three."))
    request = ask(session, shell, "responses", "Run.", tools=["python"])
    session.run(request, RecordingView(answers=[True]))
    session.run(ask(session, shell, "chat", "Sure?"), RecordingView())
    (chat,) = bodies(emulator, "/v1/chat/completions")
    assert chat["messages"][1:4] == [
        {
            "role": "assistant",
            "tool_calls": [
                {
                    "id": "call_py",
                    "type": "custom",
                    "custom": {"name": "python", "input": "print(3)"},
                }
            ],
        },
        {"role": "tool", "tool_call_id": "call_py", "content": "3"},
        {"role": "assistant", "content": "Three."},
    ]


def test_the_name_is_reserved_and_needs_a_shell(
    session: Session, shell: InteractiveShell, monkeypatch: pytest.MonkeyPatch
) -> None:
    shell.user_ns["python"] = lambda: "mine"
    with pytest.raises(OptionsError, match="also defines a function named `python`"):
        ask(session, shell, "responses", "Run.", tools=["python"])
    shell.user_ns["python"] = "not a function"  # a variable is no confusion
    assert ask(session, shell, "responses", "Run.", tools=["python"]).tools[0].shell is shell

    import IPython

    monkeypatch.setattr(IPython, "get_ipython", lambda: None)
    with pytest.raises(OptionsError, match="in an IPython kernel, and there is none here"):
        build_request(
            TurnOptions(api="chat", prompt="Run.", tools=["python"]),
            session.settings(),
            {},
            session.connection.files,
        )


@pytest.mark.parametrize("api", ["responses", "chat"])
def test_a_whole_answer_calls_the_tool_as_a_stream_does(
    session: Session, emulator: Emulator, shell: InteractiveShell, api: str
) -> None:
    call = (
        s.CustomToolCall("python", "z = 5", call_id="w1")
        if api == "responses"
        else s.FunctionCall("python", {"code": "z = 5"}, call_id="w1")
    )
    emulator.enqueue(s.tool_calls(call), s.text("Set."))
    request = ask(session, shell, api, "Set z.", tools=["python"], no_stream=True)
    turn = session.run(request, RecordingView(answers=[True]))
    assert shell.user_ns["z"] == 5 and turn.text == "Set."
    assert turn.calls[0]["detail"] == {"code": "z = 5", "language": "python"}
