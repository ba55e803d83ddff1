"""The index's schema: tables, the named migrations that build them, and the connection's TEMP
triggers. The file format is documented in ``docs/index-format.md``.

Rules kept here:

* The file is shared with flickrsync 0.1.1, which used the same name in the same home dir with the
  tables ``FlickrPhotos``, ``LocalPhotos`` (and temporary ``FlickrPhotosets``, ``Search``) and
  indexes ``idx_*``. No name of ours collides with those (SQLite names are case-insensitive), and
  we never read, change or drop theirs.
* The schema changes only through the named migrations in :data:`MIGRATIONS`, applied in order,
  each in one transaction that also bumps ``PRAGMA user_version`` and records its name in
  ``schema_migration`` (:func:`migrate`). Never drop and rebuild; never edit a released migration.
* An index written by a newer flickrsync (a higher ``user_version``) is refused, not downgraded.
"""

from __future__ import annotations

import logging
import sqlite3
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from flickrsync import statkey
from flickrsync.errors import DatabaseError

log = logging.getLogger("flickrsync.index")

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
COUNTS_KEY = "local_counts"
#: Drop the kept counts whenever a statement changes what they count. TEMP triggers belong to
#: the connection, not the file: every :meth:`Index.open` creates them (no schema change, and
#: flickrsync 0.1.1 never sees them). The kept counts also hold the number of files they were
#: computed at, checked on each use, against writers without these triggers.
COUNTS_TRIGGERS = tuple(
    f"CREATE TEMP TRIGGER IF NOT EXISTS flickrsync_counts_{name} AFTER {event} ON main.{table} "  # noqa: S608
    f"BEGIN DELETE FROM meta WHERE key = '{COUNTS_KEY}'; END"
    for name, event, table in (
        ("file_insert", "INSERT", "local_file"),
        ("file_delete", "DELETE", "local_file"),
        ("file_update", "UPDATE OF content_id, media, problem_kind", "local_file"),
        ("picture_insert", "INSERT", "local_picture"),
        ("picture_delete", "DELETE", "local_picture"),
    )
)


def _migration_0001_initial(conn: sqlite3.Connection) -> None:
    for statement in _SCHEMA_1:
        conn.execute(statement)


def _migration_0002_stat_key_any_time(conn: sqlite3.Connection) -> None:
    """Stat keys of 36 bytes (``mtime_ns`` of 96 bits): a file time after 2262 or before 1677
    crashed every scan. Keys are rewritten in place (:func:`flickrsync.statkey.upgrade_v1`);
    manifests are dropped, so the next scan compares each folder file by file once (reading no
    file again) and writes them anew. ``local_file.mtime_ns`` keeps a 64-bit value, clamped for
    such times: the exact stat is the key's."""
    conn.create_function("flickrsync_stat_key_v2", 1, statkey.upgrade_v1, deterministic=True)
    conn.execute("UPDATE local_file SET stat_key = flickrsync_stat_key_v2(stat_key)")
    conn.execute("UPDATE local_dir SET manifest = NULL")


_PHOTOSET_LINK = (
    # A set <-> folder link of this library, and the set's photos it placed there (docs/index-format.md).
    """CREATE TABLE photoset_link (
        nsid TEXT NOT NULL,
        photoset_id TEXT NOT NULL,
        folder BLOB NOT NULL,
        linked_at INTEGER NOT NULL,
        PRIMARY KEY (nsid, photoset_id),
        FOREIGN KEY (nsid, photoset_id) REFERENCES photoset(nsid, id) ON DELETE CASCADE
    ) WITHOUT ROWID""",
    """CREATE TABLE photoset_placed (
        nsid TEXT NOT NULL,
        photoset_id TEXT NOT NULL,
        photo_id TEXT NOT NULL,
        PRIMARY KEY (nsid, photoset_id, photo_id),
        FOREIGN KEY (nsid, photoset_id) REFERENCES photoset_link(nsid, photoset_id) ON DELETE CASCADE
    ) WITHOUT ROWID""",
    # the folders of the sets flickrsync made, remembered until now in photoset.folder
    "INSERT INTO photoset_link(nsid, photoset_id, folder, linked_at) "
    "SELECT nsid, id, folder, CAST(strftime('%s', 'now') AS INTEGER) FROM photoset WHERE folder IS NOT NULL",
)


def _migration_0003_photoset_link(conn: sqlite3.Connection) -> None:
    """Which folder each set stands for in this library, and the photos it placed there (issue
    16 point 7): the photoset step moves a photo out of a set only if it was placed here."""
    for statement in _PHOTOSET_LINK:
        conn.execute(statement)


_SYNCED_PAIRS = (
    """CREATE TABLE synced_pair (
        nsid TEXT NOT NULL REFERENCES account(nsid),
        photo_id TEXT NOT NULL,
        content_id TEXT NOT NULL,
        media TEXT NOT NULL,
        date_taken TEXT,
        phash TEXT,
        width INTEGER,
        height INTEGER,
        synced_at INTEGER NOT NULL,
        PRIMARY KEY (nsid, photo_id)
    ) WITHOUT ROWID""",
    "CREATE INDEX synced_pair_content ON synced_pair(nsid, content_id)",
    """CREATE TABLE synced_path (
        nsid TEXT NOT NULL,
        photo_id TEXT NOT NULL,
        root BLOB NOT NULL,
        relpath BLOB NOT NULL,
        PRIMARY KEY (nsid, photo_id, root, relpath),
        FOREIGN KEY (nsid, photo_id) REFERENCES synced_pair(nsid, photo_id) ON DELETE CASCADE
    ) WITHOUT ROWID""",
)


