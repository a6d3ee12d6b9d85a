"""The emulator knows the context window as OpenAI serves it: ``POST
/v1/responses/input_tokens`` counts what a create would use, an input over the model's
window is a 400 ``context_length_exceeded`` (or, with ``truncation: "auto"``, loses its
oldest turns), Chat Completions over it is a 400 too, and ``POST /v1/responses/compact``
returns the user messages and one ``compaction`` item that a later request reads back as
the whole conversation at a fraction of its tokens. Every body validates against
OpenAI's published spec."""

from __future__ import annotations

import re
from typing import Any

import openai
import pytest
from openai import OpenAI
from openai.types.responses import (
    CompactedResponse,
    InputTokenCountResponse,
    ResponseCompactionItem,
)

from jupyter_responses.emulator import Emulator
from jupyter_responses.emulator.compaction import PREFIX
from jupyter_responses.emulator.context_window import DEFAULT_WINDOW, size
from tests.emulator.shapes import refused
from tests.protocol.conftest import Raw
from tests.spec import validate_request, validate_response

#: A turn of 300 tokens (the emulator counts four characters a token).
TURN = "Tell me about the harbour. " * 44 + "Thanks."
#: What the default model answers a turn with quotes it, so a turn and its answer take
#: about 650 tokens: three of them do not fit a window of 1,500.
WINDOW = 1500
COUNT = "/v1/responses/input_tokens"
COMPACT = "/v1/responses/compact"


def earlier_turns(text: str) -> int:
    """How many earlier user turns the default model says it received."""
    found = re.search(r"I received \*\*(\d+)\*\* earlier user turn", text)
    assert found, text
    return int(found.group(1))


def chain(client: OpenAI, turns: int, **extra: Any) -> str:
    """``turns`` chained turns of ``TURN`` (numbered); the last response's id."""
    previous = None
    for number in range(turns):
        response = client.responses.create(
            model="gpt-4.1",
            input=f"Turn {number}. {TURN}",
            previous_response_id=previous,
            **extra,
        )
        previous = response.id
    assert previous is not None
    return previous


# -- the table ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("model", "tokens"),
    [
        ("gpt-4.1", 1_047_576),
        ("gpt-4.1-mini-2025-04-14", 1_047_576),
        ("gpt-4o-mini", 128_000),
        ("gpt-5-mini", 400_000),
        ("gpt-5-chat-latest", 128_000),
        ("o4-mini", 200_000),
        ("o3", 200_000),
        ("computer-use-preview", 8_192),
        ("my-local-model", DEFAULT_WINDOW),
    ],
)
def test_each_model_family_has_its_window(model: str, tokens: int) -> None:
    assert size(model) == tokens


def test_an_override_replaces_every_window_or_some(emulator: Emulator) -> None:
    assert size("gpt-4.1", 2000) == 2000
    assert size("gpt-4.1", {"gpt-4.1": 900}) == 900
    assert size("gpt-4o", {"gpt-4.1": 900}) == 128_000
    emulator.context_window = 1234
    assert emulator.context_window == 1234
    with Emulator(context_window={"o4-mini": 50}) as emu:
        assert emu.context_window == {"o4-mini": 50}


# -- counting ----------------------------------------------------------------------------


def test_the_count_is_the_usage_a_create_then_reports(client: OpenAI, raw: Raw) -> None:
    body = {"model": "gpt-4.1", "instructions": "Answer briefly.", "input": "How far is Oslo?"}
    validate_request("POST", COUNT, body)
    status, counted = raw.json("POST", COUNT, body)
    assert status == 200
    validate_response("POST", COUNT, status, counted)
    assert counted == {"object": "response.input_tokens", "input_tokens": counted["input_tokens"]}
    parsed = client.responses.input_tokens.count(**body)  # strict: the SDK's own type
    assert isinstance(parsed, InputTokenCountResponse)
    created = client.responses.create(**body)
    assert created.usage is not None
    assert parsed.input_tokens == counted["input_tokens"] == created.usage.input_tokens
    assert parsed.input_tokens == len("Answer briefly." + "How far is Oslo?") // 4 + 1


