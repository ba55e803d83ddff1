"""Matcher decisions, table-driven like rclone's TestMatchListings (fs/march/march_test.go).

Each case lists the local pictures and the Flickr photos, and the expected outcome: which pairs
match (and by which rule), what stays local only, what stays Flickr only, and duplicates. The
engine's needs loop is run with an oracle that knows the truth (``Truth``), so lazy evidence is
exercised the way the engine will drive it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace

import pytest
from tests.syncfakes import cid, flip, phash_of, photo, pic

from flickrsync.matcher import (
    FileDigests,
    MatchEvidence,
    MatchMemo,
    MatchOptions,
    MatchResult,
    dates_conflict,
    dimensions_compatible,
    hamming,
    match_photos,
    title_keys,
)
from flickrsync.models import ContentId, LocalPicture, PhotoId, RemotePhoto, content_tag

D1 = "2014-03-05 05:28:09"
D2 = "2014-03-05 05:28:10"
TAG_A = content_tag(cid("a"))
DEFAULT_OPTIONS = MatchOptions()


@dataclass
class Truth:
    """What the engine would compute when asked (None = unavailable)."""

    local_phash: Mapping[str, str | None] = field(default_factory=dict)
    remote_phash: Mapping[str, str | None] = field(default_factory=dict)
    originals: Mapping[str, str | None] = field(default_factory=dict)
    digests: Mapping[str, FileDigests | None] = field(default_factory=dict)


def run(
    local: list[LocalPicture],
    remote: list[RemotePhoto],
    truth: Truth | None = None,
    options: MatchOptions = DEFAULT_OPTIONS,
    different: frozenset[tuple[PhotoId, ContentId]] = frozenset(),
) -> tuple[MatchResult, list[str]]:
    """The engine's needs loop; returns the final result and the kinds asked for, in order."""
    truth = truth or Truth()
    evidence = MatchEvidence(different=different)
    asked: list[str] = []
    memo = MatchMemo()  # as the engine keeps one; each round is checked against one without
    result = match_photos(local, remote, options, evidence, memo=memo)
    assert result == match_photos(local, remote, options, evidence)
    while result.needs:
        needs = result.needs
        kinds = [k for k in ("digests", "local_phash", "remote_phash", "originals") if getattr(needs, k)]
        asked.extend(kinds)
        assert len(asked) <= 4, f"asked too often: {asked}"
        new = MatchEvidence(
            digests={c: truth.digests.get(_seed(c)) for c in needs.digests},
            local_phash={c: truth.local_phash.get(_seed(c)) for c in needs.local_phash},
            remote_phash={p: truth.remote_phash.get(p) for p in needs.remote_phash},
            originals={p: _cid_or_none(truth.originals.get(p)) for p in needs.originals},
        )
        for kind in kinds:
            for item in getattr(needs, kind):
                assert item not in getattr(evidence, kind), f"asked twice for {kind} {item}"
        evidence = evidence.merged(new)
        result = match_photos(local, remote, options, evidence, memo=memo)
        assert result == match_photos(local, remote, options, evidence)
    return result, asked


def _seed(content_id: ContentId) -> str:
    for seed in SEEDS:
        if cid(seed) == content_id:
            return seed
    raise AssertionError(f"unknown content id {content_id}")


def _cid_or_none(seed: str | None) -> ContentId | None:
    return cid(seed) if seed is not None else None


SEEDS: list[str] = [*"abcdefghij", "live-heic", "live-mov"]


@dataclass
class Case:
    name: str
    local: list[LocalPicture]
    remote: list[RemotePhoto]
    #: (seed, photo id, rule)
    matches: set[tuple[str, str, str]]
    local_only: set[str] = field(default_factory=set)
    remote_only: set[str] = field(default_factory=set)
    #: (photo id, of photo id)
    duplicates: set[tuple[str, str]] = field(default_factory=set)
    truth: Truth = field(default_factory=Truth)
    options: MatchOptions = field(default_factory=MatchOptions)
    #: The needs kinds the engine is asked for, in order.
    asked: list[str] = field(default_factory=list)


PH_A = phash_of("a")
PH_B = phash_of("b")
#: The look of picture "a" and of a small rendition of it (weak evidence is confirmed by look).
LOOKS_A = Truth(local_phash={"a": PH_A}, remote_phash={"1": flip(PH_A, 2)})

