"""``gather`` and ``fix_context`` on a real IPython shell: the text's format, each SPEC,
the budget's order of trimming and its notes, redaction, and the errors a bad SPEC
gets."""

from __future__ import annotations

import atexit
from collections.abc import Iterator
from typing import Any

import pytest
from IPython.core.interactiveshell import InteractiveShell
from traitlets.config import Config

from jupyter_responses.context import fix_context, gather, install, parse_specs, uninstall
from jupyter_responses.context.sections import FOOTER, HEADER
from jupyter_responses.context.specs import CellsSpec, ErrorSpec, NameSpec, VarsSpec
from jupyter_responses.errors import OptionsError
from tests.shells import recording_instance
from tests.unit.test_context_capture import tiny_png


@pytest.fixture
def shell() -> Iterator[Any]:
    with recording_instance() as made:
        yield made


def run(shell: Any, *cells: str) -> None:
    for code in cells:
        shell.run_cell(code, store_history=True)


def fake_key(prefix: str, length: int = 40) -> str:
    """A made-up string shaped like a credential (never a real one)."""
    return prefix + ("Ab3" * length)[:length]


# -- the text ----------------------------------------------------------------------------------
def test_cells_become_one_labelled_block(shell: Any, capsys: Any) -> None:
    run(shell, "x = 2\nprint('x is', x)\nx * 21")
    gathered = gather(["cells"], shell)
    assert gathered.text == "\n".join(
        [
            HEADER,
            "",
            "### Cell [1]",
            "```python",
            "x = 2",
            "print('x is', x)",
            "x * 21",
            "```",
            "stdout:",
            "```text",
            "x is 2",
            "```",
            "Out[1]:",
            "```text",
            "42",
            "```",
            "",
            FOOTER,
        ]
    )
    assert gathered.items == [{"label": "cell [1]", "chars": len(gathered.text.split("\n\n")[1])}]
    assert gathered.images == [] and gathered.notes == []
    assert gather(["cells"], shell) == gathered  # deterministic


def test_an_output_holding_backticks_gets_a_longer_fence(shell: Any, capsys: Any) -> None:
    run(shell, "print('```python\\nx\\n```')")
    text = gather(["cells"], shell).text
    assert "stdout:\n````text\n```python\nx\n```\n````" in text


def test_no_specs_gather_nothing(shell: Any) -> None:
    assert gather([], shell).text == ""


def test_cells_skip_prompts_and_take_the_last_n(shell: Any, capsys: Any) -> None:
    run(shell, "a = 1", "%%respond\nwhat is a?", "b = 2", "c = 3")
    text = gather(["cells"], shell).text
    assert "what is a?" not in text
    assert [line for line in text.splitlines() if line.startswith("### ")] == [
        "### Cell [1]",
        "### Cell [3]",
        "### Cell [4]",
    ]
    last_two = gather(["cells:2"], shell)
    assert [item["label"] for item in last_two.items] == ["cell [3]", "cell [4]"]


def test_the_running_cell_is_not_included(shell: Any, capsys: Any) -> None:
    shell.user_ns["gather"] = gather
    run(shell, "a = 1", "seen = gather(['cells'], get_ipython()).text")
    seen = shell.user_ns["seen"]
    assert "a = 1" in seen and "seen = gather" not in seen


def test_no_cells_yet_is_a_note_not_an_error(shell: Any) -> None:
    gathered = gather(["cells"], shell)
    assert gathered.text == "" and gathered.notes == ["no code cells have run before this one"]


def test_displayed_images_are_attached_and_named_in_the_text(shell: Any, capsys: Any) -> None:
    shell.user_ns["png"] = tiny_png()
    run(shell, "from IPython.display import Image\nImage(data=png, format='png')")
    gathered = gather(["cells"], shell)
    assert [(i.label, i.mime, i.data) for i in gathered.images] == [
        ("cell [1] image 1", "image/png", tiny_png())
    ]
    assert '[image: image/png, attached as "cell [1] image 1"]' in gathered.text
    assert gathered.items[0]["note"] == "image attached"


