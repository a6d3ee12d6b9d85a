"""Structured-output schemas: strict mode for models, dicts left as written."""

from __future__ import annotations

import pytest
from pydantic import BaseModel

from jupyter_responses.errors import OptionsError
from jupyter_responses.schemas import is_strict, resolve_schema, strict_schema


class Item(BaseModel):
    title: str  # a property named like a keyword must survive
    default: int = 0


class Order(BaseModel):
    items: list[Item]
    note: str | None = None


def test_model_schema_is_made_strict_without_touching_property_names() -> None:
    output = resolve_schema("Order", {"Order": Order})
    assert output.strict and output.name == "Order" and output.model is Order
    schema = output.schema
    assert schema["required"] == ["items", "note"]
    item = schema["$defs"]["Item"]
    assert set(item["properties"]) == {"title", "default"}
    assert item["required"] == ["title", "default"]
    assert item["additionalProperties"] is False
    assert "default" not in item["properties"]["default"]
    assert is_strict(schema)
    parsed = output.parse('{"items": [{"title": "a", "default": 2}], "note": null}')
    assert parsed == Order(items=[Item(title="a", default=2)])


def test_dicts_stay_as_written() -> None:
    loose = {"type": "object", "properties": {"a": {"type": "string"}}}
    output = resolve_schema("loose", {"loose": loose})
    assert output.schema == loose and output.strict is False
    assert output.parse('{"a": "x"}') == {"a": "x"}
    strict = strict_schema(loose)
    assert is_strict(strict) and loose == {
        "type": "object",
        "properties": {"a": {"type": "string"}},
    }


def test_a_full_json_schema_format_dict_is_accepted() -> None:
    fmt = {"name": "my schema!", "schema": {"type": "object", "properties": {}}, "strict": True}
    output = resolve_schema("fmt", {"fmt": fmt})
    assert output.name == "my_schema_" and output.strict is True


@pytest.mark.parametrize(
    ("namespace", "message"),
    [
        ({}, "nothing named `S`"),
        ({"S": 3}, "`S` is a int; it must be a pydantic model class or a JSON-schema dict"),
        ({"S": {"type": "array"}}, 'must be {"type": "object"'),
    ],
)
def test_bad_schemas_are_options_errors(namespace: dict, message: str) -> None:
    with pytest.raises(OptionsError, match=message.replace("(", r"\(").replace("{", r"\{")):
        resolve_schema("S", namespace)
