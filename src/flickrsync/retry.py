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

    def _ceiling(self, attempt: int) -> float:
        return min(self.cap, self.base * self.factor ** max(0, attempt - 1))

    def delay(self, attempt: int, rng: random.Random, *, rate_limited: bool = False) -> float:
        ceiling = self._ceiling(attempt)
        wait = rng.uniform(ceiling / 2, ceiling)
        return max(wait, self.rate_limited) if rate_limited else wait

    def longest_wait(self, attempt: int, *, rate_limited: bool = False) -> float:
        """The most the waits after try ``attempt`` can add up to, if every later try fails."""
        ceilings = (self._ceiling(n) for n in range(attempt, self.attempts))
        return sum(max(c, self.rate_limited) if rate_limited else c for c in ceilings)


def retry_reason(error: BaseException) -> str:
    """The kind of trouble a retried failure is, in words: a new kind gets its own line from
    :class:`RetryNotices`, more of the same kind does not."""
    cause = error if isinstance(error, httpx.HTTPError) else error.__cause__
    if isinstance(cause, httpx.TimeoutException):
        return "no answer in time"
    if isinstance(cause, httpx.ConnectError):
        return "cannot connect"
    if isinstance(cause, httpx.TransportError):
        return "connection broken"
    if isinstance(error, RemoteError) and error.http_status is not None:
        return f"HTTP {error.http_status}"
    if isinstance(error, RemoteError) and error.code is not None:
        return f"Flickr error {error.code}"
    return "unreadable answer"


def _duration(seconds: float) -> str:
    return f"{seconds:.0f}s" if seconds < 120 else f"{seconds / 60:.0f} min"


class RetryNotices:
    """Says on stderr, as it happens, what is being retried and why (a warning): one line per
    burst of retries, not one per attempt, so that minutes of retrying (offline, a 429 storm,
    answers that are not JSON) are not minutes of silence, nor a flood.

    A burst starts when a call is retried while no other call of the client is being retried
    and none was for ``quiet`` seconds; within a burst a new kind of trouble
    (:func:`retry_reason`) gets its own line. A retried call that then succeeds is logged at
    info (shown with ``-v``). One per client, shared by all its threads; ``label`` starts each
    line (``[profile] ``).
    """

    def __init__(
        self, label: str = "", *, quiet: float = 30.0, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.label = label
        self.quiet = quiet
        self._clock = clock
        self._lock = threading.Lock()
        self._retrying = 0
        self._calm_since = float("-inf")
        self._said: set[str] = set()
        #: Lines said so far.
        self.lines = 0

    def retrying(
        self, what: str, error: BaseException, attempt: int, policy: Backoff, *, first: bool
    ) -> None:
        """Try ``attempt`` of ``what`` failed with ``error`` and will be retried; ``first``: the
        call's first retry."""
        reason = retry_reason(error)
        with self._lock:
            if first:
                if not self._retrying and self._clock() - self._calm_since >= self.quiet:
                    self._said.clear()  # a new burst
                self._retrying += 1
            if reason in self._said:
                return
            self._said.add(reason)
            self.lines += 1
        message = str(error)
        if not message.startswith(what):
            message = f"{what}: {message}"
        longest = policy.longest_wait(attempt, rate_limited=is_rate_limited(error))
        log.warning(
            "%s%s; retrying, up to %d more times (waits of up to %s in all)",
            self.label,
            message,
            policy.attempts - attempt,
            _duration(longest),
        )

    def done(self, *, ok: bool) -> None:
        """A call that was retried ended: it succeeded (``ok``) or failed for good."""
        with self._lock:
            self._retrying -= 1
            if not self._retrying:
                self._calm_since = self._clock()
        if ok:
            log.info("%sFlickr answers again", self.label)


def call_with_retry(
    fn: Callable[[], T],
    *,
    what: str,
    policy: Backoff,
    sleep: Callable[[float], None] = time.sleep,
    rng: random.Random | None = None,
    retryable: Callable[[BaseException], bool] = is_retryable,
    on_retry: Callable[[BaseException, float], None] | None = None,
    notices: RetryNotices | None = None,
) -> T:
    """Call ``fn`` until it succeeds, fails for good, or ``policy.attempts`` are used up.

    The last error is re-raised as it is (callers raise typed errors from ``fn``). ``on_retry``
    hears about each failure that will be retried, with the wait chosen; ``notices`` says so on
    stderr, once per burst. Each attempt is logged at debug level.
    """
    rng = rng or random.Random()
    attempt = 1
    ok = False
    try:
        while True:
            try:
                result = fn()
            except Exception as exc:
                if attempt >= policy.attempts or not retryable(exc):
                    raise
                wait = policy.delay(attempt, rng, rate_limited=is_rate_limited(exc))
                log.debug(
                    "%s failed (%s); try %d of %d in %.1fs", what, exc, attempt + 1, policy.attempts, wait
                )
                if notices is not None:
                    notices.retrying(what, exc, attempt, policy, first=attempt == 1)
                if on_retry is not None:
                    on_retry(exc, wait)
                sleep(wait)
                attempt += 1
            else:
                ok = True
                return result
    finally:
        if notices is not None and attempt > 1:
            notices.done(ok=ok)


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
