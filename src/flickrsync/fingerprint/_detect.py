"""Recognising a file's format from its first bytes, never from its name."""

from __future__ import annotations

_PNG = b"\x89PNG\r\n\x1a\n"
_TIFF_MAGIC = (b"II*\0", b"MM\0*", b"II+\0", b"MM\0+", b"IIRO", b"IIRS", b"MMOR", b"IIU\0")
_BMFF_BOXES = frozenset({b"ftyp", b"moov", b"mdat", b"free", b"skip", b"wide", b"pnot", b"uuid", b"junk"})
IMAGE_BRANDS = {
    b"heic": "heic",
    b"heix": "heif",
    b"hevc": "heic",
    b"hevx": "heic",
    b"heim": "heic",
    b"heis": "heic",
    b"hevm": "heic",
    b"hevs": "heic",
    b"mif1": "heif",
    b"msf1": "heif",
    b"mif2": "heif",
    b"avif": "avif",
    b"avis": "avif",
}


def is_tiff_magic(head: bytes) -> bool:
    """Whether a file starting with a byte order mark has one of the known TIFF magic numbers."""
    return head.startswith(_TIFF_MAGIC)


def detect_format(head: bytes) -> str | None:
    """The container format of a file from its first bytes (at least 12), or None."""
    if head.startswith(b"\xff\xd8\xff"):
        return "jpeg"
    if head.startswith(_PNG):
        return "png"
    if head.startswith((b"GIF87a", b"GIF89a")):
        return "gif"
    if head[:2] in (b"II", b"MM") and len(head) >= 8:
        # ExifTool checks only the byte order mark (raw formats use other magic numbers), then
        # reads IFD0; so does flickrsync (see is_tiff_magic for error messages)
        return "tiff"
    if head.startswith((b"RIFF", b"RF64")) and len(head) >= 12:
        return {b"WEBP": "webp", b"AVI ": "avi"}.get(head[8:12], "riff")
    if head[4:8] in _BMFF_BOXES:
        return "bmff"
    return None


_OTHER_SIGNATURES = (
    (b"BM", "unsupported picture format (BMP)"),
    (b"8BPS", "unsupported picture format (Photoshop PSD)"),
    (b"\0\0\0\x0cjP  ", "unsupported picture format (JPEG 2000)"),
    (b"\xff\x0a", "unsupported picture format (JPEG XL)"),
    (b"\0\0\0\x0cJXL ", "unsupported picture format (JPEG XL)"),
    (b"\x8aMNG", "unsupported picture format (MNG)"),
    (b"%PDF", "not a picture or video (PDF document)"),
    (b"PK\x03\x04", "not a picture or video (ZIP archive)"),
    (b"ID3", "not a picture or video (MP3 audio)"),
    (b"fLaC", "not a picture or video (FLAC audio)"),
    (b"OggS", "not a picture or video (Ogg file)"),
    (b"\x1a\x45\xdf\xa3", "unsupported video format (Matroska/WebM)"),
)


#: The formats flickrsync reads: how each starts, how many bytes a file needs before it can be
#: called a cut-off one of them, how many its header takes, and its name.
_STARTS = (
    (b"\xff\xd8\xff", 2, 3, "JPEG"),
    (_PNG, 2, 8, "PNG"),
    (b"GIF87a", 3, 13, "GIF"),
    (b"GIF89a", 3, 13, "GIF"),
    (b"II*\0", 3, 8, "TIFF"),
    (b"MM\0*", 3, 8, "TIFF"),
    (b"RIFF", 4, 12, "RIFF (WebP or AVI)"),
)


def describe_other(head: bytes) -> str:
    """Why a file whose first bytes (``head``: up to 4096, the whole file when it is shorter)
    are none of the formats flickrsync reads is not a usable picture."""
    for start, least, header, name in _STARTS:
        if least <= len(head) < header and head[: len(start)] == start[: len(head)]:
            return f"truncated {name}: the file ends after {len(head)} bytes"
    for signature, reason in _OTHER_SIGNATURES:
        if head.startswith(signature):
            return reason
    try:
        text = head.decode("utf-8")
    except UnicodeDecodeError:
        text = None
        # a multi-byte character cut at the end of the sample is still text
        for cut in range(1, 4):
            try:
                text = head[:-cut].decode("utf-8")
                break
            except UnicodeDecodeError:
                continue
    if text and all(c.isprintable() or c in "\r\n\t\f" for c in text):
        return "not a picture or video (text file)"
    return "not a picture or video (unrecognised content)"
