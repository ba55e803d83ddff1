"""The executor's crash recovery of downloads, without a network."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any, cast

import pytest
from tests.pictures import make_jpeg

from flickrsync.client import FlickrClient
from flickrsync.executor import Executor
from flickrsync.index import Index
from flickrsync.localfs import ScanConfig
from flickrsync.models import Account, LocalPath, Nsid, PhotoId

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
    index.begin_download(NSID, PhotoId("7"), LocalPath(str(lib), "Trip/Harbour.jpg"), "Trip/.Harbour.jpg.")
    ours = [lib / "Trip" / ".Harbour.jpg.a1b2c3d4.part", lib / "Trip" / ".Harbour (2).jpg.x_y9z8w7.part"]
    for path in ours:
        path.write_bytes(b"half a picture")
    theirs = [lib / "Trip" / ".Harbour.jpg.notes.part", lib / "Trip" / "Harbour.jpg.a1b2c3d4.part"]
    for path in theirs:
        path.write_bytes(b"the user's")
    assert executor(index, lib).resolve_downloads() == (0, 1)
    assert not any(p.exists() for p in ours)
    assert all(p.read_bytes() == b"the user's" for p in theirs)
    assert index.open_downloads(NSID) == []


def test_a_download_that_was_in_place_when_the_run_died_is_kept_and_linked(
    tmp_path: Path, index: Index
) -> None:
    lib = tmp_path / "Pictures"
    make_jpeg(lib / "Trip" / "Harbour.jpg", 3)
    index.begin_download(NSID, PhotoId("7"), LocalPath(str(lib), "Trip/Harbour.jpg"), "Trip/.Harbour.jpg.")
    assert executor(index, lib).resolve_downloads() == (1, 0)
    [picture] = index.pictures()
    assert picture.flickr_id == "7"  # never uploaded back
    assert [link.photo_id for link in index.links(NSID)] == ["7"]
