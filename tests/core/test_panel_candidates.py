"""The chat panel's Answers box, in-process (a ``Session`` against the emulator, the
panel's widgets without a front end): at 1 a message is one turn as before; at 3 it
asks for three candidates (``n`` on Chat, three requests on Responses), shown in three
tabs marked as they end, the first answered the head; "Continue from this one" moves
the head and the mark, and the next message continues from it; a failed candidate says
why in its tab; all failing is the panel's failure with Retry; Stop stops them all;
with tools or Background the panel says what to change before anything is sent."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from typing import Any

import pytest

from jupyter_responses.chat_panel.answers_box import MOST
from jupyter_responses.chat_panel.candidates import CONTINUE, CONTINUED, CandidateTabs
from jupyter_responses.chat_panel.panel import ChatPanel
from jupyter_responses.emulator import Emulator
from jupyter_responses.emulator import script as s
from jupyter_responses.session import Session

from .conftest import settings_for

RESPONSES, CHAT = "Responses", "Chat Completions"
ANSWERS = ["Paris, on the Seine.", "The capital is Paris.", "It has been Paris since 987."]


@pytest.fixture
def panel(emulator: Emulator, monkeypatch: pytest.MonkeyPatch) -> Iterator[ChatPanel]:
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    settings = settings_for(emulator)
    session = Session(lambda: settings)
    yield ChatPanel(session, settings.model, settings.api, 0.01)
    session.close()


def _send(panel: ChatPanel, text: str, api: str = RESPONSES) -> None:
    panel.api.value = api
    panel.send(text)
    assert panel.worker is not None, panel.notice.value
    panel.worker.join(30)
    assert not panel.busy


def _bodies(emulator: Emulator, path: str) -> list[dict[str, Any]]:
    return [r.body for r in emulator.requests(path)]


def _tabs(panel: ChatPanel) -> CandidateTabs:
    assert panel.candidates is not None
    return panel.candidates


def _texts(widget: Any) -> str:
    own = [str(getattr(widget, "value", "")), str(getattr(widget, "description", ""))]
    return " ".join(own + [_texts(c) for c in getattr(widget, "children", ())])


def test_the_box_starts_at_one_and_one_answer_is_one_turn(
    panel: ChatPanel, emulator: Emulator
) -> None:
    assert panel.answers.value == 1 and (panel.answers.min, panel.answers.max) == (1, MOST)
    emulator.enqueue(s.text("Just one."))
    _send(panel, "One answer")
    assert len(emulator.requests("/v1/responses")) == 1
    assert panel.candidates is None
    (turn,) = panel.session.conversation.turns.values()
    assert turn.text == "Just one." and panel.messages.shown == [turn.id]
    answer = panel.messages.box.children[0]
    assert answer.children[0].__class__.__name__ == "VBox", "the live view, as before"


@pytest.mark.parametrize("api", [RESPONSES, CHAT])
def test_three_answers_are_three_tabs_and_the_first_answered_is_the_head(
    panel: ChatPanel, emulator: Emulator, api: str
) -> None:
    emulator.enqueue(s.text("Hello."))
    _send(panel, "Hi", api)
    panel.answers.value = 3
    emulator.enqueue(*(s.text(answer, deltas=3) for answer in ANSWERS))
    _send(panel, "The capital of France?", api)
    if api == CHAT:
        assert _bodies(emulator, "/v1/chat/completions")[-1]["n"] == 3
    else:
        assert len(emulator.requests("/v1/responses")) == 1 + 3
    conversation = panel.session.conversation
    first = conversation.branch()[0]
    turns = conversation.children(first.id)
    assert sorted(t.text for t in turns) == sorted(ANSWERS)
    tabs = _tabs(panel)
    assert tabs.widget in panel.messages.box.children[0].children
    head = conversation.head
    assert head in tabs.ids and panel.messages.shown == [first.id, head]
    assert panel.answers.value == 3, "kept between messages"
    titles = tabs.widget.titles
    index = [c.turn.id if c.turn else "" for c in tabs.candidates].index(head)
    assert titles == tuple(f"{i + 1} ✓" + (" ★" if i == index else "") for i in range(3)), titles
    for i, candidate in enumerate(tabs.candidates):
        said = _texts(candidate.box)
        assert candidate.turn is not None and candidate.turn.text in said
        assert (CONTINUED in said) is (i == index) and (CONTINUE in said) is (i != index)


def test_continue_from_another_moves_the_head_and_the_next_message_follows_it(
    panel: ChatPanel, emulator: Emulator
) -> None:
    panel.answers.value = 3
    emulator.enqueue(*(s.text(answer) for answer in ANSWERS))
    _send(panel, "The capital of France?")
    tabs = _tabs(panel)
    conversation = panel.session.conversation
    first_head = conversation.head
    other = next(c for c in tabs.candidates if c.turn and c.turn.id != first_head)
    assert other.button is not None and not other.button.disabled
    other.button.click()
    assert other.turn is not None and conversation.head == other.turn.id
    assert panel.messages.shown == [other.turn.id]
    assert CONTINUED in _texts(other.box) and CONTINUE not in _texts(other.box)
    assert tabs.widget.titles[other.index].endswith("★")
    assert sum(title.endswith("★") for title in tabs.widget.titles) == 1
    assert panel.session.threads.conversation.head == other.turn.id

    panel.answers.value = 1
    emulator.enqueue(s.text("Yes, Paris."))
    _send(panel, "Sure?")
    newest = conversation.branch()[-1]
    assert newest.parent == other.turn.id, "the next message continues from the pick"
    body = _bodies(emulator, "/v1/responses")[-1]
    assert body["previous_response_id"] == other.turn.response_id
    assert panel.candidates is None and other.button is None, "the buttons went"
    assert CONTINUED in _texts(other.box), "the head stays marked"


def test_a_pick_waits_for_no_turn_holding_the_lock(panel: ChatPanel, emulator: Emulator) -> None:
    panel.answers.value = 2
    emulator.enqueue(*(s.text(answer) for answer in ANSWERS[:2]))
    _send(panel, "Two")
    tabs = _tabs(panel)
    head = panel.session.conversation.head
    other = next(c for c in tabs.candidates if c.turn and c.turn.id != head)
    held, release = threading.Event(), threading.Event()

    def hold() -> None:
        with panel.session.lock:
            held.set()
            release.wait(10)

    holder = threading.Thread(target=hold)
    holder.start()
    held.wait(5)
    try:
        other.button.click()
        assert panel.session.conversation.head == head, "nothing moved"
        assert "Another turn is running" in panel.notice.value
    finally:
        release.set()
        holder.join(5)
    other.button.click()
    assert other.turn is not None and panel.session.conversation.head == other.turn.id
    assert panel.notice.value == ""


def test_a_failed_candidate_says_why_in_its_tab_and_has_no_button(
    panel: ChatPanel, emulator: Emulator
) -> None:
    panel.answers.value = 2
    emulator.enqueue(
        s.text(ANSWERS[0], deltas=2, event_delay=0.05), s.HTTPError(500, "The server had an error.")
    )
    _send(panel, "The capital?")
    tabs = _tabs(panel)
    failed = next(c for c in tabs.candidates if c.turn and c.turn.status == "failed")
    answered = next(c for c in tabs.candidates if c.turn and c.turn.status == "completed")
    assert "500" in _texts(failed.box) and "Retry" not in _texts(failed.box)
    assert failed.button is None and CONTINUE not in _texts(failed.box)
    assert tabs.widget.titles[failed.index].endswith("✗")
    assert tabs.widget.titles[answered.index] == f"{answered.index + 1} ✓ ★"
    assert panel.last_error == "" and panel.retry_button is None


def test_all_failing_is_the_panels_failure_with_retry(panel: ChatPanel, emulator: Emulator) -> None:
    panel.answers.value = 2
    emulator.enqueue(s.HTTPError(503, times=2))
    _send(panel, "Anyone?")
    assert "503" in panel.last_error and panel.retry_button is not None
    answer = panel.messages.box.children[0]
    assert [c.__class__.__name__ for c in answer.children] == ["VBox"], "its failure alone"
    assert "503" in _texts(answer) and panel.candidates is None
    assert panel.prompt.value == "Anyone?"
    emulator.enqueue(*(s.text(answer) for answer in ANSWERS[:2]))
    panel.retry_button.click()
    assert panel.worker is not None
    panel.worker.join(30)
    assert len(_tabs(panel).ids) == 2, "Retry asks for as many answers again"
    assert len(emulator.requests("/v1/responses")) == 4


def test_stop_stops_every_candidate(panel: ChatPanel, emulator: Emulator) -> None:
    panel.answers.value = 2
    emulator.enqueue(*(s.text("word " * 300, deltas=300, event_delay=0.02) for _ in range(2)))
    panel.send("Go on")
    tabs = _tabs(panel)
    deadline = time.monotonic() + 10
    while not all("word word" in c.view.body.value for c in tabs.candidates):
        assert time.monotonic() < deadline
        time.sleep(0.05)
    stopped = time.monotonic()
    panel.stop()
    assert panel.worker is not None
    panel.worker.join(10)
    assert not panel.busy and time.monotonic() - stopped < 3
    assert [c.turn.status for c in tabs.candidates if c.turn] == ["interrupted"] * 2, (
        tabs.widget.titles
    )
    assert all(title.endswith("⏹") for title in tabs.widget.titles), tabs.widget.titles
    assert all(c.button is None for c in tabs.candidates) and panel.last_error == ""


@pytest.mark.parametrize(
    ("field", "value", "said"),
    [
        ("tools", "web_search", "set Answers to 1, or empty the Tools field"),
        ("background", True, "set Answers to 1, or untick Background"),
    ],
)
def test_with_tools_or_background_the_panel_says_what_to_change(
    panel: ChatPanel, emulator: Emulator, field: str, value: Any, said: str
) -> None:
    getattr(panel, field).value = value
    panel.answers.value = 2
    panel.send("Two please")
    assert panel.worker is None and said in panel.notice.value, panel.notice.value
    assert "-n" not in panel.notice.value
    assert panel.prompt.value == "Two please" and emulator.requests("/v1/responses") == []


def test_drawn_afresh_the_panel_shows_the_heads_branch(
    panel: ChatPanel, emulator: Emulator
) -> None:
    panel.answers.value = 3
    emulator.enqueue(*(s.text(answer) for answer in ANSWERS))
    _send(panel, "The capital of France?")
    head = panel.session.conversation.head
    panel.show_conversation()
    assert panel.candidates is None and panel.messages.shown == [head]
    shown = _texts(panel.messages.box)
    assert panel.session.conversation.turns[head].text in shown
    assert sum(answer in shown for answer in ANSWERS) == 1
