"""The HTTP side of fakeflickr: routing, Flickr's response envelopes, and :class:`FakeFlickr`, which
serves them on :mod:`fakeflickr.httpserver` in a thread.

Paths, all on one host (Flickr spreads them over api./up./www./live.staticflickr.com):

=========================================  ====================================================
``/services/rest[/]``                      REST API (GET or POST; XML, JSON, JSONP)
``/services/upload[/]``                    upload (multipart POST; always XML)
``/services/replace[/]``                   replace (multipart POST; always XML)
``/services/oauth/request_token``          OAuth 1.0a step 1 (``oauth_callback`` required)
``/services/oauth/authorize``              approves at once; shows the verifier in ``id="verifier"``
                                           (``?user=<nsid or username>`` picks who approves,
                                           default: the first user)
``/services/oauth/access_token``           OAuth 1.0a step 3
``/{server}/{id}_{secret}[_{sfx}][_d].jpg``  photo files shaped like live.staticflickr.com
``/{server}/{id}_{osecret}_o.{format}``    the original, byte for byte (ETag, Content-MD5)
``/photos/{owner}/{id}/play/{label}/{secret}/``  video play page -> 302 to ``/video/...``
``/__admin/...``                           test controls, JSON (see :mod:`fakeflickr.admin`)
=========================================  ====================================================

Every request that reaches Flickr's paths is counted per REST method (or endpoint), passes the
rate limiter and the fault plan (:mod:`fakeflickr.faults`), then OAuth (:mod:`fakeflickr.oauth`).
Bad input never produces an HTTP 500: anything unexpected inside a handler is logged and answered
as Flickr's error 105 "Service currently unavailable" (so clients retry), not with a traceback.
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import logging
import re
import secrets
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from email.utils import formatdate
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlencode

from werkzeug.datastructures import FileStorage, MultiDict
from werkzeug.exceptions import HTTPException
from werkzeug.serving import BaseWSGIServer
from werkzeug.wrappers import Request, Response

from fakeflickr import admin, oauth, uploads
from fakeflickr.errors import (
    SERVICE_UNAVAILABLE,
    ApiError,
    OAuthProblem,
    format_not_found,
    insufficient_permissions,
    invalid_api_key,
    method_not_found,
    post_required,
)
from fakeflickr.faults import FILE_FAULTS, PORTAL_PAGE, RATE_LIMIT_BODY, Faults, RateLimiter
from fakeflickr.handlers import METHODS, Call
from fakeflickr.httpserver import IDLE_TIMEOUT, make_server
from fakeflickr.link import Link, LinkSettings
from fakeflickr.media import (
    CONTENT_TYPES,
    SIZE_BY_SUFFIX,
    available_sizes,
    generate_mp4,
    render_size,
    size_secret,
)
from fakeflickr.render import (
    JSON_CONTENT_TYPE,
    JSON_ERROR_CONTENT_TYPE,
    JSONP_CONTENT_TYPE,
    XML_CONTENT_TYPE,
    El,
    dumps,
    error_json_obj,
    error_xml,
    payload_to_json_obj,
    to_xml,
    wrap_jsonp,
)
from fakeflickr.state import PERM_LEVEL, Photo, Store, User
from fakeflickr.wsgi import (
    ClosingRequest,
    api_key_of,
    base_url_of,
    drop_connection,
    first_values,
    form_and_files,
    request_params,
    signed_request,
    signing_url,
)

log = logging.getLogger("fakeflickr.server")

OAUTH_CONTENT_TYPE = "text/plain;charset=UTF-8"
_STATIC = re.compile(
    r"^/(?P<server>\d+)/(?P<id>\d+)_(?P<secret>[0-9a-f]+)"
    r"(?:_(?P<suffix>3k|4k|5k|6k|[a-z]))?(?P<download>_d)?\.(?P<ext>[a-z0-9]+)$"
)
_PLAY = re.compile(r"^/photos/(?P<owner>[^/]+)/(?P<id>\d+)/play/(?P<label>[^/]+)/(?P<secret>[0-9a-f]+)/?$")
_VIDEO = re.compile(r"^/video/(?P<id>\d+)/(?P<secret>[0-9a-f]+)/(?P<label>[^/.]+)\.(?P<ext>[a-z0-9]+)$")
PERM_NAMES = {1: "read", 2: "write", 3: "delete"}
WSGIApp = Callable[[dict[str, Any], Any], Iterable[bytes]]


class DropConnection(Exception):
    """Close the client's connection without an answer (fault injection)."""


