"""Attachments: types from content (not only names), limits, one copy of the bytes."""

from __future__ import annotations

import base64
from pathlib import Path

import pytest

from jupyter_responses.attachments import MAX_IMAGE_BYTES, FileStore
from jupyter_responses.errors import OptionsError

PNG = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg=="
)


def test_images_are_recognised_by_their_bytes(tmp_path: Path) -> None:
    (tmp_path / "chart.dat").write_bytes(PNG)
    store = FileStore()
    attachment = store.add("chart.dat", tmp_path)
    assert (attachment.kind, attachment.mime, attachment.size) == ("image", "image/png", len(PNG))
    assert (
        store.data_url(attachment.record())
        == "data:image/png;base64," + base64.b64encode(PNG).decode()
    )
    assert "sha256" in attachment.record() and "data" not in attachment.record()


def test_documents_by_suffix_and_one_copy_per_content(tmp_path: Path) -> None:
    (tmp_path / "a.md").write_text("# Notes")
    (tmp_path / "b.md").write_text("# Notes")
    store = FileStore()
    a, b = store.add("a.md", tmp_path), store.add(str(tmp_path / "b.md"))
    assert a.kind == b.kind == "document" and a.mime == "text/markdown"
    assert a.sha256 == b.sha256 and len(store.blobs) == 1
    store.remember_upload("http://srv", a.record(), "file-1")
    assert store.file_id("http://srv", b.record()) == "file-1"
    assert store.file_id("http://other", b.record()) is None


def test_urls_are_typed_by_their_path() -> None:
    store = FileStore()
    image = store.add("https://example.com/x/photo.JPG?size=2")
    assert (image.kind, image.mime, image.url) == (
        "image",
        "image/jpeg",
        "https://example.com/x/photo.JPG?size=2",
    )
    assert store.add("https://example.com/paper.pdf").kind == "document"
    with pytest.raises(OptionsError, match="cannot tell the file type"):
        store.add("https://example.com/download")


def test_missing_unsupported_and_oversized(tmp_path: Path) -> None:
    store = FileStore()
    with pytest.raises(OptionsError, match="no such file"):
        store.add("nope.png", tmp_path)
    (tmp_path / "tool.exe").write_bytes(b"MZ\x90\x00")
    with pytest.raises(OptionsError, match="files are not supported"):
        store.add("tool.exe", tmp_path)
    (tmp_path / "big.png").write_bytes(PNG[:8] + bytes(MAX_IMAGE_BYTES))
    with pytest.raises(OptionsError, match="over the 20 MB limit for an image"):
        store.add("big.png", tmp_path)
    assert store.blobs == {}
