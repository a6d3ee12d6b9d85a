"""The python tool's runner: the model's code runs in a real IPython shell's namespace
as a cell would, its output reaches the cell and the model alike, and nothing it does
(raising, exiting, hanging, printing without end) escapes or goes unbounded."""

from __future__ import annotations

import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from IPython.core.interactiveshell import InteractiveShell

from jupyter_responses import python_tool
from jupyter_responses.python_tool import run_python
from jupyter_responses.tools import MAX_RESULT_CHARS
from tests.shells import own_shell

PNG = b"\x89PNG\r\n\x1a\n"


@pytest.fixture
def shell(tmp_path: Path) -> Iterator[InteractiveShell]:
    with own_shell(tmp_path) as made:
        yield made


def _wait_for_workers(seconds: float = 5.0) -> None:
    deadline = time.monotonic() + seconds
    while any(t.name == "jupyter-responses-python" for t in threading.enumerate()):
        assert time.monotonic() < deadline, "the interrupted code did not stop"
        time.sleep(0.02)


def test_statements_run_then_the_last_expression_is_shown(shell: Any, capsys: Any) -> None:
    run = run_python(shell, "x = 6\ny = 7\nx * y")
    assert (run.text, run.error, run.images) == ("42", None, [])
    assert run.seconds >= 0
    assert capsys.readouterr().out == "42\n"  # shown in the cell too
    assert run_python(shell, "x * y;").text == "(no output)"  # ``;`` hides it, as in a cell
    assert run_python(shell, "if x:\n    x + 1").text == "(no output)"  # not a last expression


def test_nothing_goes_into_the_history_or_the_execution_count(shell: Any) -> None:
    shell.run_cell("a = 1", store_history=True)
    count, inputs, outputs = (
        shell.execution_count,
        list(shell.user_ns["In"]),
        dict(shell.user_ns["Out"]),
    )
    underscore = shell.user_ns.get("_")
    run_python(shell, "b = a + 1\nb * 10")
    assert shell.execution_count == count
    assert shell.user_ns["In"] == inputs and shell.user_ns["Out"] == outputs
    assert shell.user_ns.get("_") is underscore


def test_stdout_and_stderr_reach_the_cell_and_the_model_in_order(shell: Any, capsys: Any) -> None:
    code = "import sys\nprint('one')\nprint('two', file=sys.stderr)\nprint('three')"
    streams = sys.stdout, sys.stderr
    run = run_python(shell, code)
    assert run.text == "one\ntwo\nthree"
    written = capsys.readouterr()
    assert (written.out, written.err) == ("one\nthree\n", "two\n")
    assert (sys.stdout, sys.stderr) == streams  # given back


def test_what_the_code_defines_stays_for_the_user_and_the_next_call(shell: Any) -> None:
    run_python(shell, "def double(n):\n    return 2 * n\nseen = []")
    shell.run_cell("seen.append(double(4))")  # the user's own cell uses them
    assert run_python(shell, "seen.append(double(5))\nseen").text == "[8, 10]"


def test_magics_work_as_in_a_cell(shell: Any) -> None:
    run = run_python(shell, "%time z = 3")
    assert shell.user_ns["z"] == 3
    assert "Wall time" in run.text


def test_top_level_await(shell: Any) -> None:
    run = run_python(
        shell, "import asyncio\nawait asyncio.sleep(0)\nawait asyncio.sleep(0, 41) + 1"
    )
    assert (run.text, run.error) == ("42", None)


def test_an_exception_comes_back_as_a_plain_traceback_of_the_models_code(shell: Any) -> None:
    run_python(shell, "def ratio(a, b):\n    return a / b")
    run = run_python(shell, "print('before')\nratio(1, 0)\nprint('after')")
    assert run.error == "ZeroDivisionError: division by zero"
    assert run.text.startswith("before\nTraceback (most recent call last):\n")
    assert "ratio(1, 0)" in run.text and "return a / b" in run.text  # both calls' lines
    assert run.text.endswith("ZeroDivisionError: division by zero")
    assert "after" not in run.text
    assert "\x1b" not in run.text
    for internal in ("python_tool", "IPython", "interactiveshell", "threading"):
        assert internal not in run.text


def test_frames_outside_the_models_code_are_one_line_but_the_raising_one_stays(
    shell: Any,
) -> None:
    run = run_python(shell, "import json\njson.loads('{')")
    assert run.error is not None and run.error.startswith("JSONDecodeError")
    assert "json.loads('{')" in run.text
    assert "frames in other code]" in run.text
    assert "decoder.py" in run.text  # where it raised
    assert "python_tool" not in run.text


def test_a_syntax_error_shows_where(shell: Any) -> None:
    run = run_python(shell, "total = (1 +\nprint('never')")
    assert run.error is not None and run.error.startswith("SyntaxError")
    assert "^" in run.text and "never" not in shell.user_ns
    assert "python_tool" not in run.text


def test_exiting_does_not_end_the_kernel(shell: Any) -> None:
    run = run_python(shell, "import sys\nsys.exit(3)")
    assert run.error == "SystemExit: 3"


