"""The plan file (planfile.py): written, checked against its JSON Schema, read back, and laid over
a fresh plan at apply time."""

from __future__ import annotations

import copy
import json
from dataclasses import replace
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from tests.syncfakes import ROOT, cid, photo, pic

from flickrsync.matcher import Match, MatchResult, Undecided
from flickrsync.models import (
    Account,
    ContentId,
    LocalPath,
    Nsid,
    PhotoId,
    Plan,
    Replace,
    SetDateTaken,
    content_tag,
)
from flickrsync.planfile import (
    PlanError,
    PlanOptionsDoc,
    plan_document,
    read_document,
    reconcile,
)
from flickrsync.planner import PlanOptions, plan_sync, with_actions

SCHEMA = json.loads((Path(__file__).resolve().parents[2] / "docs" / "plan.schema.json").read_text())
ACCOUNT = Account(Nsid("1@N01"), "me")


def world() -> tuple[Plan, MatchResult, dict[ContentId, Any], dict[PhotoId, Any]]:
    local = [
        pic("a", "Trip/a.jpg", dims=(640, 480)),
        pic("b", "b.jpg"),
        pic("m", "m.jpg", date="2020-01-01 10:00:00"),
        pic("u", "u.jpg"),
    ]
    remote = [photo("7", "only on flickr"), photo("8", "m", date="2020-01-01 10:00:00")]
    match = MatchResult(
        matches=(Match(cid("m"), PhotoId("8"), "title_date", "title+date: m / 2020-01-01 10:00:00"),),
        local_only=(cid("a"), cid("b")),
        remote_only=(PhotoId("7"),),
        undecided=(Undecided((cid("u"),), (PhotoId("9"),), "looks like it"),),
    )
    plan = plan_sync(match, local, remote, PlanOptions(mode="sync2", root=ROOT))
    return plan, match, {p.content_id: p for p in local}, {r.id: r for r in remote}


def document() -> dict[str, Any]:
    plan, match, pictures, photos = world()
    return plan_document(
        profile="DEFAULT",
        account=ACCOUNT,
        options=PlanOptionsDoc(mode="sync2"),
        plan=plan,
        match=match,
        pictures=pictures,
        photos=photos,
        created_at="2025-01-01T00:00:00Z",
    )


def test_a_written_plan_is_valid_json_schema_and_reads_back() -> None:
    doc = document()
    jsonschema.validate(json.loads(json.dumps(doc)), SCHEMA)
    assert sorted(u["relpath"] for u in doc["uploads"]) == ["Trip/a.jpg", "b.jpg"]
    assert doc["uploads"][0]["tags"] == [], "flickrsync's machine tag is not shown"
    assert doc["matches"][0]["add_tag"] is True
    assert doc["undecided"][0]["commands"] == [f"flickrsync identify 9 {ROOT}/u.jpg"]
    read = read_document(doc)
    assert sorted(u.content_id for u in read.uploads) == sorted([cid("a"), cid("b")])
    assert read.downloads[0].photo_id == "7"
    assert read.options.mode == "sync2"


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (lambda d: d.update(format="other"), "not a flickrsync plan"),
        (lambda d: d.update(version=2), "version 2 was written by a newer flickrsync"),
        (lambda d: d["uploads"][0].update(privacy="everyone"), "uploads[0].privacy: must be one of"),
        (
            lambda d: d["uploads"][1].update(relpath="../x.jpg"),
            "uploads[1].relpath: '../x.jpg' is not a path",
        ),
        (lambda d: d["uploads"][0].update(tags="a b"), "uploads[0].tags: must be a list of text"),
        (lambda d: d["uploads"][0].update(resize={"long_edge": 10, "quality": 90}), "resize.long_edge"),
        (lambda d: d["downloads"][0].update(ignore="yes"), "downloads[0].ignore: must be true or false"),
        (lambda d: d["uploads"].append(copy.deepcopy(d["uploads"][0])), "is there twice"),
        (lambda d: d["options"].update(mode="upload"), "options.mode"),
    ],
)
def test_a_bad_document_names_the_entry(edit: Any, message: str) -> None:
    doc = document()
    edit(doc)
    with pytest.raises(PlanError, match=message.replace("[", r"\[").replace("]", r"\]").replace("(", r"\(")):
        read_document(doc)


def test_a_document_a_person_edited_is_carried_out_as_edited() -> None:
    plan, match, pictures, photos = world()
    doc = document()
    doc["uploads"] = [u for u in doc["uploads"] if u["relpath"] != "b.jpg"]  # b is left out
    doc["uploads"][0].update(title="Harbour", tags=["sea"], privacy="public")
    doc["uploads"][0]["resize"] = {"long_edge": 300, "quality": 70}
    doc["downloads"][0]["relpath"] = "Mine/x.jpg"
    doc["matches"][0]["add_tag"] = False
    done = reconcile(read_document(doc), plan, match, pictures=pictures, photos=set(photos), taken=set())
    assert done.refused == ()
    (upload,) = done.plan.uploads
    assert (upload.title, upload.tags) == ("Harbour", (content_tag(cid("a")), "sea"))
    assert upload.options.is_public
    assert (upload.resize.long_edge, upload.resize.quality) == (300, 70)  # type: ignore[union-attr]
    (download,) = done.plan.downloads
    assert download.dest == LocalPath(ROOT, "Mine/x.jpg")
    assert done.plan.tags == ()
    assert done.plan.summary.uploads == 1


