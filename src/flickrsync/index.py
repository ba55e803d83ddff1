"""SQLite index: schema, migrations, queries and journals. The only module that speaks SQL.

One SQLite file per profile (``Settings.database``). It holds what flickrsync knows between runs:
the local library (files, pictures, perceptual hashes), each Flickr account's photos and
photosets, the links between local pictures and Flickr photos, and the upload/download journals
that make a killed run safe to repeat. Callers get and give models (``flickrsync.models``); no SQL
or ``sqlite3`` object leaves this module. The file format is documented in ``docs/index-format.md``.

Rules kept here:

* The file is shared with flickrsync 0.1.1, which used the same name in the same home dir with the
  tables ``FlickrPhotos``, ``LocalPhotos`` (and temporary ``FlickrPhotosets``, ``Search``) and
  indexes ``idx_*``. No name of ours collides with those (SQLite names are case-insensitive), and
  we never read, change or drop theirs.
* The schema changes only through the named migrations in :data:`MIGRATIONS`, applied in order,
  each in one transaction that also bumps ``PRAGMA user_version`` and records its name in
  ``schema_migration``. Never drop and rebuild.
* WAL journal, foreign keys on. Journals and remote state are committed with ``synchronous=FULL``
  (a committed upload intent survives a power cut); scan results with ``NORMAL`` (never corrupt,
  at worst the last batches are read again). Every write method is one transaction unless called
  inside :meth:`Index.transaction`.
* Paths are stored as bytes (``os.fsencode``), so any file name the OS gives round-trips,
  including names that are not valid UTF-8. Models carry them as ``str`` (``os.fsdecode``).
* Remote rows are scoped by the account's NSID: two accounts never mix, even in one file.
* Deleting the file is harmless: the next scan rebuilds the local side, and the sync engine
  relinks Flickr photos from their machine tags.
"""

from __future__ import annotations

import dataclasses
import json
import logging
import os
import sqlite3
import struct
import time
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, cast

from flickrsync.errors import DatabaseError
from flickrsync.models import (
    Account,
    ContentId,
    DownloadIntent,
    FileStat,
    Fingerprint,
    IdKind,
    LibraryCounts,
    Link,
    LocalFile,
    LocalPath,
    LocalPicture,
    Media,
    Nsid,
    PhotoId,
    Photoset,
    PhotosetId,
    ProblemKind,
    RemotePhoto,
    SyncState,
    UploadIntent,
)

log = logging.getLogger("flickrsync.index")

#: ``(root id, relpath bytes) -> (file id, dev, ino, size, mtime_ns, problem kind)`` for every
#: file in the index (see :meth:`Index.stat_rows`).
StatRow = tuple[int, int, int, int, int, str | None]

#: A file's (dev, ino, size, mtime_ns) packed into 32 bytes: one value to compare per file on a
#: re-scan (see :meth:`Index.dir_manifests`). ``STAT_KEY.pack(dev, ino, size, mtime_ns)``.
STAT_KEY = struct.Struct("<QQqq")

_U64 = 1 << 64
_S64_MAX = (1 << 63) - 1


def manifest(entries: list[bytes]) -> bytes:
    """A folder's manifest from its entries ``name + b"\\0" + stat key`` (sorted here, in place):
    equal manifests mean the same pictures with the same stats."""
    entries.sort()
    return b"".join(entries)


def _dir_of(relpath: bytes) -> bytes:
    return relpath.rpartition(b"/")[0]


def stat_key(stat: FileStat) -> bytes:
    """The packed form of a file's stat, as folder manifests hold it."""
    return STAT_KEY.pack(stat.dev, stat.ino, stat.size, stat.mtime_ns)


def _s64(value: int) -> int:
    """An unsigned 64-bit number (st_dev, st_ino) as the signed integer SQLite can store."""
    return value - _U64 if value > _S64_MAX else value


def _u64(value: int) -> int:
    return value + _U64 if value < 0 else value


#: Whole-file digests the index can keep per file.
DIGESTS = ("md5", "sha1", "sha256")


# --- schema ----------------------------------------------------------------------------------

_SCHEMA_1 = (
    """CREATE TABLE schema_migration (
        name TEXT PRIMARY KEY,
        applied_at INTEGER NOT NULL
    )""",
    """CREATE TABLE meta (
        key TEXT PRIMARY KEY,
        value TEXT NOT NULL
    )""",
    # -- local side
    """CREATE TABLE local_root (
        id INTEGER PRIMARY KEY,
        path BLOB NOT NULL UNIQUE
    )""",
    """CREATE TABLE local_picture (
        content_id TEXT PRIMARY KEY,
        id_kind TEXT NOT NULL,
        media TEXT NOT NULL,
        format TEXT NOT NULL,
        width INTEGER,
        height INTEGER,
        phash TEXT,
        phash_error TEXT,
        origin_nsid TEXT,
        origin_photo_id TEXT,
        first_seen INTEGER NOT NULL
    )""",
    """CREATE TABLE local_file (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        root_id INTEGER NOT NULL REFERENCES local_root(id),
        relpath BLOB NOT NULL,
        dev INTEGER NOT NULL,
        ino INTEGER NOT NULL,
        size INTEGER NOT NULL,
        mtime_ns INTEGER NOT NULL,
        stat_key BLOB NOT NULL,
        content_id TEXT REFERENCES local_picture(content_id),
        id_kind TEXT,
        media TEXT,
        format TEXT,
        width INTEGER,
        height INTEGER,
        orientation INTEGER,
        date_taken TEXT,
        subsec TEXT,
        tz_offset TEXT,
        warnings TEXT NOT NULL DEFAULT '[]',
        md5 TEXT,
        sha1 TEXT,
        sha256 TEXT,
        problem TEXT,
        problem_kind TEXT,
        scanned_at INTEGER NOT NULL,
        CHECK ((content_id IS NULL) <> (problem IS NULL)),
        UNIQUE (root_id, relpath)
    )""",
    """CREATE TABLE local_dir (
        root_id INTEGER NOT NULL REFERENCES local_root(id),
        relpath BLOB NOT NULL,
        manifest BLOB,
        PRIMARY KEY (root_id, relpath)
    ) WITHOUT ROWID""",
    "CREATE INDEX local_file_inode ON local_file(dev, ino)",
    "CREATE INDEX local_file_content ON local_file(content_id)",
    "CREATE INDEX local_file_media ON local_file(media, content_id) WHERE content_id IS NOT NULL",
    "CREATE INDEX local_file_problem ON local_file(problem_kind) WHERE problem_kind IS NOT NULL",
    # -- remote side, scoped by account
    """CREATE TABLE account (
        nsid TEXT PRIMARY KEY,
        username TEXT NOT NULL DEFAULT '',
        fullname TEXT NOT NULL DEFAULT '',
        last_update INTEGER,
        listed_at INTEGER,
        synced_at INTEGER
    )""",
    """CREATE TABLE remote_photo (
        nsid TEXT NOT NULL REFERENCES account(nsid),
        id TEXT NOT NULL,
        title TEXT NOT NULL,
        secret TEXT NOT NULL,
        server TEXT NOT NULL,
        farm INTEGER NOT NULL,
        description TEXT NOT NULL,
        tags TEXT NOT NULL,
        machine_tags TEXT NOT NULL,
        date_taken TEXT,
        date_taken_unknown INTEGER NOT NULL,
        date_taken_granularity INTEGER NOT NULL,
        date_upload INTEGER NOT NULL,
        last_update INTEGER NOT NULL,
        media TEXT NOT NULL,
        original_format TEXT,
        original_secret TEXT,
        o_width INTEGER,
        o_height INTEGER,
        url_o TEXT,
        url_small TEXT,
        is_public INTEGER NOT NULL,
        is_friend INTEGER NOT NULL,
        is_family INTEGER NOT NULL,
        phash TEXT,
        phash_url TEXT,
        phash_at INTEGER,
        original_cid TEXT,
        original_key TEXT,
        original_at INTEGER,
        PRIMARY KEY (nsid, id)
    ) WITHOUT ROWID""",
    """CREATE TABLE photoset (
        nsid TEXT NOT NULL REFERENCES account(nsid),
        id TEXT NOT NULL,
        title TEXT NOT NULL,
        description TEXT NOT NULL,
        primary_id TEXT NOT NULL,
        photos INTEGER NOT NULL,
        videos INTEGER NOT NULL,
        date_create INTEGER NOT NULL,
        date_update INTEGER NOT NULL,
        position INTEGER NOT NULL,
        folder BLOB,
        PRIMARY KEY (nsid, id)
    ) WITHOUT ROWID""",
    """CREATE TABLE photoset_photo (
        nsid TEXT NOT NULL,
        photoset_id TEXT NOT NULL,
        photo_id TEXT NOT NULL,
        position INTEGER NOT NULL,
        PRIMARY KEY (nsid, photoset_id, photo_id),
        FOREIGN KEY (nsid, photoset_id) REFERENCES photoset(nsid, id) ON DELETE CASCADE
    ) WITHOUT ROWID""",
    "CREATE INDEX photoset_photo_by_photo ON photoset_photo(nsid, photo_id)",
    """CREATE TABLE link (
        nsid TEXT NOT NULL REFERENCES account(nsid),
        photo_id TEXT NOT NULL,
        content_id TEXT NOT NULL,
        rule TEXT NOT NULL,
        linked_at INTEGER NOT NULL,
        PRIMARY KEY (nsid, photo_id),
        UNIQUE (nsid, content_id)
    ) WITHOUT ROWID""",
    "CREATE INDEX link_content ON link(content_id)",
    """CREATE TABLE upload_journal (
        id INTEGER PRIMARY KEY,
        nsid TEXT NOT NULL REFERENCES account(nsid),
        content_id TEXT NOT NULL,
        root BLOB NOT NULL,
        relpath BLOB NOT NULL,
        started_at INTEGER NOT NULL,
        photo_id TEXT,
        finished_at INTEGER,
        error TEXT
    )""",
    "CREATE INDEX upload_journal_open ON upload_journal(nsid) WHERE finished_at IS NULL",
    "CREATE INDEX upload_journal_content ON upload_journal(content_id)",
    """CREATE TABLE download_journal (
        id INTEGER PRIMARY KEY,
        nsid TEXT NOT NULL REFERENCES account(nsid),
        photo_id TEXT NOT NULL,
        root BLOB NOT NULL,
        relpath BLOB NOT NULL,
        temp_relpath BLOB NOT NULL,
        started_at INTEGER NOT NULL,
        finished_at INTEGER,
        content_id TEXT,
        error TEXT
    )""",
    "CREATE INDEX download_journal_open ON download_journal(nsid) WHERE finished_at IS NULL",
    "CREATE INDEX download_journal_content ON download_journal(content_id)",
    """CREATE TABLE group_pool_photo (
        nsid TEXT NOT NULL REFERENCES account(nsid),
        group_id TEXT NOT NULL,
        photo_id TEXT NOT NULL,
        added_at INTEGER NOT NULL,
        PRIMARY KEY (nsid, group_id, photo_id)
    ) WITHOUT ROWID""",
)


