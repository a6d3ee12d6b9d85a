"""Recording cells as they run (``jupyter_responses.context.capture``), in a real
IPython shell: what each kind of output becomes, the bounds, prompt cells left out,
and that installing changes nothing the notebook sees and uninstalling undoes it all."""

from __future__ import annotations

import atexit
import importlib.util
import struct
import sys
import zlib
from collections.abc import Iterator
from typing import Any

import pytest
from IPython.core.interactiveshell import InteractiveShell
from traitlets.config import Config

import jupyter_responses.context.capture as capture
from jupyter_responses.context import CellLog, install, uninstall
from jupyter_responses.context.records import MAX_OUTPUT_CHARS, BoundedText


def fresh_shell() -> Any:
    """A new shell, made the singleton so that ``display()`` reaches it (as in a
    kernel), with its history in memory, not in the user's profile."""
    InteractiveShell.clear_instance()
    config = Config()
    config.HistoryManager.hist_file = ":memory:"
    shell = InteractiveShell.instance(config=config)
    shell.colors = "nocolor"
    return shell


def close(shell: Any) -> None:
    uninstall(shell)
    atexit.unregister(shell.atexit_operations)
    shell.atexit_operations()
    InteractiveShell.clear_instance()


@pytest.fixture
def shell() -> Iterator[Any]:
    made = fresh_shell()
    yield made
    close(made)


def run(shell: Any, code: str) -> Any:
    return shell.run_cell(code, store_history=True)


def outputs(log: CellLog, count: int) -> list[tuple[str, str]]:
    record = next(r for r in log.records() if r.count == count)
    return [(o.kind, o.text.text()) for o in record.outputs]


def tiny_png() -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)
    pixels = zlib.compress(b"\x00\xff\x00\x00")
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", pixels) + chunk(b"IEND", b"")
    )


# -- what is recorded ------------------------------------------------------------------------
def test_streams_results_and_errors_are_recorded_as_the_cell_ran(shell: Any, capsys: Any) -> None:
    log = install(shell)
    run(shell, "import sys\nprint('hello')\nprint('careful', file=sys.stderr)\n6 * 7")
    assert outputs(log, 1) == [("stdout", "hello\n"), ("stderr", "careful\n"), ("result", "42")]
    # The notebook (here the terminal) still got all of it, once.
    seen = capsys.readouterr()
    assert seen.out.count("hello") == 1 and "Out[1]: 42" in seen.out
    assert seen.err == "careful\n"


def test_the_result_is_not_also_recorded_as_stdout(shell: Any, capsys: Any) -> None:
    log = install(shell)
    run(shell, "'a' * 3")
    assert outputs(log, 1) == [("result", "'aaa'")]


def test_consecutive_writes_to_one_stream_make_one_output(shell: Any, capsys: Any) -> None:
    log = install(shell)
    run(
        shell, "for i in range(3):\n    print(i)\nimport sys; print('x', file=sys.stderr)\nprint(9)"
    )
    assert outputs(log, 1) == [("stdout", "0\n1\n2\n"), ("stderr", "x\n"), ("stdout", "9\n")]


def test_displayed_outputs_and_images_are_recorded(shell: Any, capsys: Any) -> None:
    log = install(shell)
    shell.user_ns["png"] = tiny_png()
    run(
        shell,
        "from IPython.display import display, Image, Markdown, SVG\n"
        "display(Markdown('**bold**'))\n"
        "display(Image(data=png, format='png'))\n"
        "display(SVG('<svg xmlns=\"http://www.w3.org/2000/svg\"></svg>'))",
    )
    record = log.records()[0]
    kinds = [o.kind for o in record.outputs]
    assert kinds == ["display", "display", "display"]
    markdown, image, svg = record.outputs
    assert markdown.text.text() == "<IPython.core.display.Markdown object>"
    assert image.image is not None and image.image.mime == "image/png"
    assert image.image.data == tiny_png()
    assert svg.image is not None and (svg.image.mime, svg.image.data) == ("image/svg+xml", None)
    assert "IPython.core.display" in capsys.readouterr().out  # still shown


