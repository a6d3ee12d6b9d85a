"""The default model reads a message sent in several text parts (notebook context,
then the question) as the question and what it is about, through both APIs."""

from __future__ import annotations

from openai import OpenAI

CONTEXT = "### Cell [4]\n```python\nshare = 10 / rates['b']\n```\nError: ZeroDivisionError"


def test_responses_quotes_the_last_part_and_names_the_ones_before(client: OpenAI) -> None:
    response = client.responses.create(
        model="gpt-4.1",
        input=[
            {
                "role": "user",
                "content": [
                    {"type": "input_text", "text": CONTEXT},
                    {"type": "input_text", "text": "Why does this fail?"},
                ],
            }
        ],
    )
    text = response.output_text
    assert "> Why does this fail?" in text and "> ### Cell" not in text
    assert f"1 text part ({len(CONTEXT):,} characters)" in text
    assert "*Cell [4]*" in text
    assert "```python" not in text  # only asked to fix, it shows the code


def test_chat_asked_to_fix_shows_the_last_python_code_it_was_sent(client: OpenAI) -> None:
    completion = client.chat.completions.create(
        model="gpt-4.1",
        messages=[
            {
                "role": "user",
                "content": [
                    {"type": "text", "text": CONTEXT},
                    {"type": "text", "text": "Explain the error, then fix it."},
                ],
            }
        ],
    )
    text = completion.choices[0].message.content or ""
    assert "> Explain the error, then fix it." in text
    assert "```python\nshare = 10 / rates['b']\n```" in text
    assert "cannot fix code" in text
