"""The Responses API backend (``POST /v1/responses``).

Chains with ``previous_response_id`` when the turn before is stored server-side, and
otherwise sends the whole history as input items. If the server has lost the previous
response it falls back, once, to resending history, and says so with a ``Note``; a
server that ignores ``previous_response_id`` gets the whole history from then on (see
``responses_stream``), and one without a Files API gets documents inline.
"""

from __future__ import annotations

import copy
from collections.abc import Generator, Iterator
from dataclasses import replace
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from IPython.core.magic_arguments import argument

from .. import builtin_tools, caching, parameters
from .. import events as ev
from ..cancel import Cancel, cutting
from ..errors import NotFound, OptionsError, safe_url
from ..transcript import result_images
from .background import background_events, background_polled
from .base import Candidate, MagicArgument
from .candidates import side_by_side
from .errors import StreamState, mapped_errors
from .responses_stream import Exchange, compaction_events, events, whole

if TYPE_CHECKING:
    from openai import OpenAI

    from ..attachments import FileStore
    from ..computer.tool import ComputerTool
    from ..conversation import Turn
    from ..tools import Tool
    from ..transcript import AttachmentRecord, Entry, LocalResultEntry, ProviderItem
    from ..turn_request import TurnRequest
    from .connection import Connection, ServerQuirks

NO_COMPACTION = (
    "{url} has no compaction endpoint (/responses/compact): compact through Chat "
    "Completions instead (%responses compact --api chat: the model writes a summary)."
)
RESENT_NOTE = "The server no longer had the previous response, so the whole history was resent."


