"""``from_openai`` reads what servers other than OpenAI say when they refuse, and keeps
every message to one paragraph. The exceptions are the SDK's own, built as the SDK
builds them from an HTTP response."""

from __future__ import annotations

import json
from typing import Any

import httpx2
import openai
import pytest

from jupyter_responses.backends.errors import from_bad_json, from_openai
from jupyter_responses.errors import BadRequest, NotFound, ServerError, StreamFailed

BASE = "http://127.0.0.1:4010/v1"


def status_error(status: int, body: Any, path: str = "/v1/chat/completions") -> Exception:
    """The exception the SDK raises for ``status`` with ``body`` (JSON, or text)."""
    request = httpx2.Request("POST", f"http://127.0.0.1:4010{path}")
    if isinstance(body, str):
        response = httpx2.Response(status, request=request, text=body)
    else:
        response = httpx2.Response(status, request=request, content=json.dumps(body).encode())
    client = openai.OpenAI(base_url=BASE, api_key="sk-test")
    return client._make_status_error_from_response(response)


def message(status: int, body: Any, path: str = "/v1/chat/completions") -> str:
    text = str(from_openai(status_error(status, body, path), BASE, "gpt-4.1"))
    assert "\n" not in text, text
    return text


def test_openai_error_body() -> None:
    body = {"error": {"message": "Bad things.", "type": "invalid_request_error", "code": None}}
    assert message(400, body) == "127.0.0.1 rejected the request (400): Bad things."


def test_prism_problem_details_list_the_violations() -> None:
    body = {
        "type": "https://stoplight.io/prism/errors#UNPROCESSABLE_ENTITY",
        "title": "Invalid request",
        "status": 422,
        "detail": "Your request is not valid and no HTTP validation response was found.",
        "validation": [
            {"location": ["body", "temperature"], "message": f"Request body problem {n}"}
            for n in range(5)
        ],
    }
    text = message(422, body)
    assert text.startswith("127.0.0.1 rejected the request (422): Invalid request: ")
    assert "Request body problem 0; Request body problem 1; Request body problem 2" in text
    assert "(and 2 more)" in text and "problem 3" not in text


def test_nested_error_objects() -> None:
    body = {"error": {"message": {"error": "/responses: Invalid model name passed"}}}
    assert message(400, body).endswith("(400): /responses: Invalid model name passed.")


def test_fastapi_detail_string_and_list() -> None:
    assert message(400, {"detail": "Not allowed here"}).endswith(": Not allowed here.")
    body = {"detail": [{"loc": ["body", "model"], "msg": "Field required", "type": "missing"}]}
    assert "Invalid request: body.model: Field required" in message(422, body)


def test_plain_text_and_html_bodies_become_one_line() -> None:
    assert message(400, "line one\nline two\n").endswith(": line one line two.")
    html = "<html><body><h1>502 Bad Gateway</h1>\n<hr>nginx</body></html>"
    assert "retrying: 502 Bad Gateway nginx. Re-run" in message(502, html)


def test_long_messages_are_cut() -> None:
    text = message(400, {"error": {"message": "x" * 2000}})
    assert "x" * 299 + "…." in text and "x" * 300 not in text


def test_a_code_that_repeats_the_status_is_not_shown_twice() -> None:
    body = {"error": {"message": "boom", "type": "None", "param": "None", "code": "500"}}
    error = from_openai(status_error(500, body), BASE)
    assert isinstance(error, ServerError)
    assert "failed with 500 even after retrying: boom" in str(error)
    assert "None" not in str(error)


@pytest.mark.parametrize(
    ("status", "body"),
    [
        (404, {"detail": "Not Found"}),  # FastAPI without the route
        (404, "404 page not found"),  # Go's default mux (Ollama)
        (404, {"error": {"message": "Invalid URL (POST /v1/responses)", "code": "unknown_url"}}),
        (405, {"detail": "Method Not Allowed"}),
    ],
)
def test_no_responses_route_suggests_chat(status: int, body: Any) -> None:
    error = from_openai(status_error(status, body, "/v1/responses"), BASE, "gpt-4.1")
    assert isinstance(error, NotFound)
    assert str(error).startswith(
        f"127.0.0.1 has no Responses API: POST /v1/responses answered {status}"
    )
    assert "Use %%chat" in str(error)