def _migration_0004_synced_pairs(conn: sqlite3.Connection) -> None:
    """The pairs (Flickr photo, local picture and its paths) each run has seen in sync, so later
    runs tell edits and deletions on either side from new pictures (issue 11). Empty at first:
    the next run that matches fills it in."""
    for statement in _SYNCED_PAIRS:
        conn.execute(statement)


def _migration_0005_remote_photo_tags_full(conn: sqlite3.Connection) -> None:
    """``remote_photo.tags_full_update``: the photo's ``last_update`` when Flickr refused our
    machine tag because the photo holds as many tags as it may (75). The refusal stands while
    the photo is unchanged; any change on Flickr (a tag removed) moves ``last_update``."""
    conn.execute("ALTER TABLE remote_photo ADD COLUMN tags_full_update INTEGER")


def _migration_0006_user_choices(conn: sqlite3.Connection) -> None:
    """The user's own lists (issue 12): what to ignore (``flickrsync ignore``) and which Flickr
    photo is which picture (``flickrsync identify``). Both are also kept in files in the home
    dir (:mod:`flickrsync.userlists`), from which a rebuilt index gets them back."""
    conn.execute(
        """CREATE TABLE ignored (
            kind TEXT NOT NULL CHECK (kind IN ('picture', 'path', 'photo')),
            value BLOB NOT NULL,
            note TEXT NOT NULL DEFAULT '',
            added_at INTEGER NOT NULL,
            PRIMARY KEY (kind, value)
        ) WITHOUT ROWID"""
    )
    conn.execute(
        """CREATE TABLE identified (
            photo_id TEXT PRIMARY KEY,
            content_id TEXT NOT NULL,
            note TEXT NOT NULL DEFAULT '',
            added_at INTEGER NOT NULL
        ) WITHOUT ROWID"""
    )


def _migration_0007_file_metadata(conn: sqlite3.Connection) -> None:
    """A file's own title, description and keywords (issue 12 point 1), read by the scanner in
    the same read as its content id: ``local_file.meta`` (compact JSON, see
    :func:`flickrsync.fingerprint.meta_to_json`). NULL: not read yet (files indexed before this
    migration, read when they are about to be uploaded)."""
    conn.execute("ALTER TABLE local_file ADD COLUMN meta TEXT")


def _migration_0008_different_pairs(conn: sqlite3.Connection) -> None:
    """Pairs the user said are different pictures (``flickrsync identify --different``, the
    review page's "different"): the matcher never pairs them again. Also kept in a file in the
    home dir (:mod:`flickrsync.userlists`), from which a rebuilt index gets them back."""
    conn.execute(
        """CREATE TABLE different (
            photo_id TEXT NOT NULL,
            content_id TEXT NOT NULL,
            note TEXT NOT NULL DEFAULT '',
            added_at INTEGER NOT NULL,
            PRIMARY KEY (photo_id, content_id)
        ) WITHOUT ROWID"""
    )


@dataclass(frozen=True, slots=True)
class Migration:
    """One named, ordered schema change. ``user_version`` counts the migrations applied."""

    name: str
    apply: Callable[[sqlite3.Connection], None]


#: Every schema change ever made, in order. Append only: never edit or reorder a released one.
MIGRATIONS: tuple[Migration, ...] = (
    Migration("0001_initial", _migration_0001_initial),
    Migration("0002_stat_key_any_time", _migration_0002_stat_key_any_time),
    Migration("0003_photoset_link", _migration_0003_photoset_link),
    Migration("0004_synced_pairs", _migration_0004_synced_pairs),
    Migration("0005_remote_photo_tags_full", _migration_0005_remote_photo_tags_full),
    Migration("0006_user_choices", _migration_0006_user_choices),
    Migration("0007_file_metadata", _migration_0007_file_metadata),
    Migration("0008_different_pairs", _migration_0008_different_pairs),
)

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
    "photoset_link",
    "photoset_placed",
    "synced_pair",
    "synced_path",
    "ignored",
    "identified",
    "different",
)


def schema_version(conn: sqlite3.Connection) -> int:
    return int(conn.execute("PRAGMA user_version").fetchone()[0])


def applied_migrations(conn: sqlite3.Connection) -> list[str]:
    rows = conn.execute("SELECT name FROM schema_migration ORDER BY rowid")
    return [name for (name,) in rows]


def migrate(conn: sqlite3.Connection, path: Path) -> list[str]:
    """Apply pending migrations, each in its own transaction; return the names applied."""
    applied: list[str] = []
    while True:
        conn.execute("BEGIN IMMEDIATE")
        try:
            version = schema_version(conn)
            if version > len(MIGRATIONS):
                raise DatabaseError(
                    f"{path}: the index was written by a newer flickrsync "
                    f"(schema {version}, this one knows {len(MIGRATIONS)})",
                    hint="upgrade flickrsync, or use another --database",
                )
            if version == len(MIGRATIONS):
                conn.execute("COMMIT")
                return applied
            migration = MIGRATIONS[version]
            migration.apply(conn)
            conn.execute(
                "INSERT INTO schema_migration(name, applied_at) VALUES (?, ?)",
                (migration.name, int(time.time())),
            )
            conn.execute(f"PRAGMA user_version = {version + 1}")
            conn.execute("COMMIT")
        except BaseException:
            if conn.in_transaction:  # SQLite may have rolled back already (a full disk)
                conn.execute("ROLLBACK")
            raise
        log.info("index %s: applied migration %s", path, migration.name)
        applied.append(migration.name)


def shared_with_011(conn: sqlite3.Connection) -> bool:
    """The file was flickrsync 0.1.1's database: its tables are in it (never read or changed)."""
    row = conn.execute(
        "SELECT 1 FROM sqlite_master WHERE type = 'table' AND lower(name) IN ('localphotos', 'flickrphotos')"
    ).fetchone()
    return row is not None
