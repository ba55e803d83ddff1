"""Skip and ignore, identify by hand (issue 12 points 4 and 5): both kept across an index rebuild."""

from __future__ import annotations

import pytest
from tests.synchelpers import SyncLib, content_id, date_of, flickr_date, picture_bytes, seed_spec, tagged_ids

from flickrsync.config import load_settings
from flickrsync.index import Index
from flickrsync.models import Nsid, PhotoId

pytestmark = pytest.mark.integration


def rebuild_index(lib: SyncLib) -> None:
    """The user deletes the index (the next run reads the library again)."""
    db = lib.home / "index-DEFAULT.db"
    for suffix in ("", "-wal", "-shm"):
        db.with_name(db.name + suffix).unlink(missing_ok=True)


def test_ignored_files_folders_and_photos_stay_ignored_across_an_index_rebuild(lib: SyncLib) -> None:
    a = lib.add("Keep/a.jpg", 1)
    lib.add("Drafts/x.jpg", 2)
    lib.add("Drafts/deep/y.jpg", 3)
    b = lib.add("b.jpg", 4)
    only = picture_bytes(5)
    (pid,) = lib.ff.seed_photos([seed_spec(only, "Flickr only", date=flickr_date(date_of(5)))])

    added = lib.run("ignore", "add", str(lib.root / "Drafts"), str(lib.root / "b.jpg"), pid)
    assert added.code == 0, added
    assert added.out.splitlines() == [
        "ignored: Drafts",
        f"ignored: picture:{content_id(b)}  # b.jpg",
        f"ignored: photo:{pid}",
    ]
    listed = lib.run("ignore", "list", "--json").json()
    assert {(e["kind"], e["value"]) for e in listed["ignored"]} == {
        ("path", "Drafts"),
        ("picture", content_id(b)),
        ("photo", pid),
    }

    for _ in range(2):
        done = lib.run("sync2", "--yes", "--json")
        assert done.code == 0, done
        assert set(lib.photos_by_content()) == {content_id(a)}, "only Keep/a.jpg is uploaded"
        assert lib.new_files() == {}, "the ignored photo is not downloaded"
        assert set(lib.tool_sets()) == {"Keep"}, "ignored folders make no photoset"
        assert done.json()["summary"]["ignored"] == 3
        rebuild_index(lib)

    # The file is the user's: a line taken out of it is no longer ignored.
    text = (lib.home / "ignore-DEFAULT.txt").read_text()
    (lib.home / "ignore-DEFAULT.txt").write_text(
        "\n".join(line for line in text.splitlines() if not line.startswith("picture:")) + "\n"
    )
    again = lib.run("sync", "--yes")
    assert again.code == 0, again
    assert set(lib.photos_by_content()) == {content_id(a), content_id(b)}

    removed = lib.run("ignore", "remove", pid)
    assert removed.code == 0, removed
    back = lib.run("sync2", "--yes")
    assert back.code == 0, back
    assert list(lib.new_files().values()) == [only], "no longer ignored: downloaded"


def test_a_bad_ignore_argument_is_named_and_the_rest_is_done(lib: SyncLib) -> None:
    lib.add("a.jpg", 1)
    (lib.root / "notes.jpg").write_text("not a picture")
    lib.written["notes.jpg"] = b"not a picture"
    done = lib.run("ignore", "add", str(lib.root / "a.jpg"), "/nowhere/else.jpg", str(lib.root / "notes.jpg"))
    assert done.code == 1
    errors = done.err.splitlines()
    assert len(errors) == 2, done.err
    assert "/nowhere/else.jpg: no such file or folder" in errors[0]
    assert "notes.jpg" in errors[1]
    assert done.out.startswith("ignored: picture:")


