"""The Assistants API endpoints ``%responses import-assistant`` reads, through the strict
SDK (its ``beta`` resources, as a migrating user's code calls them) and on the wire,
every body validated against OpenAI's spec."""

from __future__ import annotations

import http.client
import json
from typing import Any

import openai
import pytest
from openai import OpenAI

from jupyter_responses.emulator import Emulator
from tests.emulator.shapes import assistant_function
from tests.spec import validate_request, validate_response

from .conftest import Raw

# The SDK marks every Assistants API method deprecated; calling them is the point here.
pytestmark = pytest.mark.filterwarnings(r"ignore::DeprecationWarning:tests\.emulator\.")

BETA = {"OpenAI-Beta": "assistants=v2"}


def beta_json(
    raw: Raw, method: str, path: str, body: Any = None, headers: dict[str, str] | None = None
) -> tuple[int, Any]:
    """``raw.json`` with the beta header (or ``headers`` instead)."""
    conn = http.client.HTTPConnection(raw.host, raw.port, timeout=30)
    sent = {"content-type": "application/json", "authorization": "Bearer sk-test"}
    conn.request(method, path, json.dumps(body) if body is not None else None,
                 {**sent, **(BETA if headers is None else headers)})  # fmt: skip
    response = conn.getresponse()
    data = response.read()
    return response.status, json.loads(data)


def posted(emulator: Emulator, path: str) -> list[Any]:
    """The bodies POSTed to ``path``, each valid for the spec."""
    bodies = [r.body for r in emulator.requests(path) if r.method == "POST"]
    for body in bodies:
        validate_request("POST", path, body)
    return bodies


def test_an_assistant_is_created_and_read_back_as_openai_serves_it(
    client: OpenAI, emulator: Emulator, raw: Raw
) -> None:
    made = client.beta.assistants.create(
        model="gpt-4.1",
        name="Weather desk",
        instructions="You answer questions about the weather.\nBe brief.",
        tools=[
            {"type": "code_interpreter"},
            {"type": "file_search"},
            assistant_function("get_weather"),
            assistant_function("get_time"),
        ],
        tool_resources={"file_search": {"vector_store_ids": ["vs_abc123"]}},
        metadata={"team": "forecasts"},
    )
    assert made.id.startswith("asst_") and made.object == "assistant"
    assert made.instructions == "You answer questions about the weather.\nBe brief."
    assert [t.type for t in made.tools] == [
        "code_interpreter",
        "file_search",
        "function",
        "function",
    ]
    assert made.tool_resources is not None and made.tool_resources.file_search is not None
    assert made.tool_resources.file_search.vector_store_ids == ["vs_abc123"]
    assert made.tools[2].function.name == "get_weather"  # type: ignore[union-attr]
    assert client.beta.assistants.retrieve(made.id) == made
    code, body = beta_json(raw, "GET", f"/v1/assistants/{made.id}")
    validate_response("GET", f"/v1/assistants/{made.id}", code, body)
    (sent,) = posted(emulator, "/v1/assistants")
    assert sent["model"] == "gpt-4.1"
    assert all(r.headers.get("openai-beta") == "assistants=v2" for r in emulator.requests())


