"""Remote MCP servers (``--mcp``) through the session: each call a server asks about is
asked in the user's words and answered in the next request (chained, or with the
history resent), ``--mcp-approve never`` lets it run unasked, and the options that
describe a server (headers and tokens from the environment, allowed tools,
connectors) reach the request as the SDK's ``Mcp`` tool names them, never anywhere
else; what cannot work is refused before anything is sent."""

from __future__ import annotations

import json
import re
import threading
from typing import Any

import pytest

from jupyter_responses.emulator import Emulator
from jupyter_responses.emulator import script as s
from jupyter_responses.errors import OptionsError
from jupyter_responses.mcp_remote import APPROVED
from jupyter_responses.render.static import call_title
from jupyter_responses.serialize import conversation_to_dict
from jupyter_responses.session import Session
from jupyter_responses.turn_request import TurnOptions, build_request
from tests.mcp_servers.spec import validate_mcp_request

from .conftest import RecordingView

URL = "https://mcp.example.com/mcp"
DOCS = f"docs={URL}"
SECRET = "Bearer sk-mcp-7a1c0ffee"
DECLINED = "The user declined to run this call."


def run(session: Session, prompt: str, answers: list[bool] | None = None, **options: Any) -> Any:
    view = RecordingView(answers)
    namespace = options.pop("namespace", {})
    request = build_request(
        TurnOptions(api=options.pop("api", "responses"), prompt=prompt, **options),
        session.settings(),
        namespace,
        session.connection.files,
    )
    return session.run(request, view), view


def sent(emulator: Emulator) -> list[dict[str, Any]]:
    bodies = [r.body for r in emulator.requests("/v1/responses")]
    for body in bodies:
        validate_mcp_request(body)
    return bodies


def titles(turn: Any) -> list[str]:
    return [call_title(call) for call in turn.calls]


def test_a_call_is_asked_about_and_approved_in_the_chained_request(
    session: Session, emulator: Emulator
) -> None:
    turn, view = run(session, "Find Oslo.", [True], mcp=[DOCS])
    first, second = sent(emulator)
    assert first["tools"] == [
        {"type": "mcp", "server_label": "docs", "server_url": URL, "require_approval": "always"}
    ]
    assert view.asked == [
        ("docs", 'Allow the MCP server docs to run search?\nArguments: {"query": "Find Oslo."}')
    ]
    asked = next(e for e in turn.output if e["type"] == "approval_request")
    assert (asked["name"], asked["tool"]) == ("docs", "search")
    chained = emulator.stored_response(second["previous_response_id"])
    assert chained is not None and chained["output"][-1]["id"] == asked["call_id"]
    assert second["input"] == [
        {"type": "mcp_approval_response", "approval_request_id": asked["call_id"], "approve": True}
    ]
    assert turn.status == "completed"
    assert turn.text == "The `docs` server's search returned: 1 result."
    assert titles(turn) == [
        "🔌 docs MCP tools — done",
        '🔐 docs.search(query="Find Oslo.") — done',
        '🔌 docs.search(query="Find Oslo.") — done',
    ]
    approval, call = turn.calls[1], turn.calls[2]
    assert (approval["kind"], approval["output"]) == ("mcp_approval_request", APPROVED)
    assert (call["kind"], call["output"]) == ("mcp_call", "1 result.")
    kinds = [e["type"] for e in turn.output]
    assert kinds == ["builtin", "approval_request", "approval", "builtin", "message"]


def test_a_denied_call_is_not_made_and_the_reason_goes_back(
    session: Session, emulator: Emulator
) -> None:
    turn, _ = run(session, "Find Oslo.", [False], mcp=[DOCS])
    _, second = sent(emulator)
    (answer,) = second["input"]
    assert answer["approve"] is False and answer["reason"] == DECLINED
    assert turn.text == f"I did not run search on the `docs` server: you declined it ({DECLINED})."
    assert [c["status"] for c in turn.calls] == ["done", "denied"]
    assert not any(e.get("name") == "mcp_call" for e in turn.output if e["type"] == "builtin")


