"""Bad requests get Flickr's errors — never an HTTP 500 or a traceback — and every OAuth failure is
answered the way Flickr answers it (REFERENCE §1.5)."""

from __future__ import annotations

import json
import time
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from typing import Any, Literal
from urllib.parse import urlencode

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from oauthlib.oauth1 import SIGNATURE_TYPE_BODY, SIGNATURE_TYPE_QUERY, Client

from fakeflickr.server import FakeFlickr
from fakeflickr.testing import TEST_CONSUMER_KEY, TEST_CONSUMER_SECRET, AccessToken, FakeFlickrHandle
from tests.fakeflickr.client import FORM, HTTP, Api, jpeg

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def shared_ff(tmp_path_factory: pytest.TempPathFactory) -> Iterator[FakeFlickrHandle]:
    """One emulator for the read-only and fuzz tests of this module."""
    with FakeFlickr(
        tmp_path_factory.mktemp("ff-errors"), consumers=[(TEST_CONSUMER_KEY, TEST_CONSUMER_SECRET)]
    ) as server:
        handle = FakeFlickrHandle(server.base_url)
        handle.seed_photos([{"title": f"p{i}", "tags": "a b", "sets": ["S"]} for i in range(3)])
        yield handle


def _client(token: AccessToken | None, **extra: Any) -> Client:
    return Client(
        TEST_CONSUMER_KEY,
        client_secret=TEST_CONSUMER_SECRET,
        resource_owner_key=token.token if token else None,
        resource_owner_secret=token.secret if token else None,
        **extra,
    )


def _problem(response: httpx.Response) -> tuple[int, str, str]:
    return response.status_code, response.headers["content-type"], response.text


# --- API errors are HTTP 200 with Flickr's envelope -----------------------------------------------------


@pytest.mark.parametrize(
    ("params", "code", "message"),
    [
        ({"method": "flickr.no.such"}, 112, 'Method "flickr.no.such" not found'),
        ({}, 112, 'Method "" not found'),
        ({"method": "flickr.photos.getInfo", "photo_id": "abc"}, 1, 'Photo "abc" not found (invalid ID)'),
        ({"method": "flickr.photos.getInfo", "photo_id": "-1"}, 1, 'Photo "-1" not found (invalid ID)'),
        (
            {"method": "flickr.photos.getInfo", "photo_id": "9" * 40},
            1,
            f'Photo "{"9" * 40}" not found (invalid ID)',
        ),
        ({"method": "flickr.photos.getInfo"}, 1, 'Photo "" not found (invalid ID)'),
        ({"method": "flickr.photos.getSizes", "photo_id": "１２３"}, 1, "Photo not found"),
        ({"method": "flickr.photosets.getPhotos", "photoset_id": "x"}, 1, "Photoset not found"),
        ({"method": "flickr.people.getPhotos", "user_id": "nobody"}, 2, "Unknown user"),
        (
            {"method": "flickr.people.getPhotos", "user_id": "me"},
            99,
            "Insufficient permissions. Method requires read privileges; none granted.",
        ),
        ({"method": "flickr.photos.search"}, 3, "Parameterless searches have been disabled"),
        ({"method": "flickr.photos.search", "machine_tags": ":=,x"}, 11, "No valid machine tags"),
        (
            {"method": "flickr.photos.recentlyUpdated", "min_date": "1"},
            99,
            "Insufficient permissions. Method requires read privileges; none granted.",
        ),
    ],
)
def test_api_errors_with_api_key_only(
    shared_ff: FakeFlickrHandle, params: dict[str, str], code: int, message: str
) -> None:
    for fmt in ("json", "rest"):
        query = {"api_key": TEST_CONSUMER_KEY, "format": fmt, "nojsoncallback": "1", **params}
        response = HTTP.get(shared_ff.rest_url, params=query)
        assert response.status_code == 200
        if fmt == "json":
            assert response.headers["content-type"] == "text/plain; charset=utf-8"
            assert response.json() == {"stat": "fail", "code": code, "message": message}
        else:
            root = ET.fromstring(response.content)
            err = root.find("err")
            assert root.get("stat") == "fail"
            assert err is not None
            assert (err.get("code"), err.get("msg")) == (str(code), message)


