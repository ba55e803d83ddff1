"""Perceptual hash: what a picture looks like, comparable with a Flickr rendition of it.

Decoding is the one expensive step, so it is done as cheaply as the format allows:

* JPEG/MPO: Pillow's *draft* mode decodes at 1/2, 1/4 or 1/8 scale straight from the DCT
  coefficients, in greyscale, to the smallest size that is still at least :data:`DRAFT_SIZE`;
* HEIC/HEIF/AVIF: an embedded thumbnail when the file has one that big (phones store a 320- or
  512-pixel one), else the full decode through pillow-heif, which applies the HEIF rotation and
  mirroring; the 200-megapixel sample decodes from its 512-pixel thumbnail in milliseconds;
* other formats: a normal decode, refused above :data:`MAX_DECODE_PIXELS`.

The EXIF orientation (as :mod:`flickrsync.fingerprint` reads it, from IFD0) is then applied, as
Flickr applies it to its renditions. It is applied as recorded even when the pixels were already
rotated by an editor that kept the tag (``sony_cybershot_o6_prerotated.jpg``): Flickr's rendition of
such a file is rotated too, and the two hashes must agree with each other, not with the photographer.
HEIF pictures are not rotated again: their container transforms, applied by the decoder, are the
authoritative orientation and the EXIF tag only repeats them.

Decoders (Pillow's plugins, libheif) raise all kinds of exceptions on damaged or hostile files
(OSError, SyntaxError, ValueError, TypeError, IndexError, struct.error ...); every one of them
becomes a :class:`MediaError` with the decoder's message, and their warnings are silenced.

A JPEG is decoded straight from the open file (as ``Image.open(path)`` does), once the first
:data:`HEAD_BYTES` have given its orientation; other formats are read into memory first.

The hash itself is chosen by measurement (``benchmarks/phash_study.py``; figures in
``docs/content-id.md``): the pHash of the ImageHash library, computed here with numpy alone (the
same bits, see :func:`_phash`; the tests compare them with ImageHash's), so neither a worker nor an
install needs SciPy, PyWavelets or ImageHash itself.
"""

from __future__ import annotations

import contextlib
import functools
import io
import warnings
from typing import BinaryIO, cast

import numpy as np
import numpy.typing as npt
from PIL import Image, ImageFile, JpegImagePlugin

from flickrsync.errors import MediaError

from ._core import jpeg_orientation, orientation_of
from ._detect import IMAGE_BRANDS, detect_format

#: A decode is reduced to no less than this many pixels on each side before hashing.
DRAFT_SIZE = 256
#: Largest file read for a perceptual hash (decoders need it in memory).
MAX_FILE_BYTES = 256 * 1024 * 1024
#: Read first from a stream: a JPEG whose EXIF block lies within it (without EXIF: whose first scan
#: starts within it) is decoded from the stream.
HEAD_BYTES = 256 * 1024
#: Largest picture decoded in full (formats without a reduced decode, HEIF without a thumbnail):
#: 160 megapixels, about 480 MB as RGB. Larger ones get no perceptual hash (MediaError); their
#: content id is unaffected.
MAX_DECODE_PIXELS = 160_000_000
#: The chosen hash: ImageHash's phash of a 64x64 reduction, 16x16 low DCT frequencies (256 bits,
#: 64 hex digits). Measured against dHash and 64-bit pHash in benchmarks/phash_study.py.
HASH_SIZE = 16
#: Hashes at most this far apart (Hamming distance, of 256 bits) show the same picture. Measured:
#: a picture and its 320-px Flickr-like renditions were at most 16 apart, different pictures at
#: least 86; 32 is twice the worst same-picture distance.
PHASH_MATCH_DISTANCE = 32

