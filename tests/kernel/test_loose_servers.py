"""Servers that speak the protocols loosely, imitated by the emulator over HTTP: the
extension reads what they send without failing, and adapts what it sends only where
the server showed it must (never by sending less to a server that is strict)."""

from __future__ import annotations

import pytest

from jupyter_responses.emulator import Emulator
from jupyter_responses.emulator import script as s

from .harness import KernelSession
from .recorded import requests, user_texts

TOOL = '''
calls = []

def get_weather(city: str) -> dict:
    """Current weather for a city."""
    calls.append(city)
    return {"city": city, "temp": 21}
'''

#: What LiteLLM, mock-ai-api and other servers leave out of Responses events.
LOOSE_FIELDS = [
    "sequence_number",
    "logprobs",
    "item_id",
    "input_tokens",
    "input_tokens_details",
    "output_tokens_details",
]


@pytest.mark.parametrize("stream", [True, False])
def test_responses_without_sequence_numbers_and_with_unknown_events(
    loaded: KernelSession, emulator: Emulator, stream: bool
) -> None:
    loaded.execute(TOOL)
    emulator.enqueue(
        s.Reply(
            items=[s.FunctionCall("get_weather", {"city": "Oslo"}, call_id="call_w")],
            omit=LOOSE_FIELDS,
            unknown_events=2,
        ),
        s.Reply(items=[s.Text("Loose, but 21 °C in Oslo.", deltas=4)], omit=LOOSE_FIELDS),
    )
    flag = "" if stream else " --no-stream"
    result = loaded.execute(f"%%respond --tools get_weather{flag}\nWeather in Oslo?")
    assert "Loose, but 21 °C in Oslo." in result.html
    assert '🔧 get_weather(city="Oslo") — done' in result.html
    assert "· 0 in · " in result.html  # output tokens came, input tokens did not
    assert loaded.execute("print(calls)").stdout.strip() == "['Oslo']"
    assert len(requests(emulator, "/v1/responses")) == 2


@pytest.mark.parametrize("how", ["omit", "null"])
@pytest.mark.parametrize("magic", ["respond", "chat"])
def test_missing_or_null_usage_is_no_usage(
    loaded: KernelSession, emulator: Emulator, how: str, magic: str
) -> None:
    for flag in ("", " --no-stream"):
        emulator.enqueue(s.text("No usage here.", **{how: ["usage"]}))
        result = loaded.execute(f"%%{magic}{flag}\nhello")
        assert "No usage here." in result.html
        assert " in · " not in result.html and " out · " not in result.html
    history = loaded.execute("%responses history").stdout
    assert history.count("✓") == 2


def test_chat_chunks_without_choices_or_call_index(
    loaded: KernelSession, emulator: Emulator
) -> None:
    loaded.execute(TOOL)
    emulator.enqueue(
        s.Reply(
            items=[
                s.FunctionCall("get_weather", {"city": "Oslo"}, call_id="call_a"),
                s.FunctionCall("get_weather", {"city": "Bergen"}, call_id="call_b"),
            ],
            omit=["index"],
            unknown_events=2,
        ),
        s.Reply(items=[s.Text("Both are mild.")], unknown_events=1),
    )
    result = loaded.execute("%%chat --tools get_weather\nOslo and Bergen?")
    assert "Both are mild." in result.html
    assert loaded.execute("print(calls)").stdout.strip() == "['Oslo', 'Bergen']"
    _, second = requests(emulator, "/v1/chat/completions")
    tool_calls = second["messages"][1]["tool_calls"]
    assert [c["id"] for c in tool_calls] == ["call_a", "call_b"]


def test_ignored_previous_response_id_is_noticed_and_history_resent(
    loaded: KernelSession, emulator: Emulator
) -> None:
    loaded.execute("%%respond\nfirst")
    emulator.enqueue(s.text("I did not look back.", omit=["previous_response_id"]))
    second = loaded.execute("%%respond\nsecond")
    assert "did not confirm previous_response_id" in second.html
    assert "resend_history = True" in second.html
    third = loaded.execute("%%respond\nthird")
    assert "<strong>2</strong> earlier user turns" in third.html
    assert "did not confirm" not in third.html
    _, chained, resent = requests(emulator, "/v1/responses")
    assert "previous_response_id" in chained and user_texts(chained) == ["second"]
    assert "previous_response_id" not in resent
    assert user_texts(resent) == ["first", "second", "third"]
    status = loaded.execute("%responses status").stdout
    assert "ignores previous_response_id (history is resent)" in status


def test_a_confirmed_chain_says_nothing(loaded: KernelSession, emulator: Emulator) -> None:
    loaded.execute("%%respond\nfirst")
    second = loaded.execute("%%respond --no-stream\nsecond")
    assert "did not confirm" not in second.html
    assert "previous_response_id" in requests(emulator, "/v1/responses")[-1]
    assert "Server quirks" not in loaded.execute("%responses status").stdout


@pytest.mark.parametrize(
    "fault",
    [
        s.HTTPError(404, message="Invalid URL (POST /v1/responses)", code="unknown_url"),
        s.HTTPError(405, message="Method Not Allowed"),
    ],
)
def test_no_responses_endpoint_suggests_chat(
    loaded: KernelSession, emulator: Emulator, fault: s.HTTPError
) -> None:
    emulator.enqueue(fault)
    result = loaded.execute("%%respond\nhello", allow_errors=True)
    message = result.failure("NotFound")
    assert result.error.heading == "No Responses API"
    assert "has no Responses API" in message and "Use %%chat" in message
    assert f"POST /v1/responses answered {fault.status}" in message
    assert loaded.execute("%%chat\nhello").error is None


def test_unknown_model_is_still_an_unknown_model(loaded: KernelSession, emulator: Emulator) -> None:
    emulator.enqueue(s.HTTPError(404, code="model_not_found"))
    result = loaded.execute("%%respond -m gpt-9\nhello", allow_errors=True)
    assert "Model 'gpt-9' is not available" in result.error.evalue
    assert "Responses API" not in result.error.evalue


def test_rejected_stream_options_is_retried_once_without(
    loaded: KernelSession, emulator: Emulator
) -> None:
    emulator.enqueue(
        s.HTTPError(
            400, message="Unrecognized request argument supplied: stream_options", param=None
        )
    )
    first = loaded.execute("%%chat\nhello")
    assert "<strong>0</strong> earlier user turns" in first.html
    assert "rejected stream_options" in first.html
    loaded.execute("%%chat\nagain")
    rejected, retried, later = requests(emulator, "/v1/chat/completions")
    assert rejected["stream_options"] == {"include_usage": True}
    assert "stream_options" not in retried and "stream_options" not in later
    assert retried["messages"] == rejected["messages"]
    assert "rejects stream_options" in loaded.execute("%responses status").stdout


def test_other_rejections_are_not_retried(loaded: KernelSession, emulator: Emulator) -> None:
    emulator.enqueue(s.HTTPError(400, message="temperature is too high", param="temperature"))
    result = loaded.execute("%%chat --temperature 1.9\nhello", allow_errors=True)
    assert "temperature is too high" in result.error.evalue
    (only,) = requests(emulator, "/v1/chat/completions")
    assert only["stream_options"] == {"include_usage": True}
