"""Computer calls in the emulator: a scripted ``ComputerCall`` reaches the real SDK,
streamed and whole, in both the computer tool's shape (``actions``) and the preview
tool's (``action``); everything sent validates against OpenAI's published spec; a
screenshot sent back continues the chain and is recorded; pending safety checks must
be acknowledged; bad declarations and answers get OpenAI's 400; Chat has no computer."""

from __future__ import annotations

import base64
import copy
import io
import json
import urllib.error
import urllib.request
from typing import Any

import openai
import pytest
from openai import OpenAI
from openai.types.responses import (
    ComputerTool,
    ComputerUsePreviewTool,
    ResponseCompletedEvent,
    ResponseComputerToolCall,
    ResponseCreatedEvent,
    ResponseInProgressEvent,
    ResponseOutputItemAddedEvent,
    ResponseOutputItemDoneEvent,
)
from PIL import Image

from jupyter_responses.computer import actions_of, describe
from jupyter_responses.emulator import Emulator
from jupyter_responses.emulator import script as s
from tests.emulator.shapes import refused
from tests.protocol.conftest import Raw
from tests.spec import validate_request, validate_response, validate_response_event

COMPUTER = {"type": "computer"}
PREVIEW = {
    "type": "computer_use_preview",
    "display_width": 1024,
    "display_height": 768,
    "environment": "browser",
}
#: One action of each type the API sends.
ACTIONS: list[dict[str, Any]] = [
    {"type": "screenshot"},
    {"type": "click", "x": 120, "y": 340, "button": "left"},
    {"type": "double_click", "x": 5, "y": 6},
    {"type": "drag", "path": [{"x": 1, "y": 2}, {"x": 3, "y": 4}], "keys": ["shift"]},
    {"type": "keypress", "keys": ["CTRL", "A"]},
    {"type": "move", "x": 7, "y": 8},
    {"type": "scroll", "x": 10, "y": 20, "scroll_x": 0, "scroll_y": 300},
    {"type": "type", "text": "hello"},
    {"type": "wait"},
]
LINES = [
    "screenshot",
    "click (120, 340)",
    "double click (5, 6)",
    "drag (1, 2) → (3, 4) with Shift",
    "keypress Ctrl+A",
    "move to (7, 8)",
    "scroll (10, 20) by 0, 300",
    "type “hello”",
    "wait 1 s",
]
CALL = s.ComputerCall(ACTIONS, call_id="call_cu1")
BODY = {"model": "computer-use", "input": "open the page", "tools": [COMPUTER]}
CHECK = {"id": "cu_sc_1", "code": "malicious_instructions", "message": "Check the page."}


def _png(width: int = 32, height: int = 24) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (width, height), "orange").save(buffer, format="PNG")
    return buffer.getvalue()


def _output(call_id: str, png: bytes | None = None, **extra: Any) -> dict[str, Any]:
    image = base64.b64encode(png or _png()).decode()
    return {
        "type": "computer_call_output",
        "call_id": call_id,
        "output": {"type": "computer_screenshot", "image_url": f"data:image/png;base64,{image}"},
        **extra,
    }


def test_a_streamed_call_parses_into_the_sdks_own_classes(
    emulator: Emulator, client: OpenAI
) -> None:
    emulator.enqueue(s.Reply(items=[copy.deepcopy(CALL)]))
    events = list(client.responses.create(stream=True, **BODY))  # type: ignore[call-overload]
    assert [type(e) for e in events] == [
        ResponseCreatedEvent,
        ResponseInProgressEvent,
        ResponseOutputItemAddedEvent,
        ResponseOutputItemDoneEvent,
        ResponseCompletedEvent,
    ]
    assert [e.sequence_number for e in events] == list(range(len(events)))
    added, done = events[2].item, events[3].item
    assert isinstance(added, ResponseComputerToolCall) and added.status == "in_progress"
    assert isinstance(done, ResponseComputerToolCall) and done.status == "completed"
    assert (done.id, done.call_id, done.action) == (added.id, "call_cu1", None)
    assert done.id.startswith("cu_") and done.pending_safety_checks == []
    assert [a.type for a in done.actions or []] == [a["type"] for a in ACTIONS]
    final = events[-1].response
    assert final.output[0].model_dump() == done.model_dump()
    assert isinstance(final.tools[0], ComputerTool)
    # The computer package reads what the SDK parsed, as the backend will hand it over.
    assert [describe(a) for a in actions_of(done.model_dump())] == LINES


