"""The executor's completion handling: every item once, in finishing order, a bounded window."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor

import pytest

from flickrsync.executor import map_concurrently
from flickrsync.workpool import Completions


def test_every_item_comes_back_once_with_its_result_or_its_error() -> None:
    def square(n: int) -> int:
        if n % 7 == 3:
            raise ValueError(f"bad {n}")
        return n * n

    seen = {item: (result, error) for item, result, error in map_concurrently(square, range(500), 4)}
    assert sorted(seen) == list(range(500))
    for n, (result, error) in seen.items():
        if n % 7 == 3:
            assert result is None
            assert isinstance(error, ValueError)
            assert str(error) == f"bad {n}"
        else:
            assert result == n * n
            assert error is None


def test_items_are_read_as_the_work_goes_on_never_more_than_two_per_worker_ahead() -> None:
    pulled = 0

    def source() -> Iterator[int]:
        nonlocal pulled
        for n in range(200):
            pulled += 1
            yield n

    given = 0
    for _item, _result, error in map_concurrently(lambda n: n, source(), 3):
        assert error is None
        given += 1
        # In flight: read from the source, not yet handed back (the window is topped up before
        # each item is handed back).
        assert pulled - given <= 2 * 3
    assert given == pulled == 200


def test_results_come_in_the_order_the_work_finishes() -> None:
    gates = {n: threading.Event() for n in range(3)}

    def work(n: int) -> int:
        assert gates[n].wait(5)
        return n

    results = map_concurrently(work, [0, 1, 2], 3)
    gates[2].set()
    assert next(results)[0] == 2
    gates[0].set()
    assert next(results)[0] == 0
    gates[1].set()
    assert next(results)[0] == 1
    with pytest.raises(StopIteration):
        next(results)


def test_nothing_to_do_yields_nothing() -> None:
    assert list(map_concurrently(lambda n: n, [], 4)) == []


def test_completions_waits_at_most_the_timeout_and_knows_when_nothing_is_pending() -> None:
    done: Completions[int] = Completions()
    assert done.next(timeout=0) is None  # nothing pending: no wait at all
    gate = threading.Event()
    with ThreadPoolExecutor(max_workers=1) as pool:
        future: Future[int] = done.add(pool.submit(lambda: 1 if gate.wait(5) else 0))
        assert done.pending == 1
        assert done.next(timeout=0.01) is None  # still running
        gate.set()
        assert done.next(timeout=5) is future
        assert done.pending == 0
        assert future.result() == 1