def test_a_display_updated_later_keeps_its_last_content(shell: Any, capsys: Any) -> None:
    log = install(shell)
    run(shell, "from IPython.display import display\nh = display('first', display_id=True)")
    run(shell, "h.update('second')")
    assert outputs(log, 1) == [("display", "'second'")]
    assert outputs(log, 2) == []


def test_clear_output_clears_the_record_too(shell: Any, capsys: Any) -> None:
    log = install(shell)
    run(
        shell,
        "from IPython.display import clear_output\nprint('old')\nclear_output()\nprint('new')",
    )
    assert outputs(log, 1) == [("stdout", "new\n")]


def test_an_error_is_recorded_as_short_plain_text(shell: Any, capsys: Any) -> None:
    log = install(shell)
    run(shell, "def inner():\n    return 1 / 0\n")
    run(shell, "print('before')\ninner()")
    record = log.records()[-1]
    assert record.error is not None
    assert (record.error.name, record.error.message) == ("ZeroDivisionError", "division by zero")
    assert record.error.traceback == (
        "Traceback (most recent call last):\n"
        "  Cell [2], line 2, in <module>\n"
        "    inner()\n"
        "  Cell [1], line 2, in inner\n"
        "    return 1 / 0\n"
        "ZeroDivisionError: division by zero"
    )
    # IPython's own traceback went to the terminal, not into the recorded stdout.
    assert outputs(log, 2) == [("stdout", "before\n")]
    assert "interactiveshell" not in record.error.traceback


def test_tracebacks_lose_their_ansi_codes_and_long_ones_their_middle(
    shell: Any, capsys: Any
) -> None:
    log = install(shell)
    run(shell, "raise ValueError('\\x1b[31mred\\x1b[0m text')")
    first = log.records()[-1].error
    assert first is not None and first.message == "red text"
    assert "\x1b" not in first.traceback and first.traceback.endswith("ValueError: red text")
    run(shell, "def down(n):\n    return down(n - 1) if n else 1 / 0\ndown(40)")
    deep = log.records()[-1].error
    assert deep is not None
    assert "... 33 more frames ..." in deep.traceback
    assert deep.traceback.count("in down") == 8  # <module> and 2 calls first, 6 calls last


def test_chained_exceptions_show_the_cause(shell: Any, capsys: Any) -> None:
    log = install(shell)
    run(shell, "try:\n    {}['k']\nexcept KeyError as e:\n    raise RuntimeError('lookup') from e")
    error = log.records()[-1].error
    assert error is not None and error.name == "RuntimeError"
    assert error.traceback.index("KeyError: 'k'") < error.traceback.index("direct cause")
    assert error.traceback.endswith("RuntimeError: lookup")


def test_a_syntax_error_is_recorded_with_its_cell(shell: Any, capsys: Any) -> None:
    log = install(shell)
    run(shell, "x = (1 +")
    error = log.records()[-1].error
    assert error is not None and error.name == "SyntaxError"
    assert "Cell [1], line 1" in error.traceback and "ipython-input" not in error.traceback


def test_a_usage_error_is_recorded_once_not_as_stderr(shell: Any, capsys: Any) -> None:
    log = install(shell)
    run(shell, "%no_such_magic")
    record = log.records()[-1]
    assert record.outputs == []
    assert record.error is not None and record.error.name == "UsageError"


def test_prompt_cells_are_not_recorded(shell: Any, capsys: Any) -> None:
    log = install(shell)

    def respond(line: str, cell: str) -> None:
        print("the model's answer")

    shell.register_magic_function(respond, "cell", "respond")
    shell.register_magic_function(respond, "cell", "chatty")
    run(shell, "x = 1")
    run(shell, "%%respond --model m\nWhat is x?")
    run(shell, "  %%chat\nhi")  # UsageError (no such magic here), still a prompt cell
    run(shell, "%%chatty\nnot a prompt")
    assert [r.count for r in log.records()] == [1, 4]
    assert outputs(log, 4) == [("stdout", "the model's answer\n")]
    assert "the model's answer" in capsys.readouterr().out


