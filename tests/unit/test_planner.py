"""Planner decisions: uploads, tags, downloads and their paths, safety stop, summary."""

from __future__ import annotations

import posixpath
import unicodedata
from dataclasses import replace

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from tests.syncfakes import ROOT, cid, phash_of, photo, photoset, pic

from flickrsync.choosing import PictureSettings, upload_tags
from flickrsync.matcher import MatchEvidence, MatchNeeds, MatchResult, match_photos
from flickrsync.models import (
    AddTags,
    ContentId,
    CreateSet,
    FailedItem,
    FileStat,
    LocalFile,
    LocalPath,
    LocalPicture,
    PhotoId,
    RemotePhoto,
    ScanIssue,
    UploadLimits,
    content_tag,
)
from flickrsync.photosets import PhotosetPlanOptions
from flickrsync.planner import (
    _FORBIDDEN,
    _WINDOWS_RESERVED,
    MAX_COMPONENT_BYTES,
    LibraryState,
    PlanOptions,
    _truncate_utf8,
    download_name,
    is_safe_relpath,
    merge_plans,
    plan_sync,
    safe_component,
    upload_sources,
    withhold,
)
from flickrsync.preview import preview_after_transfers, uploaded_photo

SYNC = PlanOptions(root=ROOT)
SYNC2 = PlanOptions(mode="sync2", root=ROOT)
DOWNLOAD = PlanOptions(mode="download", root=ROOT)


def complete(
    local: list[LocalPicture], remote: list[RemotePhoto], same: dict[str, ContentId] | None = None
) -> MatchResult:
    """Match, answering every need with evidence that matches nothing by look, except that each
    photo of ``same`` looks like that picture (so weak evidence about it is confirmed)."""
    same = same or {}
    evidence = MatchEvidence()
    result = match_photos(local, remote)
    while result.needs:
        evidence = evidence.merged(
            MatchEvidence(
                digests=dict.fromkeys(result.needs.digests),
                local_phash={c: phash_of(c) for c in result.needs.local_phash},
                remote_phash={p: phash_of(same.get(p, "remote" + p)) for p in result.needs.remote_phash},
                originals=dict.fromkeys(result.needs.originals),
            )
        )
        result = match_photos(local, remote, evidence=evidence)
    return result


def test_one_upload_per_picture_from_its_first_path() -> None:
    local = [pic("a", "b/IMG_1.JPG", "a/IMG_1 copy.JPG", size=123), pic("b", "x.heic", size=7)]
    options = PlanOptions(root=ROOT, pictures=PictureSettings(extra_tags='family "new york"'))
    plan = plan_sync(complete(local, []), local, [], options)
    uploads = {u.content_id: u for u in plan.uploads}
    assert set(uploads) == {cid("a"), cid("b")}
    first = uploads[cid("a")]
    assert first.path == LocalPath(ROOT, "a/IMG_1 copy.JPG")
    assert first.title == "IMG_1 copy"
    assert first.tags == (content_tag(cid("a")), "family", "new york")
    assert first.raw_tags == f'{content_tag(cid("a"))} family "new york"'
    assert "2 copies on disk" in first.reason
    assert plan.summary.uploads == 2
    assert plan.summary.upload_bytes == 130
    assert plan.summary.write_calls == 2


def test_pictures_from_flickr_are_never_uploaded_back() -> None:
    local = [pic("a", flickr_id="55")]  # its photo was deleted on Flickr
    plan = plan_sync(complete(local, []), local, [], SYNC2)
    assert plan.uploads == ()
    assert plan.downloads == ()
    assert plan.summary.from_flickr == 1


def test_unusable_files_are_failed_not_skipped() -> None:
    problem = LocalFile(
        LocalPath(ROOT, "bad/broken.jpg"), FileStat(1, 1, 1, 1), None, "not a picture: truncated"
    )
    plan = plan_sync(complete([], []), [], [], SYNC, problems=[problem])
    assert [(f.path, f.reason) for f in plan.failed] == [("/lib/bad/broken.jpg", "not a picture: truncated")]
    assert plan.summary.failed == 1


