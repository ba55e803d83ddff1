"""retry.py: the one retryability predicate, the backoff policy, the rate budget."""

from __future__ import annotations

import errno
import random
import threading

import httpx
import pytest

from flickrsync.errors import (
    AuthError,
    DiskFullError,
    LocalFileError,
    OutcomeUnknownError,
    RemoteError,
    TransientError,
    file_error,
)
from flickrsync.retry import (
    Backoff,
    RateBudget,
    RetryNotices,
    call_with_retry,
    fatal_reason,
    is_retryable,
    never_sent,
    retry_reason,
)

REQ = httpx.Request("GET", "https://api.flickr.com/services/rest/")

CASES: list[tuple[str, BaseException, bool]] = [
    ("connect error", httpx.ConnectError("refused", request=REQ), True),
    ("read timeout", httpx.ReadTimeout("slow", request=REQ), True),
    ("dropped connection", httpx.RemoteProtocolError("peer closed", request=REQ), True),
    ("read error", httpx.ReadError("reset", request=REQ), True),
    ("429", RemoteError("x", http_status=429), True),
    ("500", RemoteError("x", http_status=500), True),
    ("503", RemoteError("x", http_status=503), True),
    ("code 105", RemoteError("x", code=105), True),
    ("code 106", RemoteError("x", code=106), True),
    ("code 201", RemoteError("x", code=201), True),
    ("transient", TransientError("unparseable"), True),
    ("not found", RemoteError("x", code=1), False),
    ("bad params", RemoteError("x", code=2), False),
    ("404", RemoteError("x", http_status=404), False),
    ("400", RemoteError("x", http_status=400), False),
    ("perms", AuthError("x"), False),
    ("lost write", OutcomeUnknownError("x", http_status=502), False),
    ("our bug", ValueError("x"), False),
    ("local protocol error", httpx.LocalProtocolError("x"), False),
]


@pytest.mark.parametrize(("name", "error", "expected"), CASES, ids=[c[0] for c in CASES])
def test_is_retryable(name: str, error: BaseException, expected: bool) -> None:
    assert is_retryable(error) is expected


FATAL: list[tuple[str, BaseException, str | None]] = [
    ("token refused", AuthError("flickr.test.login: Flickr error 98: Invalid auth token"), "Flickr refused"),
    ("disk full", DiskFullError("/lib/a.jpg", "cannot write: No space left on device"), "the disk is full"),
    ("quota", OSError(errno.EDQUOT, "Disk quota exceeded"), "the disk is full"),
    ("raw ENOSPC", OSError(errno.ENOSPC, "No space left on device"), "the disk is full"),
    # by type, never by the words: a file error that merely says so does not stop the run
    ("words only", LocalFileError("/lib/No space left.jpg", "No space left in this name"), None),
    ("permission", OSError(errno.EACCES, "Permission denied"), None),
    ("photo gone", RemoteError("x", code=1), None),
    ("transient", TransientError("x", http_status=503), None),
]


@pytest.mark.parametrize(("name", "error", "reason"), FATAL, ids=[c[0] for c in FATAL])
def test_fatal_reason(name: str, error: BaseException, reason: str | None) -> None:
    got = fatal_reason(error)
    if reason is None:
        assert got is None
    else:
        assert got is not None
        assert got.startswith(reason)


def test_file_error_tells_a_full_disk_by_errno() -> None:
    full = file_error("/lib/a.jpg", "cannot write", OSError(errno.ENOSPC, "No space left on device"))
    assert isinstance(full, DiskFullError)
    assert str(full) == "/lib/a.jpg: cannot write: No space left on device"
    denied = file_error("/lib/a.jpg", "cannot write", OSError(errno.EACCES, "Permission denied"))
    assert type(denied) is LocalFileError
    assert fatal_reason(denied) is None


