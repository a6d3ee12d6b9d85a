"""LiteLLM's proxy (PyPI ``litellm[proxy]``, its own venv) in front of two kinds of
model: ``mock-gpt`` (LiteLLM's ``mock_response``: no upstream at all) and ``bridge``
(``custom_openai`` pointed at our emulator's chat endpoint, so ``/v1/responses`` goes
through LiteLLM's Responses->Chat bridge to a model that says what it received).

Its quirks, met here: streamed Responses events without ``sequence_number`` (all but
one) or ``logprobs``; ``previous_response_id`` accepted and ignored (only the new input
reaches the model); no Files API without ``files_settings`` (500); parameters a
provider does not list (``reasoning_effort``) rejected with 400 unless ``drop_params``;
and ``mock_response`` models fail (500) when streamed through ``/v1/responses``.
"""

from __future__ import annotations

import base64
import re

import openai

from jupyter_responses.emulator import Emulator
from jupyter_responses.emulator import script as s

from .conftest import API_KEY, KernelAt

MOCK = "Hello from the LiteLLM mock."

TOOLS = '''
from pydantic import BaseModel

calls = []

def get_weather(city: str) -> dict:
    """Current weather for a city."""
    calls.append(city)
    return {"city": city, "temp": 21}

class Invoice(BaseModel):
    number: str
    total: float
'''

FILES = f"""
from pathlib import Path
Path("chart.png").write_bytes({base64.b64decode(s.TINY_PNG_B64)!r})
Path("report.pdf").write_bytes(b"%PDF-1.4\\n1 0 obj <<>> endobj\\ntrailer <<>>\\n%%EOF\\n")
"""


def chat_bodies(emulator: Emulator) -> list[dict]:
    return [r.body for r in emulator.requests("/v1/chat/completions")]


def user_texts(body: dict) -> list[str]:
    """The user prompts of a chat request (LiteLLM sends text as a string or parts)."""
    texts = []
    for message in body["messages"]:
        if message["role"] == "user":
            content = message["content"]
            texts.append(content if isinstance(content, str) else content[0]["text"])
    return texts


def test_mock_response_models(kernel_at: KernelAt, litellm: str) -> None:
    kernel = kernel_at(litellm)
    for cell in (
        "%%chat -m mock-gpt\nHello?",
        "%%chat -m mock-gpt --no-stream\nHello?",
        "%%respond -m mock-gpt --no-stream\nHello?",
    ):
        result = kernel.execute(cell)
        assert MOCK in result.html, cell
        assert re.search(r"\d in · \d+ out", result.html), result.html
    # LiteLLM cannot stream a mock_response model through /v1/responses: its 500 is one
    # block, the turn is kept as failed, and the conversation goes on.
    failed = kernel.execute("%%respond -m mock-gpt\nHello?", allow_errors=True)
    message = failed.failure("ServerError")
    assert message.startswith("127.0.0.1 failed with 500 even after retrying: ")
    assert "✗" in kernel.execute("%responses history").stdout
    assert MOCK in kernel.execute("%%chat -m mock-gpt\nAgain?").html


def test_bridge_streams_without_sequence_numbers(
    kernel_at: KernelAt, litellm: str, bridged: Emulator
) -> None:
    # the quirk is real: the SDK reads LiteLLM's events, nearly all without a sequence
    # number (only output_item.done has one), the text deltas without logprobs
    client = openai.OpenAI(base_url=litellm, api_key=API_KEY, max_retries=0)
    with client.responses.create(model="bridge", input="ping", stream=True) as stream:
        events = list(stream)
    numbered = [e.type for e in events if getattr(e, "sequence_number", None) is not None]
    assert numbered == ["response.output_item.done"]
    deltas = [e for e in events if e.type == "response.output_text.delta"]
    assert deltas and all(getattr(e, "logprobs", None) is None for e in deltas)

    kernel = kernel_at(litellm)
    result = kernel.execute("%%respond -m bridge\nhello through the bridge")
    assert "<strong>Emulator</strong> answering with <code>gpt-4.1</code>" in result.html
    assert "hello through the bridge" in result.html
    assert re.search(r"\d in · \d+ out", result.html)
    assert user_texts(chat_bodies(bridged)[-1]) == ["hello through the bridge"]


