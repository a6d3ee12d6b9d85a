"""The HTTP side of the emulator: routing, auth, recording, JSON and SSE bodies.

Built on the standard library's ``ThreadingHTTPServer``: no dependency to install, a
thread per connection (the SDK keeps connections alive), and it writes an SSE body as
HTTP/1.1 chunks in batches, which streams well over 100,000 events a second (see
``bench/``). An ASGI stack would add dependencies and an event loop for no gain here.
"""

from __future__ import annotations

import contextlib
import email.parser
import email.policy
import json
import re
import secrets
import socket
import time
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

from . import (
    assistants,
    background,
    batches,
    chat_api,
    compaction,
    computer_calls,
    context_window,
    conversations,
    default_model,
    rate_limits,
    responses_api,
    script,
)
from .errors import ApiError, invalid, not_found
from .state import EmulatorState, RecordedRequest, StoredFile

DEFAULT_MODELS = [
    "gpt-4.1",
    "computer-use-preview",
    "gpt-4.1-mini",
    "gpt-4o",
    "gpt-4o-mini",
    "gpt-5",
    "gpt-5-mini",
    "o4-mini",
]
_FLUSH_BYTES = 64 * 1024
#: The event ``Reply.malformed_after`` sends: its data is cut off mid-JSON.
MALFORMED_EVENT = b'data: {"type": "response.output_text.delta", "delta": "cut\n\n'

Route = tuple[str, re.Pattern[str], str]
ROUTES: list[Route] = [
    ("POST", re.compile(r"/v1/responses"), "create_response"),
    ("GET", re.compile(r"/v1/responses/(?P<id>[^/]+)"), "get_response"),
    ("DELETE", re.compile(r"/v1/responses/(?P<id>[^/]+)"), "delete_response"),
    ("GET", re.compile(r"/v1/responses/(?P<id>[^/]+)/input_items"), "input_items"),
    ("POST", re.compile(r"/v1/responses/input_tokens"), "count_input_tokens"),
    ("POST", re.compile(r"/v1/responses/compact"), "compact_response"),
    ("POST", re.compile(r"/v1/responses/(?P<id>[^/]+)/cancel"), "cancel_response"),
    ("POST", re.compile(r"/v1/chat/completions"), "chat_completion"),
    ("GET", re.compile(r"/v1/models"), "list_models"),
    ("GET", re.compile(r"/v1/models/(?P<model>[^/]+)"), "get_model"),
    ("POST", re.compile(r"/v1/conversations"), "create_conversation"),
    ("GET", re.compile(r"/v1/conversations/(?P<id>[^/]+)"), "get_conversation"),
    ("POST", re.compile(r"/v1/conversations/(?P<id>[^/]+)"), "update_conversation"),
    ("DELETE", re.compile(r"/v1/conversations/(?P<id>[^/]+)"), "delete_conversation"),
    ("GET", re.compile(r"/v1/conversations/(?P<id>[^/]+)/items"), "conversation_items"),
    ("POST", re.compile(r"/v1/conversations/(?P<id>[^/]+)/items"), "add_conversation_items"),
    (
        "GET",
        re.compile(r"/v1/conversations/(?P<id>[^/]+)/items/(?P<item>[^/]+)"),
        "conversation_item",
    ),
    (
        "DELETE",
        re.compile(r"/v1/conversations/(?P<id>[^/]+)/items/(?P<item>[^/]+)"),
        "delete_conversation_item",
    ),
    ("POST", re.compile(r"/v1/assistants"), "create_assistant"),
    ("GET", re.compile(r"/v1/assistants/(?P<id>[^/]+)"), "get_assistant"),
    ("DELETE", re.compile(r"/v1/assistants/(?P<id>[^/]+)"), "delete_assistant"),
    ("POST", re.compile(r"/v1/threads"), "create_thread"),
    ("GET", re.compile(r"/v1/threads/(?P<id>[^/]+)"), "get_thread"),
    ("DELETE", re.compile(r"/v1/threads/(?P<id>[^/]+)"), "delete_thread"),
    ("GET", re.compile(r"/v1/threads/(?P<id>[^/]+)/messages"), "thread_messages"),
    ("POST", re.compile(r"/v1/threads/(?P<id>[^/]+)/messages"), "add_thread_message"),
    ("POST", re.compile(r"/v1/files"), "upload_file"),
    ("GET", re.compile(r"/v1/files/(?P<id>[^/]+)"), "get_file"),
    ("GET", re.compile(r"/v1/files/(?P<id>[^/]+)/content"), "file_content"),
    ("POST", re.compile(r"/v1/batches"), "create_batch"),
    ("GET", re.compile(r"/v1/batches"), "list_batches"),
    ("GET", re.compile(r"/v1/batches/(?P<id>[^/]+)"), "get_batch"),
    ("POST", re.compile(r"/v1/batches/(?P<id>[^/]+)/cancel"), "cancel_batch"),
    ("POST", re.compile(r"/_emulator/script"), "control_script"),
    ("GET", re.compile(r"/_emulator/requests"), "control_requests"),
    ("POST", re.compile(r"/_emulator/reset"), "control_reset"),
]


