"""The emulator's built-in model: deterministic, and useful enough for a demo.

It answers in Markdown, says how many earlier user turns it received (so a reader sees
whether history or ``previous_response_id`` arrived), calls an offered function tool
when the prompt names it, runs code with an offered custom ``python`` tool when asked
to run or compute something (the prompt's code in backticks, else the product of its
numbers), summarises tool results, searches the web when asked and the
``web_search`` tool is offered, takes a screenshot with an offered computer tool when
the prompt speaks of the screen, a click, a browser or the computer (and says it saw the
screenshot sent back), and produces schema-shaped JSON for structured output.
"""

from __future__ import annotations

import json
import re
from typing import Any

from .computer_script import next_preview_call, spelled_out
from .dialogue import Dialogue, Message, Tool
from .script import (
    Citation,
    CodeInterpreter,
    ComputerCall,
    CustomToolCall,
    FileCitation,
    FileSearch,
    FileSearchHit,
    FunctionCall,
    ImageGeneration,
    McpCall,
    Reasoning,
    Reply,
    Text,
    WebSearch,
)
from .tool_choice import ToolChoice

_QUOTED = re.compile(r"[\"“']([^\"”']{1,80})[\"”']")
_CAPITALISED = re.compile(r"(?<![.!?]\s)(?<!^)\b([A-Z][a-zà-ÿ]+(?:\s[A-Z][a-zà-ÿ]+)*)")
_FENCED = re.compile(r"```[\w+-]*[ \t]*\n(.*?)```", re.S)
_INLINE = re.compile(r"`([^`\n]+)`")
_RUN = re.compile(r"\b(run|comput|calculat|evaluat|execut)", re.I)
_HEADING = re.compile(r"^#{1,4} (.+)$", re.M)
_FENCED_PYTHON = re.compile(r"```python[ \t]*\n(.*?)```", re.S)
_FIX = re.compile(r"\bfix", re.I)
_COMPUTER = re.compile(r"\b(screen|click|browser|computer)", re.I)


def answer(dialogue: Dialogue) -> Reply:
    """The reply the default model gives to ``dialogue``: never in a shape the request
    ruled out (``tool_choice``, JSON mode, ``text.format``)."""
    items: list[Any] = []
    if dialogue.reasoning_effort and dialogue.reasoning_summary:
        items.append(
            Reasoning(f"Thinking with {dialogue.reasoning_effort} effort about the last message.")
        )
    choice = dialogue.choice()
    last = dialogue.messages[-1] if dialogue.messages else Message("user", "")
    calls: list[Any] = _requested_calls(dialogue, last, choice)
    calls += _custom_calls(dialogue, last, choice)
    if calls:
        return Reply(items=items + calls)
    if choice.mode == "required":  # no function to call: a built-in tool must be used
        kinds = dialogue.builtins()
        must = {choice.forced} if choice.forced in kinds else set(sorted(kinds)[:1])
        return Reply(items=items + _builtin_items(dialogue, last.text, must))
    if last.role == "tool":
        step = next_preview_call(dialogue)
        if step is not None:
            return Reply(items=[*items, step])
        text = _summarise_tool_results(dialogue)
        items.append(Text(json.dumps({"answer": text}) if dialogue.json_mode else text))
        return Reply(items=items)
    if dialogue.json_schema is not None:
        items.append(Text(json.dumps(example_for_schema(dialogue.json_schema))))
        return Reply(items=items)
    if dialogue.json_mode:
        items.append(Text(json.dumps(_json_mode_answer(dialogue))))
        return Reply(items=items)
    builtin = _builtin_items(dialogue, last.text)
    if builtin:
        return Reply(items=items + builtin)
    items.append(Text(_echo(dialogue, last)))
    return Reply(items=items)


def _json_mode_answer(dialogue: Dialogue) -> Any:
    """JSON mode's answer: an example of the JSON schema the instructions or a message
    give, as a model reads it from the prompt (pydantic-ai's ``PromptedOutput`` puts it
    there), else a small object saying who answers."""
    texts = [dialogue.instructions or "", *(m.text for m in dialogue.messages)]
    for text in reversed(texts):
        schema = _schema_in(text)
        if schema is not None:
            return example_for_schema(schema)
    earlier = len(dialogue.user_messages()) - 1
    return {"answer": f"Emulator answering with {dialogue.model}.", "earlier_turns": earlier}


