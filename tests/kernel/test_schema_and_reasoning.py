"""--schema and --reasoning in a real kernel: the format each API receives, the parsed
object in the namespace, refusals, and reasoning summaries (kept encrypted when the
server stores nothing)."""

from __future__ import annotations

import re

from jupyter_responses.emulator import Emulator
from jupyter_responses.emulator import script as s

from .harness import KernelSession
from .recorded import requests

MODELS = """
from pydantic import BaseModel

class Line(BaseModel):
    item: str
    qty: int = 1

class Invoice(BaseModel):
    number: str
    total: float
    lines: list[Line]

invoice_schema = {
    "type": "object",
    "properties": {"number": {"type": "string"}},
    "required": ["number"],
    "additionalProperties": False,
}
loose_schema = {"type": "object", "properties": {"number": {"type": "string"}}}
text = "Invoice 42: 2 pens, total 3.50"
"""

STRICT_INVOICE = {
    "type": "object",
    "properties": {
        "number": {"type": "string"},
        "total": {"type": "number"},
        "lines": {"type": "array", "items": {"$ref": "#/$defs/Line"}},
    },
    "required": ["number", "total", "lines"],
    "additionalProperties": False,
    "$defs": {
        "Line": {
            "type": "object",
            "properties": {"item": {"type": "string"}, "qty": {"type": "integer"}},
            "required": ["item", "qty"],
            "additionalProperties": False,
        }
    },
}


def test_pydantic_schema_both_apis_gives_a_model_instance(
    loaded: KernelSession, emulator: Emulator
) -> None:
    loaded.execute(MODELS)
    answer = {"number": "42", "total": 3.5, "lines": [{"item": "pen", "qty": 2}]}
    emulator.enqueue(s.json_answer(answer), s.json_answer(answer))
    result = loaded.execute(
        "%%respond --schema Invoice -o inv\nExtract the invoice fields from this text: {text}"
    )
    shown = re.sub(r"<[^>]+>", "", result.html)  # the highlighted JSON, as text
    assert '{\n  "number": "42",\n  "total": 3.5,' in shown
    shown = loaded.execute("print(type(inv).__name__, inv.lines[0].qty, inv.total)").stdout
    assert shown.strip() == "Invoice 2 3.5"
    loaded.execute("%%chat --schema Invoice -o inv2\nAgain: {text}")
    assert loaded.execute("print(inv2 == inv)").stdout.strip() == "True"

    (body,) = requests(emulator, "/v1/responses")
    assert body["text"]["format"] == {
        "type": "json_schema",
        "name": "Invoice",
        "schema": STRICT_INVOICE,
        "strict": True,
    }
    (chat,) = requests(emulator, "/v1/chat/completions")
    assert chat["response_format"] == {
        "type": "json_schema",
        "json_schema": {"name": "Invoice", "schema": STRICT_INVOICE, "strict": True},
    }


def test_dict_schema_gives_a_dict_and_is_strict_only_when_it_already_is(
    loaded: KernelSession, emulator: Emulator
) -> None:
    loaded.execute(MODELS)
    loaded.execute("%%respond --schema invoice_schema -o data\nExtract: {text}")
    assert loaded.execute("print(data)").stdout.strip() == "{'number': 'example'}"
    loaded.execute("%%respond --schema loose_schema -o loose\nExtract: {text}")
    first, second = requests(emulator, "/v1/responses")
    assert first["text"]["format"]["strict"] is True
    assert second["text"]["format"]["strict"] is False
    assert second["text"]["format"]["schema"] == {
        "type": "object",
        "properties": {"number": {"type": "string"}},
    }


def test_refusal_is_shown_and_the_variable_is_none(
    loaded: KernelSession, emulator: Emulator
) -> None:
    loaded.execute(MODELS)
    emulator.enqueue(s.Reply(items=[s.Refusal("I can't help with that invoice.")]))
    result = loaded.execute("%%chat --schema Invoice -o inv\nExtract: {text}")
    assert "<strong>Refused:</strong> I can't help with that invoice." in result.html
    assert loaded.execute("print(inv)").stdout.strip() == "None"


def test_unparsable_answer_and_bad_schema_names(loaded: KernelSession, emulator: Emulator) -> None:
    loaded.execute(MODELS)
    emulator.enqueue(s.text("not json at all"))
    result = loaded.execute("%%respond --schema Invoice -o inv\nExtract.", allow_errors=True)
    assert result.error is not None and "does not match --schema Invoice" in result.error.evalue
    assert "not json at all" in result.html  # kept and shown
    for name, message in {
        "Nope": "nothing named `Nope`",
        "text": "must be a pydantic model class or a JSON-schema dict",
    }.items():
        result = loaded.execute(f"%%respond --schema {name}\nX", allow_errors=True)
        assert result.error is not None and message in result.error.evalue


def test_reasoning_summary_is_a_collapsed_section(
    loaded: KernelSession, emulator: Emulator
) -> None:
    emulator.enqueue(
        s.Reply(items=[s.Reasoning("First compare, then answer."), s.Text("Oslo is warmer.")])
    )
    result = loaded.execute("%%respond --reasoning low\nWhich is warmer?")
    assert (
        '<details class="jr-section" data-jr-key="reasoning"><summary>💭 Reasoning</summary>'
        "<p>First compare, then answer.</p>\n</details>" in result.html
    )
    assert "64 reasoning" in result.html
    (body,) = requests(emulator, "/v1/responses")
    assert body["reasoning"] == {"effort": "low", "summary": "auto"}
    assert "include" not in body
    loaded.execute("%%chat --reasoning high\nAnd?")
    (chat,) = requests(emulator, "/v1/chat/completions")
    assert chat["reasoning_effort"] == "high"


def test_no_store_keeps_encrypted_reasoning_for_resent_history(
    loaded: KernelSession, emulator: Emulator
) -> None:
    loaded.execute("%%respond --no-store --reasoning medium\nThink.")
    loaded.execute("%%respond --no-store --reasoning medium\nThink more.")
    first, second = requests(emulator, "/v1/responses")
    assert first["include"] == ["reasoning.encrypted_content"]
    reasoning = [i for i in second["input"] if i.get("type") == "reasoning"]
    assert len(reasoning) == 1 and reasoning[0]["encrypted_content"]
