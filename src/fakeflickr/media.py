"""Pictures and videos: what an uploaded file is, its size and date taken, and the resized JPEGs
Flickr serves (REFERENCE §5.3, §5.4, §6).

* :func:`probe_file` tells a photo from a video by content (never by name) and reads the display
  size (EXIF orientation applied), the EXIF ``DateTimeOriginal`` and, for MP4/MOV, the size,
  duration and creation time from the ``moov`` box. Anything else is "not recognised" (error 5).
* :data:`SIZES` and :func:`available_sizes` decide which sizes exist for a picture of a given size;
  :func:`render_size` makes one of them from the original (orientation applied, re-encoded as JPEG).
* :func:`generate_jpeg` makes a small deterministic picture for seeded photos that have no bytes.

Pillow (with pillow-heif registered as an opener) does the image work. Very large pictures are
never decoded for previews: a placeholder of the right size is drawn instead (see docs).
"""

from __future__ import annotations

import hashlib
import io
import random
import struct
import warnings
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Literal

import pillow_heif
from PIL import Image, ImageDraw, ImageOps, UnidentifiedImageError
from PIL.ExifTags import GPSTAGS, TAGS

from fakeflickr.text import format_taken

pillow_heif.register_heif_opener()

Media = Literal["photo", "video"]

#: Pillow format -> Flickr ``originalformat``. Formats not listed are refused with error 5.
PHOTO_FORMATS: dict[str, str] = {
    "JPEG": "jpg",
    "MPO": "jpg",
    "PNG": "png",
    "GIF": "gif",
    "TIFF": "tiff",
    "HEIF": "heic",
}
CONTENT_TYPES: dict[str, str] = {
    "jpg": "image/jpeg",
    "png": "image/png",
    "gif": "image/gif",
    "tiff": "image/tiff",
    "heic": "image/heic",
    "mp4": "video/mp4",
    "mov": "video/quicktime",
    "3gp": "video/3gpp",
}
_HEIF_BRANDS = {b"heic", b"heix", b"heim", b"heis", b"hevc", b"hevx", b"mif1", b"msf1", b"avif", b"avis"}
#: Pictures above this many pixels are not decoded to make previews (a placeholder is drawn).
MAX_DECODE_PIXELS = 60_000_000
#: Default size of a video's poster frame when the file does not say.
VIDEO_FALLBACK_SIZE = (640, 360)


@dataclass(frozen=True, slots=True)
class Probe:
    media: Media
    originalformat: str
    width: int
    height: int
    date_taken: str | None
    duration: int | None = None


# --- probing ----------------------------------------------------------------------------------------


def _exif_date(exif: Image.Exif) -> str | None:
    raw = exif.get_ifd(0x8769).get(36867) or exif.get(36867)
    if not isinstance(raw, str):
        return None
    raw = raw.strip().rstrip("\x00")
    try:
        dt = datetime.strptime(raw[:19], "%Y:%m:%d %H:%M:%S")
    except ValueError:
        return None
    return format_taken(dt)


def _probe_image(path: Path) -> Probe | None:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            with Image.open(path) as im:
                fmt = im.format or ""
                if fmt not in PHOTO_FORMATS:
                    return None
                if fmt == "HEIF":
                    # pillow-heif opens lazily; a file whose image data is cut off opens fine and
                    # fails only on decode. Flickr cannot make a photo of it.
                    im.load()
                exif = im.getexif()
                width, height = im.size
                if exif.get(0x0112) in (5, 6, 7, 8):
                    width, height = height, width
                return Probe("photo", PHOTO_FORMATS[fmt], width, height, _exif_date(exif))
    except Image.DecompressionBombError:
        return _probe_huge_heif(path)
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError, struct.error):
        return None


def _probe_huge_heif(path: Path) -> Probe | None:
    try:
        heif = pillow_heif.open_heif(str(path))
        width, height = heif.size
        date = None
        exif_bytes = heif.info.get("exif")
        if exif_bytes:
            exif = Image.Exif()
            exif.load(exif_bytes)
            date = _exif_date(exif)
        return Probe("photo", "heic", int(width), int(height), date)
    except (OSError, ValueError, RuntimeError):
        return None


