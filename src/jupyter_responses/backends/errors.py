"""``openai`` exceptions (and stream data that is not JSON) as our errors, mapped once,
here at the backend boundary, each with a message that says what to do.

The server's own words are read from OpenAI's error body, and also from what other
servers send: RFC 7807 problem details (with Prism's ``validation`` list), FastAPI's
``detail``, or plain text and HTML, always as one line. Never includes the API key.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from ..errors import (
    AuthenticationFailed,
    BadRequest,
    ConnectionFailed,
    JupyterResponsesError,
    NotFound,
    PermissionDenied,
    RateLimited,
    ServerError,
    StreamFailed,
    TimedOut,
    safe_url,
)

if TYPE_CHECKING:
    from openai import OpenAI


class StreamState:
    """Whether the server answered (a stream's headers arrived) and whether any event
    arrived yet: a dropped connection then means a cut-off answer, not an unreachable
    server."""

    answered = False
    started = False


#: Where a base URL was set (``Connection`` tells its clients) -> how advice names it.
URL_SOURCES = {
    "config": "%config ResponsesMagics.base_url",
    "env": "OPENAI_BASE_URL",
    "default": "",  # nothing set: the SDK's own default, OpenAI
}


@contextmanager
def mapped_errors(client: OpenAI, model: str | None = None) -> Iterator[StreamState]:
    """Turn ``openai`` exceptions into ours; also the ``JSONDecodeError`` the SDK lets
    through for an event whose data is not JSON. The advice names where the base URL
    was set when the client says (``base_url_source``: the Connection's clients do)."""
    import json

    import openai

    state = StreamState()
    source = getattr(client, "base_url_source", None)
    try:
        yield state
    except openai.OpenAIError as error:
        base_url = str(client.base_url).rstrip("/")
        raise from_openai(
            error,
            base_url,
            model,
            mid_stream=state.started,
            answered=state.answered,
            source=source,
        ) from error
    except json.JSONDecodeError as error:
        base_url = str(client.base_url).rstrip("/")
        raise from_bad_json(error, base_url, mid_stream=state.started, source=source) from error


def _check_url(source: str | None) -> str:
    """What to check when the server cannot be reached, naming where its base URL was
    set (``URL_SOURCES``): the user fixes it there, not in a place they never used."""
    named = URL_SOURCES.get(source or "")
    if named is None:
        return "Is the server running, and is its base URL right?"
    if named:
        return f"Is the server running, and is {named} right?"
    return (
        "Is the network up? No base URL is set, so requests go to OpenAI; for another "
        "server set OPENAI_BASE_URL or %config ResponsesMagics.base_url."
    )


#: Longest server message shown inside one of ours.
MESSAGE_LIMIT = 300


def _server_message(error: object) -> str:
    text = _body_text(getattr(error, "body", None)) or str(getattr(error, "message", error))
    if text.lstrip().startswith("<"):  # an HTML error page
        text = re.sub(r"<[^>]*>", " ", text)
    text = " ".join(text.split()).rstrip(".!?")  # ours adds the full stop: never "that!."
    return text if len(text) <= MESSAGE_LIMIT else text[: MESSAGE_LIMIT - 1].rstrip() + "…"


def _body_text(body: object) -> str:
    """What the server said, from OpenAI's error object or other servers' shapes."""
    if isinstance(body, str):
        return body
    if not isinstance(body, dict):
        return ""
    if isinstance(body.get("message"), str) and body["message"]:
        return body["message"]
    for key in ("message", "error"):  # LiteLLM: {"message": {"error": "..."}}
        if isinstance(body.get(key), dict):
            return _body_text(body[key])
    issues = body.get("validation") or body.get("detail")  # Prism / FastAPI
    if isinstance(issues, list) and issues:
        said = [_issue(issue) for issue in issues[:3]]
        more = f" (and {len(issues) - 3} more)" if len(issues) > 3 else ""
        return f"{body.get('title') or 'Invalid request'}: {'; '.join(said)}{more}"
    for key in ("detail", "error", "title"):
        if isinstance(body.get(key), str) and body[key]:
            return str(body[key])
    return ""


def _issue(issue: Any) -> str:
    """One validation complaint: Prism's ``{location, message}`` or FastAPI's
    ``{loc, msg}``."""
    if not isinstance(issue, dict):
        return str(issue)
    message = str(issue.get("message") or issue.get("msg") or issue)
    where = issue.get("loc") if issue.get("msg") else None
    return f"{'.'.join(map(str, where))}: {message}" if where else message


def _path(error: object) -> str:
    """The path of the request that failed (``""`` when unknown)."""
    try:
        return str(error.request.url.path)  # type: ignore[attr-defined]
    except (AttributeError, RuntimeError):
        return ""


def from_openai(
    error: Exception,
    base_url: str,
    model: str | None = None,
    mid_stream: bool = False,
    answered: bool = False,
    source: str | None = None,
) -> JupyterResponsesError:
    """Map an ``openai`` exception to ours, with advice. Never includes the API key.
    ``mid_stream``: part of the answer had arrived (it is kept); ``answered``: the
    server had accepted the request (its stream began), so it was reachable;
    ``source``: where the base URL was set (a key of ``URL_SOURCES``; ``None``: not
    known), which the advice for an unreachable server names."""
    import openai

    host = urlsplit(base_url).hostname or base_url
    message = _server_message(error)
    if isinstance(error, openai.APITimeoutError) and mid_stream:
        return TimedOut(
            f"{host} went quiet mid-answer for longer than the timeout. The partial answer is "
            "kept (marked failed, not sent as context); re-run the cell, or raise the timeout "
            "with %config ResponsesMagics.timeout = SECONDS.",
            heading="Timed out mid-answer",
        )
    if isinstance(error, openai.APITimeoutError):
        return TimedOut(
            f"No answer from {host} within the timeout. Re-run the cell, or raise it with "
            "%config ResponsesMagics.timeout = SECONDS."
        )
    if isinstance(error, openai.APIConnectionError) and mid_stream:
        return ConnectionFailed(
            f"The connection to {host} dropped mid-answer. The partial answer is kept (marked "
            "failed, not sent as context); re-run the cell to retry.",
            heading="Connection lost",
        )
    if isinstance(error, openai.APIConnectionError) and answered:
        return ConnectionFailed(
            f"{host} accepted the request, then closed the connection before the answer "
            "began. Re-run the cell to retry.",
            heading="Connection closed",
        )
    if isinstance(error, openai.APIConnectionError) and _hung_up(error):
        return ConnectionFailed(
            f"{host} closed the connection before it answered. Re-run the cell to retry.",
            heading="Connection closed",
        )
    if isinstance(error, openai.APIConnectionError):
        return ConnectionFailed(
            f"Could not reach {safe_url(base_url)} (or it closed the connection mid-answer). "
            f"{_check_url(source)} Re-run the cell to retry."
        )
    if not isinstance(error, openai.APIStatusError):
        return StreamFailed(
            f"The model stopped with an error: {message}. Re-run the cell to retry."
        )
    status, code = error.status_code, getattr(error, "code", None)
    code = None if code in (None, "", "None", str(status)) else code
    tag = f"{status}{' ' + code if code else ''}"
    if status == 401:
        return AuthenticationFailed(
            f"{host} rejected the API key ({tag}). Set a valid OPENAI_API_KEY and re-run.",
            status,
            code,
        )
    if status == 403:
        return PermissionDenied(
            f"{host} denied access ({tag}): {message}. Your key may lack access to this model, "
            "project or region.",
            status,
            code,
        )
    if status == 404:
        if code == "model_not_found" or (model and model in message):
            return NotFound(
                f"Model '{model}' is not available at {host} ({tag}). Choose another with "
                "-m MODEL or %config ResponsesMagics.model; `%responses models` lists what the "
                "server offers.",
                status,
                code,
                heading="Unknown model",
            )
        if _path(error).endswith("/responses"):
            return _no_responses_api(host, _path(error), tag, message, status, code)
        return NotFound(f"{host} answered 404 ({tag}): {message}.", status, code)
    if status == 405 and _path(error).endswith("/responses"):
        return _no_responses_api(host, _path(error), tag, message, status, code)
    if status == 429:
        return RateLimited(
            f"Rate limited by {host} ({tag}) even after retrying: {message}. Wait a moment and "
            "re-run the cell.",
            status,
            code,
        )
    if status >= 500:
        return ServerError(
            f"{host} failed with {tag} even after retrying: {message}. Re-run the cell; the "
            "conversation is unchanged.",
            status,
            code,
        )
    if code == "context_length_exceeded":
        return BadRequest(
            f"The conversation is too long for this model ({tag}). Start afresh with --new, "
            "shrink it with %responses compact, let the server drop its oldest turns with "
            "--truncation auto (%%respond), or shorten the prompt.",
            status,
            code,
            heading="Conversation too long",
        )
    return BadRequest(f"{host} rejected the request ({tag}): {message}.", status, code)


#: What the HTTP client raises when a server it reached closed the connection before its
#: response was whole (by class name: the SDK's HTTP library may come under another name).
_HUNG_UP = frozenset({"RemoteProtocolError", "ReadError"})


def _hung_up(error: BaseException) -> bool:
    """Whether ``error`` (a connection error with no answer) came from a server that was
    reached and then closed the connection (not one that could not be reached: then
    the advice is to check its URL)."""
    seen = error.__cause__ or error.__context__
    for _ in range(8):  # the SDK's error, its HTTP library's, the transport's
        if seen is None:
            return False
        if type(seen).__name__ in _HUNG_UP:
            return True
        seen = seen.__cause__ or seen.__context__
    return False


def from_bad_json(
    error: ValueError, base_url: str, mid_stream: bool = False, source: str | None = None
) -> StreamFailed:
    """Data the SDK could not parse as JSON (a stream event cut or mangled on the way);
    ``source`` as for ``from_openai``."""
    host = urlsplit(base_url).hostname or base_url
    said = " ".join(str(error).split())[:MESSAGE_LIMIT]
    if mid_stream:
        return StreamFailed(
            f"{host} sent data that is not valid JSON mid-answer ({said}). The partial answer "
            "is kept (marked failed, not sent as context); re-run the cell to retry.",
            heading="Unreadable answer",
        )
    named = URL_SOURCES.get(source or "") or "the base URL"
    return StreamFailed(
        f"{host} sent data that is not valid JSON ({said}). Is {named} an "
        "OpenAI-compatible server? Re-run the cell to retry.",
        heading="Unreadable answer",
    )


def _no_responses_api(
    host: str, path: str, tag: str, message: str, status: int, code: str | None
) -> NotFound:
    said = f" ({message})" if message and not message.startswith("Error code:") else ""
    return NotFound(
        f"{host} has no Responses API: POST {path} answered {tag}{said}. Use "
        "%%chat, which talks to Chat Completions, with this server; %%respond needs a "
        "server that serves /responses.",
        status,
        code,
        heading="No Responses API",
    )