CASES = [
    Case("empty", [], [], set()),
    Case("local only", [pic("a")], [], set(), local_only={"a"}),
    Case("remote only", [], [photo("1", "x")], set(), remote_only={"1"}),
    Case(
        "machine tag",
        [pic("a", "x/IMG_1.jpg")],
        [photo("1", "whatever", tags=[TAG_A])],
        {("a", "1", "machine_tag")},
    ),
    Case(
        "machine tag compared in clean (lower-case) form",
        [pic("a")],
        [photo("1", tags=[TAG_A.upper()])],
        {("a", "1", "machine_tag")},
    ),
    Case(
        "machine tag only in the tags extra (machine_tags empty, seen on Flickr)",
        [pic("a")],
        [
            photo("1").__class__(
                id=PhotoId("1"), title="", secret="s", server="1", tags=(TAG_A,), machine_tags=()
            )
        ],
        {("a", "1", "machine_tag")},
    ),
    Case(
        "two Flickr photos with one tag: earliest upload matches, the other is a duplicate",
        [pic("a")],
        [photo("2", tags=[TAG_A], upload=50), photo("1", tags=[TAG_A], upload=60)],
        {("a", "2", "machine_tag")},
        duplicates={("1", "2")},
    ),
    Case(
        "copies of a picture no longer local: one is Flickr only, the others duplicates",
        [],
        [photo("1", tags=[TAG_A]), photo("2", tags=[TAG_A])],
        set(),
        remote_only={"1"},
        duplicates={("2", "1")},
    ),
    Case(
        "downloaded picture matches the photo it came from",
        [pic("a", flickr_id="7")],
        [photo("7", "x")],
        {("a", "7", "flickr_id")},
    ),
    Case(
        "downloaded picture that is also on a tagged photo: the one it came from is a duplicate",
        [pic("a", flickr_id="7")],
        [photo("7", "x"), photo("3", tags=[TAG_A])],
        {("a", "3", "machine_tag")},
        duplicates={("7", "3")},
    ),
    Case(
        "downloaded picture whose photo was deleted on Flickr stays local only",
        [pic("a", flickr_id="7")],
        [],
        set(),
        local_only={"a"},
    ),
    Case(
        "a photo tagged for two pictures is a conflict: neither tag counts, its look decides",
        [pic("a"), pic("b")],
        [photo("1", tags=[TAG_A, content_tag(cid("b"))])],
        {("a", "1", "phash")},
        local_only={"b"},
        truth=Truth(local_phash={"a": PH_A, "b": PH_B}, remote_phash={"1": PH_A}),
        asked=["local_phash", "remote_phash"],
    ),
    Case(
        "our tag on a photo of another size is not trusted (forged or copied)",
        [pic("a", dims=(4000, 3000))],
        [photo("1", tags=[TAG_A], o_dims=(640, 427))],
        set(),
        local_only={"a"},
        remote_only={"1"},
    ),
    Case(
        "our tag on the picture's smaller copy (a resized upload, any long edge) is trusted",
        [pic("a", dims=(4000, 3000), orientation=6), pic("b", dims=(3000, 2000))],
        [
            photo("1", tags=[TAG_A], o_dims=(480, 640)),
            photo("2", tags=[content_tag(cid("b"))], o_dims=(2048, 1365)),
        ],
        {("a", "1", "machine_tag"), ("b", "2", "machine_tag")},
    ),
    Case(
        "our tag on a quarter-turned picture's photo is trusted",
        [pic("a", dims=(4000, 3000), orientation=8)],
        [photo("1", tags=[TAG_A], o_dims=(3000, 4000))],
        {("a", "1", "machine_tag")},
    ),
    Case(
        "a checksum tag on a photo of another size is not trusted",
        [pic("a", dims=(4000, 3000), md5="aa" * 16, sha1="bb" * 20)],
        [photo("1", tags=["checksum:md5=" + "aa" * 16], o_dims=(640, 480))],
        set(),
        local_only={"a"},
        remote_only={"1"},
    ),
    Case(
        "title + date to the second",
        [pic("a", "2014/IMG_0001.JPG", date=D1)],
        [photo("1", "IMG_0001", date=D1)],
        {("a", "1", "title_date")},
        truth=LOOKS_A,
        asked=["local_phash", "remote_phash"],
    ),
    Case(
        "title kept the extension",
        [pic("a", "IMG_1.JPG", date=D1)],
        [photo("1", "IMG_1.JPG", date=D1)],
        {("a", "1", "title_date")},
        truth=LOOKS_A,
        asked=["local_phash", "remote_phash"],
    ),
    Case(
        "title case-insensitive and Unicode-normalised (NFD file name, NFC title)",
        [pic("a", "Cafe\u0301.jpg", date=D1)],
        [photo("1", "CAFÉ", date=D1)],
        {("a", "1", "title_date")},
        truth=LOOKS_A,
        asked=["local_phash", "remote_phash"],
    ),
    Case(
        "a duplicate's other name provides the title",
        [pic("a", "x/IMG_1.jpg", "y/Renamed.jpg", date=D1)],
        [photo("1", "renamed", date=D1)],
        {("a", "1", "title_date")},
        truth=LOOKS_A,
        asked=["local_phash", "remote_phash"],
    ),
    Case(
        "never on an unknown date (Flickr filled in the upload time)",
        [pic("a", "IMG_1.jpg", date=D1, dims=(4000, 3000))],
        [photo("1", "IMG_1", date=D1, unknown=True, o_dims=(640, 480))],
        set(),
        local_only={"a"},
        remote_only={"1"},
    ),
    Case(
        "one second apart: no match by title+date",
        [pic("a", "IMG_1.jpg", date=D1, dims=(4000, 3000))],
        [photo("1", "IMG_1", date=D2, o_dims=(640, 480))],
        set(),
        local_only={"a"},
        remote_only={"1"},
    ),
    Case(
        "month granularity is not a date to the second",
        [pic("a", "IMG_1.jpg", date=D1, dims=(4000, 3000))],
        [photo("1", "IMG_1", date=D1, granularity=4, o_dims=(640, 480))],
        set(),
        local_only={"a"},
        remote_only={"1"},
    ),
    Case(
        "--nodatematch turns title+date off",
        [pic("a", "IMG_1.jpg", date=D1, dims=(4000, 3000))],
        [photo("1", "IMG_1", date=D1, o_dims=(640, 480))],
        set(),
        local_only={"a"},
        remote_only={"1"},
        options=MatchOptions(date_match=False),
    ),
    Case(
        "same title and date twice on Flickr: ambiguous, left to later stages",
        [pic("a", "IMG_1.jpg", date=D1, media="video")],
        [photo("1", "IMG_1", date=D1, media="video"), photo("2", "IMG_1", date=D1, media="video")],
        set(),
        local_only={"a"},
        remote_only={"1", "2"},
    ),
    Case(
        "Live Photo: HEIC and MOV share name and date, media tells them apart",
        [
            pic("live-heic", "IMG_9.HEIC", date=D1),
            pic("live-mov", "IMG_9.MOV", date=D1, media="video"),
        ],
        [photo("1", "IMG_9", date=D1), photo("2", "IMG_9", date=D1, media="video")],
        {("live-heic", "1", "title_date"), ("live-mov", "2", "title_date")},
        truth=Truth(local_phash={"live-heic": PH_A}, remote_phash={"1": PH_A}),
        asked=["local_phash", "remote_phash"],
    ),
    Case(
        "photo uploaded by flickrsync 0.1.1 matches by title+date, not by its signature",
        [pic("a", "IMG_1.jpg", date=D1)],
        [photo("1", "IMG_1", date=D1, tags=["flickrsync:signature=abcdef"])],
        {("a", "1", "title_date")},
        truth=LOOKS_A,
        asked=["local_phash", "remote_phash"],
    ),
    Case(
        "date alone when the title was changed on Flickr",
        [pic("a", "IMG_1.jpg", date=D1)],
        [photo("1", "Sunset over the bay", date=D1)],
        {("a", "1", "date")},
        truth=LOOKS_A,
        asked=["local_phash", "remote_phash"],
    ),
    Case(
        "date alone on another picture of that second and size: its look and original refute it",
        [pic("a", "IMG_1.jpg", date=D1, dims=(4000, 3000))],
        [photo("1", "Sunset", date=D1, o_dims=(4000, 3000))],
        set(),
        local_only={"a"},
        remote_only={"1"},
        truth=Truth(local_phash={"a": PH_A}, remote_phash={"1": PH_B}, originals={"1": "b"}),
        asked=["local_phash", "remote_phash", "originals"],
    ),
    Case(
        "title + date whose look differs (rotated on Flickr): the original confirms it",
        [pic("a", "IMG_1.jpg", date=D1)],
        [photo("1", "IMG_1", date=D1)],
        {("a", "1", "title_date")},
        truth=Truth(local_phash={"a": PH_A}, remote_phash={"1": PH_B}, originals={"1": "a"}),
        asked=["local_phash", "remote_phash", "originals"],
    ),
    Case(
        "title + date with no small rendition to compare: the original decides",
        [pic("a", "IMG_1.jpg", date=D1)],
        [photo("1", "IMG_1", date=D1)],
        {("a", "1", "title_date")},
        truth=Truth(local_phash={"a": PH_A}, remote_phash={"1": None}, originals={"1": "a"}),
        asked=["local_phash", "remote_phash", "originals"],
    ),
    Case(
        "a video's title + date matches unconfirmed (no look to compare); its date alone does not",
        [pic("a", "MVI_1.MOV", date=D1, media="video"), pic("b", "MVI_2.MOV", date=D2, media="video")],
        [photo("1", "MVI_1", date=D1, media="video"), photo("2", "Boat", date=D2, media="video")],
        {("a", "1", "title_date")},
        local_only={"b"},
        remote_only={"2"},
    ),
    Case(
        "date alone refuses a title that is another camera file name",
        [pic("a", "IMG_1.jpg", date=D1, media="video")],
        [photo("1", "IMG_2", date=D1, media="video")],
        set(),
        local_only={"a"},
        remote_only={"1"},
    ),
    Case(
        "date alone needs uniqueness on both sides",
        [pic("a", "x.jpg", date=D1, media="video"), pic("b", "y.jpg", date=D1, media="video")],
        [photo("1", "Sunset", date=D1, media="video")],
        set(),
        local_only={"a", "b"},
        remote_only={"1"},
    ),
    Case(
        "date alone needs compatible dimensions",
        [pic("a", "x.jpg", date=D1, dims=(4000, 3000), media="video")],
        [photo("1", "Sunset", date=D1, o_dims=(640, 480), media="video")],
        set(),
        local_only={"a"},
        remote_only={"1"},
    ),
    Case(
        "look-alike: one candidate each way matches on the small size's hash",
        [pic("a", "renamed.jpg", date=D1, dims=(4000, 3000))],
        [photo("1", "Holiday", date=None, o_dims=(4000, 3000))],
        {("a", "1", "phash")},
        truth=Truth(local_phash={"a": PH_A}, remote_phash={"1": flip(PH_A, 2)}),
        asked=["local_phash", "remote_phash"],
    ),
    Case(
        "look-alike too far apart: no match",
        [pic("a", dims=(4000, 3000))],
        [photo("1", o_dims=(4000, 3000))],
        set(),
        local_only={"a"},
        remote_only={"1"},
        truth=Truth(local_phash={"a": PH_A}, remote_phash={"1": PH_B}),
        asked=["local_phash", "remote_phash"],
    ),
    Case(
        "different original size: no hash is even asked for",
        [pic("a", dims=(4000, 3000))],
        [photo("1", o_dims=(3000, 4000))],
        set(),
        local_only={"a"},
        remote_only={"1"},
    ),
    Case(
        "EXIF orientation 6 (quarter turn): swapped dimensions are the same picture",
        [pic("a", dims=(4000, 3000), orientation=6)],
        [photo("1", o_dims=(3000, 4000))],
        {("a", "1", "phash")},
        truth=Truth(local_phash={"a": PH_A}, remote_phash={"1": PH_A}),
        asked=["local_phash", "remote_phash"],
    ),
    Case(
        "a look-alike two hours off (a camera clock in another time zone) is decided by its original: "
        "another shot",
        [pic("a", date=D1, dims=(4000, 3000))],
        [photo("1", date="2014-03-05 07:28:09", o_dims=(4000, 3000))],
        set(),
        local_only={"a"},
        remote_only={"1"},
        truth=Truth(local_phash={"a": PH_A}, remote_phash={"1": PH_A}, originals={"1": "j"}),
        asked=["local_phash", "remote_phash", "originals"],
    ),
    Case(
        "a look-alike whose clock was fixed by whole hours after the upload: its original is ours",
        [pic("a", date=D1, dims=(4000, 3000))],
        [photo("1", date="2014-03-04 15:28:09", o_dims=(4000, 3000))],
        {("a", "1", "original")},
        truth=Truth(local_phash={"a": PH_A}, remote_phash={"1": PH_A}, originals={"1": "a"}),
        asked=["local_phash", "remote_phash", "originals"],
    ),
    Case(
        "another date (not a time zone apart): pruned, nothing is fetched",
        [pic("a", date=D1, dims=(4000, 3000))],
        [
            photo("1", date="2015-01-01 00:00:00", o_dims=(4000, 3000)),
            photo("2", date="2014-03-05 05:28:10", o_dims=(4000, 3000)),
            photo("3", date="2014-03-05 20:28:09", o_dims=(4000, 3000)),
        ],
        set(),
        local_only={"a"},
        remote_only={"1", "2", "3"},
        truth=Truth(local_phash={"a": PH_A}, remote_phash={"1": PH_A, "2": PH_A, "3": PH_A}),
    ),
    Case(
        "Flickr does not know the date: a photo uploaded before the picture was taken is pruned",
        [pic("a", date=D1, dims=(4000, 3000))],
        [
            photo("1", o_dims=(4000, 3000), upload=1_300_000_000),  # 2011
            photo("2", o_dims=(4000, 3000), upload=1_393_950_000),  # 2014-03-04 16:20 UTC: same day
        ],
        {("a", "2", "phash")},
        remote_only={"1"},
        truth=Truth(local_phash={"a": PH_A}, remote_phash={"1": PH_A, "2": PH_A}),
        asked=["local_phash", "remote_phash"],
    ),
    Case(
        "a PNG original is no JPEG picture: pruned",
        [pic("a", dims=(4000, 3000))],
        [photo("1", o_dims=(4000, 3000), original_format="png")],
        set(),
        local_only={"a"},
        remote_only={"1"},
        truth=Truth(local_phash={"a": PH_A}, remote_phash={"1": PH_A}),
    ),
    Case(
        "year granularity: same year does not conflict",
        [pic("a", date=D1, dims=(4000, 3000))],
        [photo("1", date="2014-01-01 00:00:00", granularity=6, o_dims=(4000, 3000))],
        {("a", "1", "phash")},
        truth=Truth(local_phash={"a": PH_A}, remote_phash={"1": PH_A}),
        asked=["local_phash", "remote_phash"],
    ),
    Case(
        "two look-alike pictures, one photo: its original decides",
        [pic("a", dims=(4000, 3000)), pic("b", dims=(4000, 3000))],
        [photo("1", o_dims=(4000, 3000))],
        {("b", "1", "original")},
        local_only={"a"},
        truth=Truth(
            local_phash={"a": PH_A, "b": flip(PH_A, 1)},
            remote_phash={"1": flip(PH_A, 2)},
            originals={"1": "b"},
        ),
        asked=["local_phash", "remote_phash", "originals"],
    ),
    Case(
        "one picture, two look-alike photos that are both it: one match, one duplicate",
        [pic("a", dims=(4000, 3000))],
        [photo("1", o_dims=(4000, 3000)), photo("2", o_dims=(4000, 3000))],
        {("a", "1", "original")},
        duplicates={("2", "1")},
        truth=Truth(
            local_phash={"a": PH_A},
            remote_phash={"1": PH_A, "2": PH_A},
            originals={"1": "a", "2": "a"},
        ),
        asked=["local_phash", "remote_phash", "originals"],
    ),
    Case(
        "an original that is none of ours rules that photo out",
        [pic("a", dims=(4000, 3000))],
        [photo("1", o_dims=(4000, 3000)), photo("2", o_dims=(4000, 3000))],
        {("a", "2", "original")},
        remote_only={"1"},
        truth=Truth(
            local_phash={"a": PH_A},
            remote_phash={"1": PH_A, "2": PH_A},
            originals={"1": "j", "2": "a"},
        ),
        asked=["local_phash", "remote_phash", "originals"],
    ),
    Case(
        "videos are never matched by look",
        [pic("a", media="video", dims=(1920, 1080))],
        [photo("1", media="video", o_dims=(1920, 1080))],
        set(),
        local_only={"a"},
        remote_only={"1"},
    ),
    Case(
        "an extra Flickr copy of a matched picture (same name and date) is a duplicate",
        [pic("a", "IMG_1.jpg", date=D1)],
        [photo("1", tags=[TAG_A]), photo("2", "IMG_1", date=D1)],
        {("a", "1", "machine_tag")},
        duplicates={("2", "1")},
        truth=Truth(originals={"2": "a"}),
        options=MatchOptions(check_flickr_copies=True),
        asked=["originals"],
    ),
    Case(
        "a burst shot of the same second looks alike but its original is another picture",
        [pic("a", "IMG_1.jpg", date=D1, dims=(4000, 3000))],
        [photo("1", tags=[TAG_A]), photo("2", "Burst", date=D1, o_dims=(4000, 3000))],
        {("a", "1", "machine_tag")},
        remote_only={"2"},
        truth=Truth(local_phash={"a": PH_A}, remote_phash={"2": flip(PH_A, 3)}, originals={"2": "j"}),
        options=MatchOptions(check_flickr_copies=True),
        asked=["local_phash", "remote_phash", "originals"],
    ),
    Case(
        "copies are not looked for unless asked (sync uploads only)",
        [pic("a", "IMG_1.jpg", date=D1)],
        [photo("1", tags=[TAG_A]), photo("2", "IMG_1", date=D1)],
        {("a", "1", "machine_tag")},
        remote_only={"2"},
    ),
    Case(
        "--nodatematch: a date that differs does not veto a look-alike",
        [pic("a", date=D1, dims=(4000, 3000))],
        [photo("1", date="2015-01-01 00:00:00", o_dims=(4000, 3000))],
        {("a", "1", "phash")},
        truth=Truth(local_phash={"a": PH_A}, remote_phash={"1": PH_A}),
        options=MatchOptions(date_match=False),
        asked=["local_phash", "remote_phash"],
    ),
    Case(
        "a photo tagged for a picture no longer local is not taken by a look-alike (burst) of it",
        [pic("b", "IMG_2.jpg", date=D1, dims=(4000, 3000))],
        [photo("1", "IMG_1", date=D1, o_dims=(4000, 3000), tags=[TAG_A])],
        set(),
        local_only={"b"},
        remote_only={"1"},
    ),
    Case(
        "confirm_lookalikes: even a lone look-alike is decided by its original",
        [pic("a", dims=(4000, 3000))],
        [photo("1", o_dims=(4000, 3000))],
        set(),
        local_only={"a"},
        remote_only={"1"},
        truth=Truth(local_phash={"a": PH_A}, remote_phash={"1": PH_A}, originals={"1": "b"}),
        options=MatchOptions(confirm_lookalikes=True),
        asked=["local_phash", "remote_phash", "originals"],
    ),
    Case(
        "checksum:md5 tag of another uploader",
        [pic("a", "x.jpg")],
        [photo("1", "x-other", tags=["checksum:md5=" + "0" * 31 + "1"])],
        {("a", "1", "checksum")},
        truth=Truth(digests={"a": FileDigests(md5="0" * 31 + "1", sha1="f" * 40)}),
        asked=["digests"],
    ),
    Case(
        "checksum:sha1 tag, digests already known: nothing asked",
        [pic("a", md5="1" * 32, sha1="ab" * 20)],
        [photo("1", tags=["checksum:sha1=" + "AB" * 20])],
        {("a", "1", "checksum")},
    ),
    Case(
        "checksum tags only on matched photos: no digest is computed",
        [pic("a"), pic("b", "IMG_2.jpg", date=D1)],
        [photo("1", tags=[TAG_A, "checksum:md5=" + "2" * 32])],
        {("a", "1", "machine_tag")},
        local_only={"b"},
    ),
]


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_match_listings(case: Case) -> None:
    result, asked = run(case.local, case.remote, case.truth, case.options)
    seed_of = {cid(s): s for s in SEEDS}
    got = {(seed_of[m.content_id], m.photo_id, m.rule) for m in result.matches}
    assert got == case.matches
    assert {seed_of[c] for c in result.local_only} == case.local_only
    assert set(result.remote_only) == case.remote_only
    assert {(d.photo_id, d.of) for d in result.duplicates} == case.duplicates
    assert asked == case.asked
    assert result.complete
    assert all(m.reason for m in result.matches)


