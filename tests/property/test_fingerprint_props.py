"""Hostile input never crashes the fingerprint module, and its fast paths agree with slow ones.

Random bytes, truncations, bit flips and byte insertions of real and generated files must give a
Fingerprint or a MediaError -- nothing else -- quickly (hypothesis' deadline bounds each example).
"""

from __future__ import annotations

import datetime as dt
import functools
import io
import re

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from flickrsync.errors import MediaError
from flickrsync.fingerprint import fingerprint_bytes, hamming, perceptual_hash
from flickrsync.fingerprint._core import _fingerprint
from flickrsync.fingerprint._facts import exif_date
from flickrsync.fingerprint._source import BufferSource, StreamSource
from flickrsync.models import Fingerprint
from tests.conftest import SHARED
from tests.fingerprint_samples import exif_bytes, generated_media, photo, reference_jpeg_hash, save

FAST = settings(max_examples=150, deadline=2000, suppress_health_check=[HealthCheck.too_slow])


@functools.cache
def _seeds() -> tuple[bytes, ...]:
    """One small file of each kind, plus the small real samples when they are available."""
    files = generated_media()
    names = [
        "progressive.jpg",
        "restart.jpg",
        "rgba_exif.png",
        "exif.tif",
        "tiles.tif",
        "jpeg_pairs.tif",
        "alpha_exif.webp",
        "animated.webp",
        "plain.avif",
        "thumbnail_exif.heic",
        "two_tracks.mp4",
        "movie.avi",
        "palette.gif",
    ]
    seeds = [files[n] for n in names]
    folder = SHARED / "photos" / "real"
    if folder.is_dir():
        seeds += [p.read_bytes() for p in sorted(folder.iterdir()) if p.stat().st_size < 60_000]
    return tuple(seeds)


def _outcome(data: bytes) -> Fingerprint | MediaError:
    try:
        outcome: Fingerprint | MediaError = fingerprint_bytes(data)
    except MediaError as exc:
        outcome = exc
    if isinstance(outcome, MediaError):
        assert outcome.reason
        assert "\n" not in outcome.reason
    return outcome


@st.composite
def damaged(draw: st.DrawFn) -> bytes:
    data = bytearray(draw(st.sampled_from(_seeds())))
    for _ in range(draw(st.integers(1, 6))):
        if not data:
            break
        how = draw(st.sampled_from(["cut", "flip", "set", "insert", "delete"]))
        # favour the first KB, where the structure is
        limit = len(data) if draw(st.booleans()) else min(len(data), 1024)
        at = draw(st.integers(0, limit - 1))
        if how == "cut":
            del data[at:]
        elif how == "flip":
            data[at] ^= 1 << draw(st.integers(0, 7))
        elif how == "set":
            data[at] = draw(st.sampled_from([0, 0xFF, 0x7F, 0x80, draw(st.integers(0, 255))]))
        elif how == "insert":
            data[at:at] = draw(st.binary(min_size=1, max_size=8))
        else:
            del data[at : at + draw(st.integers(1, 8))]
    return bytes(data)


_SIGNATURES = (
    b"\xff\xd8\xff",
    b"\x89PNG\r\n\x1a\n",
    b"GIF89a",
    b"II*\0",
    b"MM\0*",
    b"II+\0",
    b"IIU\0",
    b"RIFF\0\0\0\0WEBP",
    b"RIFF\0\0\0\0AVI ",
    b"\0\0\0\x18ftypheic\0\0\0\0mif1heic",
    b"\0\0\0\x14ftypisom\0\0\0\0isom",
)


@FAST
@given(st.binary(max_size=2048))
def test_random_bytes(data: bytes) -> None:
    _outcome(data)


@FAST
@given(
    st.sampled_from(_SIGNATURES),
    st.binary(max_size=2048),
)
def test_random_bytes_behind_a_real_signature(magic: bytes, rest: bytes) -> None:
    _outcome(magic + rest)


@FAST
@given(damaged())
def test_damaged_files(data: bytes) -> None:
    _outcome(data)


@settings(max_examples=60, deadline=None)
@given(damaged())
def test_streaming_agrees_with_memory(data: bytes) -> None:
    """The block-by-block reader (used for files over 64 MiB) sees the same bytes, on any file."""
    assume(data)
    expected = _outcome(data)
    try:
        streamed: Fingerprint | MediaError = _fingerprint(
            StreamSource(io.BytesIO(data), len(data), block=97, cache=33)
        )
    except MediaError as exc:
        streamed = exc
    if isinstance(expected, MediaError):
        assert isinstance(streamed, MediaError)
        assert streamed.reason == expected.reason
    else:
        assert streamed == expected


_JPEG_SEEDS = (
    save(photo(120, 90, seed=2), "JPEG", quality=85, progressive=True),
    save(photo(120, 90, seed=3), "JPEG", restart_marker_blocks=1),
    save(photo(120, 90, seed=4), "JPEG", exif=exif_bytes()),
)


