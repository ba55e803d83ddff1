"""Properties of the pure sync core (STYLE §6), over generated libraries and accounts.

Inputs are drawn from small vocabularies (few names, dates, sizes, tags) so that collisions —
the interesting cases — are frequent. An oracle answers the matcher's needs from a hidden truth
(each Flickr photo's real content), the way the engine would.
"""

from __future__ import annotations

import os
import posixpath
import random
from dataclasses import dataclass

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from flickrsync.matcher import (
    MatchEvidence,
    MatchMemo,
    MatchOptions,
    MatchResult,
    content_ids_in_tags,
    exact_date,
    match_photos,
    picture_stems,
    remote_exact_date,
    title_keys,
)
from flickrsync.models import (
    SET_MARKER,
    AddTags,
    AddToGroup,
    AddToSet,
    ContentId,
    CreateSet,
    DeleteSet,
    Download,
    EditSetMeta,
    EditSetPhotos,
    LocalPicture,
    Media,
    Nsid,
    PhotoId,
    Photoset,
    PhotosetId,
    RemotePhoto,
    RemoteSet,
    RemoveFromSet,
    SetDateTaken,
    Upload,
    content_tag,
)
from flickrsync.photosets import PhotosetPlanOptions, clean_title, plan_photosets
from flickrsync.planner import PlanOptions, is_safe_relpath, plan_sync
from tests.syncfakes import ROOT, cid, flip, phash_of, pic

SEEDS = list("abcdefg")
DATES = [None, "2014-03-05 05:28:09", "2014-03-05 05:28:10", "2015-07-01 12:00:00"]
NAMES = [
    "IMG_1.jpg",
    "IMG_1.JPG",
    "img_2.jpg",
    "Trip/IMG_1.jpg",
    "Trip/b.jpg",
    "a, b/c.jpg",
    "a/b/c.jpg",
    "x.mov",
]
TITLES = ["IMG_1", "IMG_1.JPG", "img_2", "Sunset", "", "c", "IMG_9"]
DIMS = [None, (4000, 3000), (3000, 4000)]
HOSTILE = ["..", "../../x", "/etc/passwd", "CON", "a" * 300, "a\x00b", "🎉", "...", "   ", "a, b", "x/y"]
OPTIONS = MatchOptions()
#: Examples per property; raise it for a long hunt (FLICKRSYNC_HYPOTHESIS_EXAMPLES=20000).
EXAMPLES = int(os.environ.get("FLICKRSYNC_HYPOTHESIS_EXAMPLES", "200"))
COPIES = MatchOptions(check_flickr_copies=True)

#: Every kind of action there is. None of them deletes or modifies a photo.
ACTION_TYPES = {Upload, AddTags, Download, CreateSet, AddToSet, RemoveFromSet, EditSetPhotos, EditSetMeta}
ACTION_TYPES |= {DeleteSet, AddToGroup}
# setDates on a matched video whose date Flickr lost: metadata, never the photo itself.
ACTION_TYPES |= {SetDateTaken}


@dataclass
class Scenario:
    local: list[LocalPicture]
    remote: list[RemotePhoto]
    #: photo id -> the seed of its real content (or "foreign-…")
    truth: dict[str, str]
    unavailable: set[str]
    sets: list[RemoteSet]