def test_scan_issues_that_are_problems_are_failed_items_too() -> None:
    """A folder the scan could not list (or a path over the system's limit) holds pictures that
    are not backed up: the run says so and exits 1, as the scan does. Notes are no failure."""
    issues = [
        ScanIssue(
            LocalPath(ROOT, "deep/er"), "folder cannot be read: its path is longer than this system allows"
        ),
        ScanIssue(
            LocalPath(ROOT, "link.jpg"), "link to /elsewhere, outside the library: skipped", problem=False
        ),
    ]
    plan = plan_sync(complete([], []), [], [], SYNC, issues=issues)
    assert plan.failed == (
        FailedItem(f"{ROOT}/deep/er", "folder cannot be read: its path is longer than this system allows"),
    )
    assert plan.summary.failed == 1


def test_account_limits_fail_what_cannot_be_uploaded() -> None:
    local = [pic("a", size=10), pic("b", size=300), pic("c", size=10), pic("v", media="video", size=300)]
    limits = UploadLimits(is_pro=False, max_photo_bytes=200, max_video_bytes=1000, remaining_items=1)
    plan = plan_sync(complete(local, []), local, [], PlanOptions(root=ROOT, limits=limits))
    assert len(plan.uploads) == 1
    reasons = sorted(f.reason.split(" (")[0] for f in plan.failed)
    assert reasons == [
        "the Flickr account has no room left for more photos",
        "the Flickr account has no room left for more photos",
        "too large for this Flickr account",
    ]


def test_tags_are_added_to_photos_matched_without_them() -> None:
    local = [pic("a", "IMG_1.jpg", date="2014-01-01 00:00:00"), pic("b")]
    remote = [photo("1", "IMG_1", date="2014-01-01 00:00:00"), photo("2", tags=[content_tag(cid("b"))])]
    plan = plan_sync(complete(local, remote, {"1": cid("a")}), local, remote, SYNC)
    assert plan.tags == (
        AddTags(
            PhotoId("1"),
            cid("a"),
            (content_tag(cid("a")),),
            "title+date: IMG_1 / 2014-01-01 00:00:00, confirmed by look (distance 0)",
        ),
    )
    assert plan.uploads == ()


def test_an_unconfirmed_match_is_neither_uploaded_nor_tagged() -> None:
    """A video's title and date taken: not compared by look, so never made permanent by our tag."""
    local = [pic("a", "MVI_1.MOV", date="2014-01-01 00:00:00", media="video")]
    remote = [photo("1", "MVI_1", date="2014-01-01 00:00:00", media="video")]
    match = complete(local, remote)
    assert [(m.rule, m.confirmed) for m in match.matches] == [("title_date", False)]
    plan = plan_sync(match, local, remote, SYNC2)
    assert plan.actions == ()


@pytest.mark.parametrize(
    ("options", "uploads", "downloads", "tags"),
    [(SYNC, 1, 0, 1), (SYNC2, 1, 1, 1), (DOWNLOAD, 0, 1, 0)],
)
def test_modes(options: PlanOptions, uploads: int, downloads: int, tags: int) -> None:
    local = [pic("a"), pic("b", "IMG_1.jpg", date="2014-01-01 00:00:00")]
    remote = [photo("1", "flickr only"), photo("2", "IMG_1", date="2014-01-01 00:00:00")]
    plan = plan_sync(complete(local, remote, {"2": cid("b")}), local, remote, options)
    assert (len(plan.uploads), len(plan.downloads), len(plan.tags)) == (uploads, downloads, tags)


def test_incomplete_match_is_refused() -> None:
    incomplete = MatchResult((), (cid("a"),), (), needs=MatchNeeds(local_phash=(cid("a"),)))
    with pytest.raises(ValueError, match="complete"):
        plan_sync(incomplete, [pic("a")], [], SYNC)


# --- downloads -------------------------------------------------------------------------------


def test_downloads_go_to_set_folders_or_the_default_folder() -> None:
    local = [pic("a", "2014/Holiday/a.jpg", date="2014-01-01 00:00:00")]
    remote = [
        photo("1", tags=[content_tag(cid("a"))]),
        photo("2", "Beach"),
        photo("3", "Street"),
        photo("4", "Loose"),
        photo("5", "In two sets"),
    ]
    sets = [
        photoset("72157001", "2014, Holiday", ["1", "2", "5"]),  # tool-made, bound to its folder
        photoset("72157002", " 2015, Paris", ["3"]),  # tool-made by 0.1.1, folder gone
        photoset("72157003", "My / Best", ["5"], ours=False),  # the user's
    ]
    plan = plan_sync(complete(local, remote), local, remote, SYNC2, sets=sets)
    dests = {d.photo_id: d.dest.relpath for d in plan.downloads}
    assert dests == {
        "2": "2014/Holiday/Beach.jpg",
        "3": "2015/Paris/Street.jpg",
        "4": "Flickr/Loose.jpg",
        "5": "2014/Holiday/In two sets.jpg",
    }
    assert all(d.dest.root == ROOT for d in plan.downloads)


