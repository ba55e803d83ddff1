"""The scanner over generated trees: what is indexed, skipped, re-read, and every bad input."""

from __future__ import annotations

import contextlib
import hashlib
import os
import shutil
import stat
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, BinaryIO

import pytest
from PIL import Image
from tests.pictures import fake_mp4, make_jpeg

from flickrsync import fingerprint, library, localfs, scanner, workpool
from flickrsync.errors import ConfigError, LocalFileError
from flickrsync.index import MIGRATIONS, Index
from flickrsync.index import schema as index_schema
from flickrsync.localfs import ScanConfig, ScanTuning
from flickrsync.models import Account, FileStat, LazyResult, LocalPath, Nsid, PhotoId, ScanReport
from flickrsync.scanner import scan_library

INLINE = ScanTuning(workers=1)


class Reads:
    """Counts fingerprint reads (inline scans run in this process)."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.paths: list[str] = []
        self.hook: Callable[[str], None] | None = None
        # The scan reads each file once, for its fingerprint and its metadata together.
        original = fingerprint.fingerprint_with_metadata

        def counting(stream: BinaryIO, *, size: int | None = None) -> Any:
            name = os.readlink(f"/proc/self/fd/{stream.fileno()}")
            self.paths.append(name)
            if self.hook is not None:
                self.hook(name)
            return original(stream, size=size)

        monkeypatch.setattr(fingerprint, "fingerprint_with_metadata", counting)

    def take(self) -> list[str]:
        taken, self.paths = self.paths, []
        return sorted(os.path.basename(p) for p in taken)


@pytest.fixture
def reads(monkeypatch: pytest.MonkeyPatch) -> Reads:
    return Reads(monkeypatch)


@pytest.fixture
def lib(tmp_path: Path) -> Path:
    root = tmp_path / "Pictures"
    root.mkdir()
    return root


@pytest.fixture
def index(tmp_path: Path) -> Iterator[Index]:
    with Index.open(tmp_path / "home" / "index.db") as idx:
        yield idx


def scan(index: Index, root: Path, **kw: Any) -> ScanReport:
    config = ScanConfig(roots=(str(root),), tuning=kw.pop("tuning", INLINE), **kw)
    return scan_library(index, config)


def relpaths(index: Index) -> dict[str, str | None]:
    return {
        f.path.relpath: (f.fingerprint.content_id if f.fingerprint else f"problem: {f.problem}")
        for f in index.files()
    }


# --- what is indexed and what is skipped ----------------------------------------------------


def test_indexes_pictures_videos_and_duplicates(lib: Path, index: Index) -> None:
    make_jpeg(lib / "2020" / "a.jpg", 1)
    make_jpeg(lib / "2020" / "B.JPEG", 2)
    (lib / "2021").mkdir()
    (lib / "2021" / "a copy.jpg").write_bytes((lib / "2020" / "a.jpg").read_bytes())
    fake_mp4(lib / "2021" / "clip.MP4")
    (lib / "2020" / "a.xmp").write_text("<xmp/>")
    (lib / "2020" / "notes.txt").write_text("hello")
    (lib / "README").write_text("no extension")
    report = scan(index, lib)
    assert report.counts.pictures == 2
    assert report.counts.videos == 1
    assert (report.counts.duplicate_groups, report.counts.duplicate_files) == (1, 1)
    assert report.read == 4
    assert report.problems == ()
    assert dict(report.ignored) == {".xmp": 1, ".txt": 1, "(none)": 1}
    [dup] = index.duplicates()
    assert [p.relpath for p in dup.paths] == ["2020/a.jpg", "2021/a copy.jpg"]
    video = index.file(LocalPath(str(lib), "2021/clip.MP4"))
    assert video is not None
    assert video.fingerprint is not None
    assert video.fingerprint.media == "video"


def test_skips_hidden_clutter_own_files_and_excludes(tmp_path: Path, lib: Path) -> None:
    keep = make_jpeg(lib / "keep.jpg", 1)
    for rel in (
        ".hidden.jpg",
        ".thumbnails/t.jpg",
        "@eaDir/keep.jpg/SYNOFILE_THUMB_XL.jpg",
        "$RECYCLE.BIN/x.jpg",
        "System Volume Information/x.jpg",
        "lost+found/x.jpg",
        ".Trash-1000/files/x.jpg",
        ".@__thumb/x.jpg",
        "Thumbs.db",
        "raw/skip.jpg",
        "tmp/deep/also.JPG",
        "sub/private_1.jpg",
        "home/tokens/x.jpg",
        library.TEMP_PREFIX + "0123456789abcdef",
    ):
        make_jpeg(lib / rel, 2)
    with Index.open(lib / "index.db") as idx:  # the index itself inside the library
        config = ScanConfig(
            roots=(str(lib),),
            exclude=("raw", "TMP/*", "private_*.jpg"),
            skip_paths=(str(lib / "home"), *(str(lib / f"index.db{s}") for s in ("", "-wal", "-shm"))),
            tuning=INLINE,
        )
        report = scan_library(idx, config)
        assert list(relpaths(idx)) == ["keep.jpg"]
        assert report.ignored == ()
        assert report.issues == ()
        assert keep.exists()


def test_type_comes_from_content_not_extension(lib: Path, index: Index) -> None:
    png = lib / "really_a_png.jpg"
    Image.new("RGB", (8, 8), (1, 2, 3)).save(png, "PNG")
    (lib / "text.jpg").write_text("just some text, not a picture\n")
    report = scan(index, lib)
    file = index.file(LocalPath(str(lib), "really_a_png.jpg"))
    assert file is not None
    assert file.fingerprint is not None
    assert file.fingerprint.format == "png"
    [problem] = report.problems
    assert problem.path.relpath == "text.jpg"
    assert problem.problem is not None
    assert "not a picture" in problem.problem
    assert problem.problem_kind == "media"


# --- incremental ----------------------------------------------------------------------------


def test_second_scan_reads_nothing(lib: Path, index: Index, reads: Reads) -> None:
    for n in range(5):
        make_jpeg(lib / f"d{n % 2}" / f"{n}.jpg", n)
    (lib / "bad.jpg").write_text("nope")
    first = scan(index, lib)
    assert len(reads.take()) == 6
    assert first.read == 6
    second = scan(index, lib)
    assert reads.take() == []  # a bad file is not retried while unchanged either
    assert (second.read, second.unchanged, second.removed) == (0, 6, 0)
    assert second.counts == first.counts


def test_changed_file_is_read_again(lib: Path, index: Index, reads: Reads) -> None:
    a = make_jpeg(lib / "a.jpg", 1)
    make_jpeg(lib / "b.jpg", 2)
    scan(index, lib)
    reads.take()
    before = relpaths(index)["a.jpg"]
    make_jpeg(a, 3)
    os.utime(a, ns=(a.stat().st_atime_ns, a.stat().st_mtime_ns + 1_000_000_000))
    report = scan(index, lib)
    assert reads.take() == ["a.jpg"]
    assert report.read == 1
    assert relpaths(index)["a.jpg"] != before
    assert index.counts().pictures == 2


def test_moved_and_renamed_files_keep_identity_without_reading(lib: Path, index: Index, reads: Reads) -> None:
    make_jpeg(lib / "in" / "a.jpg", 1)
    make_jpeg(lib / "in" / "b.jpg", 2)
    scan(index, lib)
    reads.take()
    ids = relpaths(index)
    index.set_file_digests({LocalPath(str(lib), "in/a.jpg"): {"sha256": "kept"}})
    (lib / "out").mkdir()
    os.rename(lib / "in" / "a.jpg", lib / "out" / "renamed.jpg")
    os.rename(lib / "in" / "b.jpg", lib / "in" / "b2.jpg")
    report = scan(index, lib)
    assert reads.take() == []
    assert (report.read, report.reused, report.removed) == (0, 2, 2)
    assert relpaths(index) == {"in/b2.jpg": ids["in/b.jpg"], "out/renamed.jpg": ids["in/a.jpg"]}
    assert index.file_digests(LocalPath(str(lib), "out/renamed.jpg")) == {"sha256": "kept"}


def test_swapped_names_are_handled(lib: Path, index: Index, reads: Reads) -> None:
    a, b = make_jpeg(lib / "a.jpg", 1), make_jpeg(lib / "b.jpg", 2)
    scan(index, lib)
    reads.take()
    ids = relpaths(index)
    os.rename(a, lib / "tmp.jpg")
    os.rename(b, a)
    os.rename(lib / "tmp.jpg", b)
    scan(index, lib)
    assert reads.take() == []
    assert relpaths(index) == {"a.jpg": ids["b.jpg"], "b.jpg": ids["a.jpg"]}


def test_hard_links_are_read_once(lib: Path, index: Index, reads: Reads) -> None:
    a = make_jpeg(lib / "a.jpg", 1)
    os.link(a, lib / "b.jpg")
    report = scan(index, lib)
    assert len(reads.take()) == 1
    assert report.reused == 1
    os.link(a, lib / "c.jpg")
    scan(index, lib)
    assert reads.take() == []
    assert len(set(relpaths(index).values())) == 1
    assert index.counts().duplicate_files == 2


def test_vanished_files_leave_the_index_but_linked_pictures_stay(lib: Path, index: Index) -> None:
    a, b = make_jpeg(lib / "a.jpg", 1), make_jpeg(lib / "b.jpg", 2)
    scan(index, lib)
    ids = relpaths(index)
    nsid = Nsid("1@N01")
    index.upsert_account(Account(nsid, "me"))
    index.add_link(nsid, PhotoId("77"), ids["a.jpg"], "upload")  # type: ignore[arg-type]
    a.unlink()
    b.unlink()
    report = scan(index, lib)
    assert report.removed == 2
    assert index.files() == []
    assert [p.content_id for p in index.pictures_without_paths()] == [ids["a.jpg"]]
    assert report.counts.pictures_without_paths == 1


def test_files_of_roots_no_longer_configured_leave_the_index(tmp_path: Path, index: Index) -> None:
    one, two = tmp_path / "one", tmp_path / "two"
    make_jpeg(one / "a.jpg", 1)
    make_jpeg(two / "b.jpg", 2)
    both = ScanConfig(roots=(str(one), str(two)), tuning=INLINE)
    assert scan_library(index, both).counts.files == 2
    report = scan(index, one)
    assert report.removed == 1
    assert [f.path for f in index.files()] == [LocalPath(str(one), "a.jpg")]


def test_nested_roots_index_each_file_once(tmp_path: Path, index: Index) -> None:
    outer = tmp_path / "Pictures"
    make_jpeg(outer / "a.jpg", 1)
    make_jpeg(outer / "Phone" / "b.jpg", 2)
    config = ScanConfig(roots=(str(outer), str(outer / "Phone"), str(outer)), tuning=INLINE)
    report = scan_library(index, config)
    assert report.counts.files == 2
    assert [f.path for f in index.files()] == [
        LocalPath(str(outer), "Phone/b.jpg"),
        LocalPath(str(outer), "a.jpg"),
    ]
    assert scan_library(index, config).read == 0


def test_moves_between_roots_are_recognised(tmp_path: Path, index: Index, reads: Reads) -> None:
    one, two = tmp_path / "one", tmp_path / "two"
    make_jpeg(one / "a.jpg", 1)
    two.mkdir()
    config = ScanConfig(roots=(str(one), str(two)), tuning=INLINE)
    scan_library(index, config)
    reads.take()
    os.rename(one / "a.jpg", two / "a.jpg")
    report = scan_library(index, config)
    assert reads.take() == []
    assert report.reused == 1
    assert [f.path for f in index.files()] == [LocalPath(str(two), "a.jpg")]


def test_folder_deleted_or_renamed(lib: Path, index: Index, reads: Reads) -> None:
    make_jpeg(lib / "2019" / "trip" / "a.jpg", 1)
    make_jpeg(lib / "2019" / "trip" / "deeper" / "b.jpg", 2)
    make_jpeg(lib / "2020" / "c.jpg", 3)
    scan(index, lib)
    reads.take()
    ids = relpaths(index)
    os.rename(lib / "2019", lib / "1999")
    report = scan(index, lib)
    assert reads.take() == []
    assert report.reused == 2
    assert relpaths(index) == {
        "1999/trip/a.jpg": ids["2019/trip/a.jpg"],
        "1999/trip/deeper/b.jpg": ids["2019/trip/deeper/b.jpg"],
        "2020/c.jpg": ids["2020/c.jpg"],
    }
    for path in (lib / "1999").rglob("*.jpg"):
        path.unlink()
    for folder in sorted((lib / "1999").rglob("*"), reverse=True):
        folder.rmdir()
    (lib / "1999").rmdir()
    report = scan(index, lib)
    assert report.removed == 2
    assert list(relpaths(index)) == ["2020/c.jpg"]


#: File times a file system may hold beyond 64 bits of nanoseconds (ext4 and XFS with bigtime
#: go to 2446 and 2486; ext4 back to 1901-12-13), and one just before 1970 with nanoseconds.
FAR_TIMES = {
    "2300.jpg": 10_413_792_000 * 10**9,  # 2300-01-01, after 2262: crashed every scan (issue 16)
    "1901.jpg": -2_147_472_000 * 10**9,  # 1901-12-14
    "1969.jpg": -500_000_001,  # 1969-12-31 23:59:59.499999999
}


def test_any_file_time_a_file_system_holds_is_scanned(lib: Path, index: Index, reads: Reads) -> None:
    for n, (name, ns) in enumerate(FAR_TIMES.items()):
        os.utime(make_jpeg(lib / name, n + 1), ns=(ns, ns))
    held = {name: (lib / name).stat().st_mtime_ns for name in FAR_TIMES}
    if held["2300.jpg"] < 2**63:
        pytest.skip(f"the file system of {lib} holds no time after 2262")
    report = scan(index, lib)
    assert (report.read, report.problems) == (3, ())
    for name in FAR_TIMES:
        known = index.file(LocalPath(str(lib), name))
        assert known is not None
        assert known.stat.mtime_ns == held[name]
        with localfs.open_file(known.path, expect=known.stat) as stream:  # not "changed since"
            assert stream.read(2) == b"\xff\xd8"
    reads.take()
    again = scan(index, lib)
    assert (again.read, again.unchanged, reads.take()) == (0, 3, [])
    (lib / "moved").mkdir()
    os.rename(lib / "2300.jpg", lib / "moved" / "2300.jpg")
    moved = scan(index, lib)
    assert (moved.read, moved.reused, moved.removed, reads.take()) == (0, 1, 1, [])


def test_an_index_from_before_stat_keys_of_96_bits_reads_nothing_again(
    lib: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, reads: Reads
) -> None:
    """An index flickrsync wrote before migration 0002 (32-byte stat keys, manifests of them)
    opens, and the scans after it read no file again."""
    for n in range(4):
        make_jpeg(lib / f"d{n % 2}" / f"{n}.jpg", n)
    db = tmp_path / "old" / "index.db"
    monkeypatch.setattr(index_schema, "MIGRATIONS", MIGRATIONS[:1])
    with Index.open(db) as old:
        # Today's scanner writes a column (0004) that the index of then lacked: lent for the scan.
        old._conn.execute("ALTER TABLE local_file ADD COLUMN meta TEXT")
        scan(old, lib)
        old._conn.execute("ALTER TABLE local_file DROP COLUMN meta")
        # What flickrsync wrote then: the first 32 bytes of today's keys (mtime_ns as a signed
        # 64-bit number), and manifests of those.
        old._conn.execute("UPDATE local_file SET stat_key = substr(stat_key, 1, 32)")
        rows = old._conn.execute("SELECT root_id, relpath, stat_key FROM local_file").fetchall()
        for rid, folder in old._conn.execute("SELECT root_id, relpath FROM local_dir").fetchall():
            entries = [
                rel.rpartition(b"/")[2] + b"\0" + key
                for r, rel, key in rows
                if r == rid and rel.rpartition(b"/")[0] == folder
            ]
            old._conn.execute(
                "UPDATE local_dir SET manifest = ? WHERE root_id = ? AND relpath = ?",
                (b"".join(sorted(entries)), rid, folder),
            )
    monkeypatch.undo()
    reads.take()
    with Index.open(db) as new:
        first = scan(new, lib)
        assert (first.read, first.unchanged, first.removed, reads.take()) == (0, 4, 0, [])
        assert None not in new.dir_manifests(new.ensure_roots([str(lib)])[0]).values()
        second = scan(new, lib)
        assert (second.read, second.unchanged, reads.take()) == (0, 4, [])


def test_replaced_file_with_same_size_and_mtime_is_read(lib: Path, index: Index, reads: Reads) -> None:
    a = make_jpeg(lib / "a.jpg", 1)
    scan(index, lib)
    reads.take()
    old = a.stat()
    other = make_jpeg(lib / "other.tmp", 2)  # not a picture extension: not scanned itself
    other.write_bytes(other.read_bytes()[: old.st_size].ljust(old.st_size, b"\0"))
    os.utime(other, ns=(old.st_atime_ns, old.st_mtime_ns))
    os.replace(other, a)  # what an editor does: same name, same size and mtime, new inode
    assert (a.stat().st_size, a.stat().st_mtime_ns) == (old.st_size, old.st_mtime_ns)
    scan(index, lib)
    assert reads.take() == ["a.jpg"]


def test_files_indexed_outside_a_scan_are_checked_next_time(lib: Path, index: Index) -> None:
    make_jpeg(lib / "Flickr" / "kept.jpg", 1)
    scan(index, lib)
    new = make_jpeg(lib / "Flickr" / "downloaded.jpg", 2)
    scanner.index_files(index, [LocalPath(str(lib), "Flickr/downloaded.jpg")])
    new.unlink()  # gone before the next scan: the folder's manifest must not hide it
    report = scan(index, lib)
    assert report.removed == 1
    assert list(relpaths(index)) == ["Flickr/kept.jpg"]


def test_newly_excluded_folder_leaves_the_index(lib: Path, index: Index) -> None:
    make_jpeg(lib / "keep" / "a.jpg", 1)
    make_jpeg(lib / "drafts" / "b.jpg", 2)
    scan(index, lib)
    report = scan(index, lib, exclude=("drafts",))
    assert report.removed == 1
    assert list(relpaths(index)) == ["keep/a.jpg"]


# --- bad input never stops a scan -----------------------------------------------------------


def test_bad_files_are_recorded_with_reasons(lib: Path, index: Index) -> None:
    good = make_jpeg(lib / "good.jpg", 1)
    (lib / "empty.jpg").write_bytes(b"")
    (lib / "text.jpg").write_text("hello")
    (lib / "junk.png").write_bytes(os.urandom(3000))
    data = make_jpeg(lib / "src.jpg", 2).read_bytes()
    (lib / "src.jpg").unlink()
    (lib / "truncated.jpg").write_bytes(data[: len(data) // 2])
    # Corrupt EXIF: an APP1 segment whose TIFF header and IFD offsets are garbage.
    body = good.read_bytes()
    garbage = b"Exif\x00\x00MM\x00*\xff\xff\xff\xf0" + os.urandom(40)
    app1 = b"\xff\xe1" + (len(garbage) + 2).to_bytes(2, "big") + garbage
    (lib / "bad_exif.jpg").write_bytes(body[:2] + app1 + body[2:])
    os.mkfifo(lib / "fifo.jpg")
    report = scan(index, lib)
    problems = {f.path.relpath: f.problem for f in report.problems}
    assert set(problems) >= {"empty.jpg", "text.jpg", "junk.png"}
    assert "empty" in str(problems["empty.jpg"])
    assert all(problems.values())
    indexed = relpaths(index)
    assert indexed["good.jpg"] is not None
    assert not str(indexed["good.jpg"]).startswith("problem")
    # Files that may or may not be usable (depends on the decoder) are at least accounted for.
    assert {"truncated.jpg", "bad_exif.jpg"} <= set(indexed)
    assert "fifo.jpg" not in indexed  # not a regular file: skipped, never opened (would block)


def test_a_cut_off_picture_is_a_problem_until_the_whole_file_is_back(lib: Path, index: Index) -> None:
    """Issue 16 point 10: half a picture would pass for a backup under its own content id."""
    whole = make_jpeg(lib / "src.jpg", 3).read_bytes()
    (lib / "src.jpg").unlink()
    (lib / "a.jpg").write_bytes(whole[: len(whole) * 9 // 10])
    report = scan(index, lib)
    [problem] = report.problems
    assert problem.fingerprint is None
    assert problem.problem_kind == "media"
    assert problem.problem == (
        "truncated JPEG: the image data is cut off (no end marker): a cut-off copy is not backed up; "
        "put the whole file in its place"
    )
    assert index.pictures() == []
    (lib / "a.jpg").write_bytes(whole)
    again = scan(index, lib)
    assert again.problems == ()
    [picture] = index.pictures()
    assert picture.paths == (LocalPath(str(lib), "a.jpg"),)


def test_unreadable_file_is_retried_every_scan(
    lib: Path, index: Index, monkeypatch: pytest.MonkeyPatch, reads: Reads
) -> None:
    make_jpeg(lib / "ok.jpg", 1)
    locked = make_jpeg(lib / "locked.jpg", 2)
    locked.chmod(0)
    original = localfs._open_ro
    denied = {os.fsencode(locked)}

    def open_ro(path: bytes | str) -> int:
        if os.fsencode(path) in denied:  # root ignores chmod 000: refuse as the OS would
            raise PermissionError(13, "Permission denied")
        return original(path)

    monkeypatch.setattr(localfs, "_open_ro", open_ro)
    report = scan(index, lib)
    [problem] = report.problems
    assert problem.path.relpath == "locked.jpg"
    assert problem.problem_kind == "unreadable"
    assert "Permission denied" in str(problem.problem)
    reads.take()
    denied.clear()
    locked.chmod(0o644)  # permissions fixed: mtime unchanged, still retried
    report = scan(index, lib)
    assert reads.take() == ["locked.jpg"]
    assert report.problems == ()


def test_file_rewritten_while_read_is_retried_then_recorded(lib: Path, index: Index, reads: Reads) -> None:
    steady = make_jpeg(lib / "steady.jpg", 1)
    busy = make_jpeg(lib / "busy.jpg", 2)
    remaining = {"count": 1}

    def rewrite(name: str) -> None:
        if name.endswith("busy.jpg") and remaining["count"] > 0:
            remaining["count"] -= 1
            with open(busy, "ab") as handle:
                handle.write(b"more")

    reads.hook = rewrite
    scan(index, lib)
    assert reads.take() == ["busy.jpg", "busy.jpg", "steady.jpg"]  # retried once, then fine
    assert index.problems() == []
    file = index.file(LocalPath(str(lib), "busy.jpg"))
    assert file is not None
    assert file.stat.size == busy.stat().st_size

    remaining["count"] = 10  # keeps changing: recorded as a problem, and retried next scan
    with open(busy, "ab") as handle:
        handle.write(b"again")
    report = scan(index, lib)
    [problem] = report.problems
    assert problem.problem_kind == "changing"
    assert steady.exists()
    remaining["count"] = 0
    reads.take()
    scan(index, lib)
    assert reads.take() == ["busy.jpg"]
    assert index.problems() == []


def test_file_deleted_while_read_is_not_indexed(lib: Path, index: Index, reads: Reads) -> None:
    make_jpeg(lib / "stays.jpg", 1)
    doomed = make_jpeg(lib / "doomed.jpg", 2)
    scan(index, lib)
    os.utime(doomed, ns=(0, doomed.stat().st_mtime_ns + 10**9))  # changed: will be read

    def delete(name: str) -> None:
        if name.endswith("doomed.jpg"):
            doomed.unlink()

    reads.hook = delete
    report = scan(index, lib)
    assert [i.reason for i in report.issues] == ["vanished during the scan"]
    assert not report.issues[0].problem
    assert list(relpaths(index)) == ["stays.jpg"]


def test_fingerprint_crash_is_a_problem_not_a_crash(
    lib: Path, index: Index, monkeypatch: pytest.MonkeyPatch
) -> None:
    make_jpeg(lib / "a.jpg", 1)
    make_jpeg(lib / "b.jpg", 2)
    original = fingerprint.fingerprint_with_metadata

    def flaky(stream: BinaryIO, *, size: int | None = None) -> Any:
        if os.readlink(f"/proc/self/fd/{stream.fileno()}").endswith("b.jpg"):
            raise IndexError("tuple index out of range")
        return original(stream, size=size)

    monkeypatch.setattr(fingerprint, "fingerprint_with_metadata", flaky)
    report = scan(index, lib)
    [problem] = report.problems
    assert problem.path.relpath == "b.jpg"
    assert "IndexError" in str(problem.problem)
    assert report.counts.pictures == 1


def test_undecodable_file_names(lib: Path, index: Index) -> None:
    raw_dir = os.path.join(os.fsencode(lib), b"caf\xe9")
    os.mkdir(raw_dir)
    make_jpeg(Path(os.fsdecode(os.path.join(raw_dir, b"\xff\xfe.jpg"))), 1)
    report = scan(index, lib)
    [file] = index.files()
    assert os.fsencode(file.path.relpath) == b"caf\xe9/\xff\xfe.jpg"
    assert report.counts.pictures == 1
    assert index.file(file.path) == file
    assert scan(index, lib).read == 0  # and it is recognised as unchanged next time


def test_very_deep_tree(index: Index) -> None:
    # Outside pytest's tmp_path: pytest (shutil.rmtree) removes old temporary folders recursively,
    # one Python frame per level, and a tree left behind by a killed run would break every later
    # session's clean-up. This tree is always removed bottom-up, level by level.
    base = tempfile.mkdtemp(prefix="flickrsync-deep-")
    lib = Path(base) / "lib"
    top = os.fsencode(lib / "deep")
    made: list[bytes] = []
    try:
        os.makedirs(top)
        deep = top
        for _ in range(1200):  # deeper than Python's recursion limit
            deep = os.path.join(deep, b"d")
            os.mkdir(deep)
            made.append(deep)
        make_jpeg(Path(os.fsdecode(os.path.join(deep, b"deep.jpg"))), 1)
        report = scan(index, lib)
        assert report.counts.pictures == 1
        [file] = index.files()
        assert file.path.relpath.count("/") == 1201
    finally:
        for folder in reversed([top, *made]):
            with contextlib.suppress(FileNotFoundError):
                for name in os.listdir(folder):
                    child = os.path.join(folder, name)
                    if not os.path.isdir(child) or os.path.islink(child):
                        os.unlink(child)
                os.rmdir(folder)
        shutil.rmtree(base)


def test_symlinks_inside_loops_and_outside(tmp_path: Path, lib: Path, index: Index) -> None:
    make_jpeg(lib / "album" / "a.jpg", 1)
    (lib / "album" / "loop").symlink_to(lib)  # loop to an ancestor
    (lib / "album" / "self").symlink_to(".")
    (lib / "alias.jpg").symlink_to(lib / "album" / "a.jpg")  # link to a file inside
    outside = make_jpeg(tmp_path / "elsewhere" / "o.jpg", 2)
    (lib / "outside.jpg").symlink_to(outside)
    (lib / "outside_dir").symlink_to(outside.parent)
    (lib / "broken.jpg").symlink_to(lib / "missing.jpg")
    report = scan(index, lib)
    assert set(relpaths(index)) == {"album/a.jpg", "alias.jpg"}
    assert report.counts.duplicate_groups == 1
    skipped = {i.path.relpath: i for i in report.issues}
    assert set(skipped) == {"outside.jpg", "outside_dir"}
    assert all(not i.problem and "outside the library" in i.reason for i in skipped.values())


def test_unlistable_folder_keeps_its_indexed_files(
    lib: Path, index: Index, monkeypatch: pytest.MonkeyPatch
) -> None:
    make_jpeg(lib / "open" / "a.jpg", 1)
    make_jpeg(lib / "shut" / "b.jpg", 2)
    scan(index, lib)
    original = os.scandir
    shut = os.fsencode(lib / "shut")

    def scandir(path: Any) -> Any:
        if os.fsencode(path) == shut:  # as chmod 000 would for a normal user
            raise PermissionError(13, "Permission denied")
        return original(path)

    monkeypatch.setattr(os, "scandir", scandir)
    report = scan(index, lib)
    [issue] = report.issues
    assert issue.problem
    assert issue.path.relpath == "shut"
    assert "cannot be read" in issue.reason
    assert set(relpaths(index)) == {"open/a.jpg", "shut/b.jpg"}  # not mistaken for deleted
    assert report.removed == 0


def test_missing_or_bad_root_is_a_config_error(tmp_path: Path, index: Index) -> None:
    with pytest.raises(ConfigError, match=r"\[work\]: pictures directory .* does not exist"):
        scan_library(index, ScanConfig(roots=(str(tmp_path / "nope"),), profile="work"))
    (tmp_path / "file").write_text("x")
    with pytest.raises(ConfigError, match="not a directory"):
        scan_library(index, ScanConfig(roots=(str(tmp_path / "file"),)))


def test_nothing_is_modified_not_even_atime(lib: Path, index: Index) -> None:
    a = make_jpeg(lib / "a.jpg", 1)
    # atime older than mtime: a plain read would update it even on a relatime mount.
    os.utime(a, ns=(1_000_000_000, a.stat().st_mtime_ns))
    before = (a.read_bytes(), a.stat().st_mtime_ns, stat.S_IMODE(a.stat().st_mode))
    os.utime(a, ns=(1_000_000_000, before[1]))
    scan(index, lib)
    config = ScanConfig(roots=(str(lib),), tuning=INLINE)
    assert scanner.compute_perceptual(index, config).computed == 1
    assert scanner.compute_digests(index, config).computed == 1
    localfs.inspect_file(str(a))
    st = a.stat()
    assert st.st_atime_ns == 1_000_000_000  # O_NOATIME: reading left no trace
    assert (a.read_bytes(), st.st_mtime_ns, stat.S_IMODE(st.st_mode)) == before


# --- the process pool -----------------------------------------------------------------------


def test_pool_gives_the_same_index_as_inline(tmp_path: Path) -> None:
    lib = tmp_path / "lib"
    for n in range(30):
        make_jpeg(lib / f"f{n % 3}" / f"{n}.jpg", n % 25)
    (lib / "bad.jpg").write_text("no")
    pooled = ScanTuning(workers=2, inline_seconds=0, batch_files=4)
    with Index.open(tmp_path / "a.db") as one, Index.open(tmp_path / "b.db") as two:
        report_pool = scan(one, lib, tuning=pooled)
        report_inline = scan(two, lib)
        assert relpaths(one) == relpaths(two)
        assert report_pool.counts == report_inline.counts
        assert report_pool.read == 31
        result = scanner.compute_perceptual(one, ScanConfig(roots=(str(lib),), tuning=pooled))
        assert result.computed == 25
        scanner.compute_perceptual(two, ScanConfig(roots=(str(lib),), tuning=INLINE))
        assert [p.phash for p in one.pictures()] == [p.phash for p in two.pictures()]


def test_first_scan_with_perceptual_in_an_early_pool_hashes_as_inline(tmp_path: Path) -> None:
    """A first ``scan --perceptual`` starts its workers before the walk, each preparing the decoder
    (:func:`fingerprint.prepare_perceptual`): the hashes are those of an inline scan."""
    lib = tmp_path / "lib"
    for n in range(12):
        make_jpeg(lib / f"f{n % 2}" / f"{n}.jpg", n, size=(320, 240))
    (lib / "bad.jpg").write_text("no")
    pooled = ScanTuning(workers=2, inline_seconds=0, batch_files=2, perceptual_batch=2, inline_decodes=0)
    with Index.open(tmp_path / "a.db") as one, Index.open(tmp_path / "b.db") as two:
        report_pool = scan_library(one, ScanConfig(roots=(str(lib),), tuning=pooled), perceptual=True)
        report_inline = scan_library(two, ScanConfig(roots=(str(lib),), tuning=INLINE), perceptual=True)
        assert report_pool.perceptual == report_inline.perceptual == 12
        assert report_pool.counts == report_inline.counts
        hashes = {p.content_id: p.phash for p in one.pictures()}
        assert hashes == {p.content_id: p.phash for p in two.pictures()}
        assert all(hashes.values())


def test_worker_preparation_never_breaks_the_pool(monkeypatch: pytest.MonkeyPatch) -> None:
    def broken() -> None:
        raise ImportError("no scipy here")

    monkeypatch.setattr(fingerprint, "prepare_perceptual", broken)
    localfs._prepare_perceptual_worker()  # logged, not raised: the batch that needs it reports it
    localfs._prepare_worker()


def test_a_fetch_of_every_row_answers_the_stats_from_them(
    lib: Path, index: Index, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Many changed paths load every row at once (a first scan: none): the usable files by stat
    come from those rows, as asking for each stat would give, without a query per stat."""
    for i in range(3):
        make_jpeg(lib / f"{i}.jpg", seed=i)
    (lib / "bad.jpg").write_bytes(b"not a picture")
    scan(index, lib)
    (rid,) = index.ensure_roots([str(lib)])
    rows = index.stat_rows()
    stats = frozenset(row[1:5] for row in rows.values()) | {(1, 2, 3, 4)}
    asked = index.usable_by_stat(stats)
    assert len(asked) == 3  # the problem file is no usable copy
    paths = frozenset((rid, f"new/{i}.jpg".encode()) for i in range(scanner._FULL_LOAD + 1))

    def one_by_one(_stats: object) -> None:
        raise AssertionError("asked stat by stat")

    monkeypatch.setattr(index, "usable_by_stat", one_by_one)
    held = scanner.fetch(
        index, scanner.Needs(paths=paths, stats=stats), scanner.Held(manifests={}, folders={})
    )
    assert held.rows == rows
    assert held.by_stat == asked