def test_identify_links_and_tags_a_photo_and_survives_an_index_rebuild(lib: SyncLib) -> None:
    a = lib.add("a.jpg", 1)
    other = "0" * 63 + "1"
    # The same picture uploaded by another tool, smaller, with another title and date, and with a
    # wrong flickrsync tag: no rule of the matcher would say it is a.jpg.
    smaller = picture_bytes(1, size=(48, 32), date="2001:01:01 00:00:00")
    (pid,) = lib.ff.seed_photos([seed_spec(smaller, "holiday", tags=f"flickrsync:imagehash={other} sea")])
    before = lib.run("sync2", "--dry-run", "--json").json()
    assert [x["action"] for x in before["actions"]] == ["upload", "download"], before["actions"]

    done = lib.run("identify", pid, str(lib.root / "a.jpg"))
    assert done.code == 0, done
    assert done.out.splitlines() == [
        f"[DEFAULT] identified: photo {pid} is {lib.root / 'a.jpg'}",
        f"  took off flickrsync:imagehash={other} (it named another picture)",
    ]
    photo = lib.ff.photo(pid)
    assert tagged_ids(photo) == [content_id(a)]
    assert "sea" in {t["clean"] for t in photo["tags"]}, "the user's own tags stay"
    assert (lib.home / "identify-DEFAULT.txt").read_text().splitlines()[
        -1
    ] == f"{pid} {content_id(a)}  # a.jpg"
    settings = load_settings(lib.home, None)
    with Index.open(settings.database) as index:
        (link,) = index.links(Nsid(lib.nsid))
        assert (link.photo_id, link.content_id, link.rule) == (pid, content_id(a), "identified")

    for _ in range(2):
        run = lib.run("sync2", "--yes", "--json")
        assert run.code == 0, run
        assert run.json()["actions"] == [], "neither uploaded nor downloaded"
        assert [p["id"] for p in lib.photos()] == [pid]
        rebuild_index(lib)
        # After a rebuild, the identify file brings the pair back even before the tag is seen.
    with Index.open(settings.database) as index:
        assert [i.photo_id for i in index.identified()] == []  # not read before a run
    assert lib.run("sync", "--dry-run").code == 0
    with Index.open(settings.database) as index:
        assert [i.photo_id for i in index.identified()] == [PhotoId(pid)]

    undone = lib.run("identify", "--undo", pid)
    assert undone.code == 0, undone
    assert tagged_ids(lib.ff.photo(pid)) == []
    after = lib.run("sync2", "--dry-run", "--json").json()
    assert [x["action"] for x in after["actions"]] == ["upload", "download"]

    wrong = lib.run("identify", "--undo", pid)
    assert wrong.code == 2
    assert f"photo {pid} was not identified by hand" in wrong.err


def test_identify_refuses_a_file_outside_the_library_and_someone_elses_photo(lib: SyncLib) -> None:
    lib.add("a.jpg", 1)
    stranger = lib.ff.create_user("stranger")
    (theirs,) = lib.ff.seed_photos([seed_spec(picture_bytes(9), "theirs")], owner=stranger["nsid"])
    outside = lib.root.parent / "elsewhere.jpg"
    outside.write_bytes(picture_bytes(2))
    (mine,) = lib.ff.seed_photos([seed_spec(picture_bytes(3), "mine")])
    first = lib.run("identify", mine, str(outside))
    assert first.code == 2
    assert "not inside the pictures folder" in first.err
    second = lib.run("identify", theirs, str(lib.root / "a.jpg"))
    assert second.code == 2
    assert f"belongs to {stranger['nsid']}" in second.err
    assert lib.ff.calls().get("flickr.photos.addTags", 0) == 0


def test_the_summary_lists_undecided_look_alikes_with_the_command_that_settles_each(lib: SyncLib) -> None:
    # A Flickr photo that looks like two pictures of the library (the same shot saved twice),
    # whose original could not be fetched to tell them apart: an earlier run cached it as
    # unavailable (what a failed download leaves).
    (pid,) = lib.ff.seed_photos([seed_spec(picture_bytes(7, quality=70, date=None), "IMG_x")])
    assert lib.run("sync", "--dry-run").code == 0  # lists the account into the index
    settings = load_settings(lib.home, None)
    with Index.open(settings.database) as index:
        photo = index.remote_photo(Nsid(lib.nsid), PhotoId(pid))
        assert photo is not None
        index.set_originals(Nsid(lib.nsid), {PhotoId(pid): (None, photo.original_secret)})
    first = lib.add("one/a.jpg", 7, quality=95, date=None)
    lib.add("two/a.jpg", 7, quality=85, date=None)

    shown = lib.run("sync", "--dry-run")
    assert shown.code == 0, shown
    lines = shown.out.splitlines()
    at = next(i for i, line in enumerate(lines) if line.strip().startswith("undecided"))
    assert lines[at].split()[1] == "3", lines[at]  # two pictures and one photo
    commands = [line.strip() for line in lines[at + 2 : at + 4]]
    assert sorted(commands) == [
        f"flickrsync identify {pid} {lib.root / 'one/a.jpg'}",
        f"flickrsync identify {pid} {lib.root / 'two/a.jpg'}",
    ]
    assert "flickrsync identify --different PHOTO PATH" in lines[at + 4], lines[at + 4]
    doc = lib.run("sync", "--dry-run", "--json").json()
    assert doc["actions"] == [], "undecided: neither uploaded"
    (group,) = doc["undecided"]
    assert sorted(group["commands"]) == sorted(commands)

    settled = lib.run("identify", pid, str(lib.root / "one/a.jpg"))
    assert settled.code == 0, settled
    after = lib.run("sync", "--yes", "--json")
    assert after.code == 0, after
    uploaded = [a["relpath"] for a in after.json()["actions"] if a["action"] == "upload"]
    assert uploaded == ["two/a.jpg"], "the picture the photo is not gets uploaded"
    assert tagged_ids(lib.ff.photo(pid)) == [content_id(first)]


