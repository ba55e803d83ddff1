"""Key normalisation for matching (rclone's ``srcOrDstKey``): names, titles, dates, tags, sizes.

Pure: plain values in, plain values out."""

from __future__ import annotations

import functools
import re
import unicodedata

from flickrsync.models import (
    MACHINE_TAG_NAMESPACE,
    MACHINE_TAG_PREDICATE,
    ContentId,
    LocalPicture,
    RemotePhoto,
    readable,
)

OUR_TAG_PREFIX = f"{MACHINE_TAG_NAMESPACE}:{MACHINE_TAG_PREDICATE}="
LEGACY_TAG_PREFIX = f"{MACHINE_TAG_NAMESPACE}:signature="
MD5_PREFIX = "checksum:md5="
SHA1_PREFIX = "checksum:sha1="
HEX64 = re.compile(r"[0-9a-f]{64}")
HEX32 = re.compile(r"[0-9a-f]{32}")
HEX40 = re.compile(r"[0-9a-f]{40}")
_DATE = re.compile(r"\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}")
#: A title suffix that looks like a file extension Flickr kept (``IMG_1.JPG``): 1-5 letters/digits
#: with at least one letter (so ``Holiday.2014`` keeps its "extension").
_EXTENSION = re.compile(r"\.([0-9A-Za-z]{1,5})$")
_COPY_COUNTER = re.compile(r"\s*\(\d{1,4}\)$")
#: A title that looks like a camera/phone file name (``IMG_0002``, ``DSC01234``, ``PXL_2023…``).
FILE_NAME_LIKE = re.compile(r"[A-Za-z0-9_\-]*[0-9][A-Za-z0-9_\-]*")


# --- key normalisation -----------------------------------------------------------------------


@functools.lru_cache(maxsize=1 << 18)
def normalize_name(text: str) -> str:
    """The comparison key of a title or file name: as read (a name that is not UTF-8 compares
    as the title it was uploaded with, :func:`~flickrsync.models.readable`), NFC, case-folded,
    trimmed."""
    return unicodedata.normalize("NFC", readable(text)).casefold().strip()


@functools.lru_cache(maxsize=1 << 18)
def title_keys(title: str) -> frozenset[str]:
    """Keys a Flickr title can match a file stem by: itself, and without a kept extension."""
    key = normalize_name(title)
    if not key:
        return frozenset()
    keys = {key}
    ext = _EXTENSION.search(key)
    if ext and any(c.isalpha() for c in ext.group(1)) and key[: ext.start()].strip():
        keys.add(key[: ext.start()].strip())
    return frozenset(keys)


def picture_stems(picture: LocalPicture) -> frozenset[str]:
    """Keys of a picture's names: every path's stem (duplicates have several names), also without
    a copy counter such as `` (2)`` (how downloads, browsers and file managers avoid a clash)."""
    if len(picture.paths) == 1:
        return _stem_keys(picture.paths[0].stem)
    return frozenset().union(*(_stem_keys(path.stem) for path in picture.paths))


@functools.lru_cache(maxsize=1 << 18)
def _stem_keys(stem: str) -> frozenset[str]:
    # Every stage asks for these, in every round of a run: kept for the names seen last.
    keys: set[str] = set()
    key = normalize_name(stem)
    if key:
        keys.add(key)
        bare = _COPY_COUNTER.sub("", key)
        if bare:
            keys.add(bare)
    return frozenset(keys)


def exact_date(value: str | None) -> str | None:
    """``YYYY-MM-DD HH:MM:SS`` or None (absent, garbage, or Flickr's ``0000-00-00 …``)."""
    if value is None:
        return None
    return _exact_date(value)


@functools.lru_cache(maxsize=1 << 18)
def _exact_date(value: str) -> str | None:
    # Each picture's and photo's date is asked for many times in a run (every stage, every
    # candidate pair): the answer is kept for the strings seen last.
    if not _DATE.fullmatch(value) or value.startswith("0000"):
        return None
    return value


def remote_date(photo: RemotePhoto) -> str | None:
    """Flickr's date taken when it is real (never when ``datetakenunknown``: Flickr then fills in
    the upload time)."""
    if photo.date_taken_unknown:
        return None
    return exact_date(photo.date_taken)


def remote_exact_date(photo: RemotePhoto) -> str | None:
    """Flickr's date taken when it is real and exact to the second (granularity 0)."""
    return remote_date(photo) if photo.date_taken_granularity == 0 else None


def dates_conflict(local_date: str | None, photo: RemotePhoto) -> bool:
    """True when both dates are known and differ (at Flickr's granularity: 4 = month, 6 = year,
    8 = circa never conflicts). https://www.flickr.com/services/api/misc.dates.html"""
    theirs = remote_date(photo)
    ours = exact_date(local_date)
    if theirs is None or ours is None:
        return False
    width = {0: 19, 4: 7, 6: 4}.get(photo.date_taken_granularity)
    if width is None:
        return False
    return ours[:width] != theirs[:width]


