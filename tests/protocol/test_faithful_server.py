"""What clients other than ours rely on: stored items found by id, JSON mode,
``tool_choice``, ``GET /v1/models/{model}`` and the Conversations API, each through the
strict SDK and validated against OpenAI's spec."""

from __future__ import annotations

import json
from typing import Any

import openai
import pytest
from openai import OpenAI

from jupyter_responses.emulator import Emulator
from tests.spec import validate_request, validate_response

from .conftest import Raw

TOOLS = [
    {
        "type": "function",
        "name": name,
        "description": f"{name} of a city",
        "parameters": {
            "type": "object",
            "properties": {"city": {"type": "string"}},
            "required": ["city"],
            "additionalProperties": False,
        },
        "strict": True,
    }
    for name in ("get_weather", "get_time")
]
CHAT_TOOLS = [
    {"type": "function", "function": {k: v for k, v in t.items() if k != "type"}} for t in TOOLS
]
REASONING = {"effort": "low", "summary": "auto"}


def _posted(raw: Raw, path: str, body: dict[str, Any]) -> tuple[int, Any]:
    """``body`` checked against the spec, sent, and the answer checked too."""
    validate_request("POST", path, body)
    code, answer = raw.json("POST", path, body)
    validate_response("POST", path, code, answer)
    return code, answer


# -- 1. items sent back by id ----------------------------------------------------------------
def test_reasoning_items_carry_encrypted_content_and_are_found_by_id(
    client: OpenAI, raw: Raw
) -> None:
    first = client.responses.create(
        model="o4-mini", input="Think, then answer.", reasoning=REASONING
    )
    reasoning = next(item for item in first.output if item.type == "reasoning")
    assert reasoning.encrypted_content  # populated by default, as the spec says
    # A client replays the output (the Agents SDK in a run, LangChain's history):
    # without the encrypted content the stored item is found by its id.
    replay = [item.model_dump(exclude_none=True) for item in first.output]
    bare = [{k: v for k, v in item.items() if k != "encrypted_content"} for item in replay]
    for items in (replay, bare):
        body = {
            "model": "o4-mini",
            "input": [*items, {"role": "user", "content": "And now?"}],
            "reasoning": REASONING,
        }
        code, answer = _posted(raw, "/v1/responses", body)
        assert code == 200 and answer["status"] == "completed"
    # item_reference names a stored item
    reference = {"type": "item_reference", "id": reasoning.id}
    body = {"model": "o4-mini", "input": [reference, {"role": "user", "content": "Once more."}]}
    assert _posted(raw, "/v1/responses", body)[0] == 200


def test_items_of_an_unstored_response_need_their_encrypted_content(
    client: OpenAI, raw: Raw
) -> None:
    first = client.responses.create(
        model="o4-mini", input="Think.", reasoning=REASONING, store=False
    )
    reasoning = next(item for item in first.output if item.type == "reasoning").model_dump(
        exclude_none=True
    )
    bare = {k: v for k, v in reasoning.items() if k != "encrypted_content"}
    user = {"role": "user", "content": "Next."}
    code, refused = _posted(raw, "/v1/responses", {"model": "o4-mini", "input": [bare, user]})
    assert (
        code == 404
        and "Items are not persisted when `store` is set to false" in (refused["error"]["message"])
    )
    code, _ = _posted(raw, "/v1/responses", {"model": "o4-mini", "input": [reasoning, user]})
    assert code == 200
    with pytest.raises(openai.NotFoundError, match="Item with id 'rs_unknown' not found"):
        client.responses.create(
            model="o4-mini", input=[{"type": "item_reference", "id": "rs_unknown"}, user]
        )


# -- 2. JSON mode ------------------------------------------------------------------------------
def test_json_mode_answers_a_json_object_on_both_apis(client: OpenAI, raw: Raw) -> None:
    answer = client.responses.create(
        model="gpt-4.1", input="Reply in JSON, please.", text={"format": {"type": "json_object"}}
    )
    assert isinstance(json.loads(answer.output_text), dict)
    with client.responses.stream(
        model="gpt-4.1", input="json please", text={"format": {"type": "json_object"}}
    ) as stream:
        streamed = stream.get_final_response().output_text
    assert isinstance(json.loads(streamed), dict)
    body = {
        "model": "gpt-4.1",
        "messages": [{"role": "user", "content": "Answer as JSON."}],
        "response_format": {"type": "json_object"},
    }
    assert _posted(raw, "/v1/chat/completions", body)[0] == 200
    completion = _posted(raw, "/v1/chat/completions", body)[1]
    assert isinstance(json.loads(completion["choices"][0]["message"]["content"]), dict)


