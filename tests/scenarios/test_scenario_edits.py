"""Issue 11, point 1: a picture edited since it was synced is an edit, not a new picture.

A crop saved over the same file (same path, same date taken, or the same look) is not uploaded as
a second photo, and ``sync2`` never downloads the earlier version back as ``name (2).jpg``. The
policy ``on_edit`` (``--on-edit``) decides: keep (default), replace (Flickr's replace API; a
non-Pro account falls back to keep and says so), upload (a new photo). Every case ends with a
re-run that makes no write call."""

from __future__ import annotations

import pytest
from tests.synchelpers import (
    SyncLib,
    content_id,
    date_of,
    md5,
    picture_bytes,
    tagged_ids,
)

pytestmark = pytest.mark.integration


def edit_of(seed: int) -> bytes:
    """The picture of ``seed`` edited in a photo editor: other pixels, the same EXIF date."""
    return picture_bytes(seed + 5000, date=date_of(seed))


def synced(lib: SyncLib, rel: str, seed: int) -> tuple[bytes, dict[str, object]]:
    data = lib.add(rel, seed)
    first = lib.run("sync", "--yes")
    assert first.code == 0, first
    return data, lib.photo_of(data)


def quiet_reruns(lib: SyncLib, *extra: str) -> None:
    """A re-run of sync and sync2 writes nothing to Flickr and downloads nothing."""
    for command in ("sync", "sync2"):
        again = lib.run(command, "--yes", *extra)
        assert again.code == 0, again
        assert again.writes == {}, again
        assert lib.new_files() == {}, again


def test_an_edit_is_kept_by_default_reported_and_never_downloaded_back(lib: SyncLib) -> None:
    _data, photo = synced(lib, "Trip/IMG_0001.jpg", 1)
    lib.add_bytes("Trip/IMG_0001.jpg", edit_of(1))
    run = lib.run("sync", "--yes", "--json")
    assert run.code == 0, run
    assert run.writes == {}, run  # not uploaded as a second photo
    doc = run.json()
    assert doc["summary"]["edits_kept"] == 1
    assert [e["photo_id"] for e in doc["changes"]["edits"]] == [photo["id"]]
    both = lib.run("sync2", "--yes")
    assert both.code == 0, both
    assert "edits kept" in both.out
    assert lib.new_files() == {}  # no "IMG_0001 (2).jpg"
    assert [p["id"] for p in lib.photos()] == [photo["id"]]
    quiet_reruns(lib)


def test_replace_keeps_the_photo_id_sets_and_title_and_moves_the_machine_tag(lib: SyncLib) -> None:
    data, photo = synced(lib, "Trip/IMG_0001.jpg", 1)
    sets_before = lib.set_titles_of(str(photo["id"]))
    assert sets_before == {"Trip"}
    new = lib.add_bytes("Trip/IMG_0001.jpg", edit_of(1))
    run = lib.run("sync", "--yes", "--on-edit", "replace", "--json")
    assert run.code == 0, run
    assert run.writes == {
        "replace": 1,
        "flickr.photos.removeTag": 1,
        "flickr.photos.addTags": 1,
    }, run
    assert run.json()["outcome"]["replaced"] == 1
    after = lib.ff.photo(str(photo["id"]))
    assert after["file_md5"] == md5(new)  # Flickr holds the edit now, under the same id
    assert after["title"] == photo["title"]
    assert (after["secret"], after["originalsecret"]) != (photo["secret"], photo["originalsecret"])
    assert tagged_ids(after) == [content_id(new)]  # the old content id's tag is gone
    assert lib.set_titles_of(str(photo["id"])) == sets_before
    assert len(lib.photos()) == 1
    assert content_id(data) != content_id(new)
    quiet_reruns(lib, "--on-edit", "replace")


