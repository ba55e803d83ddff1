"""OAuth 1.0a for Flickr: the pure signer, the pieces of the out-of-band flow, the token file.

Flickr accepts only OAuth 1.0a with HMAC-SHA1 (https://www.flickr.com/services/api/auth.oauth.html).
Signing is oauthlib's; this module only decides *what* is signed:

* REST GETs: the query string (built by :func:`encode_query`, RFC 3986 encoded, so the bytes we
  sign are the bytes we send);
* POSTs: the ``application/x-www-form-urlencoded`` fields;
* uploads and replaces: every multipart field **except** ``photo`` (REFERENCE §1.4). The client
  signs those fields as if they were a urlencoded body, then sends them multipart with the same
  ``Authorization`` header.

The OAuth parameters travel in the ``Authorization`` header (:func:`sign`), except for the one
call whose argument is itself a protocol parameter, ``flickr.auth.oauth.checkToken``: its
parameters travel in the POST body (:func:`sign_into_body`). Never both: each parameter is sent
once (RFC 5849 §3.2 lets a server refuse a repeated one with 400).

The signer is pure: the nonce and the timestamp are arguments. The network half of the flow
(request token, access token) is :func:`flickrsync.accounts.authorize` over
:meth:`flickrsync.wire.Wire.oauth_step`; here are the URL to send the user to and the parsers of
Flickr's form-encoded answers.

Token file (one per profile, ``<home>/tokens/<profile>.json``, mode 0600 in a 0700 directory,
written atomically)::

    {"format": 1, "token": "...", "secret": "...", "perms": "write",
     "nsid": "12345678@N01", "username": "...", "fullname": "..."}

Nothing here logs a token, a secret, a verifier or a signature.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import shlex
import stat
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal
from urllib.parse import parse_qsl, quote, urlencode

from oauthlib.oauth1 import SIGNATURE_HMAC_SHA1, SIGNATURE_TYPE_AUTH_HEADER, SIGNATURE_TYPE_BODY, Client

from flickrsync.errors import AuthError
from flickrsync.models import AccessToken, Account, Endpoints, Nsid, Perms

log = logging.getLogger("flickrsync.oauth")
# oauthlib logs every parameter, the base string and the signature at DEBUG: with the token in
# them. Never let those records exist, whatever level the application turns on.
logging.getLogger("oauthlib").setLevel(logging.WARNING)

TOKEN_FORMAT = 1
#: What we ask Flickr for. Uploads and photosets need ``write``; we never ask for ``delete``.
REQUESTED_PERMS: Perms = "write"
_PERMS: dict[str, Perms] = {"read": "read", "write": "write", "delete": "delete"}
_RANK: dict[Perms, int] = {"read": 1, "write": 2, "delete": 3}
_FORM = "application/x-www-form-urlencoded"


@dataclass(frozen=True, slots=True)
class Credentials:
    """The consumer key/secret (API key/secret) and, once authorised, the token and its secret."""

    api_key: str = field(repr=False)
    api_secret: str = field(repr=False)
    token: str | None = field(default=None, repr=False)
    token_secret: str | None = field(default=None, repr=False)


@dataclass(frozen=True, slots=True)
class RequestToken:
    """A temporary token from ``request_token``: good only for the authorise step."""

    token: str = field(repr=False)
    secret: str = field(repr=False)


def perms_at_least(have: Perms, need: Perms) -> bool:
    """Flickr's perms are cumulative: delete ⊃ write ⊃ read."""
    return _RANK[have] >= _RANK[need]


def auth_hint(profile: str) -> str:
    """What to tell the user when a profile has no usable token."""
    option = "" if profile == "DEFAULT" else f" -p {shlex.quote(profile)}"  # `-p 'my work'`
    return f"run `flickrsync auth{option}`"


# --- the pure signer -------------------------------------------------------------------------


def encode_query(params: Mapping[str, str]) -> str:
    """``a=1&b=x%20y``: RFC 3986 percent-encoding (space as %20), in the given order."""
    return urlencode(params, quote_via=quote, safe="")


def _signer(
    credentials: Credentials,
    *,
    nonce: str,
    timestamp: int,
    callback: str | None,
    verifier: str | None,
    signature_type: str,
) -> Client:
    return Client(
        credentials.api_key,
        client_secret=credentials.api_secret,
        resource_owner_key=credentials.token,
        resource_owner_secret=credentials.token_secret,
        callback_uri=callback,
        verifier=verifier,
        signature_method=SIGNATURE_HMAC_SHA1,
        signature_type=signature_type,
        nonce=nonce,
        timestamp=str(timestamp),
    )


def sign(
    credentials: Credentials,
    http_method: Literal["GET", "POST"],
    url: str,
    *,
    nonce: str,
    timestamp: int,
    form: Mapping[str, str] | None = None,
    callback: str | None = None,
    verifier: str | None = None,
) -> dict[str, str]:
    """The ``Authorization`` header for one request. Pure.

    ``url`` is the full URL as it will be sent, query string included (built with
    :func:`encode_query`). ``form`` holds the body fields that are signed: the urlencoded body of a
    POST, or the non-file fields of an upload. ``callback`` is for ``request_token`` (``"oob"``),
    ``verifier`` for ``access_token``. The OAuth parameters travel in the header only: none of
    them may also be in ``form`` or the query (a server may refuse a repeated one, RFC 5849 §3.2).
    """
    client = _signer(
        credentials,
        nonce=nonce,
        timestamp=timestamp,
        callback=callback,
        verifier=verifier,
        signature_type=SIGNATURE_TYPE_AUTH_HEADER,
    )
    if form:
        _, headers, _ = client.sign(
            url, http_method, body=encode_query(form), headers={"Content-Type": _FORM}
        )
    else:
        _, headers, _ = client.sign(url, http_method)
    return {"Authorization": headers["Authorization"]}


