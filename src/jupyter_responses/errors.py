"""Every error the extension raises, each with a message that says what to do.

    JupyterResponsesError
    ├── ConfigurationError   no API key, bad setting
    ├── OptionsError         bad magic options or input (caught before any request)
    ├── ApiError             the server answered with an error status
    │   ├── AuthenticationFailed  401
    │   ├── PermissionDenied      403
    │   ├── NotFound              404 (unknown model, response, file; no /responses at all)
    │   ├── BadRequest            400, 422 (incl. context too long)
    │   ├── RateLimited           429, after the SDK's own retries
    │   └── ServerError           5xx, after the SDK's own retries
    ├── ConnectionFailed     the server could not be reached, or dropped the stream
    ├── TimedOut             no answer within the timeout
    ├── StreamFailed         an ``error`` event or ``response.failed`` mid-stream, or
    │                        data that is not JSON
    ├── ToolRoundsExceeded   the model still wanted tools after --max-tool-rounds rounds
    ├── OutputInvalid        a structured answer does not parse against its --schema
    └── Interrupted          the user interrupted (kernel interrupt, panel Stop)

``openai`` exceptions are mapped to these once, at the backend boundary
(``backends/errors.py``).
"""

from __future__ import annotations

from urllib.parse import urlsplit, urlunsplit


class JupyterResponsesError(Exception):
    """Base class: ``str(error)`` is one paragraph meant for the user."""


class ConfigurationError(JupyterResponsesError):
    pass


class OptionsError(JupyterResponsesError):
    pass


class ApiError(JupyterResponsesError):
    def __init__(self, message: str, status: int | None = None, code: str | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.code = code


class AuthenticationFailed(ApiError):
    pass


class PermissionDenied(ApiError):
    pass


class NotFound(ApiError):
    pass


class BadRequest(ApiError):
    pass


class RateLimited(ApiError):
    pass


class ServerError(ApiError):
    pass


class ConnectionFailed(JupyterResponsesError):
    pass


class TimedOut(JupyterResponsesError):
    pass


class StreamFailed(JupyterResponsesError):
    pass


class ToolRoundsExceeded(JupyterResponsesError):
    pass


class OutputInvalid(JupyterResponsesError):
    pass


class Interrupted(JupyterResponsesError):
    pass


def safe_url(url: str) -> str:
    """``url`` without any userinfo (``user:secret@``), fit to show or store."""
    parts = urlsplit(url)
    if "@" not in parts.netloc:
        return url
    return urlunsplit(parts._replace(netloc=parts.netloc.rsplit("@", 1)[1]))
