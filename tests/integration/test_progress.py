"""A run's progress: the engine's counts (Tally), their words, the lines drawn without a terminal
(with a fake clock), and what is said when the API budget makes the run wait."""

from __future__ import annotations

import threading

import pytest

from flickrsync.cli.progress import BudgetWaits, LineProgress, describe
from flickrsync.cli.render import duration
from flickrsync.models import ScanProgress
from flickrsync.progress import PhaseProgress, Tally
from flickrsync.retry import BudgetWait


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


# --- the engine's counts ---------------------------------------------------------------------


def test_a_tally_sends_a_snapshot_at_every_change() -> None:
    seen: list[PhaseProgress] = []
    tally = Tally(seen.append)
    tally.start("transfers", 3, 3_000_000)
    tally.advance("transfers", 1, 1_000_000)
    tally.advance("transfers", 1, 0)
    tally.stop("transfers")
    tally.stop("transfers")  # once only
    assert seen == [
        PhaseProgress("transfers", 0, 3, 0, 3_000_000),
        PhaseProgress("transfers", 1, 3, 1_000_000, 3_000_000),
        PhaseProgress("transfers", 2, 3, 1_000_000, 3_000_000),
        PhaseProgress("transfers", 2, 3, 1_000_000, 3_000_000, finished=True),
    ]


def test_a_listing_learns_its_total_and_counts_pages() -> None:
    seen: list[PhaseProgress] = []
    tally = Tally(seen.append)
    tally.start("listing", None)
    tally.start("listing", 1200)  # Flickr's first answer says how many
    tally.advance("listing", 500, pages=1)
    tally.advance("listing", 500, pages=1)
    assert seen[-1] == PhaseProgress("listing", 1000, 1200, pages=2)


def test_identify_grows_as_the_matcher_asks_for_more() -> None:
    tally = Tally()
    tally.grow("identify", 10)
    tally.advance("identify", 10)
    tally.grow("identify", 2)  # the next round: two originals
    snap = tally.snapshot("identify")
    assert snap is not None
    assert (snap.done, snap.total) == (10, 12)


def test_the_scan_reports_through_the_tally() -> None:
    seen: list[PhaseProgress] = []
    tally = Tally(seen.append)
    tally.scan(ScanProgress("walk", 120))
    tally.scan(ScanProgress("read", 3, 10, 3_000, 10_000))
    assert seen == [
        PhaseProgress("scan", 120, None, step="walk"),
        PhaseProgress("scan", 3, 10, 3_000, 10_000, step="read"),
    ]


def test_a_tally_is_safe_across_threads() -> None:
    tally = Tally()
    tally.start("listing", None)

    def work() -> None:
        for _ in range(1000):
            tally.advance("listing", 1, pages=1)

    threads = [threading.Thread(target=work) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    snap = tally.snapshot("listing")
    assert snap is not None
    assert (snap.done, snap.pages) == (4000, 4000)


def test_an_unknown_phase_is_a_bug() -> None:
    with pytest.raises(ValueError, match="unknown phase"):
        Tally().start("uploading", 1)


# --- words -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("seconds", "words"), [(0.4, "0 s"), (45, "45 s"), (59.6, "1 min"), (720, "12 min"), (3900, "1 h 5 min")]
)
def test_durations_are_for_people(seconds: float, words: str) -> None:
    assert duration(seconds) == words


def test_items_are_counted_as_what_they_are_and_bytes_are_human_readable() -> None:
    transfers = PhaseProgress("transfers", 12, 500, 48_000_000, 2_000_000_000)
    assert describe(transfers, 10.0) == (
        "transfers: 12 of 500 items, 48.0 MB of 2.0 GB, 4.8 MB/s, about 7 min left"
    )
    listing = PhaseProgress("listing", 12_500, 100_000, pages=25)
    assert describe(listing, 5.0) == (
        "Flickr listing: 12,500 of 100,000 photos, 25 pages, 2,500 photos/s, about 35 s left"
    )
    assert describe(PhaseProgress("identify", 120, 1000), 0.5) == "identify: 120 look-ups done, 880 left"
    assert describe(PhaseProgress("scan", 3_000, None, step="walk"), 2.0) == (
        "scan: looking for files, 3,000 files found"
    )
    assert describe(PhaseProgress("scan", 3, 10, 3_000_000, 10_000_000, step="read"), 2.0) == (
        "scan: reading 3 of 10 files, 3.0 MB of 10.0 MB, 1.5 MB/s, about 5 s left"
    )
    assert describe(PhaseProgress("photosets", 4, 40), 0.2) == "photosets: 4 of 40 changes"
    assert describe(PhaseProgress("transfers", 2, 5, 9_000_000), 3.0) == (
        "transfers: 2 of 5 items, 9.0 MB, 0.7 items/s, about 4 s left"
    )