@st.composite
def scenarios(draw: st.DrawFn) -> Scenario:
    local_seeds = draw(st.lists(st.sampled_from(SEEDS), unique=True, max_size=6))
    local = []
    for seed in local_seeds:
        names = draw(st.lists(st.sampled_from(NAMES), min_size=1, max_size=2, unique=True))
        media: Media = "video" if any(n.endswith(".mov") for n in names) else "photo"
        local.append(
            pic(
                seed,
                *names,
                date=draw(st.sampled_from(DATES)),
                dims=draw(st.sampled_from(DIMS)),
                orientation=draw(st.sampled_from([None, 1, 6])),
                media=media,
                flickr_id=draw(st.sampled_from([None, None, None, "101", "102"])),
                phash=draw(st.sampled_from([None, phash_of(seed)])),
            )
        )
    n_remote = draw(st.integers(0, 6))
    remote = []
    truth: dict[str, str] = {}
    for i in range(n_remote):
        pid = str(101 + i)
        true_seed = draw(st.sampled_from([*SEEDS, f"foreign-{i}"]))
        truth[pid] = true_seed
        tags: list[str] = []
        if draw(st.booleans()):  # our tag: usually the truth, sometimes stale
            tags.append(content_tag(cid(draw(st.sampled_from([true_seed, true_seed, *SEEDS])))))
        if draw(st.integers(0, 5)) == 0:
            tags.append("flickrsync:signature=abc")
        date = draw(st.sampled_from(DATES))
        dims = draw(st.sampled_from(DIMS))
        remote.append(
            RemotePhoto(
                id=PhotoId(pid),
                title=draw(st.sampled_from(TITLES)),
                secret="s",
                server="1",
                tags=tuple(tags),
                machine_tags=tuple(tags),
                date_taken=date or "2020-01-01 00:00:00",
                date_taken_unknown=date is None or draw(st.integers(0, 4)) == 0,
                date_taken_granularity=draw(st.sampled_from([0, 0, 0, 4, 6])),
                date_upload=draw(st.integers(0, 3)),
                media=draw(st.sampled_from(["photo", "photo", "video"])),
                original_format=draw(st.sampled_from(["jpg", "png", None, "../x"])),
                o_width=dims[0] if dims else None,
                o_height=dims[1] if dims else None,
            )
        )
    ids: list[str] = [r.id for r in remote] or ["0"]
    unavailable = set(draw(st.lists(st.sampled_from(ids), max_size=2)))
    sets = []
    for j in range(draw(st.integers(0, 3))):
        members = draw(st.lists(st.sampled_from(ids), unique=True, min_size=1))
        ours = draw(st.booleans())
        title = draw(st.sampled_from(["Trip", " Trip", "a, b", "flickrsync", *HOSTILE]))
        sets.append(
            RemoteSet(
                Photoset(PhotosetId(f"72157{j}"), title, SET_MARKER if ours else "", PhotoId(members[0])),
                tuple(PhotoId(m) for m in members),
            )
        )
    return Scenario(local, remote, truth, unavailable, sets)


def resolve(
    s: Scenario,
    options: MatchOptions = OPTIONS,
    shuffle: random.Random | None = None,
    different: frozenset[tuple[PhotoId, ContentId]] = frozenset(),
) -> tuple[MatchResult, int]:
    """The engine's needs loop against the scenario's truth. Returns the result and call count."""
    local, remote = list(s.local), list(s.remote)
    if shuffle is not None:
        shuffle.shuffle(local)
        shuffle.shuffle(remote)
    local_phash = {
        p.content_id: phash_of(seed) for seed in SEEDS for p in s.local if p.content_id == cid(seed)
    }
    evidence = MatchEvidence(different=different)
    memo = MatchMemo()
    result = remembered(local, remote, options, evidence, memo)
    calls = 1
    while result.needs:
        needs = result.needs
        for kind in ("digests", "local_phash", "remote_phash", "originals"):
            asked = getattr(needs, kind)
            assert len(set(asked)) == len(asked)
            assert not set(asked) & set(getattr(evidence, kind)), f"asked again for {kind}"
        assert set(needs.local_phash) <= {p.content_id for p in s.local}
        assert set(needs.remote_phash) | set(needs.originals) <= {r.id for r in s.remote}
        evidence = evidence.merged(
            MatchEvidence(
                digests=dict.fromkeys(needs.digests),
                local_phash={c: local_phash.get(c) for c in needs.local_phash},
                remote_phash={p: flip(phash_of(s.truth[p]), 1) for p in needs.remote_phash},
                originals={p: None if p in s.unavailable else cid(s.truth[p]) for p in needs.originals},
            )
        )
        result = remembered(local, remote, options, evidence, memo)
        calls += 1
        assert calls <= 6, "the needs loop must end within six calls"
    return result, calls


def remembered(
    local: list[LocalPicture],
    remote: list[RemotePhoto],
    options: MatchOptions,
    evidence: MatchEvidence,
    memo: MatchMemo,
) -> MatchResult:
    """A round of the needs loop as the engine runs it (with a memo of the earlier rounds),
    checked against the same round without one: the memo only saves work."""
    result = match_photos(local, remote, options, evidence, memo=memo)
    assert result == match_photos(local, remote, options, evidence)
    return result


