"""The pruning rule of look matching: each reason a Flickr photo cannot be a picture."""

from __future__ import annotations

from dataclasses import replace

import pytest
from tests.syncfakes import photo, pic

from flickrsync.matcher.prune import Candidates, clock_shifted, implausible, taken_after_upload
from flickrsync.models import LocalPicture, RemotePhoto

D1 = "2014-03-05 05:28:09"
TAKEN = 1_393_997_289  # D1 read as UTC


@pytest.mark.parametrize(
    ("picture", "remote", "why"),
    [
        (pic("a", dims=(640, 480)), photo("1", o_dims=(640, 480)), None),
        (pic("a", media="video"), photo("1"), "media"),
        (pic("a", dims=(640, 480)), photo("1", o_dims=(480, 640)), "size"),
        (pic("a", dims=(640, 480), orientation=6), photo("1", o_dims=(480, 640)), None),
        (pic("a"), photo("1", original_format="gif"), "format"),
        (replace(pic("a"), format="heic"), photo("1", original_format="jpg"), None),
        (replace(pic("a"), format="png"), photo("1", original_format="png"), None),
        (pic("a", date=D1), photo("1", date="2014-03-05 05:28:10"), "date taken"),
        (pic("a", date=D1), photo("1", date="2014-03-05 19:28:09"), None),  # 14 h: a time zone
        (pic("a", date=D1), photo("1", date="2014-03-05 20:28:09"), "date taken"),
        (pic("a", date=D1), photo("1", date="2014-01-01 00:00:00", granularity=6), None),
        (pic("a", date=D1), photo("1", date="2013-01-01 00:00:00", granularity=6), "date taken"),
        (pic("a", date=D1), photo("1", date="2010-01-01 00:00:00", granularity=8), None),  # circa
        (pic("a", date=D1), photo("1", upload=TAKEN - 86_400), None),
        (pic("a", date=D1), photo("1", upload=TAKEN - 86_401), "taken after the photo was uploaded"),
        (pic("a", date=D1), photo("1", upload=1_000), None),  # a garbage upload time
        (pic("a", date="2014-00-00 00:00:00"), photo("1", upload=1_300_000_000), None),
    ],
)
def test_why_a_photo_cannot_be_a_picture(picture: LocalPicture, remote: RemotePhoto, why: str | None) -> None:
    assert implausible(picture, remote, use_dates=True) == why


def test_without_date_matching_dates_rule_nothing_out() -> None:
    picture = pic("a", date=D1)
    assert implausible(picture, photo("1", date="2020-01-01 00:00:00"), use_dates=False) is None
    assert implausible(picture, photo("1", upload=1_300_000_000), use_dates=False) is None


def test_a_clock_shift_is_whole_hours_at_most_fourteen_at_the_second() -> None:
    assert clock_shifted(D1, photo("1", date="2014-03-05 06:28:09"))
    assert not clock_shifted(D1, photo("1", date="2014-03-05 06:28:08"))
    assert not clock_shifted(D1, photo("1", date="2014-03-05 06:28:09", granularity=4))
    assert not clock_shifted(D1, photo("1", date="2014-03-05 06:28:09", unknown=True))


def test_the_upload_bound_needs_an_unknown_flickr_date() -> None:
    assert taken_after_upload(D1, photo("1", upload=1_300_000_000))
    assert not taken_after_upload(D1, photo("1", date=D1, upload=1_300_000_000))
    assert not taken_after_upload(None, photo("1", upload=1_300_000_000))


@pytest.mark.parametrize("many", [1, 60])  # a short span (compared in Python), a long one (numpy)
def test_an_index_given_new_hashes_compares_by_them(many: int) -> None:
    """A later matching round reuses the candidates index of the same photos with the hashes it
    has then (:meth:`Candidates.rehashed`): what was computed from the former hashes is gone."""
    photos = [photo(str(i + 1), o_dims=(640, 480), upload=1_500_000_000) for i in range(many)]
    picture = pic("a", dims=(640, 480), date="2014-03-05 05:28:09")
    mine = "0" * 64
    candidates = Candidates(photos, use_dates=True, hashes={})
    assert candidates.near(picture, mine, 4) == {}  # no hash known yet
    later = {p.id: "f" * 64 for p in photos} | {photos[-1].id: "0" * 63 + "3"}
    assert candidates.rehashed(later).near(picture, mine, 4) == {photos[-1].id: 2}
