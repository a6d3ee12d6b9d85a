"""The chat panel in a real JupyterLab: a user types, the answer streams, Stop cuts it,
a magic cell continues the same conversation, and New chat clears it (and says what to
do next); the model box offers the server's models and takes any name."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from playwright.sync_api import expect

from jupyter_responses.emulator import Emulator
from jupyter_responses.emulator import script as s
from jupyter_responses.emulator.server import DEFAULT_MODELS

from .conftest import LabServer, NotebookFactory
from .lab import cell, open_lab, outputs, run

ANSWER = """Here is a **tiny** example:

```python
def greet(name: str) -> str:
    return f"Hello, {name}!"
```

| step | what |
|------|------|
| 1 | define |
| 2 | call |
"""


def test_panel_sends_streams_stops_and_shares_the_conversation(
    page: Any, lab: LabServer, notebook: NotebookFactory, emulator: Emulator, artifacts: Path
) -> None:
    emulator.enqueue(s.text(ANSWER, deltas=40, event_delay=0.04))
    path = notebook(
        "import jupyter_responses\njupyter_responses.panel()",
        "%%respond\nWhat did I ask in the panel?",
    )
    panel = open_lab(page, lab.url, path)
    run(page, cell(panel, 0))
    chat = cell(panel, 0).locator(".jr-panel")
    prompt = chat.locator("textarea.jr-prompt")
    stop = chat.get_by_role("button", name="Stop")
    expect(stop).to_be_disabled()

    # Shift+Enter is a new line; Enter sends.
    prompt.click()
    page.keyboard.type("Show me a tiny example")
    page.keyboard.press("Shift+Enter")
    page.keyboard.type("in Python, please.")
    page.keyboard.press("Enter")
    expect(chat.locator(".jr-user")).to_have_text("Show me a tiny example\nin Python, please.")
    expect(prompt).to_have_value("")
    expect(stop).to_be_enabled()  # streaming
    answer = chat.locator(".jr-assistant").first
    expect(answer.locator("table")).to_be_visible(timeout=30_000)
    expect(stop).to_be_disabled(timeout=30_000)
    expect(answer.locator("pre")).to_contain_text('return f"Hello, {name}!"')
    expect(answer).to_contain_text("gpt-4.1 ·")  # the footer
    chat.screenshot(path=str(artifacts / "panel.png"))

    # The panel's turn is context for the next magic, whose turn shows in the panel.
    magic = run(page, cell(panel, 1))
    expect(outputs(magic).last).to_contain_text("1 earlier user turn")
    expect(chat.locator(".jr-user").first).to_have_text("What did I ask in the panel?")

    # Stop mid-stream: the partial answer stays, marked interrupted.
    emulator.enqueue(s.text("word " * 300, deltas=300, event_delay=0.05))
    prompt.fill("Tell me a long story")
    prompt.press("Enter")
    streaming = chat.locator(".jr-assistant").first
    expect(streaming).to_contain_text("word word word", timeout=30_000)
    stop.click()
    expect(prompt).to_be_enabled(timeout=5_000)
    expect(streaming).to_contain_text("Interrupted")
    story = streaming.inner_text()
    assert 3 <= story.count("word") < 300, story
    chat.screenshot(path=str(artifacts / "panel-stopped.png"))

    chat.get_by_role("button", name="Export").click()
    expect(chat).to_contain_text("Exported to")
    assert list(lab.root.glob("show-me-a-tiny-example-*.ipynb")), "exported next to the notebook"

    chat.get_by_role("button", name="New chat").click()
    expect(chat.locator(".jr-user, .jr-assistant")).to_have_count(0)
    expect(chat.locator(".jr-empty")).to_have_text(
        "New conversation. Type a message below and press Enter to send."
    )
    chat.screenshot(path=str(artifacts / "panel-new-chat.png"))
    emulator.enqueue(s.text("Fresh start."))
    prompt.fill("Anyone there?")
    prompt.press("Enter")
    expect(chat.locator(".jr-assistant")).to_contain_text("Fresh start.")
    last = emulator.requests("/v1/responses")[-1].body
    assert "previous_response_id" not in last, "New chat sends no earlier context"
    assert re.search(r"Anyone there\?", str(last["input"]))


def test_the_model_box_offers_the_servers_models_and_takes_any_name(
    page: Any, lab: LabServer, notebook: NotebookFactory, emulator: Emulator, artifacts: Path
) -> None:
    path = notebook("import jupyter_responses\njupyter_responses.panel()")
    panel = open_lab(page, lab.url, path)
    run(page, cell(panel, 0))
    chat = cell(panel, 0).locator(".jr-panel")
    box = chat.locator("input.jr-model-input")
    expect(box).to_have_value("gpt-4.1")
    # Shown, the box asks the kernel for the server's list (once): the emulator's models.
    expect(chat.locator("datalist option")).to_have_count(len(DEFAULT_MODELS))
    assert "gpt-4o-mini" in chat.locator("datalist option").evaluate_all(
        "(options) => options.map((o) => o.value)"
    )
    assert len(emulator.requests("/v1/models")) == 1

    # Focused, it empties (the whole list is offered) and shows the model as a hint;
    # Escape leaves it as it was.
    box.click()
    expect(box).to_have_value("")
    expect(box).to_have_attribute("placeholder", "gpt-4.1")
    chat.screenshot(path=str(artifacts / "panel-model-box.png"))
    page.keyboard.press("Escape")
    expect(box).to_have_value("gpt-4.1")

    prompt = chat.locator("textarea.jr-prompt")
    for name in ("gpt-4o-mini", "my-own-model"):  # one listed, one typed freely
        box.click()
        page.keyboard.type(name)
        page.keyboard.press("Enter")
        expect(box).to_have_value(name)
        emulator.enqueue(s.text(f"Hi from {name}."))
        prompt.fill("Who is this?")
        prompt.press("Enter")
        expect(chat.locator(".jr-assistant").first).to_contain_text(f"Hi from {name}.")
        assert emulator.requests("/v1/responses")[-1].body["model"] == name