def resized_size(width: int, height: int, long_edge: int) -> tuple[int, int] | None:
    """The size of a picture of ``width`` x ``height`` scaled so that its long edge is
    ``long_edge``, rounded; None when it is not larger than that (never scaled up). The one rule
    for the copy ``resize`` uploads (:mod:`flickrsync.resizing`) and for what the matcher
    expects Flickr to hold of it."""
    longest = max(width, height)
    if longest <= long_edge or long_edge <= 0:
        return None
    scale = long_edge / longest
    return max(1, round(width * scale)), max(1, round(height * scale))


def displayed_size(width: int, height: int, orientation: int | None) -> tuple[int, int]:
    """A stored size as the picture is shown: a quarter turn (EXIF orientation 5-8) swaps it."""
    return (height, width) if orientation in (5, 6, 7, 8) else (width, height)


def is_resized_copy(picture: LocalPicture, width: int, height: int) -> bool:
    """Is ``width`` x ``height`` the size of a smaller copy ``resize`` makes of ``picture``
    (upright, its long edge scaled to the copy's)? True of a resized upload whatever the
    ``resize`` setting was when it was sent."""
    if not picture.width or not picture.height:
        return False
    shown = displayed_size(picture.width, picture.height, picture.orientation)
    return resized_size(*shown, max(width, height)) == (width, height)


def dimensions_compatible(picture: LocalPicture, photo: RemotePhoto) -> bool:
    """Could ``photo`` be ``picture`` by its original's size? Unknown on either side -> yes.

    Flickr keeps the uploaded original unchanged and does not apply EXIF rotation to it, so its
    ``o_width``/``o_height`` are the stored pixel dimensions, which equal the file's. Whether a
    picture's width/height are reported before or after applying its EXIF orientation is not
    something we want to depend on, so for orientations 5-8 (a quarter turn: the displayed image
    has width and height swapped) the swapped pair is accepted as well. Orientations 1-4 do not
    swap, so they must match exactly. A picture uploaded as a smaller copy (``resize``) is on
    Flickr at the copy's size (:attr:`LocalPicture.resized`, upright; :func:`is_resized_copy`):
    that size matches too.
    """
    o_width, o_height = photo.o_width, photo.o_height
    if (
        o_width
        and o_height
        and ((o_width, o_height) == picture.resized or is_resized_copy(picture, o_width, o_height))
    ):
        return True
    return sizes_agree(picture.width, picture.height, picture.orientation, photo.o_width, photo.o_height)


def sizes_agree(
    width: int | None, height: int | None, orientation: int | None, o_width: int | None, o_height: int | None
) -> bool:
    """A file's stored size (with its EXIF orientation) against a Flickr original's
    ``o_width``/``o_height`` (see :func:`dimensions_compatible`). Unknown on either side -> yes."""
    if width is None or height is None or o_width is None or o_height is None:
        return True
    if (width, height) == (o_width, o_height):
        return True
    return orientation in (5, 6, 7, 8) and (height, width) == (o_width, o_height)


def hamming(a: str, b: str) -> int | None:
    """Hamming distance of two hex perceptual hashes; None when they cannot be compared."""
    if len(a) != len(b):
        return None
    try:
        return (int(a, 16) ^ int(b, 16)).bit_count()
    except ValueError:
        return None


def content_ids_in_tags(photo: RemotePhoto) -> tuple[ContentId, ...]:
    """Our machine tag values on a photo (clean forms: Flickr lower-cases), sorted."""
    return tuple(sorted({ContentId(v) for v in tag_values(photo, OUR_TAG_PREFIX, HEX64)}))


def machine_tags(photo: RemotePhoto) -> set[str]:
    # Flickr has returned a machine tag in ``tags`` while ``machine_tags`` was empty: read both.
    found = {t.strip().lower() for t in photo.machine_tags}
    found.update(t.strip().lower() for t in photo.tags if ":" in t)
    return found


def tag_values(photo: RemotePhoto, prefix: str, shape: re.Pattern[str]) -> set[str]:
    if not photo.machine_tags and not photo.tags:
        return set()
    return {
        tag[len(prefix) :]
        for tag in machine_tags(photo)
        if tag.startswith(prefix) and shape.fullmatch(tag[len(prefix) :])
    }


def is_legacy_upload(photo: RemotePhoto) -> bool:
    """Uploaded by flickrsync 0.1.1 (carries ``flickrsync:signature=…``)."""
    return any(tag.startswith(LEGACY_TAG_PREFIX) for tag in machine_tags(photo))


def photo_order(photo: RemotePhoto) -> tuple[int, int, str]:
    """Earliest upload first; ties by numeric id (decimal strings), so choices are stable."""
    return (photo.date_upload, len(photo.id), photo.id)


def short(content_id: str) -> str:
    return content_id[:12] + "…" if len(content_id) > 12 else content_id
