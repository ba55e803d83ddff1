"""The store's foundation: one SQLite database (WAL) under the data dir, its schema, transactions,
id counters, the clock, the persisted :class:`~fakeflickr.state.records.Config`, and the log of
deletions.

Tables: ``meta`` (config, id counters), ``consumers`` (API key/secret), ``users``, ``tokens``
(request and access tokens with perms), ``photos``, ``tags`` (raw/clean, per photo),
``tag_numbers`` (the global number of each clean tag text, last part of a tag id),
``photosets`` + ``set_photos`` (ordered members), ``groups`` + ``group_members`` +
``pool_photos``, ``tickets`` (async uploads/replaces), ``deletions`` (every photo or photoset
that went away, for tests to assert on), ``deleted_files`` (size and MD5 of deleted photos'
originals: ``dedup_check`` still knows them).

Ids are shaped as on Flickr: photo ids 11 digits, photoset ids 17 digits starting ``72157``, NSIDs
``<digits>@N<2 digits>``, secrets 10 hex, tokens ``<17 digits>-<16 hex>`` with 16-hex secrets,
tag ids ``<owner's user number>-<photo id>-<tag number>``, tickets ``<user number>-<17 digits>``.

Concurrency: one connection shared by all threads, guarded by one re-entrant lock; every request
that reads or writes runs inside :meth:`StoreBase.tx` (``BEGIN IMMEDIATE`` ... ``COMMIT``), so
writes are serialised and a request sees a consistent state.
"""

from __future__ import annotations

import json
import secrets
import sqlite3
import threading
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import fields
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from fakeflickr.state.blobs import BlobStore
from fakeflickr.state.records import Config
from fakeflickr.text import format_taken

SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS consumers (key TEXT PRIMARY KEY, secret TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS users (
    nsid TEXT PRIMARY KEY,
    num INTEGER UNIQUE NOT NULL,
    username TEXT UNIQUE NOT NULL,
    fullname TEXT NOT NULL DEFAULT '',
    realname TEXT NOT NULL DEFAULT '',
    location TEXT NOT NULL DEFAULT '',
    path_alias TEXT,
    is_pro INTEGER NOT NULL DEFAULT 1,
    item_limit INTEGER,
    filesize_max INTEGER NOT NULL,
    videosize_max INTEGER NOT NULL,
    default_is_public INTEGER NOT NULL DEFAULT 1,
    default_is_friend INTEGER NOT NULL DEFAULT 0,
    default_is_family INTEGER NOT NULL DEFAULT 0,
    created INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS tokens (
    token TEXT PRIMARY KEY,
    secret TEXT NOT NULL,
    kind TEXT NOT NULL,              -- request | access
    consumer_key TEXT NOT NULL,
    user_nsid TEXT,
    perms TEXT,
    callback TEXT,
    verifier TEXT,
    state TEXT NOT NULL,             -- request: new|authorized|used; access: active|revoked
    created INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS photos (
    id INTEGER PRIMARY KEY,
    owner TEXT NOT NULL,
    secret TEXT NOT NULL,
    originalsecret TEXT NOT NULL,
    server TEXT NOT NULL,
    farm INTEGER NOT NULL,
    title TEXT NOT NULL,
    description TEXT NOT NULL,
    ispublic INTEGER NOT NULL,
    isfriend INTEGER NOT NULL,
    isfamily INTEGER NOT NULL,
    safety_level INTEGER NOT NULL,
    content_type INTEGER NOT NULL,
    hidden INTEGER NOT NULL,
    license TEXT NOT NULL,
    perm_comment INTEGER NOT NULL,
    perm_addmeta INTEGER NOT NULL,
    dateupload INTEGER NOT NULL,
    lastupdate INTEGER NOT NULL,
    datetaken TEXT NOT NULL,
    takengranularity INTEGER NOT NULL,
    takenunknown INTEGER NOT NULL,
    media TEXT NOT NULL,
    originalformat TEXT NOT NULL,
    width INTEGER NOT NULL,
    height INTEGER NOT NULL,
    rotation INTEGER NOT NULL DEFAULT 0,
    views INTEGER NOT NULL DEFAULT 0,
    duration INTEGER,
    file_path TEXT,
    file_size INTEGER,
    file_md5 TEXT,
    searchable_at INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX IF NOT EXISTS photos_owner_upload ON photos (owner, dateupload, id);
CREATE INDEX IF NOT EXISTS photos_owner_update ON photos (owner, lastupdate, id);
CREATE INDEX IF NOT EXISTS photos_owner_taken ON photos (owner, datetaken, id);
-- dedup_check looks a file up by its bytes: without it every upload read all the owner's photos
-- (146 ms an upload in a 100,000-photo account, under the store's one lock).
CREATE INDEX IF NOT EXISTS photos_owner_md5 ON photos (owner, file_md5);
CREATE TABLE IF NOT EXISTS tags (
    seq INTEGER PRIMARY KEY,
    photo_id INTEGER NOT NULL,
    author TEXT NOT NULL,
    raw TEXT NOT NULL,
    clean TEXT NOT NULL,
    machine INTEGER NOT NULL,
    num INTEGER NOT NULL,
    UNIQUE (photo_id, clean)
);
CREATE INDEX IF NOT EXISTS tags_clean ON tags (clean, photo_id);
CREATE TABLE IF NOT EXISTS tag_numbers (clean TEXT PRIMARY KEY, num INTEGER UNIQUE NOT NULL);
CREATE TABLE IF NOT EXISTS photosets (
    id INTEGER PRIMARY KEY,
    owner TEXT NOT NULL,
    title TEXT NOT NULL,
    description TEXT NOT NULL,
    primary_id INTEGER NOT NULL,
    date_create INTEGER NOT NULL,
    date_update INTEGER NOT NULL,
    sort_key INTEGER NOT NULL,
    views INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE IF NOT EXISTS set_photos (
    set_id INTEGER NOT NULL,
    photo_id INTEGER NOT NULL,
    position INTEGER NOT NULL,
    PRIMARY KEY (set_id, photo_id)
);
CREATE INDEX IF NOT EXISTS set_photos_photo ON set_photos (photo_id);
CREATE INDEX IF NOT EXISTS set_photos_order ON set_photos (set_id, position);
CREATE TABLE IF NOT EXISTS groups (
    nsid TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    moderated INTEGER NOT NULL DEFAULT 0,
    privacy INTEGER NOT NULL DEFAULT 3,
    eighteenplus INTEGER NOT NULL DEFAULT 0,
    invitation_only INTEGER NOT NULL DEFAULT 0,
    url_name TEXT NOT NULL DEFAULT ''
);
CREATE TABLE IF NOT EXISTS group_members (
    group_nsid TEXT NOT NULL,
    user_nsid TEXT NOT NULL,
    admin INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (group_nsid, user_nsid)
);
CREATE TABLE IF NOT EXISTS pool_photos (
    group_nsid TEXT NOT NULL,
    photo_id INTEGER NOT NULL,
    state TEXT NOT NULL,             -- added | pending
    added INTEGER NOT NULL,
    PRIMARY KEY (group_nsid, photo_id)
);
CREATE TABLE IF NOT EXISTS tickets (
    id TEXT PRIMARY KEY,
    user_nsid TEXT NOT NULL,
    kind TEXT NOT NULL,              -- upload | replace
    complete INTEGER NOT NULL,       -- 0 pending, 1 done, 2 failed
    photo_id INTEGER,
    ready_at REAL NOT NULL,          -- real wall-clock seconds
    created INTEGER NOT NULL,
    imported INTEGER,
    payload TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS deletions (
    seq INTEGER PRIMARY KEY,
    kind TEXT NOT NULL,              -- photo | photoset
    object_id TEXT NOT NULL,
    owner TEXT NOT NULL,
    title TEXT NOT NULL,
    at INTEGER NOT NULL,
    reason TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS deleted_files (
    photo_id INTEGER PRIMARY KEY,
    owner TEXT NOT NULL,
    file_size INTEGER NOT NULL,
    file_md5 TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS deleted_files_md5 ON deleted_files (owner, file_md5);
"""


def chunks(items: Sequence[Any], size: int) -> Iterator[Sequence[Any]]:
    """``items`` in slices of at most ``size`` (SQLite's limit on bound parameters)."""
    for start in range(0, len(items), size):
        yield items[start : start + size]


class StoreBase:
    """The database, the blob store, the config and the clock; the rooms of the store
    (:mod:`fakeflickr.state.store`) build on it."""

    def __init__(self, data_dir: Path) -> None:
        self.data_dir = data_dir
        self.blobs = BlobStore(data_dir)
        self.lock = threading.RLock()
        self._depth = 0
        self.db = sqlite3.connect(
            data_dir / "fakeflickr.db", check_same_thread=False, isolation_level=None, timeout=30
        )
        self.db.row_factory = sqlite3.Row
        self.db.execute("PRAGMA journal_mode=WAL")
        self.db.execute("PRAGMA synchronous=NORMAL")
        self.db.execute("PRAGMA busy_timeout=30000")
        self.db.executescript(SCHEMA)
        self.config = Config()
        stored = self._meta_get("config")
        if stored:
            known = {f.name for f in fields(Config)}
            self.config.update({k: v for k, v in json.loads(stored).items() if k in known})

    def close(self) -> None:
        with self.lock:
            self.db.close()

    @contextmanager
    def tx(self) -> Iterator[sqlite3.Connection]:
        """Run the block in one transaction (re-entrant: nested blocks join the outer one)."""
        with self.lock:
            if self._depth:
                self._depth += 1
                try:
                    yield self.db
                finally:
                    self._depth -= 1
                return
            self.db.execute("BEGIN IMMEDIATE")
            self._depth = 1
            try:
                yield self.db
            except BaseException:
                self._depth = 0
                self.db.execute("ROLLBACK")
                raise
            self._depth = 0
            self.db.execute("COMMIT")

    def read_one(self, sql: str, params: Sequence[Any]) -> sqlite3.Row | None:
        """The first row of one read-only statement: under the lock, but without a write
        transaction of its own (one statement is atomic by itself; inside a transaction of
        this thread it sees what the transaction changed). A static file's photo is looked up
        this way: ``BEGIN IMMEDIATE`` and ``COMMIT`` around it were two thirds of its cost."""
        with self.lock:
            row: sqlite3.Row | None = self.db.execute(sql, params).fetchone()
            return row

    def _update_columns(
        self, table: str, key_column: str, key: object, values: dict[str, Any], allowed: set[str]
    ) -> None:
        """UPDATE whitelisted columns of one row (names never come from a request)."""
        for column, value in values.items():
            if column not in allowed:
                raise KeyError(column)
            self.db.execute(f"UPDATE {table} SET {column} = ? WHERE {key_column} = ?", (value, key))  # noqa: S608

    def _meta_get(self, key: str) -> str | None:
        row = self.db.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return None if row is None else str(row[0])

    def _meta_set(self, key: str, value: str) -> None:
        self.db.execute("INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)", (key, value))

    def set_config(self, values: dict[str, Any]) -> Config:
        with self.tx():
            self.config.update(values)
            self._meta_set("config", json.dumps(self.config.to_json()))
            return self.config

    def now(self) -> int:
        """Flickr's "now" for the dates it stamps (posted, lastupdate): real time unless a test
        set the clock."""
        if self.config.clock is not None:
            return int(self.config.clock)
        return int(time.time() + self.config.clock_offset)

    def local_time(self, ts: int) -> str:
        """Unix seconds rendered as wall-clock time in the configured zone (date taken default)."""
        return format_taken(datetime.fromtimestamp(ts, UTC).astimezone(ZoneInfo(self.config.timezone)))

    def _counter(self, key: str, start: int, step: int = 1) -> int:
        current = self._meta_get(key)
        value = start if current is None else int(current) + step
        self._meta_set(key, str(value))
        return value

    def _long_id(self) -> str:
        return f"72157{secrets.randbelow(10**12):012d}"

    # --- deletions ----------------------------------------------------------------------------------

    def _log_deletion(self, kind: str, object_id: str, owner: str, title: str, reason: str) -> None:
        self.db.execute(
            "INSERT INTO deletions (kind, object_id, owner, title, at, reason) VALUES (?, ?, ?, ?, ?, ?)",
            (kind, object_id, owner, title, self.now(), reason),
        )

    def deleted_file(self, owner: str, md5: str, size: int) -> int | None:
        """The id of a deleted photo of ``owner`` whose original had these bytes (newest first)."""
        with self.tx() as db:
            row = db.execute(
                "SELECT photo_id FROM deleted_files WHERE owner = ? AND file_md5 = ? AND file_size = ?"
                " ORDER BY photo_id DESC LIMIT 1",
                (owner, md5, size),
            ).fetchone()
            return None if row is None else int(row[0])

    def deletions(self) -> list[dict[str, Any]]:
        with self.tx() as db:
            return [dict(r) for r in db.execute("SELECT * FROM deletions ORDER BY seq")]
