"""The SQLite index: migrations, coexistence with flickrsync 0.1.1, local and remote queries."""

from __future__ import annotations

import os
import sqlite3
import struct
from collections.abc import Callable, Iterator
from dataclasses import fields, replace
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from flickrsync import statkey
from flickrsync.errors import DatabaseError, DiskFullError
from flickrsync.fingerprint import PictureMeta
from flickrsync.index import MIGRATIONS, TABLES, Index, Migration
from flickrsync.index import schema as index_schema
from flickrsync.models import (
    Account,
    ContentId,
    FileStat,
    Fingerprint,
    LocalFile,
    LocalPath,
    Nsid,
    PhotoId,
    Photoset,
    PhotosetId,
    RemotePhoto,
)

ROOT = "/pictures"
NSID = Nsid("12345678@N01")
OTHER = Nsid("87654321@N02")

# flickrsync 0.1.1's own DDL (flickrsync/database.py), verbatim: the file we share with it.
OLD_DDL = (
    """CREATE TABLE FlickrPhotos(
        Id INTEGER PRIMARY KEY, Title TEXT, OriginalFormat TEXT, DateUpload INTEGER, DateTaken TEXT,
        DateTakenUnknown INTEGER, DateTakenGranularity INTEGER, Url_o TEXT, OriginalSecret TEXT,
        Farm INTEGER, Server INTEGER, Tags TEXT, Machine_Tags TEXT, Signature TEXT, ShortName TEXT,
        DateFlat INTEGER)""",
    "CREATE INDEX idx_fp1 ON FlickrPhotos(Signature, DateFlat, ShortName)",
    "CREATE INDEX idx_fp2 ON FlickrPhotos(Signature)",
    "CREATE INDEX idx_fp3 ON FlickrPhotos(DateFlat)",
    "CREATE INDEX idx_fp4 ON FlickrPhotos(ShortName)",
    "CREATE INDEX idx_fp5 ON FlickrPhotos(Id, OriginalSecret)",
    """CREATE TABLE LocalPhotos(
        Directory TEXT, FileName TEXT, DateTimeOriginal TEXT, Signature TEXT, FlickrId INTEGER,
        FlickrSecret TEXT, FlickrTitle TEXT, FlickrExtension TEXT, ImageError TEXT, ShortName TEXT,
        DateFlat INTEGER, Deleted INTEGER, Timestamp INTEGER)""",
    "CREATE INDEX idx_lp1 ON LocalPhotos(Signature, DateFlat, ShortName)",
    "CREATE INDEX idx_lp2 ON LocalPhotos(Signature)",
    "CREATE INDEX idx_lp3 ON LocalPhotos(DateFlat)",
    "CREATE INDEX idx_lp4 ON LocalPhotos(ShortName)",
    "CREATE INDEX idx_lp5 ON LocalPhotos(Directory)",
    "CREATE INDEX idx_lp6 ON LocalPhotos(Directory, FileName)",
    "CREATE INDEX idx_lp7 ON LocalPhotos(FlickrId, FlickrSecret)",
)
# 0.1.1 creates these per run as TEMPORARY tables, in the same connection namespace.
OLD_TEMP_NAMES = ("FlickrPhotosets", "Search", "idx_fps1", "idx_s1")


def cid(n: int) -> ContentId:
    return ContentId(f"{n:064x}")


def fp(n: int, **kw: object) -> Fingerprint:
    base: dict[str, object] = {
        "content_id": cid(n),
        "id_kind": "imagedata",
        "media": "photo",
        "format": "jpeg",
    }
    base.update(kw)
    return Fingerprint(**base)  # type: ignore[arg-type]


def lf(
    rel: str, n: int | None, *, ino: int = 1, size: int = 100, mtime: int = 5, problem: str | None = None
) -> LocalFile:
    return LocalFile(
        path=LocalPath(ROOT, rel),
        stat=FileStat(size=size, mtime_ns=mtime, dev=7, ino=ino),
        fingerprint=None if n is None else fp(n),
        problem=problem,
        problem_kind="media" if problem else None,
    )


@pytest.fixture
def idx(tmp_path: Path) -> Iterator[Index]:
    with Index.open(tmp_path / "index.db") as index:
        yield index


# --- migrations and the shared file ---------------------------------------------------------


