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
    ├── McpServerFailed      a --mcp-local server could not be started, reached or listed
    ├── OutputInvalid        a structured answer does not parse against its --schema
    └── Interrupted          the user interrupted (kernel interrupt, panel Stop)

``openai`` exceptions are mapped to these once, at the backend boundary
(``backends/errors.py``).

In IPython each error shows itself (``_render_traceback_``, which IPython asks any
exception for): one short block, a heading that names its cause ("Rate limited",
"Server error", "Could not connect"...) over the paragraph, and no Python traceback.
It is still an exception, under its own class name, so the cell fails and "Run all"
stops there. (The magics show an ``OptionsError`` as IPython's ``UsageError``, as for
any magic's bad options: see ``magics._ShowErrors``.)
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit, urlunsplit

#: SGR codes for the heading (bold red, as IPython starts its own error blocks) and
#: back to plain.
_HEADING, _PLAIN = "\x1b[1;31m", "\x1b[0m"


class JupyterResponsesError(Exception):
    """Base class: ``str(error)`` is one paragraph meant for the user.

    ``heading`` names the cause in a few words, over the paragraph when the error
    shows itself; each class has one, and ``heading=`` words it for one case (a
    connection lost mid-answer, not refused)."""

    heading = "Error"
    #: Show the full Python traceback instead of the block (``%config
    #: ResponsesMagics.debug = True``: the magics set it on the error they let through).
    full_traceback = False

    def __init__(self, message: str = "", *, heading: str | None = None) -> None:
        super().__init__(message)
        if heading is not None:
            self.heading = heading

    def block(self) -> list[str]:
        """The heading and the paragraph, as plain lines. A paragraph that starts by
        repeating the heading (``Interrupted: ...`` under "Interrupted") loses it."""
        said = str(self)
        if said.startswith(f"{self.heading}: "):
            said = said[len(self.heading) + 2 :]
            said = said[:1].upper() + said[1:]
        return [self.heading, said]

    def _render_traceback_(self) -> list[str]:
        """What IPython shows for this error: ``block``, the heading in IPython's
        error colour (unless the shell has colours off), or with ``full_traceback``
        the usual traceback."""
        shell = _shell()
        if self.full_traceback:
            return _python_traceback(self, shell)
        heading, said = self.block()
        if str(getattr(shell, "colors", "")).lower() != "nocolor":
            heading = f"{_HEADING}{heading}{_PLAIN}"
        return [heading, said]


def _shell() -> Any:
    """The running IPython shell, if any (IPython is only imported when it is)."""
    import sys

    if "IPython" not in sys.modules:
        return None
    from IPython import get_ipython

    return get_ipython()


def _python_traceback(error: BaseException, shell: Any) -> list[str]:
    """The traceback IPython would have shown had the error no ``_render_traceback_``."""
    if shell is not None:
        lines: list[str] = shell.InteractiveTB.structured_traceback(
            type(error), error, error.__traceback__
        )
        return lines
    import traceback

    return traceback.format_exception(error)


class ConfigurationError(JupyterResponsesError):
    heading = "Setup needed"


class OptionsError(JupyterResponsesError):
    heading = "Bad options"


class ApiError(JupyterResponsesError):
    heading = "Request failed"

    def __init__(
        self,
        message: str,
        status: int | None = None,
        code: str | None = None,
        *,
        heading: str | None = None,
    ) -> None:
        super().__init__(message, heading=heading)
        self.status = status
        self.code = code


class AuthenticationFailed(ApiError):
    heading = "API key rejected"


class PermissionDenied(ApiError):
    heading = "Access denied"


class NotFound(ApiError):
    heading = "Not found"


class BadRequest(ApiError):
    heading = "Request rejected"


class RateLimited(ApiError):
    heading = "Rate limited"


class ServerError(ApiError):
    heading = "Server error"


class ConnectionFailed(JupyterResponsesError):
    heading = "Could not connect"


class TimedOut(JupyterResponsesError):
    heading = "Timed out"


class StreamFailed(JupyterResponsesError):
    heading = "The answer failed"


class ToolRoundsExceeded(JupyterResponsesError):
    heading = "Too many tool rounds"


class McpServerFailed(JupyterResponsesError):
    heading = "MCP server unavailable"


class OutputInvalid(JupyterResponsesError):
    heading = "Answer does not match the schema"


class Interrupted(JupyterResponsesError):
    heading = "Interrupted"


def safe_url(url: str) -> str:
    """``url`` without any userinfo (``user:secret@``), fit to show or store."""
    parts = urlsplit(url)
    if "@" not in parts.netloc:
        return url
    return urlunsplit(parts._replace(netloc=parts.netloc.rsplit("@", 1)[1]))