#: :meth:`Index.counts` as last computed, kept in ``meta`` under this key (JSON).
_COUNTS_KEY = "local_counts"
#: Drop the kept counts whenever a statement changes what they count. TEMP triggers belong to
#: the connection, not the file: every :meth:`Index.open` creates them (no schema change, and
#: flickrsync 0.1.1 never sees them). The kept counts also hold the number of files they were
#: computed at, checked on each use, against writers without these triggers.
_COUNTS_TRIGGERS = (
    "CREATE TEMP TRIGGER IF NOT EXISTS flickrsync_counts_file_insert AFTER INSERT ON main.local_file "
    "BEGIN DELETE FROM meta WHERE key = 'local_counts'; END",
    "CREATE TEMP TRIGGER IF NOT EXISTS flickrsync_counts_file_delete AFTER DELETE ON main.local_file "
    "BEGIN DELETE FROM meta WHERE key = 'local_counts'; END",
    "CREATE TEMP TRIGGER IF NOT EXISTS flickrsync_counts_file_update "
    "AFTER UPDATE OF content_id, media, problem_kind ON main.local_file "
    "BEGIN DELETE FROM meta WHERE key = 'local_counts'; END",
    "CREATE TEMP TRIGGER IF NOT EXISTS flickrsync_counts_picture_insert AFTER INSERT ON main.local_picture "
    "BEGIN DELETE FROM meta WHERE key = 'local_counts'; END",
    "CREATE TEMP TRIGGER IF NOT EXISTS flickrsync_counts_picture_delete AFTER DELETE ON main.local_picture "
    "BEGIN DELETE FROM meta WHERE key = 'local_counts'; END",
)


def _migration_0001_initial(conn: sqlite3.Connection) -> None:
    for statement in _SCHEMA_1:
        conn.execute(statement)


@dataclass(frozen=True, slots=True)
class Migration:
    """One named, ordered schema change. ``user_version`` counts the migrations applied."""

    name: str
    apply: Callable[[sqlite3.Connection], None]


#: Every schema change ever made, in order. Append only: never edit or reorder a released one.
MIGRATIONS: tuple[Migration, ...] = (Migration("0001_initial", _migration_0001_initial),)

#: Our table names (for the doc and the coexistence test).
TABLES = (
    "schema_migration",
    "meta",
    "local_root",
    "local_picture",
    "local_file",
    "local_dir",
    "account",
    "remote_photo",
    "photoset",
    "photoset_photo",
    "link",
    "upload_journal",
    "download_journal",
    "group_pool_photo",
)


# --- helpers ---------------------------------------------------------------------------------

_FILE_COLUMNS = (
    "f.id, r.path, f.relpath, f.dev, f.ino, f.size, f.mtime_ns, f.content_id, f.id_kind, f.media, "
    "f.format, f.width, f.height, f.orientation, f.date_taken, f.subsec, f.tz_offset, f.warnings, "
    "f.problem, f.problem_kind"
)
_FILE_FROM = "local_file f JOIN local_root r ON r.id = f.root_id"

_REMOTE_COLUMNS = (
    "id, title, secret, server, farm, description, tags, machine_tags, date_taken, "
    "date_taken_unknown, date_taken_granularity, date_upload, last_update, media, original_format, "
    "original_secret, o_width, o_height, url_o, url_small, is_public, is_friend, is_family"
)


def _enc(path: str) -> bytes:
    return os.fsencode(path)


def _dec(raw: bytes | str) -> str:
    return os.fsdecode(raw)


def _now(now: float | None) -> int:
    return int(time.time() if now is None else now)


def _file_from_row(row: Sequence[Any]) -> LocalFile:
    (
        _id,
        root,
        relpath,
        dev,
        ino,
        size,
        mtime_ns,
        content_id,
        id_kind,
        media,
        fmt,
        width,
        height,
        orientation,
        date_taken,
        subsec,
        tz_offset,
        warnings,
        problem,
        problem_kind,
    ) = row
    fingerprint = None
    if content_id is not None:
        fingerprint = Fingerprint(
            content_id=ContentId(content_id),
            id_kind=cast(IdKind, id_kind),
            media=cast(Media, media),
            format=fmt,
            width=width,
            height=height,
            orientation=orientation,
            date_taken=date_taken,
            subsec=subsec,
            offset=tz_offset,
            warnings=tuple(json.loads(warnings)),
        )
    return LocalFile(
        path=LocalPath(_dec(root), _dec(relpath)),
        stat=FileStat(size=size, mtime_ns=mtime_ns, dev=_u64(dev), ino=_u64(ino)),
        fingerprint=fingerprint,
        problem=problem,
        problem_kind=cast("ProblemKind | None", problem_kind),
    )


def _path_key(path: LocalPath) -> tuple[str, str]:
    return (path.root, path.relpath)


# --- the index -------------------------------------------------------------------------------