# --- without a terminal ----------------------------------------------------------------------


def test_without_a_terminal_a_phase_prints_a_line_every_ten_seconds_and_its_end() -> None:
    clock = Clock()
    lines: list[str] = []
    show = LineProgress("[DEFAULT]", write=lines.append, clock=clock)
    show(PhaseProgress("listing", 0, None))
    for second in range(1, 26):
        clock.now += 1
        show(PhaseProgress("listing", 500 * second, 20_000, pages=second))
    clock.now += 2
    show(PhaseProgress("listing", 13_000, 20_000, pages=26, finished=True))
    assert lines == [
        "[DEFAULT] Flickr listing: 5,000 of 20,000 photos, 10 pages, 500 photos/s, about 30 s left",
        "[DEFAULT] Flickr listing: 10,000 of 20,000 photos, 20 pages, 500 photos/s, about 20 s left",
        "[DEFAULT] Flickr listing: 13,000 of 20,000 photos, 26 pages, 481 photos/s, about 15 s left; "
        "done in 27 s",
    ]


def test_without_a_terminal_a_short_phase_says_nothing_and_phases_have_their_own_clocks() -> None:
    clock = Clock()
    lines: list[str] = []
    show = LineProgress("[p]", write=lines.append, clock=clock)
    show(PhaseProgress("scan", 0, None, step="walk"))
    clock.now += 4
    show(PhaseProgress("scan", 10, None, step="walk", finished=True))
    show(PhaseProgress("identify", 0, 100))
    clock.now += 9
    show(PhaseProgress("transfers", 0, 4))  # begins now: its first line is 10 s away
    clock.now += 1
    show(PhaseProgress("identify", 40, 100))
    show(PhaseProgress("transfers", 1, 4))
    assert lines == ["[p] identify: 40 look-ups done, 60 left, 4.0 look-ups/s, about 15 s left"]


# --- waiting for the API budget --------------------------------------------------------------


def test_a_long_wait_for_the_budget_is_said_once_with_how_long() -> None:
    clock = Clock()
    lines: list[str] = []
    say = BudgetWaits(write=lines.append, clock=clock)
    say(BudgetWait(720.0, "limit", 3600, 3600.0))
    say(BudgetWait(719.5, "limit", 3600, 3600.0))  # another thread, waiting for the same moment
    assert lines == [
        "flickrsync: waiting 12 min for Flickr's hourly API limit (3,600 calls an hour, config "
        "`calls_per_hour`)"
    ]
    clock.now += 720
    say(BudgetWait(30.0, "slow down", 3600, 3600.0))
    assert lines[-1] == "flickrsync: waiting 30 s because Flickr asked to slow down (HTTP 429)"


def test_short_waits_are_added_up_never_silent_for_long() -> None:
    clock = Clock()
    lines: list[str] = []
    say = BudgetWaits(write=lines.append, clock=clock)
    for _ in range(9):
        say(BudgetWait(1.0, "limit", 3600, 3600.0))
        clock.now += 2.0
    assert lines == []
    say(BudgetWait(1.0, "limit", 3600, 3600.0))
    assert lines == [
        "flickrsync: slowed down for Flickr's hourly API limit (3,600 calls an hour, config "
        "`calls_per_hour`): 10 s of waiting in the last 18 s"
    ]


def test_the_debug_log_says_what_each_phase_did_and_how_long_it_took(
    caplog: pytest.LogCaptureFixture,
) -> None:
    clock = Clock()
    tally = Tally(clock=clock)
    tally.start("transfers", 3, 3_000_000)
    clock.now += 2.5
    tally.advance("transfers", 2, 2_000_000)
    with caplog.at_level("DEBUG", logger="flickrsync.progress"):
        tally.stop("transfers")
    assert caplog.messages == ["phase transfers: 2 of 3 done, 2,000,000 bytes in 2.50 s"]
