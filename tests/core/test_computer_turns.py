"""Computer use through the session: the model's actions done on a computer, each
answered with a screenshot (chained, and resent later), safety checks asked about
first, a denial ending the loop, the computer closed however the turn ends, and Chat
refusing the tool before anything is sent."""

from __future__ import annotations

import base64
import io
import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import nbformat
import pytest
from PIL import Image

from jupyter_responses import events as ev
from jupyter_responses.computer import Computer
from jupyter_responses.emulator import Emulator
from jupyter_responses.emulator import script as s
from jupyter_responses.errors import OptionsError
from jupyter_responses.export import export
from jupyter_responses.render.static import call_title
from jupyter_responses.session import DECLINED_NOTE, Session
from jupyter_responses.turn_request import TurnOptions, build_request
from tests.spec import validate_request

from .conftest import RecordingView


class FakeComputer:
    """A screen that records what it is asked and draws each screenshot in a colour of
    its own (so the test can tell which one went back)."""

    width, height, environment = 320, 200, "browser"

    def __init__(self) -> None:
        self.done: list[str] = []
        self.shots = 0
        self.closed = False

    def click(self, x: int, y: int, button: str = "left", *, keys: Sequence[str] = ()) -> None:
        self.done.append(f"click {x},{y}")

    def double_click(self, x: int, y: int, *, keys: Sequence[str] = ()) -> None:
        self.done.append(f"double {x},{y}")

    def scroll(self, x: int, y: int, sx: int, sy: int, *, keys: Sequence[str] = ()) -> None:
        self.done.append(f"scroll {sx},{sy}")

    def type(self, text: str) -> None:
        self.done.append(f"type {text}")

    def keypress(self, keys: list[str]) -> None:
        self.done.append("keys " + "+".join(keys))

    def wait(self, ms: int) -> None:
        self.done.append("wait")

    def move(self, x: int, y: int, *, keys: Sequence[str] = ()) -> None:
        self.done.append(f"move {x},{y}")

    def drag(self, path: list[tuple[int, int]], *, keys: Sequence[str] = ()) -> None:
        self.done.append("drag")

    def screenshot(self) -> bytes:
        self.shots += 1
        buffer = io.BytesIO()
        Image.new("RGB", (self.width, self.height), (self.shots * 40 % 256, 0, 0)).save(
            buffer, "PNG"
        )
        return buffer.getvalue()

    def close(self) -> None:
        self.closed = True


def run(
    session: Session, prompt: str, screen: FakeComputer, api: str = "responses", **kw: Any
) -> Any:
    view = RecordingView(kw.pop("answers", None))
    request = build_request(
        TurnOptions(api=api, prompt=prompt, tools=["computer"], computer_env="screen", **kw),
        session.settings(),
        {"screen": screen},
        session.connection.files,
    )
    return session.run(request, view), view


def sent(emulator: Emulator) -> list[dict[str, Any]]:
    bodies = [r.body for r in emulator.requests("/v1/responses")]
    for body in bodies:
        validate_request("POST", "/v1/responses", body)
    return bodies


def _red(url: str) -> int:
    data = base64.b64decode(url.split(",", 1)[1])
    return Image.open(io.BytesIO(data)).getpixel((0, 0))[0]


def test_the_actions_are_done_and_each_call_is_answered_with_a_screenshot(
    session: Session, emulator: Emulator, tmp_path: Path
) -> None:
    screen = FakeComputer()
    emulator.enqueue(
        s.Reply([s.ComputerCall([{"type": "click", "x": 10, "y": 20, "button": "left"}])]),
        s.Reply(
            [
                s.ComputerCall(
                    [{"type": "type", "text": "hello"}, {"type": "keypress", "keys": ["ENTER"]}]
                )
            ]
        ),
        s.text("Typed it."),
    )
    (turn, view) = run(session, "Type hello into the box.", screen)
    assert turn.status == "completed" and turn.text == "Typed it."
    assert screen.done == ["click 10,20", "type hello", "keys ENTER"]
    assert not screen.closed, "the user's own computer stays open"
    bodies = sent(emulator)
    assert bodies[0]["tools"] == [{"type": "computer"}]
    # Each later round chains and answers the call with the screenshot taken after it.
    outputs = [b["input"][0] for b in bodies[1:]]
    assert [o["type"] for o in outputs] == ["computer_call_output"] * 2
    assert [_red(o["output"]["image_url"]) for o in outputs] == [40, 80]
    assert all(b.get("previous_response_id") for b in bodies[1:])
    # The screenshots are the turn's images, shown as screens (the latest full size).
    screens = [e for e in view.events if isinstance(e, ev.Image)]
    assert [e.screen for e in screens] == [True, True] and len(turn.images) == 2
    assert screens[-1].caption == "screen after type “hello”; keypress Enter"
    titles = [call_title(call) for call in turn.calls]
    assert titles[0].startswith("🖥️ computer: click (10, 20) — done")
    # An export keeps them as the cell showed them: captioned, the earlier a thumbnail.
    export(session.conversation, tmp_path / "computer.ipynb")
    cell = nbformat.read(tmp_path / "computer.ipynb", 4).cells[-1]
    shots = [o.data["text/html"] for o in cell.outputs if "image/png" in o.data]
    assert len(shots) == 2
    assert 'width="240"' in shots[0] and 'width="' not in shots[1]
    assert "🖥️ screen after click (10, 20)</figcaption>" in shots[0]
    # The next turn, resent (--no-store), carries the calls and their screenshots.
    run(session, "Now what?", screen, no_store=True)
    items = sent(emulator)[-1]["input"]
    kinds = [i.get("type", "message") for i in items]
    assert kinds.count("computer_call") == 2 and kinds.count("computer_call_output") == 2


