"""The Responses API: ``POST /v1/responses`` and the stored-response endpoints.

A request becomes a ``Dialogue`` (following ``previous_response_id`` through stored
responses, as the real service does), the reply becomes semantic stream events with a
``sequence_number`` increasing by one, and a ``store``d response can be fetched,
listed, continued and deleted.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from typing import Any

from . import compaction, computer_calls, conversations, custom_tools, mcp, sampling, tool_outputs
from .dialogue import Dialogue, Message, Tool
from .errors import ApiError, invalid, not_found
from .responses_events import OutputBuilder, new_id
from .script import Reasoning, Reply, loosen
from .state import EmulatorState, StoredResponse
from .usage import count_tokens, prompt_text

SSE = bytes


class ResponseRun:
    """One ``POST /v1/responses`` after validation: yields SSE bytes, or the final body."""

    def __init__(self, state: EmulatorState, body: dict[str, Any]) -> None:
        self.state = state
        self.body = body
        self.reply = Reply()
        self.previous = _previous(state, body)
        self.conversation = conversations.of_request(state, body)
        self.input_items = _input_items(body, state)
        earlier_items = computer_calls.chain_items(state, self.previous, self.conversation)
        computer_calls.check_answers(self.input_items, earlier_items)
        #: Remote MCP: its servers, and the approval requests this request answers.
        self.mcp = mcp.McpPlan(state, body, earlier_items, self.input_items)
        self.call_ids = dict(self.previous.call_ids) if self.previous else {}
        earlier = list(self.previous.messages) if self.previous else []
        if self.conversation is not None:
            earlier = _messages(self.conversation.items, self.call_ids, state, assistant=True)
        store = bool(body.get("store", True))
        self.messages = earlier + _messages(self.input_items, self.call_ids, state, store=store)
        #: How many of the oldest messages ``truncation: "auto"`` leaves out of the
        #: model's context (``context_window.fit``); the stored chain keeps them.
        self.dropped = 0
        self.response = _response_shell(body)
        if self.conversation is not None:
            self.response["conversation"] = {"id": self.conversation.conversation["id"]}
        self.sequence = 0

    def dialogue(self) -> Dialogue:
        return dialogue_of(self.body, self.in_context())

    def in_context(self) -> list[Message]:
        """The messages the model reads: the whole chain less what truncation dropped."""
        return self.messages[self.dropped :]

    # -- streaming -------------------------------------------------------------------
    def sse(self) -> Iterator[SSE]:
        limit = self.reply.error_event_after
        for count, event in enumerate(self._events()):
            if limit is not None and count >= limit:
                error = {"code": self.reply.error_code, "message": self.reply.error_message}
                if self.reply.nested_error:
                    yield self._encode(
                        {"type": "error", "error": {"type": "server_error", **error}}
                    )
                else:
                    yield self._encode({"type": "error", **error, "param": None})
                return
            if self.reply.obfuscation and event["type"].endswith(".delta"):
                event["obfuscation"] = "Xq3"
            yield self._encode(event)

    def final(self) -> dict[str, Any]:
        """The non-streamed answer: the same run, drained."""
        if self.reply.error_event_after is not None:
            raise ApiError(500, self.reply.error_message, "server_error", self.reply.error_code)
        for _ in self._events():
            pass
        return loosen(self.response, self.reply)

    def _encode(self, event: dict[str, Any]) -> SSE:
        event["sequence_number"] = self.sequence
        self.sequence += 1
        data = json.dumps(loosen(event, self.reply), separators=(",", ":"))
        return f"event: {event['type']}\ndata: {data}\n\n".encode()

    def _events(self) -> Iterator[dict[str, Any]]:
        yield {"type": "response.created", "response": dict(self.response)}
        if self.response["status"] == "queued":  # background mode: queued until it starts
            yield {"type": "response.queued", "response": dict(self.response)}
            self.response["status"] = "in_progress"
        for _ in range(self.reply.unknown_events):
            yield {"type": "response.emulator_unknown", "note": "an event no client knows"}
        yield {"type": "response.in_progress", "response": dict(self.response)}
        builder = OutputBuilder(
            self.body.get("include") or [],
            self.call_ids,
            self.reply.missing_done,
            self.body.get("top_logprobs") or 0,
        )
        yield from builder.events(self.reply.items)
        self._finish(builder.output)
        kind = {"completed": "response.completed", "incomplete": "response.incomplete"}
        yield {
            "type": kind.get(self.reply.status, "response.failed"),
            "response": self.response,
        }

    # -- bookkeeping -----------------------------------------------------------------
    def _finish(self, output: list[dict[str, Any]]) -> None:
        reply = self.reply
        status = reply.status
        usage = self._usage(output, reply)
        if reply.obfuscation:
            usage["cost"] = 0.00042
        self.response.update(status=reply.final_status or status, output=output, usage=usage)
        self.response["service_tier"] = sampling.served_tier(self.body)  # as served, at last
        if status == "incomplete":
            self.response["incomplete_details"] = {"reason": "max_output_tokens"}
        if status == "failed":
            self.response["error"] = {"code": reply.error_code, "message": reply.error_message}
        self.messages.extend(_messages(output, self.call_ids, self.state, assistant=True))
        items = [*self.input_items, *output]
        with self.state.lock:
            if self.conversation is not None:
                self.conversation.items.extend(items)
            if self.body.get("store", True) or self.conversation is not None:
                self.state.responses[self.response["id"]] = StoredResponse(
                    self.response, self.input_items, self.messages, self.call_ids
                )
                self.state.items.update((item["id"], item) for item in items if "id" in item)
            else:
                self.state.unstored.update(item["id"] for item in items if "id" in item)

    def _usage(self, output: list[dict[str, Any]], reply: Reply) -> dict[str, Any]:
        given = reply.usage or {}
        reasoning = sum(i.tokens for i in reply.items if isinstance(i, Reasoning))
        prompt = prompt_text(self.body.get("instructions"), self.in_context())
        inp = given.get("input_tokens", count_tokens(prompt))
        out = given.get("output_tokens", count_tokens(json.dumps(output)) + reasoning)
        cache = self.state.prompt_cache.use(
            self.body["model"], self.body.get("prompt_cache_key"), prompt, inp
        )
        return {
            "input_tokens": inp,
            "input_tokens_details": {
                "cached_tokens": given.get("cached_tokens", cache.cached_tokens),
                "cache_write_tokens": given.get("cache_write_tokens", cache.cache_write_tokens),
            },
            "output_tokens": out,
            "output_tokens_details": {"reasoning_tokens": reasoning},
            "total_tokens": inp + out,
        }


#: The input items that resend a custom tool call and answer it.
_CUSTOM_ITEMS = ("custom_tool_call", "custom_tool_call_output")


def validate(body: Any) -> None:
    """Reject what the real service rejects, with its messages."""
    if not isinstance(body, dict):
        raise invalid("The request body must be a JSON object.")
    if not isinstance(body.get("model"), str) or not body["model"]:
        raise invalid("Missing required parameter: 'model'.", "model", "missing_required_parameter")
    sampling.check_responses(body)
    if "input" in body and not isinstance(body["input"], str | list):
        raise invalid("Invalid type for 'input': expected a string or an array of items.", "input")
    for index, tool in enumerate(body.get("tools") or []):
        if not isinstance(tool, dict):
            raise invalid(
                f"Invalid type for 'tools[{index}]': expected an object.",
                f"tools[{index}]",
                "invalid_type",
            )
        if tool.get("type") == "function" and not tool.get("name"):
            raise invalid(
                "Missing required parameter: 'tools[0].name'.",
                "tools",
                "missing_required_parameter",
            )
        if tool.get("type") == "custom":
            custom_tools.check_declaration(tool, f"tools[{index}]")
        if tool.get("type") in computer_calls.TOOL_TYPES:
            computer_calls.check_declaration(tool, f"tools[{index}]")
        if tool.get("type") == "mcp":
            mcp.check_declaration(tool, f"tools[{index}]")
    if isinstance(body.get("input"), list):
        for index, item in enumerate(body["input"]):
            if isinstance(item, dict) and item.get("type") in _CUSTOM_ITEMS:
                custom_tools.check_item(item, f"input[{index}]")
            elif isinstance(item, dict) and item.get("type") in computer_calls.ITEMS:
                computer_calls.check_item(item, f"input[{index}]")
            elif isinstance(item, dict) and item.get("type") == "function_call_output":
                where = f"input[{index}].output"
                tool_outputs.check_output(item.get("output"), where, detail_required=False)
            elif isinstance(item, dict) and item.get("type") == "compaction":
                compaction.check_item(item, f"input[{index}]")
            elif isinstance(item, dict) and item.get("type") in mcp.ITEMS:
                mcp.check_item(item, f"input[{index}]")


#: What the API answers to JSON mode where no message says "json" (and the param it names).
JSON_REFUSAL = (
    "Response input messages must contain the word 'json' in some form to use 'text.format' "
    "of type 'json_object'.",
    "input",
)


def _previous(state: EmulatorState, body: dict[str, Any]) -> StoredResponse | None:
    previous_id = body.get("previous_response_id")
    if not previous_id:
        return None
    with state.lock:
        stored = state.responses.get(previous_id)
    if stored is None:
        raise not_found(
            f"Previous response with id '{previous_id}' not found.",
            "previous_response_id",
            "previous_response_not_found",
        )
    return stored


def _input_items(body: dict[str, Any], state: EmulatorState) -> list[dict[str, Any]]:
    return normalized_items(body.get("input", []), state)


def normalized_items(raw: Any, state: EmulatorState) -> list[dict[str, Any]]:
    """Input items as the API keeps them: a string is a user message, every message's
    content a list of parts, every item with an id; an ``item_reference`` is the stored
    item it names (404 if there is none)."""
    if isinstance(raw, str):
        raw = [{"role": "user", "content": raw}]
    items = []
    for entry in raw:
        if entry.get("type") == "item_reference":
            items.append(_referenced(state, str(entry.get("id"))))
            continue
        item = dict(entry)
        item.setdefault("type", "message")
        if item["type"] == "message":
            content = item.get("content", "")
            if isinstance(content, str):
                kind = "output_text" if item.get("role") == "assistant" else "input_text"
                item["content"] = [{"type": kind, "text": content}]
            item.setdefault("status", "completed")
        if item["type"] in (*_CUSTOM_ITEMS, *computer_calls.ITEMS):  # as the API lists them
            item.setdefault("status", "completed")
        item.setdefault("id", new_id("msg" if item["type"] == "message" else "item"))
        items.append(item)
    return items


def _referenced(state: EmulatorState, item_id: str) -> dict[str, Any]:
    with state.lock:
        found = state.items.get(item_id)
    if found is None:
        raise _missing_item(state, item_id)
    return json.loads(json.dumps(found))


def _missing_item(state: EmulatorState, item_id: str, store: bool = True) -> ApiError:
    """The real API's 404 for an item sent by id that it does not have: with the hint
    about ``store`` when the item (or this request) was not stored."""
    if item_id in state.unstored or not store:
        return not_found(
            f"Item with id '{item_id}' not found. Items are not persisted when `store` is set "
            "to false. Try again with `store` set to true, or remove this item from your input.",
            "input",
        )
    return not_found(f"Item with id '{item_id}' not found.", "input")


def _messages(
    items: list[dict[str, Any]],
    call_ids: dict[str, str],
    state: EmulatorState,
    assistant: bool = False,
    store: bool = True,
) -> list[Message]:
    """Reduce input or output items to ``Message``s; function and custom tool calls
    register their ``call_id`` and an output for an unknown ``call_id`` is rejected like
    the real API.
    A reasoning item sent back without its ``encrypted_content`` must be one the
    emulator stored (found by id), as on the real API."""
    out: list[Message] = []
    for item in items:
        kind = item.get("type")
        if kind == "message":
            parts = item.get("content") or []
            texts = [
                p.get("text") or p.get("refusal") or ""
                for p in parts
                if isinstance(p, dict) and p.get("type") != "input_image"
            ]
            text = "".join(texts)
            attachments = sum(
                1
                for p in parts
                if isinstance(p, dict) and p.get("type") in ("input_image", "input_file")
            )
            several = [t for t in texts if t] if len(texts) > 1 else []
            out.append(
                Message(item.get("role", "user"), text, attachments=attachments, parts=several)
            )
        elif kind == "function_call":
            call_ids[item.get("call_id", "")] = item.get("name", "")
            out.append(Message("assistant", tool_calls=[item.get("name", "")]))
        elif kind == "function_call_output":
            call_id = item.get("call_id", "")
            if call_id not in call_ids and not assistant:
                raise invalid(
                    f"No tool call found for function call output with call_id {call_id}.", "input"
                )
            text, attachments = tool_outputs.output_text(item.get("output"))
            name = call_ids.get(call_id)
            out.append(Message("tool", text, tool_name=name, attachments=attachments))
        elif kind == "custom_tool_call":
            call_ids[item.get("call_id", "")] = item.get("name", "")
            out.append(Message("assistant", tool_calls=[item.get("name", "")]))
        elif kind == "custom_tool_call_output":
            call_id = item.get("call_id", "")
            if call_id not in call_ids and not assistant:
                raise invalid(
                    f"No tool call found for custom tool call output with call_id {call_id}.",
                    "input",
                )
            text, attachments = tool_outputs.output_text(item.get("output"))
            name = call_ids.get(call_id)
            out.append(Message("tool", text, tool_name=name, attachments=attachments))
        elif kind in computer_calls.ITEMS:
            out.append(computer_calls.message(item, call_ids))
        elif kind in mcp.ITEMS:
            out.extend(mcp.messages(item))
        elif kind == "compaction":  # the turns it stands for, after the copies it folds in
            restored = compaction.expand(item, out, call_ids)
            out.extend(restored)
        elif kind == "reasoning" and not assistant and not item.get("encrypted_content"):
            with state.lock:
                stored = item.get("id") in state.items
            if not stored:
                raise _missing_item(state, str(item.get("id")), store)
    return out


def dialogue_of(body: dict[str, Any], messages: list[Message]) -> Dialogue:
    text_format = (body.get("text") or {}).get("format") or {}
    reasoning = body.get("reasoning") or {}
    return Dialogue(
        model=body["model"],
        messages=messages,
        instructions=body.get("instructions"),
        tools=[
            Tool(
                t.get("type", "function"),
                t.get("name") or t.get("server_label") or t.get("type", ""),
                t.get("parameters") or {},
            )
            for t in body.get("tools") or []
        ],
        tool_choice=body.get("tool_choice"),
        json_schema=text_format.get("schema") if text_format.get("type") == "json_schema" else None,
        json_mode=text_format.get("type") == "json_object",
        reasoning_effort=reasoning.get("effort"),
        reasoning_summary=bool(reasoning.get("summary")),
        max_output_tokens=body.get("max_output_tokens"),
    )


def _response_shell(body: dict[str, Any]) -> dict[str, Any]:
    reasoning = body.get("reasoning") or {}
    text = body.get("text") or {}
    return {
        "id": new_id("resp"),
        "object": "response",
        "created_at": int(time.time()),
        "status": "queued" if body.get("background") else "in_progress",
        "background": bool(body.get("background")),
        "error": None,
        "incomplete_details": None,
        "instructions": body.get("instructions"),
        "max_output_tokens": body.get("max_output_tokens"),
        "max_tool_calls": body.get("max_tool_calls"),
        "model": body["model"],
        "output": [],
        "parallel_tool_calls": body.get("parallel_tool_calls", True),
        "previous_response_id": body.get("previous_response_id"),
        "reasoning": {"effort": reasoning.get("effort"), "summary": reasoning.get("summary")},
        "service_tier": body.get("service_tier") or "auto",  # as asked, until served
        "store": body.get("store", True),
        "temperature": body.get("temperature", 1.0),
        "text": {
            "format": text.get("format") or {"type": "text"},
            "verbosity": text.get("verbosity", "medium"),
        },
        "tool_choice": body.get("tool_choice", "auto"),
        "tools": [_echo_tool(t) for t in body.get("tools") or []],
        "top_logprobs": body.get("top_logprobs", 0),
        "top_p": body.get("top_p", 1.0),
        "truncation": body.get("truncation", "disabled"),
        "metadata": body.get("metadata") or {},
        **{k: body[k] for k in ("user", "safety_identifier") if body.get(k)},
    }


def _echo_tool(tool: dict[str, Any]) -> dict[str, Any]:
    if tool.get("type") == "function":
        return {"description": None, "parameters": None, "strict": True, **tool}
    if tool.get("type") == "custom":
        return {"format": {"type": "text"}, **tool}
    if tool.get("type") == "mcp":
        return mcp.echoed(tool)
    return dict(tool)


def lookup(state: EmulatorState, response_id: str) -> StoredResponse:
    with state.lock:
        stored = state.responses.get(response_id)
    if stored is None:
        raise not_found(f"Response with id '{response_id}' not found.", "response_id")
    return stored
