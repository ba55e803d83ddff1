"""ISO base media files: HEIC/HEIF/AVIF pictures and MP4/MOV/3GP videos.

What ExifTool hashes (``Image::ExifTool::QuickTime``, ``lib/Image/ExifTool/QuickTime.pm`` and
``QuickTimeStream.pl``):

* **Pictures** (``HandleItemInfo``): when a top-level ``meta`` box has been read, every *item* whose
  type is a coded image -- ``hvc1``, ``av01``, ``avc1``, ``lhv1``, ``hvt1`` -- in increasing item-ID
  order, each of its ``iloc`` extents in order (construction method 0: file offsets; 1: offsets into
  ``idat``). That covers the primary image, its grid tiles *and* the thumbnail items; ``Exif``,
  ``mime`` (XMP) and other metadata items are left out, so editing EXIF/XMP leaves the id unchanged.
  Extents cut off by the end of the file contribute the bytes that are there.
* **Videos** (``ProcessSamples``): for each track whose handler is ``vide`` or ``soun``, when its
  sample table (``stbl``) has been read, the chunks listed by ``stco``/``co64``, each as long as the
  sum of its samples' ``stsz`` sizes (samples per chunk from ``stsc``), clipped to the ``mdat`` box
  seen before the ``moov`` if there was one. Tracks are hashed in file order, all chunks of one
  track before the next track.

ExifTool reads a ``moov`` or ``meta`` box only when it is at most 32 MiB, stops at the first box that
is cut off or has an invalid size, and stops at a box of size 0 ("to the end of the file").
"""

from __future__ import annotations

import re
import struct
from collections.abc import Iterator
from dataclasses import dataclass, field

import numpy as np

from ._source import Hasher, Source

_MAX_BOX = 0x2000000  # 32 MiB: ExifTool skips larger boxes it would have to read into memory
_IMAGE_ITEMS = frozenset({b"av01", b"avc1", b"hvc1", b"lhv1", b"hvt1"})
#: Chunks per track flickrsync walks (one sample per chunk for 9 hours at 60 fps); beyond that the
#: video gets the whole-file id instead of being walked in Python for minutes.
_MAX_CHUNKS = 2_000_000
#: Items and extents in a HEIF file (a 200-MP phone picture has about 800 items).
_MAX_ITEMS = 200_000
_MAX_EXTENTS = 1_000_000
_MAX_EXIF = 1 << 20
_MAX_XMP = 16 * 1024 * 1024
#: What a box type looks like (letters, digits, spaces: ``mdat``, ``sefd``, ``mp4a``). Only a box
#: that looks like one and runs past the end of the file makes the file "cut off": after the
#: last box, files may carry junk, whose "size" means nothing.
_BOX_TYPE = re.compile(rb"[A-Za-z0-9 ]{4}")


@dataclass(slots=True)
class _Item:
    protection: int = 0
    type: bytes = b""
    content_type: bytes = b""
    method: int = 0
    data_ref: int = 0
    base: int = 0
    extents: list[tuple[int, int]] | None = None


@dataclass(slots=True)
class BmffInfo:
    major_brand: bytes = b""
    brands: frozenset[bytes] = frozenset()
    hashed: int = 0
    saw_meta: bool = False
    image_items: int = 0
    #: image bytes the item locations (videos: the sample tables) promise; ``hashed`` says how
    #: many of them the file holds
    image_bytes: int = 0
    #: bytes a top-level box (see :data:`_BOX_TYPE`) promises beyond the end of the file
    missing: int = 0
    width: int | None = None
    height: int | None = None
    exif: bytes | None = None
    #: the XMP packet of the ``mime`` item ``application/rdf+xml``
    xmp: bytes | None = None
    #: mvhd creation time, seconds since 1904-01-01
    created: int | None = None
    handlers: set[bytes] = field(default_factory=set)
    moov_skipped: bool = False
    #: the sample tables or item list exceed flickrsync's bounds: the caller falls back
    too_complex: bool = False
    video_width: int | None = None
    video_height: int | None = None
    #: Bytes after the last top-level box that looks like one and fits in the file (junk a
    #: writer, or something on the way, appended); 0 for a file cut off.
    trailing: int = 0