def _iter_boxes(data: bytes, start: int, end: int) -> list[tuple[bytes, int, int]]:
    """ISO-BMFF boxes in data[start:end] as (type, payload start, box end)."""
    boxes: list[tuple[bytes, int, int]] = []
    pos = start
    while pos + 8 <= end:
        size, kind = struct.unpack(">I4s", data[pos : pos + 8])
        header = 8
        if size == 1 and pos + 16 <= end:
            size = struct.unpack(">Q", data[pos + 8 : pos + 16])[0]
            header = 16
        elif size == 0:
            size = end - pos
        if size < header or pos + size > end:
            boxes.append((kind, pos + header, end))
            break
        boxes.append((kind, pos + header, pos + size))
        pos += size
    return boxes


def _probe_video(path: Path) -> Probe | None:
    with path.open("rb") as fh:
        head = fh.read(64)
    if len(head) < 12:
        return None
    kind = head[4:8]
    if kind == b"ftyp":
        brand = head[8:12]
        if brand in _HEIF_BRANDS:
            return None
        fmt = "mov" if brand == b"qt  " else ("3gp" if brand.startswith(b"3g") else "mp4")
    elif kind in (b"moov", b"mdat", b"wide", b"free", b"skip", b"pnot"):
        fmt = "mov"
    else:
        return None
    data = path.read_bytes()
    width, height = VIDEO_FALLBACK_SIZE
    duration: int | None = None
    created: str | None = None
    for box, start, end in _iter_boxes(data, 0, len(data)):
        if box != b"moov":
            continue
        for sub, s_start, s_end in _iter_boxes(data, start, end):
            if sub == b"mvhd" and s_end - s_start >= 32:
                version = data[s_start]
                if version == 1:
                    ctime, _mtime, scale, length = struct.unpack(">QQIQ", data[s_start + 4 : s_start + 32])
                else:
                    ctime, _mtime, scale, length = struct.unpack(">IIII", data[s_start + 4 : s_start + 20])
                if scale:
                    duration = round(length / scale)
                if ctime:
                    epoch = datetime(1904, 1, 1, tzinfo=UTC)
                    created = format_taken(epoch + timedelta(seconds=ctime))
            if sub == b"trak":
                for tk, t_start, t_end in _iter_boxes(data, s_start, s_end):
                    if tk == b"tkhd" and t_end - t_start >= 84:
                        w, h = struct.unpack(">II", data[t_end - 8 : t_end])
                        if w >> 16 and h >> 16 and (width, height) == VIDEO_FALLBACK_SIZE:
                            width, height = w >> 16, h >> 16
    return Probe("video", fmt, width, height, created, duration)


def probe_file(path: Path) -> Probe | None:
    """What the file is, by content; None when Flickr would not recognise it (error 5)."""
    return _probe_video(path) or _probe_image(path)


# --- sizes ------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Size:
    suffix: str  # file name suffix ("" for Medium 500)
    label: str  # getSizes label
    code: str  # url_<code> extra and /sizes/<code>/ page
    edge: int  # longest edge (side for squares)
    square: bool = False
    own_secret: bool = False


SIZES: tuple[Size, ...] = (
    Size("s", "Square", "sq", 75, square=True),
    Size("q", "Large Square", "q", 150, square=True),
    Size("t", "Thumbnail", "t", 100),
    Size("m", "Small", "s", 240),
    Size("n", "Small 320", "n", 320),
    Size("w", "Small 400", "w", 400),
    Size("", "Medium", "m", 500),
    Size("z", "Medium 640", "z", 640),
    Size("c", "Medium 800", "c", 800),
    Size("b", "Large", "l", 1024),
    Size("h", "Large 1600", "h", 1600, own_secret=True),
    Size("k", "Large 2048", "k", 2048, own_secret=True),
    Size("3k", "X-Large 3K", "3k", 3072, own_secret=True),
    Size("4k", "X-Large 4K", "4k", 4096, own_secret=True),
    Size("5k", "X-Large 5K", "5k", 5120, own_secret=True),
    Size("6k", "X-Large 6K", "6k", 6144, own_secret=True),
)
SIZE_BY_SUFFIX = {s.suffix: s for s in SIZES}
SIZE_BY_CODE = {s.code: s for s in SIZES}
#: The ``url_*`` extras Flickr answers (reflection list plus url_h/url_k seen working). Not url_b.
URL_EXTRAS = ("sq", "q", "t", "s", "n", "m", "z", "c", "l", "h", "k", "o")


def fit(width: int, height: int, edge: int) -> tuple[int, int]:
    """Scale (width, height) so the longest edge is at most ``edge`` (never upscale)."""
    longest = max(width, height)
    if longest <= edge:
        return width, height
    scale = edge / longest
    return max(1, int(width * scale + 0.5)), max(1, int(height * scale + 0.5))


