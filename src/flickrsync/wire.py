"""The wire: signed requests to Flickr, and every failure as one typed error.

:class:`Wire` signs each request with OAuth 1.0a (:mod:`flickrsync.oauth`), keeps the key's call
budget (:class:`~flickrsync.retry.RateBudget`), retries what may be retried
(:func:`~flickrsync.retry.is_retryable`) and turns every failure into one typed error from
:mod:`flickrsync.errors` carrying Flickr's code, message and the method. What each API method
means is :class:`~flickrsync.client.FlickrClient`'s, built on this.

Wire rules (REFERENCE §2): REST reads are GETs with the arguments in the query string, every
write is a POST with a urlencoded body (Flickr refuses setters over GET, code 116), all with
``format=json&nojsoncallback=1``. Each OAuth parameter travels once: in the ``Authorization``
header, or (checkToken) in the POST body. Uploads and replaces are multipart POSTs whose
signature covers every field but ``photo`` (§1.4); they answer in XML.

Writes that must not happen twice (upload, replace, photosets.create) are retried only when the
request cannot have reached Flickr. Otherwise :class:`~flickrsync.errors.OutcomeUnknownError`
is raised and the caller looks before trying again (the client's ``upload_once`` does that for
uploads with the photo's machine tag).

One wire may be shared by many threads: ``httpx.Client`` pools connections and is thread-safe;
the budget and the counters take a lock. Nothing here logs a token, a secret, a verifier or a
signature: requests are logged by method name only.
"""

from __future__ import annotations

import http.cookiejar
import json
import logging
import mimetypes
import random
import secrets
import threading
import time
from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import IO, Any, Literal, TypeVar

import httpx

from flickrsync import __version__
from flickrsync.errors import (
    AuthError,
    DuplicateUploadError,
    FlickrsyncError,
    OutcomeUnknownError,
    RemoteError,
    TransientError,
    UsageError,
)
from flickrsync.models import AccessToken, Endpoints, Perms, readable
from flickrsync.oauth import (
    Credentials,
    auth_hint,
    encode_query,
    parse_form,
    perms_at_least,
    sign,
    sign_into_body,
)
from flickrsync.parse import Json, MalformedResponse, UploadAnswer, as_int, parse_upload_response
from flickrsync.retry import (
    Backoff,
    RateBudget,
    RetryNotices,
    call_with_retry,
    is_retryable_code,
    never_sent,
)
from flickrsync.statichttp import SmallFiles

log = logging.getLogger("flickrsync.wire")

T = TypeVar("T")

#: Methods that change something: POSTed, and refused unless the token has ``write``.
WRITE_METHODS = frozenset(
    {
        "flickr.photos.addTags",
        "flickr.photos.setTags",
        "flickr.photos.removeTag",
        "flickr.photos.setMeta",
        "flickr.photos.setDates",
        "flickr.photos.setPerms",
        "flickr.photos.setSafetyLevel",
        "flickr.photos.setContentType",
        "flickr.photosets.create",
        "flickr.photosets.addPhoto",
        "flickr.photosets.removePhoto",
        "flickr.photosets.removePhotos",
        "flickr.photosets.editPhotos",
        "flickr.photosets.editMeta",
        "flickr.photosets.orderSets",
        "flickr.photosets.setPrimaryPhoto",
        "flickr.photosets.reorderPhotos",
        "flickr.groups.pools.add",
        "flickr.photosets.delete",
    }
)
#: Writes that would be duplicated if repeated after a lost answer.
NOT_IDEMPOTENT = frozenset({"flickr.photosets.create"})
#: flickrsync never deletes: these are refused before anything is sent.
FORBIDDEN = frozenset({"flickr.photos.delete", "flickr.groups.pools.remove"})
#: Deletes an album (never its photos): only :meth:`FlickrClient.delete_photoset` sends it, for
#: ``--prune``; a plain :meth:`FlickrClient.call` refuses it like the methods above.
PRUNE_ONLY = frozenset({"flickr.photosets.delete"})