def _children(buf: bytes, start: int, end: int) -> Iterator[tuple[bytes, int, int]]:
    """Boxes in ``buf[start:end]`` as (type, payload offset, payload size), as ExifTool reads them."""
    pos = start
    while pos + 8 <= end:
        size, kind = struct.unpack_from(">I4s", buf, pos)
        header = 8
        if size < 8:
            if size != 1 or pos + 16 > end:
                return
            size = struct.unpack_from(">Q", buf, pos + 8)[0]
            if size >> 63:
                return
            header = 16
        payload = size - header
        if payload < 0 or pos + header + payload > end:
            return
        yield kind, pos + header, payload
        pos += header + payload


def parse_bmff(src: Source, hasher: Hasher) -> BmffInfo:
    """Read the top-level boxes of ``src``, hashing picture items and video/audio chunks."""
    info = BmffInfo()
    head = src.read(0, 64)
    if head[4:8] == b"ftyp":
        size = struct.unpack_from(">I", head)[0]
        ftyp = src.read(8, min(max(size - 8, 0), 4096))
        info.major_brand = ftyp[:4]
        info.brands = frozenset(ftyp[i : i + 4] for i in range(8, len(ftyp) - 3, 4)) | {ftyp[:4]}
    mdat: tuple[int, int] | None = None
    pos, total = 0, src.size
    good_end = 0
    while True:
        header = src.read(pos, 16)
        if len(header) < 8:
            break
        size, kind = struct.unpack_from(">I4s", header)
        hlen = 8
        if size < 8:
            if size == 0:
                if kind == b"mdat":
                    mdat = (pos + 8, total - pos - 8)
                if _BOX_TYPE.fullmatch(kind):
                    good_end = total
                break
            if size != 1 or len(header) < 16:
                break
            size = struct.unpack_from(">Q", header, 8)[0]
            if size >> 63:
                break
            hlen = 16
        payload_at, payload = pos + hlen, size - hlen
        if payload < 0:
            break
        if payload_at + payload > total and _BOX_TYPE.fullmatch(kind):
            info.missing = payload_at + payload - total
        elif payload_at + payload <= total and _BOX_TYPE.fullmatch(kind):
            good_end = payload_at + payload
        if kind == b"mdat":
            mdat = (payload_at, payload)
        if kind in (b"meta", b"moov") and payload <= _MAX_BOX:
            data = src.read(payload_at, payload)
            if len(data) < payload:
                break  # "Truncated 'meta' data"
            if kind == b"meta":
                info.saw_meta = True
                try:
                    _parse_meta(src, hasher, info, data, payload_at)
                except TooComplex:
                    info.too_complex = True
            else:
                _parse_moov(src, hasher, info, data, mdat)
        else:
            if kind == b"moov":
                info.moov_skipped = True
            if payload_at + payload > total:
                break  # the box is cut off: ExifTool stops here
        pos = payload_at + payload
    if good_end and not info.missing:
        info.trailing = total - good_end
    return info


# --- pictures: items of the top-level meta box ----------------------------------------------------