def test_batches_cover_everything_in_order() -> None:
    sizes = [5] * 10 + [100] + [1] * 50
    for workers in (1, 2, 8):
        batches = workpool.batches(sizes, workers, max_files=16, max_bytes=64, per_worker=4)
        flat = [i for b in batches for i in b]
        assert flat == list(range(len(sizes)))
        assert all(len(b) <= 16 for b in batches)
        assert all(sum(sizes[i] for i in b) <= 64 or len(b) == 1 for b in batches)
    assert len(workpool.batches([1] * 100, 2, max_files=64, max_bytes=1 << 30, per_worker=4)) >= 8
    assert workpool.batches([], 2, max_files=4, max_bytes=4, per_worker=4) == []


# --- lazy passes and single files -----------------------------------------------------------


def test_perceptual_hashes_are_lazy_cached_and_failures_remembered(lib: Path, index: Index) -> None:
    make_jpeg(lib / "a.jpg", 1, size=(64, 64))
    make_jpeg(lib / "b.jpg", 2, size=(64, 64))
    fake_mp4(lib / "v.mp4")
    data = make_jpeg(lib / "src.jpg", 3, size=(256, 256)).read_bytes()
    (lib / "src.jpg").unlink()
    (lib / "cut.jpg").write_bytes(data[: len(data) * 2 // 3])
    scan(index, lib)
    config = ScanConfig(roots=(str(lib),), tuning=INLINE)
    cut = index.file(LocalPath(str(lib), "cut.jpg"))
    assert cut is not None
    ids = relpaths(index)
    assert index.pictures()[0].phash is None  # nothing decoded by a plain scan
    one = scanner.compute_perceptual(index, config, [ids["a.jpg"]])  # type: ignore[list-item]
    assert one.computed == 1
    rest = scanner.compute_perceptual(index, config)
    hashed = {p.paths[0].relpath: p.phash for p in index.pictures() if p.phash}
    assert set(hashed) >= {"a.jpg", "b.jpg"}
    assert hashed["a.jpg"] != hashed["b.jpg"]
    if cut.fingerprint is not None and "cut.jpg" not in hashed:
        assert [cid for cid, _ in rest.failed] == [cut.fingerprint.content_id]
        assert index.phash_error(cut.fingerprint.content_id)
    assert scanner.compute_perceptual(index, config) == LazyResult()  # cached


def test_perceptual_skips_files_changed_since_the_scan(lib: Path, index: Index) -> None:
    a = make_jpeg(lib / "a.jpg", 1)
    scan(index, lib)
    with open(a, "ab") as handle:
        handle.write(b"\x00")
    result = scanner.compute_perceptual(index, ScanConfig(roots=(str(lib),), tuning=INLINE))
    assert (result.computed, result.stale, result.failed) == (0, 1, ())


def test_compute_digests(lib: Path, index: Index) -> None:
    a = make_jpeg(lib / "a.jpg", 1)
    make_jpeg(lib / "b.jpg", 2)
    scan(index, lib)
    config = ScanConfig(roots=(str(lib),), tuning=INLINE)
    result = scanner.compute_digests(index, config, algorithms=("md5", "sha1"))
    assert result.computed == 2
    data = a.read_bytes()
    assert index.file_digests(LocalPath(str(lib), "a.jpg")) == {
        "md5": hashlib.md5(data).hexdigest(),
        "sha1": hashlib.sha1(data).hexdigest(),
    }
    [found] = index.files_by_digest("md5", hashlib.md5(data).hexdigest())
    assert found.path.relpath == "a.jpg"
    assert scanner.compute_digests(index, config, algorithms=("md5",)).computed == 0


def test_inspect_file(tmp_path: Path) -> None:
    pic = make_jpeg(tmp_path / "x.jpg", 1, date="2019:05:01 12:00:00", orientation=6)
    found = localfs.inspect_file(str(pic))
    assert found.fingerprint is not None
    assert found.fingerprint.format == "jpeg"
    assert found.phash is not None
    assert dict(found.digests) == {"sha256": hashlib.sha256(pic.read_bytes()).hexdigest()}
    (tmp_path / "t.jpg").write_text("text")
    text = localfs.inspect_file(str(tmp_path / "t.jpg"))
    assert text.fingerprint is None
    assert "not a picture" in str(text.problem)
    missing = localfs.inspect_file(str(tmp_path / "missing.jpg"))
    assert missing.problem is not None
    assert "No such file" in missing.problem


def test_locate(tmp_path: Path, lib: Path) -> None:
    config = ScanConfig(roots=(str(lib),))
    assert localfs.locate(config, str(lib / "a" / "b.jpg")) == LocalPath(str(lib), "a/b.jpg")
    assert localfs.locate(config, str(tmp_path / "other.jpg")) is None
    (tmp_path / "link").symlink_to(lib)
    assert localfs.locate(ScanConfig(roots=(str(tmp_path / "link"),)), str(lib / "c.jpg")) == LocalPath(
        str(tmp_path / "link"), "c.jpg"
    )


def test_open_file_refuses_a_changed_file(lib: Path, index: Index) -> None:
    a = make_jpeg(lib / "a.jpg", 1)
    scan(index, lib)
    known = index.file(LocalPath(str(lib), "a.jpg"))
    assert known is not None
    with localfs.open_file(known.path, known.stat) as stream:
        assert stream.read() == a.read_bytes()
    with open(a, "ab") as handle:
        handle.write(b"x")
    with pytest.raises(LocalFileError, match="changed since it was scanned"):
        localfs.open_file(known.path, known.stat)
    with pytest.raises(LocalFileError, match="cannot be opened"):
        localfs.open_file(LocalPath(str(lib), "gone.jpg"), FileStat(1, 1, 1, 1))


def test_index_files_right_after_a_download(lib: Path, index: Index) -> None:
    make_jpeg(lib / "Flickr" / "new.jpg", 4)
    [file] = scanner.index_files(index, [LocalPath(str(lib), "Flickr/new.jpg")])
    assert file.fingerprint is not None
    assert index.file(file.path) == file
