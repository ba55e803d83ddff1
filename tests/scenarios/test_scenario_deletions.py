"""Issue 11, point 2: deletions on either side are the user's decision, never undone silently.

A picture deleted from the library whose photo is on Flickr is *deleted locally*: ``sync2`` and
``download`` do not bring it back, they say so every run with a count, and ``download --restore``
brings back all of them or the paths/ids given. A photo deleted on Flickr whose picture is still
here is *deleted on Flickr*: not uploaded again, reported, and ``sync --restore`` uploads it. An
incremental run notices a deletion on Flickr from the account's photo count (no ``--full``).

Also issue 16, point 4: the unmounted-drive safety stop holds — a refused run changes nothing, so
the next run stops again, until ``--force`` or the files return."""

from __future__ import annotations

from pathlib import Path

import pytest
from tests.synchelpers import SyncLib, content_id, picture_bytes, seed_spec

from flickrsync.index import Index

pytestmark = pytest.mark.integration


def test_a_picture_deleted_here_is_not_downloaded_again_until_restored(lib: SyncLib) -> None:
    files = lib.add_many([("2020/a.jpg", 1), ("2020/b.jpg", 2), ("2020/c.jpg", 3), ("d.jpg", 4)])
    assert lib.run("sync2", "--yes").code == 0
    lib.remove("2020/b.jpg")
    for command in ("sync2", "download", "sync2"):
        run = lib.run(command, "--yes", "--json")
        assert run.code == 0, run
        assert run.writes == {}, run
        assert run.calls.get("static", 0) == 0, run  # nothing downloaded
        assert run.json()["summary"]["deleted_locally"] == 1
        assert lib.new_files() == {}
    text = lib.run("sync2", "--yes")
    assert "deleted here         1 pictures deleted from the library are still on Flickr" in text.out, text
    assert len(lib.photos()) == 4  # and never deleted on Flickr either
    lib.remove("d.jpg")
    # Restore one by its path (relative to the working directory, or absolute)…
    one = lib.run("download", "--yes", "--restore", str(lib.root / "2020/b.jpg"))
    assert one.code == 0, one
    assert lib.new_files() == {"2020/b.jpg": files["2020/b.jpg"]}  # where it was, byte for byte
    lib.forget_downloads()
    # …and the other by its photo id.
    photo_d = lib.photos_by_content()[content_id(files["d.jpg"])][0]["id"]
    other = lib.run("download", "--yes", "--restore", photo_d)
    assert other.code == 0, other
    assert lib.new_files() == {"d.jpg": files["d.jpg"]}
    lib.forget_downloads()
    again = lib.run("sync2", "--yes", "--json")
    assert again.writes == {}
    assert again.json()["summary"]["deleted_locally"] == 0


def test_restore_needs_the_flag_for_its_arguments(lib: SyncLib) -> None:
    run = lib.run("download", "--yes", "123")
    assert run.code == 2, run
    assert "--restore" in run.err


def test_a_photo_deleted_on_flickr_is_noticed_by_an_incremental_run_and_not_uploaded_again(
    lib: SyncLib,
) -> None:
    files = lib.add_many([(f"album/p{i}.jpg", 20 + i) for i in range(5)])
    assert lib.run("sync", "--yes").code == 0
    assert lib.run("sync", "--yes").writes == {}
    victim = lib.photo_of(files["album/p2.jpg"])["id"]
    lib.delete_on_flickr(victim)
    run = lib.run("sync", "--yes", "--json")  # an ordinary run: no --full
    assert run.code == 0, run
    assert run.writes == {}, run  # not uploaded again, silently or otherwise
    doc = run.json()
    assert doc["summary"]["deleted_on_flickr"] == 1
    assert [d["photo_id"] for d in doc["changes"]["deleted_on_flickr"]] == [victim]
    assert any("listed them all" in note for note in doc["notes"]), doc["notes"]
    # What noticing it cost: the count, the changes since last time, then one full listing.
    assert run.calls.get("flickr.people.getPhotos", 0) == 2, run.calls  # count + 1 page of 5
    for command in ("sync", "sync2"):
        again = lib.run(command, "--yes", "--json")
        assert again.code == 0, again
        assert again.writes == {}, again
        assert again.json()["summary"]["deleted_on_flickr"] == 1
        assert again.calls.get("flickr.people.getPhotos", 0) == 1, again.calls  # the count only
        assert lib.new_files() == {}
    restored = lib.run("sync", "--yes", "--restore")
    assert restored.code == 0, restored
    assert restored.writes.get("upload") == 1, restored
    assert len(lib.photos_by_content()[content_id(files["album/p2.jpg"])]) == 1
    assert "album" in lib.set_titles_of(lib.photo_of(files["album/p2.jpg"])["id"])
    final = lib.run("sync", "--yes", "--json")
    assert final.writes == {}
    assert final.json()["summary"]["deleted_on_flickr"] == 0


