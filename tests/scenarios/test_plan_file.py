"""A plan you can edit (issue 12 point 6): `--plan-out` writes the plan and changes nothing;
`apply` carries out exactly the plan as edited, refusing what changed under it."""

from __future__ import annotations

from pathlib import Path

import pytest
from tests.planfiles import read_plan, write_plan
from tests.synchelpers import SyncLib, content_id, date_of, flickr_date, md5, picture_bytes, seed_spec

pytestmark = pytest.mark.integration


def test_a_plan_written_edited_and_applied(lib: SyncLib, tmp_path: Path) -> None:
    a = lib.add("Trip/a.jpg", 1)
    b = lib.add("Trip/b.jpg", 2)
    c = lib.add("Trip/c.jpg", 3)
    lib.add("Trip/d.jpg", 4)
    only_1, only_2 = picture_bytes(11), picture_bytes(12)
    p1, p2 = lib.ff.seed_photos(
        [
            seed_spec(only_1, "Flickr one", date=flickr_date(date_of(11))),
            seed_spec(only_2, "Flickr two", date=flickr_date(date_of(12))),
        ]
    )
    plan_path = tmp_path / "plan.json"

    written = lib.run("sync2", "--plan-out", str(plan_path))
    assert written.code == 0, written
    assert written.writes == {}, "writing a plan changes nothing on Flickr"
    assert lib.new_files() == {}, "… nor in the library"
    assert "plan written to" in written.out
    doc = read_plan(plan_path)
    assert doc["options"]["mode"] == "sync2"
    uploads = {u["relpath"]: u for u in doc["uploads"]}
    assert set(uploads) == {"Trip/a.jpg", "Trip/b.jpg", "Trip/c.jpg", "Trip/d.jpg"}
    assert uploads["Trip/a.jpg"]["title"] == "a"
    assert uploads["Trip/a.jpg"]["sources"]["title"] == "file name"
    assert uploads["Trip/a.jpg"]["privacy"] == "private"
    downloads = {d["photo_id"]: d for d in doc["downloads"]}
    assert set(downloads) == {p1, p2}

    # The user edits: b is left out, a gets a title, tags and is public, c is ignored for good,
    # photo 1 is ignored, photo 2 goes elsewhere.
    doc["uploads"] = [u for u in doc["uploads"] if u["relpath"] != "Trip/b.jpg"]
    for entry in doc["uploads"]:
        if entry["relpath"] == "Trip/a.jpg":
            entry.update(
                title="Harbour at dawn", tags=["sea", "boats"], privacy="public", description="Calm."
            )
        if entry["relpath"] == "Trip/c.jpg":
            entry["ignore"] = True
    for entry in doc["downloads"]:
        if entry["photo_id"] == p1:
            entry["ignore"] = True
        if entry["photo_id"] == p2:
            entry["relpath"] = "Mine/second.jpg"
    write_plan(plan_path, doc)
    # Meanwhile d is edited: its picture is another one now.
    lib.add("Trip/d.jpg", 40)

    applied = lib.run("apply", str(plan_path), "--yes")
    assert applied.code == 1, applied  # d was refused
    (refused,) = [line for line in applied.err.splitlines() if "refused:" in line]
    assert "Trip/d.jpg: no file holds the picture of the plan any more" in refused
    photos = lib.photos_by_content()
    assert set(photos) == {content_id(a)}, "only a was uploaded"
    (photo,) = photos[content_id(a)]
    assert photo["title"] == "Harbour at dawn"
    assert photo["description"] == "Calm."
    assert photo["ispublic"] == 1
    assert {t["raw"] for t in photo["tags"]} >= {"sea", "boats"}
    assert set(lib.new_files()) == {"Mine/second.jpg"}
    assert lib.new_files()["Mine/second.jpg"] == only_2
    lib.forget_downloads()

    listed = (lib.home / "ignore-DEFAULT.txt").read_text()
    assert f"picture:{content_id(c)}  # Trip/c.jpg" in listed
    assert f"photo:{p1}" in listed

    # Next plan: b is back (it was only left out), c and photo 1 stay ignored, d is new.
    again = lib.run("sync2", "--dry-run", "--json").json()
    planned = {a["relpath"] for a in again["actions"] if a["action"] == "upload"}
    assert planned == {"Trip/b.jpg", "Trip/d.jpg"}
    assert [a for a in again["actions"] if a["action"] == "download"] == []
    assert again["summary"]["ignored"] == 1
    assert content_id(b) not in lib.photos_by_content()


