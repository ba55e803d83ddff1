"""A run's progress as data: what each phase has done and has left, reported as it changes.

The engine and the executor report; only :mod:`flickrsync.cli` draws (bars on a terminal, a line
every few seconds otherwise). A report is a :class:`PhaseProgress`, a snapshot of one phase,
handed to a :data:`ProgressSink` — a plain callable, so a test can collect them in a list:

* ``scan`` — files (``step`` "walk": found so far, no total yet; "read": read of those to read,
  with bytes);
* ``listing`` — Flickr photos listed so far, of the total Flickr announced, and the pages (API
  calls) read;
* ``identify`` — look-ups done and left (small renditions, originals, local perceptual hashes
  and digests the matcher asked for);
* ``transfers`` — uploads, downloads and tag additions, with the bytes sent and received;
* ``photosets`` — photoset and group changes.

:class:`Tally` keeps the counts and sends a snapshot at each change; it is thread-safe (the
listing runs in a thread of its own) and is what the executor reports to (its ``Progress``
protocol: ``start``/``advance``/``stop``).
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Literal, cast

from flickrsync.models import ScanProgress

log = logging.getLogger("flickrsync.progress")

Phase = Literal["scan", "listing", "identify", "transfers", "photosets"]


@dataclass(frozen=True, slots=True)
class PhaseProgress:
    """One phase's counts at one moment."""

    phase: Phase
    #: Items done: files (scan), photos (listing), look-ups (identify), transfers, set changes.
    done: int = 0
    #: Items in all; None while unknown (the walk, the listing before Flickr's first answer).
    total: int | None = None
    bytes_done: int = 0
    #: Bytes in all, when known (the scan's reads, the uploads' files); 0 when not.
    bytes_total: int = 0
    #: Listing: pages (API calls) read so far.
    pages: int = 0
    #: What the phase does now, when it has steps (scan: "walk", "read", ...).
    step: str = ""
    #: The phase has ended (its last report).
    finished: bool = False


ProgressSink = Callable[[PhaseProgress], None]


def ignore(_progress: PhaseProgress) -> None:
    """The sink of a run nobody watches."""


class Tally:
    """Each phase's counts, sent to ``sink`` at every change. Thread-safe. When a phase ends, the
    debug log says what it did and how long it took (``phase identify: 500 done in 9.3 s``)."""

    def __init__(
        self, sink: ProgressSink | None = None, *, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.sink = sink or ignore
        self.clock = clock
        self._lock = threading.Lock()
        self._phases: dict[str, PhaseProgress] = {}
        self._began: dict[str, float] = {}

    def _send(self, progress: PhaseProgress) -> None:
        if progress.phase not in self._began:
            self._began[progress.phase] = self.clock()
        self._phases[progress.phase] = progress
        self.sink(progress)
        if progress.finished:
            took = self.clock() - self._began.pop(progress.phase)
            of = "" if progress.total is None else f" of {progress.total:,}"
            moved = f", {progress.bytes_done:,} bytes" if progress.bytes_done else ""
            log.debug(
                "phase %s: %s%s done%s in %.2f s", progress.phase, f"{progress.done:,}", of, moved, took
            )

    def start(self, label: str, items: int | None, nbytes: int = 0) -> None:
        """Begin phase ``label`` with ``items`` (None: not known yet) and ``nbytes`` to do; a
        phase already begun keeps its counts and takes these totals."""
        with self._lock:
            now = self._phases.get(label)
            if now is None or now.finished:
                now = PhaseProgress(_phase(label))
            self._send(replace(now, total=items, bytes_total=nbytes, finished=False))

    def grow(self, label: str, items: int, nbytes: int = 0) -> None:
        """More to do in phase ``label`` (the matcher asks for more look-ups in its next round)."""
        with self._lock:
            now = self._phases.get(label) or PhaseProgress(_phase(label), total=0)
            self._send(
                replace(
                    now,
                    total=(now.total or 0) + items,
                    bytes_total=now.bytes_total + nbytes,
                    finished=False,
                )
            )

    def advance(self, label: str, items: int, nbytes: int = 0, *, pages: int = 0) -> None:
        with self._lock:
            now = self._phases.get(label) or PhaseProgress(_phase(label))
            self._send(
                replace(
                    now, done=now.done + items, bytes_done=now.bytes_done + nbytes, pages=now.pages + pages
                )
            )

    def stop(self, label: str) -> None:
        with self._lock:
            now = self._phases.get(label)
            if now is not None and not now.finished:
                self._send(replace(now, finished=True))

    def scan(self, report: ScanProgress) -> None:
        """The scanner's progress callback (:data:`flickrsync.localfs.ProgressCallback`) for the
        library scan: its walk and its reads, as the ``scan`` phase."""
        with self._lock:
            walking = report.phase == "walk"
            self._send(
                PhaseProgress(
                    "scan",
                    done=report.files_done,
                    total=None if walking else report.files_total,
                    bytes_done=report.bytes_done,
                    bytes_total=0 if walking else report.bytes_total,
                    step=report.phase,
                )
            )

    def snapshot(self, label: str) -> PhaseProgress | None:
        with self._lock:
            return self._phases.get(label)


_PHASES: frozenset[str] = frozenset({"scan", "listing", "identify", "transfers", "photosets"})


def _phase(label: str) -> Phase:
    if label not in _PHASES:
        raise ValueError(f"unknown phase {label!r}")
    return cast(Phase, label)
