"""Which sizes exist and how big they are; what a file is, by content."""

from __future__ import annotations

import io
import struct
from pathlib import Path

import pytest
from PIL import Image

from fakeflickr.media import (
    SIZE_BY_SUFFIX,
    available_sizes,
    fit,
    generate_jpeg,
    generate_mp4,
    probe_file,
    render_size,
    size_dims,
)
from tests.fakeflickr.client import jpeg, mp4


def _codes(width: int, height: int, media: str = "photo") -> list[str]:
    return [s.code for s in available_sizes(width, height, media)]  # type: ignore[arg-type]


def test_sizes_of_recorded_photos() -> None:
    # 2560x1600 (people.getPhotos.json, 2013: h and k). The 3K size did not exist then; by the
    # 6K rule below it is listed at the original's size.
    assert _codes(2560, 1600) == ["sq", "q", "t", "s", "n", "w", "m", "z", "c", "l", "h", "k", "3k"]
    assert size_dims(SIZE_BY_SUFFIX["3k"], 2560, 1600) == (2560, 1600)
    assert size_dims(SIZE_BY_SUFFIX["t"], 2560, 1600) == (100, 63)
    assert size_dims(SIZE_BY_SUFFIX["m"], 2560, 1600) == (240, 150)
    assert size_dims(SIZE_BY_SUFFIX["h"], 2560, 1600) == (1600, 1000)
    # 800x600: Large listed at the original's size, nothing above it.
    assert _codes(800, 600)[-2:] == ["c", "l"]
    assert size_dims(SIZE_BY_SUFFIX["b"], 800, 600) == (800, 600)
    # 6000x4000 (photos.getSizes.xml): 6K listed at 6000x4000.
    assert _codes(6000, 4000)[-4:] == ["3k", "4k", "5k", "6k"]
    assert size_dims(SIZE_BY_SUFFIX["5k"], 6000, 4000) == (5120, 3413)
    assert size_dims(SIZE_BY_SUFFIX["6k"], 6000, 4000) == (6000, 4000)
    # 1025x1536 portrait (photosets.getPhotos.xml).
    assert size_dims(SIZE_BY_SUFFIX["b"], 1025, 1536) == (683, 1024)
    assert size_dims(SIZE_BY_SUFFIX["s"], 1025, 1536) == (75, 75)


def test_sizes_of_recorded_videos() -> None:
    # 640x360 video (photos.getSizes.video.xml, 2023): squares then up to Medium 640.
    assert _codes(640, 360, "video") == ["sq", "q", "t", "s", "n", "w", "m", "z"]
    assert size_dims(SIZE_BY_SUFFIX["t"], 640, 360) == (100, 56)
    # 320x240 video (photos.getSizes.video.json, 2012): Small 320 and Medium both at 320x240.
    assert _codes(320, 240, "video") == ["sq", "q", "t", "s", "n", "m"]
    assert size_dims(SIZE_BY_SUFFIX[""], 320, 240) == (320, 240)


def test_small_photos_have_fewer_sizes() -> None:
    # Nothing above the picture's own size but the next one, capped (as Large for 800x600 above);
    # no Medium for a photo under 400 px (flickypedia#135 met such photos on Flickr).
    assert _codes(64, 48) == ["sq", "q", "t"]
    assert size_dims(SIZE_BY_SUFFIX["q"], 64, 48) == (48, 48)
    assert size_dims(SIZE_BY_SUFFIX["t"], 64, 48) == (64, 48)
    assert _codes(200, 150) == ["sq", "q", "t", "s"]
    assert size_dims(SIZE_BY_SUFFIX["m"], 200, 150) == (200, 150)
    assert _codes(400, 300)[-2:] == ["w", "m"]
    assert size_dims(SIZE_BY_SUFFIX[""], 400, 300) == (400, 300)
    assert _codes(399, 300)[-1] == "w"
    # A video keeps its Medium poster frame however small it is.
    assert _codes(200, 150, "video") == ["sq", "q", "t", "s", "m"]


def test_fit_never_upscales() -> None:
    assert fit(50, 40, 100) == (50, 40)
    assert fit(4000, 3000, 1024) == (1024, 768)


def test_probe_reads_orientation_date_and_format(tmp_path: Path) -> None:
    path = tmp_path / "x.bin"
    path.write_bytes(jpeg(60, 40, date_taken="2011:04:02 18:30:10", orientation=6))
    probe = probe_file(path)
    assert probe is not None
    assert (probe.media, probe.originalformat, probe.width, probe.height) == ("photo", "jpg", 40, 60)
    assert probe.date_taken == "2011-04-02 18:30:10"


@pytest.mark.parametrize("date", ["0000:00:00 00:00:00", "    :  :     :  :  ", "garbage"])
def test_placeholder_exif_dates_are_no_dates(tmp_path: Path, date: str) -> None:
    path = tmp_path / "x.jpg"
    path.write_bytes(jpeg(date_taken=date))
    probe = probe_file(path)
    assert probe is not None
    assert probe.date_taken is None