def _not_found() -> Response:
    return Response(b"", status=404, content_type="text/html; charset=utf-8")


def _forbidden() -> Response:
    """A video original through the API, when ``Config.video_originals`` is off."""
    return Response(b"", status=403, content_type="text/html; charset=utf-8")


def _oauth_response(problem: OAuthProblem) -> Response:
    return Response(problem.body, status=problem.status, content_type=OAUTH_CONTENT_TYPE)


class FileAnswer:
    """A file's 200 answer (a photo's original or rendition), served as plain WSGI rather than
    as a werkzeug :class:`Response`, whose header checks and copies were over a quarter of the
    app's CPU for a small file. The headers are the handler's, in its order, ``Content-Type`` last, as
    the :class:`Response` it stands for would send them (:meth:`response`, which a fault that
    spoils the file's bytes works on)."""

    status_code = 200

    def __init__(self, headers: dict[str, str], content_type: str, body: Iterator[bytes]) -> None:
        self.headers = [*headers.items(), ("Content-Type", content_type)]
        self.body = body

    def response(self) -> Response:
        return Response(self.body, status=200, headers=self.headers, direct_passthrough=True)

    def close(self) -> None:
        close = getattr(self.body, "close", None)
        if close is not None:
            close()

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
        start_response("200 OK", self.headers)
        if environ.get("REQUEST_METHOD") == "HEAD":
            self.close()
            return []
        return self.body


Answer = Response | FileAnswer