def test_a_jpeg_original_may_be_a_heic_picture_converted_before_the_upload() -> None:
    heic = replace(pic("a", dims=(4032, 3024)), format="heic")
    truth = Truth(local_phash={"a": PH_A}, remote_phash={"1": PH_A})
    result, asked = run([heic], [photo("1", o_dims=(4032, 3024), original_format="jpg")], truth)
    assert asked == ["local_phash", "remote_phash"]
    assert [(m.photo_id, m.rule) for m in result.matches] == [("1", "phash")]


def test_the_result_counts_the_look_ups_pruning_skipped() -> None:
    local = [pic("a", date=D1, dims=(4000, 3000)), pic("b", date=D1, dims=(640, 480))]
    remote = [
        photo("1", date=D1, o_dims=(4000, 3000), title="IMG_9"),
        photo("2", date="2016-01-01 00:00:00", o_dims=(4000, 3000)),
        photo("3", date="2017-01-01 00:00:00", o_dims=(4000, 3000)),
        photo("4", o_dims=(1024, 768), upload=1_500_000_000),
    ]
    truth = Truth(local_phash={"a": PH_A}, remote_phash={"1": PH_B})
    result, asked = run(local, remote, truth)
    assert asked == ["local_phash", "remote_phash"]
    assert result.pruning.renditions == 3  # 2 and 3 (dates), 4 (size): only 1 was fetched
    assert result.pruning.decodes == 1  # b: no photo of its size


