"""A small MCP server of the tests' own (``server.py``), how tests start and stop it
(``processes.py``), and OpenAI's spec as far as MCP answers go (``spec.py``)."""