def test_a_shown_image_comes_back_with_its_bytes(shell: Any) -> None:
    shell.user_ns["PNG"] = PNG + b"rest"
    code = "class Picture:\n    def _repr_png_(self):\n        return PNG\nPicture()"
    run = run_python(shell, code)
    assert run.images == [("image/png", PNG + b"rest")]
    assert "Picture at 0x" in run.text  # its text, as IPython shows it


def test_output_is_bounded_and_keeps_its_end_and_the_traceback(shell: Any, capsys: Any) -> None:
    code = f"print('start')\nprint('x' * {MAX_RESULT_CHARS * 5})\nprint('the end')\n1 / 0"
    run = run_python(shell, code)
    assert len(run.text) <= MAX_RESULT_CHARS + 100
    assert run.text.startswith("start\n")
    assert "characters of output cut" in run.text
    assert "the end" in run.text and run.text.endswith("ZeroDivisionError: division by zero")
    assert len(capsys.readouterr().out) > MAX_RESULT_CHARS * 5  # the cell got all of it


def test_a_timeout_interrupts_the_code_and_says_so(shell: Any) -> None:
    code = "print('started')\nticks = 0\nwhile True:\n    ticks += 1"
    run = run_python(shell, code, timeout=0.3)
    assert run.error == "timed out after 0.3 s"
    assert run.text.startswith("started\n") and "interrupted" in run.text
    assert 0.3 <= run.seconds < 0.3 + python_tool.STOP_GRACE + 1
    _wait_for_workers()
    ticks = shell.user_ns["ticks"]
    time.sleep(0.05)
    assert shell.user_ns["ticks"] == ticks  # stopped, not spinning on


def test_code_blocked_outside_python_stops_when_the_call_returns(
    shell: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(python_tool, "STOP_GRACE", 0.05)
    run = run_python(shell, "import time\ntime.sleep(1.2)\nafter = True", timeout=0.3)
    assert run.error == "timed out after 0.3 s"
    assert "blocked in a call outside Python" in run.text
    _wait_for_workers()
    assert "after" not in shell.user_ns  # interrupted once the sleep returned


def test_a_kernel_interrupt_stops_the_wait_and_the_code(shell: Any) -> None:
    main = threading.main_thread().ident
    assert main is not None and threading.get_ident() == main
    timer = threading.Timer(0.3, signal.pthread_kill, (main, signal.SIGINT))
    timer.start()
    started, stdout, display_pub = time.monotonic(), sys.stdout, shell.display_pub
    with pytest.raises(KeyboardInterrupt):
        run_python(shell, "spins = 0\nwhile True:\n    spins += 1", timeout=30)
    assert time.monotonic() - started < 5
    assert (sys.stdout, shell.display_pub) == (stdout, display_pub)
    _wait_for_workers()


def test_without_a_timeout_an_interrupt_goes_through(shell: Any) -> None:
    main = threading.main_thread().ident
    assert main is not None and threading.get_ident() == main
    threading.Timer(0.3, signal.pthread_kill, (main, signal.SIGINT)).start()
    stdout, display_pub = sys.stdout, shell.display_pub
    with pytest.raises(KeyboardInterrupt):
        run_python(shell, "while True:\n    pass")
    assert (sys.stdout, shell.display_pub) == (stdout, display_pub)


def test_matplotlib_is_never_imported_by_the_runner() -> None:
    probe = (
        "import sys\n"
        "from IPython.core.interactiveshell import InteractiveShell\n"
        "from traitlets.config import Config\n"
        "from jupyter_responses.python_tool import run_python\n"
        "config = Config()\n"
        "config.HistoryManager.hist_file = ':memory:'\n"
        "run = run_python(InteractiveShell(config=config), '1 + 1')\n"
        "assert run.text == '2', run\n"
        "assert 'matplotlib' not in sys.modules\n"
    )
    subprocess.run([sys.executable, "-c", probe], check=True, timeout=60)


@pytest.fixture
def pyplot() -> Iterator[Any]:
    import matplotlib

    matplotlib.use("agg")
    import matplotlib.pyplot as plt

    plt.close("all")
    yield plt
    plt.close("all")


def test_a_figure_the_code_makes_comes_back_as_png(shell: Any, pyplot: Any) -> None:
    users = pyplot.figure()
    users.add_subplot().plot([3, 2, 1])
    users.canvas.draw()  # shown to the user already
    run = run_python(
        shell, "import matplotlib.pyplot as plt\nfig = plt.figure()\nplt.plot([1, 2, 3])"
    )
    assert run.error is None
    assert [mime for mime, _ in run.images] == ["image/png"]
    assert run.images[0][1].startswith(PNG)
    assert "<Figure size" in run.text
    assert pyplot.get_fignums() == [users.number]  # the user's stays, the code's is closed


def test_a_figure_of_the_user_the_code_changes_is_shown_and_kept(shell: Any, pyplot: Any) -> None:
    users = pyplot.figure()
    users.add_subplot().plot([3, 2, 1])
    users.canvas.draw()
    shell.user_ns["users"] = users
    run = run_python(shell, "users.axes[0].set_title('changed')")
    assert [mime for mime, _ in run.images] == ["image/png"]
    assert pyplot.get_fignums() == [users.number]
    assert run_python(shell, "x = 1").images == []  # untouched since: not shown again
