"""The remote side of the index, scoped by account (NSID): accounts and their sync watermarks,
Flickr photos (with the perceptual-hash and original caches the matcher relies on), photosets
and their membership, and the links between local pictures and Flickr photos."""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from operator import itemgetter
from typing import Any, cast

from flickrsync.errors import DatabaseError
from flickrsync.index._base import IndexBase, dec, enc, now_s
from flickrsync.models import (
    Account,
    ContentId,
    Link,
    Media,
    Nsid,
    PhotoId,
    Photoset,
    PhotosetId,
    RemotePhoto,
    SyncState,
)

_REMOTE_COLUMNS = (
    "id, title, secret, server, farm, description, tags, machine_tags, date_taken, "
    "date_taken_unknown, date_taken_granularity, date_upload, last_update, media, original_format, "
    "original_secret, o_width, o_height, url_o, url_small, is_public, is_friend, is_family"
)


#: The columns :meth:`RemoteStore.upsert_remote_photos` writes, in :func:`_remote_row`'s order;
#: a photo listed again refreshes all of them but its key.
_REMOTE_ROW_COLUMNS = ("nsid", *(c.strip() for c in _REMOTE_COLUMNS.split(",")))
_REMOTE_UPSERT = " ON CONFLICT(nsid, id) DO UPDATE SET " + ", ".join(
    f"{c} = excluded.{c}" for c in _REMOTE_ROW_COLUMNS[2:]
)
#: Tags as stored: a JSON list (one encoder for every photo: ``json.dumps`` with options makes
#: one per call).
_TAGS_JSON = json.JSONEncoder(ensure_ascii=False).encode


def _tags_json(tags: tuple[str, ...]) -> str:
    return _TAGS_JSON(tags) if tags else "[]"


def _remote_row(nsid: Nsid, p: RemotePhoto) -> tuple[Any, ...]:
    return (
        nsid, p.id, p.title, p.secret, p.server, p.farm, p.description, _tags_json(p.tags),
        _tags_json(p.machine_tags), p.date_taken, int(p.date_taken_unknown), p.date_taken_granularity,
        p.date_upload, p.last_update, p.media, p.original_format, p.original_secret, p.o_width,
        p.o_height, p.url_o, p.url_small, int(p.is_public), int(p.is_friend), int(p.is_family),
    )  # fmt: skip


def _photo_id(photo: RemotePhoto) -> str:
    return photo.id


def _strings(text: str) -> tuple[str, ...]:
    """A stored JSON list of strings (tags): most photos have none, read without the parser."""
    return () if text == "[]" else tuple(json.loads(text))


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
        tags=_strings(tags),
        machine_tags=_strings(machine_tags),
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