def test_what_changed_under_the_plan_is_refused_with_a_reason() -> None:
    _plan, match, pictures, _photos = world()
    doc = read_document(document())
    # Since the plan: b is on Flickr (another computer uploaded it), a's file holds another
    # picture, photo 7 is gone, the match of m no longer holds, and the download path is taken.
    now_match = replace(
        match,
        matches=(Match(cid("b"), PhotoId("5"), "machine_tag", "tag"),),
        local_only=(cid("a"),),
        remote_only=(),
    )
    now_pictures = {
        **pictures,
        cid("a"): replace(pictures[cid("a")], paths=(LocalPath(ROOT, "elsewhere.jpg"),)),
    }
    now_plan = plan_sync(
        now_match, list(now_pictures.values()), [photo("5"), photo("8", "m")], PlanOptions(root=ROOT)
    )
    done = reconcile(doc, now_plan, now_match, pictures=now_pictures, photos={PhotoId("5")}, taken=set())
    reasons = {item.path: item.reason for item in done.refused}
    assert reasons[f"{ROOT}/Trip/a.jpg"].startswith("no longer holds the picture of the plan")
    assert reasons[f"{ROOT}/b.jpg"] == "on Flickr already (photo 5): not uploaded again"
    assert reasons["photo 7 -> /lib/Flickr/only on flickr.jpg"] == "no longer on Flickr: not downloaded"
    assert reasons["photo 8 (adding tag)"] == "the match of the plan no longer holds: not tagged"
    assert done.plan.actions == ()


def test_a_download_path_taken_now_is_refused() -> None:
    plan, match, pictures, photos = world()
    doc = read_document(document())
    taken = {doc.downloads[0].path.relpath.upper()}  # another file, differing only in case
    done = reconcile(doc, plan, match, pictures=pictures, photos=set(photos), taken=taken)
    assert [f.reason for f in done.refused] == [
        f"{doc.downloads[0].path.relpath} is taken now: not downloaded"
    ]
    assert done.plan.downloads == ()
    assert len(done.plan.uploads) == 2


def test_ignored_entries_are_not_carried_out() -> None:
    plan, match, pictures, photos = world()
    doc = document()
    for entry in (*doc["uploads"], *doc["downloads"], *doc["matches"]):
        entry["ignore"] = True
    done = reconcile(read_document(doc), plan, match, pictures=pictures, photos=set(photos), taken=set())
    assert (done.plan.actions, done.refused) == ((), ())


def test_a_fresh_refusal_stops_everything() -> None:
    plan, match, pictures, photos = world()
    refused = replace(plan, actions=(), refusal="the pictures folder is empty")
    done = reconcile(
        read_document(document()), refused, match, pictures=pictures, photos=set(photos), taken=set()
    )
    assert done.plan.refusal == "the pictures folder is empty"


def test_replaces_and_dates_are_written_read_back_and_carried_out_while_they_hold() -> None:
    plan, match, pictures, photos = world()
    path = pictures[cid("m")].paths[0]
    fix = Replace(PhotoId("8"), cid("m"), cid("old"), path, 10, "edited: same date taken")
    date = SetDateTaken(PhotoId("8"), cid("m"), "2020-01-01 10:00:00", "Flickr has no date taken")
    with_both = with_actions(plan, [fix, date])
    doc = plan_document(
        profile="DEFAULT",
        account=ACCOUNT,
        options=PlanOptionsDoc(mode="sync", on_edit="replace", restore=True, restore_targets=("7",)),
        plan=with_both,
        match=match,
        pictures=pictures,
        photos=photos,
        created_at="2025-01-01T00:00:00Z",
    )
    jsonschema.validate(json.loads(json.dumps(doc)), SCHEMA)
    assert [(r["photo_id"], r["relpath"]) for r in doc["replaces"]] == [("8", "m.jpg")]
    assert [(d["photo_id"], d["date_taken"]) for d in doc["dates"]] == [("8", "2020-01-01 10:00:00")]
    read = read_document(doc)
    assert (read.options.on_edit, read.options.restore, read.options.restore_targets) == (
        "replace",
        True,
        ("7",),
    )
    # Both hold: both are done.
    done = reconcile(read, with_both, match, pictures=pictures, photos=set(photos), taken=set())
    assert fix in done.plan.actions
    assert date in done.plan.actions
    # The date is set meanwhile, the replace is removed from the document: neither is done, and
    # the date is refused with its reason.
    doc["replaces"] = []
    only_fix = with_actions(plan, [fix])
    done = reconcile(read_document(doc), only_fix, match, pictures=pictures, photos=set(photos), taken=set())
    assert not any(isinstance(a, Replace | SetDateTaken) for a in done.plan.actions)
    (refused,) = done.refused
    assert refused.reason == "its date taken is set now, or its match no longer holds: not set"
    doc["options"]["on_edit"] = "sometimes"
    with pytest.raises(PlanError, match=r"options\.on_edit: must be one of keep, replace, upload, or null"):
        read_document(doc)