def test_apply_refuses_a_plan_that_is_not_one_or_not_this_accounts(lib: SyncLib, tmp_path: Path) -> None:
    lib.add("a.jpg", 1)
    path = tmp_path / "plan.json"
    assert lib.run("sync", "--plan-out", str(path)).code == 0
    doc = read_plan(path)

    path.write_text("{not json", encoding="utf-8")
    broken = lib.run("apply", str(path), "--yes")
    assert broken.code == 2
    assert broken.err.startswith(f"flickrsync: error: {path}: not a JSON document")

    doc["uploads"][0]["privacy"] = "everybody"
    write_plan(path, doc)
    bad = lib.run("apply", str(path), "--yes")
    assert bad.code == 2
    assert "uploads[0].privacy: must be one of public, friends+family, friends, family, private" in bad.err
    assert len(bad.err.splitlines()) == 1

    doc["uploads"][0]["privacy"] = "private"
    doc["account"]["nsid"] = "99999999@N01"
    write_plan(path, doc)
    other = lib.run("apply", str(path), "--yes")
    assert other.code == 2
    assert "the plan is for Flickr account 99999999@N01" in other.err
    assert lib.photos() == [], "nothing was done"

    doc["account"]["nsid"] = lib.nsid
    doc["version"] = 2
    write_plan(path, doc)
    newer = lib.run("apply", str(path), "--yes")
    assert newer.code == 2
    assert "version 2 was written by a newer flickrsync" in newer.err


def test_a_plan_shows_edits_replaces_and_deletions_and_apply_keeps_its_options(
    lib: SyncLib, tmp_path: Path
) -> None:
    files = lib.add_many([("Trip/a.jpg", 1), ("Trip/b.jpg", 2), ("Trip/c.jpg", 3)])
    assert lib.run("sync2", "--yes").code == 0
    photo_a, photo_b, photo_c = (lib.photo_of(files[f"Trip/{n}.jpg"]) for n in "abc")
    new_a = lib.add_bytes("Trip/a.jpg", picture_bytes(5001, date=date_of(1)))  # edits, same date
    new_b = lib.add_bytes("Trip/b.jpg", picture_bytes(5002, date=date_of(2)))
    lib.remove("Trip/c.jpg")
    plan_path = tmp_path / "plan.json"

    written = lib.run("sync", "--on-edit", "replace", "--plan-out", str(plan_path))
    assert written.code == 0, written
    assert written.writes == {}, written
    doc = read_plan(plan_path)
    assert doc["options"]["on_edit"] == "replace"
    replaces = {r["photo_id"]: r for r in doc["replaces"]}
    assert set(replaces) == {photo_a["id"], photo_b["id"]}
    assert replaces[photo_a["id"]]["content_id"] == content_id(new_a)
    assert replaces[photo_a["id"]]["old_content_id"] == content_id(files["Trip/a.jpg"])
    assert replaces[photo_a["id"]]["relpath"] == "Trip/a.jpg"
    assert {e["photo_id"] for e in doc["changes"]["edits"]} == {photo_a["id"], photo_b["id"]}
    (gone,) = doc["changes"]["deleted_locally"]
    assert gone["photo_id"] == photo_c["id"]
    assert gone["paths"] == [str(lib.root / "Trip/c.jpg")]
    assert doc["uploads"] == []
    assert doc["downloads"] == []
    assert doc["summary"]["replaces"] == 2
    assert doc["summary"]["deleted_locally"] == 1

    # The user keeps b's earlier version on Flickr: its replace is removed from the plan.
    doc["replaces"] = [r for r in doc["replaces"] if r["photo_id"] == photo_a["id"]]
    write_plan(plan_path, doc)
    applied = lib.run("apply", str(plan_path), "--yes")
    assert applied.code == 0, applied
    assert applied.writes == {"replace": 1, "flickr.photos.removeTag": 1, "flickr.photos.addTags": 1}
    assert lib.ff.photo(photo_a["id"])["file_md5"] == md5(new_a)
    assert lib.ff.photo(photo_b["id"])["file_md5"] == md5(files["Trip/b.jpg"]), "b is kept as it was"
    assert content_id(new_b) not in lib.photos_by_content()

    # --restore goes into the plan too, and apply restores what it named.
    restore_path = tmp_path / "restore.json"
    assert lib.run("sync2", "--restore", "--plan-out", str(restore_path)).code == 0
    restore = read_plan(restore_path)
    assert restore["options"]["restore"] is True
    assert [d["photo_id"] for d in restore["downloads"]] == [photo_c["id"]]
    assert restore["replaces"] == [], "the config's on_edit (keep) applies: b is not replaced"
    back = lib.run("apply", str(restore_path), "--yes")
    assert back.code == 0, back
    assert lib.new_files() == {"Trip/c.jpg": files["Trip/c.jpg"]}
