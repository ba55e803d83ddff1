"""What changed since the last sync (flickrsync.changes): edits, superseded versions, deletions on
either side, and what a run does about them. Pure: records in, records out."""

from __future__ import annotations

from collections.abc import Sequence

import pytest
from tests.syncfakes import ROOT, cid, flip, phash_of, photo, pic

from flickrsync.changes import (
    ChangeOptions,
    Changes,
    find_changes,
    pair_updates,
    settle,
)
from flickrsync.matcher import Match, MatchEvidence, MatchResult, Undecided, match_photos
from flickrsync.models import (
    LocalPath,
    LocalPicture,
    PhotoId,
    RemotePhoto,
    Replace,
    SyncedPair,
    content_tag,
)

D1 = "2019-05-01 08:00:00"
D2 = "2020-07-04 12:30:00"
THRESHOLD = 10


def pair(
    pid: str, seed: str, *relpaths: str, date: str | None = D1, phash: str | None = None, at: int = 1
) -> SyncedPair:
    return SyncedPair(
        photo_id=PhotoId(pid),
        content_id=cid(seed),
        paths=tuple(LocalPath(ROOT, p) for p in relpaths),
        date_taken=date,
        phash=phash,
        synced_at=at,
    )


def tagged(pid: str, seed: str, title: str = "", **kw: object) -> RemotePhoto:
    return photo(pid, title, tags=[content_tag(cid(seed))], **kw)  # type: ignore[arg-type]


def changes_of(
    local: Sequence[LocalPicture],
    remote: Sequence[RemotePhoto],
    pairs: Sequence[SyncedPair],
    evidence: MatchEvidence = MatchEvidence(),
) -> Changes:
    match = match_photos(local, remote)
    assert match.complete
    return find_changes(match, local, remote, pairs, evidence, threshold=THRESHOLD)


def match_alike(local: Sequence[LocalPicture], remote: Sequence[RemotePhoto]) -> MatchResult:
    """The matcher run to completion on pictures and photos that all look alike (weak evidence,
    title + date or date alone, is confirmed by look before it counts)."""
    look = phash_of("alike")
    evidence = MatchEvidence()
    match = match_photos(local, remote)
    while match.needs:
        evidence = evidence.merged(
            MatchEvidence(
                local_phash=dict.fromkeys(match.needs.local_phash, look),
                remote_phash=dict.fromkeys(match.needs.remote_phash, flip(look, 1)),
                originals=dict.fromkeys(match.needs.originals),
            )
        )
        match = match_photos(local, remote, evidence=evidence)
    return match


def test_nothing_changed_reports_nothing() -> None:
    local = [pic("a", "x/a.jpg", date=D1)]
    remote = [tagged("1", "a")]
    changes = changes_of(local, remote, [pair("1", "a", "x/a.jpg")])
    assert changes.complete
    assert (changes.edits, changes.superseded, changes.deleted_locally, changes.deleted_on_flickr) == (
        (),
        (),
        (),
        (),
    )
    assert [(m.content_id, m.photo_id) for m in changes.match.matches] == [(cid("a"), "1")]


def test_same_path_same_date_is_an_edit_and_the_old_photo_is_not_flickr_only_for_downloads() -> None:
    local = [pic("a2", "x/a.jpg", date=D1)]
    remote = [tagged("1", "a", "a")]
    changes = changes_of(local, remote, [pair("1", "a", "x/a.jpg")])
    assert [(e.content_id, e.photo_id, e.old_content_id) for e in changes.edits] == [
        (cid("a2"), "1", cid("a"))
    ]
    assert "date taken" in changes.edits[0].reason
    assert changes.deleted_locally == ()
    # The matcher alone says: upload a2, download photo 1 — the "name (2).jpg".
    assert changes.match.local_only == (cid("a2"),)
    assert changes.match.remote_only == ("1",)


