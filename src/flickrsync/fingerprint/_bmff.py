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

import struct
from collections.abc import Iterator
from dataclasses import dataclass, field

import numpy as np

from ._source import Hasher, Source

_MAX_BOX = 0x2000000  # 32 MiB: ExifTool skips larger boxes it would have to read into memory
_IMAGE_ITEMS = frozenset({b"av01", b"avc1", b"hvc1", b"lhv1", b"hvt1"})
#: Samples processed per track before giving up (a 24-hour 60 fps video has 5.2 million).
_MAX_SAMPLES = 20_000_000


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
    #: image bytes the item locations promise, and how many of them the file holds
    image_bytes: int = 0
    width: int | None = None
    height: int | None = None
    exif: bytes | None = None
    #: mvhd creation time, seconds since 1904-01-01
    created: int | None = None
    handlers: set[bytes] = field(default_factory=set)
    moov_skipped: bool = False
    video_width: int | None = None
    video_height: int | None = None


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
        if kind == b"mdat":
            mdat = (payload_at, payload)
        if kind in (b"meta", b"moov") and payload <= _MAX_BOX:
            data = src.read(payload_at, payload)
            if len(data) < payload:
                break  # "Truncated 'meta' data"
            if kind == b"meta":
                info.saw_meta = True
                _parse_meta(src, hasher, info, data, payload_at)
            else:
                _parse_moov(src, hasher, info, data, mdat)
        else:
            if kind == b"moov":
                info.moov_skipped = True
            if payload_at + payload > total:
                break  # the box is cut off: ExifTool stops here
        pos = payload_at + payload
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


def _parse_infe(body: bytes, items: dict[int, _Item]) -> None:
    if len(body) < 8:
        return
    version = body[0]
    if version in (0, 1):
        item_id, protection = struct.unpack_from(">HH", body, 4)
        names = body[8:].split(b"\0")
        item = items.get(item_id) or items.setdefault(item_id, _Item())
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
    item = items.get(item_id) or items.setdefault(item_id, _Item())
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
    for _ in range(count):
        if pos + width > end:
            return
        item_id = int.from_bytes(body[pos : pos + width], "big")
        pos += width
        item = items.get(item_id)
        if item is None:
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
    item = items[chosen]
    if item.method > 1 or (item.method == 1 and idat_at is None) or item.data_ref:
        return None
    base = item.base + (idat_at if item.method == 1 and idat_at is not None else 0)
    blob = b"".join(src.read(offset + base, min(length, 1 << 20)) for offset, length in item.extents or ())
    if blob[:4] in (b"MM\0*", b"II*\0"):
        return blob
    if blob.startswith(b"Exif\0\0"):
        return blob[6:]
    if len(blob) < 4:
        return None
    skip = 4 + struct.unpack_from(">I", blob)[0]
    return blob[skip:] if skip < len(blob) else None


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
                    if state.handler in (b"vide", b"soun"):
                        for offset, length in _chunks(state.tables, mdat):
                            info.hashed += src.hash_range(hasher, offset, length)
                    state.tables = {}
            state.handler = b""  # reset at the end of the media information box


def _set_handler(body: bytes, state: _Track, info: BmffInfo) -> None:
    if len(body) >= 12:
        handler = body[8:12]
        if handler not in (b"alis", b"url "):
            state.handler = handler
            info.handlers.add(handler)


