"""The cheap pass: content id, format, size, EXIF facts and, in the same read, the picture's own
title, description and keywords (see the package doc)."""

from __future__ import annotations

import hashlib
import io
from collections.abc import Callable, Sequence
from typing import BinaryIO

from flickrsync.errors import MediaError
from flickrsync.models import ContentId, Fingerprint, IdKind, Media

from ._bmff import BmffInfo, parse_bmff
from ._detect import IMAGE_BRANDS, describe_other, detect_format, is_tiff_magic
from ._facts import DateTaken, avi_date, date_taken, quicktime_date
from ._gif import gif_end
from ._jpeg import JpegInfo, mpo_images, parse_jpeg
from ._meta import PictureMeta
from ._metaread import Embedded, decode
from ._riff import RiffInfo, parse_png, parse_riff
from ._source import INMEMORY_LIMIT, BufferSource, Source, open_source, seekable
from ._tiff import ExifFacts, exif_facts, exif_orientation, hash_tiff, tiff_type

#: Bytes :func:`read_metadata` reads first: camera JPEGs put EXIF, XMP and IPTC in their first
#: few tens of KB; Lightroom's XMP with develop settings, or a large preview, can take more.
METADATA_HEAD = 256 * 1024


def fingerprint_stream(stream: BinaryIO, *, size: int | None = None) -> Fingerprint:
    """Fingerprint the file open in ``stream`` (binary, read from its start).

    ``size`` is the file size when the caller knows it (from ``stat``); otherwise the stream is
    asked. Each byte is read once; files up to 64 MiB are read into memory in one call, larger ones
    are streamed. Raises :class:`MediaError` for unusable content; read errors of the stream
    (``OSError``) propagate unchanged.
    """
    return _fingerprint(open_source(stream, size))


def fingerprint_bytes(data: bytes) -> Fingerprint:
    """:func:`fingerprint_stream` of an in-memory file."""
    return fingerprint_stream(io.BytesIO(data), size=len(data))


def fingerprint_with_metadata(
    stream: BinaryIO, *, size: int | None = None
) -> tuple[Fingerprint, PictureMeta]:
    """:func:`fingerprint_stream` and the picture's own title, description and keywords, from the
    same read: the format walk that finds the image data keeps the metadata blocks it passes.
    Raises as :func:`fingerprint_stream`; problems with the metadata are its warnings."""
    found = Embedded()
    fingerprint = _fingerprint(open_source(stream, size), found)
    return fingerprint, decode(found)


def read_metadata(stream: BinaryIO, *, size: int | None = None) -> PictureMeta:
    """The picture's own title, description and keywords alone, without hashing the image data
    (for a file whose fingerprint is known). A JPEG's metadata segments come before its image
    data: when the first :data:`METADATA_HEAD` bytes reach the first scan, nothing more is read.
    Never raises for the content: a file that is not a picture gives no values and a warning;
    read errors of the stream (``OSError``) propagate."""
    if seekable(stream):
        stream.seek(0)
        head = BufferSource(stream.read(METADATA_HEAD))
        if detect_format(head.read(0, 64)) == "jpeg":
            found = Embedded()
            info = parse_jpeg(head, _NoHash(), metadata_only=True)
            if info.saw_scan:
                _keep_jpeg(info, found)
                return decode(found)
    src = open_source(stream, size)
    kind = detect_format(src.read(0, 64))
    if kind in (None, "gif", "avi", "riff") or (kind == "bmff" and src.size > INMEMORY_LIMIT):
        what = "not a picture flickrsync reads metadata from" if kind is None else f"a {kind} file"
        return PictureMeta(warnings=(f"no metadata read: {what}",))
    return decode(_embedded(src, kind))


def _embedded(src: Source, kind: str) -> Embedded:
    """The metadata blocks of a JPEG, PNG, WebP, TIFF or ISO BMFF picture, nothing hashed."""
    found = Embedded()
    if kind == "jpeg":
        _keep_jpeg(parse_jpeg(src, _NoHash(), metadata_only=True), found)
    elif kind == "png":
        info = parse_png(src, _NoHash())
        found.exif, found.png_text = _facts_of(info.exif), info.text_chunks
    elif kind == "webp":
        _keep_riff(parse_riff(src, _NoHash()), found)
    elif kind == "tiff":
        found.exif = exif_facts(src.read, src.size)
    elif kind == "bmff":
        _keep_bmff(parse_bmff(src, _NoHash()), found)
    return found


