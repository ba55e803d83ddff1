"""`flickrsync sync`, `sync2` and `download` end to end against fakeflickr (issue 5).

Every run goes through ``flickrsync.cli.main`` in-process (:class:`tests.synchelpers.SyncLib`),
which also checks after each run that no photo was deleted on Flickr, that the test's own files
are byte-identical and that every file the tool added is a complete Flickr original.
"""

from __future__ import annotations

import calendar
import datetime as dt
import math
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
from tests.fakeflickr_fixtures import FakeFlickrFixture
from tests.synchelpers import (
    SyncLib,
    content_id,
    date_of,
    flickr_date,
    machine_tag,
    md5,
    picture_bytes,
    posted,
    seed_spec,
    tagged_ids,
)

pytestmark = pytest.mark.integration

WINDOWS_RESERVED = {
    "CON",
    "PRN",
    "AUX",
    "NUL",
    *(f"COM{i}" for i in range(1, 10)),
    *(f"LPT{i}" for i in range(1, 10)),
}


@pytest.fixture
def lib(fakeflickr: FakeFlickrFixture, tmp_path: Path) -> SyncLib:
    return SyncLib.create(fakeflickr, tmp_path)


def stem(rel: str) -> str:
    return Path(rel).stem


def flickr_state(lib: SyncLib) -> dict[str, Any]:
    """What a run could change on Flickr: photos (title, tags, perms, sets) and sets."""
    photos = {
        p["id"]: (p["title"], sorted(t["raw"] for t in p["tags"]), p["ispublic"], sorted(p["sets"]))
        for p in lib.photos()
    }
    sets = {s["id"]: (s["title"], s["description"], s["photos"], s["primary"]) for s in lib.photosets()}
    return {"photos": photos, "sets": sets}


def mtime_is_date_taken(path: Path, taken: str) -> bool:
    """The file's mtime is Flickr's date taken (a naive local time; UTC accepted too)."""
    when = dt.datetime.strptime(taken, "%Y-%m-%d %H:%M:%S")
    mtime = path.stat().st_mtime
    local = time.mktime(when.timetuple())
    utc = calendar.timegm(when.timetuple())
    return abs(mtime - local) < 1 or abs(mtime - utc) < 1


# --- uploads --------------------------------------------------------------------------------------


def test_first_sync_uploads_each_distinct_picture_once_private_with_title_and_machine_tag(
    lib: SyncLib,
) -> None:
    tulips = lib.add("2020/Garden/Tulips.jpg", 1)
    lib.add_bytes("Best of/Tulips again.jpg", tulips)  # a duplicate on disk
    roses = lib.add("2020/Garden/Roses.JPG", 2)
    summit = lib.add("2021/Mountains/Alps/Summit.jpeg", 3)
    top = lib.add("top.jpg", 4)

    result = lib.run("sync", "--yes")
    assert result.code == 0, result
    assert result.calls.get("upload") == 4, result.calls
    photos = lib.photos()
    assert len(photos) == 4
    by_content = lib.photos_by_content()
    for data, titles in (
        (tulips, {"Tulips", "Tulips again"}),
        (roses, {"Roses"}),
        (summit, {"Summit"}),
        (top, {"top"}),
    ):
        [photo] = by_content[content_id(data)]
        assert photo["title"] in titles
        assert (photo["ispublic"], photo["isfriend"], photo["isfamily"]) == (0, 0, 0)
        assert machine_tag(data) in {t["raw"] for t in photo["tags"]}
        assert photo["file_md5"] == md5(data)  # the original, byte for byte


def test_rerun_plans_nothing_and_makes_no_write_call(lib: SyncLib) -> None:
    lib.add_many([("a/one.jpg", 1), ("a/two.jpg", 2), ("b/three.jpg", 3), ("four.jpg", 4)])
    assert lib.run("sync", "--yes").code == 0
    again = lib.run("sync", "--yes", "--json")
    assert again.code == 0, again
    assert again.writes == {}
    doc = again.json()
    assert doc["actions"] == []
    assert doc["summary"]["uploads"] == 0
    assert doc["summary"]["tags"] == 0
    assert doc["summary"]["write_calls"] == 0
    # sync2 on the same state plans nothing either (nothing on Flickr is missing locally).
    both = lib.run("sync2", "--yes", "--json")
    assert both.code == 0, both
    assert both.writes == {}
    assert both.json()["actions"] == []
    assert lib.new_files() == {}


