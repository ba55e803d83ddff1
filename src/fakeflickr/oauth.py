"""OAuth 1.0a as Flickr checks it (REFERENCE §1): HMAC-SHA1 over the merged parameters of the
``Authorization`` header, the query string and the form body (urlencoded, or the non-file fields of
a multipart body; ``photo`` is never signed on upload/replace).

The primitives (percent-encoding, normalisation, base string URI, HMAC-SHA1) are oauthlib's; this
module decides *which* parameters are signed and answers failures the way Flickr does: HTTP 400/401,
``text/plain;charset=UTF-8``, a form-encoded ``oauth_problem=...`` body (§1.5), e.g.
``oauth_problem=signature_invalid&debug_sbs=<the base string we computed>``.

Checks, in order: no ``oauth_*`` parameter repeated (``parameter_rejected``, when the parameters
are gathered), required parameters present (``parameter_absent``), version and signature
method, consumer known (``consumer_key_unknown``), timestamp within the window of real time
(``timestamp_refused``), token known/unrevoked/of this consumer (``token_rejected``), signature
(``signature_invalid``), nonce not seen before for this consumer+token+timestamp (``nonce_used``).
"""

from __future__ import annotations

import threading
import time
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, cast
from urllib.parse import quote, unquote
from urllib.request import parse_http_list

from oauthlib.oauth1 import Client
from oauthlib.oauth1.rfc5849 import signature as oauth_signature
from oauthlib.oauth1.rfc5849.utils import parse_authorization_header

from fakeflickr.errors import OAuthProblem
from fakeflickr.state import Store, Token

REQUIRED = (
    "oauth_consumer_key",
    "oauth_nonce",
    "oauth_signature",
    "oauth_signature_method",
    "oauth_timestamp",
)

Pairs = list[tuple[str, str]]


@dataclass(frozen=True, slots=True)
class OAuthRequest:
    """Every parameter of a request as the signature sees it."""

    http_method: str
    url: str  # scheme://host[:port]/path as requested
    params: Pairs  # all signed parameters (oauth_* included, oauth_signature excluded)
    oauth: dict[str, str]  # the oauth_* parameters, signature included

    @property
    def present(self) -> bool:
        return bool(self.oauth)


@dataclass(frozen=True, slots=True)
class Verified:
    consumer_key: str
    token: Token | None


def gather(
    http_method: str,
    url: str,
    query: Iterable[tuple[str, str]],
    form: Iterable[tuple[str, str]],
    authorization: str | None,
) -> OAuthRequest:
    """Merge header, query and form parameters.

    400 ``parameter_rejected`` for a malformed OAuth header, and for an ``oauth_*`` parameter
    that arrives more than once, within one place or across header, query and body (RFC 5849
    §3.2: servers SHOULD answer 400 to duplicated protocol parameters).
    """
    params: Pairs = [*query, *form]
    if authorization and authorization[:6].lower() == "oauth ":
        params.extend((k, v) for k, v in _header_params(authorization) if k != "realm")
    repeated = sorted(k for k, n in Counter(k for k, _ in params if k.startswith("oauth_")).items() if n > 1)
    if repeated:
        raise _problem(
            400, "parameter_rejected", oauth_parameters_rejected=quote("&".join(repeated), safe="")
        )
    oauth = {key: value for key, value in params if key.startswith("oauth_")}
    signed = [(k, v) for k, v in params if k != "oauth_signature"]
    return OAuthRequest(http_method.upper(), url, signed, oauth)


def _header_params(authorization: str) -> Pairs:
    """The parameters of an ``Authorization: OAuth ...`` header, each as often as it was sent
    (oauthlib's parser returns a dict, which would hide a repeated one)."""
    try:
        parse_authorization_header(authorization)  # the syntax check
    except ValueError as exc:
        raise _problem(400, "parameter_rejected", oauth_parameters_rejected="Authorization") from exc
    pairs: Pairs = []
    for item in parse_http_list(authorization[6:]):
        name, _, value = item.strip().partition("=")
        if len(value) >= 2 and value[0] == value[-1] == '"':
            value = value[1:-1]
        pairs.append((name, unquote(value)))
    return pairs


