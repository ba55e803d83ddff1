"""Truncation per container (issue 16 point 10): a file cut off says so in ``Fingerprint.truncated``.

The attack of the issue is replayed: every real sample and a generated file of every other kind
is cut at several points; each cut copy must be refused (MediaError) or reported truncated, and
every complete file must not be. Trailing data after a complete picture is not truncation.
"""

from __future__ import annotations

import functools
import io
import re
import struct
from pathlib import Path

import pytest
from tests.conftest import shared_path
from tests.fingerprint_samples import box, photo, save
from tests.fingerprint_samples import generated_media as _generated

from flickrsync.errors import MediaError
from flickrsync.fingerprint import fingerprint_bytes
from flickrsync.models import Fingerprint

#: Real samples that are cut off as published (see MANIFEST.tsv).
_CUT_AS_PUBLISHED = {"sony_xperia_truncated.jpg", "canon_eos1dx3_truncated.hif"}
#: Generated files that are cut off on purpose, or not a usable picture at all.
_GENERATED_CUT = re.compile(r"^(cut|progressive_cut)")
#: Kinds the replay must cover beyond the real samples (which have no PNG, GIF or video).
_GENERATED_KINDS = (
    *("rgb.png", "palette.gif", "lossless.webp", "animated.webp", "two_tracks.mp4"),
    *("quicktime.mov", "movie.avi", "raw.tif", "plain.avif", "thumbnail_exif.heic"),
)


@functools.cache
def generated_media() -> dict[str, bytes]:
    return _generated()


def _outcome(data: bytes) -> Fingerprint | MediaError:
    try:
        return fingerprint_bytes(data)
    except MediaError as exc:
        return exc


def _picture_end(fp: Fingerprint, size: int) -> int:
    """Where the picture ends: before the trailing data a JPEG warning counts, else the file end."""
    for warning in fp.warnings:
        found = re.fullmatch(r"(\d+) bytes of extra data after the end of the JPEG image", warning)
        if found:
            return size - int(found[1])
    return size


def _cuts(end: int) -> list[int]:
    """25/50/75/95/99 % of the picture, and a few bytes short of its end."""
    return sorted({end * p // 100 for p in (25, 50, 75, 95, 99)} | {end - 2, end - 3, end - 16})


def _real_files() -> dict[str, bytes]:
    folder = Path(shared_path("photos", "real"))
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir()) if p.suffix not in (".tsv", ".md")}


@pytest.mark.shared
def test_every_complete_real_sample_is_not_truncated() -> None:
    for name, data in _real_files().items():
        fp = fingerprint_bytes(data)
        if name in _CUT_AS_PUBLISHED:
            assert fp.truncated is not None, name
            assert fp.truncated in fp.warnings
        else:
            assert fp.truncated is None, (name, fp.truncated)


def test_every_complete_generated_file_is_not_truncated() -> None:
    for name, data in generated_media().items():
        outcome = _outcome(data)
        if _GENERATED_CUT.match(name):
            assert isinstance(outcome, MediaError) or outcome.truncated is not None, name
        else:
            assert isinstance(outcome, Fingerprint), name
            assert outcome.truncated is None, (name, outcome.truncated)


@pytest.mark.shared
def test_replay_cut_copies_of_every_real_sample_and_kind_are_never_taken_for_complete() -> None:
    """The attack: 34 of 40 cut camera files went up. Now every cut copy is refused or flagged."""
    files = {**_real_files(), **{n: generated_media()[n] for n in _GENERATED_KINDS}}
    reported: dict[str, int] = {}
    refused = 0
    missed = []
    for name, data in files.items():
        end = _picture_end(fingerprint_bytes(data), len(data))
        for cut in _cuts(end):
            outcome = _outcome(data[:cut])
            if isinstance(outcome, MediaError):
                refused += 1
            elif outcome.truncated is None:
                missed.append(f"{name} cut at {cut} of {len(data)}")
            else:
                assert outcome.truncated.startswith("truncated "), outcome.truncated
                assert outcome.truncated in outcome.warnings
                kind = outcome.format
                reported[kind] = reported.get(kind, 0) + 1
    assert missed == []
    assert sum(reported.values()) >= 40
    # every container kind was cut and caught by its own check, not only refused outright
    assert set(reported) >= {"jpeg", "mpo", "heic", "heif", "avif", "png", "tiff", "webp", "gif"}
    assert set(reported) >= {"mp4", "mov", "avi"}
    assert refused > 0


# --- each container ---------------------------------------------------------------------------


