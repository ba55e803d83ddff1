"""split_window: the windows a crowded listing is cut into cover it exactly, without overlap."""

from __future__ import annotations

import itertools

from hypothesis import given
from hypothesis import strategies as st

from flickrsync.listing import Window, split_window
from flickrsync.models import FLICKR_EPOCH

NOW = 1_800_000_000
bounds = st.one_of(st.none(), st.integers(min_value=0, max_value=NOW + 10))


def covered(windows: list[Window], lo: int, hi: int) -> list[int]:
    """Which seconds of [lo, hi] each fall in (as a count per second), for small ranges."""
    return [
        sum(1 for w in windows if (w.lo is None or w.lo <= t) and (w.hi is None or t <= w.hi))
        for t in range(lo, hi + 1)
    ]


@given(lo=bounds, hi=bounds, total=st.one_of(st.none(), st.integers(min_value=0, max_value=10**6)))
def test_windows_tile_the_parent(lo: int | None, hi: int | None, total: int | None) -> None:
    if lo is not None and hi is not None and lo > hi:
        lo, hi = hi, lo
    parent = Window(lo, hi)
    subs = split_window(parent, total, now=NOW)
    if not subs:
        assert (lo or 0) == hi, "only a one-second window (dates start at 0) cannot be cut"
        return
    assert len(subs) >= 2
    # ends stay as open as the parent's
    assert subs[0].lo == lo
    assert subs[-1].hi == hi
    # consecutive, non-overlapping, each non-empty
    for left, right in itertools.pairwise(subs):
        assert left.hi is not None
        assert right.lo == left.hi + 1
    for w in subs:
        if w.lo is not None and w.hi is not None:
            assert w.lo <= w.hi


@given(lo=st.integers(min_value=0, max_value=10_000), width=st.integers(min_value=1, max_value=300))
def test_every_second_in_exactly_one_window(lo: int, width: int) -> None:
    hi = lo + width
    subs = split_window(Window(lo, hi), 50_000, now=NOW)
    assert covered(subs, lo, hi) == [1] * (width + 1)


def test_many_photos_give_more_slices() -> None:
    few = split_window(Window(FLICKR_EPOCH, NOW), 5_000, now=NOW)
    many = split_window(Window(FLICKR_EPOCH, NOW), 30_000, now=NOW)
    assert len(few) == 2
    assert len(many) == 10
    assert len(split_window(Window(FLICKR_EPOCH, NOW), 10**7, now=NOW)) == 16


def test_the_unbounded_root_keeps_pre_flickr_dates_apart() -> None:
    subs = split_window(Window(), 10_000, now=NOW)
    assert subs[0] == Window(None, FLICKR_EPOCH - 1)
    assert subs[1].lo == FLICKR_EPOCH
    assert subs[-1].hi is None
