"""The local side of the index: pictures roots, folders and their manifests, files, pictures,
and the values computed lazily per picture or file (perceptual hashes, whole-file digests).

The scanner writes here (``record_files``, ``copy_files``, ``remove_files``, ``refresh_dirs``);
the sync engine and the CLI query (``pictures``, ``files``, ``counts``, …). A file's stat is also
kept as its stat key, and each folder's files as its manifest: :mod:`flickrsync.statkey` owns
their bytes.
"""

from __future__ import annotations

import dataclasses
import json
import os
from collections.abc import Iterable, Mapping, Sequence
from typing import Any, cast

from flickrsync import statkey
from flickrsync.errors import DatabaseError
from flickrsync.fingerprint import PictureMeta, meta_from_json, meta_to_json
from flickrsync.index._base import IndexBase, clamp64, dec, dir_of, enc, now_s, s64
from flickrsync.index.schema import COUNTS_KEY
from flickrsync.models import (
    ContentId,
    FileSource,
    FileStat,
    Fingerprint,
    IdKind,
    LibraryCounts,
    LocalFile,
    LocalPath,
    LocalPicture,
    Media,
    Nsid,
    PhotoId,
    ProblemKind,
    StatTuple,
)

#: ``(root id, relpath bytes) -> (file id, dev, ino, size, mtime_ns, problem kind)`` for every
#: file in the index (see :meth:`Index.stat_rows`).
StatRow = tuple[int, int, int, int, int, str | None]

#: Whole-file digests the index can keep per file.
DIGESTS = ("md5", "sha1", "sha256")


_FILE_COLUMNS = (
    "f.id, r.path, f.relpath, f.stat_key, f.content_id, f.id_kind, f.media, "
    "f.format, f.width, f.height, f.orientation, f.date_taken, f.subsec, f.tz_offset, f.warnings, "
    "f.problem, f.problem_kind"
)
_FILE_FROM = "local_file f JOIN local_root r ON r.id = f.root_id"
#: :meth:`LibraryStore.file_metas` reads every file's row once it is asked for at least one file
#: in this many (else it joins with the paths asked for).
METAS_BY_SCAN = 4
#: What :meth:`LibraryStore.record_files` writes of a file, in order.
_RECORDED_FILE_COLUMNS = (
    "root_id", "relpath", "dev", "ino", "size", "mtime_ns", "stat_key", "content_id", "id_kind", "media",
    "format", "width", "height", "orientation", "date_taken", "subsec", "tz_offset", "warnings", "problem",
    "problem_kind", "scanned_at", "meta",
)  # fmt: skip


def _file_from_row(row: Sequence[Any]) -> LocalFile:
    (
        _id,
        root,
        relpath,
        key,
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
            warnings=_warnings(warnings),
        )
    dev, ino, size, mtime_ns = statkey.decode(key)
    return LocalFile(
        path=LocalPath(dec(root), dec(relpath)),
        stat=FileStat(size=size, mtime_ns=mtime_ns, dev=dev, ino=ino),
        fingerprint=fingerprint,
        problem=problem,
        problem_kind=cast("ProblemKind | None", problem_kind),
    )


def _warnings(text: str) -> tuple[str, ...]:
    """A file's warnings as stored (a JSON list; most files have none)."""
    return () if text == "[]" else tuple(json.loads(text))


def _meta_text(meta: PictureMeta | None) -> str | None:
    return None if meta is None else meta_to_json(meta)


def _content_of(picture: tuple[Any, ...]) -> str:
    return str(picture[0])


def _content_of_file(row: tuple[Any, ...]) -> str:
    """A recorded file row's content id (a problem file has none: ``""``)."""
    return row[7] or ""


def _path_key(path: LocalPath) -> tuple[str, str]:
    return (path.root, path.relpath)


def _first_path_key(item: tuple[LocalPath, object]) -> tuple[str, str]:
    return _path_key(item[0])


def _file_path_key(file: LocalFile) -> tuple[str, str]:
    return _path_key(file.path)