def size_dims(size: Size, width: int, height: int) -> tuple[int, int]:
    if size.square:
        side = min(size.edge, width, height)
        return side, side
    return fit(width, height, size.edge)


def available_sizes(width: int, height: int, media: Media = "photo") -> list[Size]:
    """Sizes Flickr lists for a picture of this display size, smallest first.

    Squares always exist. Every other size exists while the picture is at least as big as the size
    below it (photos) or bigger than it (videos), and is capped at the picture's size: small
    originals simply have fewer sizes (REFERENCE §4.5, §6.1). This fits every recording: an 800x600
    photo lists Medium 800 and Large at 800x600 (2013), a 1024x768 photo Large at 1024x768, a
    6000x4000 photo 6K at 6000x4000. Videos always list Medium (Flickr's base size for the poster
    frame): a 320x240 video lists Small 320 and Medium at 320x240 (2012), a 640x360 video stops at
    Medium 640 (2023). A photo smaller than 400 px has no Medium (Flickr answers getSizes without
    it; docs/flickr-quirks.md, "Small originals")."""
    longest = max(width, height)
    out: list[Size] = []
    previous_edge = 0
    growing = True
    for size in SIZES:
        if size.square:
            out.append(size)
            continue
        growing = growing and (longest > previous_edge or (media == "photo" and longest == previous_edge))
        if growing or (media == "video" and size.suffix == ""):
            out.append(size)
        previous_edge = size.edge
    return out


def size_secret(photo_secret: str, original_secret: str, suffix: str) -> str:
    """The own secret of sizes h, k, 3k…6k: stable per photo version, changes on replace."""
    return hashlib.sha1(f"{original_secret}:{photo_secret}:{suffix}".encode()).hexdigest()[:10]


# --- rendering ----------------------------------------------------------------------------------------


def _placeholder(width: int, height: int, seed: str) -> Image.Image:
    rng = random.Random(seed)
    im = Image.new("RGB", (width, height), tuple(rng.randrange(256) for _ in range(3)))
    draw = ImageDraw.Draw(im)
    for _ in range(6):
        x0, y0 = rng.randrange(width), rng.randrange(height)
        x1, y1 = x0 + rng.randrange(1, max(2, width)), y0 + rng.randrange(1, max(2, height))
        colour = tuple(rng.randrange(256) for _ in range(3))
        if rng.random() < 0.5:
            draw.rectangle((x0, y0, x1, y1), fill=colour)
        else:
            draw.ellipse((x0, y0, x1, y1), fill=colour)
    return im


def _encode_jpeg(im: Image.Image, exif: Image.Exif | None = None) -> bytes:
    out = io.BytesIO()
    if im.mode != "RGB":
        im = im.convert("RGB")
    if exif is not None:
        im.save(out, "JPEG", quality=85, exif=exif)
    else:
        im.save(out, "JPEG", quality=85)
    return out.getvalue()


def _shape(im: Image.Image, size: Size, width: int, height: int) -> Image.Image:
    target = size_dims(size, width, height)
    if size.square:
        return ImageOps.fit(im, target, Image.Resampling.LANCZOS)
    return im.resize(target, Image.Resampling.LANCZOS)


def render_size(
    original: Path | None, media: Media, width: int, height: int, *, size: Size, seed: str
) -> bytes:
    """One resized JPEG of a picture (orientation applied). Videos and pictures that cannot be
    decoded get a deterministic placeholder of the right size instead."""
    if original is not None and media == "photo" and width * height <= MAX_DECODE_PIXELS:
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                with Image.open(original) as im:
                    im.draft("RGB", size_dims(size, width, height))
                    upright = ImageOps.exif_transpose(im)
                    upright.load()
                    return _encode_jpeg(_shape(upright, size, width, height))
        except (OSError, ValueError, SyntaxError, struct.error, Image.DecompressionBombError):
            pass
    small = fit(width, height, size.edge)  # never draw a full-size placeholder for a huge picture
    return _encode_jpeg(_shape(_placeholder(*small, seed), size, width, height))


