"""The chat panel's Background box, in-process (a ``Session`` against the emulator, the
panel's widgets without a front end): it starts at the ``background`` trait, is shown
only for an API that takes ``--background``, and decides what the request asks for,
the trait notwithstanding; while the run waits on the server the live line says where
it stands, and Stop cancels the run on the server."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from jupyter_responses.chat_panel.panel import ChatPanel
from jupyter_responses.emulator import Emulator
from jupyter_responses.emulator import script as s
from jupyter_responses.render.base import BACKGROUND_LINES
from jupyter_responses.session import Session

from .conftest import settings_for

RESPONSES, CHAT = "Responses", "Chat Completions"


@pytest.fixture
def make_panel(
    emulator: Emulator, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Callable[..., ChatPanel]]:
    """``make_panel(background=...)``: a panel on a fresh session whose ``background``
    trait is as given; every session made is closed after the test."""
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    sessions: list[Session] = []

    def make(background: bool = False) -> ChatPanel:
        settings = settings_for(emulator, background=background)
        session = Session(lambda: settings)
        sessions.append(session)
        return ChatPanel(session, settings.model, settings.api, 0.01, settings.background)

    yield make
    for session in sessions:
        session.close()


def _send(panel: ChatPanel, text: str, api: str = RESPONSES) -> None:
    panel.api.value = api
    panel.send(text)
    assert panel.worker is not None, panel.notice.value
    panel.worker.join(30)
    assert not panel.busy


def _last(emulator: Emulator, path: str) -> dict[str, Any]:
    return emulator.requests(path)[-1].body


def _until(condition: Callable[[], Any], seconds: float = 10) -> Any:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        found = condition()
        if found:
            return found
        time.sleep(0.02)
    raise AssertionError("not reached in time")


@pytest.mark.parametrize("trait", [False, True])
def test_the_box_starts_at_the_trait_and_decides_the_request(
    make_panel: Callable[..., ChatPanel], emulator: Emulator, trait: bool
) -> None:
    panel = make_panel(background=trait)
    assert panel.background.value is trait
    for ticked in (trait, not trait):
        panel.background.value = ticked
        emulator.enqueue(s.text(f"Answered ({ticked})."))
        _send(panel, f"Ticked: {ticked}")
        body = _last(emulator, "/v1/responses")
        assert body.get("background", False) is ticked, body
        assert body["stream"] is True and body.get("store", True) is True
        newest = panel.session.conversation.branch()[-1]
        assert newest.text == f"Answered ({ticked})." and newest.background is ticked


def test_retry_sends_the_background_choice_it_was_sent_with(
    make_panel: Callable[..., ChatPanel], emulator: Emulator
) -> None:
    panel = make_panel()
    panel.background.value = True
    emulator.enqueue(s.HTTPError(500), s.text("Second time lucky."))
    _send(panel, "Try this")
    assert panel.retry_button is not None, "the failure offers Retry"
    panel.background.value = False  # changed since: Retry still sends what was sent
    panel.retry_button.click()
    assert panel.worker is not None
    panel.worker.join(30)
    bodies = [r.body for r in emulator.requests("/v1/responses")]
    assert [b.get("background") for b in bodies] == [True, True]
    assert panel.session.conversation.branch()[-1].text == "Second time lucky."


def test_the_box_is_offered_only_for_an_api_that_runs_in_the_background(
    make_panel: Callable[..., ChatPanel], emulator: Emulator
) -> None:
    panel = make_panel(background=True)
    assert panel.background.layout.display is None
    panel.api.value = CHAT
    assert panel.background.layout.display == "none"
    _send(panel, "On Chat", CHAT)
    assert "background" not in _last(emulator, "/v1/chat/completions")
    panel.api.value = RESPONSES
    assert panel.background.layout.display is None and panel.background.value is True


def test_the_live_line_says_queued_and_stop_cancels_on_the_server(
    make_panel: Callable[..., ChatPanel], emulator: Emulator
) -> None:
    panel = make_panel()
    panel.background.value = True
    emulator.enqueue(s.text("word " * 200, deltas=200, queued_for=1.5, event_delay=0.05))
    panel.send("Take your time")
    chrome = panel.messages.box.children[0].children[0].children[-1]  # the answer's live line
    assert _until(lambda: chrome.status == BACKGROUND_LINES["queued"])
    assert _until(lambda: chrome.status == "")  # in progress, then the answer flows
    turn = _until(lambda: _running(panel))
    assert turn.background and turn.response_id
    _until(lambda: "word word" in panel.messages.box.children[0].children[0].children[0].value)
    panel.stop()
    assert panel.worker is not None
    panel.worker.join(10)
    assert not panel.busy
    cancels = emulator.requests(f"/v1/responses/{turn.response_id}/cancel")
    assert len(cancels) == 1, "Stop cancels the run on the server"
    assert emulator.state.background[turn.response_id].cancelled
    assert turn.status == "interrupted" and "word" in turn.text
    assert panel.last_error == ""


def _running(panel: ChatPanel) -> Any:
    """The panel's turn once the server runs it in the background (saved with its id
    as soon as the server has it, before it is on the branch)."""
    turns = panel.session.conversation.turns.values()
    return next((t for t in turns if t.background and t.response_id), None)


def test_stop_while_queued_cancels_the_run_before_it_starts(
    make_panel: Callable[..., ChatPanel], emulator: Emulator
) -> None:
    panel = make_panel(background=True)
    emulator.enqueue(s.text("Never said.", queued_for=30))
    panel.send("Wait in line")
    chrome = panel.messages.box.children[0].children[0].children[-1]
    assert _until(lambda: chrome.status == BACKGROUND_LINES["queued"])
    stopped = time.monotonic()
    panel.stop()
    assert panel.worker is not None
    panel.worker.join(10)
    assert not panel.busy and time.monotonic() - stopped < 5
    turn = _running(panel)
    assert emulator.requests(f"/v1/responses/{turn.response_id}/cancel")
    assert emulator.state.background[turn.response_id].cancelled
    assert turn.status == "interrupted" and turn.text == ""
