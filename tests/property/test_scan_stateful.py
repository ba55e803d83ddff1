"""Stateful property: whatever happens to the library between scans, an incremental scan leaves
the index exactly as a scan into an empty index would, and never reads an unchanged file."""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path
from typing import Any, BinaryIO

import pytest
from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule

from flickrsync import fingerprint
from flickrsync.index import Index
from flickrsync.localfs import ScanConfig, ScanTuning
from flickrsync.scanner import scan_library
from tests.pictures import make_jpeg

FOLDERS = ("", "a", "a/b", "c")
NAMES = ("x.jpg", "y.JPG", "z.jpeg")


def _pool() -> list[bytes]:
    out = []
    with tempfile.TemporaryDirectory() as tmp:
        for seed in range(5):
            out.append(make_jpeg(Path(tmp) / f"{seed}.jpg", seed + 1, size=(24, 16)).read_bytes())
    return out


CONTENTS = _pool()


class Library(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.tmp = Path(tempfile.mkdtemp(prefix="flickrsync-stateful-"))
        self.root = self.tmp / "lib"
        self.root.mkdir()
        self.db = self.tmp / "index.db"
        self.config = ScanConfig(roots=(str(self.root),), tuning=ScanTuning(workers=1))
        self.clock = 1_600_000_000
        self.reads: list[str] = []
        self.original = fingerprint.fingerprint_stream

    def teardown(self) -> None:
        shutil.rmtree(self.tmp, ignore_errors=True)

    # -- helpers -----------------------------------------------------------------------------

    def files(self) -> list[Path]:
        return sorted(p for p in self.root.rglob("*") if p.is_file())

    def write(self, path: Path, content: int) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(CONTENTS[content])
        self.clock += 7
        os.utime(path, ns=(self.clock * 10**9, self.clock * 10**9))

    def scan(self, db: Path) -> dict[str, str | None]:
        def counting(stream: BinaryIO, *, size: int | None = None) -> Any:
            self.reads.append(os.readlink(f"/proc/self/fd/{stream.fileno()}"))
            return self.original(stream, size=size)

        fingerprint.fingerprint_stream = counting
        try:
            with Index.open(db) as index:
                scan_library(index, self.config)
                return {
                    f.path.relpath: f.fingerprint.content_id if f.fingerprint else None for f in index.files()
                }
        finally:
            fingerprint.fingerprint_stream = self.original

    # -- what users do to their pictures -----------------------------------------------------

    @rule(folder=st.sampled_from(FOLDERS), name=st.sampled_from(NAMES), content=st.integers(0, 4))
    def add(self, folder: str, name: str, content: int) -> None:
        self.write(self.root / folder / name, content)

    @precondition(lambda self: self.files())
    @rule(data=st.data(), folder=st.sampled_from(FOLDERS), name=st.sampled_from(NAMES))
    def copy_or_move(self, data: st.DataObject, folder: str, name: str) -> None:
        source = data.draw(st.sampled_from(self.files()))
        target = self.root / folder / name
        if target == source:
            return
        target.parent.mkdir(parents=True, exist_ok=True)
        how = data.draw(st.sampled_from(["copy", "move", "link"]))
        if target.exists():
            target.unlink()
        if how == "copy":
            shutil.copy2(source, target)
        elif how == "move":
            os.rename(source, target)
        else:
            os.link(source, target)

    @precondition(lambda self: self.files())
    @rule(data=st.data(), content=st.integers(0, 4))
    def rewrite(self, data: st.DataObject, content: int) -> None:
        path = data.draw(st.sampled_from(self.files()))
        path.unlink()  # replace, as editors do: a new inode
        self.write(path, content)

    @precondition(lambda self: self.files())
    @rule(data=st.data())
    def delete(self, data: st.DataObject) -> None:
        data.draw(st.sampled_from(self.files())).unlink()

    @rule(folder=st.sampled_from(FOLDERS[1:]), to=st.sampled_from(("d", "a/e", "f")))
    def rename_folder(self, folder: str, to: str) -> None:
        source, target = self.root / folder, self.root / to
        if source.is_dir() and not target.exists() and not str(target).startswith(str(source) + "/"):
            target.parent.mkdir(parents=True, exist_ok=True)
            os.rename(source, target)

    @rule()
    def drop_index(self) -> None:
        for suffix in ("", "-wal", "-shm"):
            Path(f"{self.db}{suffix}").unlink(missing_ok=True)

    @rule()
    def scan_twice(self) -> None:
        """After a scan, the index equals a fresh scan's, and the next scan reads nothing."""
        incremental = self.scan(self.db)
        self.reads.clear()
        fresh_db = self.tmp / "fresh.db"
        fresh = self.scan(fresh_db)
        for suffix in ("", "-wal", "-shm"):
            Path(f"{fresh_db}{suffix}").unlink(missing_ok=True)
        assert incremental == fresh
        on_disk = {str(p.relative_to(self.root)) for p in self.files()}
        assert set(incremental) == on_disk
        self.reads.clear()
        assert self.scan(self.db) == incremental
        assert self.reads == []

    @invariant()
    def nothing_is_modified(self) -> None:
        for path in self.files():
            assert path.read_bytes() in CONTENTS


Library.TestCase.settings = settings(max_examples=30, stateful_step_count=12, deadline=None)
TestLibrary = pytest.mark.slow(Library.TestCase)