def test_same_path_other_date_same_look_is_an_edit_once_the_hashes_are_in() -> None:
    old_look = phash_of("a")
    local = [pic("a2", "x/a.jpg", date=D2)]
    remote = [tagged("1", "a")]
    pairs = [pair("1", "a", "x/a.jpg", date=D1)]
    first = changes_of(local, remote, pairs)
    assert not first.complete
    assert first.needs.local_phash == (cid("a2"),)
    assert first.needs.remote_phash == ("1",)
    evidence = MatchEvidence(
        local_phash={cid("a2"): flip(old_look, 3)}, remote_phash={PhotoId("1"): old_look}
    )
    second = changes_of(local, remote, pairs, evidence)
    assert second.complete
    assert [e.photo_id for e in second.edits] == ["1"]
    assert "distance 3" in second.edits[0].reason


def test_a_stored_look_needs_no_thumbnail() -> None:
    old_look = phash_of("a")
    local = [pic("a2", "x/a.jpg", date=D2, phash=flip(old_look, 2))]
    changes = changes_of(local, [tagged("1", "a")], [pair("1", "a", "x/a.jpg", date=D1, phash=old_look)])
    assert changes.complete
    assert [e.photo_id for e in changes.edits] == ["1"]


def test_same_path_other_date_other_look_is_a_new_picture_and_the_photo_deleted_locally() -> None:
    local = [pic("b", "x/a.jpg", date=D2, phash=phash_of("b"))]
    changes = changes_of(local, [tagged("1", "a")], [pair("1", "a", "x/a.jpg", date=D1, phash=phash_of("a"))])
    assert changes.edits == ()
    assert [(d.photo_id, d.content_id) for d in changes.deleted_locally] == [("1", cid("a"))]
    assert changes.match.local_only == (cid("b"),)


def test_an_edit_matched_by_title_and_date_to_its_own_photo_is_an_edit_not_a_match() -> None:
    # Photo 1 holds "a" and carries no machine tag (download mode never tags): the matcher takes
    # the edited file for it by title + date, and our tag would then name content it does not hold.
    local = [pic("a2", "x/IMG_1.jpg", date=D1)]
    remote = [photo("1", "IMG_1", date=D1, unknown=False)]
    match = match_alike(local, remote)  # an edit still looks like the picture it was
    assert [(m.content_id, m.rule) for m in match.matches] == [(cid("a2"), "title_date")]
    changes = find_changes(match, local, remote, [pair("1", "a", "x/IMG_1.jpg")], threshold=THRESHOLD)
    assert changes.match.matches == ()
    assert [e.photo_id for e in changes.edits] == ["1"]


def test_a_weak_match_with_the_photo_of_a_deleted_picture_is_taken_apart() -> None:
    # A burst shot looks like the photo whose picture was deleted: it is not that photo.
    local = [pic("burst2", "x/b2.jpg", date=D1)]
    remote = [photo("1", "other title", date=D1, unknown=False)]
    match = match_alike(local, remote)
    assert [m.rule for m in match.matches] == ["date"]
    changes = find_changes(match, local, remote, [pair("1", "burst1", "x/b1.jpg")], threshold=THRESHOLD)
    assert changes.match.matches == ()
    assert changes.match.local_only == (cid("burst2"),)
    assert [d.photo_id for d in changes.deleted_locally] == ["1"]


def test_a_photo_matched_by_its_machine_tag_is_never_second_guessed() -> None:
    # After a replace the photo's tag names the new content: in sync, whatever the pair said.
    local = [pic("a2", "x/a.jpg", date=D1)]
    changes = changes_of(local, [tagged("1", "a2")], [pair("1", "a", "x/a.jpg")])
    assert changes.edits == ()
    assert changes.deleted_locally == ()
    assert [m.photo_id for m in changes.match.matches] == ["1"]


def test_an_edit_uploaded_as_a_new_photo_supersedes_the_old_one() -> None:
    local = [pic("a2", "x/a.jpg", date=D1)]
    remote = [tagged("1", "a"), tagged("2", "a2")]
    pairs = [pair("1", "a", "x/a.jpg", at=1), pair("2", "a2", "x/a.jpg", at=2)]
    changes = changes_of(local, remote, pairs)
    assert changes.edits == ()
    assert [(e.photo_id, e.superseded_by) for e in changes.superseded] == [("1", "2")]


