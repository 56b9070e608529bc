"""The Linux layer's modules import one another without a circle (counting the imports made only
for type checking): a subsystem's system calls subclass `base.LinuxBase` and never import the
`syscalls.Linux` they are part of."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

# The tiers are this test's own parameters (or it has none): `make tiers` deselects it.
pytestmark = pytest.mark.all_tiers

LINUX = Path(__file__).resolve().parents[3] / "py_backend" / "linux"


def imports_of(path: Path) -> set[str]:
    """The modules of py_backend/linux that ``path`` imports (relative imports only: the
    package imports nothing of itself by absolute name)."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom) and node.level == 1:
            if node.module is None:  # from . import errors
                found.update(alias.name for alias in node.names)
            else:
                found.add(node.module.split(".")[0])
    return {name for name in found if (LINUX / f"{name}.py").exists()}


def find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """A circle in ``graph`` as the list of its modules, or None."""
    state: dict[str, int] = {}  # 1 = on the current path, 2 = done
    path: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        path.append(node)
        for nxt in sorted(graph[node]):
            if state.get(nxt) == 1:
                return [*path[path.index(nxt) :], nxt]
            if nxt not in state and (cycle := visit(nxt)) is not None:
                return cycle
        path.pop()
        state[node] = 2
        return None

    for node in sorted(graph):
        if node not in state and (cycle := visit(node)) is not None:
            return cycle
    return None


def test_find_cycle_finds_one() -> None:
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert find_cycle({"a": {"b"}, "b": set()}) is None


def test_the_linux_layer_has_no_import_cycle() -> None:
    graph = {p.stem: imports_of(p) for p in LINUX.glob("*.py") if p.stem != "__init__"}
    assert "base" in graph["sys_files"]  # the graph is read
    assert find_cycle(graph) is None


def test_no_subsystem_imports_the_class_it_is_part_of() -> None:
    for p in LINUX.glob("sys_*.py"):
        assert "syscalls" not in imports_of(p), p.name