class App:
    """The WSGI application. Holds the store and the test controls."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self.faults = Faults()
        self.rate_limit = RateLimiter()
        #: Latency and bandwidth between the client and Flickr (off unless configured).
        self.link = Link()
        self.nonces = oauth.NonceCache()
        self._calls: Counter[str] = Counter()
        #: Unexpected failures inside fakeflickr (answered as error 105); tests assert it stays empty.
        self.internal_errors: list[str] = []
        self._calls_lock = threading.Lock()

    # --- counters -------------------------------------------------------------------------------

    def count(self, name: str) -> None:
        with self._calls_lock:
            self._calls[name] += 1

    def calls(self) -> dict[str, int]:
        with self._calls_lock:
            return dict(sorted(self._calls.items()))

    def reset_calls(self) -> None:
        with self._calls_lock:
            self._calls.clear()

    # --- WSGI -----------------------------------------------------------------------------------

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
        request = ClosingRequest(environ)
        request.max_content_length = 4 * 1024 * 1024 * 1024
        try:
            response = self.dispatch(request)
        except DropConnection:
            drop_connection(environ)
            raise ConnectionAbortedError("fakeflickr dropped the connection (fault injection)") from None
        finally:
            request.close()  # closes the temporary files of multipart parts
        return response(environ, start_response)

    def dispatch(self, request: Request) -> Answer:
        path = request.path
        if path.startswith("/__admin/"):
            return admin.handle(self, request)
        stripped = path.rstrip("/")
        if stripped == "/services/rest":
            return self.guarded(request, "rest", self.rest)
        if stripped in ("/services/upload", "/services/replace"):
            kind = stripped.rsplit("/", 1)[1]
            return self.guarded(request, kind, lambda r: self.upload(r, kind))
        if stripped.startswith("/services/oauth/"):
            step = stripped.rsplit("/", 1)[1]
            if step in ("request_token", "authorize", "access_token"):
                return self.guarded(request, "oauth", lambda r: self.oauth_step(r, step))
        m = _STATIC.match(path)
        if m:
            return self.guarded(request, "static", lambda r: self.static(r, m))
        m = _PLAY.match(path)
        if m:
            return self.guarded(request, "static", lambda r: self.play(r, m))
        m = _VIDEO.match(path)
        if m:
            return self.guarded(request, "static", lambda r: self.video(r, m))
        return _not_found()

    def guarded(self, request: Request, endpoint: str, handler: Any) -> Answer:
        """Count, rate-limit and fault-inject one request, then run its handler. Files on the
        static hosts are not API calls: no method, and no API key's rate limit (REFERENCE §7),
        so their API key is not looked for."""
        params = first_values(request.args.items(multi=True)) if endpoint != "static" else {}
        method_name = params.get("method") if endpoint == "rest" else None
        if endpoint == "rest":
            with contextlib.suppress(ValueError, HTTPException):
                method_name = first_values(request.form.items(multi=True)).get("method", method_name)
        if endpoint == "oauth":
            self.count(f"oauth.{request.path.rstrip('/').rsplit('/', 1)[1]}")
        else:
            self.count(method_name or endpoint)
        if endpoint != "static":
            key = api_key_of(request, params)
            if not self.rate_limit.allow(key):
                return Response(RATE_LIMIT_BODY, status=429, content_type="text/html; charset=utf-8")
        fault = self.faults.decide(endpoint, method_name)
        if fault in ("http500", "http502", "http503"):
            status = int(fault[4:])
            body = f"<html><body><h1>{status} Server Error</h1></body></html>\n"
            return Response(body, status=status, content_type="text/html; charset=utf-8")
        if fault == "drop":
            raise DropConnection
        if fault == "slow":
            time.sleep(self.faults.slow_seconds())
        if fault == "code105":
            return self.api_error_response(request, ApiError(*SERVICE_UNAVAILABLE), xml_only=False)
        if fault == "portal":
            return Response(PORTAL_PAGE, status=200, content_type="text/html; charset=utf-8")
        try:
            response: Answer = handler(request)
        except OAuthProblem as problem:  # e.g. a repeated oauth_* parameter, found while gathering
            response = _oauth_response(problem)
        except HTTPException as exc:
            log.info("bad request to %s: %s", request.path, exc)
            response = self.api_error_response(
                request, ApiError(*SERVICE_UNAVAILABLE), xml_only=endpoint != "rest"
            )
        except Exception as exc:
            log.exception("fakeflickr failed on %s", request.path)
            self.internal_errors.append(f"{request.method} {request.path}: {exc!r}")
            response = self.api_error_response(
                request, ApiError(*SERVICE_UNAVAILABLE), xml_only=endpoint != "rest"
            )
        if fault == "drop_after_commit":
            response.close()  # e.g. the open original file of a photo download
            raise DropConnection
        if fault in FILE_FAULTS and response.status_code == 200:
            return self.faults.spoil(
                response.response() if isinstance(response, FileAnswer) else response, fault
            )
        return response

    # --- REST -----------------------------------------------------------------------------------

    def api_error_response(self, request: Request, error: ApiError, *, xml_only: bool) -> Response:
        params = request_params(request)
        return self.render(params, None, error, xml_only=xml_only)

    def render(
        self,
        params: dict[str, str],
        payload: list[El] | None,
        error: ApiError | None,
        *,
        xml_only: bool = False,
        repeatable: tuple[str, ...] = (),
    ) -> Response:
        fmt = params.get("format", "")
        if xml_only or fmt not in ("json",):
            if error is not None:
                body = error_xml(error.code, error.message, error.extra)
            else:
                body = to_xml(payload or [])
            return Response(body, status=200, content_type=XML_CONTENT_TYPE)
        if error is not None:
            obj = error_json_obj(error.code, error.message)
        else:
            obj = payload_to_json_obj(payload or [], repeatable)
        body = dumps(obj)
        if params.get("nojsoncallback") == "1":
            return Response(
                body, status=200, content_type=JSON_ERROR_CONTENT_TYPE if error else JSON_CONTENT_TYPE
            )
        callback = params.get("jsoncallback")
        if callback is not None and not re.fullmatch(r"[A-Za-z_$][\w$.]*", callback):
            callback = None
        return Response(wrap_jsonp(body, callback), status=200, content_type=JSONP_CONTENT_TYPE)

    def authenticate(
        self, signed: oauth.OAuthRequest, params: dict[str, str]
    ) -> tuple[User | None, str, str | None]:
        """OAuth (when present) or a bare API key: the user, the token's perms, the token."""
        if signed.present:
            verified = oauth.verify(self.store, signed, self.nonces, stage="access")
            api_key = params.get("api_key")
            if api_key and api_key != verified.consumer_key:
                raise invalid_api_key(api_key)
            token = verified.token
            assert token is not None
            assert token.user_nsid is not None
            user = self.store.user(token.user_nsid)
            return user, token.perms or "read", token.token
        api_key = params.get("api_key")
        if not api_key or self.store.consumer_secret(api_key) is None:
            raise invalid_api_key(api_key)
        return None, "none", None

    def rest(self, request: Request) -> Response:
        params = request_params(request)
        fmt = params.get("format", "")
        try:
            if fmt not in ("", "rest", "json"):
                raise format_not_found(fmt)
            signed = signed_request(request)
            try:
                user, perms, token = self.authenticate(signed, params)
            except OAuthProblem as problem:
                return _oauth_response(problem)
            method_name = params.get("method", "")
            spec = METHODS.get(method_name)
            if spec is None:
                raise method_not_found(method_name)
            if spec.needs_post and request.method != "POST":
                raise post_required()
            needed = max(spec.perms, 1 if spec.needs_login else 0)
            if needed and (user is None or PERM_LEVEL[perms] < needed):
                raise insufficient_permissions(PERM_NAMES[needed], perms if user is not None else "none")
            uploads.complete_due_tickets(self.store)
            call = Call(self.store, params, user, perms, base_url_of(request), request.method, token)
            kept: ApiError | None = None
            with self.store.tx():
                try:
                    payload = spec.handler(call)
                except ApiError as error:
                    if not error.keep_changes:
                        raise
                    kept = error
            if kept is not None:
                raise kept
            return self.render(params, payload, None, repeatable=spec.repeatable)
        except ApiError as error:
            return self.render(params, None, error)

    # --- upload / replace -------------------------------------------------------------------------

    def upload(self, request: Request, kind: str) -> Response:
        try:
            form, files = form_and_files(request)
        except (ValueError, HTTPException):
            form, files = MultiDict(), MultiDict()
        query = list(request.args.items(multi=True))
        fields_pairs = [(k, v) for k, v in query + list(form.items(multi=True)) if k != "photo"]
        fields = first_values(fields_pairs)
        signed = oauth.gather(
            request.method,
            signing_url(request),
            query,
            [(k, v) for k, v in form.items(multi=True) if k != "photo"],
            request.headers.get("Authorization"),
        )
        try:
            if signed.present:
                try:
                    verified = oauth.verify(self.store, signed, self.nonces, stage="access")
                except OAuthProblem as problem:
                    return _oauth_response(problem)
                api_key = fields.get("api_key")
                if api_key and api_key != verified.consumer_key:
                    raise invalid_api_key(api_key)
                assert verified.token is not None
                assert verified.token.user_nsid is not None
                user = self.store.user(verified.token.user_nsid)
                perms = verified.token.perms or "read"
            else:
                api_key = fields.get("api_key")
                if not api_key or self.store.consumer_secret(api_key) is None:
                    raise invalid_api_key(api_key)
                user, perms = None, "none"
            if user is None or PERM_LEVEL[perms] < PERM_LEVEL["write"]:
                raise insufficient_permissions("write", perms if user is not None else "none")
            part = files.get("photo")
            received = (
                uploads.receive(self.store, part.stream, part.filename)
                if isinstance(part, FileStorage)
                else None
            )
            uploads.complete_due_tickets(self.store)
            if kind == "upload":
                payload = uploads.upload(self.store, user, fields, received)
            else:
                payload = uploads.replace(self.store, user, fields, received)
            return self.render(fields, payload, None, xml_only=True)
        except ApiError as error:
            return self.render(fields, None, error, xml_only=True)

    # --- OAuth ----------------------------------------------------------------------------------

    def oauth_step(self, request: Request, step: str) -> Response:
        if step == "authorize":
            return self.authorize_page(request)
        signed = signed_request(request)
        try:
            if step == "request_token":
                verified = oauth.verify(self.store, signed, self.nonces, stage=None, require_callback=True)
                token = self.store.create_request_token(verified.consumer_key, signed.oauth["oauth_callback"])
                body = "&".join(
                    [
                        "oauth_callback_confirmed=true",
                        f"oauth_token={token.token}",
                        f"oauth_token_secret={token.secret}",
                    ]
                )
                return Response(body, status=200, content_type=OAUTH_CONTENT_TYPE)
            verified = oauth.verify(self.store, signed, self.nonces, stage="request", verifier=True)
            assert verified.token is not None
            access = self.store.exchange_request_token(verified.token.token, signed.oauth["oauth_verifier"])
            if access is None or access.user_nsid is None:
                raise OAuthProblem(401, "oauth_problem=token_rejected")
            user = self.store.user(access.user_nsid)
            assert user is not None
            values = [
                ("fullname", user.fullname),
                ("oauth_token", access.token),
                ("oauth_token_secret", access.secret),
                ("user_nsid", user.nsid),
                ("username", user.username),
            ]
            body = "&".join(f"{k}={quote(v, safe='')}" for k, v in values)
            return Response(body, status=200, content_type=OAUTH_CONTENT_TYPE)
        except OAuthProblem as problem:
            return _oauth_response(problem)

    def authorize_page(self, request: Request) -> Response:
        params = request_params(request)
        token_value = params.get("oauth_token", "")
        perms = params.get("perms", "")
        token = self.store.token(token_value) if token_value else None
        if token is None or token.kind != "request" or token.state != "new":
            return _html_page(
                "Flickr: invalid request",
                '<p id="error">Oops! The request token is invalid or was used already.</p>',
                400,
            )
        if perms not in ("read", "write", "delete"):
            return _html_page(
                "Flickr: permissions", '<p id="error">Flickr doesn\'t recognise the permission set.</p>', 400
            )
        who = params.get("user")
        user = self.store.find_user(who) if who else self.store.default_user()
        if user is None:
            return _html_page("Flickr: no such user", '<p id="error">No such user.</p>', 400)
        verifier = self.store.authorize_request_token(token.token, user.nsid, perms)
        body = (
            f'<p>You authorised the application to <strong id="perms">{perms}</strong> the photos of '
            f'<strong id="user">{_html(user.username)}</strong> ({_html(user.nsid)}).</p>\n'
            f'<p>Your code: <span id="verifier">{verifier}</span></p>'
        )
        if token.callback and token.callback != "oob":
            joiner = "&" if "?" in token.callback else "?"
            query = urlencode({"oauth_token": token.token, "oauth_verifier": verifier})
            location = f"{token.callback}{joiner}{query}"
            response = _html_page("Flickr: authorised", body, 302)
            response.headers["Location"] = location
            return response
        return _html_page("Flickr: authorised", body, 200)

    # --- static files ---------------------------------------------------------------------------

    def static(self, request: Request, m: re.Match[str]) -> Answer:
        photo = self.store.photo(int(m["id"])) if len(m["id"]) < 19 else None
        if photo is None or photo.server != m["server"]:
            return _not_found()
        suffix = m["suffix"] or ""
        filename = request.path.rsplit("/", 1)[1].replace("_d.", ".")
        if suffix == "o":
            if m["secret"] != photo.originalsecret:
                return _not_found()
            if photo.media == "video" and m["ext"] == "jpg":
                return self._resized(request, photo, "o", filename, bool(m["download"]))
            if m["ext"] != photo.originalformat:
                return _not_found()
            if photo.media == "video" and not self.store.config.video_originals:
                return _forbidden()
            return self._original(request, photo, filename, bool(m["download"]))
        size = SIZE_BY_SUFFIX.get(suffix)
        if size is None or m["ext"] != "jpg":
            return _not_found()
        if size not in available_sizes(
            photo.width, photo.height, "video" if photo.media == "video" else "photo"
        ):
            return _not_found()
        expected = (
            size_secret(photo.secret, photo.originalsecret, suffix) if size.own_secret else photo.secret
        )
        if m["secret"] != expected:
            return _not_found()
        return self._resized(request, photo, suffix, filename, bool(m["download"]))

    def _original(self, request: Request, photo: Photo, filename: str, download: bool) -> FileAnswer:
        photo, path = self.store.ensure_original(photo)
        md5 = photo.file_md5 or ""
        headers = {
            "Content-Length": str(photo.file_size),
            "ETag": f'"{md5}"',
            "Content-MD5": base64.b64encode(bytes.fromhex(md5)).decode(),
            "Last-Modified": formatdate(photo.dateupload, usegmt=True),
            "Cache-Control": "public, max-age=31536000",
            "Access-Control-Allow-Origin": "*",
            "Access-Control-Allow-Methods": "GET, OPTIONS",
            "ImageWidth": str(photo.width),
            "ImageHeight": str(photo.height),
        }
        if download:
            headers["Content-Disposition"] = f"attachment; filename={filename}"
        content_type = CONTENT_TYPES.get(photo.originalformat, "application/octet-stream")
        return FileAnswer(headers, content_type, _file_chunks(path))

    def _resized(
        self, request: Request, photo: Photo, suffix: str, filename: str, download: bool
    ) -> FileAnswer:
        cache = self.store.cache_path(photo, suffix)
        if not cache.exists():
            if photo.media == "video":
                original = None
            else:
                photo, original = self.store.ensure_original(photo)
            if suffix == "o":
                size = available_sizes(photo.width, photo.height, "video")[-1]
            else:
                size = SIZE_BY_SUFFIX[suffix]
            data = render_size(
                original,
                "video" if photo.media == "video" else "photo",
                photo.width,
                photo.height,
                size=size,
                seed=f"{photo.id}",
            )
            cache.parent.mkdir(parents=True, exist_ok=True)
            tmp = cache.with_suffix(f".{threading.get_ident()}.tmp")
            tmp.write_bytes(data)
            tmp.replace(cache)
        data = cache.read_bytes()
        headers = {
            "ETag": f'"{hashlib.md5(data).hexdigest()}.1"',
            "Last-Modified": formatdate(photo.lastupdate, usegmt=True),
            "Cache-Control": "public, max-age=31536000",
            "Access-Control-Allow-Origin": "*",
        }
        if download:
            headers["Content-Disposition"] = f"attachment; filename={filename}"
        # Resized files were served chunked, without Content-Length or Content-MD5 (recorded 2024).
        return FileAnswer(headers, "image/jpeg", _chunks(data))

    def _video_for(self, m: re.Match[str]) -> Photo | None:
        """The video a play/video URL names, if its secret fits the label ("orig": original)."""
        photo = self.store.photo(int(m["id"])) if len(m["id"]) < 19 else None
        if photo is None or photo.media != "video":
            return None
        expected = photo.originalsecret if m["label"] == "orig" else photo.secret
        return photo if m["secret"] == expected else None

    def play(self, request: Request, m: re.Match[str]) -> Response:
        photo = self._video_for(m)
        if photo is None:
            return _not_found()
        label = m["label"]
        ext = photo.originalformat if label == "orig" else "mp4"
        token = base64.urlsafe_b64encode(f"{photo.id}:{label}".encode()).decode().rstrip("=")
        response = Response(b"", status=302)
        response.headers["Location"] = (
            f"{base_url_of(request)}/video/{photo.id}/{m['secret']}/{label}.{ext}?s={token}"
        )
        return response

    def video(self, request: Request, m: re.Match[str]) -> Response:
        photo = self._video_for(m)
        if photo is None:
            return _not_found()
        label = m["label"]
        if label != "orig":
            # A version Flickr made: another file than the one uploaded (sized for the label).
            lines = {"360p": 360, "720p": 720, "1080p": 1080}.get(label, 360)
            short = min(photo.width, photo.height)
            scale = min(1.0, lines / short) if short else 1.0
            data = generate_mp4(
                max(2, round(photo.width * scale)),
                max(2, round(photo.height * scale)),
                photo.duration or 1,
                seed=f"{photo.id}:{label}:{photo.secret}",
            )
            headers = {"Content-Length": str(len(data)), "Cache-Control": "public, max-age=31536000"}
            return Response(_chunks(data), status=200, headers=headers, content_type="video/mp4")
        if not self.store.config.video_originals:
            return _forbidden()
        photo, path = self.store.ensure_original(photo)
        headers = {"Content-Length": str(photo.file_size), "Cache-Control": "public, max-age=31536000"}
        body = _file_chunks(path)
        content_type = CONTENT_TYPES.get(photo.originalformat, "video/mp4")
        return Response(body, status=200, headers=headers, content_type=content_type, direct_passthrough=True)