def base_string(http_method: str, url: str, params: Pairs) -> str:
    """RFC 5849 §3.4.1 base string. (types-oauthlib declares a dict and a Literal method; the
    functions take a list of pairs, which keeps repeated names, and any method string.)"""
    normalized = oauth_signature.normalize_parameters(cast(Any, params))
    return oauth_signature.signature_base_string(
        cast(Any, http_method), oauth_signature.base_string_uri(url), normalized
    )


def sign(base: str, consumer_secret: str, token_secret: str | None) -> str:
    keys = Client("", client_secret=consumer_secret, resource_owner_secret=token_secret or "")
    return str(oauth_signature.sign_hmac_sha1_with_client(base, keys))


def _problem(status: int, problem: str, **extra: str) -> OAuthProblem:
    body = f"oauth_problem={problem}"
    for key, value in extra.items():
        body += f"&{key}={value}"
    return OAuthProblem(status, body)


class NonceCache:
    """Nonces seen within the timestamp window, per consumer+token+timestamp."""

    def __init__(self) -> None:
        self._seen: dict[tuple[str, str, str, str], float] = {}
        self._lock = threading.Lock()

    def use(self, consumer: str, token: str, timestamp: str, nonce: str, window: int) -> bool:
        """Record a nonce; False when it was already used."""
        now = time.time()
        key = (consumer, token, timestamp, nonce)
        with self._lock:
            if len(self._seen) > 50_000:
                self._seen = {k: t for k, t in self._seen.items() if now - t <= 2 * window}
            if key in self._seen:
                return False
            self._seen[key] = now
            return True


def verify(
    store: Store,
    req: OAuthRequest,
    nonces: NonceCache,
    *,
    stage: str | None,
    require_callback: bool = False,
    verifier: bool = False,
) -> Verified:
    """Check an OAuth-signed request; raise :class:`OAuthProblem` exactly as Flickr answers.

    ``stage``: "access" for API calls, "request" for access_token, None for request_token.
    """
    required = list(REQUIRED)
    if stage is not None:
        required.append("oauth_token")
    if require_callback:
        required.append("oauth_callback")
    if verifier:
        required.append("oauth_verifier")
    absent = [name for name in required if not req.oauth.get(name)]
    if absent:
        raise _problem(400, "parameter_absent", oauth_parameters_absent=quote("&".join(absent), safe=""))
    version = req.oauth.get("oauth_version")
    if version is not None and version != "1.0":
        raise _problem(400, "version_rejected", oauth_acceptable_versions="1.0-1.0")
    if req.oauth["oauth_signature_method"] != "HMAC-SHA1":
        raise _problem(400, "signature_method_rejected")

    consumer_key = req.oauth["oauth_consumer_key"]
    consumer_secret = store.consumer_secret(consumer_key)
    if consumer_secret is None:
        raise _problem(401, "consumer_key_unknown")

    window = store.config.oauth_timestamp_window
    now = int(time.time())
    stamp = req.oauth["oauth_timestamp"]
    if not stamp.isdigit() or abs(int(stamp) - now) > window:
        raise _problem(401, "timestamp_refused", oauth_acceptable_timestamps=f"{now - window}-{now + window}")

    token: Token | None = None
    if stage is not None:
        token = store.token(req.oauth["oauth_token"])
        if token is None or token.consumer_key != consumer_key:
            raise _problem(401, "token_rejected")
        if stage == "access" and token.kind == "request":
            raise _problem(401, "verifier_invalid")
        if token.kind != stage:
            raise _problem(401, "token_rejected")
        if stage == "access" and token.state != "active":
            raise _problem(401, "token_rejected")
        if stage == "request" and (
            token.state != "authorized" or token.verifier != req.oauth["oauth_verifier"]
        ):
            raise _problem(401, "token_rejected")

    base = base_string(req.http_method, req.url, req.params)
    expected = sign(base, consumer_secret, token.secret if token else None)
    if expected != req.oauth["oauth_signature"]:
        raise _problem(401, "signature_invalid", debug_sbs=base)

    if not nonces.use(consumer_key, token.token if token else "", stamp, req.oauth["oauth_nonce"], window):
        raise _problem(401, "nonce_used")
    return Verified(consumer_key, token)
