"""The server's built-in tools, one declaration each.

A declaration says everything about one tool: the name ``--tools`` knows it by (also
its request ``type``), what else its request needs, which ``include`` paths make the
server return what is worth showing, which output item types it produces, and how
each of those items becomes the neutral ``CallDetail`` fields (query, sources, code,
logs, hits, images...) that views, the terminal and exports show the same way for
every tool. Adding a tool is adding a declaration here (``register``); nothing else
changes.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from .errors import OptionsError
from .lenient import dicts_of, text_of
from .transcript import CallDetail, Hit, ProviderItem, Source


@dataclass(frozen=True)
class BuiltinOptions:
    """What the magic line says about built-in tools besides their names."""

    vector_stores: Sequence[str] = ()


@dataclass(frozen=True)
class ItemKind:
    """One output item type a tool produces, and how it is shown.

    ``named``: the item calls one of the server's own tools by name (an MCP server's),
    so its title is ``server.name`` rather than ``label``. ``asks``: the item is a
    question for the user (an MCP approval request): its call waits for the answer,
    which the kernel sends back, and the tool that answers it is the server that asks
    (its ``server`` field). ``resend``: how the item goes back as an input item when
    history is resent (``None``: it is not; its text already stands in the answer)."""

    label: str
    icon: str
    read: Callable[[ProviderItem], CallDetail]
    named: bool = False
    asks: bool = False
    resend: Callable[[ProviderItem], ProviderItem] | None = None


def _no_options(options: BuiltinOptions) -> dict[str, Any]:
    return {}


@dataclass(frozen=True)
class BuiltinSpec:
    """The declaration of one built-in tool.

    ``configure`` turns the magic's options into the rest of the tool's request spec
    (raising ``OptionsError`` when something it needs is missing); ``code_events`` are
    stream events that carry the code a call writes as it is written, in
    ``code_language``; ``selectable``: named with ``--tools`` (MCP servers come from
    ``--mcp`` instead); ``implied_by``: options that ask for the tool without its
    name (``--vector-store`` means file search). ``chat_fields``: how Chat Completions
    carries the tool for a model, as the request fields it adds (``OptionsError`` for a
    model that cannot); ``None``: it cannot at all (``%%chat`` refuses the tool)."""

    name: str
    items: Mapping[str, ItemKind]
    include: tuple[str, ...] = ()
    configure: Callable[[BuiltinOptions], dict[str, Any]] = _no_options
    code_events: tuple[str, ...] = ()
    code_language: str = ""
    selectable: bool = True
    implied_by: Callable[[BuiltinOptions], bool] = lambda options: False
    chat_fields: Callable[[Mapping[str, Any], str], dict[str, Any]] | None = None


@dataclass(frozen=True)
class BuiltinTool:
    """A built-in tool as one request asks for it: its declaration and its options."""

    spec: BuiltinSpec
    options: Mapping[str, Any] = field(default_factory=dict)

    @property
    def type(self) -> str:
        return self.spec.name

    def param(self) -> dict[str, Any]:
        """The entry of the request's ``tools`` list."""
        return {"type": self.spec.name, **self.options}


# -- the registry ---------------------------------------------------------------------------
BUILTINS: dict[str, BuiltinSpec] = {}
_ITEMS: dict[str, tuple[BuiltinSpec, ItemKind]] = {}
#: Stream event type -> the tool whose code it carries as it is written.
CODE_EVENTS: dict[str, BuiltinSpec] = {}


def register(spec: BuiltinSpec) -> BuiltinSpec:
    """Add (or replace) a declaration; its item types become known at once."""
    if spec.name in BUILTINS:
        unregister(spec.name)
    BUILTINS[spec.name] = spec
    for item_type, kind in spec.items.items():
        _ITEMS[item_type] = (spec, kind)
    CODE_EVENTS.update(dict.fromkeys(spec.code_events, spec))
    return spec


def unregister(name: str) -> None:
    spec = BUILTINS.pop(name)
    for item_type in spec.items:
        _ITEMS.pop(item_type, None)
    for event in spec.code_events:
        CODE_EVENTS.pop(event, None)


def selectable() -> list[str]:
    """The names ``--tools`` accepts for built-in tools."""
    return [name for name, spec in BUILTINS.items() if spec.selectable]


def spec_of_item(item_type: str) -> BuiltinSpec | None:
    """The declaration that produces ``item_type`` (``None``: no tool we know)."""
    found = _ITEMS.get(item_type)
    return found[0] if found else None