def test_the_count_follows_previous_response_id_as_a_create_does(client: OpenAI) -> None:
    first = client.responses.create(model="gpt-4.1", input="Name a fjord.")
    body = {"model": "gpt-4.1", "input": "And a second one?", "previous_response_id": first.id}
    counted = client.responses.input_tokens.count(**body)
    second = client.responses.create(**body)
    assert second.usage is not None and first.usage is not None
    assert counted.input_tokens == second.usage.input_tokens
    assert counted.input_tokens > first.usage.input_tokens  # the whole chain is counted


def test_the_count_follows_a_conversation_and_needs_no_model(client: OpenAI) -> None:
    conversation = client.conversations.create(
        items=[{"type": "message", "role": "user", "content": "Earlier words."}]
    )
    counted = client.responses.input_tokens.count(input="Now?", conversation=conversation.id)
    created = client.responses.create(model="gpt-4.1", input="Now?", conversation=conversation.id)
    assert created.usage is not None
    assert counted.input_tokens == created.usage.input_tokens


def test_counting_an_unknown_previous_response_is_a_404(raw: Raw) -> None:
    body = {"model": "gpt-4.1", "input": "x", "previous_response_id": "resp_missing"}
    status, error = raw.json("POST", COUNT, body)
    assert status == 404
    validate_response("POST", COUNT, status, error)
    assert error["error"]["code"] == "previous_response_not_found"


# -- the window on Responses -------------------------------------------------------------


def test_an_input_over_the_window_is_refused_in_openais_words(
    emulator: Emulator, client: OpenAI, raw: Raw
) -> None:
    emulator.context_window = WINDOW
    last = chain(client, 2)  # about 950 tokens: fits
    body = {"model": "gpt-4.1", "input": f"Turn 2. {TURN}", "previous_response_id": last}
    error = refused(raw, client, body, "input", "context_length_exceeded")
    assert error["message"] == (
        "Your input exceeds the context window of this model. Please adjust your input and "
        "try again."
    )
    status, _ = raw.json("POST", "/v1/responses", {**body, "truncation": "disabled"})
    assert status == 400
    assert raw.request("POST", "/v1/responses", {**body, "stream": True}).status == 400
    # Counting still counts: it says by how much the input is over.
    assert client.responses.input_tokens.count(**body).input_tokens > WINDOW


def test_truncation_auto_drops_the_oldest_turns_until_it_fits(
    emulator: Emulator, client: OpenAI, raw: Raw
) -> None:
    emulator.context_window = WINDOW
    last = chain(client, 2)
    body: dict[str, Any] = {
        "model": "gpt-4.1",
        "instructions": "Be brief.",
        "input": f"Turn 2. {TURN}",
        "previous_response_id": last,
        "truncation": "auto",
    }
    validate_request("POST", "/v1/responses", body)
    counted = client.responses.input_tokens.count(**body)
    status, response = raw.json("POST", "/v1/responses", body)
    assert status == 200
    validate_response("POST", "/v1/responses", status, response)
    assert response["truncation"] == "auto"
    assert response["instructions"] == "Be brief."  # kept: only turns are dropped
    text = response["output"][-1]["content"][0]["text"]
    assert earlier_turns(text) == 1  # turn 0 and its answer were dropped
    assert counted.input_tokens == response["usage"]["input_tokens"] <= WINDOW
    # The stored chain keeps every turn: with room again, the next turn sees them all.
    emulator.context_window = None
    following = client.responses.create(
        model="gpt-4.1", input="And now?", previous_response_id=response["id"]
    )
    assert earlier_turns(following.output_text) == 3


def test_truncation_auto_cannot_drop_the_message_being_sent(
    emulator: Emulator, client: OpenAI, raw: Raw
) -> None:
    emulator.context_window = 100
    body = {"model": "gpt-4.1", "input": TURN, "truncation": "auto"}
    refused(raw, client, body, "input", "context_length_exceeded")


def test_an_unknown_truncation_is_refused(raw: Raw) -> None:
    body = {"model": "gpt-4.1", "input": "hi", "truncation": "sometimes"}
    status, error = raw.json("POST", "/v1/responses", body)
    assert status == 400
    validate_response("POST", "/v1/responses", status, error)
    assert (error["error"]["param"], error["error"]["code"]) == ("truncation", "invalid_value")