def test_reason_names_title_and_date_and_how_it_was_confirmed() -> None:
    result, _ = run([pic("a", "2014/IMG_0001.JPG", date=D1)], [photo("1", "IMG_0001", date=D1)], LOOKS_A)
    assert (
        result.matches[0].reason
        == "title+date: IMG_0001 / 2014-03-05 05:28:09, confirmed by look (distance 2)"
    )
    assert result.matches[0].confirmed


def test_reason_marks_legacy_uploads() -> None:
    result, _ = run(
        [pic("a", "IMG_1.jpg", date=D1)],
        [photo("1", "IMG_1", date=D1, tags=["flickrsync:signature=ab"])],
        LOOKS_A,
    )
    assert "flickrsync 0.1.1" in result.matches[0].reason


def test_weak_evidence_is_held_until_it_is_confirmed() -> None:
    """Before the look is in, the pair is neither uploaded nor downloaded: the result is incomplete."""
    first = match_photos([pic("a", "IMG_1.jpg", date=D1)], [photo("1", "IMG_1", date=D1)])
    assert not first.complete
    assert (first.needs.local_phash, first.needs.remote_phash) == ((cid("a"),), ("1",))
    assert not first.local_only
    assert not first.remote_only


def test_weak_evidence_neither_look_nor_original_can_confirm_is_undecided() -> None:
    truth = Truth(local_phash={"a": None}, remote_phash={"1": PH_A}, originals={"1": None})
    result, asked = run([pic("a", "IMG_1.jpg", date=D1)], [photo("1", "IMG_1", date=D1)], truth)
    assert asked == ["local_phash", "remote_phash", "originals"]
    assert not result.matches
    [undecided] = result.undecided
    assert (undecided.content_ids, undecided.photo_ids) == ((cid("a"),), ("1",))
    assert "neither its look nor its original could be compared" in undecided.reason


