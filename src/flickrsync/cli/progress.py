"""A run's progress on stderr: bars on a terminal, a line every :data:`LINE_EVERY` seconds per
phase otherwise (cron, pipes), and a line whenever the API budget makes the run wait.

The engine reports :class:`~flickrsync.progress.PhaseProgress` snapshots; this module only draws
them. Units: items are counted as what they are (files, photos, look-ups, changes), bytes are
written for people (``48.0 MB``) with a rate and the time left.

rich is imported only when a bar is drawn: it costs start-up time that a run without a terminal
does not need.
"""

from __future__ import annotations

import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import click

from flickrsync.cli.render import duration, human_size
from flickrsync.localfs import ProgressCallback
from flickrsync.progress import PhaseProgress, ProgressSink, Tally
from flickrsync.retry import BudgetWait

_PHASES = {"walk": "listing", "read": "reading", "perceptual": "perceptual hashes", "digests": "digests"}

#: Without a terminal: seconds between two lines of one phase (a phase shorter than this prints
#: nothing; one that printed a line also prints its end).
LINE_EVERY = 10.0
#: A wait for the API budget shorter than this is not announced on its own; the short ones are
#: added up and announced once they make this much.
WAIT_WORTH_SAYING = 10.0

Clock = Callable[[], float]
Write = Callable[[str], None]


def _stderr(line: str) -> None:
    click.echo(line, err=True)


# --- words -----------------------------------------------------------------------------------


def _count(n: int, one: str, many: str) -> str:
    return f"{n:,} {one if n == 1 else many}"


def _of(done: int, total: int | None, unit: str) -> str:
    return f"{done:,} {unit}" if total is None else f"{done:,} of {total:,} {unit}"


def describe(p: PhaseProgress, elapsed: float) -> str:
    """One phase's progress in words, with a rate and the time left where they mean something
    (``elapsed``: seconds since the phase began)."""
    if p.phase == "scan":
        if p.step == "walk" or p.total is None:
            return f"scan: looking for files, {_count(p.done, 'file', 'files')} found"
        what = _PHASES.get(p.step, p.step)
        text = f"scan: {what} {_of(p.done, p.total, 'files')}"
        if p.bytes_total:
            text += f", {human_size(p.bytes_done)} of {human_size(p.bytes_total)}"
        return text + _pace(p.bytes_done, p.bytes_total, elapsed, per_byte=True)
    if p.phase == "listing":
        text = f"Flickr listing: {_of(p.done, p.total, 'photos')}, {_count(p.pages, 'page', 'pages')}"
        return text + _pace(p.done, p.total, elapsed, unit="photos")
    if p.phase == "identify":
        left = max(0, (p.total or 0) - p.done)
        text = f"identify: {_count(p.done, 'look-up', 'look-ups')} done, {left:,} left"
        return text + _pace(p.done, p.total, elapsed, unit="look-ups")
    if p.phase == "transfers":
        text = f"transfers: {_of(p.done, p.total, 'items')}"
        if p.bytes_done or p.bytes_total:
            moved = human_size(p.bytes_done)
            text += f", {moved} of {human_size(p.bytes_total)}" if p.bytes_total else f", {moved}"
        if p.bytes_total:
            return text + _pace(p.bytes_done, p.bytes_total, elapsed, per_byte=True)
        return text + _pace(p.done, p.total, elapsed, unit="items")
    return f"photosets: {_of(p.done, p.total, 'changes')}" + _pace(p.done, p.total, elapsed, unit="changes")


def _pace(done: float, total: float | None, elapsed: float, *, per_byte: bool = False, unit: str = "") -> str:
    """``, 4.9 MB/s, about 6 min left`` (nothing until there is something to measure)."""
    if elapsed < 1.0 or done <= 0:
        return ""
    rate = done / elapsed
    text = f", {human_size(int(rate))}/s" if per_byte else f", {rate:,.{0 if rate >= 10 else 1}f} {unit}/s"
    if total:
        left = max(0.0, total - done) / rate
        text += f", about {duration(left)} left" if left >= 1 else ""
    return text


# --- without a terminal: lines ---------------------------------------------------------------


@dataclass
class _Seen:
    began: float
    said: float
    lines: int = 0


class LineProgress:
    """A line every ``every`` seconds per phase, and a last line when a phase that printed one
    ends. Thread-safe (the listing reports from a thread of its own)."""

    def __init__(
        self, label: str, *, write: Write = _stderr, clock: Clock = time.monotonic, every: float = LINE_EVERY
    ) -> None:
        self.label = label
        self.write = write
        self.clock = clock
        self.every = every
        self._lock = threading.Lock()
        self._seen: dict[str, _Seen] = {}

    def __call__(self, p: PhaseProgress) -> None:
        with self._lock:
            now = self.clock()
            seen = self._seen.get(p.phase)
            if seen is None:
                seen = self._seen[p.phase] = _Seen(began=now, said=now)
            if p.finished:
                del self._seen[p.phase]
                took = now - seen.began
                if seen.lines:
                    self.write(f"{self.label} {describe(p, took)}; done in {duration(took)}")
                return
            if now - seen.said >= self.every:
                seen.said = now
                seen.lines += 1
                self.write(f"{self.label} {describe(p, now - seen.began)}")