def test_replace_from_config_and_a_second_edit_replaces_again(lib: SyncLib) -> None:
    (lib.home / "config.ini").write_text(
        (lib.home / "config.ini").read_text(encoding="utf-8") + "on_edit = replace\n", encoding="utf-8"
    )
    _data, photo = synced(lib, "IMG_0002.jpg", 2)
    for generation in (1, 2):
        new = lib.add_bytes("IMG_0002.jpg", picture_bytes(2 + 5000 * generation, date=date_of(2)))
        run = lib.run("sync2", "--yes")
        assert run.code == 0, run
        assert run.writes.get("replace") == 1, run
        assert tagged_ids(lib.ff.photo(str(photo["id"]))) == [content_id(new)]
    quiet_reruns(lib)


def test_replace_refused_for_a_free_account_falls_back_to_keep_and_says_so_once(lib: SyncLib) -> None:
    _data, photo = synced(lib, "IMG_0003.jpg", 3)
    lib.ff.update_user(lib.nsid, is_pro=False)
    lib.add_bytes("IMG_0003.jpg", edit_of(3))
    run = lib.run("sync2", "--yes", "--on-edit", "replace")
    assert run.code == 0, run
    assert "Flickr refused to replace" in run.err, run
    assert run.writes == {"replace": 1}, run  # tried once, refused (code 1): nothing else written
    assert lib.ff.photo(str(photo["id"]))["file_md5"] == photo["file_md5"]
    assert lib.new_files() == {}
    again = lib.run("sync2", "--yes", "--on-edit", "replace")
    assert again.code == 0, again
    assert again.writes == {}, again  # remembered: not tried again
    assert "not a Pro account" in again.out, again
    assert len(lib.photos()) == 1


def test_upload_makes_a_new_photo_and_leaves_the_old_one_alone(lib: SyncLib) -> None:
    data, photo = synced(lib, "Trip/IMG_0004.jpg", 4)
    new = lib.add_bytes("Trip/IMG_0004.jpg", edit_of(4))
    run = lib.run("sync2", "--yes", "--on-edit", "upload")
    assert run.code == 0, run
    assert run.writes.get("upload") == 1, run
    by_content = lib.photos_by_content()
    assert set(by_content) == {content_id(data), content_id(new)}
    assert by_content[content_id(data)][0]["id"] == photo["id"]  # left as it is
    assert lib.new_files() == {}  # the earlier version is never downloaded
    quiet_reruns(lib, "--on-edit", "upload")
    quiet_reruns(lib)  # and whatever the policy later: the old photo holds a superseded version


def test_an_edit_that_changed_the_date_is_known_by_its_look(lib: SyncLib) -> None:
    _data, photo = synced(lib, "IMG_0005.jpg", 5)
    # Re-saved at another quality with the date fixed: other content id, other date, same look.
    lib.add_bytes("IMG_0005.jpg", picture_bytes(5, quality=60, date="2001:01:01 00:00:00"))
    run = lib.run("sync2", "--yes", "--json")
    assert run.code == 0, run
    assert run.writes == {}, run
    edits = run.json()["changes"]["edits"]
    assert [e["photo_id"] for e in edits] == [photo["id"]]
    assert "looks the same" in edits[0]["reason"]
    assert lib.new_files() == {}
    quiet_reruns(lib)


def test_another_picture_at_the_same_path_is_new_and_the_old_photo_counts_as_deleted_here(
    lib: SyncLib,
) -> None:
    data, photo = synced(lib, "IMG_0006.jpg", 6)
    other = lib.add_bytes("IMG_0006.jpg", picture_bytes(66, date="2022:02:02 22:22:22"))
    run = lib.run("sync2", "--yes", "--json")
    assert run.code == 0, run
    assert run.writes.get("upload") == 1, run
    doc = run.json()
    assert doc["summary"]["deleted_locally"] == 1
    assert [d["photo_id"] for d in doc["changes"]["deleted_locally"]] == [photo["id"]]
    assert set(lib.photos_by_content()) == {content_id(data), content_id(other)}
    assert lib.new_files() == {}
    quiet_reruns(lib)
