"""OpenAI's error bodies, so clients see exactly what the real service would send."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

_DEFAULTS: dict[int, tuple[str, str, str | None]] = {
    400: ("Invalid request.", "invalid_request_error", None),
    401: (
        "Incorrect API key provided. You can find your API key at "
        "https://platform.openai.com/account/api-keys.",
        "invalid_request_error",
        "invalid_api_key",
    ),
    403: (
        "You are not allowed to access this resource with this API key.",
        "invalid_request_error",
        "unsupported_country_region_territory",
    ),
    404: (
        "The model does not exist or you do not have access to it.",
        "invalid_request_error",
        "model_not_found",
    ),
    408: ("Request timed out.", "server_error", None),
    409: ("The request conflicts with another one.", "invalid_request_error", None),
    422: ("Unprocessable request.", "invalid_request_error", None),
    429: (
        "Rate limit reached for requests. Please try again shortly.",
        "requests",
        "rate_limit_exceeded",
    ),
    500: (
        "The server had an error while processing your request. Sorry about that!",
        "server_error",
        None,
    ),
    502: ("Bad gateway.", "server_error", None),
    503: ("The engine is currently overloaded, please try again later.", "server_error", None),
}


@dataclass
class ApiError(Exception):
    """An HTTP error answer: status, OpenAI's ``{"error": {...}}`` body, extra headers."""

    status: int
    message: str | None = None
    type: str | None = None
    code: str | None = "default"  # "default": the code OpenAI sends for this status
    param: str | None = None
    headers: dict[str, str] = field(default_factory=dict)

    def body(self) -> dict[str, Any]:
        message, kind, code = _DEFAULTS.get(self.status, ("Error.", "server_error", None))
        return {
            "error": {
                "message": self.message or message,
                "type": self.type or kind,
                "param": self.param,
                "code": code if self.code == "default" else self.code,
            }
        }


def invalid(message: str, param: str | None = None, code: str | None = None) -> ApiError:
    """A 400 ``invalid_request_error`` (what OpenAI answers to a malformed request)."""
    return ApiError(400, message, "invalid_request_error", code, param)


def not_found(message: str, param: str | None = None, code: str | None = None) -> ApiError:
    return ApiError(404, message, "invalid_request_error", code, param)


#: How OpenAI's messages name a JSON type ("expected a string, but got an array").
TYPE_NAMES: dict[type, str] = {
    str: "a string",
    bool: "a boolean",
    int: "an integer",
    float: "a decimal",
    dict: "an object",
    list: "an array",
}


def type_name(value: Any) -> str:
    """``value``'s JSON type as OpenAI's messages name it (a bool is no integer)."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return TYPE_NAMES[bool]
    return next((name for kind, name in TYPE_NAMES.items() if isinstance(value, kind)), "a value")


def too_long(param: str, value: str | list[Any], most: int) -> ApiError:
    """OpenAI's 400 for a string or an array longer than ``most``."""
    kind, a = ("string", "a string") if isinstance(value, str) else ("array", "an array")
    return invalid(
        f"Invalid '{param}': {kind} too long. Expected {a} with maximum length {most}, but "
        f"got {a} with length {len(value)} instead.",
        param,
        f"{kind}_above_max_length",
    )
