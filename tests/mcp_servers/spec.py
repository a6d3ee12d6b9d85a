"""OpenAI's spec, as far as MCP answers go.

The published spec (``tests/spec``) requires of an ``mcp_approval_response`` item
(``MCPApprovalResponse``, ``MCPApprovalResponseResource``) a ``request_id`` it never
defines: neither the SDK's types (``McpApprovalResponse``: ``approval_request_id``,
``approve``, ``id``, ``reason``) nor OpenAI's documentation have one, and the client
does not send it. Everything else about such an item is checked against the spec: a
copy of the body with the missing field set is validated.
"""

from __future__ import annotations

import copy
from typing import Any

from tests.spec import validate_request, validate_response

ANSWER = "mcp_approval_response"


def _with_request_id(items: Any) -> None:
    for item in items if isinstance(items, list) else []:
        if isinstance(item, dict) and item.get("type") == ANSWER:
            item.setdefault("request_id", item.get("approval_request_id"))


def validate_mcp_request(body: dict[str, Any], path: str = "/v1/responses") -> None:
    """``validate_request`` for a body that may answer approval requests."""
    checked = copy.deepcopy(body)
    _with_request_id(checked.get("input"))
    validate_request("POST", path, checked)


def validate_mcp_items(path: str, status: int, body: dict[str, Any]) -> None:
    """``validate_response`` for an input-item listing that may hold answers."""
    checked = copy.deepcopy(body)
    _with_request_id(checked.get("data"))
    validate_response("GET", path, status, checked)
