"""fakeflickr end to end over loopback HTTP: OAuth, upload, listing, permissions."""

from __future__ import annotations

import re
from urllib.parse import parse_qsl

import pytest
from oauthlib.oauth1 import Client

from fakeflickr.testing import AccessToken, FakeFlickrHandle
from tests.fakeflickr.client import HTTP, Api, http_client, jpeg

pytestmark = pytest.mark.integration


def test_fixture_serves_a_registered_key_and_a_default_user(fakeflickr: FakeFlickrHandle) -> None:
    assert re.fullmatch(r"http://127\.0\.0\.1:\d+", fakeflickr.base_url)
    assert re.fullmatch(r"\d+@N\d\d", fakeflickr.default_user)
    state = fakeflickr.state()
    assert [u["username"] for u in state["users"]] == ["demo"]
    assert state["photos"] == []


def test_three_legged_oauth_with_oob_then_test_login(fakeflickr: FakeFlickrHandle) -> None:
    key, secret = fakeflickr.consumer_key, fakeflickr.consumer_secret
    with http_client() as http:
        url, headers, _ = Client(key, client_secret=secret, callback_uri="oob").sign(
            fakeflickr.request_token_url
        )
        step1 = http.get(url, headers=headers)
        assert step1.status_code == 200
        assert step1.headers["content-type"] == "text/plain;charset=UTF-8"
        assert step1.text.startswith("oauth_callback_confirmed=true&oauth_token=")
        request = dict(parse_qsl(step1.text))
        assert re.fullmatch(r"\d{17}-[0-9a-f]{16}", request["oauth_token"])
        assert re.fullmatch(r"[0-9a-f]{16}", request["oauth_token_secret"])

        page = http.get(
            fakeflickr.authorize_url, params={"oauth_token": request["oauth_token"], "perms": "write"}
        )
        assert page.status_code == 200
        match = re.search(r'id="verifier">([^<]+)<', page.text)
        assert match is not None
        verifier = match.group(1)
        assert re.fullmatch(r"\d{3}-\d{3}-\d{3}", verifier)

        client = Client(
            key,
            client_secret=secret,
            resource_owner_key=request["oauth_token"],
            resource_owner_secret=request["oauth_token_secret"],
            verifier=verifier,
        )
        url, headers, _ = client.sign(fakeflickr.access_token_url, "POST")
        step3 = http.post(url, headers=headers)
        assert step3.status_code == 200
        # Keys in alphabetical order, '@' percent-encoded, as recorded.
        assert re.fullmatch(
            r"fullname=Demo%20User&oauth_token=\d{17}-[0-9a-f]{16}&oauth_token_secret=[0-9a-f]{16}"
            r"&user_nsid=\d+%40N\d\d&username=demo",
            step3.text,
        )
        access = dict(parse_qsl(step3.text))
        # A request token is good for one exchange only.
        url, headers, _ = client.sign(fakeflickr.access_token_url, "POST")
        again = http.post(url, headers=headers)
        assert (again.status_code, again.text) == (401, "oauth_problem=token_rejected")

        client = Client(
            key,
            client_secret=secret,
            resource_owner_key=access["oauth_token"],
            resource_owner_secret=access["oauth_token_secret"],
        )
        url, headers, _ = client.sign(
            f"{fakeflickr.rest_url}?method=flickr.test.login&format=json&nojsoncallback=1", "GET"
        )
        login = http.get(url, headers=headers)
    assert login.json() == {
        "user": {"id": access["user_nsid"], "username": {"_content": "demo"}},
        "stat": "ok",
    }
    token = AccessToken(
        access["oauth_token"], access["oauth_token_secret"], "write", access["user_nsid"], "demo", key
    )
    checked = Api(fakeflickr, token, oauth_in_body=True).ok("flickr.auth.oauth.checkToken")
    assert checked["oauth"] == {
        "token": {"_content": access["oauth_token"]},
        "perms": {"_content": "write"},
        "user": {"nsid": access["user_nsid"], "username": "demo", "fullname": "Demo User"},
    }


def test_authorize_page_approves_for_the_user_named_in_the_query(fakeflickr: FakeFlickrHandle) -> None:
    other = fakeflickr.create_user("alice", fullname="Alice A")
    with http_client() as http:
        url, headers, _ = Client(
            fakeflickr.consumer_key, client_secret=fakeflickr.consumer_secret, callback_uri="oob"
        ).sign(fakeflickr.request_token_url)
        request = dict(parse_qsl(http.get(url, headers=headers).text))
        page = http.get(
            fakeflickr.authorize_url,
            params={"oauth_token": request["oauth_token"], "perms": "read", "user": "alice"},
        )
        verifier = re.search(r'id="verifier">([^<]+)<', page.text)
        assert verifier is not None
        client = Client(
            fakeflickr.consumer_key,
            client_secret=fakeflickr.consumer_secret,
            resource_owner_key=request["oauth_token"],
            resource_owner_secret=request["oauth_token_secret"],
            verifier=verifier.group(1),
        )
        url, headers, _ = client.sign(fakeflickr.access_token_url, "GET")
        access = dict(parse_qsl(http.get(url, headers=headers).text))
    assert access["user_nsid"] == other["nsid"]
    assert access["fullname"] == "Alice A"