_TRANSPOSE = {
    2: (Image.Transpose.FLIP_LEFT_RIGHT,),
    3: (Image.Transpose.ROTATE_180,),
    4: (Image.Transpose.FLIP_TOP_BOTTOM,),
    5: (Image.Transpose.TRANSPOSE,),
    6: (Image.Transpose.ROTATE_270,),
    7: (Image.Transpose.TRANSVERSE,),
    8: (Image.Transpose.ROTATE_90,),
}


def perceptual_hash(stream: BinaryIO, *, size: int | None = None) -> str:
    """The perceptual hash (hex) of the picture in ``stream``, orientation applied.

    ``size`` is the file size when the caller knows it (from ``fstat`` of the open file). A JPEG
    in a seekable stream is decoded straight from the stream, as ``Image.open(path)`` would, once
    its metadata (read from the first :data:`HEAD_BYTES`) has given the orientation; other files
    are read into memory. Raises :class:`MediaError` when the picture cannot be decoded (truncated
    data, a format without decoder, a video, an absurd pixel count).
    """
    return hash_image(_reduced_from_stream(stream, size))


def prepare_perceptual() -> None:
    """Load and warm up what :func:`perceptual_hash` uses (Pillow's resampling, numpy's matrix
    product), so that a worker process pays for it before its first picture rather than during it."""
    hash_image(Image.new("L", (DRAFT_SIZE, DRAFT_SIZE)))


def hash_image(image: Image.Image, *, method: str = "phash", size: int = HASH_SIZE) -> str:
    """Hash an already reduced, oriented picture (``method``: ``phash`` or ``dhash``)."""
    grey = image if image.mode == "L" else image.convert("L")
    if method == "dhash":
        return _dhash(grey, size)
    return _phash(grey, size)


def _phash(grey: Image.Image, size: int) -> str:
    """``str(imagehash.phash(grey, hash_size=size))``, with numpy alone.

    ImageHash takes the DCT-II (SciPy's unnormalised ``fftpack.dct``) of a ``4 * size`` square
    reduction along both axes, keeps the ``size x size`` lowest frequencies and sets a bit for
    each one above their median. Only those frequencies are needed, so they are one product with
    the first ``size`` rows of the DCT matrix on each side. The result is the same hash: equal on
    every picture of the 1,000-picture benchmark corpus and every real sample, and compared with
    ImageHash in the tests. (Pictures with exactly zero frequencies, such as a flat grey, get bits
    from rounding noise with either implementation.) SciPy's import costs ~0.15 s per process,
    more than decoding four pictures, and its wheel ~140 MB of every install.
    """
    side = size * 4
    pixels = np.asarray(grey.resize((side, side), Image.Resampling.LANCZOS), dtype=np.float64)
    rows = _dct_rows(side, size)
    low = (rows @ pixels @ rows.T).ravel()
    return _hex(low > _median(low))


def _median(values: npt.NDArray[np.float64]) -> float:
    """``np.median(values)`` (the same value: the middle one, or the mean of the two middle
    ones) for a flat array without NaN, without the generic function's checks (a third of
    the hash's numpy time)."""
    half = values.size // 2
    if values.size % 2:
        return float(np.partition(values, half)[half])
    middle = np.partition(values, (half - 1, half))
    return float((middle[half - 1] + middle[half]) / 2)


def _dhash(grey: Image.Image, size: int) -> str:
    """``str(imagehash.dhash(grey, hash_size=size))``: a bit per neighbour pair of a
    ``(size + 1) x size`` reduction, set where the right one is brighter."""
    pixels = np.asarray(grey.resize((size + 1, size), Image.Resampling.LANCZOS))
    return _hex(pixels[:, 1:] > pixels[:, :-1])


def _hex(bits: npt.NDArray[np.bool_]) -> str:
    """ImageHash's text form of a bit array: the bits in row order as one big-endian number, in
    lower-case hex, zero-padded to a digit per 4 bits."""
    flat = bits.ravel()
    value = int.from_bytes(np.packbits(flat).tobytes(), "big") >> (-len(flat) % 8)
    return f"{value:0{-(-len(flat) // 4)}x}"


