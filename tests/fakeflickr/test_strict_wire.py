"""fakeflickr refuses what Flickr may refuse on the OAuth wire (issue 9).

* An ``oauth_*`` parameter sent more than once — in the header and the body, in the header and
  the query, twice in one of them — is HTTP 400 ``oauth_problem=parameter_rejected`` (RFC 5849
  §3.2: a server SHOULD answer 400 to duplicated protocol parameters), on every endpoint.
* ``flickr.auth.oauth.checkToken`` takes its ``oauth_token`` argument from the request parameters:
  a token only in the ``Authorization`` header is ``98 Invalid token`` (REFERENCE §10), so
  flickrapi 2.4.0's ``token_valid()`` fails against fakeflickr as it does against Flickr
  (sybrenstuvel/flickrapi issue #123).
"""

from __future__ import annotations

import json
import re
from urllib.parse import parse_qsl, urlencode

import flickrapi
import flickrapi.auth
import httpx
import pytest
import requests
from oauthlib.oauth1 import SIGNATURE_TYPE_BODY, SIGNATURE_TYPE_QUERY, Client

from fakeflickr.testing import AccessToken, FakeFlickrHandle
from tests.fakeflickr.client import FORM, Api, http_client, jpeg

pytestmark = pytest.mark.integration

#: Every protocol parameter of a signed API call, in the order a refusal names them.
ALL_OAUTH = (
    "oauth_consumer_key",
    "oauth_nonce",
    "oauth_signature",
    "oauth_signature_method",
    "oauth_timestamp",
    "oauth_token",
    "oauth_version",
)


def oauth_client(ff: FakeFlickrHandle, token: AccessToken | None, **extra: str) -> Client:
    return Client(
        ff.consumer_key,
        client_secret=ff.consumer_secret,
        resource_owner_key=token.token if token else None,
        resource_owner_secret=token.secret if token else None,
        **extra,
    )


def rejected(response: httpx.Response, *names: str) -> None:
    """HTTP 400, text/plain, ``oauth_problem=parameter_rejected`` naming ``names``."""
    assert response.status_code == 400, response.text
    assert response.headers["content-type"] == "text/plain;charset=UTF-8"
    answer = dict(parse_qsl(response.text))
    assert answer["oauth_problem"] == "parameter_rejected", response.text
    assert answer["oauth_parameters_rejected"] == "&".join(names)


def rest_args(method: str, **params: str) -> dict[str, str]:
    return {"method": method, "format": "json", "nojsoncallback": "1", **params}


def test_token_in_the_header_and_again_in_the_body_is_rejected(fakeflickr: FakeFlickrHandle) -> None:
    """What flickrsync sent to checkToken before issue 9: the signature covers both copies (so it
    verifies), the request is still refused."""
    token = fakeflickr.mint_token()
    args = rest_args("flickr.auth.oauth.checkToken", oauth_token=token.token)
    _, headers, body = oauth_client(fakeflickr, token).sign(
        fakeflickr.rest_url, "POST", body=urlencode(args), headers=FORM
    )
    with http_client() as http:
        rejected(http.post(fakeflickr.rest_url, content=body, headers=headers), "oauth_token")
    assert fakeflickr.calls()["flickr.auth.oauth.checkToken"] == 1  # counted, refused


def test_parameters_in_header_and_query_at_once_are_rejected(fakeflickr: FakeFlickrHandle) -> None:
    token = fakeflickr.mint_token()
    query_signed = oauth_client(fakeflickr, token, signature_type=SIGNATURE_TYPE_QUERY)
    url, _, _ = query_signed.sign(f"{fakeflickr.rest_url}?{urlencode(rest_args('flickr.test.login'))}")
    header_signed = oauth_client(fakeflickr, token)
    _, headers, _ = header_signed.sign(url, "GET")
    with http_client() as http:
        response = http.get(url, headers=headers)
    rejected(response, *ALL_OAUTH)


def test_a_parameter_twice_within_one_place_is_rejected(fakeflickr: FakeFlickrHandle) -> None:
    token = fakeflickr.mint_token()
    url, headers, _ = oauth_client(fakeflickr, token).sign(
        f"{fakeflickr.rest_url}?{urlencode(rest_args('flickr.test.login'))}", "GET"
    )
    twice_in_header = {"Authorization": headers["Authorization"] + ', oauth_nonce="again"'}
    with http_client() as http:
        rejected(http.get(url, headers=twice_in_header), "oauth_nonce")
        rejected(http.get(f"{url}&oauth_version=1.0", headers=headers), "oauth_version")
        query_signed = oauth_client(fakeflickr, token, signature_type=SIGNATURE_TYPE_QUERY)
        signed_url, _, _ = query_signed.sign(
            f"{fakeflickr.rest_url}?{urlencode(rest_args('flickr.test.login'))}"
        )
        rejected(http.get(f"{signed_url}&oauth_token={token.token}"), "oauth_token")
        # once each, the same request is fine: the refusal is about the repeat, not the place
        assert http.get(signed_url).json()["stat"] == "ok"