def test_upload_with_tags_then_people_get_photos_with_extras(fakeflickr: FakeFlickrHandle) -> None:
    api = Api(fakeflickr, fakeflickr.mint_token(perms="write"))
    data = jpeg(320, 240, date_taken="2019:05:06 07:08:09")
    photo_id = api.upload_ok(
        data,
        "IMG_0001.JPG",
        tags='holiday "New York" checksum:sha1=DA39a3ee5e6b4b0d3255bfef95601890afd80709',
        is_public=0,
    )
    assert re.fullmatch(r"\d{11}", photo_id)
    listing = api.ok(
        "flickr.people.getPhotos",
        "GET",
        user_id="me",
        extras="date_taken,date_upload,tags,machine_tags,original_format,url_o,url_sq,url_l,last_update,media",
    )
    photos = listing["photos"]
    assert (photos["page"], photos["pages"], photos["perpage"], photos["total"]) == (1, 1, 100, "1")
    (item,) = photos["photo"]
    assert item["id"] == photo_id
    assert item["title"] == "IMG_0001"  # the file name without extension
    assert (item["ispublic"], item["isfriend"], item["isfamily"]) == (0, 0, 0)
    assert (item["datetaken"], item["datetakenunknown"]) == ("2019-05-06 07:08:09", "0")
    assert item["tags"] == "holiday newyork checksum:sha1=da39a3ee5e6b4b0d3255bfef95601890afd80709"
    assert item["machine_tags"] == "checksum:sha1=da39a3ee5e6b4b0d3255bfef95601890afd80709"
    assert item["originalformat"] == "jpg"
    assert (item["width_o"], item["height_o"]) == ("320", "240")
    assert "url_b" not in item
    original = HTTP.get(item["url_o"])
    assert original.content == data
    # Raw forms are kept.
    info = api.ok("flickr.photos.getInfo", "GET", photo_id=photo_id)["photo"]
    assert [t["raw"] for t in info["tags"]["tag"]] == [
        "holiday",
        "New York",
        "checksum:sha1=DA39a3ee5e6b4b0d3255bfef95601890afd80709",
    ]


def test_upload_without_exif_date_gets_upload_time_in_pacific_and_unknown_flag(
    fakeflickr: FakeFlickrHandle,
) -> None:
    fakeflickr.configure(clock=1700000000)  # 2023-11-14 22:13:20 UTC = 14:13:20 PST
    api = Api(fakeflickr, fakeflickr.mint_token())
    photo_id = api.upload_ok(jpeg(), "no date.jpeg")
    info = api.ok("flickr.photos.getInfo", "GET", photo_id=photo_id)["photo"]
    assert info["dates"] == {
        "posted": "1700000000",
        "taken": "2023-11-14 14:13:20",
        "takengranularity": "0",
        "takenunknown": "1",
        "lastupdate": "1700000000",
    }
    assert info["title"] == {"_content": "no date"}


def test_read_token_cannot_write_and_setters_need_post(fakeflickr: FakeFlickrHandle) -> None:
    writer = Api(fakeflickr, fakeflickr.mint_token(perms="write"))
    photo_id = writer.upload_ok(jpeg())
    reader = Api(fakeflickr, fakeflickr.mint_token(perms="read"))
    denied = reader.call("flickr.photos.addTags", photo_id=photo_id, tags="x")
    assert denied == {
        "stat": "fail",
        "code": 99,
        "message": "Insufficient permissions. Method requires write privileges; read granted.",
    }
    over_get = writer.call("flickr.photos.addTags", "GET", photo_id=photo_id, tags="x")
    assert over_get == {
        "stat": "fail",
        "code": 116,
        "message": "The POST method is now required for all setters",
    }
    delete = writer.call("flickr.photos.delete", photo_id=photo_id)
    assert delete["code"] == 99
    assert delete["message"].endswith("requires delete privileges; write granted.")
    response = reader.upload(jpeg())
    assert "Method requires write privileges; read granted." in response.text
    assert fakeflickr.deletions() == []


def test_api_key_only_sees_public_photos(fakeflickr: FakeFlickrHandle) -> None:
    public = fakeflickr.seed_photo(title="public", is_public=1)
    fakeflickr.seed_photo(title="private", is_public=0)
    anonymous = Api(fakeflickr)
    listing = anonymous.ok("flickr.people.getPhotos", "GET", user_id=fakeflickr.default_user)
    assert [p["id"] for p in listing["photos"]["photo"]] == [public]
    login = anonymous.call("flickr.test.login", "GET")
    assert login["code"] == 99
    assert login["message"] == "Insufficient permissions. Method requires read privileges; none granted."
    owner = Api(fakeflickr, fakeflickr.mint_token(perms="read"))
    assert owner.ok("flickr.people.getPhotos", "GET", user_id="me")["photos"]["total"] == "2"
