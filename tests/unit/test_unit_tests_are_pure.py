"""Unit tests stay pure and fast (issue 10 point 6): no SQLite, no process pool, no CLI run, no
emulator. Tests that need one of those live in tests/integration (a component against real I/O)
or tests/scenarios (a user's story end to end)."""

from __future__ import annotations

import ast
from pathlib import Path

UNIT = Path(__file__).parent

#: Modules a unit test must not import (directly), and why.
FORBIDDEN = {
    "sqlite3": "SQLite",
    "flickrsync.index": "SQLite",
    "flickrsync.scanner": "the scanner writes the index and starts process pools",
    "flickrsync.workpool": "process pools",
    "multiprocessing": "process pools",
    "flickrsync.cli": "CLI runs",
    "flickrsync.sync": "the engine (index, pools, network)",
    "flickrsync.executor": "the engine's threads and index",
    "fakeflickr.server": "the emulator over HTTP",
    "fakeflickr.testing": "the emulator over HTTP",
    "subprocess": "other processes",
}
#: (test module, forbidden import) pairs allowed, and why.
ALLOWED = {
    ("test_fingerprint", "subprocess"): "one fresh interpreter shows which decoders an import loads",
}
FIXTURES = frozenset({"fakeflickr", "shared_ff"})


def test_unit_tests_import_no_io_room() -> None:
    found: list[str] = []
    for path in sorted(UNIT.glob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
        for node in ast.walk(tree):
            names: list[str] = []
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module, *(f"{node.module}.{a.name}" for a in node.names)]
            elif isinstance(node, ast.FunctionDef) and node.name.startswith("test"):
                names = [f"fixture:{a.arg}" for a in node.args.args if a.arg in FIXTURES]
            for name in names:
                bad = next((f for f in FORBIDDEN if name == f or name.startswith(f"{f}.")), None)
                if name.startswith("fixture:"):
                    found.append(f"{path.name}: uses the {name[8:]} fixture (the emulator over HTTP)")
                elif bad is not None and (path.stem, bad) not in ALLOWED:
                    found.append(f"{path.name}: imports {name} ({FORBIDDEN[bad]})")
    assert found == []