# --- counters --------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class CallStats:
    """How much a client has talked to Flickr (for the run summary)."""

    calls: int
    retries: int
    budget_wait: float
    by_method: tuple[tuple[str, int], ...]
    #: Image/video downloads (static hosts: not API calls, not in the budget).
    downloads: int = 0


class Wire:
    """Signed calls to Flickr for one profile (one API key + one token): the transport under
    :class:`~flickrsync.client.FlickrClient`, which builds it and owns every default."""

    def __init__(
        self,
        http: httpx.Client,
        *,
        api_key: str,
        api_secret: str,
        token: AccessToken | None,
        endpoints: Endpoints,
        profile: str,
        budget: RateBudget,
        backoff: Backoff,
        sleep: Callable[[float], None],
        clock: Callable[[], float],
        rng: random.Random,
        upload_timeout: float,
    ) -> None:
        self.http = http
        #: Small files into memory: the shared client's lean path, or through ``http`` itself.
        self.small_files = http.small_files if isinstance(http, HttpClient) else SmallFiles(http)
        self.endpoints = endpoints
        self.profile = profile
        self.token = token
        self.budget = budget
        self.backoff = backoff
        self._credentials = Credentials(
            api_key, api_secret, token.token if token else None, token.secret if token else None
        )
        self._sleep = sleep
        self._clock = clock
        self._rng = rng
        self._upload_timeout = httpx.Timeout(upload_timeout, connect=30.0)
        self._lock = threading.Lock()
        self._by_method: Counter[str] = Counter()
        self._retries = 0
        self._downloads = 0
        self._notices = RetryNotices(f"[{profile}] ")

    # --- counters ----------------------------------------------------------------------------

    def stats(self) -> CallStats:
        with self._lock:
            by_method = tuple(sorted(self._by_method.items()))
            return CallStats(
                sum(self._by_method.values()), self._retries, self.budget.waited, by_method, self._downloads
            )

    def _count(self, what: str) -> None:
        with self._lock:
            self._by_method[what] += 1

    def _on_retry(self, _exc: BaseException, _wait: float) -> None:
        with self._lock:
            self._retries += 1

    def with_retries(self, fn: Callable[[], T], what: str) -> T:
        """Run ``fn`` under this client's retry policy (for the engine, once it has checked)."""
        return call_with_retry(
            fn,
            what=what,
            policy=self.backoff,
            sleep=self._sleep,
            rng=self._rng,
            on_retry=self._on_retry,
            notices=self._notices,
        )

    # --- the wire ----------------------------------------------------------------------------

    def _request(
        self,
        http_method: Literal["GET", "POST"],
        url: str,
        *,
        what: str,
        query: Mapping[str, str] | None = None,
        form: Mapping[str, str] | None = None,
        files: Mapping[str, tuple[str, IO[bytes], str]] | None = None,
        idempotent: bool = True,
        credentials: Credentials | None = None,
        callback: str | None = None,
        verifier: str | None = None,
        timeout: httpx.Timeout | None = None,
        oauth_in_body: bool = False,
    ) -> httpx.Response:
        """One signed request; HTTP-level failures become typed errors. No retries here.

        The OAuth parameters go in the ``Authorization`` header, or with ``oauth_in_body`` into
        the urlencoded body of a POST (never both: each parameter is sent once)."""
        full_url = f"{url}?{encode_query(query)}" if query else url
        credentials = credentials or self._credentials
        nonce, timestamp = secrets.token_hex(16), int(self._clock())
        body: str | None = None
        if oauth_in_body:
            if http_method != "POST" or files is not None or form is None:
                raise ValueError("OAuth parameters go into the body of a urlencoded POST only")
            headers: dict[str, str] = {}
            body = sign_into_body(credentials, full_url, nonce=nonce, timestamp=timestamp, form=form)
        else:
            headers = sign(
                credentials,
                http_method,
                full_url,
                nonce=nonce,
                timestamp=timestamp,
                form=form,
                callback=callback,
                verifier=verifier,
            )
            if form is not None and files is None:
                body = encode_query(form)
        self.budget.acquire()
        self._count(what)
        started = time.monotonic()
        kwargs: dict[str, Any] = {"headers": headers}
        if timeout is not None:
            kwargs["timeout"] = timeout
        try:
            if files is not None:
                response = self.http.request(
                    http_method, full_url, data=dict(form or {}), files=files, **kwargs
                )
            elif body is not None:
                headers["Content-Type"] = "application/x-www-form-urlencoded"
                response = self.http.request(http_method, full_url, content=body, **kwargs)
            else:
                response = self.http.request(http_method, full_url, **kwargs)
        except httpx.TransportError as exc:
            message = f"{what}: {type(exc).__name__}: {str(exc) or 'connection failed'}"
            if idempotent or never_sent(exc):
                raise TransientError(message, method=what) from exc
            raise OutcomeUnknownError(message, method=what) from exc
        log.debug("%s %s -> %d (%.2fs)", http_method, what, response.status_code, time.monotonic() - started)
        self._check_status(response, what, idempotent)
        return response

    def oauth_step(
        self,
        url: str,
        what: str,
        credentials: Credentials,
        *,
        callback: str | None = None,
        verifier: str | None = None,
    ) -> str:
        """One leg of the OAuth dance (request_token / access_token): the form-encoded answer."""
        response = self._request(
            "POST",
            url,
            what=what,
            form={},
            credentials=credentials,
            callback=callback,
            verifier=verifier,
            idempotent=verifier is None,
        )
        return response.text

    def _check_status(self, response: httpx.Response, what: str, idempotent: bool) -> None:
        status = response.status_code
        if status == 200:
            return
        if status == 429:
            wait = self._retry_after(response)
            self.budget.pause(wait)
            raise TransientError(
                f"{what}: Flickr says too many requests (HTTP 429)", method=what, http_status=429
            )
        if status >= 500:
            message = f"{what}: Flickr server error (HTTP {status})"
            if idempotent:
                raise TransientError(message, method=what, http_status=status)
            raise OutcomeUnknownError(message, method=what, http_status=status)
        problem = parse_form(response.text).get("oauth_problem") if status in (400, 401) else None
        if problem:
            raise self._oauth_error(problem, what, status, response.text)
        raise RemoteError(
            f"{what}: Flickr refused the request (HTTP {status})", method=what, http_status=status
        )

    def _retry_after(self, response: httpx.Response) -> float:
        header = as_int(response.headers.get("Retry-After"))
        base = self.backoff.rate_limited
        return float(min(max(header, 0), 900)) if header is not None else base

    def _oauth_error(self, problem: str, what: str, status: int, body: str) -> AuthError:
        sbs = parse_form(body).get("debug_sbs")
        if sbs:
            # The base string names the token and the consumer key: keep only its shape.
            log.debug("%s: Flickr's base string starts %s", what, sbs.split("&", 2)[:2])
        hint = auth_hint(self.profile)
        if problem in ("consumer_key_unknown", "consumer_key_rejected", "consumer_key_refused"):
            return AuthError(
                f"Flickr does not know the API key of profile [{self.profile}] ({problem})",
                hint=f"check api_key and api_secret in config.ini, then {hint}",
            )
        if problem == "signature_invalid" and self._credentials.token is None:
            return AuthError(
                f"Flickr rejected our signature for profile [{self.profile}] ({problem})",
                hint="check api_secret in config.ini and the computer's clock",
            )
        return AuthError(
            f"Flickr refused the authorisation of profile [{self.profile}] "
            f"({what}: {problem}, HTTP {status})",
            hint=hint,
        )

    def _decode(self, response: httpx.Response, method: str, idempotent: bool) -> Json:
        text = response.text.strip()
        if text.startswith("jsonFlickrApi(") and text.endswith(")"):
            text = text[len("jsonFlickrApi(") : -1]
        try:
            doc = json.loads(text)
        except ValueError:
            doc = None
        if not isinstance(doc, dict):
            raise _unreadable(method, f"is not JSON ({len(text)} bytes)", idempotent)
        stat = doc.get("stat")
        if stat == "ok":
            return doc
        if stat != "fail":
            shown = json.dumps(stat)[:40] if "stat" in doc else "missing"
            raise _unreadable(
                method, f'is no API answer: its "stat" is {shown}, not "ok" or "fail"', idempotent
            )
        code = as_int(doc.get("code"))
        text_message = str(doc.get("message") or "no message")
        raise self._api_error(code, text_message, method, idempotent)

    def _api_error(self, code: int | None, message: str, method: str, idempotent: bool) -> FlickrsyncError:
        if code is None:
            return RemoteError(
                f"{method}: Flickr refused the call without an error code: {message}", method=method
            )
        full = f"{method}: Flickr error {code}: {message}"
        if code in (98, 99):
            return AuthError(full, hint=auth_hint(self.profile))
        if code == 100:
            return AuthError(full, hint=f"check api_key in config.ini for profile [{self.profile}]")
        if is_retryable_code(code):
            if idempotent:
                return TransientError(full, code=code, method=method)
            return OutcomeUnknownError(full, code=code, method=method)
        return RemoteError(full, code=code, method=method)

    def call(
        self,
        method: str,
        params: Mapping[str, str | int] | None = None,
        *,
        prune: bool = False,
        oauth_in_body: bool = False,
    ) -> Json:
        """One REST method, retried as :func:`~flickrsync.retry.is_retryable` allows.

        Writes (:data:`WRITE_METHODS`) are POSTed and need a ``write`` token; reads are GETs.
        ``oauth_in_body`` POSTs with the OAuth parameters in the body instead of the header (for
        the method whose argument is one of them: checkToken).
        """
        if method in FORBIDDEN or (method in PRUNE_ONLY and not prune):
            raise UsageError(f"{method}: flickrsync never deletes anything on Flickr")
        write = method in WRITE_METHODS
        if write:
            self._require("write", method)
        use_post = write or oauth_in_body
        idempotent = method not in NOT_IDEMPOTENT
        args = {"method": method, **{k: str(v) for k, v in (params or {}).items()}}
        args.update(format="json", nojsoncallback="1")

        def attempt() -> Json:
            if use_post:
                response = self._request(
                    "POST",
                    self.endpoints.rest,
                    what=method,
                    form=args,
                    idempotent=idempotent,
                    oauth_in_body=oauth_in_body,
                )
            else:
                response = self._request("GET", self.endpoints.rest, what=method, query=args)
            return self._decode(response, method, idempotent)

        result: Json = self.with_retries(attempt, method)
        return result

    def _require(self, need: Perms, what: str) -> None:
        token = self.token
        if token is None:
            raise AuthError(
                f"{what}: profile [{self.profile}] is not authorised", hint=auth_hint(self.profile)
            )
        if not perms_at_least(token.perms, need):
            raise AuthError(
                f"{what} needs {need} permission; the token of profile [{self.profile}] has {token.perms}",
                hint=auth_hint(self.profile),
            )

    def _parsed(self, method: str, parse: Callable[[Json], Any], rsp: Json) -> Any:
        try:
            return parse(rsp)
        except MalformedResponse as exc:
            raise RemoteError(f"{method}: unexpected answer from Flickr: {exc}", method=method) from None

    def _post_file(
        self, url: str, what: str, photo: IO[bytes], filename: str, fields: Mapping[str, str]
    ) -> UploadAnswer:
        """POST a multipart upload/replace; resent only when it cannot have reached Flickr. The
        part's file name is sent as :func:`flickrsync.models.readable` reads it (a name that is
        not UTF-8 cannot go into a multipart header otherwise)."""
        self._require("write", what)
        start = photo.tell()
        filename = readable(filename)
        mime = mimetypes.guess_type(filename)[0] or "application/octet-stream"

        def attempt() -> UploadAnswer:
            photo.seek(start)
            response = self._request(
                "POST",
                url,
                what=what,
                form=fields,
                files={"photo": (filename, photo, mime)},
                idempotent=False,
                timeout=self._upload_timeout,
            )
            try:
                answer = parse_upload_response(response.content)
            except MalformedResponse as exc:
                raise OutcomeUnknownError(
                    f"{what}: unreadable answer from Flickr ({exc})", method=what
                ) from None
            if answer.error_code is not None:
                raise self._upload_error(answer, what)
            return answer

        answer: UploadAnswer = self.with_retries(attempt, what)
        return answer

    def _upload_error(self, answer: UploadAnswer, what: str) -> FlickrsyncError:
        code, message = answer.error_code, answer.error_message or ""
        if code in (105, 201):  # refused before anything was stored
            return TransientError(f"{what}: Flickr error {code}: {message}", code=code, method=what)
        if code == 9 and answer.duplicate_photo_id is not None:  # only with dedup_check
            return DuplicateUploadError(
                f"{what}: Flickr error 9: {message} (photo {answer.duplicate_photo_id})",
                photo_id=answer.duplicate_photo_id,
                status=answer.duplicate_status,
                method=what,
            )
        return self._api_error(code, message, what, idempotent=False)


