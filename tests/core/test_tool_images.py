"""Images tools return, in-process against the emulator through both APIs: a function's
PNG or figure and the python tool's plots go back to the model as image parts
(Responses: the output's ``input_image`` parts; Chat: a user message after the tool
messages), are recorded once in the turn's images, shown once, and resent in later
turns' history. Every body the emulator received must validate against OpenAI's spec."""

from __future__ import annotations

import base64
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from IPython.core.interactiveshell import InteractiveShell

from jupyter_responses import events as ev
from jupyter_responses.emulator import Emulator
from jupyter_responses.emulator import script as s
from jupyter_responses.session import Session
from jupyter_responses.turn_request import TurnOptions, build_request
from tests.shells import own_shell
from tests.spec import validate_request

from .conftest import RecordingView

PNG = base64.b64decode(s.TINY_PNG_B64)
PNG_URL = "data:image/png;base64," + s.TINY_PNG_B64
JPEG_URL = "data:image/jpeg;base64," + s.TINY_JPEG_B64
SAID = f"An image (image/png, {len(PNG)} bytes), attached."


def chart(name: str) -> bytes:
    """A chart of the series ``name``, as PNG."""
    return PNG


def photo() -> bytes:
    """A photo, as JPEG."""
    return base64.b64decode(s.TINY_JPEG_B64)


def ask(session: Session, api: str, prompt: str, namespace: Any = None, **options: Any) -> Any:
    names = {"chart": chart, "photo": photo} if namespace is None else namespace
    return build_request(
        TurnOptions(api=api, prompt=prompt, **options),
        session.settings(),
        names,
        session.connection.files,
    )


def bodies(emulator: Emulator, path: str) -> list[dict[str, Any]]:
    found = [r.body for r in emulator.requests(path)]
    for body in found:
        validate_request("POST", path, body)
    return found


def test_responses_sends_a_functions_image_as_parts_and_records_it_once(
    session: Session, emulator: Emulator
) -> None:
    emulator.enqueue(
        s.tool_calls(s.FunctionCall("chart", {"name": "a"}, call_id="c1")),
        s.tool_calls(s.FunctionCall("chart", {"name": "b"}, call_id="c2")),
    )  # then the emulator's own model answers, from what the tools returned
    view = RecordingView()
    turn = session.run(ask(session, "responses", "Charts?", tools=["chart"]), view)
    _first, second, third = bodies(emulator, "/v1/responses")
    assert second["input"] == [
        {
            "type": "function_call_output",
            "call_id": "c1",
            "output": [
                {"type": "input_text", "text": SAID},
                {"type": "input_image", "image_url": PNG_URL, "detail": "auto"},
            ],
        }
    ]
    assert third["input"][0]["call_id"] == "c2"  # chained: only the new round's output
    # One image per call, recorded once, each output pointing at its own.
    assert turn.images == [s.TINY_PNG_B64, s.TINY_PNG_B64]
    outputs = [e for e in turn.output if e["type"] == "function_call_output"]
    assert [o.get("images") for o in outputs] == [[0], [1]]
    images = [e for e in view.events if isinstance(e, ev.Image)]
    assert [(i.call_id, i.mime) for i in images] == [("c1", "image/png"), ("c2", "image/png")]
    assert turn.calls[0]["output"] == SAID
    assert "`chart` → " + SAID + " (+1 image)" in turn.text  # the model saw the image

    # Resent history (no store) carries each image again, from the one recorded copy.
    emulator.enqueue(s.text("Still two."))
    session.run(ask(session, "responses", "And now?", no_store=True), RecordingView())
    fourth = bodies(emulator, "/v1/responses")[3]
    resent = [i for i in fourth["input"] if i.get("type") == "function_call_output"]
    assert [i["output"][1]["image_url"] for i in resent] == [PNG_URL, PNG_URL]