def test_a_missing_model_on_responses_is_still_a_missing_model() -> None:
    body = {"error": {"message": "The model `gpt-9` does not exist", "code": "model_not_found"}}
    error = from_openai(status_error(404, body, "/v1/responses"), BASE, "gpt-9")
    assert "Model 'gpt-9' is not available" in str(error)


def test_404_elsewhere_is_a_plain_404() -> None:
    error = from_openai(status_error(404, {"detail": "Not Found"}), BASE, "gpt-4.1")
    assert str(error) == "127.0.0.1 answered 404 (404): Not Found."
    assert not isinstance(from_openai(status_error(405, {}), BASE), NotFound)
    assert isinstance(from_openai(status_error(422, {}), BASE), BadRequest)


def test_connection_errors_say_where_the_stream_broke() -> None:
    request = httpx2.Request("POST", f"{BASE}/responses")
    dropped = openai.APIConnectionError(request=request)
    timeout = openai.APITimeoutError(request=request)
    with_password = "http://jr-user:secretpw@127.0.0.1:4010/v1"
    unreachable = str(from_openai(dropped, with_password))
    assert "Could not reach http://127.0.0.1:4010/v1 " in unreachable
    assert "secretpw" not in unreachable and "jr-user" not in unreachable
    assert "before the answer began" in str(from_openai(dropped, BASE, answered=True))
    assert "dropped mid-answer" in str(from_openai(dropped, BASE, mid_stream=True, answered=True))
    assert "No answer from 127.0.0.1 within" in str(from_openai(timeout, BASE, answered=True))
    assert "went quiet mid-answer" in str(from_openai(timeout, BASE, mid_stream=True))


def test_an_unreachable_server_is_checked_where_its_url_was_set() -> None:
    dropped = openai.APIConnectionError(request=httpx2.Request("POST", f"{BASE}/responses"))
    advice = {
        "config": "Is the server running, and is %config ResponsesMagics.base_url right?",
        "env": "Is the server running, and is OPENAI_BASE_URL right?",
        None: "Is the server running, and is its base URL right?",
    }
    for source, said in advice.items():
        error = from_openai(dropped, BASE, source=source)
        assert said in str(error) and error.heading == "Could not connect", source
        assert source == "env" or "OPENAI_BASE_URL" not in str(error)
    default = str(from_openai(dropped, "https://api.openai.com/v1", source="default"))
    assert "Is the network up? No base URL is set, so requests go to OpenAI" in default


def test_data_that_is_not_json() -> None:
    with pytest.raises(json.JSONDecodeError) as caught:
        json.loads('{"delta": "cut')
    mid = from_bad_json(caught.value, BASE, mid_stream=True)
    assert isinstance(mid, StreamFailed) and "\n" not in str(mid)
    assert "127.0.0.1 sent data that is not valid JSON mid-answer (Unterminated" in str(mid)
    assert "partial answer is kept" in str(mid)
    assert "Is OPENAI_BASE_URL an OpenAI-compatible server?" in str(
        from_bad_json(caught.value, BASE, source="env")
    )
    assert "Is %config ResponsesMagics.base_url an OpenAI-compatible server?" in str(
        from_bad_json(caught.value, BASE, source="config")
    )
    assert "Is the base URL an OpenAI-compatible server?" in str(from_bad_json(caught.value, BASE))


def test_a_server_message_ending_in_punctuation_gets_one_full_stop() -> None:
    error = from_openai(status_error(500, {"error": {"message": "Sorry about that!"}}), BASE)
    assert "Sorry about that." in str(error) and "!." not in str(error)