def test_never_sent() -> None:
    assert never_sent(httpx.ConnectError("x", request=REQ))
    assert never_sent(httpx.ConnectTimeout("x", request=REQ))
    assert not never_sent(httpx.ReadTimeout("x", request=REQ))
    assert not never_sent(httpx.RemoteProtocolError("x", request=REQ))


def test_backoff_grows_with_jitter_and_caps() -> None:
    policy = Backoff(base=1.0, factor=2.0, cap=10.0, rate_limited=30.0)
    rng = random.Random(1)
    for attempt, ceiling in [(1, 1.0), (2, 2.0), (3, 4.0), (4, 8.0), (5, 10.0), (9, 10.0)]:
        delays = {policy.delay(attempt, rng) for _ in range(50)}
        assert all(ceiling / 2 <= d <= ceiling for d in delays)
        assert len(delays) > 1, "jittered"
    assert policy.delay(1, rng, rate_limited=True) >= 30.0


def test_call_with_retry_until_success() -> None:
    outcomes: list[BaseException | str] = [RemoteError("x", http_status=502), TransientError("y"), "ok"]
    slept: list[float] = []
    retried: list[BaseException] = []

    def fn() -> str:
        item = outcomes.pop(0)
        if isinstance(item, BaseException):
            raise item
        return item

    result = call_with_retry(
        fn, what="t", policy=Backoff(base=1), sleep=slept.append, on_retry=lambda e, _w: retried.append(e)
    )
    assert result == "ok"
    assert len(slept) == 2
    assert len(retried) == 2


def test_call_with_retry_gives_up_after_attempts() -> None:
    calls = 0

    def fn() -> None:
        nonlocal calls
        calls += 1
        raise TransientError("always")

    with pytest.raises(TransientError):
        call_with_retry(fn, what="t", policy=Backoff(attempts=4), sleep=lambda _s: None)
    assert calls == 4


def test_call_with_retry_never_retries_final_errors() -> None:
    for error in (RemoteError("nope", code=1), OutcomeUnknownError("lost"), AuthError("perms")):
        calls = 0

        def fn(error: BaseException = error) -> None:
            nonlocal calls
            calls += 1
            raise error

        with pytest.raises(type(error)):
            call_with_retry(fn, what="t", policy=Backoff(), sleep=lambda _s: None)
        assert calls == 1


class FakeTime:
    """A clock that only moves when someone sleeps (thread-safe)."""

    def __init__(self) -> None:
        self.now = 0.0
        self.lock = threading.Lock()
        self.sleeps: list[float] = []

    def clock(self) -> float:
        with self.lock:
            return self.now

    def sleep(self, seconds: float) -> None:
        with self.lock:
            self.sleeps.append(seconds)
            self.now += seconds


def test_budget_lets_calls_through_until_full_then_waits() -> None:
    t = FakeTime()
    budget = RateBudget(3, period=60.0, clock=t.clock, sleep=t.sleep)
    assert [budget.acquire() for _ in range(3)] == [0.0, 0.0, 0.0]
    assert budget.acquire() == pytest.approx(60.0)  # waits for the first call to leave the window
    assert budget.calls == 4
    assert budget.waited == pytest.approx(60.0)


def test_budget_is_a_sliding_window() -> None:
    t = FakeTime()
    budget = RateBudget(2, period=10.0, clock=t.clock, sleep=t.sleep)
    budget.acquire()  # t=0
    t.now = 6.0
    budget.acquire()  # t=6
    assert budget.acquire() == pytest.approx(4.0)  # until t=10, when the t=0 call expires
    assert budget.acquire() == pytest.approx(6.0)  # until t=16


def test_budget_never_exceeds_the_limit_in_any_window() -> None:
    t = FakeTime()
    budget = RateBudget(5, period=100.0, clock=t.clock, sleep=t.sleep)
    stamps = []
    for _ in range(23):
        budget.acquire()
        stamps.append(t.now)
    for start in stamps:
        assert sum(1 for s in stamps if start <= s < start + 100.0) <= 5


