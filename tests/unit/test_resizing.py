"""The smaller copy of a resized upload (resizing.py) and the size rule it shares with the matcher
(matcher.keys.resized_size, choosing.upload_size)."""

from __future__ import annotations

import io
from dataclasses import replace

import pytest
from PIL import Image
from tests.syncfakes import pic
from tests.synchelpers import picture_bytes

from flickrsync.choosing import PictureSettings, resize_for, upload_size
from flickrsync.errors import MediaError
from flickrsync.fingerprint import fingerprint_bytes
from flickrsync.matcher.keys import resized_size
from flickrsync.models import Resize
from flickrsync.resizing import resized_copy


@pytest.mark.parametrize(
    ("size", "edge", "expected"),
    [((4000, 3000), 2048, (2048, 1536)), ((3000, 4000), 1000, (750, 1000)), ((601, 401), 200, (200, 133))],
)
def test_the_long_edge_becomes_the_one_asked(
    size: tuple[int, int], edge: int, expected: tuple[int, int]
) -> None:
    assert resized_size(*size, edge) == expected


def test_never_scaled_up() -> None:
    assert resized_size(200, 100, 200) is None
    assert resized_size(150, 100, 200) is None
    out = io.BytesIO()
    assert resized_copy(io.BytesIO(picture_bytes(1, size=(150, 100))), Resize(200), out) is None
    assert out.getvalue() == b"", "nothing written: the file goes as it is"


def test_the_copy_is_a_jpeg_of_the_size_the_matcher_expects() -> None:
    data = picture_bytes(2, size=(640, 480))
    fp = fingerprint_bytes(data)
    out = io.BytesIO()
    assert resized_copy(io.BytesIO(data), Resize(320, 70), out) == (320, 240)
    image = Image.open(io.BytesIO(out.getvalue()))
    assert (image.format, image.size) == ("JPEG", (320, 240))
    picture = pic("a", "a.jpg", dims=(fp.width or 0, fp.height or 0))
    assert upload_size(picture, Resize(320)) == (320, 240)


def test_what_is_resized() -> None:
    settings = PictureSettings(resize=300)
    assert resize_for(pic("a", "a.jpg", dims=(640, 480)), settings) == Resize(300, 90)
    assert resize_for(pic("a", "a.jpg", dims=(200, 100)), settings) is None, "small enough"
    assert resize_for(pic("a", "a.mp4", dims=(1920, 1080), media="video"), settings) is None
    assert resize_for(replace(pic("a", "a.gif", dims=(800, 600)), format="gif"), settings) is None
    assert resize_for(pic("a", "a.jpg", dims=(640, 480)), PictureSettings()) is None


def test_what_cannot_be_decoded_is_a_media_error() -> None:
    with pytest.raises(MediaError, match="cannot make a smaller copy"):
        resized_copy(io.BytesIO(b"\xff\xd8\xff\xe0 not really a jpeg" * 10), Resize(200), io.BytesIO())
