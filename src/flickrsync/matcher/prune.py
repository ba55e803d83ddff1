"""Which Flickr photos could be which pictures, by what the listing already says. Pure.

Look matching costs a download per Flickr photo (its ~320 px rendition) and a decode per picture,
so before either, the candidates are pruned by what both indexes hold; only the pairs that pass
every rule are compared by look (:func:`implausible` is the rule, :class:`Candidates` finds the
pairs through buckets instead of trying every pair):

* **media** — a photo is never a video;
* **size** — the original's ``o_width`` × ``o_height`` are the picture's, either way round for
  EXIF orientations 5-8, or the size of the copy ``resize`` uploaded (:func:`sizes_compatible`):
  Flickr keeps the original as uploaded and reports its stored size, whatever the rotation of its
  renditions;
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

Unknown on either side never rules a pair out. :class:`Candidates` (the photos, asked about a
picture) and :class:`Pictures` (the pictures, asked about a photo) index both sides by media,
size, file type and date, so a question costs the items of that size and date, not the whole
other side; and :meth:`Candidates.near` compares a picture's perceptual hash with its candidates'
before it checks the rule on the few that look alike: with many candidates (photos whose date
Flickr does not know) that is most of the work of look matching.

The two date rules are off with ``--nodatematch`` (dates not trusted). What pruning gives up: a
picture whose date taken was changed by more than a time zone after another tool uploaded it (a
camera clock reset to 2000, fixed later) is no longer compared by look with that upload, so it is
uploaded again (a second copy on Flickr, never a deletion) — unless ``--nodatematch``.
"""

from __future__ import annotations

import bisect
import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import cast

import numpy as np
import numpy.typing as npt

from flickrsync.matcher.keys import dates_conflict, exact_date, remote_date, sizes_agree
from flickrsync.models import FLICKR_EPOCH, LocalPicture, PhotoId, RemotePhoto

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


def sizes_compatible(picture: LocalPicture, photo: RemotePhoto) -> bool:
    """Could ``photo``'s original be ``picture`` by its size: the picture's own, either way round
    for a quarter-turn EXIF orientation, or the smaller copy ``resize`` uploaded of it
    (:attr:`LocalPicture.resized`). Unknown on either side -> yes. (A resized copy made under
    another ``resize`` setting is left to the machine tag it carries: look matching never
    compared those.)"""
    if photo.o_width and photo.o_height and (photo.o_width, photo.o_height) == picture.resized:
        return True
    return sizes_agree(picture.width, picture.height, picture.orientation, photo.o_width, photo.o_height)


def formats_compatible(picture: LocalPicture, photo: RemotePhoto) -> bool:
    """Could ``photo``'s original be ``picture``'s file type (see the module docstring)?"""
    kept = _KEPT_FORMATS.get((photo.original_format or "").lower())
    return kept is None or picture.format == kept


def implausible(picture: LocalPicture, photo: RemotePhoto, *, use_dates: bool) -> str | None:
    """Why ``photo`` cannot be ``picture`` by what the listing says; None when it could."""
    if picture.media != photo.media:
        return "media"
    if not sizes_compatible(picture, photo):
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


_Key = tuple[str, _Dims, str]
#: A photo of any format but PNG and GIF: any picture may have become it.
_ANY_FORMAT = "*"


def _photo_format(photo: RemotePhoto) -> str:
    """The one picture format ``photo`` must have, or :data:`_ANY_FORMAT`."""
    return _KEPT_FORMATS.get((photo.original_format or "").lower(), _ANY_FORMAT)


def _dims(width: int | None, height: int | None) -> _Dims:
    return (width, height) if width and height else None


def _words(values: Iterable[int], width: int) -> npt.NDArray[np.uint64]:
    """Each of ``values`` as ``width`` 64-bit words, most significant first, a row each."""
    data = b"".join(value.to_bytes(8 * width, "big") for value in values)
    return np.frombuffer(data, dtype=">u8").astype(np.uint64).reshape(-1, width)


def _bits(phash: str | None, length: int) -> int | None:
    """A hex perceptual hash as an integer, when it has ``length`` digits (as
    :func:`~flickrsync.matcher.keys.hamming` compares them)."""
    if phash is None or len(phash) != length:
        return None
    try:
        return int(phash.lower(), 16)
    except ValueError:
        return None


