"""%%respond and %%chat in a real IPython kernel against the emulator over HTTP:
the exact requests (chaining, history, options; each valid against OpenAI's spec)
and what the cells show."""

from __future__ import annotations

import re

import pytest

from jupyter_responses.emulator import Emulator
from jupyter_responses.emulator import script as s

from .harness import API_KEY, KernelSession
from .recorded import LOAD, requests, user_texts


def test_both_magics_share_one_conversation(loaded: KernelSession, emulator: Emulator) -> None:
    loaded.execute('idea = "tea"\nx = 2')
    first = loaded.execute(
        '%%respond -m gpt-4.1 -s "Be brief."\nSummarise {idea} in {x} sentences.'
    )
    assert "Summarise tea in 2 sentences." in first.html
    assert "gpt-4.1 ·" in first.html and re.search(r" in · \d+ out · \$0\.\d{4} · ", first.html)
    assert first.updates >= 1 and len(first.outputs) == 1
    chat = loaded.execute("%%chat\nNow a haiku.")
    assert "<strong>1</strong> earlier user turn" in chat.html
    third = loaded.execute("%%respond\nAnd again.")
    assert "<strong>2</strong> earlier user turns" in third.html

    r1, r2 = requests(emulator, "/v1/responses")
    (c1,) = requests(emulator, "/v1/chat/completions")
    # a plain prompt as a string: a content list would also match another member of the
    # spec's strict oneOf for input items (Prism, for one, rejects that)
    assert r1["input"] == [{"role": "user", "content": "Summarise tea in 2 sentences."}]
    assert r1["instructions"] == "Be brief." and r1["stream"] is True and r1["store"] is True
    assert "previous_response_id" not in r1
    assert c1["messages"][0] == {"role": "system", "content": "Be brief."}
    assert user_texts(c1) == ["Summarise tea in 2 sentences.", "Now a haiku."]
    assert (
        c1["messages"][2]["role"] == "assistant" and "Summarise tea" in c1["messages"][2]["content"]
    )
    assert c1["stream_options"] == {"include_usage": True}
    # after a %%chat turn there is nothing to chain to: the whole history goes as items
    assert "previous_response_id" not in r2
    assert user_texts(r2) == ["Summarise tea in 2 sentences.", "Now a haiku.", "And again."]
    assert [i["role"] for i in r2["input"]] == ["user", "assistant", "user", "assistant", "user"]


def test_respond_chains_with_previous_response_id(
    loaded: KernelSession, emulator: Emulator
) -> None:
    loaded.execute("%%respond\nfirst")
    loaded.execute("%%respond\nsecond")
    _first, second = requests(emulator, "/v1/responses")
    stored = [r for r in emulator.state.responses]
    assert second["previous_response_id"] == stored[0]
    assert user_texts(second) == ["second"]


def test_no_store_resends_history(loaded: KernelSession, emulator: Emulator) -> None:
    loaded.execute("%%respond --no-store\nfirst")
    loaded.execute("%%respond\nsecond")
    first, second = requests(emulator, "/v1/responses")
    assert first["store"] is False
    assert "previous_response_id" not in second and user_texts(second) == ["first", "second"]


def test_lost_previous_response_falls_back_once_with_a_note(
    loaded: KernelSession, emulator: Emulator
) -> None:
    loaded.execute("%%respond\nfirst")
    emulator.state.responses.clear()  # the server forgot it
    result = loaded.execute("%%respond\nsecond")
    assert "whole history was resent" in result.html
    assert "<strong>1</strong> earlier user turn" in result.html
    _, failed, retried = requests(emulator, "/v1/responses")
    assert "previous_response_id" in failed and user_texts(failed) == ["second"]
    assert "previous_response_id" not in retried and user_texts(retried) == ["first", "second"]