def test_each_model_has_its_own_window(emulator: Emulator, client: OpenAI) -> None:
    emulator.context_window = {"gpt-4o-mini": 50}
    assert client.responses.create(model="gpt-4.1", input=TURN).status == "completed"
    with pytest.raises(openai.BadRequestError) as caught:
        client.responses.create(model="gpt-4o-mini", input=TURN)
    assert caught.value.code == "context_length_exceeded"


# -- the window on Chat Completions -------------------------------------------------------


def test_chat_over_the_window_is_a_400_that_says_both_numbers(
    emulator: Emulator, client: OpenAI, raw: Raw
) -> None:
    emulator.context_window = 200
    short = {"model": "gpt-4.1", "messages": [{"role": "user", "content": "Hi"}]}
    assert client.chat.completions.create(**short).choices[0].message.content
    body = {"model": "gpt-4.1", "messages": [{"role": "user", "content": TURN}]}
    status, error = raw.json("POST", "/v1/chat/completions", body)
    assert status == 400
    validate_response("POST", "/v1/chat/completions", status, error)
    assert error["error"]["code"] == "context_length_exceeded"
    assert error["error"]["param"] == "messages"
    assert error["error"]["message"].startswith(
        "This model's maximum context length is 200 tokens. However, your messages resulted in "
    )
    with pytest.raises(openai.BadRequestError) as caught:
        client.chat.completions.create(**body)  # (Chat has no truncation)
    assert caught.value.code == "context_length_exceeded"


# -- compaction --------------------------------------------------------------------------


def lenient(emulator: Emulator) -> OpenAI:
    """The SDK as users run it. Its ``CompactedResponse.output`` is typed as output
    items, whose messages are the assistant's, so in strict mode it cannot parse the
    user messages a compacted response holds (as OpenAI documents and its spec's own
    example shows); the raw bodies are validated against the spec instead."""
    return OpenAI(base_url=emulator.url, api_key="sk-test", max_retries=0)


def test_compact_returns_the_user_messages_then_one_compaction_item(
    emulator: Emulator, raw: Raw
) -> None:
    history = [
        {"role": "user", "content": "Plan a trip to Bergen."},
        {
            "type": "message",
            "role": "assistant",
            "status": "completed",
            "id": "msg_given",
            "content": [
                {
                    "type": "output_text",
                    "text": "Take the train.",
                    "annotations": [],
                    "logprobs": [],
                }
            ],
        },
        {"role": "user", "content": [{"type": "input_text", "text": "And back?"}]},
    ]
    body = {"model": "gpt-5", "input": history, "instructions": "Be brief."}
    validate_request("POST", COMPACT, body)
    status, compacted = raw.json("POST", COMPACT, body)
    assert status == 200
    validate_response("POST", COMPACT, status, compacted)
    assert compacted["object"] == "response.compaction"
    assert compacted["id"].startswith("resp_")
    *users, item = compacted["output"]
    assert [(u["type"], u["role"], u["status"]) for u in users] == [
        ("message", "user", "completed")
    ] * 2
    assert [u["content"] for u in users] == [
        [{"type": "input_text", "text": "Plan a trip to Bergen."}],
        [{"type": "input_text", "text": "And back?"}],
    ]
    assert item["type"] == "compaction" and item["id"].startswith("cmp_")
    assert item["encrypted_content"].startswith(PREFIX)
    usage = compacted["usage"]
    assert (
        usage["input_tokens"]
        == len("Be brief.Plan a trip to Bergen.Take the train.And back?") // 4 + 1
    )
    assert usage["total_tokens"] == usage["input_tokens"] + usage["output_tokens"]
    parsed = lenient(emulator).responses.compact(**body)
    assert isinstance(parsed, CompactedResponse)
    assert isinstance(parsed.output[-1], ResponseCompactionItem)
    assert parsed.output[-1].encrypted_content.startswith(PREFIX)