class Index:
    """An open profile index. Not thread-safe: use it from the thread that opened it.

    Open with :meth:`open` (creates the file and applies pending migrations) and close it, or use
    it as a context manager.
    """

    def __init__(self, conn: sqlite3.Connection, path: Path) -> None:
        self._conn = conn
        self.path = path
        self._root_ids: dict[str, int] = {}

    # -- lifecycle ---------------------------------------------------------------------------

    @classmethod
    def open(cls, path: Path, *, migrate: bool = True) -> Index:
        """Open (creating if needed) the index at ``path`` and bring its schema up to date."""
        where = str(path)
        try:
            if where != ":memory:":
                path.parent.mkdir(parents=True, exist_ok=True)
            conn = sqlite3.connect(where, isolation_level=None, timeout=30.0)
        except (OSError, sqlite3.Error) as exc:
            raise DatabaseError(
                f"{path}: cannot open the index: {exc}", hint="check the path and its permissions"
            ) from exc
        index = cls(conn, path)
        try:
            conn.execute("PRAGMA journal_mode=WAL").fetchall()
            conn.execute("PRAGMA foreign_keys=ON")
            conn.execute("PRAGMA synchronous=NORMAL")
            if migrate:
                index.migrate()
                for trigger in _COUNTS_TRIGGERS:
                    conn.execute(trigger)
        except sqlite3.DatabaseError as exc:
            conn.close()
            raise DatabaseError(
                f"{path}: not a usable index: {exc}",
                hint="move the file aside; the next scan rebuilds it (nothing on Flickr is lost)",
            ) from exc
        except BaseException:
            conn.close()
            raise
        return index

    def close(self) -> None:
        self._conn.close()

    def __enter__(self) -> Index:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

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

    # -- migrations --------------------------------------------------------------------------

    @property
    def schema_version(self) -> int:
        return int(self._conn.execute("PRAGMA user_version").fetchone()[0])

    def applied_migrations(self) -> list[str]:
        rows = self._conn.execute("SELECT name FROM schema_migration ORDER BY rowid")
        return [name for (name,) in rows]

    def migrate(self) -> list[str]:
        """Apply pending migrations, each in its own transaction; return the names applied."""
        applied: list[str] = []
        while True:
            self._conn.execute("BEGIN IMMEDIATE")
            try:
                version = self.schema_version
                if version > len(MIGRATIONS):
                    raise DatabaseError(
                        f"{self.path}: the index was written by a newer flickrsync "
                        f"(schema {version}, this one knows {len(MIGRATIONS)})",
                        hint="upgrade flickrsync, or use another --database",
                    )
                if version == len(MIGRATIONS):
                    self._conn.execute("COMMIT")
                    return applied
                migration = MIGRATIONS[version]
                migration.apply(self._conn)
                self._conn.execute(
                    "INSERT INTO schema_migration(name, applied_at) VALUES (?, ?)",
                    (migration.name, _now(None)),
                )
                self._conn.execute(f"PRAGMA user_version = {version + 1}")
                self._conn.execute("COMMIT")
            except BaseException:
                self._conn.execute("ROLLBACK")
                raise
            log.info("index %s: applied migration %s", self.path, migration.name)
            applied.append(migration.name)

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

    # === local side ==========================================================================

    def ensure_roots(self, roots: Sequence[str]) -> tuple[int, ...]:
        """Ids of the given pictures roots (absolute paths), adding unknown ones."""
        missing = [root for root in roots if root not in self._root_ids]
        if missing:
            with self.transaction():
                for root in missing:
                    raw = _enc(root)
                    self._conn.execute("INSERT OR IGNORE INTO local_root(path) VALUES (?)", (raw,))
                    (rid,) = self._conn.execute("SELECT id FROM local_root WHERE path = ?", (raw,)).fetchone()
                    self._root_ids[root] = int(rid)
        return tuple(self._root_ids[root] for root in roots)

    def root_paths(self) -> dict[int, str]:
        return {int(rid): _dec(path) for rid, path in self._conn.execute("SELECT id, path FROM local_root")}

    def dir_manifests(self, root_id: int) -> dict[bytes, bytes | None]:
        """``folder relpath -> manifest`` for every folder of a root the index knows (``b""`` is
        the root itself). A manifest lists the folder's files with their stat (see
        :func:`manifest`); None means "compare file by file" (something changed since the last
        scan, or a file in it is retried on every scan). This is what makes a re-scan of an
        unchanged library cost one comparison per folder, not one database row per file."""
        return dict(
            self._conn.execute("SELECT relpath, manifest FROM local_dir WHERE root_id = ?", (root_id,))
        )

    def dir_keys(self, root_id: int, folder: bytes) -> dict[bytes, bytes | None]:
        """``name -> stat key`` of the files directly in one folder; None for files whose problem
        is retried on every scan (it equals no stat, so they are read again)."""
        keys: dict[bytes, bytes | None] = {}
        if folder:
            rows = self._conn.execute(
                "SELECT relpath, stat_key, problem_kind FROM local_file "
                "WHERE root_id = ? AND relpath >= ? AND relpath < ?",
                # Everything under "folder/": from "folder/" up to "folder0" ("0" follows "/").
                (root_id, folder + b"/", folder + b"0"),
            )
        else:
            rows = self._conn.execute(
                "SELECT relpath, stat_key, problem_kind FROM local_file "
                "WHERE root_id = ? AND instr(relpath, x'2f') = 0",
                (root_id,),
            )
        for relpath, key, kind in rows:
            name = relpath[len(folder) + 1 :] if folder else relpath
            if b"/" not in name:
                keys[name] = None if kind in ("unreadable", "changing") else key
        return keys

    def refresh_dirs(self, root_id: int, folders: Iterable[bytes], gone: Iterable[bytes] = ()) -> None:
        """After a scan: rebuild the manifest of these folders (they exist) from what the index
        now holds, and forget the ``gone`` folders."""
        with self.transaction():
            for folder in folders:
                keys = self.dir_keys(root_id, folder)
                value = None
                if None not in keys.values():
                    value = manifest([name + b"\0" + key for name, key in keys.items() if key is not None])
                self._conn.execute(
                    "INSERT INTO local_dir(root_id, relpath, manifest) VALUES (?, ?, ?) "
                    "ON CONFLICT(root_id, relpath) DO UPDATE SET manifest = excluded.manifest",
                    (root_id, folder, value),
                )
            self._conn.executemany(
                "DELETE FROM local_dir WHERE root_id = ? AND relpath = ?", [(root_id, g) for g in gone]
            )

    def forget_roots(self, root_ids: Iterable[int]) -> None:
        """Drop the folder manifests of roots no longer scanned (their files are removed apart)."""
        with self.transaction():
            self._conn.executemany("DELETE FROM local_dir WHERE root_id = ?", [(r,) for r in root_ids])

    def _touch_dirs(self, dirs: Iterable[tuple[int, bytes]]) -> None:
        """Files of these folders changed outside a scan's bookkeeping: compare them file by file
        next time."""
        self._conn.executemany(
            "INSERT INTO local_dir(root_id, relpath, manifest) VALUES (?, ?, NULL) "
            "ON CONFLICT(root_id, relpath) DO UPDATE SET manifest = NULL",
            list(dict.fromkeys(dirs)),
        )

    def stat_rows(self, keys: Iterable[tuple[int, bytes]] | None = None) -> dict[tuple[int, bytes], StatRow]:
        """Id, stat and problem kind of these files (default: every file), keyed by (root id,
        relpath bytes)."""
        sql = "SELECT root_id, relpath, id, dev, ino, size, mtime_ns, problem_kind FROM local_file"
        if keys is None:
            rows: Iterable[Sequence[Any]] = self._conn.execute(sql)
        else:
            rows = [
                row
                for rid, rel in keys
                for row in self._conn.execute(sql + " WHERE root_id = ? AND relpath = ?", (rid, rel))
            ]
        return {(r[0], r[1]): (r[2], _u64(r[3]), _u64(r[4]), r[5], r[6], r[7]) for r in rows}

    def usable_by_stat(
        self, stats: Iterable[tuple[int, int, int, int]]
    ) -> dict[tuple[int, int, int, int], int]:
        """``(dev, ino, size, mtime_ns) -> file id`` of usable files (no problem) with one of these
        stats: a file found at a new path with the stat of an indexed one is that file (moved,
        renamed or hard-linked)."""
        found: dict[tuple[int, int, int, int], int] = {}
        for dev, ino, size, mtime_ns in stats:
            row = self._conn.execute(
                "SELECT id FROM local_file WHERE dev = ? AND ino = ? AND size = ? AND mtime_ns = ? "
                "AND problem_kind IS NULL LIMIT 1",
                (_s64(dev), _s64(ino), size, mtime_ns),
            ).fetchone()
            if row is not None:
                found[(dev, ino, size, mtime_ns)] = int(row[0])
        return found

    def file_count(self) -> int:
        return int(self._conn.execute("SELECT count(*) FROM local_file").fetchone()[0])

    def roots_in_use(self) -> set[int]:
        """Ids of the roots that have files in the index."""
        rows = self._conn.execute(
            "SELECT id FROM local_root r WHERE EXISTS (SELECT 1 FROM local_file f WHERE f.root_id = r.id)"
        )
        return {int(rid) for (rid,) in rows}

    def record_files(self, files: Iterable[LocalFile], *, now: float | None = None) -> int:
        """Write scan results (a fingerprint or a problem per file), replacing what was known of
        those paths. Pictures are created as needed. One transaction; returns the count."""
        stamp = _now(now)
        count = 0
        touched: list[tuple[int, bytes]] = []
        with self.transaction():
            for file in files:
                (root_id,) = self.ensure_roots([file.path.root])
                fp = file.fingerprint
                if fp is not None:
                    self._conn.execute(
                        "INSERT INTO local_picture(content_id, id_kind, media, format, width, height, "
                        "first_seen) VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT(content_id) DO UPDATE SET "
                        "width = coalesce(width, excluded.width), "
                        "height = coalesce(height, excluded.height)",
                        (fp.content_id, fp.id_kind, fp.media, fp.format, fp.width, fp.height, stamp),
                    )
                values = (
                    root_id,
                    _enc(file.path.relpath),
                    _s64(file.stat.dev),
                    _s64(file.stat.ino),
                    file.stat.size,
                    file.stat.mtime_ns,
                    stat_key(file.stat),
                    fp.content_id if fp else None,
                    fp.id_kind if fp else None,
                    fp.media if fp else None,
                    fp.format if fp else None,
                    fp.width if fp else None,
                    fp.height if fp else None,
                    fp.orientation if fp else None,
                    fp.date_taken if fp else None,
                    fp.subsec if fp else None,
                    fp.offset if fp else None,
                    json.dumps(list(fp.warnings) if fp else []),
                    None if fp else (file.problem or "unknown problem"),
                    None if fp else (file.problem_kind or "media"),
                    stamp,
                )
                self._conn.execute(
                    "INSERT INTO local_file(root_id, relpath, dev, ino, size, mtime_ns, stat_key, "
                    "content_id, id_kind, media, format, width, height, orientation, date_taken, subsec, "
                    "tz_offset, warnings, problem, problem_kind, scanned_at) "
                    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) "
                    "ON CONFLICT(root_id, relpath) DO UPDATE SET dev = excluded.dev, ino = excluded.ino, "
                    "size = excluded.size, mtime_ns = excluded.mtime_ns, stat_key = excluded.stat_key, "
                    "content_id = excluded.content_id, "
                    "id_kind = excluded.id_kind, media = excluded.media, format = excluded.format, "
                    "width = excluded.width, height = excluded.height, orientation = excluded.orientation, "
                    "date_taken = excluded.date_taken, subsec = excluded.subsec, "
                    "tz_offset = excluded.tz_offset, warnings = excluded.warnings, md5 = NULL, "
                    "sha1 = NULL, sha256 = NULL, problem = excluded.problem, "
                    "problem_kind = excluded.problem_kind, scanned_at = excluded.scanned_at",
                    values,
                )
                count += 1
                touched.append((root_id, _dir_of(_enc(file.path.relpath))))
            self._touch_dirs(touched)
        return count

    def copy_files(self, copies: Sequence[tuple[int, LocalPath]], *, now: float | None = None) -> int:
        """Give each destination path the record (fingerprint, digests) of file ``id``.

        For moved, renamed or hard-linked files, found by (dev, ino, size, mtime_ns): the scanner
        knows their content without reading them. The source rows are left alone (remove them
        with :meth:`remove_files` when their path is gone).
        """
        stamp = _now(now)
        columns = (
            "dev, ino, size, mtime_ns, stat_key, content_id, id_kind, media, format, width, height, "
            "orientation, date_taken, subsec, tz_offset, warnings, md5, sha1, sha256, problem, problem_kind"
        )
        with self.transaction():
            # Read every source first: a source may also be a destination (two files swapped).
            sources: dict[int, Sequence[Any]] = {}
            for source_id, _dest in copies:
                row = self._conn.execute(
                    f"SELECT {columns} FROM local_file WHERE id = ?",  # noqa: S608
                    (source_id,),
                ).fetchone()
                if row is None:
                    raise DatabaseError(f"{self.path}: no file row {source_id} to copy")
                sources[source_id] = row
            marks = ", ".join("?" * (len(columns.split(",")) + 3))
            for source_id, dest in copies:
                (root_id,) = self.ensure_roots([dest.root])
                self._conn.execute(
                    "DELETE FROM local_file WHERE root_id = ? AND relpath = ?",
                    (root_id, _enc(dest.relpath)),
                )
                self._conn.execute(
                    f"INSERT INTO local_file(root_id, relpath, {columns}, scanned_at) "  # noqa: S608
                    f"VALUES ({marks})",
                    (root_id, _enc(dest.relpath), *sources[source_id], stamp),
                )
            self._touch_dirs((self.ensure_roots([d.root])[0], _dir_of(_enc(d.relpath))) for _s, d in copies)
        return len(copies)

    def remove_files(self, file_ids: Iterable[int]) -> int:
        """Forget these paths (gone from disk). Their pictures stay while any path has them, and
        while Flickr links or journal rows point at them (see :meth:`prune_pictures`)."""
        ids = list(file_ids)
        with self.transaction():
            for start in range(0, len(ids), 500):
                chunk = ids[start : start + 500]
                marks = ",".join("?" * len(chunk))
                rows = self._conn.execute(
                    f"SELECT root_id, relpath FROM local_file WHERE id IN ({marks})",  # noqa: S608
                    chunk,
                ).fetchall()
                self._conn.execute(f"DELETE FROM local_file WHERE id IN ({marks})", chunk)  # noqa: S608
                self._touch_dirs((rid, _dir_of(rel)) for rid, rel in rows)
        return len(ids)

    def prune_pictures(self) -> int:
        """Delete pictures that no file holds and nothing else refers to (no Flickr link, no
        journal row, not downloaded). Pictures linked to Flickr are kept without paths."""
        with self.transaction():
            cursor = self._conn.execute(
                "DELETE FROM local_picture WHERE origin_photo_id IS NULL "
                "AND NOT EXISTS (SELECT 1 FROM local_file f WHERE f.content_id = local_picture.content_id) "
                "AND NOT EXISTS (SELECT 1 FROM link l WHERE l.content_id = local_picture.content_id) "
                "AND NOT EXISTS (SELECT 1 FROM upload_journal u "
                "WHERE u.content_id = local_picture.content_id) "
                "AND NOT EXISTS (SELECT 1 FROM download_journal d "
                "WHERE d.content_id = local_picture.content_id)"
            )
            return cursor.rowcount

    # -- local queries -----------------------------------------------------------------------

    def counts(self, *, remember: bool = False) -> LibraryCounts:
        """Totals over the whole local index.

        Counting duplicates takes one pass over the content index (~30 ms at 100,000 files, a
        tenth of a warm re-scan), so the result is kept (``remember``, as a scan does at its end)
        and reused until a change to the files or pictures drops it (see :data:`_COUNTS_TRIGGERS`).
        """
        (files,) = self._conn.execute("SELECT count(*) FROM local_file").fetchone()
        kept = self.get_meta(_COUNTS_KEY)
        if kept is not None:
            try:
                known = LibraryCounts(**json.loads(kept))
            except (ValueError, TypeError):
                known = None
            if known is not None and known.files == files:
                return known
        counts = self._count_local(files)
        if remember:
            self.set_meta(_COUNTS_KEY, json.dumps(dataclasses.asdict(counts)))
        return counts

    def _count_local(self, files: int) -> LibraryCounts:
        (problems,) = self._conn.execute(
            "SELECT count(*) FROM local_file WHERE problem_kind IS NOT NULL"
        ).fetchone()
        # One pass over the content index gives the pictures held by files and the duplicates;
        # videos are few, counted through the (media, content_id) index.
        with_paths, groups, extra = self._conn.execute(
            "SELECT count(*), coalesce(sum(n > 1), 0), coalesce(sum(n - 1), 0) FROM "
            "(SELECT count(*) AS n FROM local_file WHERE content_id IS NOT NULL GROUP BY content_id)"
        ).fetchone()
        (videos,) = self._conn.execute(
            "SELECT count(DISTINCT content_id) FROM local_file "
            "WHERE media = 'video' AND content_id IS NOT NULL"
        ).fetchone()
        (known,) = self._conn.execute("SELECT count(*) FROM local_picture").fetchone()
        return LibraryCounts(
            files=files,
            pictures=with_paths - videos,
            videos=videos,
            duplicate_groups=groups,
            duplicate_files=extra,
            problems=problems,
            pictures_without_paths=known - with_paths,
        )

    def file(self, path: LocalPath) -> LocalFile | None:
        """What the index knows of one path, or None."""
        row = self._conn.execute(
            f"SELECT {_FILE_COLUMNS} FROM {_FILE_FROM} WHERE r.path = ? AND f.relpath = ?",  # noqa: S608
            (_enc(path.root), _enc(path.relpath)),
        ).fetchone()
        return None if row is None else _file_from_row(row)

    def files(self, content_id: ContentId | None = None) -> list[LocalFile]:
        """Every file (or every file of one picture), sorted by path."""
        sql = f"SELECT {_FILE_COLUMNS} FROM {_FILE_FROM}"  # noqa: S608
        args: tuple[str, ...] = ()
        if content_id is not None:
            sql += " WHERE f.content_id = ?"
            args = (content_id,)
        files = [_file_from_row(row) for row in self._conn.execute(sql, args)]
        files.sort(key=lambda f: _path_key(f.path))
        return files

    def problems(self) -> list[LocalFile]:
        """Files that could not be indexed, with their reason, sorted by path."""
        rows = self._conn.execute(
            f"SELECT {_FILE_COLUMNS} FROM {_FILE_FROM} WHERE f.problem_kind IS NOT NULL"  # noqa: S608
        )
        return sorted((_file_from_row(row) for row in rows), key=lambda f: _path_key(f.path))

    def pictures(
        self, *, media: Media | None = None, content_ids: Iterable[ContentId] | None = None
    ) -> list[LocalPicture]:
        """Pictures held by at least one file, each with all its paths (sorted by content id)."""
        return self._pictures(media=media, content_ids=content_ids, duplicates_only=False)

    def picture(self, content_id: ContentId) -> LocalPicture | None:
        """One picture with its paths; also pictures without paths (then ``paths == ()``)."""
        found = self._pictures(media=None, content_ids=[content_id], duplicates_only=False)
        if found:
            return found[0]
        row = self._conn.execute(
            "SELECT content_id, id_kind, media, format, width, height, phash, origin_photo_id "
            "FROM local_picture WHERE content_id = ?",
            (content_id,),
        ).fetchone()
        return None if row is None else self._bare_picture(row)

    def duplicates(self) -> list[LocalPicture]:
        """Pictures held by more than one file: one picture, several paths."""
        return self._pictures(media=None, content_ids=None, duplicates_only=True)

    def pictures_without_paths(self) -> list[LocalPicture]:
        """Pictures still known (linked to Flickr, journaled, downloaded) that no file holds."""
        rows = self._conn.execute(
            "SELECT content_id, id_kind, media, format, width, height, phash, origin_photo_id "
            "FROM local_picture p WHERE NOT EXISTS "
            "(SELECT 1 FROM local_file f WHERE f.content_id = p.content_id) ORDER BY content_id"
        )
        return [self._bare_picture(row) for row in rows]

    @staticmethod
    def _bare_picture(row: Sequence[Any]) -> LocalPicture:
        content_id, id_kind, media, fmt, width, height, phash, origin = row
        return LocalPicture(
            content_id=ContentId(content_id),
            id_kind=cast(IdKind, id_kind),
            media=cast(Media, media),
            format=fmt,
            paths=(),
            size=0,
            width=width,
            height=height,
            phash=phash,
            flickr_id=None if origin is None else PhotoId(origin),
        )

    def _pictures(
        self,
        *,
        media: Media | None,
        content_ids: Iterable[ContentId] | None,
        duplicates_only: bool,
    ) -> list[LocalPicture]:
        where: list[str] = []
        args: list[Any] = []
        if media is not None:
            where.append("p.media = ?")
            args.append(media)
        if content_ids is not None:
            if not self._fill_wanted(content_ids):
                return []
            where.append("p.content_id IN (SELECT id FROM wanted_content)")
        if duplicates_only:
            where.append(
                "p.content_id IN (SELECT content_id FROM local_file WHERE content_id IS NOT NULL "
                "GROUP BY content_id HAVING count(*) > 1)"
            )
        sql = (
            "SELECT p.content_id, p.id_kind, p.media, p.format, p.width, p.height, p.phash, "
            "p.origin_photo_id, r.path, f.relpath, f.size, f.date_taken, f.orientation, f.md5, f.sha1 "
            "FROM local_picture p JOIN local_file f ON f.content_id = p.content_id "
            "JOIN local_root r ON r.id = f.root_id"
        )
        if where:
            sql += " WHERE " + " AND ".join(where)
        grouped: dict[str, list[Sequence[Any]]] = {}
        for row in self._conn.execute(sql, args):
            grouped.setdefault(row[0], []).append(row)
        pictures = []
        for content_id in sorted(grouped):
            rows = sorted(grouped[content_id], key=lambda r: (_dec(r[8]), _dec(r[9])))
            first = rows[0]
            pictures.append(
                LocalPicture(
                    content_id=ContentId(content_id),
                    id_kind=cast(IdKind, first[1]),
                    media=cast(Media, first[2]),
                    format=first[3],
                    paths=tuple(LocalPath(_dec(r[8]), _dec(r[9])) for r in rows),
                    size=first[10],
                    date_taken=first[11],
                    width=first[4],
                    height=first[5],
                    orientation=first[12],
                    phash=first[6],
                    md5=first[13],
                    sha1=first[14],
                    flickr_id=None if first[7] is None else PhotoId(first[7]),
                )
            )
        return pictures

    # -- lazy per-picture and per-file values ------------------------------------------------

    def phash_candidates(
        self, content_ids: Iterable[ContentId] | None = None, *, retry_failed: bool = False
    ) -> list[tuple[ContentId, list[LocalFile]]]:
        """Photos (not videos) held by a file and without a perceptual hash, each with its files
        (sorted by path), sorted by content id.

        ``content_ids`` limits the set; pictures whose decode failed before are skipped unless
        ``retry_failed``.
        """
        sql = (
            f"SELECT {_FILE_COLUMNS} FROM {_FILE_FROM} JOIN local_picture p "  # noqa: S608
            "ON p.content_id = f.content_id WHERE p.media = 'photo' AND p.phash IS NULL"
        )
        if not retry_failed:
            sql += " AND p.phash_error IS NULL"
        if content_ids is not None:
            if not self._fill_wanted(content_ids):
                return []
            sql += " AND p.content_id IN (SELECT id FROM wanted_content)"
        by_content: dict[ContentId, list[LocalFile]] = {}
        for row in self._conn.execute(sql):
            file = _file_from_row(row)
            assert file.fingerprint is not None
            by_content.setdefault(file.fingerprint.content_id, []).append(file)
        return [
            (cid, sorted(files, key=lambda f: _path_key(f.path))) for cid, files in sorted(by_content.items())
        ]

    def needs_phash(self) -> bool:
        """Whether some photo held by a file has no perceptual hash yet (and no failed try)."""
        row = self._conn.execute(
            "SELECT EXISTS (SELECT 1 FROM local_picture p WHERE p.media = 'photo' AND p.phash IS NULL "
            "AND p.phash_error IS NULL AND EXISTS "
            "(SELECT 1 FROM local_file f WHERE f.content_id = p.content_id))"
        ).fetchone()
        return bool(row[0])

    def _fill_wanted(self, content_ids: Iterable[ContentId]) -> int:
        """Load content ids into the temporary table ``wanted_content``; return how many."""
        self._conn.execute("CREATE TEMP TABLE IF NOT EXISTS wanted_content(id TEXT PRIMARY KEY)")
        with self.transaction():
            self._conn.execute("DELETE FROM wanted_content")
            self._conn.executemany(
                "INSERT OR IGNORE INTO wanted_content(id) VALUES (?)", ((c,) for c in content_ids)
            )
            (count,) = self._conn.execute("SELECT count(*) FROM wanted_content").fetchone()
        return int(count)

    def set_phashes(
        self, hashes: Mapping[ContentId, str], errors: Mapping[ContentId, str] | None = None
    ) -> None:
        """Cache perceptual hashes; ``errors`` records pictures that could not be decoded."""
        with self.transaction():
            self._conn.executemany(
                "UPDATE local_picture SET phash = ?, phash_error = NULL WHERE content_id = ?",
                [(value, cid) for cid, value in hashes.items()],
            )
            self._conn.executemany(
                "UPDATE local_picture SET phash_error = ? WHERE content_id = ?",
                [(reason, cid) for cid, reason in (errors or {}).items()],
            )

    def local_phashes(self, content_ids: Iterable[ContentId] | None = None) -> dict[ContentId, str | None]:
        """Perceptual hashes computed so far (of these pictures, default all): the hash, or None
        when the picture could not be decoded (not retried)."""
        sql = (
            "SELECT content_id, phash FROM local_picture WHERE (phash IS NOT NULL OR phash_error IS NOT NULL)"
        )
        if content_ids is not None:
            if not self._fill_wanted(content_ids):
                return {}
            sql += " AND content_id IN (SELECT id FROM wanted_content)"
        return {ContentId(cid): value for cid, value in self._conn.execute(sql)}

    def phash_error(self, content_id: ContentId) -> str | None:
        row = self._conn.execute(
            "SELECT phash_error FROM local_picture WHERE content_id = ?", (content_id,)
        ).fetchone()
        return None if row is None else cast("str | None", row[0])

    def file_digests(self, path: LocalPath) -> dict[str, str]:
        """Whole-file digests computed so far for this path (``{"md5": hex, …}``)."""
        row = self._conn.execute(
            f"SELECT f.md5, f.sha1, f.sha256 FROM {_FILE_FROM} WHERE r.path = ? AND f.relpath = ?",  # noqa: S608
            (_enc(path.root), _enc(path.relpath)),
        ).fetchone()
        if row is None:
            return {}
        return {name: value for name, value in zip(DIGESTS, row, strict=True) if value is not None}

    def set_file_digests(self, digests: Mapping[LocalPath, Mapping[str, str]]) -> None:
        """Store whole-file digests (``md5``/``sha1``/``sha256``) computed for these paths."""
        with self.transaction():
            for path, values in digests.items():
                for name, value in values.items():
                    if name not in DIGESTS:
                        raise ValueError(f"unknown digest {name!r}")
                    self._conn.execute(
                        f"UPDATE local_file SET {name} = ? WHERE relpath = ? AND root_id = "  # noqa: S608
                        "(SELECT id FROM local_root WHERE path = ?)",
                        (value, _enc(path.relpath), _enc(path.root)),
                    )

    def files_without_digests(
        self, algorithms: Sequence[str], content_ids: Iterable[ContentId] | None = None
    ) -> list[LocalFile]:
        """Usable files (of these pictures, default all) lacking any of these digests."""
        if not algorithms or any(a not in DIGESTS for a in algorithms):
            raise ValueError(f"digests must be among {DIGESTS}, not {tuple(algorithms)}")
        missing = " OR ".join(f"f.{a} IS NULL" for a in algorithms)
        sql = f"SELECT {_FILE_COLUMNS} FROM {_FILE_FROM} WHERE f.content_id IS NOT NULL AND ({missing})"  # noqa: S608
        if content_ids is not None:
            if not self._fill_wanted(content_ids):
                return []
            sql += " AND f.content_id IN (SELECT id FROM wanted_content)"
        return sorted((_file_from_row(r) for r in self._conn.execute(sql)), key=lambda f: _path_key(f.path))

    def files_by_digest(self, algorithm: str, value: str) -> list[LocalFile]:
        """Files whose whole-file ``algorithm`` digest (computed earlier) is ``value``."""
        if algorithm not in DIGESTS:
            raise ValueError(f"unknown digest {algorithm!r}")
        rows = self._conn.execute(
            f"SELECT {_FILE_COLUMNS} FROM {_FILE_FROM} WHERE f.{algorithm} = ?",  # noqa: S608
            (value.lower(),),
        )
        return sorted((_file_from_row(row) for row in rows), key=lambda f: _path_key(f.path))

    def set_picture_origin(self, content_id: ContentId, nsid: Nsid, photo_id: PhotoId) -> None:
        """Mark a picture as downloaded from this Flickr photo: it is never uploaded back."""
        with self.transaction():
            self._conn.execute(
                "UPDATE local_picture SET origin_nsid = ?, origin_photo_id = ? WHERE content_id = ?",
                (nsid, photo_id, content_id),
            )

    # === remote side (sync engine) ===========================================================

    def upsert_account(self, account: Account) -> None:
        """Create or refresh the account row; every remote row needs its account first."""
        with self.transaction(durable=True):
            self._conn.execute(
                "INSERT INTO account(nsid, username, fullname) VALUES (?, ?, ?) ON CONFLICT(nsid) "
                "DO UPDATE SET username = excluded.username, fullname = excluded.fullname",
                (account.nsid, account.username, account.fullname),
            )

    def accounts(self) -> list[Account]:
        rows = self._conn.execute("SELECT nsid, username, fullname FROM account ORDER BY nsid")
        return [Account(Nsid(n), u, f) for n, u, f in rows]

    def sync_state(self, nsid: Nsid) -> SyncState:
        row = self._conn.execute(
            "SELECT last_update, listed_at, synced_at FROM account WHERE nsid = ?", (nsid,)
        ).fetchone()
        if row is None:
            return SyncState(nsid=nsid)
        return SyncState(nsid=nsid, last_update=row[0], listed_at=row[1], synced_at=row[2])

    def update_sync_state(
        self,
        nsid: Nsid,
        *,
        last_update: int | None = None,
        listed_at: int | None = None,
        synced_at: int | None = None,
    ) -> None:
        """Set the given watermarks (None leaves a value unchanged). The account must exist."""
        with self.transaction(durable=True):
            cursor = self._conn.execute(
                "UPDATE account SET last_update = coalesce(?, last_update), "
                "listed_at = coalesce(?, listed_at), synced_at = coalesce(?, synced_at) WHERE nsid = ?",
                (last_update, listed_at, synced_at, nsid),
            )
            if cursor.rowcount == 0:
                raise DatabaseError(f"{self.path}: no account {nsid} in the index (upsert_account first)")

    # -- remote photos -----------------------------------------------------------------------

    def upsert_remote_photos(self, nsid: Nsid, photos: Iterable[RemotePhoto]) -> int:
        """Insert or refresh photos of the account. A cached perceptual hash is kept while the
        small size's URL stays the same. Returns the count."""
        count = 0
        with self.transaction(durable=True):
            for p in photos:
                self._conn.execute(
                    f"INSERT INTO remote_photo(nsid, {_REMOTE_COLUMNS}) VALUES "  # noqa: S608
                    "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) "
                    "ON CONFLICT(nsid, id) DO UPDATE SET title = excluded.title, "
                    "secret = excluded.secret, server = excluded.server, farm = excluded.farm, "
                    "description = excluded.description, tags = excluded.tags, "
                    "machine_tags = excluded.machine_tags, date_taken = excluded.date_taken, "
                    "date_taken_unknown = excluded.date_taken_unknown, "
                    "date_taken_granularity = excluded.date_taken_granularity, "
                    "date_upload = excluded.date_upload, last_update = excluded.last_update, "
                    "media = excluded.media, original_format = excluded.original_format, "
                    "original_secret = excluded.original_secret, o_width = excluded.o_width, "
                    "o_height = excluded.o_height, url_o = excluded.url_o, "
                    "url_small = excluded.url_small, is_public = excluded.is_public, "
                    "is_friend = excluded.is_friend, is_family = excluded.is_family",
                    (
                        nsid,
                        p.id,
                        p.title,
                        p.secret,
                        p.server,
                        p.farm,
                        p.description,
                        json.dumps(list(p.tags), ensure_ascii=False),
                        json.dumps(list(p.machine_tags), ensure_ascii=False),
                        p.date_taken,
                        int(p.date_taken_unknown),
                        p.date_taken_granularity,
                        p.date_upload,
                        p.last_update,
                        p.media,
                        p.original_format,
                        p.original_secret,
                        p.o_width,
                        p.o_height,
                        p.url_o,
                        p.url_small,
                        int(p.is_public),
                        int(p.is_friend),
                        int(p.is_family),
                    ),
                )
                count += 1
        return count

    def delete_remote_photos(self, nsid: Nsid, photo_ids: Iterable[PhotoId]) -> int:
        """Forget photos gone from Flickr, with their links, set and pool memberships."""
        count = 0
        with self.transaction(durable=True):
            for pid in photo_ids:
                for table, column in (
                    ("link", "photo_id"),
                    ("photoset_photo", "photo_id"),
                    ("group_pool_photo", "photo_id"),
                    ("remote_photo", "id"),
                ):
                    cursor = self._conn.execute(
                        f"DELETE FROM {table} WHERE nsid = ? AND {column} = ?",  # noqa: S608
                        (nsid, pid),
                    )
                count += cursor.rowcount
        return count

    def remote_photos(self, nsid: Nsid) -> list[RemotePhoto]:
        rows = self._conn.execute(
            f"SELECT {_REMOTE_COLUMNS} FROM remote_photo WHERE nsid = ? ORDER BY id",  # noqa: S608
            (nsid,),
        )
        return [_remote_from_row(row) for row in rows]

    def remote_photo(self, nsid: Nsid, photo_id: PhotoId) -> RemotePhoto | None:
        row = self._conn.execute(
            f"SELECT {_REMOTE_COLUMNS} FROM remote_photo WHERE nsid = ? AND id = ?",  # noqa: S608
            (nsid, photo_id),
        ).fetchone()
        return None if row is None else _remote_from_row(row)

    def remote_photo_ids(self, nsid: Nsid) -> set[PhotoId]:
        rows = self._conn.execute("SELECT id FROM remote_photo WHERE nsid = ?", (nsid,))
        return {PhotoId(pid) for (pid,) in rows}

    def remote_phashes(self, nsid: Nsid) -> dict[PhotoId, str | None]:
        """Perceptual hashes of Flickr photos' small size, cached: still valid only while the
        photo's small-size URL is the one the hash was computed from (a replaced photo gets a new
        secret, so a new URL). None: tried and unavailable (the download or decode failed)."""
        rows = self._conn.execute(
            "SELECT id, phash FROM remote_photo WHERE nsid = ? AND phash_at IS NOT NULL "
            "AND phash_url IS url_small",
            (nsid,),
        )
        return {PhotoId(pid): value for pid, value in rows}

    def set_remote_phashes(
        self, nsid: Nsid, hashes: Mapping[PhotoId, tuple[str | None, str | None]], *, now: float | None = None
    ) -> None:
        """Cache ``{photo id: (phash or None when unavailable, the small URL it was tried from)}``."""
        stamp = _now(now)
        with self.transaction(durable=True):
            self._conn.executemany(
                "UPDATE remote_photo SET phash = ?, phash_url = ?, phash_at = ? WHERE nsid = ? AND id = ?",
                [(value, url, stamp, nsid, pid) for pid, (value, url) in hashes.items()],
            )

    def originals(self, nsid: Nsid) -> dict[PhotoId, ContentId | None]:
        """Content ids of Flickr photos' originals downloaded to tell look-alikes apart, still
        valid while the photo's original secret is unchanged. None: tried and unavailable."""
        rows = self._conn.execute(
            "SELECT id, original_cid FROM remote_photo WHERE nsid = ? AND original_at IS NOT NULL "
            "AND original_key IS original_secret",
            (nsid,),
        )
        return {PhotoId(pid): None if cid is None else ContentId(cid) for pid, cid in rows}

    def set_originals(
        self,
        nsid: Nsid,
        originals: Mapping[PhotoId, tuple[ContentId | None, str | None]],
        *,
        now: float | None = None,
    ) -> None:
        """Cache ``{photo id: (content id of its original or None, the original secret then)}``."""
        stamp = _now(now)
        with self.transaction(durable=True):
            self._conn.executemany(
                "UPDATE remote_photo SET original_cid = ?, original_key = ?, original_at = ? "
                "WHERE nsid = ? AND id = ?",
                [(cid, key, stamp, nsid, pid) for pid, (cid, key) in originals.items()],
            )

    # -- photosets ---------------------------------------------------------------------------

    def replace_photosets(self, nsid: Nsid, photosets: Sequence[Photoset]) -> None:
        """The account's full list of sets, in Flickr's order. Sets not in it are deleted with
        their membership; a remembered source folder is kept for sets that stay."""
        with self.transaction(durable=True):
            keep = {s.id for s in photosets}
            for (sid,) in self._conn.execute("SELECT id FROM photoset WHERE nsid = ?", (nsid,)).fetchall():
                if sid not in keep:
                    self._conn.execute("DELETE FROM photoset WHERE nsid = ? AND id = ?", (nsid, sid))
            for position, photoset in enumerate(photosets):
                self._upsert_photoset(nsid, photoset, position)

    def upsert_photoset(self, nsid: Nsid, photoset: Photoset) -> None:
        """Add or refresh one set (a new one goes last in the account's order)."""
        with self.transaction(durable=True):
            row = self._conn.execute(
                "SELECT position FROM photoset WHERE nsid = ? AND id = ?", (nsid, photoset.id)
            ).fetchone()
            if row is None:
                (position,) = self._conn.execute(
                    "SELECT coalesce(max(position) + 1, 0) FROM photoset WHERE nsid = ?", (nsid,)
                ).fetchone()
            else:
                (position,) = row
            self._upsert_photoset(nsid, photoset, position)

    def _upsert_photoset(self, nsid: Nsid, s: Photoset, position: int) -> None:
        self._conn.execute(
            "INSERT INTO photoset(nsid, id, title, description, primary_id, photos, videos, "
            "date_create, date_update, position) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) "
            "ON CONFLICT(nsid, id) DO UPDATE SET title = excluded.title, "
            "description = excluded.description, primary_id = excluded.primary_id, "
            "photos = excluded.photos, videos = excluded.videos, date_create = excluded.date_create, "
            "date_update = excluded.date_update, position = excluded.position",
            (nsid, s.id, s.title, s.description, s.primary, s.photos, s.videos, s.date_create,
             s.date_update, position),
        )  # fmt: skip

    def delete_photoset(self, nsid: Nsid, photoset_id: PhotosetId) -> None:
        with self.transaction(durable=True):
            self._conn.execute("DELETE FROM photoset WHERE nsid = ? AND id = ?", (nsid, photoset_id))

    def photosets(self, nsid: Nsid) -> list[Photoset]:
        rows = self._conn.execute(
            "SELECT id, title, description, primary_id, photos, videos, date_create, date_update "
            "FROM photoset WHERE nsid = ? ORDER BY position",
            (nsid,),
        )
        return [
            Photoset(PhotosetId(i), t, d, PhotoId(p), ph, v, dc, du) for i, t, d, p, ph, v, dc, du in rows
        ]

    def set_photoset_photos(self, nsid: Nsid, photoset_id: PhotosetId, photo_ids: Sequence[PhotoId]) -> None:
        """Replace a set's ordered membership."""
        with self.transaction(durable=True):
            self._conn.execute(
                "DELETE FROM photoset_photo WHERE nsid = ? AND photoset_id = ?", (nsid, photoset_id)
            )
            self._conn.executemany(
                "INSERT OR IGNORE INTO photoset_photo(nsid, photoset_id, photo_id, position) "
                "VALUES (?, ?, ?, ?)",
                [(nsid, photoset_id, pid, pos) for pos, pid in enumerate(photo_ids)],
            )

    def photoset_photos(self, nsid: Nsid, photoset_id: PhotosetId) -> list[PhotoId]:
        rows = self._conn.execute(
            "SELECT photo_id FROM photoset_photo WHERE nsid = ? AND photoset_id = ? ORDER BY position",
            (nsid, photoset_id),
        )
        return [PhotoId(pid) for (pid,) in rows]

    def photoset_memberships(self, nsid: Nsid) -> dict[PhotosetId, list[PhotoId]]:
        """Every set's ordered photo ids."""
        result: dict[PhotosetId, list[PhotoId]] = {}
        rows = self._conn.execute(
            "SELECT photoset_id, photo_id FROM photoset_photo WHERE nsid = ? ORDER BY photoset_id, position",
            (nsid,),
        )
        for sid, pid in rows:
            result.setdefault(PhotosetId(sid), []).append(PhotoId(pid))
        return result

    def set_photoset_folder(self, nsid: Nsid, photoset_id: PhotosetId, folder: str | None) -> None:
        """Remember the folder (relative to the first root) a tool-made set was made from."""
        with self.transaction(durable=True):
            self._conn.execute(
                "UPDATE photoset SET folder = ? WHERE nsid = ? AND id = ?",
                (None if folder is None else _enc(folder), nsid, photoset_id),
            )

    def photoset_folders(self, nsid: Nsid) -> dict[PhotosetId, str]:
        rows = self._conn.execute(
            "SELECT id, folder FROM photoset WHERE nsid = ? AND folder IS NOT NULL", (nsid,)
        )
        return {PhotosetId(sid): _dec(folder) for sid, folder in rows}

    # -- links -------------------------------------------------------------------------------

    def add_link(
        self, nsid: Nsid, photo_id: PhotoId, content_id: ContentId, rule: str, *, now: float | None = None
    ) -> None:
        """Record that ``content_id`` is ``photo_id``. A photo links to at most one picture and a
        picture to at most one photo per account: an older link of either is replaced."""
        with self.transaction(durable=True):
            self._conn.execute(
                "INSERT OR REPLACE INTO link(nsid, photo_id, content_id, rule, linked_at) "
                "VALUES (?, ?, ?, ?, ?)",
                (nsid, photo_id, content_id, rule, _now(now)),
            )

    def remove_link(self, nsid: Nsid, photo_id: PhotoId) -> None:
        with self.transaction(durable=True):
            self._conn.execute("DELETE FROM link WHERE nsid = ? AND photo_id = ?", (nsid, photo_id))

    def links(self, nsid: Nsid | None = None) -> list[Link]:
        """Links of one account (or of all), sorted by account and photo id."""
        sql = "SELECT nsid, photo_id, content_id, rule, linked_at FROM link"
        args: tuple[str, ...] = ()
        if nsid is not None:
            sql += " WHERE nsid = ?"
            args = (nsid,)
        rows = self._conn.execute(sql + " ORDER BY nsid, photo_id", args)
        return [Link(Nsid(n), PhotoId(p), ContentId(c), r, t) for n, p, c, r, t in rows]

    def links_of_picture(self, content_id: ContentId) -> list[Link]:
        """Every account's link to this picture."""
        rows = self._conn.execute(
            "SELECT nsid, photo_id, content_id, rule, linked_at FROM link WHERE content_id = ? ORDER BY nsid",
            (content_id,),
        )
        return [Link(Nsid(n), PhotoId(p), ContentId(c), r, t) for n, p, c, r, t in rows]

    # -- upload journal ----------------------------------------------------------------------

    def begin_upload(
        self, nsid: Nsid, content_id: ContentId, path: LocalPath, *, now: float | None = None
    ) -> int:
        """Commit the intent to upload, before uploading. Returns the journal id."""
        with self.transaction(durable=True):
            cursor = self._conn.execute(
                "INSERT INTO upload_journal(nsid, content_id, root, relpath, started_at) "
                "VALUES (?, ?, ?, ?, ?)",
                (nsid, content_id, _enc(path.root), _enc(path.relpath), _now(now)),
            )
            return int(cursor.lastrowid or 0)

    def finish_upload(
        self, intent_id: int, photo_id: PhotoId, *, rule: str = "upload", now: float | None = None
    ) -> None:
        """The upload created ``photo_id``: close the intent and link the picture, atomically."""
        stamp = _now(now)
        with self.transaction(durable=True):
            row = self._conn.execute(
                "SELECT nsid, content_id FROM upload_journal WHERE id = ?", (intent_id,)
            ).fetchone()
            if row is None:
                raise DatabaseError(f"{self.path}: no upload journal row {intent_id}")
            nsid, content_id = row
            self._conn.execute(
                "UPDATE upload_journal SET photo_id = ?, finished_at = ?, error = NULL WHERE id = ?",
                (photo_id, stamp, intent_id),
            )
            self.add_link(Nsid(nsid), photo_id, ContentId(content_id), rule, now=stamp)

    def fail_upload(self, intent_id: int, error: str, *, now: float | None = None) -> None:
        """The upload certainly created nothing (Flickr refused it): close the intent."""
        with self.transaction(durable=True):
            self._conn.execute(
                "UPDATE upload_journal SET finished_at = ?, error = ? WHERE id = ?",
                (_now(now), error, intent_id),
            )

    def open_uploads(self, nsid: Nsid) -> list[UploadIntent]:
        """Intents with no known outcome (the run died or timed out): resolve before uploading."""
        return self._uploads("WHERE nsid = ? AND finished_at IS NULL", (nsid,))

    def upload_journal(self, nsid: Nsid) -> list[UploadIntent]:
        return self._uploads("WHERE nsid = ?", (nsid,))

    def _uploads(self, where: str, args: tuple[Any, ...]) -> list[UploadIntent]:
        rows = self._conn.execute(
            "SELECT id, nsid, content_id, root, relpath, started_at, photo_id, finished_at, error "  # noqa: S608
            f"FROM upload_journal {where} ORDER BY id",
            args,
        )
        return [
            UploadIntent(
                id=i,
                nsid=Nsid(n),
                content_id=ContentId(c),
                path=LocalPath(_dec(root), _dec(rel)),
                started_at=s,
                photo_id=None if p is None else PhotoId(p),
                finished_at=f,
                error=e,
            )
            for i, n, c, root, rel, s, p, f, e in rows
        ]

    # -- download journal --------------------------------------------------------------------

    def begin_download(
        self,
        nsid: Nsid,
        photo_id: PhotoId,
        path: LocalPath,
        temp_relpath: str,
        *,
        now: float | None = None,
    ) -> int:
        """Commit the intent to download into ``path`` via ``temp_relpath`` (same root)."""
        with self.transaction(durable=True):
            cursor = self._conn.execute(
                "INSERT INTO download_journal(nsid, photo_id, root, relpath, temp_relpath, started_at) "
                "VALUES (?, ?, ?, ?, ?, ?)",
                (nsid, photo_id, _enc(path.root), _enc(path.relpath), _enc(temp_relpath), _now(now)),
            )
            return int(cursor.lastrowid or 0)

    def finish_download(self, intent_id: int, content_id: ContentId, *, now: float | None = None) -> None:
        """The file is in place and indexed as ``content_id``: close the intent, link the picture
        to the photo (rule ``download``) and mark it as coming from Flickr."""
        stamp = _now(now)
        with self.transaction(durable=True):
            row = self._conn.execute(
                "SELECT nsid, photo_id FROM download_journal WHERE id = ?", (intent_id,)
            ).fetchone()
            if row is None:
                raise DatabaseError(f"{self.path}: no download journal row {intent_id}")
            nsid, photo_id = row
            self._conn.execute(
                "UPDATE download_journal SET finished_at = ?, content_id = ?, error = NULL WHERE id = ?",
                (stamp, content_id, intent_id),
            )
            self.add_link(Nsid(nsid), PhotoId(photo_id), content_id, "download", now=stamp)
            self.set_picture_origin(content_id, Nsid(nsid), PhotoId(photo_id))

    def fail_download(self, intent_id: int, error: str, *, now: float | None = None) -> None:
        with self.transaction(durable=True):
            self._conn.execute(
                "UPDATE download_journal SET finished_at = ?, error = ? WHERE id = ?",
                (_now(now), error, intent_id),
            )

    def open_downloads(self, nsid: Nsid) -> list[DownloadIntent]:
        """Downloads that never finished: their temporary files may be left behind."""
        rows = self._conn.execute(
            "SELECT id, nsid, photo_id, root, relpath, temp_relpath, started_at, finished_at, "
            "content_id, error FROM download_journal WHERE nsid = ? AND finished_at IS NULL ORDER BY id",
            (nsid,),
        )
        return [
            DownloadIntent(
                id=i,
                nsid=Nsid(n),
                photo_id=PhotoId(p),
                path=LocalPath(_dec(root), _dec(rel)),
                temp_relpath=_dec(temp),
                started_at=s,
                finished_at=f,
                content_id=None if c is None else ContentId(c),
                error=e,
            )
            for i, n, p, root, rel, temp, s, f, c, e in rows
        ]

    # -- group pools -------------------------------------------------------------------------

    def record_pool_additions(
        self, nsid: Nsid, group_id: Nsid, photo_ids: Iterable[PhotoId], *, now: float | None = None
    ) -> None:
        """Remember photos added to a group pool, so they are added once."""
        stamp = _now(now)
        with self.transaction(durable=True):
            self._conn.executemany(
                "INSERT OR IGNORE INTO group_pool_photo(nsid, group_id, photo_id, added_at) "
                "VALUES (?, ?, ?, ?)",
                [(nsid, group_id, pid, stamp) for pid in photo_ids],
            )

    def pool_photos(self, nsid: Nsid, group_id: Nsid) -> set[PhotoId]:
        rows = self._conn.execute(
            "SELECT photo_id FROM group_pool_photo WHERE nsid = ? AND group_id = ?", (nsid, group_id)
        )
        return {PhotoId(pid) for (pid,) in rows}


def _remote_from_row(row: Sequence[Any]) -> RemotePhoto:
    (
        pid,
        title,
        secret,
        server,
        farm,
        description,
        tags,
        machine_tags,
        date_taken,
        unknown,
        granularity,
        date_upload,
        last_update,
        media,
        original_format,
        original_secret,
        o_width,
        o_height,
        url_o,
        url_small,
        is_public,
        is_friend,
        is_family,
    ) = row
    return RemotePhoto(
        id=PhotoId(pid),
        title=title,
        secret=secret,
        server=server,
        farm=farm,
        description=description,
        tags=tuple(json.loads(tags)),
        machine_tags=tuple(json.loads(machine_tags)),
        date_taken=date_taken,
        date_taken_unknown=bool(unknown),
        date_taken_granularity=granularity,
        date_upload=date_upload,
        last_update=last_update,
        media=cast(Media, media),
        original_format=original_format,
        original_secret=original_secret,
        o_width=o_width,
        o_height=o_height,
        url_o=url_o,
        url_small=url_small,
        is_public=bool(is_public),
        is_friend=bool(is_friend),
        is_family=bool(is_family),
    )