def sign_into_body(
    credentials: Credentials, url: str, *, nonce: str, timestamp: int, form: Mapping[str, str]
) -> str:
    """The urlencoded body of a POST that carries its own OAuth parameters, each once, next to
    ``form`` (no ``Authorization`` header). Pure.

    For ``flickr.auth.oauth.checkToken``, whose ``oauth_token`` argument Flickr reads from the
    request parameters, not from the header (REFERENCE §10): in the body it is the protocol
    parameter and the method's argument at once.
    """
    client = _signer(
        credentials,
        nonce=nonce,
        timestamp=timestamp,
        callback=None,
        verifier=None,
        signature_type=SIGNATURE_TYPE_BODY,
    )
    _, _, body = client.sign(url, "POST", body=encode_query(form), headers={"Content-Type": _FORM})
    return str(body)


# --- the out-of-band flow: pure parts --------------------------------------------------------


def request_token_url(endpoints: Endpoints) -> str:
    return f"{endpoints.oauth}request_token"


def access_token_url(endpoints: Endpoints) -> str:
    return f"{endpoints.oauth}access_token"


def authorize_url(endpoints: Endpoints, request_token: RequestToken, perms: Perms = REQUESTED_PERMS) -> str:
    """The page the user opens to approve us. ``perms`` is always given (REFERENCE §1.1)."""
    if perms == "delete":
        raise ValueError("flickrsync never asks for delete permission")
    query = encode_query({"oauth_token": request_token.token, "perms": perms})
    return f"{endpoints.oauth}authorize?{query}"


def parse_form(text: str) -> dict[str, str]:
    """Flickr's OAuth answers: ``a=1&b=2`` (``text/plain``)."""
    return dict(parse_qsl(text.strip(), keep_blank_values=True))


def parse_request_token(text: str) -> RequestToken:
    fields = parse_form(text)
    token, secret = fields.get("oauth_token"), fields.get("oauth_token_secret")
    if not token or not secret:
        raise AuthError("Flickr's request_token answer has no token", hint="try again later")
    return RequestToken(token=token, secret=secret)


@dataclass(frozen=True, slots=True)
class GrantedToken:
    """``access_token``'s answer: the token and whose it is. Perms are not in it (REFERENCE §1.1)."""

    token: str = field(repr=False)
    secret: str = field(repr=False)
    account: Account


def parse_access_token(text: str) -> GrantedToken:
    fields = parse_form(text)
    token, secret = fields.get("oauth_token"), fields.get("oauth_token_secret")
    nsid = fields.get("user_nsid")
    if not token or not secret or not nsid:
        raise AuthError("Flickr's access_token answer has no token", hint="run `flickrsync auth` again")
    account = Account(Nsid(nsid), fields.get("username", ""), fields.get("fullname", ""))
    return GrantedToken(token=token, secret=secret, account=account)


# --- the token file --------------------------------------------------------------------------


def save_token(path: Path, token: AccessToken) -> None:
    """Write the token file atomically: 0600 temp file in the 0700 directory, fsync, rename."""
    directory = path.parent
    directory.mkdir(mode=0o700, parents=True, exist_ok=True)
    if stat.S_IMODE(directory.stat().st_mode) & 0o077:
        directory.chmod(0o700)
    doc = {
        "format": TOKEN_FORMAT,
        "token": token.token,
        "secret": token.secret,
        "perms": token.perms,
        "nsid": token.account.nsid,
        "username": token.account.username,
        "fullname": token.account.fullname,
    }
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=directory)
    try:
        os.fchmod(fd, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            json.dump(doc, handle, indent=2)
            handle.write("\n")
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
    _fsync_dir(directory)
    log.info("stored the token of %s (%s perms) in %s", token.account.nsid, token.perms, path)


def _fsync_dir(directory: Path) -> None:
    """Make the rename into ``directory`` durable (best effort: not every file system can)."""
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def load_token(path: Path, profile: str) -> AccessToken | None:
    """The stored token, or None when the profile was never authorised.

    An unreadable or garbled file is an :class:`AuthError` telling the user to authorise again.
    (A token file other users can read is left as it is: the CLI warns with the ``chmod`` that
    fixes it, see :func:`flickrsync.config.loose_permissions`.)
    """
    try:
        raw = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise AuthError(
            f"{path}: cannot read the token file: {exc.strerror}", hint=auth_hint(profile)
        ) from None
    try:
        doc: Any = json.loads(raw)
        perms = _PERMS[str(doc["perms"])]
        token = str(doc["token"])
        secret = str(doc["secret"])
        account = Account(Nsid(str(doc["nsid"])), str(doc.get("username", "")), str(doc.get("fullname", "")))
    except (ValueError, KeyError, TypeError):
        raise AuthError(f"{path}: the token file is damaged", hint=auth_hint(profile)) from None
    if not token or not secret:
        raise AuthError(f"{path}: the token file is damaged", hint=auth_hint(profile))
    return AccessToken(token=token, secret=secret, perms=perms, account=account)
