"""The import graph of flickrsync has no arrow across the walls between its rooms.

Read with ``ast`` from the source (every import counts: top level, inside functions, under
``TYPE_CHECKING``). A rule names importers and what they must not import; a module matches a
name when it is that module or inside it (``index`` covers a package ``index.schema``). Each rule
must still name modules that exist, so a rename cannot leave it checking nothing.

The scanner room's wall is transitive: ``localfs`` (the walk) and ``statkey`` (the stored byte
format) never reach the index, not even through another module.

Which room may do which I/O (docs/architecture.md): threads only in the executor, processes only
in workpool, the network (httpx) only in the client room, SQL only in the index, argv/stdio
(click) only in the CLI; these count imports at run time (a type under ``TYPE_CHECKING`` does no
I/O). Writes into the pictures tree: tests/unit/test_library_writes.py.
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
        frozenset({"client", "wire", "statichttp", "listing", "oauth"}),
        frozenset({"config"}),
        "the client room takes plain values; only accounts turns Settings into clients",
    ),
    (
        frozenset({"client", "wire", "statichttp", "listing", "oauth", "parse", "transfers"}),
        frozenset(
            {"index", "localfs", "fingerprint", "matcher", "planner", "photosets", "sync", "executor"}
            | {"accounts", "status", "cli", "lock", "library", "downloads", "changes", "runstate", "verify"}
            | {"sentfile", "uploading"}
        ),
        "the client room talks to Flickr only: it neither reads nor writes the library, nor plans nor runs",
    ),
    (
        frozenset({"library"}),
        frozenset({"index", "client", "wire", "transfers", "localfs", "scanner", "fingerprint", "config"})
        | frozenset({"sync", "executor", "downloads", "accounts", "cli", "lock", "runstate", "verify"})
        | frozenset({"sentfile", "uploading"}),
        "the library writes files it is asked to write: it neither reads pictures, talks, nor records",
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
        frozenset({"client", "wire", "statichttp", "oauth", "transfers", "accounts", "config", "index"})
        | frozenset({"localfs"})
        | frozenset(
            {"sync", "executor", "lock", "status", "cli", "library", "downloads", "runstate", "verify"}
        )
        | frozenset({"sentfile", "uploading"}),
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


# --- which room may do which I/O (docs/architecture.md) -------------------------------------

#: Standard modules that run work concurrently, and the rooms that may import them (outside
#: ``if TYPE_CHECKING:``), with why.
CONCURRENCY = frozenset({"concurrent.futures", "multiprocessing", "queue", "_thread", "asyncio"})
CONCURRENCY_ROOMS: dict[str, str] = {
    "executor": "threads: transfers, look-ups (checkers), the background listing",
    "workpool": "processes: the scanner's reads, hashes and decodes are CPU work, which threads would "
    "run on one core (the GIL); generic, it knows no files, localfs says what a batch does",
}
#: What any module may use of ``threading``: locks and per-thread data for objects the
#: executor's threads share (the rate budget, the wire's counters, the fingerprint's scratch
#: buffers), never a thread of its own. ``active_count``: workpool picks fork only without threads.
#: ``Event``: a flag another thread reads (identify tells its rendition fetches to stop early).
THREADING_SHARED = frozenset({"Lock", "RLock", "Event", "local", "active_count", "get_ident"})
#: Rooms that may import a third-party or standard module, and why.
ONLY: dict[str, tuple[frozenset[str], str]] = {
    "httpx": (
        frozenset({"wire", "statichttp", "client", "transfers", "accounts", "retry"}),
        "the network is the client room's (accounts makes the shared client, retry classifies its errors)",
    ),
    "sqlite3": (frozenset({"index"}), "SQL is the index's"),
    "click": (frozenset({"cli"}), "argv, stdio and exit codes are the CLI's"),
}


def _runtime_imports(path: Path) -> set[str]:
    """Every module ``path`` imports, except under ``if TYPE_CHECKING:`` (types only)."""
    tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
    skipped: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            skipped |= {id(n) for child in node.body for n in ast.walk(child)}
    found: set[str] = set()
    for node in ast.walk(tree):
        if id(node) in skipped:
            continue
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and not node.level and node.module:
            found.add(node.module)
    return found


def _modules() -> dict[str, Path]:
    return {module_name(p): p for p in sorted(PACKAGE.rglob("*.py"))}


def _top(name: str) -> str:
    """``concurrent.futures.thread`` -> ``concurrent.futures``; ``os.path`` -> ``os``."""
    found = [c for c in CONCURRENCY if name == c or name.startswith(f"{c}.")]
    return found[0] if found else name.split(".", maxsplit=1)[0]


def test_only_the_executor_runs_threads_and_workpool_processes() -> None:
    users = {
        module: sorted({_top(name) for name in _runtime_imports(path)} & CONCURRENCY)
        for module, path in _modules().items()
    }
    users = {module: names for module, names in users.items() if names}
    assert set(CONCURRENCY_ROOMS) <= set(users), "each concurrency room still runs work"
    assert {m: n for m, n in users.items() if m not in CONCURRENCY_ROOMS} == {}


def test_threading_elsewhere_is_locks_and_thread_local_data_only() -> None:
    uses: dict[str, set[str]] = {}
    for module, path in _modules().items():
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
            if (
                isinstance(node, ast.Attribute)
                and isinstance(node.value, ast.Name)
                and node.value.id == "threading"
            ):
                uses.setdefault(module, set()).add(node.attr)
            if isinstance(node, ast.ImportFrom) and node.module == "threading":
                uses.setdefault(module, set()).update(alias.name for alias in node.names)
    assert uses, "the reader finds threading where it is used"
    beyond = {m: sorted(names - THREADING_SHARED) for m, names in uses.items() if m not in CONCURRENCY_ROOMS}
    assert {m: n for m, n in beyond.items() if n} == {}


@pytest.mark.parametrize("library", sorted(ONLY))
def test_a_library_of_one_room_is_imported_there_only(library: str) -> None:
    rooms, why = ONLY[library]
    importers = {
        module
        for module, path in _modules().items()
        if any(name == library or name.startswith(f"{library}.") for name in _runtime_imports(path))
    }
    assert importers, f"nobody imports {library}: the rule checks nothing"
    assert {m for m in importers if not within(m, rooms)} == set(), why


def test_the_runtime_reader_skips_type_only_imports(tmp_path: Path) -> None:
    source = (
        "from typing import TYPE_CHECKING\nimport threading\nif TYPE_CHECKING:\n"
        "    from concurrent.futures import Executor\nfrom queue import Queue\n"
    )
    (tmp_path / "x.py").write_text(source, encoding="utf-8")
    assert _runtime_imports(tmp_path / "x.py") == {"typing", "threading", "queue"}