class RemoteStore(IndexBase):
    """Accounts, Flickr photos, photosets and links (the remote side, per account)."""

    # -- accounts ----------------------------------------------------------------------------

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
        # In id order (a stable sort: a photo given twice still ends as the last one given): a
        # listing comes newest first, and ids in that order land all over the table's pages
        # (100,000 photos: 1.10 s of CPU in SQLite, 0.37 s sorted).
        rows = sorted((_remote_row(nsid, p) for p in photos), key=itemgetter(1))
        with self.transaction(durable=True):
            self.insert_rows("remote_photo", _REMOTE_ROW_COLUMNS, rows, upsert=_REMOTE_UPSERT)
        return len(rows)

    @staticmethod
    def as_read_back(photos: Iterable[RemotePhoto]) -> list[RemotePhoto]:
        """``photos`` as :meth:`remote_photos` reads them back once they are all the account's
        photos in the index (stored by :meth:`upsert_remote_photos`, every other one deleted):
        one per id, the last given, sorted by id as SQLite sorts the column (the bytes of UTF-8:
        Python's order of strings). Every field is stored as it is and read back as it was,
        types included (tests/integration/test_index.py), so a caller that has just stored a
        whole account need not read it back."""
        return sorted({p.id: p for p in photos}.values(), key=_photo_id)

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
        stamp = now_s(now)
        with self.transaction(durable=True):
            self._conn.executemany(
                "UPDATE remote_photo SET phash = ?, phash_url = ?, phash_at = ? WHERE nsid = ? AND id = ?",
                [(value, url, stamp, nsid, pid) for pid, (value, url) in hashes.items()],
            )

    def tags_full(self, nsid: Nsid) -> set[PhotoId]:
        """Photos that refused our machine tag (as many tags as Flickr allows) and have not
        changed on Flickr since."""
        rows = self._conn.execute(
            "SELECT id FROM remote_photo WHERE nsid = ? AND tags_full_update IS last_update", (nsid,)
        )
        return {PhotoId(pid) for (pid,) in rows}

    def set_tags_full(self, nsid: Nsid, photo_id: PhotoId) -> None:
        """Remember that ``photo_id`` refused our machine tag, as it is now on Flickr."""
        with self.transaction(durable=True):
            self._conn.execute(
                "UPDATE remote_photo SET tags_full_update = last_update WHERE nsid = ? AND id = ?",
                (nsid, photo_id),
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
        stamp = now_s(now)
        with self.transaction(durable=True):
            self._conn.executemany(
                "UPDATE remote_photo SET original_cid = ?, original_key = ?, original_at = ? "
                "WHERE nsid = ? AND id = ?",
                [(cid, key, stamp, nsid, pid) for pid, (cid, key) in originals.items()],
            )

    # -- photosets ---------------------------------------------------------------------------

    def replace_photosets(self, nsid: Nsid, photosets: Sequence[Photoset]) -> None:
        """The account's full list of sets, in Flickr's order. Sets not in it are deleted with
        their membership and what the photoset step remembers of them; the rest is kept."""
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

    # -- what the photoset step remembers ------------------------------------------------------

    def photoset_memory(
        self, nsid: Nsid
    ) -> tuple[dict[PhotosetId, str], dict[PhotosetId, frozenset[PhotoId]]]:
        """The folder each set stands for in this library, and the photos of each set this library
        held in that folder after the last photoset step."""
        links = {
            PhotosetId(sid): dec(folder)
            for sid, folder in self._conn.execute(
                "SELECT photoset_id, folder FROM photoset_link WHERE nsid = ?", (nsid,)
            )
        }
        placed: dict[PhotosetId, set[PhotoId]] = {}
        for sid, pid in self._conn.execute(
            "SELECT photoset_id, photo_id FROM photoset_placed WHERE nsid = ?", (nsid,)
        ):
            placed.setdefault(PhotosetId(sid), set()).add(PhotoId(pid))
        return links, {sid: frozenset(ids) for sid, ids in placed.items()}

    def remember_photosets(
        self,
        nsid: Nsid,
        links: Iterable[tuple[PhotosetId, str, Iterable[PhotoId] | None]],
        *,
        now: float | None = None,
    ) -> None:
        """Set ``photoset_id`` stands for ``folder`` here; its photos placed there are the given
        ones (None: unchanged). A set not in the index's list of sets is skipped."""
        with self.transaction(durable=True):
            for sid, folder, placed in links:
                known = self._conn.execute(
                    "SELECT 1 FROM photoset WHERE nsid = ? AND id = ?", (nsid, sid)
                ).fetchone()
                if known is None:
                    continue
                self._conn.execute(
                    "INSERT INTO photoset_link(nsid, photoset_id, folder, linked_at) VALUES (?, ?, ?, ?) "
                    "ON CONFLICT(nsid, photoset_id) DO UPDATE SET folder = excluded.folder, "
                    "linked_at = excluded.linked_at WHERE folder IS NOT excluded.folder",
                    (nsid, sid, enc(folder), now_s(now)),
                )
                if placed is None:
                    continue
                self._conn.execute(
                    "DELETE FROM photoset_placed WHERE nsid = ? AND photoset_id = ?", (nsid, sid)
                )
                self._conn.executemany(
                    "INSERT INTO photoset_placed(nsid, photoset_id, photo_id) VALUES (?, ?, ?)",
                    [(nsid, sid, pid) for pid in sorted(set(placed))],
                )

    def link_photoset(
        self, nsid: Nsid, photoset_id: PhotosetId, folder: str, *, now: float | None = None
    ) -> None:
        """Set ``photoset_id`` stands for ``folder`` here, unless it already stands for one."""
        with self.transaction(durable=True):
            self._conn.execute(
                "INSERT INTO photoset_link(nsid, photoset_id, folder, linked_at) "
                "SELECT ?, ?, ?, ? WHERE EXISTS (SELECT 1 FROM photoset WHERE nsid = ? AND id = ?) "
                "ON CONFLICT(nsid, photoset_id) DO NOTHING",
                (nsid, photoset_id, enc(folder), now_s(now), nsid, photoset_id),
            )

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
                (nsid, photo_id, content_id, rule, now_s(now)),
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
