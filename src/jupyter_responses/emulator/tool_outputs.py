"""What a tool's result may carry back to the model, checked as OpenAI checks it.

Responses: a ``function_call_output`` or ``custom_tool_call_output`` item's ``output``
is a string, or a list of ``input_text``, ``input_image`` and ``input_file`` parts (a
custom tool's ``input_image`` must say its ``detail``: the spec requires it there).
Chat Completions: a ``tool`` message takes text only; the images a tool returned come
in a ``user`` message after the round's tool messages, as ``image_url`` parts. Every
image is a URL: http(s), or a base64 ``data:`` URL of a PNG, JPEG, GIF or WebP whose
bytes are what it says.
"""

from __future__ import annotations

import base64
import binascii
import re
from typing import Any

from .errors import ApiError, invalid

PARTS = ("input_text", "input_image", "input_file")
IMAGE_DETAILS = ("low", "high", "auto", "original")
CHAT_IMAGE_DETAILS = ("auto", "low", "high")

_DATA_URL = re.compile(r"data:([\w.+/-]*);base64,(.*)", re.DOTALL)
#: The image types OpenAI reads, and how their bytes begin.
_SIGNATURES = {
    "image/png": (b"\x89PNG\r\n\x1a\n",),
    "image/jpeg": (b"\xff\xd8\xff",),
    "image/gif": (b"GIF87a", b"GIF89a"),
    "image/webp": (b"RIFF",),
}
_EXAMPLE = "'data:image/png;base64,aW1nIGJ5dGVzIGhlcmU='"


def check_output(output: Any, where: str, detail_required: bool) -> None:
    """A tool output item's ``output`` (``where``: ``input[3].output``), or the API's
    400. ``detail_required``: a custom tool's output (the spec's ``InputImageContent``)."""
    if isinstance(output, str):
        return
    if not isinstance(output, list):
        raise invalid(
            f"Invalid type for '{where}': expected a string or an array of content parts.",
            where,
            "invalid_type",
        )
    for number, part in enumerate(output):
        at = f"{where}[{number}]"
        if not isinstance(part, dict):
            raise invalid(f"Invalid type for '{at}': expected an object.", at, "invalid_type")
        kind = part.get("type")
        if kind not in PARTS:
            listed = ", ".join(f"'{p}'" for p in PARTS[:-1]) + f", and '{PARTS[-1]}'"
            raise invalid(
                f"Invalid value: '{kind}'. Supported values are: {listed}.",
                f"{at}.type",
                "invalid_value",
            )
        if kind == "input_text" and not isinstance(part.get("text"), str):
            raise _missing(f"{at}.text")
        if kind == "input_image":
            _check_input_image(part, at, detail_required)


def _check_input_image(part: dict[str, Any], at: str, detail_required: bool) -> None:
    detail = part.get("detail")
    if detail is None and detail_required:
        raise _missing(f"{at}.detail")
    if detail is not None and detail not in IMAGE_DETAILS:
        raise _unsupported(detail, IMAGE_DETAILS, f"{at}.detail")
    if part.get("image_url") is None and part.get("file_id") is None:
        raise invalid(
            f"Invalid '{at}': an input_image needs one of 'image_url' or 'file_id'.",
            at,
            "missing_required_parameter",
        )
    if part.get("image_url") is not None:
        check_image_url(part["image_url"], f"{at}.image_url")


def check_image_url(url: Any, where: str) -> None:
    """An image URL: http(s), or a base64 ``data:`` URL of an image OpenAI reads."""
    if not isinstance(url, str):
        raise invalid(f"Invalid type for '{where}': expected a string.", where, "invalid_type")
    if url.startswith(("http://", "https://")):
        return
    found = _DATA_URL.fullmatch(url)
    if found is None:
        raise invalid(
            f"Invalid '{where}'. Expected a valid URL or a base64-encoded data URL with an "
            f"image MIME type (e.g. {_EXAMPLE}), but got a value with an invalid format.",
            where,
            "invalid_value",
        )
    mime, data = found[1], found[2]
    if mime not in _SIGNATURES:
        raise invalid(
            f"Invalid '{where}'. Expected a base64-encoded data URL with an image MIME type "
            f"(e.g. {_EXAMPLE}), but got unsupported MIME type '{mime}'.",
            where,
            "invalid_value",
        )
    try:
        image = base64.b64decode(data, validate=True)
    except (binascii.Error, ValueError):
        raise invalid(
            f"Invalid '{where}'. Expected a base64-encoded data URL with an image MIME type "
            f"(e.g. {_EXAMPLE}), but got invalid base64 data.",
            where,
            "invalid_value",
        ) from None
    if not image.startswith(_SIGNATURES[mime]):
        raise invalid(
            "You uploaded an unsupported image. Please make sure your image has of one the "
            "following formats: ['png', 'jpeg', 'gif', 'webp'].",
            where,
            "invalid_image_format",
        )


def output_text(output: Any) -> tuple[str, int]:
    """What a tool's output says, and how many images and files came with it."""
    if isinstance(output, str):
        return output, 0
    parts = [p for p in output or [] if isinstance(p, dict)]
    text = "".join(p.get("text", "") for p in parts if p.get("type") == "input_text")
    return text, sum(1 for p in parts if p.get("type") in ("input_image", "input_file"))


# -- Chat Completions ----------------------------------------------------------------


def check_chat_message(message: dict[str, Any], index: int) -> None:
    """A message's content parts as Chat Completions takes them: images only from the
    user, each a valid image URL."""
    content = message.get("content")
    if not isinstance(content, list):
        return
    role = message.get("role")
    for number, part in enumerate(content):
        if not isinstance(part, dict) or part.get("type") != "image_url":
            continue
        if role != "user":
            raise invalid(
                f"Invalid 'messages[{index}]'. Image URLs are only allowed for messages with "
                f"role 'user', but this message with role '{role}' contains an image URL.",
                f"messages[{index}]",
                "invalid_value",
            )
        at = f"messages[{index}].content[{number}].image_url"
        image = part.get("image_url")
        if not isinstance(image, dict):
            raise invalid(f"Invalid type for '{at}': expected an object.", at, "invalid_type")
        if image.get("detail") is not None and image["detail"] not in CHAT_IMAGE_DETAILS:
            raise _unsupported(image["detail"], CHAT_IMAGE_DETAILS, f"{at}.detail")
        if image.get("url") is None:
            raise _missing(f"{at}.url")
        check_image_url(image["url"], f"{at}.url")


def images_in(message: dict[str, Any]) -> int:
    """How many image parts a chat message carries."""
    content = message.get("content")
    parts = content if isinstance(content, list) else []
    return sum(1 for p in parts if isinstance(p, dict) and p.get("type") == "image_url")


# -- the API's messages ----------------------------------------------------------------


def _missing(where: str) -> ApiError:
    return invalid(f"Missing required parameter: '{where}'.", where, "missing_required_parameter")


def _unsupported(value: Any, supported: tuple[str, ...], where: str) -> ApiError:
    quoted = [f"'{s}'" for s in supported]
    listed = ", ".join(quoted[:-1]) + ", and " + quoted[-1]
    return invalid(
        f"Invalid value: '{value}'. Supported values are: {listed}.", where, "invalid_value"
    )
