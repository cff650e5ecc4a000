"""The package layout keeps its shape: no import cycles, between packages or between
modules, and a top level that holds only the public core."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1] / "src" / "pettenlogic"

#: the modules allowed directly under ``pettenlogic/`` (everything else lives in a package)
TOP_LEVEL_MODULES = {"__init__", "__main__", "decision", "rulebook"}


def _module_name(path: Path) -> str:
    parts = path.relative_to(ROOT.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _imports(path: Path, modules: set[str]) -> set[str]:
    """The pettenlogic modules ``path`` imports at module level (function-level imports
    are deliberate deferrals and may point back)."""
    name = _module_name(path)
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found: set[str] = set()
    for node in ast.parse(path.read_text("utf-8")).body:
        if isinstance(node, ast.ImportFrom) and node.level:
            base = package.split(".")[: len(package.split(".")) - (node.level - 1)]
            target = ".".join([*base, node.module] if node.module else base)
            for alias in node.names:
                candidate = f"{target}.{alias.name}"
                found.add(candidate if candidate in modules else target)
    return {m for m in found if m in modules and m != name}


def _graph() -> dict[str, set[str]]:
    paths = {_module_name(p): p for p in ROOT.rglob("*.py")}
    return {name: _imports(path, set(paths)) for name, path in paths.items()}


def _cycle(graph: dict[str, set[str]]) -> list[str] | None:
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        stack.append(node)
        for nxt in sorted(graph.get(node, ())):
            if state.get(nxt) == 1:
                return [*stack[stack.index(nxt) :], nxt]
            if nxt not in state and (found := visit(nxt)):
                return found
        stack.pop()
        state[node] = 2
        return None

    for node in sorted(graph):
        if node not in state and (found := visit(node)):
            return found
    return None


def _packages(graph: dict[str, set[str]]) -> dict[str, set[str]]:
    def package(module: str) -> str:
        return ".".join(module.split(".")[:2])

    out: dict[str, set[str]] = {}
    for module, deps in graph.items():
        # a package's __init__ may re-export its own members; skip self-edges only
        out.setdefault(package(module), set()).update(
            package(d) for d in deps if package(d) != package(module)
        )
    # the root package re-exports the public API: it is the top, not a node of the graph
    out.pop("pettenlogic", None)
    return {k: v - {"pettenlogic"} for k, v in out.items()}


def test_no_module_import_cycle() -> None:
    assert _cycle(_graph()) is None


def test_no_package_import_cycle() -> None:
    assert _cycle(_packages(_graph())) is None


def test_top_level_holds_only_the_public_core() -> None:
    flat = {p.stem for p in ROOT.glob("*.py")}
    assert flat == TOP_LEVEL_MODULES


def test_cycle_finder_finds_a_planted_cycle() -> None:
    """The checks above must be able to fail: a planted cycle is found."""
    graph = _packages(_graph())
    graph["pettenlogic.model"] = {*graph.get("pettenlogic.model", set()), "pettenlogic.cli"}
    found = _cycle(graph)
    assert found is not None and "pettenlogic.model" in found


@pytest.mark.parametrize("package", ["cli", "docgen", "solver", "evaluate", "model", "rules"])
def test_each_package_says_why_it_exists(package: str) -> None:
    init = ROOT / package / "__init__.py"
    assert init.is_file()
    tree = ast.parse(init.read_text("utf-8"))
    assert ast.get_docstring(tree), f"pettenlogic/{package}/__init__.py has no docstring"
