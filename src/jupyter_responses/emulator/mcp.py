"""Remote MCP servers on the Responses API, played as OpenAI plays them.

A request declares a server as a tool: ``{"type": "mcp", "server_label": ...,
"server_url" | "connector_id" | "tunnel_id": ..., "require_approval": "always" |
"never" | {"always"|"never": {"tool_names": [...]}}, "allowed_tools": [...],
"headers": {...}, "authorization": ...}``, checked as the API checks it (its 400s).
Then (``McpPlan``):

* a server that asks first (``require_approval`` ``always``, its default, or a filter
  that does not exempt the tool) has each call it would make asked about: the reply's
  call becomes an ``mcp_approval_request`` and the response ends there; a server that
  never asks runs a scripted approval request as a call at once;
* a later request answers with ``mcp_approval_response`` items, chained by
  ``previous_response_id`` or with the history resent (the request among the input
  items). Each must answer a request the emulator knows, else a 400. An approved call
  then runs (an ``mcp_call`` carrying the request's id, returning what the scripted
  request said it would); a denied one is not made, and the answer says so. A request
  already followed by its call (resent history) is not run again;
* the default model lists a server's tools (``mcp_list_tools``) before its first call
  in a conversation.

A declaration's ``headers`` and ``authorization`` stay in the recorded request (tests
check they were sent); the response echoes the declaration without them, as the API
does, and nothing prints them.
"""

from __future__ import annotations

import dataclasses
from typing import Any

from .custom_tools import _no_unknown, _required, _typed, _unsupported
from .dialogue import Message
from .errors import invalid
from .responses_events import new_id
from .script import Item, McpApprovalRequest, McpCall, McpListTools, Reply, Text
from .state import EmulatorState

#: The input and output items of remote MCP.
ITEMS = ("mcp_list_tools", "mcp_approval_request", "mcp_approval_response", "mcp_call")
CONNECTORS = (
    "connector_dropbox",
    "connector_gmail",
    "connector_googlecalendar",
    "connector_googledrive",
    "connector_microsoftteams",
    "connector_outlookcalendar",
    "connector_outlookemail",
    "connector_sharepoint",
)
_DECLARATION = {
    "type",
    "server_label",
    "server_url",
    "connector_id",
    "tunnel_id",
    "server_description",
    "authorization",
    "headers",
    "require_approval",
    "allowed_tools",
    "allowed_callers",
    "defer_loading",
}
#: What a declaration carries that the response never shows.
SECRET_FIELDS = ("headers", "authorization")
_APPROVAL_RESPONSE = {"type", "id", "approval_request_id", "approve", "reason"}


def check_declaration(tool: dict[str, Any], where: str) -> None:
    """An ``mcp`` tool in ``tools`` (``where``: ``tools[1]``), or the API's 400."""
    _no_unknown(tool, _DECLARATION, where)
    _required(tool, "server_label", where, str)
    targets = [key for key in ("server_url", "connector_id", "tunnel_id") if tool.get(key)]
    if not targets:
        raise invalid(
            f"Invalid '{where}': one of 'server_url', 'connector_id' or 'tunnel_id' must be "
            "provided.",
            where,
            "missing_required_parameter",
        )
    if tool.get("connector_id") is not None and tool["connector_id"] not in CONNECTORS:
        raise _unsupported(tool["connector_id"], list(CONNECTORS), f"{where}.connector_id")
    approval = tool.get("require_approval")
    if isinstance(approval, str) and approval not in ("always", "never"):
        raise _unsupported(approval, ["always", "never"], f"{where}.require_approval")
    if approval is not None and not isinstance(approval, str):
        _typed(approval, f"{where}.require_approval", dict)
        _no_unknown(approval, {"always", "never"}, f"{where}.require_approval")
    headers = tool.get("headers")
    if headers is not None:
        _typed(headers, f"{where}.headers", dict)
        for name, value in headers.items():
            _typed(value, f"{where}.headers.{name}", str)
    allowed = tool.get("allowed_tools")
    if allowed is not None and not isinstance(allowed, dict):
        _typed(allowed, f"{where}.allowed_tools", list)


