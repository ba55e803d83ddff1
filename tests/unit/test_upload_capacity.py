"""Upload limits, decided in one place (the planner): what does not fit on the account is a
failed item that says why; what fits is uploaded."""

from __future__ import annotations

from tests.syncfakes import ROOT, cid, pic

from flickrsync.choosing import PictureSettings
from flickrsync.matcher import match_photos
from flickrsync.models import LocalPicture, UploadLimits
from flickrsync.planner import PlanOptions, plan_sync

MB = 1024 * 1024
PRO = UploadLimits(is_pro=True, max_photo_bytes=200 * MB, max_video_bytes=1024 * MB)


def plan(
    local: list[LocalPicture], limits: UploadLimits, *, public: bool = False
) -> tuple[set[str], list[str]]:
    """(content ids uploaded, failure reasons sorted)."""
    options = PlanOptions(root=ROOT, limits=limits, pictures=PictureSettings(is_public=public))
    result = plan_sync(match_photos(local, []), local, [], options)
    return {u.content_id for u in result.uploads}, sorted(f.reason for f in result.failed)


def test_everything_fits_on_a_pro_account() -> None:
    local = [pic("a", size=5 * MB), pic("b", media="video", size=900 * MB)]
    uploaded, failed = plan(local, PRO)
    assert uploaded == {cid("a"), cid("b")}
    assert failed == []


def test_files_over_the_size_limits_say_so() -> None:
    local = [pic("big", size=250 * MB), pic("ok", size=MB), pic("long", media="video", size=1100 * MB)]
    uploaded, failed = plan(local, PRO)
    assert uploaded == {cid("ok")}
    assert failed == [
        f"too large for this Flickr account ({1100 * MB:,} bytes > {1024 * MB:,} for a video)",
        f"too large for this Flickr account ({250 * MB:,} bytes > {200 * MB:,} for a photo)",
    ]


def test_free_account_non_public_room() -> None:
    limits = UploadLimits(
        is_pro=False,
        max_photo_bytes=200 * MB,
        max_video_bytes=1024 * MB,
        remaining_items=20,
        remaining_private=3,
    )
    local = [pic(str(i)) for i in range(5)]
    uploaded, failed = plan(local, limits)
    assert len(uploaded) == 3
    assert (
        failed
        == [
            "the Flickr account has no room left for non-public items "
            "(free accounts hold 50; set is_public = 1 or go Pro)"
        ]
        * 2
    )
    uploaded, failed = plan(local, limits, public=True)
    assert len(uploaded) == 5, "public uploads do not count against the non-public room"
    assert failed == []


def test_free_account_item_room() -> None:
    limits = UploadLimits(is_pro=False, max_photo_bytes=MB, max_video_bytes=MB, remaining_items=2)
    uploaded, failed = plan([pic(str(i), size=10) for i in range(3)], limits, public=True)
    assert len(uploaded) == 2
    assert failed == ["the Flickr account has no room left for more photos (free accounts hold 1,000)"]


def test_video_count_limit() -> None:
    limits = UploadLimits(is_pro=False, max_photo_bytes=MB, max_video_bytes=MB, remaining_videos=2)
    local = [pic(f"v{i}", media="video", size=10) for i in range(3)] + [pic("p", size=10)]
    uploaded, failed = plan(local, limits, public=True)
    assert cid("p") in uploaded
    assert len(uploaded) == 3
    assert failed == ["the Flickr account may upload no more videos"]
