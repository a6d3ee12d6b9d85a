"""What a Batch API batch is given, checked as OpenAI checks it: the create request's
parameters (at once: a 400), and its input file (while the batch is ``validating``).

The file is JSONL: one request a line, ``{"custom_id", "method": "POST", "url", "body"}``,
``url`` the batch's endpoint, every ``custom_id`` unique, one model for the whole file
(the guide: "Each input file can only include requests to a single model"), at most
50,000 lines. A file that breaks any of this does not run at all: the batch becomes
``failed`` and ``errors.data`` lists every problem as ``{code, message, param, line}``
(lines counted from 1). What is wrong *inside* a body (an unknown parameter, a missing
model) is not checked here: the endpoint's own handler answers that line, and its error
goes to the batch's error file, as at OpenAI.

The codes are those OpenAI reports (``invalid_json_line``, ``duplicate_custom_id``,
``url_mismatch``, ``model_mismatch``, ``empty_file``, ``too_many_tasks``, and the
request errors' ``missing_required_parameter``, ``invalid_type``, ``invalid_value``);
OpenAI publishes no text for most of them, so where none was seen the message says
plainly what is wrong, in the API's usual phrasing.
"""

from __future__ import annotations

import json
from typing import Any, TypedDict

from .errors import invalid

#: Most requests one input file may hold.
MOST_LINES = 50_000
#: The endpoints the emulator serves, so the ones a batch may use.
SERVED = ("/v1/responses", "/v1/chat/completions")
_FIELDS = ("input_file_id", "endpoint", "completion_window", "metadata", "output_expires_after")
#: ``output_expires_after.seconds``: from one hour to 30 days.
_EXPIRY = (3600, 2_592_000)

_KINDS = {str: "a string", list: "an array", dict: "an object", bool: "a boolean"}


class BatchError(TypedDict):
    """One entry of a failed batch's ``errors.data`` (the spec's ``BatchError``)."""

    code: str
    message: str
    param: str | None
    line: int | None


class BatchLine(TypedDict):
    """One request of a valid input file."""

    line: int
    custom_id: str
    url: str
    body: dict[str, Any]


def read(content: bytes, endpoint: str) -> tuple[list[BatchLine], list[BatchError]]:
    """The requests of an input file for a batch on ``endpoint``, or every error that
    fails the batch (then no request runs)."""
    texts = [(number, text) for number, text in enumerate(_lines(content), 1) if text.strip()]
    if not texts:
        return [], [_error("empty_file", "The batch input file is empty.")]
    if len(texts) > MOST_LINES:
        message = (
            f"The batch input file has {len(texts):,} requests; a batch may have at most "
            f"{MOST_LINES:,}."
        )
        return [], [_error("too_many_tasks", message)]
    lines: list[BatchLine] = []
    errors: list[BatchError] = []
    seen: set[str] = set()
    model: str | None = None
    for number, text in texts:
        found = _check_line(text, number, endpoint)
        if isinstance(found, list):
            errors.extend(found)
            continue
        if found["custom_id"] in seen:
            errors.append(_duplicate(number))
        seen.add(found["custom_id"])
        line_model = found["body"].get("model")
        if isinstance(line_model, str):
            if model is None:
                model = line_model
            elif line_model != model:
                errors.append(_model_mismatch(line_model, model, number))
        lines.append(found)
    return ([], errors) if errors else (lines, [])


def model_of(lines: list[BatchLine]) -> str | None:
    """The model a valid file's requests name (one for all of them)."""
    for line in lines:
        model = line["body"].get("model")
        if isinstance(model, str):
            return model
    return None


def _lines(content: bytes) -> list[str]:
    """Split at newlines only (a JSON string may hold U+2028, which ``splitlines`` splits
    at); a ``\r`` before one is whitespace to the JSON parser."""
    return content.decode("utf-8", "replace").split("\n")


def _check_line(text: str, number: int, endpoint: str) -> BatchLine | list[BatchError]:
    """One line as a request, or what is wrong with it."""
    try:
        request = json.loads(text)
    except ValueError:
        return [_error("invalid_json_line", "This line is not parseable as valid JSON.", number)]
    if not isinstance(request, dict):
        return [_wrong_type("", "an object", request, number)]
    errors: list[BatchError] = []
    for name, kind, expected in (
        ("custom_id", str, "a string"),
        ("method", str, "a string"),
        ("url", str, "a string"),
        ("body", dict, "an object"),
    ):
        if name not in request:
            message = f"Missing required parameter: '{name}'."
            errors.append(_error("missing_required_parameter", message, number, name))
        elif not isinstance(request[name], kind):
            errors.append(_wrong_type(name, expected, request[name], number))
    if errors:
        return errors
    if request["method"] != "POST":
        message = f"Invalid value: '{request['method']}'. Supported values are: 'POST'."
        errors.append(_error("invalid_value", message, number, "method"))
    if request["url"] != endpoint:
        message = (
            f"The URL of this request ('{request['url']}') does not match the batch's "
            f"endpoint ('{endpoint}')."
        )
        errors.append(_error("url_mismatch", message, number, "url"))
    if request["body"].get("stream"):
        message = "Streaming is not supported in the Batch API: leave out 'stream'."
        errors.append(_error("invalid_value", message, number, "body.stream"))
    if errors:
        return errors
    return {
        "line": number,
        "custom_id": request["custom_id"],
        "url": request["url"],
        "body": request["body"],
    }


