"""CPU work over a process pool, in batches: the scanner's reads, hashes and decodes; and
:class:`Completions`, futures in the order they finish (the executor's thread pools use it).

Generic (it knows nothing of files): items go to a pool in consecutive batches whose sizes are
guided by what is left, or run inline when the caller judges the work too small to pay for a
pool. :mod:`flickrsync.localfs` decides what a batch does and how big the work is.
"""

from __future__ import annotations

import itertools
import logging
import queue
import threading
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Executor, Future
from contextlib import contextmanager
from typing import Generic, TypeVar

log = logging.getLogger("flickrsync.workpool")

T = TypeVar("T")
R = TypeVar("R")


@contextmanager
def pool(workers: int, initializer: Callable[[], None] | None = None) -> Iterator[Executor]:
    """A process pool. ``fork`` when this process runs no other thread (cheapest: no new
    interpreter, nothing imported twice); otherwise ``forkserver`` (forking a process that runs
    threads can deadlock the child), or ``spawn`` where neither exists. Each worker runs
    ``initializer`` when it starts."""
    import multiprocessing  # noqa: PLC0415 - only a scan with work to do needs a pool
    from concurrent.futures import ProcessPoolExecutor  # noqa: PLC0415

    methods = multiprocessing.get_all_start_methods()
    if "fork" in methods and threading.active_count() == 1:
        method = "fork"
    elif "forkserver" in methods:
        method = "forkserver"
    else:
        method = "spawn"
    context = multiprocessing.get_context(method)
    log.debug("process pool: %d workers (%s)", workers, method)
    with ProcessPoolExecutor(max_workers=workers, mp_context=context, initializer=initializer) as executor:
        yield executor


def batches(
    sizes: Sequence[int], workers: int, max_files: int, max_bytes: int, per_worker: int
) -> list[range]:
    """Split items (by their size in bytes) into consecutive batches, guided: each batch takes
    about ``1 / (workers * per_worker)`` of what is left (bounded by ``max_files`` and
    ``max_bytes``), so batches are large at first (little traffic) and small at the end (no
    worker waits long for the last one)."""
    want = max(1, workers * per_worker)
    left_bytes, left_files = sum(sizes), len(sizes)
    out: list[range] = []
    start = 0
    while start < len(sizes):
        cap_bytes = max(1, min(max_bytes, left_bytes // want))
        cap_files = max(1, min(max_files, left_files // want))
        end, acc = start, 0
        while end < len(sizes) and (
            end == start or (end - start < cap_files and acc + sizes[end] <= cap_bytes)
        ):
            acc += sizes[end]
            end += 1
        out.append(range(start, end))
        left_bytes -= acc
        left_files -= end - start
        start = end
    return out


def run_batches(
    func: Callable[[list[T]], list[R]],
    items: Sequence[T],
    ranges: list[range],
    *,
    inline: bool,
    workers: int,
    executor: Executor | None = None,
    in_flight: int | None = None,
) -> Iterator[tuple[range, list[R]]]:
    """Yield (batch, results) as batches finish: inline, in ``executor``, or in a new pool.

    ``in_flight``: at most this many batches in the pool at once, the next one submitted as
    one finishes, so that other work sharing the pool (the rendition hashes of
    :mod:`flickrsync.identify`) gets its turn within a few batches rather than after all of
    these; None: every batch at once (the workers never wait for the caller)."""
    if inline:
        for batch in ranges:
            yield batch, func([items[i] for i in batch])
        return
    with pool(workers) if executor is None else _nullcontext(executor) as running:
        limit = len(ranges) if in_flight is None else max(1, in_flight)
        finished: Completions[list[R]] = Completions()
        owner: dict[Future[list[R]], range] = {}
        waiting = iter(ranges)

        def top_up() -> None:
            for batch in itertools.islice(waiting, limit - finished.pending):
                owner[finished.add(running.submit(func, [items[i] for i in batch]))] = batch

        try:
            top_up()
            while (future := finished.next()) is not None:
                batch = owner.pop(future)
                top_up()  # the pool goes on while the caller handles these results
                yield batch, future.result()
        finally:
            for future in owner:
                future.cancel()


@contextmanager
def _nullcontext(value: Executor) -> Iterator[Executor]:
    yield value


class Completions(Generic[R]):
    """Futures in the order they finish, at O(1) per finished future.

    Each future puts itself on a queue when it is done (``add_done_callback``), so taking the
    next finished one costs the same however many are pending. (``concurrent.futures.wait``
    installs and removes a waiter on every pending future at each call: called once per
    finished item, that is quadratic over a run — 20,000 look-ups spent most of a minute there.)
    Only the thread that adds and takes futures may use it.
    """

    def __init__(self) -> None:
        self._done: queue.SimpleQueue[Future[R]] = queue.SimpleQueue()
        self.pending = 0

    def add(self, future: Future[R]) -> Future[R]:
        self.pending += 1
        future.add_done_callback(self._done.put)
        return future

    def next(self, timeout: float | None = None) -> Future[R] | None:
        """The next finished future; None when none finished within ``timeout`` seconds."""
        if not self.pending:
            return None
        try:
            future = self._done.get(timeout=timeout)
        except queue.Empty:
            return None
        self.pending -= 1
        return future