def test_a_whole_answer_holds_the_call(emulator: Emulator, client: OpenAI) -> None:
    emulator.enqueue(s.Reply(items=[copy.deepcopy(CALL), s.Text("Looking.")]))
    response = client.responses.create(**BODY)  # type: ignore[call-overload]
    call = response.output[0]
    assert isinstance(call, ResponseComputerToolCall) and call.status == "completed"
    assert call.actions is not None and call.actions[2].type == "double_click"
    again = client.responses.retrieve(response.id)
    assert again.output[0].model_dump() == call.model_dump()


def test_the_preview_tool_s_call_has_one_action(emulator: Emulator, client: OpenAI) -> None:
    click = {"type": "click", "x": 1, "y": 2, "button": "right", "keys": ["ctrl"]}
    call = s.ComputerCall([click], [CHECK], call_id="call_pv", preview=True)
    body = {**BODY, "tools": [PREVIEW]}
    emulator.enqueue(s.Reply(items=[call]))
    events = list(client.responses.create(stream=True, **body))  # type: ignore[call-overload]
    done = events[3].item
    assert isinstance(done, ResponseComputerToolCall) and done.actions is None
    assert done.action is not None and done.action.type == "click"
    assert [c.model_dump() for c in done.pending_safety_checks] == [CHECK]
    assert isinstance(events[-1].response.tools[0], ComputerUsePreviewTool)
    assert [describe(a) for a in actions_of(done.model_dump())] == ["right click (1, 2) with Ctrl"]
    emulator.enqueue(s.Reply(items=[copy.deepcopy(call)]))
    whole = client.responses.create(**body)  # type: ignore[call-overload]
    assert whole.output[0].model_dump() == {**done.model_dump(), "id": whole.output[0].id}


def test_a_preview_call_of_several_actions_is_refused() -> None:
    with pytest.raises(ValueError, match="exactly one action, not 2"):
        s.ComputerCall(ACTIONS[:2], preview=True)


def test_everything_sent_matches_the_spec(emulator: Emulator, raw: Raw) -> None:
    for tools, call in (
        ([COMPUTER], s.ComputerCall(ACTIONS, [CHECK], call_id="call_a")),
        ([PREVIEW], s.ComputerCall(ACTIONS[2:3], [{"id": "cu_sc_2"}], "call_b", preview=True)),
    ):
        body = {**BODY, "tools": tools}
        validate_request("POST", "/v1/responses", body)
        emulator.enqueue(s.Reply(items=[copy.deepcopy(call)]))
        events = raw.events("/v1/responses", body)
        for name, data in events:
            assert name == data["type"]
            validate_response_event(data)
        emulator.enqueue(s.Reply(items=[copy.deepcopy(call)]))
        status, first = raw.json("POST", "/v1/responses", body)
        validate_response("POST", "/v1/responses", status, first)
        assert first["output"][0]["pending_safety_checks"][0]["id"] in ("cu_sc_1", "cu_sc_2")

    answer = {
        "model": "computer-use",
        "previous_response_id": first["id"],
        "tools": [PREVIEW],
        "input": [_output("call_b", acknowledged_safety_checks=[{"id": "cu_sc_2"}])],
    }
    validate_request("POST", "/v1/responses", answer)
    status, second = raw.json("POST", "/v1/responses", answer)
    assert status == 200, second
    validate_response("POST", "/v1/responses", status, second)
    path = f"/v1/responses/{second['id']}/input_items"
    status, items = raw.json("GET", path)
    validate_response("GET", path, status, items)
    assert [(i["type"], i["status"]) for i in items["data"]] == [
        ("computer_call_output", "completed")
    ]


