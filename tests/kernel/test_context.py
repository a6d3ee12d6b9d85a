"""``-c/--context`` in a real kernel: the exact request each kind of context makes
(both APIs), the budget, redaction, and what the cell shows of it."""

from __future__ import annotations

from typing import Any

import pytest

from jupyter_responses.commands import FIX_PROMPT
from jupyter_responses.emulator import Emulator
from jupyter_responses.emulator import script as s

from .harness import API_KEY, KernelSession
from .recorded import requests

PATHS = {"respond": "/v1/responses", "chat": "/v1/chat/completions"}


def user_texts(emulator: Emulator, magic: str) -> list[str]:
    """The text parts of the last request's user message, in order (the request is
    checked against OpenAI's spec)."""
    body = requests(emulator, PATHS[magic])[-1]
    messages = body["input"] if magic == "respond" else body["messages"]
    content = [m for m in messages if m.get("role") == "user"][-1]["content"]
    if isinstance(content, str):
        return [content]
    return [part["text"] for part in content if part["type"] in ("input_text", "text")]


def image_parts(emulator: Emulator, magic: str) -> list[dict[str, Any]]:
    body = requests(emulator, PATHS[magic])[-1]
    messages = body["input"] if magic == "respond" else body["messages"]
    content = [m for m in messages if m.get("role") == "user"][-1]["content"]
    kinds = ("input_image", "image_url")
    return [part for part in content if isinstance(part, dict) and part["type"] in kinds]


@pytest.mark.parametrize("magic", ["respond", "chat"])
def test_cells_send_the_code_run_before_with_its_outputs(
    loaded: KernelSession, emulator: Emulator, magic: str
) -> None:
    loaded.execute("x = 21\nprint('doubling', x)")
    loaded.execute("x * 2")
    emulator.enqueue(s.text("It doubled x."))
    result = loaded.execute(f"%%{magic} -c cells\nWhat did my code do?")
    context, prompt = user_texts(emulator, magic)
    assert prompt == "What did my code do?"
    assert "x = 21" in context and "doubling 21" in context and "42" in context
    assert context.index("x = 21") < context.index("x * 2")  # in the order they ran
    assert "What did my code do?" not in context
    # The cell shows a collapsed section saying what the message carried.
    assert "Context from the notebook" in result.html
    assert "cell [" in result.html


def test_cells_n_sends_the_last_n_and_skips_prompt_cells(
    loaded: KernelSession, emulator: Emulator
) -> None:
    for n in range(1, 5):
        loaded.execute(f"step_{n} = {n}")
    emulator.enqueue(s.text("ok"))
    loaded.execute("%%respond\nA question in between.")
    emulator.enqueue(s.text("ok"))
    loaded.execute("%%respond -c cells:2\nWhich steps?")
    context, _ = user_texts(emulator, "respond")
    assert "step_4 = 4" in context and "step_3 = 3" in context
    assert "step_2" not in context and "step_1" not in context
    assert "A question in between." not in context


@pytest.mark.parametrize("magic", ["respond", "chat"])
def test_vars_and_a_dataframe_by_name(
    loaded: KernelSession, emulator: Emulator, magic: str
) -> None:
    loaded.execute(
        "import pandas as pd\n"
        "sales = pd.DataFrame({'region': ['north', 'south', None], 'units': [3, 5, 8]})\n"
        "threshold = 4\n"
        "def helper(): pass"
    )
    emulator.enqueue(s.text("ok"))
    loaded.execute(f"%%{magic} -c vars -c sales\nSummarise my data.")
    context, _ = user_texts(emulator, magic)
    assert "threshold" in context and "sales" in context
    assert "helper" not in context.split("### sales")[0]  # functions are not variables
    assert "region" in context and "units" in context and "int64" in context
    assert "north" in context  # the first rows
    assert "3 rows \N{MULTIPLICATION SIGN} 2 columns" in context


def test_error_sends_the_last_exception_with_its_cell(
    loaded: KernelSession, emulator: Emulator
) -> None:
    loaded.execute("def ratio(a, b):\n    return a / b")
    loaded.execute("ratio(1, 0)", allow_errors=True)
    emulator.enqueue(s.text("You divided by zero."))
    loaded.execute("%%chat -c error\nWhy did that fail?")
    context, _ = user_texts(emulator, "chat")
    assert "ZeroDivisionError" in context and "ratio(1, 0)" in context
    assert "\x1b[" not in context  # no terminal colours