class ResponsesBackend:
    """Ask the model through the Responses API (/v1/responses)."""

    api = "responses"
    magic = "respond"
    label = "Responses"
    options: tuple[MagicArgument, ...] = (
        argument("--no-store", action="store_true", help="don't store the response server-side"),
        argument(
            "--vector-store",
            action="append",
            metavar="ID",
            help="vector store for the file_search tool (repeatable)",
        ),
        argument(
            "--mcp",
            action="append",
            metavar="LABEL=URL",
            help="a remote MCP server the model may use, reached by OpenAI (repeatable); "
            "LABEL=connector:ID for one of OpenAI's connectors (connector_googledrive...); "
            "each call is asked about first (see --mcp-approve)",
        ),
        argument(
            "--mcp-approve",
            action="append",
            metavar="[LABEL=]always|never",
            help="whether the server asks you before each call of its tools (default always); "
            "never: it runs them unasked; without LABEL= for every --mcp server",
        ),
        argument(
            "--mcp-auth",
            action="append",
            metavar="LABEL=ENV_VAR",
            help="the OAuth token --mcp server LABEL (or connector) gets as its authorization, "
            "read from the environment variable ENV_VAR when the request is sent; never saved",
        ),
        argument(
            "--background",
            action="store_true",
            help="run on the server apart from this connection: a dropped connection picks "
            "up where it broke, and Stop or an interrupt cancels it there (default: the "
            "background trait)",
        ),
        argument(
            "--truncation",
            choices=("auto", "disabled"),
            help="auto: the server drops the oldest items of a conversation over the model's "
            "context window instead of failing (default: the truncation trait, disabled)",
        ),
        argument(
            "--computer-url",
            metavar="URL",
            help="with --tools computer: start a headless Chromium at this page for the model "
            "to drive (closed when the turn ends)",
        ),
        argument(
            "--computer-env",
            metavar="NAME",
            help="with --tools computer: drive your own computer, the object NAME "
            "(jupyter_responses.computer.Computer)",
        ),
    )

    def validate(self, request: TurnRequest) -> None:
        """Everything a turn can ask for, the Responses API can carry, but a background
        response or a server-side thread that is not stored (the server keeps them), and
        the request parameters it has no such thing for (``--seed``, ``--stop``)."""
        parameters.check_carried(self.api, request)
        if request.background and not request.store:
            raise OptionsError(
                "--background needs the response stored on the server (it is picked up "
                "again from there): leave out --no-store, or the store trait's False."
            )
        if request.server_state and not request.store:
            raise OptionsError(
                "This thread keeps its state on the server (Conversations API), which --no-store "
                "would not allow: leave out --no-store (or set the store trait to True), or "
                "start a local thread with --new after %responses threads --local."
            )

    def warm(self, connection: Connection | None) -> None:
        """The request's type hints, and above all the pydantic ``TypeAdapter`` for the
        union of stream events, whose first validation builds the validators of every
        event model (about a quarter of a second). A request of a turn's shape
        transformed and one event parsed build them; if a later SDK moves these
        functions, this fails (quietly) and the first turn builds them as before."""
        from openai._models import construct_type
        from openai._utils import maybe_transform
        from openai.types.responses import ResponseStreamEvent, response_create_params

        if connection is not None:
            connection.client().responses  # noqa: B018 - the SDK imports it on first use
        maybe_transform(
            {"model": "", "input": [{"role": "user", "content": ""}], "stream": True},
            response_create_params.ResponseCreateParamsStreaming,
        )
        delta = {"type": "response.output_text.delta", "delta": "", "item_id": ""}
        construct_type(
            type_=ResponseStreamEvent, value={**delta, "output_index": 0, "content_index": 0}
        )

    def stream(
        self,
        connection: Connection,
        request: TurnRequest,
        history: list[Turn],
        turn: Turn,
        cancel: Cancel | None = None,
    ) -> Iterator[ev.Event]:
        import openai

        client = connection.client()
        server = str(client.base_url)
        chain = not connection.quirks.has(server, "ignores_previous_response_id")
        with mapped_errors(client, request.model) as state:
            sources = Sources(connection.files, server, connection.quirks)
            if request.server_state and turn.server_conversation is None:
                held = request.server_conversation
                if held is None:
                    held = yield from _server_conversation(client, history, sources)
                yield ev.ServerConversation(held)  # the turn records it: later rounds use it
                request = replace(request, server_conversation=held)  # this round uses it
            kwargs = request_kwargs(request, history, turn, chain=chain, sources=sources)
            yield from sources.upload(client, kwargs)
            try:
                yield from self._run(client, connection, request, kwargs, state, cancel)
            except openai.NotFoundError as error:
                if _conversation_gone(error, kwargs, turn):
                    # Deleted on the server (or expired): the branch goes into a new one.
                    yield ev.Note(GONE_NOTE.format(id=kwargs["conversation"]))
                    held = yield from _server_conversation(client, history, sources)
                    yield ev.ServerConversation(held)
                    request = replace(request, server_conversation=held)
                    kwargs = request_kwargs(request, history, turn, chain=chain, sources=sources)
                    yield from self._run(client, connection, request, kwargs, state, cancel)
                    return
                if "previous_response_id" not in kwargs or getattr(error, "code", None) not in (
                    "previous_response_not_found",
                    None,
                ):
                    raise
                yield ev.Note(RESENT_NOTE)
                kwargs = request_kwargs(request, history, turn, chain=False, sources=sources)
                yield from sources.upload(client, kwargs)
                yield from self._run(client, connection, request, kwargs, state, cancel)

    def candidates(
        self,
        connection: Connection,
        requests: list[TurnRequest],
        history: list[Turn],
        turns: list[Turn],
        cancel: Cancel,
    ) -> Generator[Candidate, None, None]:
        """The Responses API has no ``n``: one request per candidate, side by side."""
        return side_by_side(self.stream, connection, requests, history, turns, cancel)

    def batch_line(self, request: TurnRequest, turn: Turn) -> tuple[str, dict[str, Any]]:
        return "/v1/responses", request_kwargs(request, [], turn, chain=False)

    def read_body(self, connection: Connection, body: dict[str, Any]) -> Iterator[ev.Event]:
        from openai._models import construct_type
        from openai.types.responses import Response

        response = construct_type(type_=Response, value=body)
        server = str(connection.client().base_url)
        yield from whole(response, Exchange(server, connection.quirks))

    def compact(
        self,
        connection: Connection,
        request: TurnRequest,
        history: list[Turn],
        turn: Turn,
        cancel: Cancel | None = None,
    ) -> Iterator[ev.Event]:
        """The server compacts the history (``responses.compact``): it keeps the user
        messages and hands back one opaque compaction item for everything else."""
        import openai

        client = connection.client()
        with mapped_errors(client, request.model):
            sources = Sources(connection.files, str(client.base_url), connection.quirks)
            kwargs: dict[str, Any] = {
                "input": [item for past in history for item in _turn_items(past, sources)]
            }
            yield from sources.upload(client, kwargs)
            if request.instructions:
                kwargs["instructions"] = request.instructions
            try:
                compacted = client.responses.compact(model=request.model, **kwargs)
            except openai.NotFoundError as error:
                if getattr(error, "code", None) == "model_not_found":
                    raise  # the model is missing, not the endpoint: said as for any turn
                url = safe_url(str(client.base_url).rstrip("/"))
                raise NotFound(
                    NO_COMPACTION.format(url=url), 404, heading="No compaction endpoint"
                ) from error
        yield from compaction_events(compacted, len(history), request.model)

    def reattach(
        self, connection: Connection, request: TurnRequest, turn: Turn
    ) -> Iterator[ev.Event]:
        """The events of ``turn``'s background response, from its first: a later kernel
        finishing a turn its kernel left running."""
        assert turn.response_id is not None
        client = connection.client()
        server = str(client.base_url)
        exchange = Exchange(server, connection.quirks)
        with mapped_errors(client, request.model) as state:
            yield from background_events(client, {}, exchange, state, None, turn.response_id)

    def count_tokens(
        self, connection: Connection, request: TurnRequest, history: list[Turn], turn: Turn
    ) -> int | None:
        """What the server counts for this turn's request (``input_tokens.count``, sent
        as the request would be); ``None`` where it cannot say (no such endpoint, a
        document not uploaded yet, an error: the estimate stands)."""
        import openai

        client = connection.client()
        server = str(client.base_url)
        chain = not connection.quirks.has(server, "ignores_previous_response_id")
        try:
            sources = Sources(connection.files, server, connection.quirks)
            kwargs = request_kwargs(request, history, turn, chain=chain, sources=sources)
            if sources.pending:
                return None  # counting would upload files first
            asked = {k: v for k, v in kwargs.items() if k in _COUNTED}
            return int(client.responses.input_tokens.count(**asked).input_tokens)
        except (openai.OpenAIError, ValueError, TypeError):
            return None

    def _run(
        self,
        client: OpenAI,
        connection: Connection,
        request: TurnRequest,
        kwargs: dict[str, Any],
        state: StreamState,
        cancel: Cancel | None,
    ) -> Iterator[ev.Event]:
        server = str(client.base_url)
        exchange = Exchange(server, connection.quirks, kwargs.get("previous_response_id"))
        if not request.stream and request.background:
            yield from background_polled(client, kwargs, exchange, cancel)
            return
        if not request.stream:
            yield from whole(client.responses.create(**kwargs), exchange)
            return
        if request.background:
            yield from background_events(client, kwargs, exchange, state, cancel)
            return
        stream = client.responses.create(stream=True, **kwargs)
        state.answered = True
        try:
            with cutting(cancel, stream.response):
                yield from events(stream, exchange, state)
        finally:
            stream.close()


