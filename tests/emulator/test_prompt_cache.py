"""The emulator's prompt cache reports what OpenAI's does: a repeated prefix of 1,024
tokens or more is read from the cache, in 128-token steps, per model and
``prompt_cache_key``; a prompt of that size writes its blocks."""

from __future__ import annotations

import pytest
from openai import OpenAI

from jupyter_responses.emulator.prompt_cache import MIN_TOKENS, STEP, blocks

#: 1,500 tokens of instructions: over the cache's minimum on its own.
LONG = "You are a careful analyst. " * 222


@pytest.mark.parametrize(
    ("tokens", "held"),
    [(0, 0), (1023, 0), (1024, 1024), (1151, 1024), (1152, 1152), (5000, 4992)],
)
def test_blocks_start_at_1024_tokens_and_grow_by_128(tokens: int, held: int) -> None:
    assert blocks(tokens) == held


def test_a_chained_turn_reads_the_conversation_so_far_from_the_cache(client: OpenAI) -> None:
    first = client.responses.create(
        model="gpt-4.1", instructions=LONG, input="First question?", prompt_cache_key="k1"
    )
    assert first.usage is not None
    details = first.usage.input_tokens_details
    assert details.cached_tokens == 0
    assert details.cache_write_tokens == blocks(first.usage.input_tokens) > 0
    second = client.responses.create(
        model="gpt-4.1",
        instructions=LONG,
        input="Second question?",
        previous_response_id=first.id,
        prompt_cache_key="k1",
    )
    assert second.usage is not None
    cached = second.usage.input_tokens_details.cached_tokens
    assert MIN_TOKENS <= cached <= second.usage.input_tokens and cached % STEP == 0
    # The prefix both share: the instructions and the first question.
    assert cached == blocks(len(LONG + "First question?") // 4)


def test_another_key_or_model_has_a_cache_of_its_own(client: OpenAI) -> None:
    client.responses.create(model="gpt-4.1", instructions=LONG, input="Hi", prompt_cache_key="a")
    other_key = client.responses.create(
        model="gpt-4.1", instructions=LONG, input="Hi", prompt_cache_key="b"
    )
    other_model = client.responses.create(
        model="gpt-4.1-mini", instructions=LONG, input="Hi", prompt_cache_key="a"
    )
    same = client.responses.create(
        model="gpt-4.1", instructions=LONG, input="Hi", prompt_cache_key="a"
    )
    assert other_key.usage and other_key.usage.input_tokens_details.cached_tokens == 0
    assert other_model.usage and other_model.usage.input_tokens_details.cached_tokens == 0
    assert same.usage and same.usage.input_tokens_details.cached_tokens >= MIN_TOKENS


def test_chat_reads_a_resent_history_from_the_cache(client: OpenAI) -> None:
    messages: list[dict[str, str]] = [
        {"role": "system", "content": LONG},
        {"role": "user", "content": "First?"},
    ]
    first = client.chat.completions.create(model="gpt-4.1", messages=messages)  # type: ignore[arg-type]
    assert first.usage and first.usage.prompt_tokens_details
    assert first.usage.prompt_tokens_details.cached_tokens == 0
    assert first.usage.prompt_tokens_details.cache_write_tokens == blocks(first.usage.prompt_tokens)
    answer = first.choices[0].message.content or ""
    messages += [{"role": "assistant", "content": answer}, {"role": "user", "content": "Next?"}]
    second = client.chat.completions.create(model="gpt-4.1", messages=messages)  # type: ignore[arg-type]
    assert second.usage and second.usage.prompt_tokens_details
    assert second.usage.prompt_tokens_details.cached_tokens >= MIN_TOKENS


def test_a_short_prompt_neither_reads_nor_writes(client: OpenAI) -> None:
    for _ in range(2):
        response = client.responses.create(model="gpt-4.1", input="Hi")
        assert response.usage is not None
        details = response.usage.input_tokens_details
        assert (details.cached_tokens, details.cache_write_tokens) == (0, 0)
