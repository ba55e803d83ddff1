"""Photosets from the folder tree (issue 6), end to end through the CLI against fakeflickr."""

from __future__ import annotations

from pathlib import Path

import pytest
from tests.fakeflickr_fixtures import FakeFlickrFixture
from tests.synchelpers import (
    SyncLib,
    content_id,
    date_of,
    flickr_date,
    machine_tag,
    picture_bytes,
    posted,
    seed_spec,
)

from flickrsync.models import SET_MARKER

pytestmark = pytest.mark.integration


@pytest.fixture
def lib(fakeflickr: FakeFlickrFixture, tmp_path: Path) -> SyncLib:
    return SyncLib.create(fakeflickr, tmp_path)


def ids_of(lib: SyncLib, *datas: bytes) -> set[str]:
    return {lib.photo_of(d)["id"] for d in datas}


def set_calls(calls: dict[str, int]) -> dict[str, int]:
    return {
        k: v
        for k, v in calls.items()
        if k.startswith("flickr.photosets.") and k.rsplit(".", 1)[1][:3] != "get"
    }


def test_sets_from_a_nested_tree(lib: SyncLib) -> None:
    # written in reverse date order, so upload order is not date order
    g2 = lib.add("2020/Garden/late.jpg", 4)
    g1 = lib.add("2020/Garden/early.jpg", 3)
    y = lib.add("2020/year.jpg", 2)
    alps = lib.add("2021/Mountains/Alps/summit.jpg", 1)
    lib.add("in the root.jpg", 0)
    result = lib.run("sync", "--yes", "--json")
    assert result.code == 0, result
    sets = lib.tool_sets()
    assert set(sets) == {"2020, Garden", "2020", "2021, Mountains, Alps"}
    assert len(lib.photosets()) == 3  # the root's picture is in no set
    assert sets["2020, Garden"]["photos"] == [lib.photo_of(g1)["id"], lib.photo_of(g2)["id"]]  # by date
    assert set(sets["2020"]["photos"]) == ids_of(lib, y)
    assert set(sets["2021, Mountains, Alps"]["photos"]) == ids_of(lib, alps)
    for s in sets.values():
        assert SET_MARKER in s["description"]
    summary = result.json()["summary"]
    assert summary["sets_created"] == 3
    again = lib.run("photosets", "--json")
    assert again.code == 0, again
    assert again.writes == {}
    assert again.json()["actions"] == []
    assert lib.run("sync", "--yes").writes == {}


def test_moving_a_file_moves_the_photo_between_sets(lib: SyncLib) -> None:
    a = lib.add_many([("A/1.jpg", 10), ("A/2.jpg", 11)])
    b = lib.add_many([("B/3.jpg", 12)])
    assert lib.run("sync", "--yes").code == 0
    before = {s["title"]: s["id"] for s in lib.photosets()}
    lib.move("A/1.jpg", "B/1.jpg")
    result = lib.run("sync", "--yes", "--json")
    assert result.code == 0, result
    assert result.calls.get("upload", 0) == 0
    assert sum(result.writes.values()) <= 2, result.writes
    sets = lib.tool_sets()
    assert {t: s["id"] for t, s in sets.items()} == before
    assert set(sets["A"]["photos"]) == ids_of(lib, a["A/2.jpg"])
    assert set(sets["B"]["photos"]) == ids_of(lib, a["A/1.jpg"], b["B/3.jpg"])
    assert result.json()["summary"]["reassignments"] >= 1
    assert lib.run("photosets").writes == {}


def test_moving_a_file_to_the_root_takes_it_out_of_tool_sets(lib: SyncLib) -> None:
    a = lib.add_many([("A/1.jpg", 15), ("A/2.jpg", 16)])
    assert lib.run("sync", "--yes").code == 0
    lib.move("A/1.jpg", "1.jpg")
    result = lib.run("photosets")
    assert result.code == 0, result
    assert set(lib.tool_sets()["A"]["photos"]) == ids_of(lib, a["A/2.jpg"])
    assert lib.set_titles_of(lib.photo_of(a["A/1.jpg"])["id"]) == set()


def test_moving_a_folder_renames_its_set(lib: SyncLib) -> None:
    datas = lib.add_many([("2020/Garden/1.jpg", 20), ("2020/Garden/2.jpg", 21), ("2020/Garden/3.jpg", 22)])
    lib.add("2020/other.jpg", 23)  # "2020" keeps a set of its own
    assert lib.run("sync", "--yes").code == 0
    old = lib.tool_sets()["2020, Garden"]
    lib.move("2020/Garden", "Archive/2020/Garden")
    result = lib.run("sync", "--yes")
    assert result.code == 0, result
    assert result.calls.get("upload", 0) == 0
    assert result.calls.get("flickr.photosets.editMeta") == 1, result.calls
    assert result.calls.get("flickr.photosets.create", 0) == 0, result.calls
    sets = lib.tool_sets()
    assert "2020, Garden" not in sets
    moved = sets["Archive, 2020, Garden"]
    assert moved["id"] == old["id"]
    assert set(moved["photos"]) == ids_of(lib, *datas.values())
    assert lib.ff.deletions() == []
    assert lib.run("photosets").writes == {}