def _error(
    code: str, message: str, line: int | None = None, param: str | None = None
) -> BatchError:
    return {"code": code, "message": message, "param": param, "line": line}


def _wrong_type(param: str, expected: str, value: Any, line: int) -> BatchError:
    got = _KINDS.get(type(value), "a number" if isinstance(value, int | float) else "null")
    where = f" for '{param}'" if param else ""
    message = f"Invalid type{where}: expected {expected}, but got {got} instead."
    return _error("invalid_type", message, line, param or None)


def _duplicate(line: int) -> BatchError:
    return _error(
        "duplicate_custom_id",
        "The custom_id for this request is a duplicate of another request. The custom_id "
        "parameter must be unique for each request in a batch.",
        line,
        "custom_id",
    )


def _model_mismatch(model: str, first: str, line: int) -> BatchError:
    return _error(
        "model_mismatch",
        f"The model of this request ('{model}') is not the model of the batch's other "
        f"requests ('{first}'): each batch input file may only include requests to a single "
        "model.",
        line,
        "body.model",
    )


# -- the create request --------------------------------------------------------------
def check_create(body: Any) -> None:
    """The create request's own parameters, as the API checks them."""
    if not isinstance(body, dict):
        raise invalid("The request body must be a JSON object.")
    unknown = [name for name in body if name not in _FIELDS]
    if unknown:
        raise invalid(f"Unknown parameter: '{unknown[0]}'.", unknown[0], "unknown_parameter")
    for name in _FIELDS[:3]:
        if body.get(name) is None:
            raise invalid(
                f"Missing required parameter: '{name}'.", name, "missing_required_parameter"
            )
        if not isinstance(body[name], str):
            raise invalid(f"Invalid type for '{name}': expected a string.", name, "invalid_type")
    if body["endpoint"] not in SERVED:
        raise invalid(
            f"Invalid value: '{body['endpoint']}'. Supported values are: '/v1/responses' and "
            "'/v1/chat/completions'.",
            "endpoint",
            "invalid_value",
        )
    if body["completion_window"] != "24h":
        raise invalid(
            f"Invalid value: '{body['completion_window']}'. Supported values are: '24h'.",
            "completion_window",
            "invalid_value",
        )
    _check_metadata(body.get("metadata"))
    _check_expiry(body.get("output_expires_after"))


def _check_metadata(metadata: Any) -> None:
    if metadata is None:
        return
    if (
        not isinstance(metadata, dict)
        or len(metadata) > 16
        or not all(
            isinstance(v, str) and len(k) <= 64 and len(v) <= 512 for k, v in metadata.items()
        )
    ):
        raise invalid(
            "Invalid 'metadata': at most 16 string key-value pairs (keys up to 64 characters, "
            "values up to 512).",
            "metadata",
        )


def _check_expiry(expiry: Any) -> None:
    where = "output_expires_after"
    if expiry is None:
        return
    if not isinstance(expiry, dict):
        raise invalid(f"Invalid type for '{where}': expected an object.", where, "invalid_type")
    for name in ("anchor", "seconds"):
        if name not in expiry:
            raise invalid(
                f"Missing required parameter: '{where}.{name}'.",
                f"{where}.{name}",
                "missing_required_parameter",
            )
    if expiry["anchor"] != "created_at":
        raise invalid(
            f"Invalid value: '{expiry['anchor']}'. Supported values are: 'created_at'.",
            f"{where}.anchor",
            "invalid_value",
        )
    seconds, (least, most) = expiry["seconds"], _EXPIRY
    if isinstance(seconds, bool) or not isinstance(seconds, int):
        raise invalid(
            f"Invalid type for '{where}.seconds': expected an integer.",
            f"{where}.seconds",
            "invalid_type",
        )
    if not least <= seconds <= most:
        which, bound, sign = (
            ("below minimum", least, ">=")
            if seconds < least
            else (
                "above maximum",
                most,
                "<=",
            )
        )
        raise invalid(
            f"Invalid '{where}.seconds': integer {which} value. Expected a value {sign} "
            f"{bound}, but got {seconds} instead.",
            f"{where}.seconds",
            "integer_below_min_value" if seconds < least else "integer_above_max_value",
        )