#: A span of candidates at least this long is compared with numpy, 64 bits at a time.
_VECTOR_SPAN = 48
#: At most this many 64-bit words are compared in one numpy operation (8 MB): the long spans of
#: many pictures are compared together, a block of pictures at a time.
_VECTOR_WORDS = 1 << 20


def _popcount(words: npt.NDArray[np.uint64]) -> npt.NDArray[np.uint64]:
    """The bits set in each word."""
    if hasattr(np, "bitwise_count"):  # numpy 2
        return cast("npt.NDArray[np.uint64]", np.bitwise_count(words))
    by_byte = _BYTE_BITS[words.view(np.uint8)].reshape(*words.shape, 8)
    return cast("npt.NDArray[np.uint64]", by_byte.sum(axis=-1, dtype=np.uint64))


_BYTE_BITS = np.array([bin(i).count("1") for i in range(256)], dtype=np.uint64)


class _Photos:
    """Photos in the order a date search needs them, with their hashes as integers (and, for a
    long list, as rows of 64-bit words) on demand."""

    def __init__(self) -> None:
        self.items: list[RemotePhoto] = []
        self._bits: dict[int, list[int | None]] = {}
        self._words: dict[int, tuple[npt.NDArray[np.uint64], npt.NDArray[np.bool_]]] = {}

    def forget(self) -> None:
        """Forget the hashes computed (other hashes are coming)."""
        self._bits.clear()
        self._words.clear()

    def bits(self, hashes: Mapping[PhotoId, str | None], length: int) -> list[int | None]:
        found = self._bits.get(length)
        if found is None:
            found = self._bits[length] = [_bits(hashes.get(p.id), length) for p in self.items]
        return found

    def words(
        self, hashes: Mapping[PhotoId, str | None], length: int
    ) -> tuple[npt.NDArray[np.uint64], npt.NDArray[np.bool_]]:
        """The hashes of ``length`` hex digits (a multiple of 16) as rows of 64-bit words, and
        which rows hold one."""
        found = self._words.get(length)
        if found is None:
            width = length // 16
            bits = self.bits(hashes, length)
            array = _words((b or 0 for b in bits), width)
            found = self._words[length] = (array, np.array([b is not None for b in bits], dtype=np.bool_))
        return found


class _PhotoBucket:
    """The photos of one media, original size (or none known) and format class, by how their date
    can be used."""

    def __init__(self) -> None:
        #: Dated to the second, by the seconds within the hour of their date (then by date): a
        #: picture's candidates are those of its own minutes and seconds, a few hours around.
        self.seconds: dict[int, tuple[list[int], _Photos]] = {}
        #: Dated to the month or year, by granularity and the date at that granularity.
        self.coarse: dict[tuple[int, str], _Photos] = defaultdict(_Photos)
        #: Photos whose date rules nothing out (circa, or dates not used).
        self.any_date = _Photos()
        #: Photos whose date taken Flickr does not know, by upload time.
        self.undated = _Photos()
        self._uploads: list[int] = []
        self._pending: list[tuple[int, int, RemotePhoto]] = []

    def add(self, photo: RemotePhoto, use_dates: bool) -> None:
        date = remote_date(photo) if use_dates else None
        granularity = photo.date_taken_granularity
        at = wall_seconds(date) if granularity == 0 else None
        if at is not None:
            self._pending.append((at, 0, photo))
        elif date is not None and granularity in _COARSE:
            self.coarse[(granularity, date[: _COARSE[granularity]])].items.append(photo)
        elif date is not None or not use_dates or photo.date_upload < FLICKR_EPOCH:
            self.any_date.items.append(photo)
        else:
            self._pending.append((photo.date_upload, 1, photo))

    def seal(self) -> None:
        """Sort what :meth:`add` gathered (once, after the last photo)."""
        self._pending.sort(key=lambda item: item[0])
        for at, undated, photo in self._pending:
            if undated:
                self._uploads.append(at)
                self.undated.items.append(photo)
            else:
                times, photos = self.seconds.setdefault(at % 3600, ([], _Photos()))
                times.append(at)
                photos.items.append(photo)
        self._pending = []

    def spans(self, date: str | None) -> Iterator[tuple[_Photos, int, int]]:
        """The lists (and the range of each) that hold every photo a picture taken at ``date``
        (exact, or None: any) could be by date; a few more at most."""
        yield self.any_date, 0, len(self.any_date.items)
        taken = wall_seconds(date)
        if taken is None:
            for _times, photos in self.seconds.values():
                yield photos, 0, len(photos.items)
            for photos in self.coarse.values():
                yield photos, 0, len(photos.items)
            yield self.undated, 0, len(self.undated.items)
            return
        shift = CLOCK_SHIFT_HOURS * 3600
        times, photos = self.seconds.get(taken % 3600, ([], _Photos()))
        yield photos, bisect.bisect_left(times, taken - shift), bisect.bisect_right(times, taken + shift)
        for granularity, width in _COARSE.items():
            coarse = self.coarse.get((granularity, (date or "")[:width]))
            if coarse is not None:
                yield coarse, 0, len(coarse.items)
        yield self.undated, bisect.bisect_left(self._uploads, taken - UPLOAD_SLACK), len(self.undated.items)