# --- request helpers ----------------------------------------------------------------------------


def _chunks(data: bytes, size: int = 65536) -> Iterator[bytes]:
    for start in range(0, len(data), size):
        yield data[start : start + size]


def _html(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")


def _html_page(title: str, body: str, status: int) -> Response:
    page = (
        f"<!DOCTYPE html>\n<html><head><title>{_html(title)}</title></head>\n<body>\n{body}\n</body></html>\n"
    )
    return Response(page, status=status, content_type="text/html; charset=utf-8")


# --- the server ---------------------------------------------------------------------------------


def _file_chunks(path: Path, size: int = 1 << 16) -> Iterator[bytes]:
    """A file's bytes, streamed. A generator rather than werkzeug's ``wrap_file``: when a client
    disconnects mid-download, werkzeug's dev server may skip ``close()`` on the body; a generator
    left behind is finalised by the garbage collector, and its ``with`` closes the file then."""
    with path.open("rb") as stream:
        while chunk := stream.read(size):
            yield chunk


class FakeFlickr:
    """fakeflickr in a background thread, e.g. for tests::

        with FakeFlickr(tmp_path, consumers=[("key", "secret")]) as ff:
            client = make_client(ff.base_url, "key", "secret")

    ``consumers``: API key/secret pairs to register. When none are given and the data dir has none
    yet, a demo pair is generated (see :attr:`consumer`). A first user ("demo") is created when the
    data dir has no user, so the authorize page always has someone to approve.

    ``latency_ms``, ``up_bytes_per_s``, ``down_bytes_per_s``: the network model of
    :mod:`fakeflickr.link` (round trip per request, shared bandwidth each way); 0 = off.
    ``middleware`` wraps the WSGI app the HTTP server calls, outside the link (tests record the
    raw requests with it). ``idle_timeout``: seconds a kept-alive connection may wait for its next
    request (see :mod:`fakeflickr.httpserver`).
    """

    def __init__(
        self,
        data_dir: Path | str,
        host: str = "127.0.0.1",
        port: int = 0,
        consumers: Sequence[tuple[str, str]] | None = None,
        *,
        latency_ms: float = 0.0,
        up_bytes_per_s: int = 0,
        down_bytes_per_s: int = 0,
        middleware: Callable[[WSGIApp], WSGIApp] | None = None,
        idle_timeout: float = IDLE_TIMEOUT,
    ) -> None:
        self.store = Store(Path(data_dir))
        self.app = App(self.store)
        self.app.link.configure(LinkSettings(latency_ms, up_bytes_per_s, down_bytes_per_s))
        linked: WSGIApp = self.app.link.wrap(self.app)
        #: What the HTTP server calls: the app seen through the link, or ``middleware`` of that.
        self._wsgi: WSGIApp = middleware(linked) if middleware is not None else linked
        for key, secret in consumers or []:
            self.store.add_consumer(key, secret)
        if not self.store.consumers():
            self.store.add_consumer(secrets.token_hex(16), secrets.token_hex(8))
        if self.store.default_user() is None:
            self.store.create_user("demo", fullname="Demo User", realname="Demo User")
        self._host = host
        self._port = port
        self._idle_timeout = idle_timeout
        self._server: BaseWSGIServer | None = None
        self._thread: threading.Thread | None = None

    @property
    def consumer(self) -> tuple[str, str]:
        """The first registered (key, secret)."""
        return self.store.consumers()[0]

    @property
    def base_url(self) -> str:
        if self._server is None:
            raise RuntimeError("fakeflickr is not running")
        host = self._host if ":" not in self._host else f"[{self._host}]"
        return f"http://{host}:{self._server.port}"

    def _make_server(self) -> BaseWSGIServer:
        return make_server(self._host, self._port, self._wsgi, idle_timeout=self._idle_timeout)

    def start(self) -> FakeFlickr:
        self._server = self._make_server()
        server = self._server
        self._thread = threading.Thread(
            target=lambda: server.serve_forever(poll_interval=0.05), name="fakeflickr", daemon=True
        )
        self._thread.start()
        return self

    def serve_forever(self) -> None:
        """Run in the calling thread (``python -m fakeflickr``)."""
        if self._server is None:
            self._server = self._make_server()
        self._server.serve_forever()

    def bind(self) -> None:
        self._server = self._make_server()

    def stop(self) -> None:
        """Stop serving and close the store. (``shutdown()`` is only for a server running in the
        background thread: it would wait forever for a loop that never started.)"""
        if self._server is not None:
            if self._thread is not None:
                self._server.shutdown()
            self._server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=10)
        self._server = None
        self._thread = None
        self.store.close()

    def __enter__(self) -> FakeFlickr:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