def test_of_two_old_versions_the_newest_pair_is_the_one_edited() -> None:
    local = [pic("a3", "x/a.jpg", date=D1)]
    remote = [tagged("1", "a"), tagged("2", "a2")]
    pairs = [pair("1", "a", "x/a.jpg", at=1), pair("2", "a2", "x/a.jpg", at=5)]
    changes = changes_of(local, remote, pairs)
    assert [e.photo_id for e in changes.edits] == ["2"]
    assert [(e.photo_id, e.superseded_by) for e in changes.superseded] == [("1", "2")]


def test_a_deleted_picture_whose_photo_is_on_flickr_is_deleted_locally() -> None:
    local = [pic("b", "x/b.jpg")]
    remote = [tagged("1", "a"), tagged("2", "b")]
    changes = changes_of(local, remote, [pair("1", "a", "x/a.jpg"), pair("2", "b", "x/b.jpg")])
    assert [(d.photo_id, d.paths) for d in changes.deleted_locally] == [("1", (LocalPath(ROOT, "x/a.jpg"),))]


def test_a_moved_picture_is_not_deleted() -> None:
    local = [pic("a", "y/moved.jpg")]
    changes = changes_of(local, [tagged("1", "a")], [pair("1", "a", "x/a.jpg")])
    assert changes.deleted_locally == ()


def test_a_photo_gone_from_flickr_whose_picture_is_here_is_deleted_on_flickr() -> None:
    local = [pic("a", "x/a.jpg")]
    changes = changes_of(local, [], [pair("1", "a", "x/a.jpg")])
    assert [(d.photo_id, d.content_id) for d in changes.deleted_on_flickr] == [("1", cid("a"))]


def test_a_picture_also_on_another_photo_is_not_deleted_on_flickr() -> None:
    local = [pic("a", "x/a.jpg")]
    changes = changes_of(local, [tagged("2", "a")], [pair("1", "a", "x/a.jpg")])
    assert changes.deleted_on_flickr == ()


def test_an_undecided_picture_is_neither_an_edit_target_nor_deleted_on_flickr() -> None:
    local = [pic("a", "x/a.jpg")]
    match = MatchResult(
        matches=(), local_only=(), remote_only=(), undecided=(Undecided((cid("a"),), (), "x"),)
    )
    changes = find_changes(match, local, [], [pair("1", "a", "x/a.jpg")], threshold=THRESHOLD)
    assert changes.deleted_on_flickr == ()


def test_find_changes_refuses_an_incomplete_match() -> None:
    from flickrsync.matcher import MatchNeeds

    match = MatchResult((), (), (), needs=MatchNeeds(local_phash=(cid("a"),)))
    with pytest.raises(ValueError, match="complete"):
        find_changes(match, [], [], [], threshold=THRESHOLD)


# --- settle: the policy ----------------------------------------------------------------------


def _edited() -> tuple[list[LocalPicture], Changes]:
    local = [pic("a2", "x/a.jpg", date=D1), pic("v2", "x/v.mp4", date=D1, media="video")]
    remote = [tagged("1", "a"), tagged("2", "v", media="video")]
    pairs = [
        pair("1", "a", "x/a.jpg"),
        SyncedPair(PhotoId("2"), cid("v"), (LocalPath(ROOT, "x/v.mp4"),), "video", D1),
    ]
    return local, changes_of(local, remote, pairs)


def test_keep_uploads_nothing_and_downloads_nothing() -> None:
    local, changes = _edited()
    settled = settle(changes, local, ChangeOptions(on_edit="keep", uploads=True, downloads=True))
    assert settled.match.local_only == ()
    assert settled.match.remote_only == ()
    assert settled.actions == ()
    assert settled.counts.edits_kept == 2


def test_replace_plans_a_replace_for_photos_and_never_for_videos() -> None:
    local, changes = _edited()
    settled = settle(changes, local, ChangeOptions(on_edit="replace", uploads=True, downloads=True))
    assert settled.actions == (
        Replace(
            photo_id=PhotoId("1"),
            content_id=cid("a2"),
            old_content_id=cid("a"),
            path=LocalPath(ROOT, "x/a.jpg"),
            size=1000,
            reason=settled.actions[0].reason,  # type: ignore[union-attr]
        ),
    )
    assert settled.counts.edits_kept == 1
    assert any("never replaces a video" in n for n in settled.notes)
    assert settled.match.local_only == ()
    assert settled.match.remote_only == ()