def test_a_screenshot_sent_back_continues_the_chain_and_is_recorded(
    emulator: Emulator, client: OpenAI
) -> None:
    emulator.enqueue(s.Reply(items=[copy.deepcopy(CALL)]))
    first = client.responses.create(**BODY)  # type: ignore[call-overload]
    png = _png(64, 48)
    second = client.responses.create(
        model="computer-use",
        previous_response_id=first.id,
        input=[_output("call_cu1", png)],  # type: ignore[list-item]
        tools=[COMPUTER],  # type: ignore[list-item]
    )
    assert second.previous_response_id == first.id
    assert "`computer` → a screenshot of 64x48 pixels" in second.output_text
    assert "That is the screen after the actions" in second.output_text
    sent = emulator.requests("/v1/responses")[-1].body["input"][0]
    url = sent["output"]["image_url"]
    assert base64.b64decode(url.removeprefix("data:image/png;base64,")) == png


def test_history_resent_with_the_call_is_accepted(emulator: Emulator, client: OpenAI) -> None:
    # (Not a double_click: its ``keys: null``, which the spec requires, would be dropped
    # by exclude_none.)
    emulator.enqueue(s.Reply(items=[s.ComputerCall(ACTIONS[:2], call_id="call_cu1")]))
    first = client.responses.create(**BODY, store=False)  # type: ignore[call-overload]
    history = [
        {"role": "user", "content": "open the page"},
        first.output[0].model_dump(exclude_none=True),
        _output("call_cu1"),
    ]
    validate_request("POST", "/v1/responses", {"model": "m", "input": history})
    second = client.responses.create(
        model="computer-use",
        input=history,
        tools=[COMPUTER],  # type: ignore[list-item]
        store=False,
    )
    assert "a screenshot of 32x24 pixels" in second.output_text


def test_an_unacknowledged_safety_check_is_a_400(emulator: Emulator, client: OpenAI) -> None:
    other = {"id": "cu_sc_other"}
    emulator.enqueue(s.Reply(items=[s.ComputerCall(ACTIONS[:1], [CHECK, other], "call_sc")]))
    first = client.responses.create(**BODY)  # type: ignore[call-overload]
    for acknowledged in (None, [CHECK]):
        extra: dict[str, Any] = {}
        if acknowledged is not None:
            extra["acknowledged_safety_checks"] = acknowledged
        with pytest.raises(openai.BadRequestError) as caught:
            client.responses.create(
                model="computer-use",
                previous_response_id=first.id,
                input=[_output("call_sc", **extra)],  # type: ignore[list-item]
            )
        missing = ["cu_sc_other"] if acknowledged else ["cu_sc_1", "cu_sc_other"]
        assert caught.value.message.endswith(
            f"Computer tool has unacknowledged safety check for {missing}"
        )
        assert caught.value.param == "input"
    answered = client.responses.create(
        model="computer-use",
        previous_response_id=first.id,
        input=[_output("call_sc", acknowledged_safety_checks=[CHECK, other])],  # type: ignore[list-item]
    )
    assert answered.status == "completed"


def test_an_answer_to_no_call_is_refused(emulator: Emulator, client: OpenAI) -> None:
    emulator.enqueue(s.Reply(items=[copy.deepcopy(CALL)]))
    first = client.responses.create(**BODY)  # type: ignore[call-overload]
    with pytest.raises(openai.BadRequestError, match="No tool call found for computer call output"):
        client.responses.create(
            model="computer-use",
            previous_response_id=first.id,
            input=[_output("call_other")],  # type: ignore[list-item]
        )


def test_an_answer_further_up_the_chain_is_found(emulator: Emulator, client: OpenAI) -> None:
    """The call may be several responses back (the user spoke in between)."""
    emulator.enqueue(s.Reply(items=[s.ComputerCall(ACTIONS[:1], [CHECK], "call_far")]))
    first = client.responses.create(**BODY)  # type: ignore[call-overload]
    between = client.responses.create(
        model="computer-use", previous_response_id=first.id, input="wait"
    )
    with pytest.raises(openai.BadRequestError, match="unacknowledged safety check"):
        client.responses.create(
            model="computer-use",
            previous_response_id=between.id,
            input=[_output("call_far")],  # type: ignore[list-item]
        )


