"""The package's seams hold: no import cycles between its modules, and no module outside
``backends/``, the tool declarations and the request parameter declarations names an
API or a Responses output item type (those differences are the backends' and the
declarations' to own)."""

from __future__ import annotations

import ast
import typing
from pathlib import Path

import jupyter_responses
from jupyter_responses.backends import BACKENDS
from jupyter_responses.transcript import Entry

PACKAGE = Path(jupyter_responses.__file__).parent
#: Where naming APIs and item types is the job (``parameters.py``: how each API carries
#: a request parameter, declared per API as built-in tools are).
OWNERS = ("backends/", "builtin_tools.py", "parameters.py", "emulator/", "notebooks/")


def _modules() -> dict[str, Path]:
    modules = {}
    for path in PACKAGE.rglob("*.py"):
        parts = list(path.relative_to(PACKAGE).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        modules[".".join(["jupyter_responses", *parts])] = path
    return modules


def _is_type_checking(node: ast.If) -> bool:
    return isinstance(node.test, ast.Name) and node.test.id == "TYPE_CHECKING"


def _imports(module: str, path: Path, known: set[str]) -> set[str]:
    """The package's modules ``module`` imports at run time (anywhere in it, also inside
    functions; not under ``if TYPE_CHECKING``)."""
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    found: set[str] = set()

    def visit(node: ast.AST) -> None:
        if isinstance(node, ast.If) and _is_type_checking(node):
            for child in node.orelse:
                visit(child)
            return
        if isinstance(node, ast.ImportFrom):
            base = package
            for _ in range(node.level - 1):
                base = base.rpartition(".")[0]
            target = f"{base}.{node.module}" if node.level and node.module else node.module
            target = target or base
            for alias in node.names:
                if f"{target}.{alias.name}" in known:
                    found.add(f"{target}.{alias.name}")
                elif target in known:
                    found.add(target)
        elif isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names if alias.name in known)
        for child in ast.iter_child_nodes(node):
            visit(child)

    visit(ast.parse(path.read_text(encoding="utf-8")))
    found.discard(module)
    return found


def test_no_import_cycles() -> None:
    modules = _modules()
    graph = {name: _imports(name, path, set(modules)) for name, path in modules.items()}
    # A package's __init__ importing its own submodules is how packages work, not a cycle.
    for name in graph:
        graph[name] = {t for t in graph[name] if not name.startswith(t + ".")}
    state: dict[str, int] = {}
    stack: list[str] = []

    def walk(node: str) -> None:
        state[node] = 1
        stack.append(node)
        for target in sorted(graph[node]):
            if state.get(target) == 1:
                cycle = [*stack[stack.index(target) :], target]
                raise AssertionError("import cycle: " + " -> ".join(cycle))
            if target not in state:
                walk(target)
        stack.pop()
        state[node] = 2

    for name in sorted(graph):
        if name not in state:
            walk(name)


def _item_types() -> set[str]:
    from openai.types.responses import ResponseItem
    from openai.types.responses.response_output_item import ResponseOutputItem

    types: set[str] = set()
    for union in (ResponseItem, ResponseOutputItem):
        annotated = typing.get_args(union)[0] if typing.get_origin(union) else union
        for member in typing.get_args(annotated):
            field = getattr(member, "model_fields", {}).get("type")
            if field is not None:
                types.update(typing.get_args(field.annotation))
    return types


def test_only_backends_and_declarations_name_apis_and_item_types() -> None:
    neutral = {typing.get_args(typing.get_type_hints(m)["type"])[0] for m in typing.get_args(Entry)}
    forbidden = (_item_types() - neutral) | set(BACKENDS)
    assert "web_search_call" in forbidden and "responses" in forbidden
    offenders = []
    for path in _modules().values():
        relative = path.relative_to(PACKAGE).as_posix()
        if relative.startswith(OWNERS):
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Constant) and node.value in forbidden:
                offenders.append(f"{relative}:{node.lineno}: {node.value!r}")
    assert offenders == []
