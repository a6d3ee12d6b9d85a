"""jupyter_responses: OpenAI-style models as a first-class part of a notebook."""

from __future__ import annotations

__version__ = "0.1.0.dev0"
