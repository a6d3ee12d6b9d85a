"""What a tool's return value becomes for the model: text, and the image it is.

Strings go as they are, tables as CSV of their first rows, data as JSON, anything else
as its repr, all bounded. A matplotlib figure, a PIL image or PNG/JPEG bytes is an
image: it goes back as one (with a line of text saying so), because a model reads a
plot far better than its repr. Nothing here imports matplotlib or PIL: a value is
recognised by what it can do.
"""

from __future__ import annotations

import base64
import io
import sys
from dataclasses import dataclass
from typing import Any

#: Longest tool result sent back to the model; the rest is cut with a note.
MAX_RESULT_CHARS = 20_000

#: Rows of a table-like result (a DataFrame) that are sent.
MAX_TABLE_ROWS = 50

#: The largest image sent back (OpenAI takes images of up to 20 MB).
MAX_IMAGE_BYTES = 20 * 1024 * 1024

_PNG = b"\x89PNG\r\n\x1a\n"
_JPEG = b"\xff\xd8\xff"


@dataclass(frozen=True)
class ToolImage:
    """An image for the model: its type and bytes. ``screen``: a screenshot of the
    computer the model drives (views show the latest full size, earlier ones small);
    ``caption``: what it shows, when the tool can say."""

    mime: str
    data: bytes
    screen: bool = False
    caption: str = ""

    def base64(self) -> str:
        return base64.b64encode(self.data).decode("ascii")


@dataclass(frozen=True)
class Result:
    """A return value as the model gets it: text, and the images that go with it."""

    text: str
    images: tuple[ToolImage, ...] = ()


def result_of(value: Any) -> Result:
    """``value`` for the model: an image (with a line about it), or text."""
    try:
        image = image_of(value)
    except Exception as error:  # a figure that cannot draw itself: say so, as text
        return Result(f"(the image could not be made: {type(error).__name__}: {error})")
    if image is None:
        return Result(serialize(value))
    if len(image.data) > MAX_IMAGE_BYTES:
        size = len(image.data) / 2**20
        return Result(f"(an image of {size:.1f} MB, too large to send: the limit is 20 MB)")
    return Result(f"An image ({image.mime}, {len(image.data):,} bytes), attached.", (image,))


def image_of(value: Any) -> ToolImage | None:
    """``value`` as an image, if it is one: PNG or JPEG bytes as they are; a
    matplotlib figure (anything with ``savefig``: seaborn's grids too) as PNG; a PIL
    image as PNG, or JPEG when it was read from a JPEG."""
    if isinstance(value, bytes | bytearray | memoryview):
        data = bytes(value)
        if data.startswith(_PNG):
            return ToolImage("image/png", data)
        if data.startswith(_JPEG):
            return ToolImage("image/jpeg", data)
        return None
    if callable(getattr(value, "savefig", None)) and not isinstance(value, type):
        buffer = io.BytesIO()
        value.savefig(buffer, format="png", bbox_inches="tight")
        _close(value)
        return ToolImage("image/png", buffer.getvalue())
    if _is_pil_image(value):
        return _pil_image(value)
    return None


def _close(figure: Any) -> None:
    """Close a pyplot figure that is shown now as the tool's result, where no window
    shows it: else the end of the cell (matplotlib-inline) would draw it a second time.
    The figure itself stays usable."""
    from .python_output import windowless

    pyplot = sys.modules.get("matplotlib.pyplot")
    if pyplot is not None and windowless(sys.modules.get("matplotlib")):
        pyplot.close(figure)


def _is_pil_image(value: Any) -> bool:
    module = type(value).__module__ or ""
    return module.startswith("PIL.") and callable(getattr(value, "save", None))


def _pil_image(image: Any) -> ToolImage:
    buffer = io.BytesIO()
    if getattr(image, "format", None) == "JPEG" and image.mode in ("RGB", "L"):
        image.save(buffer, format="JPEG")
        return ToolImage("image/jpeg", buffer.getvalue())
    if image.mode not in ("1", "L", "LA", "I", "I;16", "P", "RGB", "RGBA"):
        image = image.convert("RGBA")  # CMYK, YCbCr, HSV...: PNG cannot hold them
    image.save(buffer, format="PNG")
    return ToolImage("image/png", buffer.getvalue())


def serialize(value: Any) -> str:
    """A tool's return value as text: strings as they are, tables as CSV (first
    rows), pydantic models and other data as JSON, anything else as its repr."""
    text = _as_text(value)
    if len(text) > MAX_RESULT_CHARS:
        cut = len(text) - MAX_RESULT_CHARS
        text = f"{text[:MAX_RESULT_CHARS]}\n… ({cut} more characters cut)"
    return text


def _as_text(value: Any) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, bytes):
        return value.decode("utf-8", errors="replace")
    if _is_table(value):
        rows, cols = value.shape
        head = value.head(MAX_TABLE_ROWS).to_csv()
        more = f"\n… ({rows - MAX_TABLE_ROWS} more rows)" if rows > MAX_TABLE_ROWS else ""
        return f"{rows} rows, {cols} columns (CSV):\n{head}{more}"
    from pydantic_core import PydanticSerializationError, to_json

    if callable(getattr(value, "tolist", None)):  # numpy arrays and scalars
        value = value.tolist()
    try:
        return to_json(value, indent=None, serialize_unknown=False).decode()
    except (PydanticSerializationError, TypeError, ValueError):
        return repr(value)


def _is_table(value: Any) -> bool:
    shape = getattr(value, "shape", None)
    return (
        isinstance(shape, tuple)
        and len(shape) == 2
        and callable(getattr(value, "head", None))
        and callable(getattr(value, "to_csv", None))
    )