def test_unknown_format_and_bad_keys(shared_ff: FakeFlickrHandle) -> None:
    response = HTTP.get(
        shared_ff.rest_url,
        params={"api_key": TEST_CONSUMER_KEY, "method": "flickr.test.echo", "format": "php_serial"},
    )
    assert b'<err code="111" msg="Format &quot;php_serial&quot; not found" />' in response.content
    unknown = HTTP.get(
        shared_ff.rest_url, params={"api_key": "f" * 32, "method": "flickr.photos.search", "tags": "a"}
    )
    assert b'<err code="100" msg="Invalid API Key (Key not found)" />' in unknown.content
    malformed = HTTP.get(
        shared_ff.rest_url, params={"api_key": "x", "method": "flickr.photos.search", "tags": "a"}
    )
    assert b'<err code="100" msg="Invalid API Key (Key has invalid format)" />' in malformed.content
    missing = HTTP.get(shared_ff.rest_url, params={"method": "flickr.photos.search", "tags": "a"})
    assert b'<err code="100"' in missing.content


def test_jsonp_and_a_hostile_callback_name(shared_ff: FakeFlickrHandle) -> None:
    base = {"api_key": TEST_CONSUMER_KEY, "method": "flickr.test.echo", "format": "json"}
    plain = HTTP.get(shared_ff.rest_url, params=base)
    assert plain.headers["content-type"] == "text/javascript; charset=utf-8"
    assert plain.text.startswith("jsonFlickrApi({")
    named = HTTP.get(shared_ff.rest_url, params={**base, "jsoncallback": "cb"})
    assert named.text.startswith("cb({")
    hostile = HTTP.get(shared_ff.rest_url, params={**base, "jsoncallback": "alert(1)//"})
    assert hostile.text.startswith("jsonFlickrApi({")


# hypothesis: whatever the parameters, the answer is a well-formed Flickr response.
_METHODS = [
    "flickr.photos.search",
    "flickr.photos.getInfo",
    "flickr.photos.getSizes",
    "flickr.people.getPhotos",
    "flickr.photosets.getList",
    "flickr.photosets.getPhotos",
    "flickr.photos.getAllContexts",
    "flickr.photos.upload.checkTickets",
    "flickr.photos.addTags",
    "flickr.photosets.editPhotos",
]
_NAMES = [
    "photo_id",
    "user_id",
    "tags",
    "machine_tags",
    "text",
    "extras",
    "per_page",
    "page",
    "sort",
    "min_upload_date",
    "max_taken_date",
    "photoset_id",
    "photo_ids",
    "primary_photo_id",
    "tickets",
    "privacy_filter",
    "media",
    "tag_mode",
]


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    method=st.sampled_from(_METHODS),
    params=st.dictionaries(st.sampled_from(_NAMES), st.text(max_size=30), max_size=6),
    fmt=st.sampled_from(["json", "rest"]),
)
def test_fuzzed_parameters_never_break_the_envelope(
    shared_ff: FakeFlickrHandle, method: str, params: dict[str, str], fmt: str
) -> None:
    api = Api(shared_ff, shared_ff.mint_token(perms="write"))
    response = api.raw("POST", {"method": method, "format": fmt, "nojsoncallback": "1", **params})
    assert response.status_code == 200, response.text
    if fmt == "json":
        assert json.loads(response.text)["stat"] in ("ok", "fail")
    else:
        root = ET.fromstring(response.content)
        assert root.tag == "rsp"
        assert root.get("stat") in ("ok", "fail")
    assert "Traceback" not in response.text