def test_new_file_gets_every_migration(tmp_path: Path) -> None:
    with Index.open(tmp_path / "sub" / "index.db") as index:
        assert index.schema_version == len(MIGRATIONS)
        assert index.applied_migrations() == [m.name for m in MIGRATIONS]
        assert index.migrate() == []  # idempotent
    conn = sqlite3.connect(tmp_path / "sub" / "index.db")
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    names = {n for (n,) in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    assert set(TABLES) <= names


def test_coexists_with_flickrsync_011_tables(tmp_path: Path) -> None:
    db = tmp_path / "flickrsync.db"
    old = sqlite3.connect(db)
    for statement in OLD_DDL:
        old.execute(statement)
    old.execute("INSERT INTO LocalPhotos(Directory, FileName, Signature) VALUES ('/p', 'a.jpg', 'sig')")
    old.execute("INSERT INTO FlickrPhotos(Id, Title, Signature) VALUES (42, 'a', 'sig')")
    old.commit()
    before = old.execute("SELECT name, sql FROM sqlite_master ORDER BY name").fetchall()
    old.close()

    with Index.open(db) as index:
        assert index.schema_version == len(MIGRATIONS)
        index.record_files([lf("a.jpg", 1)])

    conn = sqlite3.connect(db)
    after = conn.execute("SELECT name, sql FROM sqlite_master ORDER BY name").fetchall()
    assert set(before) <= set(after)  # theirs untouched
    assert conn.execute("SELECT Directory, FileName, Signature FROM LocalPhotos").fetchall() == [
        ("/p", "a.jpg", "sig")
    ]
    assert conn.execute("SELECT Id, Title FROM FlickrPhotos").fetchall() == [(42, "a")]
    # No name of ours collides with theirs, case-insensitively, including their temp tables.
    theirs = {name.lower() for name, _ in before} | {n.lower() for n in OLD_TEMP_NAMES}
    ours = {name.lower() for name, _ in after} - {name.lower() for name, _ in before}
    assert ours
    assert not (ours & theirs)
    # 0.1.1 can still open the file and create its temporary tables next to ours.
    conn.execute("CREATE TEMPORARY TABLE FlickrPhotosets(Id INTEGER PRIMARY KEY, Title TEXT)")
    conn.execute("CREATE INDEX idx_fps1 ON FlickrPhotosets(Title)")
    conn.close()


def test_the_index_knows_it_was_a_011_database(tmp_path: Path) -> None:
    """Issue 15 point 8: an index adopted from flickrsync 0.1.1 (its tables in the file)."""
    old = sqlite3.connect(tmp_path / "flickrsync.db")
    for statement in OLD_DDL:
        old.execute(statement)
    old.close()
    with Index.open(tmp_path / "flickrsync.db") as adopted, Index.open(tmp_path / "new.db") as fresh:
        assert adopted.shared_with_011()
        assert not fresh.shared_with_011()


def test_failed_migration_rolls_back(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    db = tmp_path / "index.db"
    Index.open(db).close()

    def broken(conn: sqlite3.Connection) -> None:
        conn.execute("CREATE TABLE half_done(x)")
        raise RuntimeError("boom")

    monkeypatch.setattr(index_schema, "MIGRATIONS", (*MIGRATIONS, Migration("0002_broken", broken)))
    with pytest.raises(RuntimeError):
        Index.open(db)
    conn = sqlite3.connect(db)
    assert conn.execute("PRAGMA user_version").fetchone()[0] == len(MIGRATIONS)
    assert conn.execute("SELECT count(*) FROM sqlite_master WHERE name = 'half_done'").fetchone()[0] == 0


def test_photoset_link_migration_keeps_the_folders_of_sets_we_made(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    db = tmp_path / "index.db"
    # An index written before that migration: the ones before it only.
    before = MIGRATIONS[: [m.name for m in MIGRATIONS].index("0003_photoset_link")]
    monkeypatch.setattr(index_schema, "MIGRATIONS", before)
    with Index.open(db) as old:
        old.upsert_account(Account(NSID, "me"))
        old.replace_photosets(NSID, [Photoset(PhotosetId("1"), "A", "", PhotoId("10"))])
    conn = sqlite3.connect(db)
    conn.execute("UPDATE photoset SET folder = ?", (b"Trips/caf\xe9",))
    conn.commit()
    conn.close()
    monkeypatch.undo()
    with Index.open(db) as index:
        assert "0003_photoset_link" in index.applied_migrations()
        assert index.photoset_memory(NSID) == ({"1": os.fsdecode(b"Trips/caf\xe9")}, {})


def test_newer_schema_is_refused(tmp_path: Path) -> None:
    db = tmp_path / "index.db"
    Index.open(db).close()
    conn = sqlite3.connect(db)
    conn.execute(f"PRAGMA user_version = {len(MIGRATIONS) + 1}")
    conn.close()
    with pytest.raises(DatabaseError, match="newer flickrsync"):
        Index.open(db)


def test_garbage_file_is_a_database_error(tmp_path: Path) -> None:
    db = tmp_path / "index.db"
    db.write_bytes(b"this is not sqlite at all" * 100)
    with pytest.raises(DatabaseError, match="not a usable index") as info:
        Index.open(db)
    assert info.value.exit_code == 2  # the user must act, as for a configuration error


def _small_disk(pages: int) -> Callable[..., sqlite3.Connection]:
    """sqlite3.connect on a "disk" of ``pages`` pages: SQLite answers SQLITE_FULL beyond them,
    as it does on a full disk."""
    connect = sqlite3.connect

    def small(*args: object, **kwargs: object) -> sqlite3.Connection:
        conn = connect(*args, **kwargs)  # type: ignore[call-overload]
        conn.execute(f"PRAGMA max_page_count = {pages}")
        assert isinstance(conn, sqlite3.Connection)
        return conn

    return small


def test_a_full_disk_is_said_to_be_full_not_a_damaged_index(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Issue 16 point 14: a full disk under the home dir was reported as a corrupt index, with
    advice to discard it."""
    monkeypatch.setattr(sqlite3, "connect", _small_disk(4))
    with pytest.raises(DiskFullError) as opening:
        Index.open(tmp_path / "index.db")
    assert str(opening.value) == (
        f"{tmp_path / 'index.db'}: cannot open the index: the disk is full (free some space and run again)"
    )
    assert "not a usable" not in str(opening.value)
    monkeypatch.undo()
    with Index.open(tmp_path / "other.db") as idx:
        (pages,) = idx._conn.execute("PRAGMA page_count").fetchone()
        idx._conn.execute(f"PRAGMA max_page_count = {pages + 1}")
        with pytest.raises(DiskFullError, match="cannot write the index: the disk is full"):
            idx.record_files([lf(f"{'x' * 200}{i}.jpg", i) for i in range(200)])
        assert idx.file_count() == 0  # nothing half-written


# --- local side -----------------------------------------------------------------------------


def test_file_round_trip_with_every_field(idx: Index) -> None:
    rich = LocalFile(
        path=LocalPath(ROOT, "2020/IMG_1.jpg"),
        stat=FileStat(size=123, mtime_ns=1_600_000_000_123_456_789, dev=2**40, ino=2**50),
        fingerprint=fp(
            1,
            width=4000,
            height=3000,
            orientation=6,
            date_taken="2020-01-02 03:04:05",
            subsec="46",
            offset="+03:00",
            warnings=("garbage GPS ignored",),
        ),
    )
    bad = lf("2020/bad.jpg", None, ino=2, problem="not a picture or video")
    assert idx.record_files([rich, bad]) == 2
    assert idx.file(rich.path) == rich
    assert idx.file(bad.path) == bad
    assert idx.file(LocalPath(ROOT, "nope.jpg")) is None
    assert idx.problems() == [bad]


#: File times a file system can hold that 64 bits of nanoseconds cannot (after 2262-04-11,
#: before 1677-09-21), their edges, and small negative ones (before 1970).
FAR_TIMES = [2**63 - 1, 2**63, 10_413_792_000 * 10**9, 2**90, -(2**63), -(2**63) - 1, -(2**90), -1]


@pytest.mark.parametrize("mtime_ns", FAR_TIMES)
def test_any_file_time_round_trips(idx: Index, mtime_ns: int) -> None:
    file = LocalFile(
        LocalPath(ROOT, "a/x.jpg"), FileStat(size=100, mtime_ns=mtime_ns, dev=2**64 - 1, ino=9), fp(1)
    )
    idx.record_files([file])
    assert idx.file(file.path) == file
    assert idx.files() == [file]
    rid = idx.ensure_roots([ROOT])[0]
    stat = (2**64 - 1, 9, 100, mtime_ns)
    [(file_id, *stored, _kind)] = idx.stat_rows().values()
    assert tuple(stored) == stat
    assert idx.dir_stats(rid, b"a") == {b"x.jpg": stat}
    assert idx.usable_by_stat([stat, (2**64 - 1, 9, 100, mtime_ns + 1)]) == {stat: file_id}
    idx.refresh_dirs(rid, [b"a"])
    assert idx.dir_manifests(rid)[b"a"] == statkey.manifest_of({b"x.jpg": stat})
    # The plain column holds what SQLite can (64 bits): the exact value is the stat key's.
    (column,) = idx._conn.execute("SELECT mtime_ns FROM local_file").fetchone()
    assert column == max(-(2**63), min(2**63 - 1, mtime_ns))


def test_migration_0002_widens_old_stat_keys_and_drops_manifests(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An index written before 0002 (32-byte stat keys) opens: its keys say the same stats in the
    new format, and its manifests are dropped (the next scan compares file by file once)."""
    db = tmp_path / "index.db"
    stats = {
        b"x.jpg": (2**64 - 1, 2**40, 100, 1_600_000_000_123_456_789),
        b"y.jpg": (7, 2, 5, -2_147_472_000 * 10**9),  # 1901-12-14
    }
    v1 = struct.Struct("<QQqq")  # the stat key before 0002: mtime_ns in 64 bits
    monkeypatch.setattr(index_schema, "MIGRATIONS", MIGRATIONS[:1])
    with Index.open(db) as old:
        assert old.applied_migrations() == ["0001_initial"]
        rid = old.ensure_roots([ROOT])[0]
        old._conn.execute(
            "INSERT INTO local_picture(content_id, id_kind, media, format, first_seen) "
            "VALUES (?, 'imagedata', 'photo', 'jpeg', 0)",
            (cid(1),),
        )
        for name, (dev, ino, size, mtime) in stats.items():
            old._conn.execute(
                "INSERT INTO local_file(root_id, relpath, dev, ino, size, mtime_ns, stat_key, content_id, "
                "id_kind, media, format, scanned_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, 'imagedata', 'photo', "
                "'jpeg', 0)",
                (rid, b"a/" + name, dev - 2**64 if dev >= 2**63 else dev, ino, size, mtime,
                 v1.pack(dev, ino, size, mtime), cid(1)),
            )  # fmt: skip
        manifest = b"".join(sorted(name + b"\0" + v1.pack(*stat) for name, stat in stats.items()))
        old._conn.execute(
            "INSERT INTO local_dir(root_id, relpath, manifest) VALUES (?, ?, ?)", (rid, b"a", manifest)
        )
    monkeypatch.undo()
    with Index.open(db) as new:
        assert new.applied_migrations()[:2] == ["0001_initial", "0002_stat_key_any_time"]
        assert new.dir_stats(rid, b"a") == stats
        assert new.dir_manifests(rid) == {b"a": None}
        x = new.file(LocalPath(ROOT, "a/x.jpg"))
        assert x is not None
        assert x.stat == FileStat(size=100, mtime_ns=1_600_000_000_123_456_789, dev=2**64 - 1, ino=2**40)
        assert set(new.usable_by_stat(stats.values())) == set(stats.values())


def test_undecodable_names_round_trip(idx: Index) -> None:
    rel = os.fsdecode(b"caf\xe9/\xff\xfe.jpg")  # Latin-1 and junk bytes: not UTF-8
    file = LocalFile(LocalPath(ROOT, rel), FileStat(1, 2, 3, 4), fp(1))
    idx.record_files([file])
    assert idx.file(LocalPath(ROOT, rel)) == file
    assert os.fsencode(idx.files()[0].path.relpath) == b"caf\xe9/\xff\xfe.jpg"
    assert (idx.ensure_roots([ROOT])[0], b"caf\xe9/\xff\xfe.jpg") in idx.stat_rows()


def test_rewrite_replaces_and_clears_digests(idx: Index) -> None:
    idx.record_files([lf("a.jpg", 1)])
    idx.set_file_digests({LocalPath(ROOT, "a.jpg"): {"md5": "aa", "sha1": "bb"}})
    assert idx.file_digests(LocalPath(ROOT, "a.jpg")) == {"md5": "aa", "sha1": "bb"}
    assert [f.path.relpath for f in idx.files_by_digest("md5", "AA")] == ["a.jpg"]
    idx.record_files([lf("a.jpg", 2, mtime=6)])
    assert idx.file_digests(LocalPath(ROOT, "a.jpg")) == {}
    with pytest.raises(ValueError, match="unknown digest"):
        idx.files_by_digest("crc32", "x")


def test_a_path_recorded_twice_in_one_batch_keeps_its_last_record(idx: Index) -> None:
    """Rows are written in content id order, not as given: a path given twice still ends as its
    last record (as one statement per file in order gave), whichever content id sorts first."""
    for first, last in ((1, 9), (9, 1)):
        idx.record_files(
            [lf("a.jpg", first), lf("b.jpg", 5), lf("a.jpg", last, mtime=7), lf("c.jpg", None, problem="bad")]
        )
        a = idx.file(LocalPath(ROOT, "a.jpg"))
        assert a is not None
        assert a.fingerprint == fp(last)
        assert a.stat.mtime_ns == 7
        assert [f.path.relpath for f in idx.files()] == ["a.jpg", "b.jpg", "c.jpg"]
        assert [f.problem for f in idx.problems()] == ["bad"]


def test_duplicates_counts_and_pictures(idx: Index) -> None:
    idx.record_files(
        [
            lf("b/x.jpg", 1, ino=1),
            lf("a/x.jpg", 1, ino=2),
            lf("c/y.jpg", 2, ino=3),
            lf("c/z.txt.jpg", None, ino=4, problem="not a picture"),
            LocalFile(LocalPath(ROOT, "v.mp4"), FileStat(9, 9, 7, 5), fp(3, media="video", format="mp4")),
        ]
    )
    counts = idx.counts()
    assert (counts.files, counts.pictures, counts.videos, counts.problems) == (5, 2, 1, 1)
    assert (counts.duplicate_groups, counts.duplicate_files) == (1, 1)
    [dup] = idx.duplicates()
    assert dup.content_id == cid(1)
    assert [p.relpath for p in dup.paths] == ["a/x.jpg", "b/x.jpg"]  # sorted: the first is uploaded
    assert [p.content_id for p in idx.pictures()] == [cid(1), cid(2), cid(3)]
    assert [p.content_id for p in idx.pictures(media="video")] == [cid(3)]
    assert [p.content_id for p in idx.pictures(content_ids=[cid(2), cid(9)])] == [cid(2)]
    assert idx.pictures(content_ids=[]) == []


def test_counts_are_kept_until_a_change_drops_them(idx: Index, tmp_path: Path) -> None:
    """A warm re-scan reuses the counts its last scan kept; every change that affects them (new,
    changed, copied, removed files, pruned pictures, forgotten roots) drops them."""

    def recounted() -> object:
        (files,) = idx._conn.execute("SELECT count(*) FROM local_file").fetchone()
        return idx._count_local(files)

    idx.upsert_account(Account(NSID, "me"))
    changes: list[Callable[[], object]] = [
        lambda: idx.record_files([lf("a.jpg", 1, ino=1), lf("b.jpg", 2, ino=2)]),
        lambda: idx.record_files([lf("b.jpg", 1, ino=2, mtime=6)]),  # same number of files
        lambda: idx.record_files([lf("b.jpg", None, ino=2, mtime=7, problem="damaged")]),
        lambda: idx.record_files([lf("b.jpg", 3, ino=2, mtime=8)]),
        lambda: idx.copy_files([(idx.stat_rows()[(rid(), b"a.jpg")][0], LocalPath(ROOT, "c.jpg"))]),
        lambda: idx.add_link(NSID, PhotoId("100"), cid(3), "upload"),
        lambda: idx.remove_files([idx.stat_rows()[(rid(), b"b.jpg")][0]]),
        idx.prune_pictures,
        lambda: idx.forget_roots([rid()]),
    ]

    def rid() -> int:
        return idx.ensure_roots([ROOT])[0]

    seen: set[object] = set()
    for change in changes:
        before = idx.counts(remember=True)
        assert before == recounted()
        change()
        assert idx.counts() == recounted()
        seen.add(idx.counts())
    assert len(seen) >= 5  # the sequence did change the counts

    # Kept counts are used as they are: no pass over the content index.
    idx.record_files([lf("d.jpg", 4, ino=4)])
    kept = idx.counts(remember=True)
    idx._count_local = None  # type: ignore[assignment,method-assign]
    assert idx.counts() == kept
    idx.close()
    with Index.open(tmp_path / "index.db") as again:  # kept in the file, across connections
        assert again.counts() == kept
        again.record_files([lf("e.jpg", 4, ino=5)])  # a new connection drops them too
        assert again.counts().files == kept.files + 1
        assert again.counts().duplicate_files == kept.duplicate_files + 1


def test_kept_counts_are_not_trusted_after_a_write_without_the_triggers(tmp_path: Path) -> None:
    with Index.open(tmp_path / "index.db") as idx:
        idx.record_files([lf("a.jpg", 1, ino=1), lf("b.jpg", 1, ino=2)])
        assert idx.counts(remember=True).duplicate_groups == 1
    raw = sqlite3.connect(tmp_path / "index.db")  # e.g. an older flickrsync
    raw.execute("DELETE FROM local_file WHERE relpath = ?", (b"b.jpg",))
    raw.commit()
    raw.close()
    with Index.open(tmp_path / "index.db") as idx:
        counts = idx.counts()
        assert (counts.files, counts.duplicate_groups) == (1, 0)


def test_copy_files_handles_a_swap(idx: Index) -> None:
    idx.record_files([lf("a.jpg", 1, ino=1), lf("b.jpg", 2, ino=2)])
    idx.set_file_digests({LocalPath(ROOT, "a.jpg"): {"sha256": "s1"}})
    rows = idx.stat_rows()
    rid = idx.ensure_roots([ROOT])[0]
    id_a, id_b = rows[(rid, b"a.jpg")][0], rows[(rid, b"b.jpg")][0]
    idx.copy_files([(id_a, LocalPath(ROOT, "b.jpg")), (id_b, LocalPath(ROOT, "a.jpg"))])
    got_a, got_b = idx.file(LocalPath(ROOT, "a.jpg")), idx.file(LocalPath(ROOT, "b.jpg"))
    assert got_a is not None
    assert got_a.fingerprint is not None
    assert got_a.fingerprint.content_id == cid(2)
    assert got_b is not None
    assert got_b.fingerprint is not None
    assert got_b.fingerprint.content_id == cid(1)
    assert idx.file_digests(LocalPath(ROOT, "b.jpg")) == {"sha256": "s1"}  # digests travel along
    # Row ids are never reused, so a stale id can never delete a newer row.
    new_ids = {row[0] for row in idx.stat_rows().values()}
    assert not new_ids & {id_a, id_b}


def test_pictures_outlive_their_paths_only_when_linked(idx: Index) -> None:
    idx.upsert_account(Account(NSID, "me"))
    idx.record_files([lf("a.jpg", 1, ino=1), lf("b.jpg", 2, ino=2)])
    idx.add_link(NSID, PhotoId("100"), cid(1), "upload")
    idx.remove_files(row[0] for row in idx.stat_rows().values())
    assert idx.prune_pictures() == 1
    assert idx.picture(cid(2)) is None
    kept = idx.picture(cid(1))
    assert kept is not None
    assert kept.paths == ()
    assert [p.content_id for p in idx.pictures_without_paths()] == [cid(1)]
    assert idx.counts().pictures_without_paths == 1
    assert idx.counts().pictures == 0


def test_phash_cache_and_failures(idx: Index) -> None:
    idx.record_files(
        [
            lf("a.jpg", 1, ino=1),
            lf("c.jpg", 2, ino=3, size=300, mtime=2**70),  # a file time after 2262
            lf("b.jpg", 2, ino=2),
            LocalFile(LocalPath(ROOT, "v.mp4"), FileStat(9, 9, 7, 5), fp(3, media="video", format="mp4")),
        ]
    )
    todo = idx.phash_candidates()
    assert [c for c, _ in todo] == [cid(1), cid(2)]  # videos never
    # Each file as a decoder opens it: its path as the OS has it, the size and mtime indexed.
    assert todo[1][1] == [(b"/pictures/b.jpg", 100, 5), (b"/pictures/c.jpg", 300, 2**70)]
    assert [c for c, _ in idx.phash_candidates([cid(2), cid(3)])] == [cid(2)]
    idx.set_phashes({cid(1): "ff00ff00ff00ff00"}, {cid(2): "cannot decode"})
    assert idx.phash_candidates() == []
    assert [c for c, _ in idx.phash_candidates(retry_failed=True)] == [cid(2)]
    assert idx.phash_error(cid(2)) == "cannot decode"
    pic = idx.picture(cid(1))
    assert pic is not None
    assert pic.phash == "ff00ff00ff00ff00"


def test_phash_candidates_give_each_path_as_the_os_has_it(idx: Index) -> None:
    """Any name round-trips (not UTF-8 too); a picture's files come by path as the index sorts
    paths (roots and names decoded), whatever root they are in."""
    odd = os.fsdecode(b"\xff odd.jpg")
    idx.record_files([lf("z.jpg", 1, ino=1), lf(odd, 1, ino=2)])
    idx.record_files([LocalFile(LocalPath("/pictures b", "a.jpg"), FileStat(100, 5, 7, 3), fp(1))])
    [(picture, files)] = idx.phash_candidates()
    assert picture == cid(1)
    assert [path for path, _size, _mtime in files] == [
        b"/pictures/z.jpg",
        b"/pictures/\xff odd.jpg",
        b"/pictures b/a.jpg",
    ]
    assert sorted(files) != files  # not the order of the bytes


def test_files_without_digests(idx: Index) -> None:
    idx.record_files([lf("a.jpg", 1, ino=1), lf("b.jpg", 2, ino=2), lf("x.jpg", None, ino=3, problem="bad")])
    idx.set_file_digests({LocalPath(ROOT, "a.jpg"): {"md5": "1", "sha1": "2"}})
    assert [f.path.relpath for f in idx.files_without_digests(["md5", "sha1"])] == ["b.jpg"]
    assert [f.path.relpath for f in idx.files_without_digests(["sha256"], [cid(1)])] == ["a.jpg"]


# --- remote side ----------------------------------------------------------------------------

photo_ids = st.from_regex(r"[1-9][0-9]{0,11}", fullmatch=True).map(PhotoId)
texts = st.text(max_size=30)
remote_photos = st.builds(
    RemotePhoto,
    id=photo_ids,
    title=texts,
    secret=st.from_regex(r"[0-9a-f]{10}", fullmatch=True),
    server=st.from_regex(r"[0-9]{1,5}", fullmatch=True),
    farm=st.integers(0, 100),
    description=texts,
    tags=st.lists(texts, max_size=4).map(tuple),
    machine_tags=st.lists(texts, max_size=3).map(tuple),
    date_taken=st.none() | st.just("2020-01-02 03:04:05"),
    date_taken_unknown=st.booleans(),
    date_taken_granularity=st.sampled_from([0, 4, 6, 8]),
    date_upload=st.integers(0, 2**31),
    last_update=st.integers(0, 2**31),
    media=st.sampled_from(["photo", "video"]),
    original_format=st.none() | st.sampled_from(["jpg", "png"]),
    original_secret=st.none() | texts,
    o_width=st.none() | st.integers(1, 20000),
    o_height=st.none() | st.integers(1, 20000),
    url_o=st.none() | texts,
    url_small=st.none() | texts,
    is_public=st.booleans(),
    is_friend=st.booleans(),
    is_family=st.booleans(),
)


@settings(max_examples=40, suppress_health_check=[HealthCheck.function_scoped_fixture], deadline=None)
@given(photos=st.lists(remote_photos, max_size=5, unique_by=lambda p: p.id))
def test_remote_photos_round_trip(tmp_path: Path, photos: list[RemotePhoto]) -> None:
    with Index.open(Path(":memory:")) as index:
        index.upsert_account(Account(NSID, "me"))
        index.upsert_remote_photos(NSID, photos)
        assert index.remote_photos(NSID) == sorted(photos, key=lambda p: p.id)
        for photo in photos:
            assert index.remote_photo(NSID, photo.id) == photo


def typed(photos: list[RemotePhoto]) -> list[list[tuple[object, ...]]]:
    """Each field's value with its type (and its items' types): ``==`` alone takes 1 for True."""
    return [
        [
            (value, type(value), tuple(type(item) for item in value) if isinstance(value, tuple) else ())
            for value in (getattr(photo, f.name) for f in fields(photo))
        ]
        for photo in photos
    ]


@settings(max_examples=60, deadline=None)
@given(
    photos=st.lists(remote_photos, max_size=8),
    again=st.lists(st.integers(0, 7), max_size=3),
    before=st.lists(remote_photos, max_size=4),
)
def test_a_whole_account_stored_reads_back_as_listed(
    photos: list[RemotePhoto], again: list[int], before: list[RemotePhoto]
) -> None:
    """What a run that has just stored a complete listing takes instead of reading the account
    back: the same photos, in the same order, every field of the same type. A listing may give a
    photo twice (pages shift while they are read): the last one given is kept."""
    listed = [*photos, *(replace(photos[i], title=f"again {i}") for i in again if i < len(photos))]
    with Index.open(Path(":memory:")) as index:
        index.upsert_account(Account(NSID, "me"))
        index.upsert_remote_photos(NSID, before)  # what an earlier run kept: refreshed or gone
        index.upsert_remote_photos(NSID, listed)
        index.delete_remote_photos(NSID, index.remote_photo_ids(NSID) - {p.id for p in listed})
        stored = index.remote_photos(NSID)
        assert Index.as_read_back(listed) == stored
        assert typed(Index.as_read_back(listed)) == typed(stored)


def remote(pid: str, **kw: object) -> RemotePhoto:
    base: dict[str, object] = {"title": "t", "secret": "s", "server": "1"}
    base.update(kw)
    return RemotePhoto(id=PhotoId(pid), **base)  # type: ignore[arg-type]


def test_accounts_never_mix(idx: Index) -> None:
    idx.upsert_account(Account(NSID, "me"))
    idx.upsert_account(Account(OTHER, "other"))
    idx.upsert_remote_photos(NSID, [remote("1", title="mine")])
    idx.upsert_remote_photos(OTHER, [remote("1", title="theirs")])
    idx.record_files([lf("a.jpg", 1)])
    idx.add_link(NSID, PhotoId("1"), cid(1), "machine_tag")
    mine = idx.remote_photo(NSID, PhotoId("1"))
    assert mine is not None
    assert mine.title == "mine"
    assert idx.links(OTHER) == []
    idx.delete_remote_photos(OTHER, [PhotoId("1")])
    assert idx.remote_photo_ids(OTHER) == set()
    assert idx.remote_photo_ids(NSID) == {"1"}
    assert len(idx.links(NSID)) == 1


def test_remote_rows_need_their_account(idx: Index) -> None:
    with pytest.raises(sqlite3.IntegrityError):
        idx.upsert_remote_photos(NSID, [remote("1")])
    with pytest.raises(DatabaseError, match="upsert_account"):
        idx.update_sync_state(NSID, last_update=5)


def test_sync_state_watermarks(idx: Index) -> None:
    assert idx.sync_state(NSID).last_update is None
    idx.upsert_account(Account(NSID, "me"))
    idx.update_sync_state(NSID, last_update=100, listed_at=50)
    idx.update_sync_state(NSID, synced_at=60)
    state = idx.sync_state(NSID)
    assert (state.last_update, state.listed_at, state.synced_at) == (100, 50, 60)


def test_remote_phash_is_dropped_when_the_small_url_changes(idx: Index) -> None:
    idx.upsert_account(Account(NSID, "me"))
    idx.upsert_remote_photos(NSID, [remote("1", url_small="http://x/1_a.jpg"), remote("2"), remote("3")])
    assert idx.remote_phashes(NSID) == {}
    idx.set_remote_phashes(
        NSID,
        {
            PhotoId("1"): ("abcd", "http://x/1_a.jpg"),
            PhotoId("2"): ("ef01", None),
            PhotoId("3"): (None, None),
        },
    )
    assert idx.remote_phashes(NSID) == {"1": "abcd", "2": "ef01", "3": None}  # None: tried, unavailable
    idx.upsert_remote_photos(NSID, [remote("1", url_small="http://x/1_b.jpg")])  # replaced photo
    assert idx.remote_phashes(NSID) == {"2": "ef01", "3": None}


def test_originals_are_valid_while_the_original_secret_holds(idx: Index) -> None:
    idx.upsert_account(Account(NSID, "me"))
    idx.upsert_remote_photos(NSID, [remote("1", original_secret="o1"), remote("2", original_secret="o2")])
    idx.set_originals(NSID, {PhotoId("1"): (cid(1), "o1"), PhotoId("2"): (None, "o2")})
    assert idx.originals(NSID) == {"1": cid(1), "2": None}
    idx.upsert_remote_photos(NSID, [remote("1", original_secret="new")])  # photo replaced on Flickr
    assert idx.originals(NSID) == {"2": None}


def test_local_phashes_include_failures(idx: Index) -> None:
    idx.record_files([lf("a.jpg", 1, ino=1), lf("b.jpg", 2, ino=2), lf("c.jpg", 3, ino=3)])
    idx.set_phashes({cid(1): "00ff"}, {cid(2): "truncated"})
    assert idx.local_phashes() == {cid(1): "00ff", cid(2): None}
    assert idx.local_phashes([cid(2), cid(3)]) == {cid(2): None}


def test_deleting_a_remote_photo_drops_link_and_memberships(idx: Index) -> None:
    idx.upsert_account(Account(NSID, "me"))
    idx.record_files([lf("a.jpg", 1)])
    idx.upsert_remote_photos(NSID, [remote("1"), remote("2")])
    idx.replace_photosets(NSID, [Photoset(PhotosetId("72157"), "Set", "", PhotoId("1"))])
    idx.set_photoset_photos(NSID, PhotosetId("72157"), [PhotoId("2"), PhotoId("1")])
    idx.add_link(NSID, PhotoId("1"), cid(1), "upload")
    idx.record_pool_additions(NSID, Nsid("1@N01"), [PhotoId("1")])
    idx.delete_remote_photos(NSID, [PhotoId("1")])
    assert idx.links(NSID) == []
    assert idx.photoset_photos(NSID, PhotosetId("72157")) == ["2"]
    assert idx.pool_photos(NSID, Nsid("1@N01")) == set()


def test_photosets_order_membership_and_memory(idx: Index) -> None:
    idx.upsert_account(Account(NSID, "me"))
    a = Photoset(PhotosetId("1"), "A", "[created by flickrsync]", PhotoId("10"), photos=2)
    b = Photoset(PhotosetId("2"), "B", "", PhotoId("20"))
    idx.replace_photosets(NSID, [b, a])
    idx.remember_photosets(NSID, [(a.id, os.fsdecode(b"Trips/caf\xe9"), [PhotoId("10"), PhotoId("12")])])
    idx.set_photoset_photos(NSID, a.id, [PhotoId("12"), PhotoId("10"), PhotoId("11")])
    assert idx.photosets(NSID) == [b, a]
    assert idx.photoset_photos(NSID, a.id) == ["12", "10", "11"]
    c = Photoset(PhotosetId("3"), "C", "", PhotoId("30"))
    idx.upsert_photoset(NSID, c)
    assert [s.id for s in idx.photosets(NSID)] == ["2", "1", "3"]
    renamed = Photoset(PhotosetId("1"), "A2", "[created by flickrsync]", PhotoId("10"))
    idx.replace_photosets(NSID, [renamed, c])  # B deleted on Flickr
    assert idx.photosets(NSID) == [renamed, c]
    # what the photoset step remembers is kept across refreshes
    assert idx.photoset_memory(NSID) == (
        {"1": os.fsdecode(b"Trips/caf\xe9")},
        {"1": frozenset({"10", "12"})},
    )
    assert idx.photoset_memberships(NSID) == {"1": ["12", "10", "11"]}
    idx.link_photoset(NSID, c.id, "C")
    idx.link_photoset(NSID, c.id, "elsewhere")  # a download's link never replaces one
    idx.link_photoset(NSID, PhotosetId("9"), "x")  # nor names a set the index does not list
    idx.remember_photosets(NSID, [(a.id, "Trips/Rome", None), (PhotosetId("9"), "x", [PhotoId("1")])])
    assert idx.photoset_memory(NSID) == ({"1": "Trips/Rome", "3": "C"}, {"1": frozenset({"10", "12"})})
    idx.remember_photosets(NSID, [(a.id, "Trips/Rome", [])])
    assert idx.photoset_memory(NSID) == ({"1": "Trips/Rome", "3": "C"}, {})
    idx.delete_photoset(NSID, a.id)
    assert idx.photoset_memberships(NSID) == {}
    assert idx.photoset_memory(NSID) == ({"3": "C"}, {})  # gone with its set


def test_links_are_one_to_one(idx: Index) -> None:
    idx.upsert_account(Account(NSID, "me"))
    idx.add_link(NSID, PhotoId("1"), cid(1), "title_date", now=10)
    idx.add_link(NSID, PhotoId("2"), cid(1), "perceptual", now=20)  # picture relinked
    assert [(lk.photo_id, lk.rule) for lk in idx.links(NSID)] == [("2", "perceptual")]
    idx.add_link(NSID, PhotoId("2"), cid(2), "machine_tag", now=30)  # photo relinked
    assert [(lk.photo_id, lk.content_id) for lk in idx.links(NSID)] == [("2", cid(2))]
    idx.remove_link(NSID, PhotoId("2"))
    assert idx.links() == []


def test_upload_journal(idx: Index) -> None:
    idx.upsert_account(Account(NSID, "me"))
    idx.record_files([lf("a.jpg", 1), lf("b.jpg", 2, ino=2)])
    one = idx.begin_upload(NSID, cid(1), LocalPath(ROOT, "a.jpg"), now=100)
    two = idx.begin_upload(NSID, cid(2), LocalPath(ROOT, "b.jpg"), now=101)
    # The intent is committed before the upload starts: another connection sees it.
    other = sqlite3.connect(idx.path)
    assert other.execute("SELECT count(*) FROM upload_journal WHERE finished_at IS NULL").fetchone()[0] == 2
    other.close()
    assert [u.id for u in idx.open_uploads(NSID)] == [one, two]
    idx.finish_upload(one, PhotoId("555"), now=110)
    idx.fail_upload(two, "Flickr refused: bad file", now=111)
    assert idx.open_uploads(NSID) == []
    [done, failed] = idx.upload_journal(NSID)
    assert (done.photo_id, done.finished_at, done.path) == ("555", 110, LocalPath(ROOT, "a.jpg"))
    assert failed.error == "Flickr refused: bad file"
    assert failed.photo_id is None
    assert [(lk.photo_id, lk.content_id, lk.rule) for lk in idx.links(NSID)] == [("555", cid(1), "upload")]
    # A journaled picture whose file vanished is kept (the engine still needs it).
    idx.remove_files(row[0] for row in idx.stat_rows().values())
    idx.prune_pictures()
    assert idx.picture(cid(2)) is not None


def test_download_journal(idx: Index) -> None:
    idx.upsert_account(Account(NSID, "me"))
    target = LocalPath(ROOT, "Flickr/sunset.jpg")
    job = idx.begin_download(NSID, PhotoId("9"), target, ".flickrsync-part-sunset.jpg", now=5)
    [pending] = idx.open_downloads(NSID)
    assert (pending.id, pending.path, pending.temp_relpath) == (job, target, ".flickrsync-part-sunset.jpg")
    idx.record_files([LocalFile(target, FileStat(1, 1, 1, 1), fp(7))])
    idx.finish_download(job, cid(7), now=6)
    # recorded, but open until its temporary name is gone
    [recorded] = idx.open_downloads(NSID)
    assert (recorded.content_id, recorded.error) == (cid(7), None)
    idx.close_download(job, now=6)
    assert idx.open_downloads(NSID) == []
    pic = idx.picture(cid(7))
    assert pic is not None
    assert pic.flickr_id == "9"
    assert [(lk.photo_id, lk.rule) for lk in idx.links(NSID)] == [("9", "download")]
    failed = idx.begin_download(NSID, PhotoId("10"), target, ".x", now=7)
    idx.fail_download(failed, "disk full")
    assert [d.error for d in idx.open_downloads(NSID)] == ["disk full"]
    idx.close_download(failed, now=8)
    assert idx.open_downloads(NSID) == []


def test_transaction_rolls_back_everything(idx: Index) -> None:
    def write_then_fail() -> None:
        with idx.transaction():
            idx.record_files([lf("a.jpg", 1)])
            idx.set_meta("k", "v")
            raise RuntimeError("stop")

    with pytest.raises(RuntimeError):
        write_then_fail()
    assert idx.files() == []
    assert idx.get_meta("k") is None


def test_needs_phash(idx: Index) -> None:
    assert not idx.needs_phash()
    idx.record_files([lf("a.jpg", 1)])
    assert idx.needs_phash()
    idx.set_phashes({}, {cid(1): "cannot decode"})
    assert not idx.needs_phash()  # a failed decode is not retried by default


def test_a_photo_that_refused_our_tag_is_remembered_until_it_changes(tmp_path: Path) -> None:
    nsid = Nsid("1@N01")
    with Index.open(tmp_path / "index.db") as idx:
        idx.upsert_account(Account(nsid, "me"))
        full = RemotePhoto(PhotoId("7"), "t", "s", "1", last_update=100)
        idx.upsert_remote_photos(nsid, [full, RemotePhoto(PhotoId("8"), "t", "s", "1", last_update=100)])
        idx.set_tags_full(nsid, PhotoId("7"))
        assert idx.tags_full(nsid) == {"7"}
        idx.upsert_remote_photos(nsid, [full])  # listed again, unchanged
        assert idx.tags_full(nsid) == {"7"}
        idx.upsert_remote_photos(nsid, [replace(full, last_update=200)])  # the user removed a tag
        assert idx.tags_full(nsid) == set()


@pytest.mark.parametrize(
    "asked", [1, 2, 3, 8], ids=["joined", "joined-at-the-edge", "scanned-at-the-edge", "scanned"]
)
def test_file_metas_give_what_was_kept_whether_joined_or_scanned(idx: Index, asked: int) -> None:
    """A few paths are joined with, a good part of the library is read in one pass: the same
    answer (None: not read yet; paths not in the index are left out)."""
    meta = PictureMeta(texts=(("XMP-dc:Title", "kept"),))
    files = [lf(f"a/{i}.jpg", i, ino=i + 1) for i in range(20)]  # scanned from 5 paths asked
    idx.record_files(files, now=1, meta={f.path: meta for f in files[::2]})
    other_root = LocalPath("/elsewhere", "a/0.jpg")
    wanted = [f.path for f in files[:asked]] + [LocalPath(ROOT, "not/there.jpg"), other_root]
    expected = {f.path: meta if i % 2 == 0 else None for i, f in enumerate(files[:asked])}
    assert idx.file_metas(wanted) == expected