#: The request fields the token count endpoint takes.
_COUNTED = frozenset(
    {"input", "instructions", "model", "previous_response_id", "reasoning", "text",
     "tool_choice", "tools", "truncation", "conversation"}
)  # fmt: skip


def request_kwargs(
    request: TurnRequest,
    history: list[Turn],
    turn: Turn,
    chain: bool,
    sources: Sources | None = None,
) -> dict[str, Any]:
    """The ``responses.create`` arguments for this request (without ``stream``).

    Documents not yet on the server appear as ``input_file`` parts with a placeholder
    ``file_id`` that ``Sources.upload`` fills in before the request is sent.
    """
    sources = sources or Sources()
    kwargs: dict[str, Any] = {"model": request.model, "store": request.store}
    held = turn.server_conversation or request.server_conversation
    if not request.server_state:
        held = None
    previous = _chain_point(request, history, turn) if chain and not request.server_state else None
    if held is not None:  # the server-side conversation holds everything before
        kwargs["conversation"] = held
        asked = [_user_item(turn, sources)]
        kwargs["input"] = _trailing_outputs(turn) if turn.response_id else asked
    elif previous is not None and turn.response_id:
        kwargs["previous_response_id"] = previous
        kwargs["input"] = _trailing_outputs(turn)
    elif previous is not None:
        kwargs["previous_response_id"] = previous
        kwargs["input"] = [_user_item(turn, sources)]
    else:
        kwargs["input"] = [item for t in [*history, turn] for item in _turn_items(t, sources)]
    include = builtin_tools.includes(request.tools)
    if request.tools:
        kwargs["tools"] = [_tool_param(tool, request.model) for tool in request.tools]
    if request.schema is not None:
        kwargs["text"] = {
            "format": {
                "type": "json_schema",
                "name": request.schema.name,
                "schema": request.schema.schema,
                "strict": request.schema.strict,
            }
        }
    if request.instructions:
        kwargs["instructions"] = request.instructions
    if request.temperature is not None:
        kwargs["temperature"] = request.temperature
    if request.max_tokens is not None:
        kwargs["max_output_tokens"] = request.max_tokens
    if request.reasoning:
        kwargs["reasoning"] = {"effort": request.reasoning}  # the summary: parameters.py
        if not request.store:
            include.append("reasoning.encrypted_content")
    if include:
        kwargs["include"] = include
    if request.truncation == "auto":
        kwargs["truncation"] = "auto"
    if request.background:
        kwargs["background"] = True
    kwargs.update(caching.request_params(request.cache_key, request.cache_retention))
    parameters.apply(ResponsesBackend.api, request, kwargs)  # verbosity, tool choice...
    return kwargs