def _schema_in(text: str) -> dict[str, Any] | None:
    """The first JSON object in ``text`` that is a JSON schema of an object."""
    decoder = json.JSONDecoder()
    start = text.find("{")
    while start != -1:
        try:
            value, _ = decoder.raw_decode(text, start)
        except ValueError:
            value = None
        if isinstance(value, dict) and isinstance(value.get("properties"), dict):
            return value
        start = text.find("{", start + 1)
    return None


def _builtin_items(dialogue: Dialogue, prompt: str, must: set[str] | None = None) -> list[Any]:
    """Use the offered built-in tools the prompt asks for (and those in ``must``, asked
    or not), then answer in one message."""
    offered = dialogue.builtins()
    must = must or set()
    computer = sorted(offered & {"computer", "computer_use_preview"})
    if computer and (must & set(computer) or _COMPUTER.search(prompt)):
        # The actions the prompt spells out; else it looks first (a screenshot). The
        # preview tool's calls carry one action each, so it gets the first.
        preview = computer[0] == "computer_use_preview"
        actions = spelled_out(prompt) or [{"type": "screenshot"}]
        return [ComputerCall(actions[:1] if preview else actions, preview=preview)]
    items: list[Any] = []
    said: list[str] = []
    if "file_search" in offered:
        items.append(_file_search(prompt))
        said.append("The document search found one relevant passage.")
    if "code_interpreter" in offered and (
        "code_interpreter" in must or re.search(r"\b(comput|calculat|python|code)", prompt, re.I)
    ):
        expression, result = _product(prompt)
        items.append(CodeInterpreter(f"result = {expression}\nprint(result)", logs=f"{result}\n"))
        said.append(f"I computed `{expression}` = **{result}** with Python.")
    if "image_generation" in offered and (
        "image_generation" in must or re.search(r"\b(draw|image|picture|sketch)", prompt, re.I)
    ):
        items.append(ImageGeneration(revised_prompt=prompt.strip().splitlines()[0][:100]))
        said.append("Here is the image you asked for.")
    if "mcp" in offered:
        label = next((t.name for t in dialogue.tools if t.kind == "mcp"), "mcp")
        items.append(McpCall(label, "search", json.dumps({"query": prompt[:80]}), "1 result."))
        said.append(f"The `{label}` server returned one result.")
    if "web_search" in offered and (
        "web_search" in must or re.search(r"\b(search|web|latest|today)\b", prompt, re.I)
    ):
        web = _web_search(prompt)
        web_text = web[-1]
        assert isinstance(web_text, Text)
        offset = len(" ".join(said)) + (1 if said else 0)
        for citation in web_text.citations:
            citation.start += offset
            citation.end += offset
        web_text.text = " ".join([*said, web_text.text])
        return items + web
    if not items:
        return []
    return [*items, Text(" ".join(said))]


def _product(prompt: str) -> tuple[str, int]:
    """The product of the prompt's first numbers (6 * 7 without any): what the default
    model computes when asked to compute something."""
    numbers = [int(n) for n in re.findall(r"\b\d{1,6}\b", prompt)[:4]] or [6, 7]
    result = 1
    for n in numbers:
        result *= n
    return " * ".join(str(n) for n in numbers), result


def _custom_calls(dialogue: Dialogue, last: Message, choice: ToolChoice) -> list[CustomToolCall]:
    """The custom tool calls to make: the forced one; those the user's message names;
    ``python`` when the message asks to run or compute something; with ``required`` and
    nothing else to use, the first custom tool. Each gets the prompt's code (fenced or
    in backticks); ``python`` without any prints the product of the prompt's numbers."""
    customs = dialogue.customs()
    if not customs:
        return []
    names: list[str] = []
    if choice.forced in customs:
        names = [choice.forced]
    elif last.role == "user":
        names = [n for n in customs if re.search(rf"\b{re.escape(n)}\b", last.text)]
        if "python" in customs and "python" not in names and _RUN.search(last.text):
            names.append("python")
    nothing_else = not dialogue.functions() and not dialogue.builtins()
    if not names and choice.mode == "required" and nothing_else:
        names = [next(iter(customs))]
    prompt = next((m.text for m in reversed(dialogue.messages) if m.role == "user"), "")
    return [CustomToolCall(name, _custom_input(name, prompt)) for name in names]