def test_a_videos_title_and_date_is_an_unconfirmed_match() -> None:
    result, asked = run(
        [pic("a", "MVI_1.MOV", date=D1, media="video")], [photo("1", "MVI_1", date=D1, media="video")]
    )
    assert asked == []
    [match] = result.matches
    assert (match.rule, match.confirmed) == ("title_date", False)
    assert "not confirmed: videos are not compared by look" in match.reason


def test_distrusted_tags_are_reported_once_per_photo() -> None:
    tag_b = content_tag(cid("b"))
    local = [pic("a", dims=(4000, 3000)), pic("b", dims=(4000, 3000))]
    remote = [
        photo("1", tags=[TAG_A, tag_b], o_dims=(4000, 3000)),
        photo("2", tags=[TAG_A], o_dims=(640, 427)),
    ]
    truth = Truth(local_phash={"a": PH_A, "b": PH_B}, remote_phash={"1": phash_of("x"), "2": phash_of("y")})
    result, _ = run(local, remote, truth)
    assert [(d.photo_id, d.tags) for d in result.doubts] == [
        ("1", tuple(sorted((TAG_A, tag_b)))),
        ("2", (TAG_A,)),
    ]
    assert "carries 2 different flickrsync:imagehash= tags" in result.doubts[0].reason
    assert "names a picture of 4000×3000, but the photo's original is 640×427" in result.doubts[1].reason
    assert not result.matches


