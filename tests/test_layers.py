"""The layer rules and the absence of import cycles, read from the source with ``ast``.

    cli, testing  ->  tasks, distill, qa  ->  runtime  ->  data  ->  llm, sandbox
                  ->  core, errors, prompts, redact

A module may import its own layer or any layer below it, never one above; and ``data`` does not use
``llm`` at all (rows, files and records need no model). Every import counts: at
module level, inside functions (where a cycle likes to hide) and under ``TYPE_CHECKING`` (a type is a
dependency too). Cycles are looked for among the imports that run, i.e. all but ``TYPE_CHECKING`` ones.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

SRC = Path(__file__).resolve().parents[1] / "src"

LAYERS: dict[str, int] = {
    "hadron.core": 0,
    "hadron.errors": 0,
    "hadron.prompts": 0,
    "hadron.redact": 0,
    "hadron.sandbox": 1,
    "hadron.llm": 1,
    "hadron.data": 2,
    "hadron.runtime": 3,
    "hadron.tasks": 4,
    "hadron.distill": 4,
    "hadron.qa": 4,
    "hadron.cli": 5,
    "hadron.testing": 5,
}
"""The top-level package of each layer. ``hadron`` itself is the lazy facade above all of them; any
module may import it (for ``__version__``)."""

FORBIDDEN: tuple[tuple[str, str], ...] = (("hadron.data", "hadron.llm"),)
"""Pairs below each other that still must not meet: (importer, imported)."""

GROUND = ("hadron.core", "hadron.errors")
"""What ``hadron.core`` may import of hadron: the ground floor imports nothing above itself."""


@dataclass(frozen=True)
class Import:
    source: str
    target: str
    line: int
    type_only: bool

    def where(self) -> str:
        return f"{self.source}:{self.line} imports {self.target}"


def modules() -> dict[str, Path]:
    found: dict[str, Path] = {}
    for path in sorted((SRC / "hadron").rglob("*.py")):
        parts = list(path.relative_to(SRC).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        found[".".join(parts)] = path
    return found


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _walk(node: ast.AST, type_only: bool = False) -> Iterator[tuple[ast.Import | ast.ImportFrom, bool]]:
    for child in ast.iter_child_nodes(node):
        if isinstance(child, ast.Import | ast.ImportFrom):
            yield child, type_only
        elif isinstance(child, ast.If) and _is_type_checking(child.test):
            for stmt in child.body:
                yield from _walk(ast.Module(body=[stmt], type_ignores=[]), True)
            for stmt in child.orelse:
                yield from _walk(ast.Module(body=[stmt], type_ignores=[]), type_only)
        else:
            yield from _walk(child, type_only)


def _resolve(name: str, known: dict[str, Path]) -> str | None:
    """The deepest hadron module ``name`` names (``hadron.a.b.Thing`` -> ``hadron.a.b``)."""
    while name and name not in known:
        name = name.rpartition(".")[0]
    return name or None


def imports(module: str, path: Path, known: dict[str, Path]) -> Iterator[Import]:
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    for node, type_only in _walk(tree):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        else:
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*anchor, base] if base else anchor)
            names = [f"{base}.{alias.name}" for alias in node.names]
        for name in names:
            if name != "hadron" and not name.startswith("hadron."):
                continue
            target = _resolve(name, known)
            if target is not None and target != module:
                yield Import(module, target, node.lineno, type_only)


def graph() -> list[Import]:
    known = modules()
    edges = (edge for module, path in known.items() for edge in imports(module, path, known))
    return list(dict.fromkeys(edges))  # ``from m import a, b`` is one edge


def within(module: str, package: str) -> bool:
    return module == package or module.startswith(package + ".")


def layer(module: str) -> int | None:
    best = max((top for top in LAYERS if within(module, top)), key=len, default=None)
    return LAYERS[best] if best is not None else None


def test_every_module_has_a_layer() -> None:
    unplaced = [module for module in modules() if module != "hadron" and layer(module) is None]
    assert not unplaced, f"modules outside every layer (add their package to LAYERS): {unplaced}"


def test_no_module_imports_a_layer_above_its_own() -> None:
    upward = []
    for edge in graph():
        source, target = layer(edge.source), layer(edge.target)
        if source is None or target is None:
            continue  # the ``hadron`` facade
        if target > source:
            upward.append(edge.where() + (" (TYPE_CHECKING)" if edge.type_only else ""))
    assert not upward, "imports that go up a layer:\n" + "\n".join(upward)


def test_forbidden_pairs_do_not_meet() -> None:
    found = [edge.where() for edge in graph()
             if any(within(edge.source, low) and within(edge.target, high) for low, high in FORBIDDEN)]
    assert not found, "\n".join(found)


def test_core_imports_nothing_of_hadron_but_errors() -> None:
    outside = [edge.where() for edge in graph()
               if within(edge.source, "hadron.core") and not any(within(edge.target, g) for g in GROUND)]
    assert not outside, "\n".join(outside)


def cycles(edges: list[Import]) -> list[list[str]]:
    """The strongly connected components with more than one module (Tarjan, iterative)."""
    succ: dict[str, set[str]] = {}
    for edge in edges:
        succ.setdefault(edge.source, set()).add(edge.target)
        succ.setdefault(edge.target, set())
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []
    for root in sorted(succ):
        if root in index:
            continue
        work = [(root, iter(sorted(succ[root])))]
        index[root] = low[root] = len(index)
        stack.append(root)
        on_stack.add(root)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = len(index)
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(succ[child]))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                component = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == node:
                        break
                if len(component) > 1:
                    found.append(sorted(component))
    return found


def test_no_import_cycles() -> None:
    edges = [edge for edge in graph() if not edge.type_only]
    found = cycles(edges)
    lines = []
    for component in found:
        members = set(component)
        inside = [edge.where() for edge in edges if edge.source in members and edge.target in members]
        lines.append(" <-> ".join(component) + "\n    " + "\n    ".join(inside))
    assert not found, "import cycles:\n" + "\n".join(lines)


def test_the_checker_sees_imports_inside_functions_and_type_checking_blocks(tmp_path: Path) -> None:
    module = tmp_path / "mod.py"
    module.write_text(
        "from typing import TYPE_CHECKING\n"
        "if TYPE_CHECKING:\n"
        "    from hadron.qa import card\n"
        "def f():\n"
        "    from hadron.runtime.step import Step\n"
        "    import hadron.llm.types\n",
        encoding="utf-8",
    )
    known = modules()
    found = {(edge.target, edge.type_only) for edge in imports("hadron.data.mod", module, known)}
    assert found == {("hadron.qa.card", True), ("hadron.runtime.step", False), ("hadron.llm.types", False)}


def test_the_cycle_finder_finds_a_cycle_and_only_it() -> None:
    edges = [Import("a", "b", 1, False), Import("b", "c", 1, False), Import("c", "a", 1, False),
             Import("c", "d", 1, False)]
    assert cycles(edges) == [["a", "b", "c"]]
