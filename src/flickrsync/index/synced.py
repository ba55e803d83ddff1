"""The synced pairs of the index: each Flickr photo and the local picture it was last seen in sync
with (content id, paths, date taken, look, size), per account. Later runs compare them with the
library and the account to tell edits and deletions on either side from new pictures
(:mod:`flickrsync.changes` decides; this module only keeps them).

A pair outlives its photo and its picture on purpose: a photo gone from Flickr whose picture is
still local is *deleted on Flickr*, a picture gone from the library whose photo is still on
Flickr is *deleted locally*. Pairs with neither side left are forgotten by the engine."""

from __future__ import annotations

from collections.abc import Iterable
from typing import cast

from flickrsync.index._base import IndexBase, dec, enc, now_s
from flickrsync.models import ContentId, LocalPath, Media, Nsid, PhotoId, SyncedPair


class SyncedStore(IndexBase):
    """Synced pairs (tables ``synced_pair`` and ``synced_path``)."""

    def synced_pairs(self, nsid: Nsid) -> list[SyncedPair]:
        """Every pair of the account, by photo id (paths sorted)."""
        paths: dict[str, list[LocalPath]] = {}
        for photo_id, root, relpath in self._conn.execute(
            "SELECT photo_id, root, relpath FROM synced_path WHERE nsid = ?", (nsid,)
        ):
            paths.setdefault(photo_id, []).append(LocalPath(dec(root), dec(relpath)))
        rows = self._conn.execute(
            "SELECT photo_id, content_id, media, date_taken, phash, width, height, synced_at "
            "FROM synced_pair WHERE nsid = ? ORDER BY length(photo_id), photo_id",
            (nsid,),
        )
        return [
            SyncedPair(
                photo_id=PhotoId(pid),
                content_id=ContentId(cid),
                paths=tuple(sorted(paths.get(pid, ()), key=lambda p: (p.root, p.relpath))),
                media=cast(Media, media),
                date_taken=date_taken,
                phash=phash,
                width=width,
                height=height,
                synced_at=synced_at,
            )
            for pid, cid, media, date_taken, phash, width, height, synced_at in rows
        ]

    def record_synced(
        self,
        nsid: Nsid,
        pairs: Iterable[SyncedPair],
        forget: Iterable[PhotoId] = (),
        *,
        now: float | None = None,
    ) -> None:
        """Write these pairs (replacing what was known of their photos, paths included) and
        forget the pairs of the photos in ``forget``, in one durable transaction. A pair's
        ``synced_at`` 0 is stamped with now."""
        stamp = now_s(now)
        with self.transaction(durable=True):
            for pid in forget:
                self._conn.execute("DELETE FROM synced_pair WHERE nsid = ? AND photo_id = ?", (nsid, pid))
            for pair in pairs:
                self._conn.execute(
                    "INSERT OR REPLACE INTO synced_pair(nsid, photo_id, content_id, media, date_taken, "
                    "phash, width, height, synced_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    (nsid, pair.photo_id, pair.content_id, pair.media, pair.date_taken, pair.phash,
                     pair.width, pair.height, pair.synced_at or stamp),
                )  # fmt: skip
                self._conn.execute(
                    "DELETE FROM synced_path WHERE nsid = ? AND photo_id = ?", (nsid, pair.photo_id)
                )
                self._conn.executemany(
                    "INSERT OR IGNORE INTO synced_path(nsid, photo_id, root, relpath) VALUES (?, ?, ?, ?)",
                    [(nsid, pair.photo_id, enc(p.root), enc(p.relpath)) for p in pair.paths],
                )