def _tool_param(tool: Tool, model: str) -> dict[str, Any]:
    from ..tools import ComputerTool, FunctionTool, PythonTool

    if isinstance(tool, PythonTool):  # freeform: the code is the call's whole input
        return {"type": "custom", "name": tool.name, "description": tool.description}
    if isinstance(tool, FunctionTool):
        return {
            "type": "function",
            "name": tool.name,
            "description": tool.description,
            "parameters": tool.parameters,
            "strict": False,
        }
    if isinstance(tool, ComputerTool):
        return _computer_param(tool, model)
    return tool.param()


def _computer_param(tool: ComputerTool, model: str) -> dict[str, Any]:
    """The computer tool: the preview model takes the preview tool, which says the
    screen's size and kind; later models take ``computer``, which needs neither (they
    read them from the screenshots)."""
    if model.startswith(PREVIEW_COMPUTER_MODEL):
        return {
            "type": "computer_use_preview",
            "display_width": tool.width,
            "display_height": tool.height,
            "environment": tool.environment,
        }
    return {"type": "computer"}


#: The model that takes the preview computer tool (and its dated snapshots).
PREVIEW_COMPUTER_MODEL = "computer-use-preview"


class Sources:
    """Attachment parts for input items: images inline as data URLs, documents by the
    ``file_id`` this server gave them (uploaded once per kernel, found by SHA-256)."""

    def __init__(
        self,
        files: FileStore | None = None,
        server: str = "",
        quirks: ServerQuirks | None = None,
    ) -> None:
        from .connection import ServerQuirks

        self.files = files
        self.server = server
        self.quirks = quirks or ServerQuirks()
        self.pending: dict[str, AttachmentRecord] = {}  # placeholder -> attachment record

    def part(self, record: AttachmentRecord) -> dict[str, Any]:
        if record["kind"] == "image":
            url = record.get("url") or (self.files and self.files.data_url(record))
            if url:
                return {"type": "input_image", "image_url": url, "detail": "auto"}
        elif record.get("url"):
            return {"type": "input_file", "file_url": record["url"]}
        elif self.files is not None:
            known = self.files.file_id(self.server, record)
            if known:
                return {"type": "input_file", "file_id": known}
            if self.files.data(record) is not None:
                placeholder = f"pending:{record['sha256']}"
                self.pending[placeholder] = record
                return {"type": "input_file", "file_id": placeholder}
        return {"type": "input_text", "text": f"[attachment {record['name']} is not available]"}

    def upload(self, client: OpenAI, kwargs: dict[str, Any]) -> Iterator[ev.Event]:
        """Upload what ``part`` left pending and put the real ids into ``kwargs``. A
        server without a Files API (an upload answered 400/404/405/415/422/500/501, after
        the SDK's retries) gets the documents inline as ``file_data``, with a note."""
        import openai

        if not self.pending or self.files is None:
            return
        ids: dict[str, dict[str, Any]] = {}
        for placeholder, record in self.pending.items():
            if not self.quirks.has(self.server, "no_files_api"):
                try:
                    created = client.files.create(
                        file=(record["name"], self.files.data(record) or b"", record["mime"]),
                        purpose="user_data",
                    )
                except openai.APIStatusError as error:
                    if error.status_code not in _NO_FILES_API:
                        raise
                    self.quirks.note(self.server, "no_files_api")
                    host = urlsplit(self.server).hostname or self.server
                    yield ev.Note(NO_FILES_NOTE.format(host=host, status=error.status_code))
                else:
                    self.files.remember_upload(self.server, record, created.id)
                    ids[placeholder] = {"file_id": created.id}
                    continue
            inline = self.files.data_url(record) or ""
            ids[placeholder] = {"filename": record["name"], "file_data": inline}
        for item in kwargs["input"]:
            content = item.get("content")
            for part in content if isinstance(content, list) else []:
                if isinstance(part, dict) and part.get("file_id") in ids:
                    source = ids[part.pop("file_id")]
                    part.update(source)
        self.pending.clear()


