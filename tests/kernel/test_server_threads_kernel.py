"""A thread that keeps its state on the server, in real kernels: turned on with
``%responses threads --server``, continued after a kernel restart, and opened on
"another machine" (a kernel with its own, empty store) with
``%responses import-conversation``, whose next turn continues the same conversation."""

from __future__ import annotations

import re

from jupyter_responses.emulator import Emulator
from jupyter_responses.emulator import script as s

from .harness import KernelSession, history_lines
from .recorded import LOAD, requests


def _held(kernel: KernelSession) -> str:
    status = kernel.execute("%responses status").stdout
    found = re.search(r"State: +on the server, in conversation (conv_\w+)", status)
    assert found, status
    return found.group(1)


def test_a_server_side_thread_survives_a_restart_and_moves_to_another_machine(
    loaded: KernelSession, emulator: Emulator
) -> None:
    said = loaded.execute("%responses threads --server").stdout
    assert "keeps its state on the server" in said and "starts a server-side conversation" in said
    emulator.enqueue(s.text("Hello, Ada."), s.text("Noted: Oslo."))
    loaded.execute("%%respond\nI am Ada.")
    loaded.execute("%%respond\nI live in Oslo.")
    held = _held(loaded)
    sent = requests(emulator, "/v1/responses")
    assert [body["conversation"] for body in sent] == [held, held]
    assert sent[1]["input"] == [{"role": "user", "content": "I live in Oslo."}]
    conversation_id = re.search(r"conversation (\w+),", loaded.execute("%responses status").stdout)
    assert conversation_id, loaded.execute("%responses status").stdout

    loaded.restart()
    loaded.execute(LOAD)
    loaded.execute(f"%responses resume {conversation_id.group(1)}")
    emulator.enqueue(s.text("You are Ada, in Oslo."))
    loaded.execute("%%respond\nWho am I?")
    assert requests(emulator, "/v1/responses")[-1]["conversation"] == held

    # Another machine: nothing of this thread in its store, only the conversation's id.
    loaded.restart()
    loaded.execute(LOAD)
    loaded.execute("%config ResponsesMagics.db_path = 'elsewhere.sqlite3'")
    imported = loaded.execute(f"%responses import-conversation {held} --name laptop").stdout
    assert "as thread 'laptop', now current: 3 turns." in imported, imported
    assert f"continues the server-side conversation {held}" in imported
    lines = history_lines(loaded)
    assert len(lines) == 3 and "I live in Oslo." in lines[1], lines
    emulator.enqueue(s.text("Oslo."))
    loaded.execute("%%respond\nWhere do I live?")
    last = requests(emulator, "/v1/responses")[-1]
    assert last["conversation"] == held
    assert last["input"] == [{"role": "user", "content": "Where do I live?"}]
    assert _held(loaded) == held


def test_bad_ids_and_going_local_say_so_in_one_line(loaded: KernelSession) -> None:
    bad = loaded.execute("%responses import-conversation thread_123", allow_errors=True)
    assert bad.error is not None and "not a Conversations API id" in bad.error.evalue
    assert "Traceback" not in bad.error.traceback
    local = loaded.execute("%responses threads --local").stdout
    assert "is local again" in local
    status = loaded.execute("%responses status").stdout
    assert re.search(r"State: +local", status), status
