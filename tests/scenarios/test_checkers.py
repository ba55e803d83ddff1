"""``checkers``: the look-ups pool is a setting of its own, apart from ``transfers`` (issue 10
point 5; it was a hidden ``max(2, transfers)``)."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

import pytest
from tests.fakeflickr_fixtures import FakeFlickrFixture
from tests.synchelpers import SyncLib, picture_bytes, seed_spec

from flickrsync import executor, identify, runstate

pytestmark = pytest.mark.integration


@pytest.fixture
def pools(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """The size of every look-up pool the engine starts (the real pool still runs)."""
    sizes: list[int] = []
    real = executor.map_concurrently

    def spy(fn: Callable[[Any], Any], items: Sequence[Any], workers: int) -> Iterator[Any]:
        sizes.append(workers)
        return real(fn, items, workers)

    monkeypatch.setattr(identify, "map_concurrently", spy)
    monkeypatch.setattr(runstate, "map_concurrently", spy)  # album members, in the listing
    return sizes


def look_alikes(lib: SyncLib, fakeflickr: FakeFlickrFixture) -> None:
    """Pictures the matcher must compare by look (dates unknown on Flickr, other titles), and an
    album whose members are listed."""
    for seed in range(3):
        lib.add(f"Trip/p{seed}.jpg", seed, size=(320, 240))
    fakeflickr.seed_photos(
        [seed_spec(picture_bytes(100 + i, size=(320, 240)), f"other {i}", sets=["Theirs"]) for i in range(3)]
    )


CASES = {
    "config": ("checkers = 3\ntransfers = 7\n", (), 3),
    "option": ("checkers = 3\n", ("--checkers", "5", "--transfers", "1"), 5),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_the_look_up_pool_is_the_checkers_setting(
    fakeflickr: FakeFlickrFixture, tmp_path: Path, pools: list[int], case: str
) -> None:
    config, args, expected = CASES[case]
    lib = SyncLib.create(fakeflickr, tmp_path, config=config)
    look_alikes(lib, fakeflickr)
    result = lib.run("sync2", "--dry-run", *args)
    assert result.code == 0, result
    assert pools, "the run looked things up"
    assert set(pools) == {expected}


def test_verify_lists_album_members_with_the_checkers_setting(
    fakeflickr: FakeFlickrFixture, tmp_path: Path, pools: list[int]
) -> None:
    lib = SyncLib.create(fakeflickr, tmp_path, config="checkers = 3\ntransfers = 7\n")
    look_alikes(lib, fakeflickr)
    result = lib.run("verify", "--transfers", "2")
    assert result.code == 1, result  # nothing is backed up yet
    assert pools, "verify listed the album's members"
    assert set(pools) == {3}
    pools.clear()
    assert lib.run("verify", "--checkers", "5").code == 1
    assert set(pools) == {5}, "--checkers wins over the config key"


def test_config_check_shows_checkers(fakeflickr: FakeFlickrFixture, tmp_path: Path) -> None:
    lib = SyncLib.create(fakeflickr, tmp_path, config="checkers = 6\n")
    result = lib.run("config", "check")
    assert result.code == 0, result
    assert any(line.split()[:2] == ["checkers", "6"] for line in result.out.splitlines()), result.out
