"""RIFF files (WebP pictures, AVI videos) and PNG: chunk walks, as ExifTool hashes them.

* RIFF (``Image::ExifTool::RIFF::ProcessRIFF``, ``lib/Image/ExifTool/RIFF.pm``): the payload of
  every top-level chunk named ``VP8 ``, ``VP8L``, ``ANIM``, ``ANMF``, ``ALPH`` (WebP) or
  ``LIST``/``movi`` (AVI), including its pad byte, in file order. ``VP8X``, ``EXIF``, ``XMP ``,
  ``ICCP`` are left out. A WebP image chunk is hashed only when its payload is all there (ExifTool
  reads it into memory); the AVI ``movi`` list contributes whatever part of it the file holds.
* PNG (``Image::ExifTool::PNG::ProcessPNG``, ``lib/Image/ExifTool/PNG.pm``): the payload of every
  ``IDAT`` chunk (not its length, type or CRC), in file order, also after ``IEND`` when there is a
  trailer; a chunk cut off by the end of the file contributes the bytes that are there.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass, field

from ._source import Hasher, Source

_WEBP_IMAGE = frozenset({b"VP8 ", b"VP8L", b"ANIM", b"ANMF", b"ALPH"})
_MOVI = b"LIST_movi"
#: Largest XMP packet kept for the metadata reader (WebP, PNG).
_MAX_XMP = 16 * 1024 * 1024


@dataclass(slots=True)
class RiffInfo:
    form: bytes
    hashed: int = 0
    image_chunks: int = 0
    width: int | None = None
    height: int | None = None
    exif: bytes | None = None
    #: AVI ``IDIT`` (DateTimeOriginal) text as stored
    date: bytes | None = None
    #: WebP ``XMP `` chunk payload
    xmp: bytes | None = None
    #: Bytes the RIFF header or a chunk inside it promises beyond the end of the file (a file
    #: cut off); 0 for a complete file. Chunks after the RIFF form (trailing data) do not count.
    missing: int = 0
    #: Bytes after the end of the RIFF form (and its pad byte); 0 when its size is "unknown".
    trailing: int = 0


def parse_riff(src: Source, hasher: Hasher) -> RiffInfo:
    info = RiffInfo(form=src.read(8, 4))
    declared = int.from_bytes(src.read(4, 4), "little")
    # the end of the RIFF form; 0 and 0xFFFFFFFF are written by streaming writers for "unknown"
    limit = 8 + declared if declared not in (0, 0xFFFFFFFF) else src.size
    # a missing final pad byte is common and harmless
    info.missing = max(limit - src.size - 1, 0)
    pos = 12
    while True:
        header = src.read(pos, 8)
        if len(header) < 8:
            break
        tag, length = struct.unpack("<4sI", header)
        if tag == b"RIFF" and pos == limit:  # an AVI RIFF-AVIX extension continues the file
            limit = pos + 8 + length
        inside = pos < limit
        pos += 8
        if inside and pos + length > src.size:
            info.missing = max(info.missing, pos + length - src.size)
        if tag == b"LIST":
            kind = src.read(pos, 4)
            if len(kind) < 4:
                break
            pos += 4
            tag = b"LIST_" + kind
            length -= 4
        if length <= 0:
            if length < 0 or tag == b"\0\0\0\0":
                break
            continue
        padded = length + (length & 1)
        if tag == b"RIFF":  # a second RIFF form appended to the first: read on into it
            if len(src.read(pos, 4)) < 4:
                break
            pos += 4
            continue
        if tag in _WEBP_IMAGE:
            if src.size - pos < length:
                break  # ExifTool reads the chunk into memory and gives up when it is short
            info.image_chunks += 1
            info.hashed += src.hash_range(hasher, pos, padded)
            if info.width is None:
                _webp_size(info, tag, src.read(pos, 30))
        elif tag == _MOVI:
            info.image_chunks += 1
            info.hashed += src.hash_range(hasher, pos, padded)
        elif tag == b"VP8X" and length >= 10:
            body = src.read(pos, 10)
            if len(body) == 10:
                info.width = 1 + int.from_bytes(body[4:7], "little")
                info.height = 1 + int.from_bytes(body[7:10], "little")
        elif tag == b"EXIF" and info.exif is None:
            blob = src.read(pos, min(length, 1 << 20))
            info.exif = blob[6:] if blob.startswith(b"Exif\0\0") else blob
        elif tag == b"XMP " and info.xmp is None:
            info.xmp = src.read(pos, min(length, _MAX_XMP))
        elif tag == b"LIST_hdrl" and length <= 1 << 20:
            _avi_header(info, src.read(pos, length))
        pos += padded
    info.trailing = max(src.size - (limit + (limit & 1)), 0)
    return info


def _webp_size(info: RiffInfo, tag: bytes, body: bytes) -> None:
    if tag == b"VP8 " and len(body) >= 10 and body[3:6] == b"\x9d\x01\x2a":
        info.width = int.from_bytes(body[6:8], "little") & 0x3FFF
        info.height = int.from_bytes(body[8:10], "little") & 0x3FFF
    elif tag == b"VP8L" and len(body) >= 5 and body[0] == 0x2F:
        bits = int.from_bytes(body[1:5], "little")
        info.width = (bits & 0x3FFF) + 1
        info.height = ((bits >> 14) & 0x3FFF) + 1


def _avi_header(info: RiffInfo, body: bytes) -> None:
    pos = 0
    while pos + 8 <= len(body):
        tag, length = struct.unpack_from("<4sI", body, pos)
        data = body[pos + 8 : pos + 8 + length]
        if tag == b"avih" and len(data) >= 40:
            info.width, info.height = struct.unpack_from("<II", data, 32)
        elif tag == b"IDIT":
            info.date = data
        pos += 8 + length + (length & 1)


# --- PNG ------------------------------------------------------------------------------------------

_PNG_DATA = frozenset({b"IDAT", b"JDAT", b"JDAA"})
_TEXT_CHUNKS = frozenset({b"iTXt", b"zTXt", b"tEXt"})
_META_KEYWORDS = (b"XML:com.adobe.xmp\0", b"Raw profile type iptc\0", b"Raw profile type xmp\0")


@dataclass(slots=True)
class PngInfo:
    hashed: int = 0
    data_chunks: int = 0
    width: int | None = None
    height: int | None = None
    exif: bytes | None = None
    ended: bool = False
    #: Offset just after the first IEND chunk (0 when there is none): what follows is a trailer.
    end: int = 0
    #: text chunks that carry metadata, as (chunk type, body): the ``iTXt`` ``XML:com.adobe.xmp``
    #: (XMP) and ``Raw profile type iptc``/``xmp`` (as ExifTool and ImageMagick write them)
    text_chunks: list[tuple[bytes, bytes]] = field(default_factory=list)


def _meta_keyword(head: bytes) -> bytes | None:
    return next((k for k in _META_KEYWORDS if head.startswith(k)), None)


def parse_png(src: Source, hasher: Hasher) -> PngInfo:
    info = PngInfo()
    kept: set[bytes] = set()
    pos = 8
    while True:
        header = src.read(pos, 8)
        if len(header) < 8:
            break
        length, kind = struct.unpack(">I4s", header)
        if length > 0x7FFFFFFF:
            break
        body_at = pos + 8
        if kind in _PNG_DATA:
            info.data_chunks += 1
            info.hashed += src.hash_range(hasher, body_at, length)
            if len(src.read(body_at + length, 4)) < 4:
                break
            pos = body_at + length + 4
            continue
        if kind == b"IEND":
            # ExifTool reads the CRC straight after the chunk header (IEND has no data)
            if len(src.read(body_at, 4)) < 4:
                break
            if not info.ended:
                info.end = body_at + 4
            info.ended = True
            pos = body_at + 4
            continue
        if src.size - body_at < length + 4:
            break  # "Corrupted PNG image"
        if kind == b"IHDR" and length >= 8 and info.width is None:
            info.width, info.height = struct.unpack(">II", src.read(body_at, 8))
        elif kind == b"eXIf" and info.exif is None:
            info.exif = src.read(body_at, min(length, 1 << 20))
        elif (
            kind in _TEXT_CHUNKS
            and (keyword := _meta_keyword(src.read(body_at, 22)))
            and keyword not in kept  # the first of each: a file could repeat them by thousands
        ):
            kept.add(keyword)
            info.text_chunks.append((kind, src.read(body_at, min(length, _MAX_XMP))))
        pos = body_at + length + 4
    return info
