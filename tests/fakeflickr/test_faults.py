"""Test controls that make fakeflickr misbehave like Flickr on a bad day — seeded transient faults,
dropped connections (also after the change was applied), the per-key rate limit — plus call
counters and eight clients at once."""

from __future__ import annotations

import gc
import hashlib
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx
import pytest

from fakeflickr.faults import FILE_FAULTS, PADDING, RATE_LIMIT_BODY
from fakeflickr.testing import FakeFlickrHandle
from tests.fakeflickr.client import HTTP, Api, jpeg

pytestmark = pytest.mark.integration


def _login(api: Api) -> httpx.Response:
    return api.raw("GET", {"method": "flickr.test.login", "format": "json", "nojsoncallback": "1"})


def test_http_errors_and_code_105_only_where_targeted(fakeflickr: FakeFlickrHandle) -> None:
    api = Api(fakeflickr, fakeflickr.mint_token())
    fakeflickr.set_faults(1.0, kinds=["http502"], targets=["flickr.test.login"])
    response = _login(api)
    assert (response.status_code, response.headers["content-type"]) == (502, "text/html; charset=utf-8")
    assert api.ok("flickr.people.getPhotos", "GET", user_id="me")["stat"] == "ok"
    fakeflickr.set_faults(1.0, kinds=["code105"], targets=["rest"])
    assert api.call("flickr.photos.search", "GET", user_id="me") == {
        "stat": "fail",
        "code": 105,
        "message": "Service currently unavailable",
    }
    upload = api.upload(jpeg(), "x.jpg")  # not a target
    assert upload.status_code == 200
    log = fakeflickr.faults()["injected"]
    assert [(f["kind"], f["method"]) for f in log] == [("code105", "flickr.photos.search")]
    fakeflickr.clear_faults()
    assert _login(api).status_code == 200


def test_faults_are_seeded_and_capped(fakeflickr: FakeFlickrHandle) -> None:
    api = Api(fakeflickr, fakeflickr.mint_token())

    def pattern() -> list[int]:
        fakeflickr.set_faults(0.5, seed=7, kinds=["http500", "http503"])
        return [_login(api).status_code for _ in range(16)]

    first = pattern()
    assert set(first) == {200, 500, 503}
    assert pattern() == first
    fakeflickr.set_faults(1.0, kinds=["http500"], max_faults=2)
    assert [_login(api).status_code for _ in range(4)] == [500, 500, 200, 200]


def test_slow_responses(fakeflickr: FakeFlickrHandle) -> None:
    api = Api(fakeflickr, fakeflickr.mint_token())
    fakeflickr.set_faults(1.0, kinds=["slow"], slow_seconds=0.4)
    started = time.monotonic()
    assert _login(api).status_code == 200
    assert time.monotonic() - started >= 0.4


def test_dropped_connections_before_and_after_the_change(fakeflickr: FakeFlickrHandle) -> None:
    api = Api(fakeflickr, fakeflickr.mint_token())
    photo_id = api.upload_ok(jpeg(), "p.jpg")
    fakeflickr.set_faults(1.0, kinds=["drop"], targets=["flickr.photos.addTags"])
    with pytest.raises(httpx.TransportError):
        api.call("flickr.photos.addTags", photo_id=photo_id, tags="before")
    fakeflickr.set_faults(1.0, kinds=["drop_after_commit"], targets=["flickr.photos.addTags", "upload"])
    with pytest.raises(httpx.TransportError):
        api.call("flickr.photos.addTags", photo_id=photo_id, tags="after")
    with pytest.raises(httpx.TransportError):
        api.upload(jpeg(seed=2), "lost answer.jpg", tags="orphan")
    fakeflickr.clear_faults()
    photos = {p["title"]: p for p in fakeflickr.photos()}
    assert [t["raw"] for t in photos["p"]["tags"]] == [
        "after"
    ]  # applied although unanswered; "before" never was
    assert [t["raw"] for t in photos["lost answer"]["tags"]] == ["orphan"]  # the upload happened
    # listed at once (search would lag behind the fresh upload, as on Flickr)
    listed = api.ok("flickr.people.getPhotos", "GET", user_id="me", extras="tags")["photos"]["photo"]
    assert [p["tags"] for p in listed if p["title"] == "lost answer"] == ["orphan"]