BAD_TOOLS: dict[str, tuple[dict[str, Any], str, str]] = {
    "the computer tool with a field it has not": (
        {"type": "computer", "display_width": 10},
        "tools[0].display_width",
        "unknown_parameter",
    ),
    "a preview without its width": (
        {k: v for k, v in PREVIEW.items() if k != "display_width"},
        "tools[0].display_width",
        "missing_required_parameter",
    ),
    "a preview with a height in words": (
        {**PREVIEW, "display_height": "768"},
        "tools[0].display_height",
        "invalid_type",
    ),
    "a preview of no size": (
        {**PREVIEW, "display_width": 0},
        "tools[0].display_width",
        "integer_below_min_value",
    ),
    "a preview of an unknown environment": (
        {**PREVIEW, "environment": "amiga"},
        "tools[0].environment",
        "invalid_value",
    ),
}


@pytest.mark.parametrize("case", BAD_TOOLS)
def test_a_bad_declaration_gets_openais_400(
    case: str, emulator: Emulator, raw: Raw, client: OpenAI
) -> None:
    tool, param, code = BAD_TOOLS[case]
    refused(raw, client, {"model": "m", "input": "x", "tools": [tool]}, param, code)


BAD_ITEMS: dict[str, tuple[dict[str, Any], str]] = {
    "an output without its call": (
        {k: v for k, v in _output("c").items() if k != "call_id"},
        "input[0].call_id",
    ),
    "an output that is text": ({**_output("c"), "output": "done"}, "input[0].output"),
    "an output of another type": (
        {**_output("c"), "output": {"type": "input_image", "image_url": "https://x/y.png"}},
        "input[0].output.type",
    ),
    "a screenshot of neither url nor file": (
        {**_output("c"), "output": {"type": "computer_screenshot"}},
        "input[0].output",
    ),
    "a screenshot whose bytes are not an image": (
        {
            **_output("c"),
            "output": {
                "type": "computer_screenshot",
                "image_url": "data:image/png;base64," + base64.b64encode(b"text").decode(),
            },
        },
        "input[0].output.image_url",
    ),
    "an acknowledgement without its id": (
        {**_output("c"), "acknowledged_safety_checks": [{"code": "x"}]},
        "input[0].acknowledged_safety_checks[0].id",
    ),
    "a resent call without its checks": (
        {"type": "computer_call", "call_id": "c", "id": "cu_1", "status": "completed"},
        "input[0].pending_safety_checks",
    ),
}


@pytest.mark.parametrize("case", BAD_ITEMS)
def test_a_malformed_item_gets_a_400_naming_it(case: str, raw: Raw) -> None:
    item, param = BAD_ITEMS[case]
    status, error = raw.json("POST", "/v1/responses", {"model": "m", "input": [item]})
    assert (status, error["error"]["param"]) == (400, param), error
    validate_response("POST", "/v1/responses", status, error)


def test_the_script_round_trips_through_json(emulator: Emulator, client: OpenAI) -> None:
    reply = s.Reply(
        items=[
            s.ComputerCall(ACTIONS, [CHECK], "call_j"),
            s.ComputerCall(ACTIONS[:1], preview=True),
        ]
    )
    assert s.from_json(json.loads(json.dumps(s.to_json(reply)))) == reply
    control = emulator.url.removesuffix("/v1") + "/_emulator/script"
    request = urllib.request.Request(
        control,
        data=json.dumps(s.to_json(reply)).encode(),
        headers={"content-type": "application/json"},
    )
    assert json.loads(urllib.request.urlopen(request).read()) == {"queued": 1}
    response = client.responses.create(model="m", input="x")
    first = response.output[0]
    assert isinstance(first, ResponseComputerToolCall) and first.call_id == "call_j"
    assert [o.type for o in response.output] == ["computer_call"] * 2
    bad = s.to_json(s.ComputerCall(ACTIONS[:1], preview=True))
    bad["actions"] = ACTIONS[:2]
    request = urllib.request.Request(
        control, data=json.dumps(bad).encode(), headers={"content-type": "application/json"}
    )
    with pytest.raises(urllib.error.HTTPError) as caught:
        urllib.request.urlopen(request)
    assert caught.value.code == 400
    assert "exactly one action" in json.loads(caught.value.read())["error"]["message"]


