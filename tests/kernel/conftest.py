"""Fixtures for tests that run cells in a real IPython kernel against the emulator.

Every test under tests/kernel is marked ``kernel`` (deselect with ``-m "not kernel"``).
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Mapping
from pathlib import Path

import pytest

from jupyter_responses.emulator import Emulator

from .harness import KernelFactory, KernelPool, KernelSession, kernel_env
from .recorded import LOAD

_HERE = Path(__file__).resolve().parent


@pytest.hookimpl(tryfirst=True)  # before -m deselection
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if _HERE in Path(item.path).resolve().parents:
            item.add_marker(pytest.mark.kernel)


@pytest.fixture
def emulator() -> Iterator[Emulator]:
    """A fresh emulator for the test, always stopped afterwards."""
    with Emulator() as emu:
        yield emu


@pytest.fixture
def kernel(emulator: Emulator, tmp_path: Path) -> Iterator[KernelSession]:
    """A fresh kernel whose openai SDK talks to ``emulator`` (log: tmp_path/kernel/kernel.log)."""
    with KernelSession(kernel_env(emulator), workdir=tmp_path / "kernel") as session:
        yield session


@pytest.fixture
def kernel_factory(emulator: Emulator, tmp_path: Path) -> Iterator[KernelFactory]:
    """Start extra kernels: ``kernel_factory(env=None, *, cwd=None)``.

    ``env`` is merged over the emulator env (a ``None`` value unsets a variable); ``cwd``
    lets kernels share a working directory. All of them are closed at teardown.
    """
    with KernelPool(tmp_path) as pool:

        def make(
            env: Mapping[str, str | None] | None = None,
            *,
            cwd: str | os.PathLike[str] | None = None,
        ) -> KernelSession:
            return pool.start({**kernel_env(emulator), **(env or {})}, cwd=cwd)

        yield make


@pytest.fixture
def loaded(kernel: KernelSession) -> KernelSession:
    """A kernel with the extension loaded."""
    kernel.execute(LOAD)
    return kernel
