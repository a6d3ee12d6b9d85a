"""The real-kernel harness itself: outputs, errors, env, HTTP to the emulator, cell ids,
interrupt and restart. Most tests share one module-scoped kernel to stay fast."""

from __future__ import annotations

import os
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import nbformat
import pytest

from jupyter_responses.emulator import Emulator

from .harness import API_KEY, KernelFactory, KernelSession, kernel_env


@pytest.fixture(scope="module")
def shared_emulator() -> Iterator[Emulator]:
    with Emulator() as emu:
        yield emu


@pytest.fixture(scope="module")
def shared_kernel(
    shared_emulator: Emulator, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[KernelSession]:
    workdir = tmp_path_factory.mktemp("shared-kernel")
    with KernelSession(kernel_env(shared_emulator), workdir=workdir) as session:
        print(f"\n[timing] kernel start: {session.startup_seconds:.2f}s")
        yield session


def _unique(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:8]}"


def test_stdout_and_stderr(shared_kernel: KernelSession) -> None:
    res = shared_kernel.execute("import sys\nprint('hello')\nprint('oops', file=sys.stderr)\n42")
    assert res.stdout == "hello\n"
    assert res.stderr == "oops\n"
    assert res.plain == "42"
    assert res.status == "ok" and res.error is None
    assert [o["output_type"] for o in res.outputs] == ["stream", "stream", "execute_result"]
    assert res.outputs[-1]["execution_count"] == res.execution_count


def test_display_update_gives_final_state(shared_kernel: KernelSession) -> None:
    display_id = _unique("disp")
    res = shared_kernel.execute(
        "from IPython.display import Markdown, display\n"
        f"h = display(Markdown('x'), display_id={display_id!r})\n"
        "h.update(Markdown('y'))\n"
    )
    assert res.updates == 1
    assert res.markdown == "y"
    assert res.display_ids == [display_id]
    assert len(res.outputs) == 1 and res.outputs[0]["data"]["text/markdown"] == "y"
    # what a notebook would save: valid nbformat v4 outputs
    cell = nbformat.v4.new_code_cell(outputs=[nbformat.from_dict(o) for o in res.outputs])
    nbformat.validate(nbformat.v4.new_notebook(cells=[cell]))


def test_stream_merge_and_clear_output(shared_kernel: KernelSession) -> None:
    res = shared_kernel.execute(
        "from IPython.display import clear_output, display, Markdown\n"
        "print('a'); print('b')\n"
        "clear_output(wait=True)\n"
        "print('c'); print('d')\n"
        "display(Markdown('m'))\n"
    )
    assert res.stdout == "a\nb\nc\nd\n"  # raw stream text, regardless of clear_output
    assert res.outputs == [
        {"output_type": "stream", "name": "stdout", "text": "c\nd\n"},
        {
            "output_type": "display_data",
            "data": {"text/markdown": "m", "text/plain": "<IPython.core.display.Markdown object>"},
            "metadata": {},
        },
    ]


def test_error_fails_unless_allowed(shared_kernel: KernelSession) -> None:
    with pytest.raises(AssertionError, match=r"ZeroDivisionError: division by zero") as info:
        shared_kernel.execute("def f():\n    return 1 / 0\nf()")
    assert "\x1b[" not in str(info.value)
    assert "return 1 / 0" in str(info.value)  # the traceback text is shown

    res = shared_kernel.execute("1/0", allow_errors=True)
    assert res.status == "error"
    assert res.error is not None and res.error.ename == "ZeroDivisionError"
    assert "\x1b[" not in res.error.traceback
    assert res.outputs[-1]["output_type"] == "error"
    # the kernel goes on working after an error
    assert shared_kernel.execute("print('still here')").stdout == "still here\n"


def test_env_reaches_kernel(shared_kernel: KernelSession, shared_emulator: Emulator) -> None:
    res = shared_kernel.execute(
        "import os, sys\n"
        "print(os.environ['OPENAI_BASE_URL'])\n"
        "print(os.environ['OPENAI_API_KEY'])\n"
        "print(os.environ['IPYTHONDIR'])\n"
        "print(sys.executable)\n"
        "print(os.getcwd())\n"
    )
    url, key, ipythondir, executable, cwd = res.stdout.splitlines()
    assert url == shared_emulator.url
    assert key == API_KEY
    assert Path(ipythondir).is_relative_to(shared_kernel.workdir)
    assert executable == sys.executable
    assert Path(cwd) == shared_kernel.cwd


