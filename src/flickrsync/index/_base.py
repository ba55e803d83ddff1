"""What every part of the index shares: the connection, transactions, ``meta``, and the
conversions between models and stored values (paths as bytes, 64-bit numbers, times)."""

from __future__ import annotations

import sqlite3
import sys
import time
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from flickrsync.errors import DatabaseError, DiskFullError, FlickrsyncError

_U64 = 1 << 64
_S64_MAX = (1 << 63) - 1


#: What ``os.fsencode`` and ``os.fsdecode`` use (fixed at start-up).
_FS_ENCODING, _FS_ERRORS = sys.getfilesystemencoding(), sys.getfilesystemencodeerrors()


def enc(path: str) -> bytes:
    """A path as stored: the bytes the OS uses (any name round-trips, UTF-8 or not), as
    ``os.fsencode`` gives them (without its checks: see :func:`dec`)."""
    return path.encode(_FS_ENCODING, _FS_ERRORS)


def dec(raw: bytes | str) -> str:
    """A stored path as a ``str``, as ``os.fsdecode`` gives it, without that function's own
    checks and look-ups (a read of the whole library decodes every path: they cost more than
    the decoding)."""
    return raw.decode(_FS_ENCODING, _FS_ERRORS) if isinstance(raw, bytes) else raw


def now_s(now: float | None) -> int:
    """Unix seconds as stored: ``now``, or the current time."""
    return int(time.time() if now is None else now)


def s64(value: int) -> int:
    """An unsigned 64-bit number (st_dev, st_ino) as the signed integer SQLite can store."""
    return value - _U64 if value > _S64_MAX else value


def clamp64(value: int) -> int:
    """A signed number as SQLite can store it, clamped to 64 bits (a file time after 2262 or
    before 1677 in nanoseconds; its exact value lives in the stat key)."""
    return max(-_S64_MAX - 1, min(_S64_MAX, value))


def dir_of(relpath: bytes) -> bytes:
    return relpath.rpartition(b"/")[0]


def unusable(path: Path, exc: sqlite3.Error) -> DatabaseError:
    """A file that is no index (damaged, or not SQLite): the advice is to move it aside."""
    return DatabaseError(
        f"{path}: not a usable index: {exc}",
        hint="move the file aside; the next scan rebuilds it (nothing on Flickr is lost)",
    )


def failure(path: Path, exc: sqlite3.Error, doing: str) -> FlickrsyncError | None:
    """What an SQLite error met while ``doing`` something with the index at ``path`` means for
    the user, decided by SQLite's result code, never by the message: a full disk (the index is
    intact: free some space), a damaged file (move it aside), a file that cannot be written or
    is busy; None for any other error (a bug: it stays an internal error)."""
    name = getattr(exc, "sqlite_errorname", "") or ""
    if name.startswith("SQLITE_FULL"):
        return DiskFullError(
            str(path), f"cannot {doing} the index: the disk is full", hint="free some space and run again"
        )
    if name.startswith(("SQLITE_CORRUPT", "SQLITE_NOTADB")):
        return unusable(path, exc)
    if name.startswith(("SQLITE_IOERR", "SQLITE_READONLY", "SQLITE_CANTOPEN", "SQLITE_PERM", "SQLITE_AUTH")):
        return DatabaseError(
            f"{path}: cannot {doing} the index: {exc}",
            hint="check the file, its folder and their permissions",
        )
    if name.startswith(("SQLITE_BUSY", "SQLITE_LOCKED")):
        return DatabaseError(
            f"{path}: the index is busy: {exc}", hint="another program holds it open; try again later"
        )
    return None


#: Values per multi-row INSERT (:meth:`IndexBase.insert_rows`): SQLite's limit before 3.32.
VALUES_PER_STATEMENT = 999


class IndexBase:
    """The open connection and what every part of the index does with it. Not thread-safe: use
    it from the thread that opened it."""

    def __init__(self, conn: sqlite3.Connection, path: Path) -> None:
        self._conn = conn
        self.path = path
        self._root_ids: dict[str, int] = {}

    @contextmanager
    def transaction(self, *, durable: bool = False) -> Iterator[None]:
        """Group writes into one transaction (nested calls join the outer one).

        ``durable``: the commit is synced to disk before returning (``synchronous=FULL``), so it
        survives a power cut; journals and remote state use it. Scan results do not need it (a
        lost batch is simply read again), and skipping the sync keeps a cold scan's writes out of
        the way of its reads.
        """
        if self._conn.in_transaction:
            yield
            return
        try:
            if durable:
                self._conn.execute("PRAGMA synchronous=FULL")
            try:
                self._conn.execute("BEGIN IMMEDIATE")
                try:
                    yield
                except BaseException:
                    self._rollback()
                    raise
                self._conn.execute("COMMIT")
            finally:
                if durable:
                    self._conn.execute("PRAGMA synchronous=NORMAL")
        except sqlite3.Error as exc:
            known = failure(self.path, exc, "write")
            if known is None:
                raise
            raise known from exc

    def insert_rows(
        self,
        table: str,
        columns: Sequence[str],
        rows: Iterable[Sequence[Any]],
        *,
        or_: str = "",
        upsert: str = "",
    ) -> None:
        """Insert ``rows`` into ``table`` (a table of the index's making), many per statement.

        ``executemany`` runs one statement per row, and each hands the interpreter over to other
        threads and waits to get it back: with look-up threads busy (identify's rendition
        fetches), tens of thousands of rows cost seconds of waiting. A statement of up to
        :data:`VALUES_PER_STATEMENT` values hands it over once.
        ``upsert``: an ``ON CONFLICT`` clause (applied row by row, in order, as separate
        statements would)."""
        width = len(columns)
        per_statement = max(1, VALUES_PER_STATEMENT // width)
        head = f"INSERT {or_} INTO {table}({', '.join(columns)}) VALUES "  # noqa: S608 - our names
        one = "(" + ", ".join("?" * width) + ")"
        batch: list[Any] = []
        count = 0
        for row in rows:
            batch.extend(row)
            count += 1
            if count == per_statement:
                self._conn.execute(head + ", ".join([one] * count) + upsert, batch)
                batch, count = [], 0
        if count:
            self._conn.execute(head + ", ".join([one] * count) + upsert, batch)

    def _rollback(self) -> None:
        if self._conn.in_transaction:  # SQLite may have rolled back already (a full disk)
            self._conn.execute("ROLLBACK")

    # -- meta --------------------------------------------------------------------------------

    def get_meta(self, key: str) -> str | None:
        row = self._conn.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return None if row is None else str(row[0])

    def set_meta(self, key: str, value: str) -> None:
        with self.transaction():
            self._conn.execute(
                "INSERT INTO meta(key, value) VALUES (?, ?) "
                "ON CONFLICT(key) DO UPDATE SET value = excluded.value",
                (key, value),
            )