def test_a_thread_keeps_its_messages_text_and_images_as_given(
    client: OpenAI, emulator: Emulator, raw: Raw
) -> None:
    thread = client.beta.threads.create(
        messages=[
            {"role": "user", "content": "What is the weather in Oslo?"},
            {
                "role": "user",
                "content": [
                    {"type": "text", "text": "And this picture?"},
                    {"type": "image_file", "image_file": {"file_id": "file-abc"}},
                    {"type": "image_url", "image_url": {"url": "https://example.com/sky.png"}},
                ],
                "attachments": [{"file_id": "file-doc", "tools": [{"type": "file_search"}]}],
            },
        ],
        metadata={"source": "support"},
    )
    assert thread.id.startswith("thread_") and thread.metadata == {"source": "support"}
    answer = client.beta.threads.messages.create(
        thread.id, role="assistant", content="Mild, 12 C. The sky is clear."
    )
    assert answer.role == "assistant" and answer.run_id is None and answer.assistant_id is None
    assert answer.content[0].text.value == "Mild, 12 C. The sky is clear."  # type: ignore[union-attr]
    assert answer.content[0].text.annotations == []  # type: ignore[union-attr]
    assert client.beta.threads.retrieve(thread.id).id == thread.id
    first, second, third = client.beta.threads.messages.list(thread.id, order="asc")
    assert [p.type for p in second.content] == ["text", "image_file", "image_url"]
    assert second.content[1].image_file.file_id == "file-abc"  # type: ignore[union-attr]
    assert second.attachments and second.attachments[0].file_id == "file-doc"
    assert third.id == answer.id and first.thread_id == thread.id
    for path in (f"/v1/threads/{thread.id}", f"/v1/threads/{thread.id}/messages"):
        code, body = beta_json(raw, "GET", path)
        validate_response("GET", path, code, body)
    code, body = beta_json(raw, "POST", f"/v1/threads/{thread.id}/messages",
                           {"role": "user", "content": "Thanks!"})  # fmt: skip
    validate_response("POST", f"/v1/threads/{thread.id}/messages", code, body)
    posted(emulator, "/v1/threads")
    posted(emulator, f"/v1/threads/{thread.id}/messages")


def test_messages_page_through_both_orders_with_every_cursor(
    client: OpenAI, emulator: Emulator, raw: Raw
) -> None:
    thread = client.beta.threads.create(
        messages=[{"role": "user", "content": f"m{n}"} for n in range(4)]
    )
    for n in range(4, 7):
        client.beta.threads.messages.create(thread.id, role="assistant", content=f"m{n}")
    texts = [f"m{n}" for n in range(7)]

    def text(message: Any) -> str:
        return str(message.content[0].text.value)

    ascending = client.beta.threads.messages.list(thread.id, order="asc", limit=3)
    assert [text(m) for m in ascending] == texts  # the SDK follows three pages
    descending = client.beta.threads.messages.list(thread.id, limit=2)  # desc by default
    assert [text(m) for m in descending] == texts[::-1]
    pages = [r.path for r in emulator.requests() if r.path.endswith("/messages")]
    assert len(pages) >= 3 + 4

    path = f"/v1/threads/{thread.id}/messages"
    code, first = beta_json(raw, "GET", f"{path}?order=asc&limit=3")
    validate_response("GET", path, code, first)
    assert first["has_more"] and first["first_id"] == first["data"][0]["id"]
    code, second = beta_json(raw, "GET", f"{path}?order=asc&limit=3&after={first['last_id']}")
    assert [m["content"][0]["text"]["value"] for m in second["data"]] == texts[3:6]
    code, back = beta_json(raw, "GET", f"{path}?order=asc&limit=2&before={second['last_id']}")
    validate_response("GET", path, code, back)
    assert [m["content"][0]["text"]["value"] for m in back["data"]] == texts[3:5]
    assert back["has_more"]  # m0-m2 come before them
    code, last = beta_json(raw, "GET", f"{path}?order=desc&limit=5&after={first['data'][1]['id']}")
    assert [m["content"][0]["text"]["value"] for m in last["data"]] == ["m0"]
    assert not last["has_more"]


def test_unknown_ids_are_404s_in_openais_words(client: OpenAI, raw: Raw) -> None:
    with pytest.raises(openai.NotFoundError, match="No assistant found with id 'asst_nope'"):
        client.beta.assistants.retrieve("asst_nope")
    with pytest.raises(openai.NotFoundError, match="No thread found with id 'thread_nope'"):
        client.beta.threads.messages.list("thread_nope")
    for path in ("/v1/assistants/asst_nope", "/v1/threads/thread_nope/messages"):
        code, body = beta_json(raw, "GET", path)
        assert code == 404 and body["error"]["type"] == "invalid_request_error"
        validate_response("GET", path, code, body)
    code, body = beta_json(raw, "POST", "/v1/threads/thread_nope/messages",
                           {"role": "user", "content": "Hello?"})  # fmt: skip
    assert code == 404 and body["error"]["message"] == "No thread found with id 'thread_nope'."