def test_nobody_to_ask_is_no(session: Session, emulator: Emulator) -> None:
    turn, view = run(session, "Find Oslo.", [], mcp=[DOCS])  # the view says no to all
    assert view.asked and sent(emulator)[1]["input"][0]["approve"] is False
    assert turn.calls[1]["status"] == "denied"


def test_with_history_resent_the_question_goes_back_with_its_answer(
    session: Session, emulator: Emulator
) -> None:
    turn, _ = run(session, "Find Oslo.", [True], mcp=[DOCS], no_store=True)
    assert turn.text == "The `docs` server's search returned: 1 result."
    _, second = sent(emulator)
    assert "previous_response_id" not in second
    kinds = [i.get("type", "message") for i in second["input"]]
    assert kinds == ["message", "mcp_list_tools", "mcp_approval_request", "mcp_approval_response"]
    asked = second["input"][2]
    assert set(asked) == {"type", "id", "server_label", "name", "arguments"}
    # Later turns resend the answer, not the exchange: the server runs nothing again.
    emulator.enqueue(s.text("You are welcome."))
    run(session, "Thanks.", mcp=[DOCS], no_store=True)
    third = sent(emulator)[-1]
    assert [i.get("type", "message") for i in third["input"]] == ["message"] * 3
    assert third["input"][1]["content"] == turn.text


def test_a_round_after_an_approved_call_resends_the_call_too(
    session: Session, emulator: Emulator
) -> None:
    """Within the turn, with history resent: the call that ran goes back with its
    question and answer, so the server does not run it again."""
    emulator.enqueue(
        s.Reply([s.McpApprovalRequest("docs", "search", '{"q": "x"}', output="hit", id="mcpr_1")]),
        s.Reply([s.McpCall("docs", "search", '{"q": "x"}', "hit"), s.FunctionCall("note", {})]),
        s.text("Noted."),
    )
    namespace = {"note": lambda: "ok"}
    turn, _ = run(
        session, "Go.", [True], mcp=[DOCS], no_store=True, tools=["note"], namespace=namespace
    )
    assert turn.text == "Noted."
    third = sent(emulator)[2]
    kinds = [i.get("type", "message") for i in third["input"]]
    assert kinds == [
        "message",
        "mcp_approval_request",
        "mcp_approval_response",
        "mcp_call",
        "function_call",
        "function_call_output",
    ]
    assert third["input"][3]["approval_request_id"] == "mcpr_1"


def test_never_runs_the_servers_tools_unasked(session: Session, emulator: Emulator) -> None:
    turn, view = run(session, "Find Oslo.", mcp=[DOCS], mcp_approve=["never"])
    (body,) = sent(emulator)
    assert body["tools"][0]["require_approval"] == "never"
    assert view.asked == []
    assert [c["kind"] for c in turn.calls] == ["mcp_list_tools", "mcp_call"]
    assert turn.text == "The `docs` server returned one result."


def test_approval_is_set_per_server(session: Session, emulator: Emulator) -> None:
    emulator.enqueue(s.text("Both there."))
    run(
        session,
        "Hello.",
        mcp=[DOCS, "wiki=https://wiki.example.com/mcp"],
        mcp_approve=["wiki=never", "always"],
    )
    (body,) = sent(emulator)
    assert [(t["server_label"], t["require_approval"]) for t in body["tools"]] == [
        ("docs", "always"),
        ("wiki", "never"),
    ]


