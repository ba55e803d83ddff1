"""The review page's pure part: the HTML (escaping, paging, folders, the token in every URL).
The session's edits are tests/integration/test_review_session.py's (a session opens the engine)."""

from __future__ import annotations

import re
from typing import Any

from flickrsync.review import page
from flickrsync.review.page import View

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
