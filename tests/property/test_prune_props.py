"""Look-match pruning: the buckets find exactly the pairs the rule allows, no more, no fewer.

:class:`~flickrsync.matcher.prune.Candidates` and :class:`~flickrsync.matcher.prune.Pictures` are
only accelerators for :func:`~flickrsync.matcher.prune.implausible`: over generated pictures and
photos (few sizes, EXIF orientations, dates near each other, whole-hour shifts, coarse
granularities, unknown dates with upload times on both sides of the date taken, formats), their
answers must equal trying every pair, both ways; and :meth:`Candidates.near` must find exactly the
candidates within the threshold that :func:`~flickrsync.matcher.hamming` finds.
"""

from __future__ import annotations

import random
from dataclasses import replace

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from flickrsync.matcher import hamming, prune
from flickrsync.matcher.prune import Candidates, Pictures, implausible
from flickrsync.models import LocalPicture, PhotoId, RemotePhoto
from tests.syncfakes import photo, pic

SIZES = [None, (4000, 3000), (3000, 4000), (640, 480), (2000, 1500)]
DATES = [
    None,
    "2014-03-05 05:28:09",
    "2014-03-05 07:28:09",  # two hours later: a time zone
    "2014-03-04 15:28:09",  # fourteen hours earlier
    "2014-03-04 14:28:09",  # fifteen: too far
    "2014-03-05 05:28:10",
    "2014-03-20 00:00:00",
    "2014-00-00 00:00:00",  # no calendar has it
]
UPLOADS = [0, 1_000, 1_393_950_000, 1_394_100_000, 1_394_200_000, 1_500_000_000]

pictures = st.builds(
    lambda seed, date, dims, orientation, fmt, media, resized: replace(
        pic(seed, date=date, dims=dims, orientation=orientation, media=media), format=fmt, resized=resized
    ),
    st.sampled_from("abcdefgh"),
    st.sampled_from(DATES),
    st.sampled_from(SIZES),
    st.sampled_from([None, 1, 6, 8]),
    st.sampled_from(["jpeg", "png", "gif", "heic"]),
    st.sampled_from(["photo", "photo", "video"]),
    # Uploaded as a smaller copy (resize): Flickr holds the copy's size.
    st.sampled_from([None, None, (640, 480), (2000, 1500)]),
)

photos = st.builds(
    lambda date, unknown, granularity, dims, upload, fmt, media: photo(
        "1",
        date=date,
        unknown=unknown,
        granularity=granularity,
        o_dims=dims,
        upload=upload,
        original_format=fmt,
        media=media,
    ),
    st.sampled_from(DATES),
    st.sampled_from([None, True, False]),
    st.sampled_from([0, 0, 4, 6, 8]),
    st.sampled_from(SIZES),
    st.sampled_from(UPLOADS),
    st.sampled_from(["jpg", "png", "gif", None, "heic"]),
    st.sampled_from(["photo", "photo", "video"]),
)


def numbered(items: list[RemotePhoto]) -> list[RemotePhoto]:
    return [replace(p, id=PhotoId(str(i + 1))) for i, p in enumerate(items)]


HASHES = [None, "0" * 64, "0" * 63 + "f", "f" * 64, "00ff" * 16, "0" * 16, "zz" * 32]


@settings(max_examples=300, deadline=None)
@given(
    st.lists(pictures, min_size=1, max_size=4),
    st.lists(photos, max_size=25),
    st.booleans(),
    st.tuples(
        st.lists(st.sampled_from(HASHES), min_size=25, max_size=25),
        st.sampled_from(HASHES[1:]),
        st.integers(0, 10),
    ),
)
def test_the_buckets_find_exactly_the_pairs_the_rule_allows(
    local: list[LocalPicture],
    remote: list[RemotePhoto],
    use_dates: bool,
    looks: tuple[list[str | None], str, int],
) -> None:
    theirs, mine, threshold = looks
    remote = numbered(remote)
    hashes = {p.id: theirs[i] for i, p in enumerate(remote)}
    candidates = Candidates(remote, use_dates=use_dates, hashes=hashes)
    could_be = Pictures(local, use_dates=use_dates)
    for picture in local:
        found = [p.id for p in candidates.of(picture)]
        assert len(found) == len(set(found))  # each once
        allowed = {p.id for p in remote if implausible(picture, p, use_dates=use_dates) is None}
        assert set(found) == allowed
        assert candidates.any(picture) == bool(allowed)
        near = {
            pid: d
            for pid in allowed
            if (h := hashes[pid]) is not None and (d := hamming(mine, h)) is not None and d <= threshold
        }
        assert candidates.near(picture, mine, threshold) == near
    for item in remote:
        back = [id(p) for p in could_be.of(item)]
        assert len(back) == len(set(back))
        allowed_back = {id(p) for p in local if implausible(p, item, use_dates=use_dates) is None}
        assert set(back) == allowed_back
        assert could_be.any(item) == bool(allowed_back)


