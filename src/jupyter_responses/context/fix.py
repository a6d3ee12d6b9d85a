"""``%responses fix [N]``: the failing cell, its traceback, and the earlier cells it
depends on: for each name the failing cell reads, the latest earlier cell that bound
it, and so on for what those cells read (nearest binder first, oldest dropped first
when the budget is short)."""

from __future__ import annotations

import ast
from typing import Any

from ..errors import OptionsError
from .capture import log_for
from .gather import Gathered, Redactor, cell_section, finish
from .records import CellRecord
from .sections import Section

#: Earlier cells pulled in at most (the nearest dependencies first).
MAX_DEPENDENCIES = 20


def fix_context(shell: Any, count: int | None, budget_tokens: int) -> Gathered:
    """The context for fixing cell ``[count]`` (None: the last cell that raised).
    ``OptionsError`` when there is no such cell or it did not raise."""
    redactor = Redactor(shell)
    return finish(fix_sections(shell, count, redactor), budget_tokens, [], redactor)


def fix_sections(shell: Any, count: int | None, redactor: Redactor) -> list[Section]:
    """The failing cell (with its traceback) after the cells it depends on (``-c fix``)."""
    cells = log_for(shell).cells()
    failing = _failing_cell(cells, count)
    assert failing.error is not None
    earlier = [c for c in cells if c.count < failing.count]
    dependencies = dependencies_of(failing, earlier, shell)
    sections = [
        cell_section(cell, redactor, droppable=True, note="defines " + ", ".join(sorted(names)))
        for cell, names in dependencies
    ]
    sections.append(
        cell_section(failing, redactor, droppable=False, note=f"raised {failing.error.name}")
    )
    return sections


def _failing_cell(cells: list[CellRecord], count: int | None) -> CellRecord:
    if count is None:
        failed = next((c for c in reversed(cells) if c.error is not None), None)
        if failed is None:
            raise OptionsError(
                "Nothing to fix: no code cell has raised an error since jupyter_responses "
                "was loaded. Give a cell's number (%responses fix 12) to fix that cell."
            )
        return failed
    cell = next((c for c in cells if c.count == count), None)
    if cell is None:
        raise OptionsError(
            f"There is no code cell [{count}] to fix: it has not run, or it was a prompt, "
            f"or it is older than the {len(cells)} cell{'' if len(cells) == 1 else 's'} kept."
        )
    if cell.error is None:
        raise OptionsError(
            f"Cell [{count}] did not raise an error, so there is nothing to fix. "
            "%responses fix with no number takes the last cell that failed."
        )
    return cell


def dependencies_of(
    failing: CellRecord, earlier: list[CellRecord], shell: Any
) -> list[tuple[CellRecord, set[str]]]:
    """The earlier cells ``failing`` depends on, oldest first, each with the names it
    binds that are read downstream."""
    bound = {cell.count: names_bound(_python(cell.source, shell)) for cell in earlier}
    chosen: dict[int, set[str]] = {}
    queue: list[tuple[str, int]] = [
        (name, failing.count) for name in sorted(names_read(_python(failing.source, shell)))
    ]
    seen: set[tuple[str, int]] = set()
    while queue and len(chosen) <= MAX_DEPENDENCIES:
        name, before = queue.pop(0)
        if (name, before) in seen:
            continue
        seen.add((name, before))
        binder = next(
            (c for c in reversed(earlier) if c.count < before and name in bound[c.count]), None
        )
        if binder is None:
            continue
        if binder.count not in chosen:
            if len(chosen) == MAX_DEPENDENCIES:
                break
            chosen[binder.count] = set()
            reads = names_read(_python(binder.source, shell))
            queue.extend((read, binder.count) for read in sorted(reads))
        chosen[binder.count].add(name)
    by_count = {cell.count: cell for cell in earlier}
    return [(by_count[count], chosen[count]) for count in sorted(chosen)]


def _python(source: str, shell: Any, depth: int = 0) -> ast.Module | None:
    """The cell as Python, IPython's syntax translated (``!ls``, ``%time x = 1``), with
    the code that magics run (``%time``'s line, ``%%time``'s body) added to it."""
    transform = getattr(shell, "transform_cell", None)
    try:
        tree = ast.parse(transform(source) if transform is not None else source)
    except Exception:  # SyntaxError, or a transformer's own complaint
        return None
    if depth < 2:
        for node in list(ast.walk(tree)):
            magic = _magic_code(node)
            inner = _python(magic, shell, depth + 1) if magic is not None else None
            if inner is not None:
                tree.body.extend(inner.body)
    return tree


def _magic_code(node: ast.AST) -> str | None:
    """The code string of ``get_ipython().run_line_magic('time', 'x = 1')`` or of
    ``run_cell_magic(name, line, body)``, as IPython's translation writes magics."""
    if not (
        isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and node.func.attr in ("run_line_magic", "run_cell_magic")
        and node.args
    ):
        return None
    last = node.args[-1]
    return last.value if isinstance(last, ast.Constant) and isinstance(last.value, str) else None


_SCOPES = (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda, ast.ClassDef)
_COMPREHENSIONS = (ast.ListComp, ast.SetComp, ast.DictComp, ast.GeneratorExp)


def names_bound(tree: ast.Module | None) -> set[str]:
    """The module-level names a cell binds: assignments, imports, ``def``/``class``,
    loop and ``with`` targets (not the locals of its functions or comprehensions)."""
    bound: set[str] = set()
    if tree is None:
        return bound
    pending: list[ast.AST] = list(tree.body)
    while pending:
        node = pending.pop()
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            bound.add(node.name)
            pending.extend(node.decorator_list)
            continue
        if isinstance(node, (ast.Lambda, *_COMPREHENSIONS)):
            continue
        if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
            bound.add(node.id)
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            for alias in node.names:
                if alias.name != "*":
                    bound.add(alias.asname or alias.name.split(".")[0])
        elif isinstance(node, ast.ExceptHandler) and node.name:
            bound.add(node.name)
        pending.extend(ast.iter_child_nodes(node))
    return bound


def names_read(tree: ast.Module | None) -> set[str]:
    """The global names a cell reads: anywhere in it, but not a function's own
    parameters and locals, nor a comprehension's variables."""
    read: set[str] = set()
    if tree is None:
        return read

    def visit(node: ast.AST, local: frozenset[str]) -> None:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)):
            arguments = node.args
            for default in [*arguments.defaults, *arguments.kw_defaults]:
                if default is not None:
                    visit(default, local)
            if not isinstance(node, ast.Lambda):
                for decorator in node.decorator_list:
                    visit(decorator, local)
            inner = local | _parameters(arguments) | _stored(node)
            body = [node.body] if isinstance(node, ast.Lambda) else node.body
            for statement in body:
                visit(statement, inner)
            return
        if isinstance(node, _COMPREHENSIONS):
            inner = local | {
                n.id
                for generator in node.generators
                for n in ast.walk(generator.target)
                if isinstance(n, ast.Name)
            }
            for child in ast.iter_child_nodes(node):
                visit(child, inner)
            return
        if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Load) and node.id not in local:
            read.add(node.id)
        for child in ast.iter_child_nodes(node):
            visit(child, local)

    visit(tree, frozenset())
    return read


def _parameters(arguments: ast.arguments) -> frozenset[str]:
    every = [*arguments.posonlyargs, *arguments.args, *arguments.kwonlyargs]
    every += [a for a in (arguments.vararg, arguments.kwarg) if a is not None]
    return frozenset(a.arg for a in every)


def _stored(function: ast.AST) -> frozenset[str]:
    return frozenset(
        n.id for n in ast.walk(function) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Store)
    )