def test_a_user_set_becomes_one_safe_folder() -> None:
    remote = [photo("1", "x")]
    sets = [photoset("72157003", "../My / Best:", ["1"], ours=False)]
    plan = plan_sync(complete([pic("z")], remote), [pic("z")], remote, DOWNLOAD, sets=sets)
    assert plan.downloads[0].dest.relpath == "_My _ Best_/x.jpg"


def test_download_names_never_collide() -> None:
    local = [pic("a", "Flickr/Beach.jpg")]
    remote = [photo("1", "beach"), photo("2", "BEACH"), photo("3", "Beach.jpg"), photo("4", "")]
    plan = plan_sync(complete(local, remote), local, remote, SYNC2, existing=["Flickr/beach (3).jpg"])
    dests = [d.dest.relpath for d in plan.downloads]
    assert dests == ["Flickr/beach (2).jpg", "Flickr/BEACH (4).jpg", "Flickr/Beach (5).jpg", "Flickr/4.jpg"]


@pytest.mark.parametrize(
    ("title", "fmt", "name"),
    [
        ("IMG_1", "jpg", "IMG_1.jpg"),
        ("IMG_1.JPG", "jpg", "IMG_1.JPG"),
        ("IMG_1.jpeg", "jpg", "IMG_1.jpeg"),
        ("movie.mov", "mov", "movie.mov"),
        ("scan.tif", "png", "scan.tif.png"),
        ("", "jpg", "99.jpg"),
        ("...", "jpg", "99.jpg"),
        ("../../x", "jpg", "_.._x.jpg"),
        ("/etc/passwd", "jpg", "_etc_passwd.jpg"),
        ("CON", "jpg", "CON_.jpg"),
        ("com1.txt", "jpg", "com1_.txt.jpg"),
        ("a\x00b\nc", "jpg", "a_b_c.jpg"),
        ("trailing. ", "jpg", "trailing.jpg"),
        ("emoji 🎉", "jpg", "emoji 🎉.jpg"),
        ("x", "../evil", "x.jpg"),
        ("x", None, "x.jpg"),
    ],
)
def test_download_name(title: str, fmt: str | None, name: str) -> None:
    stem, ext = download_name(photo("99", title, original_format=fmt))
    assert f"{stem}.{ext}" == name


def test_long_titles_are_cut_in_bytes_with_room_for_a_suffix() -> None:
    stem, ext = download_name(photo("1", "日本" * 1000))
    assert len(f"{stem} (99999).{ext}".encode()) <= 255
    assert stem.startswith("日本")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("..", ""),
        (" . ", ""),
        ("a/b\\c", "a_b_c"),
        ('a<b>c:d"e|f?g*h', "a_b_c_d_e_f_g_h"),
        ("aux.jpg", "aux_.jpg"),
        ("LPT9", "LPT9_"),
        ("COM10", "COM10"),
        ("\ud800x", "_x"),
    ],
)
def test_safe_component(text: str, expected: str) -> None:
    assert safe_component(text) == expected


@pytest.mark.parametrize(
    ("relpath", "safe"),
    [("a/b.jpg", True), ("../a", False), ("/a", False), ("a//b", False), ("a/./b", False), ("", False)],
)
def test_is_safe_relpath(relpath: str, safe: bool) -> None:
    assert is_safe_relpath(relpath) is safe


@pytest.mark.parametrize(
    ("library", "local", "refused"),
    [
        (LibraryState(root_exists=False), [], "does not exist"),
        (LibraryState(), [], "is empty"),
        (LibraryState(previously_indexed=100, vanished=51), [pic("a")], "51 of the 100 files"),
        (LibraryState(previously_indexed=100, vanished=50), [pic("a")], None),
    ],
)
def test_safety_stop(library: LibraryState, local: list[LocalPicture], refused: str | None) -> None:
    remote = [photo("1", "x")]
    plan = plan_sync(complete(local, remote), local, remote, SYNC2, library=library)
    if refused is None:
        assert plan.refusal is None
        assert len(plan.downloads) == 1
    else:
        assert plan.refusal is not None
        assert refused in plan.refusal
        assert "--force" in plan.refusal
        assert plan.actions == ()
        forced = plan_sync(
            complete(local, remote),
            local,
            remote,
            PlanOptions(mode="sync2", root=ROOT, force=True),
            library=library,
        )
        assert forced.refusal is None
        assert len(forced.downloads) == 1


