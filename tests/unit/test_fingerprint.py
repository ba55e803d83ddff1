"""Unit tests of flickrsync.fingerprint on generated files (no shared data, no exiftool needed)."""

from __future__ import annotations

import ast
import hashlib
import io
import struct
from pathlib import Path
from typing import BinaryIO, cast

import pytest
from PIL import Image
from tests.fingerprint_samples import Track, avi, box, exif_bytes, mp4, photo, reference_jpeg_hash, save, tiff

from flickrsync.errors import FlickrsyncError, MediaError
from flickrsync.fingerprint import (
    PHASH_MATCH_DISTANCE,
    file_digests,
    fingerprint_bytes,
    fingerprint_stream,
    hamming,
    perceptual_hash,
)
from flickrsync.fingerprint._detect import detect_format
from flickrsync.fingerprint._facts import exif_date, quicktime_date

# --- helpers -----------------------------------------------------------------------------------


def jpeg_segments(data: bytes) -> list[tuple[int, int, int]]:
    """(marker, offset, total length) of the segments before the first SOS."""
    out, pos = [], 2
    while data[pos + 1] != 0xDA:
        length = struct.unpack(">H", data[pos + 2 : pos + 4])[0]
        out.append((data[pos + 1], pos, length + 2))
        pos += length + 2
    return out


def insert_segment(data: bytes, marker: int, payload: bytes) -> bytes:
    """A copy of a JPEG with one more segment right after SOI."""
    return data[:2] + struct.pack(">BBH", 0xFF, marker, len(payload) + 2) + payload + data[2:]


def png_chunks(data: bytes) -> list[tuple[bytes, bytes]]:
    out, pos = [], 8
    while pos + 8 <= len(data):
        length, kind = struct.unpack(">I4s", data[pos : pos + 8])
        out.append((kind, data[pos + 8 : pos + 8 + length]))
        pos += 12 + length
    return out


def sha(*parts: bytes) -> str:
    digest = hashlib.sha256()
    for part in parts:
        digest.update(part)
    return digest.hexdigest()


# --- format detection and unusable input ----------------------------------------------------------


@pytest.mark.parametrize(
    ("head", "expected"),
    [
        (b"\xff\xd8\xff\xe0\0\x10JFIF\0", "jpeg"),
        (b"\x89PNG\r\n\x1a\n\0\0\0\x0dIHDR", "png"),
        (b"GIF89a\x10\0\x10\0\0\0\0", "gif"),
        (b"II*\0\x08\0\0\0\0\0\0\0", "tiff"),
        (b"MM\0*\0\0\0\x08\0\0\0\0", "tiff"),
        (b"RIFF\0\0\0\0WEBPVP8 ", "webp"),
        (b"RIFF\0\0\0\0AVI LIST", "avi"),
        (b"RIFF\0\0\0\0WAVEfmt ", "riff"),
        (b"\0\0\0\x18ftypheic\0\0\0\0", "bmff"),
        (b"\0\0\0\x08wide\0\0\0\0mdat", "bmff"),
        (b"%PDF-1.4\n%\xe2\xe3\xcf\xd3", None),
        (b"hello world, this is text", None),
    ],
)
def test_detect_format_by_content(head: bytes, expected: str | None) -> None:
    assert detect_format(head) == expected


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (b"", "empty file"),
        (b"Dear Flickr,\nthis is not a photo.\n", "not a picture or video (text file)"),
        ("Grüße aus Zürich — ".encode() * 200, "not a picture or video (text file)"),
        (b"%PDF-1.7\n" + bytes(range(256)), "not a picture or video (PDF document)"),
        (b"PK\x03\x04" + bytes(100), "not a picture or video (ZIP archive)"),
        (bytes([0x00, 0x13, 0x37, 0x99] * 50), "not a picture or video (unrecognised content)"),
        (b"BM" + bytes(60), "unsupported picture format (BMP)"),
        (b"RIFF\x10\0\0\0WAVEfmt \0\0\0\0", "not a picture or video (RIFF WAVE file)"),
        (
            b"\xff\xd8\xff\xe0\0\x10JFIF\0\x01\x01\0\0\x01\0\x01\0\0",
            "truncated or damaged JPEG: no image data",
        ),
        (b"GIF89a\x01", "truncated GIF: no screen descriptor"),
    ],
)
def test_unusable_input_is_a_media_error_with_a_reason(data: bytes, reason: str) -> None:
    with pytest.raises(MediaError) as caught:
        fingerprint_bytes(data)
    assert caught.value.reason == reason
    assert str(caught.value) == reason
    assert isinstance(caught.value, FlickrsyncError)


