"""The MCP options of a turn, read and checked together, made into tools.

    --mcp LABEL=URL | LABEL=connector:ID    a remote server (OpenAI reaches it)
    --mcp-local LABEL='COMMAND ARGS' | LABEL=http://127.0.0.1:PORT/mcp
                                            a server this kernel runs or reaches
    --mcp-approve [LABEL=]always|never      remote: ask before each call (default always)
    --mcp-header LABEL:Header-Name=ENV_VAR  a header whose value is read from ENV_VAR
    --mcp-auth LABEL=ENV_VAR                remote: the OAuth token (a connector needs it)
    --mcp-tools LABEL=a,b                   only these tools of the server

Every option naming a server names one the line declares, labels are unique, and a
secret's variable is set, or the turn is refused (``OptionsError``) before anything is
sent. The local servers' module, and the ``mcp`` SDK it drives, load only when a line
asks for one.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, cast

from .errors import OptionsError
from .mcp_remote import APPROVALS, Approval, Secret, label_of, remote_server
from .mcp_remote import pair_of as _pair

if TYPE_CHECKING:
    from .tools import Tool
    from .turn_request import TurnOptions

#: An HTTP header's name (RFC 9110 token) and an environment variable's name.
_HEADER = re.compile(r"[A-Za-z0-9!#$%&'*+.^_`|~-]+")
_VARIABLE = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


@dataclass(frozen=True)
class McpOptions:
    """The MCP options of one magic line, as given (each repeatable)."""

    servers: Sequence[str] = ()
    local: Sequence[str] = ()
    approve: Sequence[str] = ()
    headers: Sequence[str] = ()
    auth: Sequence[str] = ()
    tools: Sequence[str] = ()

    def __bool__(self) -> bool:
        return any((self.servers, self.local, self.approve, self.headers, self.auth, self.tools))


def mcp_options(options: TurnOptions) -> McpOptions:
    """The MCP options of a turn's options (named as the magics name them)."""
    return McpOptions(
        options.mcp,
        options.mcp_local,
        options.mcp_approve,
        options.mcp_header,
        options.mcp_auth,
        options.mcp_tools,
    )


def mcp_tools(options: McpOptions, taken: Sequence[str] = ()) -> tuple[Tool, ...]:
    """The tools ``options`` ask for: each remote server, then each local server's tools
    (started or reached now). ``taken``: the names of the request's other tools, which
    no server's label or tool may repeat."""
    if not options:
        return ()
    remote = dict(_pair(spec, "--mcp", "LABEL=URL") for spec in options.servers)
    local = dict(_pair(spec, "--mcp-local", "LABEL=COMMAND") for spec in options.local)
    _unique(options, taken, remote, local)
    known = {**remote, **local}
    headers = _headers(options.headers, known)
    allowed = _allowed(options.tools, known)
    approvals = _approvals(options.approve, remote, local)
    auth = _auth(options.auth, remote, local)
    tools: list[Tool] = [
        remote_server(
            label,
            target,
            approvals.get(label, approvals.get("", "always")),
            allowed.get(label, ()),
            headers.get(label, ()),
            auth.get(label),
        )
        for label, target in remote.items()
    ]
    if local:
        from .mcp_local import local_tools  # the mcp SDK loads only now

        names = [*taken, *remote]
        for label, target in local.items():
            found = local_tools(label, target, headers.get(label, ()), allowed.get(label, ()))
            clash = sorted({tool.name for tool in found} & set(names))
            if clash:
                raise OptionsError(
                    f"--mcp-local {label}: its tool {clash[0]} has the name of another tool of "
                    "this request: choose another label."
                )
            names += [tool.name for tool in found]
            tools += found
    return tuple(tools)


def _unique(
    options: McpOptions, taken: Sequence[str], remote: dict[str, str], local: dict[str, str]
) -> None:
    labels = [_pair(s, "--mcp", "")[0] for s in options.servers]
    labels += [_pair(s, "--mcp-local", "")[0] for s in options.local]
    twice = sorted({label for label in labels if labels.count(label) > 1})
    if twice:
        raise OptionsError(f"The MCP server label {twice[0]} is given twice: labels are unique.")
    clash = sorted(set(remote) & set(taken))
    if clash:
        raise OptionsError(
            f"--mcp {clash[0]}: the label is also the name of another tool of this request; "
            "choose another label."
        )


def _server(label: str, option: str, known: dict[str, str]) -> str:
    if label not in known:
        servers = ", ".join(known) or "none"
        raise OptionsError(
            f"{option}: {label!r} is no MCP server of this line (--mcp or --mcp-local labels: "
            f"{servers})."
        )
    return label


def _headers(specs: Sequence[str], known: dict[str, str]) -> dict[str, list[tuple[str, Secret]]]:
    found: dict[str, list[tuple[str, Secret]]] = {}
    for spec in specs:
        label, colon, rest = spec.partition(":")
        header, equals, variable = rest.partition("=")
        option = f"--mcp-header {spec}"
        if not (colon and equals and _HEADER.fullmatch(header) and _VARIABLE.fullmatch(variable)):
            raise OptionsError(
                f"--mcp-header needs LABEL:Header-Name=ENV_VAR (the header's value is read from "
                f"the environment variable), not {spec!r}."
            )
        label = _server(label_of(label.strip(), "--mcp-header"), "--mcp-header", known)
        found.setdefault(label, []).append((header, Secret(variable, option)))
    return found


def _allowed(specs: Sequence[str], known: dict[str, str]) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for spec in specs:
        label, names = _pair(spec, "--mcp-tools", "LABEL=tool,tool")
        tools = [name.strip() for name in names.split(",") if name.strip()]
        found.setdefault(_server(label, "--mcp-tools", known), []).extend(tools)
    return found


def _approvals(
    specs: Sequence[str], remote: dict[str, str], local: dict[str, str]
) -> dict[str, Approval]:
    """Per label (``""``: every remote server) whether the server asks first."""
    found: dict[str, Approval] = {}
    for spec in specs:
        label, sep, value = spec.rpartition("=")
        if value.strip() not in APPROVALS or (sep and not label.strip()):
            raise OptionsError(
                f"--mcp-approve takes always or never, for every --mcp server or as "
                f"LABEL=always|never, not {spec!r}."
            )
        if label.strip() in local:
            raise OptionsError(
                f"--mcp-approve {spec}: {label.strip()} is a --mcp-local server, whose calls "
                "run in this kernel: --approve asks before each of them."
            )
        if label.strip():
            _server(label_of(label.strip(), "--mcp-approve"), "--mcp-approve", remote)
        found[label.strip()] = cast(Approval, value.strip())
    return found


def _auth(specs: Sequence[str], remote: dict[str, str], local: dict[str, str]) -> dict[str, Secret]:
    found: dict[str, Secret] = {}
    for spec in specs:
        label, variable = _pair(spec, "--mcp-auth", "LABEL=ENV_VAR")
        if label in local:
            raise OptionsError(
                f"--mcp-auth {spec}: {label} is a --mcp-local server: send it a header "
                "instead (--mcp-header LABEL:Authorization=ENV_VAR)."
            )
        if not _VARIABLE.fullmatch(variable):
            raise OptionsError(
                f"--mcp-auth needs LABEL=ENV_VAR, the name of an environment variable, not "
                f"{spec!r}."
            )
        found[_server(label, "--mcp-auth", remote)] = Secret(variable, f"--mcp-auth {spec}")
    return found