def _custom_input(name: str, prompt: str) -> str:
    code = _FENCED.search(prompt) or _INLINE.search(prompt)
    if code:
        return code.group(1).strip("\n")
    if name == "python":
        return f"print({_product(prompt)[0]})"
    quoted = _QUOTED.search(prompt)
    return quoted.group(1) if quoted else (prompt.strip().splitlines() or ["example"])[0]


def _file_search(prompt: str) -> FileSearch:
    query = prompt.strip().splitlines()[0][:80] if prompt.strip() else "search"
    hit = FileSearchHit(
        "file-emulator", "document.pdf", 0.82, "The passage of the document that matches."
    )
    return FileSearch([query], [hit])


def _echo(dialogue: Dialogue, last: Message) -> str:
    earlier = len(dialogue.user_messages()) - 1
    # A message in several text parts (notebook context, then the question): the last
    # part is what was asked, the others are what it was asked about.
    asked = last.parts[-1] if last.parts else last.text
    lines = [
        f"**Emulator** answering with `{dialogue.model}`.",
        "",
        f"I received **{earlier}** earlier user {'turn' if earlier == 1 else 'turns'}"
        f" and {_plural(len(dialogue.messages), 'message')} in all.",
        "",
        *_restored(dialogue),
        "You wrote:",
        "",
        *(f"> {line}" for line in (asked.strip() or "(nothing)").splitlines()[:20]),
    ]
    if last.parts:
        before = last.parts[:-1]
        size = sum(len(part) for part in before)
        lines += ["", f"Before it came {_plural(len(before), 'text part')} ({size:,} characters)."]
        headings = [h for part in before for h in _HEADING.findall(part)][:12]
        if headings:
            lines += ["", "They hold: " + "; ".join(f"*{h.strip()}*" for h in headings) + "."]
        code = [block for part in before for block in _FENCED_PYTHON.findall(part)]
        if _FIX.search(asked) and code:
            lines += [
                "",
                "I cannot fix code (a real model would); here is the last Python code you "
                "sent, to show where a fix would go:",
                "",
                f"```python\n{code[-1].strip()}\n```",
            ]
    if dialogue.instructions:
        lines += ["", f"Instructions I follow: *{dialogue.instructions.strip()[:200]}*"]
    if last.attachments:
        lines += ["", f"Attachments received: {last.attachments}."]
    if dialogue.tools:
        names = ", ".join(f"`{t.name}`" for t in dialogue.tools)
        lines += ["", f"Tools offered: {names} (name one in your prompt and I will call it)."]
    return "\n".join(lines)


def _restored(dialogue: Dialogue) -> list[str]:
    """A line saying how many of the messages a compaction item brought back (none:
    no line), so a reader sees compacted history arrive."""
    restored = sum(1 for m in dialogue.messages if m.counted_as is not None)
    if not restored:
        return []
    return [f"{restored} of them came back from a compaction item.", ""]


def _plural(count: int, noun: str) -> str:
    return f"{count} {noun}{'' if count == 1 else 's'}"


def _summarise_tool_results(dialogue: Dialogue) -> str:
    results: list[Message] = []
    for message in reversed(dialogue.messages):
        if message.role != "tool":
            break
        results.append(message)
    lines = ["Here is what the tools returned:", ""]
    for message in reversed(results):
        shown = message.text.strip().replace("\n", " ")
        if len(shown) > 300:
            shown = shown[:300] + "…"
        if message.attachments:  # images (or files) it returned with the text
            shown += f" (+{_plural(message.attachments, 'image')})"
        lines.append(f"- `{message.tool_name or 'tool'}` → {shown}")
    if any(message.tool_name == "computer" for message in results):
        lines += [
            "",
            "That is the screen after the actions. (The emulator does only what the prompt "
            "spells out; a computer-use model would look at the screenshot and go on.)",
        ]
    return "\n".join(lines)


