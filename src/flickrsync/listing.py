"""Walking Flickr's photo lists: every page of a query, and a whole account past Flickr's cap.

Flickr serves at most 4,000 results of one query (REFERENCE §3.4), and past a query's end it
repeats the last page with ``pages``/``total`` that may be wrong (§10). :class:`Walker` reads a
query page by page until it has really ended, and lists a whole account by narrowing crowded
queries with upload-date windows, reporting when the listing may be incomplete.

Nothing here touches the network: a :class:`Walker` reads pages through the function it is given
(:data:`PageSource`), which for a run is :class:`~flickrsync.client.FlickrClient`'s signed,
retried call. The walking rules are this module's alone.
"""

from __future__ import annotations

import logging
import math
import time
from collections.abc import Callable, Generator, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Literal

from flickrsync.errors import RemoteError
from flickrsync.models import FLICKR_EPOCH, PhotoId, PhotoPage, PhotosetId, RemotePhoto

log = logging.getLogger("flickrsync.listing")

#: Extras the sync needs on every listed photo (https://www.flickr.com/services/api/flickr.people.getPhotos.html).
SYNC_EXTRAS: tuple[str, ...] = (
    "description",
    "date_upload",
    "date_taken",
    "last_update",
    "original_format",
    "tags",
    "machine_tags",
    "o_dims",
    "media",
    "url_o",
    "url_n",
)
PER_PAGE = 500
#: Flickr serves at most this many results of one query (REFERENCE §3.4).
LISTING_CAP = 4000

#: One page of a photo list: ``(method, parameters, container)`` -> the page. ``container`` is
#: the answer's list element (``photos``, or ``photoset`` for flickr.photosets.getPhotos).
PageSource = Callable[[str, Mapping[str, str | int], str], PhotoPage]


@dataclass(frozen=True, slots=True)
class Window:
    """An inclusive range of upload dates (Unix seconds); None = unbounded on that side."""

    lo: int | None = None
    hi: int | None = None

    def params(self) -> dict[str, str]:
        out = {}
        if self.lo is not None:
            out["min_upload_date"] = str(self.lo)
        if self.hi is not None:
            out["max_upload_date"] = str(self.hi)
        return out


