"""Fixtures for the emulator's own tests: a fresh emulator, the SDK against it in
strict mode, and raw HTTP (the protocol tests' ``Raw``) for spec validation."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from openai import OpenAI

from jupyter_responses.emulator import Emulator
from tests.protocol.conftest import Raw


@pytest.fixture
def emulator() -> Iterator[Emulator]:
    with Emulator() as emu:
        yield emu


@pytest.fixture
def client(emulator: Emulator) -> OpenAI:
    """The SDK in strict mode: a field its types do not allow fails the parse."""
    return OpenAI(
        base_url=emulator.url, api_key="sk-test", max_retries=0, _strict_response_validation=True
    )


@pytest.fixture
def raw(emulator: Emulator) -> Raw:
    return Raw(emulator)
