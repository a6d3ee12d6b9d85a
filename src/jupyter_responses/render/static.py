"""A turn as sanitized HTML, as plain text and as Markdown.

Every displayed turn carries the HTML and the plain text, so a saved notebook reads
without a kernel or widgets (GitHub, nbconvert) and terminal IPython prints clean text.

Model output is untrusted. A frontend renders a trusted output's Markdown without
sanitizing it, so no output carries the model's Markdown: the HTML is made by
``markup.to_html``, which escapes raw HTML and cleans the result. The Markdown form is
for files the user asks for. Tool arguments and results sit in code fences longer than
any backtick run inside them, and only http(s) URLs become links.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from .. import builtin_tools, logprobs
from ..streamed import SoFar
from .assets import turn_style
from .base import footer, status_line
from .markup import clean, escape_html, escape_markdown, to_html

if TYPE_CHECKING:
    from ..conversation import Turn
    from ..transcript import CallRecord, CitationRecord, ContextRecord

#: How much of a tool result is shown (the model got all of it).
SHOWN_RESULT_CHARS = 2_000

#: The icon of a call to one of the user's own functions (built-in tools bring theirs).
FUNCTION_ICON = "🔧"

#: The icon of a local call that runs code (the python tool), by the code's language.
CODE_ICONS = {"python": "🐍"}
#: The icon of a local call that acts on a screen (the computer tool's actions).
ACTION_ICON = "🖥️"

#: How a call's status reads in its title.
CALL_STATES = {"running": "running…"}


def markdown(turn: Turn, so_far: SoFar | None = None) -> str:
    """The turn as Markdown: finished, or while streaming with what arrived ``so_far``."""
    return _compose(turn, so_far, _MARKDOWN, False)


def html(
    turn: Turn, so_far: SoFar | None = None, placeholder: bool = True, in_cell: bool = False
) -> str:
    """The turn as one sanitized HTML fragment: the same sections as ``markdown``,
    with the untrusted parts rendered by ``to_html``, in a ``jr-answer`` box that
    ``turn.css`` styles alike wherever it is shown (live widget, saved output, panel).

    ``placeholder``: say "Thinking…" while nothing has arrived (the widget view has a
    status line of its own instead). ``in_cell``: shown in a cell, under which an error
    block says how the turn ended (``status_line``)."""
    out = _HTML_PLACEHOLDER if placeholder else _HTML
    fragment = clean(_compose(turn, so_far, out, in_cell))
    return f'<div class="jr-answer" data-jr-turn="{escape_html(turn.id)}">{fragment}</div>'


def styled(fragment: str) -> str:
    """``fragment`` after the turn stylesheet, for an output shown without the widget
    that brings it (the saved answer, the updating display)."""
    return turn_style() + fragment


@dataclass(frozen=True)
class _Format:
    """How each section of a turn is written; ``_compose`` decides which sections a
    turn has and in what order, once for both formats."""

    note: Callable[[str], str]
    attached: Callable[[list[str]], str]
    details: Callable[[str, str, bool, str], str]  # summary, Markdown body, open, key
    markup: Callable[[str], str]  # Markdown (the model's or ours) as written out
    commentary: Callable[[str], str]  # a message said on the way (Markdown)
    refusal: Callable[[str], str]
    thinking: str
    status: Callable[[str], str]
    footer: Callable[[str], str]
    separator: str


_MARKDOWN = _Format(
    note=lambda note: f"> *{escape_markdown(' '.join(note.split()))}*",
    attached=lambda names: f"<sub>📎 {', '.join(escape_markdown(n) for n in names)}</sub>",
    details=lambda summary, body, open_, key: _details(summary, body, open_=open_),
    markup=lambda text: text,
    commentary=lambda text: "\n".join(f"> {line}" if line else ">" for line in text.splitlines()),
    refusal=lambda text: f"> **Refused:** {text}",
    thinking="*Thinking…*",
    status=lambda status: f"**{status}**",
    footer=lambda text: f"<sub>{text}</sub>",
    separator="\n\n",
)
_HTML = _Format(
    note=lambda note: f"<blockquote><em>{escape_html(note)}</em></blockquote>",
    attached=lambda names: f"<p><sub>📎 {escape_html(', '.join(names))}</sub></p>",
    details=lambda summary, body, open_, key: _details_html(summary, to_html(body), open_, key),
    markup=to_html,
    commentary=lambda text: commentary_html(text),
    refusal=lambda text: f"<blockquote><strong>Refused:</strong> {escape_html(text)}</blockquote>",
    thinking="",
    status=lambda status: f'<p class="jr-status"><strong>{escape_html(status)}</strong></p>',
    footer=lambda text: f'<p class="jr-footer">{escape_html(text)}</p>',
    separator="\n",
)
_HTML_PLACEHOLDER = replace(_HTML, thinking="<p><em>Thinking…</em></p>")


def commentary_html(text: str) -> str:
    """A message said on the way, quieter than the answer."""
    return f'<blockquote class="jr-commentary">{to_html(text)}</blockquote>'


def _compose(turn: Turn, so_far: SoFar | None, out: _Format, in_cell: bool) -> str:
    final = so_far is None
    body = turn.text if so_far is None else so_far.text
    summary = turn.reasoning if so_far is None else so_far.reasoning
    said = turn.commentary if so_far is None else so_far.commentary
    blocks = [out.note(note) for note in turn.notes]
    if turn.attachments:
        blocks.append(out.attached([a["name"] for a in turn.attachments]))
    if turn.context:
        blocks.append(
            out.details(context_title(turn.context), context_body(turn.context), False, "context")
        )
    if summary:
        blocks.append(out.details("💭 Reasoning", summary, not final and not body, "reasoning"))
    blocks += [out.commentary(text) for text in said]
    for call in turn.calls:
        open_ = call["status"] in ("running", "requested")
        blocks.append(out.details(call_title(call), call_body(call), open_, call["call_id"]))
    if body:
        blocks.append(out.markup(_pretty_json(body) if final and turn.schema else body))
    if turn.refusal:
        blocks.append(out.refusal(turn.refusal))
    if turn.citations:
        blocks.append(out.markup(sources_markdown(turn.citations)))
    if not final:
        if not body and not turn.calls and not said and out.thinking:
            blocks.append(out.thinking)
        return out.separator.join(blocks)
    if turn.logprobs:  # a table in a closed section: nothing heavy under the answer
        body = logprobs.markdown(turn.logprobs, escape_markdown)
        blocks.append(out.details(logprobs_title(turn), body, False, "logprobs"))
    status = status_line(turn, in_cell)
    if status:
        blocks.append(out.status(status))
    blocks.append(out.footer(footer(turn)))
    return out.separator.join(blocks)


def logprobs_title(turn: Turn) -> str:
    """The token table's section title: how many tokens, how sure the model was."""
    return f"📊 Token probabilities · {logprobs.summary(turn.logprobs)}"


