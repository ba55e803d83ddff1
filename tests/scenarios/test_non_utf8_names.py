"""File and folder names that are not UTF-8 work end to end (issue 16 point 9).

``caf\\xe9.jpg`` (Latin-1, as an old camera card or a Windows share leaves it) failed every run
with a UnicodeEncodeError, plus a 30-line logging traceback. A path keeps its bytes everywhere
(the index stores paths as bytes, models carry them as surrogate-escaped text); what Flickr and
people read (a title, a set title) is decoded with U+FFFD for the bytes that are not UTF-8.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from tests.fakeflickr_fixtures import FakeFlickrFixture
from tests.synchelpers import SyncLib, date_of, md5, picture_bytes, seed_spec

from flickrsync.config import load_settings
from flickrsync.index import Index
from flickrsync.models import LocalPath

pytestmark = pytest.mark.integration

FOLDER = os.fsdecode(b"Caf\xe9 trip")  # "Caf\udce9 trip": the bytes, surrogate-escaped
NAME = os.fsdecode(b"caf\xe9.jpg")


def no_trouble(text: str) -> None:
    for sign in ("Traceback", "Logging error", "UnicodeEncodeError", "UnicodeDecodeError"):
        assert sign not in text, text


def test_a_latin1_name_is_scanned_uploaded_put_in_its_album_and_downloaded_beside(
    fakeflickr: FakeFlickrFixture, tmp_path: Path
) -> None:
    lib = SyncLib.create(fakeflickr, tmp_path)
    data = lib.add(f"{FOLDER}/{NAME}", 1)
    assert os.path.isfile(os.fsencode(lib.root) + b"/Caf\xe9 trip/caf\xe9.jpg")
    lib.add("ok.jpg", 2)

    scan = lib.run("scan")
    assert scan.code == 0, scan
    no_trouble(scan.err)

    first = lib.run("sync", "--yes")
    assert first.code == 0, first
    no_trouble(first.err)
    photo = lib.photo_of(data)
    assert photo["title"] == "caf\ufffd"  # decoded with replacement
    [album] = [s for s in lib.photosets() if photo["id"] in s["photos"]]
    assert album["title"] == "Caf\ufffd trip"

    # Another device adds a photo to that album: it is downloaded into the same (Latin-1) folder.
    other = picture_bytes(3, size=(320, 240))
    fakeflickr.seed_photos([seed_spec(other, "Harbour", date="2012-02-02 12:00:00", sets=["Caf\ufffd trip"])])
    both = lib.run("sync2", "--yes")
    assert both.code == 0, both
    no_trouble(both.err)
    assert lib.new_files() == {f"{FOLDER}/Harbour.jpg": other}
    assert os.path.isfile(os.fsencode(lib.root) + b"/Caf\xe9 trip/Harbour.jpg")
    assert [s["title"] for s in lib.photosets() if "Caf" in s["title"]] == ["Caf\ufffd trip"]

    again = lib.run("sync2", "--yes")
    assert again.code == 0, again
    assert "nothing to do" in again.out, again

    with Index.open(load_settings(lib.home, None).database) as index:
        record = index.file(LocalPath(str(lib.root), f"{FOLDER}/{NAME}"))
        assert record is not None
        assert record.fingerprint is not None
    log = (lib.home / "logs" / "flickrsync.log").read_text(encoding="utf-8")
    assert "\\udce9" in log  # the name's byte, escaped in the log: findable, never a crash
    no_trouble(log)


def test_a_latin1_name_matches_the_photo_it_was_uploaded_as(
    fakeflickr: FakeFlickrFixture, tmp_path: Path
) -> None:
    """With the index gone and no machine tag on Flickr, title + date still find the photo: the
    file's name compares as the title it was uploaded with."""
    lib = SyncLib.create(fakeflickr, tmp_path)
    data = lib.add(NAME, 4)
    lib.add("ok.jpg", 5)
    fakeflickr.seed_photos([seed_spec(data, "caf\ufffd", date="2019-05-01 08:04:00")])
    result = lib.run("sync", "--yes", "--json")
    assert result.code == 0, result
    doc = result.json()
    assert doc["outcome"]["uploaded"] == 1  # ok.jpg only
    assert len(lib.photos()) == 2


def test_a_latin1_name_edited_is_replaced(fakeflickr: FakeFlickrFixture, tmp_path: Path) -> None:
    """The replace endpoint's multipart carries the file's name as the upload's does."""
    lib = SyncLib.create(fakeflickr, tmp_path)
    lib.add(f"{FOLDER}/{NAME}", 6)
    first = lib.run("sync", "--yes")
    assert first.code == 0, first
    [photo] = lib.photos()
    edited = lib.add_bytes(f"{FOLDER}/{NAME}", picture_bytes(6 + 5000, date=date_of(6)))
    run = lib.run("sync", "--yes", "--on-edit", "replace")
    assert run.code == 0, run
    no_trouble(run.err)
    assert run.writes.get("replace") == 1, run
    assert lib.ff.photo(str(photo["id"]))["file_md5"] == md5(edited)
    # An edit kept, and verify's report, name the file without trouble too.
    lib.add_bytes(f"{FOLDER}/{NAME}", picture_bytes(6 + 9000, date=date_of(6)))
    for args in (("sync", "--yes"), ("sync", "--yes", "--json"), ("verify",), ("verify", "--json")):
        shown = lib.run(*args)
        assert shown.code == (1 if args[0] == "verify" else 0), shown
        no_trouble(shown.out + shown.err)
    assert "Caf\\xe9 trip/caf\\xe9.jpg: edited since photo" in lib.run("verify").out