def test_upload_with_oauth_fields_and_a_header_is_rejected(fakeflickr: FakeFlickrHandle) -> None:
    """flickr-sdk's way (oauth_* as multipart fields) and flickrapi's way (the header) are each
    accepted; both at once is a repeat."""
    token = fakeflickr.mint_token()
    fields = {"title": "x", "is_public": "0"}
    body_signed = oauth_client(fakeflickr, token, signature_type=SIGNATURE_TYPE_BODY)
    _, _, body = body_signed.sign(fakeflickr.upload_url, "POST", body=urlencode(fields), headers=FORM)
    with_oauth = dict(parse_qsl(body))
    _, headers, _ = oauth_client(fakeflickr, token).sign(
        fakeflickr.upload_url, "POST", body=urlencode(fields), headers=FORM
    )
    photo = {"photo": ("x.jpg", jpeg(), "image/jpeg")}
    with http_client() as http:
        both = http.post(
            fakeflickr.upload_url,
            data=with_oauth,
            files=photo,
            headers={"Authorization": headers["Authorization"]},
        )
        rejected(both, *ALL_OAUTH)
        assert fakeflickr.photos() == []
        fields_only = http.post(fakeflickr.upload_url, data=with_oauth, files=photo)
        assert "<photoid>" in fields_only.text, fields_only.text
    assert len(fakeflickr.photos()) == 1


def test_request_token_with_the_callback_twice_is_rejected(fakeflickr: FakeFlickrHandle) -> None:
    client = Client(fakeflickr.consumer_key, client_secret=fakeflickr.consumer_secret, callback_uri="oob")
    body = urlencode({"oauth_callback": "oob"})
    _, headers, _ = client.sign(fakeflickr.request_token_url, "POST", body=body, headers=FORM)
    with http_client() as http:
        rejected(http.post(fakeflickr.request_token_url, content=body, headers=headers), "oauth_callback")
        _, once, _ = client.sign(fakeflickr.request_token_url, "POST", body="", headers=FORM)
        assert http.post(fakeflickr.request_token_url, headers=once).status_code == 200


def test_a_malformed_header_is_a_400_on_every_endpoint(fakeflickr: FakeFlickrHandle) -> None:
    """Not an internal error answered as 105: the OAuth layer answers before any handler runs."""
    broken = {"Authorization": "OAuth oauth_consumer_key, oauth_nonce"}
    with http_client() as http:
        for url in (fakeflickr.rest_url, fakeflickr.upload_url, fakeflickr.request_token_url):
            rejected(http.post(url, content=b"", headers={**broken, **FORM}), "Authorization")


def test_check_token_reads_its_argument_from_the_parameters(fakeflickr: FakeFlickrHandle) -> None:
    token = fakeflickr.mint_token(perms="write")
    header_only = Api(fakeflickr, token).call("flickr.auth.oauth.checkToken")
    assert header_only == {"stat": "fail", "code": 98, "message": "Invalid token"}
    in_body = Api(fakeflickr, token, oauth_in_body=True).ok("flickr.auth.oauth.checkToken")
    assert in_body["oauth"]["token"] == {"_content": token.token}
    assert in_body["oauth"]["perms"] == {"_content": "write"}
    query_signed = oauth_client(fakeflickr, token, signature_type=SIGNATURE_TYPE_QUERY)
    url, _, _ = query_signed.sign(
        f"{fakeflickr.rest_url}?{urlencode(rest_args('flickr.auth.oauth.checkToken'))}"
    )
    with http_client() as http:
        in_query = json.loads(http.get(url).text)
    assert in_query["stat"] == "ok"
    assert in_query["oauth"]["user"]["nsid"] == token.user_nsid


def test_flickrapi_token_valid_fails_as_against_flickr(
    fakeflickr: FakeFlickrHandle, monkeypatch: pytest.MonkeyPatch
) -> None:
    """flickrapi 2.4.0 signs checkToken in the header only: Flickr answers 98 and token_valid()
    is False for a perfectly good token (sybrenstuvel/flickrapi issue #123). So here."""
    monkeypatch.setattr(flickrapi.FlickrAPI, "REST_URL", fakeflickr.rest_url)
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
    # The token itself is fine: a signed call works with it.
    login = api.test.login(format="parsed-json")
    assert login["user"]["id"] == fakeflickr.default_user
    fakeflickr.reset_calls()

    assert api.token_valid(perms="read") is False
    assert fakeflickr.calls() == {"flickr.auth.oauth.checkToken": 1}