def test_no_refusal_when_nothing_would_be_downloaded() -> None:
    plan = plan_sync(complete([], []), [], [], SYNC2, library=LibraryState(root_exists=False))
    assert plan.refusal is None


def test_preview_shows_the_set_changes_that_follow_uploads() -> None:
    from flickrsync.photosets import plan_photosets

    local = [pic("a", "Trip/a.jpg", date="2014-01-01 00:00:00"), pic("b", "Trip/b.jpg")]
    remote = [photo("1", "from phone")]
    match = complete(local, remote)
    plan = plan_sync(match, local, remote, SYNC2)
    after_local, after_remote, after_match = preview_after_transfers(plan, local, remote, match)
    sets = plan_photosets(after_local, after_remote, after_match, [], PhotosetPlanOptions())
    whole = merge_plans(plan, sets)
    assert whole.summary.uploads == 2
    assert whole.summary.downloads == 1
    assert whole.summary.sets_created == 2
    assert sorted(a.title for a in sets.set_actions if isinstance(a, CreateSet)) == ["Flickr", "Trip"]


def test_summary_counts_matches_duplicates_and_undecided() -> None:
    local = [pic("a")]
    remote = [photo("1", tags=[content_tag(cid("a"))]), photo("2", tags=[content_tag(cid("a"))])]
    match = complete(local, remote)
    plan = plan_sync(match, local, remote, SYNC)
    assert plan.summary.matched == 1
    assert plan.summary.duplicates_on_flickr == 1
    assert plan.is_empty


def test_upload_tags_are_decided_once_ours_first_each_tag_once() -> None:
    ours = content_tag(cid("a"))
    extra = f'holiday "New York" newyork Holiday {ours} flickrsync:imagehash={"0" * 64} "" x "x"'
    assert upload_tags(cid("a"), extra) == (ours, "holiday", "New York", "x")
    assert upload_tags(cid("a"), "") == (ours,)


def test_what_flickr_holds_after_an_upload_is_built_in_one_place() -> None:
    local = [pic("a", "Trip/IMG_1.JPG", date="2014-01-01 10:00:00", media="video")]
    options = PlanOptions(
        root=ROOT, pictures=PictureSettings(extra_tags='holiday "New York" geo:Lat=12.5', is_public=True)
    )
    match = complete(local, [])
    plan = plan_sync(match, local, [], options)
    (upload,) = plan.uploads
    held = uploaded_photo(upload, PhotoId("9"), local[0])
    ours = content_tag(cid("a"))
    assert held.tags == (ours, "holiday", "newyork", "geo:lat=125")
    assert held.machine_tags == (ours, "geo:lat=125")
    assert (held.id, held.title, held.media, held.is_public) == ("9", "IMG_1", "video", True)
    assert (held.date_taken, held.date_taken_unknown) == ("2014-01-01 10:00:00", False)
    _local, after, _match = preview_after_transfers(plan, local, [], match)
    assert after == [replace(held, id=PhotoId("new:" + cid("a")))]


def test_withheld_actions_become_failed_items_and_the_summary_follows() -> None:
    local = [pic("a"), pic("b")]
    remote = [photo("1", "IMG_9")]
    plan = plan_sync(complete(local, remote), local, remote, SYNC2)
    first = plan.uploads[0]
    item = FailedItem("/lib/a.jpg", "not now", first.content_id)
    held = withhold(plan, {first: item})
    assert first not in held.actions
    assert held.failed == (*plan.failed, item)
    assert held.summary.uploads == plan.summary.uploads - 1
    assert held.summary.upload_bytes == plan.summary.upload_bytes - first.size
    assert held.summary.downloads == plan.summary.downloads == 1
    assert held.summary.failed == plan.summary.failed + 1
    assert withhold(plan, {}) is plan


