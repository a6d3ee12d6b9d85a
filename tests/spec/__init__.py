"""Validate HTTP bodies and stream events against OpenAI's published OpenAPI spec.

The schemas come from ``openai_subset.json`` next to this file (see ``README.md`` and
``extract.py``): a subset of openai/openai-openapi, already rewritten for JSON Schema
Draft 2020-12. Everything is validated with ``jsonschema.Draft202012Validator`` against
``{"$ref": "<subset uri>#/components/schemas/NAME"}`` with the whole subset registered as one
``referencing`` resource. Registry, validators and lookup tables are built once and cached.

All ``validate_*`` functions return ``None`` on success and raise ``AssertionError`` (with
the JSON path of the best error, the validator message and the schema name) when the
instance does not conform. Asking about a schema, path or method that the subset does not
contain raises ``LookupError`` instead: that is a mistake in the test, not in the payload.
"""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from jsonschema import Draft202012Validator
from jsonschema.exceptions import ValidationError, relevance
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

__all__ = [
    "SUBSET_PATH",
    "response_event_types",
    "validate_chat_chunk",
    "validate_request",
    "validate_response",
    "validate_response_event",
    "validate_schema",
]

SUBSET_PATH = Path(__file__).resolve().with_name("openai_subset.json")
_URI = "urn:openai-openapi:subset"
_SCHEMA_PREFIX = "#/components/schemas/"
_MAX_MESSAGE = 300
#: Bare ``Error`` declared for an error status (only DELETE /responses/{id} 404 does this);
#: the live API and every other endpoint wrap it as ``ErrorResponse``; both are accepted.
_BARE_ERROR = "Error"
_WRAPPED_ERROR = "ErrorResponse"


# --- loading & caching ----------------------------------------------------------------------


@functools.cache
def _spec() -> dict[str, Any]:
    with SUBSET_PATH.open(encoding="utf-8") as fh:
        spec: dict[str, Any] = json.load(fh)
    return spec


@functools.cache
def _registry() -> Registry:
    resource = Resource.from_contents(_spec(), default_specification=DRAFT202012)
    registry: Registry = Registry().with_resource(_URI, resource).crawl()
    return registry


@functools.cache
def _validator(name: str) -> Draft202012Validator:
    if name not in _spec()["components"]["schemas"]:
        raise LookupError(f"schema {name!r} is not in {SUBSET_PATH.name}")
    return Draft202012Validator({"$ref": f"{_URI}{_SCHEMA_PREFIX}{name}"}, registry=_registry())


def _resolve(node: Any) -> Any:
    """Follow local ``$ref``s (within the subset) until a non-reference node."""
    while isinstance(node, dict) and isinstance(node.get("$ref"), str):
        ref: str = node["$ref"]
        if not ref.startswith("#/"):
            raise LookupError(f"non-local $ref {ref!r}")
        node = _spec()
        for part in ref[2:].split("/"):
            node = node[part.replace("~1", "/").replace("~0", "~")]
    return node


def _schema_name(ref_node: Any) -> str | None:
    ref = ref_node.get("$ref") if isinstance(ref_node, dict) else None
    if isinstance(ref, str) and ref.startswith(_SCHEMA_PREFIX):
        return ref[len(_SCHEMA_PREFIX) :]
    return None


# --- error reporting ------------------------------------------------------------------------


def _branch(error: ValidationError) -> object:
    return error.relative_schema_path[0] if error.relative_schema_path else None


def _best_error(errors: Iterable[ValidationError]) -> ValidationError | None:
    """Like ``jsonschema.exceptions.best_match``, but discriminator-aware.

    When descending into an ``anyOf``/``oneOf`` over an object, members that failed on
    ``type`` itself (the wrong union member) are ignored, so the reported error comes from
    the member the instance meant to be.
    """
    best = max(errors, key=relevance, default=None)
    while best is not None and best.context:
        context = list(best.context)
        if best.validator in ("anyOf", "oneOf") and isinstance(best.instance, dict):
            wrong = {
                _branch(e)
                for e in context
                if (tuple(e.relative_path) == ("type",) and e.validator in ("enum", "const"))
                or (not e.relative_path and e.validator == "type")
            }
            context = [e for e in context if _branch(e) not in wrong] or context
        smallest = sorted(context, key=relevance)[:2]
        one_branch = len({_branch(e) for e in context}) == 1
        if (
            not one_branch
            and len(smallest) == 2
            and relevance(smallest[0]) == relevance(smallest[1])
        ):
            break  # equally good errors from different members: report the union itself
        best = smallest[0]
    return best


def _shorten(text: str) -> str:
    return text if len(text) <= _MAX_MESSAGE else text[: _MAX_MESSAGE - 3] + "..."


