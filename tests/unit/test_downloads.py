"""What a download must be before it gets its name (issue 16 point 6): the pure check, and the
fingerprint's view of bytes after a picture's end that it relies on."""

from __future__ import annotations

import random

import pytest
from tests.fingerprint_samples import Track, exif_bytes, mp4, photo, save

from flickrsync.downloads import download_problem, taken_timestamp
from flickrsync.errors import MediaError
from flickrsync.fingerprint import fingerprint_bytes
from flickrsync.models import Fingerprint, PhotoId, RemotePhoto
from flickrsync.transfers import Downloaded

PADDING = random.Random(16).randbytes(1000)
IMAGE = photo(160, 120, 1)


def samples() -> dict[str, bytes]:
    video = Track(b"vide", [1000, 2000, 1500, 800, 900, 1200], [(1, 2), (3, 1)])
    return {
        "jpeg": save(IMAGE, "JPEG", quality=85),
        "png": save(IMAGE, "PNG"),
        "gif": save(IMAGE.convert("P"), "GIF"),
        "webp": save(IMAGE, "WEBP", quality=80),
        "avif": save(IMAGE, "AVIF"),
        "mp4": mp4([video]),
        "mp4 with the media after the header": mp4([video], moov_first=False),
    }


SAMPLES = samples()


@pytest.mark.parametrize("kind", sorted(SAMPLES))
def test_the_fingerprint_counts_the_bytes_after_a_container_ends(kind: str) -> None:
    data = SAMPLES[kind]
    assert fingerprint_bytes(data).trailing == 0
    padded = fingerprint_bytes(data + PADDING)
    assert padded.trailing == len(PADDING)
    assert padded.truncated is None


def test_a_padded_jpeg_keeps_its_content_id() -> None:
    """Why the trailing view is needed: padding changes no content id, no size, no date."""
    data = SAMPLES["jpeg"]
    assert fingerprint_bytes(data + PADDING).content_id == fingerprint_bytes(data).content_id


def test_a_cut_file_has_no_trailing_bytes() -> None:
    assert fingerprint_bytes(SAMPLES["png"][:-30]).trailing == 0


def listing(fp: Fingerprint, **changes: object) -> RemotePhoto:
    """The Flickr listing of a photo whose original is ``fp``."""
    values: dict[str, object] = {
        "media": fp.media,
        "o_width": fp.width,
        "o_height": fp.height,
        **changes,
    }
    return RemotePhoto(PhotoId("7"), "Remote", "s", "1", **values)  # type: ignore[arg-type]


def received(data: bytes, *, verified: bool = False) -> Downloaded:
    return Downloaded(size=len(data), md5="", verified=verified)


def check(data: bytes, photo: RemotePhoto | None, *, verified: bool = False) -> str | None:
    try:
        fp: Fingerprint | None = fingerprint_bytes(data)
        problem = None
    except MediaError as exc:
        fp, problem = None, exc.reason
    return download_problem(fp, problem, received(data, verified=verified), photo)


JPEG = SAMPLES["jpeg"]
GOOD = listing(fingerprint_bytes(JPEG))


def test_the_original_as_listed_passes() -> None:
    assert check(JPEG, GOOD) is None
    assert check(JPEG, GOOD, verified=True) is None
    assert check(JPEG, None) is None  # not in the listing any more: judged by its bytes alone


@pytest.mark.parametrize(
    ("body", "why"),
    [
        (b"<html><head><title>Hotel Wi-Fi</title></head><body>Sign in</body></html>", "text file"),
        (b"", "empty file"),
        (random.Random(1).randbytes(5000), "not a picture or video"),
        (JPEG[: len(JPEG) // 2], "incomplete (truncated JPEG"),
    ],
    ids=["captive portal page", "empty body", "garbage", "cut off"],
)
def test_junk_is_not_the_photo(body: bytes, why: str) -> None:
    found = check(body, GOOD, verified=True)
    assert found is not None
    assert why in found


def test_a_padded_body_fails_unless_a_content_md5_vouched_for_every_byte() -> None:
    padded = JPEG + PADDING
    found = check(padded, GOOD)
    assert found == "the answer has 1000 bytes after the end of the JPEG and no Content-MD5 to vouch for them"
    # Flickr's own bytes (its Content-MD5 matched): a phone's trailer is part of the original.
    assert check(padded, GOOD, verified=True) is None


def test_a_picture_of_another_size_is_not_the_original() -> None:
    other = save(photo(120, 90, 1), "JPEG")
    assert check(other, GOOD) == "the answer is a 120×90 picture, but Flickr lists the original as 160×120"
    # Flickr does not say whether a quarter turn is applied: the swapped size passes then.
    turned = save(photo(120, 160, 1), "JPEG", exif=exif_bytes(orientation=6))
    assert check(turned, listing(fingerprint_bytes(turned), o_width=160, o_height=120)) is None
    assert check(turned, listing(fingerprint_bytes(turned), o_width=160, o_height=121)) is not None
    # Unknown on Flickr's side: nothing to compare.
    assert check(other, listing(fingerprint_bytes(JPEG), o_width=None, o_height=None)) is None


def test_a_video_for_a_photo_or_a_photo_for_a_video() -> None:
    movie = SAMPLES["mp4"]
    assert check(movie, GOOD) == "the answer is a video, but the Flickr item is a photo"
    as_video = listing(fingerprint_bytes(movie))
    assert check(JPEG, as_video) == "the answer is a photo, but the Flickr item is a video"


def test_a_videos_size_is_not_compared() -> None:
    movie = SAMPLES["mp4"]
    assert check(movie, listing(fingerprint_bytes(movie), o_width=1, o_height=1)) is None


@pytest.mark.parametrize(
    ("taken", "unknown", "expected"),
    [("2019-05-01 08:00:00", False, True), ("2019-05-01 08:00:00", True, False), ("garbage", False, False)],
)
def test_the_files_time_is_the_date_taken_when_flickr_knows_it(
    taken: str, unknown: bool, expected: bool
) -> None:
    photo = RemotePhoto(PhotoId("1"), "t", "s", "1", date_taken=taken, date_taken_unknown=unknown)
    assert (taken_timestamp(photo) is not None) is expected
    assert taken_timestamp(None) is None
