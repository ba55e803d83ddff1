"""Synthetic media files for the fingerprint tests: pictures made with Pillow/pillow-heif, and
videos, TIFFs and AVIs assembled box by box (no encoder needed: ExifTool and flickrsync hash the
container's sample data without decoding it)."""

from __future__ import annotations

import hashlib
import io
import random
import struct
import subprocess
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PIL import Image


def photo(width: int = 96, height: int = 64, seed: int = 0, mode: str = "RGB") -> Image.Image:
    """A small picture with gradients, shapes and noise (so that codecs have work to do)."""
    rng = np.random.default_rng(seed)
    y, x = np.mgrid[0:height, 0:width].astype(np.float32)
    base = np.stack(
        [
            127 + 100 * np.sin(x / (7 + seed % 5) + seed),
            127 + 100 * np.cos(y / (5 + seed % 3)),
            (x * 3 + y * 2 + seed * 17) % 256,
        ],
        axis=-1,
    )
    cx, cy, r = rng.uniform(0, width), rng.uniform(0, height), rng.uniform(5, max(width, height) / 2)
    base[(x - cx) ** 2 + (y - cy) ** 2 < r * r] *= 0.4
    base += rng.normal(0, 12, base.shape)
    image = Image.fromarray(np.clip(base, 0, 255).astype(np.uint8), "RGB")
    return image if mode == "RGB" else image.convert(mode)


def exif_bytes(date: str = "2021:06:05 04:03:02", orientation: int = 1, **extra: str) -> bytes:
    """A Pillow EXIF block with DateTimeOriginal (Exif IFD), Orientation and optional extras."""
    exif = Image.Exif()
    exif[0x0112] = orientation
    exif[0x010F] = "FlickrsyncTest"
    ifd = exif.get_ifd(0x8769)
    ifd[0x9003] = date
    if "subsec" in extra:
        ifd[0x9291] = extra["subsec"]
    if "offset" in extra:
        ifd[0x9011] = extra["offset"]
    return exif.tobytes()


def save(image: Image.Image, fmt: str, **params: object) -> bytes:
    out = io.BytesIO()
    image.save(out, fmt, **params)
    return out.getvalue()


def reference_jpeg_hash(data: bytes) -> str:
    """Marker-by-marker transliteration of ExifTool's ProcessJPEG hash loop (slow, obvious)."""
    standalone = {0x00, 0x01, *range(0xD0, 0xDB), *range(0x30, 0x40), 0x4F, 0x92, 0x93}
    hashed_after = {0x00, 0xDA, *range(0xD0, 0xD8)}
    digest = hashlib.sha256()
    if not data.startswith(b"\xff\xd8\xff"):  # ExifTool's magic number test for JPEG
        return digest.hexdigest()
    pos, marker = 2, None
    while marker not in (0xD9, 0x93):
        ff = data.find(b"\xff", pos)
        if ff < 0:
            break
        k = ff + 1
        while k < len(data) and data[k] == 0xFF:
            k += 1
        if k >= len(data):
            break
        code = data[k]
        if code not in standalone and code not in (0x74, 0x75, 0x77):
            if k + 3 > len(data):
                break
            length = struct.unpack(">H", data[k + 1 : k + 3])[0]
            if length < 2 or k + 1 + length > len(data):
                break
            nxt = k + 1 + length
        elif code in (0x74, 0x75, 0x77):
            if k + 5 > len(data):
                break
            length = struct.unpack(">I", data[k + 1 : k + 5])[0]
            if length < 4:
                break
            nxt = k + 1 + length
        else:
            if marker is not None and marker in hashed_after:
                digest.update(bytes([0xFF, marker]) + data[pos : k - 1])
            nxt = k + 1
        pos, marker = nxt, code
    return digest.hexdigest()


# --- ISO BMFF (MP4/MOV) -----------------------------------------------------------------------------


def box(kind: bytes, *parts: bytes) -> bytes:
    payload = b"".join(parts)
    return struct.pack(">I4s", 8 + len(payload), kind) + payload


def full_box(kind: bytes, version: int, flags: int, *parts: bytes) -> bytes:
    return box(kind, struct.pack(">I", (version << 24) | flags), *parts)


