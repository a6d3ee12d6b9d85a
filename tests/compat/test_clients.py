"""Real client libraries (each in its own venv, see ``peers.py``) against the emulator:
the OpenAI Agents SDK (Responses, and Chat through ``OpenAIChatCompletionsModel``) and
pydantic-ai (``OpenAIChatModel`` and ``OpenAIResponsesModel``).

Each test runs one flow of ``clients/<client>_flows.py`` with the client's own Python,
``OPENAI_BASE_URL`` at the emulator and every other address behind a proxy that does
not exist (so nothing reaches the internet: the Agents SDK's tracing is also switched
off), then checks what the client got (the JSON line the flow prints) and what the
emulator received. The emulator answers with its default model (what a new user
meets), except where a test needs an exact shape and scripts the replies.
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from jupyter_responses.emulator import Emulator, script

from .peers import OPENAI_AGENTS, PYDANTIC_AI, Peer, peer_env

CLIENTS = Path(__file__).resolve().parent / "clients"
SCRIPTS: dict[str, tuple[Peer, str]] = {
    "agents": (OPENAI_AGENTS, "agents_flows.py"),
    "pydantic-ai": (PYDANTIC_AI, "pydantic_ai_flows.py"),
}
PATHS = {"responses": "/v1/responses", "chat": "/v1/chat/completions"}
NOWHERE = "http://127.0.0.1:9"  # the discard port: a refused connection

#: (client, API) pairs for the flows every client runs through both APIs
BOTH = [
    ("agents", "responses"),
    ("agents", "chat"),
    ("pydantic-ai", "responses"),
    ("pydantic-ai", "chat"),
]
PYDANTIC_AI_APIS = [("pydantic-ai", "responses"), ("pydantic-ai", "chat")]


@pytest.fixture(scope="module")
def served() -> Iterator[Emulator]:
    with Emulator() as emu:
        yield emu


@pytest.fixture
def emulator(served: Emulator) -> Emulator:
    """The module's emulator, emptied of what earlier tests sent (and stored)."""
    served.reset()
    return served


def run(emulator: Emulator, client: str, flow: str, api: str) -> tuple[dict[str, Any], list[Any]]:
    """Run ``flow`` of ``client`` through ``api``: what it printed, and the bodies of
    the model requests the emulator received (in order)."""
    peer, script = SCRIPTS[client]
    peer.ensure()
    env = peer_env(
        OPENAI_BASE_URL=emulator.url,
        OPENAI_API_KEY="sk-compat-client",
        OPENAI_AGENTS_DISABLE_TRACING="1",
        HTTP_PROXY=NOWHERE,
        HTTPS_PROXY=NOWHERE,
        ALL_PROXY=NOWHERE,
        NO_PROXY="127.0.0.1,localhost",
    )
    done = subprocess.run(
        [str(peer.bin("python")), str(CLIENTS / script), flow, api],
        env=env,
        cwd=CLIENTS,
        capture_output=True,
        text=True,
        timeout=90,
        check=False,
    )
    if done.returncode != 0:
        sys.stderr.write(done.stderr[-6000:])
        pytest.fail(f"{client} {flow} ({api}) exited {done.returncode}:\n{done.stderr[-1500:]}")
    got = json.loads(done.stdout.strip().splitlines()[-1])
    sent = [r.body for r in emulator.requests(PATHS[api])]
    return got, sent


def by_type(items: list[dict[str, Any]], kind: str) -> list[dict[str, Any]]:
    return [item for item in items if isinstance(item, dict) and item.get("type") == kind]


def user_texts(body: dict[str, Any]) -> list[str]:
    """The user messages of a request, as text."""
    messages = body.get("input", body.get("messages"))
    if isinstance(messages, str):
        return [messages]
    texts = []
    for message in messages:
        if message.get("role") != "user":
            continue
        content = message["content"]
        if isinstance(content, list):
            content = "".join(part.get("text", "") for part in content)
        texts.append(content)
    return texts


def earlier_turns(answer: str) -> int:
    """How many earlier user turns the default model says it received."""
    return int(answer.split("I received **", 1)[1].split("**", 1)[0])


# -- every client, both APIs -------------------------------------------------------------


@pytest.mark.parametrize(("client", "api"), BOTH)
def test_text(emulator: Emulator, client: str, api: str) -> None:
    got, sent = run(emulator, client, "text", api)
    assert "> What is the capital of France?" in got["output"]
    assert "Instructions I follow: *Answer briefly.*" in got["output"]
    (body,) = sent
    assert body["model"] == "gpt-4.1" and not body.get("stream")
    assert user_texts(body) == ["What is the capital of France?"]