@functools.lru_cache(maxsize=8)
def _dct_rows(n: int, k: int) -> npt.NDArray[np.float64]:
    """The first ``k`` rows of the ``n``-point DCT-II matrix as ``scipy.fftpack.dct`` scales it:
    ``2 cos(pi * row * (2 * col + 1) / (2 * n))``."""
    row = np.arange(k, dtype=np.float64)[:, None]
    col = np.arange(n, dtype=np.float64)[None, :]
    return 2.0 * np.cos(np.pi * row * (2.0 * col + 1.0) / (2.0 * n))


def _too_large() -> MediaError:
    return MediaError(f"file too large for a perceptual hash (over {MAX_FILE_BYTES >> 20} MiB)")


def _reduced_from_stream(stream: BinaryIO, size: int | None) -> Image.Image:
    seekable = False
    with contextlib.suppress(AttributeError, OSError, ValueError):
        seekable = bool(stream.seekable())
    if seekable:
        if size is None:
            size = stream.seek(0, io.SEEK_END)
        stream.seek(0)
    if size is not None and size > MAX_FILE_BYTES:
        raise _too_large()
    # read() of more than the file holds would allocate (and map) the whole HEAD_BYTES buffer
    head = stream.read(HEAD_BYTES if size is None else min(size, HEAD_BYTES))
    if seekable and len(head) == HEAD_BYTES and detect_format(head[:64]) == "jpeg":
        complete, orientation = jpeg_orientation(head)
        if complete:  # the head settles the orientation: decode from the file
            stream.seek(0)
            return _oriented(_small(_jpeg_image(stream)), orientation)
    if len(head) < HEAD_BYTES:
        return reduced_image(head)
    rest = stream.read(MAX_FILE_BYTES + 1 - len(head) if size is None else max(size - len(head), 0))
    data = head + rest
    if len(data) > MAX_FILE_BYTES:
        raise _too_large()
    return reduced_image(data)


def reduced_image(data: bytes) -> Image.Image:
    """Decode ``data`` cheaply to a small greyscale/RGB picture with the orientation applied."""
    kind = detect_format(data[:64])
    if kind is None:
        raise MediaError("not a picture (cannot compute a perceptual hash)")
    brand = data[8:12] if data[4:8] == b"ftyp" else b""
    if kind == "avi" or (kind == "bmff" and brand not in IMAGE_BRANDS):
        raise MediaError("videos have no perceptual hash")
    if kind == "bmff" and IMAGE_BRANDS[brand] != "avif":
        return _small(_heif_image(data))
    orientation = None
    if kind == "bmff":
        # AVIF through Pillow, which reports the container's rotation/mirroring as the EXIF
        # orientation of the decoded picture (and does not apply it)
        image = _pillow_image(data)
        orientation = image.getexif().get(0x0112)
    else:
        orientation = orientation_of(data)
        image = _jpeg_image(io.BytesIO(data)) if kind == "jpeg" else _pillow_image(data)
    return _oriented(_small(image), orientation)


def _oriented(image: Image.Image, orientation: object) -> Image.Image:
    for step in _TRANSPOSE.get(orientation if isinstance(orientation, int) else 1, ()):
        image = image.transpose(step)
    return image


def _jpeg_image(stream: BinaryIO) -> Image.Image:
    """Draft-decode the JPEG in ``stream`` (at its start)."""
    try:
        # The plugin class directly: Image.open would refuse a very large JPEG before draft mode
        # had a chance to reduce it. Decoder warnings about damaged files are not for the user:
        # a picture that cannot be decoded raises MediaError.
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            image = _DraftJpeg(stream)
            image.draft("L", (DRAFT_SIZE, DRAFT_SIZE))
            _check_pixels(image.size)
            _load(image)
    except MediaError:
        raise
    except Exception as exc:  # decoders raise anything on damaged files
        raise MediaError(f"cannot decode the JPEG image ({_why(exc)})") from exc
    return image