def _parse_meta(src: Source, hasher: Hasher, info: BmffInfo, data: bytes, file_at: int) -> None:
    items: dict[int, _Item] = {}
    primary: int | None = None
    idat_at: int | None = None
    properties: list[tuple[bytes, bytes]] = []
    exif_refs: dict[int, set[int]] = {}
    associations: list[bytes] = []
    for kind, at, size in _children(data, 4, len(data)):
        body = data[at : at + size]
        if kind == b"pitm" and len(body) >= 6:
            if body[0] == 0:
                primary = struct.unpack_from(">H", body, 4)[0]
            elif len(body) >= 8:
                primary = struct.unpack_from(">I", body, 4)[0]
        elif kind == b"iinf" and body:
            for child, cat, csize in _children(body, 6 if body[0] == 0 else 8, len(body)):
                if child == b"infe":
                    _parse_infe(body[cat : cat + csize], items)
        elif kind == b"iloc":
            _parse_iloc(body, items)
        elif kind == b"idat":
            idat_at = file_at + at
        elif kind == b"iprp":
            for child, cat, csize in _children(body, 0, len(body)):
                if child == b"ipco":
                    boxes = _children(body, cat, cat + csize)
                    properties = [(pkind, body[pat : pat + psize]) for pkind, pat, psize in boxes]
                elif child == b"ipma":
                    associations.append(body[cat : cat + csize])
        elif kind == b"iref" and body:
            _parse_iref(body, exif_refs)
    # ExifTool's HandleItemInfo: hash the coded image items in item-ID order.
    run: list[int] = []  # [start, length] of the byte range being hashed
    for item_id in sorted(items):
        item = items[item_id]
        kind = item.content_type or item.type
        if kind not in _IMAGE_ITEMS:
            continue
        info.image_items += 1
        if item.protection or item.method > 1 or (item.method == 1 and idat_at is None):
            continue
        if item.data_ref or not item.extents:
            continue
        base = item.base + (idat_at if item.method == 1 and idat_at is not None else 0)
        for offset, length in item.extents:
            if offset + base < 0:
                break
            info.image_bytes += length
            # consecutive extents (grid tiles stored one after the other) are hashed in one go
            if run and run[0] + run[1] == offset + base:
                run[1] += length
            else:
                if run:
                    info.hashed += src.hash_range(hasher, run[0], run[1])
                run = [offset + base, length]
    if run:
        info.hashed += src.hash_range(hasher, run[0], run[1])
    if primary is not None:
        for index in _properties_of(associations, primary):
            if 0 < index <= len(properties) and properties[index - 1][0] == b"ispe":
                body = properties[index - 1][1]
                if len(body) >= 12:
                    info.width, info.height = struct.unpack_from(">II", body, 4)
                break
    info.exif = _exif_item(src, items, primary, exif_refs, idat_at)
    xmp_ids = [
        i
        for i in sorted(items)
        if items[i].type == b"mime" and items[i].content_type == b"application/rdf+xml"
    ]
    if xmp_ids:
        chosen = next((i for i in xmp_ids if primary in exif_refs.get(i, ())), xmp_ids[0])
        info.xmp = _item_bytes(src, items[chosen], idat_at, _MAX_XMP)


def _new_item(items: dict[int, _Item], item_id: int) -> _Item:
    if len(items) >= _MAX_ITEMS:
        raise TooComplex(f"more than {_MAX_ITEMS} items")
    item = items[item_id] = _Item()
    return item


def _parse_infe(body: bytes, items: dict[int, _Item]) -> None:
    if len(body) < 8:
        return
    version = body[0]
    if version in (0, 1):
        item_id, protection = struct.unpack_from(">HH", body, 4)
        names = body[8:].split(b"\0")
        item = items.get(item_id) or _new_item(items, item_id)
        item.protection = protection
        item.content_type = names[1] if len(names) > 1 else b""
        return
    if version == 2:
        item_id, pos = struct.unpack_from(">H", body, 4)[0], 6
    elif version == 3:
        item_id, pos = struct.unpack_from(">I", body, 4)[0], 8
    else:
        return
    if pos + 6 > len(body):
        return
    item = items.get(item_id) or _new_item(items, item_id)
    item.protection = struct.unpack_from(">H", body, pos)[0]
    item.type = body[pos + 2 : pos + 6]
    if item.type == b"mime":
        names = body[pos + 6 :].split(b"\0")
        item.content_type = names[1] if len(names) > 1 else b""


def _var_int(body: bytes, pos: int, n: int) -> int | None:
    if pos + n > len(body):
        return None
    if n == 0:
        return 0
    if n == 4:
        return int(struct.unpack_from(">I", body, pos)[0])
    if n == 8:
        return int(struct.unpack_from(">Q", body, pos)[0])
    return None


