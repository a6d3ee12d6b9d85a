"""Shared fixtures for the wire-protocol tests: a strict SDK client and raw access."""

from __future__ import annotations

import http.client
import json
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlsplit

import pytest
from openai import OpenAI
from openai._streaming import SSEDecoder  # the SDK's own SSE decoder

from jupyter_responses.emulator import Emulator


@pytest.fixture
def emulator() -> Iterator[Emulator]:
    with Emulator() as emu:
        yield emu


@pytest.fixture
def client(emulator: Emulator) -> OpenAI:
    """The SDK in strict mode: any field the types do not allow fails the parse."""
    return OpenAI(
        base_url=emulator.url, api_key="sk-test", max_retries=0, _strict_response_validation=True
    )


class Raw:
    """Bytes on the wire, decoded by the SDK's SSE decoder, for spec validation."""

    def __init__(self, emulator: Emulator) -> None:
        parts = urlsplit(emulator.url)
        self.host, self.port = parts.hostname or "127.0.0.1", parts.port or 80

    def request(self, method: str, path: str, body: Any = None) -> http.client.HTTPResponse:
        conn = http.client.HTTPConnection(self.host, self.port, timeout=30)
        payload = json.dumps(body) if body is not None else None
        conn.request(
            method,
            path,
            payload,
            {"content-type": "application/json", "authorization": "Bearer sk-test"},
        )
        return conn.getresponse()

    def json(self, method: str, path: str, body: Any = None) -> tuple[int, Any]:
        response = self.request(method, path, body)
        data = response.read()
        return response.status, json.loads(data) if data else None

    def events(self, path: str, body: dict[str, Any]) -> list[tuple[str | None, Any]]:
        response = self.request("POST", path, {**body, "stream": True})
        assert response.status == 200, response.read()
        chunks = iter(lambda: response.read1(65536), b"")
        out: list[tuple[str | None, Any]] = []
        for sse in SSEDecoder().iter_bytes(chunks):
            out.append((sse.event, sse.data if sse.data.startswith("[DONE]") else sse.json()))
        return out


@pytest.fixture
def raw(emulator: Emulator) -> Raw:
    return Raw(emulator)