def test_cells_not_stored_in_history_are_not_recorded(shell: Any, capsys: Any) -> None:
    log = install(shell)
    shell.run_cell("print('internal')", store_history=False)
    shell.run_cell("print('silent')", silent=True)
    assert log.records() == []


# -- bounds ------------------------------------------------------------------------------------
def test_each_output_keeps_its_start_and_its_end(shell: Any, capsys: Any) -> None:
    log = install(shell)
    run(shell, "for i in range(2000):\n    print(f'line {i:05d}')")
    text = outputs(log, 1)[0][1]
    assert len(text) < MAX_OUTPUT_CHARS + 60
    assert text.startswith("line 00000\n") and text.endswith("line 01999\n")
    assert "characters not kept" in text


def test_bounded_text_keeps_two_thirds_head_one_third_tail() -> None:
    kept = BoundedText(30)
    for piece in ("a" * 15, "b" * 15, "c" * 15, "d" * 5):
        kept.add(piece)
    assert (
        kept.text()
        == "a" * 15 + "b" * 5 + "\n[... 20 characters not kept ...]\n" + "c" * 5 + "d" * 5
    )
    assert BoundedText(30, "short").text() == "short"


def test_only_the_last_cells_are_kept(shell: Any, capsys: Any) -> None:
    log = install(shell)
    log.max_cells = 3
    for n in range(5):
        run(shell, f"print({n})")
    assert [r.count for r in log.records()] == [3, 4, 5]


def test_outputs_past_the_per_cell_limit_are_counted(shell: Any, capsys: Any) -> None:
    log = install(shell)
    run(shell, "from IPython.display import display\nfor i in range(40):\n    display(i)")
    record = log.records()[0]
    assert len(record.outputs) == 30 and record.outputs_left_out == 10


# -- cells from before the log -----------------------------------------------------------------
def test_cells_run_before_install_come_from_history(shell: Any, capsys: Any) -> None:
    run(shell, "a = 1\na + 1")
    run(shell, "%%respond\nignored")
    run(shell, "b = 2")
    log = install(shell)
    run(shell, "print(a + b)")
    cells = log.cells()
    assert [(c.count, c.recorded) for c in cells] == [(1, False), (3, False), (4, True)]
    assert [(o.kind, o.text.text()) for o in cells[0].outputs] == [("result", "2")]


# -- installing and uninstalling ---------------------------------------------------------------
def _hooks(shell: Any) -> dict[str, Any]:
    return {
        "pre": list(shell.events.callbacks["pre_run_cell"]),
        "post": list(shell.events.callbacks["post_run_cell"]),
        "publish": vars(shell.display_pub).get("publish"),
        "clear": vars(shell.display_pub).get("clear_output"),
        "hook": {
            name: vars(shell.displayhook).get(name)
            for name in ("write_output_prompt", "write_format_data", "finish_displayhook")
        },
        "tb": vars(shell).get("_showtraceback"),
        "usage": vars(shell).get("show_usage_error"),
        "stdout": sys.stdout,
        "stdout.write": vars(sys.stdout).get("write"),
        "stderr.write": vars(sys.stderr).get("write"),
    }


def test_install_is_idempotent(shell: Any, capsys: Any) -> None:
    first = install(shell)
    assert install(shell) is first
    assert capture.installed(shell) is first
    assert shell.events.callbacks["pre_run_cell"].count(first.pre_run_cell) == 1
    run(shell, "print('once')")
    assert outputs(first, 1) == [("stdout", "once\n")]


def test_uninstall_restores_everything(shell: Any, capsys: Any) -> None:
    run(shell, "0")  # IPython leaves its own stream wrappers' traces after a first cell
    before = _hooks(shell)
    log = install(shell)
    run(shell, "print(1)")
    uninstall(shell)
    assert _hooks(shell) == before
    run(shell, "print('after')\n2")
    assert [r.count for r in log.records()] == [2]
    assert "after" in capsys.readouterr().out
    uninstall(shell)  # twice is fine