def test_at_most_eight_images_are_sent_newest_first(shell: Any, capsys: Any) -> None:
    shell.user_ns["png"] = tiny_png()
    for _ in range(10):
        run(shell, "from IPython.display import Image\nImage(data=png, format='png')")
    gathered = gather(["cells"], shell, budget_tokens=0)
    assert [i.label for i in gathered.images] == [f"cell [{n}] image 1" for n in range(3, 11)]
    assert "left out 2 older images (at most 8 are sent)" in gathered.notes
    assert gathered.text.count("not attached (too many images)") == 2


def test_the_error_spec_shows_the_last_exception(shell: Any, capsys: Any) -> None:
    with pytest.raises(OptionsError, match="no error to show"):
        gather(["error"], shell)
    run(shell, "d = {}\nd['missing']", "ok = 1")
    gathered = gather(["error"], shell)
    assert gathered.items == [{"label": "error (KeyError)", "chars": gathered.items[0]["chars"]}]
    assert "### Last error: KeyError in cell [1]" in gathered.text
    assert "d['missing']" in gathered.text and "KeyError: 'missing'" in gathered.text


def test_cells_from_before_the_extension_say_their_output_is_unknown(capsys: Any) -> None:
    InteractiveShell.clear_instance()
    config = Config()
    config.HistoryManager.hist_file = ":memory:"
    shell = InteractiveShell.instance(config=config)
    try:
        run(shell, "early = 1\nprint('lost')\nearly")
        install(shell)
        run(shell, "late = 2")
        gathered = gather(["cells"], shell)
        assert gathered.notes == [
            "cell [1] ran before jupyter_responses was loaded: only its source and result are known"
        ]
        assert "(Ran before jupyter_responses was loaded: output unknown.)" in gathered.text
        assert "stdout:" not in gathered.text and "Out[1]:\n```text\n1\n```" in gathered.text
        assert gathered.items[0]["note"] == "output not recorded"
    finally:
        uninstall(shell)
        atexit.unregister(shell.atexit_operations)
        shell.atexit_operations()
        InteractiveShell.clear_instance()


# -- variables ---------------------------------------------------------------------------------
def test_vars_is_a_table_of_the_users_own_variables(shell: Any, capsys: Any) -> None:
    run(
        shell,
        "import os\nfrom os import path\n"
        "def helper(): pass\nclass Thing: pass\n"
        "_private = 1\nnumbers = [1, 2, 3]\nname = 'Ada | Lovelace'\nthing = Thing()\n"
        "In = 'mine'",  # reassigning one of IPython's names does not make it the user's
    )
    gathered = gather(["vars"], shell)
    table = gathered.text.split("### Variables\n", 1)[1].split("\n\n", 1)[0]
    assert table.splitlines() == [
        "| name | type | shape/len | value |",
        "|---|---|---|---|",
        "| name | str | 14 | 'Ada \\| Lovelace' |",
        "| numbers | list | 3 | [1, 2, 3] |",
        "| thing | Thing |  | <__main__.Thing object> |",
    ]
    assert gathered.items == [{"label": "vars (3 variables)", "chars": gathered.items[0]["chars"]}]


def test_vars_with_nothing_defined(shell: Any) -> None:
    gathered = gather(["vars"], shell)
    assert "(no variables defined)" in gathered.text
    assert gathered.items[0]["label"] == "vars (0 variables)"


# -- one value ---------------------------------------------------------------------------------
def test_a_name_gives_its_bounded_repr(shell: Any, capsys: Any) -> None:
    run(shell, "big = list(range(1000))\nclass Box:\n    inner = {'k': 1}\nbox = Box()")
    gathered = gather(["big", "box.inner"], shell)
    assert [item["label"] for item in gathered.items] == ["big (list 1000)", "box.inner (dict 1)"]
    assert "### big\n```text\n[0, 1, 2," in gathered.text and "...]" in gathered.text
    assert "### box.inner\n```text\n{'k': 1}\n```" in gathered.text


def test_a_function_defined_in_a_cell_gives_its_source(shell: Any, capsys: Any) -> None:
    run(shell, "def double(x):\n    return 2 * x")
    text = gather(["double"], shell).text
    assert "### double\n```python\ndef double(x):\n    return 2 * x\n```" in text


def test_an_unknown_name_says_which_names_are_close(shell: Any, capsys: Any) -> None:
    run(shell, "dataframe = 1\ndata = 2")
    with pytest.raises(OptionsError) as raised:
        gather(["datafram"], shell)
    assert str(raised.value) == (
        "--context datafram: there is no variable named 'datafram' in this notebook. "
        "Did you mean dataframe, data?"
    )
    with pytest.raises(OptionsError, match=r"data \(a int\) has no attribute 'real_part'"):
        gather(["data.real_part"], shell)