def test_rate_limit_per_api_key(fakeflickr: FakeFlickrHandle) -> None:
    api = Api(fakeflickr, fakeflickr.mint_token())
    fakeflickr.set_rate_limit(3, window=0.5)
    assert [_login(api).status_code for _ in range(3)] == [200, 200, 200]
    limited = _login(api)
    assert (limited.status_code, limited.headers["content-type"], limited.text) == (
        429,
        "text/html; charset=utf-8",
        RATE_LIMIT_BODY,
    )
    assert api.upload(jpeg(), "x.jpg").status_code == 429  # uploads count against the key too
    fakeflickr.add_consumer("abcdefabcdefabcdefabcdefabcdefab", "0123456789abcdef")
    other = HTTP.get(
        fakeflickr.rest_url,
        params={"method": "flickr.test.echo", "api_key": "abcdefabcdefabcdefabcdefabcdefab"},
    )
    assert other.status_code == 200
    time.sleep(0.55)
    assert _login(api).status_code == 200
    fakeflickr.set_rate_limit(None)
    assert all(_login(api).status_code == 200 for _ in range(5))


def test_call_counters(fakeflickr: FakeFlickrHandle) -> None:
    api = Api(fakeflickr, fakeflickr.mint_token())
    fakeflickr.reset_calls()
    _login(api)
    _login(api)
    api.upload_ok(jpeg(), "x.jpg")
    api.call("flickr.nope")
    assert fakeflickr.calls() == {"flickr.nope": 1, "flickr.test.login": 2, "upload": 1}
    fakeflickr.reset_calls()
    assert fakeflickr.calls() == {}


def test_eight_clients_at_once_lose_and_corrupt_nothing(fakeflickr: FakeFlickrHandle) -> None:
    fakeflickr.configure(ticket_delay=0.05)
    users = [fakeflickr.default_user] + [fakeflickr.create_user(f"user{i}")["nsid"] for i in range(3)]
    anchor = fakeflickr.seed_photo(title="anchor")
    shared_set = Api(fakeflickr, fakeflickr.mint_token()).ok(
        "flickr.photosets.create", title="shared", primary_photo_id=anchor
    )
    set_id = shared_set["photoset"]["id"]
    uploaded: dict[str, str] = {}
    lock = threading.Lock()
    errors: list[str] = []

    def client(n: int) -> None:
        owner = users[n % len(users)]
        api = Api(fakeflickr, fakeflickr.mint_token(user=owner, perms="write"))
        for k in range(5):
            data = jpeg(80 + n, 60 + k, seed=n * 10 + k)
            fields: dict[str, Any] = {"async": 1} if k == 4 else {}
            photo_id = api.upload_ok(data, f"c{n}-{k}.jpg", tags=f"client{n} shot{k}", **fields)
            with lock:
                uploaded[photo_id] = hashlib.md5(data).hexdigest()
            listing = api.call("flickr.people.getPhotos", "GET", user_id="me", per_page=500)
            if listing["stat"] != "ok":
                errors.append(str(listing))
            api.call("flickr.photos.search", "GET", user_id="me", tags=f"client{n}")
        if owner == fakeflickr.default_user:
            api.ok("flickr.photos.addTags", photo_id=anchor, tags=f"from{n}")
            api.ok(
                "flickr.photosets.addPhoto",
                photoset_id=set_id,
                photo_id=next(iter(_mine(fakeflickr, f"client{n}"))),
            )

    with ThreadPoolExecutor(max_workers=8) as pool:
        for future in [pool.submit(client, n) for n in range(8)]:
            future.result()
    assert errors == []
    fakeflickr.complete_tickets()
    state = fakeflickr.state()
    photos = {p["id"]: p for p in state["photos"]}
    assert len(uploaded) == 40  # 35 synchronous photo ids + 5 ticket ids, all distinct
    synchronous = {pid: md5 for pid, md5 in uploaded.items() if "-" not in pid}
    assert len(synchronous) == 32
    for photo_id, md5 in synchronous.items():
        assert photos[photo_id]["file_md5"] == md5
    assert len(photos) == 1 + 40
    assert sorted(t["raw"] for t in photos[anchor]["tags"]) == sorted(f"from{n}" for n in range(0, 8, 4))
    members = next(s for s in state["photosets"] if s["id"] == set_id)["photos"]
    assert len(members) == len(set(members)) == 3
    for photo in photos.values():
        if photo["title"] != "anchor":
            assert HTTP.get(_original_url(fakeflickr, photo)).content  # every file is there


