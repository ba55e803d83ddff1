"""A file rewritten in place while it is being uploaded (issue 16 point 3).

The attack: the upload streams the file, so what reaches Flickr is the start of the old picture
and the rest of the new one, under the old picture's machine tag. Before the fix the run recorded
it as backed up. Now the run fails that file (exit 1), records nothing, and repairs the photo:
replaced by the file as it is now when the account is Pro, else stripped of the machine tag and
named on stderr as a damaged copy to delete.

fakeflickr holds each upload back for a moment before it reads it (a ``slow`` fault on the upload
endpoint), so the client has sent only what the socket buffers take when the test rewrites the
file: the rest goes out new. The files are noise pictures larger than those buffers.
"""

from __future__ import annotations

import io
import threading
import time
from pathlib import Path

import numpy as np
import pytest
from PIL import Image
from tests.synchelpers import RunResult, SyncLib, content_id, md5, run_cli, tagged_ids

from fakeflickr.testing import FakeFlickrHandle
from flickrsync.config import load_settings
from flickrsync.index import Index
from flickrsync.models import Nsid

pytestmark = [pytest.mark.integration, pytest.mark.slow]

#: Big enough that the socket buffers of a loopback connection do not swallow it whole.
SIZE = (3400, 3000)


def noise_jpeg(seed: int) -> bytes:
    pixels = np.random.default_rng(seed).integers(0, 256, (SIZE[1], SIZE[0], 3), dtype=np.uint8)
    out = io.BytesIO()
    Image.fromarray(pixels).save(out, "JPEG", quality=95)
    return out.getvalue()


def two_pictures(seed: int) -> tuple[bytes, bytes]:
    """Two different pictures of the same file size (the shorter padded after its end marker,
    which is no part of a picture): rewritten one over the other, the upload's announced length
    still holds, so only the bytes tell."""
    old, new = noise_jpeg(seed), noise_jpeg(seed + 1)
    size = max(len(old), len(new))
    return old.ljust(size, b"\0"), new.ljust(size, b"\0")


def sync_while_rewriting(lib: SyncLib, rel: str, new: bytes) -> RunResult:
    """``sync --yes`` in a thread; once its upload has reached fakeflickr (which holds it back),
    ``rel`` is rewritten in place (same file, same inode) with ``new``."""
    lib.ff.set_faults(1.0, kinds=["slow"], targets=["upload"], slow_seconds=2.5)
    lib.ff.reset_calls()
    result: list[tuple[int, str, str]] = []
    runner = threading.Thread(
        target=lambda: result.append(run_cli(["--home", str(lib.home), "sync", "--yes"]))
    )
    runner.start()
    deadline = time.monotonic() + 60
    while not lib.ff.calls().get("upload") and time.monotonic() < deadline and runner.is_alive():
        time.sleep(0.02)
    assert lib.ff.calls().get("upload"), "the upload never started"
    time.sleep(0.2)
    with (lib.root / rel).open("r+b") as f:  # in place: what an editor saving over the file does
        f.write(new)
        f.truncate()
    runner.join(120)
    lib.ff.clear_faults()
    lib.written[rel] = new
    [(code, out, err)] = result
    return RunResult(["sync", "--yes"], code, out, err, lib.ff.calls())


def finished_uploads(lib: SyncLib) -> dict[str, str]:
    """Content id -> photo id of the uploads the index records as done."""
    settings = load_settings(lib.home, None)
    with Index.open(settings.database) as index:
        return {str(link.content_id): str(link.photo_id) for link in index.links(Nsid(lib.nsid))}


def test_a_file_rewritten_during_its_upload_is_failed_and_its_photo_replaced(
    fakeflickr: FakeFlickrHandle, tmp_path: Path
) -> None:
    lib = SyncLib.create(fakeflickr, tmp_path)
    old, new = two_pictures(1)
    lib.add_bytes("big.jpg", old)
    run = sync_while_rewriting(lib, "big.jpg", new)
    assert run.code == 1, run
    assert "big.jpg: it changed while it was being uploaded" in run.err, run
    [photo] = lib.photos()
    assert f"photo {photo['id']} on Flickr now holds its new version (replaced)" in run.err, run
    # Not recorded as a backup of the old picture...
    assert content_id(old) not in finished_uploads(lib)
    # ... and the photo holds the file as it is now, whole, under that picture's machine tag.
    assert photo["file_md5"] == md5(new)
    assert tagged_ids(photo) == [content_id(new)]
    assert run.writes.get("replace") == 1

    again = lib.run("sync", "--yes")
    assert again.code == 0, again
    assert again.writes == {}, "the new version is on Flickr already: nothing to upload"
    assert len(lib.photos()) == 1


def test_without_replace_the_damaged_photo_loses_the_machine_tag_and_is_named(
    fakeflickr: FakeFlickrHandle, tmp_path: Path
) -> None:
    free = fakeflickr.create_user("free", is_pro=False)
    lib = SyncLib.create(fakeflickr, tmp_path, user=free["nsid"])
    old, new = two_pictures(3)
    lib.add_bytes("big.jpg", old)
    run = sync_while_rewriting(lib, "big.jpg", new)
    assert run.code == 1, run
    [damaged] = lib.photos()
    assert damaged["file_md5"] not in (md5(old), md5(new)), "the test meant to tear the upload"
    assert f"photo {damaged['id']} on Flickr holds a damaged copy: delete it there" in run.err, run
    assert tagged_ids(damaged) == [], "no run may take the damaged photo for the picture"
    assert content_id(old) not in finished_uploads(lib)

    again = lib.run("sync", "--yes")
    assert again.code == 0, again
    assert again.writes.get("upload") == 1, again
    assert lib.photo_of(new)["file_md5"] == md5(new)
    assert {p["id"] for p in lib.photos()} >= {damaged["id"]}, "never deleted"


def test_a_file_that_grows_during_its_upload_is_failed_in_one_line(
    fakeflickr: FakeFlickrHandle, tmp_path: Path
) -> None:
    """The announced length no longer holds: the request breaks off and nothing is stored."""
    lib = SyncLib.create(fakeflickr, tmp_path)
    old = noise_jpeg(5)
    lib.add_bytes("big.jpg", old)
    run = sync_while_rewriting(lib, "big.jpg", old + b"\0" * 100_000)
    assert run.code == 1, run
    failed = [line for line in run.err.splitlines() if "big.jpg" in line]
    assert failed == [
        f"flickrsync: failed: {lib.root / 'big.jpg'}: it changed while it was being uploaded; not uploaded"
    ]
    assert lib.photos() == []
    assert finished_uploads(lib) == {}