@dataclass
class Track:
    handler: bytes
    samples: Sequence[int]
    #: (first chunk, samples per chunk) runs, as in stsc
    runs: Sequence[tuple[int, int]]
    #: stts entries (count, delta); defaults to one entry covering all samples
    stts: Sequence[tuple[int, int]] | None = None
    co64: bool = False
    fixed_size: bool = False


def _sample_entry(handler: bytes) -> bytes:
    """A minimal sample description (data reference 1 = this file), enough for ExifTool to edit."""
    head = b"\0" * 6 + struct.pack(">H", 1)
    if handler == b"vide":
        visual = (
            struct.pack(">16xHHIIIH", 640, 480, 0x480000, 0x480000, 0, 1)
            + b"\0" * 32
            + struct.pack(">Hh", 24, -1)
        )
        return box(b"avc1", head, visual)
    if handler == b"soun":
        return box(b"mp4a", head, struct.pack(">8xHHHHI", 2, 16, 0, 0, 44100 << 16))
    return box(b"tx3g", head)


def _chunk_layout(track: Track) -> list[int]:
    """Samples per chunk for each chunk, from the stsc runs, until all samples are placed."""
    counts = []
    remaining = len(track.samples)
    chunk = 1
    runs = list(track.runs)
    while remaining > 0:
        per = runs[0][1]
        for first, spc in runs:
            if first <= chunk:
                per = spc
        take = min(per, remaining)
        counts.append(take)
        remaining -= take
        chunk += 1
    return counts


def mp4(
    tracks: Sequence[Track],
    *,
    brand: bytes = b"isom",
    moov_first: bool = True,
    created: int = 3_700_000_000,
    seed: int = 0,
    extra_top: bytes = b"",
) -> bytes:
    """An MP4/MOV with the given tracks. Chunk data is random bytes, interleaved track by track."""
    rng = random.Random(seed)
    ftyp = box(b"ftyp", brand, struct.pack(">I", 0x200), brand, b"mp41")
    layouts = [_chunk_layout(t) for t in tracks]
    # chunk payloads: one list per track
    payloads: list[list[bytes]] = []
    for track, layout in zip(tracks, layouts, strict=True):
        chunks, k = [], 0
        for n in layout:
            chunks.append(b"".join(rng.randbytes(s) for s in track.samples[k : k + n]))
            k += n
        payloads.append(chunks)

    def build_moov(offsets: list[list[int]]) -> bytes:
        traks = []
        for i, (track, layout) in enumerate(zip(tracks, layouts, strict=True)):
            stts_entries = track.stts if track.stts is not None else [(len(track.samples), 1000)]
            stts = full_box(
                b"stts",
                0,
                0,
                struct.pack(">I", len(stts_entries)),
                *(struct.pack(">II", *e) for e in stts_entries),
            )
            stsc = full_box(
                b"stsc",
                0,
                0,
                struct.pack(">I", len(track.runs)),
                *(struct.pack(">III", f, s, 1) for f, s in track.runs),
            )
            if track.fixed_size:
                stsz = full_box(b"stsz", 0, 0, struct.pack(">II", track.samples[0], len(track.samples)))
            else:
                stsz = full_box(
                    b"stsz",
                    0,
                    0,
                    struct.pack(">II", 0, len(track.samples)),
                    *(struct.pack(">I", s) for s in track.samples),
                )
            if track.co64:
                stco = full_box(
                    b"co64", 0, 0, struct.pack(">I", len(layout)), *(struct.pack(">Q", o) for o in offsets[i])
                )
            else:
                stco = full_box(
                    b"stco", 0, 0, struct.pack(">I", len(layout)), *(struct.pack(">I", o) for o in offsets[i])
                )
            stsd = full_box(b"stsd", 0, 0, struct.pack(">I", 1), _sample_entry(track.handler))
            stbl = box(b"stbl", stsd, stts, stsc, stsz, stco)
            dref = full_box(b"dref", 0, 0, struct.pack(">I", 1), full_box(b"url ", 0, 1))
            minf = box(b"minf", box(b"dinf", dref), stbl)
            hdlr = full_box(b"hdlr", 0, 0, b"\0\0\0\0", track.handler, b"\0" * 12, b"test\0")
            mdhd = full_box(b"mdhd", 0, 0, struct.pack(">IIIIHH", created, created, 1000, 1000, 0, 0))
            tkhd = full_box(
                b"tkhd",
                0,
                3,
                struct.pack(">IIIII", created, created, i + 1, 0, 1000),
                b"\0" * 8,
                struct.pack(">HHHH", 0, 0, 0, 0),
                b"\0" * 36,
                struct.pack(">II", 640 << 16, 480 << 16),
            )
            traks.append(box(b"trak", tkhd, box(b"mdia", mdhd, hdlr, minf)))
        mvhd = full_box(b"mvhd", 0, 0, struct.pack(">IIII", created, created, 1000, 1000), b"\0" * 80)
        return box(b"moov", mvhd, *traks)

    # interleave chunks: round robin across tracks
    order = []
    longest = max(len(p) for p in payloads)
    for c in range(longest):
        for t, chunks in enumerate(payloads):
            if c < len(chunks):
                order.append((t, c))
    mdat_payload = b"".join(payloads[t][c] for t, c in order)

    def offsets_at(mdat_data_at: int) -> list[list[int]]:
        offsets: list[list[int]] = [[0] * len(p) for p in payloads]
        pos = mdat_data_at
        for t, c in order:
            offsets[t][c] = pos
            pos += len(payloads[t][c])
        return offsets

    mdat = box(b"mdat", mdat_payload)
    if moov_first:
        moov_len = len(build_moov(offsets_at(0)))
        head = len(ftyp) + len(extra_top) + moov_len
        return ftyp + extra_top + build_moov(offsets_at(head + 8)) + mdat
    head = len(ftyp) + len(extra_top)
    return ftyp + extra_top + mdat + build_moov(offsets_at(head + 8))


