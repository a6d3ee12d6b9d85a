"""What the model is told about one value: a DataFrame's shape, columns and first rows,
an array's statistics, a figure as a picture, anything else its (bounded) repr.

pandas, polars, numpy, matplotlib and PIL are only looked at when the user's code has
imported them already (``sys.modules``): a type test never imports a heavy library.
"""

from __future__ import annotations

import inspect
import io
import re
import reprlib
import sys
import types
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from .sections import Piece

TIMES = "\u00d7"
MAX_REPR_CHARS = 2_000
MAX_COLUMNS = 40
HEAD_ROWS = 5
#: Longest side of a PIL image sent (a larger one is sent scaled down).
MAX_IMAGE_SIDE = 2048


@dataclass
class Summary:
    kind: str  # for the label: "DataFrame 300 by 4" (with a times sign), "int"
    pieces: list[Piece]
    images: list[tuple[str, bytes]] = field(default_factory=list)  # (mime, data)


def _repr_with(limit: int, items: int) -> reprlib.Repr:
    shaper = reprlib.Repr()
    shaper.maxstring = limit
    shaper.maxother = limit
    shaper.maxlong = limit
    shaper.maxlist = shaper.maxtuple = shaper.maxset = shaper.maxfrozenset = items
    shaper.maxdeque = shaper.maxarray = items
    shaper.maxdict = items
    shaper.maxlevel = 4
    return shaper


_ADDRESS = re.compile(r" at 0x[0-9a-fA-F]+")
_LONG = _repr_with(MAX_REPR_CHARS, 50)
_SHORT = _repr_with(80, 8)


def short_repr(value: object, limit: int = MAX_REPR_CHARS) -> str:
    """``repr(value)``, bounded: containers show their first items, other reprs are
    cut; a repr that raises is reported, not raised. Memory addresses (``at 0x7f...``)
    are left out: they say nothing to the model and change on every run."""
    try:
        text = _LONG.repr(value) if limit >= MAX_REPR_CHARS else _SHORT.repr(value)
    except Exception as error:
        return f"<repr failed: {type(error).__name__}>"
    text = _ADDRESS.sub("", text)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def one_line(value: object, limit: int = 80) -> str:
    """A value in a table cell: one line, at most ``limit`` characters."""
    summary = _table_value(value)
    if summary is None:
        summary = short_repr(value, limit)
    text = " ".join(summary.split())
    return text if len(text) <= limit else text[: limit - 3] + "..."


def shape_of(value: object) -> str:
    """A ``shape`` as ``300 by 4`` (with a times sign), else the length of a sized
    value, else ``""``."""
    if isinstance(value, type):
        return ""
    try:
        shape = getattr(value, "shape", None)
        if isinstance(shape, tuple) and all(isinstance(n, int) for n in shape):
            return TIMES.join(str(n) for n in shape) if shape else "scalar"
        if hasattr(type(value), "__len__"):
            return str(len(value))  # type: ignore[arg-type]
    except Exception:
        return ""
    return ""


def is_user_value(value: object) -> bool:
    """A value the variables table shows: not a module, function or class."""
    return not (isinstance(value, (types.ModuleType, type)) or inspect.isroutine(value))


def describe(name: str, value: object) -> Summary:
    for test, summarise in _SUMMARIES:
        if test(value):
            try:
                return summarise(name, value)
            except Exception:
                break  # a library changed its API: its repr still says something
    return _plain(name, value)


def _class_in(module: str, *names: str) -> tuple[type, ...]:
    loaded = sys.modules.get(module)
    found = (getattr(loaded, name, None) for name in names)
    return tuple(cls for cls in found if isinstance(cls, type))


def _is(module: str, *names: str) -> Callable[[object], bool]:
    return lambda value: isinstance(value, _class_in(module, *names))


def _type_name(value: object) -> str:
    return type(value).__name__


def _plain(name: str, value: object) -> Summary:
    shape = shape_of(value)
    kind = f"{_type_name(value)} {shape}" if shape else _type_name(value)
    return Summary(kind, [Piece(short_repr(value), fence="text", what=f"the value of {name}")])