def _check(names: str | tuple[str, ...], instance: object, what: str) -> None:
    """Pass if ``instance`` is valid against any of ``names``; else raise AssertionError."""
    candidates = (names,) if isinstance(names, str) else names
    first: tuple[str, ValidationError | None] | None = None
    for name in candidates:
        validator = _validator(name)
        if validator.is_valid(instance):
            return
        if first is None:
            first = (name, _best_error(validator.iter_errors(instance)))
    assert first is not None
    name, error = first
    also = f" (nor {', '.join(candidates[1:])})" if len(candidates) > 1 else ""
    if error is None:  # pragma: no cover - is_valid and iter_errors disagree
        raise AssertionError(f"{what} does not match schema {name}{also}")
    raise AssertionError(
        f"{what} does not match schema {name}{also}: at {error.json_path}: "
        f"{_shorten(error.message)} [{error.validator}]"
    )


# --- schemas --------------------------------------------------------------------------------


def validate_schema(name: str, instance: object) -> None:
    """Validate ``instance`` against ``components/schemas/NAME``."""
    _check(name, instance, "instance")


# --- operations -----------------------------------------------------------------------------


@functools.cache
def _path_patterns() -> tuple[tuple[re.Pattern[str], str], ...]:
    patterns = []
    for template in _spec()["paths"]:
        regex = "".join(
            "[^/]+" if part.startswith("{") else re.escape(part)
            for part in re.split(r"(\{[^}]+\})", template)
        )
        patterns.append((re.compile(f"^{regex}$"), template))
    # literal templates first, then the ones with fewer parameters
    patterns.sort(key=lambda p: (p[1].count("{"), -len(p[1])))
    return tuple(patterns)


def _operation(method: str, path: str) -> tuple[str, dict[str, Any]]:
    """Return (``"METHOD /template"``, operation object) for a concrete or templated path."""
    raw = urlsplit(path).path or path
    if raw == "/v1" or raw.startswith("/v1/"):
        raw = raw[3:] or "/"
    if len(raw) > 1:
        raw = raw.rstrip("/")
    for pattern, template in _path_patterns():
        if template == raw or pattern.match(raw):
            item = _spec()["paths"][template]
            op = item.get(method.lower())
            if op is None:
                raise LookupError(
                    f"{method.upper()} {template} is not in {SUBSET_PATH.name} "
                    f"(methods kept: {sorted(k.upper() for k in item if k != 'parameters')})"
                )
            return f"{method.upper()} {template}", op
    raise LookupError(f"no path in {SUBSET_PATH.name} matches {path!r}")


def _coerce_form(value: Any, schema: Any) -> Any:
    """Turn multipart form values (strings, file parts) into what the JSON schema expects."""
    schema = _resolve(schema)
    if not isinstance(schema, dict):
        return value
    if isinstance(value, dict):
        props = schema.get("properties", {})
        return {k: _coerce_form(v, props.get(k, {})) for k, v in value.items()}
    if isinstance(value, str):
        kind = schema.get("type")
        try:
            if kind == "integer" and re.fullmatch(r"[+-]?\d+", value.strip()):
                return int(value)
            if kind == "number":
                return float(value)
        except ValueError:
            return value
        if kind == "boolean" and value in ("true", "false"):
            return value == "true"
        return value
    # bytes, file objects, (filename, content[, content_type]) tuples: a binary part
    return "<binary>"


def _unflatten_form(fields: Mapping[str, Any]) -> dict[str, Any]:
    """``{"expires_after[anchor]": "created_at"}`` -> ``{"expires_after": {"anchor": ...}}``."""
    out: dict[str, Any] = {}
    for key, value in fields.items():
        parts = re.findall(r"[^\[\]]+", key) if "[" in key else [key]
        node = out
        for part in parts[:-1]:
            node = node.setdefault(part, {})
        node[parts[-1]] = value
    return out


def validate_request(method: str, path: str, body: object) -> None:
    """Validate a request body for ``METHOD path``.

    ``path`` may be concrete (``"/v1/responses/resp_1"``), templated, or a full URL; a
    leading ``/v1`` is stripped. JSON bodies are validated against the operation's
    ``application/json`` schema. For ``multipart/form-data`` operations (POST /files) pass
    the form as one dict of fields and file parts: bracketed keys (``expires_after[seconds]``)
    are nested, numeric/boolean strings are converted where the schema wants numbers, and any
    non-string value (bytes, file object, ``(filename, content, ...)`` tuple) counts as a
    binary part; the result is validated against the form schema (``CreateFileRequest``).
    Operations without a request body accept only ``None``.
    """
    label, op = _operation(method, path)
    request_body = _resolve(op.get("requestBody"))
    if not request_body:
        if body is not None:
            raise AssertionError(f"{label} takes no request body, got {type(body).__name__}")
        return
    content: dict[str, Any] = request_body.get("content", {})
    if "application/json" in content:
        schema = content["application/json"]["schema"]
        instance = body
    elif "multipart/form-data" in content:
        schema = content["multipart/form-data"]["schema"]
        if not isinstance(body, Mapping):
            raise AssertionError(f"{label} form must be a mapping, got {type(body).__name__}")
        instance = _coerce_form(_unflatten_form(body), schema)
    else:  # pragma: no cover - not in the subset
        raise LookupError(f"{label}: unsupported request content {sorted(content)}")
    name = _schema_name(schema)
    if name is None:  # pragma: no cover - every kept request body is a $ref
        raise LookupError(f"{label}: request schema is not a components/schemas $ref")
    _check(name, instance, f"{label} request body")


