"""Small files from static hosts (thumbnail-sized renditions) into memory, over a lean HTTP path.

A big first sync fetches tens of thousands of small renditions; through httpx each costs about
three times the CPU of the standard library's :mod:`http.client` (docs/architecture.md, "Small
files over http.client"). :class:`SmallFiles` fetches them with ``http.client``: kept-alive
connections per (scheme, host, port), each used by one thread at a time and kept for the next
fetch of any thread (the checkers' pools and the review page's request threads come and go),
certificates verified with the trust httpx uses (:func:`httpx.create_ssl_context`: certifi, or
``SSL_CERT_FILE``/``SSL_CERT_DIR``), the shared client's ``User-Agent``, no cookies,
``Accept-Encoding: identity``, redirects followed as httpx follows them (at most
:data:`MAX_REDIRECTS`), at most ``limit`` + 1 bytes read.

Only direct connections take that path: a host the httpx client would reach through a proxy
(``HTTP(S)_PROXY``, ``ALL_PROXY``, ``NO_PROXY``, as httpx reads them) is fetched through the
httpx client, as is everything when the client is not the shared one :func:`~flickrsync.wire.
new_http_client` makes (a test's transport, say). Both paths answer alike: the bytes, or a
:class:`~flickrsync.errors.TransientError` (a transport failure, HTTP 429 or 5xx) or a
:class:`~flickrsync.errors.RemoteError` (any other status, too large, too many redirects). One
attempt each: the caller retries (:meth:`~flickrsync.wire.Wire.with_retries`).

A kept connection the server has closed meanwhile (idle timeout) fails the request sent on it:
the request is sent once more on a new connection before anything counts as a failure. A
connection is kept only after an answer read to its end, and not after ``Connection: close``.
"""

from __future__ import annotations

import http.client
import re
import ssl
import threading
from collections.abc import Callable
from urllib.parse import SplitResult, urljoin, urlsplit

import httpx

from flickrsync.errors import RemoteError, TransientError
from flickrsync.redact import redact_url
from flickrsync.retry import is_retryable_status

#: Kept connections per (scheme, host, port) at most: one per thread fetching at once (the
#: checkers, the review page's requests), each given back after its answer.
MAX_IDLE = 32
#: Redirects followed before giving up (httpx's default ``max_redirects``).
MAX_REDIRECTS = 20
#: Statuses that redirect when they carry a ``Location`` (as httpx's ``has_redirect_location``).
REDIRECTS = frozenset({301, 302, 303, 307, 308})
#: An error or redirect answer's body up to this size is read to keep the connection; a bigger
#: (or unsized) one closes it instead.
_DRAIN = 64 << 10
_DEFAULT_PORTS = {"http": 80, "https": 443}
#: A character http.client does not send in a request line (httpx percent-encodes it).
_UNSENDABLE = re.compile(r"[^\x21-\x7e]")

_Key = tuple[str, str, int]
_Connection = http.client.HTTPConnection


