"""TIFF structures: ExifTool's image-data hash of TIFF files, and the EXIF facts of any TIFF block.

Two readers share the low-level IFD entry decoding:

* :func:`hash_tiff` reproduces ``Image::ExifTool::Exif::ProcessExif`` (``lib/Image/ExifTool/Exif.pm``)
  as far as it decides which bytes go into ImageDataHash for a TIFF *file* (``AddImageDataHash`` in
  ``WriteExif.pl``): for every IFD ExifTool visits (IFD0 and the IFD1, IFD2 … chain, ``SubIFD``\\ s,
  the Exif and Interop IFDs), after its entries and its sub-IFDs are processed, the byte ranges of
  its *image data* offset/length pairs are hashed in the order of their tag IDs sorted as decimal
  strings: StripOffsets/StripByteCounts (0x111/0x117) and TileOffsets/TileByteCounts (0x144/0x145);
  the JPEG ``0x201/0x202`` pair everywhere except IFD1 (which holds the thumbnail); the HD Photo
  image and alpha planes. The strip pair is *not* image data when Compression is 7 (JPEG) and
  NewSubfileType is not 0 (a JPEG preview), except in ``SubIFD2``, and in IFD0 of a Canon CR2.
  ExifTool's rules for broken files are followed too: an IFD whose entries or values run past the
  end of the file is dropped whole, a value pointing into the TIFF header or into its own directory
  is ignored, an IFD seen before is not read again, more than ten bad entries abort an IFD.
* :func:`exif_facts` reads what flickrsync wants to know from EXIF (orientation, date taken,
  sub-seconds, time offset), leniently and with loop protection, for EXIF blocks in JPEG, HEIC,
  WebP and PNG files as well as for TIFF files themselves.
"""

from __future__ import annotations

import struct
from collections.abc import Callable
from dataclasses import dataclass, field

from ._exif_tags import BINARY_TAGS, KNOWN_TAGS
from ._source import Hasher, Source

#: Bytes per value for TIFF field types 1..13 (and 129, Exif 3.0 UTF-8).
_TYPE_SIZE = {1: 1, 2: 1, 3: 2, 4: 4, 5: 8, 6: 1, 7: 1, 8: 2, 9: 4, 10: 8, 11: 4, 12: 8, 13: 4, 129: 1}
#: Integer field types (ExifTool's ``%intFormat``; 16-18 are BigTIFF only).
_INT_TYPES = {1: "B", 3: "H", 4: "I", 6: "b", 8: "h", 9: "i", 13: "I"}
_ASCII = 2
_UNDEFINED = 7
_BINARY_DATA_LIMIT = 10 * 1024 * 1024
_MAX_COUNT = 100_000
#: Bounds on the walk, so that a hostile file cannot make it run for long (ExifTool has none).
_MAX_IFDS = 256
_MAX_DEPTH = 24
_MAX_ENTRIES = 500_000


# Offset/length pairs (offset tag -> length tag and back).
_STRIPS, _STRIP_BYTES = 0x111, 0x117
_TILES, _TILE_BYTES = 0x144, 0x145
_JPEG_IF, _JPEG_IF_BYTES = 0x201, 0x202
_HDP_PAIRS = {0xBCC0: 0xBCC1, 0xBCC2: 0xBCC3}
_PAIRS = {
    _STRIPS: _STRIP_BYTES,
    _STRIP_BYTES: _STRIPS,
    _TILES: _TILE_BYTES,
    _TILE_BYTES: _TILES,
    _JPEG_IF: _JPEG_IF_BYTES,
    _JPEG_IF_BYTES: _JPEG_IF,
    0x120: 0x121,
    0x121: 0x120,
    **_HDP_PAIRS,
    **{v: k for k, v in _HDP_PAIRS.items()},
}
_OFFSET_TAGS = frozenset({_STRIPS, _TILES, _JPEG_IF, 0x120, *_HDP_PAIRS})
_SUBIFDS, _EXIF_IFD, _GPS_IFD, _INTEROP_IFD = 0x14A, 0x8769, 0x8825, 0xA005


@dataclass(slots=True)
class _Entry:
    tag: int
    type: int
    count: int
    #: The 4 value/offset bytes of the entry.
    raw: bytes


