"""Identify a picture or video by what it shows, from its bytes.

Pure: every function takes an open binary stream (or bytes) and returns data. There are no paths,
no clock, no logging of file contents; ``localfs`` opens the files and hands the streams in.

* :func:`fingerprint_stream` -- the cheap pass the scanner runs on every file: format detected from
  the content (never the name), **content id**, EXIF date taken/orientation and the stored size.
  The content id is ExifTool's ``ImageDataHash`` with ``ImageHashType=SHA256`` -- the SHA-256 of the
  image (or audio/video) data without the metadata -- computed natively, so editing keywords, dates
  or GPS with any tool leaves it unchanged. Which bytes are hashed for each format is documented in
  ``docs/content-id.md`` and in each format module. Formats ExifTool does not hash (GIF, some TIFF
  variants) get the SHA-256 of the whole file, with ``id_kind="file"``.
* :func:`perceptual_hash` -- the expensive pass, run only when matching needs it: a reduced decode
  with orientation applied, hashed so that it can be compared (:func:`hamming`) with the hash of a
  Flickr rendition of the same picture.
* :func:`file_digests` -- whole-file digests for verifying transfers and Flickr checksum tags.
* :func:`fingerprint_with_metadata` -- the cheap pass and, from the same read, the picture's own
  title, description and keywords (:class:`PictureMeta`: XMP, IPTC, EXIF and Windows fields, each
  source kept); :func:`read_metadata` reads them alone, :func:`read_sidecar` from an ``.xmp``
  sidecar, :func:`merge` combines the two, :func:`choose_text`/:func:`choose_tags` apply an order
  of sources, and :func:`fit_for_flickr` cuts the result to Flickr's limits
  (``docs/metadata.md``).

Unusable input raises :class:`~flickrsync.errors.MediaError` with a one-line reason; odd but usable
files return a fingerprint whose ``warnings`` say what is odd.
"""

from __future__ import annotations

import hashlib
import importlib
from collections.abc import Sequence
from typing import TYPE_CHECKING, BinaryIO

from ._meta import (
    DESCRIPTION_FROM,
    LIST_SOURCES,
    TAGS_FROM,
    TEXT_SOURCES,
    TITLE_FROM,
    Chosen,
    FlickrText,
    ListSource,
    MetaSource,
    PictureMeta,
    TextSource,
    choose_tags,
    choose_text,
    fit_for_flickr,
    merge,
    meta_from_json,
    meta_to_json,
)

if TYPE_CHECKING:
    from ._core import fingerprint_bytes, fingerprint_stream, fingerprint_with_metadata, read_metadata
    from ._metaread import read_sidecar
    from ._perceptual import PHASH_MATCH_DISTANCE, perceptual_hash, prepare_perceptual

#: Names imported on first use, by module: Pillow and numpy (``_perceptual``) cost every process
#: of a plain scan (which never decodes a picture) ~20 ms; the format parsers (``_core``, which
#: loads numpy) cost every process that only wants the metadata rules of ``_meta`` (the config,
#: the planner) ~0.2 s.
_LAZY = {
    "PHASH_MATCH_DISTANCE": "_perceptual",
    "perceptual_hash": "_perceptual",
    "prepare_perceptual": "_perceptual",
    "fingerprint_bytes": "_core",
    "fingerprint_stream": "_core",
    "fingerprint_with_metadata": "_core",
    "read_metadata": "_core",
    "read_sidecar": "_metaread",
}


def __getattr__(name: str) -> object:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f"{__name__}.{module}"), name)
    globals()[name] = value
    return value


__all__ = [
    "DESCRIPTION_FROM",
    "LIST_SOURCES",
    "PHASH_MATCH_DISTANCE",
    "TAGS_FROM",
    "TEXT_SOURCES",
    "TITLE_FROM",
    "Chosen",
    "FlickrText",
    "ListSource",
    "MetaSource",
    "PictureMeta",
    "TextSource",
    "choose_tags",
    "choose_text",
    "file_digests",
    "fingerprint_bytes",
    "fingerprint_stream",
    "fingerprint_with_metadata",
    "fit_for_flickr",
    "hamming",
    "merge",
    "meta_from_json",
    "meta_to_json",
    "perceptual_hash",
    "prepare_perceptual",
    "read_metadata",
    "read_sidecar",
]

_READ_BLOCK = 1024 * 1024


def file_digests(stream: BinaryIO, algorithms: Sequence[str] = ("sha256",)) -> dict[str, str]:
    """Hex digests of the whole file in ``stream`` for each of ``algorithms`` (hashlib names such
    as ``md5``, ``sha1``, ``sha256``), in one pass over the file from its start."""
    hashers = {name: hashlib.new(name) for name in algorithms}
    try:
        if stream.seekable():
            stream.seek(0)
    except (AttributeError, OSError):
        pass
    buf = bytearray(_READ_BLOCK)
    view = memoryview(buf)
    while True:
        got = stream.readinto(view)  # type: ignore[attr-defined]
        if not got:
            break
        chunk = view[:got]
        for hasher in hashers.values():
            hasher.update(chunk)
    return {name: hasher.hexdigest() for name, hasher in hashers.items()}


def hamming(a: str, b: str) -> int:
    """Number of differing bits between two perceptual hashes as :func:`perceptual_hash` returns."""
    if len(a) != len(b):
        raise ValueError(f"perceptual hashes of different sizes: {len(a)} and {len(b)} hex digits")
    return (int(a, 16) ^ int(b, 16)).bit_count()