def test_png_without_idat_and_webp_without_image_are_media_errors() -> None:
    png = save(photo(), "PNG")
    no_idat = png[:8] + b"".join(
        struct.pack(">I4s", len(body), kind) + body + b"\0\0\0\0"
        for kind, body in png_chunks(png)
        if kind != b"IDAT"
    )
    with pytest.raises(MediaError, match="no IDAT"):
        fingerprint_bytes(no_idat)
    webp = save(photo(), "WEBP")
    with pytest.raises(MediaError, match="WebP"):
        fingerprint_bytes(webp[:30])


def test_heif_and_video_without_structure_are_media_errors() -> None:
    ftyp = box(b"ftyp", b"heic", b"\0\0\0\0", b"mif1heic")
    with pytest.raises(MediaError, match="HEIC"):
        fingerprint_bytes(ftyp + box(b"mdat", b"x" * 100))
    with pytest.raises(MediaError, match="moov"):
        fingerprint_bytes(box(b"ftyp", b"isom", b"\0\0\0\0", b"isom") + box(b"mdat", b"x" * 100))
    audio = mp4([Track(b"soun", [100] * 4, [(1, 2)])])
    with pytest.raises(MediaError, match="audio"):
        fingerprint_bytes(audio)


# --- JPEG: which bytes are hashed ---------------------------------------------------------------


def test_jpeg_content_id_is_the_scan_from_sos_to_eoi() -> None:
    data = save(photo(), "JPEG", quality=85)
    sos = data.index(b"\xff\xda", jpeg_segments(data)[-1][1])
    assert data.endswith(b"\xff\xd9")
    fp = fingerprint_bytes(data)
    assert fp.content_id == sha(data[sos:-2])
    assert (fp.id_kind, fp.media, fp.format, fp.width, fp.height) == ("imagedata", "photo", "jpeg", 96, 64)


def test_jpeg_metadata_changes_keep_the_content_id() -> None:
    plain = save(photo(seed=3), "JPEG", quality=80)
    with_exif = save(photo(seed=3), "JPEG", quality=80, exif=exif_bytes())
    edited = insert_segment(with_exif, 0xE1, b"http://ns.adobe.com/xap/1.0/\0<x:xmpmeta/>")
    edited = insert_segment(edited, 0xFE, b"a comment")
    ids = {fingerprint_bytes(d).content_id for d in (plain, with_exif, edited)}
    assert len({plain, with_exif, edited}) == 3
    assert len(ids) == 1


def test_jpeg_trailing_data_is_not_hashed_and_is_reported() -> None:
    data = save(photo(), "JPEG")
    fp = fingerprint_bytes(data + b"\0" * 1000)
    assert fp.content_id == fingerprint_bytes(data).content_id
    assert fp.warnings == ("1000 bytes of extra data after the end of the JPEG image",)


def test_jpeg_pixels_change_the_content_id() -> None:
    a = save(photo(seed=1), "JPEG", quality=90)
    b = save(photo(seed=2), "JPEG", quality=90)
    assert fingerprint_bytes(a).content_id != fingerprint_bytes(b).content_id


