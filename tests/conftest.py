"""Settings for the whole suite."""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest


@pytest.fixture(autouse=True, scope="session")
def private_jupyter_data_dir(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """Every process the tests start (kernels, JupyterLab, nbclient) saves conversations
    under a private Jupyter data directory, never into the user's own."""
    before = os.environ.get("JUPYTER_DATA_DIR")
    os.environ["JUPYTER_DATA_DIR"] = str(tmp_path_factory.mktemp("jupyter-data"))
    yield
    if before is None:
        os.environ.pop("JUPYTER_DATA_DIR", None)
    else:
        os.environ["JUPYTER_DATA_DIR"] = before
