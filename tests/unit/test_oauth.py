"""OAuth: the signer against published vectors, the flow's pure pieces, the token file."""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path
from urllib.parse import parse_qs, parse_qsl, urlsplit

import httpx
import pytest
from tests.conftest import shared_path
from tests.unit.flickr_wire import auth_params, base_string, hmac_sha1, verify_signature

from flickrsync.errors import AuthError
from flickrsync.models import AccessToken, Account, Endpoints, Nsid
from flickrsync.oauth import (
    Credentials,
    RequestToken,
    auth_hint,
    authorize_url,
    encode_query,
    load_token,
    parse_access_token,
    parse_request_token,
    perms_at_least,
    save_token,
    sign,
    sign_into_body,
)

KEY = "0123456789abcdef0123456789abcdef"
SECRET = "fedcba9876543210"
TOKEN = "72157700000000001-0123456789abcdef"
TOKEN_SECRET = "0011223344556677"
SHA1 = "da39a3ee5e6b4b0d3255bfef95601890afd80709"


def signature_of(headers: dict[str, str]) -> str:
    request = httpx.Request("GET", "https://example.com/", headers=headers)
    return auth_params(request)["oauth_signature"]


# --- REFERENCE §1.3 vectors ------------------------------------------------------------------


def test_request_token_vector() -> None:
    headers = sign(
        Credentials(KEY, SECRET),
        "GET",
        "https://www.flickr.com/services/oauth/request_token",
        nonce="abc123",
        timestamp=1700000000,
        callback="oob",
    )
    assert signature_of(headers) == "/vcCkXEYRQZQuVFFk8B0eg9ENuQ="


def test_rest_get_vector_double_encodes_values() -> None:
    query = encode_query(
        {
            "method": "flickr.photos.search",
            "user_id": "me",
            "machine_tags": f"checksum:sha1={SHA1}",
            "extras": "date_taken,machine_tags",
            "format": "json",
            "nojsoncallback": "1",
        }
    )
    url = f"https://api.flickr.com/services/rest/?{query}"
    headers = sign(
        Credentials(KEY, SECRET, TOKEN, TOKEN_SECRET), "GET", url, nonce="n0nce", timestamp=1700000100
    )
    assert signature_of(headers) == "ZSrNX0nCIJwWuMTdUjxeISu3/po="
    # and a server recomputing it from what is sent agrees
    assert verify_signature(httpx.Request("GET", url, headers=headers), SECRET, TOKEN_SECRET)


def test_upload_vector_signs_fields_but_not_the_photo() -> None:
    fields = {
        "title": "IMG_0001",
        "tags": f'holiday "new york" checksum:sha1={SHA1}',
        "is_public": "0",
        "is_friend": "0",
        "is_family": "0",
        "hidden": "2",
    }
    headers = sign(
        Credentials(KEY, SECRET, TOKEN, TOKEN_SECRET),
        "POST",
        "https://up.flickr.com/services/upload/",
        nonce="up1",
        timestamp=1700000200,
        form=fields,
    )
    assert signature_of(headers) == "zJ/nn12oplGRDY1P2tcgbuQLng0="
    request = httpx.Request(
        "POST",
        "https://up.flickr.com/services/upload/",
        data=fields,
        files={"photo": ("IMG_0001.jpg", b"\xff\xd8not signed", "image/jpeg")},
        headers=headers,
    )
    assert verify_signature(request, SECRET, TOKEN_SECRET)


@pytest.mark.parametrize(
    ("token_secret", "expected"),
    [("", "lNBTzyWRRHBuoXmgK13Nht5oiKs="), ("keyboard cat", "pytjoWTzMmvq13/Bai9YVX1tV9c=")],
)
def test_the_tests_own_verifier_matches_flickr_sdk_vectors(token_secret: str, expected: str) -> None:
    """The independent verifier used below reproduces flickr-sdk's published vectors."""
    base = base_string("GET", "http://www.example.com", [("foo", "123"), ("bar", "456")])
    assert base == "GET&http%3A%2F%2Fwww.example.com&bar%3D456%26foo%3D123"
    assert hmac_sha1(base, "consumer secret", token_secret) == expected