def test_download_paths_are_inside_the_root() -> None:
    remote = [photo(str(i), t) for i, t in enumerate(["..", "../..", "/", "a/../../b", "\x00", " "], start=1)]
    sets = [
        photoset("72157009", "../../etc, .., /", ["1", "2"]),
        photoset("72157010", "..", ["3"], ours=False),
    ]
    plan = plan_sync(complete([pic("z")], remote), [pic("z")], remote, SYNC2, sets=sets)
    assert len(plan.downloads) == 6
    for download in plan.downloads:
        assert is_safe_relpath(download.dest.relpath), download.dest.relpath
        full = posixpath.normpath(posixpath.join(ROOT, download.dest.relpath))
        assert full.startswith(ROOT + "/")


def _safe_component_per_character(text: str, max_bytes: int = MAX_COMPONENT_BYTES) -> str:
    """safe_component as it was before its ASCII shortcut: a category look-up per character."""
    text = unicodedata.normalize("NFC", text)
    chars = [
        "_" if c in _FORBIDDEN or unicodedata.category(c) in ("Cc", "Cs", "Zl", "Zp") else c for c in text
    ]
    name = "".join(chars).strip().lstrip(".").strip()
    name = _truncate_utf8(name, max_bytes).rstrip(". ")
    base, dot, rest = name.partition(".")
    if base.rstrip(" ").upper() in _WINDOWS_RESERVED:
        name = _truncate_utf8(base.rstrip(" ") + "_" + dot + rest, max_bytes).rstrip(". ")
    return name


@settings(max_examples=300)
@given(st.text(alphabet=st.characters(max_codepoint=127), max_size=40), st.integers(0, 30))
def test_safe_component_of_ascii_text_is_the_per_character_answer(text: str, budget: int) -> None:
    assert safe_component(text, budget) == _safe_component_per_character(text, budget)
    assert safe_component(text) == _safe_component_per_character(text)


def test_safe_component_replaces_every_ascii_control_character() -> None:
    every = "".join(map(chr, range(128)))
    assert safe_component(every) == _safe_component_per_character(every)
    assert safe_component("a\x00b\x1fc\x7fd\te") == "a_b_c_d_e"


def test_upload_sources_are_the_pictures_plan_sync_uploads_and_where_from() -> None:
    local = [
        pic("new", "a/new.jpg"),
        pic("both", "skip/both.jpg", "b/both.jpg"),  # the first path is ignored: the second one
        pic("came", "c/came.jpg", flickr_id="55"),  # downloaded from Flickr: never uploaded back
        pic("mine", "d/mine.jpg"),  # the user ignores the picture
        pic("left", "skip/left.jpg"),  # its only path is ignored
    ]
    match = complete(local, [])
    options = replace(SYNC, ignored=frozenset({cid("mine")}), ignored_paths=frozenset({"skip"}))
    pictures = {p.content_id: p for p in local}
    sources = upload_sources(match, pictures, options)
    assert {c: path.relpath for c, (path, _settings) in sources.items()} == {
        cid("new"): "a/new.jpg",
        cid("both"): "b/both.jpg",
    }
    plan = plan_sync(match, local, [], options)
    assert plan == plan_sync(match, local, [], options, sources=sources)
    assert {(u.content_id, u.path.relpath) for u in plan.uploads} == {
        (c, path.relpath) for c, (path, _settings) in sources.items()
    }
    assert (plan.summary.from_flickr, plan.summary.ignored) == (1, 2)
    restoring = replace(options, restore_uploads=frozenset({cid("came")}))
    assert set(upload_sources(match, pictures, restoring)) == {cid("new"), cid("both"), cid("came")}


def test_what_flickr_holds_keeps_each_clean_form_once_and_drops_the_empty_ones() -> None:
    """As the plan file may edit an upload's tags: ones Flickr keeps as one, or drops."""
    local = [pic("a", "IMG_1.jpg")]
    (upload,) = plan_sync(complete(local, []), local, [], SYNC).uploads
    ours = content_tag(cid("a"))
    edited = replace(upload, tags=("!!!", "New York", ours, "newyork", "", "ns:p=!", "NS:P=X", "ns:p=x"))
    held = uploaded_photo(edited, PhotoId("9"), local[0])
    assert held.tags == ("newyork", ours, "nsp", "ns:p=x")
    assert held.machine_tags == (ours, "ns:p=x")