def _fingerprint(src: Source, found: Embedded | None = None) -> Fingerprint:
    """The fingerprint of ``src``; the metadata blocks its walk passes go into ``found``."""
    if src.size == 0:
        raise MediaError("empty file")
    head = src.read(0, 64)
    kind = detect_format(head)
    if kind is None:
        raise MediaError(describe_other(src.read(0, 4096)))
    hasher = hashlib.sha256()
    found = found if found is not None else Embedded()
    if kind == "jpeg":
        return _jpeg(src, hasher, found)
    if kind == "png":
        return _png(src, hasher, found)
    if kind == "gif":
        return _gif(src, hasher)
    if kind == "tiff":
        return _tiff(src, hasher, found)
    if kind in ("webp", "avi", "riff"):
        return _riff(src, hasher, kind, found)
    return _bmff(src, hasher, found)


def _result(
    hasher: hashlib._Hash,
    *,
    id_kind: IdKind = "imagedata",
    media: Media = "photo",
    fmt: str,
    width: int | None = None,
    height: int | None = None,
    facts: ExifFacts | None = None,
    dates: DateTaken | None = None,
    warnings: Sequence[str] = (),
    truncated: str | None = None,
    trailing: int = 0,
) -> Fingerprint:
    found = [truncated, *warnings] if truncated else list(warnings)
    orientation = None
    if facts is not None:
        found.extend(facts.warnings)
        orientation = facts.orientation
        if dates is None:
            dates = date_taken(facts)
    dates = dates or DateTaken()
    found.extend(dates.warnings)
    return Fingerprint(
        content_id=ContentId(hasher.hexdigest()),
        id_kind=id_kind,
        media=media,
        format=fmt,
        width=width,
        height=height,
        orientation=orientation,
        date_taken=dates.date,
        subsec=dates.subsec,
        offset=dates.offset,
        warnings=tuple(dict.fromkeys(found)),
        truncated=truncated,
        trailing=max(trailing, 0) if truncated is None else 0,
    )


class _NoHash:
    def update(self, data: bytes | memoryview, /) -> None:
        pass


def orientation_of(data: bytes) -> int | None:
    """The EXIF orientation of a JPEG, PNG, WebP or TIFF file, read without hashing anything
    (for the perceptual hash, which must rotate the picture as the fingerprint says; HEIF files
    carry their rotation in the container, which the decoder applies)."""
    src = BufferSource(data)
    kind = detect_format(src.read(0, 64))
    if kind == "jpeg":
        return jpeg_orientation(data)[1]
    if kind not in ("png", "webp", "tiff"):
        return None
    facts = _embedded(src, kind).exif
    return facts.orientation if facts else None


def jpeg_orientation(head: bytes) -> tuple[bool, int | None]:
    """The EXIF orientation of a JPEG from the first bytes of the file: (complete, orientation).
    ``complete`` is true when the head holds the EXIF block (the first one counts), or reaches
    the first scan without one: the orientation is then what :func:`orientation_of` of the whole
    file gives. The walk stops there."""
    info = parse_jpeg(BufferSource(head), _NoHash(), metadata_only=True, exif_only=True)
    blob = info.exif
    if blob is None:
        return info.saw_scan, None
    return True, exif_orientation(_blob_reader(blob), len(blob))


def _facts_of(blob: bytes | None) -> ExifFacts | None:
    if blob is None:
        return None
    return exif_facts(_blob_reader(blob), len(blob))


def _blob_reader(blob: bytes) -> Callable[[int, int], bytes]:
    """``read(at, n)`` of an EXIF block in memory, as the TIFF readers take it."""
    return lambda at, n: blob[at : at + n] if at >= 0 else b""


def _keep_jpeg(info: JpegInfo, found: Embedded) -> None:
    found.exif = _facts_of(info.exif)
    found.xmp = [info.xmp] if info.xmp is not None else []
    found.xmp_extension, found.photoshop = info.xmp_extension, info.photoshop


def _keep_riff(info: RiffInfo, found: Embedded) -> None:
    found.exif = _facts_of(info.exif)
    found.xmp = [info.xmp] if info.xmp is not None else []


