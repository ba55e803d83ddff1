"""End-to-end scenarios against fakeflickr: a user's library changing over several runs.

Each scenario drives ``flickrsync`` in-process through :class:`tests.synchelpers.SyncLib`, which
checks after every run that nothing was deleted on Flickr (but what the test deleted itself), that
the test's own files are untouched and that every file the tool added is a Flickr original."""

from __future__ import annotations

from pathlib import Path

import pytest
from tests.fakeflickr_fixtures import FakeFlickrFixture
from tests.synchelpers import SyncLib


@pytest.fixture
def lib(fakeflickr: FakeFlickrFixture, tmp_path: Path) -> SyncLib:
    return SyncLib.create(fakeflickr, tmp_path)