def test_moving_and_renaming_files_uploads_nothing(lib: SyncLib) -> None:
    lib.add_many([("2020/a.jpg", 1), ("2020/b.jpg", 2), ("2021/c.jpg", 3), ("2021/x/d.jpg", 4)])
    assert lib.run("sync", "--yes").code == 0
    before = {p["id"] for p in lib.photos()}
    lib.move("2020/a.jpg", "2021/a.jpg")  # another folder
    lib.move("2020/b.jpg", "2020/renamed b.jpg")  # another name
    lib.move("2021/x", "moved/x")  # a folder
    result = lib.run("sync", "--yes")
    assert result.code == 0, result
    assert result.calls.get("upload", 0) == 0
    assert result.calls.get("flickr.photos.addTags", 0) == 0
    assert {p["id"] for p in lib.photos()} == before


def test_deleting_the_index_and_rerunning_uploads_nothing(lib: SyncLib) -> None:
    lib.add_many([("2020/a.jpg", 1), ("2020/b.jpg", 2), ("c.jpg", 3)])
    assert lib.run("sync", "--yes").code == 0
    photos_before = {p["id"] for p in lib.photos()}
    sets_before = {s["id"] for s in lib.photosets()}
    index_files = list(lib.home.glob("index-*.db*"))
    assert index_files, "no index file in the home dir"
    for path in index_files:
        path.unlink()
    result = lib.run("sync", "--yes")
    assert result.code == 0, result
    assert result.calls.get("upload", 0) == 0
    assert result.calls.get("flickr.photosets.create", 0) == 0
    assert {p["id"] for p in lib.photos()} == photos_before
    assert {s["id"] for s in lib.photosets()} == sets_before
    # and the run after that plans nothing
    assert lib.run("sync", "--yes").writes == {}


def test_photos_another_client_uploaded_are_tagged_not_uploaded_again(lib: SyncLib) -> None:
    plain = lib.add("Trip/IMG_0001.jpg", 11)
    with_ext = lib.add("Trip/IMG_0002.JPG", 12)
    renamed = lib.add("Trip/beach.jpeg", 13)
    same_name_other_time = lib.add("Trip/IMG_0005.jpg", 15)
    new = lib.add("Trip/new.jpg", 14)
    other_time = dt.datetime.strptime(date_of(15), "%Y:%m:%d %H:%M:%S") + dt.timedelta(hours=3)
    ids = lib.ff.seed_photos(
        [
            # title without the extension, EXIF date: rule 2, confirmed by look
            seed_spec(plain, "IMG_0001", date=flickr_date(date_of(11)), tags="holiday"),
            # title with the extension kept, in other case
            seed_spec(with_ext, "img_0002.jpg", date=flickr_date(date_of(12))),
            # another title, EXIF stripped and re-encoded (date taken unknown): only the look matches
            seed_spec(picture_bytes(13, quality=70, exif=False), "Sunset on the beach"),
            # the same name but taken at another time: another picture
            seed_spec(None, "IMG_0005", date=other_time.strftime("%Y-%m-%d %H:%M:%S")),
        ]
    )
    result = lib.run("sync", "--yes")
    assert result.code == 0, result
    assert result.calls.get("upload") == 2, result.calls  # new.jpg and the other IMG_0005
    photos = {p["id"]: p for p in lib.photos()}
    assert tagged_ids(photos[ids[0]]) == [content_id(plain)]
    assert "holiday" in {t["raw"] for t in photos[ids[0]]["tags"]}  # the user's tags stay
    assert tagged_ids(photos[ids[1]]) == [content_id(with_ext)]
    assert tagged_ids(photos[ids[2]]) == [content_id(renamed)]
    assert tagged_ids(photos[ids[3]]) == []
    assert len(lib.photos_by_content()[content_id(new)]) == 1
    assert len(lib.photos_by_content()[content_id(same_name_other_time)]) == 1
    assert len(photos) == 6
    # next run: everything matches by machine tag, nothing to do
    assert lib.run("sync", "--yes").writes == {}


