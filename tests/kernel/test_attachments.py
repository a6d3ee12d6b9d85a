"""--file in a real kernel: images inline, documents uploaded once (Responses) or sent
as file data (Chat), by reference in the conversation, and clear errors up front."""

from __future__ import annotations

import base64

from jupyter_responses.emulator import Emulator
from jupyter_responses.emulator import script as s

from .harness import KernelSession
from .recorded import requests

PNG = base64.b64decode(s.TINY_PNG_B64)
PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"
PNG_URL = "data:image/png;base64," + s.TINY_PNG_B64
PDF_URL = "data:application/pdf;base64," + base64.b64encode(PDF).decode()

WRITE_FILES = f"""
from pathlib import Path
Path("chart.png").write_bytes({PNG!r})
Path("report.pdf").write_bytes({PDF!r})
Path("notes.zip").write_bytes(b"PK\\x03\\x04")
Path("huge.png").write_bytes(b"\\x89PNG\\r\\n\\x1a\\n" + bytes(21 * 1024 * 1024))
"""


def _files(kernel: KernelSession) -> None:
    kernel.execute(WRITE_FILES)


def test_responses_inlines_images_and_uploads_each_document_once(
    loaded: KernelSession, emulator: Emulator
) -> None:
    _files(loaded)
    result = loaded.execute(
        "%%respond --file chart.png --file report.pdf\nCompare the chart with the report."
    )
    assert "Attachments received: 2." in result.html
    assert "📎 chart.png, report.pdf" in result.html
    loaded.execute("%%respond --no-store --file report.pdf\nAgain, the report.")

    uploads = emulator.requests("/v1/files")
    assert len(uploads) == 1, "the same document is uploaded once per kernel"
    assert uploads[0].body["purpose"] == "user_data"
    assert uploads[0].body["file"]["filename"] == "report.pdf"
    file_id = next(iter(emulator.state.files))

    first, second = requests(emulator, "/v1/responses")
    assert first["input"][0]["content"] == [
        {"type": "input_text", "text": "Compare the chart with the report."},
        {"type": "input_image", "image_url": PNG_URL, "detail": "auto"},
        {"type": "input_file", "file_id": file_id},
    ]
    # Resent history carries the first turn's attachments again, still by file id.
    assert second["input"][0]["content"][2] == {"type": "input_file", "file_id": file_id}
    assert second["input"][-1]["content"][1] == {"type": "input_file", "file_id": file_id}


def test_chat_sends_image_url_and_file_data_parts(
    loaded: KernelSession, emulator: Emulator
) -> None:
    _files(loaded)
    loaded.execute("%%chat --file chart.png --file report.pdf\nWhat do they show?")
    loaded.execute("%%chat\nAnd?")
    first, second = requests(emulator, "/v1/chat/completions")
    expected = [
        {"type": "text", "text": "What do they show?"},
        {"type": "image_url", "image_url": {"url": PNG_URL}},
        {"type": "file", "file": {"filename": "report.pdf", "file_data": PDF_URL}},
    ]
    assert first["messages"][0]["content"] == expected
    assert second["messages"][0]["content"] == expected
    assert second["messages"][2] == {"role": "user", "content": "And?"}
    assert emulator.requests("/v1/files") == []


def test_urls_are_passed_as_they_are(loaded: KernelSession, emulator: Emulator) -> None:
    loaded.execute(
        "%%respond --file https://example.com/a.png --file https://example.com/b.pdf\nLook."
    )
    (body,) = requests(emulator, "/v1/responses")
    assert body["input"][0]["content"][1:] == [
        {"type": "input_image", "image_url": "https://example.com/a.png", "detail": "auto"},
        {"type": "input_file", "file_url": "https://example.com/b.pdf"},
    ]
    loaded.execute("%%chat --file https://example.com/a.png\nLook.")
    (chat,) = requests(emulator, "/v1/chat/completions")
    assert chat["messages"][-1]["content"][1] == {
        "type": "image_url",
        "image_url": {"url": "https://example.com/a.png"},
    }
    # The earlier turn's document URL, which Chat cannot fetch, is named in text.
    assert chat["messages"][0]["content"][2] == {
        "type": "text",
        "text": "[document b.pdf: https://example.com/b.pdf]",
    }


def test_bad_files_are_clear_errors_before_any_request(
    loaded: KernelSession, emulator: Emulator
) -> None:
    _files(loaded)
    cases = {
        "--file missing.png": "--file missing.png: no such file",
        "--file notes.zip": "application/zip files are not supported",
        "--file huge.png": "21.0 MB is over the 20 MB limit for an image",
        "--file https://example.com/x": "cannot tell the file type from the URL",
    }
    for option, message in cases.items():
        result = loaded.execute(f"%%respond {option}\nLook.", allow_errors=True)
        assert result.error is not None and result.error.ename == "UsageError", option
        assert message in result.error.evalue, result.error.evalue
    result = loaded.execute("%%chat --file https://example.com/b.pdf\nRead.", allow_errors=True)
    assert result.error is not None
    assert "Chat Completions cannot take a document by URL" in result.error.evalue
    assert emulator.requests() == []
    assert "No turns yet." in loaded.execute("%responses history").stdout
