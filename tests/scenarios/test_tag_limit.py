"""A photo that already has 75 tags (issue 16 point 11).

Flickr refuses a 76th tag (addTags error 2, "Maximum number of tags reached"; fakeflickr enforces
it). Before: our machine tag failed on every run, exit 1 forever. Now the refusal is remembered
(until the photo changes on Flickr), the photo is matched by the evidence that found it, and the
user is told once.
"""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from tests.fakeflickr.client import Api
from tests.synchelpers import SyncLib, date_of, flickr_date, seed_spec

from fakeflickr.testing import FakeFlickrHandle

pytestmark = [pytest.mark.integration, pytest.mark.slow]

FULL = "as many tags as Flickr allows"


def test_a_photo_with_75_tags_is_matched_reported_once_and_tried_again_when_it_changes(
    fakeflickr: FakeFlickrHandle, tmp_path: Path
) -> None:
    lib = SyncLib.create(fakeflickr, tmp_path)
    data = lib.add("IMG_0001.jpg", 1)
    tags = " ".join(f"tag{i}" for i in range(75))
    [pid] = fakeflickr.seed_photos([seed_spec(data, "IMG_0001", date=flickr_date(date_of(1)), tags=tags)])

    first = lib.run("sync", "--yes", "--no-photosets")
    assert first.code == 0, first
    assert first.writes == {"flickr.photos.addTags": 1}, "tried once, nothing uploaded"
    notes = [line for line in first.err.splitlines() if FULL in line]
    assert notes == [
        f"flickrsync: note: [DEFAULT] photo {pid} has as many tags as Flickr allows: flickrsync's machine "
        "tag cannot be added, so it is recognised on each run by what matched it now (title+date: "
        f"IMG_0001 / {flickr_date(date_of(1))}, confirmed by look (distance 0))"
    ], first.err
    assert first.err.count("\n") == 1, "the note is the only line on stderr"

    again = lib.run("sync", "--yes", "--no-photosets")
    assert again.code == 0, again
    assert again.writes == {}, "not asked again, not uploaded"
    assert FULL not in again.out + again.err
    assert "matched              1" in again.out

    # The user removes a tag on Flickr: the photo changed, so the tag is asked for again. (Flickr's
    # last_update counts seconds: a change within the second of the last listing is not seen.)
    time.sleep(1.1)
    api = Api(fakeflickr, fakeflickr.mint_token(user=lib.nsid))
    tag_id = api.ok("flickr.photos.getInfo", "GET", photo_id=pid)["photo"]["tags"]["tag"][0]["id"]
    api.ok("flickr.photos.removeTag", tag_id=tag_id)
    third = lib.run("sync", "--yes", "--no-photosets")
    assert third.code == 0, third
    assert third.writes == {"flickr.photos.addTags": 1}
    assert FULL not in third.out + third.err
    assert lib.photo_of(data)["id"] == pid
    assert lib.run("sync", "--yes", "--no-photosets").writes == {}