def _unreadable(method: str, problem: str, idempotent: bool) -> TransientError:
    """An answer that is not what Flickr sends (a proxy's page, a broken body): retried, unless
    the call must not be repeated blindly."""
    message = f"{method}: Flickr's answer {problem}"
    if idempotent:
        return TransientError(message, method=method)
    return OutcomeUnknownError(message, method=method)


class _NoCookies(http.cookiejar.CookieJar):
    """A cookie jar that keeps nothing. Flickr's API and image hosts use no cookies (OAuth signs
    every call), and keeping them would cost a cookie parse per answer: ~0.1 ms, of 0.5 ms a
    small rendition costs in all."""

    def extract_cookies(self, response: Any, request: Any) -> None:
        del response, request


class HttpClient(httpx.Client):
    """The shared HTTP client: httpx, plus :class:`~flickrsync.statichttp.SmallFiles`' lean path
    for small files from hosts it reaches without a proxy, closed with it."""

    def __init__(self, **options: Any) -> None:
        super().__init__(**options)
        self.small_files = SmallFiles(self, direct=self.direct)

    def direct(self, url: str) -> bool:
        """Whether this client connects to ``url`` itself, not through a proxy (httpx's own
        choice: its environment proxies and ``NO_PROXY`` exceptions). False for a URL httpx
        cannot read: its own request says what is wrong; and False with an httpx that no longer
        has the private method this asks (slower, never wrong)."""
        try:
            return self._transport_for_url(httpx.URL(url)) is self._transport
        except httpx.InvalidURL:
            return False
        except AttributeError:  # an httpx without this (private) method: all through httpx
            return False

    def close(self) -> None:
        self.small_files.close()
        super().close()

    def __exit__(self, *exc_info: Any) -> None:
        self.small_files.close()
        super().__exit__(*exc_info)


def new_http_client(transfers: int = 4, *, timeout: float = 60.0) -> HttpClient:
    """The shared HTTP client: pooled connections for ``transfers`` threads (the larger of the
    transfers and the checkers: they do not run at once) plus API calls."""
    connections = transfers + 4
    return HttpClient(
        timeout=httpx.Timeout(timeout, connect=15.0),
        limits=httpx.Limits(max_connections=connections, max_keepalive_connections=connections),
        headers={"User-Agent": f"flickrsync/{__version__}"},
        follow_redirects=False,
        cookies=_NoCookies(),
    )
