"""Completion handling in the executor: what finishing N items costs, against bare thread pools.

    .venv/bin/python -m benchmarks.executor_bench [--items 20000] [--workers 4] [--repeat 3]

Each part runs the same no-op work (the items finish as fast as threads can hand them over),
so what is timed is the machinery around it; the baseline is measured in the same run:

1. **look-ups** — :func:`flickrsync.executor.map_concurrently` (what the engine uses for
   renditions, originals and photoset members) against a bare ``ThreadPoolExecutor`` whose
   futures are all submitted and taken with ``concurrent.futures.as_completed``; and, for the
   record, the loop the executor had before issue 14 (``wait(pending, FIRST_COMPLETED)`` once per
   finished item, quadratic), measured on a quarter of the items and, at 20,000, extrapolated
   from its measured N**2 growth when ``--old-full`` is not given.
2. **transfers** — :meth:`flickrsync.executor.Executor.run_transfers` carrying N tag additions
   (the cheapest transfer: a client that does nothing, an index on tmpfs so a durable commit costs
   no disk flush) against the same index writes (``add_link``, one per item) done after a bare
   pool + ``as_completed``.

Ratios against the baseline: completion at O(1) per item keeps them flat as N grows (the
script prints them at N/4 and N, so growth shows).
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from collections.abc import Callable, Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, as_completed, wait
from functools import partial
from pathlib import Path
from typing import Any, cast

from flickrsync.client import FlickrClient
from flickrsync.executor import Executor, map_concurrently
from flickrsync.index import Index
from flickrsync.localfs import ScanConfig
from flickrsync.models import Account, AddTags, ContentId, Nsid, PhotoId

NSID = Nsid("1@N01")


#: What one item's work takes (seconds): set by ``--work-ms``. A look-up waits on the network; the
#: old loop's cost shows when each wait returns few finished futures while many are pending.
WORK = 0.0


def _noop(n: int) -> int:
    if WORK:
        time.sleep(WORK)
    return n


def bare_as_completed(items: int, workers: int) -> float:
    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=workers) as pool:
        futures = [pool.submit(_noop, n) for n in range(items)]
        done = sum(1 for _ in as_completed(futures))
    assert done == items
    return time.perf_counter() - started


def ours(items: int, workers: int) -> float:
    started = time.perf_counter()
    done = sum(1 for _ in map_concurrently(_noop, range(items), workers))
    assert done == items
    return time.perf_counter() - started


def _old_as_done(futures: dict[Future[int], int]) -> Iterator[Future[int]]:
    """The executor's completion loop before issue 14 (kept here only as the reference)."""
    pending = set(futures)
    while pending:
        done, pending = wait(pending, return_when=FIRST_COMPLETED)
        yield from done


def old_loop(items: int, workers: int) -> float:
    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=workers) as pool:
        futures = {pool.submit(_noop, n): n for n in range(items)}
        done = sum(1 for _ in _old_as_done(futures))
    assert done == items
    return time.perf_counter() - started


class _NoFlickr:
    def add_tags(self, photo_id: PhotoId, tags: Any) -> None:
        pass


def _tags(items: int) -> list[AddTags]:
    return [
        AddTags(PhotoId(str(n + 1)), ContentId(f"{n:064x}"), (f"flickrsync:imagehash={n:064x}",), "bench")
        for n in range(items)
    ]


def transfers(items: int, workers: int, scratch: Path) -> float:
    with tempfile.TemporaryDirectory(dir=scratch) as tmp, Index.open(Path(tmp) / "index.db") as index:
        index.upsert_account(Account(NSID, "me"))
        client = cast(FlickrClient, _NoFlickr())
        executor = Executor(client, index, NSID, ScanConfig(roots=(tmp,)), transfers=workers)
        actions = _tags(items)
        started = time.perf_counter()
        outcome = executor.run_transfers(actions, {})
        elapsed = time.perf_counter() - started
        assert len(outcome.tagged) == items, outcome.failed[:3]
        return elapsed


def transfers_baseline(items: int, workers: int, scratch: Path) -> float:
    with tempfile.TemporaryDirectory(dir=scratch) as tmp, Index.open(Path(tmp) / "index.db") as index:
        index.upsert_account(Account(NSID, "me"))
        flickr = _NoFlickr()
        actions = _tags(items)
        started = time.perf_counter()
        with ThreadPoolExecutor(max_workers=workers) as pool:
            futures = {pool.submit(flickr.add_tags, a.photo_id, a.tags): a for a in actions}
            for future in as_completed(futures):
                action = futures[future]
                future.result()
                index.add_link(NSID, action.photo_id, action.content_id, "machine_tag")
        return time.perf_counter() - started


def best(fn: Callable[[], float], repeat: int) -> tuple[float, list[float]]:
    times = [fn() for _ in range(repeat)]
    return min(times), times


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--items", type=int, default=20_000)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--work-ms", type=float, default=1.0, help="each look-up's work (a sleep)")
    parser.add_argument("--old-full", action="store_true", help="time the old loop at --items too")
    parser.add_argument("--scratch", default="/dev/shm", help="where the index lives (tmpfs: no flush)")
    args = parser.parse_args(argv)
    n, w, r = args.items, args.workers, args.repeat
    global WORK  # noqa: PLW0603 - the work of the look-ups, set once
    WORK = args.work_ms / 1000
    scratch = Path(args.scratch) if Path(args.scratch).is_dir() else Path(tempfile.gettempdir())
    print(f"{n:,} finished items, {w} workers, best of {r}")

    print(f"\n1. look-ups (map_concurrently), each {args.work_ms:g} ms of waiting")
    for size in (n // 4, n):
        base, base_all = best(partial(bare_as_completed, size, w), r)
        mine, mine_all = best(partial(ours, size, w), r)
        print(
            f"  {size:>7,} items: bare pool + as_completed {base:.3f} s, map_concurrently {mine:.3f} s "
            f"(ratio {mine / base:.2f}; {1e6 * mine / size:.1f} µs/item; runs "
            f"{', '.join(f'{t:.3f}' for t in mine_all)} vs {', '.join(f'{t:.3f}' for t in base_all)})"
        )
    quarter = n // 4
    old_q = statistics.median(old_loop(quarter, w) for _ in range(max(1, r // 2)))
    base_q, _ = best(lambda: bare_as_completed(quarter, w), r)
    print(
        f"  before (wait FIRST_COMPLETED per item), {quarter:,} items: {old_q:.3f} s "
        f"(ratio {old_q / base_q:.1f})"
    )
    if args.old_full:
        old_n = old_loop(n, w)
        print(f"  before, {n:,} items: {old_n:.3f} s measured")
    else:
        half = old_loop(n // 2, w)
        growth = half / old_q
        print(
            f"  before, {n // 2:,} items: {half:.3f} s ({growth:.1f}x for 2x the items); "
            f"{n:,} items extrapolated: {half * growth:.1f} s (--old-full measures it)"
        )

    WORK = 0.0
    print(f"\n2. transfers (Executor.run_transfers, tag additions that do nothing, index on {scratch})")
    for size in (n // 4, n):
        base, base_all = best(partial(transfers_baseline, size, w, scratch), r)
        mine, mine_all = best(partial(transfers, size, w, scratch), r)
        print(
            f"  {size:>7,} items: bare pool + as_completed + add_link {base:.3f} s, "
            f"run_transfers {mine:.3f} s "
            f"(ratio {mine / base:.2f}; {1e6 * mine / size:.1f} µs/item; runs "
            f"{', '.join(f'{t:.3f}' for t in mine_all)} vs {', '.join(f'{t:.3f}' for t in base_all)})"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
