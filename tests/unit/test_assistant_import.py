"""``%responses import-assistant`` through a real ``Session`` against the emulator: an
assistant and its thread, seeded with the SDK's own Assistants API calls, open as a
named thread, and the next turn (on the Responses API, or Chat) resends that history
with the assistant's instructions. How odd threads become turns is checked on the
records alone."""

from __future__ import annotations

import dataclasses
from typing import Any

import pytest
from openai import OpenAI

from jupyter_responses import commands
from jupyter_responses.assistant_import import build, import_into, next_line, summary
from jupyter_responses.assistant_reading import AssistantRecord, MessageRecord, ToolMap
from jupyter_responses.backends import by_magic
from jupyter_responses.emulator import Emulator
from jupyter_responses.emulator import script as s
from jupyter_responses.errors import ConfigurationError, NotFound, OptionsError
from jupyter_responses.magics import cell_magic, parse_options
from jupyter_responses.session import Session
from jupyter_responses.turn_request import TurnOptions, build_request
from tests.core.conftest import RecordingView, emulator, session, settings_for
from tests.emulator.shapes import assistant_function
from tests.spec import validate_request

__all__ = ["emulator", "session"]

# The SDK marks the Assistants API deprecated; seeding the emulator with it is the point.
pytestmark = pytest.mark.filterwarnings(r"ignore::DeprecationWarning:tests\.unit\.")

INSTRUCTIONS = "You answer questions about the weather.\nKeep it short."
EXCHANGES = [
    ("What is the weather in Oslo?", "Mild, 12 C."),
    ("And in Bergen?", "Rain, as ever."),
    ("Which one for a picnic?", "Oslo."),
]


def seed(emulator: Emulator, exchanges: list[tuple[str, str]] = EXCHANGES) -> tuple[str, str]:
    """An assistant with every kind of tool, and a thread of ``exchanges``: their ids."""
    client = OpenAI(base_url=emulator.url, api_key="sk-test", _strict_response_validation=True)
    assistant = client.beta.assistants.create(
        model="gpt-4.1",
        name="Weather desk",
        instructions=INSTRUCTIONS,
        tools=[
            {"type": "code_interpreter"},
            {"type": "file_search"},
            assistant_function("get_weather"),
            assistant_function("get_time"),
        ],
        tool_resources={"file_search": {"vector_store_ids": ["vs_abc123"]}},
    )
    messages = [
        {"role": role, "content": text}
        for asked, answered in exchanges
        for role, text in (("user", asked), ("assistant", answered))
    ]
    thread = client.beta.threads.create(messages=messages)
    return assistant.id, thread.id


def next_turn(session: Session, api: str, prompt: str, line: str) -> Any:
    """The turn a cell ``%%<api's magic> line`` over ``prompt`` asks for, with the
    assistant's functions defined."""
    backend = {b.api: b for b in map(by_magic, ("respond", "chat"))}[api]
    args = parse_options(cell_magic(backend, lambda *a: None), line)
    namespace = {"get_weather": lambda city: "sunny", "get_time": lambda city: "noon"}
    options = TurnOptions.parsed(api, prompt, f"%%{backend.magic} {line}", args)
    request = build_request(options, session.settings(), namespace, session.connection.files)
    return session.run(request, RecordingView())