def test_a_figure_by_name_is_attached_as_an_image(
    loaded: KernelSession, emulator: Emulator
) -> None:
    loaded.execute(
        "import matplotlib\nmatplotlib.use('Agg')\nimport matplotlib.pyplot as plt\n"
        "fig, ax = plt.subplots()\nax.plot([1, 2, 3])"
    )
    emulator.enqueue(s.text("A rising line."))
    loaded.execute("%%respond -c fig\nDescribe the plot.")
    images = image_parts(emulator, "respond")
    assert len(images) == 1 and images[0]["image_url"].startswith("data:image/png;base64,")


def test_the_budget_drops_the_oldest_cells_and_says_so(
    loaded: KernelSession, emulator: Emulator
) -> None:
    for n in range(8):
        loaded.execute(f"print('{n}' * 400)")
    emulator.enqueue(s.text("ok"))
    result = loaded.execute("%%respond -c cells --context-budget 300\nWhat ran?")
    context, _ = user_texts(emulator, "respond")
    assert len(context) <= 300 * 4 + 200
    assert "7777" in context and "0000" not in context
    assert "dropped cells" in result.html


def test_secrets_never_reach_the_model(loaded: KernelSession, emulator: Emulator) -> None:
    loaded.execute(
        "api_token = 'hunter2-very-secret'\nconfig = {'key': 'sk-proj-abcdefghijklmnop1234567890'}"
    )
    loaded.execute("print(config)")
    emulator.enqueue(s.text("ok"))
    loaded.execute("%%respond -c vars -c cells\nCheck my setup.")
    context, _ = user_texts(emulator, "respond")
    assert "hunter2-very-secret" not in context
    assert "sk-proj-abcdefghijklmnop1234567890" not in context
    assert "<redacted>" in context
    assert API_KEY not in context  # the kernel's OPENAI_API_KEY


def test_a_bad_spec_is_one_paragraph_and_nothing_is_sent(
    loaded: KernelSession, emulator: Emulator
) -> None:
    result = loaded.execute("%%respond -c no_such_name\nHi", allow_errors=True)
    assert result.error is not None and "no_such_name" in result.error.evalue
    assert "Traceback" not in result.stderr + result.stdout
    assert emulator.requests("/v1/responses") == []


def test_later_turns_carry_the_context_in_their_history(
    loaded: KernelSession, emulator: Emulator
) -> None:
    loaded.execute("answer = 42")
    emulator.enqueue(s.text("It is 42."))
    loaded.execute("%%chat -c vars\nWhat is answer?")
    emulator.enqueue(s.text("Still 42."))
    loaded.execute("%%chat\nAnd now?")
    body = emulator.requests("/v1/chat/completions")[-1].body
    first_user = next(m for m in body["messages"] if m["role"] == "user")["content"]
    assert isinstance(first_user, list) and "answer" in first_user[0]["text"]


@pytest.mark.parametrize("api", ["responses", "chat"])
def test_fix_sends_the_failing_cell_its_traceback_and_what_it_depends_on(
    loaded: KernelSession, emulator: Emulator, api: str
) -> None:
    loaded.execute("rates = {'a': 2, 'b': 0}")
    loaded.execute("unrelated = 'not needed'")
    loaded.execute("def share(k):\n    return 10 / rates[k]")
    loaded.execute("share('b')", allow_errors=True)
    emulator.enqueue(
        s.text(
            "`rates['b']` is 0.\n\n```python\ndef share(k):\n"
            "    return 10 / rates[k] if rates[k] else 0.0\n```"
        )
    )
    result = loaded.execute(f"%responses fix --insert --api {api}")
    magic = "respond" if api == "responses" else "chat"
    context, prompt = user_texts(emulator, magic)
    assert prompt == FIX_PROMPT
    assert "share('b')" in context and "ZeroDivisionError" in context
    assert "rates = {'a': 2, 'b': 0}" in context and "def share(k):" in context
    assert "unrelated" not in context  # only the cells it depends on
    assert "rates[k] is 0" in result.html or "is 0." in result.html
    assert result.reply is not None
    payload = result.reply["content"]["payload"]
    assert payload and "if rates[k] else 0.0" in payload[0]["text"]


def test_fix_of_a_cell_that_did_not_fail_says_so(loaded: KernelSession, emulator: Emulator) -> None:
    loaded.execute("ok = 1")  # cell [2]: the %load_ext cell was [1]
    result = loaded.execute("%responses fix 2", allow_errors=True)
    assert result.error is not None and "did not raise" in result.error.evalue
    result = loaded.execute("%responses fix", allow_errors=True)
    assert result.error is not None and "Nothing to fix" in result.error.evalue
    assert emulator.requests("/v1/responses") == []