def test_invalid_utf8_and_odd_bodies_are_harmless(shared_ff: FakeFlickrHandle) -> None:
    url = f"{shared_ff.rest_url}?method=flickr.photos.search&api_key={TEST_CONSUMER_KEY}&tags=%FF%FE&text=%00"
    assert HTTP.get(url).status_code == 200
    weird = HTTP.post(shared_ff.rest_url, content=b"\xff\x00garbage=%%%", headers=FORM)
    assert weird.status_code == 200
    assert b'<err code="100"' in weird.content
    multipart = HTTP.post(
        shared_ff.rest_url,
        content=b"--x\r\nnot a part",
        headers={"Content-Type": "multipart/form-data; boundary=x"},
    )
    assert multipart.status_code == 200


# --- uploads ------------------------------------------------------------------------------------------


def _upload_err(response: httpx.Response) -> tuple[str | None, str | None]:
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "text/xml; charset=utf-8"
    err = ET.fromstring(response.content).find("err")
    assert err is not None, response.text
    return err.get("code"), err.get("msg")


def test_bad_uploads(fakeflickr: FakeFlickrHandle) -> None:
    api = Api(fakeflickr, fakeflickr.mint_token())
    assert _upload_err(api.upload(b"", "empty.jpg")) == ("4", "Filesize was zero")
    assert _upload_err(api.upload(b"hello, I am text", "notes.jpg")) == ("5", "Filetype was not recognised")
    assert _upload_err(api.upload(b"%PDF-1.4 ...", "doc.pdf")) == ("5", "Filetype was not recognised")
    # No photo part at all: a signed urlencoded POST, an empty body, garbage multipart, a GET.
    token = fakeflickr.mint_token()
    cases: list[tuple[str, str, Literal["GET", "POST"]]] = [
        (urlencode({"title": "x"}), "application/x-www-form-urlencoded", "POST"),
        ("", "application/x-www-form-urlencoded", "POST"),
        ("--b\r\ngarbage without headers", "multipart/form-data; boundary=b", "POST"),
        ("", "", "GET"),
    ]
    for content, content_type, method in cases:
        if content_type == "application/x-www-form-urlencoded":
            _, headers, _ = _client(token).sign(fakeflickr.upload_url, method, body=content, headers=FORM)
        else:
            _, headers, _ = _client(token).sign(fakeflickr.upload_url, method)
        if content_type:
            headers["Content-Type"] = content_type
        response = HTTP.request(method, fakeflickr.upload_url, content=content, headers=headers)
        assert _upload_err(response) == ("2", "No photo specified"), (content, response.text)
    assert fakeflickr.photos() == []
    # Nothing was left behind in the data dir.
    assert fakeflickr.data_dir is not None
    assert list((fakeflickr.data_dir / "incoming").iterdir()) == []


def test_upload_without_signature_or_key(fakeflickr: FakeFlickrHandle) -> None:
    files = {"photo": ("p.jpg", jpeg())}
    no_key = HTTP.post(fakeflickr.upload_url, files=files)
    assert _upload_err(no_key) == ("100", "Invalid API Key (Key has invalid format)")
    key_only = HTTP.post(fakeflickr.upload_url, data={"api_key": TEST_CONSUMER_KEY}, files=files)
    assert _upload_err(key_only) == (
        "99",
        "Insufficient permissions. Method requires write privileges; none granted.",
    )


def test_upload_signature_must_cover_the_form_fields(fakeflickr: FakeFlickrHandle) -> None:
    api = Api(fakeflickr, fakeflickr.mint_token())
    unsigned_title = api.upload(jpeg(), "p.jpg", sign_fields=False, title="not signed")
    assert unsigned_title.status_code == 401
    assert unsigned_title.text.startswith("oauth_problem=signature_invalid&debug_sbs=POST&")
    assert "title%3Dnot%2520signed" in unsigned_title.text
    assert fakeflickr.photos() == []


# --- OAuth problems -----------------------------------------------------------------------------------