def test_an_assistant_and_its_thread_open_as_a_named_thread(
    session: Session, emulator: Emulator
) -> None:
    assistant_id, thread_id = seed(emulator)
    imported = import_into(session, assistant_id, thread_id, page_size=4)
    conversation = session.conversation
    assert conversation is imported.conversation and conversation.name == "Weather-desk"
    assert session.threads.current == "Weather-desk" and "main" in session.threads.open
    assert conversation.system == INSTRUCTIONS
    turns = conversation.branch()
    assert [(t.prompt, t.text) for t in turns] == EXCHANGES
    assert {(t.api, t.model, t.status, t.response_id, t.stored) for t in turns} == {
        ("responses", "gpt-4.1", "completed", None, False)
    }
    assert [t.output for t in turns] == [[{"type": "message", "text": a}] for _, a in EXCHANGES]
    pages = [r for r in emulator.requests() if r.path.endswith("/messages")]
    assert len(pages) == 2  # six messages, four to a page, oldest first
    store = session.threads.store()
    assert store is not None
    (saved,) = store.listing()
    assert saved.name == "Weather-desk" and saved.turns == 3
    assert store.load(saved.id).system == INSTRUCTIONS
    tools = imported.assistant["tools"]
    assert tools["builtins"] == ["code_interpreter", "file_search"]
    assert tools["vector_stores"] == ["vs_abc123"]
    assert [f["name"] for f in tools["functions"]] == ["get_weather", "get_time"]
    assert next_line(imported) == (
        "%%respond -m gpt-4.1 --tools code_interpreter file_search get_weather get_time "
        "--vector-store vs_abc123"
    )


def test_the_next_turn_on_responses_resends_the_imported_history(
    session: Session, emulator: Emulator
) -> None:
    assistant_id, thread_id = seed(emulator)
    imported = import_into(session, assistant_id, thread_id)
    last = session.conversation.head
    emulator.enqueue(s.text("Windy tomorrow."))
    line = next_line(imported).removeprefix("%%respond ")
    turn = next_turn(session, "responses", "And tomorrow?", line)
    assert turn.text == "Windy tomorrow." and turn.parent == last
    conversation = session.conversation
    assert conversation.name == "Weather-desk" and len(conversation.branch()) == 4
    body = emulator.requests("/v1/responses")[-1].body
    validate_request("POST", "/v1/responses", body)
    assert "previous_response_id" not in body
    assert body["instructions"] == INSTRUCTIONS and body["model"] == "gpt-4.1"
    assert body["input"] == [
        *(
            message
            for asked, answered in EXCHANGES
            for message in (
                {"role": "user", "content": asked},
                {"role": "assistant", "content": answered},
            )
        ),
        {"role": "user", "content": "And tomorrow?"},
    ]
    tools = {t.get("name") or t["type"]: t for t in body["tools"]}
    assert set(tools) == {"code_interpreter", "file_search", "get_weather", "get_time"}
    assert tools["file_search"]["vector_store_ids"] == ["vs_abc123"]
    emulator.enqueue(s.text("Still windy."))
    next_turn(session, "responses", "Sure?", "-m gpt-4.1")  # from here on, chained
    chained = emulator.requests("/v1/responses")[-1].body
    assert chained["previous_response_id"] == turn.response_id
    assert chained["input"] == [{"role": "user", "content": "Sure?"}]


def test_chat_continues_an_imported_thread_too(session: Session, emulator: Emulator) -> None:
    assistant_id, thread_id = seed(emulator)
    import_into(session, assistant_id, thread_id)
    emulator.enqueue(s.text("Yes."))
    next_turn(session, "chat", "Sure?", "-m gpt-4.1 --tools get_weather")
    body = emulator.requests("/v1/chat/completions")[-1].body
    validate_request("POST", "/v1/chat/completions", body)
    assert [(m["role"], m["content"]) for m in body["messages"]] == [
        ("system", INSTRUCTIONS),
        *(
            pair
            for asked, answered in EXCHANGES
            for pair in (("user", asked), ("assistant", answered))
        ),
        ("user", "Sure?"),
    ]


