"""Extract the subset of OpenAI's OpenAPI spec that the project's tests validate against.

Usage (from the repository root)::

    python tests/spec/extract.py [path/to/openapi.json]

The default input is ``../shared/openai-openapi/openapi.json`` relative to the repository
root. The output, ``tests/spec/openai_subset.json``, holds:

* the ``paths`` operations listed in ``OPERATIONS`` (other methods dropped);
* the transitive closure of every component they reference, plus the closure of
  ``ROOT_SCHEMAS``;

rewritten so that plain JSON Schema Draft 2020-12 can validate with it:

* OpenAPI 3.0 ``nullable: true`` on a schema ``X`` becomes ``{"anyOf": [X, {"type": "null"}]}``
  (``nullable: false`` is dropped);
* OpenAPI 3.0 boolean ``exclusiveMinimum``/``exclusiveMaximum`` become the numeric 2020-12 form;
* Draft 2019-09 ``{"$recursiveRef": "#"}`` (``CompoundFilter``) becomes a plain ``$ref``;
* every ``oneOf`` becomes ``anyOf``: the spec uses ``oneOf`` (+ ``discriminator``) as a tagged
  union, but some members overlap, so JSON Schema's "exactly one" rule rejects payloads the
  API accepts. Example: ``InputItem`` = oneOf(EasyInputMessage, Item, ...) and
  ``{"role": "user", "content": [{"type": "input_text", "text": "hi"}]}`` is valid under both
  ``EasyInputMessage`` and ``Item``/``InputMessage``. (``anyOf`` is also much faster: it stops
  at the first matching member.) The ``discriminator`` objects are kept for readers;
* annotation-only keys (``description``, ``summary``, ``example(s)``, ``x-oaiMeta``, ...) are
  dropped to keep the file small. They never affect validation.

The output is written with sorted keys and ``indent=1`` so regenerations diff cleanly.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
REPO_ROOT = HERE.parents[1]
DEFAULT_SOURCE = REPO_ROOT / ".." / "shared" / "openai-openapi" / "openapi.json"
OUTPUT = HERE / "openai_subset.json"

SOURCE_REPO = "openai/openai-openapi"
SOURCE_COMMIT = "f85dbe223d40e1a31cba812ab2d755c7e98a92a3"

#: (templated path, method) pairs kept from ``paths``.
OPERATIONS: tuple[tuple[str, str], ...] = (
    ("/responses", "post"),
    ("/responses/{response_id}", "get"),
    ("/responses/{response_id}", "delete"),
    ("/responses/{response_id}/input_items", "get"),
    ("/responses/{response_id}/cancel", "post"),
    ("/responses/input_tokens", "post"),
    ("/responses/compact", "post"),
    ("/chat/completions", "post"),
    ("/models", "get"),
    ("/models/{model}", "get"),
    ("/conversations", "post"),
    ("/conversations/{conversation_id}", "get"),
    ("/conversations/{conversation_id}", "post"),
    ("/conversations/{conversation_id}", "delete"),
    ("/conversations/{conversation_id}/items", "get"),
    ("/conversations/{conversation_id}/items", "post"),
    ("/conversations/{conversation_id}/items/{item_id}", "get"),
    ("/conversations/{conversation_id}/items/{item_id}", "delete"),
    ("/files", "post"),
    ("/files/{file_id}", "get"),
    ("/files/{file_id}/content", "get"),
    # the Batch API (what jupyter_responses.map --batch runs)
    ("/batches", "post"),
    ("/batches", "get"),
    ("/batches/{batch_id}", "get"),
    ("/batches/{batch_id}/cancel", "post"),
    # the Assistants API, as far as %responses import-assistant reads it
    ("/assistants", "post"),
    ("/assistants/{assistant_id}", "get"),
    ("/assistants/{assistant_id}", "delete"),
    ("/threads", "post"),
    ("/threads/{thread_id}", "get"),
    ("/threads/{thread_id}", "delete"),
    ("/threads/{thread_id}/messages", "get"),
    ("/threads/{thread_id}/messages", "post"),
)

#: ``components/schemas`` whose closure is kept even if no kept operation references them.
ROOT_SCHEMAS: tuple[str, ...] = (
    "CreateResponse",
    "Response",
    "ResponseStreamEvent",
    "CreateChatCompletionRequest",
    "CreateChatCompletionResponse",
    "CreateChatCompletionStreamResponse",
    "ListModelsResponse",
    "Model",
    "OpenAIFile",
    "CreateFileRequest",
    "Error",
    "ErrorResponse",
    "ResponseItemList",
)

# --- JSON Schema structure ------------------------------------------------------------------

#: keywords whose value is a single subschema
_SCHEMA_KEYS = frozenset(
    {
        "items",
        "additionalProperties",
        "not",
        "if",
        "then",
        "else",
        "contains",
        "propertyNames",
        "unevaluatedItems",
        "unevaluatedProperties",
        "additionalItems",
        "contentSchema",
    }
)
#: keywords whose value is a list of subschemas
_SCHEMA_LIST_KEYS = frozenset({"allOf", "anyOf", "oneOf", "prefixItems"})
#: keywords whose value is a {name: subschema} map
_SCHEMA_MAP_KEYS = frozenset(
    {"properties", "patternProperties", "$defs", "definitions", "dependentSchemas"}
)
#: data-valued keywords, copied verbatim (never rewritten)
_DATA_KEYS = frozenset({"enum", "const", "default", "required", "dependentRequired"})
#: annotation keys dropped from schemas and from OpenAPI objects
_DROP_KEYS = frozenset(
    {"description", "summary", "example", "examples", "externalDocs", "x-oaiMeta"}
)


def _drop(key: str) -> bool:
    return key in _DROP_KEYS or key.startswith("x-")


def clean_schema(schema: Any, root: str | None = None) -> Any:
    """Return a Draft 2020-12 ready copy of an OpenAPI 3.1 (with 3.0 leftovers) schema.

    ``root`` is the JSON pointer of the enclosing component (``#/components/schemas/X``);
    Draft 2019-09 ``{"$recursiveRef": "#"}`` (used by ``CompoundFilter``) is rewritten to a
    plain ``$ref`` to it, since 2020-12 ignores ``$recursiveRef`` (the branch would then
    accept anything and break the surrounding ``oneOf``).
    """
    if isinstance(schema, bool) or not isinstance(schema, dict):
        return schema
    out: dict[str, Any] = {}
    nullable = False
    for key, value in schema.items():
        if _drop(key) or key == "$recursiveAnchor":
            continue
        if key == "nullable" and isinstance(value, bool):
            nullable = value
        elif key == "$recursiveRef":
            if value != "#" or root is None:
                raise ValueError(f"unsupported $recursiveRef {value!r} under {root!r}")
            out["$ref"] = root
        elif key in _SCHEMA_KEYS:
            out[key] = clean_schema(value, root)
        elif key == "oneOf" and isinstance(value, list):
            # OpenAPI tagged union -> anyOf (see the module docstring)
            members = [clean_schema(v, root) for v in value]
            if "anyOf" in schema:  # keep both constraints: AND them
                out.setdefault("allOf", []).append({"anyOf": members})
            else:
                out["anyOf"] = members
        elif key in _SCHEMA_LIST_KEYS and isinstance(value, list):
            out.setdefault(key, []).extend(clean_schema(v, root) for v in value)
        elif key in _SCHEMA_MAP_KEYS and isinstance(value, dict):
            out[key] = {k: clean_schema(v, root) for k, v in value.items()}
        elif key == "discriminator":
            # Not a validation keyword in 2020-12; kept for readers (mapping may reference
            # schemas, which the closure then also keeps).
            out[key] = value
        else:
            out[key] = value
    # OpenAPI 3.0 boolean exclusive bounds -> 2020-12 numeric bounds.
    for excl, bound in (("exclusiveMinimum", "minimum"), ("exclusiveMaximum", "maximum")):
        # (a boolean is always popped; a true one moves the bound over)
        if isinstance(out.get(excl), bool) and out.pop(excl) and bound in out:
            out[excl] = out.pop(bound)
    if nullable:
        return {"anyOf": [out, {"type": "null"}]}
    return out


def clean_openapi(node: Any) -> Any:
    """Clean a non-schema OpenAPI object (path item, operation, response, ...)."""
    if isinstance(node, list):
        return [clean_openapi(v) for v in node]
    if not isinstance(node, dict):
        return node
    out: dict[str, Any] = {}
    for key, value in node.items():
        if _drop(key):
            continue
        out[key] = clean_schema(value) if key == "schema" else clean_openapi(value)
    return out


# --- $ref closure ---------------------------------------------------------------------------


def _refs(node: Any, out: set[str]) -> None:
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "$ref" and isinstance(value, str):
                out.add(value)
            elif key == "discriminator" and isinstance(value, dict):
                out.update(v for v in value.get("mapping", {}).values() if isinstance(v, str))
            else:
                _refs(value, out)
    elif isinstance(node, list):
        for value in node:
            _refs(value, out)


def _pointer_parts(ref: str) -> list[str]:
    if not ref.startswith("#/"):
        raise ValueError(f"only local $refs are supported, got {ref!r}")
    return [p.replace("~1", "/").replace("~0", "~") for p in ref[2:].split("/")]


def build_subset(spec: dict[str, Any]) -> dict[str, Any]:
    paths: dict[str, dict[str, Any]] = {}
    for path, method in OPERATIONS:
        item = spec["paths"][path]
        paths.setdefault(path, {})[method] = clean_openapi(item[method])
        if "parameters" in item:  # path-level parameters, if any
            paths[path]["parameters"] = clean_openapi(item["parameters"])

    schemas = spec["components"]["schemas"]
    missing = [name for name in ROOT_SCHEMAS if name not in schemas]
    if missing:
        raise SystemExit(f"root schemas missing from the spec: {missing}")

    todo: set[str] = set()
    _refs(paths, todo)
    todo.update(f"#/components/schemas/{name}" for name in ROOT_SCHEMAS)
    components: dict[str, dict[str, Any]] = {}
    seen: set[str] = set()
    while todo:
        ref = todo.pop()
        if ref in seen:
            continue
        seen.add(ref)
        parts = _pointer_parts(ref)
        if len(parts) < 3 or parts[0] != "components":
            raise ValueError(f"unexpected $ref target {ref!r}")
        kind, name = parts[1], parts[2]
        if name in components.get(kind, {}):
            continue
        source = spec["components"][kind][name]
        if kind == "schemas":
            cleaned = clean_schema(source, f"#/components/schemas/{name}")
        else:
            cleaned = clean_openapi(source)
        components.setdefault(kind, {})[name] = cleaned
        _refs(cleaned, todo)

    info = spec.get("info", {})
    return {
        "openapi": spec.get("openapi", "3.1.0"),
        "info": {
            "title": f"{info.get('title', 'OpenAI API')} (test subset)",
            "version": info.get("version", ""),
            "license": {"name": "MIT", "url": "https://github.com/openai/openai-openapi"},
            "x-source": {
                "repository": SOURCE_REPO,
                "commit": SOURCE_COMMIT,
                "operations": [f"{m.upper()} {p}" for p, m in OPERATIONS],
                "root_schemas": list(ROOT_SCHEMAS),
                "generator": "tests/spec/extract.py",
            },
        },
        "servers": spec.get("servers", []),
        "paths": paths,
        "components": components,
    }


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    source = Path(args[0]) if args else DEFAULT_SOURCE
    with source.open(encoding="utf-8") as fh:
        spec = json.load(fh)
    subset = build_subset(spec)
    text = json.dumps(subset, sort_keys=True, indent=1, ensure_ascii=False) + "\n"
    OUTPUT.write_text(text, encoding="utf-8")
    n_schemas = len(subset["components"].get("schemas", {}))
    print(f"wrote {OUTPUT} ({len(text.encode()):,} bytes, {n_schemas} schemas)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
