"""Small files over the lean HTTP path (flickrsync.statichttp) against servers on loopback.

Most tests talk to :class:`Origin`, a small HTTP/1.1 server that keeps connections alive, counts
them and answers by path (redirects, statuses, chunked and oversized bodies, ``Connection:
close``); one compares with httpx against fakeflickr.
"""

from __future__ import annotations

import shutil
import socket
import ssl
import subprocess
import threading
import time
from collections.abc import Callable, Iterator
from http import server as httpserver
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest
from tests.fakeflickr_fixtures import FakeFlickrFixture

from flickrsync import __version__
from flickrsync.client import FlickrClient
from flickrsync.errors import RemoteError, TransientError
from flickrsync.lookups import SMALL_LIMIT
from flickrsync.models import AccessToken, Account, Endpoints, Nsid
from flickrsync.retry import Backoff, RateBudget
from flickrsync.statichttp import MAX_REDIRECTS, SmallFiles
from flickrsync.wire import HttpClient, new_http_client

pytestmark = pytest.mark.integration

FAST = Backoff(attempts=4, base=0.001, cap=0.01, rate_limited=0.01)
HUGE = 64 << 20
BLOCK = 64 << 10


def body(n: int) -> bytes:
    return bytes(i % 251 for i in range(n))


class Origin(httpserver.ThreadingHTTPServer):
    """Answers by path; counts connections; knows the open ones (to close them, or to see them
    closed); records each request's path and headers."""

    daemon_threads = True

    def __init__(self, tls: ssl.SSLContext | None = None) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.tls = tls
        self.connections = 0
        self.open: set[socket.socket] = set()
        self.requests: list[tuple[str, dict[str, str]]] = []
        self.flaky: dict[str, int] = {}
        self.written = 0
        self.huge_done = threading.Event()
        self.together = threading.Barrier(2, timeout=10)
        self.lock = threading.Lock()
        self.thread = threading.Thread(target=self.serve_forever, daemon=True)
        self.thread.start()

    @property
    def url(self) -> str:
        return f"{'https' if self.tls else 'http'}://127.0.0.1:{self.server_address[1]}"

    def get_request(self) -> tuple[Any, Any]:
        sock, address = self.socket.accept()
        if self.tls is not None:  # the handshake happens in the handler's thread
            sock = self.tls.wrap_socket(sock, server_side=True, do_handshake_on_connect=False)
        return sock, address

    def handle_error(self, request: Any, client_address: Any) -> None:
        del request, client_address  # a refused handshake, a client gone: the tests look at results

    def close_kept(self) -> None:
        """Close every kept connection from this side (as an idle timeout does)."""
        with self.lock:
            kept = list(self.open)
        for sock in kept:
            sock.shutdown(socket.SHUT_RDWR)
        wait_for(lambda: not self.open, "the server closed its connections")

    def stop(self) -> None:
        self.shutdown()
        for sock in list(self.open):
            sock.shutdown(socket.SHUT_RDWR)
        self.server_close()