def test_headers_come_from_the_environment_when_sent_and_are_kept_nowhere(
    session: Session, emulator: Emulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DOCS_TOKEN", "Bearer an-older-value")
    options = TurnOptions(
        api="responses",
        prompt="Find Oslo.",
        mcp=[DOCS],
        mcp_header=["docs:Authorization=DOCS_TOKEN", "docs:X-Team=DOCS_TEAM"],
        mcp_approve=["never"],
    )
    monkeypatch.setenv("DOCS_TEAM", "blue")
    request = build_request(options, session.settings(), {}, session.connection.files)
    assert "DOCS_TOKEN" in repr(request.tools) and "older" not in repr(request.tools)
    monkeypatch.setenv("DOCS_TOKEN", SECRET)  # read when the request is sent, not before
    turn = session.run(request, RecordingView())
    (body,) = sent(emulator)
    assert body["tools"][0]["headers"] == {"Authorization": SECRET, "X-Team": "blue"}
    stored = emulator.stored_response(str(turn.response_id))
    assert stored is not None and "headers" not in stored["tools"][0]  # as the API echoes it
    assert SECRET not in json.dumps(conversation_to_dict(session.conversation))
    assert SECRET not in repr(turn) and SECRET not in repr(request)


def test_a_secret_not_set_is_one_sentence_before_anything_is_sent(
    session: Session, emulator: Emulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("DOCS_TOKEN", raising=False)
    with pytest.raises(OptionsError) as raised:
        run(session, "Find.", mcp=[DOCS], mcp_header=["docs:Authorization=DOCS_TOKEN"])
    said = str(raised.value)
    assert said == (
        "--mcp-header docs:Authorization=DOCS_TOKEN: the environment variable DOCS_TOKEN is "
        "not set in the kernel (set it, e.g. with %env or os.environ, and run the cell again)."
    )
    assert emulator.requests() == []


def test_a_secret_gone_by_send_time_fails_the_turn_without_sending(
    session: Session, emulator: Emulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DRIVE_TOKEN", SECRET)
    options = TurnOptions(
        api="responses",
        prompt="Find.",
        mcp=["drive=connector:googledrive"],
        mcp_auth=["drive=DRIVE_TOKEN"],
    )
    request = build_request(options, session.settings(), {}, session.connection.files)
    monkeypatch.delenv("DRIVE_TOKEN")
    with pytest.raises(OptionsError, match="the environment variable DRIVE_TOKEN is not set"):
        session.run(request, RecordingView())
    assert emulator.requests("/v1/responses") == []
    assert session.conversation.branch()[-1].status == "failed"


def test_connectors_tokens_and_allowed_tools_are_sent_as_the_sdk_names_them(
    session: Session, emulator: Emulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DRIVE_TOKEN", "ya29.drive-token")
    emulator.enqueue(s.text("Found nothing."))
    run(
        session,
        "Find the budget.",
        mcp=["drive=connector:googledrive", DOCS],
        mcp_auth=["drive=DRIVE_TOKEN"],
        mcp_tools=["drive=search,fetch", "docs=search"],
    )
    (body,) = sent(emulator)
    assert body["tools"] == [
        {
            "type": "mcp",
            "server_label": "drive",
            "connector_id": "connector_googledrive",
            "require_approval": "always",
            "allowed_tools": ["search", "fetch"],
            "authorization": "ya29.drive-token",
        },
        {
            "type": "mcp",
            "server_label": "docs",
            "server_url": URL,
            "require_approval": "always",
            "allowed_tools": ["search"],
        },
    ]


def test_failures_of_the_server_are_shown_on_their_calls(
    session: Session, emulator: Emulator
) -> None:
    emulator.enqueue(
        s.Reply(
            [
                s.McpListTools("docs", error="Error retrieving tool list: 401 Unauthorized"),
                s.McpCall("docs", "search", '{"q": "x"}', error="the index is offline"),
                s.Text("The server failed."),
            ]
        )
    )
    turn, _ = run(session, "Find x.", mcp=[DOCS], mcp_approve=["never"])
    listed, called = turn.calls
    assert (listed["status"], listed["error"]) == (
        "error",
        "Error retrieving tool list: 401 Unauthorized",
    )
    assert (called["status"], called["error"]) == ("error", "the index is offline")
    assert titles(turn)[1] == '🔌 docs.search(q="x") — error'


@pytest.mark.parametrize(
    ("options", "said"),
    [
        ({"mcp": ["docs"]}, "--mcp needs LABEL=URL"),
        ({"mcp": ["9docs=https://a.example"]}, "a server label is a letter"),
        ({"mcp": ["docs=ftp://a.example"]}, "--mcp needs LABEL=URL with an http(s) URL"),
        ({"mcp": [DOCS, "docs=https://b.example"]}, "label docs is given twice"),
        ({"mcp": [DOCS], "mcp_approve": ["sometimes"]}, "--mcp-approve takes always or never"),
        ({"mcp": [DOCS], "mcp_approve": ["wiki=never"]}, "'wiki' is no MCP server of this line"),
        ({"mcp": [DOCS], "mcp_header": ["docs:Bad Name=X"]}, "--mcp-header needs LABEL:Header"),
        ({"mcp": [DOCS], "mcp_header": ["wiki:Authorization=X"]}, "'wiki' is no MCP server"),
        ({"mcp": [DOCS], "mcp_tools": ["wiki=a"]}, "'wiki' is no MCP server"),
        ({"mcp": [DOCS], "mcp_auth": ["docs=not a name"]}, "--mcp-auth needs LABEL=ENV_VAR"),
        ({"mcp": ["drive=connector:google-drive"]}, "a connector id is letters and digits"),
        ({"mcp": ["drive=connector:googledrive"]}, "a connector needs its OAuth token"),
        (
            {"mcp": [DOCS], "tools": ["docs"], "namespace": {"docs": lambda: 1}},
            "the label is also the name of another tool",
        ),
    ],
)
def test_what_cannot_work_is_refused_before_anything_is_sent(
    session: Session, emulator: Emulator, options: dict[str, Any], said: str
) -> None:
    with pytest.raises(OptionsError, match=re.escape(said)):
        run(session, "Find.", **options)
    assert emulator.requests() == []


def test_chat_refuses_a_remote_server(session: Session, emulator: Emulator) -> None:
    with pytest.raises(OptionsError, match="mcp is a built-in tool of the Responses API"):
        run(session, "Find.", api="chat", mcp=[DOCS])
    assert emulator.requests() == []


def test_the_panels_approve_button_answers_a_servers_question(
    session: Session, emulator: Emulator
) -> None:
    """The chat panel asks with its Approve / Deny (``chat_panel.approve``), naming the
    call as its section does; the turn runs on a worker thread, as the panel's does."""
    import ipywidgets as w

    from jupyter_responses.chat_panel.approve import Approvals

    view = RecordingView()
    approvals = Approvals(w.VBox(), lambda: view.started)
    view.confirm = approvals  # type: ignore[method-assign]  # the panel's confirm
    options = TurnOptions(api="responses", prompt="Find Oslo.", mcp=[DOCS])
    request = build_request(options, session.settings(), {}, session.connection.files)
    worker = threading.Thread(target=session.run, args=(request, view), daemon=True)
    worker.start()
    for _ in range(400):
        if approvals.pending is not None:
            break
        worker.join(0.05)
    question = approvals.pending
    assert question is not None, "the panel asked"
    assert question.title == '🔐 docs.search(query="Find Oslo.")'
    assert "Allow the MCP server docs to run search?" in question.shown.value
    question.approve_button.click()
    worker.join(30)
    assert not worker.is_alive()
    (line,) = question.widget.children
    assert line.value == "✓ Approved: 🔐 docs.search(query=&quot;Find Oslo.&quot;)"
    assert sent(emulator)[1]["input"][0]["approve"] is True
    assert view.finished is not None and view.finished.text.endswith("returned: 1 result.")


@pytest.mark.parametrize(
    ("error", "said"),
    [
        ("Error: timed out", "Error: timed out"),
        (
            {"type": "mcp_protocol_error", "code": -32602, "message": "bad args"},
            "bad args (-32602)",
        ),
        ({"type": "http_error", "code": 502, "message": "Bad gateway"}, "Bad gateway (502)"),
        (
            {"type": "mcp_tool_execution_error", "content": [{"type": "text", "text": "No."}]},
            "No.",
        ),
        (
            {"type": "mcp_tool_execution_error", "content": {}},
            '{"type": "mcp_tool_execution_error", "content": {}}',
        ),
        (None, ""),
    ],
)
def test_an_mcp_calls_error_reads_in_words(error: Any, said: str) -> None:
    from jupyter_responses.backends.responses_stream import _error_text

    assert _error_text(error) == said