def test_budget_pause_holds_everyone(caplog: pytest.LogCaptureFixture) -> None:
    t = FakeTime()
    budget = RateBudget(100, period=3600.0, clock=t.clock, sleep=t.sleep)
    budget.pause(30.0)
    with caplog.at_level("INFO", logger="flickrsync.retry"):
        assert budget.acquire() == pytest.approx(30.0)
    assert "slow down" in caplog.text
    assert budget.acquire() == 0.0


def test_budget_shared_by_threads_grants_exactly_the_limit() -> None:
    granted: list[float] = []
    lock = threading.Lock()
    t = FakeTime()
    budget = RateBudget(50, period=1000.0, clock=t.clock, sleep=t.sleep)

    def worker() -> None:
        for _ in range(20):
            budget.acquire()
            with lock:
                granted.append(t.clock())

    threads = [threading.Thread(target=worker) for _ in range(5)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert budget.calls == 100
    assert sum(1 for g in granted if g < 1000.0) <= 50


def test_budget_rejects_nonsense() -> None:
    with pytest.raises(ValueError, match="calls"):
        RateBudget(0)


# --- issue 16 point 14: saying what is being retried -------------------------------------------


def test_longest_wait_adds_the_ceilings_of_the_waits_left() -> None:
    policy = Backoff(attempts=8, base=1.0, factor=2.0, cap=60.0, rate_limited=30.0)
    assert policy.longest_wait(1) == 1 + 2 + 4 + 8 + 16 + 32 + 60
    assert policy.longest_wait(7) == 60
    assert policy.longest_wait(8) == 0
    assert policy.longest_wait(1, rate_limited=True) == 30 * 5 + 32 + 60


def test_one_notice_per_burst_shared_by_threads(caplog: pytest.LogCaptureFixture) -> None:
    """Four threads retrying at once, for the same reason, make one warning; so does a retry
    soon after; once every call has been calm for ``quiet`` seconds a new burst makes a new one."""
    now = [0.0]
    notices = RetryNotices("[p] ", quiet=30.0, clock=lambda: now[0])
    policy = Backoff(attempts=3, base=0.0, cap=0.0)
    failed, retried = threading.Barrier(4), threading.Barrier(4)

    def run(together: bool) -> None:
        tries = iter([httpx.ConnectError("refused", request=REQ), None])

        def call() -> str:
            error = next(tries)
            if together:  # every thread fails, then every thread retries, at once
                (failed if error is not None else retried).wait(timeout=5)
            if error is not None:
                raise error
            return "ok"

        call_with_retry(call, what="flickr.x", policy=policy, sleep=lambda _s: None, notices=notices)

    with caplog.at_level("WARNING", logger="flickrsync.retry"):
        threads = [threading.Thread(target=run, args=(True,)) for _ in range(4)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert notices.lines == 1
        now[0] = 29.0
        run(False)
        assert notices.lines == 1
        now[0] = 60.0
        run(False)
    assert notices.lines == 2
    assert [r.getMessage() for r in caplog.records] == [
        "[p] flickr.x: refused; retrying, up to 2 more times (waits of up to 0s in all)"
    ] * 2


def test_retry_reason_names_the_kind_of_trouble() -> None:
    wrapped = TransientError("flickr.x: ConnectError: refused")
    wrapped.__cause__ = httpx.ConnectError("refused", request=REQ)
    assert retry_reason(wrapped) == "cannot connect"
    assert retry_reason(httpx.ReadTimeout("slow", request=REQ)) == "no answer in time"
    assert retry_reason(RemoteError("x", http_status=429)) == "HTTP 429"
    assert retry_reason(RemoteError("x", code=105)) == "Flickr error 105"
    assert (
        retry_reason(TransientError("flickr.x: Flickr's answer is not JSON (3 bytes)")) == "unreadable answer"
    )
