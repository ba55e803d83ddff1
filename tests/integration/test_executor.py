"""The executor without a network: crash recovery of downloads and uploads, what stops a run, and
what an upload or a replace does when Flickr refuses part of it."""

from __future__ import annotations

import errno
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any, BinaryIO, cast

import pytest
from tests.pictures import make_jpeg

from flickrsync import library, scanner
from flickrsync.client import FlickrClient
from flickrsync.errors import OutcomeUnknownError, RemoteError, file_error
from flickrsync.executor import Executor
from flickrsync.index import Index
from flickrsync.localfs import ScanConfig
from flickrsync.models import (
    Account,
    ContentId,
    Download,
    LocalPath,
    Nsid,
    PhotoId,
    RemotePhoto,
    Replace,
    Upload,
    content_tag,
)

NSID = Nsid("1@N01")


@pytest.fixture
def index(tmp_path: Path) -> Iterator[Index]:
    with Index.open(tmp_path / "index.db") as idx:
        idx.upsert_account(Account(NSID, "me"))
        yield idx


def executor(index: Index, root: Path) -> Executor:
    no_client = cast(FlickrClient, cast(Any, None))  # settling downloads never talks to Flickr
    return Executor(no_client, index, NSID, ScanConfig(roots=(str(root),)))


def test_an_interrupted_download_leaves_no_temporary_file_and_nothing_else_is_touched(
    tmp_path: Path, index: Index
) -> None:
    lib = tmp_path / "Pictures"
    (lib / "Trip").mkdir(parents=True)
    dest = LocalPath(str(lib), "Trip/Harbour.jpg")
    temp = library.temp_relpath(dest)
    index.begin_download(NSID, PhotoId("7"), dest, temp)
    (lib / temp).write_bytes(b"half a picture")
    theirs = [lib / "Trip" / ".Harbour.jpg.notes.part", lib / "Trip" / "Harbour.jpg.a1b2c3d4.part"]
    for path in theirs:
        path.write_bytes(b"the user's")
    assert executor(index, lib).resolve_downloads() == (0, 1)
    assert not (lib / temp).exists()
    assert all(p.read_bytes() == b"the user's" for p in theirs)
    assert index.open_downloads(NSID) == []


@pytest.mark.parametrize("recorded", ["finished", "failed", "failed, its temporary name removed"])
def test_a_run_killed_after_recording_a_download_leaves_no_second_name(
    tmp_path: Path, index: Index, recorded: str
) -> None:
    """Killed between recording the download and removing its temporary name: the next run
    removes that name and closes the intent, and never takes ``dest`` (here the user's file,
    the download having been placed as ``Harbour (2).jpg``) for the download."""
    lib = tmp_path / "Pictures"
    make_jpeg(lib / "Trip" / "Harbour.jpg", 1)  # the user's
    dest = LocalPath(str(lib), "Trip/Harbour.jpg")
    temp = library.temp_relpath(dest)
    intent = index.begin_download(NSID, PhotoId("7"), dest, temp)
    make_jpeg(lib / "Trip" / "Harbour (2).jpg", 3)
    os.link(lib / "Trip" / "Harbour (2).jpg", lib / temp)
    placed = LocalPath(str(lib), "Trip/Harbour (2).jpg")
    [record] = scanner.index_files(index, [placed])
    assert record.fingerprint is not None
    if recorded == "finished":
        index.finish_download(intent, record.fingerprint.content_id)
    else:
        index.fail_download(intent, "not a usable picture")
        if recorded.endswith("removed"):
            (lib / temp).unlink()
    assert executor(index, lib).resolve_downloads() == (0, 0)
    assert not (lib / temp).exists()
    assert (lib / "Trip" / "Harbour (2).jpg").exists()
    assert (lib / "Trip" / "Harbour.jpg").exists()
    assert index.open_downloads(NSID) == []
    user_file = LocalPath(str(lib), "Trip/Harbour.jpg")
    assert all(user_file not in p.paths or p.flickr_id is None for p in index.pictures())


