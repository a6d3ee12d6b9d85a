"""What the model is told about one value (``jupyter_responses.context.summaries``),
through ``gather`` on a real shell for the libraries (each test skips when its library
is not installed), and the redaction rules on their own."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from typing import Any

import pytest

from jupyter_responses.context import gather, redact
from jupyter_responses.context.redact import is_secret_name, redact_counting
from jupyter_responses.context.summaries import describe, one_line, shape_of, short_repr
from tests.shells import recording_instance

PNG = b"\x89PNG\r\n\x1a\n"


@pytest.fixture
def shell() -> Iterator[Any]:
    with recording_instance() as made:
        yield made


def run(shell: Any, code: str) -> None:
    result = shell.run_cell(code, store_history=True)
    assert result.success, result.error_in_exec or result.error_before_exec


# -- plain values ------------------------------------------------------------------------------
def test_a_repr_is_bounded_and_loses_memory_addresses() -> None:
    class Thing:
        pass

    assert short_repr(Thing()).endswith(".Thing object>") and "0x" not in short_repr(Thing())
    long_list = short_repr(list(range(10_000)))
    assert long_list.startswith("[0, 1, 2") and long_list.endswith(", ...]")
    assert len(short_repr("x" * 100_000)) <= 2_000

    class Broken:
        def __repr__(self) -> str:
            raise RuntimeError("no")

    assert short_repr(Broken()) == "<Broken instance>"  # reprlib's stand-in, never a raise


def test_one_line_and_shape() -> None:
    assert one_line("a\nb   c") == "'a\\nb c'"  # one line, runs of spaces as one
    assert len(one_line(list(range(1000)))) <= 80
    assert (shape_of([1, 2]), shape_of("abc"), shape_of(3), shape_of(list)) == ("2", "3", "", "")


def test_no_library_is_imported_to_test_a_type() -> None:
    heavy = ("pandas", "polars", "numpy", "matplotlib", "PIL")
    before = {name for name in heavy if name in sys.modules}
    describe("x", {"a": 1})
    one_line(3)
    assert {name for name in heavy if name in sys.modules} == before


# -- libraries ---------------------------------------------------------------------------------
def test_a_pandas_dataframe(shell: Any, capsys: Any) -> None:
    import pandas  # noqa: F401  (a test dependency: never skipped)

    run(
        shell,
        "import pandas as pd\n"
        "df = pd.DataFrame({'city': ['Oslo', 'Lima', None], 'temp': [3.5, 19.0, None]})",
    )
    gathered = gather(["df", "vars"], shell)
    assert gathered.items[0]["label"] == "df (DataFrame 3\u00d72)"
    text = gathered.text
    assert "pandas DataFrame: 3 rows \u00d7 2 columns." in text
    assert "| column | dtype | nulls |" in text
    assert "| temp | float64 | 1 |" in text
    assert "First 3 rows:\n```text\n" in text and "Oslo" in text and "19.0" in text
    assert "| df | DataFrame | 3\u00d72 | columns: city, temp |" in text


def test_a_pandas_series(shell: Any, capsys: Any) -> None:
    import pandas  # noqa: F401  (a test dependency: never skipped)

    run(shell, "import pandas as pd\ns = pd.Series([1, 2, 4], name='n')")
    text = gather(["s"], shell).text
    assert "pandas Series 'n': 3 values, dtype int64, 0 nulls; min 1, max 4, mean 2.33333." in text


def test_a_polars_dataframe(shell: Any, capsys: Any) -> None:
    import polars  # noqa: F401  (a test dependency: never skipped)

    run(shell, "import polars as pl\npf = pl.DataFrame({'a': [1, None, 3], 'b': ['x', 'y', 'z']})")
    gathered = gather(["pf"], shell)
    assert gathered.items[0]["label"] == "pf (DataFrame 3\u00d72)"
    assert "polars DataFrame: 3 rows \u00d7 2 columns." in gathered.text
    assert "| a | Int64 | 1 |" in gathered.text and "| b | String | 0 |" in gathered.text


def test_a_numpy_array(shell: Any, capsys: Any) -> None:
    import numpy  # noqa: F401  (a test dependency: never skipped)

    run(shell, "import numpy as np\narr = np.arange(12.0).reshape(3, 4)\narr[0, 0] = np.nan")
    gathered = gather(["arr"], shell)
    assert gathered.items[0]["label"] == "arr (ndarray 3\u00d74)"
    assert (
        "numpy array: shape 3\u00d74, dtype float64; min 1, max 11, mean 6; 1 NaN." in gathered.text
    )
    run(shell, "big = np.zeros((1000, 1000), dtype=np.int8)")
    assert "..." in gather(["big"], shell).text  # numpy's own summarising


def test_a_matplotlib_figure_is_sent_as_an_image(shell: Any, capsys: Any) -> None:
    import matplotlib  # noqa: F401  (a test dependency: never skipped)

    run(
        shell,
        "import matplotlib\nmatplotlib.use('Agg')\nimport matplotlib.pyplot as plt\n"
        "fig, ax = plt.subplots(figsize=(4, 3))\nax.plot([1, 2, 3])\nax.set_title('Growth')\n"
        "ax.set_xlabel('day')",
    )
    gathered = gather(["fig", "ax"], shell)
    assert [(i.label, i.mime) for i in gathered.images] == [
        ("fig", "image/png"),
        ("ax", "image/png"),
    ]
    assert all(image.data.startswith(PNG) for image in gathered.images)
    assert "matplotlib Figure (400\u00d7300 px at 100 dpi), attached as an image." in gathered.text
    assert "- Axes 1: title 'Growth', x label 'day'" in gathered.text
    assert [(i["label"], i.get("note")) for i in gathered.items] == [
        ("fig (Figure)", "image attached"),
        ("ax (Axes)", "image attached"),
    ]
    run(shell, "plt.close('all')")


def test_a_pil_image_is_sent_as_png(shell: Any, capsys: Any) -> None:
    import PIL  # noqa: F401  (a test dependency: never skipped)

    run(
        shell,
        "from PIL import Image\nsmall = Image.new('CMYK', (30, 20))\n"
        "large = Image.new('RGB', (5000, 100))",
    )
    gathered = gather(["small", "large"], shell)
    assert [i.label for i in gathered.images] == ["small", "large"]
    assert all(image.data.startswith(PNG) for image in gathered.images)
    assert "PIL Image: 30\u00d720 pixels, mode CMYK, attached as an image." in gathered.text
    assert "(scaled to 2048\u00d7" in gathered.text


def test_an_image_the_cell_showed_is_attached(shell: Any, capsys: Any) -> None:
    import PIL  # noqa: F401  (a test dependency: never skipped)

    run(shell, "from PIL import Image\nImage.new('RGB', (8, 8), 'red')")
    gathered = gather(["cells"], shell)
    assert [i.label for i in gathered.images] == ["cell [1] image 1"]
    assert gathered.images[0].data.startswith(PNG)


# -- redaction rules ---------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("name", "secret"),
    [
        ("api_key", True),
        ("OPENAI_API_KEY", True),
        ("githubToken", True),
        ("APIKey", True),
        ("db_password", True),
        ("passwd", True),
        ("my_credentials", True),
        ("SECRET", True),
        ("keyboard", False),
        ("tokens", False),
        ("monkey", False),
        ("df", False),
    ],
)
def test_secret_names(name: str, secret: bool) -> None:
    assert is_secret_name(name) is secret


def test_key_shapes_are_redacted() -> None:
    made_up = {
        "openai": "sk-proj-" + "Ab1" * 15,
        "anthropic": "sk-ant-api03-" + "Cd2" * 15,
        "github": "ghp_" + "Ef3" * 12,
        "aws": "AKIA" + "ABCDEFGH23456789",
        "hf": "hf_" + "Gh4" * 12,
    }
    for key in made_up.values():
        assert redact(f"value: {key}.") == "value: <redacted>."
    assert (
        redact("Authorization: Bearer abc.def-123456789xyz") == "Authorization: Bearer <redacted>"
    )
    assert redact("postgres://ada:hunter2@db/x") == "postgres://ada:<redacted>@db/x"


def test_values_after_secret_names_are_redacted_when_they_look_random() -> None:
    assert redact("api_key = 'a1b2c3d4e5'") == "api_key = '<redacted>'"
    assert redact('{"token": "zz99yy88xx"}') == '{"token": "<redacted>"}'
    assert redact("url?key=3f9a0b8c7d6e5f4a3b2c") == "url?key=<redacted>"
    # Words and code are not secrets.
    for text in (
        "sort_key='length'",
        "key = 'species'",
        "max_tokens=100000000000000000",
        "api_key = os.environ['X']",
        "task-abcdefghijklmnopqrstuvwxyz",
    ):
        assert redact(text) == text


def test_exact_values_and_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", "plain-words-only-here")
    monkeypatch.setenv("HF_TOKEN", "another-value-here")
    monkeypatch.setenv("SHORT_TOKEN", "abc")  # too short to replace safely
    text, count = redact_counting(
        "plain-words-only-here and another-value-here and abc and mine-1234", ["mine-1234"]
    )
    assert text == "<redacted> and <redacted> and abc and <redacted>"
    assert count == 3
