"""The kernel's open conversations ("threads"), which one is current, and where they
are saved.

A thread is a name (``main``, or one given with ``-t NAME``) for an open
``Conversation``. Every conversation is written to the SQLite store as it changes, so
after a kernel restart ``%responses threads`` lists it and ``resume`` opens it again.
A store that cannot be written never costs the conversation in memory: the failure is
kept in ``save_error`` and the next successful save catches up.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from .conversation import DEFAULT_THREAD, Conversation
from .errors import OptionsError

if TYPE_CHECKING:
    from .store import SavedConversation, Store

#: Thread names are typed after ``-t`` and ``%responses use``: keep them one word.
_NAME = re.compile(r"[\w.-]{1,60}")


def check_name(name: str) -> str:
    if not _NAME.fullmatch(name):
        raise OptionsError(
            f"{name!r} is not a thread name: use letters, digits, '-', '_' or '.' (at most 60)."
        )
    return name


class Threads:
    def __init__(self, store_path: Callable[[], str]) -> None:
        self.open: dict[str, Conversation] = {DEFAULT_THREAD: Conversation()}
        self.current = DEFAULT_THREAD
        self.save_error: str | None = None
        self._store_path = store_path
        self._store: Store | None = None

    @property
    def conversation(self) -> Conversation:
        return self.open[self.current]

    def get(self, name: str | None) -> Conversation:
        """Thread ``name`` (started empty if there is none yet), or the current one."""
        if name is None:
            return self.conversation
        if name not in self.open:
            self.open[check_name(name)] = Conversation(name=name)
        return self.open[name]

    def fresh(self, name: str | None = None) -> Conversation:
        """A new, empty conversation in thread ``name`` (default: the current one). The
        conversation it replaces stays saved and can be resumed."""
        name = check_name(name) if name is not None else self.current
        self.open[name] = Conversation(name=name)
        return self.open[name]

    def switch(self, name: str) -> Conversation:
        """Make ``name`` current: an open thread, else the newest saved conversation
        of that name."""
        if name not in self.open:
            saved = [s for s in self.saved() if s.name == name]
            if not saved:
                raise OptionsError(
                    f"There is no thread {name!r}. Open threads: {', '.join(self.open)}; "
                    f"`%responses new {name}` starts it."
                )
            return self.resume(saved[0].id)
        self.current = name
        return self.conversation

    def resume(self, ref: str) -> Conversation:
        """Open the saved conversation ``ref`` (an id or its prefix) and make it current."""
        store = self.store()
        if store is None:
            raise OptionsError(self.save_error or "Conversations are not being saved.")
        try:
            conversation = store.load(ref)
        except LookupError as error:
            raise OptionsError(f"{error.args[0]} `%responses threads` lists them.") from None
        return self.adopt(conversation)

    def adopt(self, conversation: Conversation) -> Conversation:
        """Open ``conversation`` as a thread and make it current: under its own name,
        unless a thread holding turns has that name, then under a free variant of it.
        A conversation already open is just switched to."""
        for name, existing in self.open.items():
            if existing.id == conversation.id:
                self.current = name
                return existing
        name, suffix = conversation.name, 2
        while name in self.open and self.open[name].turns:
            name, suffix = f"{conversation.name}-{suffix}", suffix + 1
        conversation.name = name
        self.open[name] = conversation
        self.current = name
        return conversation

    # -- the store ---------------------------------------------------------------------
    def store(self) -> Store | None:
        """The store for the configured path (reopened when the path changes); ``None``
        (with ``save_error`` saying why) when it cannot be opened."""
        from .store import Store, StoreError, default_path

        path = self._store_path() or str(default_path())
        if path != ":memory:":  # the trait is absolute already (resolved when set)
            path = str(Path(path).expanduser().resolve())
        if self._store is not None and self._store.path == path:
            return self._store
        if self._store is not None:
            self._store.close()
            self._store = None
        try:
            self._store = Store(path)
        except StoreError as error:
            self.save_error = str(error)
        return self._store

    def save(self, conversation: Conversation) -> None:
        """Write what is new in ``conversation``; on failure only note why (the next
        save catches up)."""
        from .store import StoreError

        if not conversation.turns:
            return  # an empty conversation is not worth listing after a restart
        store = self.store()
        if store is None:
            return
        try:
            store.save(conversation)
        except StoreError as error:
            self.save_error = str(error)
        else:
            self.save_error = None

    def saved(self, limit: int = 50) -> list[SavedConversation]:
        """Saved conversations not open now, newest first."""
        store = self.store()
        if store is None:
            return []
        open_ids = {c.id for c in self.open.values()}
        return [s for s in store.listing(limit + len(open_ids)) if s.id not in open_ids][:limit]

    def close(self) -> None:
        if self._store is not None:
            self._store.close()
            self._store = None
