"""Replace a method on one object by a wrapper, and put the object back as it was.

The wrapper is set as an instance attribute (``stream.write``, ``display_pub.publish``),
so the class and every other instance are untouched. Undoing removes it again, or
restores the instance attribute it replaced, unless something wrapped it since: then
ours stays in that chain, and its owner makes it call straight through.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

_ABSENT = object()


@dataclass
class Patch:
    target: Any
    name: str
    wrapper: Callable[..., Any]
    original: Any  # the instance attribute it replaced, or _ABSENT

    def undo(self) -> None:
        try:
            if vars(self.target).get(self.name) is not self.wrapper:
                return
            if self.original is _ABSENT:
                delattr(self.target, self.name)
            else:
                setattr(self.target, self.name, self.original)
        except (AttributeError, TypeError):
            pass


def patch(
    target: Any, name: str, make: Callable[[Callable[..., Any]], Callable[..., Any]]
) -> Patch | None:
    """Set ``target.name`` to ``make(current method)``; None when the object has no
    such attribute or takes no instance attributes (``__slots__``)."""
    try:
        method = getattr(target, name)
        original = vars(target).get(name, _ABSENT)
        wrapper = make(method)
        setattr(target, name, wrapper)
    except (AttributeError, TypeError):
        return None
    return Patch(target, name, wrapper, original)