def test_openai_sdk_in_kernel_reaches_emulator(
    shared_kernel: KernelSession, shared_emulator: Emulator
) -> None:
    before = len(shared_emulator.requests("/v1/models"))
    res = shared_kernel.execute(
        "import openai\nids = [m.id for m in openai.OpenAI(max_retries=0).models.list()]\n"
        "print(len(ids) > 0)"
    )
    assert res.stdout == "True\n"
    recorded = shared_emulator.requests("/v1/models")[before:]
    assert [(r.method, r.path, r.authorized) for r in recorded] == [("GET", "/v1/models", True)]


def test_cell_id_reaches_pre_run_cell(shared_kernel: KernelSession) -> None:
    shared_kernel.execute(
        "def _show_cell_id(info):\n"
        "    print('cell_id=' + repr(info.cell_id))\n"
        "get_ipython().events.register('pre_run_cell', _show_cell_id)\n"
    )
    try:
        assert shared_kernel.execute("pass", cell_id="cell-abc").stdout == "cell_id='cell-abc'\n"
        assert shared_kernel.execute("pass").stdout == "cell_id=None\n"
    finally:
        shared_kernel.execute("get_ipython().events.unregister('pre_run_cell', _show_cell_id)")


def test_comm_open_and_comm_send(shared_kernel: KernelSession) -> None:
    target = _unique("target")
    res = shared_kernel.execute(
        "from comm import create_comm\n"
        f"c = create_comm(target_name={target!r}, data={{'hello': 1}})\n"
        "c.on_msg(lambda msg: print('got', msg['content']['data']))\n"
        "c.send({'ping': 1})\n"
    )
    (opened,) = res.comm_opens
    assert opened["content"]["target_name"] == target
    assert opened["content"]["data"] == {"hello": 1}
    assert [m["content"]["data"] for m in res.comm_msgs] == [{"ping": 1}]

    answer = shared_kernel.comm_send(opened["content"]["comm_id"], {"pong": 2})
    assert answer.stdout == "got {'pong': 2}\n"


def test_timeout_then_interrupt(shared_kernel: KernelSession) -> None:
    msg_id = shared_kernel.execute_async(
        "import time\nprint('sleeping', flush=True)\ntime.sleep(30)"
    )
    shared_kernel.wait_for_stdout(msg_id, "sleeping", timeout=30)
    with pytest.raises(TimeoutError, match="not finished in time"):
        shared_kernel.collect(msg_id, timeout=0.3)

    t0 = time.monotonic()
    shared_kernel.interrupt()
    res = shared_kernel.collect(msg_id, timeout=10, allow_errors=True)
    assert time.monotonic() - t0 < 5
    assert res.error is not None and res.error.ename == "KeyboardInterrupt"
    assert res.stdout == "sleeping\n"
    assert shared_kernel.execute("print('alive')").stdout == "alive\n"


def test_restart(kernel: KernelSession, emulator: Emulator) -> None:
    kernel.execute("x = 1")
    old_pid = kernel.pid
    kernel.restart()
    assert kernel.pid != old_pid and kernel.is_alive()
    res = kernel.execute("x", allow_errors=True)
    assert res.error is not None and res.error.ename == "NameError"
    res = kernel.execute("import os\nprint(os.environ['OPENAI_BASE_URL'])")
    assert res.stdout == f"{emulator.url}\n"


def test_kernel_factory_env(kernel_factory: KernelFactory, tmp_path: Path) -> None:
    shared_cwd = tmp_path / "shared"
    shared_cwd.mkdir()
    session = kernel_factory({"EXTRA_SETTING": "on", "OPENAI_API_KEY": None}, cwd=shared_cwd)
    res = session.execute(
        "import os\n"
        "print(os.environ.get('EXTRA_SETTING'), os.environ.get('OPENAI_API_KEY'))\n"
        "print(os.getcwd())"
    )
    assert res.stdout.splitlines() == ["on None", str(shared_cwd.resolve())]


def test_close_stops_the_process(tmp_path: Path) -> None:
    session = KernelSession(workdir=tmp_path / "k")
    pid = session.pid
    assert pid is not None and session.is_alive()
    session.close()
    session.close()  # idempotent
    with pytest.raises(ChildProcessError):
        os.waitpid(pid, 0)  # already reaped: no zombie left behind
