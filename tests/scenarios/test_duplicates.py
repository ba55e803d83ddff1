"""No second copy on Flickr, whatever happens to the index or how many homes sync (issue 16 point 5).

Flickr's search lags behind fresh uploads here, as it does on Flickr (fakeflickr's default,
checked by each test): a run cannot count on finding a just-stored photo by its machine tag.

* kill -9 during uploads, then delete the index: the next run knows nothing of the killed run's
  uploads from the index; the lock file says that run was uploading and when it was last alive,
  so the run waits for them to land (``upload_settle_seconds``) before it lists and sends; and
  every upload goes with ``dedup_check``, so Flickr refuses a second copy of the same bytes.
* two homes syncing the same library to the same account at once: both plan every picture; for
  each, Flickr stores the first copy and refuses the second (``dedup_check``), which that home
  links to the photo the other stored. Before: 10 of 10 pictures were on Flickr twice.
* a photo the user deleted on Flickr still counts for ``dedup_check`` (status ``DELETED``): the
  picture is uploaded again, not linked to a photo that is gone.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from tests.fakeflickr.client import Api
from tests.synchelpers import SyncLib, md5

from fakeflickr.testing import FakeFlickrHandle
from flickrsync.config import load_settings

pytestmark = [pytest.mark.integration, pytest.mark.slow]


def search_lags(ff: FakeFlickrHandle) -> None:
    assert ff.state(photos=False)["config"]["search_index_delay"] >= 3600, "search must lag, as on Flickr"


def start(lib: SyncLib, *args: str) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, "-m", "flickrsync", "--home", str(lib.home), *args],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        start_new_session=True,
    )


def copies(lib: SyncLib) -> dict[str, int]:
    """How many Flickr photos hold each picture the test wrote (by the original's bytes)."""
    by_md5: dict[str, int] = {}
    for photo in lib.photos():
        by_md5[photo["file_md5"]] = by_md5.get(photo["file_md5"], 0) + 1
    return {rel: by_md5.get(md5(data), 0) for rel, data in lib.written.items()}


def test_kill_9_during_uploads_then_deleting_the_index_makes_no_duplicate(
    fakeflickr: FakeFlickrHandle, tmp_path: Path
) -> None:
    search_lags(fakeflickr)
    lib = SyncLib.create(fakeflickr, tmp_path, config="upload_settle_seconds = 6\n")
    lib.add_many((f"Trip/p{i}.jpg", i) for i in range(6))
    # fakeflickr holds each upload 3 s before it reads and stores it: uploads the killed run sent
    # land while the next run is already going.
    fakeflickr.set_faults(1.0, kinds=["slow"], targets=["upload"], slow_seconds=3.0)
    proc = start(lib, "sync", "--yes", "--transfers", "2", "--no-photosets")
    deadline = time.monotonic() + 60
    while fakeflickr.calls().get("upload", 0) < 2 and proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.02)
    time.sleep(0.3)  # the two requests are on their way
    os.killpg(proc.pid, signal.SIGKILL)
    proc.communicate()
    assert lib.photos() == [], "killed before Flickr stored anything"
    database = load_settings(lib.home, None).database
    for suffix in ("", "-wal", "-shm"):
        Path(f"{database}{suffix}").unlink(missing_ok=True)
    # The next run's own uploads are not held back: only the wait and Flickr's check stand
    # between them and a second copy of the two that are still landing.
    fakeflickr.clear_faults()

    started = time.monotonic()
    run = lib.run("sync", "--yes", "--no-photosets")
    assert run.code == 0, run
    assert "knows none of its uploads (was it deleted?): waiting" in run.err, run
    assert time.monotonic() - started >= 2.0, "it waited for the killed run's uploads to land"
    assert copies(lib) == dict.fromkeys(lib.written, 1), copies(lib)
    assert len(lib.photos()) == 6
    for data in lib.written.values():
        assert lib.photo_of(data)["file_md5"] == md5(data)

    again = lib.run("sync", "--yes", "--no-photosets")
    assert again.code == 0, again
    assert again.writes == {}


def test_two_homes_syncing_one_library_to_one_account_at_once_make_no_duplicate(
    fakeflickr: FakeFlickrHandle, tmp_path: Path
) -> None:
    search_lags(fakeflickr)
    here = SyncLib.create(fakeflickr, tmp_path / "laptop")
    there = SyncLib.create(fakeflickr, tmp_path / "desktop", directory=here.root)
    here.add_many((f"p{i}.jpg", i) for i in range(10))
    # Each upload waits a moment in fakeflickr: both homes have listed the account (empty) and
    # planned every picture before either stores one.
    fakeflickr.set_faults(1.0, kinds=["slow"], targets=["upload"], slow_seconds=0.3)
    runs = [start(lib, "sync", "--yes", "--transfers", "3") for lib in (here, there)]
    results = [proc.communicate(timeout=180) for proc in runs]
    fakeflickr.clear_faults()
    for proc, (out, err) in zip(runs, results, strict=True):
        assert proc.returncode == 0, (out.decode(), err.decode())
    assert copies(here) == dict.fromkeys(here.written, 1), copies(here)
    assert len(here.photos()) == 10
    linked = sum(int(b"found on Flickr already" in out) for out, _err in results)
    assert linked >= 1, "the homes raced: at least one linked what the other stored"
    for data in here.written.values():
        assert here.photo_of(data)["file_md5"] == md5(data)

    for lib in (here, there):
        again = lib.run("sync", "--yes")
        assert again.code == 0, again
        assert again.writes == {}


def test_a_picture_whose_photo_the_user_deleted_is_uploaded_again_when_restored(
    fakeflickr: FakeFlickrHandle, tmp_path: Path
) -> None:
    lib = SyncLib.create(fakeflickr, tmp_path)
    data = lib.add("a.jpg", 1)
    assert lib.run("sync", "--yes").code == 0
    first = lib.photo_of(data)["id"]
    # The user deletes it on Flickr (a client with delete permission; flickrsync never does).
    Api(fakeflickr, fakeflickr.mint_token(user=lib.nsid, perms="delete")).ok(
        "flickr.photos.delete", photo_id=first
    )
    lib.check_after_run = False  # the test itself deleted a photo
    # The deletion is the user's decision: noticed and reported, never undone silently (issue 11).
    run = lib.run("sync", "--yes", "--full")
    assert run.code == 0, run
    assert "upload" not in run.writes, run
    # Asked for, it comes back, sent once: without dedup_check, which would point at the deleted
    # photo (status DELETED) and make the file cross the uplink twice.
    run = lib.run("sync", "--yes", "--restore")
    assert run.code == 0, run
    assert run.writes.get("upload") == 1, run
    again = lib.photo_of(data)  # the one photo carrying its machine tag
    assert again["id"] != first
    assert again["file_md5"] == md5(data)
