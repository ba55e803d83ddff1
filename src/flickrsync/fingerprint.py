"""TEMPORARY stand-in for the fingerprint module (branch ``fingerprint`` writes the real one).

This file exists only so the scanner and the index can be built and tested while the real
module is written in parallel. It keeps the agreed API and nothing more: the content id is the
SHA-256 of the whole file (``id_kind="file"``), the format is sniffed from magic bytes, and dates,
dimensions and orientation are read with Pillow on a best-effort basis. It is deleted as soon as
the real module is merged.
"""

from __future__ import annotations

import hashlib
from typing import BinaryIO

import imagehash
from PIL import Image, UnidentifiedImageError

from flickrsync.errors import MediaError
from flickrsync.models import ContentId, Fingerprint, Media

_CHUNK = 1 << 20


def _sniff(head: bytes) -> tuple[Media, str] | None:
    if head.startswith(b"\xff\xd8\xff"):
        return "photo", "jpeg"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "photo", "png"
    if head[:6] in (b"GIF87a", b"GIF89a"):
        return "photo", "gif"
    if head[:4] in (b"II*\x00", b"MM\x00*"):
        return "photo", "tiff"
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "photo", "webp"
    if head[:4] == b"RIFF" and head[8:12] == b"AVI ":
        return "video", "avi"
    if head[4:8] == b"ftyp":
        brand = head[8:12]
        if brand in (b"heic", b"heix", b"hevc", b"heim", b"heis"):
            return "photo", "heic"
        if brand in (b"mif1", b"msf1"):
            return "photo", "heif"
        if brand in (b"avif", b"avis"):
            return "photo", "avif"
        if brand == b"qt  ":
            return "video", "mov"
        if brand.startswith(b"3g"):
            return "video", "3gp"
        return "video", "mp4"
    if head[:1] == b"\x47" and len(head) > 188 and head[188:189] == b"\x47":
        return "video", "mts"
    return None


def fingerprint_stream(stream: BinaryIO, *, size: int | None = None) -> Fingerprint:
    """TEMPORARY: whole-file SHA-256 plus a magic-byte format sniff."""
    head = stream.read(512)
    if not head:
        raise MediaError("empty file")
    kind = _sniff(head)
    if kind is None:
        raise MediaError("not a picture or video (unknown content)")
    media, fmt = kind
    digest = hashlib.sha256(head)
    while chunk := stream.read(_CHUNK):
        digest.update(chunk)
    width = height = orientation = None
    date_taken: str | None = None
    if media == "photo" and fmt in ("jpeg", "png", "gif", "tiff", "webp"):
        stream.seek(0)
        try:
            with Image.open(stream) as img:
                width, height = img.size
                exif = img.getexif()
                raw_orientation = exif.get(0x0112)
                orientation = raw_orientation if isinstance(raw_orientation, int) else None
                raw_date = exif.get_ifd(0x8769).get(0x9003)
                if isinstance(raw_date, str) and len(raw_date) >= 19 and raw_date[:4] != "0000":
                    date_taken = raw_date[:10].replace(":", "-") + raw_date[10:19]
        except (UnidentifiedImageError, OSError, ValueError, SyntaxError) as exc:
            raise MediaError(f"cannot read the image: {exc}") from exc
    return Fingerprint(
        content_id=ContentId(digest.hexdigest()),
        id_kind="file",
        media=media,
        format=fmt,
        width=width,
        height=height,
        orientation=orientation,
        date_taken=date_taken,
    )


def perceptual_hash(stream: BinaryIO) -> str:
    """TEMPORARY: pHash of a draft decode."""
    try:
        with Image.open(stream) as img:
            img.draft("RGB", (128, 128))
            return str(imagehash.phash(img.convert("RGB")))
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError) as exc:
        raise MediaError(f"cannot decode the image: {exc}") from exc


def file_digests(stream: BinaryIO, algorithms: tuple[str, ...] = ("sha256",)) -> dict[str, str]:
    hashers = {name: hashlib.new(name) for name in algorithms}
    while chunk := stream.read(_CHUNK):
        for hasher in hashers.values():
            hasher.update(chunk)
    return {name: hasher.hexdigest() for name, hasher in hashers.items()}


def hamming(a: str, b: str) -> int:
    return bin(int(a, 16) ^ int(b, 16)).count("1")
