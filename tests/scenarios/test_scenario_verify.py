"""Issue 11, point 4: ``flickrsync verify`` proves a backup without changing anything.

On a complete backup it exits 0; each kind of gap makes it exit 1 and is listed: a picture not on
Flickr, an edit not pushed, a photo deleted on Flickr, a picture not in its folder's photoset, a
Flickr photo not in the library (for sync2 users), a copy on Flickr (reported, not a gap), a
picture deleted here (the user's decision, not a gap). ``--deep`` checks originals, resumably.
verify itself writes nothing to Flickr and downloads no thumbnail."""

from __future__ import annotations

from typing import Any

import pytest
from tests.fakeflickr.client import Api
from tests.synchelpers import SyncLib, content_id, date_of, machine_tag, picture_bytes, seed_spec

pytestmark = pytest.mark.integration


def verify(lib: SyncLib, *args: str) -> tuple[int, dict[str, Any], dict[str, int]]:
    run = lib.run("verify", "--json", *args)
    assert run.code in (0, 1), run
    assert run.writes == {}, run  # proves, changes nothing
    assert "Traceback" not in run.err
    return run.code, run.json(), run.calls


def kinds(doc: dict[str, Any]) -> dict[str, int]:
    counts = doc["counts"]
    assert isinstance(counts, dict)
    return counts


def test_verify_on_a_complete_backup_exits_0_and_fetches_nothing(lib: SyncLib) -> None:
    lib.add_many([("2020/Trip/a.jpg", 1), ("2020/Trip/b.jpg", 2), ("c.jpg", 3)])
    assert lib.run("sync", "--yes").code == 0
    code, doc, calls = verify(lib)
    assert code == 0, doc
    assert doc["complete"] is True
    assert doc["items"] == []
    assert (doc["pictures"], doc["photos"], doc["matched"]) == (3, 3, 3)
    folders = {f["folder"]: f for f in doc["folders"]}
    assert folders["2020/Trip"] == {"folder": "2020/Trip", "pictures": 2, "on_flickr": 2, "missing": 0}
    assert calls.get("static", 0) == 0  # no thumbnail, no original
    text = lib.run("verify")
    assert text.code == 0, text
    assert "complete: nothing is missing" in text.out


def test_verify_lists_every_gap_and_exits_1(lib: SyncLib) -> None:
    files = lib.add_many([("Trip/a.jpg", 11), ("Trip/b.jpg", 12), ("Trip/c.jpg", 13), ("d.jpg", 14)])
    theirs = lib.ff.seed_photos([seed_spec(picture_bytes(19), "only on flickr")])
    assert lib.run("sync2", "--yes").code == 0
    lib.forget_downloads()
    assert verify(lib)[0] == 0  # the last run was sync2: both ways, and nothing is missing
    new = lib.add("Trip/new.jpg", 15)  # not synced yet
    lib.add_bytes("Trip/a.jpg", _edited(11))
    lib.delete_on_flickr(lib.photo_of(files["Trip/b.jpg"])["id"])
    lib.remove("d.jpg")  # deleted here on purpose: reported, not a gap
    lib.ff.seed_photos([seed_spec(files["Trip/c.jpg"], "c copy", tags=machine_tag(files["Trip/c.jpg"]))])
    code, doc, _calls = verify(lib)
    assert code == 1, doc
    counts = kinds(doc)
    assert counts.get("not_on_flickr") == 1, doc
    assert counts.get("edit_not_pushed") == 1, doc
    assert counts.get("deleted_on_flickr") == 1, doc
    assert counts.get("deleted_locally") == 1, doc
    assert counts.get("duplicate_on_flickr") == 1, doc
    items = doc["items"]
    assert isinstance(items, list)
    missing_paths = {i["relpath"] for i in items if i["missing"] and i.get("relpath")}
    assert {"Trip/new.jpg", "Trip/a.jpg", "Trip/b.jpg"} == missing_paths, items
    assert not any(i["missing"] for i in items if i["kind"] in ("deleted_locally", "duplicate_on_flickr"))
    assert content_id(new) in {i["content_id"] for i in items}
    trip = {f["folder"]: f for f in doc["folders"]}["Trip"]
    assert trip["missing"] == 3
    assert len(theirs) == 1


def test_an_edit_not_pushed_and_a_picture_out_of_its_set(lib: SyncLib) -> None:
    lib.add_many([("Trip/a.jpg", 21), ("Trip/b.jpg", 22)])
    assert lib.run("sync", "--yes").code == 0
    lib.add_bytes("Trip/a.jpg", _edited(21))
    lib.add("Trip/c.jpg", 23)
    assert lib.run("sync", "--yes", "--no-photosets").code == 0  # c uploaded, not put in "Trip"
    code, doc, _calls = verify(lib)
    assert code == 1
    counts = kinds(doc)
    assert counts.get("edit_not_pushed") == 1, doc
    assert counts.get("not_in_photoset") == 1, doc
    sets = {s["title"]: s for s in doc["sets"]}
    assert sets["Trip"]["missing_members"] == 1
    assert kinds(verify(lib, "--no-photosets")[1]).get("not_in_photoset") is None


def test_flickr_only_photos_are_missing_only_for_sync2_users(lib: SyncLib) -> None:
    lib.add("a.jpg", 31)
    lib.ff.seed_photos([seed_spec(picture_bytes(39), "theirs")])
    assert lib.run("sync", "--yes").code == 0
    code, doc, _ = verify(lib)
    assert (code, kinds(doc)) == (0, {"only_on_flickr": 1})
    code, doc, _ = verify(lib, "--both-ways")
    assert (code, kinds(doc)) == (1, {"not_in_library": 1})


def test_deep_checks_originals_and_remembers_what_it_checked(lib: SyncLib) -> None:
    files = lib.add_many([(f"p{i}.jpg", 40 + i) for i in range(2)])
    assert lib.run("sync", "--yes").code == 0
    first = lib.run("verify", "--deep", "--json")
    assert first.code == 0, first
    assert first.json()["deep"] == {"checked_now": 2, "checked_before": 0, "mismatched": 0, "unchecked": 0}
    assert first.calls.get("static", 0) == 2  # one original each
    files.update(lib.add_many([(f"p{i}.jpg", 40 + i) for i in range(2, 4)]))
    assert lib.run("sync", "--yes").code == 0
    second = lib.run("verify", "--deep", "--json")
    assert second.code == 0, second
    # Each answer is kept as it comes (with the original's secret): a run stopped halfway, or
    # the next run, checks only what was not checked yet.
    assert second.json()["deep"] == {"checked_now": 2, "checked_before": 2, "mismatched": 0, "unchecked": 0}
    assert second.calls.get("static", 0) == 2
    # A photo whose original is not the library's picture (replaced by another program):
    victim = lib.photo_of(files["p1.jpg"])
    Api(lib.ff, lib.ff.mint_token(user=lib.nsid)).upload(
        picture_bytes(4999), "other.jpg", endpoint="replace", photo_id=victim["id"]
    )
    third = lib.run("verify", "--deep", "--json")
    assert third.code == 1, third
    assert third.json()["deep"]["mismatched"] == 1
    assert third.json()["deep"]["checked_now"] == 1  # the new secret: checked again
    assert [i["photo_id"] for i in third.json()["items"] if i["kind"] == "deep_mismatch"] == [victim["id"]]


def _edited(seed: int) -> bytes:
    return picture_bytes(seed + 5000, date=date_of(seed))