# --- on a terminal: bars ---------------------------------------------------------------------


class BarProgress:
    """One bar per phase on stderr while the phase runs (rich, redrawn at most ten times a
    second from the reports: no refresh thread)."""

    def __init__(self, label: str, *, clock: Clock = time.monotonic) -> None:
        self.label = label
        self.clock = clock
        self._lock = threading.Lock()
        self._bar: Any = None
        self._tasks: dict[str, tuple[Any, float]] = {}
        self._drawn = 0.0

    def __call__(self, p: PhaseProgress) -> None:
        with self._lock:
            now = self.clock()
            if p.finished:
                task = self._tasks.pop(p.phase, None)
                if task is not None and self._bar is not None:
                    self._bar.remove_task(task[0])
                if not self._tasks:
                    self.close()
                return
            bar = self._open()
            if p.phase not in self._tasks:
                self._tasks[p.phase] = (bar.add_task("", total=None), now)
            task, began = self._tasks[p.phase]
            by_bytes = p.phase == "scan" and p.bytes_total > 0
            bar.update(
                task,
                description=f"{self.label} {describe(p, now - began)}",
                completed=p.bytes_done if by_bytes else p.done,
                total=p.bytes_total if by_bytes else p.total,
            )
            if now - self._drawn >= 0.1:
                self._drawn = now
                bar.refresh()

    def _open(self) -> Any:
        if self._bar is None:
            from rich.console import Console  # noqa: PLC0415 - only on a terminal
            from rich.progress import BarColumn, Progress, TextColumn  # noqa: PLC0415

            self._bar = Progress(
                TextColumn("{task.description}"),
                BarColumn(),
                console=Console(stderr=True),
                transient=True,
                # No refresh thread: the scanner may fork worker processes, which is only safe
                # in a process without threads. The bars are redrawn from the reports instead.
                auto_refresh=False,
            )
            self._bar.start()
        return self._bar

    def close(self) -> None:
        if self._bar is not None:
            self._bar.stop()
            self._bar = None
        self._tasks.clear()


@contextmanager
def run_progress(
    label: str, *, show: bool = True, terminal: bool | None = None
) -> Iterator[ProgressSink | None]:
    """What draws a run's progress: bars on a terminal, lines otherwise, nothing when not
    ``show`` (``-q``)."""
    if not show:
        yield None
        return
    if terminal if terminal is not None else sys.stderr.isatty():
        bars = BarProgress(label)
        try:
            yield bars
        finally:
            bars.close()
    else:
        yield LineProgress(label, every=LINE_EVERY)


# --- waits for the API budget ----------------------------------------------------------------


class BudgetWaits:
    """Says on stderr when the API budget makes the run wait, and for how long: a long wait at
    once (``waiting 12 min for Flickr's hourly API limit``), short ones added up. Several threads
    waiting for the same moment make one line. Thread-safe."""

    def __init__(self, *, write: Write = _stderr, clock: Clock = time.monotonic) -> None:
        self.write = write
        self.clock = clock
        self._lock = threading.Lock()
        self._until = 0.0
        self._short = 0.0
        self._short_since: float | None = None

    def __call__(self, wait: BudgetWait) -> None:
        with self._lock:
            now = self.clock()
            ends = now + wait.seconds
            if ends <= self._until + 1.0:
                return  # another thread's wait, already announced, covers this one
            if wait.seconds >= WAIT_WORTH_SAYING:
                self._until = ends
                self.write(f"flickrsync: waiting {duration(wait.seconds)} {_why(wait)}")
                return
            self._short += wait.seconds
            self._short_since = self._short_since if self._short_since is not None else now
            if self._short >= WAIT_WORTH_SAYING:
                self.write(
                    f"flickrsync: slowed down {_why(wait)}: {duration(self._short)} of waiting "
                    f"in the last {duration(max(now - self._short_since, self._short))}"
                )
                self._short, self._short_since = 0.0, None


def _why(wait: BudgetWait) -> str:
    if wait.reason == "slow down":
        return "because Flickr asked to slow down (HTTP 429)"
    if wait.period == 3600:
        return f"for Flickr's hourly API limit ({wait.limit:,} calls an hour, config `calls_per_hour`)"
    return f"for the API limit ({wait.limit:,} calls in {duration(wait.period)})"


# --- the scan command's bars -----------------------------------------------------------------


@contextmanager
def scan_progress(label: str, *, show: bool = True) -> Iterator[ProgressCallback | None]:
    """``flickrsync scan`` and ``duplicates``: the scanner's progress, drawn as the ``scan``
    phase of a run is (bars on a terminal, lines otherwise); None with ``-q``."""
    with run_progress(label, show=show) as sink:
        if sink is None:
            yield None
            return
        tally = Tally(sink)
        tally.start("scan", None)
        yield tally.scan
        tally.stop("scan")