# -- specs -------------------------------------------------------------------------------------
def test_specs_parse_in_order_without_repeats() -> None:
    assert parse_specs(["cells:3", "vars,df", "error", "df", "model.coef_", "var:cells"]) == [
        CellsSpec(3),
        VarsSpec(),
        NameSpec("df"),
        ErrorSpec(),
        NameSpec("model.coef_"),
        NameSpec("cells"),
    ]
    assert parse_specs(["cells:2", "cells:5"]) == [CellsSpec(5)]
    assert parse_specs(["cells:2", "cells"]) == [CellsSpec(None)]


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ("cells:0", "--context 'cells:0': cells:N takes a whole number of cells, 1 or more"),
        ("cells:many", "not 'many'"),
        ("df[0]", "--context 'df[0]' is not something to gather. Use cells (the code cells"),
        ("vars,1x", "--context '1x' (in 'vars,1x') is not something to gather"),
        ("class", "is not something to gather"),
        ("", "--context '' is not something to gather"),
    ],
)
def test_a_bad_spec_says_what_is_valid(spec: str, message: str) -> None:
    with pytest.raises(OptionsError) as raised:
        parse_specs([spec])
    assert message in str(raised.value)
    if "something to gather" in message:
        assert "vars (a table of your variables)" in str(raised.value)


def test_a_bad_spec_fails_before_anything_is_gathered(shell: Any, capsys: Any) -> None:
    with pytest.raises(OptionsError):
        gather(["vars", "not valid"], shell)