# --- TIFF built tag by tag ------------------------------------------------------------------------


def tiff(
    ifds: Sequence[Mapping[int, tuple[int, Sequence[int] | bytes]]], *, order: str = "<", data: bytes = b""
) -> bytes:
    """A TIFF whose IFDs hold exactly the given entries ``{tag: (type, values)}``, chained IFD0 ->
    IFD1 ... Values that do not fit in 4 bytes are stored after the IFDs. ``data`` is appended at
    offset 8 (before the IFDs), so entries can point into it at ``8 + k``."""
    sizes = {1: "B", 2: "s", 3: "H", 4: "I", 7: "s", 13: "I"}
    header = (b"II*\0" if order == "<" else b"MM\0*") + b"\0\0\0\0"
    body = bytearray(header + data)
    layout = []
    pos = len(body)
    for entries in ifds:
        layout.append(pos)
        pos += 2 + 12 * len(entries) + 4
    extra = bytearray()
    ifd_bytes = bytearray()
    for n, entries in enumerate(ifds):
        ifd_bytes += struct.pack(f"{order}H", len(entries))
        for tag in sorted(entries):
            typ, values = entries[tag]
            if isinstance(values, bytes):
                raw, count = values, len(values)
            else:
                code = sizes[typ]
                raw = struct.pack(f"{order}{len(values)}{code}", *values)
                count = len(values)
            if len(raw) <= 4:
                field = raw.ljust(4, b"\0")
            else:
                field = struct.pack(f"{order}I", pos + len(extra))
                extra += raw + (b"\0" if len(raw) % 2 else b"")
            ifd_bytes += struct.pack(f"{order}HHI", tag, typ, count) + field
        nxt = layout[n + 1] if n + 1 < len(ifds) else 0
        ifd_bytes += struct.pack(f"{order}I", nxt)
    body[4:8] = struct.pack(f"{order}I", layout[0] if ifds else 0)
    return bytes(body + ifd_bytes + extra)


# --- AVI ------------------------------------------------------------------------------------------


def chunk(tag: bytes, payload: bytes) -> bytes:
    return struct.pack("<4sI", tag, len(payload)) + payload + (b"\0" if len(payload) % 2 else b"")


