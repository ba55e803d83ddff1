"""Weak evidence is never made permanent (issue 16 point 2), replayed against fakeflickr.

The attacks of the issue, each a picture that must end up backed up:

* date taken alone matched a *different* picture (same second, same size, a title that is no
  camera name), and title + date matched another file of the same name and second; our machine
  tag was then written on that photo, so even ``--nodatematch`` with a new index trusted it and
  the picture was never uploaded;
* a forged ``flickrsync:imagehash=`` or ``checksum:sha1=`` tag on an unrelated photo was trusted;
* one photo with two ``flickrsync:imagehash=`` tags absorbed a second picture.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest
from tests.synchelpers import SyncLib, content_id, date_of, flickr_date, machine_tag, picture_bytes, seed_spec

from fakeflickr.testing import FakeFlickrHandle
from flickrsync.config import load_settings

pytestmark = [pytest.mark.integration, pytest.mark.slow]

SIZE = (320, 240)


def delete_index(lib: SyncLib) -> None:
    database = load_settings(lib.home, None).database
    for suffix in ("", "-wal", "-shm"):
        Path(f"{database}{suffix}").unlink(missing_ok=True)


def test_weak_evidence_about_another_picture_is_refuted_and_never_tagged(
    fakeflickr: FakeFlickrHandle, tmp_path: Path
) -> None:
    lib = SyncLib.create(fakeflickr, tmp_path)
    # Same second and size as a Flickr photo of another picture; its title is no camera name.
    mine = lib.add("a/Harbour.jpg", 1, size=SIZE)
    # Same name and second as a Flickr photo of another picture (two cameras numbering alike).
    twin = lib.add("b/IMG_0007.jpg", 2, size=SIZE)
    theirs = [picture_bytes(101, size=SIZE, date=date_of(1)), picture_bytes(102, size=SIZE, date=date_of(2))]
    ids = fakeflickr.seed_photos(
        [
            seed_spec(theirs[0], "Sunset", date=flickr_date(date_of(1))),
            seed_spec(theirs[1], "IMG_0007", date=flickr_date(date_of(2))),
        ]
    )
    run = lib.run("sync", "--yes", "--no-photosets")
    assert run.code == 0, run
    assert run.writes == {"upload": 2}, "both pictures are uploaded; nothing is tagged"
    photos = {p["id"]: p for p in lib.photos()}
    assert all(not [t for t in photos[pid]["tags"] if t["machine"]] for pid in ids)
    assert lib.photo_of(mine)["id"] not in ids
    assert lib.photo_of(twin)["id"] not in ids

    # The index gone and dates not trusted: nothing wrong was made permanent.
    delete_index(lib)
    again = lib.run("sync", "--yes", "--no-photosets", "--nodatematch")
    assert again.code == 0, again
    assert again.writes == {}


def test_the_same_picture_under_its_name_and_second_is_confirmed_by_look_then_tagged(
    fakeflickr: FakeFlickrHandle, tmp_path: Path
) -> None:
    lib = SyncLib.create(fakeflickr, tmp_path)
    data = lib.add("IMG_0001.jpg", 3, size=SIZE)
    # Another tool uploaded it (re-encoded, metadata kept by Flickr's listing).
    [pid] = fakeflickr.seed_photos(
        [seed_spec(picture_bytes(3, size=SIZE, quality=70), "IMG_0001", date=flickr_date(date_of(3)))]
    )
    run = lib.run("sync", "--yes", "--no-photosets", "-v")
    assert run.code == 0, run
    assert run.writes == {"flickr.photos.addTags": 1}
    assert "confirmed by look" in run.err
    assert content_id(data) in [
        t["raw"].split("=", 1)[1] for t in fakeflickr.photo(pid)["tags"] if t["machine"]
    ]


def test_forged_or_conflicting_content_tags_are_not_trusted_and_reported_once(
    fakeflickr: FakeFlickrHandle, tmp_path: Path
) -> None:
    lib = SyncLib.create(fakeflickr, tmp_path)
    forged = lib.add("forged.jpg", 4, size=SIZE)
    checksummed = lib.add("checksummed.jpg", 5, size=SIZE)
    first = lib.add("first.jpg", 6, size=SIZE)
    second = lib.add("second.jpg", 7, size=SIZE)
    sha1 = hashlib.sha1(checksummed).hexdigest()  # a file digest, as another uploader tags it
    fakeflickr.seed_photos(
        [
            # Unrelated photos (another size) claiming to be two of the pictures.
            seed_spec(picture_bytes(104, size=(640, 480)), "x", tags=machine_tag(forged)),
            seed_spec(picture_bytes(105, size=(640, 480)), "y", tags=f"checksum:sha1={sha1}"),
            # The photo of "first", carrying the tags of two pictures.
            seed_spec(first, "z", tags=f"{machine_tag(first)} {machine_tag(second)}"),
        ]
    )
    run = lib.run("sync", "--yes", "--no-photosets")
    assert run.code == 0, run
    notes = [line for line in run.out.splitlines() if "trusted" in line]
    assert len(notes) == 3, run.out
    assert sum("carries 2 different flickrsync:imagehash= tags" in n for n in notes) == 1
    # Each picture is on Flickr: the forged ones uploaded, "first" found by its look, "second"
    # uploaded rather than absorbed.
    assert run.writes == {"upload": 3}
    held = [p["file_md5"] for p in lib.photos()]
    for data in (forged, checksummed, first, second):
        assert held.count(hashlib.md5(data).hexdigest()) == 1
    again = lib.run("sync", "--yes", "--no-photosets")
    assert again.code == 0
    assert again.writes == {}
    # Once per run, while they matter: the checksum tag is not even looked at now that the
    # picture it names is matched by its own photo's machine tag.
    assert len([line for line in again.out.splitlines() if "trusted" in line]) == 2, again.out