def _signed_get(ff: FakeFlickrHandle, client: Client, **params: str) -> httpx.Response:
    url, headers, _ = client.sign(f"{ff.rest_url}?{urlencode({'method': 'flickr.test.login', **params})}")
    return HTTP.get(url, headers=headers)


def test_oauth_failures(fakeflickr: FakeFlickrHandle) -> None:
    token = fakeflickr.mint_token()
    text = "text/plain;charset=UTF-8"
    stranger = Client(
        "ffffffffffffffffffffffffffffffff",
        client_secret="x",
        resource_owner_key=token.token,
        resource_owner_secret=token.secret,
    )
    assert _problem(_signed_get(fakeflickr, stranger)) == (401, text, "oauth_problem=consumer_key_unknown")

    replay = _client(token, nonce="same-nonce", timestamp=str(int(time.time())))
    assert _signed_get(fakeflickr, replay).status_code == 200
    assert _problem(_signed_get(fakeflickr, replay)) == (401, text, "oauth_problem=nonce_used")

    stale = _problem(_signed_get(fakeflickr, _client(token, timestamp=str(int(time.time()) - 3600))))
    assert stale[:2] == (401, text)
    assert stale[2].startswith("oauth_problem=timestamp_refused&oauth_acceptable_timestamps=")

    bogus = AccessToken("72157600000000000-0000000000000000", "0" * 16, "write", "", "", TEST_CONSUMER_KEY)
    assert _problem(_signed_get(fakeflickr, _client(bogus))) == (401, text, "oauth_problem=token_rejected")

    fakeflickr.revoke_token(token.token)
    assert _problem(_signed_get(fakeflickr, _client(token))) == (401, text, "oauth_problem=token_rejected")

    plaintext = _client(fakeflickr.mint_token(), signature_method="PLAINTEXT")
    assert _problem(_signed_get(fakeflickr, plaintext)) == (
        400,
        text,
        "oauth_problem=signature_method_rejected",
    )


def test_request_token_cannot_call_the_api(fakeflickr: FakeFlickrHandle) -> None:
    url, headers, _ = Client(TEST_CONSUMER_KEY, client_secret=TEST_CONSUMER_SECRET, callback_uri="oob").sign(
        fakeflickr.request_token_url
    )
    request = dict(pair.split("=", 1) for pair in HTTP.get(url, headers=headers).text.split("&"))
    client = Client(
        TEST_CONSUMER_KEY,
        client_secret=TEST_CONSUMER_SECRET,
        resource_owner_key=request["oauth_token"],
        resource_owner_secret=request["oauth_token_secret"],
    )
    response = _signed_get(fakeflickr, client)
    assert (response.status_code, response.text) == (401, "oauth_problem=verifier_invalid")


def test_request_token_needs_a_callback_and_a_known_token_to_authorize(fakeflickr: FakeFlickrHandle) -> None:
    url, headers, _ = Client(TEST_CONSUMER_KEY, client_secret=TEST_CONSUMER_SECRET).sign(
        fakeflickr.request_token_url
    )
    response = HTTP.get(url, headers=headers)
    assert (response.status_code, response.text) == (
        400,
        "oauth_problem=parameter_absent&oauth_parameters_absent=oauth_callback",
    )
    page = HTTP.get(fakeflickr.authorize_url, params={"oauth_token": "nope", "perms": "read"})
    assert page.status_code == 400
    assert 'id="verifier"' not in page.text
    url, headers, _ = Client(TEST_CONSUMER_KEY, client_secret=TEST_CONSUMER_SECRET, callback_uri="oob").sign(
        fakeflickr.request_token_url
    )
    token = HTTP.get(url, headers=headers).text.split("&")[1].split("=")[1]
    no_perms = HTTP.get(fakeflickr.authorize_url, params={"oauth_token": token})
    assert "recognise the permission set" in no_perms.text
    assert 'id="verifier"' not in no_perms.text