#: Upload statuses that mean "no Files API here" rather than a bad key or a busy server.
_NO_FILES_API = (400, 404, 405, 415, 422, 500, 501)

NO_FILES_NOTE = (
    "{host} did not take the document upload (POST /files answered {status}), so "
    "documents are sent inline to it."
)


def _chain_point(request: TurnRequest, history: list[Turn], turn: Turn) -> str | None:
    """The response id to continue from, or None to resend history."""
    if not request.store or request.resend_history:
        return None
    if turn.response_id:  # a later round of this turn's tool loop
        return turn.response_id if turn.stored else None
    last = history[-1] if history else None
    if last is not None and last.compacts():
        return None  # a compaction is no response: what follows it is resent from it
    if last is not None and last.api == "responses" and last.stored and last.response_id:
        # A computer call left unanswered (denied) would have to be answered first.
        return None if _unanswerable(last.output) else last.response_id
    return None


GONE_NOTE = (
    "The server no longer has conversation {id} (deleted, or expired): this branch was "
    "copied into a new server-side conversation, which the thread continues."
)


def _conversation_gone(error: Any, kwargs: dict[str, Any], turn: Turn) -> bool:
    """A 404 for the server-side conversation a turn's first request continued (a later
    round's would lose the round's own items: that one fails as it is)."""
    if "conversation" not in kwargs or turn.response_id:
        return False
    said = f"{getattr(error, 'param', '') or ''} {getattr(error, 'message', '') or ''}".lower()
    return "conversation" in said


#: Most items one request may add to a server-side conversation (the API's limit).
CONVERSATION_ITEMS_PER_REQUEST = 20


def _server_conversation(
    client: OpenAI, history: list[Turn], sources: Sources
) -> Generator[ev.Event, None, str]:
    """A new server-side conversation holding the branch so far (as its items, resent
    as history would be), in requests of at most 20 items; returns its id."""
    items = [item for past in history for item in _turn_items(past, sources)]
    carrier: dict[str, Any] = {"input": items}
    yield from sources.upload(client, carrier)  # documents the branch attached
    items = carrier["input"]
    step = CONVERSATION_ITEMS_PER_REQUEST
    created = client.conversations.create(items=items[:step])
    for start in range(step, len(items), step):
        client.conversations.items.create(created.id, items=items[start : start + step])
    return str(created.id)


def _computer_call_item(item: ProviderItem) -> dict[str, Any]:
    """A computer call as it came, its fields as the API takes them back: a double
    click's ``keys`` is required (``null`` when none), and came back without it."""
    fields = ("type", "id", "call_id", "action", "actions", "pending_safety_checks", "status")
    sent = copy.deepcopy({k: item[k] for k in fields if k in item})
    sent.setdefault("pending_safety_checks", [])
    sent.setdefault("status", "completed")
    for key in ("action", "actions"):
        actions = sent.get(key)
        for action in actions if isinstance(actions, list) else [actions]:
            if isinstance(action, dict) and action.get("type") == "double_click":
                action.setdefault("keys", None)
    return sent


def _user_item(turn: Turn, sources: Sources) -> dict[str, Any]:
    """A plain prompt as a string: the one form OpenAI's spec does not also match as
    another input item type (its ``oneOf`` overlaps for content lists). With notebook
    context or files, a list: the context's text part, the prompt's, the files'."""
    if not turn.attachments and not turn.context:
        return {"role": "user", "content": turn.prompt}
    content = [{"type": "input_text", "text": text} for text in turn.message_texts()]
    content += [sources.part(record) for record in turn.attachments]
    return {"role": "user", "content": content}


def _trailing_outputs(turn: Turn) -> list[dict[str, Any]]:
    """The results of the tool calls that ended the last round of this turn."""
    tail: list[dict[str, Any]] = []
    for entry in reversed(turn.output):
        if entry["type"] not in (
            "function_call_output",
            "custom_call_output",
            "computer_call_output",
            "approval",
        ):
            break
        item = _entry_item(entry, turn.images)
        if item is None:
            break
        tail.append(item)
    return tail[::-1]