def split_window(window: Window, total: int | None, *, now: int, cap: int = LISTING_CAP) -> list[Window]:
    """Pure: cut a window that holds more than ``cap`` photos into smaller ones covering it exactly.

    Cuts in equal time slices, as many as the count suggests (aiming at 3/4 of the cap each),
    2 to 16. Unbounded ends stay unbounded. Returns ``[]`` for a one-second window, which no
    date filter can cut.
    """
    lo = window.lo if window.lo is not None else 0
    hi = window.hi if window.hi is not None else max(now, lo) + 1
    if hi <= lo:
        return []
    if window.lo is None and lo < FLICKR_EPOCH <= hi:
        # Keep the years before Flickr existed as one window (normally empty: one call; dates
        # can be garbage, e.g. a posted date set to "2013" seconds after 1970).
        return [
            Window(None, FLICKR_EPOCH - 1),
            *split_window(Window(FLICKR_EPOCH, window.hi), total, now=now, cap=cap),
        ]
    wanted = math.ceil(total / (cap * 0.75)) if total else 2
    k = max(2, min(16, wanted, hi - lo + 1))
    edges = [lo + (hi - lo + 1) * i // k for i in range(k + 1)]
    subs = [Window(edges[i], edges[i + 1] - 1) for i in range(k)]
    subs[0] = Window(window.lo, subs[0].hi)
    subs[-1] = Window(subs[-1].lo, window.hi)
    return subs


@dataclass
class WalkReport:
    """Filled in by :meth:`Walker.photos` while it walks (read it afterwards).

    ``complete`` is False when some photos may be missing from the listing: the caller must not
    treat "not listed" as "not on Flickr" then (it would upload duplicates).
    """

    calls: int = 0
    windows: int = 0
    photos: int = 0
    total: int | None = None
    complete: bool = True
    problems: list[str] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class _PagesOutcome:
    over_cap: bool
    total: int | None
    #: The upload-date order the photos came in, if any; and the extreme dates seen.
    direction: Literal["desc", "asc"] | None = None
    oldest: int | None = None
    newest: int | None = None


class _Order:
    """Watches the upload dates of a query's photos as they arrive: sorted which way?"""

    def __init__(self) -> None:
        self.desc = True
        self.asc = True
        self.last: int | None = None
        self.oldest: int | None = None
        self.newest: int | None = None

    def add(self, dates: Iterable[int]) -> None:
        for date in dates:
            if self.last is not None:
                self.desc = self.desc and date <= self.last
                self.asc = self.asc and date >= self.last
            self.last = date
            self.oldest = date if self.oldest is None else min(self.oldest, date)
            self.newest = date if self.newest is None else max(self.newest, date)

    @property
    def direction(self) -> Literal["desc", "asc"] | None:
        if self.desc:
            return "desc"  # also when every date is the same
        return "asc" if self.asc else None

    def outcome(self, over_cap: bool, total: int | None) -> _PagesOutcome:
        return _PagesOutcome(over_cap, total, self.direction, self.oldest, self.newest)


class Walker:
    """Walks photo lists read through ``fetch``.

    ``cap``: Flickr's result cap per query. ``slide_windows``: use the upload-date order of
    answers to narrow listing windows (False: time slices only). ``clock``: now, in Unix
    seconds (the end of an unbounded window).
    """

    def __init__(
        self,
        fetch: PageSource,
        *,
        cap: int = LISTING_CAP,
        slide_windows: bool = True,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.fetch = fetch
        self.cap = cap
        self.slide_windows = slide_windows
        self._clock = clock

    def pages(
        self,
        method: str,
        params: Mapping[str, str | int],
        *,
        seen: set[PhotoId],
        report: WalkReport,
        container: str = "photos",
        cap: int | None = None,
        per_page: int = PER_PAGE,
    ) -> Generator[RemotePhoto, None, _PagesOutcome]:
        """Every page of one query, each new photo once; stops at the cap when there is one.

        Past its end Flickr repeats the last page and ``pages``/``total`` may be wrong
        (REFERENCE §10), so a query ends on a short page, a page with nothing new, or a full last
        page when the photos seen add up to ``total``; otherwise a full "last" page earns one
        more look. The outcome says whether the query held more than the cap, and in which
        upload-date order the photos came (for :meth:`photos` to cut the rest).
        """
        in_query: set[PhotoId] = set()
        total: int | None = None
        order = _Order()
        page_no = 1
        while True:
            try:
                page = self.fetch(method, {**params, "per_page": per_page, "page": page_no}, container)
            except RemoteError as exc:
                if exc.code == 20 and cap is not None and page_no > 1:  # "Excessive photo offset"
                    return order.outcome(True, total)
                raise
            report.calls += 1
            if page_no == 1:
                total = page.total
                if report.total is None:
                    report.total = total  # known early: progress shows "of N"
            fresh = [p for p in page.photos if p.id not in in_query]
            in_query.update(p.id for p in page.photos)
            order.add(p.date_upload for p in page.photos)
            for photo in fresh:
                if photo.id not in seen:
                    seen.add(photo.id)
                    yield photo
            size = page.per_page or per_page
            if (
                cap is not None
                and page_no == 1
                and total is not None
                and total > cap
                and (order.direction is None or not self.slide_windows)
            ):
                return order.outcome(True, total)  # it will be cut in time slices: stop paging
            if len(page.photos) < size or (page_no > 1 and not fresh):
                return order.outcome(False, total)
            at_end = page.pages is not None and page_no >= page.pages
            if at_end and total is not None and len(in_query) >= total:
                return order.outcome(False, total)  # a full last page that adds up: done
            if cap is not None and page_no * size >= cap:
                if at_end and total is not None and total <= cap:
                    return order.outcome(False, total)
                return order.outcome(True, max(total or 0, cap + 1))
            page_no += 1

    def photos(
        self, extras: Sequence[str] = SYNC_EXTRAS, *, report: WalkReport | None = None
    ) -> Iterator[RemotePhoto]:
        """Every photo and video of the account, each once, with ``extras``.

        flickr.people.getPhotos(user_id=me), 500 per page. A query that holds more than
        Flickr's 4,000-result cap (REFERENCE §3.4) is narrowed with upload-date windows
        (``min/max_upload_date``, inclusive), until every window fits; photos are deduplicated
        by id. When the answers come in upload-date order (the photostream is newest first),
        the 4,000 photos read already cover everything newer than the oldest of them, so the next
        window ends at that date (inclusive: photos sharing that second are read again) and
        costs no extra call. Otherwise the window is cut in time slices sized by its count
        (:func:`split_window`). ``report`` (optional) tells how many calls it took and whether
        the listing is known to be complete.
        """
        report = report if report is not None else WalkReport()
        seen: set[PhotoId] = set()
        wanted = list(dict.fromkeys([*extras, "date_upload"]))
        base = {"user_id": "me", "extras": ",".join(wanted)}
        pending = [Window()]
        first = True
        while pending:
            window = pending.pop()
            report.windows += 1
            outcome = yield from self.pages(
                "flickr.people.getPhotos",
                {**base, **window.params()},
                seen=seen,
                report=report,
                cap=self.cap,
            )
            if first:
                report.total = outcome.total
                first = False
            if outcome.over_cap:
                pending.extend(reversed(self._narrow(window, outcome, report)))
        report.photos = len(seen)
        if report.total is not None and len(seen) < report.total:
            problem = f"Flickr reported {report.total} photos but listed {len(seen)} (deleted while listing?)"
            log.warning("%s", problem)
            report.problems.append(problem)

    def _narrow(self, window: Window, outcome: _PagesOutcome, report: WalkReport) -> list[Window]:
        """The windows still to read after ``window`` turned out to hold more than the cap."""
        crowded: int | None = None
        rest: list[Window]
        direction = outcome.direction if self.slide_windows else None
        if direction == "desc" and outcome.oldest is not None:
            if window.hi is not None and outcome.oldest >= window.hi:
                crowded = window.hi  # the cap's worth of photos in its last second
                below = window.hi - 1
                rest = [Window(window.lo, below)] if window.lo is None or window.lo <= below else []
            else:
                rest = [Window(window.lo, outcome.oldest)]
        elif direction == "asc" and outcome.newest is not None:
            if window.lo is not None and outcome.newest <= window.lo:
                crowded = window.lo
                above = window.lo + 1
                rest = [Window(above, window.hi)] if window.hi is None or above <= window.hi else []
            else:
                rest = [Window(outcome.newest, window.hi)]
        else:
            rest = split_window(window, outcome.total, now=int(self._clock()), cap=self.cap)
            if not rest:
                crowded = window.lo
        if crowded is not None:
            problem = (
                f"more than {self.cap} photos were uploaded in the second {crowded}; "
                "Flickr lists only the first of them, some may be missing"
            )
            log.warning("%s", problem)
            report.problems.append(problem)
            report.complete = False
        log.debug("listing window %s..%s (%s photos) -> %s", window.lo, window.hi, outcome.total, rest)
        return rest

    def recently_updated(self, since: int, extras: Sequence[str] = SYNC_EXTRAS) -> Iterator[RemotePhoto]:
        """Photos created or changed (metadata, tags, ...) since ``since`` (Unix seconds).

        flickr.photos.recentlyUpdated; when more than the cap changed, falls back to a full
        :meth:`photos` filtered on ``last_update``.
        """
        seen: set[PhotoId] = set()
        report = WalkReport()
        params = {"min_date": str(since), "extras": ",".join(dict.fromkeys([*extras, "last_update"]))}
        buffered: list[RemotePhoto] = []
        walker = self.pages("flickr.photos.recentlyUpdated", params, seen=seen, report=report, cap=self.cap)
        while True:
            try:
                buffered.append(next(walker))
            except StopIteration as stop:
                outcome: _PagesOutcome = stop.value
                break
        if not outcome.over_cap:
            yield from buffered
            return
        log.info("more than %d photos changed since %d: listing everything", self.cap, since)
        for photo in self.photos(params["extras"].split(",")):
            if photo.last_update >= since:
                yield photo

    def by_machine_tag(self, tag: str, *, uploaded_since: int | None = None) -> list[RemotePhoto]:
        """The account's photos carrying machine tag ``tag`` (``namespace:predicate=value``).

        flickr.photos.search(user_id=me, machine_tags=tag). Search is served from an index that
        may lag behind a fresh upload (REFERENCE §4.2), so with ``uploaded_since`` the photos
        uploaded since then (minus an hour for clock skew) are also looked through directly.
        """
        wanted = tag.lower()
        params = {"user_id": "me", "machine_tags": tag, "extras": ",".join(SYNC_EXTRAS)}
        report = WalkReport()
        seen: set[PhotoId] = set()
        found = [
            p
            for p in self.pages("flickr.photos.search", params, seen=seen, report=report)
            if wanted in p.machine_tags or wanted in p.tags
        ]
        if found or uploaded_since is None:
            return found
        window = Window(max(0, uploaded_since - 3600), None)
        recent = {"user_id": "me", "extras": ",".join(SYNC_EXTRAS), **window.params()}
        return [
            p
            for p in self.pages("flickr.people.getPhotos", recent, seen=seen, report=report)
            if wanted in p.machine_tags or wanted in p.tags
        ]

    def photoset_photos(
        self, photoset_id: PhotosetId, extras: Sequence[str] = SYNC_EXTRAS
    ) -> Iterator[RemotePhoto]:
        """The photos of a set, in the set's order (flickr.photosets.getPhotos)."""
        params = {"photoset_id": photoset_id, "extras": ",".join(extras)}
        yield from self.pages(
            "flickr.photosets.getPhotos", params, seen=set(), report=WalkReport(), container="photoset"
        )
