"""check_upload_capacity: a run that would not fit on the account says so up front."""

from __future__ import annotations

from flickrsync.client import check_upload_capacity
from flickrsync.models import UploadLimits

MB = 1024 * 1024
PRO = UploadLimits(is_pro=True, max_photo_bytes=200 * MB, max_video_bytes=1024 * MB)
FREE = UploadLimits(
    is_pro=False, max_photo_bytes=200 * MB, max_video_bytes=1024 * MB, remaining_items=20, remaining_private=3
)


def test_everything_fits_on_a_pro_account() -> None:
    sizes = [("a.jpg", 5 * MB, "photo"), ("b.mp4", 900 * MB, "video")]
    result = check_upload_capacity(PRO, 1, 1, sizes, n_nonpublic=2)  # type: ignore[arg-type]
    assert result.ok
    assert result.problems == ()


def test_files_over_the_size_limits_are_named() -> None:
    sizes = [("big.tif", 250 * MB, "photo"), ("ok.jpg", MB, "photo"), ("long.mov", 1100 * MB, "video")]
    result = check_upload_capacity(PRO, 2, 1, sizes)  # type: ignore[arg-type]
    assert result.too_big == ("big.tif", "long.mov")
    assert result.problems == (
        "big.tif: 250 MB is over Flickr's 200 MB limit for a photo",
        "long.mov: 1100 MB is over Flickr's 1024 MB limit for a video",
    )


def test_free_account_item_and_private_limits() -> None:
    result = check_upload_capacity(FREE, 18, 3, [], n_nonpublic=21)
    assert not result.ok
    assert result.problems == (
        "21 items to upload, but the account can take only 20 more (free accounts hold 1000)",
        "21 non-public items to upload, but the account can hold only 3 more "
        "(free accounts hold 50; set is_public = 1 or go Pro)",
    )
    assert check_upload_capacity(FREE, 20, 0, [], n_nonpublic=3).ok


def test_video_count_limit() -> None:
    limits = UploadLimits(is_pro=False, max_photo_bytes=MB, max_video_bytes=MB, remaining_videos=2)
    assert check_upload_capacity(limits, 0, 3, []).problems == (
        "3 videos to upload, but the account can take only 2 more",
    )
