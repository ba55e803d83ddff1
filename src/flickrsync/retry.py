"""When to try a Flickr call again, how long to wait, and how fast we may call at all.

One predicate decides retryability, :func:`is_retryable`, in the spirit of rclone's
``fs/fserrors`` (retry / fatal / no-retry):

* retry: connection errors, timeouts, HTTP 429 and 5xx, bodies that do not parse, Flickr codes
  105 "Service currently unavailable", 106 "Write operation failed", 201 "API not available"
  (https://www.flickr.com/services/api/ lists 105/106 for every method; 201 is in test data);
* never: everything Flickr rejected for a reason that will not change — bad parameters, missing
  permissions, not found, any other 4xx;
* fatal: :func:`fatal_reason` says which failures stop a whole run (a refused token, a full disk);
* never blindly: a write whose answer was lost (:class:`~flickrsync.errors.OutcomeUnknownError`):
  the caller must look first (an upload is searched by its machine tag), then may use
  :func:`call_with_retry` again.

:class:`Backoff` is exponential with jitter. :class:`RateBudget` keeps the client under Flickr's
3,600 calls per hour per API key (https://www.flickr.com/services/developer/api/): a sliding
window of the last hour's calls, shared by every thread of a run; a call that would exceed it
waits instead. A 429 pauses every thread for a while (:meth:`RateBudget.pause`).
"""

from __future__ import annotations

import logging
import random
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

import httpx

from flickrsync.errors import (
    DISK_FULL_ERRNOS,
    AuthError,
    DiskFullError,
    JunkAnswerError,
    OutcomeUnknownError,
    RemoteError,
    TransientError,
)

log = logging.getLogger("flickrsync.retry")

T = TypeVar("T")

#: Flickr API error codes that mean "not now" rather than "no".
RETRYABLE_CODES = frozenset({105, 106, 201})


def is_retryable_status(status: int | None) -> bool:
    """HTTP 429 (rate limited) and 5xx (server trouble) are worth another try."""
    return status is not None and (status == 429 or 500 <= status <= 599)


def is_retryable_code(code: int | None) -> bool:
    return code in RETRYABLE_CODES


def never_sent(error: BaseException) -> bool:
    """True when the request cannot have reached Flickr (so even an upload may be resent)."""
    return isinstance(error, httpx.ConnectError | httpx.ConnectTimeout | httpx.PoolTimeout)


def is_retryable(error: BaseException) -> bool:
    """The one decision: may this failure be retried blindly?"""
    if isinstance(error, OutcomeUnknownError | JunkAnswerError):
        return False
    if isinstance(error, TransientError):
        return True
    if isinstance(error, RemoteError):
        return is_retryable_status(error.http_status) or is_retryable_code(error.code)
    return isinstance(
        error, httpx.TimeoutException | httpx.NetworkError | httpx.RemoteProtocolError | httpx.ProxyError
    )


def fatal_reason(error: BaseException) -> str | None:
    """The one decision whether a failure stops the whole run, not only its item: why, or None.

    By type only: an :class:`~flickrsync.errors.AuthError` (token revoked or without the perms
    needed; the client turns Flickr's codes 98/99 and OAuth 401s into it) and a full disk
    (:class:`~flickrsync.errors.DiskFullError`, or an OSError with ENOSPC/EDQUOT that was not
    wrapped). Everything else fails its own item and the run goes on.
    """
    if isinstance(error, AuthError):
        return f"Flickr refused the token ({error})"
    if isinstance(error, DiskFullError) or (isinstance(error, OSError) and error.errno in DISK_FULL_ERRNOS):
        return "the disk is full"
    return None


def is_rate_limited(error: BaseException) -> bool:
    return isinstance(error, RemoteError) and error.http_status == 429


@dataclass(frozen=True, slots=True)
class Backoff:
    """Exponential backoff with "equal jitter": attempt n waits between half and all of
    ``min(cap, base * factor**(n-1))`` seconds; after a 429 at least ``rate_limited`` seconds.

    ``attempts`` counts tries, the first included. At 20% random failures, 8 tries leave a call
    failing for good about 3 times in a million.
    """

    attempts: int = 8
    base: float = 1.0
    factor: float = 2.0
    cap: float = 60.0
    rate_limited: float = 30.0

    def delay(self, attempt: int, rng: random.Random, *, rate_limited: bool = False) -> float:
        ceiling = min(self.cap, self.base * self.factor ** max(0, attempt - 1))
        wait = rng.uniform(ceiling / 2, ceiling)
        return max(wait, self.rate_limited) if rate_limited else wait


def call_with_retry(
    fn: Callable[[], T],
    *,
    what: str,
    policy: Backoff,
    sleep: Callable[[float], None] = time.sleep,
    rng: random.Random | None = None,
    retryable: Callable[[BaseException], bool] = is_retryable,
    on_retry: Callable[[BaseException, float], None] | None = None,
) -> T:
    """Call ``fn`` until it succeeds, fails for good, or ``policy.attempts`` are used up.

    The last error is re-raised as it is (callers raise typed errors from ``fn``). ``on_retry``
    hears about each failure that will be retried, with the wait chosen.
    """
    rng = rng or random.Random()
    attempt = 1
    while True:
        try:
            return fn()
        except Exception as exc:
            if attempt >= policy.attempts or not retryable(exc):
                raise
            wait = policy.delay(attempt, rng, rate_limited=is_rate_limited(exc))
            log.info("%s failed (%s); try %d of %d in %.1fs", what, exc, attempt + 1, policy.attempts, wait)
            if on_retry is not None:
                on_retry(exc, wait)
            sleep(wait)
            attempt += 1


class RateBudget:
    """At most ``calls`` API calls in any ``period`` seconds, for every thread sharing it.

    :meth:`acquire` before each call; it returns at once while the budget allows, else sleeps
    until the oldest call of the window leaves it (logged at info). Thread-safe. The clock and
    the sleep are injected so tests run in no time.
    """

    def __init__(
        self,
        calls: int,
        period: float = 3600.0,
        *,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        if calls < 1 or period <= 0:
            raise ValueError("a rate budget needs calls >= 1 and period > 0")
        self.limit = calls
        self.period = period
        self._clock = clock
        self._sleep = sleep
        self._lock = threading.Lock()
        self._stamps: deque[float] = deque()
        self._paused_until = 0.0
        #: Calls granted so far, and seconds spent waiting for the budget (all threads).
        self.calls = 0
        self.waited = 0.0

    def acquire(self) -> float:
        """Take one call from the budget, waiting as long as needed. Returns the seconds waited."""
        waited = 0.0
        while True:
            with self._lock:
                now = self._clock()
                horizon = now - self.period
                while self._stamps and self._stamps[0] <= horizon:
                    self._stamps.popleft()
                if self._paused_until > now:
                    wait, why = self._paused_until - now, "Flickr asked us to slow down"
                elif len(self._stamps) >= self.limit:
                    wait = self._stamps[0] + self.period - now
                    why = f"{self.limit} API calls in the last {self.period:g}s"
                else:
                    self._stamps.append(now)
                    self.calls += 1
                    self.waited += waited
                    return waited
            log.info("rate budget: %s; waiting %.1fs", why, wait)
            self._sleep(wait)
            waited += wait

    def pause(self, seconds: float) -> None:
        """Hold every caller for ``seconds`` from now (after Flickr answered 429)."""
        with self._lock:
            self._paused_until = max(self._paused_until, self._clock() + seconds)