def test_identifying_by_content_never_downloads_an_original_when_one_candidate_fits(lib: SyncLib) -> None:
    for i in range(5):
        lib.add(f"x/renamed {i}.jpg", 40 + i)
    lib.ff.seed_photos(
        [seed_spec(picture_bytes(40 + i, quality=75, exif=False), f"On Flickr {i}") for i in range(5)]
    )
    result = lib.run("sync", "--yes", "--json")
    assert result.code == 0, result
    assert result.calls.get("upload", 0) == 0
    assert result.json()["summary"]["matched"] == 5
    assert all(len(v) == 1 for v in lib.photos_by_content().values())
    assert len(lib.photos_by_content()) == 5


# --- downloads ------------------------------------------------------------------------------------


def test_sync2_downloads_flickr_only_photos_into_set_folders_and_flickr_folder(lib: SyncLib) -> None:
    lib.add("2020/Garden/Tulips.jpg", 21)
    assert lib.run("sync", "--yes").code == 0
    assert "2020, Garden" in lib.tool_sets()
    taken = "2018-03-02 15:30:00"
    rose, holiday, loose, twice = (picture_bytes(s) for s in (22, 23, 24, 25))
    lib.ff.seed_photos(
        [
            seed_spec(rose, "Rose", date=taken, sets=["2020, Garden"]),  # the tool-made set
            seed_spec(holiday, "Beach", date=taken, sets=["Holiday 2019"]),  # a set made on Flickr
            seed_spec(loose, "Loose", date=taken),  # in no set
            seed_spec(twice, "Twice", date=taken, sets=["Holiday 2019", "Best"]),
        ]
    )
    result = lib.run("sync2", "--yes")
    assert result.code == 0, result
    assert result.calls.get("upload", 0) == 0
    new = lib.new_files()
    assert new.get("2020/Garden/Rose.jpg") == rose
    assert new.get("Holiday 2019/Beach.jpg") == holiday
    assert new.get("Flickr/Loose.jpg") == loose
    twice_at = [rel for rel, data in new.items() if data == twice]
    assert len(twice_at) == 1, twice_at
    assert twice_at[0] in ("Holiday 2019/Twice.jpg", "Best/Twice.jpg"), twice_at
    assert len(new) == 4, sorted(new)
    for rel in new:
        assert mtime_is_date_taken(lib.root / rel, taken), rel
    assert len(lib.photos()) == 5
    # a re-run uploads none of them back and plans nothing
    lib.forget_downloads()
    again = lib.run("sync2", "--yes")
    assert again.code == 0, again
    assert again.writes == {}
    assert lib.new_files() == {}
    assert len(lib.photos()) == 5


def test_sync2_never_overwrites_a_local_file(lib: SyncLib) -> None:
    mine = lib.add("Flickr/Loose.jpg", 30)  # a local picture where the download would go
    theirs = picture_bytes(31)
    lib.ff.seed_photos([seed_spec(theirs, "Loose", date="2017-01-01 10:00:00")])
    result = lib.run("sync2", "--yes")
    assert result.code == 0, result
    assert (lib.root / "Flickr/Loose.jpg").read_bytes() == mine
    new = lib.new_files()
    assert list(new.values()) == [theirs]
    [rel] = new
    assert rel.startswith("Flickr/Loose"), rel
    assert rel != "Flickr/Loose.jpg", rel


HOSTILE_TITLES = [
    "../../x",
    "/etc/passwd",
    "CON",
    "com1.jpg",
    "a" * 2000,
    "é" * 300,
    "nul\x00byte",
    "emoji 📷🌅",
    "...",
    ".",
    "..",
    "",
    "   ",
    "a/b\\c:d*e?f",
    ".hidden",
    "tab\tnewline\n",
]