def item_kind(item_type: str) -> ItemKind:
    """How to show an item of ``item_type``; an item no declaration knows (a newer
    server's) is still shown, under its own type name."""
    found = _ITEMS.get(item_type)
    if found is not None:
        return found[1]
    return ItemKind(item_type.removesuffix("_call").replace("_", " "), "🧰", _unknown)


def resent(item: ProviderItem) -> ProviderItem | None:
    """``item`` as an input item when history is resent, if its declaration resends
    it (``ItemKind.resend``); ``None``: it is left out."""
    kind = item_kind(text_of(item.get("type")))
    return kind.resend(item) if kind.resend is not None else None


def implied(options: BuiltinOptions) -> list[BuiltinSpec]:
    """The tools ``options`` ask for without naming them."""
    return [spec for spec in BUILTINS.values() if spec.implied_by(options)]


def builtin(name: str, options: BuiltinOptions) -> BuiltinTool:
    return BuiltinTool(BUILTINS[name], BUILTINS[name].configure(options))


def includes(tools: Iterable[object]) -> list[str]:
    """The ``include`` paths the built-in tools among ``tools`` need, in order."""
    paths: list[str] = []
    for tool in tools:
        if isinstance(tool, BuiltinTool):
            paths += [p for p in tool.spec.include if p not in paths]
    return paths


# -- readers: a server's item -> neutral fields -----------------------------------------------


def _unknown(item: ProviderItem) -> CallDetail:
    """Fields any item may have under their usual names."""
    detail: CallDetail = {}
    if text_of(item.get("query")):
        detail["query"] = item["query"]
    if text_of(item.get("code")):
        detail["code"] = item["code"]
    return detail


def _web_search(item: ProviderItem) -> CallDetail:
    action: dict[str, Any] = item["action"] if isinstance(item.get("action"), dict) else {}
    detail: CallDetail = {}
    queries = [q for q in action.get("queries") or [] if text_of(q)]
    if text_of(action.get("query")):
        detail["query"] = action["query"]
    elif queries:
        detail["queries"] = queries
    url = text_of(action.get("url"))
    if action.get("type") == "open_page" and url:
        detail["action"] = f"Opened {url}"
    elif action.get("type") == "find_in_page" and url:
        pattern = text_of(action.get("pattern"))
        detail["action"] = f"Looked for “{pattern}” in {url}" if pattern else f"Searched in {url}"
    sources: list[Source] = []
    for source in dicts_of(action.get("sources")):
        if text_of(source.get("url")):
            sources.append({"url": source["url"], "title": text_of(source.get("title"))})
        elif text_of(source.get("name")):  # {"type": "api", "name": "oai-weather"}
            sources.append({"url": "", "title": source["name"]})
    if sources:
        detail["sources"] = sources
    return detail


def _file_search(item: ProviderItem) -> CallDetail:
    detail: CallDetail = {}
    queries = [q for q in item.get("queries") or [] if text_of(q)]
    if queries:
        detail["queries"] = queries
    hits: list[Hit] = []
    for hit in dicts_of(item.get("results")):
        file = text_of(hit.get("filename")) or text_of(hit.get("file_id")) or "?"
        score = hit.get("score")
        hits.append(
            {
                "file": file,
                "score": float(score) if isinstance(score, int | float) else 0.0,
                "text": text_of(hit.get("text")),
            }
        )
    if hits:
        detail["hits"] = hits
    return detail


def _code_interpreter(item: ProviderItem) -> CallDetail:
    detail: CallDetail = {}
    if text_of(item.get("code")):
        detail["code"], detail["language"] = item["code"], "python"
    outputs = dicts_of(item.get("outputs"))
    logs = [text_of(o.get("logs")) for o in outputs if o.get("type") == "logs"]
    if any(logs):
        detail["logs"] = "".join(logs)
    images = [text_of(o.get("url")) for o in outputs if o.get("type") == "image"]
    if any(images):
        detail["images"] = [url for url in images if url]
    return detail


def _image_generation(item: ProviderItem) -> CallDetail:
    detail: CallDetail = {}
    if text_of(item.get("revised_prompt")):
        detail["prompt"] = item["revised_prompt"]
    if text_of(item.get("result")):
        kind = text_of(item.get("output_format")) or "png"
        detail["images"] = [f"data:image/{kind};base64,{item['result']}"]
    return detail


def _mcp_call(item: ProviderItem) -> CallDetail:
    return {"server": item["server_label"]} if text_of(item.get("server_label")) else {}