def test_json_mode_is_refused_where_no_message_says_json(client: OpenAI, raw: Raw) -> None:
    with pytest.raises(openai.BadRequestError, match="must contain the word 'json'"):
        client.responses.create(
            model="gpt-4.1", input="Answer.", text={"format": {"type": "json_object"}}
        )
    body = {
        "model": "gpt-4.1",
        "messages": [{"role": "user", "content": "Answer."}],
        "response_format": {"type": "json_object"},
    }
    code, error = _posted(raw, "/v1/chat/completions", body)
    assert code == 400 and "must contain the word 'json'" in error["error"]["message"]
    # instructions that say so are enough
    ok = client.responses.create(
        model="gpt-4.1",
        instructions="Always answer in JSON.",
        input="Answer.",
        text={"format": {"type": "json_object"}},
    )
    assert isinstance(json.loads(ok.output_text), dict)


# -- 3. tool_choice -------------------------------------------------------------------------------
RESPONSES_CHOICES = [
    ("required", "Hello there.", ["get_weather"]),
    ("none", "Use get_weather for Oslo.", []),
    ({"type": "function", "name": "get_time"}, "Use get_weather for Oslo.", ["get_time"]),
    (
        {
            "type": "allowed_tools",
            "mode": "required",
            "tools": [{"type": "function", "name": "get_time"}],
        },
        "Hello.",
        ["get_time"],
    ),
    (
        {
            "type": "allowed_tools",
            "mode": "auto",
            "tools": [{"type": "function", "name": "get_time"}],
        },
        "Use get_weather for Oslo.",
        [],
    ),
    ("auto", "Use get_weather for Oslo.", ["get_weather"]),
]


@pytest.mark.parametrize(("choice", "prompt", "called"), RESPONSES_CHOICES)
def test_responses_tool_choice_is_honoured(
    client: OpenAI, raw: Raw, choice: Any, prompt: str, called: list[str]
) -> None:
    body = {"model": "gpt-4.1", "input": prompt, "tools": TOOLS, "tool_choice": choice}
    code, answer = _posted(raw, "/v1/responses", body)
    assert code == 200
    names = [item["name"] for item in answer["output"] if item["type"] == "function_call"]
    assert names == called
    if not called:
        assert any(item["type"] == "message" for item in answer["output"])
    parsed = client.responses.create(**body)  # the strict SDK reads it too
    assert [i.name for i in parsed.output if i.type == "function_call"] == called


CHAT_CHOICES = [
    ("required", "Hello there.", ["get_weather"]),
    ("none", "Use get_weather for Oslo.", []),
    ({"type": "function", "function": {"name": "get_time"}}, "Use get_weather.", ["get_time"]),
    (
        {
            "type": "allowed_tools",
            "allowed_tools": {
                "mode": "required",
                "tools": [{"type": "function", "function": {"name": "get_time"}}],
            },
        },
        "Hello.",
        ["get_time"],
    ),
]


@pytest.mark.parametrize(("choice", "prompt", "called"), CHAT_CHOICES)
def test_chat_tool_choice_is_honoured(
    client: OpenAI, raw: Raw, choice: Any, prompt: str, called: list[str]
) -> None:
    body = {
        "model": "gpt-4.1",
        "messages": [{"role": "user", "content": prompt}],
        "tools": CHAT_TOOLS,
        "tool_choice": choice,
    }
    code, answer = _posted(raw, "/v1/chat/completions", body)
    assert code == 200
    message = answer["choices"][0]["message"]
    assert [c["function"]["name"] for c in message.get("tool_calls") or []] == called
    assert (answer["choices"][0]["finish_reason"] == "tool_calls") == bool(called)
    parsed = client.chat.completions.create(**body)
    assert [c.function.name for c in parsed.choices[0].message.tool_calls or []] == called