class _Handler(httpserver.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: Origin

    def setup(self) -> None:
        super().setup()
        # Headers and body go out in two writes: without this, Nagle's algorithm holds the body
        # until the client's delayed ACK (40 ms a answer).
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        with self.server.lock:
            self.server.connections += 1
            self.server.open.add(self.connection)

    def finish(self) -> None:
        try:
            super().finish()
        finally:
            with self.server.lock:
                self.server.open.discard(self.connection)

    def log_message(self, format: str, *args: Any) -> None:
        del format, args

    def do_GET(self) -> None:
        origin = self.server
        with origin.lock:
            origin.requests.append((self.path, dict(self.headers.items())))
        path = urlsplit(self.path).path  # a proxy is asked for an absolute URL
        what, _, arg = path.strip("/").partition("/")
        if what == "img":
            self.answer(200, body(int(arg)))
        elif what == "close":
            self.close_connection = True
            self.answer(200, body(int(arg)), {"Connection": "close"})
        elif what == "short":  # promises n bytes, sends half, hangs up
            self.close_connection = True
            self.send_response(200)
            self.send_header("Content-Length", arg)
            self.end_headers()
            self.wfile.write(body(int(arg) // 2))
        elif what == "chunked":
            self.chunked(body(int(arg)))
        elif what == "hop":
            hops = int(arg)
            if hops == 0:
                self.answer(200, body(100))
            else:  # relative and absolute locations by turns
                location = f"/hop/{hops - 1}" if hops % 2 else f"{origin.url}/hop/{hops - 1}"
                self.answer(302, b"moved", {"Location": location})
        elif what == "loop":
            self.answer(302, b"", {"Location": "/loop"})
        elif what == "status":
            self.answer(int(arg), b"no")
        elif what == "flaky":  # /flaky/<status>/<times>: that status so many times, then 200
            status, times = (int(x) for x in arg.split("/"))
            with origin.lock:
                seen = origin.flaky[path] = origin.flaky.get(path, 0) + 1
            self.answer(status if seen <= times else 200, body(10))
        elif what == "together":  # answered once two such requests are in flight
            origin.together.wait()
            self.answer(200, body(int(arg)))
        elif what == "gzip":
            self.answer(200, b"\x1f\x8b not really", {"Content-Encoding": "gzip"})
        elif what == "badlength":
            self.close_connection = True
            self.send_response(200)
            self.send_header("Content-Length", "12, 13")
            self.end_headers()
            self.wfile.write(body(12))
        elif what == "cookie":
            self.answer(200, b"ok", {"Set-Cookie": "session=abc; Path=/"})
        elif what == "huge":
            self.huge(arg)
        else:
            self.answer(404, b"no such path")

    def answer(self, status: int, data: bytes, headers: dict[str, str] | None = None) -> None:
        self.send_response(status)
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def chunked(self, data: bytes) -> None:
        self.send_response(200)
        self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()
        for start in range(0, len(data), 1000):
            piece = data[start : start + 1000]
            self.wfile.write(b"%x\r\n%s\r\n" % (len(piece), piece))
        self.wfile.write(b"0\r\n\r\n")

    def huge(self, framing: str) -> None:
        """``HUGE`` bytes, with a Content-Length or chunked; counts what could be written."""
        self.send_response(200)
        if framing == "length":
            self.send_header("Content-Length", str(HUGE))
        else:
            self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()
        block = b"x" * BLOCK
        try:
            for _ in range(HUGE // BLOCK):
                self.wfile.write(block if framing == "length" else b"%x\r\n%s\r\n" % (BLOCK, block))
                self.server.written += BLOCK
        except OSError:
            self.close_connection = True
        finally:
            self.server.huge_done.set()


def wait_for(condition: Callable[[], bool], what: str, seconds: float = 10.0) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, f"timed out waiting: {what}"
        time.sleep(0.01)


@pytest.fixture
def origin() -> Iterator[Origin]:
    server = Origin()
    yield server
    server.stop()


@pytest.fixture
def http() -> Iterator[HttpClient]:
    with new_http_client(4) as client:
        yield client


def flickr_client(http: httpx.Client) -> FlickrClient:
    return FlickrClient(http, api_key="key", api_secret="secret", backoff=FAST, sleep=lambda _s: None)


# --- answers -----------------------------------------------------------------------------------


def test_a_rendition_from_fakeflickr_is_the_bytes_httpx_gets(
    fakeflickr: FakeFlickrFixture, http: HttpClient
) -> None:
    fakeflickr.seed_photos([{"title": f"p{i}", "generate": True} for i in range(3)])
    minted = fakeflickr.mint_token(perms="read")
    token = AccessToken(minted.token, minted.secret, "read", Account(Nsid(minted.user_nsid), minted.username))
    client = FlickrClient(
        http,
        api_key=fakeflickr.consumer_key,
        api_secret=fakeflickr.consumer_secret,
        token=token,
        endpoints=Endpoints.from_base(fakeflickr.base_url),
        budget=RateBudget(100_000),
    )
    photos, _report = client.list_photos()
    urls = [p.url_small for p in photos if p.url_small]
    assert len(urls) == 3
    with httpx.Client() as plain:
        expected = [plain.get(url).content for url in urls]
    assert [client.fetch_bytes(url, limit=SMALL_LIMIT) for url in urls] == expected
    assert all(data.startswith(b"\xff\xd8") for data in expected)
    assert client.stats().downloads == 3


def test_fetches_one_after_another_share_one_kept_connection(origin: Origin, http: HttpClient) -> None:
    sizes = [0, 1, 1000, 70_000, 5]
    assert [http.small_files.fetch(f"{origin.url}/img/{n}", SMALL_LIMIT) for n in sizes] == [
        body(n) for n in sizes
    ]
    assert http.small_files.fetch(f"{origin.url}/chunked/25000", SMALL_LIMIT) == body(25000)
    assert origin.connections == 1


def test_threads_fetching_at_once_have_a_connection_each_kept_for_later_threads(
    origin: Origin, http: HttpClient
) -> None:
    """Two threads fetch at once (the server answers when both asked), then end; a third
    thread, then this one, fetch over the connections they left."""
    results: list[bytes] = []

    def fetch(path: str) -> None:
        results.append(http.small_files.fetch(f"{origin.url}/{path}", SMALL_LIMIT))

    for _round in range(2):
        threads = [threading.Thread(target=fetch, args=(f"together/{n}",)) for n in (1, 2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    later = threading.Thread(target=fetch, args=("img/9",))
    later.start()
    later.join()
    fetch("img/8")
    assert sorted(results) == sorted([body(1), body(2)] * 2 + [body(9), body(8)])
    assert origin.connections == 2
    assert len(origin.open) == 2


def test_closing_the_client_closes_the_kept_connections(origin: Origin) -> None:
    http = new_http_client()
    assert http.small_files.fetch(f"{origin.url}/img/10", SMALL_LIMIT) == body(10)
    assert len(origin.open) == 1
    http.close()
    wait_for(lambda: not origin.open, "closing the client closed its connection")
    with pytest.raises(RuntimeError, match="closed"):
        http.small_files.fetch(f"{origin.url}/img/10", SMALL_LIMIT)


def test_requests_carry_our_user_agent_and_no_cookie_nor_compression(
    origin: Origin, http: HttpClient
) -> None:
    for _ in range(2):
        assert http.small_files.fetch(f"{origin.url}/cookie", SMALL_LIMIT) == b"ok"
    headers = [{k.lower(): v for k, v in h.items()} for _path, h in origin.requests]
    assert [h["user-agent"] for h in headers] == [f"flickrsync/{__version__}"] * 2
    assert [h.get("cookie") for h in headers] == [None, None]
    assert [h["accept-encoding"] for h in headers] == ["identity"] * 2


# --- kept connections the server closed --------------------------------------------------------


def test_a_kept_connection_the_server_closed_is_replaced_without_a_failure(
    origin: Origin, http: HttpClient
) -> None:
    small = SmallFiles(http, direct=http.direct)  # one attempt per fetch: no retry hides a failure
    try:
        assert small.fetch(f"{origin.url}/img/10", SMALL_LIMIT) == body(10)
        origin.close_kept()
        assert small.fetch(f"{origin.url}/img/20", SMALL_LIMIT) == body(20)
        assert origin.connections == 2
    finally:
        small.close()


def test_connection_close_is_honoured(origin: Origin, http: HttpClient) -> None:
    small = SmallFiles(http, direct=http.direct)
    try:
        assert small.fetch(f"{origin.url}/close/10", SMALL_LIMIT) == body(10)
        assert small.fetch(f"{origin.url}/img/20", SMALL_LIMIT) == body(20)
        assert small.fetch(f"{origin.url}/img/30", SMALL_LIMIT) == body(30)
        assert origin.connections == 2
    finally:
        small.close()


# --- statuses, redirects, limits ---------------------------------------------------------------


def test_a_missing_file_is_a_remote_error_not_retried(origin: Origin, http: HttpClient) -> None:
    client = flickr_client(http)
    refused = r"^download http://127\.0\.0\.1:\d+/status/404: HTTP 404$"
    with pytest.raises(RemoteError, match=refused) as caught:
        client.fetch_bytes(f"{origin.url}/status/404")
    assert caught.value.http_status == 404
    assert not isinstance(caught.value, TransientError)
    assert client.stats().downloads == 1
    assert client.fetch_bytes(f"{origin.url}/img/7") == body(7)
    assert origin.connections == 1, "the error's answer was read: the connection was kept"


@pytest.mark.parametrize("status", [429, 503])
def test_busy_answers_are_transient_and_retried(origin: Origin, http: HttpClient, status: int) -> None:
    client = flickr_client(http)
    assert client.fetch_bytes(f"{origin.url}/flaky/{status}/2") == body(10)
    assert client.stats().downloads == 3
    with pytest.raises(TransientError, match=f"HTTP {status}$"):
        client.fetch_bytes(f"{origin.url}/status/{status}")
    assert client.stats().downloads == 3 + FAST.attempts


def test_redirects_are_followed_relative_and_absolute(origin: Origin, http: HttpClient) -> None:
    assert http.small_files.fetch(f"{origin.url}/hop/{MAX_REDIRECTS}", SMALL_LIMIT) == body(100)
    assert len(origin.requests) == MAX_REDIRECTS + 1
    assert origin.connections == 1


def test_a_redirect_loop_is_an_error(origin: Origin, http: HttpClient) -> None:
    with pytest.raises(RemoteError, match=f"more than {MAX_REDIRECTS} redirects"):
        http.small_files.fetch(f"{origin.url}/loop", SMALL_LIMIT)
    assert len(origin.requests) == MAX_REDIRECTS + 1
    with pytest.raises(RemoteError, match=f"more than {MAX_REDIRECTS} redirects"):
        http.small_files.fetch(f"{origin.url}/hop/{MAX_REDIRECTS + 1}", SMALL_LIMIT)


@pytest.mark.parametrize("framing", ["length", "chunked"])
def test_a_body_over_the_limit_is_refused_without_reading_it_all(
    origin: Origin, http: HttpClient, framing: str
) -> None:
    with pytest.raises(RemoteError, match=f"larger than {1 << 20} bytes"):
        http.small_files.fetch(f"{origin.url}/huge/{framing}", 1 << 20)
    assert origin.huge_done.wait(10)
    assert origin.written < HUGE // 2
    assert http.small_files.fetch(f"{origin.url}/img/10", SMALL_LIMIT) == body(10)
    assert origin.connections == 2, "the half-read connection was not used again"


def test_a_body_of_exactly_the_limit_is_accepted(origin: Origin, http: HttpClient) -> None:
    assert http.small_files.fetch(f"{origin.url}/img/5000", 5000) == body(5000)
    assert http.small_files.fetch(f"{origin.url}/chunked/5000", 5000) == body(5000)
    with pytest.raises(RemoteError, match="larger than 4999 bytes"):
        http.small_files.fetch(f"{origin.url}/chunked/5000", 4999)


def test_an_answer_compressed_unasked_is_refused(origin: Origin, http: HttpClient) -> None:
    with pytest.raises(RemoteError, match="answered in gzip encoding, which was not asked for"):
        http.small_files.fetch(f"{origin.url}/gzip", SMALL_LIMIT)


# --- transport failures ------------------------------------------------------------------------


def test_an_unreadable_content_length_is_transient(origin: Origin, http: HttpClient) -> None:
    with pytest.raises(TransientError, match="unreadable Content-Length"):
        http.small_files.fetch(f"{origin.url}/badlength", SMALL_LIMIT)


def test_a_body_cut_short_is_transient_not_a_short_file(origin: Origin, http: HttpClient) -> None:
    client = flickr_client(http)
    with pytest.raises(TransientError, match="IncompleteRead"):
        client.fetch_bytes(f"{origin.url}/short/1000")
    assert client.stats().downloads == FAST.attempts


def test_a_refused_connection_is_transient(http: HttpClient) -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    client = flickr_client(http)
    with pytest.raises(TransientError, match=r"ConnectionRefusedError"):
        client.fetch_bytes(f"http://127.0.0.1:{port}/img/1")
    assert client.stats().downloads == FAST.attempts


def test_a_server_that_never_answers_times_out_as_transient(http: HttpClient) -> None:
    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen(8)  # connections complete in the backlog; nothing is ever read or sent
        small = SmallFiles(http, direct=http.direct, read_timeout=0.2)
        try:
            started = time.monotonic()
            with pytest.raises(TransientError, match="timed out"):
                small.fetch(f"http://127.0.0.1:{silent.getsockname()[1]}/img/1", SMALL_LIMIT)
            assert time.monotonic() - started < 5
        finally:
            small.close()


# --- proxies -----------------------------------------------------------------------------------


def test_with_a_proxy_in_the_environment_httpx_fetches_through_it(
    origin: Origin, monkeypatch: pytest.MonkeyPatch
) -> None:
    proxy = Origin()
    try:
        for name in ("NO_PROXY", "no_proxy", "ALL_PROXY", "all_proxy"):
            monkeypatch.delenv(name, raising=False)
        monkeypatch.setenv("HTTP_PROXY", proxy.url)
        monkeypatch.setenv("http_proxy", proxy.url)
        with new_http_client() as http:
            assert flickr_client(http).fetch_bytes(f"{origin.url}/img/10") == body(10)
        assert origin.connections == 0
        assert [path for path, _headers in proxy.requests] == [f"{origin.url}/img/10"]

        monkeypatch.setenv("NO_PROXY", "127.0.0.1")
        monkeypatch.setenv("no_proxy", "127.0.0.1")
        with new_http_client() as http:
            assert http.small_files.fetch(f"{origin.url}/img/10", SMALL_LIMIT) == body(10)
        assert origin.connections == 1
        assert len(proxy.requests) == 1
    finally:
        proxy.stop()


def test_an_httpx_without_its_routing_method_leaves_every_fetch_to_httpx(
    origin: Origin, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Which URLs go without a proxy is asked of httpx's (private) routing; with an httpx that
    no longer has it under that name, no URL is taken for direct: every fetch goes through httpx
    itself (slower, never through the wrong route)."""
    with new_http_client() as http:
        assert http.direct(f"{origin.url}/img/10")
        monkeypatch.delattr(httpx.Client, "_transport_for_url")
        assert not http.direct(f"{origin.url}/img/10")


def test_a_client_that_is_not_the_shared_one_fetches_through_its_own_transport() -> None:
    def answer(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, content=b"from the transport " + request.url.path.encode())

    with httpx.Client(transport=httpx.MockTransport(answer)) as http:
        data = flickr_client(http).fetch_bytes("http://127.0.0.1:9/img/1")
    assert data == b"from the transport /img/1"


# --- TLS ---------------------------------------------------------------------------------------


@pytest.fixture
def certificate(tmp_path: Path) -> Path:
    openssl = shutil.which("openssl")
    if openssl is None:
        pytest.skip("openssl is not installed: no certificate to test TLS with")
    cert = tmp_path / "cert.pem"
    subprocess.run(
        [
            *(openssl, "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1"),
            *("-nodes", "-keyout", str(tmp_path / "key.pem"), "-out", str(cert), "-days", "1"),
            *("-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1"),
        ],
        check=True,
        capture_output=True,
    )
    return cert


@pytest.fixture
def tls_origin(certificate: Path) -> Iterator[Origin]:
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(certificate, certificate.parent / "key.pem")
    server = Origin(tls=context)
    yield server
    server.stop()


def test_https_refuses_a_certificate_nobody_vouches_for(tls_origin: Origin, http: HttpClient) -> None:
    for _ in range(2):
        with pytest.raises(TransientError, match="CERTIFICATE_VERIFY_FAILED"):
            http.small_files.fetch(f"{tls_origin.url}/img/10", SMALL_LIMIT)
    wait_for(lambda: tls_origin.connections >= 2, "both tries reached the server")
    time.sleep(0.2)
    assert tls_origin.connections == 2, "a refused certificate is not tried again as a stale connection"


def test_https_with_the_certificate_trusted_keeps_its_connection(
    tls_origin: Origin, http: HttpClient, certificate: Path
) -> None:
    small = SmallFiles(http, direct=http.direct, ssl_context=ssl.create_default_context(cafile=certificate))
    try:
        for n in (10, 20000, 30):
            assert small.fetch(f"{tls_origin.url}/img/{n}", SMALL_LIMIT) == body(n)
        assert tls_origin.connections == 1
        # The name checked is the URL's host: the certificate names 127.0.0.1, not localhost.
        with pytest.raises(TransientError, match="CERTIFICATE_VERIFY_FAILED"):
            small.fetch(f"https://localhost:{tls_origin.server_address[1]}/img/10", SMALL_LIMIT)
    finally:
        small.close()