def avi(frames: Iterable[bytes], *, idit: bytes | None = b"Mon Mar  3 09:44:56 2008\n\0") -> bytes:
    avih = struct.pack("<14I", 33333, 0, 0, 0x10, 3, 0, 1, 0, 320, 240, 0, 0, 0, 0)
    hdrl = b"hdrl" + chunk(b"avih", avih) + (chunk(b"IDIT", idit) if idit is not None else b"")
    movi = b"movi" + b"".join(chunk(b"00dc", f) for f in frames)
    body = b"AVI " + chunk(b"LIST", hdrl) + chunk(b"LIST", movi)
    return b"RIFF" + struct.pack("<I", len(body)) + body


# --- ExifTool -------------------------------------------------------------------------------------


def exiftool_hashes(exiftool: str, paths: Sequence[Path]) -> dict[Path, str | None]:
    """``ImageDataHash`` (SHA-256) of each file per ExifTool, None where it computes none."""
    result: dict[Path, str | None] = dict.fromkeys(paths)
    for start in range(0, len(paths), 400):
        batch = paths[start : start + 400]
        out = subprocess.run(
            [
                exiftool,
                "-api",
                "ImageHashType=SHA256",
                "-q",
                "-q",
                "-T",
                "-Directory",
                "-FileName",
                "-ImageDataHash",
                *map(str, batch),
            ],
            capture_output=True,
            text=True,
            check=False,
        ).stdout
        for line in out.splitlines():
            directory, name, digest = line.split("\t")
            result[Path(directory) / name] = None if digest == "-" else digest
    return result


# --- a varied set of generated files ----------------------------------------------------------------