def _declared_response(responses: dict[str, Any], status: int) -> Any:
    for key in (str(status), f"{status // 100}XX", f"{status // 100}xx", "default"):
        if key in responses:
            return _resolve(responses[key])
    return None


def validate_response(method: str, path: str, status: int, body: object) -> None:
    """Validate a JSON response body for ``METHOD path`` with HTTP ``status``.

    The declared response for ``status`` (exact, then ``4XX``-style, then ``default``) is
    used. Behaviour notes:

    * an error status (>= 400) the operation does not declare is validated against
      ``ErrorResponse``; where the spec declares a bare ``Error`` (only DELETE
      /responses/{response_id} 404) the wrapped ``ErrorResponse`` is accepted too, as the
      live API and the SDK use it;
    * an undeclared non-error status raises ``AssertionError``;
    * a declared status without content (DELETE /responses/{response_id} 200: the spec
      gives no body) accepts any body.
    """
    label, op = _operation(method, path)
    declared = _declared_response(op.get("responses", {}), status)
    if declared is None:
        if status >= 400:
            _check(_WRAPPED_ERROR, body, f"{label} {status} body")
            return
        raise AssertionError(f"{label}: the spec declares no {status} response")
    content: dict[str, Any] = declared.get("content") or {}
    if not content:
        return
    if "application/json" not in content:
        raise AssertionError(f"{label} {status}: no application/json body in the spec")
    name = _schema_name(content["application/json"].get("schema"))
    if name is None:  # pragma: no cover - every kept response schema is a $ref
        raise LookupError(f"{label} {status}: response schema is not a $ref")
    names: tuple[str, ...] = (name,)
    if status >= 400 and name == _BARE_ERROR:
        names = (_WRAPPED_ERROR, _BARE_ERROR)
    _check(names, body, f"{label} {status} body")


# --- stream events --------------------------------------------------------------------------


def _discriminators(schema: Any) -> list[str]:
    """The values a (resolved) member schema allows for its ``type`` property."""
    schema = _resolve(schema)
    if not isinstance(schema, dict):
        return []
    values: list[str] = []
    prop = _resolve(schema.get("properties", {}).get("type"))
    if isinstance(prop, dict):
        if "const" in prop:
            values.append(prop["const"])
        values.extend(prop.get("enum", []))
    for sub in schema.get("allOf", []):
        values.extend(_discriminators(sub))
    return values


def _union_members(schema: Any) -> list[Any]:
    schema = _resolve(schema)
    return list(schema.get("oneOf", [])) + list(schema.get("anyOf", []))


@functools.cache
def _event_schemas() -> dict[str, tuple[str, ...]]:
    """``event type -> names of the ResponseStreamEvent members declaring it``."""
    table: dict[str, list[str]] = {}
    pending = _union_members({"$ref": f"{_SCHEMA_PREFIX}ResponseStreamEvent"})
    while pending:
        member = pending.pop(0)
        name = _schema_name(member)
        types = _discriminators(member)
        if name is None or not types:
            pending.extend(_union_members(member))  # nested union (or inline member)
            continue
        for event_type in types:
            table.setdefault(event_type, []).append(name)
    return {k: tuple(v) for k, v in table.items()}


def response_event_types() -> frozenset[str]:
    """Every ``type`` that ``ResponseStreamEvent`` allows."""
    return frozenset(_event_schemas())


def validate_response_event(event: dict[str, Any]) -> None:
    """Validate one Responses API stream event (the SSE ``data`` JSON) by its ``type``."""
    if not isinstance(event, dict):
        raise AssertionError(f"stream event must be an object, got {type(event).__name__}")
    event_type = event.get("type")
    names = _event_schemas().get(event_type) if isinstance(event_type, str) else None
    if not names:
        raise AssertionError(f"unknown Responses stream event type {event_type!r}")
    _check(names, event, f"{event_type} event")


def validate_chat_chunk(chunk: dict[str, Any]) -> None:
    """Validate one Chat Completions stream chunk (``CreateChatCompletionStreamResponse``)."""
    _check("CreateChatCompletionStreamResponse", chunk, "chat completion chunk")


#: OpenAI's whole published spec (same commit and licence as the subset), gzipped: Prism
#: serves it in the compat suite, and ``test_subset_is_current`` re-extracts from it.
PUBLISHED_PATH = Path(__file__).with_name("openapi.json.gz")


def published_spec() -> dict[str, Any]:
    """OpenAI's whole published spec, as parsed JSON."""
    import gzip

    return json.loads(gzip.decompress(PUBLISHED_PATH.read_bytes()))
