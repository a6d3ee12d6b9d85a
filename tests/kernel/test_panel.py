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
    assert kernel.execute("print(len(p.messages.box.children))").stdout.strip() == "4"
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
    assert kernel.execute("print(len(p.messages.box.children))").stdout.strip() == "0"
    # Not a blank panel: it says what to do.
    assert _value(kernel, "p.messages.hint.layout.display") == "None"
    hint = _value(kernel, "p.messages.hint.value")
    assert hint.startswith("New conversation. Type a message below")


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
            "while 'partial' not in str(p.messages.box.children[0].children[0].children) "
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
    assert _value(kernel, "p.messages.hint.value").startswith("No messages yet. Type below")
    kernel.execute("%%respond\nHi")
    assert _value(kernel, "p.messages.hint.layout.display") == "none"


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
        "print(html.unescape(re.sub('<[^>]*>', ' ', ' '.join(texts(p.messages.box.children[0])))))"
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
        "print(html.unescape(re.sub('<[^>]*>', ' ', ' '.join(texts(p.messages.box)))))"
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


CLICK = {"method": "custom", "content": {"event": "click"}}

#: The texts a widget tree shows (each widget's value), tags stripped, and its buttons.
SHOWN = (
    "import html, re, ipywidgets\n"
    "def texts(w):\n"
    "    return [str(getattr(w, 'value', ''))] + [t for c in getattr(w, 'children', ()) "
    "for t in texts(c)]\n"
    "def buttons(w):\n"
    "    own = [w.description] if isinstance(w, ipywidgets.Button) else []\n"
    "    return own + [b for c in getattr(w, 'children', ()) for b in buttons(c)]\n"
    "def shown(w):\n"
    "    return html.unescape(re.sub('<[^>]*>', ' ', ' '.join(texts(w))))\n"
)


def _question(kernel: KernelSession) -> tuple[str, str, str]:
    """The question the panel is waiting on: its Approve and Deny buttons' comms, and
    the HTML of the answer it waits in (the turn's view, then the question)."""
    asked = kernel.execute(
        "import time\nt = time.monotonic()\n"
        "while (p.approvals is None or p.approvals.pending is None) "
        "and time.monotonic() - t < 20: time.sleep(0.05)\n"
        "q = p.approvals.pending\n"
        "print(q.approve_button.model_id, q.deny_button.model_id)\n"
        "print(' '.join(texts(p.messages.box.children[0])))"
    ).stdout
    ids, shown = asked.split("\n", 1)
    approve, deny = ids.split()
    return approve, deny, shown


def _python(code: str, call_id: str) -> s.Reply:
    return s.tool_calls(s.CustomToolCall("python", code, call_id=call_id))


def test_the_tools_field_offers_a_function_and_retry_offers_it_again(
    kernel: KernelSession, emulator: Emulator
) -> None:
    kernel.execute("%load_ext jupyter_responses\n%config ResponsesMagics.max_retries = 0")
    opened = kernel.execute(OPEN)
    kernel.execute(
        "def get_weather(city: str) -> dict:\n"
        '    """Current weather for a city."""\n'
        "    return {'city': city, 'sky': 'clear'}"
    )
    kernel.execute('p.tools.value = "get_weather"')
    emulator.enqueue(
        s.tool_calls(s.FunctionCall("get_weather", {"city": "Oslo"}, call_id="w1")),
        s.text("Clear in Oslo."),
    )
    _submit(kernel, opened, "Weather in Oslo?")
    _wait_idle(kernel)
    first, second = requests(emulator, "/v1/responses")
    (tool,) = first["tools"]
    assert tool["type"] == "function" and tool["name"] == "get_weather"
    assert tool["description"] == "Current weather for a city."
    assert second["input"] == [
        {
            "type": "function_call_output",
            "call_id": "w1",
            "output": '{"city":"Oslo","sky":"clear"}',
        }
    ]
    assert "Clear in Oslo." in kernel.execute("%responses history").stdout
    assert _value(kernel, "p.approvals.pending") == "None", "a function runs unasked"
    assert _value(kernel, "p.tools.value") == "get_weather", "kept between messages"

    # Retry offers the tools the failed message offered, whatever the field says now.
    emulator.enqueue(s.HTTPError(503))
    _submit(kernel, opened, "And tomorrow?")
    _wait_idle(kernel)
    kernel.execute('p.tools.value = ""')
    emulator.enqueue(s.text("Clear again."))
    kernel.execute("p.retry_button.click()")
    _wait_idle(kernel)
    *_, failed, retried = requests(emulator, "/v1/responses")
    assert failed["tools"] == retried["tools"] == first["tools"]
    assert user_texts(retried)[-1] == "And tomorrow?"