def check_partition(s: Scenario, result: MatchResult) -> None:
    cids = [m.content_id for m in result.matches] + list(result.local_only)
    cids += [c for u in result.undecided for c in u.content_ids]
    assert sorted(cids) == sorted(p.content_id for p in s.local)
    pids = (
        [m.photo_id for m in result.matches]
        + list(result.remote_only)
        + [d.photo_id for d in result.duplicates]
    )
    pids += [p for u in result.undecided for p in u.photo_ids]
    assert sorted(pids) == sorted(r.id for r in s.remote)
    matched = {m.photo_id for m in result.matches}
    for d in result.duplicates:
        assert d.of in matched or d.of in result.remote_only


@settings(max_examples=EXAMPLES, suppress_health_check=[HealthCheck.too_slow])
@given(scenarios(), st.sampled_from([OPTIONS, COPIES, MatchOptions(date_match=False)]))
def test_matching_is_a_one_to_one_partition(s: Scenario, options: MatchOptions) -> None:
    result, _ = resolve(s, options)
    check_partition(s, result)  # one outcome each: hence one-to-one


@settings(max_examples=EXAMPLES, suppress_health_check=[HealthCheck.too_slow])
@given(scenarios(), st.randoms(use_true_random=False))
def test_matching_does_not_depend_on_input_order(s: Scenario, rnd: random.Random) -> None:
    assert resolve(s, COPIES) == resolve(s, COPIES, shuffle=rnd)


@settings(max_examples=EXAMPLES, suppress_health_check=[HealthCheck.too_slow])
@given(scenarios(), st.sampled_from([OPTIONS, COPIES]), st.data())
def test_a_pair_said_different_is_never_paired(
    s: Scenario, options: MatchOptions, data: st.DataObject
) -> None:
    """``identify --different``: whatever pairs the user says are different (drawn among what the
    matcher paired without it: matches, copies, undecided groups, and any other pair), no match,
    copy or lone undecided pair is one of them, and the outcome is still a partition."""
    before, _ = resolve(s, options)
    paired = [(m.photo_id, m.content_id) for m in before.matches]
    paired += [(d.photo_id, d.content_id) for d in before.duplicates]
    paired += [(p, c) for u in before.undecided for p in u.photo_ids for c in u.content_ids]
    anything = [(r.id, p.content_id) for r in s.remote for p in s.local]
    if not anything:
        return
    different = frozenset(
        data.draw(st.lists(st.sampled_from(paired), max_size=3)) if paired else []
    ) | frozenset(data.draw(st.lists(st.sampled_from(anything), max_size=2)))
    result, _ = resolve(s, options, different=different)
    check_partition(s, result)
    assert not {(m.photo_id, m.content_id) for m in result.matches} & different
    assert not {(d.photo_id, d.content_id) for d in result.duplicates} & different
    lone = {
        (u.photo_ids[0], u.content_ids[0]) for u in result.undecided if len(u.photo_ids + u.content_ids) == 2
    }
    assert not lone & different


@settings(max_examples=EXAMPLES, suppress_health_check=[HealthCheck.too_slow])
@given(scenarios())
def test_every_match_is_justified_by_its_rule(s: Scenario) -> None:
    result, _ = resolve(s)
    pictures = {p.content_id: p for p in s.local}
    photos = {r.id: r for r in s.remote}
    for m in result.matches:
        picture, photo = pictures[m.content_id], photos[m.photo_id]
        if m.rule == "machine_tag":
            assert m.content_id in content_ids_in_tags(photo)
        elif m.rule == "flickr_id":
            assert picture.flickr_id == photo.id
        elif m.rule in ("title_date", "date"):
            date = exact_date(picture.date_taken)
            assert date is not None
            assert date == remote_exact_date(photo)
            assert picture.media == photo.media
            if m.rule == "title_date":
                assert title_keys(photo.title) & picture_stems(picture)
        elif m.rule == "original":
            assert cid(s.truth[photo.id]) == m.content_id
        elif m.rule == "phash":
            assert picture.media == photo.media == "photo"
    # A picture tagged on some photo is never left to be uploaded.
    tagged = {c for r in s.remote for c in content_ids_in_tags(r)}
    assert not tagged & set(result.local_only)