def _sources(files: list[tuple[bytes, bytes, bytes]], prefixes: dict[bytes, bytes]) -> list[FileSource]:
    """A picture's files ``(root, relpath, stat key)`` as a decoder opens them, by path (as the
    index sorts paths: decoded). ``prefixes``: each root's path as ``os.path.join`` puts it
    before a name (kept across calls)."""
    if len(files) > 1:
        files.sort(key=lambda f: (dec(f[0]), dec(f[1])))
    sources: list[FileSource] = []
    for root, relpath, key in files:
        prefix = prefixes.get(root)
        if prefix is None:
            prefix = prefixes[root] = os.path.join(root, b"")
        _dev, _ino, size, mtime_ns = statkey.decode(key)
        sources.append((prefix + relpath, size, mtime_ns))
    return sources


class LibraryStore(IndexBase):
    """Pictures roots, folders, files and pictures (the local side)."""

    def ensure_roots(self, roots: Sequence[str]) -> tuple[int, ...]:
        """Ids of the given pictures roots (absolute paths), adding unknown ones."""
        missing = [root for root in roots if root not in self._root_ids]
        if missing:
            with self.transaction():
                for root in missing:
                    raw = enc(root)
                    self._conn.execute("INSERT OR IGNORE INTO local_root(path) VALUES (?)", (raw,))
                    (rid,) = self._conn.execute("SELECT id FROM local_root WHERE path = ?", (raw,)).fetchone()
                    self._root_ids[root] = int(rid)
        return tuple(self._root_ids[root] for root in roots)

    def root_paths(self) -> dict[int, str]:
        return {int(rid): dec(path) for rid, path in self._conn.execute("SELECT id, path FROM local_root")}

    def dir_manifests(self, root_id: int) -> dict[bytes, bytes | None]:
        """``folder relpath -> manifest`` for every folder of a root the index knows (``b""`` is
        the root itself). A manifest lists the folder's files with their stat (see
        :func:`flickrsync.statkey.manifest`); None means "compare file by file" (something
        changed since the last scan, or a file in it is retried on every scan). This is what
        makes a re-scan of an unchanged library cost one comparison per folder, not one database
        row per file."""
        return dict(
            self._conn.execute("SELECT relpath, manifest FROM local_dir WHERE root_id = ?", (root_id,))
        )

    def dir_stats(self, root_id: int, folder: bytes) -> dict[bytes, StatTuple | None]:
        """``name -> (dev, ino, size, mtime_ns)`` of the files directly in one folder; None for
        files whose problem is retried on every scan (it equals no stat, so they are read again)."""
        stats: dict[bytes, StatTuple | None] = {}
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
                stats[name] = None if kind in ("unreadable", "changing") else statkey.decode(key)
        return stats

    def refresh_dirs(self, root_id: int, folders: Iterable[bytes], gone: Iterable[bytes] = ()) -> None:
        """After a scan: rebuild the manifest of these folders (they exist) from what the index
        now holds, and forget the ``gone`` folders."""
        with self.transaction():
            for folder in folders:
                stats = self.dir_stats(root_id, folder)
                value = None
                if None not in stats.values():
                    value = statkey.manifest_of({name: st for name, st in stats.items() if st is not None})
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
        sql = "SELECT root_id, relpath, id, stat_key, problem_kind FROM local_file"
        if keys is None:
            rows: Iterable[Sequence[Any]] = self._conn.execute(sql)
        else:
            rows = [
                row
                for rid, rel in keys
                for row in self._conn.execute(sql + " WHERE root_id = ? AND relpath = ?", (rid, rel))
            ]
        return {(r[0], r[1]): (r[2], *statkey.decode(r[3]), r[4]) for r in rows}

    def usable_by_stat(self, stats: Iterable[StatTuple]) -> dict[StatTuple, int]:
        """``(dev, ino, size, mtime_ns) -> file id`` of usable files (no problem) with one of these
        stats: a file found at a new path with the stat of an indexed one is that file (moved,
        renamed or hard-linked)."""
        found: dict[StatTuple, int] = {}
        for stat in stats:
            row = self._conn.execute(
                "SELECT id FROM local_file WHERE dev = ? AND ino = ? AND stat_key = ? "
                "AND problem_kind IS NULL LIMIT 1",
                (s64(stat[0]), s64(stat[1]), statkey.encode(stat)),
            ).fetchone()
            if row is not None:
                found[stat] = int(row[0])
        return found

    def file_count(self) -> int:
        return int(self._conn.execute("SELECT count(*) FROM local_file").fetchone()[0])

    def roots_in_use(self) -> set[int]:
        """Ids of the roots that have files in the index."""
        rows = self._conn.execute(
            "SELECT id FROM local_root r WHERE EXISTS (SELECT 1 FROM local_file f WHERE f.root_id = r.id)"
        )
        return {int(rid) for (rid,) in rows}

    def record_files(
        self,
        files: Iterable[LocalFile],
        *,
        now: float | None = None,
        meta: Mapping[LocalPath, PictureMeta] | None = None,
    ) -> int:
        """Write scan results (a fingerprint or a problem per file), replacing what was known of
        those paths, with the metadata read from them (``meta``; a path not in it is "not read").
        Pictures are created as needed. One transaction; returns the count."""
        stamp = now_s(now)
        metas = meta or {}
        pictures: list[tuple[Any, ...]] = []
        # By path: a path given twice ends as its last record, as a statement per file would.
        rows: dict[tuple[int, bytes], tuple[Any, ...]] = {}
        count = 0
        for file in files:
            count += 1
            root = file.path.root
            root_id = self._root_ids.get(root)
            if root_id is None:
                (root_id,) = self.ensure_roots([root])
            relpath = enc(file.path.relpath)
            st = file.stat
            fp = file.fingerprint
            known = (
                root_id,
                relpath,
                s64(st.dev),
                s64(st.ino),
                st.size,
                clamp64(st.mtime_ns),
                statkey.encode(st.key()),
            )
            if fp is None:
                rows[(root_id, relpath)] = (
                    *known, None, None, None, None, None, None, None, None, None, None, "[]",
                    file.problem or "unknown problem", file.problem_kind or "media", stamp, None,
                )  # fmt: skip
                continue
            pictures.append((fp.content_id, fp.id_kind, fp.media, fp.format, fp.width, fp.height, stamp))
            rows[(root_id, relpath)] = (
                *known, fp.content_id, fp.id_kind, fp.media, fp.format, fp.width, fp.height, fp.orientation,
                fp.date_taken, fp.subsec, fp.offset, json.dumps(list(fp.warnings)) if fp.warnings else "[]",
                None, None, stamp, _meta_text(metas.get(file.path)),
            )  # fmt: skip
        # In content id order: a batch's rows then reach each page of the indexes by content id
        # (random keys) once, in order (a first scan's writes cost a fifth less CPU).
        pictures.sort(key=_content_of)
        ordered = sorted(rows.values(), key=_content_of_file)
        with self.transaction():
            # Pictures first: a file row refers to its picture.
            self.insert_rows(
                "local_picture",
                ("content_id", "id_kind", "media", "format", "width", "height", "first_seen"),
                pictures,
                upsert=" ON CONFLICT(content_id) DO UPDATE SET "
                "width = coalesce(width, excluded.width), "
                "height = coalesce(height, excluded.height)",
            )
            self.insert_rows(
                "local_file",
                _RECORDED_FILE_COLUMNS,
                ordered,
                upsert=" ON CONFLICT(root_id, relpath) DO UPDATE SET dev = excluded.dev, ino = excluded.ino, "
                "size = excluded.size, mtime_ns = excluded.mtime_ns, stat_key = excluded.stat_key, "
                "content_id = excluded.content_id, "
                "id_kind = excluded.id_kind, media = excluded.media, format = excluded.format, "
                "width = excluded.width, height = excluded.height, orientation = excluded.orientation, "
                "date_taken = excluded.date_taken, subsec = excluded.subsec, "
                "tz_offset = excluded.tz_offset, warnings = excluded.warnings, md5 = NULL, "
                "sha1 = NULL, sha256 = NULL, problem = excluded.problem, "
                "problem_kind = excluded.problem_kind, scanned_at = excluded.scanned_at, "
                "meta = excluded.meta",
            )
            self._touch_dirs((root_id, dir_of(relpath)) for root_id, relpath in rows)
        return count

    def copy_files(self, copies: Sequence[tuple[int, LocalPath]], *, now: float | None = None) -> int:
        """Give each destination path the record (fingerprint, digests) of file ``id``.

        For moved, renamed or hard-linked files, found by (dev, ino, size, mtime_ns): the scanner
        knows their content without reading them. The source rows are left alone (remove them
        with :meth:`remove_files` when their path is gone).
        """
        stamp = now_s(now)
        columns = (
            "dev, ino, size, mtime_ns, stat_key, content_id, id_kind, media, format, width, height, "
            "orientation, date_taken, subsec, tz_offset, warnings, md5, sha1, sha256, problem, problem_kind, "
            "meta"
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
                    (root_id, enc(dest.relpath)),
                )
                self._conn.execute(
                    f"INSERT INTO local_file(root_id, relpath, {columns}, scanned_at) "  # noqa: S608
                    f"VALUES ({marks})",
                    (root_id, enc(dest.relpath), *sources[source_id], stamp),
                )
            self._touch_dirs((self.ensure_roots([d.root])[0], dir_of(enc(d.relpath))) for _s, d in copies)
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
                self._touch_dirs((rid, dir_of(rel)) for rid, rel in rows)
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
        and reused until a change to the files or pictures drops it (see
        :data:`~flickrsync.index.schema.COUNTS_TRIGGERS`).
        """
        (files,) = self._conn.execute("SELECT count(*) FROM local_file").fetchone()
        kept = self.get_meta(COUNTS_KEY)
        if kept is not None:
            try:
                known = LibraryCounts(**json.loads(kept))
            except (ValueError, TypeError):
                known = None
            if known is not None and known.files == files:
                return known
        counts = self._count_local(files)
        if remember:
            self.set_meta(COUNTS_KEY, json.dumps(dataclasses.asdict(counts)))
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
            (enc(path.root), enc(path.relpath)),
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
        files.sort(key=_file_path_key)
        return files

    def problems(self) -> list[LocalFile]:
        """Files that could not be indexed, with their reason, sorted by path."""
        rows = self._conn.execute(
            f"SELECT {_FILE_COLUMNS} FROM {_FILE_FROM} WHERE f.problem_kind IS NOT NULL"  # noqa: S608
        )
        return sorted((_file_from_row(row) for row in rows), key=_file_path_key)

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
            "p.origin_photo_id, f.root_id, f.relpath, f.size, f.date_taken, f.orientation, f.md5, f.sha1 "
            "FROM local_picture p JOIN local_file f ON f.content_id = p.content_id"
        )
        if where:
            sql += " WHERE " + " AND ".join(where)
        roots = self.root_paths()
        grouped: dict[str, list[tuple[LocalPath, Sequence[Any]]]] = {}
        for row in self._conn.execute(sql, args):
            grouped.setdefault(row[0], []).append((LocalPath(roots[row[8]], dec(row[9])), row))
        pictures = []
        for content_id in sorted(grouped):
            rows = grouped[content_id]
            if len(rows) > 1:
                rows.sort(key=_first_path_key)
            first = rows[0][1]
            pictures.append(
                LocalPicture(
                    content_id=ContentId(content_id),
                    id_kind=cast(IdKind, first[1]),
                    media=cast(Media, first[2]),
                    format=first[3],
                    paths=(rows[0][0],) if len(rows) == 1 else tuple(path for path, _row in rows),
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
    ) -> list[tuple[ContentId, list[FileSource]]]:
        """Photos (not videos) held by a file and without a perceptual hash, each with its files
        as a decoder opens them (sorted by path), sorted by content id. (Only what decoding
        needs is read: a big library's first run asks this of every picture.)

        ``content_ids`` limits the set; pictures whose decode failed before are skipped unless
        ``retry_failed``.
        """
        sql = (
            f"SELECT f.content_id, r.path, f.relpath, f.stat_key FROM {_FILE_FROM} "  # noqa: S608
            "JOIN local_picture p ON p.content_id = f.content_id "
            "WHERE p.media = 'photo' AND p.phash IS NULL"
        )
        if not retry_failed:
            sql += " AND p.phash_error IS NULL"
        if content_ids is not None:
            if not self._fill_wanted(content_ids):
                return []
            sql += " AND p.content_id IN (SELECT id FROM wanted_content)"
        found: list[tuple[ContentId, list[FileSource]]] = []
        prefixes: dict[bytes, bytes] = {}
        files: list[tuple[bytes, bytes, bytes]] = []
        for cid, root, relpath, key in self._conn.execute(sql + " ORDER BY f.content_id"):
            if files and cid != found[-1][0]:
                found[-1] = (found[-1][0], _sources(files, prefixes))
                files = []
            if not files:
                found.append((cid, []))
            files.append((root, relpath, key))
        if files:
            found[-1] = (found[-1][0], _sources(files, prefixes))
        return found

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
            self.insert_rows("wanted_content", ("id",), ((c,) for c in content_ids), or_="OR IGNORE")
            (count,) = self._conn.execute("SELECT count(*) FROM wanted_content").fetchone()
        return int(count)

    def set_phashes(
        self, hashes: Mapping[ContentId, str], errors: Mapping[ContentId, str] | None = None
    ) -> None:
        """Cache perceptual hashes; ``errors`` records pictures that could not be decoded."""
        self._conn.execute(
            "CREATE TEMP TABLE IF NOT EXISTS new_phash(id TEXT PRIMARY KEY, hash TEXT, error TEXT)"
        )
        with self.transaction():
            self._conn.execute("DELETE FROM new_phash")
            self.insert_rows("new_phash", ("id", "hash"), hashes.items(), or_="OR REPLACE")
            self.insert_rows("new_phash", ("id", "error"), (errors or {}).items(), or_="OR REPLACE")
            # One statement for all (a statement per row waits on the interpreter per row).
            self._conn.execute(
                "UPDATE local_picture SET "
                "phash = coalesce((SELECT hash FROM new_phash n WHERE n.id = content_id), phash), "
                "phash_error = (SELECT error FROM new_phash n WHERE n.id = content_id) "
                "WHERE content_id IN (SELECT id FROM new_phash)"
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
            (enc(path.root), enc(path.relpath)),
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
                        (value, enc(path.relpath), enc(path.root)),
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
        return sorted((_file_from_row(r) for r in self._conn.execute(sql)), key=_file_path_key)

    def files_by_digest(self, algorithm: str, value: str) -> list[LocalFile]:
        """Files whose whole-file ``algorithm`` digest (computed earlier) is ``value``."""
        if algorithm not in DIGESTS:
            raise ValueError(f"unknown digest {algorithm!r}")
        rows = self._conn.execute(
            f"SELECT {_FILE_COLUMNS} FROM {_FILE_FROM} WHERE f.{algorithm} = ?",  # noqa: S608
            (value.lower(),),
        )
        return sorted((_file_from_row(row) for row in rows), key=_file_path_key)

    def file_metas(self, paths: Iterable[LocalPath]) -> dict[LocalPath, PictureMeta | None]:
        """The metadata the scanner read from these files (None: not read yet)."""
        found: dict[LocalPath, PictureMeta | None] = {}
        wanted = {(enc(p.root), enc(p.relpath)): p for p in paths}
        if not wanted:
            return found
        everything = f"SELECT r.path, f.relpath, f.meta FROM {_FILE_FROM}"  # noqa: S608
        if len(wanted) * METAS_BY_SCAN >= self.file_count():
            # A good part of the library (the first run's uploads): one pass over every file
            # costs less than writing the paths into a table to join with (0.2 s to 0.4 s for
            # 50,000 of 100,000 files).
            rows = [row for row in self._conn.execute(everything) if (row[0], row[1]) in wanted]
        else:
            self._conn.execute(
                "CREATE TEMP TABLE IF NOT EXISTS wanted_path(root BLOB, relpath BLOB, "
                "PRIMARY KEY (root, relpath))"
            )
            with self.transaction():
                self._conn.execute("DELETE FROM wanted_path")
                self.insert_rows("wanted_path", ("root", "relpath"), wanted, or_="OR IGNORE")
                joined = " JOIN wanted_path w ON w.root = r.path AND w.relpath = f.relpath"
                rows = self._conn.execute(everything + joined).fetchall()
        for root, relpath, meta in rows:
            found[wanted[(root, relpath)]] = None if meta is None else meta_from_json(meta)
        return found

    def set_file_metas(self, metas: Mapping[LocalPath, PictureMeta]) -> None:
        """Store metadata read from these files (those indexed before the scanner kept it)."""
        with self.transaction():
            for path, meta in metas.items():
                self._conn.execute(
                    "UPDATE local_file SET meta = ? WHERE relpath = ? AND root_id = "
                    "(SELECT id FROM local_root WHERE path = ?)",
                    (meta_to_json(meta), enc(path.relpath), enc(path.root)),
                )

    def set_picture_origin(self, content_id: ContentId, nsid: Nsid, photo_id: PhotoId) -> None:
        """Mark a picture as downloaded from this Flickr photo: it is never uploaded back."""
        with self.transaction():
            self._conn.execute(
                "UPDATE local_picture SET origin_nsid = ?, origin_photo_id = ? WHERE content_id = ?",
                (nsid, photo_id, content_id),
            )
