"""What every part of the index shares: the connection, transactions, ``meta``, and the
conversions between models and stored values (paths as bytes, 64-bit numbers, times)."""

from __future__ import annotations

import os
import sqlite3
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

_U64 = 1 << 64
_S64_MAX = (1 << 63) - 1


def enc(path: str) -> bytes:
    """A path as stored: the bytes the OS uses (any name round-trips, UTF-8 or not)."""
    return os.fsencode(path)


def dec(raw: bytes | str) -> str:
    return os.fsdecode(raw)


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
        if durable:
            self._conn.execute("PRAGMA synchronous=FULL")
        try:
            self._conn.execute("BEGIN IMMEDIATE")
            try:
                yield
            except BaseException:
                self._conn.execute("ROLLBACK")
                raise
            self._conn.execute("COMMIT")
        finally:
            if durable:
                self._conn.execute("PRAGMA synchronous=NORMAL")

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