class Candidates:
    """The photos each picture could be (:func:`implausible` is None), found through buckets by
    media, original size, format and date taken rather than by trying every pair."""

    def __init__(
        self,
        photos: Iterable[RemotePhoto],
        *,
        use_dates: bool,
        hashes: Mapping[PhotoId, str | None] | None = None,
    ) -> None:
        self.use_dates = use_dates
        self.hashes: Mapping[PhotoId, str | None] = hashes or {}
        self._buckets: dict[_Key, _PhotoBucket] = defaultdict(_PhotoBucket)
        for photo in photos:
            key = (photo.media, _dims(photo.o_width, photo.o_height), _photo_format(photo))
            self._buckets[key].add(photo, use_dates)
        for bucket in self._buckets.values():
            bucket.seal()

    def rehashed(self, hashes: Mapping[PhotoId, str | None]) -> Candidates:
        """This index with ``hashes`` instead (the photos' buckets kept; what was computed
        from the former hashes forgotten): for the same photos in a later matching round."""
        self.hashes = hashes
        for bucket in self._buckets.values():
            for photos in (bucket.any_date, bucket.undated, *bucket.coarse.values()):
                photos.forget()
            for _times, photos in bucket.seconds.values():
                photos.forget()
        return self

    def _spans(self, picture: LocalPicture) -> Iterator[tuple[_Photos, int, int]]:
        formats = (
            (_ANY_FORMAT, picture.format) if picture.format in _KEPT_FORMATS.values() else (_ANY_FORMAT,)
        )
        sizes: list[_Dims]
        if picture.width and picture.height:
            sizes = [(picture.width, picture.height), None]
            if picture.orientation in (5, 6, 7, 8) and picture.width != picture.height:
                sizes.append((picture.height, picture.width))
            if picture.resized is not None and picture.resized not in sizes:
                sizes.append(picture.resized)
        else:
            sizes = list(dict.fromkeys(key[1] for key in self._buckets))
        date = exact_date(picture.date_taken) if self.use_dates else None
        for size in sizes:
            for fmt in formats:
                bucket = self._buckets.get((picture.media, size, fmt))
                if bucket is not None:
                    yield from bucket.spans(date)

    def of(self, picture: LocalPicture) -> Iterator[RemotePhoto]:
        """Every photo ``picture`` could be, each once."""
        for photos, lo, hi in self._spans(picture):
            for photo in photos.items[lo:hi]:
                if implausible(picture, photo, use_dates=self.use_dates) is None:
                    yield photo

    def any(self, picture: LocalPicture) -> bool:
        """Some photo could be ``picture``."""
        return next(self.of(picture), None) is not None

    def near(self, picture: LocalPicture, phash: str, threshold: int) -> dict[PhotoId, int]:
        """The photos ``picture`` could be whose perceptual hash (``hashes``) is within
        ``threshold`` of ``phash``, with the distance: their hashes are compared first, the rule
        is checked on those that look alike."""
        return self.near_many([(picture, phash)], threshold)[0]

    def near_many(
        self, looks: Sequence[tuple[LocalPicture, str]], threshold: int
    ) -> list[dict[PhotoId, int]]:
        """:meth:`near` of each ``(picture, phash)``. The long spans of candidates (photos whose
        date Flickr does not know, mostly: every picture taken before their upload may be one)
        are compared for many pictures in one numpy operation each, not picture by picture."""
        # Pairs within the threshold, per picture: (photos, index), distance.
        close: list[list[tuple[_Photos, int, int]]] = [[] for _ in looks]
        # Long spans, by list and hash length: (row in looks, lo, hi, the picture's hash).
        long: dict[tuple[int, int], tuple[_Photos, list[tuple[int, int, int, int]]]] = {}
        for row, (picture, phash) in enumerate(looks):
            length = len(phash)
            mine = _bits(phash, length)
            if mine is None:
                continue
            for photos, lo, hi in self._spans(picture):
                if hi - lo >= _VECTOR_SPAN and length % 16 == 0:
                    long.setdefault((id(photos), length), (photos, []))[1].append((row, lo, hi, mine))
                elif hi > lo:
                    bits = photos.bits(self.hashes, length)
                    close[row].extend(
                        (photos, i, distance)
                        for i in range(lo, hi)
                        if (theirs := bits[i]) is not None
                        and (distance := (theirs ^ mine).bit_count()) <= threshold
                    )
        for (_list, length), (photos, asks) in long.items():
            self._compare(photos, length, sorted(asks, key=lambda ask: ask[1]), threshold, close)
        found: list[dict[PhotoId, int]] = [{} for _ in looks]
        for row, (picture, _phash) in enumerate(looks):
            for photos, i, distance in close[row]:
                photo = photos.items[i]
                if implausible(picture, photo, use_dates=self.use_dates) is None:
                    found[row][photo.id] = distance
        return found

    def _compare(
        self,
        photos: _Photos,
        length: int,
        asks: Sequence[tuple[int, int, int, int]],
        threshold: int,
        close: list[list[tuple[_Photos, int, int]]],
    ) -> None:
        """Compare each ask ``(row, lo, hi, hash)`` (sorted by ``lo``) with ``photos.items[lo:hi]``
        by look, a block of asks at a time (the block spans the union of their ranges, at most
        :data:`_VECTOR_WORDS` words), adding the pairs within ``threshold`` to ``close[row]``."""
        words, held = photos.words(self.hashes, length)
        width = length // 16
        start = 0
        while start < len(asks):
            lo, hi = asks[start][1], asks[start][2]
            end = start + 1
            while end < len(asks):
                wider = max(hi, asks[end][2])
                if (end + 1 - start) * (wider - lo) * width > _VECTOR_WORDS:
                    break
                hi, end = wider, end + 1
            block = asks[start:end]
            mine = _words((ask[3] for ask in block), width)
            distances = _popcount(words[lo:hi][None, :, :] ^ mine[:, None, :]).sum(axis=2, dtype=np.uint32)
            columns = np.arange(lo, hi)
            inside = (columns >= np.array([ask[1] for ask in block])[:, None]) & (
                columns < np.array([ask[2] for ask in block])[:, None]
            )
            rows, cols = np.nonzero((distances <= threshold) & inside & held[lo:hi])
            for r, c in zip(rows.tolist(), cols.tolist(), strict=True):
                close[block[r][0]].append((photos, lo + c, int(distances[r, c])))
            start = end