def test_a_download_that_was_in_place_when_the_run_died_is_kept_and_linked(
    tmp_path: Path, index: Index
) -> None:
    lib = tmp_path / "Pictures"
    make_jpeg(lib / "Trip" / "Harbour.jpg", 1)  # the user's, taking the name
    dest = LocalPath(str(lib), "Trip/Harbour.jpg")
    temp = library.temp_relpath(dest)
    index.begin_download(NSID, PhotoId("7"), dest, temp)
    make_jpeg(lib / "Trip" / "Harbour (2).jpg", 3)  # placed under the next name …
    os.link(lib / "Trip" / "Harbour (2).jpg", lib / temp)  # … its temporary name still there
    assert executor(index, lib).resolve_downloads() == (1, 0)
    [picture] = index.pictures()
    assert picture.paths == (LocalPath(str(lib), "Trip/Harbour (2).jpg"),)
    assert picture.flickr_id == "7"  # never uploaded back
    assert [link.photo_id for link in index.links(NSID)] == ["7"]
    assert not (lib / temp).exists()
    assert (lib / "Trip" / "Harbour.jpg").exists()


class LateFlickr:
    """Finds an upload's machine tag only from the ``after``-th search on (still being stored)."""

    def __init__(self, after: int) -> None:
        self.after = after
        self.searches = 0

    def find_by_machine_tag(self, tag: str, *, uploaded_since: int | None = None) -> list[RemotePhoto]:
        self.searches += 1
        if self.searches < self.after:
            return []
        return [RemotePhoto(PhotoId("99"), "a", "s", "1", machine_tags=(tag,), tags=(tag,))]


@pytest.mark.parametrize(
    ("previous_alive", "expect_wait", "outcome"),
    [
        (1000.0, 58.0, (1, 0)),  # the killed run was alive 2 s ago: wait, then it is there
        (900.0, None, (0, 1)),  # long ago: not found means not stored
        (None, None, (0, 1)),  # the previous run ended cleanly
    ],
)
def test_an_interrupted_upload_is_given_time_to_land_before_it_is_sent_again(
    tmp_path: Path,
    index: Index,
    previous_alive: float | None,
    expect_wait: float | None,
    outcome: tuple[int, int],
) -> None:
    lib = tmp_path / "Pictures"
    picture = make_jpeg(lib / "a.jpg", 1)
    [record] = scanner.index_files(index, [LocalPath(str(lib), "a.jpg")])
    assert record.fingerprint is not None
    index.begin_upload(NSID, record.fingerprint.content_id, record.path)
    flickr = LateFlickr(after=2)
    waits: list[float] = []
    ex = Executor(cast(FlickrClient, flickr), index, NSID, ScanConfig(roots=(str(lib),)))
    found = ex.resolve_uploads(
        previous_alive=previous_alive, settle_seconds=60, clock=lambda: 1002.0, sleep=waits.append
    )
    assert found == outcome
    assert waits == ([] if expect_wait is None else [expect_wait])
    assert index.open_uploads(NSID) == []
    links = [link.photo_id for link in index.links(NSID)]
    assert links == (["99"] if outcome == (1, 0) else [])
    assert picture.exists()


@pytest.mark.parametrize(
    ("previous_alive", "previous_uploading", "expect_wait"),
    [
        (1000.0, True, [58.0]),  # killed 2 s ago while uploading; its index is gone: wait
        (1000.0, False, []),  # killed while doing something else: nothing can be landing
        (900.0, True, []),  # killed long ago: whatever it sent has landed or never will
        (None, True, []),  # ended normally
    ],
)
def test_a_killed_runs_uploads_get_time_to_land_even_when_the_index_was_deleted(
    tmp_path: Path,
    index: Index,
    previous_alive: float | None,
    previous_uploading: bool,
    expect_wait: list[float],
) -> None:
    """The index is new (no journal): only the lock file says uploads may still be landing."""
    flickr = LateFlickr(after=1)
    waits: list[float] = []
    ex = Executor(cast(FlickrClient, flickr), index, NSID, ScanConfig(roots=(str(tmp_path),)))
    found = ex.resolve_uploads(
        previous_alive=previous_alive,
        previous_uploading=previous_uploading,
        settle_seconds=60,
        clock=lambda: 1002.0,
        sleep=waits.append,
    )
    assert found == (0, 0)
    assert waits == expect_wait
    assert flickr.searches == 0


class FullDisk:
    """Every download meets a full disk (as library/downloads report it)."""

    def __init__(self, error: Exception) -> None:
        self.error = error
        self.downloads = 0

    def original_url(self, photo_id: PhotoId) -> str:
        return f"http://flickr.test/{photo_id}_o.jpg"

    def download(self, url: str, out: BinaryIO, *, expected_size: int | None = None) -> None:
        self.downloads += 1
        raise self.error


