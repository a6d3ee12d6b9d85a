"""Prism (npm ``@stoplight/prism-cli``) mocking OpenAI's published OpenAPI spec: it
validates every request against the spec, answers an invalid one with 422, and a valid
one with the spec's example (or a response made from the schema). So each request
shape the extension sends without streaming (every option, tool, attachment, schema
and resent history item) is checked here against OpenAI's own description of its API.

Findings. (1) A user message whose content is a list of parts (text plus images or
files) matches two members of the spec's ``InputItem`` ``oneOf``, so a strict validator
rejects every one: the extension now sends a plain prompt as a string, and messages
with attachments are checked against ``repaired_spec``. (2) Prism checks no Chat
Completions request against the published spec at all (ajv cannot compile its
``prediction`` schema, and Prism then lets any body through): all of Chat is checked
against ``repaired_spec``, after showing the difference. (3) Prism's answers ignore
``previous_response_id`` (``null`` in its example), which the extension notices.
"""

from __future__ import annotations

import base64
import re

from jupyter_responses.emulator import Emulator
from jupyter_responses.emulator import script as s
from tests.compat.peers import Server
from tests.kernel.harness import KernelSession

from .conftest import KernelAt

#: The text of the published spec's example response to POST /responses.
LANDSCAPE = "The image depicts a scenic landscape"

SETUP = f'''
from pathlib import Path
from typing import Literal
from pydantic import BaseModel

%config ResponsesMagics.stream = False

class Invoice(BaseModel):
    number: str
    total: float

loose = {{"type": "object", "properties": {{"a": {{"type": "integer"}}}}}}

def get_weather(city: str, unit: Literal["C", "F"] = "C") -> dict:
    """Current weather for a city.

    Args:
        city: The city, e.g. Oslo.
    """
    return {{"city": city, "temp": 21, "unit": unit}}

def get_time(city: str) -> str:
    """Local time in a city."""
    return f"12:00 in {{city}}"

Path("chart.png").write_bytes({base64.b64decode(s.TINY_PNG_B64)!r})
Path("report.pdf").write_bytes(b"%PDF-1.4\\n1 0 obj <<>> endobj\\ntrailer <<>>\\n%%EOF\\n")
'''

FILES = "--file chart.png --file report.pdf --file https://example.com/a.png"
#: The call Prism's chat answer makes (arguments made up from the schema), not run.
NOT_OFFERED = re.compile(r"🔧 string\([^<]*\) — error")


class Seen:
    """What Prism logged from a point on: requests received and rejected."""

    def __init__(self, prism: Server) -> None:
        self.prism = prism
        self.mark = prism.log_size()

    def received(self, path: str) -> int:
        lines = self.prism.log_since(self.mark).splitlines()
        return sum(f"] post {path} " in line and "Request received" in line for line in lines)

    def rejected(self) -> list[str]:
        """Requests Prism refused (its own examples' violations of the spec aside)."""
        log = self.prism.log_since(self.mark)
        return [line for line in log.splitlines() if "Request terminated with error" in line]


def kernel_on(kernel_at: KernelAt, prism: Server) -> KernelSession:
    kernel = kernel_at(prism.url)
    kernel.execute(SETUP)
    return kernel


def test_respond_options_and_chaining(kernel_at: KernelAt, prism: Server) -> None:
    kernel = kernel_on(kernel_at, prism)
    seen = Seen(prism)
    first = kernel.execute(
        '%%respond -s "Be brief." --temperature 0.2 --max-tokens 50 --reasoning low\nHello'
    )
    assert LANDSCAPE in first.html and "328 in · 52 out" in first.html
    chained = kernel.execute("%%respond\nAnd then?")
    assert LANDSCAPE in chained.html
    assert "did not confirm previous_response_id" in chained.html
    kernel.execute("%%respond --no-store --reasoning high\nOnce more, all of it.")
    kernel.execute("%%respond -o answer\nLast one.")
    assert kernel.execute("print(answer[:40])").stdout.startswith(LANDSCAPE)
    assert seen.rejected() == [] and seen.received("/responses") == 4