def test_the_python_tool_asks_in_the_panel_approve_runs_deny_does_not(
    kernel: KernelSession, emulator: Emulator
) -> None:
    opened = kernel.execute(OPEN)
    kernel.execute(SHOWN)
    kernel.execute('p.tools.value = "python"')
    emulator.enqueue(_python("answer = 41 + 1\nanswer", "k1"), s.text("It is 42."))
    _submit(kernel, opened, "Compute it")
    approve, _deny, shown = _question(kernel)
    # The call's section, open, shows the code highlighted as Python; the question
    # under it names the call.
    section, question = shown.split("Run this python code?")
    assert '<details class="jr-section" data-jr-key="k1" open="">' in section, section
    assert "🐍 python: answer = 41 + 1 — requested" in section
    assert 'data-jr-lang="python"' in section
    assert "🐍 python: answer = 41 + 1" in question, question
    # The worker waits; the kernel stays free and nothing ran yet.
    assert _value(kernel, "p.busy, 'answer' in globals()") == "True False"
    kernel.comm_send(approve, CLICK)
    _wait_idle(kernel)
    assert _value(kernel, "answer") == "42"
    _first, second = requests(emulator, "/v1/responses")
    assert second["input"] == [{"type": "custom_tool_call_output", "call_id": "k1", "output": "42"}]
    # The buttons are gone; one line says what was decided.
    newest = "p.messages.box.children[0]"
    assert "✓ Approved: 🐍 python: answer = 41 + 1" in _value(kernel, f"shown({newest})")
    assert _value(kernel, f"buttons({newest})") == "[]"
    assert "It is 42." in _value(kernel, f"shown({newest})")

    emulator.enqueue(_python("touched = True", "k2"), s.text("Left alone."))
    _submit(kernel, opened, "Touch it")
    _approve, deny, _shown = _question(kernel)
    kernel.comm_send(deny, CLICK)
    _wait_idle(kernel)
    assert _value(kernel, "'touched' in globals()") == "False"
    assert requests(emulator, "/v1/responses")[-1]["input"] == [
        {
            "type": "custom_tool_call_output",
            "call_id": "k2",
            "output": "The user declined to run this call.",
        }
    ]
    said = _value(kernel, f"shown({newest})")
    assert "✕ Denied: 🐍 python: touched = True" in said and "Left alone." in said, said
    assert "python: touched = True — denied" in said


def test_stop_while_asked_denies_and_ends_the_turn(
    kernel: KernelSession, emulator: Emulator
) -> None:
    opened = kernel.execute(OPEN)
    kernel.execute(SHOWN)
    kernel.execute('p.tools.value = "python"')
    emulator.enqueue(_python("stopped_here = True", "k3"), s.text("Never asked for."))
    _submit(kernel, opened, "Run something")
    _question(kernel)
    clicked = time.monotonic()
    kernel.comm_send(_comm(opened, "ButtonModel", "Stop"), CLICK)
    _wait_idle(kernel, timeout=5)
    assert time.monotonic() - clicked < 3
    assert _value(kernel, "'stopped_here' in globals()") == "False"
    assert len(requests(emulator, "/v1/responses")) == 1, "the turn ended: nothing more sent"
    assert "⏹" in kernel.execute("%responses history").stdout
    said = _value(kernel, "shown(p.messages.box.children[0])")
    assert "✕ Denied: 🐍 python: stopped_here = True (stopped)" in said, said
    assert _value(kernel, "buttons(p.messages.box.children[0])") == "[]"
    assert _value(kernel, "p.prompt.disabled, p.tools.disabled") == "False False"


def test_a_tool_the_panel_cannot_offer_is_said_in_its_notice(
    kernel: KernelSession, emulator: Emulator
) -> None:
    opened = kernel.execute(OPEN)
    kernel.execute("limit = 3")
    for tools, said in (
        ("python, no_such_tool", "Tools field, no_such_tool: no function named `no_such_tool`"),
        ("limit", "Tools field, limit: `limit` is not a function (it is of type int)."),
    ):
        kernel.execute(f"p.tools.value = {tools!r}")
        _submit(kernel, opened, "Use it")
        notice = _value(kernel, "p.notice.value")
        assert said in notice and "--tools" not in notice, notice
        assert _value(kernel, "p.prompt.value") == "Use it"
        assert _value(kernel, "p.tools.value") == tools, "the typed names are kept"
    # A built-in tool needs the Responses API: said before anything is sent.
    kernel.execute('p.api.value = "Chat Completions"; p.tools.value = "code_interpreter"')
    _submit(kernel, opened, "Use it")
    notice = _value(kernel, "p.notice.value")
    assert "switch the panel to Responses for it" in notice, notice
    # web_search on Chat needs a search model: the panel's Model box, or Responses.
    kernel.execute('p.tools.value = "web_search"')
    _submit(kernel, opened, "Use it")
    notice = _value(kernel, "p.notice.value")
    assert "pick one in the Model box, or switch the panel to Responses." in notice, notice
    assert emulator.requests("/v1/responses") == emulator.requests("/v1/chat/completions") == []
    assert _value(kernel, "len(p.messages.box.children)") == "0"
