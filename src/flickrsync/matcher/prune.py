"""Which Flickr photos could be which pictures, by what the listing already says. Pure.

Look matching costs a download per Flickr photo (its ~320 px rendition) and a decode per picture,
so before either, the candidates are pruned by what both indexes hold; only the pairs that pass
every rule are compared by look (:func:`implausible` is the rule, :class:`Candidates` finds the
pairs through buckets instead of trying every pair):

* **media** — a photo is never a video;
* **size** — the original's ``o_width`` × ``o_height`` are the picture's, either way round for
  EXIF orientations 5-8 (:func:`~flickrsync.matcher.keys.dimensions_compatible`): Flickr keeps the
  original as uploaded and reports its stored size, whatever the rotation of its renditions;
* **format** — Flickr keeps the original's file type (``originalformat``): a PNG or GIF original
  is only ever a PNG or GIF picture. A JPEG original may be any picture (apps convert HEIC to JPEG
  before they upload), and a format we do not know rules nothing out;
* **date taken** — when both sides know it, it agrees at Flickr's granularity
  (:func:`~flickrsync.matcher.keys.dates_conflict`), or, to the second, differs by whole hours, at
  most :data:`CLOCK_SHIFT_HOURS`: a camera clock set to another time zone, fixed on one side after
  the upload. Such a pair is compared by look, and a look-alike is then decided by its original
  (its dates conflict);
* **taken before uploaded** — a photo whose date taken Flickr does not know (``datetakenunknown``:
  it then shows the upload time) was uploaded after the picture was taken, so a picture taken more
  than :data:`UPLOAD_SLACK` after the photo's upload time cannot be it (the slack covers time zones:
  the date taken is the camera's wall clock, the upload time UTC). An upload time before Flickr
  existed (:data:`~flickrsync.models.FLICKR_EPOCH`) is garbage and rules nothing out.

Unknown on either side never rules a pair out. The two date rules are off with ``--nodatematch``
(dates not trusted). What pruning gives up: a picture whose date taken was changed by more than a
time zone after another tool uploaded it (a camera clock reset to 2000, fixed later) is no longer
compared by look with that upload, so it is uploaded again (a second copy on Flickr, never a
deletion) — unless ``--nodatematch``.
"""

from __future__ import annotations

import bisect
import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Sequence

from flickrsync.matcher.keys import dates_conflict, dimensions_compatible, exact_date, remote_date
from flickrsync.models import FLICKR_EPOCH, LocalPicture, RemotePhoto

#: How much later than a photo's upload time a picture's date taken may be and the picture still
#: be that photo: a day (the date taken is wall-clock time, up to 14 hours off UTC).
UPLOAD_SLACK = 86_400
#: A date taken that differs by whole hours, up to this many, may be a camera clock set to another
#: time zone (UTC-12 to UTC+14 are 26 hours apart at most; 14 either way covers any two zones a
#: traveller's camera and home may be in, and the 12-hour AM/PM slip).
CLOCK_SHIFT_HOURS = 14

#: Flickr ``originalformat`` values that name exactly one picture format (``format`` of the index).
_KEPT_FORMATS = {"png": "png", "gif": "gif"}
#: Flickr's date taken granularities that date a photo coarser than the second (4 month, 6 year),
#: and how much of ``YYYY-MM-DD HH:MM:SS`` each one keeps.
_COARSE = {4: 7, 6: 4}
_EPOCH = dt.datetime(1970, 1, 1)
_SECOND = dt.timedelta(seconds=1)

_Dims = tuple[int, int] | None


def wall_seconds(date: str | None) -> int | None:
    """A ``YYYY-MM-DD HH:MM:SS`` wall-clock date as seconds since 1970-01-01 00:00:00 (as if
    UTC); None for no date, or one no calendar has (``2014-00-00 …``: unknown, rules nothing out)."""
    if date is None:
        return None
    try:
        return (dt.datetime.fromisoformat(date) - _EPOCH) // _SECOND
    except ValueError:
        return None


def clock_shifted(local_date: str | None, photo: RemotePhoto) -> bool:
    """Both dates known to the second and apart by whole hours, at most
    :data:`CLOCK_SHIFT_HOURS` (the same minutes and seconds)."""
    if photo.date_taken_granularity != 0:
        return False
    ours = wall_seconds(exact_date(local_date))
    theirs = wall_seconds(remote_date(photo))
    if ours is None or theirs is None:
        return False
    apart = abs(ours - theirs)
    return apart % 3600 == 0 and apart <= CLOCK_SHIFT_HOURS * 3600


def taken_after_upload(local_date: str | None, photo: RemotePhoto) -> bool:
    """True when ``photo``'s date taken is unknown and the picture was taken more than
    :data:`UPLOAD_SLACK` after the photo was uploaded."""
    if photo.date_upload < FLICKR_EPOCH or remote_date(photo) is not None:
        return False
    taken = wall_seconds(exact_date(local_date))
    return taken is not None and taken > photo.date_upload + UPLOAD_SLACK