def test_respond_tools_and_schemas(kernel_at: KernelAt, prism: Server) -> None:
    kernel = kernel_on(kernel_at, prism)
    seen = Seen(prism)
    for cell in (
        "%%respond --tools get_weather web_search code_interpreter image_generation\nGo.",
        "%%respond --tools file_search --vector-store vs_1 --mcp wiki=https://mcp.example.com/sse"
        "\nLook it up.",
        "%%respond --schema loose\nAs JSON.",
    ):
        assert LANDSCAPE in kernel.execute(cell).html
    # a strict pydantic schema gets through; the example answer is prose, not an Invoice
    parsed = kernel.execute("%%respond --schema Invoice -o inv\nAs an invoice.", allow_errors=True)
    assert "The answer does not match --schema Invoice" in parsed.error.evalue
    assert seen.rejected() == [] and seen.received("/responses") == 4


def test_resent_history_items_from_another_server(
    kernel_at: KernelAt, prism: Server, prism_repaired: Server, openai_emulator: Emulator
) -> None:
    """Tool calls and their results, encrypted reasoning and built-in tool turns, made
    against the emulator, then resent as history to Prism through both APIs."""
    kernel = kernel_on(kernel_at, prism)
    kernel.execute(f"%config ResponsesMagics.base_url = {openai_emulator.url!r}")
    openai_emulator.enqueue(
        s.Reply(
            items=[
                s.Reasoning("Two lookups."),
                s.FunctionCall("get_weather", {"city": "Oslo"}, call_id="call_w"),
                s.FunctionCall("get_time", {"city": "Oslo"}, call_id="call_t"),
            ]
        ),
        s.text("Mild, at noon."),
        s.Reply(items=[s.WebSearch("oslo news", ["https://example.com/n"]), s.Text("News.")]),
    )
    kernel.execute(
        "%%respond --no-store --reasoning low --tools get_weather get_time\nOslo weather, time?"
    )
    kernel.execute("%%respond --no-store --tools web_search\nAnd the news?")
    sent = openai_emulator.requests("/v1/responses")[-1].body["input"]
    assert {"reasoning", "function_call", "function_call_output"} <= {i.get("type") for i in sent}

    kernel.execute("%config ResponsesMagics.base_url = None")  # back to OPENAI_BASE_URL
    seen = Seen(prism)
    resent = kernel.execute("%%respond --no-store --tools get_weather get_time\nSum it up.")
    assert LANDSCAPE in resent.html
    assert seen.rejected() == [] and seen.received("/responses") == 1

    kernel.execute(f"%config ResponsesMagics.base_url = {prism_repaired.url!r}")
    seen = Seen(prism_repaired)
    chat = kernel.execute("%%chat --tools get_weather get_time\nAnd in chat?")
    assert NOT_OFFERED.search(chat.html)
    assert seen.rejected() == [] and seen.received("/chat/completions") == 2


def test_respond_attachments(kernel_at: KernelAt, prism: Server, prism_repaired: Server) -> None:
    kernel = kernel_on(kernel_at, prism)
    seen = Seen(prism)
    refused = kernel.execute(f"%%respond {FILES}\nCompare them.", allow_errors=True)
    assert "rejected the request (422)" in refused.error.evalue
    assert "input.0 must match exactly one schema in oneOf" in refused.error.evalue
    assert seen.received("/files") == 1  # the upload itself was valid

    kernel = kernel_on(kernel_at, prism_repaired)
    seen = Seen(prism_repaired)
    result = kernel.execute(f"%%respond {FILES} --file https://example.com/b.pdf\nCompare.")
    assert LANDSCAPE in result.html
    kernel.execute("%%respond --no-store\nAgain, with all of it.")
    assert seen.rejected() == []
    assert seen.received("/files") == 1 and seen.received("/responses") == 2