def test_unavailable_originals_leave_the_group_undecided() -> None:
    local = [pic("a", dims=(4000, 3000)), pic("b", dims=(4000, 3000))]
    remote = [photo("1", o_dims=(4000, 3000))]
    truth = Truth(local_phash={"a": PH_A, "b": PH_A}, remote_phash={"1": PH_A}, originals={"1": None})
    result, asked = run(local, remote, truth)
    assert asked == ["local_phash", "remote_phash", "originals"]
    assert not result.matches
    assert not result.local_only
    assert not result.remote_only
    assert len(result.undecided) == 1
    assert set(result.undecided[0].content_ids) == {cid("a"), cid("b")}
    assert result.undecided[0].photo_ids == ("1",)


def test_unreadable_picture_digest_is_not_asked_again() -> None:
    local = [pic("a", media="video")]
    remote = [photo("1", tags=["checksum:md5=" + "3" * 32])]
    first = match_photos(local, remote)
    assert first.needs.digests == (cid("a"),)
    second = match_photos(local, remote, evidence=MatchEvidence(digests={cid("a"): None}))
    assert second.complete
    assert second.local_only == (cid("a"),)
    assert second.remote_only == ("1",)


def test_incomplete_result_keeps_the_partition() -> None:
    local = [pic("a"), pic("b", dims=(4000, 3000))]
    remote = [photo("1", tags=[TAG_A]), photo("2", o_dims=(4000, 3000))]
    result = match_photos(local, remote)
    assert not result.complete
    assert result.needs.local_phash == (cid("b"),)
    assert result.needs.remote_phash == ("2",)
    assert [m.photo_id for m in result.matches] == ["1"]


