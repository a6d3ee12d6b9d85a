"""``%responses import-assistant`` in a real kernel: an assistant and its thread, made
with the SDK's Assistants API calls against the emulator, open as a named thread; the
next ``%%respond`` (the line the summary suggests) resends that history on the
Responses API with the assistant's instructions, and ``%responses history`` lists it."""

from __future__ import annotations

import warnings

from openai import OpenAI

from jupyter_responses.emulator import Emulator

from .harness import KernelSession
from .recorded import requests

INSTRUCTIONS = "You answer questions about the weather.\nKeep it short."
EXCHANGES = [
    ("What is the weather in Oslo?", "Mild, 12 C."),
    ("And in Bergen?", "Rain, as ever."),
    ("Which one for a picnic?", "Oslo."),
]
FUNCTIONS = '''
def get_weather(city: str) -> str:
    """The weather in a city."""
    return "sunny"
'''


def _seed(emulator: Emulator) -> tuple[str, str]:
    client = OpenAI(base_url=emulator.url, api_key="sk-test")
    with warnings.catch_warnings():  # the SDK marks the Assistants API deprecated
        warnings.simplefilter("ignore", DeprecationWarning)
        assistant = client.beta.assistants.create(
            model="gpt-4.1-mini",
            name="Weather desk",
            instructions=INSTRUCTIONS,
            tools=[
                {"type": "code_interpreter"},
                {"type": "function", "function": {"name": "get_weather"}},
            ],
        )
        thread = client.beta.threads.create(
            messages=[
                {"role": role, "content": text}
                for asked, answered in EXCHANGES
                for role, text in (("user", asked), ("assistant", answered))
            ]
        )
    return assistant.id, thread.id


def test_an_assistant_thread_imports_and_continues_on_responses(
    loaded: KernelSession, emulator: Emulator
) -> None:
    assistant_id, thread_id = _seed(emulator)
    said = loaded.execute(f"%responses import-assistant {assistant_id} --thread {thread_id}")
    summary = said.stdout
    assert (
        f"Imported assistant 'Weather desk' ({assistant_id}) and thread {thread_id} as thread "
        "'Weather-desk', now current: 3 turns." in summary
    )
    assert "'You answer questions about the weather.' …" in summary
    suggested = "%%respond -m gpt-4.1-mini --tools code_interpreter get_weather"
    assert f"  {suggested}\n" in summary
    assert "Define get_weather() as Python function in the notebook first" in summary

    loaded.execute(FUNCTIONS)
    loaded.execute(f"{suggested}\nAnd tomorrow?", cell_id="next")
    body = requests(emulator, "/v1/responses")[-1]
    assert body["instructions"] == INSTRUCTIONS and body["model"] == "gpt-4.1-mini"
    assert "previous_response_id" not in body
    assert [(m["role"], m["content"]) for m in body["input"]] == [
        *(m for asked, answered in EXCHANGES for m in (("user", asked), ("assistant", answered))),
        ("user", "And tomorrow?"),
    ]
    assert {t.get("name") or t["type"] for t in body["tools"]} == {
        "code_interpreter",
        "get_weather",
    }

    history = loaded.execute("%responses history").stdout.splitlines()
    turns = [line for line in history if "(id " in line]
    assert len(turns) == 4
    assert all("[responses · gpt-4.1-mini]" in line for line in turns)
    assert "What is the weather in Oslo? → Mild, 12 C." in turns[0]
    assert "And tomorrow?" in turns[3]
    status = loaded.execute("%responses status").stdout
    assert "Thread:        Weather-desk" in status


def test_an_unknown_assistant_is_one_clear_error(loaded: KernelSession) -> None:
    result = loaded.execute("%responses import-assistant asst_nope", allow_errors=True)
    message = result.failure("NotFound")
    assert "has no assistant asst_nope (404: No assistant found with id 'asst_nope')" in message
    wrong = loaded.execute("%responses import-assistant 'not an id'", allow_errors=True)
    assert "is not an Assistants API id" in wrong.failure("UsageError")
    threads = loaded.execute("%responses threads").stdout
    assert "Weather" not in threads
