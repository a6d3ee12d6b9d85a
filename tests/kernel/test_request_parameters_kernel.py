"""Request parameters in a real kernel against the emulator: options on both magics sent
as each API names them (every request spec-valid), the tier that served a turn in its
footer, token log probabilities in the answer and in ``%responses logprobs``, what an
API lacks refused in one line with nothing sent, and the safety identifier in requests
only (never in an output, an export or the store)."""

from __future__ import annotations

import json
import re

from jupyter_responses.emulator import Emulator
from jupyter_responses.emulator import script as s

from .harness import KernelSession
from .recorded import DB, requests

ANSWER = "Paris is the capital of France."
IDENTIFIER = "9f86d081884c7d65f4a2b3c1"


def test_options_reach_both_apis_and_show_in_the_cell(
    loaded: KernelSession, emulator: Emulator
) -> None:
    emulator.enqueue(s.text(ANSWER), s.text("Oslo is the capital of Norway."))
    loaded.execute(f'%config ResponsesMagics.safety_identifier = "{IDENTIFIER}"')
    first = loaded.execute(
        "%%respond --logprobs 2 --service-tier flex --verbosity low --metadata team=data\n"
        "Capital of France?"
    )
    footer = re.search(r'<p class="jr-footer">([^<]*)</p>', first.html)
    assert footer is not None and footer[1].startswith("gpt-4.1 · flex tier · ")
    assert "📊 Token probabilities · 6 tokens" in first.html and "<table>" in first.html
    second = loaded.execute(
        "%%chat --seed 7 --stop END --logprobs 1 --tools get_weather --tool-choice none\n"
        "Capital of Norway?",
        allow_errors=True,
    )
    assert "no function named `get_weather`" in second.error.evalue  # checked before sending
    loaded.execute("def get_weather(city: str) -> str:\n    '''Weather.'''\n    return 'sun'")
    second = loaded.execute(
        "%%chat --seed 7 --stop END --logprobs 1 --tools get_weather --tool-choice none\n"
        "Capital of Norway?"
    )
    assert "tier" not in re.findall(r'<p class="jr-footer">([^<]*)</p>', second.html)[0]

    (asked,) = requests(emulator, "/v1/responses")
    assert (asked["service_tier"], asked["text"], asked["top_logprobs"]) == (
        "flex",
        {"verbosity": "low"},
        2,
    )
    assert asked["include"] == ["message.output_text.logprobs"]
    assert asked["metadata"] == {"team": "data"} and asked["safety_identifier"] == IDENTIFIER
    (chat,) = requests(emulator, "/v1/chat/completions")
    assert (chat["seed"], chat["stop"], chat["logprobs"], chat["top_logprobs"]) == (
        7,
        ["END"],
        True,
        1,
    )
    assert chat["tool_choice"] == "none" and chat["safety_identifier"] == IDENTIFIER

    latest = loaded.execute("%responses logprobs").stdout.splitlines()
    assert re.fullmatch(r"Turn \w+ \(gpt-4\.1\): 6 tokens, mean log probability .*", latest[0])
    assert latest[1].split() == ["#", "token", "logprob", "p", "alternatives"]
    assert latest[2].split()[:2] == ["1", "'Oslo'"] and len(latest) == 8
    first_turn = loaded.execute("%responses logprobs 1").stdout.splitlines()
    assert first_turn[2].split()[:2] == ["1", "'Paris'"]
    assert "' the'" in first_turn[3]  # its alternatives: the chosen token, then " the"

    # The identifier went into the requests only.
    shown = json.dumps([first.outputs, second.outputs])
    assert IDENTIFIER not in shown
    assert IDENTIFIER not in loaded.execute("%responses status").stdout
    loaded.execute("%responses export talk.ipynb")
    assert IDENTIFIER not in (loaded.cwd / "talk.ipynb").read_text()
    assert IDENTIFIER not in (loaded.workdir / DB).read_bytes().decode("utf-8", "replace")


def test_what_an_api_lacks_is_one_line_and_nothing_is_sent(
    loaded: KernelSession, emulator: Emulator
) -> None:
    for cell, said in (
        ("%%respond --seed 7\nHi", "--seed: the Responses API takes no seed"),
        ("%%respond --stop END\nHi", "--stop: the Responses API has no stop sequences"),
        ("%%chat --reasoning-summary auto\nHi", "Chat Completions sends no reasoning summaries"),
        ("%%chat --tools web_search\nHi", "web_search on Chat Completions needs a search model"),
        ("%%respond --top-p 3\nHi", "--top-p takes a number from 0 to 1, not 3.0."),
        ("%%respond --logprobs 30\nHi", "--logprobs takes a whole number from 0 to 20"),
    ):
        result = loaded.execute(cell, allow_errors=True)
        assert result.error is not None and result.error.ename == "UsageError", cell
        assert said in result.error.evalue and "\n" not in result.error.evalue
    nothing = loaded.execute("%responses logprobs", allow_errors=True)
    assert "No turn on this branch has token log probabilities" in nothing.error.evalue
    assert emulator.requests("/v1/responses") == emulator.requests("/v1/chat/completions") == []