def test_known_remote_phash_from_the_index_is_not_fetched_again() -> None:
    local = [pic("a", dims=(4000, 3000), phash=PH_A)]
    remote = [photo("1", o_dims=(4000, 3000))]
    result = match_photos(local, remote, evidence=MatchEvidence(remote_phash={PhotoId("1"): PH_A}))
    assert result.complete
    assert [(m.photo_id, m.rule) for m in result.matches] == [("1", "phash")]


def test_duplicate_ids_are_a_caller_bug() -> None:
    with pytest.raises(ValueError, match="content id"):
        match_photos([pic("a"), pic("a")], [])
    with pytest.raises(ValueError, match="photo id"):
        match_photos([], [photo("1"), photo("1")])


@pytest.mark.parametrize(
    ("title", "keys"),
    [
        ("IMG_1", {"img_1"}),
        ("IMG_1.JPG", {"img_1.jpg", "img_1"}),
        ("Holiday.2014", {"holiday.2014"}),
        ("  ", set()),
        (".jpg", {".jpg"}),
        ("a.b.heic", {"a.b.heic", "a.b"}),
    ],
)
def test_title_keys(title: str, keys: set[str]) -> None:
    assert title_keys(title) == keys


@pytest.mark.parametrize(
    ("local_dims", "orientation", "o_dims", "ok"),
    [
        ((4000, 3000), None, (4000, 3000), True),
        ((4000, 3000), 1, (3000, 4000), False),
        ((4000, 3000), 6, (3000, 4000), True),
        ((4000, 3000), 8, (4000, 3000), True),
        ((4000, 3000), 3, (3000, 4000), False),
        (None, None, (3000, 4000), True),
        ((4000, 3000), None, None, True),
    ],
)
def test_dimensions_compatible(
    local_dims: tuple[int, int] | None, orientation: int | None, o_dims: tuple[int, int] | None, ok: bool
) -> None:
    assert (
        dimensions_compatible(pic("a", dims=local_dims, orientation=orientation), photo("1", o_dims=o_dims))
        is ok
    )


@pytest.mark.parametrize(
    ("local", "remote", "granularity", "unknown", "conflict"),
    [
        (D1, D1, 0, False, False),
        (D1, D2, 0, False, True),
        (D1, D2, 0, True, False),
        (D1, "2014-03-01 00:00:00", 4, False, False),
        (D1, "2014-04-01 00:00:00", 4, False, True),
        (D1, "2013-01-01 00:00:00", 6, False, True),
        (D1, "1990-01-01 00:00:00", 8, False, False),
        (None, D1, 0, False, False),
        ("garbage", D1, 0, False, False),
        (D1, "0000-00-00 00:00:00", 0, False, False),
    ],
)
def test_dates_conflict(
    local: str | None, remote: str, granularity: int, unknown: bool, conflict: bool
) -> None:
    photo_ = photo("1", date=remote, granularity=granularity, unknown=unknown)
    assert dates_conflict(local, photo_) is conflict


def test_hamming() -> None:
    assert hamming("00ff", "00fe") == 1
    assert hamming("ffff", "0000") == 16
    assert hamming("ff", "ffff") is None
    assert hamming("zz", "00") is None


def test_a_known_original_overrides_a_stale_tag() -> None:
    """A photo once tagged for a burst shot (by look) whose original is another, matched picture
    is a duplicate of that picture's photo, not something to download."""
    local = [pic("a")]
    remote = [photo("1", tags=[TAG_A]), photo("2", tags=[content_tag(cid("b"))])]
    result = match_photos(local, remote, evidence=MatchEvidence(originals={PhotoId("2"): cid("a")}))
    assert [(d.photo_id, d.of) for d in result.duplicates] == [("2", "1")]
    assert result.remote_only == ()


def _apart(*pairs: tuple[str, str]) -> frozenset[tuple[PhotoId, ContentId]]:
    """Pairs the user said are different (``identify --different``): (photo id, seed)."""
    return frozenset((PhotoId(pid), cid(seed)) for pid, seed in pairs)


