"""SQLite index: schema, migrations, queries and journals. The only package that speaks SQL.

One SQLite file per profile (``Settings.database``). It holds what flickrsync knows between runs:
the local library (files, pictures, perceptual hashes), each Flickr account's photos and
photosets, the links between local pictures and Flickr photos, and the upload/download journals
that make a killed run safe to repeat. Callers get and give models (``flickrsync.models``); no SQL
or ``sqlite3`` object leaves this package. The file format is documented in
``docs/index-format.md``.

The package is split along the file's seams, behind one facade, :class:`Index`:

* :mod:`~flickrsync.index.schema`: tables, the named migrations, the connection's TEMP triggers;
* :mod:`~flickrsync.index.library`: the local side (roots, folders, files, pictures);
* :mod:`~flickrsync.index.remote`: the remote side (accounts, Flickr photos, photosets, links);
* :mod:`~flickrsync.index.journals`: upload and download intents, group pool additions;
* :mod:`~flickrsync.index.synced`: the pairs (Flickr photo, local picture) seen in sync;
* :mod:`~flickrsync.index.choices`: the user's ignore list and photos identified by hand.

Rules kept here:

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

import sqlite3
from pathlib import Path

from flickrsync.errors import file_error
from flickrsync.index import schema
from flickrsync.index._base import failure, unusable
from flickrsync.index.choices import ChoiceStore
from flickrsync.index.journals import JournalStore
from flickrsync.index.library import DIGESTS, StatRow
from flickrsync.index.schema import MIGRATIONS, TABLES, Migration
from flickrsync.index.synced import SyncedStore

__all__ = [
    "DIGESTS",
    "MIGRATIONS",
    "TABLES",
    "Index",
    "Migration",
    "StatRow",
]


#: The index's page cache, in KiB (a maximum: pages are cached as they are used).
CACHE_KIB = 16 * 1024
#: WAL pages (4 KiB) written before SQLite copies them into the database file.
CHECKPOINT_PAGES = 10_000


class Index(JournalStore, SyncedStore, ChoiceStore):
    """An open profile index: the local side, the remote side and the journals, in one object.
    Not thread-safe: use it from the thread that opened it.

    Open with :meth:`open` (creates the file and applies pending migrations) and close it, or use
    it as a context manager.
    """

    # -- lifecycle ---------------------------------------------------------------------------

    @classmethod
    def open(cls, path: Path, *, migrate: bool = True) -> Index:
        """Open (creating if needed) the index at ``path`` and bring its schema up to date."""
        where = str(path)
        try:
            if where != ":memory:":
                path.parent.mkdir(parents=True, exist_ok=True)
            conn = sqlite3.connect(where, isolation_level=None, timeout=30.0)
        except OSError as exc:
            raise file_error(str(path.parent), "cannot create the index's folder", exc) from exc
        except sqlite3.Error as exc:
            raise (failure(path, exc, "open") or unusable(path, exc)) from exc
        index = cls(conn, path)
        try:
            conn.execute("PRAGMA journal_mode=WAL").fetchall()
            conn.execute("PRAGMA foreign_keys=ON")
            conn.execute("PRAGMA synchronous=NORMAL")
            # SQLite's default page cache is 2 MB; the index of a 100,000-picture library is
            # ~140 MB and its keys (content ids, photo ids) are random: 40,000 perceptual hashes
            # written take 1.36 s with it, 0.89 s with 16 MB, 0.51 s with 64 MB (which costs its
            # size in memory: a 100k x 100k plan then peaked over 1 GB).
            conn.execute(f"PRAGMA cache_size=-{CACHE_KIB}")
            # Checkpoints every 40 MB of WAL rather than every 4 MB: a first scan of 100,000
            # files writes each page many times over, and spent a third of its index time
            # copying and syncing them (measured: 10.7 s -> 7.1 s for 100,000 files).
            conn.execute(f"PRAGMA wal_autocheckpoint={CHECKPOINT_PAGES}")
            if migrate:
                index.migrate()
                for trigger in schema.COUNTS_TRIGGERS:
                    conn.execute(trigger)
        except sqlite3.Error as exc:
            conn.close()
            raise (failure(path, exc, "open") or unusable(path, exc)) from exc
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

    # -- migrations --------------------------------------------------------------------------

    @property
    def schema_version(self) -> int:
        return schema.schema_version(self._conn)

    def applied_migrations(self) -> list[str]:
        return schema.applied_migrations(self._conn)

    def migrate(self) -> list[str]:
        """Apply pending migrations, each in its own transaction; return the names applied."""
        return schema.migrate(self._conn, self.path)

    def shared_with_011(self) -> bool:
        """The file was flickrsync 0.1.1's database (its tables are still in it, untouched)."""
        return schema.shared_with_011(self._conn)
