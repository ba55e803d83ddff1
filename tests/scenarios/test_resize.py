"""Resize on upload (issue 12 point 3): a smaller JPEG with the EXIF kept and the right way up;
the file on disk never changes; the photo still matches its picture on later runs (its machine
tag, and — without it — its look at the copy's size); sync2 never downloads it back."""

from __future__ import annotations

import io
import random
from pathlib import Path
from typing import Any

import pytest
from PIL import Image, ImageDraw
from tests.fakeflickr_fixtures import FakeFlickrFixture
from tests.synchelpers import SyncLib, content_id, md5

from flickrsync.fingerprint import PHASH_MATCH_DISTANCE, hamming, perceptual_hash

pytestmark = pytest.mark.integration

CONFIG = "resize = 200\nresize_quality = 80\n[folder:Full]\nresize = 0\n"


def turned_jpeg(seed: int, *, date: str | None = "2020:02:02 10:00:00") -> bytes:
    """A 600x400 JPEG stored on its side (EXIF orientation 6: shown 400x600, upright), with EXIF
    a camera writes; distinct shapes so a perceptual hash recognises it rescaled."""
    rng = random.Random(seed)
    img = Image.new("RGB", (600, 400), (rng.randrange(256), rng.randrange(256), rng.randrange(256)))
    draw = ImageDraw.Draw(img)
    for _ in range(8):
        x, y = rng.randrange(600), rng.randrange(400)
        draw.rectangle(
            (x, y, x + rng.randrange(60, 300), y + rng.randrange(40, 200)), fill=rng.randrange(1 << 24)
        )
    exif = Image.Exif()
    exif[0x010F] = "Testcam"
    exif[0x0110] = "Model 1"
    exif[0x0112] = 6
    if date is not None:
        exif.get_ifd(0x8769)[0x9003] = date
    out = io.BytesIO()
    img.save(out, "JPEG", quality=92, exif=exif)
    return out.getvalue()


def original_bytes(lib: SyncLib, photo: dict[str, Any]) -> bytes:
    server = lib.ff.server  # type: ignore[attr-defined]
    record = server.store.photo(int(photo["id"]))
    path = server.store.original_path(record)
    assert path is not None
    return Path(path).read_bytes()


def rebuild_index(lib: SyncLib) -> None:
    for suffix in ("", "-wal", "-shm"):
        (lib.home / f"index-DEFAULT.db{suffix}").unlink(missing_ok=True)


def test_a_resized_upload_keeps_its_exif_its_orientation_and_its_match(
    fakeflickr: FakeFlickrFixture, tmp_path: Path
) -> None:
    lib = SyncLib.create(fakeflickr, tmp_path, config=CONFIG)
    a = lib.add_bytes("a.jpg", turned_jpeg(1))
    small = lib.add("small.jpg", 2, size=(150, 100))
    full = lib.add_bytes("Full/c.jpg", turned_jpeg(3))

    plan = lib.run("sync", "--dry-run", "--json").json()
    resizes = {x["relpath"]: x["resize"] for x in plan["actions"] if x["action"] == "upload"}
    assert resizes == {"a.jpg": {"long_edge": 200, "quality": 80}, "small.jpg": None, "Full/c.jpg": None}

    done = lib.run("sync", "--yes")
    assert done.code == 0, done
    photos = {cid: found[0] for cid, found in lib.photos_by_content().items()}
    assert set(photos) == {content_id(a), content_id(small), content_id(full)}
    copy = original_bytes(lib, photos[content_id(a)])
    image = Image.open(io.BytesIO(copy))
    assert image.format == "JPEG"
    assert image.size == (133, 200), "upright (was 600x400 on its side), long edge 200"
    assert (photos[content_id(a)]["width"], photos[content_id(a)]["height"]) == (133, 200)
    exif = image.getexif()
    assert exif.get(0x0112) == 1, "the pixels are turned, the tag says so"
    assert (exif.get(0x010F), exif.get(0x0110)) == ("Testcam", "Model 1")
    assert exif.get_ifd(0x8769).get(0x9003) == "2020:02:02 10:00:00"
    distance = hamming(perceptual_hash(io.BytesIO(copy)), perceptual_hash(io.BytesIO(a)))
    assert distance <= PHASH_MATCH_DISTANCE, "it looks like the original, upright"
    assert photos[content_id(a)]["title"] == "a"
    assert md5(original_bytes(lib, photos[content_id(small)])) == md5(small), "small enough: as it is"
    assert md5(original_bytes(lib, photos[content_id(full)])) == md5(full), "resize = 0 for Full/"
    assert sorted(p.name for p in lib.home.iterdir() if p.is_file() and "tmp" in p.name) == []

    # Later runs, the index deleted: still matched by its tag, never uploaded or downloaded again.
    for _ in range(2):
        rebuild_index(lib)
        again = lib.run("sync2", "--yes", "--json")
        assert again.code == 0, again
        assert again.json()["actions"] == [], again.json()["actions"]
        assert lib.new_files() == {}


def test_a_resized_upload_is_recognised_by_its_look_at_its_new_size(
    fakeflickr: FakeFlickrFixture, tmp_path: Path
) -> None:
    lib = SyncLib.create(fakeflickr, tmp_path, config=CONFIG)
    a = lib.add_bytes("IMG_1.jpg", turned_jpeg(4, date=None))
    assert lib.run("sync", "--yes").code == 0
    (photo,) = lib.photos()
    # Someone renames the photo on Flickr and takes its flickrsync tag off; the index is lost.
    store = lib.ff.server.store  # type: ignore[attr-defined]
    store.update_photo(int(photo["id"]), title="Beach, 2020")
    for tag in store.tags_for([int(photo["id"])])[int(photo["id"])]:
        store.remove_tag(tag)
    rebuild_index(lib)

    doc = lib.run("sync2", "--dry-run", "--json", "-v").json()
    assert [x["action"] for x in doc["actions"]] == ["add_tags"], "matched by look, tagged again"
    (tag,) = doc["actions"]
    assert tag["photo_id"] == photo["id"]
    assert tag["content_id"] == content_id(a)
