"""The store's photos room: photos (rows and their original files), tags, and the photo queries
behind every list method (people.getPhotos, photos.search, getNotInSet, recentlyUpdated,
photosets.getPhotos)."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from fakeflickr.media import generate_jpeg, generate_mp4
from fakeflickr.state.base import StoreBase, chunks
from fakeflickr.state.records import Photo, PhotoQuery, Tag, new_secret
from fakeflickr.text import ParsedTag, clean_text


def _row_photo(row: sqlite3.Row) -> Photo:
    """A ``photos`` row (columns in the dataclass's field order, see SCHEMA)."""
    return Photo(*row)


SORTS: dict[str, str] = {
    "date-posted-desc": "p.dateupload DESC, p.id DESC",
    "date-posted-asc": "p.dateupload ASC, p.id ASC",
    "date-taken-desc": "p.datetaken DESC, p.id DESC",
    "date-taken-asc": "p.datetaken ASC, p.id ASC",
    "interestingness-desc": "p.views DESC, p.id DESC",
    "interestingness-asc": "p.views ASC, p.id ASC",
    "relevance": "p.dateupload DESC, p.id DESC",
    "lastupdate-desc": "p.lastupdate DESC, p.id DESC",
    "set-order": "sp.position ASC",
}


class PhotosMixin(StoreBase):
    """Photos, their files, tags and queries."""

    def _next_photo_ids(self, count: int) -> list[int]:
        """Photo ids grow like Flickr's (11 digits, increasing, not contiguous)."""
        current = self._meta_get("next_photo_id")
        ids: list[int] = []
        value = None if current is None else int(current)
        for _ in range(count):
            value = 53000000001 if value is None else value + 1 + value % 7
            ids.append(value)
        if ids:
            self._meta_set("next_photo_id", str(ids[-1]))
        return ids

    def _next_photo_id(self) -> int:
        return self._next_photo_ids(1)[0]

    # --- photos -------------------------------------------------------------------------------------

    def ensure_original(self, photo: Photo) -> tuple[Photo, Path]:
        """The original's path; a lazily seeded photo gets its deterministic bytes now (a JPEG
        with the EXIF date taken when known, or a minimal MP4 for a video)."""
        path = self.original_path(photo)
        if path is not None and path.exists():
            return photo, path
        with self.lock:
            fresh = self.photo(photo.id)
            assert fresh is not None
            path = self.original_path(fresh)
            if path is not None and path.exists():
                return fresh, path
            if fresh.media == "video":
                data = generate_mp4(fresh.width, fresh.height, fresh.duration or 1, seed=f"{fresh.id}")
            else:
                date = None if fresh.takenunknown or fresh.datetaken.startswith("0000") else fresh.datetaken
                data = generate_jpeg(f"{fresh.id}", fresh.width, fresh.height, date)
            tmp = self.blobs.incoming(f"lazy-{fresh.id}")
            tmp.write_bytes(data)
            updated = self.attach_file(fresh.id, tmp)
            final = self.original_path(updated)
            assert final is not None
            return updated, final

    def original_path(self, photo: Photo) -> Path | None:
        return None if photo.file_path is None else self.blobs.path(photo.file_path)

    def cache_path(self, photo: Photo, suffix: str) -> Path:
        return self.blobs.cache_path(photo, suffix)

    def add_photo(
        self,
        *,
        owner: str,
        title: str,
        description: str,
        tags: Sequence[ParsedTag],
        ispublic: int,
        isfriend: int,
        isfamily: int,
        dateupload: int,
        datetaken: str,
        takenunknown: int,
        media: str,
        originalformat: str,
        width: int,
        height: int,
        takengranularity: int = 0,
        safety_level: int = 0,
        content_type: int = 1,
        hidden: int = 1,
        license: str = "0",
        views: int = 0,
        duration: int | None = None,
        source_file: Path | None = None,
        source_digest: tuple[int, str] | None = None,
        lastupdate: int | None = None,
    ) -> Photo:
        """Insert one photo. ``source_file`` (moved into originals/) holds its bytes; without it
        the photo is "lazy": a deterministic JPEG is generated on first download."""
        with self.tx() as db:
            photo_id = self._next_photo_id()
            originalsecret = new_secret()
            rel = None
            size = md5 = None
            if source_file is not None:
                rel = self.blobs.original_rel(photo_id, originalsecret, originalformat)
                size, md5 = self.blobs.put(source_file, rel, source_digest)
            searchable = dateupload + self.config.search_index_delay
            db.execute(
                "INSERT INTO photos (id, owner, secret, originalsecret, server, farm, title,"
                " description, ispublic, isfriend, isfamily, safety_level, content_type, hidden,"
                " license, perm_comment, perm_addmeta, dateupload, lastupdate, datetaken,"
                " takengranularity, takenunknown, media, originalformat, width, height, rotation,"
                " views, duration, file_path, file_size, file_md5, searchable_at)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 3, 2, ?, ?, ?, ?, ?, ?, ?,"
                " ?, ?, 0, ?, ?, ?, ?, ?, ?)",
                (
                    photo_id,
                    owner,
                    new_secret(),
                    originalsecret,
                    self.config.server,
                    self.config.farm,
                    title,
                    description,
                    ispublic,
                    isfriend,
                    isfamily,
                    safety_level,
                    content_type,
                    hidden,
                    license,
                    dateupload,
                    lastupdate if lastupdate is not None else dateupload,
                    datetaken,
                    takengranularity,
                    takenunknown,
                    media,
                    originalformat,
                    width,
                    height,
                    views,
                    duration,
                    rel,
                    size,
                    md5,
                    searchable,
                ),
            )
            self._insert_tags(photo_id, owner, tags)
            photo = self.photo(photo_id)
            assert photo is not None
            return photo

    def add_photos_bulk(self, rows: list[dict[str, Any]]) -> list[int]:
        """Fast insert of many lazy photos (no files). Each row has the ``add_photo`` keywords
        (minus ``source_file``) plus ``tags`` as parsed tags."""
        with self.tx() as db:
            ids = self._next_photo_ids(len(rows))
            photo_rows = []
            tag_rows: list[tuple[int, str, list[ParsedTag]]] = []
            for photo_id, row in zip(ids, rows, strict=True):
                photo_rows.append(
                    (
                        photo_id,
                        row["owner"],
                        new_secret(),
                        new_secret(),
                        self.config.server,
                        self.config.farm,
                        row["title"],
                        row["description"],
                        row["ispublic"],
                        row["isfriend"],
                        row["isfamily"],
                        row.get("safety_level", 0),
                        row.get("content_type", 1),
                        row.get("hidden", 1),
                        row.get("license", "0"),
                        row["dateupload"],
                        row.get("lastupdate") or row["dateupload"],
                        row["datetaken"],
                        row.get("takengranularity", 0),
                        row["takenunknown"],
                        row["media"],
                        row["originalformat"],
                        row["width"],
                        row["height"],
                        row.get("views", 0),
                        row.get("duration"),
                        row["dateupload"] + self.config.search_index_delay,
                    )
                )
                tag_rows.append((photo_id, row["owner"], row["tags"]))
            db.executemany(
                "INSERT INTO photos (id, owner, secret, originalsecret, server, farm, title,"
                " description, ispublic, isfriend, isfamily, safety_level, content_type, hidden,"
                " license, perm_comment, perm_addmeta, dateupload, lastupdate, datetaken,"
                " takengranularity, takenunknown, media, originalformat, width, height, rotation,"
                " views, duration, file_path, file_size, file_md5, searchable_at)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 3, 2, ?, ?, ?, ?, ?, ?, ?,"
                " ?, ?, 0, ?, ?, NULL, NULL, NULL, ?)",
                photo_rows,
            )
            self._insert_tags_bulk(tag_rows)
        return ids

    def attach_file(self, photo_id: int, source_file: Path) -> Photo:
        """Give a (lazy) photo its original bytes."""
        with self.tx() as db:
            photo = self.photo(photo_id)
            assert photo is not None
            rel = self.blobs.original_rel(photo.id, photo.originalsecret, photo.originalformat)
            size, md5 = self.blobs.put(source_file, rel)
            db.execute(
                "UPDATE photos SET file_path = ?, file_size = ?, file_md5 = ? WHERE id = ?",
                (rel, size, md5, photo_id),
            )
            updated = self.photo(photo_id)
            assert updated is not None
            return updated

    def replace_file(
        self,
        photo_id: int,
        source_file: Path,
        probe_fields: dict[str, Any],
        source_digest: tuple[int, str] | None = None,
    ) -> Photo:
        """Swap a photo's bytes (replace API): new secrets, same id and metadata."""
        with self.tx() as db:
            old = self.photo(photo_id)
            assert old is not None
            originalsecret = new_secret()
            fmt = str(probe_fields["originalformat"])
            rel = self.blobs.original_rel(photo_id, originalsecret, fmt)
            size, md5 = self.blobs.put(source_file, rel, source_digest)
            now = self.now()
            db.execute(
                "UPDATE photos SET secret = ?, originalsecret = ?, originalformat = ?, media = ?,"
                " width = ?, height = ?, duration = ?, file_path = ?, file_size = ?, file_md5 = ?,"
                " lastupdate = ? WHERE id = ?",
                (
                    new_secret(),
                    originalsecret,
                    fmt,
                    probe_fields["media"],
                    probe_fields["width"],
                    probe_fields["height"],
                    probe_fields.get("duration"),
                    rel,
                    size,
                    md5,
                    now,
                    photo_id,
                ),
            )
            if old.file_path:
                self.blobs.remove(old.file_path)
            updated = self.photo(photo_id)
            assert updated is not None
            return updated

    def photo(self, photo_id: int) -> Photo | None:
        row = self.read_one("SELECT * FROM photos WHERE id = ?", (photo_id,))
        return None if row is None else _row_photo(row)

    def photos_by_id(self, ids: Iterable[int]) -> dict[int, Photo]:
        wanted = sorted(set(ids))
        out: dict[int, Photo] = {}
        with self.tx() as db:
            for chunk in chunks(wanted, 500):
                marks = ",".join("?" * len(chunk))
                for row in db.execute(f"SELECT * FROM photos WHERE id IN ({marks})", chunk):  # noqa: S608
                    out[row["id"]] = _row_photo(row)
        return out

    def count_items(self, owner: str) -> int:
        with self.tx() as db:
            photos = db.execute("SELECT COUNT(*) FROM photos WHERE owner = ?", (owner,)).fetchone()[0]
            pending = db.execute(
                "SELECT COUNT(*) FROM tickets WHERE user_nsid = ? AND kind = 'upload' AND complete = 0",
                (owner,),
            ).fetchone()[0]
            return int(photos) + int(pending)

    def count_videos(self, owner: str) -> int:
        with self.tx() as db:
            row = db.execute(
                "SELECT COUNT(*) FROM photos WHERE owner = ? AND media = 'video'", (owner,)
            ).fetchone()
            return int(row[0])

    def touch(self, photo_id: int) -> None:
        """Bump lastupdate (any metadata change) and re-index for search."""
        now = self.now()
        self.db.execute(
            "UPDATE photos SET lastupdate = ?, searchable_at = ? WHERE id = ?",
            (now, now + self.config.search_index_delay, photo_id),
        )

    def update_photo(self, photo_id: int, touch: bool = True, **values: Any) -> Photo:
        allowed = {
            "title",
            "description",
            "ispublic",
            "isfriend",
            "isfamily",
            "perm_comment",
            "perm_addmeta",
            "secret",
            "dateupload",
            "datetaken",
            "takengranularity",
            "takenunknown",
            "safety_level",
            "content_type",
            "hidden",
            "license",
            "views",
        }
        with self.tx():
            self._update_columns("photos", "id", photo_id, values, allowed)
            if touch:
                self.touch(photo_id)
            photo = self.photo(photo_id)
            assert photo is not None
            return photo

    # --- queries ------------------------------------------------------------------------------------

    def count_photos(self, q: PhotoQuery) -> int:
        join, where, args = self._photo_filter(q)
        with self.tx() as db:
            return int(db.execute(f"SELECT COUNT(*) FROM photos p{join}{where}", args).fetchone()[0])  # noqa: S608

    def select_photos(self, q: PhotoQuery, per_page: int, page: int) -> list[Photo]:
        """One 1-based page of the photos ``q`` matches, in ``q.sort`` order."""
        join, where, args = self._photo_filter(q)
        with self.tx() as db:
            rows = db.execute(
                f"SELECT p.* FROM photos p{join}{where} ORDER BY {SORTS[q.sort]} LIMIT ? OFFSET ?",  # noqa: S608
                [*args, per_page, (page - 1) * per_page],
            ).fetchall()
        return [_row_photo(r) for r in rows]

    def _photo_filter(self, q: PhotoQuery) -> tuple[str, str, list[Any]]:
        """(JOIN clause, WHERE clause, arguments) for a photo query."""
        where: list[str] = []
        args: list[Any] = []
        join = ""
        if q.in_set is not None:
            join = " JOIN set_photos sp ON sp.photo_id = p.id"
            where.append("sp.set_id = ?")
            args.append(q.in_set)
        if q.owner is not None:
            where.append("p.owner = ?")
            args.append(q.owner)
        if q.owner is None or q.owner != q.viewer:
            if q.viewer is None:
                where.append("p.ispublic = 1")
            else:
                where.append("(p.ispublic = 1 OR p.owner = ?)")
                args.append(q.viewer)
        for column, op, value in (
            ("p.dateupload", ">=", q.min_upload),
            ("p.dateupload", "<=", q.max_upload),
            ("p.datetaken", ">=", q.min_taken),
            ("p.datetaken", "<=", q.max_taken),
            ("p.lastupdate", ">=", q.min_lastupdate),
            ("p.searchable_at", "<=", q.searchable_before),
        ):
            if value is not None:
                where.append(f"{column} {op} ?")
                args.append(value)
        if q.media:
            where.append("p.media = ?")
            args.append(q.media)
        if q.privacy_filter is not None:
            where.append(
                {
                    1: "p.ispublic = 1",
                    2: "p.ispublic = 0 AND p.isfriend = 1 AND p.isfamily = 0",
                    3: "p.ispublic = 0 AND p.isfriend = 0 AND p.isfamily = 1",
                    4: "p.ispublic = 0 AND p.isfriend = 1 AND p.isfamily = 1",
                    5: "p.ispublic = 0 AND p.isfriend = 0 AND p.isfamily = 0",
                }[q.privacy_filter]
            )
        if q.tags_any:
            marks = ",".join("?" * len(q.tags_any))
            where.append(f"p.id IN (SELECT photo_id FROM tags WHERE clean IN ({marks}))")  # noqa: S608
            args.extend(q.tags_any)
        for tag in q.tags_all:
            where.append("p.id IN (SELECT photo_id FROM tags WHERE clean = ?)")
            args.append(tag)
        if q.tags_exclude:
            marks = ",".join("?" * len(q.tags_exclude))
            where.append(f"p.id NOT IN (SELECT photo_id FROM tags WHERE clean IN ({marks}))")  # noqa: S608
            args.extend(q.tags_exclude)
        if q.machine_tags:
            parts = []
            for mt in q.machine_tags:
                condition, values = mt.condition()
                parts.append(f"p.id IN (SELECT photo_id FROM tags WHERE machine = 1 AND {condition})")  # noqa: S608
                args.extend(values)
            joiner = " OR " if q.machine_tag_mode == "any" else " AND "
            where.append("(" + joiner.join(parts) + ")")
        for word, negate in [(w, False) for w in q.text_include] + [(w, True) for w in q.text_exclude]:
            like = "%" + word.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
            clean_like = "%" + clean_text(word) + "%"
            cond = (
                "(p.title LIKE ? ESCAPE '\\' OR p.description LIKE ? ESCAPE '\\'"
                " OR p.id IN (SELECT photo_id FROM tags WHERE clean LIKE ?))"
            )
            where.append(("NOT " if negate else "") + cond)
            args.extend([like, like, clean_like])
        if q.exclude_hidden:
            where.append("p.hidden = 1")
        if q.in_pool is not None:
            where.append(
                "p.id IN (SELECT photo_id FROM pool_photos WHERE group_nsid = ? AND state = 'added')"
            )
            args.append(q.in_pool)
        if q.not_in_set:
            where.append("p.id NOT IN (SELECT photo_id FROM set_photos)")
        return join, (" WHERE " + " AND ".join(where)) if where else "", args

    # --- tags ---------------------------------------------------------------------------------------

    def _tag_number(self, clean: str) -> int:
        row = self.db.execute("SELECT num FROM tag_numbers WHERE clean = ?", (clean,)).fetchone()
        if row is not None:
            return int(row[0])
        num = self._counter("next_tag_num", 1211, 1)
        self.db.execute("INSERT INTO tag_numbers (clean, num) VALUES (?, ?)", (clean, num))
        return num

    def _insert_tags_bulk(self, rows: list[tuple[int, str, list[ParsedTag]]]) -> None:
        """Tags of many new photos at once (bulk seeding)."""
        cleans = sorted({t.clean for _, _, tags in rows for t in tags})
        numbers: dict[str, int] = {}
        for chunk in chunks(cleans, 500):
            marks = ",".join("?" * len(chunk))
            for r in self.db.execute(f"SELECT clean, num FROM tag_numbers WHERE clean IN ({marks})", chunk):  # noqa: S608
                numbers[r[0]] = int(r[1])
        missing = [c for c in cleans if c not in numbers]
        if missing:
            current = self._meta_get("next_tag_num")
            start = 1211 if current is None else int(current) + 1
            for offset, clean in enumerate(missing):
                numbers[clean] = start + offset
            self.db.executemany(
                "INSERT INTO tag_numbers (clean, num) VALUES (?, ?)", [(c, numbers[c]) for c in missing]
            )
            self._meta_set("next_tag_num", str(start + len(missing) - 1))
        self.db.executemany(
            "INSERT OR IGNORE INTO tags (photo_id, author, raw, clean, machine, num)"
            " VALUES (?, ?, ?, ?, ?, ?)",
            [
                (photo_id, author, t.raw, t.clean, int(t.machine), numbers[t.clean])
                for photo_id, author, tags in rows
                for t in tags
            ],
        )

    def _insert_tags(self, photo_id: int, author: str, tags: Sequence[ParsedTag]) -> list[ParsedTag]:
        added = []
        for tag in tags:
            cur = self.db.execute(
                "INSERT OR IGNORE INTO tags (photo_id, author, raw, clean, machine, num)"
                " VALUES (?, ?, ?, ?, ?, ?)",
                (photo_id, author, tag.raw, tag.clean, int(tag.machine), self._tag_number(tag.clean)),
            )
            if cur.rowcount:
                added.append(tag)
        return added

    def add_tags(self, photo_id: int, author: str, tags: Sequence[ParsedTag]) -> list[Tag]:
        with self.tx():
            added = self._insert_tags(photo_id, author, tags)
            if added:
                self.touch(photo_id)
            cleans = {t.clean for t in added}
            return [t for t in self.tags_for([photo_id]).get(photo_id, []) if t.clean in cleans]

    def count_tags(self, photo_id: int) -> int:
        with self.tx() as db:
            return int(db.execute("SELECT COUNT(*) FROM tags WHERE photo_id = ?", (photo_id,)).fetchone()[0])

    def set_tags(self, photo_id: int, author: str, tags: Sequence[ParsedTag]) -> None:
        """Replace the tags ``author`` added (tags by other people stay)."""
        with self.tx() as db:
            db.execute("DELETE FROM tags WHERE photo_id = ? AND author = ?", (photo_id, author))
            self._insert_tags(photo_id, author, tags)
            self.touch(photo_id)

    def tag_by_id(self, tag_id: str) -> Tag | None:
        parts = tag_id.split("-")
        if len(parts) != 3 or not all(p.isdigit() for p in parts):
            return None
        photo_id, num = int(parts[1]), int(parts[2])
        tags = [t for t in self.tags_for([photo_id]).get(photo_id, []) if t.id == tag_id]
        del num
        return tags[0] if tags else None

    def remove_tag(self, tag: Tag) -> None:
        with self.tx() as db:
            db.execute("DELETE FROM tags WHERE photo_id = ? AND clean = ?", (tag.photo_id, tag.clean))
            self.touch(tag.photo_id)

    def tags_for(self, photo_ids: Iterable[int]) -> dict[int, list[Tag]]:
        wanted = sorted(set(photo_ids))
        out: dict[int, list[Tag]] = {}
        with self.tx() as db:
            for chunk in chunks(wanted, 500):
                marks = ",".join("?" * len(chunk))
                rows = db.execute(
                    "SELECT t.photo_id, t.author, t.raw, t.clean, t.machine, t.num, u.num AS unum"  # noqa: S608
                    " FROM tags t JOIN photos p ON p.id = t.photo_id"
                    " JOIN users u ON u.nsid = p.owner"
                    f" WHERE t.photo_id IN ({marks}) ORDER BY t.seq",
                    chunk,
                )
                for r in rows:
                    out.setdefault(r["photo_id"], []).append(
                        Tag(
                            id=f"{r['unum']}-{r['photo_id']}-{r['num']}",
                            photo_id=r["photo_id"],
                            author=r["author"],
                            raw=r["raw"],
                            clean=r["clean"],
                            machine=bool(r["machine"]),
                        )
                    )
        return out
