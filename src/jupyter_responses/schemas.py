"""Structured outputs: ``--schema NAME`` names a pydantic model or a JSON-schema dict.

Strict mode (the server guarantees the shape) requires every object to list all its
properties as required and forbid extra ones. A pydantic model is made strict here;
a hand-written dict is sent strict only when it already is, so we never change the
meaning of a schema the user wrote.
"""

from __future__ import annotations

import copy
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from .errors import OptionsError

#: Keywords whose value maps names to schemas (the names are data, not keywords).
SCHEMA_MAPS = ("properties", "$defs", "definitions", "patternProperties")


@dataclass(frozen=True)
class OutputSchema:
    name: str
    schema: dict[str, Any]
    strict: bool
    model: Any = None  # the pydantic model class, when one was given

    def parse(self, text: str) -> Any:
        """The answer as a model instance (pydantic) or plain data (a dict schema)."""
        if self.model is not None:
            return self.model.model_validate_json(text)
        return json.loads(text)


def resolve_schema(name: str, namespace: Mapping[str, Any]) -> OutputSchema:
    if name not in namespace:
        raise OptionsError(
            f"--schema {name}: nothing named `{name}` is defined in the notebook. Define a "
            "pydantic model class or a JSON-schema dict first."
        )
    value = namespace[name]
    if _is_pydantic_model(value):
        return OutputSchema(_api_name(name), strict_schema(value.model_json_schema()), True, value)
    if isinstance(value, Mapping):
        schema = dict(value)
        if "schema" in schema and isinstance(schema["schema"], Mapping):
            # Already a json_schema format: {"name": ..., "schema": ..., "strict": ...}
            inner = dict(schema["schema"])
            strict = bool(schema.get("strict", is_strict(inner)))
            return OutputSchema(_api_name(str(schema.get("name", name))), inner, strict)
        if schema.get("type") != "object":
            raise OptionsError(
                f"--schema {name}: the top level of a structured-output schema must be "
                '{"type": "object", ...}.'
            )
        return OutputSchema(_api_name(name), schema, is_strict(schema))
    raise OptionsError(
        f"--schema {name}: `{name}` is a {type(value).__name__}; it must be a pydantic model "
        "class or a JSON-schema dict."
    )


def _is_pydantic_model(value: Any) -> bool:
    try:
        from pydantic import BaseModel
    except ImportError:  # pragma: no cover - pydantic comes with openai
        return False
    return isinstance(value, type) and issubclass(value, BaseModel)


def _api_name(name: str) -> str:
    """The API accepts ``^[a-zA-Z0-9_-]{1,64}$`` as a format name."""
    return re.sub(r"[^a-zA-Z0-9_-]", "_", name)[:64] or "output"


def strict_schema(schema: dict[str, Any]) -> dict[str, Any]:
    """A copy in which every object requires all its properties and allows no others,
    as strict mode demands. Defaults are dropped: strict mode does not accept them."""
    result = copy.deepcopy(schema)
    _make_strict(result)
    return result


def _make_strict(node: Any) -> None:
    if isinstance(node, list):
        for value in node:
            _make_strict(value)
        return
    if not isinstance(node, dict):
        return
    node.pop("default", None)
    node.pop("title", None)
    if node.get("type") == "object" or "properties" in node:
        node["additionalProperties"] = False
        node["required"] = list(node.get("properties", {}))
    for key, value in node.items():
        if key in SCHEMA_MAPS and isinstance(value, dict):
            for prop in value.values():
                _make_strict(prop)
        elif isinstance(value, dict | list):
            _make_strict(value)


def is_strict(schema: Any) -> bool:
    """Whether ``schema`` already satisfies strict mode's rules for objects."""
    if isinstance(schema, list):
        return all(is_strict(v) for v in schema)
    if not isinstance(schema, dict):
        return True
    if schema.get("type") == "object" or "properties" in schema:
        properties = schema.get("properties", {})
        if schema.get("additionalProperties") is not False:
            return False
        if set(schema.get("required", [])) != set(properties):
            return False
    return all(
        all(is_strict(p) for p in v.values())
        if k in SCHEMA_MAPS and isinstance(v, dict)
        else is_strict(v)
        for k, v in schema.items()
        if isinstance(v, dict | list)
    )
