"""The prebuilt JupyterLab extension shipped in the package (prompt highlighting) is
complete and was built from the source in ``labextension/`` as it is now: after
changing that source, ``scripts/build-labextension`` rebuilds it."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import jupyter_responses

ROOT = Path(__file__).resolve().parents[2]
PREBUILT = Path(jupyter_responses.__file__).parent / "labextension"


def test_the_prebuilt_extension_is_complete() -> None:
    package = json.loads((PREBUILT / "package.json").read_text(encoding="utf-8"))
    assert package["name"] == "jupyter-responses"
    assert (PREBUILT / package["jupyterlab"]["_build"]["load"]).is_file()
    install = json.loads((PREBUILT / "install.json").read_text(encoding="utf-8"))
    assert install["packageName"] == "jupyter_responses"


def test_the_prebuilt_extension_is_built_from_the_current_source() -> None:
    recorded = {}
    for line in (PREBUILT / "source.sha256").read_text(encoding="utf-8").splitlines():
        digest, name = line.split(maxsplit=1)
        recorded[name] = digest
    current = {
        name: hashlib.sha256((ROOT / "labextension" / name).read_bytes()).hexdigest()
        for name in recorded
    }
    assert set(recorded) == {"lib/index.js", "package.json"}
    assert current == recorded, "labextension/ changed: run scripts/build-labextension"