def plain(turn: Turn, so_far: SoFar | None = None, in_cell: bool = False) -> str:
    body = turn.text if so_far is None else so_far.text
    said = turn.commentary if so_far is None else so_far.commentary
    lines = [f"[{note}]" for note in turn.notes]
    if turn.attachments:
        lines.append("[attached: " + ", ".join(a["name"] for a in turn.attachments) + "]")
    if turn.context:
        items = ", ".join(f"{i['label']} ({i['chars']:,} chars)" for i in turn.context["items"])
        lines.append(f"[context: {items}]")
    lines += [f"({text})" for text in said]
    lines.extend(_call_plain(call) for call in turn.calls)
    if body:
        lines.append(_pretty_json(body, fenced=False) if turn.schema else body)
    if turn.refusal:
        lines.append(f"Refused: {turn.refusal}")
    for number, citation in enumerate(_unique(turn.citations), start=1):
        lines.append(f"[{number}] {_cited_plain(citation)}")
    status = status_line(turn, in_cell)
    if status:
        lines.append(status)
    lines.append(f"-- {footer(turn)}")
    return "\n".join(lines)


def bundle(turn: Turn, in_cell: bool = False) -> dict[str, str]:
    """The saved turn; ``in_cell``: the one a cell keeps over its error block."""
    return {
        "text/html": styled(html(turn, in_cell=in_cell)),
        "text/plain": plain(turn, in_cell=in_cell),
    }


# -- notebook context ----------------------------------------------------------------------
def context_title(context: ContextRecord) -> str:
    """What the message carried of the notebook, in a line: how much, in how many items."""
    count = len(context["items"])
    items = f"{count} item" + ("" if count == 1 else "s")
    return f"📓 Context from the notebook · {items} · {len(context['text']):,} chars"


def context_body(context: ContextRecord) -> str:
    """An item a line with its size (the model got the text), then what was trimmed or
    redacted, as escaped Markdown."""
    lines = []
    for item in context["items"]:
        note = f" · {escape_markdown(item['note'])}" if item.get("note") else ""
        lines.append(f"- {escape_markdown(item['label'])} · {item['chars']:,} chars{note}")
    notes = [f"*{escape_markdown(note)}*" for note in context["notes"]]
    return "\n\n".join(["\n".join(lines), *notes])