@pytest.mark.parametrize(("fmt", "expected"), [("PNG", "png"), ("GIF", "gif"), ("TIFF", "tiff")])
def test_probe_other_picture_formats(tmp_path: Path, fmt: str, expected: str) -> None:
    out = io.BytesIO()
    Image.new("RGB", (30, 20)).save(out, fmt)
    path = tmp_path / "pic"
    path.write_bytes(out.getvalue())
    probe = probe_file(path)
    assert probe is not None
    assert (probe.originalformat, probe.width, probe.height) == (expected, 30, 20)


def test_probe_video_by_content(tmp_path: Path) -> None:
    path = tmp_path / "clip.jpg"  # the name does not matter
    path.write_bytes(mp4(1920, 1080, seconds=42, created=3786912000))  # 2024-01-01 00:00:00 UTC
    probe = probe_file(path)
    assert probe is not None
    assert (probe.media, probe.originalformat, probe.width, probe.height) == ("video", "mp4", 1920, 1080)
    assert (probe.duration, probe.date_taken) == (42, "2024-01-01 00:00:00")
    path.write_bytes(mp4(brand=b"qt  "))
    quicktime = probe_file(path)
    assert quicktime is not None
    assert quicktime.originalformat == "mov"


def _boxes(data: bytes, start: int, end: int) -> dict[bytes, tuple[int, int]]:
    found = {}
    while start + 8 <= end:
        size, kind = struct.unpack_from(">I4s", data, start)
        found[kind] = (start + 8, start + size)
        start += size
    return found


def test_a_seeded_video_is_a_real_movie_structure(tmp_path: Path) -> None:
    """A lazily seeded video's original is a movie a reader takes as one: a video handler, and a
    sample table whose one chunk is the mdat's payload (a real original has the same shape)."""
    data = generate_mp4(640, 480, 3, seed="1")
    top = _boxes(data, 0, len(data))
    assert list(top) == [b"ftyp", b"moov", b"mdat"]
    moov = _boxes(data, *top[b"moov"])
    trak = _boxes(data, *moov[b"trak"])
    mdia = _boxes(data, *trak[b"mdia"])
    hdlr_at, _ = mdia[b"hdlr"]
    assert data[hdlr_at + 8 : hdlr_at + 12] == b"vide"
    stbl = _boxes(data, *_boxes(data, *mdia[b"minf"])[b"stbl"])
    stco_at, _ = stbl[b"stco"]
    chunk_at = struct.unpack_from(">I", data, stco_at + 8)[0]
    assert chunk_at == top[b"mdat"][0]
    stsz_at, _ = stbl[b"stsz"]
    uniform, count = struct.unpack_from(">II", data, stsz_at + 4)
    sizes = struct.unpack_from(f">{count}I", data, stsz_at + 12)
    assert (uniform, sum(sizes)) == (0, top[b"mdat"][1] - top[b"mdat"][0])
    path = tmp_path / "v.mp4"
    path.write_bytes(data)
    probe = probe_file(path)
    assert probe is not None
    assert (probe.media, probe.width, probe.height, probe.duration) == ("video", 640, 480, 3)
    assert generate_mp4(640, 480, 3, seed="2") != data
    assert generate_mp4(640, 480, 3, seed="1") == data


@pytest.mark.parametrize(
    "data",
    [b"not a picture at all", b"\xff\xd8\xff" + b"\x00" * 10, b"%PDF-1.4\n", b"\x00\x00\x00\x18ftypheic"],
)
def test_unrecognised_files(tmp_path: Path, data: bytes) -> None:
    path = tmp_path / "x"
    path.write_bytes(data)
    assert probe_file(path) is None


def test_render_applies_orientation_and_reencodes(tmp_path: Path) -> None:
    path = tmp_path / "o6.jpg"
    path.write_bytes(jpeg(300, 200, orientation=6))
    data = render_size(path, "photo", 200, 300, size=SIZE_BY_SUFFIX["t"], seed="x")
    with Image.open(io.BytesIO(data)) as im:
        assert (im.format, im.size) == ("JPEG", (67, 100))
    square = render_size(path, "photo", 200, 300, size=SIZE_BY_SUFFIX["s"], seed="x")
    with Image.open(io.BytesIO(square)) as im:
        assert im.size == (75, 75)


def test_generated_pictures_are_deterministic_and_distinct(tmp_path: Path) -> None:
    one = generate_jpeg("1", 64, 48, "2020-01-02 03:04:05")
    assert one == generate_jpeg("1", 64, 48, "2020-01-02 03:04:05")
    assert one != generate_jpeg("2", 64, 48, "2020-01-02 03:04:05")
    path = tmp_path / "g.jpg"
    path.write_bytes(one)
    probe = probe_file(path)
    assert probe is not None
    assert (probe.width, probe.height, probe.date_taken) == (64, 48, "2020-01-02 03:04:05")