def test_options_reach_the_request(loaded: KernelSession, emulator: Emulator) -> None:
    loaded.execute(
        "%%respond -m gpt-5 --temperature 0.2 --max-tokens 50 --reasoning low -o ans\nhello"
    )
    loaded.execute(
        "%%chat -m gpt-5-mini --temperature 0.3 --max-tokens 40 --reasoning high --no-stream\nhi"
    )
    (r,) = requests(emulator, "/v1/responses")
    (c,) = requests(emulator, "/v1/chat/completions")
    assert (r["model"], r["temperature"], r["max_output_tokens"]) == ("gpt-5", 0.2, 50)
    assert r["reasoning"] == {"effort": "low", "summary": "auto"}
    assert (c["model"], c["temperature"], c["max_completion_tokens"], c["reasoning_effort"]) == (
        "gpt-5-mini",
        0.3,
        40,
        "high",
    )
    assert "stream" not in c or c["stream"] is False
    out = loaded.execute("print(ans.splitlines()[0])")
    assert out.stdout.startswith("**Emulator** answering with `gpt-5`")


def test_system_is_sticky_until_changed_and_new_starts_afresh(
    loaded: KernelSession, emulator: Emulator
) -> None:
    loaded.execute('%%chat -s "Talk like a pirate."\none')
    loaded.execute("%%chat\ntwo")
    loaded.execute('%%chat -s ""\nthree')
    loaded.execute("%%chat --new\nfour")
    bodies = requests(emulator, "/v1/chat/completions")
    systems = [
        b["messages"][0]["content"] if b["messages"][0]["role"] == "system" else None
        for b in bodies
    ]
    assert systems == ["Talk like a pirate.", "Talk like a pirate.", None, None]
    assert user_texts(bodies[3]) == ["four"]


def test_interpolation_rules(loaded: KernelSession, emulator: Emulator) -> None:
    loaded.execute("name = 'Ada'\nitems = [3, 4]")
    loaded.execute(
        '%%chat\nHi {name}, {items[0]}; JSON {"a": {"b": 1}}; {{name}} {undefined} {1, 2}'
    )
    loaded.execute("%%chat --no-interpolate\nraw {name}")
    first, second = requests(emulator, "/v1/chat/completions")
    assert user_texts(first)[-1] == 'Hi Ada, 3; JSON {"a": {"b": 1}}; {name} {undefined} {1, 2}'
    assert user_texts(second)[-1] == "raw {name}"


@pytest.mark.parametrize(
    ("line", "needle"),
    [
        ("%%respond --bogus", "unrecognized arguments: --bogus"),
        ("%%chat --no-store", "unrecognized arguments: --no-store"),
        ("%%respond --reasoning huge", "invalid choice"),
        ('%%respond -s "unclosed', "Could not read the options"),
    ],
)
def test_bad_options_are_short_usage_errors(
    loaded: KernelSession, emulator: Emulator, line: str, needle: str
) -> None:
    result = loaded.execute(f"{line}\nhello", allow_errors=True)
    assert needle in result.usage_error()
    assert emulator.requests() == []


def test_empty_cell_is_a_usage_error(loaded: KernelSession, emulator: Emulator) -> None:
    result = loaded.execute("%%respond\n   ", allow_errors=True)
    assert "The cell is empty" in result.usage_error()