def test_hostile_titles_land_safely_inside_the_library(lib: SyncLib, tmp_path: Path) -> None:
    lib.add("mine.jpg", 50)
    outside = tmp_path / "outside"
    titles = [*HOSTILE_TITLES, f"{outside}/passwd", "../../" + str(outside.name) + "/y"]
    datas = [picture_bytes(100 + i) for i in range(len(titles))]
    taken = "2016-07-08 09:10:11"
    lib.ff.seed_photos([seed_spec(d, t, date=taken) for d, t in zip(datas, titles, strict=True)])
    passwd = Path("/etc/passwd").read_bytes()
    before_outside = {
        p for p in tmp_path.rglob("*") if lib.root not in p.parents and lib.home not in p.parents
    }
    result = lib.run("sync2", "--yes")
    assert result.code == 0, result
    assert Path("/etc/passwd").read_bytes() == passwd
    assert not outside.exists()
    after_outside = {
        p for p in tmp_path.rglob("*") if lib.root not in p.parents and lib.home not in p.parents
    }
    assert after_outside == before_outside
    new = lib.new_files()
    assert sorted(new.values()) == sorted(datas)  # each photo once, none overwritten
    for rel in new:
        folder, _, name = rel.rpartition("/")
        assert folder == "Flickr", rel
        assert name.strip("."), rel
        assert not name.startswith("."), rel
        assert len(name.encode("utf-8")) <= 255, rel
        assert not any(ord(c) < 32 for c in name), rel
        assert name.split(".")[0].strip().upper() not in WINDOWS_RESERVED, rel
        assert mtime_is_date_taken(lib.root / rel, taken), rel
    lib.forget_downloads()
    again = lib.run("sync2", "--yes")
    assert again.code == 0, again
    assert again.calls.get("upload", 0) == 0
    assert lib.new_files() == {}


def test_hostile_set_titles_make_safe_folders(lib: SyncLib, tmp_path: Path) -> None:
    lib.add("mine.jpg", 60)
    titles = ["../../evil", "/abs", "..", "CON", "a/b", "x" * 400]
    datas = [picture_bytes(200 + i) for i in range(len(titles))]
    lib.ff.seed_photos(
        [seed_spec(d, f"p{i}", sets=[t]) for i, (d, t) in enumerate(zip(datas, titles, strict=True))]
    )
    before = set(tmp_path.iterdir())
    result = lib.run("sync2", "--yes")
    assert result.code == 0, result
    assert set(tmp_path.iterdir()) == before
    new = lib.new_files()
    assert sorted(new.values()) == sorted(datas)
    for rel in new:
        for part in rel.split("/"):
            assert part not in ("", ".", ".."), rel
            assert not part.startswith("."), rel
            assert len(part.encode("utf-8")) <= 255, rel


def test_download_mode_uploads_nothing_and_writes_nothing_to_flickr(lib: SyncLib) -> None:
    mine = lib.add("local only.jpg", 70)
    theirs = picture_bytes(71)
    lib.ff.seed_photos(
        [
            seed_spec(theirs, "On Flickr", date="2015-05-05 05:05:05"),
            seed_spec(mine, "local only", date=flickr_date(date_of(70))),
        ]
    )
    before = flickr_state(lib)
    result = lib.run("download", "--yes")
    assert result.code == 0, result
    assert result.writes == {}
    assert flickr_state(lib) == before
    assert list(lib.new_files().values()) == [theirs]


def test_dry_run_changes_nothing_on_either_side(lib: SyncLib) -> None:
    written = lib.add_many([("a/new.jpg", 80), ("a/new2.jpg", 81), ("b/known.jpg", 82)])
    lib.ff.seed_photos(
        [
            seed_spec(picture_bytes(83), "Flickr only", date="2014-04-04 04:04:04", sets=["Theirs"]),
            seed_spec(written["b/known.jpg"], "known", date=flickr_date(date_of(82))),
        ]
    )
    before = flickr_state(lib)
    for flag in ("--dry-run", "--dryrun"):
        result = lib.run("sync2", flag, "--yes", "--json")
        assert result.code == 0, result
        assert result.writes == {}
        assert flickr_state(lib) == before
        assert lib.new_files() == {}
        doc = result.json()
        assert doc["dry_run"] is True
        assert doc["outcome"] is None
        kinds = [a["action"] for a in doc["actions"]]
        assert kinds.count("upload") == 2
        assert kinds.count("download") == 1
        assert kinds.count("add_tags") == 1
        assert doc["summary"]["uploads"] == 2
        assert doc["summary"]["downloads"] == 1
    assert lib.run("photosets", "--dry-run", "--json").writes == {}
    assert flickr_state(lib) == before
    # and the real run then does what the dry run said
    done = lib.run("sync2", "--yes", "--json")
    assert done.code == 0, done
    assert done.calls.get("upload") == 2
    assert done.json()["outcome"]["uploaded"] == 2
    assert done.json()["outcome"]["downloaded"] == 1


