"""The import graph of flickrsync has no arrow across the walls between its rooms.

Read with ``ast`` from the source (every import counts: top level, inside functions, under
``TYPE_CHECKING``). A rule names importers and what they must not import; a module matches a
name when it is that module or inside it (``index`` covers a package ``index.schema``). Each rule
must still name modules that exist, so a rename cannot leave it checking nothing.

The scanner room's wall is transitive: ``localfs`` (the walk) and ``statkey`` (the stored byte
format) never reach the index, not even through another module.
"""

from __future__ import annotations

import ast
import functools
from pathlib import Path

import pytest

import flickrsync

PACKAGE = Path(flickrsync.__file__).parent

#: (importers, must not import, why)
RULES: list[tuple[frozenset[str], frozenset[str], str]] = [
    (
        frozenset({"client", "wire", "listing", "oauth"}),
        frozenset({"config"}),
        "the client room takes plain values; only accounts turns Settings into clients",
    ),
    (
        frozenset({"client", "wire", "listing", "oauth", "parse", "transfers"}),
        frozenset(
            {"index", "localfs", "fingerprint", "matcher", "planner", "photosets", "sync", "executor"}
            | {"accounts", "status", "cli", "lock"}
        ),
        "the client room talks to Flickr only: it neither reads the library nor plans nor runs",
    ),
    (
        frozenset(
            {
                "models",
                "tags",
                "matcher",
                "planner",
                "photosets",
                "parse",
                "listing",
                "changes",
                "choosing",
                "planfile",
            }
        ),
        frozenset({"client", "wire", "oauth", "transfers", "accounts", "config", "index", "localfs"})
        | frozenset({"sync", "executor", "lock", "status", "cli"}),
        "the core is pure: plain data in, plain data out, no I/O room behind it",
    ),
    (
        frozenset({"review.page", "review.thumbs", "review.server"}),
        frozenset({"index", "sync", "executor", "planrun", "lock"}),
        "the review server's request threads touch no index: only its session's job does",
    ),
]


def module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imports_of(path: Path, name: str) -> set[str]:
    """The flickrsync modules ``path`` (module ``name``) imports, relative to the package."""
    package = name.split(".") if path.name == "__init__.py" else name.split(".")[:-1]
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = ".".join(["flickrsync", *package[: len(package) - node.level + 1]])
                module = f"{base}.{node.module}" if node.module else base
            else:
                module = node.module or ""
            # ``from flickrsync import config`` imports the module flickrsync.config; from any
            # other module, the names are inside it (a rule on it covers them).
            names = [f"{module}.{alias.name}" for alias in node.names] if module == "flickrsync" else []
            targets = [module, *names]
        else:
            continue
        found.update(t.removeprefix("flickrsync.") for t in targets if t.startswith("flickrsync."))
    return found


@functools.cache
def graph() -> dict[str, set[str]]:
    return {module_name(p): imports_of(p, module_name(p)) for p in sorted(PACKAGE.rglob("*.py"))}


def within(module: str, names: frozenset[str]) -> bool:
    return any(module == n or module.startswith(f"{n}.") for n in names)


@pytest.mark.parametrize(("importers", "forbidden", "why"), RULES, ids=[r[2].split(":")[0] for r in RULES])
def test_no_arrow_across_a_wall(importers: frozenset[str], forbidden: frozenset[str], why: str) -> None:
    imports = graph()
    missing = sorted(n for n in importers | forbidden if not any(within(m, frozenset({n})) for m in imports))
    assert not missing, f"the rule names modules that do not exist: {missing}"
    arrows = sorted(
        f"{module} -> {dep}"
        for module, deps in imports.items()
        if within(module, importers)
        for dep in deps
        if within(dep, forbidden)
    )
    assert not arrows, f"{why}; found {arrows}"


def test_the_graph_sees_every_import_form(tmp_path: Path) -> None:
    """The reader itself: each way of writing an import is an arrow (else the rules prove little)."""
    source = (
        "import flickrsync.config\n"
        "from flickrsync import index as idx\n"
        "from flickrsync.localfs import ScanConfig\n"
        "def f():\n    from flickrsync.sync import Engine\n"
        "if TYPE_CHECKING:\n    from flickrsync.executor import Executor\n"
    )
    (tmp_path / "x.py").write_text(source, encoding="utf-8")
    found = imports_of(tmp_path / "x.py", "x")
    assert {"config", "index", "localfs", "sync", "executor"} <= found
    assert within("index.schema", frozenset({"index"}))
    assert not within("indexer", frozenset({"index"}))


def reach(start: str) -> set[str]:
    """Every module ``start`` imports, directly or through others."""
    imports = graph()
    seen: set[str] = set()
    todo = [start]
    while todo:
        for dep in imports.get(todo.pop(), set()) - seen:
            seen.add(dep)
            todo.append(dep)
    return seen


@pytest.mark.parametrize("module", ["localfs", "statkey"])
def test_the_walk_and_the_byte_format_never_reach_the_index(module: str) -> None:
    assert module in graph()
    assert "localfs" in graph()["scanner"]
    assert "index" in graph()["scanner"]
    reached = reach(module)
    assert not {m for m in reached if within(m, frozenset({"index"}))}, sorted(reached)


def test_only_the_index_package_speaks_sql() -> None:
    speakers = set()
    for path in sorted(PACKAGE.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
            if isinstance(node, ast.Import) and any(a.name == "sqlite3" for a in node.names):
                speakers.add(module_name(path))
            if isinstance(node, ast.ImportFrom) and node.module == "sqlite3":
                speakers.add(module_name(path))
    assert speakers
    assert {m for m in speakers if not within(m, frozenset({"index"}))} == set()
