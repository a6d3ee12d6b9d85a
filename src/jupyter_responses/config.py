"""User configuration (traitlets) and the plain settings object the core reads.

The traits live on ``ResponsesConfig``, which the magics class inherits, so they are
set with ``%config ResponsesMagics.model = "gpt-4.1-mini"`` or in
``ipython_config.py`` as ``c.ResponsesMagics.model = ...``. Backends and the session
never read traits: they get a frozen ``Settings`` snapshot.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any

from traitlets import Bool, CaselessStrEnum, Dict, Float, Int, TraitError, Unicode, validate
from traitlets.config import Configurable

from .backends import BACKENDS, DEFAULT_API
from .caching import RETENTIONS
from .errors import OptionsError
from .parameters import SERVICE_TIERS, SUMMARIES, VERBOSITIES, safety_identifier
from .pricing import Price, check_prices
from .window import check_windows


@dataclass(frozen=True)
class Settings:
    model: str
    api: str
    store: bool
    stream: bool
    render_interval: float
    debug: bool
    base_url: str | None
    timeout: float
    max_retries: int
    resend_history: bool
    interpolate: bool
    widgets: bool
    db_path: str
    tool_timeout: float
    python_tool_approve: bool
    context_budget: int
    prompt_cache_key: str
    prompt_cache_retention: str
    prices: dict[str, Price]
    computer_url: str
    context_windows: dict[str, int]
    context_warn_at: float
    truncation: str
    background: bool
    auto_compact: bool
    server_conversations: bool
    verbosity: str
    reasoning_summary: str
    service_tier: str
    safety_identifier: str

    def effective_base_url(self) -> str:
        """Where requests go: the trait, else ``OPENAI_BASE_URL``, else OpenAI."""
        return self.base_url or os.environ.get("OPENAI_BASE_URL") or "https://api.openai.com/v1"


class ResponsesConfig(Configurable):
    model = Unicode("gpt-4.1", help="Model used when a magic gets no -m/--model.").tag(config=True)
    api = CaselessStrEnum(
        tuple(BACKENDS), default_value=DEFAULT_API, help="API the chat panel starts with."
    ).tag(config=True)
    store = Bool(
        True,
        help="Ask the Responses API to store responses server-side, so the next turn can "
        "chain with previous_response_id instead of resending history (--no-store per cell).",
    ).tag(config=True)
    stream = Bool(True, help="Stream answers as they are generated (--no-stream per cell).").tag(
        config=True
    )
    render_interval = Float(
        0.05,
        min=0.0,
        help="Seconds between live display updates while streaming (0.05 = at most 20/s).",
    ).tag(config=True)
    debug = Bool(False, help="Show full tracebacks instead of one clear block per error.").tag(
        config=True
    )
    base_url = Unicode(
        None,
        allow_none=True,
        help="API base URL; default: OPENAI_BASE_URL, else https://api.openai.com/v1.",
    ).tag(config=True)
    timeout = Float(120.0, min=0.1, help="Seconds to wait for the server before giving up.").tag(
        config=True
    )
    max_retries = Int(
        2, min=0, help="Retries the openai SDK makes on 429/5xx/connection errors."
    ).tag(config=True)
    resend_history = Bool(
        False,
        help="Always resend the whole history with %%respond, never previous_response_id "
        "(for servers that ignore it).",
    ).tag(config=True)
    interpolate = Bool(True, help="Replace {name} in cell bodies (--no-interpolate per cell).").tag(
        config=True
    )

    widgets = Bool(
        True,
        help="Show turns live with ipywidgets (reasoning and tool sections); False shows "
        "them as an updating HTML display instead.",
    ).tag(config=True)

    tool_timeout = Float(
        60.0,
        min=0.0,
        help="Seconds to wait for one call of a function tool before telling the model it "
        "timed out (--tool-timeout per cell). The call runs on a worker thread that cannot be "
        "stopped: a hung function keeps running in the background. 0 = no limit (the "
        "function runs on the kernel's main thread).",
    ).tag(config=True)

    python_tool_approve = Bool(
        True,
        help="Ask before each run of the python tool (--tools python: the model's code runs "
        "in this kernel, with your variables and files), as --approve asks. False runs its "
        "code without asking (--approve still asks for every tool).",
    ).tag(config=True)

    context_budget = Int(
        8000,
        min=0,
        help="Most tokens (estimated as characters / 4) of notebook context a -c/--context "
        "adds to a message (--context-budget per cell): over it the oldest cells go first, "
        "then the longest outputs are shortened, and the cell says what was left out. "
        "0 = no limit.",
    ).tag(config=True)

    prompt_cache_key = Unicode(
        "auto",
        help="prompt_cache_key sent with every request (--cache-key per cell): 'auto' = a "
        "stable hash of the thread's conversation id (never its text), so the server routes "
        "a thread's requests to the same cache; 'off' = none; anything else is sent as is.",
    ).tag(config=True)

    prompt_cache_retention = CaselessStrEnum(
        ("", *RETENTIONS),
        default_value="",
        help="How long the server keeps a cached prefix (--cache-retention per cell): "
        "'in_memory' or '24h' (prompt_cache_retention), '30m' or '12h' "
        "(prompt_cache_options.ttl, newer models); '' = the server's default.",
    ).tag(config=True)

    prices = Dict(
        help="Prices in US dollars per million tokens by model, over the shipped table "
        '(pricing.shipped()): {"my-model": {"input": 0.5, "cached_input": 0.1, "output": '
        "1.5}}. A model with no price shows tokens only.",
    ).tag(config=True)

    @validate("prices")
    def _prices_checked(self, proposal: Any) -> dict[str, Price]:
        try:
            return check_prices(proposal["value"])
        except ValueError as error:
            raise TraitError(str(error)) from None

    computer_url = Unicode(
        "",
        help="The page the built-in browser of --tools computer starts at when a turn gives "
        "no --computer-url (the chat panel's Tools field has no place for one).",
    ).tag(config=True)

    context_windows = Dict(
        help="Context window sizes in tokens by model, over the shipped table "
        '(window.shipped()): {"my-model": 32768}. A model with no size shows no gauge.',
    ).tag(config=True)

    @validate("context_windows")
    def _windows_checked(self, proposal: Any) -> dict[str, int]:
        try:
            return check_windows(proposal["value"])
        except ValueError as error:
            raise TraitError(str(error)) from None

    context_warn_at = Float(
        0.8,
        min=0.0,
        max=1.0,
        help="Warn before sending a turn that fills this share of the model's context "
        "window (0.8 = 80%; 0: never warn).",
    ).tag(config=True)

    auto_compact = Bool(
        False,
        help="Before a magic's turn that would fill context_warn_at of the model's window, "
        "compact the conversation first (as %responses compact does, through the turn's "
        "API), in the same cell.",
    ).tag(config=True)

    truncation = CaselessStrEnum(
        ("disabled", "auto"),
        default_value="disabled",
        help="%%respond's truncation (--truncation per cell): 'auto' lets the server drop "
        "the oldest items of a conversation over the context window instead of failing.",
    ).tag(config=True)

    background = Bool(
        False,
        help="Run every %%respond turn as a background response (--background per cell): "
        "the server works on it apart from the connection, a dropped connection picks up "
        "where it broke, Stop and interrupts cancel it on the server. Chat Completions has "
        "no background mode.",
    ).tag(config=True)

    server_conversations = Bool(
        False,
        help="Keep every thread's state on the server, in the Conversations API (per thread: "
        "%responses threads --server): a %%respond turn continues the thread's server-side "
        "conversation, which another machine can continue (%responses import-conversation). "
        "Chat Completions turns in such a thread resend the history as always.",
    ).tag(config=True)

    verbosity = CaselessStrEnum(
        ("", *VERBOSITIES),
        default_value="",
        help="How much the model writes, on both APIs (--verbosity per cell): 'low', "
        "'medium' or 'high' (text.verbosity / verbosity); '' = the model's own.",
    ).tag(config=True)

    reasoning_summary = CaselessStrEnum(
        ("", *SUMMARIES),
        default_value="auto",
        help="The reasoning summary a %%respond turn with --reasoning asks for "
        "(--reasoning-summary per cell): 'auto', 'concise' or 'detailed'; '' = none. "
        "Chat Completions has no summaries and leaves it out.",
    ).tag(config=True)

    service_tier = CaselessStrEnum(
        ("", *SERVICE_TIERS),
        default_value="",
        help="How requests are served, on both APIs (--service-tier per cell): 'auto', "
        "'default', 'flex', 'scale', 'priority' or 'fast'; '' = not sent (the project's "
        "setting). The footer says the tier that served a turn when it is not 'default'.",
    ).tag(config=True)

    safety_identifier = Unicode(
        "",
        help="Sent as safety_identifier with every request (both APIs), so OpenAI can tell "
        "one end user of your application from another when it looks into abuse. Give a "
        "hash of the user's id (e.g. hashlib.sha256(email.encode()).hexdigest()), never the "
        "id itself; at most 64 characters; '' = not sent. It goes into the request only: "
        "no output, export or saved turn holds it.",
    ).tag(config=True)

    @validate("safety_identifier")
    def _safety_identifier_checked(self, proposal: Any) -> str:
        try:
            return safety_identifier(proposal["value"]) or ""
        except OptionsError as error:
            raise TraitError(str(error)) from None

    db_path = Unicode(
        "",
        help="SQLite file every turn is saved to ('' = conversations.sqlite3 in the Jupyter "
        "data directory, under jupyter_responses/; ':memory:' = keep nothing after the kernel "
        "stops).",
    ).tag(config=True)

    @validate("db_path")
    def _db_path_where_set(self, proposal: Any) -> str:
        """A relative path is taken from the working directory when it is set: resolved
        later, a ``%cd`` would move the store and split the conversation over two files."""
        path: str = proposal["value"]
        if path in ("", ":memory:"):
            return path
        return str(Path(path).expanduser().resolve())

    def settings(self) -> Settings:
        """A snapshot of the traits (each ``Settings`` field is the trait of that name)."""
        return Settings(**{f.name: getattr(self, f.name) for f in fields(Settings)})