SUMMARY_KEYS = {
    "uploads",
    "upload_bytes",
    "downloads",
    "tags",
    "sets_created",
    "sets_renamed",
    "sets_deleted",
    "photos_added",
    "photos_removed",
    "reassignments",
    "group_adds",
    "write_calls",
    "failed",
    "matched",
    "duplicates_on_flickr",
    "undecided",
    "from_flickr",
}


def test_json_output_shape(lib: SyncLib) -> None:
    up = lib.add("Folder/up.jpg", 90)
    known = lib.add("Folder/known.jpg", 91)
    lib.ff.seed_photos(
        [
            seed_spec(known, "known", date=flickr_date(date_of(91))),
            seed_spec(picture_bytes(92), "down", date="2013-03-03 03:03:03"),
        ]
    )
    result = lib.run("sync2", "--yes", "--json")
    assert result.code == 0, result
    doc = result.json()
    assert {k: doc[k] for k in ("schema", "kind", "profile", "dry_run", "refusal")} == {
        "schema": 1,
        "kind": "sync2",
        "profile": "DEFAULT",
        "dry_run": False,
        "refusal": None,
    }
    assert set(doc["summary"]) >= SUMMARY_KEYS
    assert doc["summary"]["uploads"] == 1
    assert doc["summary"]["upload_bytes"] == len(up)
    assert doc["summary"]["downloads"] == 1
    assert doc["summary"]["tags"] == 1
    assert doc["summary"]["sets_created"] >= 1
    assert doc["summary"]["failed"] == 0
    by_kind: dict[str, list[dict[str, Any]]] = {}
    for action in doc["actions"]:
        by_kind.setdefault(action["action"], []).append(action)
    actions = {kind: items[0] for kind, items in by_kind.items()}
    assert [len(by_kind[k]) for k in ("upload", "download", "add_tags")] == [1, 1, 1]
    upload = actions["upload"]
    assert set(upload) >= {"content_id", "path", "title", "size"}
    assert (upload["content_id"], upload["title"], upload["size"]) == (content_id(up), "up", len(up))
    assert upload["path"].endswith("Folder/up.jpg")
    assert set(actions["download"]) >= {"photo_id", "dest"}
    assert actions["download"]["dest"].endswith("Flickr/down.jpg")
    assert set(actions["add_tags"]) >= {"photo_id", "content_id"}
    assert actions["add_tags"]["content_id"] == content_id(known)
    created = {a["title"]: a for a in by_kind["create_set"]}
    assert set(created["Folder"]) >= {"title", "folder", "photos"}
    assert doc["failed"] == []
    outcome = doc["outcome"]
    assert set(outcome) >= {"uploaded", "downloaded", "tagged", "set_calls", "failed"}
    assert (outcome["uploaded"], outcome["downloaded"], outcome["tagged"], outcome["failed"]) == (1, 1, 1, [])
    assert outcome["set_calls"] >= 1
    assert isinstance(doc["api_calls"], int)
    assert doc["api_calls"] == result.api_calls, result.calls
    assert result.err == ""


# --- failures, refusals, lock -----------------------------------------------------------------------


def test_unreadable_and_fake_pictures_fail_with_exit_1_and_the_rest_is_done(lib: SyncLib) -> None:
    good = lib.add_many([("ok/a.jpg", 300), ("ok/b.jpg", 301)])
    (lib.root / "bad").mkdir()
    (lib.root / "bad/notes.jpg").write_text("I am a text file\n")
    (lib.root / "bad/empty.jpg").write_bytes(b"")
    lib.written["bad/notes.jpg"] = (lib.root / "bad/notes.jpg").read_bytes()
    lib.written["bad/empty.jpg"] = b""
    unreadable = os.geteuid() != 0  # root reads a mode-000 file anyway
    if unreadable:
        locked = lib.add("bad/locked.jpg", 302)
        (lib.root / "bad/locked.jpg").chmod(0)
    result = lib.run("sync", "--yes", "--json")
    if unreadable:
        (lib.root / "bad/locked.jpg").chmod(0o644)
    assert result.code == 1, result
    failed_lines = [line for line in result.err.splitlines() if "failed: " in line]
    names = ["notes.jpg", "empty.jpg", *(["locked.jpg"] if unreadable else [])]
    for name in names:
        assert any(f"bad/{name}: " in line for line in failed_lines), (name, result.err)
    doc = result.json()
    listed = {Path(f["path"]).name for f in doc["failed"]}
    assert listed >= set(names), doc["failed"]
    assert all(f["reason"] for f in doc["failed"])
    assert result.calls.get("upload") == 2
    for data in good.values():
        assert len(lib.photos_by_content()[content_id(data)]) == 1
    if unreadable:
        assert content_id(locked) not in lib.photos_by_content()
    # sync2 reports them as well
    again = lib.run("sync2", "--yes")
    assert again.code == 1, again
    assert "bad/notes.jpg: " in again.err


