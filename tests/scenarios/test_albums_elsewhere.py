"""Albums when the library is somewhere else too (issue 16 point 7): a restore into an empty
library, two homes syncing one account by turns, user albums whose titles are no folder names.
Against fakeflickr, whose search lags behind uploads (its default, as Flickr's may)."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest
from tests.fakeflickr_fixtures import FakeFlickrFixture
from tests.synchelpers import RunResult, SyncLib, picture_bytes, seed_spec

from flickrsync.config import load_settings
from flickrsync.models import SET_MARKER, AccessToken, Account, Nsid
from flickrsync.oauth import save_token

pytestmark = pytest.mark.integration


def second_home(first: SyncLib, base: Path, *, empty: bool = True) -> SyncLib:
    """Another computer: its own home and pictures directory, the same Flickr account."""
    other = SyncLib.create(first.ff, base)
    token = first.ff.mint_token(user=first.nsid, perms="write")
    save_token(
        load_settings(other.home, None).token_file,
        AccessToken(token.token, token.secret, "write", Account(Nsid(first.nsid), token.username)),
    )
    return SyncLib(first.ff, other.home, other.root, first.nsid)


def albums(lib: SyncLib) -> dict[str, Counter[str]]:
    """Album title -> the photos in it, by title (what a person sees on Flickr)."""
    titles = {p["id"]: p["title"] for p in lib.photos()}
    return {s["title"]: Counter(titles[p] for p in s["photos"]) for s in lib.photosets()}


def members(lib: SyncLib) -> dict[str, set[str]]:
    """Album id -> its photo ids."""
    return {s["id"]: set(s["photos"]) for s in lib.photosets()}


def run_keeping_albums(lib: SyncLib, *args: str) -> RunResult:
    """Run; no photo left any album (albums may grow)."""
    before = members(lib)
    result = lib.run(*args)
    assert result.code == 0, result
    after = members(lib)
    for sid, photos in before.items():
        assert photos <= after.get(sid, set()), (f"album {sid} lost {photos - after.get(sid, set())}", result)
    return result


def test_a_restore_takes_no_photo_out_of_an_album(fakeflickr: FakeFlickrFixture, tmp_path: Path) -> None:
    """x is in two albums; the restored library gets it once, and both albums keep it."""
    home = SyncLib.create(fakeflickr, tmp_path / "a")
    home.add_many([(f"Holiday/h{i}.jpg", 10 + i) for i in range(4)])
    home.add("Holiday/x.jpg", 20)
    home.add("Best/x.jpg", 20)
    home.add("Best/b.jpg", 21)
    assert home.run("sync", "--yes").code == 0
    before = albums(home)
    assert sum(before["Holiday"].values()) == 5
    assert sum(before["Best"].values()) == 2
    restored = second_home(home, tmp_path / "b")
    run_keeping_albums(restored, "sync2", "--yes", "--force")
    assert len(restored.new_files()) == 6  # x once
    assert albums(home) == before
    restored.forget_downloads()
    for lib in (restored, home, restored):
        again = run_keeping_albums(lib, "sync2", "--yes")
        assert again.writes == {}, again
    assert albums(home) == before


def test_two_homes_syncing_by_turns_keep_every_album(fakeflickr: FakeFlickrFixture, tmp_path: Path) -> None:
    a = SyncLib.create(fakeflickr, tmp_path / "a")
    a.add("Trip/t1.jpg", 1)
    a.add("Trip/t2.jpg", 2)
    a.add("Best/t1.jpg", 1)
    b = second_home(a, tmp_path / "b")
    b.add("Garden/g1.jpg", 3)
    b.add("Garden/g2.jpg", 4)
    b.add("Trip/t3.jpg", 5)
    results = []
    for _ in range(3):
        for lib in (a, b):
            results.append(run_keeping_albums(lib, "sync2", "--yes"))
            lib.forget_downloads()
    assert results[-1].writes == {}
    assert results[-2].writes == {}
    final = albums(a)
    assert sorted(final["Trip"]) == ["t1", "t2", "t3"]
    assert sorted(final["Best"]) == ["t1"]
    assert sorted(final["Garden"]) == ["g1", "g2"]


def test_user_albums_with_titles_that_are_no_folder_names_get_no_copy(
    fakeflickr: FakeFlickrFixture, tmp_path: Path
) -> None:
    """sync2 made new albums '_etc' and 'a_.._.._b' for the user's '.etc' and 'a/../../b'."""
    lib = SyncLib.create(fakeflickr, tmp_path)
    lib.add("Mine/m.jpg", 1)
    ids = lib.ff.seed_photos([seed_spec(picture_bytes(40 + i), f"theirs {i}") for i in range(2)])
    lib.ff.create_photoset(".etc", [ids[0]])
    lib.ff.create_photoset("a/../../b", [ids[1]])
    for _ in range(2):
        result = lib.run("sync2", "--yes")
        assert result.code == 0, result
        lib.forget_downloads()
    assert sorted(lib.tool_sets()) == ["Mine"]
    assert {s["title"] for s in lib.photosets() if SET_MARKER not in s["description"]} == {
        ".etc",
        "a/../../b",
    }
    assert len(lib.files()) == 3