def test_renaming_a_folder_renames_its_set(lib: SyncLib) -> None:
    datas = lib.add_many([("Trips/Alps/1.jpg", 30), ("Trips/Alps/2.jpg", 31)])
    assert lib.run("sync", "--yes").code == 0
    old = lib.tool_sets()["Trips, Alps"]
    lib.move("Trips/Alps", "Trips/Alps 2021")
    result = lib.run("photosets", "--json")
    assert result.code == 0, result
    assert set_calls(result.calls) == {"flickr.photosets.editMeta": 1}, result.calls
    assert result.json()["summary"]["sets_renamed"] == 1
    sets = lib.tool_sets()
    assert set(sets) == {"Trips, Alps 2021"}
    assert sets["Trips, Alps 2021"]["id"] == old["id"]
    assert set(sets["Trips, Alps 2021"]["photos"]) == ids_of(lib, *datas.values())
    assert SET_MARKER in sets["Trips, Alps 2021"]["description"]


def test_a_picture_in_two_folders_is_uploaded_once_and_in_both_sets(lib: SyncLib) -> None:
    data = lib.add("A/x.jpg", 40)
    lib.add_bytes("B/x copy.jpg", data)
    lib.add("B/y.jpg", 41)
    result = lib.run("sync", "--yes")
    assert result.code == 0, result
    assert result.calls.get("upload") == 2
    photo = lib.photo_of(data)
    assert lib.set_titles_of(photo["id"]) == {"A", "B"}
    assert lib.run("photosets").writes == {}


def test_a_user_made_set_with_the_same_title_is_left_untouched(lib: SyncLib) -> None:
    theirs = lib.ff.seed_photos([seed_spec(picture_bytes(50), "not mine")])
    user_set = lib.ff.create_photoset("Garden", theirs, description="my own set")
    before = [s for s in lib.photosets() if s["id"] == user_set]
    mine = lib.add_many([("Garden/1.jpg", 51), ("Garden/2.jpg", 52)])
    result = lib.run("sync", "--yes")
    assert result.code == 0, result
    assert [s for s in lib.photosets() if s["id"] == user_set] == before
    ours = [s for s in lib.photosets() if s["title"] == "Garden" and SET_MARKER in s["description"]]
    assert len(ours) == 1
    assert set(ours[0]["photos"]) == ids_of(lib, *mine.values())
    assert lib.run("photosets").writes == {}


def test_a_set_made_by_flickrsync_0_1_1_is_adopted(lib: SyncLib) -> None:
    datas = lib.add_many([("2014/Holiday/a.jpg", 60), ("2014/Holiday/b.jpg", 61), ("2014/Holiday/c.jpg", 62)])
    assert lib.run("sync", "--yes", "--no-photosets").code == 0
    assert lib.photosets() == []
    first = lib.photo_of(datas["2014/Holiday/a.jpg"])["id"]
    legacy = lib.ff.create_photoset("2014, Holiday", [first], description="[created by flickrsync]")
    result = lib.run("photosets")
    assert result.code == 0, result
    assert result.calls.get("flickr.photosets.create", 0) == 0, result.calls
    [adopted] = [s for s in lib.photosets() if s["title"] == "2014, Holiday"]
    assert adopted["id"] == legacy
    assert set(adopted["photos"]) == ids_of(lib, *datas.values())
    assert adopted["primary"] == first  # the primary photo stays
    assert lib.run("photosets").writes == {}