def test_sync2_refuses_an_empty_pictures_directory_unless_forced(lib: SyncLib) -> None:
    ids = lib.ff.seed_photos([seed_spec(picture_bytes(400 + i), f"p{i}") for i in range(3)])
    for command in ("sync2", "download"):
        result = lib.run(command, "--yes", "--json")
        assert result.code == 2, result
        assert str(lib.root) in result.err, result.err
        assert "--force" in result.err, result.err
        assert len(result.err.strip().splitlines()) == 1, result.err
        assert result.json()["refusal"]
        assert lib.new_files() == {}
        assert result.writes == {}
    forced = lib.run("sync2", "--yes", "--force")
    assert forced.code == 0, forced
    assert len(lib.new_files()) == len(ids)


def test_sync2_refuses_a_missing_pictures_directory(fakeflickr: FakeFlickrFixture, tmp_path: Path) -> None:
    missing = tmp_path / "unmounted" / "Pictures"
    lib = SyncLib.create(fakeflickr, tmp_path, directory=missing)
    fakeflickr.seed_photos([seed_spec(picture_bytes(410), "p")])
    for command in ("sync2", "download", "sync"):
        result = lib.run(command, "--yes")
        assert result.code == 2, result
        assert str(missing) in result.err, result.err
        assert "Traceback" not in result.err
        assert not missing.exists()
        assert result.writes == {}


def test_sync2_refuses_when_most_indexed_files_vanished(lib: SyncLib, tmp_path: Path) -> None:
    files = lib.add_many([(f"album/p{i}.jpg", 420 + i) for i in range(10)])
    assert lib.run("sync2", "--yes").code == 0
    gone = {}
    for i in range(8):  # the drive holding most of them is not there
        rel = f"album/p{i}.jpg"
        gone[rel] = files[rel]
        lib.remove(rel)
    result = lib.run("sync2", "--yes")
    assert result.code == 2, result
    assert "--force" in result.err, result.err
    assert str(lib.root) in result.err, result.err
    assert lib.new_files() == {}
    assert result.calls.get("upload", 0) == 0
    forced = lib.run("sync2", "--yes", "--force", "--json")
    assert forced.code == 0, forced
    assert forced.calls.get("upload", 0) == 0
    # Confirmed: the pictures were deleted here on purpose. Their photos stay on Flickr and are
    # not downloaded again (issue 11) — until asked.
    assert forced.json()["summary"]["deleted_locally"] == 8
    assert lib.new_files() == {}
    restored = lib.run("download", "--yes", "--restore")
    assert restored.code == 0, restored
    assert lib.new_files() == gone  # back where they were, byte for byte


