"""The review page's pure parts: the HTML (escaping, paging, folders, the token in every URL)
and the session's edits (checked by the plan file's own reader, kept until Apply)."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from flickrsync.config import load_settings
from flickrsync.models import Account, ContentId, LocalPath, LocalPicture, Nsid, Plan, Resize, Upload
from flickrsync.planfile import PlanOptionsDoc, plan_document, read_document
from flickrsync.review import page
from flickrsync.review.page import View
from flickrsync.review.session import EditError, Review
from flickrsync.runstate import RemoteListing
from flickrsync.sync import Prepared, RunOptions

TOKEN = "s3cret-Token_value"


def cid(n: int) -> str:
    return f"{n:064x}"


def upload_entry(n: int, folder: str, **extra: Any) -> dict[str, Any]:
    relpath = f"{folder}/IMG_{n:04d}.jpg" if folder else f"IMG_{n:04d}.jpg"
    return {
        "content_id": cid(n),
        "path": f"/pics/{relpath}",
        "root": "/pics",
        "relpath": relpath,
        "size": 1000,
        "media": "photo",
        "title": f"IMG_{n:04d}",
        "description": "",
        "tags": [],
        "privacy": "private",
        "safety_level": 1,
        "content_type": 1,
        "hidden": 2,
        "resize": None,
        "reason": "on no Flickr photo",
        "sources": {},
        "warnings": [],
        "ignore": False,
        **extra,
    }


def document(uploads: list[dict[str, Any]], **extra: Any) -> dict[str, Any]:
    return {
        "format": "flickrsync-plan",
        "version": 1,
        "created_at": "2025-06-01T09:30:00Z",
        "profile": "DEFAULT",
        "account": {"nsid": "1@N01", "username": "me"},
        "options": {"mode": "sync2", "date_match": True, "photosets": True, "prune": False, "force": False},
        "refusal": None,
        "summary": {"uploads": len(uploads), "upload_bytes": 1000 * len(uploads)},
        "uploads": uploads,
        "downloads": [],
        "matches": [],
        "undecided": [],
        "duplicates": [],
        "failed": [],
        "photosets": [],
        "notes": [],
        **extra,
    }


def render(doc: dict[str, Any], section: str, number: int = 1, entries: list[Any] | None = None) -> str:
    shown = entries if entries is not None else doc.get(section, [])
    view = View(section, number, shown, {section: len(shown)})
    return page.render(doc, view, TOKEN, "")


def test_every_value_of_the_plan_is_escaped() -> None:
    hostile = '"><script>alert(1)</script>'
    doc = document(
        [upload_entry(1, "a<b>", title=hostile, description="</textarea><img src=x onerror=alert(1)>")],
        profile="<i>",
    )
    html = render(doc, "uploads")
    assert "<script>alert" not in html
    assert "<img src=x" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "<script" in html  # our own, from the package, once
    assert html.count("<script") == 1


def test_every_url_of_the_page_carries_the_token_and_none_leaves_it() -> None:
    doc = document([upload_entry(n, "f") for n in range(150)])
    html = render(doc, "uploads")
    urls = re.findall(r'(?:src|href)="([^"]*)"', html)
    assert urls
    for url in urls:
        assert url.startswith("/"), url
        assert f"token={TOKEN}" in url.replace("&amp;", "&"), url


def test_sections_are_paged_by_folder_with_an_index_of_the_folders() -> None:
    uploads = [upload_entry(n, "A") for n in range(150)] + [upload_entry(1000 + n, "B") for n in range(70)]
    doc = document(uploads)
    first = render(doc, "uploads", 1)
    assert first.count('data-kind="upload"') == 100
    assert 'Page <b aria-current="page">1</b>' in first
    # The folder index links to the page where each folder starts.
    index = re.search(r'<nav class="folders">(.*?)</nav>', first)
    assert index is not None
    assert re.findall(r"page=(\d)", index.group(1)) == ["1", "2"]
    second = render(doc, "uploads", 2)
    assert second.count('data-kind="upload"') == 100
    assert "A (continued)" in second
    assert ">B " in second
    third = render(doc, "uploads", 3)
    assert third.count('data-kind="upload"') == 20
    beyond = render(doc, "uploads", 99)
    assert beyond == third, "a page past the end shows the last"


def test_look_matches_are_side_by_side_and_undecided_pairs_show_the_answers() -> None:
    doc = document([])
    matches = [
        {"content_id": cid(1), "photo_id": "11", "rule": "phash", "evidence": "look-alike", "add_tag": True},
        {"content_id": cid(2), "photo_id": "12", "rule": "machine_tag", "evidence": "tag", "add_tag": False},
    ]
    html = render(doc, "matches", entries=matches)
    look, tagged = html.split('data-kind="match"')[1:]
    assert look.count('class="thumb"') == 2
    assert tagged.count('class="thumb"') == 1
    assert 'data-field="add_tag"' in look
    assert 'data-field="add_tag"' not in tagged, "nothing to tag: no checkbox"
    group = {"content_ids": [cid(3)], "paths": ["/pics/x.jpg"], "photo_ids": ["21", "22"], "reason": "alike"}
    view = View("undecided", 1, [group], {"undecided": 1}, pairs={f"21 {cid(3)}": "same"})
    html = page.render(doc, view, TOKEN, "")
    pressed = re.findall(r'data-id="(\d+) [0-9a-f]+".*?aria-pressed="(\w+)"', html)
    assert pressed == [("21", "true"), ("22", "false")]


def test_lists_this_page_does_not_know_are_shown_as_tables() -> None:
    doc = document([], edits=[{"path": "/pics/a.jpg", "photo_id": "5", "action": "replace"}])
    assert page.others(doc) == [
        {"list": "edits", "path": "/pics/a.jpg", "photo_id": "5", "action": "replace"}
    ]
    view = View("other", 1, page.others(doc), {"other": 1})
    html = page.render(doc, view, TOKEN, "")
    assert "<td>replace</td>" in html


def test_edits_and_deletions_say_what_the_plan_does_about_each() -> None:
    def edit(n: int) -> dict[str, Any]:
        return {
            "photo_id": str(10 + n),
            "content_id": cid(n),
            "old_content_id": cid(50 + n),
            "path": f"/p/{n}.jpg",
        }

    def deletion(n: int) -> dict[str, Any]:
        return {"photo_id": str(10 + n), "content_id": cid(n), "paths": [f"/p/{n}.jpg"]}

    found = {
        "edits": [edit(1), edit(2), edit(3)],
        "superseded": [{**edit(4), "superseded_by": "99"}],
        "deleted_locally": [deletion(5)],
        "deleted_on_flickr": [deletion(6)],
    }
    doc = document(
        [upload_entry(3, "p")],
        changes=found,
        replaces=[{"photo_id": "12", "content_id": cid(2)}],
        summary={"edits_kept": 1, "deleted_locally": 1, "deleted_on_flickr": 1},
    )
    rows = page.changes(doc)
    assert [r["kind"] for r in rows] == [
        "edit",
        "replace",
        "upload",
        "superseded",
        "deleted_locally",
        "deleted_on_flickr",
    ]
    assert page.others(doc) == [], "no longer under Other"
    html = render(doc, "changes", entries=rows)
    cards = html.split('data-kind="change"')[1:]
    assert [c.count('class="thumb"') for c in cards] == [2, 2, 2, 2, 1, 1]
    assert "/thumb/photo/15?" in cards[4]
    assert "/thumb/picture/" not in cards[4], "the picture is gone"
    assert "/thumb/picture/" + cid(6) in cards[5]
    assert "/thumb/photo/" not in cards[5], "the photo is gone"
    assert "on Flickr already as photo 99" in cards[3]
    for said in ("1 edits kept", "1 deleted here", "1 deleted on Flickr"):
        assert said in html


def test_progress_and_outcome() -> None:
    running = page.progress("apply", "upload", [("upload", 3, 10)], None, None)
    assert '<progress max="10" value="3">' in running
    assert 'data-state="running"' in running
    outcome = {
        "uploaded": 2,
        "downloaded": 1,
        "tagged": 0,
        "set_changes": 3,
        "ignored": 1,
        "identified": ["photo 5 is /pics/a.jpg"],
        "refused": [{"path": "/pics/b.jpg", "reason": "no longer holds the picture <of> the plan"}],
        "failed": [],
        "aborted": None,
        "refusal": None,
        "api_calls": 12,
        "elapsed": 1.5,
        "exit_code": 1,
        "plan_file": "/home/me/.flickrsync/review-DEFAULT.json",
    }
    done = page.progress("apply", "", [], outcome, None)
    assert "2 uploaded, 1 downloaded" in done
    assert "photo 5 is /pics/a.jpg" in done
    assert "<b>refused</b>: /pics/b.jpg: no longer holds the picture &lt;of&gt; the plan" in done
    assert 'class="outcome failed"' in done
    assert "failed: the lock" in page.progress("apply", "", [], None, "the lock")


# --- the session's edits ---------------------------------------------------------------------


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