def test_without_the_beta_header_the_api_refuses_as_openai_does(raw: Raw) -> None:
    code, body = beta_json(raw, "POST", "/v1/assistants", {"model": "gpt-4.1"}, headers={})
    assert code == 400 and body["error"]["code"] == "invalid_beta"
    assert "'OpenAI-Beta: assistants=v2'" in body["error"]["message"]
    validate_response("POST", "/v1/assistants", code, body)
    old = {"OpenAI-Beta": "assistants=v1"}
    code, body = beta_json(raw, "GET", "/v1/threads/thread_x", headers=old)
    assert code == 400 and "v1 Assistants API has been deprecated" in body["error"]["message"]


@pytest.mark.parametrize(
    ("path", "body", "param"),
    [
        ("/v1/assistants", {"name": "no model"}, "model"),
        ("/v1/assistants", {"model": "gpt-4.1", "tools": [{"type": "browser"}]}, "tools[0].type"),
        ("/v1/assistants", {"model": "gpt-4.1", "tools": [{"type": "function"}]},
         "tools[0].function.name"),
        ("/v1/threads", {"messages": [{"role": "system", "content": "x"}]}, "messages[0].role"),
        ("/v1/threads", {"messages": [{"role": "user", "content": []}]}, "messages[0].content"),
        ("/v1/threads", {"messages": [{"role": "user", "content": [{"type": "video"}]}]},
         "messages[0].content[0].type"),
    ],
)  # fmt: skip
def test_bad_bodies_are_refused_before_anything_is_kept(
    raw: Raw, emulator: Emulator, path: str, body: dict[str, Any], param: str
) -> None:
    code, answer = beta_json(raw, "POST", path, body)
    assert code == 400 and answer["error"]["param"] == param, answer
    validate_response("POST", path, code, answer)
    assert not emulator.state.assistants and not emulator.state.threads


def test_a_stranger_field_is_named(raw: Raw) -> None:
    code, answer = beta_json(raw, "POST", "/v1/threads", {"mesages": []})
    assert code == 400
    assert answer["error"]["message"] == "Unrecognized request argument supplied: mesages"


def test_assistants_and_threads_are_deleted_as_openai_answers(client: OpenAI, raw: Raw) -> None:
    assistant = client.beta.assistants.create(model="gpt-4.1", name="Tidy")
    thread = client.beta.threads.create(messages=[{"role": "user", "content": "Hi"}])
    gone = client.beta.assistants.delete(assistant.id)
    assert (gone.id, gone.object, gone.deleted) == (assistant.id, "assistant.deleted", True)
    ended = client.beta.threads.delete(thread.id)
    assert (ended.id, ended.object, ended.deleted) == (thread.id, "thread.deleted", True)
    with pytest.raises(openai.NotFoundError):
        client.beta.threads.messages.list(thread.id)
    for path, what in (
        (f"/v1/assistants/{assistant.id}", "assistant"),
        (f"/v1/threads/{thread.id}", "thread"),
    ):
        code, body = beta_json(raw, "DELETE", path)
        assert (
            code == 404
            and body["error"]["message"] == f"No {what} found with id '{path.rsplit('/', 1)[1]}'."
        )
        validate_response("DELETE", path, code, body)
    other = client.beta.assistants.create(model="gpt-4.1")
    code, body = beta_json(raw, "DELETE", f"/v1/assistants/{other.id}")
    assert code == 200
    validate_response("DELETE", f"/v1/assistants/{other.id}", code, body)
