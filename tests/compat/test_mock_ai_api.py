"""mock-ai-api (PyPI, its own venv): a deterministic mock of OpenAI's API whose
scenario is chosen by a model suffix (``gpt-4.1:mock-tool-stream``, ``:mock-400``...).

Its quirks, met here: Responses events and bodies without ``sequence_number``,
``item_id``, ``annotations``, ``status`` or usage details; a final response that does
not echo ``previous_response_id`` (it ignores it); Chat usage inside the last content
chunk; tool calls to a function named ``Write`` whatever was offered; errors whose
``code`` names the scenario.
"""

from __future__ import annotations

import re

import pytest

from .conftest import KernelAt

GREETING = "Hello. It's nice to meet you."  # what mock-text always says

WRITE = '''
written = []

def Write(path: str, contents: str) -> str:
    """Write a file."""
    written.append((path, contents))
    return f"wrote {len(contents)} characters to {path}"
'''


@pytest.mark.parametrize("magic", ["respond", "chat"])
def test_text_streamed_and_whole(kernel_at: KernelAt, mock_ai_api: str, magic: str) -> None:
    kernel = kernel_at(mock_ai_api)
    for flag in ("", " --no-stream"):
        result = kernel.execute(f"%%{magic} -m gpt-4.1:mock-text{flag}\nHello?")
        assert GREETING in result.html
        assert "gpt-4.1:mock-text · " in result.html
        assert re.search(r"\d in · \d+ out", result.html)
    kernel.execute("%%respond -m gpt-4.1:mock-text -o answer\nHello?")
    assert kernel.execute("print(answer)").stdout == "Hello. It's nice to meet you.\n"


def test_ignored_previous_response_id_then_history_is_resent(
    kernel_at: KernelAt, mock_ai_api: str
) -> None:
    # an unknown scenario (or mock-delay) answers "Mock response for: <all input text>"
    kernel = kernel_at(mock_ai_api)
    kernel.execute("%%respond -m gpt-4.1:mock-delay\nfirst question")
    second = kernel.execute("%%respond -m gpt-4.1:mock-delay --no-stream\nsecond question")
    assert "did not confirm previous_response_id" in second.html
    assert "Mock response for: second question" in second.html
    third = kernel.execute("%%respond -m gpt-4.1:mock-delay\nthird question")
    assert "Mock response for: first question" in third.html
    assert "second question" in third.html and "third question" in third.html
    status = kernel.execute("%responses status").stdout
    assert "ignores previous_response_id" in status


@pytest.mark.parametrize("scenario", ["mock-tool-stream", "mock-tool-call"])
def test_tool_call_runs_the_named_function(
    kernel_at: KernelAt, mock_ai_api: str, scenario: str
) -> None:
    # mock-ai-api calls Write again after every result: one round runs it, then the
    # round cap stops the turn, with the call and its result shown.
    kernel = kernel_at(mock_ai_api)
    kernel.execute(WRITE)
    flag = " --no-stream" if scenario == "mock-tool-call" else ""
    result = kernel.execute(
        f"%%chat -m gpt-4.1:{scenario} --tools Write --max-tool-rounds 1{flag}\nSave it.",
        allow_errors=True,
    )
    assert "Stopped after 1 rounds of tool calls" in result.error.evalue
    # the arguments are mock-ai-api's own: the title carries them in short
    assert re.search(r"🔧 Write\([^<]*\) — done", result.html), result.html
    written = kernel.execute("print(written)").stdout.strip()
    assert written == "[('tmp/mock-file.txt', 'mock output')]"


def test_malformed_tool_arguments_go_back_to_the_model(
    kernel_at: KernelAt, mock_ai_api: str
) -> None:
    # (only its non-streamed answer carries the malformed call)
    kernel = kernel_at(mock_ai_api)
    kernel.execute(WRITE)
    result = kernel.execute(
        "%%chat -m gpt-4.1:mock-bad-tool-json --no-stream --tools Write --max-tool-rounds 1\n"
        "Save it.",
        allow_errors=True,
    )
    assert "Stopped after 1 rounds" in result.error.evalue
    assert re.search(r"🔧 Write\((…)?\) — error", result.html), result.html
    assert kernel.execute("print(written)").stdout.strip() == "[]"


@pytest.mark.parametrize("magic", ["respond", "chat"])
def test_error_scenarios_are_one_paragraph(
    kernel_at: KernelAt, mock_ai_api: str, magic: str
) -> None:
    kernel = kernel_at(mock_ai_api)
    expected = {
        "mock-400": (
            "BadRequest",
            "rejected the request (400 mock_400): Mock scenario mock-400 triggered.",
        ),
        "mock-401": ("AuthenticationFailed", "rejected the API key (401"),
        "mock-429": ("RateLimited", "Rate limited by 127.0.0.1 (429"),
        "mock-500": ("ServerError", "failed with 500 mock_500 even after retrying"),
        "mock-503": ("ServerError", "failed with 503 mock_503 even after retrying"),
    }
    for scenario, (ename, needle) in expected.items():
        result = kernel.execute(f"%%{magic} -m gpt-4.1:{scenario}\nhi", allow_errors=True)
        message = result.failure(ename)
        assert needle in message, (scenario, message)
    history = kernel.execute("%responses history").stdout
    assert history.count("✗") == len(expected)
    assert GREETING in kernel.execute(f"%%{magic} -m gpt-4.1:mock-text\nstill there?").html


def test_models_lists_the_scenarios(kernel_at: KernelAt, mock_ai_api: str) -> None:
    listed = kernel_at(mock_ai_api).execute("%responses models").stdout
    assert "gpt-4.1:mock-tool-stream" in listed