def test_a_second_run_while_the_lock_is_held_exits_2(lib: SyncLib) -> None:
    lib.add_many([("a/1.jpg", 500), ("a/2.jpg", 501)])
    lib.ff.set_faults(1.0, kinds=["slow"], targets=["upload"], slow_seconds=3.0)
    holder = subprocess.Popen(
        [sys.executable, "-m", "flickrsync", "--home", str(lib.home), "sync", "--yes"],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        deadline = time.monotonic() + 30
        while lib.ff.calls().get("upload", 0) == 0:
            assert holder.poll() is None, holder.communicate()
            assert time.monotonic() < deadline, "the first run never started uploading"
            time.sleep(0.05)
        lib.check_after_run = False
        second = lib.run("sync", "--yes")
        lib.check_after_run = True
        assert second.code == 2, second
        assert str(holder.pid) in second.err, second.err
        assert len(second.err.strip().splitlines()) == 1, second.err
        out, err = holder.communicate(timeout=60)
    finally:
        if holder.poll() is None:
            holder.kill()
            holder.wait()
    assert holder.returncode == 0, (out, err)
    lib.ff.clear_faults()
    after = lib.run("sync", "--yes")
    assert after.code == 0, after
    assert after.writes == {}
    assert len(lib.photos()) == 2


def test_faults_at_10_percent_upload_everything_exactly_once_within_two_runs(lib: SyncLib) -> None:
    datas = lib.add_many([(f"f{i % 3}/p{i}.jpg", 600 + i) for i in range(30)])
    lib.ff.seed_photos([seed_spec(picture_bytes(700 + i), f"theirs {i}") for i in range(6)])
    lib.ff.set_faults(
        0.1,
        seed=3,
        kinds=["http500", "http502", "http503", "code105", "drop", "drop_after_commit"],
    )
    codes = []
    for _ in range(2):
        result = lib.run("sync2", "--yes")
        codes.append((result.code, result.err))
        by_content = lib.photos_by_content()
        assert all(len(v) == 1 for v in by_content.values()), "a duplicate on Flickr"
        assert not any("Traceback" in e for _c, e in codes)
    injected = lib.ff.faults()["injected"]
    print(sorted((f["endpoint"], f["method"] or "", f["kind"]) for f in injected))
    assert {f["endpoint"] for f in injected} >= {"upload", "rest", "static"}, injected
    assert codes[-1][0] == 0, codes
    by_content = lib.photos_by_content()
    for data in datas.values():
        assert len(by_content.get(content_id(data), [])) == 1
    assert len(lib.photos()) == 36
    assert len(lib.new_files()) == 6
    lib.ff.clear_faults()
    lib.forget_downloads()
    final = lib.run("sync2", "--yes")
    assert final.code == 0, final
    assert final.writes == {}


def test_lost_upload_answers_create_no_duplicate(lib: SyncLib) -> None:
    """Flickr stores the photo but the answer never arrives: the engine must find the photo by its
    machine tag instead of uploading it again."""
    datas = lib.add_many([(f"lost/p{i}.jpg", 800 + i) for i in range(12)])
    lib.ff.set_faults(0.4, seed=1, kinds=["drop_after_commit"], targets=["upload"])
    first = lib.run("sync", "--yes")
    lost = [f for f in lib.ff.faults()["injected"] if f["endpoint"] == "upload"]
    assert len(lost) >= 2, lost
    assert first.code in (0, 1), first
    assert "Traceback" not in first.err
    assert all(len(v) == 1 for v in lib.photos_by_content().values()), "a duplicate on Flickr"
    lib.ff.clear_faults()
    second = lib.run("sync", "--yes")
    assert second.code == 0, second
    by_content = lib.photos_by_content()
    assert sorted(len(by_content.get(content_id(d), [])) for d in datas.values()) == [1] * 12
    assert len(lib.photos()) == 12


# --- cost of a no-change re-sync ------------------------------------------------------------------


@pytest.mark.slow
def test_no_change_resync_of_10000_photos_costs_at_most_5_calls(lib: SyncLib) -> None:
    n = 10_000
    folders = 10
    lib.check_after_run = False  # 10,000 files: checked once at the end instead
    specs = []
    for i in range(n):
        data = picture_bytes(10_000 + i, size=(16, 16))
        path = lib.root / f"f{i % folders}" / f"p{i}.jpg"
        path.parent.mkdir(exist_ok=True)
        path.write_bytes(data)
        specs.append(
            seed_spec(
                None,
                f"p{i}",
                tags=machine_tag(data),
                # the original's size, as the picture's: a tag on a photo of another size is not trusted
                width=16,
                height=16,
                date=flickr_date(date_of(10_000 + i)),
                date_upload=posted(i),
            )
        )
    for start in range(0, n, 2_500):
        lib.ff.seed_photos(specs[start : start + 2_500])
    first = lib.run("sync", "--yes", "--json")
    assert first.code == 0, first
    assert first.calls.get("upload", 0) == 0
    assert first.json()["summary"]["matched"] == n
    assert len(lib.tool_sets()) == folders
    for command in ("sync", "sync2"):
        again = lib.run(command, "--yes", "--json")
        assert again.code == 0, again
        assert again.writes == {}
        assert again.json()["actions"] == []
        assert again.calls.get("static", 0) == 0
        assert again.api_calls <= 5, again.calls
    full = lib.run("sync", "--yes", "--full")
    assert full.code == 0, full
    assert full.writes == {}
    assert full.api_calls >= math.ceil(n / 500), full.calls  # --full relists everything
    assert len(lib.photos()) == n
    assert lib.ff.deletions() == []
