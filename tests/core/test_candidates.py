"""``-n N`` through the session against the emulator: N sibling turns (versions of one
another) from N side-by-side requests on Responses and one request with ``n`` on Chat,
each streamed to its own view; the first answered is the head; one failing leaves the
others; all failing fails; Stop stops them all; what runs one turn at a time is refused."""

from __future__ import annotations

import threading
import time
from typing import Any

import pytest

from jupyter_responses import events as ev
from jupyter_responses.emulator import Emulator
from jupyter_responses.emulator import script as s
from jupyter_responses.errors import Interrupted, JupyterResponsesError, OptionsError
from jupyter_responses.session import Session
from jupyter_responses.turn_request import TurnOptions, build_request

from .conftest import RecordingView

ANSWERS = ["Paris.", "It is Paris.", "The capital of France is Paris."]


def ask(session: Session, api: str, count: int, **options: Any) -> Any:
    return build_request(
        TurnOptions(api=api, prompt="The capital of France?", candidates=count, **options),
        session.settings(),
        {},
        session.connection.files,
    )


def texts(view: RecordingView) -> str:
    return "".join(e.text for e in view.events if isinstance(e, ev.TextDelta))


@pytest.mark.parametrize("api", ["responses", "chat"])
def test_candidates_are_sibling_versions_each_streamed_to_its_view(
    session: Session, emulator: Emulator, api: str
) -> None:
    session.run(ask(session, api, 1), RecordingView())  # a parent
    emulator.enqueue(*(s.text(answer, deltas=3) for answer in ANSWERS))
    views = [RecordingView() for _ in ANSWERS]
    turns = session.run_candidates(ask(session, api, 3), list(views), cell_id="cell-1")
    assert sorted(t.text for t in turns) == sorted(ANSWERS)
    assert [texts(view) for view in views] == [t.text for t in turns]  # each its own view
    assert len({t.parent for t in turns}) == 1 and turns[0].parent is not None
    conversation = session.conversation
    assert conversation.head == turns[0].id
    assert [t.id for t in conversation.versions(turns[1])] == [t.id for t in turns]
    assert all(v.finished is t for v, t in zip(views, turns, strict=True))
    sent = emulator.requests("/v1/responses" if api == "responses" else "/v1/chat/completions")
    if api == "responses":
        assert len(sent) == 1 + 3  # one request per candidate
    else:
        assert len(sent) == 1 + 1 and sent[-1].body["n"] == 3  # one request with n


def test_chat_usage_is_counted_once_with_the_first_candidate(
    session: Session, emulator: Emulator
) -> None:
    emulator.enqueue(*(s.text(answer) for answer in ANSWERS))
    turns = session.run_candidates(ask(session, "chat", 3), [RecordingView() for _ in ANSWERS])
    assert turns[0].usage.output_tokens > 0 and turns[0].usage.input_tokens > 0
    assert all(t.usage.input_tokens == 0 for t in turns[1:])
    assert all("counted with candidate 1" in " ".join(t.notes) for t in turns[1:])


def test_chat_choices_unstreamed_are_read_choice_by_choice(
    session: Session, emulator: Emulator
) -> None:
    emulator.enqueue(*(s.text(answer) for answer in ANSWERS))
    request = ask(session, "chat", 3, no_stream=True)
    turns = session.run_candidates(request, [RecordingView() for _ in ANSWERS])
    assert [t.text for t in turns] == ANSWERS


def test_the_emulator_interleaves_the_choices_a_chunk_at_a_time(emulator: Emulator) -> None:
    import openai

    emulator.enqueue(*(s.text(answer, deltas=3) for answer in ANSWERS))
    client = openai.OpenAI(base_url=emulator.url, api_key="sk-test", max_retries=0)
    chunks = list(
        client.chat.completions.create(
            model="gpt-4.1",
            messages=[{"role": "user", "content": "The capital of France?"}],
            n=3,
            stream=True,
            stream_options={"include_usage": True},
        )
    )
    order = [c.choices[0].index for c in chunks if c.choices and c.choices[0].delta.content]
    assert order[:3] == [0, 1, 2]  # a chunk of each in turn
    said = {i: "" for i in range(3)}
    for chunk in chunks:
        for choice in chunk.choices:
            said[choice.index] += choice.delta.content or ""
    assert [said[i] for i in range(3)] == ANSWERS
    finished = [
        c.choices[0].finish_reason for c in chunks if c.choices and c.choices[0].finish_reason
    ]
    assert finished == ["stop"] * 3
    assert chunks[-1].usage is not None and chunks[-1].usage.completion_tokens > 0


def test_one_failing_candidate_leaves_the_others(session: Session, emulator: Emulator) -> None:
    emulator.enqueue(
        s.text("Paris.", deltas=2, event_delay=0.05),
        s.HTTPError(500, "The server had an error."),
    )
    views = [RecordingView(), RecordingView()]
    turns = session.run_candidates(ask(session, "responses", 2), list(views))
    statuses = sorted(t.status for t in turns)
    assert statuses == ["completed", "failed"]
    failed = next(t for t in turns if t.status == "failed")
    assert failed.error and "500" in failed.error
    assert session.conversation.head == next(t.id for t in turns if t.status == "completed")


def test_all_failing_fails_and_records_them(session: Session, emulator: Emulator) -> None:
    emulator.enqueue(s.HTTPError(500, "Down.", times=2))
    with pytest.raises(JupyterResponsesError):
        session.run_candidates(ask(session, "responses", 2), [RecordingView(), RecordingView()])
    assert sorted(t.status for t in session.conversation.turns.values()) == ["failed", "failed"]


def test_stop_stops_every_candidate(session: Session, emulator: Emulator) -> None:
    from jupyter_responses.cancel import Cancel

    emulator.enqueue(*(s.text("word " * 200, deltas=200, event_delay=0.02) for _ in range(2)))
    stop = Cancel()
    views = [RecordingView(), RecordingView()]

    def stop_once_both_stream() -> None:  # as a user clicks Stop mid-answer
        while not all(texts(view) for view in views):
            time.sleep(0.01)
        stop.set()

    threading.Thread(target=stop_once_both_stream, daemon=True).start()
    started = time.monotonic()
    with pytest.raises(Interrupted):
        session.run_candidates(ask(session, "responses", 2), list(views), stop)
    assert time.monotonic() - started < 3  # not the 4 s the streams would take
    turns = list(session.conversation.turns.values())
    assert [t.status for t in turns] == ["interrupted", "interrupted"]
    assert all(t.text for t in turns)  # each kept what it had


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"candidates": 9}, "-n takes 1 to 8 candidates"),
        ({"candidates": 0}, "-n takes 1 to 8 candidates"),
        ({"candidates": 2, "background": True}, "--background runs one turn at a time"),
        ({"candidates": 2, "compact": True}, "--compact runs one turn at a time"),
    ],
)
def test_what_cannot_run_side_by_side_is_refused(
    session: Session, options: dict[str, Any], message: str
) -> None:
    with pytest.raises(OptionsError, match=message):
        build_request(
            TurnOptions(api="responses", prompt="Hi.", **options),
            session.settings(),
            {},
            session.connection.files,
        )
