"""The chat panel in a real kernel, driven through its widgets' comms as JupyterLab
would: it shares the magics' conversation, streams off the main thread, and stops; a
failed turn says why in the panel's words and offers Retry, the text typed is never
lost; the model box lists the server's models once a front end shows it."""

from __future__ import annotations

import time

from jupyter_responses.emulator import Emulator
from jupyter_responses.emulator import script as s

from .harness import CellResult, KernelSession
from .recorded import requests, user_texts

OPEN = "import jupyter_responses\np = jupyter_responses.panel()\np"


def _comm(
    result: CellResult, model: str, description: str | None = None, has: str | None = None
) -> str:
    """The comm of the first ``model`` widget opened (with that ``description``, or
    with a ``has`` trait: the model box has ``options``, the input box does not)."""
    for msg in result.comm_opens:
        state = msg["content"]["data"]["state"]
        if (
            state.get("_model_name") == model
            and (description is None or state.get("description") == description)
            and (has is None or has in state)
        ):
            return msg["content"]["comm_id"]
    raise AssertionError(f"no {model} {description or ''} widget was opened")


def _submit(kernel: KernelSession, opened: CellResult, text: str) -> None:
    prompt = _comm(opened, "AnyModel")
    kernel.comm_send(prompt, {"method": "custom", "content": {"type": "submit", "text": text}})


def _value(kernel: KernelSession, expression: str) -> str:
    return kernel.execute(f"print({expression})").stdout.strip()


def _wait_idle(kernel: KernelSession, timeout: float = 30) -> None:
    code = f"p.worker.join({timeout}) if p.worker else None\nprint(p.busy)"
    assert kernel.execute(code, timeout=timeout + 10).stdout.strip() == "False"


def test_panel_turns_and_magic_turns_share_one_conversation(
    kernel: KernelSession, emulator: Emulator
) -> None:
    opened = kernel.execute(OPEN)
    _submit(kernel, opened, "Hello from the panel")
    _wait_idle(kernel)
    result = kernel.execute("%%respond\nAnd from a cell.")
    assert "<strong>1</strong> earlier user turn" in result.html
    first, second = requests(emulator, "/v1/responses")
    assert user_texts(first) == ["Hello from the panel"]
    assert second["previous_response_id"] == next(iter(emulator.state.responses))
    # The magic's turn shows in the panel: two bubbles and two answers.
    assert kernel.execute("print(len(p.messages.children))").stdout.strip() == "4"
    history = kernel.execute("%responses history").stdout
    assert "Hello from the panel" in history and "And from a cell." in history


def test_chat_api_selector_and_new_chat(kernel: KernelSession, emulator: Emulator) -> None:
    opened = kernel.execute(OPEN)
    kernel.execute('p.api.value = "Chat Completions"; p.model.value = "gpt-4.1-mini"')
    _submit(kernel, opened, "Via chat")
    _wait_idle(kernel)
    (chat,) = requests(emulator, "/v1/chat/completions")
    assert chat["model"] == "gpt-4.1-mini" and user_texts(chat) == ["Via chat"]
    new_chat = _comm(opened, "ButtonModel", "New chat")
    kernel.comm_send(new_chat, {"method": "custom", "content": {"event": "click"}})
    assert "No turns yet." in kernel.execute("%responses history").stdout
    assert kernel.execute("print(len(p.messages.children))").stdout.strip() == "0"
    # Not a blank panel: it says what to do.
    assert _value(kernel, "p.hint.layout.display") == "None"
    assert _value(kernel, "p.hint.value").startswith("New conversation. Type a message below")


def test_stop_closes_the_stream_and_keeps_the_partial_answer(
    kernel: KernelSession, emulator: Emulator
) -> None:
    emulator.enqueue(s.text("word " * 400, deltas=400, event_delay=0.02))
    opened = kernel.execute(OPEN)
    _submit(kernel, opened, "Talk for a while")
    time.sleep(1.0)
    # The kernel stays usable while the panel streams.
    assert kernel.execute("print(p.busy, 1 + 1)").stdout.strip() == "True 2"
    stop = _comm(opened, "ButtonModel", "Stop")
    clicked = time.monotonic()
    kernel.comm_send(stop, {"method": "custom", "content": {"event": "click"}})
    _wait_idle(kernel, timeout=5)
    assert time.monotonic() - clicked < 3
    history = kernel.execute("%responses history").stdout
    assert "⏹" in history and "word" in history
    kernel.execute("%%respond\nnext")
    last = requests(emulator, "/v1/responses")[-1]
    assert user_texts(last) == ["next"], "an interrupted turn is never context"