def test_required_moves_on_to_the_next_tool_after_a_result(client: OpenAI) -> None:
    """After a tool's result, ``required`` calls a tool not called yet (as an output
    tool is: pydantic-ai's ``final_result``), never answering text."""
    first = client.responses.create(
        model="gpt-4.1", input="Use get_weather for Oslo.", tools=TOOLS, tool_choice="required"
    )
    (call,) = [item for item in first.output if item.type == "function_call"]
    second = client.responses.create(
        model="gpt-4.1",
        previous_response_id=first.id,
        input=[{"type": "function_call_output", "call_id": call.call_id, "output": "Sunny"}],
        tools=TOOLS,
        tool_choice="required",
    )
    assert [i.name for i in second.output if i.type == "function_call"] == ["get_time"]


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({"tool_choice": "required"}, "Tool choice 'required' must be specified with 'tools'"),
        (
            {"tools": TOOLS, "tool_choice": {"type": "function", "name": "nope"}},
            "Tool choice 'function' not found in 'tools'",
        ),
        ({"tools": TOOLS, "tool_choice": "sometimes"}, "Invalid value for 'tool_choice'"),
    ],
)
def test_a_tool_choice_the_tools_cannot_satisfy_is_refused(
    raw: Raw, body: dict[str, Any], message: str
) -> None:
    code, error = raw.json("POST", "/v1/responses", {"model": "gpt-4.1", "input": "x", **body})
    assert code == 400 and message in error["error"]["message"]
    validate_response("POST", "/v1/responses", code, error)


# -- 4. endpoints -------------------------------------------------------------------------------
def test_a_model_is_retrieved_by_name(client: OpenAI, raw: Raw) -> None:
    assert client.models.retrieve("gpt-4.1").id == "gpt-4.1"
    code, model = raw.json("GET", "/v1/models/o4-mini")
    assert code == 200
    validate_response("GET", "/v1/models/o4-mini", code, model)
    with Emulator(models=["gpt-4.1"]) as only:
        strict = OpenAI(base_url=only.url, api_key="sk-test", _strict_response_validation=True)
        with pytest.raises(openai.NotFoundError, match="does not exist"):
            strict.models.retrieve("gpt-9")


def test_the_conversations_api(client: OpenAI, raw: Raw) -> None:
    conversation = client.conversations.create(
        items=[{"type": "message", "role": "user", "content": "My name is Ada."}],
        metadata={"topic": "names"},
    )
    code, body = raw.json("GET", f"/v1/conversations/{conversation.id}")
    validate_response("GET", f"/v1/conversations/{conversation.id}", code, body)
    first = client.responses.create(model="gpt-4.1", conversation=conversation.id, input="Hi!")
    assert first.conversation is not None and first.conversation.id == conversation.id
    assert "**1** earlier user turn" in first.output_text  # it saw the conversation's item
    second = client.responses.create(
        model="gpt-4.1", conversation={"id": conversation.id}, input="Still there?"
    )
    assert "**2** earlier user turns" in second.output_text
    path = f"/v1/conversations/{conversation.id}/items"
    code, page = raw.json("GET", f"{path}?order=asc&limit=3")
    validate_response("GET", path, code, page)
    assert [i["type"] for i in page["data"]] == ["message"] * 3 and page["has_more"]
    listed = client.conversations.items.list(conversation.id, order="asc")
    texts = [item.content[0].text for item in listed.data if item.type == "message"]
    assert texts[0] == "My name is Ada." and texts[1] == "Hi!" and texts[-1] == second.output_text
    added = client.conversations.items.create(
        conversation.id, items=[{"type": "message", "role": "user", "content": "Added."}]
    )
    (item,) = added.data
    assert (
        client.conversations.items.retrieve(item.id, conversation_id=conversation.id).id == item.id
    )
    client.conversations.items.delete(item.id, conversation_id=conversation.id)
    updated = client.conversations.update(conversation.id, metadata={"topic": "changed"})
    assert updated.metadata == {"topic": "changed"}
    assert client.conversations.delete(conversation.id).deleted
    with pytest.raises(openai.NotFoundError):
        client.conversations.retrieve(conversation.id)


def test_conversation_and_previous_response_id_exclude_each_other(client: OpenAI, raw: Raw) -> None:
    conversation = client.conversations.create()
    first = client.responses.create(model="gpt-4.1", input="Hi")
    body = {
        "model": "gpt-4.1",
        "input": "x",
        "conversation": conversation.id,
        "previous_response_id": first.id,
    }
    code, error = raw.json("POST", "/v1/responses", body)
    assert code == 400 and "Mutually exclusive" in error["error"]["message"]


def test_json_mode_follows_a_schema_given_in_the_prompt(client: OpenAI) -> None:
    schema = {
        "type": "object",
        "properties": {"name": {"type": "string"}, "population": {"type": "integer"}},
        "required": ["name", "population"],
    }
    completion = client.chat.completions.create(
        model="gpt-4.1",
        messages=[
            {
                "role": "system",
                "content": f"Answer with JSON matching this schema: {json.dumps(schema)}",
            },
            {"role": "user", "content": "The biggest city?"},
        ],
        response_format={"type": "json_object"},
    )
    answer = json.loads(completion.choices[0].message.content or "")
    assert set(answer) == {"name", "population"} and isinstance(answer["population"], int)
