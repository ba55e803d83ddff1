"""Turning raw EXIF and container values into the facts of a :class:`~flickrsync.models.Fingerprint`.

Dates taken are kept as Flickr writes them, ``YYYY-MM-DD HH:MM:SS`` wall-clock time; a value that is
not a real date (placeholders such as ``0000:00:00 00:00:00``, blanks, out-of-range fields, wrong
separators, stray bytes) becomes ``None`` with a warning, because matching on a wrong date is worse
than not matching on a date at all.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from ._tiff import ExifFacts

_EXIF_DATE = re.compile(rb"(\d{4}):(\d{2}):(\d{2}) (\d{2}):(\d{2}):(\d{2})")
_SUBSEC = re.compile(rb"\d{1,9}")
_OFFSET = re.compile(rb"([+-])(\d{2}):(\d{2})")
#: Plausible years for a photograph (the oldest surviving photograph is from 1826).
_FIRST_YEAR, _LAST_YEAR = 1826, 2999
#: QuickTime times count seconds from 1904-01-01 00:00:00 UTC.
_QT_EPOCH = dt.datetime(1904, 1, 1)  # naive on purpose: a UTC wall-clock time
#: Containers with a creation time before this are taken as unset or written with the wrong epoch.
_FIRST_VIDEO = dt.datetime(1970, 1, 2)


@dataclass(frozen=True, slots=True)
class DateTaken:
    date: str | None = None
    subsec: str | None = None
    offset: str | None = None
    warnings: tuple[str, ...] = ()


def _shown(raw: bytes) -> str:
    return raw.decode("latin-1").encode("unicode_escape").decode("ascii")


def _clean(raw: bytes) -> bytes:
    """The value up to its first NUL, without the blanks around it."""
    return raw.split(b"\0", 1)[0].strip()


def exif_date(raw: bytes) -> tuple[str | None, str | None]:
    """``(date, warning)`` for an EXIF ``YYYY:MM:DD HH:MM:SS`` value."""
    value = _clean(raw)
    if not value.strip(b": "):
        return None, "EXIF date taken is blank: ignored"
    if value.strip(b"0: ") == b"":
        return None, f"EXIF date taken is a placeholder ({_shown(value)}): ignored"
    match = _EXIF_DATE.fullmatch(value)
    if match is None:
        return None, f"EXIF date taken is not a date ({_shown(value)}): ignored"
    year, month, day, hour, minute, second = (int(g) for g in match.groups())
    try:
        when = dt.datetime(year, month, day, hour, minute, second)
    except ValueError:
        return None, f"EXIF date taken is out of range ({_shown(value)}): ignored"
    if not _FIRST_YEAR <= year <= _LAST_YEAR:
        return None, f"EXIF date taken is out of range ({_shown(value)}): ignored"
    return when.strftime("%Y-%m-%d %H:%M:%S"), None


def date_taken(facts: ExifFacts) -> DateTaken:
    """The date taken, sub-seconds and offset of EXIF facts; the last two only with a date."""
    if facts.date_original is None:
        return DateTaken()
    date, warning = exif_date(facts.date_original)
    warnings = [warning] if warning else []
    subsec = offset = None
    if date is not None and facts.subsec_original is not None:
        value = _clean(facts.subsec_original)
        if _SUBSEC.fullmatch(value):
            subsec = value.decode("ascii")
        elif value:
            warnings.append(f"EXIF sub-seconds are not digits ({_shown(value)}): ignored")
    if date is not None and facts.offset_original is not None:
        value = _clean(facts.offset_original)
        match = _OFFSET.fullmatch(value)
        if match and int(match[2]) <= 14 and int(match[3]) < 60:
            offset = value.decode("ascii")
        elif value.strip(b": "):
            warnings.append(f"EXIF time offset is not +HH:MM ({_shown(value)}): ignored")
    return DateTaken(date, subsec, offset, tuple(warnings))


def quicktime_date(seconds: int | None) -> DateTaken:
    """A movie header creation time (seconds since 1904, UTC) as a UTC wall-clock date.

    The MP4/QuickTime specifications say the creation time is UTC, and phones write it so; the date
    is therefore reported in UTC with offset ``+00:00`` rather than guessed into a local zone.
    """
    if not seconds:
        return DateTaken()
    try:
        when = _QT_EPOCH + dt.timedelta(seconds=seconds)
    except OverflowError:
        when = dt.datetime.max
    if when < _FIRST_VIDEO or when.year > _LAST_YEAR:
        shown = when.strftime("%Y-%m-%d %H:%M:%S")
        return DateTaken(warnings=(f"video creation time is implausible ({shown} UTC): ignored",))
    return DateTaken(when.strftime("%Y-%m-%d %H:%M:%S"), None, "+00:00")


_AVI_DATE = re.compile(rb"\w{3} (\w{3}) +(\d{1,2}) (\d{2}):(\d{2}):(\d{2}) (\d{4})")
_MONTHS = {m: i for i, m in enumerate(b"Jan Feb Mar Apr May Jun Jul Aug Sep Oct Nov Dec".split(), 1)}


def avi_date(raw: bytes | None) -> DateTaken:
    """The AVI ``IDIT`` date (``Mon Mar  3 09:44:56 2008`` or the EXIF form), as local wall clock."""
    if raw is None:
        return DateTaken()
    value = _clean(raw)
    match = _AVI_DATE.fullmatch(value)
    if match and match[1] in _MONTHS:
        value = b"%s:%02d:%02d %s:%s:%s" % (
            match[6],
            _MONTHS[match[1]],
            int(match[2]),
            match[3],
            match[4],
            match[5],
        )
    date, warning = exif_date(value)
    return DateTaken(date, warnings=(warning.replace("EXIF", "AVI"),) if warning else ())
