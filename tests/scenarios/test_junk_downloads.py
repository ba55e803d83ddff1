"""Hostile answers to downloads leave nothing in the library (issue 16 point 6).

An HTTP 200 holding a captive portal's page, an empty body, garbage, or a body padded on the way
was linked under its final name before it was checked, and each run added ``Remote (2).jpg``,
``Remote (3).jpg`` …; a padded body passed with exit 0. Now each is refused before the file gets
its name, the run says so (exit 1), and the run after the network is fixed downloads the photo
under its own name. fakeflickr's file faults (``portal``, ``empty``, ``garbage``, ``padded``)
answer the static host as a portal, a broken proxy or a bad disk would.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from tests.fakeflickr_fixtures import FakeFlickrFixture
from tests.synchelpers import SyncLib, md5, picture_bytes, seed_spec

pytestmark = pytest.mark.integration


def library_with_one_picture(fakeflickr: FakeFlickrFixture, tmp_path: Path) -> SyncLib:
    """A library holding one picture of its own (an empty one would stop sync2's safety stop)."""
    lib = SyncLib.create(fakeflickr, tmp_path)
    lib.add("mine.jpg", 50)
    return lib


def nothing_new(lib: SyncLib) -> None:
    assert lib.new_files() == {}, "nothing but (empty) folders added to the library"


@pytest.mark.parametrize(
    ("kind", "said"),
    [
        ("portal", "the answer is a web page (text/html), not the file"),
        ("empty", "the answer is not a picture or video (empty file)"),
        ("garbage", "the answer is not a picture or video"),
    ],
)
def test_a_junk_answer_leaves_nothing_and_the_next_run_downloads_the_photo(
    fakeflickr: FakeFlickrFixture, tmp_path: Path, kind: str, said: str
) -> None:
    lib = library_with_one_picture(fakeflickr, tmp_path)
    data = picture_bytes(1, size=(320, 240))
    [photo_id] = fakeflickr.seed_photos([seed_spec(data, "Remote", date="2012-02-02 12:00:00")])
    fakeflickr.set_faults(1.0, kinds=[kind], targets=["static"])
    for _ in range(2):  # and again: nothing piles up
        result = lib.run("sync2", "--yes")
        assert result.code == 1, result
        assert f"photo {photo_id} -> " in result.err, result
        assert said in result.err, result
        assert "nothing saved" in result.err, result
        assert "Traceback" not in result.err
        nothing_new(lib)
    fakeflickr.clear_faults()
    result = lib.run("sync2", "--yes")
    assert result.code == 0, result
    assert lib.new_files() == {"Flickr/Remote.jpg": data}


def test_a_padded_original_never_lands(fakeflickr: FakeFlickrFixture, tmp_path: Path) -> None:
    """Flickr's Content-MD5 no longer matches: the client tries again, and keeps the real file."""
    lib = library_with_one_picture(fakeflickr, tmp_path)
    data = picture_bytes(2, size=(320, 240))
    fakeflickr.seed_photos([seed_spec(data, "Remote", date="2012-02-02 12:00:00")])
    fakeflickr.set_faults(1.0, kinds=["padded"], targets=["static"], max_faults=1)
    result = lib.run("sync2", "--yes")
    assert result.code == 0, result
    assert [f["kind"] for f in fakeflickr.faults()["injected"]] == ["padded"]
    assert lib.new_files() == {"Flickr/Remote.jpg": data}


def test_a_padded_video_is_refused_by_what_follows_its_end(
    fakeflickr: FakeFlickrFixture, tmp_path: Path
) -> None:
    """A video's answer carries no Content-MD5: the 1,000 bytes after its last box give it away."""
    fakeflickr.configure(video_originals=True)  # its original, to compare with what lands
    lib = library_with_one_picture(fakeflickr, tmp_path)
    [video_id] = fakeflickr.seed_photos([seed_spec(None, "Clip", media="video", date="2012-02-02 12:00:00")])
    fakeflickr.set_faults(1.0, kinds=["padded"], targets=["static"])
    result = lib.run("sync2", "--yes")
    assert result.code == 1, result
    assert "1000 bytes after the end of the MP4 and no Content-MD5" in result.err, result
    assert f"photo {video_id}" in result.err
    nothing_new(lib)
    fakeflickr.clear_faults()
    result = lib.run("sync2", "--yes")
    assert result.code == 0, result
    [(rel, content)] = lib.new_files().items()
    assert rel == "Flickr/Clip.mp4"
    assert md5(content) in lib.originals()