def formats_compatible(picture: LocalPicture, photo: RemotePhoto) -> bool:
    """Could ``photo``'s original be ``picture``'s file type (see the module docstring)?"""
    kept = _KEPT_FORMATS.get((photo.original_format or "").lower())
    return kept is None or picture.format == kept


def implausible(picture: LocalPicture, photo: RemotePhoto, *, use_dates: bool) -> str | None:
    """Why ``photo`` cannot be ``picture`` by what the listing says; None when it could."""
    if picture.media != photo.media:
        return "media"
    if not dimensions_compatible(picture, photo):
        return "size"
    if not formats_compatible(picture, photo):
        return "format"
    if not use_dates:
        return None
    if dates_conflict(picture.date_taken, photo) and not clock_shifted(picture.date_taken, photo):
        return "date taken"
    if taken_after_upload(picture.date_taken, photo):
        return "taken after the photo was uploaded"
    return None


class _Bucket:
    """The photos of one original size (or of no known size), by how their date can be used."""

    def __init__(self) -> None:
        #: Photos dated to the second, by the minutes and seconds of their date (seconds within
        #: the hour): a picture's candidates are those of its own, within a few hours.
        self.seconds: dict[int, list[tuple[int, RemotePhoto]]] = defaultdict(list)
        #: Photos dated to the month or year, by granularity and the date at that granularity.
        self.coarse: dict[tuple[int, str], list[RemotePhoto]] = defaultdict(list)
        #: Photos whose date rules nothing out (circa, or dates not used).
        self.any_date: list[RemotePhoto] = []
        #: Photos whose date taken Flickr does not know, by upload time (sorted by :meth:`seal`).
        self.undated: list[tuple[int, RemotePhoto]] = []
        self._uploads: list[int] = []

    def add(self, photo: RemotePhoto, use_dates: bool) -> None:
        date = remote_date(photo) if use_dates else None
        granularity = photo.date_taken_granularity
        at = wall_seconds(date) if granularity == 0 else None
        if at is not None:
            self.seconds[at % 3600].append((at, photo))
        elif date is not None and granularity in _COARSE:
            self.coarse[(granularity, date[: _COARSE[granularity]])].append(photo)
        elif date is not None or not use_dates or photo.date_upload < FLICKR_EPOCH:
            self.any_date.append(photo)
        else:
            self.undated.append((photo.date_upload, photo))

    def seal(self) -> None:
        self.undated.sort(key=lambda item: item[0])
        self._uploads = [upload for upload, _photo in self.undated]

    def of(self, date: str | None) -> Iterable[RemotePhoto]:
        """The photos a picture taken at ``date`` (exact, or None: any) could be, by date."""
        yield from self.any_date
        taken = wall_seconds(date)
        if date is None or taken is None:
            for dated in self.seconds.values():
                yield from (photo for _at, photo in dated)
            for photos in self.coarse.values():
                yield from photos
            yield from (photo for _upload, photo in self.undated)
            return
        shift = CLOCK_SHIFT_HOURS * 3600
        yield from (photo for at, photo in self.seconds.get(taken % 3600, ()) if abs(at - taken) <= shift)
        for granularity, width in _COARSE.items():
            yield from self.coarse.get((granularity, date[:width]), ())
        start = bisect.bisect_left(self._uploads, taken - UPLOAD_SLACK)
        yield from (photo for _upload, photo in self.undated[start:])


class Candidates:
    """The photos each picture could be (:func:`implausible` is None), found by original size and
    date taken rather than by trying every pair: a picture costs the photos of its own size and
    date, not the whole account."""

    def __init__(self, photos: Sequence[RemotePhoto], *, use_dates: bool) -> None:
        self.use_dates = use_dates
        self._buckets: dict[_Dims, _Bucket] = defaultdict(_Bucket)
        for photo in photos:
            dims = (photo.o_width, photo.o_height) if photo.o_width and photo.o_height else None
            self._buckets[dims].add(photo, use_dates)
        for bucket in self._buckets.values():
            bucket.seal()

    def of(self, picture: LocalPicture) -> list[RemotePhoto]:
        """Every photo ``picture`` could be, each once."""
        if picture.width and picture.height:
            keys: list[_Dims] = [(picture.width, picture.height), None]
            if picture.orientation in (5, 6, 7, 8) and picture.width != picture.height:
                keys.append((picture.height, picture.width))
        else:
            keys = list(self._buckets)
        date = exact_date(picture.date_taken) if self.use_dates else None
        found = {
            id(photo): photo
            for key in keys
            if key in self._buckets
            for photo in self._buckets[key].of(date)
            if implausible(picture, photo, use_dates=self.use_dates) is None
        }
        return list(found.values())