def _keep_bmff(info: BmffInfo, found: Embedded) -> None:
    found.exif = _facts_of(info.exif)
    found.xmp = [info.xmp] if info.xmp is not None else []


def _whole_file(src: Source) -> hashlib._Hash:
    hasher = hashlib.sha256()
    src.hash_range(hasher, 0, src.size)
    return hasher


def _jpeg(src: Source, hasher: hashlib._Hash, found: Embedded) -> Fingerprint:
    info = parse_jpeg(src, hasher)
    _keep_jpeg(info, found)
    if info.too_many:
        return _result(
            _whole_file(src),
            id_kind="file",
            fmt="jpeg",
            width=info.width,
            height=info.height,
            warnings=["damaged JPEG with too many markers: content id is the whole-file hash"],
        )
    if not info.hashed:
        raise MediaError("truncated or damaged JPEG: no image data")
    warnings = []
    truncated = None
    trailing = 0
    if info.end is None:
        truncated = "truncated JPEG: the image data is cut off (no end marker)"
    elif info.mpf is not None:
        images = mpo_images(info.mpf)
        for number, (start, length) in enumerate(images, 2):
            if start + length > src.size:
                present = max(src.size - start, 0)
                truncated = (
                    f"truncated MPO: image {number} of {len(images) + 1} is cut off "
                    f"({present} of {length} bytes present)"
                )
                break
        if images:
            trailing = src.size - max(start + length for start, length in images)
    elif info.end < src.size and not info.mpo:
        trailing = src.size - info.end
        warnings.append(f"{trailing} bytes of extra data after the end of the JPEG image")
    return _result(
        hasher,
        fmt="mpo" if info.mpo else "jpeg",
        width=info.width,
        height=info.height,
        facts=found.exif,
        warnings=warnings,
        truncated=truncated,
        trailing=trailing,
    )


def _png(src: Source, hasher: hashlib._Hash, found: Embedded) -> Fingerprint:
    info = parse_png(src, hasher)
    if not info.hashed:
        raise MediaError("PNG without image data (no IDAT chunk)")
    truncated = None if info.ended else "truncated PNG: no IEND chunk"
    found.exif, found.png_text = _facts_of(info.exif), info.text_chunks
    return _result(
        hasher,
        fmt="png",
        width=info.width,
        height=info.height,
        facts=found.exif,
        truncated=truncated,
        trailing=src.size - info.end if info.end else 0,
    )


def _gif(src: Source, hasher: hashlib._Hash) -> Fingerprint:
    head = src.read(0, 13)
    if len(head) < 13:
        raise MediaError("truncated GIF: no screen descriptor")
    src.hash_range(hasher, 0, src.size)
    width = int.from_bytes(head[6:8], "little")
    height = int.from_bytes(head[8:10], "little")
    end = gif_end(src)
    truncated = None if end is not None else "truncated GIF: the file ends before its trailer"
    return _result(
        hasher,
        id_kind="file",
        fmt="gif",
        width=width,
        height=height,
        truncated=truncated,
        trailing=src.size - end if end is not None else 0,
    )


def _tiff(src: Source, hasher: hashlib._Hash, found: Embedded) -> Fingerprint:
    facts = found.exif = exif_facts(src.read, src.size)
    if facts.entries == 0:
        if not is_tiff_magic(src.read(0, 4)):
            raise MediaError(describe_other(src.read(0, 4096)))
        raise MediaError("damaged TIFF: the first image directory is unreadable")
    kind = tiff_type(src)
    warnings: list[str] = []
    id_kind: IdKind = "imagedata"
    hashed, missing = hash_tiff(src, hasher, kind) if kind is not None else (0, 0)
    if not hashed:
        # ExifTool computes no ImageDataHash for this file (BigTIFF, ORF, RW2, a JPEG-compressed
        # TIFF without NewSubfileType, image data outside the file): identify the whole file.
        hasher = _whole_file(src)
        id_kind = "file"
        warnings.append("no image data ExifTool would hash: content id is the whole-file hash")
    fmt = "cr2" if kind == "CR2" else "dng" if facts.dng else "tiff"
    return _result(
        hasher,
        id_kind=id_kind,
        fmt=fmt,
        width=facts.width,
        height=facts.height,
        facts=facts,
        warnings=warnings,
        truncated=f"truncated {fmt.upper()}: {_bytes(missing)} missing at the end" if missing else None,
    )