def test_a_pair_said_different_leaves_a_look_alike_group() -> None:
    """Two pictures look like one photo whose original cannot be had: undecided. Said "1 is not
    a", the pair 1-b is alone and matched by look; said not b either, nothing pairs them."""
    local = [pic("a", dims=(4000, 3000)), pic("b", dims=(4000, 3000))]
    remote = [photo("1", o_dims=(4000, 3000))]
    truth = Truth(local_phash={"a": PH_A, "b": PH_A}, remote_phash={"1": PH_A}, originals={"1": None})
    result, _ = run(local, remote, truth, different=_apart(("1", "a")))
    assert [(m.content_id, m.photo_id, m.rule) for m in result.matches] == [(cid("b"), "1", "phash")]
    assert result.local_only == (cid("a"),)
    assert not result.undecided
    result, asked = run(local, remote, truth, different=_apart(("1", "a"), ("1", "b")))
    assert not result.matches
    assert not result.undecided
    assert sorted(result.local_only) == sorted([cid("a"), cid("b")])
    assert result.remote_only == ("1",)
    assert "originals" not in asked


def test_a_pair_said_different_is_not_matched_by_any_rule() -> None:
    """Our tag, title + date (no evidence is even asked for it), a checksum tag, the original."""
    tagged = run([pic("a")], [photo("1", tags=[TAG_A])], different=_apart(("1", "a")))[0]
    assert (tagged.matches, tagged.local_only, tagged.remote_only) == ((), (cid("a"),), ("1",))
    first = match_photos(
        [pic("a", "IMG_1.jpg", date=D1)],
        [photo("1", "IMG_1", date=D1)],
        evidence=MatchEvidence(different=_apart(("1", "a"))),
    )
    assert first.complete
    assert (first.matches, first.local_only, first.remote_only) == ((), (cid("a"),), ("1",))
    copies = run(
        [pic("a", dims=(4000, 3000))],
        [photo("1", tags=[TAG_A]), photo("2", tags=[TAG_A])],
        different=_apart(("1", "a")),
    )[0]
    assert [(m.photo_id, m.rule) for m in copies.matches] == [("2", "machine_tag")]
    assert not copies.duplicates  # 1 is no copy of a either
    assert copies.remote_only == ("1",)


def test_a_memo_is_reused_only_for_what_the_strong_stages_read() -> None:
    """The engine keeps a :class:`MatchMemo` across the rounds of one matching loop; a call
    given other input than the strong stages read (the indexes, identified and different pairs,
    digests) than the call before starts over instead of reusing it: each answer is the one
    without a memo."""
    local = [pic("a", "IMG_1.jpg", date=D1), pic("b", "x.jpg")]
    remote = [photo("1", "IMG_1", date=D1), photo("2", "other", tags=["checksum:md5=" + "0" * 31 + "1"])]
    digests: dict[ContentId, FileDigests | None] = {
        cid("b"): FileDigests(md5="0" * 31 + "1", sha1="f" * 40),
        cid("a"): None,
    }
    base = MatchEvidence(
        digests=digests, local_phash={cid("a"): PH_A}, remote_phash={PhotoId("1"): flip(PH_A, 2)}
    )
    variants = [
        (local, remote, base.merged(MatchEvidence(digests={cid("b"): None}))),
        (local, remote, base.merged(MatchEvidence(identified={PhotoId("1"): cid("b")}))),
        (local, remote, replace(base, different=frozenset({(PhotoId("1"), cid("a"))}))),
        (local[:1], remote, base),
        (local, remote[:1], base),
    ]
    calls: list[tuple[list[LocalPicture], list[RemotePhoto], MatchEvidence]] = []
    for variant in variants:  # each after the same base call: it differs from it in one input
        calls += [(local, remote, base), variant]
    memo = MatchMemo()
    answers = [match_photos(*call[:2], DEFAULT_OPTIONS, call[2], memo=memo) for call in calls]
    assert answers == [match_photos(*call[:2], DEFAULT_OPTIONS, call[2]) for call in calls]
    assert all(answers[i] != answers[0] for i in range(1, len(answers), 2))  # each variant differs


def test_a_photo_pruned_while_its_picture_was_held_is_asked_about_once_the_picture_is_free() -> None:
    """Round 1 prunes photo 2 (no free picture could be it: ``a`` is held for a title + date
    pair); when ``a``'s original refutes that pair, ``a`` is free again and photo 2 must be
    compared by look after all — what the memo kept of round 1's pruning no longer holds."""
    local = [pic("a", "IMG_1.jpg", date=D1, dims=(4000, 3000)), pic("b", "b.jpg", dims=(640, 480))]
    remote = [photo("1", "IMG_1", date=D1, o_dims=(4000, 3000)), photo("2", o_dims=(4000, 3000))]
    truth = Truth(
        local_phash={"a": PH_A},
        remote_phash={"1": PH_B, "2": flip(PH_A, 2)},
        originals={"1": "c"},
    )
    result, asked = run(local, remote, truth)
    assert asked == ["local_phash", "remote_phash", "originals", "remote_phash"]
    assert [(m.content_id, m.photo_id, m.rule) for m in result.matches] == [(cid("a"), "2", "phash")]
    assert result.remote_only == ("1",)