@pytest.mark.slow
def test_a_1500_photo_set(lib: SyncLib) -> None:
    n = 1_500
    lib.check_after_run = False
    specs = []
    datas = []
    for i in range(n):
        data = lib.add(f"Big/p{i}.jpg", 1000 + i, size=(16, 16))
        datas.append(data)
        specs.append(
            seed_spec(
                None,
                f"p{i}",
                tags=machine_tag(data),
                # the original's size, as the picture's: a tag on a photo of another size is not trusted
                width=16,
                height=16,
                date=flickr_date(date_of(1000 + i)),
                date_upload=posted(i),
            )
        )
    lib.ff.seed_photos(specs)  # already on Flickr, tagged: no upload needed
    result = lib.run("sync", "--yes")
    assert result.code == 0, result
    assert result.calls.get("upload", 0) == 0
    assert sum(set_calls(result.calls).values()) <= 3, result.calls  # create + one editPhotos
    [big] = lib.tool_sets().values()
    assert big["title"] == "Big"
    assert len(big["photos"]) == n
    assert set(big["photos"]) == {p["id"] for p in lib.photos()}
    again = lib.run("photosets")
    assert again.code == 0, again
    assert again.writes == {}
    lib.move("Big/p7.jpg", "Small/p7.jpg")
    moved = lib.run("photosets")
    assert moved.code == 0, moved
    assert set_calls(moved.calls) == {"flickr.photosets.create": 1, "flickr.photosets.removePhoto": 1}, (
        moved.calls
    )
    assert len(lib.tool_sets()["Big"]["photos"]) == n - 1
    assert content_id(datas[7]) in lib.photos_by_content()
    lib.check()


def test_sync2_downloads_into_set_folders(lib: SyncLib) -> None:
    lib.add("Here/mine.jpg", 70)
    alps = [picture_bytes(71), picture_bytes(72)]
    family = picture_bytes(73)
    ids = lib.ff.seed_photos(
        [
            seed_spec(alps[0], "Summit", date="2021-08-09 12:00:00"),
            seed_spec(alps[1], "Lake", date="2021-08-10 07:20:00"),
            seed_spec(family, "Grandma", date="1999-12-24 18:00:00", sets=["Family"]),
        ]
    )
    # a set flickrsync made on another computer, from the folder Trips/Alps
    made = lib.ff.create_photoset("Trips, Alps", ids[:2], description=f"{SET_MARKER}")
    result = lib.run("sync2", "--yes")
    assert result.code == 0, result
    new = lib.new_files()
    assert new == {
        "Trips/Alps/Summit.jpg": alps[0],
        "Trips/Alps/Lake.jpg": alps[1],
        "Family/Grandma.jpg": family,
    }
    # the set made elsewhere now stands for the folder it was downloaded into: no second set
    alps_sets = [s for s in lib.photosets() if s["title"] == "Trips, Alps"]
    assert [s["id"] for s in alps_sets] == [made]
    assert set(alps_sets[0]["photos"]) == set(ids[:2])
    lib.forget_downloads()
    again = lib.run("sync2", "--yes")
    assert again.code == 0, again
    assert again.writes == {}
    assert lib.new_files() == {}


def test_prune_deletes_an_emptied_tool_made_set_only_when_asked(lib: SyncLib) -> None:
    a = lib.add_many([("A/1.jpg", 80), ("A/2.jpg", 81)])
    lib.add_many([("B/3.jpg", 82), ("B/4.jpg", 83)])
    assert lib.run("sync", "--yes").code == 0
    set_a = lib.tool_sets()["A"]
    lib.move("A/1.jpg", "B/1.jpg")
    lib.move("A/2.jpg", "B/2.jpg")
    result = lib.run("photosets")
    assert result.code == 0, result
    assert lib.ff.deletions() == []  # Flickr deletes a set whose last photo goes: kept one
    sets = lib.tool_sets()
    assert sets["A"]["id"] == set_a["id"]
    assert len(sets["A"]["photos"]) == 1
    assert set(sets["B"]["photos"]) >= ids_of(lib, *a.values())
    assert lib.run("photosets").writes == {}
    pruned = lib.run("photosets", "--prune", "--json")
    assert pruned.code == 0, pruned
    assert pruned.calls.get("flickr.photosets.delete") == 1, pruned.calls
    assert pruned.json()["summary"]["sets_deleted"] == 1
    assert "A" not in lib.tool_sets()
    assert [d["kind"] for d in lib.ff.deletions()] == ["photoset"]
    assert len(lib.photos()) == 4


def test_group_pools_from_config(fakeflickr: FakeFlickrFixture, tmp_path: Path) -> None:
    group = fakeflickr.create_group("Owls", members=[fakeflickr.default_user])
    lib = SyncLib.create(fakeflickr, tmp_path, config=f"groups =\n    Birds/* = {group}\n")
    owls = lib.add_many([("Birds/Owls/1.jpg", 90), ("Birds/Owls/2.jpg", 91)])
    lib.add("Cats/3.jpg", 92)
    result = lib.run("sync", "--yes")
    assert result.code == 0, result
    assert result.calls.get("flickr.groups.pools.add") == 2, result.calls
    [pool] = [g["pool"] for g in lib.ff.state(photos=False)["groups"] if g["nsid"] == group]
    assert set(pool) == ids_of(lib, *owls.values())
    assert lib.run("sync", "--yes").writes == {}