@pytest.mark.parametrize(
    ("status", "ename", "heading", "needle"),
    [
        (400, "BadRequest", "Request rejected", "rejected the request (400)"),
        (
            401,
            "AuthenticationFailed",
            "API key rejected",
            "rejected the API key (401 invalid_api_key)",
        ),
        (403, "PermissionDenied", "Access denied", "denied access (403"),
        (404, "NotFound", "Unknown model", "Model 'gpt-4.1' is not available"),
        (429, "RateLimited", "Rate limited", "Rate limited"),
        (500, "ServerError", "Server error", "failed with 500"),
        (503, "ServerError", "Server error", "failed with 503"),
    ],
)
@pytest.mark.parametrize("magic", ["respond", "chat"])
def test_http_errors_are_one_block_and_lose_nothing(
    loaded: KernelSession,
    emulator: Emulator,
    status: int,
    ename: str,
    heading: str,
    needle: str,
    magic: str,
) -> None:
    loaded.execute("%config ResponsesMagics.max_retries = 0")
    loaded.execute(f"%%{magic}\nfine")
    emulator.enqueue(s.HTTPError(status))
    result = loaded.execute(f"%%{magic}\nboom", allow_errors=True)
    message = result.failure(ename)  # the heading over one line, no traceback
    assert needle in message and result.error.heading == heading
    assert "UsageError" not in result.stderr
    assert API_KEY not in message
    history = loaded.execute("%responses history").stdout
    assert "1. ✓" in history and "2. ✗" in history
    loaded.execute(f"%%{magic}\nagain")
    last = emulator.requests()[-1].body
    assert user_texts(last)[-1] == "again" and "boom" not in user_texts(last)


def test_context_too_long_and_rate_limit_after_retries(
    loaded: KernelSession, emulator: Emulator
) -> None:
    emulator.enqueue(s.HTTPError(400, code="context_length_exceeded"))
    result = loaded.execute("%%respond\nlong", allow_errors=True)
    assert "too long for this model" in result.error.evalue and "--new" in result.error.evalue
    emulator.enqueue(s.HTTPError(429, retry_after=0.05, times=3))
    result = loaded.execute("%%chat\nhi", allow_errors=True)
    assert "Rate limited" in result.error.evalue
    assert len(emulator.requests("/v1/chat/completions")) == 3  # the SDK's two retries, then us


def test_connection_refused_and_timeout(loaded: KernelSession, emulator: Emulator) -> None:
    loaded.execute("%config ResponsesMagics.max_retries = 0")
    loaded.execute("%config ResponsesMagics.base_url = 'http://127.0.0.1:9/v1'")
    result = loaded.execute("%%respond\nhi", allow_errors=True)
    message = result.failure("ConnectionFailed")
    assert "Could not reach http://127.0.0.1:9/v1" in message
    assert result.error.heading == "Could not connect"
    # The URL came from %config: the advice says to check that, not the environment.
    assert "is %config ResponsesMagics.base_url right?" in message
    assert "OPENAI_BASE_URL" not in message
    loaded.execute(f"%config ResponsesMagics.base_url = '{emulator.url}'")
    loaded.execute("%config ResponsesMagics.timeout = 0.3")
    emulator.enqueue(s.text("late", first_byte_delay=1.5))
    result = loaded.execute("%%chat\nhi", allow_errors=True)
    assert "No answer from 127.0.0.1 within the timeout" in result.failure("TimedOut")


def test_cut_off_stream_keeps_partial_text_and_is_never_chained(
    loaded: KernelSession, emulator: Emulator
) -> None:
    loaded.execute("%%respond\nfirst")
    emulator.enqueue(s.text("partial words arrive here then more", disconnect_after=8))
    result = loaded.execute("%%respond\nsecond", allow_errors=True)
    assert "dropped mid-answer" in result.failure("ConnectionFailed")
    assert result.error.heading == "Connection lost"
    # The partial answer and its footer stay; the failure is said once, in the error.
    assert "partial words" in result.html and "gpt-4.1 ·" in result.html
    assert "Failed" not in result.html + result.plain
    loaded.execute("%%respond\nthird")
    first_id = next(iter(emulator.state.responses))
    third = requests(emulator, "/v1/responses")[-1]
    assert third["previous_response_id"] == first_id and user_texts(third) == ["third"]


def test_error_event_and_response_failed(loaded: KernelSession, emulator: Emulator) -> None:
    emulator.enqueue(s.text("some text", error_event_after=6, error_message="Overloaded."))
    result = loaded.execute("%%respond\nx", allow_errors=True)
    assert "Overloaded." in result.failure("StreamFailed")
    emulator.enqueue(s.text("some text", status="failed", error_message="Model crashed."))
    result = loaded.execute("%%respond\ny", allow_errors=True)
    assert "Model crashed." in result.failure("StreamFailed") and "some text" in result.html