def test_uninstall_from_inside_a_cell_restores_its_streams(shell: Any, capsys: Any) -> None:
    run(shell, "0")
    before = _hooks(shell)
    install(shell)
    shell.user_ns["uninstall"] = uninstall
    run(shell, "print('a')\nuninstall(get_ipython())\nprint('b')")
    assert _hooks(shell) == before
    assert capsys.readouterr().out.endswith("a\nb\n")


def test_a_log_from_an_earlier_import_is_replaced_keeping_its_records(
    shell: Any, capsys: Any
) -> None:
    """As after ``%reload_ext``: the module imported again makes a new ``CellLog``
    class; installing finds the old log through the shell's events."""
    spec = importlib.util.spec_from_file_location(
        "jupyter_responses.context._capture_before_reload", capture.__file__
    )
    assert spec is not None and spec.loader is not None
    earlier = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = earlier
    try:
        spec.loader.exec_module(earlier)
        old = earlier.install(shell)
        run(shell, "print('kept')")
        assert type(old) is not CellLog
        new = install(shell)
        assert type(new) is CellLog and new is not old
        assert [c for c in shell.events.callbacks["pre_run_cell"] if "pre_run_cell" in repr(c)] == [
            new.pre_run_cell
        ]
        run(shell, "print('new')")
        assert [(r.count, r.outputs[0].text.text()) for r in new.records()] == [
            (1, "kept\n"),
            (2, "new\n"),
        ]
        assert old.records()[-1].count == 1  # the old one stopped recording
    finally:
        del sys.modules[spec.name]


def test_a_broken_hook_never_breaks_the_cell(shell: Any, capsys: Any) -> None:
    log = install(shell)
    # A display bundle that is not a dict: recording skips it, the display still runs.
    run(shell, "get_ipython().display_pub.publish({'text/plain': 'ok'})")
    run(shell, "print('fine')")
    assert outputs(log, 2) == [("stdout", "fine\n")]


# -- a real kernel's streams -------------------------------------------------------------------
@pytest.fixture
def kernel() -> Iterator[Any]:
    import ipykernel  # noqa: F401  (a test dependency: never skipped)
    from ipykernel.inprocess.manager import InProcessKernelManager

    InteractiveShell.clear_instance()
    manager = InProcessKernelManager()
    manager.start_kernel()
    client = manager.client()
    client.start_channels()
    made = manager.kernel
    try:
        yield manager, client
    finally:
        uninstall(made.shell)
        client.stop_channels()
        made.iopub_thread.stop()
        manager.shutdown_kernel()
        atexit.unregister(made.shell.atexit_operations)
        made.shell.atexit_operations()
        type(made.shell).clear_instance()
        type(made).clear_instance()


def _iopub(client: Any, code: str) -> list[tuple[str, dict[str, Any]]]:
    client.execute(code)
    seen = []
    while True:
        message = client.get_iopub_msg(timeout=2)
        kind, content = message["msg_type"], message["content"]
        if kind == "status" and content["execution_state"] == "idle":
            return seen
        if kind not in ("status", "execute_input"):
            content.pop("execution_count", None)
            content.pop("traceback", None)
            seen.append((kind, content))


def test_in_a_kernel_the_notebook_gets_the_same_messages(kernel: Any) -> None:
    manager, client = kernel
    code = (
        "import sys\nprint('out')\nprint('err', file=sys.stderr)\n"
        "from IPython.display import display, HTML\ndisplay(HTML('<b>x</b>'))\n7"
    )
    without = _iopub(client, code)
    log = install(manager.kernel.shell)
    with_log = _iopub(client, code)
    assert with_log == without
    assert [m[0] for m in with_log] == ["stream", "stream", "display_data", "execute_result"]
    assert outputs(log, 2) == [
        ("stdout", "out\n"),
        ("stderr", "err\n"),
        ("display", "<IPython.core.display.HTML object>"),
        ("result", "7"),
    ]
    _iopub(client, "1 / 0")
    error = log.records()[-1].error
    assert error is not None and error.traceback.startswith("Traceback")
    assert "Cell [3], line 1" in error.traceback