def test_a_compacted_conversation_continues_remembering_at_fewer_tokens(
    emulator: Emulator, client: OpenAI, raw: Raw
) -> None:
    last = chain(client, 3)
    status, compacted = raw.json(
        "POST", COMPACT, {"model": "gpt-4.1", "previous_response_id": last}
    )
    assert status == 200
    validate_response("POST", COMPACT, status, compacted)
    assert len(compacted["output"]) == 4  # three user messages, one compaction item
    uncompacted = client.responses.create(
        model="gpt-4.1", input="What did I ask first?", previous_response_id=last
    )
    body = {
        "model": "gpt-4.1",
        "input": [*compacted["output"], {"role": "user", "content": "What did I ask first?"}],
    }
    validate_request("POST", "/v1/responses", body)
    counted = client.responses.input_tokens.count(**body)
    continued = client.responses.create(**body)
    text = continued.output_text
    assert earlier_turns(text) == earlier_turns(uncompacted.output_text) == 3
    assert "of them came back from a compaction item" in text
    assert continued.usage is not None and uncompacted.usage is not None
    assert counted.input_tokens == continued.usage.input_tokens
    assert continued.usage.input_tokens < 0.6 * uncompacted.usage.input_tokens
    # Chained on from there, the restored turns stay (and stay cheap).
    after = client.responses.create(
        model="gpt-4.1", input="And then?", previous_response_id=continued.id
    )
    assert earlier_turns(after.output_text) == 4


def test_compaction_is_how_an_input_over_the_window_goes_on(
    emulator: Emulator, client: OpenAI, raw: Raw
) -> None:
    last = chain(client, 3)
    emulator.context_window = WINDOW
    with pytest.raises(openai.BadRequestError):
        client.responses.create(model="gpt-4.1", input="Go on.", previous_response_id=last)
    compacted = lenient(emulator).responses.compact(model="gpt-4.1", previous_response_id=last)
    items = [
        item.model_dump(mode="json", exclude_none=True, warnings=False) for item in compacted.output
    ]
    goes_on = client.responses.create(
        model="gpt-4.1", input=[*items, {"role": "user", "content": "Go on."}]
    )
    assert earlier_turns(goes_on.output_text) == 3
    assert goes_on.usage is not None and goes_on.usage.input_tokens <= WINDOW


def test_compacting_compacted_history_keeps_every_turn(client: OpenAI, raw: Raw) -> None:
    last = chain(client, 2)
    _, first = raw.json("POST", COMPACT, {"model": "gpt-4.1", "previous_response_id": last})
    more = [*first["output"], {"role": "user", "content": "A third turn."}]
    _, second = raw.json("POST", COMPACT, {"model": "gpt-4.1", "input": more})
    assert len(second["output"]) == 4  # the three user messages, one compaction item
    answer = client.responses.create(
        model="gpt-4.1", input=[*second["output"], {"role": "user", "content": "Fourth."}]
    )
    assert earlier_turns(answer.output_text) == 3


def _garbled(content: str) -> str:
    middle = len(content) // 2
    return content[:middle] + ("A" if content[middle] != "A" else "B") + content[middle + 1 :]


def test_a_garbled_compaction_item_is_refused_as_openai_refuses_it(
    client: OpenAI, raw: Raw
) -> None:
    _, compacted = raw.json("POST", COMPACT, {"model": "gpt-4.1", "input": "Remember this."})
    item = compacted["output"][-1]
    for content in (_garbled(item["encrypted_content"]), PREFIX + "bm90IG91cnM=", "gAAAAAB!!!"):
        body = {
            "model": "gpt-4.1",
            "input": [{**item, "encrypted_content": content}, {"role": "user", "content": "Hi"}],
        }
        status, error = raw.json("POST", "/v1/responses", body)
        assert status == 400
        validate_response("POST", "/v1/responses", status, error)
        assert error["error"] == {
            "message": f"The encrypted content for item {item['id']} could not be verified. "
            "Reason: Encrypted content could not be decrypted or parsed.",
            "type": "invalid_request_error",
            "param": None,
            "code": "invalid_encrypted_content",
        }
        with pytest.raises(openai.BadRequestError) as caught:
            client.responses.create(**body)
        assert caught.value.code == "invalid_encrypted_content"
    without_id = {"type": "compaction", "encrypted_content": "gAAAAAxyz123"}
    status, error = raw.json("POST", COUNT, {"model": "gpt-4.1", "input": [without_id]})
    assert status == 400
    assert error["error"]["message"].startswith("The encrypted content gAAA...z123 could not")
    status, error = raw.json(
        "POST", "/v1/responses", {"model": "gpt-4.1", "input": [{"type": "compaction"}]}
    )
    assert status == 400
    assert (error["error"]["param"], error["error"]["code"]) == (
        "input[0].encrypted_content",
        "missing_required_parameter",
    )
