"""Fixtures of the compat suite: third-party OpenAI-compatible servers on 127.0.0.1,
and real kernels whose ``OPENAI_BASE_URL`` points at one of them.

Every test here is marked ``compat`` and ``kernel`` (deselect with ``-m "not compat"``).
A peer is installed on first use (see ``peers.py``), started once per session on a free
port, and stopped by its process ids at the end, also when a test or startup fails.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from jupyter_responses.emulator import Emulator
from tests.kernel.harness import KernelPool, KernelSession
from tests.spec import published_spec

from .peers import LITELLM, MOCK_AI_API, PRISM, Server, free_port, peer_env, started

_HERE = Path(__file__).resolve().parent

API_KEY = "sk-compat-test"
LOAD = "%load_ext jupyter_responses\n%config ResponsesMagics.max_retries = 0"


@pytest.hookimpl(tryfirst=True)  # before -m deselection
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if _HERE in Path(item.path).resolve().parents:
            item.add_marker(pytest.mark.compat)
            item.add_marker(pytest.mark.kernel)


# -- the peers ------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def upstream() -> Iterator[Emulator]:
    """Our emulator as the model behind LiteLLM's Responses->Chat bridge."""
    with Emulator() as emu:
        yield emu


@pytest.fixture
def bridged(upstream: Emulator) -> Emulator:
    """``upstream``, emptied of what earlier tests scripted or sent."""
    upstream.reset()
    return upstream


LITELLM_CONFIG = """\
model_list:
  - model_name: mock-gpt
    litellm_params:
      model: openai/gpt-4.1
      api_key: sk-unused
      mock_response: "Hello from the LiteLLM mock."
  - model_name: bridge
    litellm_params:
      model: custom_openai/gpt-4.1
      api_base: {upstream}
      api_key: sk-unused
  - model_name: bridge-lenient
    litellm_params:
      model: custom_openai/gpt-4.1
      api_base: {upstream}
      api_key: sk-unused
      drop_params: true
"""


@pytest.fixture(scope="session")
def litellm(upstream: Emulator, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A LiteLLM proxy (its own venv): ``mock-gpt`` answers with ``mock_response``;
    ``bridge`` and ``bridge-lenient`` (``drop_params``) send ``custom_openai`` chat
    requests to ``upstream``. Yields its base URL."""
    LITELLM.ensure()
    where = tmp_path_factory.mktemp("litellm")
    config = where / "config.yaml"
    config.write_text(LITELLM_CONFIG.format(upstream=upstream.url))
    port = free_port()
    env = peer_env(LITELLM_LOCAL_MODEL_COST_MAP="True", LITELLM_TELEMETRY="False")
    argv = [LITELLM.bin("litellm"), "--config", config, "--host", "127.0.0.1", "--port", port]
    server = Server("litellm", argv, log=where / "litellm.log", env=env, cwd=where)
    base = f"http://127.0.0.1:{port}"
    with started(server, f"{base}/health/liveliness"):
        yield f"{base}/v1"


@pytest.fixture(scope="session")
def mock_ai_api(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """mock-ai-api's own command (its OpenAI app on a free port; it also starts its
    Anthropic app, on another). Yields the OpenAI base URL."""
    MOCK_AI_API.ensure()
    where = tmp_path_factory.mktemp("mock-ai-api")
    port, other = free_port(), free_port()
    argv = [MOCK_AI_API.bin("mock-ai-api"), "--openai-port", port, "--anthropic-port", other]
    server = Server("mock-ai-api", argv, log=where / "mock-ai-api.log", env=peer_env(), cwd=where)
    with started(server, f"http://127.0.0.1:{port}/health"):
        yield f"http://127.0.0.1:{port}/v1"


def _prism(spec: Path, where: Path) -> Server:
    port = free_port()
    argv = [PRISM.bin("prism"), "mock", "-h", "127.0.0.1", "-p", port, spec]
    url = f"http://127.0.0.1:{port}"
    return Server("prism", argv, log=where / "prism.log", env=peer_env(), cwd=where, url=url)


PRISM_READY = {"authorization": f"Bearer {API_KEY}"}


@pytest.fixture(scope="session")
def prism(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """Prism mocking OpenAI's published spec as it is, validating every request (an
    invalid one gets a 422). Its ``url`` is the base URL (the spec's paths have no /v1)."""
    PRISM.ensure()
    where = tmp_path_factory.mktemp("prism")
    spec = where / "openapi.json"
    spec.write_text(json.dumps(published_spec()))
    server = _prism(spec, where)
    with started(server, f"{server.url}/models", PRISM_READY):
        yield server


def repaired_spec(spec: dict[str, Any]) -> dict[str, Any]:
    """The published spec with the two things Prism cannot check as they stand:

    * ``InputItem`` is ``oneOf`` [EasyInputMessage, Item, ...], and a user message whose
      content is a list of parts (text plus images or files) matches both EasyInputMessage
      and Item's InputMessage, so a strict ``oneOf`` rejects every such message: made an
      ``anyOf`` (the tests' own validator does that to every ``oneOf``, see
      tests/spec/README.md);
    * an OpenAPI 3.0 ``nullable`` beside no ``type`` (``CreateChatCompletionRequest``'s
      ``prediction``) stops Prism's validator (ajv: "nullable" cannot be used without
      "type") and Prism then accepts ANY body for POST /chat/completions unchecked:
      made ``anyOf`` [the schema, null], as OpenAPI 3.0 meant it.
    """
    patched = copy.deepcopy(spec)
    item = patched["components"]["schemas"]["InputItem"]
    item["anyOf"] = item.pop("oneOf")

    def nullable(node: Any) -> Any:
        if isinstance(node, list):
            return [nullable(v) for v in node]
        if not isinstance(node, dict):
            return node
        node = {k: nullable(v) for k, v in node.items()}
        if "nullable" in node and "type" not in node and node.pop("nullable") is True:
            return {"anyOf": [node, {"type": "null"}]}
        return node

    patched["components"] = nullable(patched["components"])
    return patched


@pytest.fixture(scope="session")
def prism_repaired(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """Prism on ``repaired_spec``: for user messages with attachments, and for every
    Chat Completions request (which the published spec lets through unchecked)."""
    PRISM.ensure()
    where = tmp_path_factory.mktemp("prism-repaired")
    spec = where / "openapi.json"
    spec.write_text(json.dumps(repaired_spec(published_spec())))
    server = _prism(spec, where)
    with started(server, f"{server.url}/models", PRISM_READY):
        yield server


# -- kernels --------------------------------------------------------------------------------

KernelAt = Callable[[str], KernelSession]


@pytest.fixture
def kernel_at(tmp_path: Path) -> Iterator[KernelAt]:
    """``kernel_at(base_url)``: a fresh kernel with the extension loaded (no SDK
    retries) whose openai SDK talks to ``base_url``; all closed at teardown."""
    with KernelPool(tmp_path) as pool:

        def make(base_url: str) -> KernelSession:
            session = pool.start({"OPENAI_BASE_URL": base_url, "OPENAI_API_KEY": API_KEY})
            session.execute(LOAD)
            return session

        yield make