class SmallFiles:
    """Fetches small files into memory (see the module doc). Thread-safe; ``close`` closes every
    connection it keeps. ``direct(url)`` says whether the httpx client ``http`` would connect to
    ``url`` without a proxy: the lean path is only for those (asked once per host)."""

    def __init__(
        self,
        http: httpx.Client,
        *,
        direct: Callable[[str], bool] = lambda _url: False,
        connect_timeout: float = 30.0,
        read_timeout: float = 60.0,
        ssl_context: ssl.SSLContext | None = None,
    ) -> None:
        self._http = http
        self._direct = direct
        self._connect_timeout = connect_timeout
        self._read_timeout = read_timeout
        self._timeout = httpx.Timeout(read_timeout, connect=connect_timeout)
        self._ssl_context = ssl_context
        self._user_agent = http.headers.get("User-Agent", "")
        self._routes: dict[_Key, bool] = {}
        self._idle: dict[_Key, list[_Connection]] = {}
        self._lock = threading.Lock()
        self._closed = False

    def close(self) -> None:
        """Close every kept connection (one in use is closed when its fetch ends); fetching
        afterwards is an error."""
        with self._lock:
            self._closed = True
            idle = [c for connections in self._idle.values() for c in connections]
            self._idle.clear()
        for connection in idle:
            connection.close()

    # --- one fetch ---------------------------------------------------------------------------

    def fetch(self, url: str, limit: int) -> bytes:
        """The body of ``url`` (redirects followed) if it is at most ``limit`` bytes. One attempt."""
        current = url
        for _hop in range(MAX_REDIRECTS + 1):
            parts = urlsplit(current)
            key = self._route(parts, current)
            if key is None:
                return self._through_httpx(current, url, limit)
            target = f"{parts.path or '/'}?{parts.query}" if parts.query else parts.path or "/"
            try:
                status, data, location = self._exchange(key, target, url, limit)
            except (OSError, http.client.HTTPException) as exc:
                raise _transport_error(url, exc) from exc
            if status == 200:
                return data
            if location is None:
                raise status_error(url, status)
            current = urljoin(current, location)
        raise too_many_redirects(url)

    def _route(self, parts: SplitResult, url: str) -> _Key | None:
        """The connection key of ``url`` when it goes the lean way; None for the httpx client
        (a proxy applies, or a URL that is not a plain http(s) one in printable ASCII, which
        httpx quotes and http.client refuses)."""
        try:
            port = parts.port or _DEFAULT_PORTS.get(parts.scheme)
        except ValueError:
            return None
        host = parts.hostname
        if port is None or not host or "@" in parts.netloc or _UNSENDABLE.search(url):
            return None
        key = (parts.scheme, host, port)
        direct = self._routes.get(key)
        if direct is None:
            direct = self._routes[key] = self._direct(url)
        return key if direct else None

    def _exchange(self, key: _Key, target: str, shown: str, limit: int) -> tuple[int, bytes, str | None]:
        """One GET on a kept connection to ``key`` (or a new one): the status, the body of a 200,
        the location of a redirect. A kept connection found closed by the server is replaced and
        the request sent once more. The connection is kept again only after an answer read to
        its end, without ``Connection: close``; otherwise it is closed."""
        connection = self._take(key)
        reused = connection is not None
        if connection is None:
            connection = self._connect(key)
        response: http.client.HTTPResponse | None = None
        try:
            try:
                response = self._send(connection, target)
            except (OSError, http.client.HTTPException) as exc:
                connection.close()
                if not reused or isinstance(exc, TimeoutError):
                    raise
                connection = self._connect(key)
                response = self._send(connection, target)
            return self._answer(response, shown, limit)
        finally:
            if response is not None and response.isclosed() and connection.sock is not None:
                self._give_back(key, connection)  # read to its end, and not "Connection: close"
            else:
                if response is not None:
                    response.close()
                connection.close()

    def _take(self, key: _Key) -> _Connection | None:
        """A kept connection to ``key`` no other thread is using (the last one given back)."""
        with self._lock:
            if self._closed:
                raise RuntimeError("the HTTP client is closed")
            idle = self._idle.get(key)
            return idle.pop() if idle else None

    def _give_back(self, key: _Key, connection: _Connection) -> None:
        with self._lock:
            idle = self._idle.setdefault(key, [])
            if not self._closed and len(idle) < MAX_IDLE:
                idle.append(connection)
                return
        connection.close()

    def _connect(self, key: _Key) -> _Connection:
        scheme, host, port = key
        connection: _Connection
        if scheme == "https":
            connection = http.client.HTTPSConnection(
                host, port, timeout=self._connect_timeout, context=self._tls()
            )
        else:
            connection = http.client.HTTPConnection(host, port, timeout=self._connect_timeout)
        try:
            connection.connect()
        except BaseException:
            connection.close()  # a TLS handshake refused leaves the plain socket behind
            raise
        connection.sock.settimeout(self._read_timeout)  # connected: reads wait up to this long
        return connection

    def _tls(self) -> ssl.SSLContext:
        """The SSL context, made once: httpx's default one (its trust, TLS settings), with
        HTTP/1.1 offered as httpx's transport offers it."""
        context = self._ssl_context
        if context is None:
            context = httpx.create_ssl_context()
            context.set_alpn_protocols(["http/1.1"])
            self._ssl_context = context
        return context

    def _send(self, connection: _Connection, target: str) -> http.client.HTTPResponse:
        # putrequest adds Host and "Accept-Encoding: identity" (nothing to decode).
        connection.putrequest("GET", target)
        connection.putheader("User-Agent", self._user_agent)
        connection.putheader("Accept", "*/*")
        connection.endheaders()
        return connection.getresponse()

    def _answer(
        self, response: http.client.HTTPResponse, shown: str, limit: int
    ) -> tuple[int, bytes, str | None]:
        status = response.status
        if status == 200:
            return status, self._body(response, shown, limit), None
        location = response.getheader("Location") if status in REDIRECTS else None
        if response.length is not None and response.length <= _DRAIN:
            response.read()  # to its end: the connection may serve again
        return status, b"", location

    def _body(self, response: http.client.HTTPResponse, shown: str, limit: int) -> bytes:
        coding = response.getheader("Content-Encoding", "identity").strip().lower()
        if coding != "identity":
            raise RemoteError(
                f"download {redact_url(shown)}: answered in {coding} encoding, which was not asked for",
                method="download",
            )
        if response.length is not None:  # Content-Length: refused before reading, read whole
            if response.length > limit:
                raise too_large(shown, limit)
            return response.read()
        if not response.chunked and response.getheader("Content-Length") is not None:
            raise http.client.HTTPException("unreadable Content-Length")  # http.client would read on
        data = response.read(limit + 1)  # chunked, or up to the connection's end
        if len(data) > limit:
            raise too_large(shown, limit)
        return data

    # --- through the httpx client --------------------------------------------------------------

    def _through_httpx(self, url: str, shown: str, limit: int) -> bytes:
        """``url`` through the httpx client (a proxy, or not the shared client), redirects
        followed, at most ``limit`` + 1 bytes read."""
        try:
            with self._http.stream("GET", url, follow_redirects=True, timeout=self._timeout) as response:
                if response.status_code != 200:
                    raise status_error(shown, response.status_code)
                length = response.headers.get("Content-Length", "")
                if length.isdigit() and int(length) > limit:
                    raise too_large(shown, limit)
                data = bytearray()
                for chunk in response.iter_bytes():
                    data += chunk
                    if len(data) > limit:
                        raise too_large(shown, limit)
                return bytes(data)
        except httpx.TooManyRedirects:
            raise too_many_redirects(shown) from None
        except httpx.TransportError as exc:
            raise _transport_error(shown, exc) from exc


def status_error(url: str, status: int) -> TransientError | RemoteError:
    """A download's answer that is not 200: worth another try for 429 and 5xx."""
    message = f"download {redact_url(url)}: HTTP {status}"
    if is_retryable_status(status):
        return TransientError(message, method="download", http_status=status)
    return RemoteError(message, method="download", http_status=status)


def too_large(url: str, limit: int) -> RemoteError:
    return RemoteError(f"download {redact_url(url)}: larger than {limit} bytes", method="download")


def too_many_redirects(url: str) -> RemoteError:
    return RemoteError(f"download {redact_url(url)}: more than {MAX_REDIRECTS} redirects", method="download")


def _transport_error(url: str, exc: BaseException) -> TransientError:
    return TransientError(f"download {redact_url(url)}: {type(exc).__name__}: {exc}", method="download")
