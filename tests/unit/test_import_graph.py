"""The rooms of the house, as the import graph shows them: which module may reach which.

The graph is read from the source with ``ast`` (every ``import``, also those inside functions),
so a lazy import counts as much as one at the top of a module.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[2] / "src"


def _modules() -> dict[str, Path]:
    found = {}
    for path in SRC.rglob("*.py"):
        parts = list(path.relative_to(SRC).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        found[".".join(parts)] = path
    return found


MODULES = _modules()


def _imports(name: str) -> set[str]:
    """The project's modules that ``name`` imports (a module's packages are imported with it)."""
    path = MODULES[name]
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    targets: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            targets.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*anchor, base] if base else anchor)
            targets.add(base)
            targets.update(f"{base}.{alias.name}" for alias in node.names)
    reached = set()
    for target in targets:
        parts = target.split(".")
        for i in range(1, len(parts) + 1):
            prefix = ".".join(parts[:i])
            if prefix in MODULES and prefix != name:
                reached.add(prefix)
    return reached


def _reach(start: str) -> set[str]:
    seen: set[str] = set()
    todo = [start]
    while todo:
        for target in _imports(todo.pop()) - seen:
            seen.add(target)
            todo.append(target)
    return seen


def test_the_graph_is_read_from_the_source() -> None:
    assert "flickrsync.index" in _imports("flickrsync.scanner")
    assert "flickrsync.localfs" in _imports("flickrsync.scanner")
    # A submodule import brings its package along.
    assert {"flickrsync.index", "flickrsync.index.schema"} <= _imports("flickrsync.index.library")


@pytest.mark.parametrize("module", ["flickrsync.localfs", "flickrsync.statkey"])
def test_the_walk_and_the_byte_format_never_reach_the_index(module: str) -> None:
    reached = _reach(module)
    assert not {m for m in reached if m == "flickrsync.index" or m.startswith("flickrsync.index.")}, reached


def test_only_the_index_package_speaks_sql() -> None:
    speakers = set()
    for name, path in MODULES.items():
        if not name.startswith("flickrsync."):
            continue  # fakeflickr is an independent package with its own store
        tree = ast.parse(path.read_text(), str(path))
        for node in ast.walk(tree):
            if isinstance(node, ast.Import) and any(a.name == "sqlite3" for a in node.names):
                speakers.add(name)
            if isinstance(node, ast.ImportFrom) and node.module == "sqlite3":
                speakers.add(name)
    assert speakers
    assert {m for m in speakers if not m.startswith("flickrsync.index")} == set()