def test_stop_cuts_a_stream_that_has_gone_quiet(kernel: KernelSession, emulator: Emulator) -> None:
    """A server that stalls mid-answer sends no next event to notice Stop at: Stop
    must cut the connection itself, on both APIs."""
    opened = kernel.execute(OPEN)
    for api in ("Responses", "Chat Completions"):
        emulator.enqueue(s.text("partial answer then silence", deltas=4, stall_after=4, stall=60))
        kernel.execute(f'p.api.value = "{api}"')
        _submit(kernel, opened, f"Think hard ({api})")
        waited = kernel.execute(
            "import time\n"
            "t = time.monotonic()\n"
            "while 'partial' not in str(p.messages.children[0].children[0].children) "
            "and time.monotonic() - t < 20: time.sleep(0.05)\n"
            "t = time.monotonic(); p.stop(); p.worker.join(30)\n"
            "print(p.busy, round(time.monotonic() - t, 2))"
        )
        busy, seconds = waited.stdout.split()
        assert busy == "False" and float(seconds) < 5, waited.stdout
        history = kernel.execute("%responses history").stdout
        assert "⏹" in history and f"Think hard ({api})" in history


def test_a_saved_panel_reads_as_a_plain_stand_in(kernel: KernelSession) -> None:
    """Where no kernel runs the widget (nbconvert, GitHub, a reopened notebook), the
    panel's first output says what it is; the widget's own output has nothing else to
    say (no widget repr)."""
    stand_in, widget = [
        o for o in kernel.execute(OPEN).outputs if o["output_type"] == "display_data"
    ]
    assert stand_in["data"]["text/plain"] == "Chat panel: run this cell to reopen it."
    assert "run this cell to reopen it" in stand_in["data"]["text/html"]
    assert "application/vnd.jupyter.widget-view+json" not in stand_in["data"]
    assert set(widget["data"]) == {"application/vnd.jupyter.widget-view+json", "text/plain"}
    assert widget["data"]["text/plain"] == ""


def test_an_empty_panel_says_what_to_do(kernel: KernelSession) -> None:
    kernel.execute(OPEN)
    assert _value(kernel, "p.hint.value").startswith("No messages yet. Type below")
    kernel.execute("%%respond\nHi")
    assert _value(kernel, "p.hint.layout.display") == "none"


def test_a_failed_turn_says_why_offers_retry_and_keeps_the_text(
    kernel: KernelSession, emulator: Emulator
) -> None:
    """One message in the panel's words (no cell to re-run), the text back in the box,
    and Retry sending the same text to the same model through the same API."""
    kernel.execute("%load_ext jupyter_responses\n%config ResponsesMagics.max_retries = 0")
    opened = kernel.execute(OPEN)
    kernel.execute('p.api.value = "Chat Completions"; p.model.value = "gpt-4o-mini"')
    emulator.enqueue(s.HTTPError(503))
    _submit(kernel, opened, "Is anyone there?")
    _wait_idle(kernel)
    error = _value(kernel, "p.last_error")
    assert "failed with 503" in error and "Retry sends it again" in error, error
    assert "cell" not in error.lower(), error
    assert _value(kernel, "p.prompt.value") == "Is anyone there?"
    # The answer's place holds the one message (nothing arrived, so no answer above it).
    newest = kernel.execute(
        "import html, re\n"
        "def texts(w):\n"
        "    return [str(getattr(w, 'value', ''))] + [t for c in getattr(w, 'children', ()) "
        "for t in texts(c)]\n"
        "print(html.unescape(re.sub('<[^>]*>', ' ', ' '.join(texts(p.messages.children[0])))))"
    ).stdout
    assert "failed with 503" in newest and "incomplete" not in newest, newest
    assert newest.count("503") == 1, newest

    # The model and API change; Retry still sends what failed, where it went.
    kernel.execute('p.api.value = "Responses"; p.model.value = "gpt-4.1"')
    emulator.enqueue(s.text("Yes, here."))
    kernel.execute("p.retry_button.click()")
    _wait_idle(kernel)
    first, second = requests(emulator, "/v1/chat/completions")
    assert first["model"] == second["model"] == "gpt-4o-mini"
    assert user_texts(second) == ["Is anyone there?"]
    assert requests(emulator, "/v1/responses") == []
    assert _value(kernel, "p.prompt.value") == "", "sent again, so out of the box"
    assert _value(kernel, "p.last_error") == ""
    assert _value(kernel, "p.retry_button") == "None", "only the newest failure offers Retry"
    history = kernel.execute("%responses history").stdout
    assert history.count("Is anyone there?") == 2 and "Yes, here." in history
    # Drawn afresh (a thread switch and back), the failed turn still says why.
    kernel.execute("p.show_conversation()")
    shown = kernel.execute(
        "print(html.unescape(re.sub('<[^>]*>', ' ', ' '.join(texts(p.messages)))))"
    ).stdout
    assert shown.count("failed with 503") == 1 and "Yes, here." in shown, shown
    assert "cell" not in shown.lower()


