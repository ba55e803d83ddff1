"""The review session's edits: checked by the plan file's own reader, kept until Apply (the
session is the engine's: not a unit test, though it touches no index until Apply)."""

from __future__ import annotations

from pathlib import Path

import pytest

from flickrsync.config import load_settings
from flickrsync.models import Account, ContentId, LocalPath, LocalPicture, Nsid, Plan, Resize, Upload
from flickrsync.planfile import PlanOptionsDoc, plan_document, read_document
from flickrsync.review.session import EditError, Review
from flickrsync.runstate import RemoteListing
from flickrsync.sync import Prepared, RunOptions


def cid(n: int) -> str:
    return f"{n:064x}"


@pytest.fixture
def review(tmp_path: Path) -> Review:
    (tmp_path / "config.ini").write_text(f"[DEFAULT]\ndirectory = {tmp_path / 'pics'}\n")
    settings = load_settings(tmp_path, None)
    root = str(settings.directory)
    pictures = {}
    uploads = []
    for n, rel in enumerate(("b/one.jpg", "a/two.jpg", "a/three.jpg")):
        path = LocalPath(root, rel)
        pictures[ContentId(cid(n))] = LocalPicture(
            ContentId(cid(n)), "imagedata", "photo", "jpeg", (path,), 100
        )
        uploads.append(Upload(ContentId(cid(n)), path, rel, (), 100, "photo", "on no Flickr photo"))
    account = Account(Nsid("1@N01"), "me")
    plan = Plan("sync2", tuple(uploads))
    doc = plan_document(
        profile="DEFAULT",
        account=account,
        options=PlanOptionsDoc(mode="sync2"),
        plan=plan,
        match=None,
        pictures=pictures,
        photos={},
        created_at="2025-06-01T00:00:00Z",
    )
    doc["undecided"] = [
        {"content_ids": [cid(0)], "paths": [f"{root}/b/one.jpg"], "photo_ids": ["7", "8"], "reason": "alike"}
    ]
    prepared = Prepared(account, plan, None, None, RemoteListing([], True, True), pictures=pictures)
    return Review(settings, client=None, options=RunOptions(mode="sync2"), prepared=prepared, document=doc)  # type: ignore[arg-type]


def test_uploads_are_shown_by_folder(review: Review) -> None:
    _doc, view = review.view(None, 1)
    assert view.section == "uploads"
    assert [e["relpath"] for e in view.entries] == ["a/three.jpg", "a/two.jpg", "b/one.jpg"]


def test_edits_are_checked_by_the_plan_reader_and_kept_until_apply(review: Review) -> None:
    one = cid(0)
    assert review.edit("upload", one, "title", "Harbour") == "changed"
    assert review.edit("upload", one, "tags", " sea, old town ,, Brittany ") == "changed"
    assert review.edit("upload", one, "privacy", "friends+family") == "changed"
    assert review.edit("upload", one, "resize", "2048") == "changed"
    with pytest.raises(EditError, match="privacy: must be one of public"):
        review.edit("upload", one, "privacy", "everyone")
    with pytest.raises(EditError, match=r"resize.long_edge: must be a whole number from 100"):
        review.edit("upload", one, "resize", "20")
    with pytest.raises(EditError, match="resize: a long edge in pixels"):
        review.edit("upload", one, "resize", "big")
    with pytest.raises(EditError, match="no upload"):
        review.edit("upload", cid(99), "title", "x")
    with pytest.raises(EditError, match="must be text"):
        review.edit("upload", one, "title", 5)
    assert review.edit("upload", cid(1), "include", False) == "left out"
    assert review.edit("upload-folder", "b", "include", False) == "1 left out"
    assert review.edit("upload-folder", "b", "include", True) == "1 checked"
    doc = read_document(review.plan_to_apply())
    (edited,) = [u for u in doc.uploads if u.content_id == one]
    assert (edited.title, edited.tags) == ("Harbour", ("sea", "old town", "Brittany"))
    assert edited.resize == Resize(2048, 90)
    assert (edited.options.is_friend, edited.options.is_family, edited.options.is_public) == (
        True,
        True,
        False,
    )
    assert sorted(u.path.relpath for u in doc.uploads) == ["a/three.jpg", "b/one.jpg"]


def test_a_photo_is_the_same_as_one_picture_at_most(review: Review) -> None:
    one = cid(0)
    assert "identified" in review.edit("pair", f"7 {one}", "choice", "same")
    assert "never paired" in review.edit("pair", f"8 {one}", "choice", "different")
    assert review.pairs == {f"7 {one}": "same", f"8 {one}": "different"}
    assert review.edit("pair", f"7 {one}", "choice", "") == ""
    assert review.pairs == {f"8 {one}": "different"}
    with pytest.raises(EditError, match="no undecided pair"):
        review.edit("pair", f"9 {one}", "choice", "same")
    assert review.edit("group", "0", "ignore", True) == "ignored for good when you apply"
    with pytest.raises(EditError, match="no undecided group"):
        review.edit("group", "1", "ignore", True)
