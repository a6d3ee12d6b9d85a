"""What a panel message asks for (``Sent``: kept for its Retry), and the request made
from it: the panel's front door to ``turn_request.build_request``, as the option line
is the magics'."""

from __future__ import annotations

import re
from dataclasses import replace
from typing import TYPE_CHECKING, Any, NamedTuple

from ..backends import BACKENDS
from ..turn_request import TurnOptions, TurnRequest, build_request

if TYPE_CHECKING:
    from ..session import Session

#: The API selector's values, as each backend names itself ("Chat Completions"), and
#: the API each one means.
API_LABELS = {backend.label: backend.api for backend in BACKENDS.values()}


class Sent(NamedTuple):
    """What a message asked for, kept for its Retry: the text, the API's label, the
    model, the Context field's specs, the Tools field's names, whether it runs in the
    background and how many answers it asks for (``answers_box.py``)."""

    text: str
    api: str
    model: str
    context: str = ""
    tools: str = ""
    background: bool = False
    answers: int = 1


def tool_names(field: str) -> list[str]:
    """The Tools field's names, as ``--tools`` takes them (comma or space separated)."""
    return [name for name in re.split(r"[,\s]+", field) if name]


def request_for(sent: Sent, session: Session, shell: Any) -> TurnRequest:
    """The turn ``sent`` asks for; ``JupyterResponsesError`` (one paragraph, nothing
    sent) when it cannot be made: a context spec or tool name that means nothing, a
    built-in tool on Chat Completions (checked here, so the panel says it before a turn
    starts, as it says the rest).

    The notebook's namespace resolves the Tools field's functions (and the python
    tool's shell); the prompt is never interpolated from it (``no_interpolate``): the
    panel sends what was typed, braces and all. ``background`` is the panel's own
    toggle, which starts at the ``background`` trait: unticked, it is off even when the
    trait is on (the trait is only the magics' default). ``answers`` is ``-n``: more
    than one with tools or in the background is refused here, as the option line is."""
    options = TurnOptions(
        api=API_LABELS[sent.api],
        prompt=sent.text,
        magic="panel",
        model=sent.model.strip(),
        no_interpolate=True,
        context=[sent.context] if sent.context.strip() else [],
        tools=tool_names(sent.tools),
        background=sent.background,
        candidates=sent.answers,
    )
    namespace = getattr(shell, "user_ns", None) or {}
    settings = replace(session.settings(), background=sent.background)
    request = build_request(options, settings, namespace, session.connection.files, shell=shell)
    BACKENDS[request.api].validate(request)
    return request
