"""Request parameters through real turns against the emulator over HTTP: the service tier
that served a turn read back, kept on the turn and shown in its footer; token log
probabilities read from each API's stream and whole answers, kept (within a bound),
saved, reloaded and shown as a table; a search model's citations on Chat; and the
safety identifier sent, but saved nowhere."""

from __future__ import annotations

import dataclasses
import json
import sqlite3
from pathlib import Path
from typing import Any

import pytest

from jupyter_responses import logprobs
from jupyter_responses.conversation import Turn
from jupyter_responses.emulator import Emulator
from jupyter_responses.emulator import script as s
from jupyter_responses.emulator.logprobs import score
from jupyter_responses.emulator.responses_events import split
from jupyter_responses.render import static
from jupyter_responses.render.base import footer
from jupyter_responses.serialize import turn_from_dict, turn_to_dict
from jupyter_responses.session import Session
from jupyter_responses.turn_request import TurnOptions, build_request

from .conftest import RecordingView, settings_for

ANSWER = "Paris is the capital of France."
PIECES = split(ANSWER, None)
APIS = ("responses", "chat")


def run(session: Session, api: str, stream: bool = True, **options: Any) -> Turn:
    request = build_request(
        TurnOptions(api=api, prompt="Capital of France?", no_stream=not stream, **options),
        session.settings(),
        {},
        session.connection.files,
    )
    return session.run(request, RecordingView())


def expected(top: int) -> list[dict[str, Any]]:
    """The tokens the emulator scores ``ANSWER`` with, as a turn keeps them."""
    kept = []
    for position, piece in enumerate(PIECES):
        scored = score(piece, position, top)
        alternatives = [{"token": t, "logprob": p} for t, p in scored.top]
        kept.append({"token": piece, "logprob": scored.logprob, "top": alternatives})
    return kept


@pytest.mark.parametrize("api", APIS)
@pytest.mark.parametrize("stream", [True, False], ids=["streamed", "whole"])
def test_the_tier_that_served_a_turn_is_kept_and_shown(
    api: str, stream: bool, session: Session, emulator: Emulator
) -> None:
    emulator.enqueue(s.text(ANSWER), s.text(ANSWER))
    plain = run(session, api, stream)
    assert plain.service_tier == "default"
    assert "tier" not in footer(plain)
    flex = run(session, api, stream, parameters={"service_tier": "flex"})
    assert flex.service_tier == "flex"
    assert footer(flex).startswith("gpt-4.1 · flex tier · ")
    assert "flex tier" in static.plain(flex) and "flex tier" in static.html(flex)
    sent = [r.body for r in emulator.requests()][-2:]
    assert "service_tier" not in sent[0] and sent[1]["service_tier"] == "flex"


@pytest.mark.parametrize("api", APIS)
@pytest.mark.parametrize("stream", [True, False], ids=["streamed", "whole"])
def test_token_logprobs_are_kept_on_the_turn(
    api: str, stream: bool, session: Session, emulator: Emulator
) -> None:
    emulator.enqueue(s.text(ANSWER))
    turn = run(session, api, stream, parameters={"logprobs": 2})
    assert turn.text == ANSWER
    assert turn.logprobs == expected(2)
    (sent,) = [r.body for r in emulator.requests()]
    if api == "responses":
        assert sent["include"] == ["message.output_text.logprobs"] and sent["top_logprobs"] == 2
    else:
        assert sent["logprobs"] is True and sent["top_logprobs"] == 2


def test_without_logprobs_asked_a_turn_keeps_none(session: Session, emulator: Emulator) -> None:
    for api in APIS:
        assert run(session, api).logprobs == []


def test_a_turn_keeps_at_most_the_bound(
    session: Session, emulator: Emulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(logprobs, "MAX_TOKENS", 3)
    emulator.enqueue(s.text(ANSWER))
    turn = run(session, "chat", parameters={"logprobs": 1})
    assert turn.logprobs == expected(1)[:3]
    assert "3 tokens (the first ones: no more are kept)" in logprobs.summary(turn.logprobs)


def test_tier_and_logprobs_are_saved_reloaded_and_shown(emulator: Emulator, tmp_path: Path) -> None:
    settings = dataclasses.replace(settings_for(emulator), db_path=str(tmp_path / "c.sqlite3"))
    session = Session(lambda: settings)
    emulator.enqueue(s.text(ANSWER))
    turn = run(session, "responses", parameters={"logprobs": 3, "service_tier": "priority"})
    conversation_id = session.conversation.id
    session.close()

    again = Session(lambda: settings)
    loaded = again.threads.resume(conversation_id).turns[turn.id]
    again.close()
    assert (loaded.service_tier, loaded.logprobs) == ("priority", expected(3))
    assert turn_from_dict(json.loads(json.dumps(turn_to_dict(loaded)))) == loaded
    old = turn_to_dict(loaded)
    del old["service_tier"], old["logprobs"]  # a turn saved before they existed
    assert turn_from_dict(old).logprobs == [] and turn_from_dict(old).service_tier is None

    html = static.html(loaded)
    assert "📊 Token probabilities · 6 tokens, mean log probability" in html
    assert "<table>" in html and "<td>'Paris'</td>" in html
    assert "| 2 | ' is' |" in static.markdown(loaded).replace("\\", "")
    assert "Token probabilities" not in static.plain(loaded)


def test_a_search_models_citations_arrive_on_chat(session: Session, emulator: Emulator) -> None:
    cited = s.Text("Paris [1].", citations=[s.Citation("https://example.com/paris", "Paris")])
    for stream in (True, False):
        emulator.enqueue(s.Reply(items=[cited]))
        turn = run(session, "chat", stream, model="gpt-4o-search-preview", tools=["web_search"])
        assert turn.citations == [{"url": "https://example.com/paris", "title": "Paris"}]
        body = emulator.requests("/v1/chat/completions")[-1].body
        assert body["web_search_options"] == {} and "tools" not in body


def test_the_safety_identifier_is_sent_and_saved_nowhere(
    emulator: Emulator, tmp_path: Path
) -> None:
    identifier = "5e884898da28047151d0e56f8dc6292773603d0d"
    db = tmp_path / "c.sqlite3"
    settings = dataclasses.replace(
        settings_for(emulator), db_path=str(db), safety_identifier=identifier
    )
    session = Session(lambda: settings)
    for api in APIS:
        turn = run(session, api)
        assert identifier not in json.dumps(turn_to_dict(turn))
        assert identifier not in static.html(turn) + static.plain(turn)
    session.close()
    assert [r.body["safety_identifier"] for r in emulator.requests()] == [identifier] * 2
    with sqlite3.connect(db) as saved:
        rows = saved.execute("SELECT * FROM turns").fetchall()
    assert rows and identifier not in repr(rows)