def test_bridge_ignores_previous_response_id_then_history_is_resent(
    kernel_at: KernelAt, litellm: str, bridged: Emulator
) -> None:
    kernel = kernel_at(litellm)
    kernel.execute("%%respond -m bridge\nfirst")
    second = kernel.execute("%%respond -m bridge\nsecond")
    assert "<strong>0</strong> earlier user turns" in second.html  # the chain was dropped
    assert "did not confirm previous_response_id" in second.html
    third = kernel.execute("%%respond -m bridge --no-stream\nthird")
    assert "<strong>2</strong> earlier user turns" in third.html
    _, second_body, third_body = chat_bodies(bridged)
    assert user_texts(second_body) == ["second"]
    assert user_texts(third_body) == ["first", "second", "third"]
    assert "ignores previous_response_id" in kernel.execute("%responses status").stdout


def test_bridge_tool_loop_both_apis(kernel_at: KernelAt, litellm: str, bridged: Emulator) -> None:
    kernel = kernel_at(litellm)
    kernel.execute(TOOLS)
    for magic in ("respond", "chat"):
        bridged.enqueue(
            s.tool_calls(s.FunctionCall("get_weather", {"city": "Oslo"}, call_id=f"c_{magic}")),
            s.text("It is 21 °C in Oslo."),
        )
        result = kernel.execute(f"%%{magic} -m bridge --tools get_weather\nWeather in Oslo?")
        assert "It is 21 °C in Oslo." in result.html
        assert '🔧 get_weather(city="Oslo") — done' in result.html
    assert kernel.execute("print(calls)").stdout.strip() == "['Oslo', 'Oslo']"
    # what the model behind LiteLLM got in each second round: our function's result
    # answering its call, in OpenAI's chat shape
    for body in chat_bodies(bridged)[1::2]:
        tool = [m for m in body["messages"] if m["role"] == "tool"][-1]
        assert tool["content"] == '{"city":"Oslo","temp":21}'
        asked = [m for m in body["messages"] if m.get("tool_calls")][-1]["tool_calls"]
        assert asked[0]["id"] == tool["tool_call_id"]


def test_bridge_attachments_without_a_files_api(
    kernel_at: KernelAt, litellm: str, bridged: Emulator
) -> None:
    kernel = kernel_at(litellm)
    kernel.execute(FILES)
    result = kernel.execute("%%respond -m bridge --file chart.png --file report.pdf\nCompare.")
    assert "did not take the document upload (POST /files answered 500)" in result.html
    assert "Attachments received: 2." in result.html
    parts = chat_bodies(bridged)[-1]["messages"][-1]["content"]
    kinds = [p["type"] for p in parts]
    assert kinds == ["text", "image_url", "file"]
    assert parts[2]["file"]["file_data"].startswith("data:application/pdf;base64,")
    chat = kernel.execute("%%chat -m bridge --file report.pdf\nAnd the report alone?")
    assert "Attachments received: 1." in chat.html
    assert "has no Files API" in kernel.execute("%responses status").stdout


def test_bridge_structured_output(kernel_at: KernelAt, litellm: str, bridged: Emulator) -> None:
    kernel = kernel_at(litellm)
    kernel.execute(TOOLS)
    kernel.execute("%%respond -m bridge --schema Invoice -o inv\nInvoice 7, 12.50 in all.")
    assert kernel.execute("print(type(inv).__name__)").stdout.strip() == "Invoice"
    body = chat_bodies(bridged)[-1]
    assert body["response_format"]["json_schema"]["name"] == "Invoice"
    kernel.execute("%%chat -m bridge --schema Invoice -o inv2\nThe same.")
    assert kernel.execute("print(type(inv2).__name__)").stdout.strip() == "Invoice"


def test_parameters_litellm_does_not_pass_on(
    kernel_at: KernelAt, litellm: str, bridged: Emulator
) -> None:
    kernel = kernel_at(litellm)
    refused = kernel.execute("%%respond -m bridge --reasoning low\nThink.", allow_errors=True)
    message = refused.error.evalue
    assert message.startswith("127.0.0.1 rejected the request (400): ")
    assert "UnsupportedParamsError" in message and "drop_params" in message
    assert "\n" not in message
    assert chat_bodies(bridged) == []  # LiteLLM refused before asking the model
    # with drop_params the proxy leaves out what it cannot pass on, and says nothing
    cell = '%%respond -m bridge-lenient -s "Be brief." --temperature 0.2 --max-tokens 50'
    ok = kernel.execute(f"{cell} --reasoning low\nThink.")
    assert "answering with" in ok.html
    body = chat_bodies(bridged)[-1]
    assert body["messages"][0] == {"role": "system", "content": "Be brief."}
    assert body["temperature"] == 0.2 and "reasoning_effort" not in body