@settings(max_examples=EXAMPLES, suppress_health_check=[HealthCheck.too_slow])
@given(
    scenarios(),
    st.sampled_from(["sync", "sync2", "download"]),
    st.booleans(),
    st.randoms(use_true_random=False),
)
def test_plan_properties(s: Scenario, mode: str, prune: bool, rnd: random.Random) -> None:
    result, _ = resolve(s, COPIES)
    options = PlanOptions(mode=mode, root=ROOT, photosets=PhotosetPlanOptions(prune=prune))  # type: ignore[arg-type]
    plan = plan_sync(result, s.local, s.remote, options, sets=s.sets)
    # No action can delete or modify a photo: the vocabulary has none.
    assert {type(a) for a in plan.actions} <= ACTION_TYPES
    # A date fix only for a video already on Flickr, with the local picture's own date.
    matched = {m.content_id: m for m in result.matches}
    by_id = {p.content_id: p for p in s.local}
    for fix in (a for a in plan.actions if isinstance(a, SetDateTaken)):
        assert by_id[fix.content_id].media == "video"
        assert fix.date_taken == by_id[fix.content_id].date_taken
        assert fix.content_id in matched or by_id[fix.content_id].flickr_id == fix.photo_id
    # Each content uploaded at most once; never one Flickr already has or that came from Flickr.
    uploaded = [u.content_id for u in plan.uploads]
    assert len(uploaded) == len(set(uploaded))
    assert not set(uploaded) & {m.content_id for m in result.matches}
    assert all(p.flickr_id is None for p in s.local if p.content_id in uploaded)
    # Downloads: only photos with no local copy, once each, on fresh safe paths inside the root.
    downloaded = [d.photo_id for d in plan.downloads]
    assert len(downloaded) == len(set(downloaded))
    assert set(downloaded) <= set(result.remote_only)
    existing = {p.relpath.casefold() for pic_ in s.local for p in pic_.paths}
    seen: set[str] = set()
    for d in plan.downloads:
        assert d.dest.root == ROOT
        assert is_safe_relpath(d.dest.relpath), d.dest.relpath
        full = posixpath.normpath(posixpath.join(ROOT, d.dest.relpath))
        assert full.startswith(ROOT + "/")
        for part in d.dest.relpath.split("/"):
            assert len(part.encode()) <= 255
            assert part == part.strip()
            assert not part.endswith(".")
        key = d.dest.relpath.casefold()
        assert key not in existing
        assert key not in seen
        seen.add(key)
    # The same plan whatever the input order.
    local, remote, sets = list(s.local), list(s.remote), list(s.sets)
    rnd.shuffle(local)
    rnd.shuffle(remote)
    rnd.shuffle(sets)
    assert plan_sync(result, local, remote, options, sets=sets) == plan


@settings(max_examples=EXAMPLES, suppress_health_check=[HealthCheck.too_slow])
@given(
    scenarios(),
    st.booleans(),
    st.sampled_from([(), ("Trip",), ("a, b", "x*")]),
    st.randoms(use_true_random=False),
)
def test_only_managed_sets_are_touched(
    s: Scenario, prune: bool, include: tuple[str, ...], rnd: random.Random
) -> None:
    result, _ = resolve(s)
    options = PhotosetPlanOptions(prune=prune, include=include, groups=(("Trip", Nsid("1@N01")),))
    plan = plan_photosets(s.local, s.remote, result, s.sets, options)
    by_id = {x.photoset.id: x for x in s.sets}
    from fnmatch import fnmatchcase

    for action in plan.actions:
        sid = getattr(action, "photoset_id", None)
        if sid is None:
            continue
        target = by_id[sid]
        ours = SET_MARKER in target.photoset.description
        named = any(fnmatchcase(clean_title(target.photoset.title), g) for g in include)
        assert ours or named, f"{action} touches a set flickrsync did not make"
        if isinstance(action, DeleteSet):
            assert prune
            assert ours
        if isinstance(action, RemoveFromSet):
            assert len(target.photo_ids) > 1, "never remove a set's last photo"
        if isinstance(action, EditSetPhotos):
            assert action.photo_ids
            assert action.primary in action.photo_ids
            assert len(set(action.photo_ids)) == len(action.photo_ids)
    for action in plan.actions:
        if isinstance(action, CreateSet):
            assert action.photo_ids
            assert action.primary == action.photo_ids[0]
            assert action.description == SET_MARKER
    rnd.shuffle(s.local)
    rnd.shuffle(s.sets)
    assert plan_photosets(s.local, s.remote, result, s.sets, options) == plan