# -- tool calls ----------------------------------------------------------------------------
def call_title(call: CallRecord) -> str:
    """Icon, name, what it was asked in short, and state: a function as
    ``name(city="Oslo")``, a built-in tool by its label and its query or code (or, for a
    server's own tool, ``server.name(...)``), so two calls of one tool read apart."""
    detail = call.get("detail", {})
    if call["kind"] == "function" and detail.get("code"):  # code the kernel runs
        icon = CODE_ICONS.get(detail.get("language", ""), FUNCTION_ICON)
        name, named = call["name"], False
    elif call["kind"] == "function" and detail.get("action"):  # what it did on a screen
        icon, name, named = ACTION_ICON, call["name"], False
    elif call["kind"] == "function":
        icon, name, named = FUNCTION_ICON, call["name"], True
    else:
        kind = builtin_tools.item_kind(call["kind"])
        server = detail.get("server")
        icon, named = kind.icon, kind.named
        name = f"{server}.{call['name']}" if kind.named and server else kind.label
        if server and not kind.named:
            name = f"{server} {name}"
    if named:
        head = f"{name}({_arguments_gist(call['arguments'])})"
    else:
        said = _detail_gist(call)
        head = f"{name}: {said}" if said else name
    state = CALL_STATES.get(call["status"], call["status"])
    seconds = f" · {duration(call['seconds'])}" if call.get("seconds") else ""
    return f"{icon} {head} — {state}{seconds}"


#: How much of a call's arguments or query its title shows.
GIST_CHARS = 60