def test_post_form_signature_verifies() -> None:
    form = {"method": "flickr.photos.addTags", "photo_id": "1", "tags": 'a "b c" ü!*()'}
    url = "http://127.0.0.1:8080/services/rest/"
    headers = sign(
        Credentials(KEY, SECRET, TOKEN, TOKEN_SECRET), "POST", url, nonce="x", timestamp=1, form=form
    )
    request = httpx.Request(
        "POST",
        url,
        content=encode_query(form),
        headers={**headers, "Content-Type": "application/x-www-form-urlencoded"},
    )
    assert verify_signature(request, SECRET, TOKEN_SECRET)
    assert not verify_signature(request, SECRET, "wrong")


def test_oauth_parameters_in_the_body_each_once_and_signed() -> None:
    """checkToken's way: the OAuth parameters are body fields (no header), each once, and the
    token is the method's argument too."""
    url = "http://127.0.0.1:8080/services/rest/"
    form = {"method": "flickr.auth.oauth.checkToken", "format": "json", "nojsoncallback": "1"}
    body = sign_into_body(
        Credentials(KEY, SECRET, TOKEN, TOKEN_SECRET), url, nonce="n", timestamp=7, form=form
    )
    pairs = parse_qsl(body, keep_blank_values=True)
    names = [name for name, _ in pairs]
    assert len(names) == len(set(names)), names
    assert dict(pairs)["oauth_token"] == TOKEN
    assert {k: v for k, v in pairs if not k.startswith("oauth_")} == form
    request = httpx.Request(
        "POST", url, content=body, headers={"Content-Type": "application/x-www-form-urlencoded"}
    )
    assert "Authorization" not in request.headers
    assert verify_signature(request, SECRET, TOKEN_SECRET)
    assert not verify_signature(request, SECRET, "wrong")


def test_a_repeated_oauth_parameter_fails_the_tests_own_verifier() -> None:
    """The tests' verifier is as strict as a server may be: a token in the header and again in the
    body is refused even though the signature over both would compute."""
    url = "http://127.0.0.1:8080/services/rest/"
    form = {"method": "flickr.auth.oauth.checkToken", "oauth_token": TOKEN}
    creds = Credentials(KEY, SECRET, TOKEN, TOKEN_SECRET)
    headers = sign(creds, "POST", url, nonce="x", timestamp=1, form=form)
    request = httpx.Request(
        "POST",
        url,
        content=encode_query(form),
        headers={**headers, "Content-Type": "application/x-www-form-urlencoded"},
    )
    assert not verify_signature(request, SECRET, TOKEN_SECRET)


def test_encode_query_is_rfc3986() -> None:
    assert encode_query({"a": "x y", "b": "1,2:3=4", "c": "~._-"}) == "a=x%20y&b=1%2C2%3A3%3D4&c=~._-"


def test_signer_is_pure() -> None:
    creds = Credentials(KEY, SECRET)
    a = sign(creds, "GET", "https://x.test/?a=1", nonce="same", timestamp=5)
    b = sign(creds, "GET", "https://x.test/?a=1", nonce="same", timestamp=5)
    assert a == b
    assert a != sign(creds, "GET", "https://x.test/?a=2", nonce="same", timestamp=5)
    assert a != sign(creds, "GET", "https://x.test/?a=1", nonce="other", timestamp=5)


# --- the flow's pure pieces ------------------------------------------------------------------


def test_authorize_url_asks_for_write_never_delete() -> None:
    endpoints = Endpoints.from_base("http://127.0.0.1:9999")
    url = authorize_url(endpoints, RequestToken("72157-abc", "s"))
    parts = urlsplit(url)
    assert parts.path == "/services/oauth/authorize"
    assert parse_qs(parts.query) == {"oauth_token": ["72157-abc"], "perms": ["write"]}
    with pytest.raises(ValueError, match="delete"):
        authorize_url(endpoints, RequestToken("t", "s"), perms="delete")
    assert authorize_url(Endpoints(), RequestToken("t", "s")).startswith(
        "https://www.flickr.com/services/oauth/authorize?"
    )


def test_parse_request_token() -> None:
    token = parse_request_token("oauth_callback_confirmed=true&oauth_token=72157-0a&oauth_token_secret=0b\n")
    assert (token.token, token.secret) == ("72157-0a", "0b")
    assert "0b" not in repr(token)
    with pytest.raises(AuthError):
        parse_request_token("oauth_problem=consumer_key_unknown")