def _mine(fakeflickr: FakeFlickrHandle, tag: str) -> list[str]:
    return [p["id"] for p in fakeflickr.photos() if any(t["clean"] == tag for t in p["tags"])]


def _original_url(fakeflickr: FakeFlickrHandle, photo: dict[str, Any]) -> str:
    name = f"{photo['id']}_{photo['originalsecret']}_o.{photo['originalformat']}"
    return f"{fakeflickr.base_url}/{photo['server']}/{name}"


@pytest.mark.parametrize("suffix", ["original", "resized"])
def test_dropped_photo_download_leaves_no_open_file(fakeflickr: FakeFlickrHandle, suffix: str) -> None:
    api = Api(fakeflickr, fakeflickr.mint_token())
    photo = fakeflickr.photo(api.upload_ok(jpeg(width=800, height=600), "big.jpg"))
    url = _original_url(fakeflickr, photo)
    if suffix == "resized":
        url = f"{fakeflickr.base_url}/{photo['server']}/{photo['id']}_{photo['secret']}_t.jpg"
    fakeflickr.set_faults(1.0, kinds=["drop_after_commit"], targets=["static"])
    with pytest.raises(httpx.TransportError):
        HTTP.get(url)
    fakeflickr.clear_faults()
    # A file the server left open is closed by the garbage collector with a ResourceWarning, which
    # pytest reports as an unraisable exception and turns into a failure (filterwarnings = error).
    gc.collect()
    assert HTTP.get(url).status_code == 200


@pytest.mark.parametrize("suffix", ["original", "resized"])
def test_hostile_answers_to_a_file_download(fakeflickr: FakeFlickrHandle, suffix: str) -> None:
    """What a captive portal, a broken proxy or a bad disk answer for a file (issue 16 point 6)."""
    api = Api(fakeflickr, fakeflickr.mint_token())
    photo = fakeflickr.photo(api.upload_ok(jpeg(width=320, height=240), "p.jpg"))
    url = _original_url(fakeflickr, photo)
    if suffix == "resized":
        url = f"{fakeflickr.base_url}/{photo['server']}/{photo['id']}_{photo['secret']}_n.jpg"
    good = HTTP.get(url)
    assert good.status_code == 200
    answers = {}
    for kind in FILE_FAULTS:
        fakeflickr.set_faults(1.0, seed=3, kinds=[kind], targets=["static"])
        answers[kind] = HTTP.get(url)
        fakeflickr.clear_faults()
    for answer in answers.values():
        assert answer.status_code == 200
        assert int(answer.headers["Content-Length"]) == len(answer.content)
    portal = answers["portal"]
    assert portal.headers["Content-Type"].startswith("text/html")
    assert b"sign in" in portal.content.lower()
    assert answers["empty"].content == b""
    garbage = answers["garbage"]
    assert len(garbage.content) == len(good.content)
    assert garbage.content != good.content
    padded = answers["padded"]
    assert padded.content[: len(good.content)] == good.content
    assert len(padded.content) == len(good.content) + PADDING
    for kind in ("empty", "garbage", "padded"):
        assert answers[kind].headers["Content-Type"] == good.headers["Content-Type"]
    if suffix == "original":
        # The original's MD5 stays on the padded answer (nothing recomputes it on the way) …
        assert padded.headers["Content-MD5"] == good.headers["Content-MD5"]
        # … and the answers made up from nothing carry none.
        assert "Content-MD5" not in garbage.headers
        assert "Content-MD5" not in answers["empty"].headers
    assert HTTP.get(url).content == good.content, "nothing changed for the next request"


def test_file_faults_never_touch_api_calls(fakeflickr: FakeFlickrHandle) -> None:
    api = Api(fakeflickr, fakeflickr.mint_token())
    fakeflickr.set_faults(1.0, kinds=list(FILE_FAULTS))
    answer = _login(api)
    assert answer.status_code == 503, "drawn for the REST endpoint, a file fault is an HTTP 503"
    fakeflickr.clear_faults()
    assert _login(api).status_code == 200
