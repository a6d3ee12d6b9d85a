"""Computer use on the Responses API: the tool's declarations in ``tools``, and the
``computer_call`` / ``computer_call_output`` input items that resend a call and answer
it with a screenshot, checked as OpenAI checks them (a 400 naming the parameter).

Declarations: ``{"type": "computer"}`` (the generally available tool, whose calls carry
an ``actions`` list), or ``{"type": "computer_use_preview", "display_width": ...,
"display_height": ..., "environment": "browser" | "mac" | "windows" | "linux" |
"ubuntu"}`` (whose calls carry one ``action``). An answer is ``{"type":
"computer_call_output", "call_id": ..., "output": {"type": "computer_screenshot",
"image_url": "data:image/png;base64,..." | "file_id": ...},
"acknowledged_safety_checks": [{"id", "code", "message"}]}``: it must answer a call of
the chain, and acknowledge every safety check that call left pending, as the real API
refuses answers that do not.
"""

from __future__ import annotations

import base64
import binascii
import re
import struct
from typing import Any

from . import tool_outputs
from .custom_tools import _no_unknown, _required, _typed, _unsupported
from .dialogue import Message
from .errors import invalid
from .state import EmulatorState, StoredConversation, StoredResponse

#: The tool types that declare the computer tool, and the items of its calls.
TOOL_TYPES = ("computer", "computer_use_preview")
ITEMS = ("computer_call", "computer_call_output")
ENVIRONMENTS = ("windows", "mac", "linux", "ubuntu", "browser")
#: The name a computer call goes by in the emulator's bookkeeping (``call_ids``).
TOOL_NAME = "computer"

_PREVIEW_FIELDS = {"type", "display_width", "display_height", "environment"}
_OUTPUT_FIELDS = {"type", "image_url", "file_id"}
_CHECK_FIELDS = {"id", "code", "message"}
_PNG_DATA_URL = re.compile(r"data:image/png;base64,(.*)", re.DOTALL)


def check_declaration(tool: dict[str, Any], where: str) -> None:
    """A computer tool in ``tools`` (``where``: ``tools[1]``), or the API's 400."""
    if tool.get("type") == "computer":
        _no_unknown(tool, {"type"}, where)
        return
    _no_unknown(tool, _PREVIEW_FIELDS, where)
    for key in ("display_width", "display_height"):
        size = _required(tool, key, where, int)
        if size < 1:
            raise invalid(
                f"Invalid '{where}.{key}': integer below minimum value. Expected a value "
                f">= 1, but got {size} instead.",
                f"{where}.{key}",
                "integer_below_min_value",
            )
    environment = _required(tool, "environment", where, str)
    if environment not in ENVIRONMENTS:
        raise _unsupported(environment, list(ENVIRONMENTS), f"{where}.environment")


def check_item(item: dict[str, Any], where: str) -> None:
    """A ``computer_call`` or ``computer_call_output`` input item (``where``:
    ``input[3]``), or the API's 400."""
    _required(item, "call_id", where, str)
    if item.get("type") == "computer_call":
        checks = _required(item, "pending_safety_checks", where, list)
        _check_safety_checks(checks, f"{where}.pending_safety_checks")
        return
    output = _required(item, "output", where, dict)
    at = f"{where}.output"
    kind = _required(output, "type", at, str)
    if kind != "computer_screenshot":
        raise _unsupported(kind, ["computer_screenshot"], f"{at}.type")
    _no_unknown(output, _OUTPUT_FIELDS, at)
    if output.get("image_url") is None and output.get("file_id") is None:
        raise invalid(
            f"Invalid '{at}': a computer_screenshot needs one of 'image_url' or 'file_id'.",
            at,
            "missing_required_parameter",
        )
    if output.get("image_url") is not None:
        tool_outputs.check_image_url(output["image_url"], f"{at}.image_url")
    if output.get("file_id") is not None:
        _typed(output["file_id"], f"{at}.file_id", str)
    acknowledged = item.get("acknowledged_safety_checks")
    if acknowledged is not None:
        _typed(acknowledged, f"{where}.acknowledged_safety_checks", list)
        _check_safety_checks(acknowledged, f"{where}.acknowledged_safety_checks")


def _check_safety_checks(checks: list[Any], where: str) -> None:
    for number, check in enumerate(checks):
        at = f"{where}[{number}]"
        _typed(check, at, dict)
        _no_unknown(check, _CHECK_FIELDS, at)
        _required(check, "id", at, str)


def chain_items(
    state: EmulatorState,
    previous: StoredResponse | None,
    conversation: StoredConversation | None,
) -> list[dict[str, Any]]:
    """Every item before this request, oldest first: the items of the conversation, or
    those of each response up the ``previous_response_id`` chain (its input, then its
    output)."""
    if conversation is not None:
        return list(conversation.items)
    found: list[dict[str, Any]] = []
    seen: set[str] = set()
    while previous is not None and previous.response["id"] not in seen:
        seen.add(previous.response["id"])
        found[:0] = [*previous.input_items, *previous.response.get("output", [])]
        earlier = previous.response.get("previous_response_id")
        with state.lock:
            previous = state.responses.get(earlier) if earlier else None
    return found


def check_answers(items: list[dict[str, Any]], earlier: list[dict[str, Any]]) -> None:
    """Each ``computer_call_output`` of ``items`` (this request's input) answers a
    computer call made before it (in ``earlier`` or earlier in ``items``) and
    acknowledges every safety check that call left pending; else the API's 400."""
    calls = {item.get("call_id"): item for item in earlier if item.get("type") == "computer_call"}
    for item in items:
        if item.get("type") == "computer_call":
            calls[item.get("call_id")] = item
        if item.get("type") != "computer_call_output":
            continue
        call = calls.get(item.get("call_id"))
        if call is None:
            raise invalid(
                f"No tool call found for computer call output with call_id {item.get('call_id')}.",
                "input",
            )
        acknowledged = {check.get("id") for check in item.get("acknowledged_safety_checks") or []}
        pending = [check.get("id") for check in call.get("pending_safety_checks") or []]
        missing = [check for check in pending if check not in acknowledged]
        if missing:
            raise invalid(f"Computer tool has unacknowledged safety check for {missing}", "input")


def message(item: dict[str, Any], call_ids: dict[str, str]) -> Message:
    """What a computer call or its answer is in the dialogue: the assistant calling the
    computer, or the computer's result (a screenshot, one attachment)."""
    if item.get("type") == "computer_call":
        call_ids[str(item.get("call_id", ""))] = TOOL_NAME
        return Message("assistant", tool_calls=[TOOL_NAME])
    return Message("tool", screenshot_text(item.get("output")), TOOL_NAME, attachments=1)


def screenshot_text(output: Any) -> str:
    """What a screenshot is, in words: its size when it is a PNG sent inline."""
    output = output if isinstance(output, dict) else {}
    if output.get("file_id"):
        return f"a screenshot (file {output['file_id']})"
    found = _PNG_DATA_URL.fullmatch(str(output.get("image_url") or ""))
    try:
        head = base64.b64decode(found[1][:44]) if found else b""
    except (binascii.Error, ValueError):
        head = b""
    if len(head) >= 24 and head[12:16] == b"IHDR":
        width, height = struct.unpack(">II", head[16:24])
        return f"a screenshot of {width}x{height} pixels"
    return "a screenshot"