def check_item(item: dict[str, Any], where: str) -> None:
    """An MCP input item (``where``: ``input[3]``), or the API's 400."""
    if item.get("type") == "mcp_approval_response":
        _no_unknown(item, _APPROVAL_RESPONSE, where)
        _required(item, "approval_request_id", where, str)
        _required(item, "approve", where, bool)
        if item.get("reason") is not None:
            _typed(item["reason"], f"{where}.reason", str)
        return
    for key in ("id", "server_label"):
        _required(item, key, where, str)
    if item.get("type") == "mcp_list_tools":
        _required(item, "tools", where, list)
    else:
        _required(item, "name", where, str)
        _required(item, "arguments", where, str)


def echoed(tool: dict[str, Any]) -> dict[str, Any]:
    """A declaration as the response shows it: without its headers or token."""
    return {key: value for key, value in tool.items() if key not in SECRET_FIELDS}


def messages(item: dict[str, Any]) -> list[Message]:
    """What an MCP item is in the dialogue: a call is the assistant using the server's
    tool and what it returned; lists, questions and answers say nothing."""
    if item.get("type") != "mcp_call":
        return []
    name = f"{item.get('server_label')}.{item.get('name')}"
    said = item.get("output") or str(item.get("error") or "")
    return [Message("assistant", tool_calls=[name]), Message("tool", said, tool_name=name)]


@dataclasses.dataclass
class _Answer:
    request: dict[str, Any]
    approve: bool
    reason: str


