"""The journals of the index: what the sync engine is about to do, committed before it does it,
so that a killed run is safe to repeat — upload intents (resolved by searching Flickr for the
picture's machine tag), download intents (which may leave a temporary file behind), and the
photos added to group pools (each is added once).

A journal entry closes in the same transaction as what it proves: a finished upload or download
links the picture to the Flickr photo (remote side), a download also marks the picture as coming
from Flickr (local side). That is why :class:`JournalStore` builds on both sides."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from flickrsync.errors import DatabaseError
from flickrsync.index._base import dec, enc, now_s
from flickrsync.index.library import LibraryStore
from flickrsync.index.remote import RemoteStore
from flickrsync.models import ContentId, DownloadIntent, LocalPath, Nsid, PhotoId, UploadIntent


class JournalStore(LibraryStore, RemoteStore):
    """Upload and download intents, group pool additions."""

    # -- upload journal ----------------------------------------------------------------------

    def begin_upload(
        self, nsid: Nsid, content_id: ContentId, path: LocalPath, *, now: float | None = None
    ) -> int:
        """Commit the intent to upload, before uploading. Returns the journal id."""
        with self.transaction(durable=True):
            cursor = self._conn.execute(
                "INSERT INTO upload_journal(nsid, content_id, root, relpath, started_at) "
                "VALUES (?, ?, ?, ?, ?)",
                (nsid, content_id, enc(path.root), enc(path.relpath), now_s(now)),
            )
            return int(cursor.lastrowid or 0)

    def finish_upload(
        self, intent_id: int, photo_id: PhotoId, *, rule: str = "upload", now: float | None = None
    ) -> None:
        """The upload created ``photo_id``: close the intent and link the picture, atomically."""
        stamp = now_s(now)
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
                (now_s(now), error, intent_id),
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
                path=LocalPath(dec(root), dec(rel)),
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
                (nsid, photo_id, enc(path.root), enc(path.relpath), enc(temp_relpath), now_s(now)),
            )
            return int(cursor.lastrowid or 0)

    def finish_download(self, intent_id: int, content_id: ContentId, *, now: float | None = None) -> None:
        """The file is in place and indexed as ``content_id``: record it, link the picture to the
        photo (rule ``download``) and mark it as coming from Flickr. The intent stays open until
        :meth:`close_download` (its temporary name is gone): a run killed in between leaves a
        second, hidden name of the file, which the next run removes."""
        stamp = now_s(now)
        with self.transaction(durable=True):
            row = self._conn.execute(
                "SELECT nsid, photo_id FROM download_journal WHERE id = ?", (intent_id,)
            ).fetchone()
            if row is None:
                raise DatabaseError(f"{self.path}: no download journal row {intent_id}")
            nsid, photo_id = row
            self._conn.execute(
                "UPDATE download_journal SET content_id = ?, error = NULL WHERE id = ?",
                (content_id, intent_id),
            )
            self.add_link(Nsid(nsid), PhotoId(photo_id), content_id, "download", now=stamp)
            self.set_picture_origin(content_id, Nsid(nsid), PhotoId(photo_id))

    def fail_download(self, intent_id: int, error: str) -> None:
        """The download failed (recorded; the intent stays open until :meth:`close_download`)."""
        with self.transaction(durable=True):
            self._conn.execute("UPDATE download_journal SET error = ? WHERE id = ?", (error, intent_id))

    def close_download(self, intent_id: int, *, now: float | None = None) -> None:
        """The download's outcome is recorded and its temporary name is gone: nothing is left to
        settle."""
        with self.transaction(durable=True):
            self._conn.execute(
                "UPDATE download_journal SET finished_at = ? WHERE id = ?", (now_s(now), intent_id)
            )

    def open_downloads(self, nsid: Nsid) -> list[DownloadIntent]:
        """Downloads not closed: their outcome may be unknown, or their temporary name left
        behind (a recorded outcome has ``content_id`` or ``error``)."""
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
                path=LocalPath(dec(root), dec(rel)),
                temp_relpath=dec(temp),
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
        stamp = now_s(now)
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