def test_text_that_cannot_be_sent_stays_in_the_box(
    kernel: KernelSession, emulator: Emulator
) -> None:
    emulator.enqueue(s.text("word " * 100, deltas=100, event_delay=0.02))
    opened = kernel.execute(OPEN)
    _submit(kernel, opened, "A long one")
    # Typed and sent while the first answer streams (the box is disabled then, but a
    # front end's message may cross): kept for later.
    _submit(kernel, opened, "And another")
    assert _value(kernel, "p.prompt.value") == "And another"
    kernel.execute("p.stop()")
    _wait_idle(kernel)
    assert len(requests(emulator, "/v1/responses")) == 1


def test_the_model_box_lists_the_servers_models_once_shown(
    kernel: KernelSession, emulator: Emulator
) -> None:
    opened = kernel.execute(OPEN)
    assert _value(kernel, "p.model.options") == "['gpt-4.1']"
    assert emulator.requests("/v1/models") == [], "making the panel asks the server nothing"
    box = _comm(opened, "AnyModel", has="options")
    kernel.comm_send(box, {"method": "custom", "content": {"type": "models"}})
    kernel.execute(
        "import time\nt = time.monotonic()\n"
        "while len(p.model.options) < 2 and time.monotonic() - t < 10: time.sleep(0.05)"
    )
    options = _value(kernel, "p.model.options")
    assert "'gpt-4o-mini'" in options and "'o4-mini'" in options, options
    kernel.comm_send(box, {"method": "custom", "content": {"type": "models"}})
    kernel.execute("import time; time.sleep(0.3)")
    assert len(emulator.requests("/v1/models")) == 1, "fetched once"
    # Any name may still be typed.
    kernel.execute('p.model.value = "my-own-model"')
    emulator.enqueue(s.text("ok"))
    _submit(kernel, opened, "hi")
    _wait_idle(kernel)
    assert requests(emulator, "/v1/responses")[-1]["model"] == "my-own-model"


def test_the_model_box_keeps_working_when_the_server_lists_nothing(
    kernel: KernelSession,
) -> None:
    kernel.execute(
        "%load_ext jupyter_responses\n"
        "%config ResponsesMagics.base_url = 'http://127.0.0.1:9/v1'\n"
        "%config ResponsesMagics.max_retries = 0"
    )
    opened = kernel.execute(OPEN)
    box = _comm(opened, "AnyModel", has="options")
    kernel.comm_send(box, {"method": "custom", "content": {"type": "models"}})
    kernel.execute(
        "import time\nt = time.monotonic()\n"
        "while (p._models != 'wanted' or time.monotonic() - t < 0.2) "
        "and time.monotonic() - t < 10: time.sleep(0.05)"
    )
    assert _value(kernel, "p.model.options") == "['gpt-4.1']"
    assert _value(kernel, "p.model.value") == "gpt-4.1"


def test_the_context_field_sends_the_notebook_and_retry_keeps_it(
    kernel: KernelSession, emulator: Emulator
) -> None:
    opened = kernel.execute(OPEN)
    kernel.execute("revenue = [120, 80, 95]")
    kernel.execute('p.context.value = "vars"')
    _submit(kernel, opened, "Which month was weakest?")
    _wait_idle(kernel)
    (body,) = requests(emulator, "/v1/responses")
    context, prompt = (part["text"] for part in body["input"][0]["content"])
    assert prompt == "Which month was weakest?"
    assert "revenue" in context and "[120, 80, 95]" in context
    # A spec that means nothing: the panel says so, sends nothing, keeps the text.
    kernel.execute('p.context.value = "no_such_variable"')
    _submit(kernel, opened, "And now?")
    assert "no_such_variable" in _value(kernel, "p.notice.value")
    assert _value(kernel, "p.prompt.value") == "And now?"
    assert len(requests(emulator, "/v1/responses")) == 1
