"""Issue 14 end to end against fakeflickr: look matching fetches renditions only for plausible
candidates (and says what pruning skipped), a run without a terminal reports each phase in
lines, and a wait for the API budget is said on stderr, never slept in silence."""

from __future__ import annotations

import random
import threading
import time
from pathlib import Path
from typing import Any

import pytest
from tests.fakeflickr_fixtures import FakeFlickrFixture
from tests.synchelpers import SyncLib, date_of, flickr_date, posted

from flickrsync import accounts
from flickrsync.cli import progress as cli_progress
from flickrsync.client import FlickrClient
from flickrsync.retry import BudgetWait, RateBudget

pytestmark = pytest.mark.integration

SIZE = (96, 64)
#: The library's picture: taken at date_of(1) (2019-05-01 08:01:00).
TAKEN = flickr_date(date_of(1))


def account(lib: SyncLib, plausible: int, other: int) -> None:
    """``plausible`` photos the library's picture could be by the listing (its size, no known
    date, uploaded after it was taken) and ``other`` that it cannot be: another size, another
    date taken, a PNG original, or uploaded (without a known date) before the picture was taken.
    Lazy photos: fakeflickr makes their files when they are first fetched."""
    rng = random.Random(14)
    specs: list[dict[str, Any]] = [
        {"title": f"IMG_{i}", "width": SIZE[0], "height": SIZE[1], "date_upload": 1_600_000_000 + 600 * i}
        for i in range(plausible)
    ]
    kinds = ["size", "date", "png", "before"]
    for i in range(other):
        kind = kinds[i % len(kinds)]
        spec: dict[str, Any] = {"title": f"DSC_{i}", "width": SIZE[0], "height": SIZE[1]}
        if kind == "size":
            spec.update(width=rng.choice([640, 4000]), height=rng.choice([480, 3000]))
            spec["date_upload"] = 1_600_000_000 + 600 * i
        elif kind == "date":
            spec.update(date_taken=f"2018-0{rng.randrange(1, 10)}-1{rng.randrange(10)} 10:00:00")
            spec["date_upload"] = 1_600_000_000 + 600 * i
        elif kind == "png":
            spec.update(original_format="png", date_upload=1_600_000_000 + 600 * i)
        else:
            spec["date_upload"] = posted(i)  # 2017: before the picture was taken, date unknown
        specs.append(spec)
    lib.ff.seed_photos(specs)


@pytest.fixture
def lib(fakeflickr: FakeFlickrFixture, tmp_path: Path) -> SyncLib:
    return SyncLib.create(fakeflickr, tmp_path)


def test_a_dry_run_fetches_renditions_only_for_plausible_candidates(lib: SyncLib) -> None:
    account(lib, plausible=6, other=40)
    lib.add("a.jpg", 1, size=SIZE)
    result = lib.run("sync2", "--dry-run", "--json")
    assert result.code == 0, result
    assert result.calls.get("static", 0) == 6  # one small rendition per plausible candidate
    doc = result.json()
    assert doc["lookups"]["renditions"] == 6
    assert doc["lookups"]["decodes"] == 1
    assert doc["lookups"]["skipped"] == {"renditions": 40, "decodes": 0}
    assert doc["summary"]["uploads"] == 1
    again = lib.run("sync2", "--dry-run")
    assert again.calls.get("static", 0) == 0  # asked once: the hashes are kept in the index
    assert (
        "  identify             0 look-ups; skipped by pruning: 40 small renditions "
        "(no candidate of that size, date and type)\n"
    ) in again.out


def test_a_dry_run_of_a_picture_nothing_could_be_fetches_nothing(lib: SyncLib) -> None:
    account(lib, plausible=0, other=60)
    lib.add("a.jpg", 1, size=SIZE)
    result = lib.run("sync2", "--dry-run", "--json")
    assert result.code == 0, result
    assert result.calls.get("static", 0) == 0
    doc = result.json()
    assert doc["lookups"]["skipped"] == {"renditions": 60, "decodes": 1}
    assert doc["lookups"]["renditions"] == doc["lookups"]["decodes"] == 0


def test_nodatematch_compares_every_photo_of_the_size(lib: SyncLib) -> None:
    """--nodatematch: dates are not trusted, so they rule nothing out either."""
    account(lib, plausible=2, other=8)  # 2 of the others differ by size, 2 are PNG
    lib.add("a.jpg", 1, size=SIZE)
    result = lib.run("sync2", "--dry-run", "--json", "--nodatematch")
    assert result.code == 0, result
    assert result.calls.get("static", 0) == 2 + 2 + 2  # plausible, other date, uploaded before