def test_truncated_jpeg_keeps_an_id_and_warns() -> None:
    data = save(photo(400, 300), "JPEG", quality=95)
    fp = fingerprint_bytes(data[: len(data) * 2 // 3])
    assert fp.warnings == ("truncated JPEG: the image data is cut off (no end marker)",)
    assert fp.content_id != fingerprint_bytes(data).content_id


def test_progressive_jpeg_leaves_out_the_last_piece_of_each_scan() -> None:
    """ExifTool does not hash the bytes between the last FF00/RST of a scan and the DHT after it."""
    data = save(photo(200, 150, seed=5), "JPEG", quality=90, progressive=True)
    fp = fingerprint_bytes(data)
    # the reference: every piece ended by a stand-alone marker, as in ExifTool's loop
    assert fp.content_id == reference_jpeg_hash(data)
    sos = data.index(b"\xff\xda", jpeg_segments(data)[-1][1])
    assert fp.content_id != sha(data[sos:-2])  # a simple "SOS to EOI" is not what ExifTool does


def test_mpo_is_recognised_and_hashed_on_its_first_frame() -> None:
    first = save(photo(seed=1), "JPEG")
    mpf = insert_segment(first, 0xE2, b"MPF\0II*\0\x08\0\0\0\0\0")
    fp = fingerprint_bytes(mpf + save(photo(seed=2), "JPEG"))
    assert fp.format == "mpo"
    assert fp.content_id == fingerprint_bytes(first).content_id
    assert fp.warnings == ()


# --- EXIF facts ------------------------------------------------------------------------------------


def test_exif_facts_from_a_jpeg() -> None:
    data = save(photo(), "JPEG", exif=exif_bytes("2019:12:31 23:59:58", 6, subsec="0123", offset="-05:00"))
    fp = fingerprint_bytes(data)
    assert (fp.date_taken, fp.subsec, fp.offset, fp.orientation) == (
        "2019-12-31 23:59:58",
        "0123",
        "-05:00",
        6,
    )
    assert fp.warnings == ()


@pytest.mark.parametrize(
    ("raw", "date", "warning"),
    [
        (b"2014:03:05 05:28:09", "2014-03-05 05:28:09", None),
        (b"2014:03:05 05:28:09\0", "2014-03-05 05:28:09", None),
        (b"2014:03:05 05:28:09\0\0\0\0junk", "2014-03-05 05:28:09", None),
        (b" 2014:03:05 05:28:09 ", "2014-03-05 05:28:09", None),
        (b"2024:02:29 12:00:00", "2024-02-29 12:00:00", None),
        (b"2026:11:24 14:41:16", "2026-11-24 14:41:16", None),
        (b"0000:00:00 00:00:00", None, "EXIF date taken is a placeholder (0000:00:00 00:00:00): ignored"),
        (b"    :  :     :  :  ", None, "EXIF date taken is blank: ignored"),
        (b"", None, "EXIF date taken is blank: ignored"),
        (b"\0\0\0\0", None, "EXIF date taken is blank: ignored"),
        (b"2023:02:29 12:00:00", None, "EXIF date taken is out of range (2023:02:29 12:00:00): ignored"),
        (b"2023:13:01 12:00:00", None, "EXIF date taken is out of range (2023:13:01 12:00:00): ignored"),
        (b"2023:01:01 24:00:00", None, "EXIF date taken is out of range (2023:01:01 24:00:00): ignored"),
        (b"2023:01:01 23:60:00", None, "EXIF date taken is out of range (2023:01:01 23:60:00): ignored"),
        (b"0000:01:01 00:00:00", None, "EXIF date taken is out of range (0000:01:01 00:00:00): ignored"),
        (b"1700:01:01 00:00:00", None, "EXIF date taken is out of range (1700:01:01 00:00:00): ignored"),
        (b"2023-01-01 12:00:00", None, "EXIF date taken is not a date (2023-01-01 12:00:00): ignored"),
        (b"2023:01:01T12:00:00", None, "EXIF date taken is not a date (2023:01:01T12:00:00): ignored"),
        (b"2023:01:01", None, "EXIF date taken is not a date (2023:01:01): ignored"),
        (b"2023:1:1 1:2:3", None, "EXIF date taken is not a date (2023:1:1 1:2:3): ignored"),
        (
            b"\xff\xfe2023:01:01 12:00:00",
            None,
            "EXIF date taken is not a date (\\xff\\xfe2023:01:01 12:00:00): ignored",
        ),
    ],
)
def test_exif_dates_are_normalised_or_rejected(raw: bytes, date: str | None, warning: str | None) -> None:
    assert exif_date(raw) == (date, warning)


@pytest.mark.parametrize(
    ("subsec", "offset", "expected", "warnings"),
    [
        ("46", "+03:00", ("46", "+03:00"), ()),
        ("935476", "-08:00", ("935476", "-08:00"), ()),
        ("  12\0", "+00:00", ("12", "+00:00"), ()),
        (
            "4x",
            "+3:00",
            (None, None),
            (
                "EXIF sub-seconds are not digits (4x): ignored",
                "EXIF time offset is not +HH:MM (+3:00): ignored",
            ),
        ),
        ("", "+25:00", (None, None), ("EXIF time offset is not +HH:MM (+25:00): ignored",)),
        ("1", "   :  ", ("1", None), ()),
    ],
)
def test_subsec_and_offset_are_checked(
    subsec: str, offset: str, expected: tuple[str | None, str | None], warnings: tuple[str, ...]
) -> None:
    data = save(photo(), "JPEG", exif=exif_bytes(subsec=subsec, offset=offset))
    fp = fingerprint_bytes(data)
    assert (fp.subsec, fp.offset) == expected
    assert fp.warnings == warnings


def test_garbage_date_drops_subsec_and_offset_too() -> None:
    data = save(photo(), "JPEG", exif=exif_bytes("2023:00:10 10:10:10", subsec="12", offset="+01:00"))
    fp = fingerprint_bytes(data)
    assert (fp.date_taken, fp.subsec, fp.offset) == (None, None, None)
    assert fp.warnings == ("EXIF date taken is out of range (2023:00:10 10:10:10): ignored",)


def _exif_jpeg(tiff_block: bytes) -> bytes:
    return insert_segment(save(photo(), "JPEG"), 0xE1, b"Exif\0\0" + tiff_block)


def test_orientation_comes_from_ifd0_only() -> None:
    # IFD0 without Orientation, IFD1 (thumbnail) with Orientation 6
    block = tiff([{0x10F: (2, b"Cam\0")}, {0x112: (3, [6])}])
    assert fingerprint_bytes(_exif_jpeg(block)).orientation is None
    block = tiff([{0x112: (3, [8])}, {0x112: (3, [1])}])
    assert fingerprint_bytes(_exif_jpeg(block)).orientation == 8


@pytest.mark.parametrize("value", [0, 9, 65535])
def test_out_of_range_orientation_is_ignored(value: int) -> None:
    fp = fingerprint_bytes(_exif_jpeg(tiff([{0x112: (3, [value])}])))
    assert fp.orientation is None
    assert fp.warnings == (f"EXIF orientation {value} is not 1..8: ignored",)


def test_date_in_ifd0_is_used_when_the_exif_ifd_has_none() -> None:
    block = tiff([{0x9003: (2, b"2004:03:13 12:33:04\0")}])
    assert fingerprint_bytes(_exif_jpeg(block)).date_taken == "2004-03-13 12:33:04"


def test_exif_pointer_loops_do_not_hang() -> None:
    # the Exif IFD pointer points back at IFD0 (offset 8)
    block = tiff([{0x8769: (4, [8]), 0x9003: (2, b"2001:01:01 01:01:01\0")}])
    fp = fingerprint_bytes(_exif_jpeg(block))
    assert fp.date_taken == "2001-01-01 01:01:01"
    assert "EXIF: the Exif IFD pointer loops back to IFD0: ignored" in fp.warnings


def test_exif_pointer_of_the_wrong_type_is_reported() -> None:
    block = tiff([{0x8769: (2, b"26\0")}])
    fp = fingerprint_bytes(_exif_jpeg(block))
    assert fp.date_taken is None
    assert fp.warnings == ("EXIF: the pointer to the Exif IFD has the wrong type: its tags were ignored",)


def test_broken_exif_blocks_are_warnings_not_errors() -> None:
    for block in (
        b"MM\0*\0\0\xff\xff",
        b"II*\0\x08\0\0\0\xff\xff",
        b"junk",
        b"II*\0\x08\0\0\0\x05\0" + b"\x12\x01",
    ):
        fp = fingerprint_bytes(_exif_jpeg(block))
        assert fp.content_id
        assert fp.warnings
        assert fp.orientation is None


# --- PNG, GIF, WebP ----------------------------------------------------------------------------------


def test_png_content_id_is_the_idat_data() -> None:
    data = save(photo(300, 200), "PNG", compress_level=1)
    idat = [body for kind, body in png_chunks(data) if kind == b"IDAT"]
    fp = fingerprint_bytes(data)
    assert fp.content_id == sha(*idat)
    assert (fp.format, fp.width, fp.height, fp.warnings) == ("png", 300, 200, ())
    with_exif = save(photo(300, 200), "PNG", compress_level=1, exif=exif_bytes(orientation=3))
    fp2 = fingerprint_bytes(with_exif)
    assert (fp2.content_id, fp2.orientation, fp2.date_taken) == (fp.content_id, 3, "2021-06-05 04:03:02")


def test_gif_gets_the_whole_file_id() -> None:
    data = save(photo().convert("P"), "GIF")
    fp = fingerprint_bytes(data)
    assert (fp.id_kind, fp.content_id, fp.format, fp.width, fp.height) == ("file", sha(data), "gif", 96, 64)


def test_webp_content_id_is_the_vp8_chunk() -> None:
    data = save(photo(), "WEBP", quality=70)
    assert data[12:16] == b"VP8 "
    length = struct.unpack("<I", data[16:20])[0]
    fp = fingerprint_bytes(data)
    assert fp.content_id == sha(data[20 : 20 + length + (length & 1)])
    assert (fp.format, fp.width, fp.height) == ("webp", 96, 64)
    with_exif = save(photo(), "WEBP", quality=70, exif=exif_bytes())
    assert fingerprint_bytes(with_exif).content_id == fp.content_id
    assert fingerprint_bytes(with_exif).date_taken == "2021-06-05 04:03:02"


# --- TIFF ------------------------------------------------------------------------------------------


def test_tiff_strips_are_hashed_in_order() -> None:
    payload = bytes(range(256))
    data = tiff(
        [{0x100: (3, [4]), 0x101: (3, [4]), 0x111: (4, [8 + 100, 8 + 10]), 0x117: (4, [50, 20])}],
        data=payload,
    )
    fp = fingerprint_bytes(data)
    assert fp.content_id == sha(payload[100:150], payload[10:30])
    assert (fp.format, fp.width, fp.height) == ("tiff", 4, 4)


def test_tiff_thumbnail_in_ifd1_is_not_hashed_but_other_jpeg_pairs_are() -> None:
    payload = bytes(range(200))
    ifd0 = {0x111: (4, [8]), 0x117: (4, [16]), 0x201: (4, [30]), 0x202: (4, [20])}
    ifd1 = {0x201: (4, [60]), 0x202: (4, [10])}
    fp = fingerprint_bytes(tiff([ifd0, ifd1], data=payload))
    # tags sorted as decimal strings: "273" (strips) before "513" (0x201)
    assert fp.content_id == sha(payload[0:16], payload[22:42])


def test_tiff_tiles_and_jpeg_previews() -> None:
    payload = bytes(range(256))
    tiles = {0x144: (4, [8, 40]), 0x145: (4, [16, 16])}
    assert fingerprint_bytes(tiff([tiles], data=payload)).content_id == sha(payload[0:16], payload[32:48])
    # a JPEG-compressed strip with NewSubfileType 1 is a preview: ExifTool hashes nothing
    preview = {0xFE: (4, [1]), 0x103: (3, [7]), 0x111: (4, [8]), 0x117: (4, [50])}
    fp = fingerprint_bytes(tiff([preview], data=payload))
    assert fp.id_kind == "file"
    full = {0xFE: (4, [0]), 0x103: (3, [7]), 0x111: (4, [8]), 0x117: (4, [50])}
    assert fingerprint_bytes(tiff([full], data=payload)).content_id == sha(payload[:50])


def test_tiff_ifd_loops_terminate() -> None:
    payload = bytes(range(64))
    # IFD0 links to itself as its next IFD, and lists itself as a SubIFD
    ifd0 = {0x111: (4, [8]), 0x117: (4, [10]), 0x14A: (4, [8 + 64])}
    data = bytearray(tiff([ifd0], data=payload))
    next_at = 8 + 64 + 2 + 12 * 3
    data[next_at : next_at + 4] = struct.pack("<I", 8 + 64)
    fp = fingerprint_bytes(bytes(data))
    assert fp.content_id == sha(payload[:10])


def test_tiff_exif_and_16_bit() -> None:
    image = photo().convert("I;16")
    fp = fingerprint_bytes(save(image, "TIFF"))
    assert (fp.format, fp.width, fp.height, fp.id_kind) == ("tiff", 96, 64, "imagedata")
    fp = fingerprint_bytes(save(photo(), "TIFF", exif=exif_bytes("2000:01:02 03:04:05", 8)))
    assert (fp.date_taken, fp.orientation) == ("2000-01-02 03:04:05", 8)


# --- videos --------------------------------------------------------------------------------------------


def test_video_id_covers_the_samples_and_not_the_metadata() -> None:
    tracks = [
        Track(b"vide", [500, 700, 300, 200], [(1, 2)]),
        Track(b"soun", [64] * 6, [(1, 3)], fixed_size=True),
    ]
    plain = mp4(tracks, seed=1)
    tagged = mp4(tracks, seed=1, extra_top=box(b"free", b"metadata edited elsewhere" * 4))
    other = mp4(tracks, seed=2)
    fp = fingerprint_bytes(plain)
    assert (fp.media, fp.format, fp.id_kind, fp.width, fp.height) == ("video", "mp4", "imagedata", 640, 480)
    assert fingerprint_bytes(tagged).content_id == fp.content_id
    assert fingerprint_bytes(other).content_id != fp.content_id
    assert fingerprint_bytes(mp4(tracks, seed=1, moov_first=False)).content_id == fp.content_id


@pytest.mark.parametrize(
    ("brand", "fmt"),
    [(b"qt  ", "mov"), (b"isom", "mp4"), (b"mp42", "mp4"), (b"3gp5", "3gp"), (b"M4V ", "m4v")],
)
def test_video_formats_from_the_brand(brand: bytes, fmt: str) -> None:
    assert fingerprint_bytes(mp4([Track(b"vide", [100, 100], [(1, 1)])], brand=brand)).format == fmt


def test_video_creation_time_is_utc() -> None:
    seconds = 3_700_000_000  # 2021-03-31 01:46:40 UTC
    fp = fingerprint_bytes(mp4([Track(b"vide", [100], [(1, 1)])], created=seconds))
    assert (fp.date_taken, fp.offset, fp.subsec) == ("2021-03-31 01:46:40", "+00:00", None)
    assert quicktime_date(0).date is None
    implausible = quicktime_date(86400)
    assert implausible.date is None
    assert implausible.warnings == ("video creation time is implausible (1904-01-02 00:00:00 UTC): ignored",)


def test_avi_movie_list_and_date() -> None:
    data = avi([b"frame-one", b"frame-2"])
    movi = data.index(b"movi")
    length = struct.unpack("<I", data[movi - 4 : movi])[0] - 4
    fp = fingerprint_bytes(data)
    assert fp.content_id == sha(data[movi + 4 : movi + 4 + length])
    assert (fp.media, fp.format, fp.date_taken, fp.width, fp.height) == (
        "video",
        "avi",
        "2008-03-03 09:44:56",
        320,
        240,
    )


# --- perceptual hash ---------------------------------------------------------------------------------


def _phash(data: bytes) -> str:
    return perceptual_hash(io.BytesIO(data))


def test_perceptual_hash_matches_a_small_rendition_and_not_another_picture() -> None:
    from benchmarks.synthetic import photo_like

    picture = photo_like(1600, 1200, seed=11)
    original = save(picture, "JPEG", quality=92, exif=exif_bytes())
    small = picture.copy()
    small.thumbnail((320, 320))
    rendition = save(small, "JPEG", quality=70)
    other = save(photo_like(1600, 1200, seed=12), "JPEG", quality=92)
    assert hamming(_phash(original), _phash(rendition)) <= PHASH_MATCH_DISTANCE
    assert hamming(_phash(original), _phash(other)) > PHASH_MATCH_DISTANCE
    assert len(_phash(original)) == 64


def test_perceptual_hash_applies_the_exif_orientation() -> None:
    from benchmarks.synthetic import photo_like

    upright = photo_like(600, 800, seed=5)
    stored = upright.transpose(Image.Transpose.ROTATE_90)  # as a camera held sideways stores it
    tagged = save(stored, "JPEG", quality=90, exif=exif_bytes(orientation=6))
    plain = save(upright, "JPEG", quality=90)
    assert hamming(_phash(tagged), _phash(plain)) <= PHASH_MATCH_DISTANCE
    untagged = save(stored, "JPEG", quality=90)
    assert hamming(_phash(untagged), _phash(plain)) > PHASH_MATCH_DISTANCE


@pytest.mark.parametrize(
    "data",
    [
        save(photo(200, 150).convert("RGBA"), "PNG"),
        save(photo(200, 150).convert("I;16"), "PNG"),
        save(photo(200, 150).convert("I;16"), "TIFF"),
        save(photo(200, 150).convert("P"), "GIF"),
        save(photo(200, 150), "WEBP"),
        save(photo(200, 150), "AVIF"),
    ],
    ids=["rgba-png", "16bit-png", "16bit-tiff", "gif", "webp", "avif"],
)
def test_perceptual_hash_of_every_picture_format(data: bytes) -> None:
    assert len(_phash(data)) == 64


def test_perceptual_hash_refuses_videos_and_oversized_files(monkeypatch: pytest.MonkeyPatch) -> None:
    from flickrsync.fingerprint import _perceptual

    with pytest.raises(MediaError, match="videos have no perceptual hash"):
        _phash(mp4([Track(b"vide", [100], [(1, 1)])]))
    with pytest.raises(MediaError, match="not a picture"):
        _phash(b"plain text")
    data = save(photo(), "JPEG")
    monkeypatch.setattr(_perceptual, "MAX_FILE_BYTES", len(data) - 1)
    with pytest.raises(MediaError, match="too large for a perceptual hash"):
        _phash(data)
    monkeypatch.setattr(_perceptual, "MAX_FILE_BYTES", 1 << 30)
    monkeypatch.setattr(_perceptual, "MAX_DECODE_PIXELS", 1000)
    with pytest.raises(MediaError, match="too large to decode"):
        _phash(save(photo(), "PNG"))


def _jpeg_with_segment_before_exif(picture: Image.Image, orientation: int, filler: int) -> bytes:
    """A JPEG whose EXIF (with ``orientation``) comes after a COM segment of ``filler`` bytes."""
    data = save(picture, "JPEG", quality=90, exif=exif_bytes(orientation=orientation))
    comment = b"\xff\xfe" + struct.pack(">H", filler + 2) + b"c" * filler
    return data[:2] + comment + data[2:]


@pytest.mark.parametrize("filler", [10, 3000], ids=["exif-in-head", "exif-after-head"])
def test_perceptual_hash_of_an_open_file_equals_the_in_memory_one(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, filler: int
) -> None:
    """The scanner hands an open file: a JPEG is decoded from it once its head gave the
    orientation; when the EXIF lies beyond the head, the whole file is read (same hash)."""
    from benchmarks.synthetic import photo_like

    from flickrsync.fingerprint import _perceptual

    monkeypatch.setattr(_perceptual, "HEAD_BYTES", 2048)
    decoded_from: list[type] = []
    original = _perceptual._jpeg_image

    def spy(stream: BinaryIO) -> Image.Image:
        decoded_from.append(type(stream))
        return original(stream)

    monkeypatch.setattr(_perceptual, "_jpeg_image", spy)
    upright = photo_like(600, 800, seed=4)
    data = _jpeg_with_segment_before_exif(upright.transpose(Image.Transpose.ROTATE_90), 6, filler)
    path = tmp_path / "p.jpg"
    path.write_bytes(data)
    expected = _phash(data)  # from memory
    assert hamming(expected, _phash(save(upright, "JPEG", quality=90))) <= PHASH_MATCH_DISTANCE
    decoded_from.clear()
    with open(path, "rb") as stream:  # as the scanner hands it over: open, size from fstat
        assert perceptual_hash(stream, size=len(data)) == expected
        assert perceptual_hash(stream) == expected  # again from the start, size unknown
    streamed = filler < 2048
    assert decoded_from == [io.BufferedReader if streamed else io.BytesIO] * 2
    with open(path, "rb") as stream, pytest.raises(MediaError, match="too large for a perceptual hash"):
        perceptual_hash(stream, size=_perceptual.MAX_FILE_BYTES + 1)


def test_truncated_jpeg_from_an_open_file_is_a_media_error(tmp_path: Path) -> None:
    from benchmarks.synthetic import photo_like

    data = save(photo_like(1600, 1200, seed=8), "JPEG", quality=92)
    assert len(data) > 2 * 256 * 1024  # decoded from the stream
    path = tmp_path / "cut.jpg"
    path.write_bytes(data[: len(data) // 2])
    with open(path, "rb") as stream, pytest.raises(MediaError, match="cannot decode the JPEG"):
        perceptual_hash(stream, size=len(data) // 2)
    with pytest.raises(MediaError, match="cannot decode the JPEG"):
        _phash(data[: len(data) // 2])


@pytest.mark.parametrize("size", [8, 16, 6])
@pytest.mark.parametrize("method", ["phash", "dhash"])
def test_perceptual_hash_is_imagehash_bit_for_bit(size: int, method: str) -> None:
    """pHash and dHash are computed with numpy alone (no SciPy, no ImageHash in an install); the
    bits and their text are ImageHash's (a test-only dependency, the reference). Size 6 gives bit
    counts that are not whole bytes (36 and 36 bits: 9 hex digits)."""
    import imagehash
    from benchmarks.synthetic import photo_like

    from flickrsync.fingerprint._perceptual import hash_image

    reference = imagehash.phash if method == "phash" else imagehash.dhash
    for seed in range(12):
        picture = photo_like(300 + 40 * seed, 200 + 30 * seed, seed=seed)
        if seed % 3 == 0:
            picture = picture.convert("L")
        expected = str(reference(picture.convert("L"), hash_size=size))
        assert hash_image(picture, method=method, size=size) == expected


def test_flickrsync_imports_no_imagehash_scipy_or_pywavelets() -> None:
    """A plain install has none of them (issue 15): no flickrsync module may import them."""
    src = Path(__file__).resolve().parents[2] / "src" / "flickrsync"
    for path in src.rglob("*.py"):
        tree = ast.parse(path.read_text(), filename=str(path))
        for node in ast.walk(tree):
            names: list[str] = []
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom):
                names = [node.module or ""]
            assert not any(n.split(".")[0] in {"imagehash", "scipy", "pywt"} for n in names), path


def test_fingerprint_imports_no_decoder_it_does_not_need() -> None:
    """Worker start-up: Pillow loads only when a picture is decoded (a plain scan never does),
    libheif only for a HEIF picture, and SciPy never (pHash is computed with numpy);
    :func:`prepare_perceptual` warms up what decoding uses."""
    import subprocess
    import sys

    code = (
        "import sys\n"
        "from flickrsync import fingerprint\n"
        "print('PIL' in sys.modules)\n"
        "fingerprint.prepare_perceptual()\n"
        "print('PIL' in sys.modules, 'pillow_heif' in sys.modules, 'scipy' in sys.modules)\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.split() == ["False", "True", "False", "False"]


# --- hostile structures: bounded, and the whole-file id instead of a walk without end ---------------


def test_jpeg_with_absurdly_many_markers_gets_the_whole_file_id() -> None:
    data = b"\xff\xd8\xff\xe0\0\x10JFIF\0\x01\x01\0\0\x01\0\x01\0\0" + b"\xff\x01" * 150_000 + b"\xff\xd9"
    fp = fingerprint_bytes(data)
    assert (fp.id_kind, fp.content_id) == ("file", sha(data))
    assert fp.warnings == ("damaged JPEG with too many markers: content id is the whole-file hash",)


def test_heif_with_billions_of_zero_size_extents_is_bounded() -> None:
    # iloc version 1, offset/length/base/index sizes all 0: every extent takes no bytes
    entries = b"".join(struct.pack(">HHHH", i, 0, 0, 0xFFFF) for i in range(1, 2000))
    iloc = box(b"iloc", struct.pack(">BBBBHH", 1, 0, 0, 0, 0, 1999), entries)
    meta = box(b"meta", b"\0\0\0\0", iloc)
    data = box(b"ftyp", b"heic", b"\0\0\0\0", b"mif1heic") + meta + box(b"mdat", b"x" * 64)
    fp = fingerprint_bytes(data)
    assert (fp.id_kind, fp.content_id, fp.format) == ("file", sha(data), "heic")


def test_video_with_millions_of_chunks_gets_the_whole_file_id() -> None:
    chunks = 2_000_001
    stco = box(b"stco", struct.pack(">II", 0, chunks), bytes(4 * chunks))
    stsc = box(b"stsc", struct.pack(">III", 0, 1, 1), struct.pack(">III", 1, 1, 1))
    stsz = box(b"stsz", struct.pack(">III", 0, 10, chunks))
    hdlr = box(b"hdlr", bytes(8), b"vide", bytes(12))
    trak = box(b"trak", box(b"mdia", hdlr, box(b"minf", box(b"stbl", stsc, stsz, stco))))
    data = box(b"ftyp", b"isom", b"\0\0\0\0", b"isom") + box(b"moov", trak) + box(b"mdat", b"x" * 64)
    fp = fingerprint_bytes(data)
    assert (fp.id_kind, fp.media, fp.content_id) == ("file", "video", sha(data))
    assert fp.warnings == ("structure too large to walk: content id is the whole-file hash",)


# --- streams, digests, hamming ----------------------------------------------------------------------------


class _Pipe(io.RawIOBase):
    """A readable, non-seekable stream."""

    def __init__(self, data: bytes) -> None:
        self._data = io.BytesIO(data)

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: memoryview) -> int:  # type: ignore[override]
        return self._data.readinto(buffer)


def test_streams_with_or_without_size_and_seekability_agree() -> None:
    data = save(photo(), "JPEG", exif=exif_bytes())
    expected = fingerprint_bytes(data)
    stream = io.BytesIO(b"xx" + data)
    stream.seek(2)
    assert fingerprint_stream(io.BytesIO(data)) == expected
    assert fingerprint_stream(io.BufferedReader(_Pipe(data))) == expected
    # a file that shrank since its size was taken: what is there is used
    assert fingerprint_stream(io.BytesIO(data), size=len(data) + 100) == expected


class _Trickle(io.RawIOBase):
    """A seekable stream whose reads return at most 100 bytes, as a raw stream may."""

    def __init__(self, data: bytes) -> None:
        self._data = io.BytesIO(data)

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        return self._data.seek(offset, whence)

    def readinto(self, buffer: memoryview) -> int:  # type: ignore[override]
        return self._data.readinto(memoryview(buffer)[:100])


def test_short_reads_are_read_on_to_the_size() -> None:
    data = save(photo(), "JPEG", exif=exif_bytes())
    assert len(data) > 1000
    assert fingerprint_stream(cast("BinaryIO", _Trickle(data)), size=len(data)) == fingerprint_bytes(data)


def test_large_files_are_streamed_with_the_same_result(monkeypatch: pytest.MonkeyPatch) -> None:
    from flickrsync.fingerprint import _core, _source

    samples = [
        save(photo(300, 200), "JPEG", progressive=True, exif=exif_bytes()),
        save(photo(300, 200), "JPEG", restart_marker_blocks=2),
        save(photo(300, 200), "PNG"),
        save(photo(300, 200), "TIFF"),
        save(photo(300, 200), "WEBP"),
        mp4([Track(b"vide", [5000] * 6, [(1, 2)])]),
    ]
    for data in samples:
        expected = fingerprint_bytes(data)
        # tiny blocks: every read, scan and hash crosses block boundaries
        streamed = _source.StreamSource(io.BytesIO(data), len(data), block=257, cache=64)
        assert _core._fingerprint(streamed) == expected
    monkeypatch.setattr(_source, "INMEMORY_LIMIT", 1000)
    assert isinstance(_source.open_source(io.BytesIO(samples[0]), None), _source.StreamSource)
    assert fingerprint_stream(io.BytesIO(samples[0])) == fingerprint_bytes(samples[0])


def test_file_digests_in_one_pass_from_the_start() -> None:
    data = bytes(range(256)) * 9000
    stream = io.BytesIO(data)
    stream.seek(1234)
    digests = file_digests(stream, ("md5", "sha1", "sha256"))
    assert digests == {
        "md5": hashlib.md5(data).hexdigest(),
        "sha1": hashlib.sha1(data).hexdigest(),
        "sha256": hashlib.sha256(data).hexdigest(),
    }
    assert file_digests(io.BytesIO(data)) == {"sha256": hashlib.sha256(data).hexdigest()}
    with pytest.raises(ValueError, match="unsupported hash type"):
        file_digests(io.BytesIO(data), ("nonsense",))


def test_hamming() -> None:
    assert hamming("0000000000000000", "0000000000000000") == 0
    assert hamming("ffffffffffffffff", "0000000000000000") == 64
    assert hamming("8000000000000001", "0000000000000000") == 2
    with pytest.raises(ValueError, match="different sizes"):
        hamming("00", "0000")
    assert 0 < PHASH_MATCH_DISTANCE < 64


def test_fingerprint_records_are_plain_data() -> None:
    fp = fingerprint_bytes(save(photo(), "JPEG"))
    assert fp == fingerprint_bytes(save(photo(), "JPEG"))
    assert hash(fp) == hash(fingerprint_bytes(save(photo(), "JPEG")))
    assert len(fp.content_id) == 64
    assert set(fp.content_id) <= set("0123456789abcdef")