def test_the_default_model_takes_a_screenshot_then_says_it_saw_it(client: OpenAI) -> None:
    for tool in (COMPUTER, PREVIEW):
        first = client.responses.create(
            model="m",
            input="Click the search box in the browser.",
            tools=[tool],  # type: ignore[list-item]
        )
        call = first.output[-1]
        assert isinstance(call, ResponseComputerToolCall)
        assert [a["type"] for a in actions_of(call.model_dump())] == ["screenshot"]
        assert (call.action is None) == (tool is COMPUTER)
        second = client.responses.create(
            model="m",
            previous_response_id=first.id,
            input=[_output(call.call_id)],  # type: ignore[list-item]
            tools=[tool],  # type: ignore[list-item]
        )
        assert "That is the screen after the actions" in second.output_text
    plain = client.responses.create(model="m", input="Hello.", tools=[COMPUTER])  # type: ignore[list-item]
    assert plain.output[0].type == "message"


# -- Chat Completions ------------------------------------------------------------------


def test_chat_has_no_computer_tool(raw: Raw, client: OpenAI) -> None:
    body = {"model": "m", "messages": [{"role": "user", "content": "x"}], "tools": [COMPUTER]}
    status, error = raw.json("POST", "/v1/chat/completions", body)
    assert status == 400
    validate_response("POST", "/v1/chat/completions", status, error)
    assert error["error"]["param"] == "tools[0].type"
    with pytest.raises(openai.BadRequestError, match="Invalid value: 'computer'"):
        client.chat.completions.create(**body)  # type: ignore[call-overload]


def test_the_default_model_does_the_actions_the_prompt_spells_out(client: OpenAI) -> None:
    response = client.responses.create(
        model="gpt-4.1",
        tools=[COMPUTER],  # type: ignore[list-item]
        input='Click (40, 60), type "Ada Lovelace", press Enter, scroll down, then wait.',
    )
    call = response.output[0]
    assert isinstance(call, ResponseComputerToolCall)
    assert [describe(a) for a in actions_of(call.model_dump())] == [
        "click (40, 60)",
        "type “Ada Lovelace”",
        "keypress Enter",
        "scroll (0, 0) by 0, 300",
        "wait 1 s",
    ]
    preview = client.responses.create(
        model="gpt-4.1",
        tools=[PREVIEW],  # type: ignore[list-item]
        input="Double-click at (5, 6) and right-click (7, 8).",
    )
    single = preview.output[0]
    assert isinstance(single, ResponseComputerToolCall) and single.action is not None
    assert describe(actions_of(single.model_dump())[0]) == "double click (5, 6)"


def test_with_the_preview_tool_it_does_one_spelled_out_action_per_call(client: OpenAI) -> None:
    done = []
    response = client.responses.create(
        model="computer-use-preview",
        tools=[PREVIEW],  # type: ignore[list-item]
        input='Click (40, 60), type "Ada", then press Enter.',
    )
    while isinstance(response.output[0], ResponseComputerToolCall):
        call = response.output[0]
        done += [describe(a) for a in actions_of(call.model_dump())]
        response = client.responses.create(
            model="computer-use-preview",
            tools=[PREVIEW],  # type: ignore[list-item]
            previous_response_id=response.id,
            input=[_output(call.call_id)],  # type: ignore[list-item]
        )
    assert done == ["click (40, 60)", "type “Ada”", "keypress Enter"]
    assert "That is the screen after the actions" in response.output_text