class Stream:
    """An SSE body to send, with the timing and fault behaviour of its reply."""

    def __init__(self, chunks: Iterator[bytes], reply: Any) -> None:
        self.chunks = chunks
        self.event_delay = getattr(reply, "event_delay", 0.0)
        self.disconnect_after = getattr(reply, "disconnect_after", None)
        self.stall_after = getattr(reply, "stall_after", None)
        self.stall = getattr(reply, "stall", 0.0)
        self.malformed_after = getattr(reply, "malformed_after", None)
        self.live = getattr(reply, "live", False)  # flush every event (a background run)


class EmulatorServer(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    #: How long a batch takes (``batches.BatchSpeed``), and what answers its lines
    #: (``batch_lines.answerer``, which imports this module: ``Emulator`` sets it).
    batch_speed = batches.BatchSpeed()
    batch_lines: batches.Answer | None = None

    def __init__(
        self,
        address: tuple[str, int],
        state: EmulatorState,
        models: list[str] | None,
        window: context_window.Override = None,
    ) -> None:
        super().__init__(address, Handler)
        self.state = state
        self.models = models
        #: Context windows to use instead of the table's (``context_window.size``).
        self.context_window = window

    def handle_error(self, request: Any, client_address: Any) -> None:
        """A client that hangs up mid-request is normal (cancel, timeout): stay quiet."""
        import sys

        if not isinstance(sys.exc_info()[1], ConnectionError):
            super().handle_error(request, client_address)


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    #: TCP_NODELAY: headers and body go out in two writes, and with Nagle on the second
    #: waits for the client's delayed ACK (~40 ms a request on a kept-alive connection).
    disable_nagle_algorithm = True
    server: EmulatorServer

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet: tests and notebooks read the request log, not stderr."""

    # -- dispatch --------------------------------------------------------------------
    def do_GET(self) -> None:
        self._dispatch("GET")

    def do_POST(self) -> None:
        self._dispatch("POST")

    def do_DELETE(self) -> None:
        self._dispatch("DELETE")

    def _dispatch(self, method: str) -> None:
        url = urlsplit(self.path)
        self.query = {k: v[-1] for k, v in parse_qs(url.query).items()}
        self.limit_headers: dict[str, str] = {}  # x-ratelimit-* (rate_limits.py)
        raw = self.rfile.read(int(self.headers.get("content-length") or 0))
        try:
            for verb, pattern, name in ROUTES:
                match = pattern.fullmatch(url.path.rstrip("/"))
                if match and verb == method:
                    body = self._parse(raw)
                    if url.path.startswith("/v1/"):
                        self._record(method, url.path, body)
                        self._authenticate()
                        self.limit_headers = rate_limits.admit(
                            self.server.state.rate_limiter, name, body
                        )
                    result = getattr(self, name)(body, **match.groupdict())
                    break
            else:
                raise not_found(f"Invalid URL ({method} {url.path})", code="unknown_url")
        except ApiError as error:
            self._send_json(error.status, error.body(), error.headers)
            return
        if isinstance(result, Stream):
            self._send_stream(result)
        elif result is not None:
            self._send_json(200, result)

    def _parse(self, raw: bytes) -> Any:
        content_type = self.headers.get("content-type", "")
        if content_type.startswith("multipart/form-data"):
            return _parse_multipart(content_type, raw)
        if not raw:
            return None
        try:
            return json.loads(raw)
        except ValueError:
            raise invalid(
                "We could not parse the JSON body of your request. (HINT: This likely means you "
                "aren't using your HTTP library correctly.)"
            ) from None

    def _record(self, method: str, path: str, body: Any) -> None:
        auth = self.headers.get("authorization", "")
        shown = {
            k.lower(): v
            for k, v in self.headers.items()
            if k.lower() not in ("authorization", "cookie")
        }
        recorded = body
        if isinstance(body, dict) and isinstance(body.get("file"), dict):
            recorded = {**body, "file": {k: v for k, v in body["file"].items() if k != "content"}}
        self.server.state.record(
            RecordedRequest(
                method, path, recorded, auth.startswith("Bearer "), shown, query=dict(self.query)
            )
        )

    def _authenticate(self) -> None:
        required = self.server.state.api_key
        if required is None:
            return
        auth = self.headers.get("authorization", "")
        if not auth.startswith("Bearer ") or not secrets.compare_digest(
            auth[7:].encode(), required.encode()
        ):
            if not auth:
                raise ApiError(
                    401,
                    "You didn't provide an API key. You need to provide your API key in an "
                    "Authorization header using Bearer auth (i.e. Authorization: Bearer YOUR_KEY).",
                    "invalid_request_error",
                    None,
                )
            raise ApiError(401)  # OpenAI's "Incorrect API key provided" body

    # -- writing ---------------------------------------------------------------------
    def _headers(self, status: int, content_type: str, extra: dict[str, str] | None = None) -> None:
        self.send_response(status)
        self.send_header("content-type", content_type)
        self.send_header("x-request-id", "req_" + secrets.token_hex(16))
        self.send_header("openai-processing-ms", "1")
        for key, value in {**self.limit_headers, **(extra or {})}.items():
            self.send_header(key, value)

    def _send_json(self, status: int, body: Any, headers: dict[str, str] | None = None) -> None:
        data = json.dumps(body).encode()
        self._headers(status, "application/json", headers)
        self.send_header("content-length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def _send_stream(self, stream: Stream) -> None:
        self._headers(200, "text/event-stream; charset=utf-8", {"cache-control": "no-cache"})
        self.send_header("transfer-encoding", "chunked")
        self.end_headers()
        pending: list[bytes] = []
        size = 0

        def flush() -> None:
            nonlocal size
            if size:
                data = b"".join(pending)
                self.wfile.write(b"%x\r\n%s\r\n" % (len(data), data))
                self.wfile.flush()
                pending.clear()
                size = 0

        try:
            for count, chunk in enumerate(stream.chunks):
                if stream.disconnect_after is not None and count >= stream.disconnect_after:
                    flush()
                    self._drop_connection()
                    return
                if count == stream.stall_after:
                    flush()
                    time.sleep(stream.stall)
                if count == stream.malformed_after:
                    pending.append(MALFORMED_EVENT)
                    size += len(MALFORMED_EVENT)
                pending.append(chunk)
                size += len(chunk)
                if stream.event_delay or stream.live:
                    flush()
                    time.sleep(stream.event_delay)
                elif size >= _FLUSH_BYTES:
                    flush()
            flush()
            self.wfile.write(b"0\r\n\r\n")
            self.wfile.flush()
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True  # the client closed the stream: a cancel

    def _drop_connection(self) -> None:
        self.close_connection = True
        with contextlib.suppress(OSError):
            self.connection.shutdown(socket.SHUT_RDWR)

    # -- endpoints -------------------------------------------------------------------
    def _scripted(self, check: Callable[[], Any]) -> Any:
        """Validate first (a rejected request leaves the script untouched), then take
        the next scripted answer; HTTP faults and delays apply here."""
        check()
        scripted = self.server.state.next_scripted()
        if isinstance(scripted, script.HTTPError):
            headers = (
                {"retry-after": f"{scripted.retry_after:g}"}
                if scripted.retry_after is not None
                else {}
            )
            code = "default" if scripted.code is None else scripted.code
            raise ApiError(
                scripted.status, scripted.message, scripted.type, code, scripted.param, headers
            )
        if isinstance(scripted, script.Reply) and scripted.first_byte_delay:
            time.sleep(scripted.first_byte_delay)
        return scripted

    def _check_model(self, body: dict[str, Any]) -> None:
        models = self.server.models
        if models is not None and body["model"] not in models:
            raise not_found(
                f"The model `{body['model']}` does not exist or you do not have access to it.",
                code="model_not_found",
            )

    def create_response(self, body: Any) -> Any:
        runs: list[responses_api.ResponseRun] = []

        def check() -> None:
            responses_api.validate(body)
            background.check(body)
            context_window.check_truncation(body)
            self._check_model(body)
            runs.append(responses_api.ResponseRun(self.server.state, body))  # 404s, bad call ids
            runs[0].dropped = self._fit(runs[0])  # over the window: truncated, or a 400
            runs[0].dialogue().check(responses_api.JSON_REFUSAL)

        scripted = self._scripted(check)
        run = runs[0]
        if scripted is not None:
            run.reply = run.mcp.faithful(scripted)
        else:  # an approval answered (mcp.py), or the default model, listing MCP tools
            answered = run.mcp.answer() or default_model.answer(run.dialogue())
            run.reply = run.mcp.faithful(answered, listing=True)
        if body.get("background"):
            started = background.start(self.server.state, run)
            return self._deliver(body, started, started.delivery)
        return self._deliver(body, run, run.reply)

    def chat_completion(self, body: Any) -> Any:
        def check() -> None:
            chat_api.validate(body)
            self._check_model(body)
            context_window.check_chat(chat_api.prompt_of(body), self._window(body["model"]))
            chat_api.dialogue_of(body).check(chat_api.JSON_REFUSAL)

        scripted = self._scripted(check)
        reply = (
            scripted if scripted is not None else default_model.answer(chat_api.dialogue_of(body))
        )
        cache = self.server.state.prompt_cache
        if (body.get("n") or 1) > 1:  # the other choices: the next scripted replies, if any
            replies = [reply]
            for _ in range(body["n"] - 1):
                more = self.server.state.next_reply()
                replies.append(more or default_model.answer(chat_api.dialogue_of(body)))
            return self._deliver(body, chat_api.ChatChoices(body, replies, cache), reply)
        return self._deliver(body, chat_api.ChatRun(body, reply, cache), reply)

    def _deliver(self, body: dict[str, Any], run: Any, reply: Any) -> Any:
        if body.get("stream"):
            return Stream(run.sse(), reply)
        if getattr(reply, "disconnect_after", None) is not None:
            self._drop_connection()
            return None
        return run.final()

    def _window(self, model: str) -> int:
        return context_window.size(model, self.server.context_window)

    def _fit(self, run: responses_api.ResponseRun) -> int:
        """How many of the oldest messages ``run`` leaves out to fit the model's window."""
        instructions, truncation = run.body.get("instructions"), run.body.get("truncation")
        window = self._window(run.body["model"])
        return context_window.fit(run.messages, instructions, window, truncation)

    def count_input_tokens(self, body: Any) -> Any:
        """What ``POST /v1/responses`` with this body would count as input (``model``
        may be left out); over the window it still counts, unless truncation drops."""
        if isinstance(body, dict) and not body.get("model"):
            body = {**body, "model": DEFAULT_MODELS[0]}
        responses_api.validate(body)
        context_window.check_truncation(body)
        self._check_model(body)
        run = responses_api.ResponseRun(self.server.state, body)
        if body.get("truncation") == "auto":
            run.dropped = self._fit(run)
        return context_window.counted(run.body.get("instructions"), run.in_context())

    def compact_response(self, body: Any) -> Any:
        """``POST /v1/responses/compact``: the chain and input, compacted. It takes the
        next scripted answer for its faults only (an ``HTTPError``; a ``Reply``'s
        ``first_byte_delay``, or ``disconnect_after``: the connection drops before the
        answer): what it answers is the server's own compaction."""
        runs: list[responses_api.ResponseRun] = []

        def check() -> None:
            responses_api.validate(body)
            self._check_model(body)
            runs.append(responses_api.ResponseRun(self.server.state, body))

        scripted = self._scripted(check)
        if getattr(scripted, "disconnect_after", None) is not None:
            self._drop_connection()
            return None
        run = runs[0]
        earlier = computer_calls.chain_items(self.server.state, run.previous, run.conversation)
        return compaction.compacted(run, [*earlier, *run.input_items])

    def get_response(self, body: Any, id: str) -> Any:
        if self.query.get("stream") == "true":
            chunks = background.stream(self.server.state, id, self.query.get("starting_after"))
            return Stream(chunks, background.LIVE)
        return background.current(self.server.state, id)

    def cancel_response(self, body: Any, id: str) -> Any:
        return background.cancel(self.server.state, id)

    def delete_response(self, body: Any, id: str) -> Any:
        responses_api.lookup(self.server.state, id)
        background.forget(self.server.state, id)
        with self.server.state.lock:
            del self.server.state.responses[id]
        return {"id": id, "object": "response", "deleted": True}

    def input_items(self, body: Any, id: str) -> Any:
        items = list(responses_api.lookup(self.server.state, id).input_items)
        return conversations.page(items, self.query)

    def list_models(self, body: Any) -> Any:
        return {"object": "list", "data": [_model(m) for m in self.server.models or DEFAULT_MODELS]}

    def get_model(self, body: Any, model: str) -> Any:
        known = self.server.models or DEFAULT_MODELS
        if self.server.models is not None and model not in known:
            raise not_found(f"The model '{model}' does not exist", "model", code="model_not_found")
        return _model(model)  # with no model list set, every model exists (as for POSTs)

    # -- the Conversations API ---------------------------------------------------------
    def create_conversation(self, body: Any) -> Any:
        return conversations.create(self.server.state, body, responses_api.normalized_items)

    def get_conversation(self, body: Any, id: str) -> Any:
        return conversations.lookup(self.server.state, id).conversation

    def update_conversation(self, body: Any, id: str) -> Any:
        return conversations.update(self.server.state, id, body)

    def delete_conversation(self, body: Any, id: str) -> Any:
        return conversations.delete(self.server.state, id)

    def conversation_items(self, body: Any, id: str) -> Any:
        return conversations.page(conversations.lookup(self.server.state, id).items, self.query)

    def add_conversation_items(self, body: Any, id: str) -> Any:
        state = self.server.state
        return conversations.add_items(state, id, body, responses_api.normalized_items)

    def conversation_item(self, body: Any, id: str, item: str) -> Any:
        return conversations.get_item(self.server.state, id, item)

    def delete_conversation_item(self, body: Any, id: str, item: str) -> Any:
        return conversations.delete_item(self.server.state, id, item)

    # -- the Assistants API (what %responses import-assistant reads) ---------------------
    def _assistants(self) -> EmulatorState:
        """The state, once the request carries the Assistants API's beta header."""
        assistants.check_beta(self.headers.get("openai-beta"))
        return self.server.state

    def create_assistant(self, body: Any) -> Any:
        return assistants.create_assistant(self._assistants(), body)

    def get_assistant(self, body: Any, id: str) -> Any:
        return assistants.get_assistant(self._assistants(), id)

    def delete_assistant(self, body: Any, id: str) -> Any:
        return assistants.delete_assistant(self._assistants(), id)

    def create_thread(self, body: Any) -> Any:
        return assistants.create_thread(self._assistants(), body)

    def delete_thread(self, body: Any, id: str) -> Any:
        return assistants.delete_thread(self._assistants(), id)

    def get_thread(self, body: Any, id: str) -> Any:
        return assistants.get_thread(self._assistants(), id)

    def thread_messages(self, body: Any, id: str) -> Any:
        return assistants.list_messages(self._assistants(), id, self.query)

    def add_thread_message(self, body: Any, id: str) -> Any:
        return assistants.add_message(self._assistants(), id, body)

    def upload_file(self, body: Any) -> Any:
        if not isinstance(body, dict) or not isinstance(body.get("file"), dict):
            raise invalid(
                "Missing required parameter: 'file'.", "file", "missing_required_parameter"
            )
        if not body.get("purpose"):
            raise invalid(
                "Missing required parameter: 'purpose'.", "purpose", "missing_required_parameter"
            )
        upload = body["file"]
        meta = {
            "id": "file-" + secrets.token_hex(11),
            "object": "file",
            "bytes": len(upload["content"]),
            "created_at": int(time.time()),
            "filename": upload["filename"],
            "purpose": body["purpose"],
            "status": "processed",
        }
        with self.server.state.lock:
            self.server.state.files[meta["id"]] = StoredFile(meta, upload["content"])
        return meta

    def _file(self, file_id: str) -> StoredFile:
        with self.server.state.lock:
            stored = self.server.state.files.get(file_id)
        if stored is None:
            raise not_found(f"No such File object: {file_id}", "id")
        return stored

    def get_file(self, body: Any, id: str) -> Any:
        return self._file(id).meta

    def file_content(self, body: Any, id: str) -> None:
        content = self._file(id).content
        self._headers(200, "application/octet-stream")
        self.send_header("content-length", str(len(content)))
        self.end_headers()
        self.wfile.write(content)

    # -- the Batch API (batches.py) -----------------------------------------------------
    def create_batch(self, body: Any) -> Any:
        answer = self.server.batch_lines
        if answer is None:  # a server made without ``Emulator``
            raise ApiError(501, "This server runs no batches.", "server_error", None)
        return batches.create(self.server.state, body, self.server.batch_speed, answer)

    def list_batches(self, body: Any) -> Any:
        return batches.listing(self.server.state, self.query)

    def get_batch(self, body: Any, id: str) -> Any:
        return batches.retrieve(self.server.state, id)

    def cancel_batch(self, body: Any, id: str) -> Any:
        return batches.cancel(self.server.state, id)

    # -- control (not part of OpenAI's API) --------------------------------------------
    def control_script(self, body: Any) -> Any:
        try:
            items = script.from_json(body if isinstance(body, list) else [body])
        except (TypeError, ValueError) as error:
            raise invalid(f"Bad script: {error}") from None
        self.server.state.enqueue(*items)
        return {"queued": len(items)}

    def control_requests(self, body: Any) -> Any:
        with self.server.state.lock:
            return [r.__dict__ for r in self.server.state.requests]

    def control_reset(self, body: Any) -> Any:
        self.server.state.reset()
        return {"reset": True}


def _model(name: str) -> dict[str, Any]:
    return {"id": name, "object": "model", "created": 1_700_000_000, "owned_by": "openai"}


def _parse_multipart(content_type: str, raw: bytes) -> dict[str, Any]:
    message = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(
        b"content-type: " + content_type.encode() + b"\r\n\r\n" + raw
    )
    fields: dict[str, Any] = {}
    for part in message.iter_parts():
        name = part.get_param("name", header="content-disposition")
        payload = part.get_payload(decode=True)
        payload = payload if isinstance(payload, bytes) else b""
        filename = part.get_filename()
        if filename is not None:
            fields[str(name)] = {
                "filename": filename,
                "content_type": part.get_content_type(),
                "size": len(payload),
                "content": payload,
            }
        else:
            fields[str(name)] = payload.decode("utf-8", "replace")
    return fields