def test_safety_checks_are_asked_about_and_acknowledged(
    session: Session, emulator: Emulator
) -> None:
    screen = FakeComputer()
    check = {"id": "cu_sc_1", "code": "malicious_instructions", "message": "The page says so."}
    emulator.enqueue(
        s.Reply([s.ComputerCall([{"type": "click", "x": 1, "y": 2, "button": "left"}], [check])]),
        s.text("Done."),
    )
    (turn, view) = run(session, "Click it.", screen, answers=[True])
    assert view.asked == [
        (
            "computer",
            "Allow these computer actions?\n⚠ The page says so. (malicious_instructions)\n"
            "Actions: click (1, 2)",
        )
    ]
    answer = sent(emulator)[1]["input"][0]
    assert answer["acknowledged_safety_checks"] == [check]
    assert turn.status == "completed" and screen.done == ["click 1,2"]


def test_denying_a_safety_check_ends_the_loop_and_the_next_turn_resends(
    session: Session, emulator: Emulator
) -> None:
    screen = FakeComputer()
    check = {"id": "cu_sc_2", "code": "sensitive_domain", "message": "A bank."}
    emulator.enqueue(
        s.Reply([s.ComputerCall([{"type": "click", "x": 1, "y": 2, "button": "left"}], [check])])
    )
    turn, _ = run(session, "Pay the bill.", screen, answers=[False])
    assert screen.done == [] and turn.status == "completed" and DECLINED_NOTE in turn.notes
    assert [c["status"] for c in turn.calls] == ["denied"]
    assert len(sent(emulator)) == 1, "nothing was sent for a call that did not run"
    run(session, "Never mind, say hi.", screen)
    last = sent(emulator)[-1]
    assert "previous_response_id" not in last, (
        "a response with an unanswered call is not chained to"
    )
    assert all(
        i.get("type") not in ("computer_call", "computer_call_output") for i in last["input"]
    )


def test_the_builtin_browser_closes_when_the_turn_ends_however_it_ends(
    session: Session, emulator: Emulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    from jupyter_responses.computer import browser

    made: list[FakeComputer] = []

    def fake_browser(url: str, width: int, height: int) -> FakeComputer:
        made.append(FakeComputer())
        return made[-1]

    monkeypatch.setattr(browser, "BrowserComputer", fake_browser)
    emulator.enqueue(
        s.Reply([s.ComputerCall([{"type": "screenshot"}])]),
        s.Reply([s.ComputerCall([{"type": "screenshot"}])]),
    )
    request = build_request(
        TurnOptions(
            api="responses",
            prompt="Look.",
            tools=["computer"],
            computer_url="http://127.0.0.1:9/",
            max_tool_rounds=1,
        ),
        session.settings(),
        {},
        session.connection.files,
    )
    with pytest.raises(Exception, match="Stopped after 1 rounds"):
        session.run(request, RecordingView())
    assert len(made) == 1 and made[0].closed


@pytest.mark.parametrize(
    ("options", "said"),
    [
        ({}, "--tools computer needs a screen to drive"),
        ({"computer_env": "nothing"}, "no variable `nothing`"),
        ({"computer_env": "number"}, "`number` (of type int) is not a computer"),
        ({"computer_url": "http://x", "computer_env": "screen"}, "give one of them"),
    ],
)
def test_a_computer_needs_a_screen_named_clearly(
    session: Session, options: dict[str, Any], said: str
) -> None:
    with pytest.raises(OptionsError, match=re.escape(said)):
        build_request(
            TurnOptions(api="responses", prompt="x", tools=["computer"], **options),
            session.settings(),
            {"number": 3, "screen": FakeComputer()},
            session.connection.files,
        )


def test_chat_refuses_the_computer_before_sending(session: Session, emulator: Emulator) -> None:
    with pytest.raises(OptionsError, match="computer is a built-in tool of the Responses API"):
        run(session, "Click.", FakeComputer(), api="chat")
    assert emulator.requests("/v1/chat/completions") == []


def test_the_fake_is_a_computer() -> None:
    assert isinstance(FakeComputer(), Computer)


def test_the_computer_url_setting_serves_turns_that_name_none(
    session: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    import dataclasses

    settings = dataclasses.replace(session.settings(), computer_url="file:///tmp/x.html")
    plain = build_request(
        TurnOptions(api="responses", prompt="hi"), settings, {}, session.connection.files
    )
    assert plain.tools == ()
    request = build_request(
        TurnOptions(api="responses", prompt="hi", tools=["computer"]),
        settings,
        {},
        session.connection.files,
    )
    assert [t.name for t in request.tools] == ["computer"]
    with pytest.raises(OptionsError, match="add --tools computer"):
        build_request(
            TurnOptions(api="responses", prompt="hi", computer_url="http://x"),
            settings,
            {},
            session.connection.files,
        )


def test_the_computer_words_its_own_question() -> None:
    from jupyter_responses.render.approval import question, short_question

    asked = "Allow these computer actions?\n⚠ A bank. (sensitive_domain)\nActions: click (1, 2)"
    assert question("computer", asked) == asked + "\n"
    assert short_question("computer", asked) == "Allow these computer actions?"
    code = "# is this right?\nx = 1"
    assert short_question("python", code) == "Run this python code?"
