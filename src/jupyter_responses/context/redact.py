"""Keep secrets out of what the model is sent.

Three layers, because none is enough alone: a variable whose *name* looks secret never
shows its value (``is_secret_name``); the exact values such variables hold, and those of
secret-named environment variables (``OPENAI_API_KEY`` first of all), are replaced
wherever they appear (a cell that printed one, a source that assigned one); and text
that *looks* like a credential (provider key formats, bearer tokens, a long random
value after ``key=``) is replaced whatever holds it.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable, Mapping

REDACTED = "<redacted>"

#: Name parts (split at ``_``, digits and camelCase) that mark a variable as secret.
SECRET_WORDS = frozenset(
    {
        "key",
        "apikey",
        "token",
        "secret",
        "secrets",
        "password",
        "passwords",
        "passwd",
        "pwd",
        "passphrase",
        "credential",
        "credentials",
        "auth",
    }
)
_NAME_PARTS = re.compile(r"[A-Z]?[a-z]+|[A-Z]+(?![a-z])")

#: Values shorter than this are never replaced by exact match: "true", "1", "dev" would
#: otherwise vanish from everything.
MIN_SECRET_LENGTH = 8

_KEY_FORMATS = re.compile(
    "|".join(
        (
            r"\bsk-[A-Za-z0-9_-]{20,}",  # OpenAI (sk-, sk-proj-, sk-svcacct-), Anthropic (sk-ant-)
            r"\bgh[pousr]_[A-Za-z0-9]{30,}",  # GitHub tokens
            r"\bgithub_pat_[A-Za-z0-9_]{30,}",
            r"\b(?:AKIA|ASIA)[0-9A-Z]{16}\b",  # AWS access key ids
            r"\bAIza[0-9A-Za-z_-]{35}",  # Google API keys
            r"\bxox[abposr]-[A-Za-z0-9-]{10,}",  # Slack
            r"\bhf_[A-Za-z0-9]{30,}",  # Hugging Face
            r"\bglpat-[A-Za-z0-9_-]{20,}",  # GitLab
            r"-----BEGIN [A-Z ]*PRIVATE KEY-----[\s\S]*?-----END [A-Z ]*PRIVATE KEY-----",
        )
    )
)
_BEARER = re.compile(r"(?i)(\bbearer\s+)[A-Za-z0-9._~+/=-]{16,}")
_URL_PASSWORD = re.compile(r"(://[^\s:/@]+:)[^\s/@]+(@)")
#: ``api_key = "..."``, ``"token": "..."``, ``password='...'``: the quoted value.
_QUOTED_AFTER_NAME = re.compile(
    r"""(?ix)
    ( \b[\w-]*(?:key|token|secret|passw(?:or)?d|pwd|credential|auth)[\w-]*["']?
      \s*[:=]\s* )
    (["'])([^"'\s]{8,})\2
    """
)
#: ``key=3f9a...`` unquoted (URLs, env dumps, logs): only a long run of key characters.
_BARE_AFTER_NAME = re.compile(
    r"""(?ix)
    ( \b[\w-]*(?:key|token|secret|passw(?:or)?d|pwd|credential|auth)[\w-]*
      \s*[:=]\s* )
    ([A-Za-z0-9+/_=-]{16,})
    """
)


def is_secret_name(name: str) -> bool:
    """Whether a variable (or attribute, or environment variable) called ``name`` is
    likely to hold a secret: one of its parts is a word like key, token or password
    (``api_key``, ``OPENAI_API_KEY``, ``githubToken``; not ``keyboard`` or ``tokens``)."""
    return any(part.lower() in SECRET_WORDS for part in _NAME_PARTS.findall(name))


def secret_values(namespace: Mapping[str, object]) -> list[str]:
    """The string values held under secret-looking names in ``namespace`` (a user
    namespace, a dict of settings), long enough to be replaced safely."""
    return [
        value
        for name, value in list(namespace.items())  # a copy: the kernel may be running
        if isinstance(value, str) and len(value) >= MIN_SECRET_LENGTH and is_secret_name(name)
    ]


def environment_secrets() -> list[str]:
    """The values of secret-named environment variables (``OPENAI_API_KEY``,
    ``HF_TOKEN``...), read now: a key set after the extension loaded counts too."""
    values = secret_values(os.environ)
    key = os.environ.get("OPENAI_API_KEY", "")
    if key and key not in values:
        values.append(key)
    return values


def redact(text: str, values: Iterable[str] = ()) -> str:
    """``text`` with every secret-looking string replaced by ``<redacted>``: ``values``
    and the secret environment values by exact match, then anything shaped like a key."""
    return redact_counting(text, values)[0]


def redact_counting(
    text: str, values: Iterable[str] = (), *, environment: bool = True
) -> tuple[str, int]:
    """``redact``, and how many replacements it made (for the cell to say so).
    ``environment=False`` when ``values`` has the environment's secrets already."""
    count = 0
    everything = (*values, *environment_secrets()) if environment else tuple(values)
    exact = {v for v in everything if len(v) >= MIN_SECRET_LENGTH}
    for value in sorted(exact, key=len, reverse=True):
        found = text.count(value)
        if found:
            text = text.replace(value, REDACTED)
            count += found
    text, found = _KEY_FORMATS.subn(REDACTED, text)
    count += found
    text, found = _BEARER.subn(rf"\1{REDACTED}", text)
    count += found
    text, found = _URL_PASSWORD.subn(rf"\1{REDACTED}\2", text)
    count += found

    def quoted(match: re.Match[str]) -> str:
        nonlocal count
        value = match.group(3)
        if value == REDACTED or not _looks_random(value, 20):
            return match.group(0)
        count += 1
        return f"{match.group(1)}{match.group(2)}{REDACTED}{match.group(2)}"

    def bare(match: re.Match[str]) -> str:
        nonlocal count
        if not _looks_random(match.group(2), None):
            return match.group(0)
        count += 1
        return f"{match.group(1)}{REDACTED}"

    text = _QUOTED_AFTER_NAME.sub(quoted, text)
    text = _BARE_AFTER_NAME.sub(bare, text)
    return text, count


def _looks_random(value: str, long_enough: int | None) -> bool:
    """A value that mixes letters and digits (or is at least ``long_enough`` long) is
    taken for a secret; a word like ``"species"`` or ``"length"`` is not."""
    has_digit = any(c.isdigit() for c in value)
    has_letter = any(c.isalpha() for c in value)
    if has_digit and has_letter:
        return True
    return long_enough is not None and len(value) >= long_enough and has_letter
