"""Files sent with a prompt (``--file PATH_OR_URL``): read and checked before any request.

A turn records its attachments by reference (name, type, size, SHA-256). The bytes
live once per kernel in a ``FileStore``, which also remembers which server already
has which file, so a document is uploaded once however often it is sent.
"""

from __future__ import annotations

import base64
import hashlib
import mimetypes
import threading
from contextlib import suppress
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Literal
from urllib.parse import urlsplit

from .errors import OptionsError
from .transcript import AttachmentRecord

IMAGE_TYPES = ("image/png", "image/jpeg", "image/gif", "image/webp")
DOCUMENT_TYPES = {
    "application/pdf": ".pdf",
    "text/plain": ".txt",
    "text/markdown": ".md",
    "text/csv": ".csv",
    "application/json": ".json",
    "text/html": ".html",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": ".docx",
    "application/vnd.openxmlformats-officedocument.presentationml.presentation": ".pptx",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": ".xlsx",
}
#: Our own table first, so the answer does not depend on the machine's mime database.
SUFFIX_TYPES = {
    ".png": "image/png",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".gif": "image/gif",
    ".webp": "image/webp",
    **{suffix: mime for mime, suffix in DOCUMENT_TYPES.items()},
    ".markdown": "text/markdown",
    ".htm": "text/html",
}
#: OpenAI's per-file limits for image and file inputs.
MAX_IMAGE_BYTES = 20 * 1024 * 1024
MAX_DOCUMENT_BYTES = 32 * 1024 * 1024

_SIGNATURES = (
    (b"\x89PNG\r\n\x1a\n", "image/png"),
    (b"\xff\xd8\xff", "image/jpeg"),
    (b"GIF87a", "image/gif"),
    (b"GIF89a", "image/gif"),
    (b"%PDF-", "application/pdf"),
)


@dataclass(frozen=True)
class Attachment:
    """One file of a prompt. ``kind`` is "image" or "document"; ``url`` is set for a
    file passed by URL (sent as it is, never fetched here)."""

    kind: Literal["image", "document"]
    name: str
    mime: str
    size: int = 0
    sha256: str = ""
    url: str | None = None

    def record(self) -> AttachmentRecord:
        """How a turn remembers it: by reference, never the bytes."""
        data: AttachmentRecord = {
            "kind": self.kind,
            "name": self.name,
            "mime": self.mime,
            "size": self.size,
        }
        if self.sha256:
            data["sha256"] = self.sha256
        if self.url:
            data["url"] = self.url
        return data


@dataclass
class FileStore:
    """The bytes of every attachment this kernel sent, by SHA-256, and the ids servers
    gave them on upload (by server URL and SHA-256)."""

    blobs: dict[str, bytes] = field(default_factory=dict)
    uploads: dict[tuple[str, str], str] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, spec: str, cwd: Path | None = None) -> Attachment:
        """Read and check ``spec`` (a path or an http(s) URL); raise ``OptionsError``
        with what to do when it is missing, of an unsupported type or too large."""
        try:
            scheme = urlsplit(spec).scheme
        except ValueError as error:  # e.g. an unclosed IPv6 bracket
            raise OptionsError(f"--file {spec}: not a valid URL ({error}).") from None
        if scheme in ("http", "https"):
            return _url_attachment(spec)
        path = Path(spec)
        with suppress(RuntimeError):  # "~name" of no such user: the path as written
            path = path.expanduser()
        if cwd is not None and not path.is_absolute():
            path = cwd / path
        try:
            if not path.is_file():
                raise OptionsError(f"--file {spec}: no such file (looked for {path}).")
            data = path.read_bytes()
        except OSError as error:  # a name too long, no permission, a vanished file...
            raise OptionsError(
                f"--file {spec}: cannot read it ({error.strerror or error})."
            ) from None
        mime = _sniff(data) or _guess(path.name)
        return self.add_bytes(path.name, mime, data, f"--file {spec}", _kind(spec, mime))

    def add_bytes(
        self,
        name: str,
        mime: str,
        data: bytes,
        what: str,
        kind: Literal["image", "document"] = "image",
    ) -> Attachment:
        """Keep ``data`` (a file read, a figure from the notebook) as an attachment;
        ``what`` names it in the error when it is over OpenAI's limit."""
        limit = MAX_IMAGE_BYTES if kind == "image" else MAX_DOCUMENT_BYTES
        if len(data) > limit:
            raise OptionsError(
                f"{what}: {len(data) / 2**20:.1f} MB is over the {limit // 2**20} MB limit "
                f"for {'an image' if kind == 'image' else 'a document'}."
            )
        digest = hashlib.sha256(data).hexdigest()
        with self.lock:
            self.blobs.setdefault(digest, data)
        return Attachment(kind, name, mime, len(data), digest)

    def data(self, record: AttachmentRecord) -> bytes | None:
        return self.blobs.get(record.get("sha256", ""))

    def data_url(self, record: AttachmentRecord) -> str | None:
        data = self.data(record)
        if data is None:
            return None
        return f"data:{record['mime']};base64,{base64.b64encode(data).decode('ascii')}"

    def file_id(self, server: str, record: AttachmentRecord) -> str | None:
        with self.lock:
            return self.uploads.get((server, record.get("sha256", "")))

    def remember_upload(self, server: str, record: AttachmentRecord, file_id: str) -> None:
        with self.lock:
            self.uploads[(server, record["sha256"])] = file_id


def _url_attachment(url: str) -> Attachment:
    name = PurePosixPath(urlsplit(url).path).name or url
    mime = _guess(name)
    if not mime:
        raise OptionsError(
            f"--file {url}: cannot tell the file type from the URL; it must end in an image "
            f"extension (.png, .jpg, .gif, .webp) or a document one ({_document_suffixes()})."
        )
    return Attachment(_kind(url, mime), name, mime, url=url)


def _guess(name: str) -> str:
    suffix = PurePosixPath(name.lower()).suffix
    return SUFFIX_TYPES.get(suffix) or mimetypes.guess_type(name)[0] or ""


def _kind(spec: str, mime: str) -> Literal["image", "document"]:
    if mime in IMAGE_TYPES:
        return "image"
    if mime in DOCUMENT_TYPES:
        return "document"
    shown = mime or "unknown"
    raise OptionsError(
        f"--file {spec}: {shown} files are not supported. Send images (PNG, JPEG, GIF, WebP) "
        f"or documents ({_document_suffixes()})."
    )


def _document_suffixes() -> str:
    return ", ".join(DOCUMENT_TYPES.values())


def _sniff(data: bytes) -> str | None:
    for signature, mime in _SIGNATURES:
        if data.startswith(signature):
            return mime
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "image/webp"
    return None