def _gist(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= GIST_CHARS else text[: GIST_CHARS - 1].rstrip(" ,") + "…"


def _arguments_gist(arguments: str) -> str:
    """``city="Oslo", unit="C"`` from JSON arguments; ``…`` while they still stream."""
    if not arguments.strip():
        return ""
    try:
        parsed = json.loads(arguments)
    except ValueError:
        return "…"
    if not isinstance(parsed, dict):
        return _gist(json.dumps(parsed, ensure_ascii=False))
    return _gist(
        ", ".join(f"{key}={json.dumps(value, ensure_ascii=False)}" for key, value in parsed.items())
    )


def _detail_gist(call: CallRecord) -> str:
    """A built-in call's query, action, prompt or first line of code, in short."""
    detail = call.get("detail", {})
    code = detail.get("code") or call["arguments"]
    said = (
        detail.get("query")
        or ", ".join(detail.get("queries", []))
        or detail.get("action")
        or detail.get("prompt")
        or next((line for line in code.splitlines() if line.strip()), "")
    )
    return _gist(said) if said else ""


def duration(seconds: float) -> str:
    return f"{seconds * 1000:.0f} ms" if seconds < 1 else f"{seconds:.1f} s"


def call_body(call: CallRecord) -> str:
    """What a call section holds, as Markdown made only of fenced or escaped text: the
    arguments, then each neutral field the tool reported, then its result or error."""
    detail = call.get("detail", {})
    parts: list[str] = []
    runs_code = call["kind"] == "function" and bool(detail.get("code"))
    if call["arguments"] and not runs_code:  # code is shown as code, below
        if call["kind"] == "function" or detail or call["status"] != "running":
            parts.append("Arguments:\n\n" + fence(_pretty_arguments(call["arguments"]), "json"))
        else:  # code a built-in tool is writing, shown as it streams
            language = _streamed_language(call["kind"])
            parts.append(fence(call["arguments"], language))
    if detail.get("query"):
        parts.append(f"Query: {fence_inline(detail['query'])}")
    if detail.get("queries"):
        parts.append("Queries: " + ", ".join(fence_inline(q) for q in detail["queries"]))
    if detail.get("action"):
        parts.append(escape_markdown(detail["action"]))
    if detail.get("code"):
        parts.append(fence(detail["code"], detail.get("language", "")))
    if detail.get("logs"):
        parts.append("Output:\n\n" + fence(_shorten(detail["logs"].rstrip("\n"))))
    hits = [
        f"- {fence_inline(hit['file'])} (score {hit['score']:.2f}): "
        f"{escape_markdown(_shorten(' '.join(hit['text'].split()), 200))}"
        for hit in detail.get("hits", [])
    ]
    if hits:
        parts.append("\n".join(hits))
    sources = [
        f"- {link(source['url'], source['title'] or source['url'])}"
        if source["url"]
        else f"- {escape_markdown(source['title'])}"
        for source in detail.get("sources", [])
    ]
    if sources:
        parts.append("\n".join(sources))
    if detail.get("tools"):
        parts.append("Tools: " + ", ".join(fence_inline(name) for name in detail["tools"]))
    if detail.get("prompt"):
        parts.append(f"Prompt: {escape_markdown(' '.join(detail['prompt'].split()))}")
    for url in detail.get("images", []):
        parts.append(f"Image: {link(url, url)}")
    if runs_code and call.get("output") is not None:  # its output holds any traceback
        parts.append("Output:\n\n" + fence(_shorten(str(call.get("output")))))
    elif call.get("error") and call["status"] == "error":
        parts.append(f"**Error:** {fence_inline(call['error'] or '')}")
    elif call.get("output") is not None:
        parts.append("Result:\n\n" + fence(_shorten(str(call.get("output")))))
    return "\n\n".join(parts)


def _streamed_language(kind: str) -> str:
    spec = builtin_tools.spec_of_item(kind)
    return spec.code_language if spec is not None else ""


def _call_plain(call: CallRecord) -> str:
    """The call's title (which says what it was asked, in short) and its result."""
    shown = _shorten(" ".join(str(call.get("output") or "").split()), 200)
    return f"[{call_title(call)}]" + (f" → {shown}" if shown else "")


# -- pieces --------------------------------------------------------------------------------
def _details(summary: str, body: str, open_: bool = False) -> str:
    tag = "<details open>" if open_ else "<details>"
    inner = f"\n\n{body}\n\n" if body else "\n\n"
    return f"{tag}<summary>{escape_html(summary)}</summary>{inner}</details>"


def _details_html(summary: str, body: str, open_: bool, key: str) -> str:
    """A section (reasoning, a tool call) the page keeps open or shut by ``key`` while
    the live view redraws and when the saved answer replaces it (``turn.js``)."""
    opened = " open" if open_ else ""
    return (
        f'<details class="jr-section" data-jr-key="{escape_html(key)}"{opened}>'
        f"<summary>{escape_html(summary)}</summary>{body}</details>"
    )


def sources_markdown(citations: list[CitationRecord]) -> str:
    lines = ["**Sources**", ""]
    for number, citation in enumerate(_unique(citations), start=1):
        lines.append(f"{number}. {_cited(citation)}")
    return "\n".join(lines)


def _cited(citation: CitationRecord) -> str:
    """A web source as a link; a file (which has no URL) by its name and id."""
    if citation.get("file"):
        name = escape_markdown(" ".join((citation["title"] or "file").split()))
        return f"📎 {name} ({fence_inline(citation.get('file', ''))})"
    return link(citation["url"], citation.get("title") or "")


def _cited_plain(citation: CitationRecord) -> str:
    if citation.get("file"):
        return f"{citation['title']} (file {citation.get('file', '')})"
    return f"{citation['title']} <{citation['url']}>"


def _unique(citations: list[CitationRecord]) -> list[CitationRecord]:
    seen: dict[str, CitationRecord] = {}
    for citation in citations:
        seen.setdefault(citation.get("file") or citation["url"], citation)
    return list(seen.values())


_SAFE_URL = re.compile(r"^https?://[^\s<>()\[\]`\"']+$", re.IGNORECASE)


def link(url: str, title: str) -> str:
    """A Markdown link for http(s) URLs; anything else (``javascript:``…) stays inert text."""
    label = escape_markdown(" ".join((title or url).split()))
    if _SAFE_URL.match(url):
        return f"[{label}]({url})"
    return f"{label} ({fence_inline(url)})"


def fence(text: str, language: str = "") -> str:
    """A code block that ``text`` cannot break out of."""
    longest = max((len(run) for run in re.findall(r"`+", text)), default=0)
    ticks = "`" * max(3, longest + 1)
    return f"{ticks}{language}\n{text}\n{ticks}"


def fence_inline(text: str) -> str:
    text = " ".join(str(text).split())
    longest = max((len(run) for run in re.findall(r"`+", text)), default=0)
    ticks = "`" * (longest + 1)
    pad = " " if text.startswith("`") or text.endswith("`") else ""
    return f"{ticks}{pad}{text}{pad}{ticks}"


def _shorten(text: str, limit: int = SHOWN_RESULT_CHARS) -> str:
    return text if len(text) <= limit else f"{text[:limit]}… ({len(text) - limit} more characters)"


def _pretty_arguments(arguments: str) -> str:
    try:
        return json.dumps(json.loads(arguments), indent=2, ensure_ascii=False)
    except ValueError:
        return arguments


def _pretty_json(text: str, fenced: bool = True) -> str:
    try:
        pretty = json.dumps(json.loads(text), indent=2, ensure_ascii=False)
    except ValueError:
        return text
    return fence(pretty, "json") if fenced else pretty