@pytest.mark.parametrize("checkers", [2, 5])
def test_checkers_is_how_many_renditions_are_fetched_at_once(
    lib: SyncLib, monkeypatch: pytest.MonkeyPatch, checkers: int
) -> None:
    """``--checkers N``: look-ups run N at a time (each fetch is slowed, so they overlap)."""
    account(lib, plausible=12, other=0)
    lib.add("a.jpg", 1, size=SIZE)
    lock = threading.Lock()
    now = most = 0
    fetch = FlickrClient.fetch_bytes

    def slow_fetch(self: FlickrClient, *args: Any, **kwargs: Any) -> bytes:
        nonlocal now, most
        with lock:
            now += 1
            most = max(most, now)
        try:
            time.sleep(0.1)
            return fetch(self, *args, **kwargs)
        finally:
            with lock:
                now -= 1

    monkeypatch.setattr(FlickrClient, "fetch_bytes", slow_fetch)
    result = lib.run("sync2", "--dry-run", "--json", "--transfers", "1", "--checkers", str(checkers))
    assert result.code == 0, result
    assert result.calls.get("static", 0) == 12
    assert most == checkers


def test_a_run_without_a_terminal_says_how_each_phase_goes(
    lib: SyncLib, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Each phase's lines (LINE_EVERY at 0: every report is a line; the real interval is covered
    with a fake clock in tests/integration/test_progress.py)."""
    monkeypatch.setattr(cli_progress, "LINE_EVERY", 0.0)
    account(lib, plausible=2, other=4)
    for i in range(3):
        lib.add(f"Trip/IMG_{i}.jpg", 10 + i, size=SIZE)
    result = lib.run("sync2", "--yes")
    assert result.code == 0, result
    lines = result.err.splitlines()

    def said(start: str) -> list[str]:
        return [line for line in lines if line.startswith(f"[DEFAULT] {start}")]

    assert said("scan: looking for files"), result.err
    assert said("scan: reading 3 of 3 files, "), result.err
    assert said("Flickr listing: 6 of 6 photos, 1 page"), result.err
    assert said("identify: 5 look-ups done, 0 left"), result.err  # 3 pictures, 2 renditions
    assert said("transfers: 9 of 9 items, "), result.err  # 3 uploads, 6 downloads
    assert any(" KB" in line for line in said("transfers:")), result.err  # bytes for people
    assert said("photosets: "), result.err
    for phase in ("scan", "Flickr listing", "identify", "transfers", "photosets"):
        assert any("; done in " in line for line in said(phase)), (phase, result.err)
    assert "[DEFAULT] done: 3 uploaded" in result.out


def test_a_quiet_run_draws_no_progress(lib: SyncLib, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(cli_progress, "LINE_EVERY", 0.0)
    lib.add("a.jpg", 1, size=SIZE)
    result = lib.run("sync", "--yes", "-q")
    assert result.code == 0, result
    assert result.err == ""


def test_a_wait_for_the_api_budget_is_said_on_stderr(lib: SyncLib, monkeypatch: pytest.MonkeyPatch) -> None:
    """calls_per_hour = 2 and a budget on a fake clock (its sleeps take no time): the run waits
    for the hourly limit several times, says so once per wait on stderr, and still finishes."""
    now = [0.0]
    heard: list[BudgetWait] = []

    def budget(calls: int, period: float = 3600.0, **kwargs: Any) -> RateBudget:
        told = kwargs.pop("on_wait")

        def on_wait(wait: BudgetWait) -> None:
            heard.append(wait)
            told(wait)

        def sleep(seconds: float) -> None:
            now[0] += seconds

        return RateBudget(calls, period, clock=lambda: now[0], sleep=sleep, on_wait=on_wait)

    monkeypatch.setattr(accounts, "RateBudget", budget)
    (lib.home / "config.ini").write_text(
        (lib.home / "config.ini").read_text(encoding="utf-8") + "calls_per_hour = 2\n", encoding="utf-8"
    )
    lib.add("a.jpg", 1, size=SIZE)
    result = lib.run("sync", "--yes")
    assert result.code == 0, result
    assert heard, "the budget never made the run wait"
    assert all(w.reason == "limit" and w.limit == 2 for w in heard)
    waits = [line for line in result.err.splitlines() if "waiting" in line]
    assert waits, result.err
    assert waits[0].startswith("flickrsync: waiting 1 h for Flickr's hourly API limit (2 calls an hour")
    assert "waiting for the API limit" in result.out.splitlines()[-1]  # and the last line says so
