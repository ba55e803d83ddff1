"""A smaller copy of a picture to upload (issue 12 point 3, ``resize = LONG_EDGE``), and the
thumbnail the review page shows of it (:func:`thumbnail`, issue 13).

A stream of the original in, a JPEG written to a stream out; no library paths (the executor
opens the file read-only through :mod:`flickrsync.localfs`; :func:`upload_body` makes the copy in
memory or in a temporary file in the home dir: the pictures folder is never written to, the
original never changed).

* Pillow decodes; a JPEG (or MPO) in *draft* mode, which lets the decoder scale by 1/2, 1/4 or
  1/8 straight from the DCT, so a 12 MP picture is never held at full size when the copy is much
  smaller; HEIC and HEIF through pillow-heif; AVIF, PNG, TIFF and WebP through Pillow.
* The copy is turned upright: the EXIF orientation is applied to the pixels and the tag set to 1,
  so every viewer shows it the right way up (Flickr included).
* Scaled with Lanczos so that its long edge is exactly the one asked
  (:func:`flickrsync.matcher.keys.resized_size`: one rule for the copy and for what the matcher
  expects Flickr to hold), re-encoded as a baseline JPEG at the quality asked.
* The original's EXIF is kept (date taken, camera, GPS: what Flickr shows), with the orientation
  and the pixel dimensions made true of the copy, and so are its ICC colour profile and XMP.
* A picture that is not larger than the long edge is not copied: the file goes as it is.

Its content id differs from the original's; the upload carries the original's machine tag, so
the photo still matches its picture on every later run.
"""

from __future__ import annotations

import contextlib
import io
import shutil
import tempfile
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import IO

from PIL import Image, ImageOps, JpegImagePlugin

from flickrsync.errors import MediaError
from flickrsync.matcher.keys import displayed_size, resized_size
from flickrsync.models import Resize

#: EXIF tags made true of the copy.
_ORIENTATION = 0x0112
_EXIF_IFD = 0x8769
_PIXEL_X, _PIXEL_Y = 0xA002, 0xA003
#: A picture with more pixels than this is refused (a decompression bomb, not a photo).
MAX_PIXELS = 250_000_000
#: A copy is kept in memory up to this size, else in a temporary file.
COPY_IN_MEMORY = 16 << 20


@contextlib.contextmanager
def upload_body(
    stream: IO[bytes], name: str, size: int, resize: Resize | None, scratch: Path | None
) -> Iterator[tuple[IO[bytes], str, int]]:
    """What an upload (or a replace) sends of the file open as ``stream``: the body, its file
    name and its size — the file as it is, or under ``resize`` its smaller copy (a JPEG made in
    memory, or in a temporary file in ``scratch`` when large). The file is read once from its
    start to its end either way, so what checks the bytes read (:mod:`flickrsync.sentfile`)
    covers what the copy was made from."""
    if resize is None:
        yield stream, name, size
        return
    where = None if scratch is None else str(scratch)
    with (
        tempfile.SpooledTemporaryFile(COPY_IN_MEMORY, dir=where) as original,
        tempfile.SpooledTemporaryFile(COPY_IN_MEMORY, dir=where) as copy,
    ):
        shutil.copyfileobj(stream, original)
        original.seek(0)
        if resized_copy(original, resize, copy) is None:
            stream.seek(0)
            yield stream, name, size
            return
        sent = copy.tell()
        copy.seek(0)
        yield copy, f"{Path(name).stem}.jpg", sent


def resized_copy(stream: IO[bytes], resize: Resize, out: IO[bytes]) -> tuple[int, int] | None:
    """Write the smaller copy of the picture in ``stream`` to ``out`` and return its size, or
    return None (writing nothing) when the picture is not larger than ``resize.long_edge``.
    Raises :class:`MediaError` when it cannot be decoded."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # "Corrupt EXIF data", DecompressionBombWarning …
            image = _open(stream)
            exif = image.getexif()
            orientation = exif.get(_ORIENTATION)
            shown = displayed_size(*image.size, orientation if isinstance(orientation, int) else 1)
            target = resized_size(*shown, resize.long_edge)
            if target is None:
                return None
            stored = displayed_size(*target, orientation if isinstance(orientation, int) else 1)
            if isinstance(image, JpegImagePlugin.JpegImageFile):
                image.draft("RGB", stored)
            image.load()
            upright = ImageOps.exif_transpose(image)
            copy = upright.convert("RGB").resize(target, Image.Resampling.LANCZOS)
    except MediaError:
        raise
    except Exception as exc:  # decoders raise anything on damaged files
        raise MediaError(f"cannot make a smaller copy ({_why(exc)})") from exc
    exif[_ORIENTATION] = 1
    with contextlib.suppress(KeyError, TypeError, ValueError):
        sub = exif.get_ifd(_EXIF_IFD)
        sub[_PIXEL_X], sub[_PIXEL_Y] = target
    extra: dict[str, object] = {}
    for key in ("icc_profile", "xmp"):
        value = image.info.get(key)
        if isinstance(value, bytes | str) and value:
            extra[key] = value
    copy.save(out, "JPEG", quality=resize.quality, exif=exif.tobytes(), optimize=True, **extra)
    return target


def _open(stream: IO[bytes]) -> Image.Image:
    head = stream.read(16)
    stream.seek(0)
    if len(head) >= 12 and head[4:8] == b"ftyp" and head[8:12] != b"avif" and head[8:12] != b"avis":
        return _heif(stream)
    image = Image.open(stream)
    if image.size[0] * image.size[1] > MAX_PIXELS:
        raise MediaError(f"picture too large to resize ({image.size[0]}x{image.size[1]})")
    return image


def _heif(stream: IO[bytes]) -> Image.Image:
    # Imported here: libheif is loaded only for HEIF pictures.
    import pillow_heif  # noqa: PLC0415

    heif = pillow_heif.open_heif(io.BytesIO(stream.read()), convert_hdr_to_8bit=True)
    primary = heif[heif.primary_index]
    if primary.size[0] * primary.size[1] > MAX_PIXELS:
        raise MediaError(f"picture too large to resize ({primary.size[0]}x{primary.size[1]})")
    return primary.to_pillow()


def _why(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    return text[:120]


def thumbnail(stream: IO[bytes], long_edge: int, out: IO[bytes], *, quality: int = 80) -> tuple[int, int]:
    """Write a small upright JPEG of the picture in ``stream`` to ``out`` (the review page's
    thumbnails: no metadata, the long edge at most ``long_edge``) and return its size. JPEGs are
    decoded in draft mode, so a 12 MP picture costs about what a 1.5 MP one does. Raises
    :class:`MediaError` when it cannot be decoded."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            image = _open(stream)
            if isinstance(image, JpegImagePlugin.JpegImageFile):
                image.draft("RGB", (long_edge, long_edge))
            image.load()
            upright = ImageOps.exif_transpose(image).convert("RGB")
            upright.thumbnail((long_edge, long_edge), Image.Resampling.LANCZOS)
    except MediaError:
        raise
    except Exception as exc:  # decoders raise anything on damaged files
        raise MediaError(f"cannot make a thumbnail ({_why(exc)})") from exc
    upright.save(out, "JPEG", quality=quality)
    return upright.size