def _mcp_list_tools(item: ProviderItem) -> CallDetail:
    detail = _mcp_call(item)
    names = [text_of(t.get("name")) for t in dicts_of(item.get("tools"))]
    if any(names):
        detail["tools"] = [name for name in names if name]
    return detail


def _fields(item: ProviderItem, names: tuple[str, ...]) -> ProviderItem:
    """The fields of ``item`` an input item of its type takes, those that are set."""
    return {name: item[name] for name in names if item.get(name) is not None}


def _resend_mcp_call(item: ProviderItem) -> ProviderItem:
    """An MCP call as input: what it ran and returned, so a resent history does not
    ask the server to run an approved call again. Its ``error`` goes back only as the
    object the API takes (older servers sent a string)."""
    fields = ("type", "id", "server_label", "name", "arguments", "approval_request_id")
    sent = _fields(item, (*fields, "output", "status"))
    if isinstance(item.get("error"), dict):
        sent["error"] = item["error"]
    return sent


def _resend_mcp_list_tools(item: ProviderItem) -> ProviderItem:
    """The tools a server listed, as input: the server need not list them again."""
    sent = _fields(item, ("type", "id", "server_label", "error"))
    keys = ("name", "input_schema", "description", "annotations")
    sent["tools"] = [_fields(tool, keys) for tool in dicts_of(item.get("tools"))]
    return sent


def _resend_mcp_approval_request(item: ProviderItem) -> ProviderItem:
    return _fields(item, ("type", "id", "server_label", "name", "arguments"))


def _file_search_options(options: BuiltinOptions) -> dict[str, Any]:
    if not options.vector_stores:
        raise OptionsError(
            "file_search needs the vector store(s) to search: add --vector-store ID."
        )
    return {"vector_store_ids": list(options.vector_stores)}


#: The Chat Completions models that search the web (``web_search_options``); their
#: snapshots (``gpt-4o-search-preview-2025-03-11``) are named after them.
CHAT_SEARCH_MODELS = ("gpt-4o-search-preview", "gpt-4o-mini-search-preview", "gpt-5-search-api")


def _web_search_chat(options: Mapping[str, Any], model: str) -> dict[str, Any]:
    """Chat Completions searches only with a search model, which takes
    ``web_search_options`` (``{}``: the server's defaults) and cites its sources as
    ``url_citation`` annotations on the message."""
    if not any(name in model for name in CHAT_SEARCH_MODELS):
        raise OptionsError(
            f"web_search on Chat Completions needs a search model "
            f"({', '.join(CHAT_SEARCH_MODELS)}), not {model}: pick one with -m, or use %%respond."
        )
    return {"web_search_options": {}}


WEB_SEARCH = register(
    BuiltinSpec(
        "web_search",
        {"web_search_call": ItemKind("web search", "🔎", _web_search)},
        include=("web_search_call.action.sources",),
        chat_fields=_web_search_chat,
    )
)
FILE_SEARCH = register(
    BuiltinSpec(
        "file_search",
        {"file_search_call": ItemKind("file search", "📄", _file_search)},
        include=("file_search_call.results",),
        configure=_file_search_options,
        implied_by=lambda options: bool(options.vector_stores),
    )
)
CODE_INTERPRETER = register(
    BuiltinSpec(
        "code_interpreter",
        {"code_interpreter_call": ItemKind("code interpreter", "🐍", _code_interpreter)},
        include=("code_interpreter_call.outputs",),
        configure=lambda options: {"container": {"type": "auto"}},
        code_events=("response.code_interpreter_call_code.delta",),
        code_language="python",
    )
)
IMAGE_GENERATION = register(
    BuiltinSpec(
        "image_generation",
        {"image_generation_call": ItemKind("image generation", "🖼", _image_generation)},
    )
)
#: A remote MCP server (``--mcp``; its tool object is ``mcp_remote.RemoteMcpServer``):
#: the tools it lists, the calls it runs, and the calls it asks the user about first.
MCP = register(
    BuiltinSpec(
        "mcp",
        {
            "mcp_call": ItemKind("MCP", "🔌", _mcp_call, named=True, resend=_resend_mcp_call),
            "mcp_list_tools": ItemKind(
                "MCP tools", "🔌", _mcp_list_tools, resend=_resend_mcp_list_tools
            ),
            "mcp_approval_request": ItemKind(  # the padlock: a call that needs a yes first
                "MCP", "🔐", _mcp_call, named=True, asks=True, resend=_resend_mcp_approval_request
            ),
        },
        selectable=False,
    )
)
