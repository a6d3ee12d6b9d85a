"""A prompt over a table: ``jupyter_responses.map`` and ``%%respond --map``.

``rows`` (``rows.py``) are read into the names each row's prompt is filled from; the
rows not answered by an earlier run (``saved.py``) are sent, a bounded number at a
time within the server's rate limits (``pacing.py``, ``run.py``), or all at once
through the Batch API (``batch.py``); progress shows as it goes (``progress.py``).
"""

from __future__ import annotations

from typing import Any

from .run import CONCURRENCY, MapInterrupted, MapJob

__all__ = ["CONCURRENCY", "MapInterrupted", "MapJob", "map_rows"]


def map_rows(
    prompt: str,
    rows: Any,
    *,
    api: str | None = None,
    model: str | None = None,
    schema: Any = None,
    instructions: str | None = None,
    temperature: float | None = None,
    max_tokens: int | None = None,
    reasoning: str | None = None,
    concurrency: int = CONCURRENCY,
    batch: bool = False,
    progress: bool = True,
    namespace: dict[str, Any] | None = None,
) -> Any:
    """``jupyter_responses.map``: see its docstring in the package."""
    from .. import errors
    from ..backends import BACKENDS
    from ..turn_request import TurnOptions
    from .kernel import context

    names = dict(namespace or {})
    schema_name = None
    if schema is not None:
        schema_name = getattr(schema, "__name__", None) or "Answer"
        names.setdefault(schema_name, schema)
    ctx = context()
    api = api or ctx.settings().api
    if api not in BACKENDS:
        raise errors.OptionsError(f"api takes {' or '.join(map(repr, BACKENDS))}, not {api!r}.")
    options = TurnOptions(
        api=api,
        prompt=prompt,
        model=model,
        system=instructions,
        temperature=temperature,
        max_tokens=max_tokens,
        reasoning=reasoning,
        schema=schema_name,
        no_interpolate=True,
        no_stream=True,
    )
    return ctx.run(options, rows, names, concurrency=concurrency, batch=batch, progress=progress)
