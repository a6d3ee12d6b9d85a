"""The chat panel words our errors' advice for itself: no cell to re-run (it has a
Retry button), no option line (it has New chat, a Model box and an API switch). Every
message the backend boundary makes is checked, so new advice for cells shows up here."""

from __future__ import annotations

import httpx2
import openai
import pytest

from jupyter_responses.backends.errors import from_bad_json, from_openai
from jupyter_responses.chat_panel.wording import for_panel

from .test_errors import BASE, status_error

REQUEST = httpx2.Request("POST", "http://127.0.0.1:4010/v1/responses")
BODY = {"error": {"message": "It went wrong.", "type": "server_error", "code": None}}


def _messages() -> list[str]:
    """What ``from_openai`` and ``from_bad_json`` say, for every kind of failure."""
    errors: list[Exception] = [
        status_error(status, BODY) for status in (400, 401, 403, 404, 409, 422, 429, 500, 503)
    ]
    errors += [
        status_error(404, {"error": {"message": "x", "code": "model_not_found"}}),
        status_error(404, "Not Found", "/v1/responses"),
        status_error(400, {"error": {"message": "long", "code": "context_length_exceeded"}}),
        openai.APITimeoutError(request=REQUEST),
        openai.APIConnectionError(request=REQUEST),
    ]
    said = []
    for error in errors:
        for mid_stream, answered in ((False, False), (False, True), (True, True)):
            for source in (None, "env", "config", "default"):
                mapped = from_openai(
                    error, BASE, "gpt-4.1", mid_stream=mid_stream, answered=answered, source=source
                )
                said.append(str(mapped))
    bad = ValueError("Expecting value: line 1 column 1 (char 0)")
    said += [str(from_bad_json(bad, BASE, mid_stream=m)) for m in (False, True)]
    return sorted(set(said))


MESSAGES = _messages()


@pytest.mark.parametrize("message", MESSAGES)
def test_no_advice_the_panel_cannot_follow(message: str) -> None:
    worded = for_panel(message)
    for phrase in ("the cell", "re-run", "--new", "-m MODEL", "%%chat", "%%respond"):
        assert phrase not in worded, f"{phrase!r} in {worded!r}"


def test_the_facts_are_kept_and_the_advice_points_at_the_panel() -> None:
    assert len(MESSAGES) > 12
    assert for_panel(
        "The connection to 127.0.0.1 dropped mid-answer. The partial answer is kept (marked "
        "failed, not sent as context); re-run the cell to retry."
    ) == (
        "The connection to 127.0.0.1 dropped mid-answer. The partial answer is kept (marked "
        "failed, not sent as context); Retry sends it again."
    )
    assert for_panel(
        "No answer from 127.0.0.1 within the timeout. Re-run the cell, or raise it with "
        "%config ResponsesMagics.timeout = SECONDS."
    ).startswith("No answer from 127.0.0.1 within the timeout. Retry, or raise it with")
    unknown = str(from_openai(status_error(404, {"error": {"code": "model_not_found"}}), BASE, "x"))
    assert for_panel(unknown).endswith(
        "Choose another in the Model box, which lists what the server offers."
    )
    assert for_panel("Nothing to change here.") == "Nothing to change here."
