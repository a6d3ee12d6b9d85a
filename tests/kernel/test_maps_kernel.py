"""``%%respond --map`` and ``jupyter_responses.map`` in real kernels: a DataFrame in, the
table with its answers out (``-o``), a progress line that ends as plain output, one
line in ``%responses history`` and ``%responses maps``; a kernel restart halfway
through a map, after which the same cell sends only the rows left."""

from __future__ import annotations

import time

from jupyter_responses.emulator import Emulator
from jupyter_responses.emulator import script as s

from .harness import KernelSession
from .recorded import LOAD

FRAME = "import pandas as pd\ncities = pd.DataFrame({'city': ['Oslo', 'Paris', 'Rome', 'Lima']})"


def test_map_over_a_dataframe_through_both_magics(
    loaded: KernelSession, emulator: Emulator
) -> None:
    loaded.execute(FRAME)
    cell = loaded.execute("%%chat --map cities -o out\nCountry of {city}?")
    final = [o for o in cell.outputs if "text/plain" in o.get("data", {})]
    assert final and final[-1]["data"]["text/plain"].startswith("✓ 4 / 4 rows")
    shown = loaded.execute(
        "print(list(out.columns), out['answer'][3].endswith('Lima?'), out['error'].isna().all())"
    )
    assert shown.stdout.strip() == "['city', 'answer', 'error'] True True"
    assert len(emulator.requests("/v1/chat/completions")) == 4
    loaded.execute("%%respond --map cities -o again\nCountry of {city}?")
    assert len(emulator.requests("/v1/responses")) == 4  # another API, another map
    loaded.execute("%%respond --map cities -o again\nCountry of {city}?")
    assert len(emulator.requests("/v1/responses")) == 4  # the same: nothing sent again
    maps = loaded.execute("%responses maps").stdout
    assert maps.count("4/4 answered (done)") == 2, maps
    history = loaded.execute("%responses history").stdout
    assert history.count("↳ map map_") == 2, history


def test_the_function_returns_the_table_and_a_bad_name_is_one_line(
    loaded: KernelSession, emulator: Emulator
) -> None:
    loaded.execute(FRAME)
    result = loaded.execute(
        "import jupyter_responses as jr\n"
        "t = jr.map('Country of {city}?', cities, api='chat', progress=False)\n"
        "print(type(t).__name__, len(t))"
    )
    assert result.stdout.strip() == "DataFrame 4"
    bad = loaded.execute("%%respond --map nothing\nHi {city}", allow_errors=True)
    assert bad.error is not None and "--map nothing: nothing named `nothing`" in bad.error.evalue


def test_a_restart_halfway_sends_only_the_rows_left(
    loaded: KernelSession, emulator: Emulator
) -> None:
    rows = 40
    for n in range(rows):
        emulator.enqueue(s.text(f"Answer {n}.", first_byte_delay=0.1))
    setup = f"import pandas as pd\nbig = pd.DataFrame({{'n': range({rows})}})"
    loaded.execute(setup)
    loaded.execute_async("%%respond --map big --concurrency 2 -o out\nNumber {n}?")
    deadline = time.monotonic() + 30
    while len(emulator.requests("/v1/responses")) < rows // 2:
        assert time.monotonic() < deadline, loaded.log_tail()
        time.sleep(0.05)
    loaded.restart()  # the kernel dies halfway through the map
    sent = len(emulator.requests("/v1/responses"))
    assert sent < rows
    loaded.execute(LOAD)
    loaded.execute(setup)
    loaded.execute("%%respond --map big --concurrency 2 -o out\nNumber {n}?")
    again = len(emulator.requests("/v1/responses")) - sent
    # Only the rows not saved before the restart (those in flight then are sent again).
    assert rows - sent <= again <= rows - sent + 2
    check = loaded.execute("print(out['error'].isna().all(), len(out))")
    assert check.stdout.split() == ["True", str(rows)]


def test_a_restart_during_a_batch_collects_the_same_batch(
    loaded: KernelSession, emulator: Emulator
) -> None:
    from jupyter_responses.emulator.batches import BatchSpeed

    emulator.batch_speed = BatchSpeed(seconds_per_line=0.2)
    loaded.execute(FRAME)
    cell = "%%chat --map cities --batch -o out\nCountry of {city}?"
    loaded.execute_async(cell)
    deadline = time.monotonic() + 30
    while not emulator.requests("/v1/batches"):
        assert time.monotonic() < deadline, loaded.log_tail()
        time.sleep(0.05)
    loaded.restart()  # the kernel dies while the batch runs on the server
    loaded.execute(LOAD)
    loaded.execute(FRAME)
    loaded.execute(cell)
    created = [r for r in emulator.requests("/v1/batches") if r.method == "POST"]
    assert len(created) == 1  # collected, not sent again
    check = loaded.execute("print(out['error'].isna().all(), out['answer'][0][-6:])")
    assert check.stdout.split() == ["True", "Oslo?"]
    maps = loaded.execute("%responses maps").stdout
    assert "4/4 answered (done) · batch batch_" in maps and "collected" in maps, maps