def _parse_iloc(body: bytes, items: dict[int, _Item]) -> None:
    """ExifTool's ``ParseItemLocation``: stops at the first entry that does not fit."""
    end = len(body)
    if end < 8:
        return
    version = body[0]
    n_off, n_len, n_base, n_idx = body[4] >> 4, body[4] & 15, body[5] >> 4, body[5] & 15
    if version < 2:
        count, pos = struct.unpack_from(">H", body, 6)[0], 8
    elif end >= 10:
        count, pos = struct.unpack_from(">I", body, 6)[0], 10
    else:
        return
    width = 2 if version < 2 else 4
    has_method = version in (1, 2)
    total = 0
    for _ in range(count):
        if pos + width > end:
            return
        item_id = int.from_bytes(body[pos : pos + width], "big")
        pos += width
        item = items.get(item_id)
        if item is None:
            if len(items) >= _MAX_ITEMS:
                raise TooComplex(f"more than {_MAX_ITEMS} items")
            item = items[item_id] = _Item()
        if has_method:
            if pos + 2 > end:
                return
            item.method = body[pos + 1] & 15
            pos += 2
        if pos + 2 > end:
            return
        item.data_ref = (body[pos] << 8) | body[pos + 1]
        item.base = _var_int(body, pos + 2, n_base) or 0
        pos += 2 + n_base
        if pos + 2 > end:
            return
        n_extents = (body[pos] << 8) | body[pos + 1]
        pos += 2
        total += n_extents
        if total > _MAX_EXTENTS:  # zero-size offset and length fields consume no bytes
            raise TooComplex(f"more than {_MAX_EXTENTS} extents")
        extents = []
        for _ in range(n_extents):
            if has_method:
                pos += n_idx
            offset = _var_int(body, pos, n_off)
            length = _var_int(body, pos + n_off, n_len)
            pos += n_off + n_len
            if length is None:
                return
            extents.append((offset or 0, length))
        item.extents = extents


def _properties_of(associations: list[bytes], wanted: int) -> list[int]:
    """The property indices ``ipma`` associates with one item (the primary image)."""
    for body in associations:
        if len(body) < 8:
            continue
        version, flags = body[0], body[3]
        count = struct.unpack_from(">I", body, 4)[0]
        width = 2 if version == 0 else 4
        step = 2 if flags & 1 else 1
        mask = 0x7FFF if step == 2 else 0x7F
        pos, end = 8, len(body)
        for _ in range(count):
            if pos + width + 1 > end:
                break
            item_id = int.from_bytes(body[pos : pos + width], "big")
            n = body[pos + width]
            pos += width + 1
            if pos + n * step > end:
                break
            if item_id == wanted:
                return [
                    int.from_bytes(body[pos + j * step : pos + (j + 1) * step], "big") & mask
                    for j in range(n)
                ]
            pos += n * step
    return []


def _parse_iref(body: bytes, refs: dict[int, set[int]]) -> None:
    """``cdsc`` references: which items (EXIF, XMP) describe which images."""
    width = 2 if body[0] == 0 else 4
    for kind, at, size in _children(body, 4, len(body)):
        if kind != b"cdsc" or size < width + 2:
            continue
        source = int.from_bytes(body[at : at + width], "big")
        n = struct.unpack_from(">H", body, at + width)[0]
        targets = set()
        for j in range(n):
            pos = at + width + 2 + j * width
            if pos + width <= at + size:
                targets.add(int.from_bytes(body[pos : pos + width], "big"))
        refs.setdefault(source, set()).update(targets)


def _exif_item(
    src: Source, items: dict[int, _Item], primary: int | None, refs: dict[int, set[int]], idat_at: int | None
) -> bytes | None:
    """The TIFF block of the EXIF item describing the primary image (else the first EXIF item)."""
    exif_ids = [i for i in sorted(items) if items[i].type == b"Exif" and items[i].extents]
    if not exif_ids:
        return None
    chosen = next((i for i in exif_ids if primary in refs.get(i, ())), exif_ids[0])
    blob = _item_bytes(src, items[chosen], idat_at, _MAX_EXIF)
    if blob is None:
        return None
    if blob[:4] in (b"MM\0*", b"II*\0"):
        return blob
    if blob.startswith(b"Exif\0\0"):
        return blob[6:]
    if len(blob) < 4:
        return None
    skip = 4 + struct.unpack_from(">I", blob)[0]
    return blob[skip:] if skip < len(blob) else None


def _item_bytes(src: Source, item: _Item, idat_at: int | None, limit: int) -> bytes | None:
    """The first ``limit`` bytes of an item's data (its extents joined), None if not in the file."""
    if item.method > 1 or (item.method == 1 and idat_at is None) or item.data_ref:
        return None
    base = item.base + (idat_at if item.method == 1 and idat_at is not None else 0)
    parts, kept = [], 0
    for offset, length in item.extents or ():
        if kept >= limit:
            break
        parts.append(src.read(offset + base, min(length, limit - kept)))
        kept += len(parts[-1])
    return b"".join(parts)