@pytest.mark.parametrize(("client", "api"), BOTH)
def test_stream(emulator: Emulator, client: str, api: str) -> None:
    got, sent = run(emulator, client, "stream", api)
    assert len(got["deltas"]) > 5
    assert "".join(got["deltas"]) == got["output"]
    assert "> Tell me about streaming." in got["output"]
    (body,) = sent
    assert body["stream"] is True


@pytest.mark.parametrize(("client", "api"), BOTH)
def test_tool_round_trip(emulator: Emulator, client: str, api: str) -> None:
    got, sent = run(emulator, client, "tool", api)
    assert got["calls"] == [{"city": "Paris"}]
    assert "`get_weather` → Sunny and 21 °C in Paris." in got["output"]
    first, second = sent
    names = [t.get("name") or t.get("function", {}).get("name") for t in first["tools"]]
    assert names == ["get_weather"]
    if api == "responses":
        (call,) = by_type(second["input"], "function_call")
        (output,) = by_type(second["input"], "function_call_output")
        assert call["name"] == "get_weather" and json.loads(call["arguments"]) == {"city": "Paris"}
        assert output["call_id"] == call["call_id"]
        assert output["output"] == "Sunny and 21 °C in Paris."
    else:
        assistant, result = second["messages"][-2:]
        (call,) = assistant["tool_calls"]
        assert call["function"]["name"] == "get_weather"
        assert result["role"] == "tool" and result["tool_call_id"] == call["id"]
        assert result["content"] == "Sunny and 21 °C in Paris."


@pytest.mark.parametrize(("client", "api"), BOTH)
def test_structured_output(emulator: Emulator, client: str, api: str) -> None:
    # Agents: output_type=City; pydantic-ai: NativeOutput(City) (a json_schema format)
    got, sent = run(emulator, client, "structured", api)
    assert got == {
        "type": "City",
        "output": {"name": "example", "country": "example", "population": 1},
    }
    (body,) = sent
    if api == "responses":
        kind, schema = body["text"]["format"]["type"], body["text"]["format"]
    else:
        kind, schema = body["response_format"]["type"], body["response_format"]["json_schema"]
    assert kind == "json_schema" and schema["strict"] is True
    assert set(schema["schema"]["properties"]) == {"name", "country", "population"}


# -- multi-turn ----------------------------------------------------------------------------


def test_agents_multi_turn_chained_and_resent(emulator: Emulator) -> None:
    got, sent = run(emulator, "agents", "multi_turn", "responses")
    first, chained, resent = sent
    assert "previous_response_id" not in first
    assert earlier_turns(got["first"]) == 0
    # previous_response_id: only the new message goes, the server has the rest
    assert chained["previous_response_id"] == got["first_id"]
    assert user_texts(chained) == ["What is my name?"]
    assert earlier_turns(got["chained"]) == 1
    # result.to_input_list() + the new message: the whole history, no previous_response_id
    assert "previous_response_id" not in resent
    assert user_texts(resent) == ["My name is Ada. Remember it.", "What is my name?"]
    assert [m.get("role") for m in resent["input"]] == ["user", "assistant", "user"]
    assert earlier_turns(got["resent"]) == 1


@pytest.mark.parametrize(("client", "api"), PYDANTIC_AI_APIS)
def test_pydantic_ai_multi_turn(emulator: Emulator, client: str, api: str) -> None:
    got, sent = run(emulator, client, "multi_turn", api)
    assert earlier_turns(got["first"]) == 0
    # message_history=first.all_messages(): the whole history resent
    resent = sent[1]
    assert user_texts(resent) == ["My name is Ada. Remember it.", "What is my name?"]
    assert "previous_response_id" not in resent
    assert earlier_turns(got["resent"]) == 1
    if api == "responses":
        # openai_previous_response_id="auto": chained to the first response of its run
        start, chained = sent[2:]
        assert "previous_response_id" not in start
        assert chained["previous_response_id"].startswith("resp_")
        assert user_texts(chained) == ["What is my name?"]
        assert earlier_turns(got["chained"]) == 1
    else:
        assert len(sent) == 2


def test_agents_conversation(emulator: Emulator) -> None:
    # the Conversations API: Runner.run(conversation_id=...) (the server keeps the items),
    # and an OpenAIConversationsSession (the SDK lists and adds the items itself)
    got, sent = run(emulator, "agents", "conversation", "responses")
    assert earlier_turns(got["by_id"]) == 1
    assert earlier_turns(got["by_session"]) == 1
    assert got["session_roles"] == ["user", "assistant", "user", "assistant"]
    first, by_id = sent[:2]
    assert first["conversation"] == by_id["conversation"] == got["conversation_id"]
    assert user_texts(by_id) == ["What is my name?"]
    paths = {r.path.split("?")[0].rsplit("/", 1)[-1] for r in emulator.requests()}
    assert {"conversations", "items"} <= paths  # created; items listed and added