def test_jpeg_cut_anywhere_after_the_first_scan_is_truncated() -> None:
    data = save(photo(300, 200), "JPEG", quality=90, progressive=True)
    assert fingerprint_bytes(data).truncated is None
    for cut in range(len(data) // 3, len(data), max(1, len(data) // 40)):
        fp = fingerprint_bytes(data[:cut])
        assert fp.truncated == "truncated JPEG: the image data is cut off (no end marker)", cut


def test_trailing_data_after_a_complete_jpeg_is_not_truncation() -> None:
    data = save(photo(), "JPEG")
    fp = fingerprint_bytes(data + b"\xff\xd8\xff\xe0junk" * 50)
    assert fp.truncated is None
    assert fp.warnings == ("400 bytes of extra data after the end of the JPEG image",)


def _mpo(first: bytes, second: bytes) -> bytes:
    """A two-frame MPO: ``first`` with an APP2 MP index pointing at ``second`` after it."""

    def app2(second_at: int) -> bytes:
        entries = struct.pack(">IIIHH", 0x20030000, 0, 0, 0, 0) + struct.pack(
            ">IIIHH", 0x20002, len(second), second_at, 0, 0
        )
        ifd = struct.pack(">H", 3)
        ifd += struct.pack(">HHI4s", 0xB000, 7, 4, b"0100")
        ifd += struct.pack(">HHII", 0xB001, 4, 1, 2)
        ifd += struct.pack(">HHII", 0xB002, 7, 32, 8 + 2 + 36 + 4)
        block = b"MM\0*" + struct.pack(">I", 8) + ifd + b"\0\0\0\0" + entries
        payload = b"MPF\0" + block
        return b"\xff\xe2" + struct.pack(">H", len(payload) + 2) + payload

    header_at = 2 + 4 + 4  # SOI, APP2 marker and length, "MPF\0": where the MP offsets count from
    probe = first[:2] + app2(0) + first[2:]
    return first[:2] + app2(len(probe) - header_at) + first[2:] + second


def test_mpo_second_frame_cut_off_is_truncated() -> None:
    first, second = save(photo(seed=1), "JPEG"), save(photo(seed=2), "JPEG")
    data = _mpo(first, second)
    fp = fingerprint_bytes(data)
    assert (fp.format, fp.truncated) == ("mpo", None)
    kept = len(second) - len(second) // 2
    cut = fingerprint_bytes(data[: len(data) - len(second) // 2])
    assert cut.truncated == f"truncated MPO: image 2 of 2 is cut off ({kept} of {len(second)} bytes present)"
    # the content id is the first frame's: the cut does not change it, the flag is what tells
    assert cut.content_id == fp.content_id


@pytest.mark.shared
def test_real_mpo_second_frame_cut_off_is_truncated() -> None:
    data = shared_path("photos", "real", "nintendo_3ds_stereo.mpo").read_bytes()
    fp = fingerprint_bytes(data[: len(data) - 1000])
    assert fp.truncated == "truncated MPO: image 2 of 2 is cut off (82757 of 83757 bytes present)"


def test_png_without_iend_is_truncated() -> None:
    data = save(photo(), "PNG")
    assert fingerprint_bytes(data).truncated is None
    assert fingerprint_bytes(data[:-12]).truncated == "truncated PNG: no IEND chunk"
    assert fingerprint_bytes(data + b"trailing").truncated is None


def test_gif_without_trailer_is_truncated() -> None:
    out = io.BytesIO()
    photo(seed=3).save(out, "GIF", save_all=True, append_images=[photo(seed=4)], duration=50)
    data = out.getvalue()
    assert fingerprint_bytes(data).truncated is None
    assert fingerprint_bytes(data + b"junk").truncated is None
    for cut in (20, len(data) // 2, len(data) - 1):
        assert fingerprint_bytes(data[:cut]).truncated == "truncated GIF: the file ends before its trailer"


def test_webp_shorter_than_its_riff_size_is_truncated() -> None:
    data = generated_media()["animated.webp"]
    assert fingerprint_bytes(data + b"junk!").truncated is None
    assert fingerprint_bytes(data[:-100]).truncated == "truncated WebP: 100 bytes missing at the end"


def test_avi_cut_off_is_truncated() -> None:
    data = generated_media()["movie.avi"]
    fp = fingerprint_bytes(data[:-7])
    assert (fp.media, fp.truncated) == ("video", "truncated AVI: 7 bytes missing at the end")


def test_heic_image_data_cut_off_is_truncated() -> None:
    data = generated_media()["plain.heic"]
    fp = fingerprint_bytes(data[:-50])
    assert fp.truncated is not None
    assert re.fullmatch(r"truncated HEIC: \d+ of \d+ bytes of image data present", fp.truncated)


def test_heic_box_after_the_picture_cut_off_is_truncated_but_junk_is_not() -> None:
    """A phone's trailer box (Samsung's ``sefd``) cut off is a cut file; junk after the last box
    (whose "size" means nothing) is not."""
    data = generated_media()["plain.heic"]
    trailer = box(b"sefd", b"x" * 100)
    assert fingerprint_bytes(data + trailer).truncated is None
    assert fingerprint_bytes(data + trailer[:-10]).truncated == "truncated HEIC: 10 bytes missing at the end"
    assert fingerprint_bytes(data + b"\x7f\xff\xff\xff\x00\x81\xfe\x10 junk").truncated is None


def test_tiff_strips_beyond_the_end_are_truncated() -> None:
    data = save(photo(200, 100), "TIFF")
    assert fingerprint_bytes(data).truncated is None
    fp = fingerprint_bytes(data[:-1000])
    assert fp.truncated == "truncated TIFF: 1000 bytes missing at the end"


def test_video_samples_beyond_the_end_are_truncated() -> None:
    data = generated_media()["two_tracks.mp4"]
    fp = fingerprint_bytes(data[:-500])
    assert fp.truncated == "truncated MP4: 9900 of 10400 bytes of media data present"


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (b"\xff\xd8", "truncated JPEG: the file ends after 2 bytes"),
        (b"\x89PNG\r", "truncated PNG: the file ends after 5 bytes"),
        (b"GIF89", "truncated GIF: the file ends after 5 bytes"),
        (b"II*\x00\x08", "truncated TIFF: the file ends after 5 bytes"),
        (b"RIFF\x10\x00\x00\x00WE", "truncated RIFF (WebP or AVI): the file ends after 10 bytes"),
        # not a start of anything: as before, and a lone byte is no text file
        (b"\xff", "not a picture or video (unrecognised content)"),
        (b"hi\n", "not a picture or video (text file)"),
    ],
)
def test_a_file_cut_inside_its_signature_is_a_truncated_picture(data: bytes, reason: str) -> None:
    """Issue 16 point 14: a 2-byte `FF D8` file was called a text file."""
    with pytest.raises(MediaError) as info:
        fingerprint_bytes(data)
    assert info.value.reason == reason
