"""Where a map runs: in a kernel with the extension loaded, with its settings (the
``%config`` traits), its conversation store and its frontend; elsewhere (a script,
IPython without the extension), with the traits' defaults and the default store."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

from ..errors import OptionsError
from .progress import make_progress
from .run import MapJob, run_map
from .saved import MapStore

if TYPE_CHECKING:
    from ..config import Settings
    from ..store import Store
    from ..turn_request import TurnOptions

#: Most requests a map may have in flight.
MOST_CONCURRENCY = 64


@dataclass
class MapContext:
    settings: Callable[[], Settings]
    store: Store | None
    shell: Any
    widgets: bool
    conversation_id: str | None
    user_namespace: dict[str, Any]

    def run(
        self,
        options: TurnOptions,
        rows: Any,
        names: dict[str, Any],
        *,
        concurrency: int,
        batch: bool,
        progress: bool,
        interpolate: bool = True,
    ) -> Any:
        """Check the map's options (one paragraph, before anything is sent), then run
        it. ``options.prompt`` is the template: each row's names fill it (unless
        ``interpolate`` is off, or the ``interpolate`` trait)."""
        from ..attachments import FileStore
        from ..backends import BACKENDS
        from ..turn_request import build_request

        if not 1 <= concurrency <= MOST_CONCURRENCY:
            raise OptionsError(
                f"concurrency takes 1 to {MOST_CONCURRENCY} requests at once, not {concurrency}."
            )
        if options.tools or options.file or options.context:
            raise OptionsError(
                "A map sends each row as one request of its own: tools, files and --context "
                "are not sent with it. Put what the rows need into the prompt template."
            )
        namespace = {**self.user_namespace, **names}
        settings = self.settings()
        request = build_request(options, settings, namespace, FileStore(), shell=self.shell)
        request = replace(request, instructions=options.system or None, store=False, stream=False)
        BACKENDS[request.api].validate(request)
        job = MapJob(
            request,
            namespace,
            interpolate=settings.interpolate and interpolate,
            concurrency=concurrency,
            conversation_id=self.conversation_id,
        )
        shown = make_progress(self.shell, self.widgets, progress)
        if batch:
            from .batch import run_batch

            return run_batch(job, rows, self.settings, MapStore(self.store), shown)
        return run_map(job, rows, self.settings, MapStore(self.store), shown)


def context() -> MapContext:
    """The kernel's (the extension loaded), else one of defaults."""
    from IPython import get_ipython

    shell = get_ipython()
    magics = shell.magics_manager.registry.get("ResponsesMagics") if shell is not None else None
    if magics is not None:
        session = magics.session
        return MapContext(
            magics.settings,
            session.threads.store(),
            shell,
            bool(magics.widgets),
            session.conversation.id,
            shell.user_ns,
        )
    from ..config import ResponsesConfig
    from ..store import Store, StoreError, default_path

    config = ResponsesConfig()
    path = config.db_path or str(default_path())
    try:
        store: Store | None = Store(path)
    except StoreError:
        store = None
    return MapContext(config.settings, store, shell, False, None, {})
