"""Decoding ahead of matching (identify.Identify.decode_ahead): the pictures whose look matching
will likely ask for are decoded in the pool while the main thread matches. The plan is the one
without it; what was decoded and not asked for is kept; nothing is decoded twice."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path
from typing import Any

import pytest
from tests.synchelpers import SyncLib, date_of, flickr_date, picture_bytes, seed_spec

from fakeflickr.testing import FakeFlickrHandle
from flickrsync import identify, localfs
from flickrsync.config import load_settings

pytestmark = [pytest.mark.integration, pytest.mark.slow]

SIZE = (320, 240)


@pytest.fixture(autouse=True)
def _two_workers(monkeypatch: pytest.MonkeyPatch) -> None:
    """A pool whatever the machine's cores (decoding ahead needs one)."""
    real = localfs.ScanConfig.from_settings

    def with_pool(settings: Any, tuning: localfs.ScanTuning | None = None) -> localfs.ScanConfig:
        return real(settings, tuning or localfs.ScanTuning(workers=2))

    monkeypatch.setattr(localfs.ScanConfig, "from_settings", with_pool)


def _library(fakeflickr: FakeFlickrHandle, tmp_path: Path) -> SyncLib:
    lib = SyncLib.create(fakeflickr, tmp_path)
    for seed in range(1, 4):  # uploaded by another tool: title + date, re-encoded
        lib.add(f"a/IMG_{seed:04d}.jpg", seed, size=SIZE)
    for seed in range(4, 7):  # only here
        lib.add(f"b/IMG_{seed:04d}.jpg", seed, size=SIZE)
    fakeflickr.seed_photos(
        [
            seed_spec(
                picture_bytes(seed, size=SIZE, quality=70), f"IMG_{seed:04d}", date=flickr_date(date_of(seed))
            )
            for seed in range(1, 4)
        ]
        + [seed_spec(picture_bytes(50, size=SIZE), "DSC_0050", date=flickr_date(date_of(50)))]
    )
    return lib


def _plan(out: str) -> Any:
    doc = json.loads(out)
    for key in ("elapsed", "api_calls", "budget_wait"):
        doc.pop(key, None)
    return doc


def _phashes(lib: SyncLib) -> dict[str, str | None]:
    db = sqlite3.connect(load_settings(lib.home, None).database)
    try:
        return dict(db.execute("SELECT content_id, phash FROM local_picture"))
    finally:
        db.close()


def _delete_index(lib: SyncLib) -> None:
    database = load_settings(lib.home, None).database
    for suffix in ("", "-wal", "-shm"):
        Path(f"{database}{suffix}").unlink(missing_ok=True)


def test_the_plan_is_the_one_without_decoding_ahead(
    fakeflickr: FakeFlickrHandle, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    lib = _library(fakeflickr, tmp_path)
    monkeypatch.setattr(identify, "AHEAD_MIN", 10**9)
    without = lib.run("sync2", "--dry-run", "--json", "--debug")
    assert without.code == 0, without
    assert "pictures ahead" not in without.err
    hashed_without = _phashes(lib)

    _delete_index(lib)
    monkeypatch.setattr(identify, "AHEAD_MIN", 2)
    ahead = lib.run("sync2", "--dry-run", "--json", "--debug")
    assert ahead.code == 0, ahead
    # The six pictures, none named by a machine tag, while Flickr has untagged photos.
    assert "decoding 6 pictures ahead of matching" in ahead.err
    assert " of them asked for" in ahead.err
    assert _plan(ahead.out) == _plan(without.out)
    assert _plan(ahead.out)["lookups"] == _plan(without.out)["lookups"]
    # Every picture asked for got its hash either way; what was decoded ahead is kept too.
    hashed_ahead = _phashes(lib)
    asked = {c for c, h in hashed_without.items() if h}
    assert len(asked) == 3  # the three another tool uploaded (confirmed by look)
    assert asked <= {c for c, h in hashed_ahead.items() if h}

    # The next run asks for nothing; what it decodes ahead (pictures pruning spares, not yet
    # hashed) is kept, so it is not decoded again.
    again = lib.run("sync2", "--dry-run", "--json", "--debug")
    assert again.code == 0, again
    assert _plan(again.out) == _plan(without.out) | {"lookups": _plan(again.out)["lookups"]}
    assert _plan(again.out)["lookups"]["decodes"] == 0
    hashed_again = _phashes(lib)
    assert {c for c, h in hashed_ahead.items() if h} <= {c for c, h in hashed_again.items() if h}
    if "pictures ahead" in again.err:
        assert "none of them asked for" in again.err
        assert sum(1 for h in hashed_again.values() if h) > sum(1 for h in hashed_ahead.values() if h)


def test_nothing_is_decoded_ahead_when_every_photo_carries_our_tag(
    fakeflickr: FakeFlickrHandle, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    lib = SyncLib.create(fakeflickr, tmp_path)
    for seed in range(1, 5):
        lib.add(f"IMG_{seed:04d}.jpg", seed, size=SIZE)
    assert lib.run("sync", "--yes", "--no-photosets").code == 0
    _delete_index(lib)
    lib.add("new/IMG_0009.jpg", 9, size=SIZE)
    lib.add("new/IMG_0010.jpg", 10, size=SIZE)
    monkeypatch.setattr(identify, "AHEAD_MIN", 2)
    run = lib.run("sync2", "--dry-run", "--json", "--debug")
    assert run.code == 0, run
    # Flickr's photos are all ours (tagged): no look is asked, so none is decoded ahead.
    assert "pictures ahead" not in run.err
    assert _plan(run.out)["lookups"]["decodes"] == 0