def test_chat_sends_the_text_in_the_tool_message_and_the_images_after_the_round(
    session: Session, emulator: Emulator
) -> None:
    emulator.enqueue(
        s.tool_calls(
            s.FunctionCall("chart", {"name": "a"}, call_id="c1"),
            s.FunctionCall("photo", {}, call_id="c2"),
        ),
    )  # then the emulator's own model answers, from what the tools returned
    turn = session.run(ask(session, "chat", "Both?", tools=["chart", "photo"]), RecordingView())
    _first, second = bodies(emulator, "/v1/chat/completions")
    jpeg_said = f"An image (image/jpeg, {len(base64.b64decode(s.TINY_JPEG_B64))} bytes), attached."
    assert second["messages"][2:] == [
        {"role": "tool", "tool_call_id": "c1", "content": SAID},
        {"role": "tool", "tool_call_id": "c2", "content": jpeg_said},
        {
            "role": "user",
            "content": [
                {"type": "text", "text": "The image chart returned (call c1):"},
                {"type": "image_url", "image_url": {"url": PNG_URL}},
                {"type": "text", "text": "The image photo returned (call c2):"},
                {"type": "image_url", "image_url": {"url": JPEG_URL}},
            ],
        },
    ]
    assert turn.images == [s.TINY_PNG_B64, JPEG_URL]
    assert "(+2 images)" in turn.text  # the emulator read them as the tools' results

    # The next turn (either API) resends them from the history.
    emulator.enqueue(s.text("Yes."), s.text("Yes again."))
    session.run(ask(session, "chat", "Sure?"), RecordingView())
    session.run(ask(session, "responses", "Really?"), RecordingView())
    third = bodies(emulator, "/v1/chat/completions")[2]
    assert third["messages"][4]["content"][3] == {
        "type": "image_url",
        "image_url": {"url": JPEG_URL},
    }
    (responses,) = bodies(emulator, "/v1/responses")
    outputs = [i for i in responses["input"] if i.get("type") == "function_call_output"]
    assert [o["output"][1]["image_url"] for o in outputs] == [PNG_URL, JPEG_URL]


@pytest.fixture
def shell(tmp_path: Path) -> Iterator[InteractiveShell]:
    with own_shell(tmp_path) as made:
        yield made


PLOT = """
import matplotlib
matplotlib.use("Agg")
from matplotlib import pyplot
figure, axes = pyplot.subplots(figsize=(2, 1))
axes.plot([1, 4, 9])
print("plotted")
"""


@pytest.mark.parametrize("api", ["responses", "chat"])
def test_the_python_tools_figure_goes_back_as_an_image_it_has_shown_itself(
    session: Session, emulator: Emulator, shell: InteractiveShell, api: str
) -> None:
    import matplotlib  # noqa: F401  (a test dependency: never skipped)

    call = (
        s.CustomToolCall("python", PLOT, call_id="p1")
        if api == "responses"
        else s.FunctionCall("python", {"code": PLOT}, call_id="p1")
    )
    emulator.enqueue(s.tool_calls(call), s.text("A curve."))
    view = RecordingView(answers=[True])
    turn = session.run(ask(session, api, "Plot.", shell.user_ns, tools=["python"]), view)
    (image,) = turn.images
    assert base64.b64decode(image).startswith(b"\x89PNG\r\n\x1a\n")
    assert not [e for e in view.events if isinstance(e, ev.Image)]  # the cell has it already
    (result,) = [e for e in view.events if isinstance(e, ev.ToolResult)]
    assert result.images == (("image/png", image),)
    url = "data:image/png;base64," + image
    if api == "responses":
        output = bodies(emulator, "/v1/responses")[1]["input"][0]
        assert output["type"] == "custom_tool_call_output"
        assert output["output"][1] == {"type": "input_image", "image_url": url, "detail": "auto"}
        assert output["output"][0]["text"].startswith("plotted\n")
    else:
        messages = bodies(emulator, "/v1/chat/completions")[1]["messages"]
        assert messages[-2]["role"] == "tool" and messages[-2]["content"].startswith("plotted")
        assert messages[-1]["content"][1] == {"type": "image_url", "image_url": {"url": url}}