def test_chat_options_tools_attachments_schemas(
    kernel_at: KernelAt, prism_repaired: Server
) -> None:
    # Prism makes chat answers from the schema: content "string" and a call to a tool
    # named "string", which is not run; the second round (the assistant's call and the
    # tool message saying so) is checked against the spec too.
    kernel = kernel_on(kernel_at, prism_repaired)
    seen = Seen(prism_repaired)
    for cell in (
        '%%chat -s "Be brief." --temperature 0.3 --max-tokens 40 --reasoning high\nHello',
        f"%%chat --tools get_weather get_time {FILES}\nLook.",
        "%%chat --schema Invoice\nAs an invoice.",
        "%%chat --schema loose\nAs JSON.",
    ):
        assert NOT_OFFERED.search(kernel.execute(cell).html), cell
    assert seen.rejected() == [] and seen.received("/chat/completions") == 8


def test_what_breaks_the_spec_is_named(
    kernel_at: KernelAt, prism: Server, prism_repaired: Server
) -> None:
    too_hot = "Request body property temperature must be <= 2"
    kernel = kernel_on(kernel_at, prism)
    result = kernel.execute("%%respond --temperature 5\nToo hot.", allow_errors=True)
    message = result.error.evalue
    assert message.startswith("127.0.0.1 rejected the request (422): Invalid request: ")
    assert too_hot in message and "\n" not in message
    # the published spec lets every chat body through unchecked; the repaired one not
    assert kernel.execute("%%chat --temperature 5\nToo hot.").error is None
    kernel = kernel_on(kernel_at, prism_repaired)
    result = kernel.execute("%%chat --temperature 5\nToo hot.", allow_errors=True)
    assert too_hot in result.error.evalue
    assert "string" in kernel.execute("%responses models").stdout


#: The request parameters of ``parameters.py`` on %%respond, each line one request.
RESPOND_PARAMETERS = (
    "%%respond --verbosity low --reasoning max --reasoning-summary detailed --service-tier flex "
    "--top-p 0.5 --logprobs 3 --metadata team=data --metadata 'run=7'\nHello.",
    "%%respond --tools get_weather get_time --tool-choice get_time --no-parallel-tools "
    "--max-tool-calls 2\nWeather?",
    "%%respond --tools get_weather web_search --tool-choice web_search\nSearch.",
    "%%respond --tools get_weather get_time code_interpreter --tool-choice code_interpreter\nRun.",
    "%%respond --tools get_weather get_time web_search --allowed-tools get_time,web_search "
    "--tool-choice required\nOne of them.",
)
#: The same on %%chat (and what only Chat has: --seed, --stop, web_search_options).
CHAT_PARAMETERS = (
    "%%chat --verbosity high --service-tier priority --top-p 0.3 --seed 42 --stop END "
    "--stop '##' --logprobs 2 --metadata team=data\nHello",
    "%%chat --tools get_weather get_time --tool-choice get_time --no-parallel-tools\nLook.",
    "%%chat --tools get_weather get_time --allowed-tools get_weather --tool-choice required\nGo.",
    "%%chat -m gpt-4o-search-preview --tools web_search get_time\nSearch.",
)


def test_respond_request_parameters(kernel_at: KernelAt, prism: Server) -> None:
    """Every request parameter's Responses shape (verbosity, summary, tier, tool choice
    in each form, allowed tools, logprobs, metadata, the safety identifier) is one
    OpenAI's published spec accepts."""
    kernel = kernel_on(kernel_at, prism)
    kernel.execute('%config ResponsesMagics.safety_identifier = "9f86d081884c7d65"')
    seen = Seen(prism)
    for cell in RESPOND_PARAMETERS:
        assert LANDSCAPE in kernel.execute(cell).html, cell
    assert seen.rejected() == [] and seen.received("/responses") == len(RESPOND_PARAMETERS)


def test_chat_request_parameters(kernel_at: KernelAt, prism_repaired: Server) -> None:
    # Each answer calls the tool "string" (made up from the schema), which is not run,
    # so each cell makes two requests: the second resends the call and its error.
    kernel = kernel_on(kernel_at, prism_repaired)
    kernel.execute('%config ResponsesMagics.safety_identifier = "9f86d081884c7d65"')
    seen = Seen(prism_repaired)
    for cell in CHAT_PARAMETERS:
        assert NOT_OFFERED.search(kernel.execute(cell).html), cell
    assert seen.rejected() == []
    assert seen.received("/chat/completions") == 2 * len(CHAT_PARAMETERS)