def _turn_items(turn: Turn, sources: Sources) -> list[dict[str, Any]]:
    compacted = next((e for e in turn.output if e["type"] == "compaction" and e.get("item")), None)
    if compacted is not None:  # the server's: the user messages it kept, then its item
        kept = [{"role": "user", "content": text} for text in compacted.get("messages", [])]
        return [*kept, dict(compacted["item"])]
    items = [_user_item(turn, sources)]
    left_out = _unanswerable(turn.output)
    live = turn.status == "running"  # the turn whose rounds these are
    for entry in turn.output:
        if entry.get("call_id") in left_out:
            continue
        if not live and entry["type"] in _SERVER_EXCHANGE:
            continue  # a finished turn's server tool exchange: its answer says what came of it
        item = _entry_item(entry, turn.images)
        if item is not None:
            items.append(item)
    return items


#: Entries of a remote server's tool exchange (an MCP server's listing, questions, the
#: user's answers and its calls): resent within their own turn, whose later rounds need
#: them (the server runs an approved call once, and only where its question and answer
#: are in the input), never as history: the turn's answer says what came of them.
_SERVER_EXCHANGE = ("approval_request", "approval", "builtin")


def _unanswerable(entries: list[Entry]) -> set[str]:
    """Computer calls that did not run (denied, or cut off by the round limit): only a
    screenshot of what a call did answers it, so these are not resent at all."""
    shot = {
        e["call_id"] for e in entries if e["type"] == "computer_call_output" and e.get("images")
    }
    return {e["call_id"] for e in entries if e["type"] == "computer_call"} - shot


def _tool_output(entry: LocalResultEntry, images: list[str]) -> str | list[dict[str, Any]]:
    """A tool result's ``output``: its text, or, with images, a text part and an
    ``input_image`` part per image (``detail`` given: a custom tool's output needs it)."""
    urls = result_images(entry, images)
    if not urls:
        return entry["output"]
    return [
        {"type": "input_text", "text": entry["output"]},
        *({"type": "input_image", "image_url": url, "detail": "auto"} for url in urls),
    ]


def _entry_item(entry: Entry, images: list[str]) -> dict[str, Any] | None:
    """An entry as an input item; ``images``: its turn's (what tool results point at)."""
    if entry["type"] == "message":
        message = {"role": "assistant", "content": entry["text"]}
        phase = entry.get("phase")
        if phase:  # resent as it came: models that label their messages want it back
            message["phase"] = phase
        return message
    if entry["type"] == "function_call":
        return {
            "type": "function_call",
            "call_id": entry["call_id"],
            "name": entry["name"],
            "arguments": entry["arguments"],
        }
    if entry["type"] == "function_call_output":
        return {
            "type": "function_call_output",
            "call_id": entry["call_id"],
            "output": _tool_output(entry, images),
        }
    if entry["type"] == "custom_call":
        return {
            "type": "custom_tool_call",
            "call_id": entry["call_id"],
            "name": entry["name"],
            "input": entry["input"],
        }
    if entry["type"] == "custom_call_output":
        return {
            "type": "custom_tool_call_output",
            "call_id": entry["call_id"],
            "output": _tool_output(entry, images),
        }
    if entry["type"] == "compaction":  # a summary the model wrote (an item: _turn_items)
        return {"role": "assistant", "content": entry["summary"]} if entry["summary"] else None
    if entry["type"] == "computer_call":
        return _computer_call_item(entry["item"])
    if entry["type"] == "computer_call_output":
        urls = result_images(entry, images)
        if not urls:
            return None
        answer: dict[str, Any] = {
            "type": "computer_call_output",
            "call_id": entry["call_id"],
            "output": {"type": "computer_screenshot", "image_url": urls[-1]},
        }
        if entry.get("acknowledged"):
            answer["acknowledged_safety_checks"] = entry["acknowledged"]
        return answer
    if entry["type"] == "reasoning" and (entry.get("item") or {}).get("encrypted_content"):
        item = entry["item"]
        return {k: item[k] for k in ("type", "id", "summary", "encrypted_content") if k in item}
    return _asked_item(entry)


def _asked_item(entry: Entry) -> dict[str, Any] | None:
    """An MCP approval request and the user's answer to it, and the built-in items
    whose declaration resends them (an MCP server's tool list and its calls, so the
    server neither lists again nor reruns an approved call); other built-in items,
    and refusals, are not resent: their text already stands in the answer."""
    if entry["type"] == "approval_request":
        return builtin_tools.resent(entry["item"])
    if entry["type"] == "approval":
        answer = {
            "type": "mcp_approval_response",
            "approval_request_id": entry["call_id"],
            "approve": entry["approve"],
        }
        return answer if entry["approve"] else {**answer, "reason": entry["output"]}
    if entry["type"] == "builtin":
        return builtin_tools.resent(entry["item"])
    return None
