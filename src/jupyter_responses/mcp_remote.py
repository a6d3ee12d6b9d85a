"""``--mcp``: remote MCP servers, which OpenAI's servers reach on the model's behalf,
and the question each asks before it runs a tool.

A server is one entry of the request's ``tools`` (``type: mcp``): a URL, or one of
OpenAI's connectors by id. It asks first unless told otherwise (``require_approval``
is ``always`` unless ``--mcp-approve never``): each call it wants to make comes back as
an approval request, which the tool loop asks the user about with the same prompt in a
cell, and the same Approve / Deny in the chat panel, as a function tool's call under
``--approve``; the answer goes back in the next request (an ``mcp_approval_response``,
which the backend makes of the turn's ``approval`` entry). So the server is a local
tool too: the one that answers its own questions.

Secrets (``--mcp-header``, ``--mcp-auth``) are named by environment variable and read
only when a request is built: the tool keeps the variable's name, never its value, so
nothing the extension stores, exports, logs or shows can hold it.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

from .builtin_tools import MCP, BuiltinTool
from .errors import OptionsError
from .tool_calls import LocalToolDefaults, Outcome

if TYPE_CHECKING:
    from .config import Settings
    from .transcript import CallDetail, LocalCallEntry

#: What ``--mcp-approve`` takes: the server asks before every call, or never.
Approval = Literal["always", "never"]
APPROVALS: tuple[Approval, ...] = ("always", "never")

#: Said to the server, and shown, when the user lets a call run.
APPROVED = "Approved: the server runs the call."

#: What ``connector:ID`` may name (``connector_gmail``, or ``gmail`` for short).
_CONNECTOR = re.compile(r"(?:connector_)?([a-z0-9]+)")
#: A server's label: what its tools are prefixed with and its calls shown under.
_LABEL = re.compile(r"[A-Za-z][A-Za-z0-9_-]{0,39}")


@dataclass(frozen=True)
class Secret:
    """A value sent in a request but never kept: the environment variable holding it,
    and the option that named it (for the message when it is missing)."""

    variable: str
    option: str

    def value(self) -> str:
        """The variable's value now; ``OptionsError`` (one sentence) when it is unset."""
        found = os.environ.get(self.variable)
        if not found:
            raise OptionsError(
                f"{self.option}: the environment variable {self.variable} is not set in the "
                "kernel (set it, e.g. with %env or os.environ, and run the cell again)."
            )
        return found


@dataclass(frozen=True)
class RemoteMcpServer(BuiltinTool, LocalToolDefaults):
    """One ``--mcp`` server of one request: its request spec (``options``, without
    secrets), the secrets read when the request is built (``headers``: header name ->
    secret; ``authorization``: the OAuth token), and, as a local tool named by its
    label (``name``), the answer to each call it asks about."""

    name: str = ""
    headers: tuple[tuple[str, Secret], ...] = ()
    authorization: Secret | None = None

    def param(self) -> dict[str, Any]:
        """The request's ``tools`` entry, secrets read from the environment now."""
        spec = super().param()
        if self.headers:
            spec["headers"] = {header: secret.value() for header, secret in self.headers}
        if self.authorization is not None:
            spec["authorization"] = self.authorization.value()
        return spec

    def check(self) -> None:
        """Raise ``OptionsError`` now, before anything is sent, for a secret not set."""
        for _, secret in self.headers:
            secret.value()
        if self.authorization is not None:
            self.authorization.value()

    # -- as the local tool that answers its approval requests ----------------------------
    def asks(self, settings: Settings) -> bool:
        return True  # the server asks only about calls that need a yes

    def must_ask(self, call: LocalCallEntry) -> bool:
        return True

    def detail(self, call: LocalCallEntry) -> CallDetail:
        return {"server": self.name}

    def question(self, call: LocalCallEntry) -> str | None:
        tool = call.get("tool")
        arguments = call.get("arguments")
        shown = _compact(arguments if isinstance(arguments, str) else "")
        return f"Allow the MCP server {self.name} to run {tool}?\nArguments: {shown}"

    def run(self, call: LocalCallEntry, timeout: float | None) -> Outcome:
        """The user said yes: the server runs the call when the answer reaches it."""
        return Outcome(APPROVED, None, 0.0)


def _compact(arguments: str) -> str:
    """JSON arguments on one line (as sent when they are not JSON)."""
    try:
        return json.dumps(json.loads(arguments or "{}"), ensure_ascii=False)
    except ValueError:
        return " ".join(arguments.split())


def remote_server(
    label: str,
    target: str,
    approval: Approval = "always",
    allowed: Sequence[str] = (),
    headers: Sequence[tuple[str, Secret]] = (),
    authorization: Secret | None = None,
) -> RemoteMcpServer:
    """The server ``--mcp LABEL=TARGET`` names: an http(s) URL, or ``connector:ID``
    (one of OpenAI's connectors, which needs ``--mcp-auth``). ``OptionsError`` for a
    target that is neither."""
    options: dict[str, Any] = {"server_label": label}
    if target.startswith("connector:"):
        found = _CONNECTOR.fullmatch(target.removeprefix("connector:"))
        if found is None:
            raise OptionsError(
                f"--mcp {label}={target}: a connector id is letters and digits, as in "
                "connector:googledrive or connector:connector_googledrive."
            )
        if authorization is None:
            raise OptionsError(
                f"--mcp {label}={target}: a connector needs its OAuth token: add --mcp-auth "
                f"{label}=ENV_VAR, the environment variable that holds it."
            )
        options["connector_id"] = f"connector_{found[1]}"
    elif target.startswith(("http://", "https://")):
        options["server_url"] = target
    else:
        raise OptionsError(
            f"--mcp needs LABEL=URL with an http(s) URL (or LABEL=connector:ID), not "
            f"{label + '=' + target!r}."
        )
    options["require_approval"] = approval
    if allowed:
        options["allowed_tools"] = list(allowed)
    server = RemoteMcpServer(MCP, options, label, tuple(headers), authorization)
    server.check()
    return server


def remote_servers(specs: Sequence[str]) -> list[RemoteMcpServer]:
    """The servers of ``--mcp LABEL=URL ...`` alone (no other MCP option): each asks
    before every call."""
    return [remote_server(*pair_of(spec, "--mcp", "LABEL=URL")) for spec in specs]


def pair_of(spec: str, option: str, form: str) -> tuple[str, str]:
    """``LABEL=VALUE`` of ``option`` read (``form`` says what it takes)."""
    label, sep, value = spec.partition("=")
    if not sep or not value.strip():
        raise OptionsError(f"{option} needs {form}, not {spec!r}.")
    return label_of(label.strip(), option), value.strip()


def label_of(label: str, option: str) -> str:
    """``label``, if it is one: ``OptionsError`` for anything else."""
    if not _LABEL.fullmatch(label):
        raise OptionsError(
            f"{option}: a server label is a letter, then letters, digits, _ or - (at most "
            f"40), not {label!r}."
        )
    return label
