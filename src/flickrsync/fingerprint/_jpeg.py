"""JPEG (and MPO): the bytes ExifTool's ImageDataHash covers, plus size and the EXIF block.

What is hashed -- ``Image::ExifTool::ProcessJPEG`` in ``lib/Image/ExifTool.pm``, the ``$hash`` branch
of its read-ahead loop. ExifTool walks the file marker by marker. Markers with a length word (APPn,
DQT, DHT, SOF, COM ...) are read as segments and never hashed. ``FF D8``, ``FF D9``, ``FF DA`` (SOS),
``FF D0..D7`` (RST), ``FF 00`` and a few JPEG-2000 codes are *stand-alone* for it: SOS has no length
for ExifTool, so its header is part of the scan. The bytes between two stand-alone markers form a
"piece"; a piece is hashed, together with the two marker bytes in front of it, when

* the marker in front of it is SOS, RST or ``FF 00`` (stuffing), and
* the marker that ends it is stand-alone too.

In a well-formed baseline JPEG that gives exactly the raw bytes from the ``FF DA`` of the scan up to,
not including, the ``FF D9`` end marker: metadata, tables, the trailing data after EOI and the
second frame of an MPO are left out. Consequences that must be reproduced exactly:

* progressive JPEGs: the last piece of each scan (from its last ``FF 00``/RST to the DHT that
  follows) is *not* hashed, because a DHT has a length word;
* truncated files: the piece cut by the end of the file is not hashed;
* extra ``FF`` fill bytes before a marker belong to the piece before it.

This module finds the same byte ranges without a per-byte loop: inside a scan it jumps straight to
the next marker that is neither stuffing nor RST (:meth:`Source.find_scan_marker`), and hashes whole
ranges with zero-copy slices.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass

from ._source import Hasher, Source

#: Markers ExifTool treats as having no length word (``%markerLenBytes`` = 0).
_STANDALONE = frozenset({0x00, 0x01, *range(0xD0, 0xDB), *range(0x30, 0x40), 0x4F, 0x92, 0x93})
#: JPEG-2000 extension markers with a 4-byte length word.
_LONG_LENGTH = frozenset({0x74, 0x75, 0x77})
#: Markers that start a hashed piece.
_HASHED = frozenset({0x00, 0xDA, *range(0xD0, 0xD8)})
#: Markers that end ExifTool's parse (EOI, and the JPEG-2000 SOD).
_END = frozenset({0xD9, 0x93})
_SOF = frozenset(m for m in range(0xC0, 0xD0) if m == 0xC0 or m & 0x03)
_APP1 = 0xE1
_APP2 = 0xE2
_APP13 = 0xED
_XMP = b"http://ns.adobe.com/xap/1.0/\0"
_XMP_EXTENSION = b"http://ns.adobe.com/xmp/extension/\0"
_PHOTOSHOP = b"Photoshop 3.0\0"
#: Bytes of XMP extension and Photoshop segments kept for the metadata reader (Photoshop writes
#: a few hundred KB at most; beyond this a file is hostile).
_MAX_KEPT = 16 * 1024 * 1024
#: Markers walked one by one before giving up. Real files have a few dozen (progressive JPEGs a few
#: hundred); RST and stuffing inside scans are skipped in bulk and do not count.
_MAX_MARKERS = 100_000


@dataclass(frozen=True, slots=True)
class JpegInfo:
    hashed: int
    width: int | None
    height: int | None
    exif: bytes | None
    mpo: bool
    saw_scan: bool
    #: Offset just after the EOI marker, or None when the parse ended before one (the file is
    #: cut off, or broken before its end marker).
    end: int | None
    #: The walk stopped after :data:`_MAX_MARKERS` markers (a hostile file).
    too_many: bool = False
    #: The MP (multi-picture) index of an MPO: the offset its entries count from, and its TIFF
    #: block (the APP2 payload after ``MPF\0``).
    mpf: tuple[int, bytes] | None = None
    #: The standard XMP packet (first APP1 ``http://ns.adobe.com/xap/1.0/``). XMP and Photoshop
    #: segments count before the first scan only, where writers put them (the rest of a file,
    #: an MPO's second frame for one, is not this picture's metadata).
    xmp: bytes | None = None
    #: Extended XMP chunks: (GUID, full length, offset, bytes), in file order.
    xmp_extension: tuple[tuple[bytes, int, int, bytes], ...] = ()
    #: The Photoshop image resource blocks of every APP13 ``Photoshop 3.0`` segment, joined.
    photoshop: bytes | None = None


def parse_jpeg(
    src: Source, hasher: Hasher, *, metadata_only: bool = False, exif_only: bool = False
) -> JpegInfo:
    """Walk the markers of the JPEG in ``src`` (which starts with ``FF D8``), hashing as ExifTool.

    With ``metadata_only`` the walk stops at the first scan: size and EXIF, nothing hashed. With
    ``exif_only`` too, it stops as soon as it has the EXIF block (the first one is the one kept,
    so what follows cannot change it): the other fields are then incomplete.
    """
    size = src.size
    pos = 2  # just after SOI
    marker: int | None = None
    region = -1  # start of the hashed range being built
    piece = -1  # offset of the FF of the current marker
    hashed = 0
    width = height = None
    exif: bytes | None = None
    mpo = saw_scan = too_many = False
    end: int | None = None
    mpf: tuple[int, bytes] | None = None
    xmp: bytes | None = None
    extension: list[tuple[bytes, int, int, bytes]] = []
    photoshop: list[bytes] = []
    kept = 0

    def flush(stop: int) -> None:
        nonlocal hashed, region
        if region >= 0 and stop > region:
            hashed += src.hash_range(hasher, region, stop - region)
        region = -1

    markers = 0
    while marker not in _END:
        markers += 1
        if markers > _MAX_MARKERS:
            too_many = True
            break
        if marker in _HASHED:
            # Inside a scan: jump to the next marker that is not stuffing, RST or fill.
            p = src.find_scan_marker(pos)
            if p < 0:
                # The file ends inside the scan: ExifTool hashes the pieces before the last complete
                # marker; a run of FF at the very end is not a marker yet.
                last = src.run_start(pos, size - 1) - 1 if size else -1
                boundary = src.rfind_ff(pos, last) if last > pos else -1
                flush(boundary if boundary >= 0 else piece)
                break
            code = src.read(p + 1, 1)[0]
            if code in _STANDALONE:
                if code == 0xDA:  # the next scan follows at once: keep hashing
                    piece, pos, marker = p, p + 2, code
                    continue
                flush(p)
                piece, pos, marker = p, p + 2, code
                if code in _END:
                    end = p + 2
                continue
            # A marker with a length word ends the scan; the piece it ends is not hashed.
            boundary = src.rfind_ff(pos, src.run_start(pos, p))
            flush(boundary if boundary >= 0 else piece)
            first = p
        else:
            found = src.find_ff(pos, size)
            if found < 0:
                break
            k = src.skip_ff(found + 1)
            if k >= size:
                break
            code = src.read(k, 1)[0]
            first = k - 1
            if code in _STANDALONE:
                if code in _HASHED:
                    region = first
                    saw_scan = saw_scan or code == 0xDA
                    # Only a real scan ends the metadata: a stray FF 00 or RST before it is walked
                    # past as the full walk does, so both find the same segments after it.
                    if metadata_only and code == 0xDA:
                        break
                piece, pos, marker = first, k + 1, code
                if code in _END:
                    end = k + 1
                continue
        # ``first`` is the FF before ``code``, a marker followed by a length word.
        start = first + 2
        if code in _LONG_LENGTH:
            raw = src.read(start, 4)
            length = int.from_bytes(raw, "big") if len(raw) == 4 else -1
            if length < 4:
                break
            pos = start + length
        else:
            raw = src.read(start, 2)
            length = int.from_bytes(raw, "big") if len(raw) == 2 else -1
            if length < 2 or start + length > size:
                break
            data_at, data_len = start + 2, length - 2
            if code in _SOF and width is None and data_len >= 6:
                head = src.read(data_at, 5)
                height = int.from_bytes(head[1:3], "big")
                width = int.from_bytes(head[3:5], "big")
            elif code == _APP1:
                head = src.read(data_at, 35)
                at = head.find(b"Exif\0")
                if 0 <= at <= 4 and len(head) > at + 5:
                    if exif is None:
                        exif = src.read(data_at + at + 6, data_len - at - 6)
                        if exif_only and metadata_only:
                            break
                elif head.startswith(_XMP):
                    if xmp is None and not saw_scan:
                        xmp = src.read(data_at + len(_XMP), data_len - len(_XMP))
                elif head.startswith(_XMP_EXTENSION) and data_len > 75 and kept < _MAX_KEPT and not saw_scan:
                    chunk = src.read(data_at + 35, data_len - 35)
                    full, offset = struct.unpack_from(">II", chunk, 32)
                    extension.append((chunk[:32], full, offset, chunk[40:]))
                    kept += len(chunk)
            elif code == _APP2 and not mpo:
                mpo = src.read(data_at, 4) == b"MPF\0"
                if mpo:
                    mpf = (data_at + 4, src.read(data_at + 4, data_len - 4))
            elif code == _APP13 and kept < _MAX_KEPT and not saw_scan and src.read(data_at, 14) == _PHOTOSHOP:
                photoshop.append(src.read(data_at + 14, data_len - 14))
                kept += data_len
            pos = start + length
        marker = code
    return JpegInfo(
        hashed=hashed,
        width=width,
        height=height,
        exif=exif,
        mpo=mpo,
        saw_scan=saw_scan,
        end=end,
        too_many=too_many,
        mpf=mpf,
        xmp=xmp,
        xmp_extension=tuple(extension),
        photoshop=b"".join(photoshop) if photoshop else None,
    )


def mpo_images(mpf: tuple[int, bytes]) -> list[tuple[int, int]]:
    """(start, length) in the file of every image the MP index lists after the first (whose
    start is 0: it is the file itself). Offsets count from the MP header (CIPA DC-007 5.2.3);
    an unreadable index gives an empty list."""
    base, block = mpf
    if len(block) < 8 or block[:4] not in (b"MM\0*", b"II*\0"):
        return []
    order = ">" if block[:2] == b"MM" else "<"
    at = struct.unpack_from(f"{order}I", block, 4)[0]
    if at + 2 > len(block):
        return []
    count = struct.unpack_from(f"{order}H", block, at)[0]
    for i in range(min(count, 64)):
        entry = at + 2 + 12 * i
        if entry + 12 > len(block):
            return []
        tag, _typ, nbytes, pointer = struct.unpack_from(f"{order}HHII", block, entry)
        if tag != 0xB002:  # MPEntry: 16 bytes per image
            continue
        table = block[pointer : pointer + nbytes] if nbytes > 4 else block[entry + 8 : entry + 12]
        images = []
        for j in range(1, len(table) // 16):
            length, offset = struct.unpack_from(f"{order}II", table, 16 * j + 4)
            if offset:
                images.append((base + offset, length))
        return images
    return []