def markdown_table(header: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    def line(cells: Sequence[str]) -> str:
        return "| " + " | ".join(c.replace("|", "\\|") for c in cells) + " |"

    return "\n".join([line(header), "|" + "---|" * len(header), *(line(r) for r in rows)])


def _columns_table(columns: list[tuple[str, str, int]], name: str) -> Piece:
    rows = [(col, dtype, str(nulls)) for col, dtype, nulls in columns[:MAX_COLUMNS]]
    text = markdown_table(("column", "dtype", "nulls"), rows)
    if len(columns) > MAX_COLUMNS:
        text += f"\n(and {len(columns) - MAX_COLUMNS} more columns)"
    return Piece(text, what=f"the columns of {name}")


def _pandas_frame(name: str, frame: Any) -> Summary:
    rows, cols = frame.shape
    nulls = frame.isna().sum()
    columns = [
        (str(c), str(t), int(n))
        for c, t, n in zip(frame.columns, frame.dtypes, nulls, strict=False)
    ]
    head = frame.head(HEAD_ROWS).to_string(max_cols=20, max_colwidth=40)
    return Summary(
        f"DataFrame {rows}{TIMES}{cols}",
        [
            Piece(f"pandas DataFrame: {rows} rows {TIMES} {cols} columns."),
            _columns_table(columns, name),
            Piece(head, title=f"First {min(rows, HEAD_ROWS)} rows:", fence="text", what=name),
        ],
    )


def _pandas_series(name: str, series: Any) -> Summary:
    called = f"pandas Series {series.name!r}" if series.name is not None else "pandas Series"
    facts = [f"{len(series)} values, dtype {series.dtype}, {_nulls(int(series.isna().sum()))}"]
    if series.dtype.kind in "iuf" and len(series):
        facts.append(f"min {series.min()}, max {series.max()}, mean {series.mean():.6g}")
    head = series.head(HEAD_ROWS).to_string()
    return Summary(
        f"Series {len(series)}",
        [
            Piece(f"{called}: " + "; ".join(facts) + "."),
            Piece(
                head, title=f"First {min(len(series), HEAD_ROWS)} values:", fence="text", what=name
            ),
        ],
    )


def _polars_frame(name: str, frame: Any) -> Summary:
    rows, cols = frame.shape
    nulls = frame.null_count().row(0)
    columns = [
        (str(c), str(t), int(n)) for (c, t), n in zip(frame.schema.items(), nulls, strict=False)
    ]
    return Summary(
        f"DataFrame {rows}{TIMES}{cols}",
        [
            Piece(f"polars DataFrame: {rows} rows {TIMES} {cols} columns."),
            _columns_table(columns, name),
            Piece(str(frame.head(HEAD_ROWS)), title="First rows:", fence="text", what=name),
        ],
    )


def _polars_series(name: str, series: Any) -> Summary:
    facts = f"polars Series {series.name!r}: {series.len()} values, dtype {series.dtype}, "
    facts += f"{_nulls(series.null_count())}."
    return Summary(
        f"Series {series.len()}",
        [
            Piece(facts),
            Piece(str(series.head(HEAD_ROWS)), title="First values:", fence="text", what=name),
        ],
    )


def _nulls(count: int) -> str:
    return f"{count} null{'' if count == 1 else 's'}"


def _numpy_array(name: str, array: Any) -> Summary:
    numpy = sys.modules["numpy"]
    shape = TIMES.join(str(n) for n in array.shape) or "scalar"
    facts = [f"numpy array: shape {shape}, dtype {array.dtype}"]
    if array.size and numpy.issubdtype(array.dtype, numpy.number):
        with numpy.errstate(all="ignore"), warnings.catch_warnings():
            warnings.simplefilter("ignore")
            if numpy.issubdtype(array.dtype, numpy.complexfloating):
                facts.append(f"mean {numpy.mean(array):.6g}")
            else:
                facts.append(
                    f"min {numpy.nanmin(array):.6g}, max {numpy.nanmax(array):.6g}, "
                    f"mean {numpy.nanmean(array):.6g}"
                )
            if numpy.issubdtype(array.dtype, numpy.inexact):
                missing = int(numpy.isnan(array).sum())
                if missing:
                    facts.append(f"{missing} NaN")
    values = numpy.array2string(array, threshold=30, edgeitems=3, max_line_width=100)
    return Summary(
        f"ndarray {shape}",
        [Piece("; ".join(facts) + "."), Piece(values, title="Values:", fence="text", what=name)],
    )


def _figure_of(value: Any) -> Any:
    """The figure that can be saved: an Axes' or a SubFigure's own (``.figure``)."""
    figure = value
    for _ in range(3):
        if hasattr(figure, "savefig"):
            break
        figure = figure.figure
    return figure


def _matplotlib_figure(name: str, value: Any) -> Summary:
    figure = _figure_of(value)
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=100, bbox_inches="tight")
    width, height = (round(n * 100) for n in figure.get_size_inches())
    lines = [f"matplotlib Figure ({width}{TIMES}{height} px at 100 dpi), attached as an image."]
    for number, axes in enumerate(figure.get_axes(), 1):
        said = [
            f"{what} {text!r}"
            for what, text in (
                ("title", axes.get_title()),
                ("x label", axes.get_xlabel()),
                ("y label", axes.get_ylabel()),
            )
            if text
        ]
        lines.append(f"- Axes {number}: " + (", ".join(said) if said else "no title or labels"))
    kind = type(value).__name__  # Figure, or the Axes that stands for it
    return Summary(kind, [Piece("\n".join(lines))], [("image/png", buffer.getvalue())])