@pytest.mark.parametrize(
    ("error", "stops"),
    [
        (file_error("/lib/x", "cannot write", OSError(errno.ENOSPC, "No space left on device")), True),
        (file_error("/lib/x", "cannot write", OSError(errno.EACCES, "No space left, says this")), False),
    ],
    ids=["disk full", "other file error"],
)
def test_a_full_disk_stops_the_transfers_other_file_errors_do_not(
    tmp_path: Path, index: Index, error: Exception, stops: bool
) -> None:
    lib = tmp_path / "Pictures"
    lib.mkdir()
    flickr = FullDisk(error)
    ex = Executor(cast(FlickrClient, flickr), index, NSID, ScanConfig(roots=(str(lib),)), transfers=1)
    actions = [
        Download(PhotoId(str(i)), LocalPath(str(lib), f"p{i}.jpg"), "photo", "jpg", None, "not here")
        for i in range(6)
    ]
    outcome = ex.run_transfers(actions, {})
    assert len(outcome.failed) == 6
    if stops:
        assert outcome.aborted == "the disk is full"
        assert flickr.downloads <= 2, "what was not under way is not attempted"
        assert sum("not attempted: the disk is full" in f.reason for f in outcome.failed) >= 4
    else:
        assert outcome.aborted is None
        assert flickr.downloads == 6


class DatelessFlickr:
    """Uploads work; setting a date taken fails (the answer lost for good)."""

    def upload_once(self, stream: Any, filename: str, **_: Any) -> PhotoId:
        stream.seek(0)
        while stream.read(1 << 16):  # sent whole, as the client sends it
            pass
        return PhotoId("500")

    def set_date_taken(self, photo_id: PhotoId, date_taken: str) -> None:
        raise OutcomeUnknownError("flickr.photos.setDates: connection lost", method="flickr.photos.setDates")


def test_a_video_whose_date_cannot_be_set_stays_uploaded_and_says_the_next_run_sets_it(
    tmp_path: Path, index: Index
) -> None:
    lib = tmp_path / "Pictures"
    clip = lib / "clip.mp4"
    clip.parent.mkdir(parents=True)
    clip.write_bytes(fake_mp4_bytes())
    [record] = scanner.index_files(index, [LocalPath(str(lib), "clip.mp4")])
    assert record.fingerprint is not None
    cid = record.fingerprint.content_id
    upload = Upload(
        cid, record.path, "clip", (content_tag(cid),), record.stat.size, "video", "new", "2021-03-31 01:46:40"
    )
    ex = Executor(cast(FlickrClient, DatelessFlickr()), index, NSID, ScanConfig(roots=(str(lib),)))
    outcome = ex.run_transfers([upload], {})
    assert outcome.uploaded == {cid: "500"}  # recorded: never sent again
    assert [link.photo_id for link in index.links(NSID)] == ["500"]
    [failed] = outcome.failed
    assert "uploaded as photo 500, but its date taken could not be set" in failed.reason
    assert "the next run sets it" in failed.reason


class NotPro:
    """Flickr refuses every replace: the account is not Pro (code 1)."""

    def __init__(self) -> None:
        self.replaces = 0

    def replace(self, photo_id: PhotoId, stream: Any, filename: str) -> None:
        self.replaces += 1
        raise RemoteError("replace: Flickr error 1: Not a pro account", code=1, method="replace")


def test_a_refused_replace_is_no_failure_and_is_said_once(tmp_path: Path, index: Index) -> None:
    lib = tmp_path / "Pictures"
    paths = [make_jpeg(lib / f"p{i}.jpg", i) for i in range(3)]
    records = scanner.index_files(index, [LocalPath(str(lib), p.name) for p in paths])
    flickr = NotPro()
    ex = Executor(cast(FlickrClient, flickr), index, NSID, ScanConfig(roots=(str(lib),)), transfers=1)
    actions = [
        Replace(PhotoId(str(i)), r.fingerprint.content_id, cid_of(i), r.path, r.stat.size, "edited")  # type: ignore[union-attr]
        for i, r in enumerate(records)
    ]
    outcome = ex.run_transfers(actions, {})
    assert outcome.replace_refused
    assert outcome.failed == []
    assert outcome.replaced == {}
    assert len(outcome.notes) == 1
    assert "Flickr refused to replace" in outcome.notes[0]


def cid_of(i: int) -> ContentId:
    return ContentId(f"{i:064x}")


def fake_mp4_bytes() -> bytes:
    from tests.fingerprint_samples import Track, mp4

    return mp4([Track(b"vide", [300, 200, 250], [(1, 3)])])