class _PictureBucket:
    """The pictures of one media, size (or none known) and format, by date taken."""

    def __init__(self) -> None:
        #: Dated, by the seconds within the hour of their date (then by date).
        self.seconds: dict[int, tuple[list[int], list[LocalPicture]]] = {}
        #: Dated, by month and by year (``YYYY-MM``, ``YYYY``).
        self.months: dict[str, list[LocalPicture]] = defaultdict(list)
        self.years: dict[str, list[LocalPicture]] = defaultdict(list)
        #: Dated, oldest first.
        self.taken: list[int] = []
        self.dated: list[LocalPicture] = []
        #: No date taken to go by (or dates not used).
        self.undated: list[LocalPicture] = []
        self._pending: list[tuple[int, LocalPicture]] = []

    def add(self, picture: LocalPicture, use_dates: bool) -> None:
        date = exact_date(picture.date_taken) if use_dates else None
        taken = wall_seconds(date)
        if date is None or taken is None:
            self.undated.append(picture)
            return
        self._pending.append((taken, picture))
        self.months[date[:7]].append(picture)
        self.years[date[:4]].append(picture)

    def seal(self) -> None:
        """Sort what :meth:`add` gathered (once, after the last picture)."""
        self._pending.sort(key=lambda item: item[0])
        for taken, picture in self._pending:
            self.taken.append(taken)
            self.dated.append(picture)
            times, pictures = self.seconds.setdefault(taken % 3600, ([], []))
            times.append(taken)
            pictures.append(picture)
        self._pending = []

    def of(self, photo: RemotePhoto, use_dates: bool) -> Iterator[LocalPicture]:
        """Every picture ``photo`` could be by date, and a few more at most."""
        yield from self.undated
        date = remote_date(photo) if use_dates else None
        granularity = photo.date_taken_granularity
        at = wall_seconds(date) if granularity == 0 else None
        if at is not None:
            shift = CLOCK_SHIFT_HOURS * 3600
            times, pictures = self.seconds.get(at % 3600, ([], []))
            yield from pictures[
                bisect.bisect_left(times, at - shift) : bisect.bisect_right(times, at + shift)
            ]
        elif date is not None and granularity in _COARSE:
            by = self.months if granularity == 4 else self.years
            yield from by.get(date[: _COARSE[granularity]], ())
        elif date is None and use_dates and photo.date_upload >= FLICKR_EPOCH:
            yield from self.dated[: bisect.bisect_right(self.taken, photo.date_upload + UPLOAD_SLACK)]
        else:
            yield from self.dated