def _riff(src: Source, hasher: hashlib._Hash, kind: str, found: Embedded) -> Fingerprint:
    if kind == "riff":
        form = src.read(8, 4)
        shown = (
            form.decode("ascii").strip()
            if form.isascii() and form.decode("ascii").isprintable()
            else form.hex()
        )
        raise MediaError(f"not a picture or video (RIFF {shown} file)")
    info = parse_riff(src, hasher)
    name = "WebP" if kind == "webp" else "AVI"
    truncated = f"truncated {name}: {_bytes(info.missing)} missing at the end" if info.missing else None
    if kind == "webp":
        if not info.hashed:
            raise MediaError("truncated or damaged WebP: no image data")
        _keep_riff(info, found)
        return _result(
            hasher,
            fmt="webp",
            width=info.width,
            height=info.height,
            facts=found.exif,
            truncated=truncated,
            trailing=info.trailing,
        )
    if not info.hashed:
        raise MediaError("AVI without video data (no movi list)")
    return _result(
        hasher,
        media="video",
        fmt="avi",
        width=info.width,
        height=info.height,
        dates=avi_date(info.date),
        truncated=truncated,
        trailing=info.trailing,
    )


def _bmff(src: Source, hasher: hashlib._Hash, found: Embedded) -> Fingerprint:
    info = parse_bmff(src, hasher)
    major = info.major_brand
    if major == b"crx ":
        raise MediaError("unsupported picture format (Canon CR3 raw)")
    is_picture = major in IMAGE_BRANDS or (b"vide" not in info.handlers and info.image_items > 0)
    fmt = IMAGE_BRANDS.get(major, "heif") if is_picture else _video_format(major, info.brands)
    if info.too_complex:
        # more items, extents or chunks than flickrsync walks (hostile, or a day-long video)
        return _result(
            _whole_file(src),
            id_kind="file",
            media="photo" if is_picture else "video",
            fmt=fmt,
            warnings=["structure too large to walk: content id is the whole-file hash"],
            truncated=_bmff_truncation(fmt.upper(), "image" if is_picture else "media", info),
        )
    if is_picture:
        if not info.hashed:
            reason = "no image items" if info.saw_meta else "no item information (meta box)"
            raise MediaError(f"truncated or damaged {fmt.upper()}: {reason}")
        _keep_bmff(info, found)
        return _result(
            hasher,
            fmt=fmt,
            width=info.width,
            height=info.height,
            facts=found.exif,
            truncated=_bmff_truncation(fmt.upper(), "image", info),
            trailing=info.trailing,
        )
    if b"vide" not in info.handlers:
        if b"soun" in info.handlers:
            raise MediaError("not a picture or video (audio file)")
        if info.moov_skipped:
            pass
        elif not info.handlers:
            raise MediaError("truncated or damaged video: no movie header (moov box)")
    truncated = _bmff_truncation(fmt.upper(), "media", info)
    if not info.hashed:
        # ExifTool hashes nothing here (moov over 32 MiB, fragmented file): use the whole file.
        hasher = _whole_file(src)
        warnings = ["video without an ExifTool media-data hash: content id is the whole-file hash"]
        id_kind: IdKind = "file"
    else:
        warnings = []
        id_kind = "imagedata"
    return _result(
        hasher,
        id_kind=id_kind,
        media="video",
        fmt=fmt,
        width=info.video_width,
        height=info.video_height,
        dates=quicktime_date(info.created),
        warnings=warnings,
        truncated=truncated,
        trailing=info.trailing,
    )


def _bmff_truncation(name: str, what: str, info: BmffInfo) -> str | None:
    if info.hashed < info.image_bytes:
        return f"truncated {name}: {info.hashed} of {info.image_bytes} bytes of {what} data present"
    if info.missing:
        return f"truncated {name}: {_bytes(info.missing)} missing at the end"
    return None


def _bytes(n: int) -> str:
    return f"{n} byte" if n == 1 else f"{n} bytes"


def _video_format(major: bytes, brands: frozenset[bytes]) -> str:
    if not major or major == b"qt  ":
        return "mov"
    if major.startswith((b"3gp", b"3g2")):
        return "3gp"
    if major.startswith(b"M4V"):
        return "m4v"
    return "mp4"