def _entry_values(data: bytes, entry: _Entry, order: str) -> list[int] | None:
    """Integer values of an entry whose data is ``data``; None if the type is not an integer."""
    code = _INT_TYPES.get(entry.type)
    if entry.type == _UNDEFINED and entry.count == 1:
        code = "B"
    if code is None:
        return None
    n = min(entry.count, len(data) // struct.calcsize(code))
    return list(struct.unpack_from(f"{order}{n}{code}", data))


# --- ExifTool's ImageDataHash for TIFF files --------------------------------------------------


@dataclass(slots=True)
class _Walk:
    src: Source
    hasher: Hasher
    order: str
    tiff_type: str
    processed: dict[int, str] = field(default_factory=dict)
    hashed: int = 0
    #: the end of the furthest structure the visited directories point to: directories, values,
    #: strips and tiles (beyond the end of the file when it is cut off)
    extent: int = 0
    dirs: int = 0
    entries: int = 0
    depth: int = 0
    compression: str = ""
    subfile_type: str = ""


def tiff_type(src: Source) -> str | None:
    """ExifTool's TIFF_TYPE for a file starting with a TIFF header, or None when ExifTool would
    not hash it as a TIFF (BigTIFF, Panasonic RW2, Olympus ORF, EXIF files)."""
    head = src.read(0, 16)
    if len(head) < 8 or head[:2] not in (b"II", b"MM"):
        return None
    order = "<" if head[:2] == b"II" else ">"
    ident, ifd0 = struct.unpack_from(f"{order}HI", head, 2)
    if ident == 0x2A and ifd0 >= 16 and len(head) >= 16:
        sig = head[8:16]
        if sig.startswith(b"CR\x02\0"):
            return "CR2"
        if sig.startswith(b"\xba\xb0\xac\xbb"):
            return "Canon 1D RAW"
        if sig == b"ExifMeta":
            return None
    if ident in (0x2B, 0x55, 0x4F52, 0x5352):
        return None
    return "TIFF"


def hash_tiff(src: Source, hasher: Hasher, kind: str) -> tuple[int, int]:
    """Feed the image data of the TIFF file in ``src`` to ``hasher`` as ExifTool does. Returns
    the number of bytes hashed, and how many bytes the directories ExifTool visits (their entries,
    values and image data) promise beyond the end of the file: a file cut off. ``kind`` is
    :func:`tiff_type` of the file."""
    head = src.read(0, 8)
    order = "<" if head[:2] == b"II" else ">"
    ifd0 = struct.unpack_from(f"{order}I", head, 4)[0]
    if ifd0 < 8:
        return 0, 0
    walk = _Walk(src=src, hasher=hasher, order=order, tiff_type=kind)
    _process(walk, ifd0, "IFD0", multi=True)
    return walk.hashed, max(walk.extent - src.size, 0)


def _read_dir(walk: _Walk, offset: int) -> tuple[list[_Entry], bytes] | None:
    """The entries of the IFD at ``offset`` and the (up to 4) bytes that follow them."""
    count_raw = walk.src.read(offset, 2)
    if len(count_raw) < 2:
        walk.extent = max(walk.extent, offset + 2)
        return None
    n = struct.unpack(f"{walk.order}H", count_raw)[0]
    walk.entries += n
    if walk.entries > _MAX_ENTRIES:
        return None
    walk.extent = max(walk.extent, offset + 2 + 12 * n + 4)  # with the next-IFD offset
    body = walk.src.read(offset + 2, 12 * n + 4)
    if len(body) < 12 * n:
        return None
    entries = []
    for i in range(n):
        tag, typ, count = struct.unpack_from(f"{walk.order}HHI", body, 12 * i)
        entries.append(_Entry(tag, typ, count, body[12 * i + 8 : 12 * i + 12]))
    return entries, body[12 * n :]


def _image_data(walk: _Walk, tag: int, dir_name: str) -> bool:
    """Whether an offset tag is image data in this IFD (the Conditions of ExifTool's tag table)."""
    if tag == _TILES or tag in _HDP_PAIRS:
        return True
    if tag == _STRIPS:
        if walk.compression in ("34892", "52546"):  # DNG lossy JPEG / JPEG XL
            return True
        preview = (walk.tiff_type == "CR2" and dir_name == "IFD0") or (
            walk.tiff_type == "TIFF" and walk.compression == "7" and walk.subfile_type != "0"
        )
        return not preview or (walk.tiff_type != "CR2" and dir_name == "SubIFD2")
    if tag == _JPEG_IF:
        return dir_name != "IFD1"  # IFD1: ThumbnailOffset; elsewhere JpgFromRaw/OtherImage
    return False


def _process(walk: _Walk, offset: int, name: str, *, multi: bool | None) -> tuple[bool, bytes]:
    """ExifTool's ``ProcessDirectory`` + ``ProcessExif`` for one IFD (and, when ``multi``, the
    chain of IFDs linked after it). Returns success and the bytes after the entries."""
    if offset in walk.processed or walk.dirs >= _MAX_IFDS or walk.depth >= _MAX_DEPTH:
        return False, b""
    walk.processed[offset] = name
    walk.dirs += 1
    walk.depth += 1
    saved = walk.compression, walk.subfile_type
    try:
        return _process_entries(walk, offset, name, multi=multi)
    finally:
        walk.compression, walk.subfile_type = saved
        walk.depth -= 1


def _process_entries(walk: _Walk, offset: int, name: str, *, multi: bool | None) -> tuple[bool, bytes]:
    read = _read_dir(walk, offset)
    if read is None:
        return False, b""
    entries, tail = read
    if len(tail) < 4 and len(tail) not in (0, 2):
        return False, b""  # "Illegal directory size"
    dir_end = offset + 2 + 12 * len(entries)
    size = walk.src.size
    walk.compression = walk.subfile_type = ""
    warnings = 0
    pairs: dict[int, tuple[bool, list[int] | None]] = {}
    for index, entry in enumerate(entries):
        if warnings > 10:
            return False, b""  # "Too many warnings"
        type_size = _TYPE_SIZE.get(entry.type)
        if type_size is None:
            if entry.type:
                warnings += 1
            if index == 0:
                return False, b""  # corrupt IFD
            continue
        nbytes = entry.count * type_size
        at = -1
        if nbytes > 4:
            if nbytes > 0x7FFFFFFF:
                warnings += 1
                continue
            at = struct.unpack(f"{walk.order}I", entry.raw)[0]
            suspect = at < 8 or (at < dir_end and at + nbytes > offset)
            inside = offset <= at and at + nbytes <= dir_end + len(tail)
            # ExifTool leaves huge values of unknown or binary tags unread (so they cannot fail)
            unread = nbytes > _BINARY_DATA_LIMIT and (entry.tag not in KNOWN_TAGS or entry.tag in BINARY_TAGS)
            walk.extent = max(walk.extent, at + nbytes)
            if not inside and not unread and at + nbytes > size:
                return False, b""  # "Error reading value": the whole IFD is dropped
            if suspect:
                warnings += 1
                continue
        if entry.count > _MAX_COUNT and entry.type not in (_ASCII, _UNDEFINED):
            continue  # "Ignoring ... with excessive count"
        tag = entry.tag
        if tag not in _PAIRS and tag not in (0xFE, 0x103, _SUBIFDS, _EXIF_IFD, _INTEROP_IFD, _GPS_IFD):
            continue
        data = entry.raw if at < 0 else walk.src.read(at, nbytes)
        values = _entry_values(data, entry, walk.order)
        if tag in (0xFE, 0x103):
            text = _value_text(data, entry, values)
            if tag == 0xFE:
                walk.subfile_type = text
            else:
                walk.compression = text
            continue
        is_pointer = tag in _OFFSET_TAGS or tag in (_SUBIFDS, _EXIF_IFD, _INTEROP_IFD, _GPS_IFD)
        if is_pointer and values is None:
            continue  # "Wrong format for ...": offsets must be integers
        if tag in _PAIRS:
            pairs[tag] = (tag in _OFFSET_TAGS and _image_data(walk, tag, name), values)
            if values is None:
                pairs[tag] = (False, _string_numbers(data, entry))
            continue
        if not nbytes or not values:
            continue
        if tag == _SUBIFDS:
            for number, sub in enumerate(values[:10]):
                sub_name = f"SubIFD{number}" if number else "SubIFD"
                _process(walk, sub, sub_name, multi=sub_name == "SubIFD")
        elif tag == _GPS_IFD:
            if values[0] not in walk.processed:
                walk.processed[values[0]] = "GPS"
                _gps_extent(walk, values[0])
        elif len(values) == 1 or tag == _INTEROP_IFD:
            _process(walk, values[0], "ExifIFD" if tag == _EXIF_IFD else "InteropIFD", multi=None)
    _hash_pairs(walk, pairs)
    if multi and len(tail) >= 4:
        _process_chain(walk, name, struct.unpack(f"{walk.order}I", tail[:4])[0])
    return True, tail


def _gps_extent(walk: _Walk, offset: int) -> None:
    """Count the GPS IFD (which ExifTool's hash walk does not enter) in the walk's extent."""
    read = _read_dir(walk, offset)
    for entry in read[0] if read else ():
        nbytes = entry.count * _TYPE_SIZE.get(entry.type, 0)
        if 4 < nbytes <= 0x7FFFFFFF:
            walk.extent = max(walk.extent, struct.unpack(f"{walk.order}I", entry.raw)[0] + nbytes)


def _value_text(data: bytes, entry: _Entry, values: list[int] | None) -> str:
    if values is not None:
        return " ".join(str(v) for v in values)
    if entry.type == _ASCII:
        return data.split(b"\0", 1)[0].decode("latin-1")
    return ""


def _string_numbers(data: bytes, entry: _Entry) -> list[int] | None:
    """Byte counts written as an ASCII string still count for ExifTool (``/^\\d+$/``)."""
    if entry.type != _ASCII:
        return None
    words = data.split(b"\0", 1)[0].split()
    return [int(w) if w.isdigit() else -1 for w in words]


def _hash_pairs(walk: _Walk, pairs: dict[int, tuple[bool, list[int] | None]]) -> None:
    for tag in sorted(pairs, key=str):
        is_image, offsets = pairs[tag]
        lengths = pairs.get(_PAIRS[tag], (False, None))[1]
        if tag not in _OFFSET_TAGS or offsets is None or not lengths:
            continue
        ends = [start + length for start, length in zip(offsets, lengths, strict=False) if length > 0]
        walk.extent = max(walk.extent, *ends) if ends else walk.extent
        if not is_image:
            continue
        for i, start in enumerate(offsets):
            length = lengths[i] if i < len(lengths) else 0
            if start >= 0 and length > 0:
                walk.hashed += walk.src.hash_range(walk.hasher, start, length)


def _process_chain(walk: _Walk, name: str, next_offset: int) -> None:
    base = name.rstrip("0123456789")
    number = int(name[len(base) :] or 0)
    while next_offset:
        number += 1
        link = f"{base}{number}"
        if link == "SubIFD1" and not _valid_ifd(walk, next_offset):
            return
        ok, tail = _process(walk, next_offset, link, multi=False)
        if not ok or len(tail) < 4:
            return
        next_offset = struct.unpack(f"{walk.order}I", tail[:4])[0]


def _valid_ifd(walk: _Walk, offset: int) -> bool:
    """ExifTool's ``ValidateIFD`` check before following the link after a SubIFD."""
    raw = walk.src.read(offset, 2)
    if len(raw) < 2:
        return False
    n = struct.unpack(f"{walk.order}H", raw)[0]
    if not 1 < n < 64:
        return False
    body = walk.src.read(offset + 2, 12 * n)
    if len(body) < 12 * n:
        return False
    last = -1
    for i in range(n):
        tag, typ, count = struct.unpack_from(f"{walk.order}HHI", body, 12 * i)
        if tag <= last or not 0 < typ <= 13 or count == 0:
            return False
        last = tag
    return True


# --- EXIF facts ---------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ExifFacts:
    """Raw EXIF values flickrsync uses (not yet validated, except the orientation's type)."""

    orientation: int | None = None
    date_original: bytes | None = None
    subsec_original: bytes | None = None
    offset_original: bytes | None = None
    width: int | None = None
    height: int | None = None
    dng: bool = False
    #: Entries read in IFD0 (0 when there is no readable IFD0).
    entries: int = 0
    warnings: tuple[str, ...] = ()
    #: Raw values of the IFD0 tags the metadata reader decodes (:data:`TEXT_TAGS`), by tag.
    text: tuple[tuple[int, bytes], ...] = ()


_ORIENTATION, _DATE_ORIGINAL, _SUBSEC_ORIGINAL, _OFFSET_ORIGINAL = 0x112, 0x9003, 0x9291, 0x9011
_WIDTH, _HEIGHT, _DNG_VERSION = 0x100, 0x101, 0xC612
_MAX_EXIF_ENTRIES = 1000
#: IFD0 tags of a picture's own description: ImageDescription, Make, Model, the Windows XP
#: fields (UTF-16LE bytes) and, in TIFF files, the XMP packet, IPTC-NAA and Photoshop blocks.
IMAGE_DESCRIPTION, MAKE, MODEL = 0x10E, 0x10F, 0x110
XP_TITLE, XP_COMMENT, XP_KEYWORDS, XP_SUBJECT = 0x9C9B, 0x9C9C, 0x9C9E, 0x9C9F
XMP_PACKET, IPTC_NAA, PHOTOSHOP = 0x2BC, 0x83BB, 0x8649
TEXT_TAGS = (IMAGE_DESCRIPTION, MAKE, MODEL, XP_TITLE, XP_COMMENT, XP_KEYWORDS, XP_SUBJECT)
_BLOCK_TAGS = (XMP_PACKET, IPTC_NAA, PHOTOSHOP)
#: Bytes read of one text value, and of one XMP/IPTC/Photoshop block.
_MAX_TEXT = 65536
_MAX_BLOCK = 16 * 1024 * 1024
_USED = frozenset(
    {
        _ORIENTATION,
        _DATE_ORIGINAL,
        _SUBSEC_ORIGINAL,
        _OFFSET_ORIGINAL,
        _WIDTH,
        _HEIGHT,
        _DNG_VERSION,
        _EXIF_IFD,
        *TEXT_TAGS,
        *_BLOCK_TAGS,
    }
)


def exif_facts(read: Callable[[int, int], bytes], size: int) -> ExifFacts:
    """Read IFD0 and the Exif IFD of the TIFF structure seen through ``read`` (offsets from the
    TIFF header). Never raises on malformed data: problems become warnings."""
    warnings: list[str] = []
    header = _exif_ifd0(read, size, warnings)
    if header is None:
        return ExifFacts(warnings=tuple(warnings))
    order, ifd0_at, (ifd0, ifd0_entries) = header

    def value(entries: dict[int, _Entry], tag: int, limit: int = _MAX_TEXT) -> tuple[_Entry, bytes] | None:
        return _exif_value(read, size, order, entries, tag=tag, limit=limit, warnings=warnings)

    def integer(entries: dict[int, _Entry], tag: int) -> int | None:
        return _exif_integer(read, size, order, entries, tag=tag, warnings=warnings)

    def ascii(entries: dict[int, _Entry], tag: int) -> bytes | None:
        got = value(entries, tag)
        if got is None:
            return None
        if got[0].type not in (_ASCII, _UNDEFINED, 129):
            warnings.append(f"EXIF tag 0x{tag:04x} has the wrong type: ignored")
            return None
        return got[1]

    orientation = _exif_orientation(read, size, order, ifd0, warnings)
    date = ascii(ifd0, _DATE_ORIGINAL)
    subsec = offset = None
    exif_entry = ifd0.get(_EXIF_IFD)
    if exif_entry is not None:
        pointer = None
        if exif_entry.type in (3, 4, 13) and exif_entry.count == 1:
            pointer = integer(ifd0, _EXIF_IFD)
        if pointer is None:
            warnings.append("EXIF: the pointer to the Exif IFD has the wrong type: its tags were ignored")
        elif pointer == ifd0_at:
            warnings.append("EXIF: the Exif IFD pointer loops back to IFD0: ignored")
        else:
            exif_found = _lenient_dir(read, size, order, at=pointer, name="Exif IFD", warnings=warnings)
            if exif_found is not None:
                exif = exif_found[0]
                date = ascii(exif, _DATE_ORIGINAL) or date
                subsec = ascii(exif, _SUBSEC_ORIGINAL)
                offset = ascii(exif, _OFFSET_ORIGINAL)
    text = []
    for tag in (*TEXT_TAGS, *_BLOCK_TAGS):
        got = value(ifd0, tag, _MAX_BLOCK if tag in _BLOCK_TAGS else _MAX_TEXT)
        if got is not None and got[1]:
            text.append((tag, got[1]))
    return ExifFacts(
        orientation=orientation,
        date_original=date,
        subsec_original=subsec,
        offset_original=offset,
        width=integer(ifd0, _WIDTH),
        height=integer(ifd0, _HEIGHT),
        dng=_DNG_VERSION in ifd0,
        entries=ifd0_entries,
        warnings=tuple(warnings),
        text=tuple(text),
    )


def exif_orientation(read: Callable[[int, int], bytes], size: int) -> int | None:
    """The orientation :func:`exif_facts` gives (read the same way, by the same functions),
    without reading anything else: the perceptual hash needs only this, for every picture."""
    warnings: list[str] = []
    header = _exif_ifd0(read, size, warnings)
    if header is None:
        return None
    order, _, (ifd0, _) = header
    return _exif_orientation(read, size, order, ifd0, warnings)


def _exif_ifd0(
    read: Callable[[int, int], bytes], size: int, warnings: list[str]
) -> tuple[str, int, tuple[dict[int, _Entry], int]] | None:
    """The byte order, the offset of IFD0 and its entries (:func:`_lenient_dir`)."""
    head = read(0, 8)
    if len(head) < 8 or head[:2] not in (b"II", b"MM"):
        warnings.append("EXIF block has no TIFF header: ignored")
        return None
    order = "<" if head[:2] == b"II" else ">"
    ifd0_at = struct.unpack_from(f"{order}I", head, 4)[0]
    found = _lenient_dir(read, size, order, at=ifd0_at, name="IFD0", warnings=warnings)
    return None if found is None else (order, ifd0_at, found)


def _exif_orientation(
    read: Callable[[int, int], bytes], size: int, order: str, ifd0: dict[int, _Entry], warnings: list[str]
) -> int | None:
    orientation = _exif_integer(read, size, order, ifd0, tag=_ORIENTATION, warnings=warnings)
    if orientation is not None and not 1 <= orientation <= 8:
        warnings.append(f"EXIF orientation {orientation} is not 1..8: ignored")
        return None
    return orientation


def _exif_value(
    read: Callable[[int, int], bytes],
    size: int,
    order: str,
    entries: dict[int, _Entry],
    *,
    tag: int,
    limit: int,
    warnings: list[str],
) -> tuple[_Entry, bytes] | None:
    entry = entries.get(tag)
    if entry is None:
        return None
    type_size = _TYPE_SIZE.get(entry.type)
    if type_size is None:
        return None
    nbytes = entry.count * type_size
    if nbytes <= 4:
        return entry, entry.raw[:nbytes]
    at = struct.unpack(f"{order}I", entry.raw)[0]
    if at + nbytes > size:
        warnings.append(f"EXIF tag 0x{tag:04x} points outside the EXIF block: ignored")
        return None
    return entry, read(at, min(nbytes, limit))


def _exif_integer(
    read: Callable[[int, int], bytes],
    size: int,
    order: str,
    entries: dict[int, _Entry],
    *,
    tag: int,
    warnings: list[str],
) -> int | None:
    got = _exif_value(read, size, order, entries, tag=tag, limit=_MAX_TEXT, warnings=warnings)
    if got is None:
        return None
    values = _entry_values(got[1], got[0], order)
    return values[0] if values else None


def _lenient_dir(
    read: Callable[[int, int], bytes], size: int, order: str, *, at: int, name: str, warnings: list[str]
) -> tuple[dict[int, _Entry], int] | None:
    """The entries of one IFD that flickrsync uses, by tag (first wins), and how many entries
    could be read; None with a warning when the IFD is not there at all."""
    raw = read(at, 2) if 8 <= at < size else b""
    if len(raw) < 2:
        warnings.append(f"EXIF {name} is outside the EXIF block: ignored")
        return None
    n = struct.unpack(f"{order}H", raw)[0]
    body = read(at + 2, 12 * min(n, _MAX_EXIF_ENTRIES))
    fits = len(body) // 12
    if fits < n:
        warnings.append(f"EXIF {name} is truncated ({fits} of {n} entries readable)")
    entries: dict[int, _Entry] = {}
    for i, (tag, typ, count) in enumerate(struct.iter_unpack(f"{order}HHI4x", body[: 12 * fits])):
        if tag in _USED and tag not in entries:
            entries[tag] = _Entry(tag, typ, count, body[12 * i + 8 : 12 * i + 12])
    return entries, fits