# -- the budget --------------------------------------------------------------------------------
def test_over_budget_the_oldest_cells_go_first(shell: Any, capsys: Any) -> None:
    for n in range(1, 7):
        run(shell, f"print('{n}' * 400)")
    full = gather(["cells", "vars"], shell, budget_tokens=0)
    assert len(full.items) == 7 and full.notes == []
    # Room for all but the three oldest cells: they are dropped, nothing is shortened.
    room = len(full.text) - sum(item["chars"] + 2 for item in full.items[:3])
    fitted = gather(["cells", "vars"], shell, budget_tokens=room // 4 + 1)
    assert [item["label"] for item in fitted.items] == [
        "cell [4]",
        "cell [5]",
        "cell [6]",
        "vars (0 variables)",
    ]
    assert fitted.notes == ["dropped cells [1]-[3] (older than the budget allows)"]
    assert len(fitted.text) == room


def test_then_the_longest_outputs_are_shortened(shell: Any, capsys: Any) -> None:
    run(shell, "word = 'z' * 1900", "print('a' * 100)", "print('b' * 2500)\nprint('c' * 100)")
    kept = gather(["cells:1", "word"], shell, budget_tokens=0)
    # Cut 3,400 characters: the oldest cell goes, then both long pieces lose some.
    budget = (len(kept.text) - 3400) // 4
    fitted = gather(["cells:2", "word"], shell, budget_tokens=budget)
    assert fitted.notes == [
        "dropped cell [2] (older than the budget allows)",
        "shortened the output of [3]",
        "shortened the value of word",
    ]
    assert [item.get("note") for item in fitted.items] == ["shortened", "shortened"]
    assert fitted.text.count("characters cut to fit the context budget") == 2
    assert "c" * 50 in fitted.text  # the end of an output is kept, as its start
    assert len(fitted.text) <= budget * 4


def test_the_last_resort_cuts_the_text(shell: Any, capsys: Any) -> None:
    run(shell, "\n".join(f"v{n} = {n}" for n in range(300)))  # a long source: never shortened
    fitted = gather(["cells"], shell, budget_tokens=100)
    assert len(fitted.text) <= 400
    assert fitted.text.startswith(HEADER[:100]) and fitted.text.endswith(FOOTER)
    assert fitted.notes == ["cut the context to about 100 tokens (it was still too long)"]


# -- redaction ---------------------------------------------------------------------------------
def test_secret_named_variables_never_show_their_value(shell: Any, capsys: Any) -> None:
    secret = "correct-horse-42-battery"
    shell.user_ns["api_key"] = secret
    run(shell, "print('using', api_key)\nsettings = {'db_password': api_key}\nplain = 'visible'")
    gathered = gather(["cells", "vars", "api_key", "settings"], shell)
    assert secret not in gathered.text
    assert "| api_key | str | 24 | <redacted> |" in gathered.text
    assert "### api_key\n<redacted>" in gathered.text
    assert "'visible'" in gathered.text
    assert any(note.startswith("redacted ") for note in gathered.notes)
    labels = {item["label"]: item.get("note", "") for item in gathered.items}
    assert labels["api_key (str)"] == "redacted"


def test_key_shaped_strings_are_redacted_wherever_they_appear(shell: Any, capsys: Any) -> None:
    keys = [
        fake_key("sk-proj-"),
        fake_key("ghp_"),
        "AKIA" + "ABCDEFGH23456789",
        fake_key("sk-ant-api03-"),
    ]
    shell.user_ns["found"] = keys
    run(
        shell,
        "for k in found:\n    print('found', k)\nheaders = 'Authorization: Bearer ' + 'x1y2' * 8",
    )
    gathered = gather(["cells", "found", "headers"], shell)
    for key in keys:
        assert key not in gathered.text
    assert "x1y2x1y2" not in gathered.text
    assert gathered.text.count("found <redacted>") == 4


def test_the_openai_key_from_the_environment_never_appears(
    shell: Any, capsys: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    value = "not-a-real-key-" + "7f" * 10  # not key-shaped: only the exact match catches it
    monkeypatch.setenv("OPENAI_API_KEY", value)
    run(shell, "import os\nprint(os.environ['OPENAI_API_KEY'])\nk = os.environ['OPENAI_API_KEY']")
    gathered = gather(["cells", "vars", "k"], shell)
    assert value not in gathered.text
    assert "<redacted>" in gathered.text


# -- fix_context -------------------------------------------------------------------------------
def test_fix_context_sends_the_failing_cell_and_what_it_reads(shell: Any, capsys: Any) -> None:
    run(
        shell,
        "import math",  # [1] not read by the failing cell
        "base = 0",  # [2] read by [3]
        "data = [2, base]",  # [3] read by the failing cell
        "scale = 10",  # [4] read by the failing cell
        "unrelated = 5",  # [5]
        "scale = 100",  # [6] the latest binder of scale wins over [4]
        "def ratio(v, s=scale):\n    local = s / v\n    return local",  # [7]
        "result = [ratio(x) for x in data]",  # [8] raises ZeroDivisionError
        "after = 1",
    )
    gathered = fix_context(shell, None, budget_tokens=0)
    assert [(item["label"], item.get("note")) for item in gathered.items] == [
        ("cell [2]", "defines base"),
        ("cell [3]", "defines data"),
        ("cell [6]", "defines scale"),
        ("cell [7]", "defines ratio"),
        ("cell [8]", "raised ZeroDivisionError"),
    ]
    assert "ZeroDivisionError: division by zero" in gathered.text
    assert fix_context(shell, 8, budget_tokens=0) == gathered


def test_fix_context_drops_the_oldest_dependencies_first(shell: Any, capsys: Any) -> None:
    run(shell, "a = '" + "x" * 2000 + "'", "b = 1", "a + b")
    fitted = fix_context(shell, None, budget_tokens=200)
    assert [item["label"] for item in fitted.items] == ["cell [2]", "cell [3]"]
    assert fitted.notes == ["dropped cell [1] (older than the budget allows)"]


def test_fix_context_sees_through_ipython_syntax(shell: Any, capsys: Any) -> None:
    run(shell, "%time value = 3", "%%time\nvalue / 0")
    gathered = fix_context(shell, None, budget_tokens=0)
    assert [item["label"] for item in gathered.items] == ["cell [1]", "cell [2]"]


def test_fix_context_needs_a_failed_cell(shell: Any, capsys: Any) -> None:
    with pytest.raises(OptionsError, match="Nothing to fix"):
        fix_context(shell, None, 1000)
    run(shell, "x = 1")
    with pytest.raises(OptionsError, match=r"Cell \[1\] did not raise an error"):
        fix_context(shell, 1, 1000)
    with pytest.raises(OptionsError, match=r"There is no code cell \[7\] to fix"):
        fix_context(shell, 7, 1000)