@settings(max_examples=150, deadline=None)
@given(
    st.lists(pictures, min_size=1, max_size=3),
    st.lists(photos, max_size=25),
    st.lists(st.sampled_from(HASHES), min_size=25, max_size=25),
    st.sampled_from(HASHES[1:]),
    st.integers(0, 10),
)
def test_hashes_compared_with_numpy_find_what_hamming_finds(
    local: list[LocalPicture], remote: list[RemotePhoto], theirs: list[str | None], mine: str, threshold: int
) -> None:
    """The same question with every span of candidates compared with numpy (long spans are)."""
    remote = numbered(remote)
    hashes = {p.id: theirs[i] for i, p in enumerate(remote)}
    candidates = Candidates(remote, use_dates=True, hashes=hashes)
    kept = prune._VECTOR_SPAN
    prune._VECTOR_SPAN = 1
    try:
        for picture in local:
            near = {
                p.id: d
                for p in remote
                if implausible(picture, p, use_dates=True) is None
                and (h := hashes[p.id]) is not None
                and (d := hamming(mine, h)) is not None
                and d <= threshold
            }
            assert candidates.near(picture, mine, threshold) == near
    finally:
        prune._VECTOR_SPAN = kept


@settings(max_examples=150, deadline=None)
@given(
    st.lists(st.tuples(pictures, st.sampled_from(HASHES[1:])), min_size=1, max_size=6),
    st.lists(photos, max_size=25),
    st.lists(st.sampled_from(HASHES), min_size=25, max_size=25),
    st.integers(0, 10),
    st.tuples(st.sampled_from([1, 4, 48]), st.sampled_from([1, 8, 1 << 20])),
)
def test_many_pictures_compared_at_once_find_what_each_alone_finds(
    looks: list[tuple[LocalPicture, str]],
    remote: list[RemotePhoto],
    theirs: list[str | None],
    threshold: int,
    blocks: tuple[int, int],
) -> None:
    """:meth:`Candidates.near_many` compares the long spans of several pictures in blocks (of at
    most ``_VECTOR_WORDS`` words): whatever the block, each picture gets exactly its pairs."""
    remote = numbered(remote)
    hashes = {p.id: theirs[i] for i, p in enumerate(remote)}
    candidates = Candidates(remote, use_dates=True, hashes=hashes)
    kept = prune._VECTOR_SPAN, prune._VECTOR_WORDS
    prune._VECTOR_SPAN, prune._VECTOR_WORDS = blocks
    try:
        found = candidates.near_many(looks, threshold)
    finally:
        prune._VECTOR_SPAN, prune._VECTOR_WORDS = kept
    assert len(found) == len(looks)
    for (picture, mine), near in zip(looks, found, strict=True):
        assert near == {
            p.id: d
            for p in remote
            if implausible(picture, p, use_dates=True) is None
            and (h := hashes[p.id]) is not None
            and (d := hamming(mine, h)) is not None
            and d <= threshold
        }


def test_bits_are_counted_the_same_without_numpy_2(monkeypatch: pytest.MonkeyPatch) -> None:
    rng = random.Random(5)
    words = np.array([[rng.getrandbits(64) for _ in range(4)] for _ in range(50)], dtype=np.uint64)
    expected = [[bin(int(w)).count("1") for w in row] for row in words]
    assert prune._popcount(words).tolist() == expected
    monkeypatch.delattr(np, "bitwise_count", raising=False)
    assert prune._popcount(words).tolist() == expected