def test_the_command_reads_every_page_and_says_how_to_continue(
    session: Session, emulator: Emulator, capsys: pytest.CaptureFixture[str]
) -> None:
    many = [(f"question {n}", f"answer {n}") for n in range(51)]  # 102 messages: two pages
    assistant_id, thread_id = seed(emulator, many)
    handler = commands.COMMANDS["import-assistant"][0]
    handler(session, parse_options(handler, f"{assistant_id} --thread {thread_id}"))
    said = capsys.readouterr().out
    assert f"Imported assistant 'Weather desk' ({assistant_id}) and thread {thread_id}" in said
    assert "as thread 'Weather-desk', now current: 51 turns." in said
    assert "Model:        gpt-4.1" in said
    assert "'You answer questions about the weather.' …" in said
    assert (
        "  %%respond -m gpt-4.1 --tools code_interpreter file_search get_weather get_time "
        "--vector-store vs_abc123\n" in said
    )
    assert "Define get_weather(city) and get_time(city) as Python functions" in said
    assert [t.prompt for t in session.conversation.branch()] == [q for q, _ in many]
    pages = [r.path for r in emulator.requests() if r.path.endswith("/messages")]
    assert len(pages) == 2


@pytest.mark.parametrize("api", ["responses", "chat"])
def test_a_thread_the_assistant_began_is_resent_as_it_was(
    session: Session, emulator: Emulator, api: str
) -> None:
    assistant_id, _ = seed(emulator)
    client = OpenAI(base_url=emulator.url, api_key="sk-test")
    greeting = {"role": "assistant", "content": "Hello! Ask me about the weather."}
    thread = client.beta.threads.create(messages=[greeting, {"role": "user", "content": "Oslo?"}])
    client.beta.threads.messages.create(thread.id, role="assistant", content="Mild.")
    import_into(session, assistant_id, thread.id)
    emulator.enqueue(s.text("Yes."))
    next_turn(session, api, "Sure?", "-m gpt-4.1")
    path = "/v1/responses" if api == "responses" else "/v1/chat/completions"
    body = emulator.requests(path)[-1].body
    validate_request("POST", path, body)
    sent = [(m["role"], m["content"]) for m in body.get("input", body.get("messages"))]
    assert [m for m in sent if m[0] != "system"] == [
        ("user", ""),
        ("assistant", "Hello! Ask me about the weather."),
        ("user", "Oslo?"),
        ("assistant", "Mild."),
        ("user", "Sure?"),
    ]


def test_without_a_thread_the_assistant_opens_an_empty_thread_with_its_instructions(
    session: Session, emulator: Emulator
) -> None:
    assistant_id, _ = seed(emulator)
    imported = import_into(session, assistant_id, name="desk")
    assert session.conversation.name == "desk" and not session.conversation.turns
    assert session.conversation.system == INSTRUCTIONS
    assert "now current: 0 turns." in summary(imported)
    emulator.enqueue(s.text("Hello."))
    next_turn(session, "responses", "Hi", "-m gpt-4.1")
    body = emulator.requests("/v1/responses")[-1].body
    assert body["instructions"] == INSTRUCTIONS
    assert body["input"] == [{"role": "user", "content": "Hi"}]


def test_a_second_import_of_the_same_name_opens_beside_the_first(
    session: Session, emulator: Emulator
) -> None:
    assistant_id, thread_id = seed(emulator)
    import_into(session, assistant_id, thread_id)
    again = import_into(session, assistant_id, thread_id)
    assert again.conversation.name == "Weather-desk-2"
    assert set(session.threads.open) == {"main", "Weather-desk", "Weather-desk-2"}


def test_unknown_ids_say_what_is_missing_and_open_nothing(
    session: Session, emulator: Emulator
) -> None:
    assistant_id, _ = seed(emulator)
    with pytest.raises(NotFound, match=r"has no assistant asst_nope \(404: No assistant found"):
        import_into(session, "asst_nope")
    with pytest.raises(NotFound, match=r"has no thread thread_nope \(404: No thread found"):
        import_into(session, assistant_id, "thread_nope")
    assert list(session.threads.open) == ["main"] and session.threads.current == "main"


