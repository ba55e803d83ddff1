"""A client nobody here wrote — flickrapi 2.4.0 (requests + requests_oauthlib) — against fakeflickr.

If flickrapi cannot talk to fakeflickr, fakeflickr is wrong: its OAuth flow, its upload signing
quirk (a throw-away urlencoded request signs every field but ``photo``), its XML and JSON parsing.
"""

from __future__ import annotations

import io
import re
from typing import Any

import flickrapi
import flickrapi.auth
import pytest
import requests

from fakeflickr.testing import FakeFlickrHandle
from tests.fakeflickr.client import jpeg

pytestmark = pytest.mark.integration

MACHINE_TAG = "checksum:sha1=da39a3ee5e6b4b0d3255bfef95601890afd80709"


@pytest.fixture
def flickr(fakeflickr: FakeFlickrHandle, monkeypatch: pytest.MonkeyPatch) -> flickrapi.FlickrAPI:
    """flickrapi pointed at the emulator, authorised through the real three-legged flow."""
    monkeypatch.setattr(flickrapi.FlickrAPI, "REST_URL", fakeflickr.rest_url)
    monkeypatch.setattr(flickrapi.FlickrAPI, "UPLOAD_URL", fakeflickr.upload_url)
    monkeypatch.setattr(flickrapi.FlickrAPI, "REPLACE_URL", fakeflickr.replace_url)
    interface = flickrapi.auth.OAuthFlickrInterface
    monkeypatch.setattr(interface, "REQUEST_TOKEN_URL", fakeflickr.request_token_url)
    monkeypatch.setattr(interface, "AUTHORIZE_URL", fakeflickr.authorize_url)
    monkeypatch.setattr(interface, "ACCESS_TOKEN_URL", fakeflickr.access_token_url)
    api = flickrapi.FlickrAPI(
        fakeflickr.consumer_key, fakeflickr.consumer_secret, store_token=False, format="etree"
    )
    api.get_request_token(oauth_callback="oob")
    page = requests.get(api.auth_url(perms="write"), timeout=30)
    match = re.search(r'id="verifier">([^<]+)<', page.text)
    assert match is not None, page.text
    api.get_access_token(match.group(1))
    return api


def test_flickrapi_authorises_and_checks_its_token(
    flickr: flickrapi.FlickrAPI, fakeflickr: FakeFlickrHandle
) -> None:
    login: dict[str, Any] = flickr.test.login(format="parsed-json")
    assert login["user"]["id"] == fakeflickr.default_user
    # token_valid() signs checkToken in the header only, which Flickr answers with 98: it is
    # False even for this good token (issue 9; tests/fakeflickr/test_strict_wire.py).
    assert not flickr.token_valid(perms="write")


def test_flickrapi_upload_walk_photoset_round_trip(
    flickr: flickrapi.FlickrAPI, fakeflickr: FakeFlickrHandle
) -> None:
    data = jpeg(640, 480, date_taken="2021:07:01 12:00:00")
    uploaded = flickr.upload(
        "IMG_4242.jpg",
        fileobj=io.BytesIO(data),
        title="IMG_4242",
        tags=f'summer "Lake Como" {MACHINE_TAG}',
        is_public="0",
        format="etree",
    )
    photo_id = uploaded.findtext("photoid")
    assert photo_id is not None
    assert re.fullmatch(r"\d{11}", photo_id)
    for n in range(3):
        flickr.upload(
            f"other{n}.jpg", fileobj=io.BytesIO(jpeg(seed=n + 2)), title=f"other{n}", format="etree"
        )

    # flickrapi's own walk_user() calls Element.getchildren(), gone since Python 3.9; page by hand
    # the way it does: people.getPhotos until ``pages``.
    walked = []
    page, pages = 1, 1
    while page <= pages:
        rsp = flickr.people.getPhotos(
            user_id="me", per_page=2, page=page, extras="date_taken,machine_tags,tags,url_o"
        )
        pages = int(rsp.find("photos").get("pages"))
        walked += rsp.findall("photos/photo")
        page += 1
    assert pages == 2
    assert len(walked) == 4
    ours = next(p for p in walked if p.get("id") == photo_id)
    assert ours.get("machine_tags") == MACHINE_TAG
    assert ours.get("tags") == f"summer lakecomo {MACHINE_TAG}"
    assert ours.get("datetaken") == "2021-07-01 12:00:00"
    assert requests.get(ours.get("url_o"), timeout=30).content == data

    fakeflickr.configure(clock_offset=3600)  # an hour later: past search's lag behind uploads
    found = flickr.photos.search(
        user_id="me", machine_tags=MACHINE_TAG, extras="machine_tags", format="parsed-json"
    )
    assert [p["id"] for p in found["photos"]["photo"]] == [photo_id]

    created = flickr.photosets.create(title="Holidays, 2021", primary_photo_id=photo_id)
    set_id = created.find("photoset").get("id")
    other = next(p.get("id") for p in walked if p.get("id") != photo_id)
    flickr.photosets.addPhoto(photoset_id=set_id, photo_id=other)
    members = flickr.photosets.getPhotos(
        photoset_id=set_id, user_id=fakeflickr.default_user, format="parsed-json"
    )
    assert [p["id"] for p in members["photoset"]["photo"]] == [photo_id, other]
    assert [p["isprimary"] for p in members["photoset"]["photo"]] == ["1", "0"]
    sets = flickr.photosets.getList(format="parsed-json")
    assert [(s["id"], s["title"]["_content"], s["photos"]) for s in sets["photosets"]["photoset"]] == [
        (set_id, "Holidays, 2021", "2")
    ]
    contexts = flickr.photos.getAllContexts(photo_id=other, format="parsed-json")
    assert [s["id"] for s in contexts["set"]] == [set_id]


def test_flickrapi_sees_flickr_errors(flickr: flickrapi.FlickrAPI) -> None:
    with pytest.raises(flickrapi.FlickrError, match="Photo not found"):
        flickr.photos.addTags(photo_id="1", tags="x")
    with pytest.raises(flickrapi.FlickrError, match=r'Method "flickr\.no\.such" not found'):
        flickr.do_flickr_call("flickr.no.such")