def test_a_photo_deleted_on_flickr_whose_picture_was_deleted_here_too_is_forgotten(lib: SyncLib) -> None:
    data = lib.add("gone.jpg", 31)
    lib.add("stays.jpg", 32)
    assert lib.run("sync", "--yes").code == 0
    lib.delete_on_flickr(lib.photo_of(data)["id"])
    lib.remove("gone.jpg")
    run = lib.run("sync2", "--yes", "--json")
    assert run.code == 0, run
    assert run.writes == {}
    summary = run.json()["summary"]
    assert (summary["deleted_on_flickr"], summary["deleted_locally"]) == (0, 0)


@pytest.mark.slow
def test_an_incomplete_listing_never_counts_a_photo_as_deleted_on_flickr(lib: SyncLib) -> None:
    files = lib.add_many([(f"p{i}.jpg", 40 + i) for i in range(3)])
    assert lib.run("sync", "--yes").code == 0
    lib.delete_on_flickr(lib.photo_of(files["p1.jpg"])["id"])
    # Another client uploaded more photos in one second than Flickr lists (4,000): the count
    # differs, the full listing that follows cannot be complete.
    crowd = [{"title": f"burst {i}", "date_upload": 1_600_000_000} for i in range(4_001)]
    lib.ff.seed_photos(crowd)
    run = lib.run("sync", "--yes", "--json")
    assert run.code in (0, 1), run
    doc = run.json()
    assert any("incomplete" in note for note in doc["notes"]), doc["notes"]
    assert doc["summary"]["deleted_on_flickr"] == 0
    assert run.writes == {}, run


def test_the_unmounted_drive_stop_holds_until_forced_or_the_files_return(lib: SyncLib) -> None:
    """Issue 16 point 4, replayed: library emptied but for one new picture."""
    files = lib.add_many([(f"album/p{i}.jpg", 60 + i) for i in range(6)])
    theirs = lib.ff.seed_photos([seed_spec(picture_bytes(70 + i), f"theirs {i}") for i in range(3)])
    assert lib.run("sync2", "--yes").code == 0
    lib.forget_downloads()
    kept = lib.files()
    hidden = lib.root.parent / "unmounted"
    lib.root.rename(hidden)  # the drive goes away; an empty mount point is left…
    lib.root.mkdir()
    lib.written = {}
    lib.add("new.jpg", 99)  # …and one new picture lands there
    index = sorted(lib.home.glob("index-*.db"))[0]
    for attempt in (1, 2):
        run = lib.run("sync2", "--yes")
        assert run.code == 2, (attempt, run)
        assert "--force" in run.err, run
        assert run.writes == {}, run
        assert lib.new_files() == {}, run
        assert run.calls.get("static", 0) == 0
        files_in_index = _indexed_paths(index)
        # The refused run dropped nothing from the index: the next one sees the same files gone.
        assert {f"album/p{i}.jpg" for i in range(6)} <= files_in_index, (attempt, files_in_index)
    # The files return: a normal run, nothing to do but the new picture.
    lib.root.rename(lib.root.parent / "stray")
    hidden.rename(lib.root)
    lib.written = kept
    back = lib.run("sync2", "--yes", "--json")
    assert back.code == 0, back
    assert back.json()["summary"]["deleted_locally"] == 0
    assert back.writes == {}
    assert lib.new_files() == {}
    assert len(theirs) == 3
    assert set(files) <= set(lib.files())


def _indexed_paths(index: Path) -> set[str]:
    with Index.open(index) as opened:
        return {f.path.relpath for f in opened.files()}


def test_a_downloaded_picture_whose_photo_was_deleted_on_flickr_comes_back_only_when_restored(
    lib: SyncLib,
) -> None:
    lib.add("mine.jpg", 81)
    theirs = picture_bytes(82)
    lib.ff.seed_photos([seed_spec(theirs, "theirs")])
    assert lib.run("sync2", "--yes").code == 0
    lib.forget_downloads()
    [photo] = [p for p in lib.photos() if p["title"] == "theirs"]
    lib.delete_on_flickr(photo["id"])
    run = lib.run("sync", "--yes", "--json")
    assert run.code == 0, run
    assert run.writes == {}, run  # a picture that came from Flickr is never uploaded back…
    assert run.json()["summary"]["deleted_on_flickr"] == 1  # …but its photo's deletion is said
    restored = lib.run("sync", "--yes", "--restore")
    assert restored.code == 0, restored
    assert restored.writes.get("upload") == 1, restored  # …and undone only when asked
    assert lib.run("sync", "--yes").writes == {}