@pytest.mark.parametrize(
    ("assistant", "thread", "name", "said"),
    [
        ("", None, None, "ASSISTANT_ID '' is not an Assistants API id"),
        ("asst/../x", None, None, "is not an Assistants API id"),
        ("asst_x", "thread x", None, "--thread 'thread x' is not"),
        ("asst_x", None, "two words", "is not a thread name"),
    ],
)
def test_bad_ids_and_names_are_refused_before_any_request(
    session: Session, emulator: Emulator, assistant: str, thread: str | None, name: str | None,
    said: str,
) -> None:  # fmt: skip
    with pytest.raises(OptionsError, match=said):
        import_into(session, assistant, thread, name)
    assert emulator.requests() == []


def test_without_a_key_or_a_server_it_says_what_to_set(
    emulator: Emulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    monkeypatch.delenv("OPENAI_BASE_URL", raising=False)
    settings = dataclasses.replace(settings_for(emulator), base_url="")
    with pytest.raises(ConfigurationError, match="No API key"):
        import_into(Session(lambda: settings), "asst_x")


def test_an_unreachable_server_is_one_clear_error(emulator: Emulator, session: Session) -> None:
    from jupyter_responses.errors import ConnectionFailed

    emulator.stop()
    with pytest.raises(ConnectionFailed, match="Could not reach"):
        import_into(session, "asst_x")


# -- odd threads, on the records alone ---------------------------------------------------------
ASSISTANT = AssistantRecord(
    id="asst_1",
    name="",
    model="gpt-4o",
    instructions="",
    tools=ToolMap(builtins=[], vector_stores=[], functions=[], code_files=[], unknown=[]),
)


def said(role: str, text: str, at: float = 1.0, **more: Any) -> MessageRecord:
    fields: dict[str, Any] = {
        "refusal": "",
        "incomplete": False,
        "citations": [],
        "attachments": [],
    }
    return MessageRecord(role=role, text=text, created=at, **{**fields, **more})  # type: ignore[typeddict-item]


def test_runs_of_messages_become_turns_and_nothing_is_silently_lost() -> None:
    messages = [
        said("assistant", "Hello! How can I help?"),
        said("user", "Look at this:", at=2),
        said("user", "[image file file-abc]", at=3, attachments=["file-doc (file_search)"]),
        said("assistant", "A cat.", at=4),
        said("assistant", "A tabby, in fact.", at=5, incomplete=True),
        said("user", "Anything else?", at=6),
        said("assistant", "", at=7, refusal="I can't say more."),
        said("user", "Hello?", at=8),
    ]
    imported = build(ASSISTANT, "thread_1", messages, "asst_1")
    first, second, third = imported.conversation.branch()
    assert (first.prompt, first.text) == ("", "Hello! How can I help?")
    assert second.prompt == "Look at this:\n\n[image file file-abc]"
    assert second.text == "A cat.\n\nA tabby, in fact." and second.status == "incomplete"
    assert [e["type"] for e in second.output] == ["message", "message"]
    assert second.notes == [
        "Files attached in the Assistants thread, not carried over: file-doc (file_search)."
    ]
    assert (second.started, second.finished) == (2, 5)
    assert third.refusal == "I can't say more." and third.output[0]["type"] == "refusal"
    assert imported.conversation.system is None
    notes = " ".join(imported.notes)
    assert "begins with a message of the assistant" in notes
    assert "ends with a user message that has no answer ('Hello?')" in notes
    text = summary(imported)
    assert "Imported assistant asst_1 and thread thread_1" in text
    assert "Instructions: none" in text and "Tools:        none" in text
    assert next_line(imported) == "%%respond -m gpt-4o"


def test_file_search_without_a_vector_store_is_named_not_suggested() -> None:
    tools = ToolMap(
        builtins=["file_search"], vector_stores=[], functions=[], code_files=["file-1"],
        unknown=["retrieval"],
    )  # fmt: skip
    imported = build(ASSISTANT | {"tools": tools}, None, [], "x")  # type: ignore[arg-type]
    assert next_line(imported) == "%%respond -m gpt-4o"
    text = summary(imported)
    assert "file_search → needs --vector-store ID (none was set)" in text
    assert "code interpreter files file-1 not carried over" in text
    assert "retrieval: no equivalent here, left out" in text