class _DraftJpeg(JpegImagePlugin.JpegImageFile):
    """Pillow's JPEG reader without the one thing it does at open that the hash never uses:
    parsing the EXIF block (a TIFF structure, in Python) for a resolution when the JFIF header
    has none (~25 us of the ~0.2 ms that hashing a small JPEG costs)."""

    def _read_dpi_from_exif(self) -> None:
        pass


def _pillow_image(data: bytes) -> Image.Image:
    image: Image.Image
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # DecompressionBombWarning, "Corrupt EXIF data" ...
            opened = Image.open(io.BytesIO(data))
            _check_pixels(opened.size)
            opened.draft("L", (DRAFT_SIZE, DRAFT_SIZE))
            _load(opened)
            image = opened
    except MediaError:
        raise
    except Exception as exc:  # decoders raise anything on damaged files
        raise MediaError(f"cannot decode the picture ({_why(exc)})") from exc
    return image


def _small(image: Image.Image) -> Image.Image:
    """8-bit greyscale or RGB, at most twice :data:`DRAFT_SIZE` on its longer side."""
    small = image if image.mode in ("L", "RGB") else _flatten(image)
    if max(small.size) <= DRAFT_SIZE * 2:  # thumbnail() would leave it as it is
        return small
    if small is image:
        small = image.copy()
    small.thumbnail((DRAFT_SIZE * 2, DRAFT_SIZE * 2), Image.Resampling.BOX)
    return small


def _flatten(image: Image.Image) -> Image.Image:
    """Greyscale of any mode: 16-bit and float scaled to 8 bits, transparency on white."""
    if image.mode in ("I;16", "I;16B", "I;16L", "I", "F"):
        values = image.convert("F")
        low, high = cast("tuple[float, float]", values.getextrema())
        scale = 255.0 / (high - low) if high > low else 1.0
        return values.point(lambda v: (v - low) * scale).convert("L")
    if image.mode in ("RGBA", "LA", "PA") or (image.mode == "P" and "transparency" in image.info):
        rgba = image.convert("RGBA")
        background = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
        return Image.alpha_composite(background, rgba).convert("RGB")
    return image.convert("RGB")


def _heif_image(data: bytes) -> Image.Image:
    # Imported here: libheif is only needed for HEIF pictures, and every worker process would pay
    # for loading it before its first JPEG.
    import pillow_heif  # noqa: PLC0415

    image: Image.Image
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            heif = pillow_heif.open_heif(io.BytesIO(data), convert_hdr_to_8bit=True)
            primary = heif[heif.primary_index]
            count = len(cast("list[int]", primary.info.get("thumbnails") or []))
            # get_thumbnail is pillow-heif 1.x; without it, the full decode (size-capped) is used
            thumbnail_at = getattr(primary, "get_thumbnail", None)
            thumbs = [thumbnail_at(i) for i in range(count)] if thumbnail_at else []
            usable = [t for t in thumbs if min(t.size) >= DRAFT_SIZE // 2 and t.mode == primary.mode]
            if usable:
                chosen = min(usable, key=lambda t: t.size[0] * t.size[1])
                _check_pixels(chosen.size)
                image = chosen.to_pillow()
            else:
                _check_pixels(primary.size)
                image = primary.to_pillow()
    except MediaError:
        raise
    except Exception as exc:  # decoders raise anything on damaged files
        raise MediaError(f"cannot decode the HEIF image ({_why(exc)})") from exc
    return image


def _check_pixels(size: tuple[int, int]) -> None:
    if size[0] * size[1] > MAX_DECODE_PIXELS:
        mp = size[0] * size[1] / 1e6
        raise MediaError(f"picture too large to decode ({size[0]}x{size[1]}, {mp:.0f} megapixels)")


def _load(image: ImageFile.ImageFile) -> None:
    image.load()


def _why(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    return text[:120]
