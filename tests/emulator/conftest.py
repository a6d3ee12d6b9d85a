"""The emulator's own tests use the wire-protocol tests' fixtures: a fresh emulator, the
SDK against it in strict mode, and raw HTTP (``Raw``) for spec validation."""

from __future__ import annotations

from tests.protocol.conftest import Raw, client, emulator, raw

__all__ = ["Raw", "client", "emulator", "raw"]