def test_verify_counts_what_is_ignored_as_no_gap_and_knows_what_was_identified(lib: SyncLib) -> None:
    a = lib.add("a.jpg", 1)
    lib.add("Drafts/x.jpg", 2)
    lib.add("c.jpg", 3)
    smaller = picture_bytes(1, size=(48, 32), date="2001:01:01 00:00:00")  # a, by another tool
    mine, only = lib.ff.seed_photos(
        [
            seed_spec(smaller, "holiday"),
            seed_spec(picture_bytes(6), "Flickr only", date=flickr_date(date_of(6))),
        ]
    )
    assert lib.run("ignore", "add", str(lib.root / "Drafts"), str(lib.root / "c.jpg"), only).code == 0
    assert lib.run("identify", mine, str(lib.root / "a.jpg")).code == 0
    assert lib.run("sync", "--yes").code == 0
    assert [p["id"] for p in lib.photos_by_content()[content_id(a)]] == [mine]
    assert len(lib.photos()) == 2, "nothing was uploaded"

    run = lib.run("verify", "--json")
    assert run.code == 0, run
    doc = run.json()
    assert doc["complete"] is True
    assert doc["counts"] == {"ignored": 3}
    ignored = {i["path"] or i["photo_id"] for i in doc["items"]}
    assert ignored == {str(lib.root / "Drafts/x.jpg"), str(lib.root / "c.jpg"), only}
    assert not any(i["missing"] for i in doc["items"])


def test_a_pair_said_different_is_never_paired_again_and_survives_an_index_rebuild(lib: SyncLib) -> None:
    # The look-alike group of the test above: one Flickr photo, two pictures, no original.
    (pid,) = lib.ff.seed_photos([seed_spec(picture_bytes(7, quality=70, date=None), "IMG_x")])
    assert lib.run("sync", "--dry-run").code == 0
    settings = load_settings(lib.home, None)
    with Index.open(settings.database) as index:
        photo = index.remote_photo(Nsid(lib.nsid), PhotoId(pid))
        assert photo is not None
        index.set_originals(Nsid(lib.nsid), {PhotoId(pid): (None, photo.original_secret)})
    one = lib.add("one/a.jpg", 7, quality=95, date=None)
    two = lib.add("two/a.jpg", 7, quality=85, date=None)
    (group,) = lib.run("sync", "--dry-run", "--json").json()["undecided"]
    assert len(group["commands"]) == 2

    said = lib.run("identify", "--different", pid, str(lib.root / "one/a.jpg"))
    assert said.code == 0, said
    assert said.out.splitlines() == [f"[DEFAULT] different: photo {pid} is not one/a.jpg"]
    assert lib.ff.calls().get("flickr.photos.removeTag", 0) == 0, "nothing changes on Flickr"
    assert (lib.home / "different-DEFAULT.txt").read_text().splitlines()[-1] == (
        f"{pid} {content_id(one)}  # one/a.jpg"
    )
    listed = lib.run("identify", "--list")
    assert listed.out.splitlines()[-2:] == [
        "[DEFAULT] 1 pairs said different",
        f"  photo {pid} ≠ {content_id(one)}  (one/a.jpg)",
    ]
    plan = lib.run("sync", "--dry-run", "--json").json()
    assert plan["undecided"] == [], "the pair left is alone: matched by its look"
    assert [a["relpath"] for a in plan["actions"] if a["action"] == "upload"] == ["one/a.jpg"]

    rebuild_index(lib)
    assert lib.run("sync", "--dry-run").code == 0  # the file brings the pair back
    with Index.open(settings.database) as index:
        assert [(d.photo_id, d.content_id) for d in index.different()] == [(pid, content_id(one))]
        photo = index.remote_photo(Nsid(lib.nsid), PhotoId(pid))
        assert photo is not None
        index.set_originals(Nsid(lib.nsid), {PhotoId(pid): (None, photo.original_secret)})
    also = lib.run("identify", "--different", pid, str(lib.root / "two/a.jpg"))
    assert also.code == 0, also
    plan = lib.run("sync", "--dry-run", "--json").json()
    assert plan["undecided"] == []
    uploads = sorted(a["relpath"] for a in plan["actions"] if a["action"] == "upload")
    assert uploads == ["one/a.jpg", "two/a.jpg"], "the photo is neither picture"

    undone = lib.run("identify", "--undo", "--different", pid)
    assert undone.code == 0, undone
    assert undone.out.splitlines() == [f"[DEFAULT] 2 pairs of photo {pid} no longer said different"]
    assert len(lib.run("sync", "--dry-run", "--json").json()["undecided"]) == 1, "asked again"
    again = lib.run("identify", "--undo", "--different", pid)
    assert again.code == 2
    assert f"photo {pid} was not said to be different" in again.err

    # A pair is identified or different, never both.
    assert lib.run("identify", "--different", pid, str(lib.root / "two/a.jpg")).code == 0
    assert lib.run("identify", pid, str(lib.root / "two/a.jpg")).code == 0
    with Index.open(settings.database) as index:
        assert index.different() == []
    refused = lib.run("identify", "--different", pid, str(lib.root / "two/a.jpg"))
    assert refused.code == 2
    assert f"photo {pid} was identified as two/a.jpg by hand" in refused.err
    assert tagged_ids(lib.ff.photo(pid)) == [content_id(two)]
