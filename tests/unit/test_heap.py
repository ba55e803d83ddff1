"""flickrsync.heap: no full collection while a run builds its long-lived data."""

from __future__ import annotations

import gc
import weakref

from flickrsync import heap


class _Node:
    def __init__(self) -> None:
        self.other: _Node | None = None


def _cycle() -> weakref.ref[_Node]:
    a, b = _Node(), _Node()
    a.other, b.other = b, a
    return weakref.ref(a)


def test_full_collections_are_off_inside_and_restored_after() -> None:
    before = gc.get_threshold()
    with heap.building():
        young, middle, old = gc.get_threshold()
        assert (young, middle) == before[:2]
        assert old > 1_000_000
        with heap.building():  # nested: joins the outer one
            assert gc.get_threshold()[2] == old
        assert gc.get_threshold()[2] == old
    assert gc.get_threshold() == before


def test_restored_after_an_exception() -> None:
    before = gc.get_threshold()
    try:
        with heap.building():
            raise ValueError("boom")
    except ValueError:
        pass
    assert gc.get_threshold() == before


def test_young_cycles_are_still_collected_inside() -> None:
    with heap.building():
        gc.collect(0)  # whatever is young now is not our cycle's concern
        ref = _cycle()
        assert ref() is not None
        gc.collect(1)  # a young collection, as the allocator runs them
        assert ref() is None


def test_an_old_cycle_waits_for_the_collection_the_step_asks_for() -> None:
    """A cycle that outlived the young collections before it became garbage stays until the
    step asks for a full collection (heap.collect); the end of the step runs none."""
    with heap.building():
        a = _Node()
        a.other = _Node()
        a.other.other = a
        ref = weakref.ref(a)
        gc.collect(1)  # alive: moved to the oldest generation
        del a
        gc.collect(1)
        assert ref() is not None
        heap.collect()
        assert ref() is None
        b = _Node()
        b.other = _Node()
        b.other.other = b
        later = weakref.ref(b)
        gc.collect(1)
        del b
    assert later() is not None  # died after the collection: waits for the collector's next one
    gc.collect()
    assert later() is None


def test_reporting_turns_full_collections_off_and_leaves_no_collection_at_the_end() -> None:
    """The report is built without full collections; an old cycle that died meanwhile waits for
    the collector's own next full collection (none is run at the end)."""
    before = gc.get_threshold()
    gc.collect()
    with heap.reporting():
        young, middle, old = gc.get_threshold()
        assert (young, middle) == before[:2]
        assert old > 1_000_000
        a = _Node()
        a.other = _Node()
        a.other.other = a
        ref = weakref.ref(a)
        gc.collect(1)  # alive: moved to the oldest generation
        del a
    assert gc.get_threshold() == before
    assert ref() is not None
    gc.collect()
    assert ref() is None


def test_reporting_inside_building_joins_it() -> None:
    before = gc.get_threshold()
    with heap.building():
        inside = gc.get_threshold()
        with heap.reporting():
            assert gc.get_threshold() == inside
        assert gc.get_threshold() == inside
    assert gc.get_threshold() == before
