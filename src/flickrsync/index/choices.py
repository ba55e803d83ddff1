"""The user's own choices in the index: the ignore list (``flickrsync ignore``), the photos
identified by hand (``flickrsync identify``) and the pairs said to be different (``flickrsync
identify --different``). :mod:`flickrsync.userlists` keeps them in step with
their files in the home dir, which survive an index rebuild."""

from __future__ import annotations

from collections.abc import Iterable
from typing import cast

from flickrsync.index._base import IndexBase, dec, enc, now_s
from flickrsync.models import ContentId, Distinction, Identification, IgnoreEntry, IgnoreKind, PhotoId


def _value(entry: IgnoreEntry) -> bytes:
    # Paths as the OS's bytes (any name round-trips); ids are ASCII.
    return enc(entry.value)


class ChoiceStore(IndexBase):
    """Ignored pictures, paths and photos; photos identified by hand; pairs said different."""

    # -- ignored -----------------------------------------------------------------------------

    def ignored(self) -> list[IgnoreEntry]:
        """The ignore list, sorted by kind and value."""
        rows = self._conn.execute("SELECT kind, value, note FROM ignored ORDER BY kind, value")
        return [IgnoreEntry(cast(IgnoreKind, kind), dec(value), note) for kind, value, note in rows]

    def add_ignored(self, entries: Iterable[IgnoreEntry], *, now: float | None = None) -> None:
        """Add entries (one already there keeps its note unless a new one is given)."""
        stamp = now_s(now)
        with self.transaction(durable=True):
            self._conn.executemany(
                "INSERT INTO ignored(kind, value, note, added_at) VALUES (?, ?, ?, ?) "
                "ON CONFLICT(kind, value) DO UPDATE SET note = "
                "CASE WHEN excluded.note = '' THEN note ELSE excluded.note END",
                [(e.kind, _value(e), e.note, stamp) for e in entries],
            )

    def remove_ignored(self, entries: Iterable[IgnoreEntry]) -> int:
        """Remove entries (by kind and value); returns how many were there."""
        count = 0
        with self.transaction(durable=True):
            for e in entries:
                cursor = self._conn.execute(
                    "DELETE FROM ignored WHERE kind = ? AND value = ?", (e.kind, _value(e))
                )
                count += cursor.rowcount
        return count

    def replace_ignored(self, entries: Iterable[IgnoreEntry], *, now: float | None = None) -> None:
        """The ignore list becomes exactly ``entries``."""
        with self.transaction(durable=True):
            self._conn.execute("DELETE FROM ignored")
            self.add_ignored(entries, now=now)

    # -- identified --------------------------------------------------------------------------

    def identified(self) -> list[Identification]:
        """Photos identified by hand, sorted by photo id (as Flickr numbers them)."""
        rows = self._conn.execute("SELECT photo_id, content_id, note FROM identified")
        found = [Identification(PhotoId(p), ContentId(c), n) for p, c, n in rows]
        return sorted(found, key=lambda i: (len(i.photo_id), i.photo_id))

    def add_identified(self, items: Iterable[Identification], *, now: float | None = None) -> None:
        """Record identifications; a photo identified again takes the new picture."""
        stamp = now_s(now)
        with self.transaction(durable=True):
            self._conn.executemany(
                "INSERT OR REPLACE INTO identified(photo_id, content_id, note, added_at) VALUES (?, ?, ?, ?)",
                [(i.photo_id, i.content_id, i.note, stamp) for i in items],
            )

    def remove_identified(self, photo_ids: Iterable[PhotoId]) -> int:
        count = 0
        with self.transaction(durable=True):
            for pid in photo_ids:
                count += self._conn.execute("DELETE FROM identified WHERE photo_id = ?", (pid,)).rowcount
        return count

    def replace_identified(self, items: Iterable[Identification], *, now: float | None = None) -> None:
        with self.transaction(durable=True):
            self._conn.execute("DELETE FROM identified")
            self.add_identified(items, now=now)

    # -- different ---------------------------------------------------------------------------

    def different(self) -> list[Distinction]:
        """Pairs said to be different pictures, sorted by photo id (as Flickr numbers them)."""
        rows = self._conn.execute("SELECT photo_id, content_id, note FROM different")
        found = [Distinction(PhotoId(p), ContentId(c), n) for p, c, n in rows]
        return sorted(found, key=lambda d: (len(d.photo_id), d.photo_id, d.content_id))

    def add_different(self, items: Iterable[Distinction], *, now: float | None = None) -> None:
        """Record pairs (one already there keeps its note unless a new one is given)."""
        stamp = now_s(now)
        with self.transaction(durable=True):
            self._conn.executemany(
                "INSERT INTO different(photo_id, content_id, note, added_at) VALUES (?, ?, ?, ?) "
                "ON CONFLICT(photo_id, content_id) DO UPDATE SET note = "
                "CASE WHEN excluded.note = '' THEN note ELSE excluded.note END",
                [(d.photo_id, d.content_id, d.note, stamp) for d in items],
            )

    def remove_different(self, pairs: Iterable[tuple[PhotoId, ContentId]]) -> int:
        """Forget pairs (by photo and content id); returns how many were there."""
        count = 0
        with self.transaction(durable=True):
            for pid, cid in pairs:
                cursor = self._conn.execute(
                    "DELETE FROM different WHERE photo_id = ? AND content_id = ?", (pid, cid)
                )
                count += cursor.rowcount
        return count

    def replace_different(self, items: Iterable[Distinction], *, now: float | None = None) -> None:
        with self.transaction(durable=True):
            self._conn.execute("DELETE FROM different")
            self.add_different(items, now=now)