def test_parse_access_token_fixture_shape() -> None:
    text = shared_path("flickr-api", "fixtures", "oauth.access_token.txt").read_text()
    granted = parse_access_token(text)
    assert granted.account == Account(Nsid("199561775@N05"), "flickypedia", "Flickypedia Bot")
    assert granted.token == "REDACTED"


def test_parse_access_token_inline_empty_fullname() -> None:
    granted = parse_access_token("fullname=&oauth_token=t&oauth_token_secret=s&user_nsid=1%40N01&username=me")
    assert granted.account == Account(Nsid("1@N01"), "me", "")
    with pytest.raises(AuthError):
        parse_access_token("oauth_problem=token_rejected")


def test_perms_are_cumulative() -> None:
    assert perms_at_least("delete", "write")
    assert perms_at_least("write", "write")
    assert perms_at_least("write", "read")
    assert not perms_at_least("read", "write")


def test_auth_hint_names_the_profile() -> None:
    assert auth_hint("work") == "run `flickrsync auth -p work`"
    assert auth_hint("DEFAULT") == "run `flickrsync auth`"


# --- the token file --------------------------------------------------------------------------


def token() -> AccessToken:
    return AccessToken("72157-tok", "sekrit", "write", Account(Nsid("1@N01"), "me", "Me Myself"))


def test_token_file_round_trip_mode_0600_dir_0700(tmp_path: Path) -> None:
    path = tmp_path / "home" / "tokens" / "work.json"
    save_token(path, token())
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    assert load_token(path, "work") == token()
    doc = json.loads(path.read_text())
    assert doc == {
        "format": 1,
        "token": "72157-tok",
        "secret": "sekrit",
        "perms": "write",
        "nsid": "1@N01",
        "username": "me",
        "fullname": "Me Myself",
    }
    assert [p.name for p in path.parent.iterdir()] == ["work.json"], "no temp file left behind"


def test_token_file_replaced_atomically_and_dir_tightened(tmp_path: Path) -> None:
    tokens = tmp_path / "tokens"
    tokens.mkdir(mode=0o755)
    tokens.chmod(0o755)
    path = tokens / "p.json"
    save_token(path, token())
    inode = path.stat().st_ino
    newer = AccessToken("72157-new", "s2", "read", token().account)
    save_token(path, newer)
    assert load_token(path, "p") == newer
    assert path.stat().st_ino != inode, "a new file renamed over the old one"
    assert stat.S_IMODE(tokens.stat().st_mode) == 0o700


def test_missing_token_is_none(tmp_path: Path) -> None:
    assert load_token(tmp_path / "nope.json", "p") is None


@pytest.mark.parametrize(
    "content", ["{not json", '{"token": "t"}', '{"token":"","secret":"s","perms":"write","nsid":"1"}']
)
def test_damaged_token_file_says_run_auth(tmp_path: Path, content: str) -> None:
    path = tmp_path / "p.json"
    path.write_text(content)
    with pytest.raises(AuthError, match=r"damaged") as info:
        load_token(path, "work")
    assert "flickrsync auth -p work" in str(info.value)


def test_loose_token_file_is_left_as_it_is(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    """Never change the user's file behind their back: the CLI warns with the chmod instead
    (tests/unit/test_cli_ops.py)."""
    path = tmp_path / "p.json"
    save_token(path, token())
    os.chmod(path, 0o644)
    assert load_token(path, "p") == token()
    assert stat.S_IMODE(path.stat().st_mode) == 0o644
    assert "sekrit" not in caplog.text


def test_the_auth_hint_quotes_a_profile_name_for_the_shell() -> None:
    """Issue 16 point 14: a hint is a command to paste; `-p my work` would be two words."""
    assert auth_hint("DEFAULT") == "run `flickrsync auth`"
    assert auth_hint("work") == "run `flickrsync auth -p work`"
    assert auth_hint("my work") == "run `flickrsync auth -p 'my work'`"
    assert auth_hint("it's") == "run `flickrsync auth -p 'it'\"'\"'s'`"
