"""Secrets (issue 8): after a full session against a server whose URL carries a password
(``OPENAI_BASE_URL=http://user:PASSWORD@127.0.0.1:PORT/v1``), neither that password
(nor the userinfo around it) nor the API key appears in any cell output, error
message, the panel, the kernel's log, an export or the SQLite store.

The session goes through everything that shows or saves a server or an error: both
magics with a tool loop, the chat panel, ``%responses`` status, models, history,
threads and every export, and the faults whose messages name the server (an
unreachable one too, with a password in its URL)."""

from __future__ import annotations

import json
import socket
from urllib.parse import urlsplit

from jupyter_responses.emulator import Emulator
from jupyter_responses.emulator import script as s

from .harness import API_KEY, CellResult, KernelFactory
from .recorded import DB, LOAD, requests

PASSWORD = "secretpw-4c1e9"
USERINFO = f"jr-user:{PASSWORD}@"
SECRETS = (PASSWORD, USERINFO, API_KEY)

WEATHER = '''
def get_weather(city: str) -> dict:
    """Current weather for a city."""
    return {"city": city, "temp": 21}
'''
PANEL = """
import jupyter_responses
p = jupyter_responses.panel()
p
"""


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _scan(what: str, text: str) -> None:
    for secret in SECRETS:
        assert secret not in text, f"{secret!r} in {what}"


def test_no_secret_in_any_output_log_export_or_row(
    kernel_factory: KernelFactory, emulator: Emulator
) -> None:
    server = urlsplit(emulator.url)
    url = f"http://{USERINFO}{server.netloc}{server.path}"
    kernel = kernel_factory({"OPENAI_BASE_URL": url})
    run = kernel.execute
    outputs: list[CellResult] = [
        run(f"{LOAD}\n%config ResponsesMagics.max_retries = 0"),
        run(WEATHER),
        run(PANEL),
    ]
    emulator.enqueue(
        s.tool_calls(s.FunctionCall("get_weather", {"city": "Oslo"}, call_id="call_w")),
        s.text("Mild."),
    )
    outputs.append(run("%%respond --tools get_weather\nsecret-scan: weather?"))
    outputs.append(run("%%chat\nsecret-scan: over chat"))
    outputs.append(run('p.send("secret-scan: panel"); p.worker.join(30); print(p.notice.value)'))

    # Every kind of message that names the server or repeats what it said.
    faults = [
        ("respond", s.HTTPError(401)),
        ("chat", s.HTTPError(404)),
        ("respond", s.HTTPError(503)),
        ("chat", s.text("cut off here and there", disconnect_after=3)),
        ("respond", s.text("cut off here and there", malformed_after=6)),
        ("chat", s.text("an error event", error_event_after=2)),
    ]
    for magic, fault in faults:
        emulator.enqueue(fault)
        result = run(f"%%{magic}\nsecret-scan: fault", allow_errors=True)
        result.failure()  # one block, under the error's own name
        outputs.append(result)
    emulator.enqueue(s.HTTPError(429))
    outputs.append(
        run('p.send("secret-scan: panel fault"); p.worker.join(30); print(p.last_error)')
    )
    assert "Rate limited" in outputs[-1].stdout
    emulator.enqueue(s.text("late", first_byte_delay=1.5))
    run("%config ResponsesMagics.timeout = 0.3")
    outputs.append(run("%%respond\nsecret-scan: slow", allow_errors=True))
    run("%config ResponsesMagics.timeout = 30.0")
    elsewhere = f"http://{USERINFO}127.0.0.1:{_closed_port()}/v1"
    run(f"%config ResponsesMagics.base_url = {elsewhere!r}")
    refused = run("%%chat\nsecret-scan: unreachable", allow_errors=True)
    assert refused.error is not None and "Could not reach http://127.0.0.1:" in refused.error.evalue
    outputs += [refused, run("%responses status")]
    run("%config ResponsesMagics.base_url = None")

    status = run("%responses status")
    assert f"({server.scheme}://{server.netloc}{server.path})" in status.stdout
    outputs.append(status)
    exports = [kernel.cwd / n for n in ("all.ipynb", "transcript.ipynb", "all.md", "all.json")]
    for path in exports:
        flag = " --transcript" if path.name == "transcript.ipynb" else ""
        outputs.append(run(f"%responses export {path.name}{flag}"))
    for line in ("models", "threads", "history --all"):
        outputs.append(run(f"%responses {line}"))
    assert len(requests(emulator, "/v1/responses")) >= 4  # the URL with a password worked

    for result in outputs:
        _scan(f"the output of {result.code!r}", result.stdout + result.stderr)
        _scan(
            f"the messages of {result.code!r}", json.dumps([m["content"] for m in result.messages])
        )
    _scan("late iopub messages", json.dumps([m["content"] for m in kernel.drain_iopub()]))
    _scan("kernel.log", kernel.log_tail(chars=10**7))
    db = kernel.workdir / DB
    stored = [db, db.with_name(db.name + "-wal"), db.with_name(db.name + "-shm")]
    files = {path: path.read_bytes() for path in [*stored, *exports] if path.exists()}
    assert set(exports) | {db} <= set(files)
    assert b"secret-scan: panel fault" in b"".join(files[p] for p in stored if p in files)
    for path, data in files.items():
        _scan(str(path), data.decode("utf-8", "replace"))