def generate_mp4(width: int, height: int, seconds: int, seed: str = "") -> bytes:
    """A small, deterministic MP4 for a video without uploaded bytes (a lazily seeded one) or for a
    version Flickr made of one (``seed`` tells them apart): ftyp, a moov with mvhd and one video
    track whose sample table points into the mdat (as a real movie's does: a client reads and
    hashes it like any video), and seeded sample bytes. Not playable."""

    def box(kind: bytes, *payload: bytes) -> bytes:
        body = b"".join(payload)
        return struct.pack(">I", 8 + len(body)) + kind + body

    def full(kind: bytes, *payload: bytes) -> bytes:
        return box(kind, b"\0\0\0\0", *payload)

    duration = max(1, seconds) * 1000
    samples = [1024, 768, 896]
    data = b""
    block = hashlib.sha256(f"{seed}:{width}x{height}:{seconds}".encode()).digest()
    while len(data) < sum(samples):
        data += block
        block = hashlib.sha256(block).digest()
    data = data[: sum(samples)]

    def moov(offset: int) -> bytes:
        stbl = box(
            b"stbl",
            full(b"stsd", struct.pack(">I", 1), box(b"avc1", bytes(6), struct.pack(">H", 1), bytes(16),
                 struct.pack(">HH", width, height), bytes(50))),
            full(b"stts", struct.pack(">III", 1, len(samples), duration // len(samples))),
            full(b"stsc", struct.pack(">IIII", 1, 1, len(samples), 1)),
            full(b"stsz", struct.pack(">II", 0, len(samples)), *(struct.pack(">I", n) for n in samples)),
            full(b"stco", struct.pack(">II", 1, offset)),
        )  # fmt: skip
        minf = box(b"minf", box(b"dinf", full(b"dref", struct.pack(">I", 1), full(b"url ", b""))), stbl)
        hdlr = full(b"hdlr", bytes(4), b"vide", bytes(12), b"fakeflickr\0")
        mdhd = full(b"mdhd", struct.pack(">IIIIHH", 0, 0, 1000, duration, 0, 0))
        tkhd = full(
            b"tkhd", struct.pack(">IIIII", 0, 0, 1, 0, duration), bytes(8), bytes(8), bytes(36),
            struct.pack(">II", width << 16, height << 16),
        )  # fmt: skip
        mvhd = full(b"mvhd", struct.pack(">IIII", 0, 0, 1000, duration), bytes(80))
        return box(b"moov", mvhd, box(b"trak", tkhd, box(b"mdia", mdhd, hdlr, minf)))

    ftyp = box(b"ftyp", b"isom", struct.pack(">I", 0x200), b"isommp41")
    size = len(moov(0))
    return ftyp + moov(len(ftyp) + size + 8) + box(b"mdat", data)


def exif_entries(path: Path) -> tuple[str, list[tuple[str, str, str]]]:
    """(camera, [(tagspace, tag name, raw value)]) from a picture's EXIF, for photos.getExif."""
    entries: list[tuple[str, str, str]] = []
    camera = ""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            with Image.open(path) as im:
                exif = im.getexif()
                for tag, value in exif.items():
                    if tag in (0x8769, 0x8825, 0xA005):
                        continue
                    entries.append(("IFD0", TAGS.get(tag, str(tag)), _exif_raw(value)))
                for tag, value in exif.get_ifd(0x8769).items():
                    entries.append(("ExifIFD", TAGS.get(tag, str(tag)), _exif_raw(value)))
                for tag, value in exif.get_ifd(0x8825).items():
                    entries.append(("GPS", GPSTAGS.get(tag, str(tag)), _exif_raw(value)))
                make, model = str(exif.get(0x010F, "")).strip(), str(exif.get(0x0110, "")).strip()
                camera = model if model.startswith(make) else f"{make} {model}".strip()
    except (
        UnidentifiedImageError,
        OSError,
        ValueError,
        SyntaxError,
        struct.error,
        Image.DecompressionBombError,
    ):
        pass
    return camera, entries


def _exif_raw(value: object) -> str:
    if isinstance(value, bytes):
        return value.decode("latin-1").rstrip("\x00")
    if isinstance(value, tuple):
        return ", ".join(str(v) for v in value)
    return str(value).rstrip("\x00")


def generate_jpeg(seed: str, width: int, height: int, date_taken: str | None = None) -> bytes:
    """A small deterministic JPEG for a seeded photo; with ``date_taken`` it carries EXIF
    DateTimeOriginal. Different seeds give visibly different pictures."""
    exif = None
    if date_taken:
        exif = Image.Exif()
        exif.get_ifd(0x8769)[36867] = date_taken.replace("-", ":", 2)
    return _encode_jpeg(_placeholder(width, height, seed), exif)
