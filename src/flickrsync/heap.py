"""The run's long-lived data and CPython's cyclic garbage collector.

Preparing a sync of a big library builds millions of objects that live until the run ends: the
listing, the index's pictures and photos, the match, the plan. CPython's collector walks every
object it tracks at each full collection, and runs one each time the objects that survived the
young collections have grown by a quarter: in the dry run of a 100,000-photo account and a
100,000-picture library that was 35 full collections, each longer than the last (to 0.5 s), about
9 s of the main thread's CPU that freed next to nothing.

:func:`building` turns the full collections off while such data is built. The young ones go on:
short-lived cycles (an exception and its traceback) are still collected as they die young. A
cycle that became garbage only after it had outlived the young collections (an HTTP response that
lived through the parsing of its 500 photos) waits for :func:`collect`, which the step runs once
such cycles are all dead and before it builds the most (the engine: once Flickr's listing is
stored, while the heap is still smaller than at the end and a worker decodes on the other core),
or for the collector's own next full collection after the step. Objects are
freed as soon as their last reference goes, as always; only cycles wait.

:func:`reporting` turns them off as well while the run's report is written from that data (the
``-v`` lines, the ``--json`` document), without the collection at the end: the report holds no
cycles, and in that dry run a full collection in the middle of its 825,000 values walked the
whole heap for nothing.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager

#: A full-collection threshold no run reaches (counted in collections of the middle generation:
#: one per ~7,000 container objects allocated).
_NEVER = 1 << 30


@contextmanager
def building() -> Iterator[None]:
    """No full collection while the ``with`` body builds long-lived data but those it asks for
    (:func:`collect`; see the module docstring); the collector's thresholds are then as they
    were. Nested uses join the outer one. (At its end, a walk of the whole heap, ~0.6 s in that
    dry run, would find next to nothing: :func:`collect` found the cycles.)"""
    outer = _pause()
    try:
        yield
    finally:
        if outer is not None:
            gc.set_threshold(*outer)


def collect() -> None:
    """A full collection now, inside :func:`building`: the cycles that outlived the young
    collections and have died since (in the dry run of a 100,000-photo account, once the listing
    is stored: ~800 objects, the 201 pages of Flickr's listing, where an HTTP response and its
    stream refer to each other; 0.25 s), for one walk of the heap as it is now. The collector
    then counts what survives from there: in that dry run no full collection was due again before
    the process exited (counted with a ``gc.callbacks`` hook)."""
    gc.collect()


@contextmanager
def reporting() -> Iterator[None]:
    """No full collection while the ``with`` body reports on the run (the ``-v`` log lines, the
    ``--json`` document of 125,000 actions), and none when it ends: what it builds is dicts,
    lists and strings without cycles, freed as soon as they are written, so a walk of the run's
    heap (~0.5 s in that dry run) would find nothing. Inside :func:`building`, joins it."""
    outer = _pause()
    try:
        yield
    finally:
        if outer is not None:
            gc.set_threshold(*outer)


def _pause() -> tuple[int, int, int] | None:
    """Full collections off; the thresholds to restore (None: already off, by an outer use)."""
    young, middle, old = gc.get_threshold()
    if old == _NEVER:
        return None
    gc.set_threshold(young, middle, _NEVER)
    return young, middle, old
