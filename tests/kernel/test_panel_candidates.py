"""The chat panel's Answers box in a real kernel, driven through the widgets' comms as
JupyterLab drives them: set to 3, a message asks for three answers, which become three
sibling turns; the first answered is the head, and "Continue from this one" clicked
in another's tab (the comm message a browser sends) moves the head there, so the next
``%%respond`` cell continues from it; ``%responses history --all`` lists all three."""

from __future__ import annotations

import json

from jupyter_responses.emulator import Emulator
from jupyter_responses.emulator import script as s

from .harness import KernelSession, history_lines
from .recorded import requests, user_texts
from .test_panel import CLICK, OPEN, _comm, _submit, _value, _wait_idle

ANSWERS = ["Paris, on the Seine.", "The capital is Paris.", "It has been Paris since 987."]

#: Each candidate's turn id, text and response id, its tab's title, and the comm of the
#: button its tab shows ("" for none), as JSON.
CANDIDATES = (
    "import json\n"
    "print(json.dumps([{'id': c.turn.id, 'text': c.turn.text, 'response': c.turn.response_id,"
    " 'title': p.candidates.widget.titles[c.index],"
    " 'button': c.button.model_id if c.button in c.pick_row.children else ''}"
    " for c in p.candidates.candidates]))"
)


def test_three_answers_are_sibling_turns_and_a_click_moves_the_head(
    kernel: KernelSession, emulator: Emulator
) -> None:
    opened = kernel.execute(OPEN)
    box = _comm(opened, "BoundedIntTextModel", "Answers")
    assert _value(kernel, "p.answers.value") == "1"
    # What the front end sends when the user types 3 into the box.
    kernel.comm_send(box, {"method": "update", "state": {"value": 3}, "buffer_paths": []})
    assert _value(kernel, "p.answers.value") == "3"
    emulator.enqueue(*(s.text(answer, deltas=4, event_delay=0.01) for answer in ANSWERS))
    _submit(kernel, opened, "The capital of France?")
    _wait_idle(kernel)

    sent = requests(emulator, "/v1/responses")
    assert len(sent) == 3 and all(user_texts(b) == ["The capital of France?"] for b in sent)
    parents = kernel.execute(
        "c = p.session.conversation\n"
        "print(len(c.turns), len({t.parent for t in c.turns.values()}), c.head)"
    ).stdout.split()
    assert parents[:2] == ["3", "1"], "three turns, siblings of one another"
    head = parents[2]
    candidates = json.loads(kernel.execute(CANDIDATES).stdout)
    assert sorted(c["text"] for c in candidates) == sorted(ANSWERS)
    (first,) = [c for c in candidates if c["id"] == head]
    assert first["title"].endswith("✓ ★") and first["button"] == ""
    others = [c for c in candidates if c["id"] != head]
    assert all(c["title"].endswith("✓") and c["button"] for c in others)
    (line,) = history_lines(kernel)
    assert first["text"] in line and "2 other versions" in line
    tree = kernel.execute("%responses history --all").stdout
    assert all(answer in tree for answer in ANSWERS), tree

    picked = others[1]
    kernel.comm_send(picked["button"], CLICK)
    assert _value(kernel, "p.session.conversation.head") == picked["id"]
    (line,) = history_lines(kernel)
    assert picked["text"] in line, line
    after = {c["id"]: c for c in json.loads(kernel.execute(CANDIDATES).stdout)}
    assert after[picked["id"]]["title"].endswith("★") and not after[picked["id"]]["button"]
    assert not after[head]["title"].endswith("★") and after[head]["button"], "the mark moved"
    assert _value(kernel, "p.messages.shown") == f"['{picked['id']}']"

    emulator.enqueue(s.text("Yes."))
    kernel.execute("tabs = p.candidates")
    kernel.execute("%%respond\nAre you sure?")
    body = requests(emulator, "/v1/responses")[-1]
    assert body["previous_response_id"] == picked["response"], "the cell continues the pick"
    lines = history_lines(kernel)
    assert len(lines) == 2 and picked["text"] in lines[0] and "Are you sure?" in lines[1]
    # The cell's turn followed the candidates: their buttons are gone, the mark stays.
    assert _value(kernel, "p.candidates") == "None"
    assert _value(kernel, "[c.button for c in tabs.candidates]") == "[None, None, None]"
    assert _value(kernel, "tabs.widget.titles").count("★") == 1