def test_callback_mode_redirects_with_the_verifier(fakeflickr: FakeFlickrHandle) -> None:
    callback = "http://127.0.0.1:1/done?state=1"
    url, headers, _ = Client(
        TEST_CONSUMER_KEY, client_secret=TEST_CONSUMER_SECRET, callback_uri=callback
    ).sign(fakeflickr.request_token_url)
    token = HTTP.get(url, headers=headers).text.split("&")[1].split("=")[1]
    page = HTTP.get(fakeflickr.authorize_url, params={"oauth_token": token, "perms": "delete"})
    assert page.status_code == 302
    assert page.headers["location"].startswith(f"{callback}&oauth_token={token}&oauth_verifier=")


@pytest.mark.parametrize("style", ["header", "query", "body", "multipart"])
def test_oauth_parameters_may_travel_anywhere(fakeflickr: FakeFlickrHandle, style: str) -> None:
    """flickrapi signs in the header, flickr-sdk in the query (GET) or multipart fields (POST),
    python-flickr-api in the urlencoded body."""
    token = fakeflickr.mint_token()
    params = {"method": "flickr.test.login", "format": "json", "nojsoncallback": "1"}
    url = fakeflickr.rest_url
    if style == "header":
        signed_url, headers, _ = _client(token).sign(f"{url}?{urlencode(params)}")
        response = HTTP.get(signed_url, headers=headers)
    elif style == "query":
        signed_url, headers, _ = _client(token, signature_type=SIGNATURE_TYPE_QUERY).sign(
            f"{url}?{urlencode(params)}"
        )
        response = HTTP.get(signed_url, headers=headers)
    elif style == "body":
        _, headers, body = _client(token, signature_type=SIGNATURE_TYPE_BODY).sign(
            url, "POST", body=urlencode(params), headers=FORM
        )
        response = HTTP.post(url, content=body, headers=headers)
    else:
        _, _, body = _client(token, signature_type=SIGNATURE_TYPE_BODY).sign(
            url, "POST", body=urlencode(params), headers=FORM
        )
        fields = dict(pair.split("=", 1) for pair in str(body).split("&"))
        from urllib.parse import unquote_plus

        fields = {k: unquote_plus(v) for k, v in fields.items()}
        response = HTTP.post(url, files={k: (None, v) for k, v in fields.items()})
    assert response.status_code == 200, response.text
    assert response.json()["user"]["id"] == token.user_nsid


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    body=st.binary(max_size=300),
    content_type=st.sampled_from(
        [
            "multipart/form-data; boundary=xyz",
            "multipart/form-data",
            "application/x-www-form-urlencoded",
            "application/octet-stream",
            "text/plain; charset=utf-16",
        ]
    ),
    path=st.sampled_from(
        ["/services/upload/", "/services/replace", "/services/rest/", "/services/oauth/access_token"]
    ),
)
def test_garbage_bodies_never_cause_a_server_error(
    shared_ff: FakeFlickrHandle, body: bytes, content_type: str, path: str
) -> None:
    token = shared_ff.mint_token()
    _, headers, _ = _client(token).sign(f"{shared_ff.base_url}{path}", "POST")
    headers["Content-Type"] = content_type
    response = HTTP.post(f"{shared_ff.base_url}{path}", content=body, headers=headers)
    assert response.status_code in (200, 400, 401), response.text
    assert "Traceback" not in response.text


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(path=st.text(alphabet="0123456789abcdef_/.ojpgmk3", max_size=60))
def test_random_static_paths_are_404_or_files(shared_ff: FakeFlickrHandle, path: str) -> None:
    response = HTTP.get(f"{shared_ff.base_url}/{path.lstrip('/')}")
    assert response.status_code in (200, 404)


def test_nothing_above_failed_inside_fakeflickr(shared_ff: FakeFlickrHandle) -> None:
    """Runs last in this module: the fuzzing above never hit an unexpected exception (which
    fakeflickr would have answered as error 105)."""
    assert shared_ff.state(photos=False)["internal_errors"] == []