def generated_media() -> dict[str, bytes]:
    """Files of every supported kind, including awkward variants (progressive and restart-marker
    JPEGs, truncations, trailing data, fill bytes, multi-page and tiled TIFFs, animated WebP,
    HEIC with a thumbnail, videos with several tracks, co64, short time tables)."""
    import pillow_heif

    files: dict[str, bytes] = {}
    image = photo(160, 120, 1)
    exif = exif_bytes(subsec="12", offset="+02:00")
    files["base.jpg"] = save(image, "JPEG", quality=85)
    files["progressive.jpg"] = save(image, "JPEG", quality=85, progressive=True, exif=exif)
    files["restart.jpg"] = save(image, "JPEG", quality=90, restart_marker_blocks=3)
    files["restart_progressive.jpg"] = save(image, "JPEG", restart_marker_rows=1, progressive=True)
    files["grey.jpg"] = save(image.convert("L"), "JPEG")
    files["cmyk.jpg"] = save(image.convert("CMYK"), "JPEG")
    files["optimized.jpg"] = save(image, "JPEG", optimize=True, subsampling=0, exif=exif, comment=b"hi")
    jpeg = save(image, "JPEG", exif=exif)
    files["trailing.jpg"] = jpeg + b"garbage\xff\xd8\xff\xe0junk"
    for cut in (700, 1500, len(jpeg) // 2, len(jpeg) - 3, len(jpeg) - 1):
        files[f"cut{cut}.jpg"] = jpeg[:cut]
    progressive = save(image, "JPEG", progressive=True)
    for cut in (len(progressive) // 3, len(progressive) // 2, len(progressive) - 10):
        files[f"progressive_cut{cut}.jpg"] = progressive[:cut]
    files["fill.jpg"] = progressive.replace(b"\xff\xc4", b"\xff\xff\xff\xc4").replace(
        b"\xff\xda", b"\xff\xff\xda"
    )
    files["rgb.png"] = save(image, "PNG")
    files["rgba_exif.png"] = save(image.convert("RGBA"), "PNG", exif=exif)
    files["palette.png"] = save(image.convert("P"), "PNG")
    files["16bit.png"] = save(image.convert("I;16"), "PNG")
    big_png = save(photo(400, 300, 3), "PNG", compress_level=0)
    files["multi_idat.png"] = big_png
    files["cut.png"] = big_png[: len(big_png) // 2]
    files["trailer.png"] = big_png + b"\0\0\0\x04IDATabcd\0\0\0\0"
    files["raw.tif"] = save(image, "TIFF")
    files["lzw.tif"] = save(image, "TIFF", compression="tiff_lzw")
    files["exif.tif"] = save(image, "TIFF", exif=exif)
    files["deflate.tif"] = save(image, "TIFF", compression="tiff_adobe_deflate")
    files["jpeg_compressed.tif"] = save(image, "TIFF", compression="jpeg")
    files["16bit.tif"] = save(image.convert("I;16"), "TIFF")
    files["rgba.tif"] = save(image.convert("RGBA"), "TIFF", compression="packbits")
    pages = io.BytesIO()
    image.save(pages, "TIFF", save_all=True, append_images=[photo(80, 60, 2), photo(40, 30, 3)])
    files["pages.tif"] = pages.getvalue()
    big_tiff = save(photo(300, 200, 4), "TIFF")
    files["cut.tif"] = big_tiff[: len(big_tiff) // 2]
    payload = bytes(range(256)) * 2
    tiles = {256: (4, [32]), 257: (4, [32]), 322: (3, [16]), 323: (3, [16]), 324: (4, [8, 100, 200, 300])}
    files["tiles.tif"] = tiff([{**tiles, 325: (4, [90, 90, 90, 90])}], data=payload)
    files["jpeg_pairs.tif"] = tiff(
        [
            {256: (4, [4]), 257: (4, [4]), 273: (4, [8]), 279: (4, [16]), 513: (4, [30]), 514: (4, [20])},
            {513: (4, [60]), 514: (4, [10])},
            {513: (4, [100]), 514: (4, [10]), 273: (4, [120, 140]), 279: (3, [5, 6])},
        ],
        data=bytes(range(200)),
    )
    files["string_counts.tif"] = tiff([{273: (4, [8, 20]), 279: (2, b"10 12\0")}], data=bytes(range(100)))
    files["lossy.webp"] = save(image, "WEBP", quality=80)
    files["lossless.webp"] = save(image, "WEBP", lossless=True)
    files["alpha_exif.webp"] = save(image.convert("RGBA"), "WEBP", exif=exif)
    anim = io.BytesIO()
    image.save(anim, "WEBP", save_all=True, append_images=[photo(160, 120, 5)], duration=100)
    files["animated.webp"] = anim.getvalue()
    webp = save(photo(300, 200, 6), "WEBP")
    files["cut.webp"] = webp[: len(webp) // 2]
    files["palette.gif"] = save(image.convert("P"), "GIF")
    files["plain.avif"] = save(image, "AVIF")
    files["exif.avif"] = save(image, "AVIF", exif=exif)
    heic = io.BytesIO()
    pillow_heif.from_pillow(image).save(heic, quality=70)
    files["plain.heic"] = heic.getvalue()
    files["cut.heic"] = heic.getvalue()[:-200]
    thumb = io.BytesIO()
    pillow_heif.from_pillow(photo(640, 480, 8)).save(thumb, quality=60, exif=exif, thumbnails=[128])
    files["thumbnail_exif.heic"] = thumb.getvalue()
    video = Track(b"vide", [1000, 2000, 1500, 800, 900, 1200], [(1, 2), (3, 1)])
    audio = Track(b"soun", [300] * 10, [(1, 5)], fixed_size=True)
    files["two_tracks.mp4"] = mp4([video, audio])
    files["mdat_first.mp4"] = mp4([video, audio], moov_first=False)
    files["quicktime.mov"] = mp4([video], brand=b"qt  ")
    files["co64.mp4"] = mp4([Track(b"vide", [500] * 6, [(1, 3)], co64=True)])
    files["stts_short.mp4"] = mp4([Track(b"vide", [500] * 7, [(1, 3)], stts=[(4, 100)])])
    files["stts_exact.mp4"] = mp4([Track(b"vide", [500] * 6, [(1, 3)], stts=[(5, 100)])])
    files["stts_zero.mp4"] = mp4([Track(b"vide", [500] * 6, [(1, 3)], stts=[(0, 100), (6, 10)])])
    files["text_track.mp4"] = mp4([Track(b"text", [50] * 3, [(1, 1)]), video])
    movie = mp4([video, audio], moov_first=False)
    files["cut.mp4"] = movie[:-100]
    files["movie.avi"] = avi([b"x" * 100, b"y" * 33, b"z" * 7])
    short = avi([b"x" * 1000])
    files["cut.avi"] = short[:-400]
    return files
