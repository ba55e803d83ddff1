"""What downloads leave on disk: files and folders with the umask's mode (issue 16 point 16),
never a folder outside the library through a link (issue 16 point 13), the date taken as mtime."""

from __future__ import annotations

import os
import stat
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from tests.fakeflickr_fixtures import FakeFlickrFixture
from tests.synchelpers import SyncLib, picture_bytes, seed_spec

pytestmark = pytest.mark.integration


@pytest.fixture
def umask_022() -> Iterator[None]:
    old = os.umask(0o022)
    try:
        yield
    finally:
        os.umask(old)


def test_downloads_are_readable_by_others_as_the_umask_says(
    fakeflickr: FakeFlickrFixture, tmp_path: Path, umask_022: None
) -> None:
    """They were created 0600: a media server or another user could not read them."""
    lib = SyncLib.create(fakeflickr, tmp_path)
    lib.add("mine.jpg", 1)
    data = picture_bytes(2, size=(320, 240))
    fakeflickr.seed_photos([seed_spec(data, "Harbour", date="2012-02-02 12:00:00", sets=["Sea"])])
    result = lib.run("sync2", "--yes")
    assert result.code == 0, result
    assert lib.new_files() == {"Sea/Harbour.jpg": data}
    assert stat.S_IMODE((lib.root / "Sea" / "Harbour.jpg").stat().st_mode) == 0o644
    assert stat.S_IMODE((lib.root / "Sea").stat().st_mode) == 0o755
    taken = time.mktime(time.strptime("2012-02-02 12:00:00", "%Y-%m-%d %H:%M:%S"))
    assert (lib.root / "Sea" / "Harbour.jpg").stat().st_mtime == taken
    assert [p.name for p in (lib.root / "Sea").iterdir()] == ["Harbour.jpg"], "no temporary file left"


def test_no_folder_is_created_outside_the_library_through_a_link(
    fakeflickr: FakeFlickrFixture, tmp_path: Path
) -> None:
    """The download folder's parent in the library is a link to elsewhere: the download is refused
    before any folder is made (the check came after ``mkdir -p``, which made ``elsewhere/New``)."""
    lib = SyncLib.create(fakeflickr, tmp_path, config="download_folder = Sea/New\n")
    lib.add("mine.jpg", 1)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (lib.root / "Sea").symlink_to(elsewhere, target_is_directory=True)
    fakeflickr.seed_photos(
        [seed_spec(picture_bytes(3, size=(320, 240)), "Harbour", date="2012-02-02 12:00:00")]
    )
    result = lib.run("sync2", "--yes")
    assert result.code == 1, result
    assert "the folder Sea is a link leading outside the pictures folder" in result.err, result
    assert list(elsewhere.iterdir()) == []