def _pil_image(name: str, image: Any) -> Summary:
    size = f"{image.width}{TIMES}{image.height}"
    sent = image
    if max(image.size) > MAX_IMAGE_SIDE:
        sent = image.copy()
        sent.thumbnail((MAX_IMAGE_SIDE, MAX_IMAGE_SIDE))
    if sent.mode not in ("1", "L", "LA", "I", "I;16", "P", "RGB", "RGBA"):
        sent = sent.convert("RGBA" if "A" in sent.mode else "RGB")
    buffer = io.BytesIO()
    sent.save(buffer, format="PNG")
    said = f"PIL Image: {size} pixels, mode {image.mode}, attached as an image"
    if sent.size != image.size:
        said += f" (scaled to {sent.width}{TIMES}{sent.height})"
    return Summary(f"Image {size}", [Piece(said + ".")], [("image/png", buffer.getvalue())])


def _source(name: str, value: Any) -> Summary:
    """A function or class defined in the notebook: its source (cells are in
    ``linecache``, so ``inspect`` finds it)."""
    source = inspect.getsource(value)
    return Summary(
        _type_name(value),
        [Piece(bounded_source(source), fence="python", what=f"the source of {name}")],
    )


def bounded_source(source: str, limit: int = 4 * MAX_REPR_CHARS) -> str:
    return source if len(source) <= limit else source[:limit] + "\n# ... (cut)"


_SUMMARIES = (
    (_is("pandas", "DataFrame"), _pandas_frame),
    (_is("pandas", "Series"), _pandas_series),
    (_is("polars", "DataFrame"), _polars_frame),
    (_is("polars", "Series"), _polars_series),
    (_is("numpy", "ndarray"), _numpy_array),
    (_is("matplotlib.figure", "Figure", "SubFigure"), _matplotlib_figure),
    (_is("matplotlib.axes", "Axes"), _matplotlib_figure),
    (_is("PIL.Image", "Image"), _pil_image),
    (lambda value: inspect.isfunction(value) or inspect.isclass(value), _source),
)


def _table_value(value: object) -> str | None:
    """A one-line stand-in for values whose repr is a multi-line table."""
    try:
        if isinstance(value, _class_in("pandas", "DataFrame") + _class_in("polars", "DataFrame")):
            return "columns: " + ", ".join(str(c) for c in value.columns)  # type: ignore[attr-defined]
        if isinstance(value, _class_in("numpy", "ndarray")):
            return f"dtype {value.dtype}"  # type: ignore[attr-defined]
        if isinstance(value, _class_in("pandas", "Series")):
            return f"dtype {value.dtype}"  # type: ignore[attr-defined]
    except Exception:
        return None
    return None