def _requested_calls(dialogue: Dialogue, last: Message, choice: ToolChoice) -> list[FunctionCall]:
    """The function calls to make: the forced one; those the user's message names; and
    with ``required``, when none is named (or after tool results), the first function
    not yet called since the user last spoke (a model moves on to its next tool)."""
    functions = dialogue.functions()
    if not functions:
        return []
    if choice.forced in functions:
        named = [choice.forced]
    elif last.role == "user":
        named = [n for n in functions if re.search(rf"\b{re.escape(n)}\b", last.text)]
    else:
        named = []
    if not named and choice.mode == "required":
        called = _called_since_user(dialogue)
        named = [next((n for n in functions if n not in called), next(iter(functions)))]
    prompt = next((m.text for m in reversed(dialogue.messages) if m.role == "user"), "")
    return [FunctionCall(name, _arguments_for(functions[name], prompt)) for name in named]


def _called_since_user(dialogue: Dialogue) -> set[str]:
    called: set[str] = set()
    for message in reversed(dialogue.messages):
        if message.role == "user":
            break
        called.update(message.tool_calls)
    return called


def _arguments_for(tool: Tool, prompt: str) -> dict[str, Any]:
    """Arguments satisfying the tool's schema, taken from the prompt where it says
    ``param=value``, else a quoted phrase or capitalised name, else an example value."""
    properties: dict[str, Any] = tool.parameters.get("properties", {})
    required = tool.parameters.get("required", list(properties))
    guesses = iter(_QUOTED.findall(prompt) + _CAPITALISED.findall(prompt))
    arguments: dict[str, Any] = {}
    for name in required:
        schema = properties.get(name, {})
        explicit = re.search(rf"\b{re.escape(name)}\s*[=:]\s*([^\s,;]+)", prompt)
        if explicit:
            arguments[name] = _coerce(explicit.group(1), schema)
        elif schema.get("type") == "string" and "enum" not in schema:
            arguments[name] = next(guesses, "example")
        else:
            arguments[name] = example_for_schema(schema)
    return arguments


def _coerce(raw: str, schema: dict[str, Any]) -> Any:
    kind = schema.get("type")
    try:
        if kind == "integer":
            return int(raw)
        if kind == "number":
            return float(raw)
        if kind == "boolean":
            return raw.lower() in {"1", "true", "yes"}
    except ValueError:
        return example_for_schema(schema)
    return raw.strip("\"'")


def _web_search(prompt: str) -> list[Any]:
    query = prompt.strip().splitlines()[0][:100] if prompt.strip() else "search"
    sources = ["https://example.com/one", "https://example.org/two"]
    first = "The first source says what you asked about."
    second = "A second source agrees."
    body = f"{first} {second}"
    citations: list[Citation | FileCitation] = [
        Citation(sources[0], "Example source one", 0, len(first)),
        Citation(sources[1], "Example source two", len(first) + 1, len(body)),
    ]
    return [WebSearch(query, sources), Text(body, citations=citations)]


def example_for_schema(schema: dict[str, Any], defs: dict[str, Any] | None = None) -> Any:
    """A deterministic value that validates against a (strict-mode) JSON schema."""
    defs = defs if defs is not None else schema.get("$defs", schema.get("definitions", {}))
    if "$ref" in schema:
        return example_for_schema(defs.get(schema["$ref"].rsplit("/", 1)[-1], {}), defs)
    for key in ("anyOf", "oneOf", "allOf"):
        if schema.get(key):
            return example_for_schema(schema[key][0], defs)
    if "const" in schema:
        return schema["const"]
    if schema.get("enum"):
        return schema["enum"][0]
    if "default" in schema:
        return schema["default"]
    kind = schema.get("type")
    if isinstance(kind, list):
        kind = next((k for k in kind if k != "null"), "null")
    if kind == "object" or "properties" in schema:
        return {k: example_for_schema(v, defs) for k, v in schema.get("properties", {}).items()}
    if kind == "array":
        return [example_for_schema(schema.get("items", {}), defs)]
    return {"string": "example", "integer": 1, "number": 1.5, "boolean": True, "null": None}.get(
        kind or "string", "example"
    )