def test_replace_refused_before_falls_back_to_keep_and_says_so() -> None:
    local, changes = _edited()
    options = ChangeOptions(on_edit="replace", replace_allowed=False, uploads=True)
    settled = settle(changes, local, options)
    assert settled.actions == ()
    assert settled.counts.edits_kept == 2
    assert any("not a Pro account" in n for n in settled.notes)


def test_upload_uploads_the_edit_but_never_downloads_the_old_version() -> None:
    local, changes = _edited()
    settled = settle(changes, local, ChangeOptions(on_edit="upload", uploads=True, downloads=True))
    assert set(settled.match.local_only) == {cid("a2"), cid("v2")}
    assert settled.match.remote_only == ()


def test_deletions_are_left_alone_unless_restored_and_restore_takes_targets() -> None:
    local = [pic("b", "x/b.jpg"), pic("c", "x/c.jpg")]
    remote = [tagged("1", "a")]
    pairs = [pair("1", "a", "x/a.jpg"), pair("2", "b", "x/b.jpg"), pair("3", "c", "x/c.jpg")]
    changes = changes_of(local, remote, pairs)
    plain = settle(changes, local, ChangeOptions(uploads=True, downloads=True))
    assert plain.match.remote_only == ()
    assert set(plain.match.local_only) == set()
    assert (plain.counts.deleted_locally, plain.counts.deleted_on_flickr) == (1, 2)
    every = settle(changes, local, ChangeOptions(uploads=True, downloads=True, restore=True))
    assert every.match.remote_only == ("1",)
    assert every.restored_paths == {"1": LocalPath(ROOT, "x/a.jpg")}
    assert set(every.match.local_only) == {cid("b"), cid("c")}
    by_path = settle(
        changes, local, ChangeOptions(uploads=True, restore=True, restore_targets=(f"{ROOT}/x/b.jpg",))
    )
    assert by_path.match.local_only == (cid("b"),)
    by_folder = settle(
        changes, local, ChangeOptions(uploads=True, restore=True, restore_targets=(f"{ROOT}/x",))
    )
    assert set(by_folder.match.local_only) == {cid("b"), cid("c")}
    by_id = settle(
        changes,
        local,
        ChangeOptions(downloads=True, uploads=False, restore=True, restore_targets=("1", "99")),
    )
    assert by_id.match.remote_only == ("1",)
    assert any("99" in note for note in by_id.notes)
    # sync --restore uploads; it does not download
    upload_only = settle(changes, local, ChangeOptions(uploads=True, downloads=False, restore=True))
    assert upload_only.match.remote_only == ()


# --- pair_updates: what the index remembers -------------------------------------------------


def test_pairs_follow_matches_moves_and_forget_what_is_gone_on_both_sides() -> None:
    local = [pic("a", "y/a.jpg", date=D1), pic("b", "x/b.jpg")]
    remote_ids = {PhotoId("1"), PhotoId("2")}
    match = MatchResult(
        matches=(
            Match(cid("a"), PhotoId("1"), "machine_tag", ""),
            Match(cid("b"), PhotoId("2"), "machine_tag", ""),
        ),
        local_only=(),
        remote_only=(),
    )
    known = [
        pair("1", "a", "x/a.jpg"),  # moved since
        SyncedPair(PhotoId("2"), cid("b"), (LocalPath(ROOT, "x/b.jpg"),)),  # unchanged
        pair("8", "gone", "x/gone.jpg"),  # gone from Flickr and from the library
        pair("9", "b", "x/b.jpg"),  # gone from Flickr, its picture on photo 2 now (restored)
    ]
    upserts, forget = pair_updates(match, local, remote_ids, known)
    assert [(p.photo_id, p.paths) for p in upserts] == [("1", (LocalPath(ROOT, "y/a.jpg"),))]
    assert upserts[0].date_taken == D1
    assert upserts[0].synced_at == 0
    assert forget == ["8", "9"]


def test_a_pair_gone_from_flickr_whose_picture_is_here_is_kept() -> None:
    local = [pic("a", "x/a.jpg")]
    match = MatchResult(matches=(), local_only=(cid("a"),), remote_only=())
    assert pair_updates(match, local, set(), [pair("1", "a", "x/a.jpg")]) == ([], [])