# -- reasoning with a tool -------------------------------------------------------------------


def test_agents_reasoning_with_a_tool(emulator: Emulator) -> None:
    # o4-mini with reasoning.summary: the reasoning item is replayed (by id) with the call
    got, sent = run(emulator, "agents", "reasoning_tool", "responses")
    first, second = sent
    assert first["model"] == "o4-mini"
    assert first["reasoning"] == {"effort": "low", "summary": "auto"}
    kinds = [item.get("type") for item in second["input"]]
    assert kinds == [None, "reasoning", "function_call", "function_call_output"]
    (reasoning,) = by_type(second["input"], "reasoning")
    assert reasoning["id"].startswith("rs_") and reasoning["summary"]
    assert got["calls"] == [{"city": "Oslo"}]
    assert got["items"] == [
        "reasoning_item",
        "tool_call_item",
        "tool_call_output_item",
        "reasoning_item",
        "message_output_item",
    ]
    assert "`get_weather` → Sunny and 21 °C in Oslo." in got["output"]


def test_agents_reasoning_replayed_by_id_alone(emulator: Emulator) -> None:
    # scripted: a reasoning item without encrypted_content, as OpenAI answers a client
    # that stores its responses and did not ask for it; the SDK sends it back as it got
    # it (id and summary), and the stored item is found by its id
    summary = [{"type": "summary_text", "text": "Oslo, then."}]
    reasoning = {"type": "reasoning", "id": "rs_scripted", "summary": summary}
    emulator.enqueue(
        script.Reply(
            items=[script.RawItem(reasoning), script.FunctionCall("get_weather", {"city": "Oslo"})]
        ),
        script.text("It is sunny in Oslo."),
    )
    got, sent = run(emulator, "agents", "reasoning_tool", "responses")
    assert got["output"] == "It is sunny in Oslo."
    assert got["calls"] == [{"city": "Oslo"}]
    (replayed,) = by_type(sent[1]["input"], "reasoning")
    assert replayed["id"] == "rs_scripted" and "encrypted_content" not in replayed
    assert replayed["summary"] == summary


@pytest.mark.parametrize(("client", "api"), PYDANTIC_AI_APIS)
def test_pydantic_ai_reasoning_with_a_tool(emulator: Emulator, client: str, api: str) -> None:
    got, sent = run(emulator, client, "reasoning_tool", api)
    first, second = sent
    assert first["model"] == "o4-mini"
    assert got["calls"] == [{"city": "Oslo"}]
    assert got["tool_calls"] == ["get_weather"]
    assert "`get_weather` → Sunny and 21 °C in Oslo." in got["output"]
    if api == "responses":
        assert first["reasoning"] == {"effort": "low", "summary": "auto"}
        assert "reasoning.encrypted_content" in first["include"]
        (reasoning,) = by_type(second["input"], "reasoning")
        assert reasoning["id"].startswith("rs_") and reasoning["encrypted_content"]
        assert got["thinking"] and got["parts"][:2] == ["thinking", "tool-call"]
    else:
        assert first["reasoning_effort"] == "low"
        assert second["messages"][-1]["role"] == "tool"


# -- pydantic-ai's default structured output: a final_result tool ---------------------------


@pytest.mark.parametrize(("client", "api"), PYDANTIC_AI_APIS)
def test_pydantic_ai_output_tool(emulator: Emulator, client: str, api: str) -> None:
    # output_type=City alone: pydantic-ai offers a final_result tool with tool_choice
    # "required"; the model must call it at once (else pydantic-ai retries)
    got, sent = run(emulator, client, "structured_tool", api)
    assert got["type"] == "City"
    assert set(got["output"]) == {"name", "country", "population"}
    (body,) = sent
    assert body["tool_choice"] == "required"
    names = [t.get("name") or t.get("function", {}).get("name") for t in body["tools"]]
    assert names == ["final_result"]


@pytest.mark.parametrize(("client", "api"), PYDANTIC_AI_APIS)
def test_pydantic_ai_json_mode(emulator: Emulator, client: str, api: str) -> None:
    # PromptedOutput(City): the schema in the instructions, JSON mode on the request; the
    # answer must be a JSON object of that schema at once (else pydantic-ai retries)
    got, sent = run(emulator, client, "structured_json_mode", api)
    assert got["type"] == "City"
    assert set(got["output"]) == {"name", "country", "population"}
    (body,) = sent
    if api == "responses":
        assert body["text"]["format"] == {"type": "json_object"}
    else:
        assert body["response_format"] == {"type": "json_object"}
