"""The OAuth base string and HMAC-SHA1 signature reproduce the check values of REFERENCE §1.3."""

from __future__ import annotations

from fakeflickr.oauth import base_string, gather, sign

CONSUMER_KEY = "0123456789abcdef0123456789abcdef"
CONSUMER_SECRET = "fedcba9876543210"
TOKEN = "72157700000000001-0123456789abcdef"
TOKEN_SECRET = "0011223344556677"
SHA1 = "da39a3ee5e6b4b0d3255bfef95601890afd80709"


def _oauth(nonce: str, timestamp: str, *, token: bool) -> list[tuple[str, str]]:
    params = [
        ("oauth_consumer_key", CONSUMER_KEY),
        ("oauth_nonce", nonce),
        ("oauth_signature_method", "HMAC-SHA1"),
        ("oauth_timestamp", timestamp),
        ("oauth_version", "1.0"),
    ]
    return [*params, ("oauth_token", TOKEN)] if token else params


def test_flickr_sdk_check_values() -> None:
    base = "GET&http%3A%2F%2Fwww.example.com&bar%3D456%26foo%3D123"
    # Parameters are sorted by encoded name.
    assert base_string("GET", "http://www.example.com/", [("foo", "123"), ("bar", "456")]).endswith(
        "&bar%3D456%26foo%3D123"
    )
    assert sign(base, "consumer secret", None) == "lNBTzyWRRHBuoXmgK13Nht5oiKs="
    assert sign(base, "consumer secret", "keyboard cat") == "pytjoWTzMmvq13/Bai9YVX1tV9c="


def test_request_token_vector() -> None:
    params = [("oauth_callback", "oob"), *_oauth("abc123", "1700000000", token=False)]
    base = base_string("GET", "https://www.flickr.com/services/oauth/request_token", params)
    assert base == (
        "GET&https%3A%2F%2Fwww.flickr.com%2Fservices%2Foauth%2Frequest_token&oauth_callback%3Doob"
        "%26oauth_consumer_key%3D0123456789abcdef0123456789abcdef%26oauth_nonce%3Dabc123"
        "%26oauth_signature_method%3DHMAC-SHA1%26oauth_timestamp%3D1700000000%26oauth_version%3D1.0"
    )
    assert sign(base, CONSUMER_SECRET, None) == "/vcCkXEYRQZQuVFFk8B0eg9ENuQ="


def test_rest_vector_double_encodes_reserved_characters_in_values() -> None:
    params = [
        ("method", "flickr.photos.search"),
        ("user_id", "me"),
        ("machine_tags", f"checksum:sha1={SHA1}"),
        ("extras", "date_taken,machine_tags"),
        ("format", "json"),
        ("nojsoncallback", "1"),
        *_oauth("n0nce", "1700000100", token=True),
    ]
    base = base_string("GET", "https://api.flickr.com/services/rest/", params)
    assert "extras%3Ddate_taken%252Cmachine_tags" in base
    assert sign(base, CONSUMER_SECRET, TOKEN_SECRET) == "ZSrNX0nCIJwWuMTdUjxeISu3/po="


def test_upload_vector_signs_every_field_but_photo() -> None:
    fields = [
        ("title", "IMG_0001"),
        ("tags", f'holiday "new york" checksum:sha1={SHA1}'),
        ("is_public", "0"),
        ("is_friend", "0"),
        ("is_family", "0"),
        ("hidden", "2"),
    ]
    header = "OAuth " + ", ".join(f'{k}="{v}"' for k, v in _oauth("up1", "1700000200", token=True))
    header += ', oauth_signature="ignored%3D", realm="flickr"'
    request = gather("post", "https://up.flickr.com/services/upload/", [], fields, header)
    assert request.http_method == "POST"
    assert request.oauth["oauth_signature"] == "ignored="  # header values are percent-decoded
    assert ("realm", "flickr") not in request.params
    assert all(k != "oauth_signature" for k, _ in request.params)
    base = base_string(request.http_method, request.url, request.params)
    assert sign(base, CONSUMER_SECRET, TOKEN_SECRET) == "zJ/nn12oplGRDY1P2tcgbuQLng0="