class McpPlan:
    """One request's remote MCP: the servers it declares, what they listed, asked and
    ran before (``earlier``: the chain's items; ``items``: this request's input), and
    the answers it brings."""

    def __init__(
        self,
        state: EmulatorState,
        body: dict[str, Any],
        earlier: list[dict[str, Any]],
        items: list[dict[str, Any]],
    ) -> None:
        self.state = state
        tools = [t for t in body.get("tools") or [] if isinstance(t, dict)]
        self.servers = {t.get("server_label"): t for t in tools if t.get("type") == "mcp"}
        seen = [*earlier, *items]
        asked = {i.get("id"): i for i in seen if i.get("type") == "mcp_approval_request"}
        ran = {i.get("approval_request_id") for i in seen if i.get("type") == "mcp_call"}
        self.listed = {
            i.get("server_label")
            for i in seen
            if i.get("type") == "mcp_list_tools" and not i.get("error")
        }
        self.answers: list[_Answer] = []
        for index, item in enumerate(items):
            if item.get("type") != "mcp_approval_response":
                continue
            request = asked.get(item.get("approval_request_id"))
            if request is None:
                raise invalid(
                    f"No approval request found for mcp_approval_response with "
                    f"approval_request_id {item.get('approval_request_id')}.",
                    f"input[{index}].approval_request_id",
                )
            if request.get("id") not in ran:
                self.answers.append(
                    _Answer(request, bool(item["approve"]), item.get("reason") or "")
                )

    def asks(self, label: str, tool: str) -> bool:
        """Whether server ``label`` asks before running ``tool`` (``False`` for a server
        the request does not declare: a test's script is played as written)."""
        server = self.servers.get(label)
        if server is None:
            return False
        approval = server.get("require_approval") or "always"
        if approval == "never":
            return False
        if isinstance(approval, dict):
            exempt = (approval.get("never") or {}).get("tool_names") or []
            return tool not in exempt
        return True

    def _never_asks(self, item: McpApprovalRequest) -> bool:
        """A scripted question to a declared server that does not ask about the tool."""
        return item.server_label in self.servers and not self.asks(item.server_label, item.name)

    def answer(self) -> Reply | None:
        """The default reply to a request that answers approval requests: the approved
        calls, run, and a message on each answer; ``None`` when it answers none."""
        if not self.answers:
            return None
        items: list[Item] = []
        said: list[str] = []
        for answer in self.answers:
            request = answer.request
            label, name = str(request.get("server_label")), str(request.get("name"))
            if answer.approve:
                with self.state.lock:
                    output, error = self.state.mcp_outputs.get(str(request.get("id")), ("", ""))
                if not output and not error:
                    output = f"{name} ran."
                arguments = str(request.get("arguments") or "{}")
                items.append(McpCall(label, name, arguments, output, error, str(request["id"])))
                said.append(
                    f"The `{label}` server's {name} failed: {error}"
                    if error
                    else f"The `{label}` server's {name} returned: {output}"
                )
            else:
                why = f" ({answer.reason})" if answer.reason else ""
                said.append(f"I did not run {name} on the `{label}` server: you declined it{why}.")
        return Reply(items=[*items, Text(" ".join(said))])

    def faithful(self, reply: Reply, listing: bool = False) -> Reply:
        """``reply`` as the API would send it: a call a server must ask about is asked
        about (the response then ends), unless the user approved it in this request
        (then it carries the request's id) or denied it (then it is not made); an
        approval request of a server that never asks is its call. ``listing``: the
        server's tools are listed before its first item in the conversation."""
        approved = [a for a in self.answers if a.approve]
        denied = [a for a in self.answers if not a.approve]
        items: list[Item] = []
        asking = False
        for item in reply.items:
            if isinstance(item, McpCall) and not item.approval_request_id:
                if self.asks(item.server_label, item.name):
                    done = _take(approved, item)
                    if done is not None:
                        item = dataclasses.replace(item, approval_request_id=done)
                    elif _take(denied, item) is not None:
                        continue  # the user said no: the call is not made
                    else:
                        item = McpApprovalRequest(
                            item.server_label, item.name, item.arguments, item.output, item.error
                        )
            elif isinstance(item, McpApprovalRequest) and self._never_asks(item):
                item = McpCall(
                    item.server_label, item.name, item.arguments, item.output, item.error
                )
            if isinstance(item, McpApprovalRequest):
                item = self._asked(item)
                asking = True
            elif asking:
                continue  # the response ends with its questions
            items.append(item)
        if listing:
            items = self._listed(items)
        return dataclasses.replace(reply, items=items)

    def _asked(self, item: McpApprovalRequest) -> McpApprovalRequest:
        """The question with its id, what the call returns once approved remembered."""
        asked = item if item.id else dataclasses.replace(item, id=new_id("mcpr"))
        with self.state.lock:
            self.state.mcp_outputs[str(asked.id)] = (item.output, item.error)
        return asked

    def _listed(self, items: list[Item]) -> list[Item]:
        """``items`` with each declared server's tools listed before its first item,
        where the conversation has not listed them yet."""
        out: list[Item] = []
        listed = set(self.listed)
        for item in items:
            label = getattr(item, "server_label", None)
            if isinstance(item, McpListTools):
                listed.add(label)
            elif label in self.servers and label not in listed:
                listed.add(label)
                out.append(McpListTools(str(label), self._tool_names(str(label), items)))
            out.append(item)
        return out

    def _tool_names(self, label: str, items: list[Item]) -> list[str]:
        allowed = self.servers[label].get("allowed_tools")
        if isinstance(allowed, list) and allowed:
            return [str(name) for name in allowed]
        used = [i.name for i in items if isinstance(i, McpCall | McpApprovalRequest)]
        return list(dict.fromkeys(used)) or ["search"]


def _take(answers: list[_Answer], call: McpCall) -> str | None:
    """The id of the first answer in ``answers`` to a request for ``call`` (its server
    and tool), taken out of the list; ``None`` when there is none."""
    for answer in answers:
        request = answer.request
        if (request.get("server_label"), request.get("name")) == (call.server_label, call.name):
            answers.remove(answer)
            return str(request.get("id"))
    return None
