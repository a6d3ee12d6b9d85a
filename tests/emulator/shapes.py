"""What several emulator tests build or check the same way: an Assistants API function
tool, and a request the emulator must refuse as OpenAI does."""

from __future__ import annotations

from typing import Any

import openai
import pytest
from openai import OpenAI

from tests.protocol.conftest import Raw
from tests.spec import validate_response


def assistant_function(name: str) -> dict[str, Any]:
    """A function tool as an assistant declares it (taking a city)."""
    return {
        "type": "function",
        "function": {
            "name": name,
            "description": f"{name} of a city",
            "parameters": {"type": "object", "properties": {"city": {"type": "string"}}},
        },
    }


def refused(
    raw: Raw, client: OpenAI, body: dict[str, Any], param: str, code: str
) -> dict[str, Any]:
    """POST ``body`` to /v1/responses: a 400 valid against the spec, naming ``param``
    with ``code``, which the SDK raises as a ``BadRequestError`` for ``param`` too.
    Returns the error object."""
    status, error = raw.json("POST", "/v1/responses", body)
    assert status == 400
    validate_response("POST", "/v1/responses", status, error)
    assert (error["error"]["param"], error["error"]["code"]) == (param, code)
    with pytest.raises(openai.BadRequestError) as caught:
        client.responses.create(**body)
    assert caught.value.param == param
    return dict(error["error"])