def _values(body: bytes, at: int, code: str, count: int) -> list[int] | None:
    """ExifTool's ``ReadValue`` in list context: as many values as fit; [] becomes None."""
    width = struct.calcsize(code)
    count = min(count, max(len(body) - at, 0) // width)
    if count < 1:
        return None
    return list(struct.unpack_from(f">{count}{code}", body, at))


def _sample_table(kind: bytes, body: bytes, tables: dict[str, object]) -> None:
    """ExifTool's ``ParseTag`` for the boxes of a sample table."""
    if kind == b"stsz" or (kind == b"stz2" and len(body) > 12):
        fixed, count = struct.unpack_from(">II", body, 4) if len(body) >= 12 else (0, 0)
        if kind == b"stsz":
            if fixed == 0:
                tables["size"] = np.asarray(_values(body, 12, "I", count) or [0], dtype=np.int64)
            elif count <= _MAX_SAMPLES:
                tables["size"] = np.full(count, fixed, dtype=np.int64)
            else:
                tables["size"] = None  # absurd sample count: give up on this track
        else:
            field_size = fixed & 0xFF
            if field_size == 4:
                packed = _values(body, 12, "B", (count + 1) // 2) or []
                nibbles = [v for byte in packed for v in (byte >> 4, byte & 0xFF)]
                tables["size"] = np.asarray(nibbles or [0], dtype=np.int64)
            elif field_size in (8, 16):
                code = "B" if field_size == 8 else "H"
                tables["size"] = np.asarray(_values(body, 12, code, count) or [0], dtype=np.int64)
    elif kind == b"stco" or (kind == b"co64" and len(body) > 8):
        count = struct.unpack_from(">I", body, 4)[0] if len(body) >= 8 else 0
        tables["stco"] = _values(body, 8, "I" if kind == b"stco" else "Q", count) or []
    elif kind == b"stsc" and len(body) > 8:
        count = struct.unpack_from(">I", body, 4)[0]
        if len(body) >= 8 + count * 12:
            tables["stsc"] = [struct.unpack_from(">III", body, 8 + i * 12) for i in range(count)]
    elif kind == b"stts" and len(body) > 8:
        count = struct.unpack_from(">I", body, 4)[0]
        if len(body) >= 8 + count * 8:
            tables["stts"] = list(struct.unpack_from(f">{2 * count}I", body, 8))


def _chunks(tables: dict[str, object], mdat: tuple[int, int] | None) -> list[tuple[int, int]]:
    """ExifTool's ``ProcessSamples`` for the hash: the (offset, length) of each chunk to hash."""
    sizes = tables.get("size")
    stco = tables.get("stco")
    stsc = tables.get("stsc")
    stts = tables.get("stts")
    if not isinstance(sizes, np.ndarray) or not isinstance(stco, list):
        return []
    if not isinstance(stsc, list) or not stsc:
        return []
    n_sizes = len(sizes)
    prefix = np.concatenate(([0], np.cumsum(sizes)))
    # Sample index at which ExifTool's time-to-sample bookkeeping runs out (it then cuts the chunk).
    time_left: int | None = None
    if isinstance(stts, list) and len(stts) > 1:
        time_left = sum(stts[0::2])
    queue = list(stsc)
    next_chunk, chunk_number, per_chunk = 0, 1, 0
    done = 0  # samples ExifTool has pushed so far
    chunk_sizes: list[int] = []
    for _ in stco:
        if chunk_number >= next_chunk and queue:
            per_chunk = queue.pop(0)[1]
            if queue:
                next_chunk = queue[0][0]
        if n_sizes < done + per_chunk or done > _MAX_SAMPLES:
            break  # "Sample size error"
        n = max(per_chunk, 1)
        if time_left is not None and time_left < done + n:
            counted = time_left - done
            time_left = None
            stop = min(done + counted, n_sizes)
            chunk_sizes.append(int(prefix[stop] - prefix[min(done, n_sizes)]))
            done += counted + 1
        else:
            stop = min(done + n, n_sizes)
            chunk_sizes.append(int(prefix[stop] - prefix[min(done, n_sizes)]))
            done += n
        chunk_number += 1
    if done != n_sizes:
        return []  # "Incorrect sample start/size count": ExifTool hashes nothing for this track
    chunks = []
    for chunk_start, length in zip(stco, chunk_sizes, strict=False):
        size = length
        if mdat is not None and chunk_start >= mdat[0] and chunk_start + size > mdat[0] + mdat[1]:
            size = max(mdat[0] + mdat[1] - chunk_start, 0)
        chunks.append((chunk_start, size))
    return chunks