class Pictures:
    """The pictures each photo could be (:func:`implausible` is None): :class:`Candidates` the
    other way round."""

    def __init__(self, pictures: Iterable[LocalPicture], *, use_dates: bool) -> None:
        self.use_dates = use_dates
        #: By media and size (None: unknown), then by format.
        self._sizes: dict[tuple[str, _Dims], dict[str, _PictureBucket]] = defaultdict(dict)
        #: Pictures turned a quarter by their EXIF orientation, also under their size turned; and
        #: pictures uploaded as a smaller copy (``resize``), under the copy's size.
        self._turned: dict[tuple[str, _Dims], dict[str, _PictureBucket]] = defaultdict(dict)
        for picture in pictures:
            size = _dims(picture.width, picture.height)
            self._bucket(self._sizes, picture.media, size, picture.format).add(picture, use_dates)
            others: list[_Dims] = []
            if size is not None and picture.orientation in (5, 6, 7, 8) and size[0] != size[1]:
                others.append((size[1], size[0]))
            # (A picture of no known size is in every photo's groups already.)
            if size is not None and picture.resized not in (None, size, *others):
                others.append(picture.resized)
            for other in others:
                self._bucket(self._turned, picture.media, other, picture.format).add(picture, use_dates)
        for index in (self._sizes, self._turned):
            for formats in index.values():
                for bucket in formats.values():
                    bucket.seal()

    @staticmethod
    def _bucket(
        index: dict[tuple[str, _Dims], dict[str, _PictureBucket]], media: str, size: _Dims, fmt: str
    ) -> _PictureBucket:
        formats = index[(media, size)]
        if fmt not in formats:
            formats[fmt] = _PictureBucket()
        return formats[fmt]

    def of(self, photo: RemotePhoto) -> Iterator[LocalPicture]:
        """Every picture ``photo`` could be, each once."""
        size = _dims(photo.o_width, photo.o_height)
        if size is None:  # no size to go by: pictures of every size (each is in one of them)
            groups = [formats for key, formats in self._sizes.items() if key[0] == photo.media]
        else:  # its size, no size known, or its size turned by the picture's EXIF orientation
            groups = [
                index[key]
                for index, key in (
                    (self._sizes, (photo.media, size)),
                    (self._sizes, (photo.media, None)),
                    (self._turned, (photo.media, size)),
                )
                if key in index
            ]
        fmt = _photo_format(photo)
        for formats in groups:
            buckets = formats.values() if fmt == _ANY_FORMAT else [formats[fmt]] if fmt in formats else []
            for bucket in buckets:
                for picture in bucket.of(photo, self.use_dates):
                    if implausible(picture, photo, use_dates=self.use_dates) is None:
                        yield picture

    def any(self, photo: RemotePhoto) -> bool:
        """Some picture could be ``photo``."""
        return next(self.of(photo), None) is not None
