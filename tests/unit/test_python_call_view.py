"""How a python tool call reads: its section titled by the code's first line and showing
the code highlighted as Python with its output (traceback included), and the question
asked before it runs showing the code on lines of its own."""

from __future__ import annotations

from jupyter_responses.conversation import Turn
from jupyter_responses.render.approval import QUESTION_LINES, question
from jupyter_responses.render.static import call_body, call_title, html, markdown
from jupyter_responses.transcript import CallRecord

CODE = "import math\nmath.sqrt(16)"


def _call(**fields: object) -> CallRecord:
    call: CallRecord = {
        "call_id": "c1",
        "name": "python",
        "kind": "function",
        "arguments": CODE,
        "status": "done",
        "detail": {"code": CODE, "language": "python"},
        "output": "4.0",
        "seconds": 0.25,
    }
    call.update(fields)  # type: ignore[typeddict-item]
    return call


def test_the_title_shows_the_codes_first_line() -> None:
    assert call_title(_call()) == "🐍 python: import math — done · 250 ms"
    # Without what the tool read (a Chat call's JSON still streaming), a function's title.
    streaming = _call(status="running", detail={}, arguments='{"code": "imp', seconds=0)
    assert call_title(streaming) == "🔧 python(…) — running…"


def test_the_body_is_the_code_as_python_then_its_output() -> None:
    body = call_body(_call())
    assert body == "```python\nimport math\nmath.sqrt(16)\n```\n\nOutput:\n\n```\n4.0\n```"
    failed = _call(
        status="error",
        error="ZeroDivisionError: division by zero",
        output="Traceback (most recent call last):\n  …\nZeroDivisionError: division by zero",
    )
    assert "Output:\n\n```\nTraceback (most recent call last):" in call_body(failed)
    turn = Turn(api="chat", model="m", prompt="p", calls=[_call()], status="completed")
    shown = html(turn)
    assert 'data-jr-lang="python"' in shown and 'font-weight:bold">import</span>' in shown
    assert "```python\nimport math" in markdown(turn)


def test_the_question_shows_code_on_lines_of_its_own() -> None:
    assert question("get_time", '{"city":  "Oslo"}') == 'Run get_time({"city": "Oslo"})?'
    assert question("python", CODE) == "Run this python code?\n    import math\n    math.sqrt(16)\n"
    long = "\n".join(f"x{n} = {n}" for n in range(QUESTION_LINES + 5))
    asked = question("python", long)
    assert asked.count("\n") == QUESTION_LINES + 2
    assert asked.endswith("    … (5 more lines)\n")
