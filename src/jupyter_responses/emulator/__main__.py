"""``python -m jupyter_responses.emulator``: serve the emulator until interrupted."""

from __future__ import annotations

import argparse
import os
import sys

from . import Emulator, RateLimits


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m jupyter_responses.emulator",
        description="A local OpenAI-compatible server (Responses + Chat Completions).",
    )
    parser.add_argument("--host", default="127.0.0.1", help="interface to bind (default 127.0.0.1)")
    parser.add_argument("--port", type=int, default=0, help="port (default 0: a free one)")
    parser.add_argument(
        "--require-key-env",
        metavar="VAR",
        help="require the bearer token held in this environment variable (else any key works)",
    )
    parser.add_argument("--models", help="comma-separated model names; others get 404")
    parser.add_argument(
        "--context-window",
        type=int,
        metavar="TOKENS",
        help="input tokens every model takes (default: each model's real window)",
    )
    parser.add_argument(
        "--requests-per-minute",
        type=int,
        metavar="N",
        help="rate-limit every model to N requests a minute (OpenAI's headers and 429s)",
    )
    parser.add_argument(
        "--tokens-per-minute",
        type=int,
        metavar="N",
        help="rate-limit every model to N tokens a minute",
    )
    args = parser.parse_args(argv)
    key = os.environ.get(args.require_key_env) if args.require_key_env else None
    if args.require_key_env and not key:
        parser.error(f"environment variable {args.require_key_env} is not set")
    models = [m.strip() for m in args.models.split(",")] if args.models else None
    limited = args.requests_per_minute is not None or args.tokens_per_minute is not None
    limits = RateLimits(args.requests_per_minute, args.tokens_per_minute) if limited else None
    emulator = Emulator(
        args.host,
        args.port,
        api_key=key,
        models=models,
        context_window=args.context_window,
        rate_limits=limits,
    )
    print(emulator.url, flush=True)
    try:
        emulator._server.serve_forever(poll_interval=0.2)
    except KeyboardInterrupt:
        pass
    finally:
        emulator._server.server_close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