@st.composite
def damaged_jpeg(draw: st.DrawFn) -> bytes:
    data = bytearray(draw(st.sampled_from(_JPEG_SEEDS)))
    for _ in range(draw(st.integers(1, 5))):
        if len(data) < 4:
            break
        at = draw(st.integers(2, len(data) - 1))
        how = draw(st.sampled_from(["marker", "fill", "byte", "cut"]))
        if how == "marker":  # a marker where it does not belong, often in the scan data
            code = draw(
                st.sampled_from(
                    [0x00, 0x01, 0xC4, 0xD0, 0xD7, 0xD8, 0xD9, 0xDA, 0xDB, 0xE1, 0x30, 0x4F, 0x74, 0x93]
                )
            )
            data[at:at] = bytes([0xFF, code]) + draw(st.binary(max_size=4))
        elif how == "fill":
            data[at:at] = b"\xff" * draw(st.integers(1, 5))
        elif how == "byte":
            data[at] = draw(st.integers(0, 255))
        else:
            del data[at:]
    return bytes(data)


@settings(max_examples=300, deadline=2000)
@given(damaged_jpeg())
def test_jpeg_fast_path_equals_the_marker_by_marker_reference(data: bytes) -> None:
    """The vectorised scan search hashes exactly what ExifTool's loop, transliterated, hashes."""
    outcome = _outcome(data)
    reference = reference_jpeg_hash(data)
    empty = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
    if isinstance(outcome, MediaError):
        assert reference == empty
    else:
        assert outcome.content_id == reference


@settings(max_examples=40, deadline=5000)
@given(damaged())
def test_perceptual_hash_on_damaged_files(data: bytes) -> None:
    value: str | MediaError
    try:
        value = perceptual_hash(io.BytesIO(data))
    except MediaError as exc:
        value = exc
    assert value.reason if isinstance(value, MediaError) else re.fullmatch("[0-9a-f]{64}", value)


@given(st.datetimes(min_value=dt.datetime(1826, 1, 1), max_value=dt.datetime(2999, 12, 31)))
def test_every_real_exif_date_is_kept(when: dt.datetime) -> None:
    raw = when.strftime("%Y:%m:%d %H:%M:%S").encode()
    assert exif_date(raw + b"\0") == (when.strftime("%Y-%m-%d %H:%M:%S"), None)


@given(st.binary(max_size=40))
def test_any_exif_date_bytes_give_a_date_or_a_warning(raw: bytes) -> None:
    date, warning = exif_date(raw)
    assert (date is None) != (warning is None)
    if date is not None:
        dt.datetime.strptime(date, "%Y-%m-%d %H:%M:%S")


@given(
    st.binary(min_size=8, max_size=8), st.binary(min_size=8, max_size=8), st.binary(min_size=8, max_size=8)
)
def test_hamming_is_a_metric(a: bytes, b: bytes, c: bytes) -> None:
    x, y, z = a.hex(), b.hex(), c.hex()
    assert hamming(x, x) == 0
    assert hamming(x, y) == hamming(y, x)
    assert hamming(x, z) <= hamming(x, y) + hamming(y, z)


def test_buffer_and_stream_sources_agree_on_primitives() -> None:
    data = bytes([0xFF, 0x00, 0x12, 0xFF, 0xFF, 0xD0, 0x34, 0xFF, 0xFF, 0xFF, 0xC4, 0x00, 0xFF]) * 50
    memory = BufferSource(data)
    stream = StreamSource(io.BytesIO(data), len(data), block=7, cache=5)
    for start in range(0, len(data), 13):
        assert memory.find_scan_marker(start) == stream.find_scan_marker(start)
        assert memory.find_ff(start, len(data)) == stream.find_ff(start, len(data))
        assert memory.rfind_ff(0, start) == stream.rfind_ff(0, start)
        assert memory.skip_ff(start) == stream.skip_ff(start)
        assert memory.run_start(0, start) == stream.run_start(0, start)
        assert memory.read(start, 20) == stream.read(start, 20)
    assert memory.find_scan_marker(0) == 9  # the last FF before C4


@pytest.mark.parametrize(
    "data",
    [
        # a TIFF claiming 4 billion strips
        b"II*\0\x08\0\0\0\x02\0\x11\x01\x04\0\xff\xff\xff\xff\x20\0\0\0\x17\x01\x04\0\xff\xff\xff\xff\x20\0\0\0\0\0\0\0",
        # an MP4 sample size table with 4 billion samples of a fixed size
        b"\0\0\0\x10ftypisom\0\0\0\0"
        + b"\0\0\0\x40moov"
        + b"\0\0\0\x38trak\0\0\0\x30mdia"
        + b"\0\0\0\x14hdlr\0\0\0\0\0\0\0\0vide"
        + b"\0\0\0\x14minf\0\0\0\x0cstbl"
        + b"\0\0\0\x00",
    ],
)
def test_absurd_counts_are_bounded(data: bytes) -> None:
    _outcome(data)