def test_incomplete_is_kept_and_marked(loaded: KernelSession, emulator: Emulator) -> None:
    emulator.enqueue(s.text("cut short", status="incomplete"))
    result = loaded.execute("%%respond\nx")
    assert "cut short" in result.html and "Cut off" in result.html


def test_no_key_and_no_base_url(kernel_factory) -> None:
    kernel = kernel_factory({"OPENAI_API_KEY": None, "OPENAI_BASE_URL": None})
    kernel.execute(LOAD)
    result = kernel.execute("%%respond\nhi", allow_errors=True)
    assert "No API key" in result.failure("ConfigurationError")
    assert result.error.heading == "No API key"
    assert "not set" in kernel.execute("%responses status").stdout


def test_status_never_shows_the_key(loaded: KernelSession) -> None:
    loaded.execute("%%respond\nhi")
    status = loaded.execute("%responses status").stdout
    assert "set (OPENAI_API_KEY)" in status and API_KEY not in status
    assert "1 turn on this branch (1 in all, 1 in context)" in status


def test_debug_shows_the_traceback(loaded: KernelSession, emulator: Emulator) -> None:
    loaded.execute("%config ResponsesMagics.debug = True")
    emulator.enqueue(s.HTTPError(401))
    result = loaded.execute("%%respond\nhi", allow_errors=True)
    assert result.error.ename == "AuthenticationFailed"
    trace = result.error.traceback
    assert "Traceback (most recent call last)" in trace and "rejected the API key" in trace
    assert "AuthenticationError" in trace  # the SDK's error it was mapped from, too


def test_interrupt_keeps_partial_text(loaded: KernelSession, emulator: Emulator) -> None:
    emulator.enqueue(s.text("word " * 200, deltas=200, event_delay=0.05))
    msg_id = loaded.execute_async("%%respond\nlong one")
    loaded.wait_for(  # the answer streaming ("word" alone is in the stylesheet)
        msg_id, lambda m: "word word" in str(m["content"].get("data", {}).get("state")), timeout=30
    )
    loaded.interrupt()
    result = loaded.collect(msg_id, allow_errors=True)
    assert "Interrupted" in result.failure("Interrupted")
    # the partial answer is kept; the block (not a line under it) says it was interrupted
    assert "word" in result.html and "Interrupted" not in result.html
    assert "⏹" in loaded.execute("%responses history").stdout
    loaded.execute("%%respond\nnext")
    assert user_texts(requests(emulator, "/v1/responses")[-1]) == ["next"]


def test_fast_stream_updates_are_bounded_and_text_exact(
    loaded: KernelSession, emulator: Emulator
) -> None:
    emulator.enqueue(s.fast_stream(20000, delta="ab "))
    result = loaded.execute("%%respond -o out\ngo")
    assert loaded.execute("print(out == 'ab ' * 20000)").stdout.strip() == "True"
    dates = [m["header"]["date"] for m in result.messages]
    seconds = (max(dates) - min(dates)).total_seconds()
    # The answer widget is redrawn at most once per render_interval (0.05 s), whatever
    # the token rate; the cell then keeps the exact static text.
    answer = max(result.widget_values().values(), key=lambda v: len(str(v[-1])))
    assert 2 <= len(answer) <= seconds / 0.05 + 2, (len(answer), seconds)
    assert ("ab " * 20000).strip() in result.html


def test_extension_loads_from_ipython_config(kernel_factory, tmp_path, emulator: Emulator) -> None:
    profile = tmp_path / "kernel-1" / "ipython" / "profile_default"
    profile.mkdir(parents=True)
    (profile / "ipython_config.py").write_text(
        'c.InteractiveShellApp.extensions = ["jupyter_responses"]\n'
    )
    kernel = kernel_factory()
    result = kernel.execute("%%chat\nhello")
    assert "<strong>Emulator</strong>" in result.html