# --- videos: sample tables of the tracks ----------------------------------------------------------


@dataclass(slots=True)
class _Track:
    handler: bytes = b""
    tables: dict[str, object] = field(default_factory=dict)


def _parse_moov(
    src: Source, hasher: Hasher, info: BmffInfo, data: bytes, mdat: tuple[int, int] | None
) -> None:
    state = _Track()
    for kind, at, size in _children(data, 0, len(data)):
        if kind == b"mvhd" and size >= 8:
            version = data[at]
            if version == 1 and size >= 12:
                info.created = struct.unpack_from(">Q", data, at + 4)[0]
            elif version == 0:
                info.created = struct.unpack_from(">I", data, at + 4)[0]
        elif kind == b"trak":
            dims = None
            for child, cat, csize in _children(data, at, at + size):
                if child == b"tkhd":
                    dims = _tkhd_size(data[cat : cat + csize])
                elif child == b"mdia":
                    _walk_mdia(src, hasher, info, data, span=(cat, cat + csize), state=state, mdat=mdat)
                    if dims and b"vide" in info.handlers and info.video_width is None:
                        info.video_width, info.video_height = dims


def _tkhd_size(body: bytes) -> tuple[int, int] | None:
    at = 88 if body[:1] == b"\x01" else 76
    if len(body) < at + 8:
        return None
    width, height = struct.unpack_from(">II", body, at)
    return width >> 16, height >> 16


def _walk_mdia(
    src: Source,
    hasher: Hasher,
    info: BmffInfo,
    data: bytes,
    *,
    span: tuple[int, int],
    state: _Track,
    mdat: tuple[int, int] | None,
) -> None:
    for kind, at, size in _children(data, *span):
        if kind == b"hdlr":
            _set_handler(data[at : at + size], state, info)
        elif kind == b"minf":
            for child, cat, csize in _children(data, at, at + size):
                if child == b"hdlr":
                    _set_handler(data[cat : cat + csize], state, info)
                elif child == b"stbl":
                    state.tables = {}
                    for table, tat, tsize in _children(data, cat, cat + csize):
                        if state.handler in (b"vide", b"soun") and tsize <= _MAX_BOX:
                            _sample_table(table, data[tat : tat + tsize], state.tables)
                    if state.handler in (b"vide", b"soun") and not info.too_complex:
                        try:
                            chunks = _chunks(state.tables, mdat)
                        except TooComplex:
                            info.too_complex = True
                            chunks = []
                        for offset, length in chunks:
                            info.image_bytes += length
                            info.hashed += src.hash_range(hasher, offset, length)
                    state.tables = {}
            state.handler = b""  # reset at the end of the media information box


def _set_handler(body: bytes, state: _Track, info: BmffInfo) -> None:
    if len(body) >= 12:
        handler = body[8:12]
        if handler not in (b"alis", b"url "):
            state.handler = handler
            info.handlers.add(handler)


class TooComplex(Exception):
    """A sample table too large to walk within flickrsync's bounds (hostile, or a day-long video)."""


@dataclass(frozen=True, slots=True)
class _Sizes:
    """Sample sizes: ``count`` samples, all ``fixed`` bytes, or with cumulative sums ``prefix``."""

    count: int
    fixed: int = 0
    prefix: np.ndarray | None = None

    def span(self, first: int, stop: int) -> int:
        """Bytes of samples ``first``..``stop-1`` (samples past the table count as 0, as in Perl)."""
        first, stop = min(first, self.count), min(stop, self.count)
        if self.prefix is None:
            return (stop - first) * self.fixed
        return int(self.prefix[stop] - self.prefix[first])


def _array(body: bytes, at: int, dtype: str, count: int) -> np.ndarray | None:
    """ExifTool's ``ReadValue`` in list context: as many values as fit; none at all is None."""
    width = np.dtype(dtype).itemsize
    count = min(count, max(len(body) - at, 0) // width)
    if count < 1:
        return None
    return np.frombuffer(body, dtype=dtype, count=count, offset=at)


def _from_values(values: np.ndarray | None) -> _Sizes:
    if values is None:  # ReadValue returned '' or undef: one sample of size 0
        return _Sizes(count=1)
    return _Sizes(count=len(values), prefix=np.concatenate(([0], np.cumsum(values, dtype=np.int64))))


def _sample_table(kind: bytes, body: bytes, tables: dict[str, object]) -> None:
    """ExifTool's ``ParseTag`` for the boxes of a sample table (kept as numpy arrays)."""
    if kind == b"stsz" or (kind == b"stz2" and len(body) > 12):
        fixed, count = struct.unpack_from(">II", body, 4) if len(body) >= 12 else (0, 0)
        if kind == b"stsz":
            if fixed == 0:
                tables["size"] = _from_values(_array(body, 12, ">u4", count))
            else:
                tables["size"] = _Sizes(count=count, fixed=fixed)
        else:
            field_size = fixed & 0xFF
            if field_size == 4:
                packed = _array(body, 12, "u1", (count + 1) // 2)
                if packed is None:
                    tables["size"] = _Sizes(count=1)
                else:
                    # (ExifTool keeps the whole byte, not its low nibble, as the second size)
                    pairs = np.stack([packed >> 4, packed]).T.reshape(-1)
                    tables["size"] = _from_values(pairs)
            elif field_size in (8, 16):
                tables["size"] = _from_values(_array(body, 12, "u1" if field_size == 8 else ">u2", count))
    elif kind == b"stco" or (kind == b"co64" and len(body) > 8):
        count = struct.unpack_from(">I", body, 4)[0] if len(body) >= 8 else 0
        offsets = _array(body, 8, ">u4" if kind == b"stco" else ">u8", count)
        tables["stco"] = offsets if offsets is not None else np.zeros(0, dtype=np.uint64)
    elif kind == b"stsc" and len(body) > 8:
        count = struct.unpack_from(">I", body, 4)[0]
        if len(body) >= 8 + count * 12:
            tables["stsc"] = np.frombuffer(body, dtype=">u4", count=3 * count, offset=8).reshape(count, 3)
    elif kind == b"stts" and len(body) > 8:
        count = struct.unpack_from(">I", body, 4)[0]
        if len(body) >= 8 + count * 8 and count:
            # only the total matters: where ExifTool's time bookkeeping runs out
            pairs = np.frombuffer(body, dtype=">u4", count=2 * count, offset=8)
            tables["stts"] = int(pairs[0::2].sum(dtype=np.uint64))


def _chunks(tables: dict[str, object], mdat: tuple[int, int] | None) -> list[tuple[int, int]]:
    """ExifTool's ``ProcessSamples`` for the hash: the (offset, length) of each chunk to hash."""
    sizes = tables.get("size")
    stco = tables.get("stco")
    stsc = tables.get("stsc")
    if not isinstance(sizes, _Sizes) or not isinstance(stco, np.ndarray):
        return []
    if not isinstance(stsc, np.ndarray) or not len(stsc):
        return []
    if len(stco) > _MAX_CHUNKS:
        raise TooComplex(f"{len(stco)} chunks")
    # Sample index at which ExifTool's time-to-sample bookkeeping runs out (it then cuts the chunk).
    time_left = tables.get("stts")
    runs = stsc.tolist()
    run = 0
    next_chunk, chunk_number, per_chunk = 0, 1, 0
    done = 0  # samples ExifTool has pushed so far
    chunk_sizes: list[int] = []
    for _ in range(len(stco)):
        if chunk_number >= next_chunk and run < len(runs):
            per_chunk = runs[run][1]
            run += 1
            if run < len(runs):
                next_chunk = runs[run][0]
        if sizes.count < done + per_chunk:
            break  # "Sample size error"
        n = max(per_chunk, 1)
        if isinstance(time_left, int) and time_left < done + n:
            counted = time_left - done
            time_left = None
            chunk_sizes.append(sizes.span(done, done + counted))
            done += counted + 1
        else:
            chunk_sizes.append(sizes.span(done, done + n))
            done += n
        chunk_number += 1
    if done != sizes.count:
        return []  # "Incorrect sample start/size count": ExifTool hashes nothing for this track
    chunks = []
    for chunk_start, length in zip(stco.tolist(), chunk_sizes, strict=False):
        size = length
        if mdat is not None and chunk_start >= mdat[0] and chunk_start + size > mdat[0] + mdat[1]:
            size = max(mdat[0] + mdat[1] - chunk_start, 0)
        chunks.append((chunk_start, size))
    return chunks
