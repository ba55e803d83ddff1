"""fakeflickr keeps HTTP/1.1 connections alive, as Flickr does (RFC 9112 §9.3), and closes them
whenever the next request could not be told apart on them: the client asked, the request's body
was left unread, the answer was an error, the connection was dropped (fault injection), the server
stops or the connection stayed idle. Raw sockets, so the tests see the wire as it is."""

from __future__ import annotations

import socket
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO
from urllib.parse import urlencode, urlsplit

import pytest

from fakeflickr.httpserver import IDLE_TIMEOUT
from fakeflickr.server import FakeFlickr, FileAnswer
from fakeflickr.testing import FakeFlickrHandle


@dataclass
class Answer:
    status: int
    headers: dict[str, str]
    body: bytes


class Wire:
    """One client connection, written and read by hand."""

    def __init__(self, base_url: str) -> None:
        parts = urlsplit(base_url)
        self.host = parts.netloc
        self.sock = socket.create_connection((parts.hostname or "", parts.port or 80), timeout=10)
        self.reader: BinaryIO = self.sock.makefile("rb")

    def close(self) -> None:
        self.reader.close()
        self.sock.close()

    def request(
        self, method: str, target: str, headers: dict[str, str] | None = None, body: bytes = b""
    ) -> bytes:
        lines = [f"{method} {target} HTTP/1.1", f"Host: {self.host}"]
        lines += [f"{name}: {value}" for name, value in (headers or {}).items()]
        if body and not any(name.lower() == "transfer-encoding" for name in headers or {}):
            lines.append(f"Content-Length: {len(body)}")
        return ("\r\n".join(lines) + "\r\n\r\n").encode() + body

    def send(self, *requests: bytes) -> None:
        self.sock.sendall(b"".join(requests))

    def answer(self) -> Answer:
        status_line = self.reader.readline()
        assert status_line.startswith(b"HTTP/1.1 "), status_line
        headers: dict[str, str] = {}
        while (line := self.reader.readline()) not in (b"\r\n", b""):
            name, value = line.decode("latin-1").split(":", 1)
            headers[name.strip().lower()] = value.strip()
        if headers.get("transfer-encoding") == "chunked":
            body = b""
            while size := int(self.reader.readline().strip(), 16):
                body += self.reader.read(size)
                self.reader.readline()
            self.reader.readline()
        else:
            body = self.reader.read(int(headers.get("content-length", "0")))
        return Answer(int(status_line.split()[1]), headers, body)

    def closed_by_server(self) -> bool:
        """Whether the server closed the connection (nothing more comes on it)."""
        try:
            return self.reader.read(1) == b""
        except ConnectionResetError:
            return True


@pytest.fixture
def wire(fakeflickr: FakeFlickrHandle) -> Iterator[Wire]:
    connection = Wire(fakeflickr.base_url)
    yield connection
    connection.close()


def _rest(fakeflickr: FakeFlickrHandle, method: str = "flickr.test.echo", **params: str) -> str:
    query = urlencode({"method": method, "api_key": fakeflickr.consumer_key, "format": "json", **params})
    return f"/services/rest/?{query}"


def _static(fakeflickr: FakeFlickrHandle) -> str:
    photo = fakeflickr.photo(fakeflickr.seed_photo(title="kept"))
    return f"/{photo['server']}/{photo['id']}_{photo['secret']}_t.jpg"


def test_requests_follow_each_other_on_one_connection(fakeflickr: FakeFlickrHandle, wire: Wire) -> None:
    static = _static(fakeflickr)
    for target in (_rest(fakeflickr, hello="1"), static, _rest(fakeflickr, hello="2"), static):
        wire.send(wire.request("GET", target))
        answer = wire.answer()
        assert answer.status == 200
        assert "connection" not in answer.headers
    # pipelined: both requests sent at once, both answered in order on the same connection
    wire.send(
        wire.request("GET", _rest(fakeflickr, hello="a")), wire.request("GET", _rest(fakeflickr, hello="b"))
    )
    first, second = wire.answer(), wire.answer()
    assert b'"_content":"a"' in first.body
    assert b'"_content":"b"' in second.body
    assert fakeflickr.calls()["flickr.test.echo"] == 4


def test_a_posted_form_is_read_whole_and_the_connection_kept(
    fakeflickr: FakeFlickrHandle, wire: Wire
) -> None:
    form = urlencode({"method": "flickr.test.echo", "api_key": fakeflickr.consumer_key, "hello": "posted"})
    form_type = {"Content-Type": "application/x-www-form-urlencoded"}
    wire.send(wire.request("POST", "/services/rest/", form_type, form.encode()))
    assert b"posted" in wire.answer().body
    # the same form in chunks (Transfer-Encoding: chunked): its end is found too
    half = len(form) // 2
    chunked = (
        b"".join(f"{len(part):x}\r\n{part}\r\n".encode() for part in (form[:half], form[half:]))
        + b"0\r\n\r\n"
    )
    wire.send(wire.request("POST", "/services/rest/", {**form_type, "Transfer-Encoding": "chunked"}, chunked))
    answer = wire.answer()
    assert b"posted" in answer.body
    assert "connection" not in answer.headers
    wire.send(wire.request("GET", _rest(fakeflickr, hello="after")))
    assert b"after" in wire.answer().body


def test_connection_close_from_the_client_is_honoured(fakeflickr: FakeFlickrHandle, wire: Wire) -> None:
    wire.send(wire.request("GET", _rest(fakeflickr), {"Connection": "close"}))
    answer = wire.answer()
    assert answer.status == 200
    assert answer.headers["connection"] == "close"
    assert wire.closed_by_server()


def test_http_1_0_gets_one_answer_per_connection(fakeflickr: FakeFlickrHandle, wire: Wire) -> None:
    wire.send(wire.request("GET", _rest(fakeflickr)).replace(b"HTTP/1.1\r\n", b"HTTP/1.0\r\n", 1))
    assert wire.answer().headers["connection"] == "close"
    assert wire.closed_by_server()


def test_an_error_answer_closes_the_connection(fakeflickr: FakeFlickrHandle, wire: Wire) -> None:
    wire.send(wire.request("GET", "/no/such/thing"))
    answer = wire.answer()
    assert answer.status == 404
    assert answer.headers["connection"] == "close"
    assert wire.closed_by_server()


def test_an_unread_body_closes_instead_of_being_read_as_the_next_request(
    fakeflickr: FakeFlickrHandle, wire: Wire
) -> None:
    """A file download answered without reading the body the client sent along: what is left of
    it must not be taken for a request (here it looks like one)."""
    smuggled = wire.request("GET", _rest(fakeflickr, "flickr.test.login"))
    wire.send(
        wire.request("POST", _static(fakeflickr), {"Content-Type": "application/octet-stream"}, smuggled)
    )
    answer = wire.answer()
    assert answer.status == 200
    assert answer.body.startswith(b"\xff\xd8")
    assert answer.headers["connection"] == "close"
    assert wire.closed_by_server()
    assert "flickr.test.login" not in fakeflickr.calls()


def test_an_upload_beyond_the_size_limit_is_answered_and_closed(
    fakeflickr: FakeFlickrHandle, wire: Wire
) -> None:
    """Content-Length over the 4 GB limit and no body sent: answered at once, then closed."""
    head = wire.request("POST", "/services/upload/", {"Content-Type": "multipart/form-data; boundary=x"})
    wire.send(head.replace(b"\r\n\r\n", f"\r\nContent-Length: {5 << 30}\r\n\r\n".encode(), 1))
    answer = wire.answer()
    assert b'stat="fail"' in answer.body
    assert answer.headers["connection"] == "close"
    assert wire.closed_by_server()


def test_a_dropped_connection_is_dropped_even_when_kept_alive(
    fakeflickr: FakeFlickrHandle, wire: Wire
) -> None:
    static = _static(fakeflickr)
    wire.send(wire.request("GET", static))
    assert wire.answer().status == 200
    fakeflickr.set_faults(1.0, kinds=["drop"], targets=["static"])
    wire.send(wire.request("GET", static))
    assert wire.reader.readline() == b""  # no answer at all
    fakeflickr.clear_faults()
    again = Wire(fakeflickr.base_url)
    again.send(again.request("GET", static))
    assert again.answer().status == 200
    again.close()


def _own_server(tmp_path: Path, idle_timeout: float = IDLE_TIMEOUT) -> FakeFlickr:
    return FakeFlickr(tmp_path / "ff", idle_timeout=idle_timeout).start()


def test_an_idle_connection_is_closed_after_the_timeout(tmp_path: Path) -> None:
    server = _own_server(tmp_path, idle_timeout=0.3)
    try:
        handle = FakeFlickrHandle(server.base_url, *server.consumer)
        wire = Wire(server.base_url)
        wire.send(wire.request("GET", _rest(handle)))
        assert wire.answer().status == 200
        started = time.monotonic()
        assert wire.closed_by_server()
        assert 0.25 <= time.monotonic() - started < 5
        wire.close()
    finally:
        server.stop()


def test_stop_returns_promptly_and_closes_idle_connections(tmp_path: Path) -> None:
    server = _own_server(tmp_path)  # the default idle timeout: longer than stop() may take
    handle = FakeFlickrHandle(server.base_url, *server.consumer)
    wires = [Wire(server.base_url) for _ in range(3)]
    for wire in wires[:2]:  # kept alive after an answer
        wire.send(wire.request("GET", _rest(handle)))
        assert wire.answer().status == 200
    # wires[2]: connected, nothing sent yet
    time.sleep(0.1)
    started = time.monotonic()
    server.stop()
    assert time.monotonic() - started < 1.0
    for wire in wires:
        assert wire.closed_by_server()
        wire.close()


@pytest.mark.parametrize(
    ("framing", "status"),
    [
        ({"Content-Length": "{n}", "Transfer-Encoding": "chunked"}, 400),  # RFC 9112 6.3: MAY refuse
        ({"Content-Length": "{n}, {n}"}, 400),  # not one number
        ({"Transfer-Encoding": "gzip, chunked"}, 501),  # a coding fakeflickr does not know: SHOULD
    ],
)
def test_a_request_whose_body_cannot_be_framed_is_refused_and_the_connection_closed(
    fakeflickr: FakeFlickrHandle, wire: Wire, framing: dict[str, str], status: int
) -> None:
    form = urlencode({"method": "flickr.test.echo", "api_key": fakeflickr.consumer_key}).encode()
    headers = {"Content-Type": "application/x-www-form-urlencoded"}
    headers.update({name: value.format(n=len(form)) for name, value in framing.items()})
    wire.send(wire.request("POST", "/services/rest/", headers, form))
    answer = wire.answer()
    assert answer.status == status
    assert answer.headers["connection"] == "close"
    assert wire.closed_by_server()
    assert "flickr.test.echo" not in fakeflickr.calls()


def test_a_file_is_answered_to_get_and_head_alike_on_a_kept_connection(
    fakeflickr: FakeFlickrHandle, wire: Wire
) -> None:
    photo = fakeflickr.photo(fakeflickr.seed_photo(title="file"))
    original = f"/{photo['server']}/{photo['id']}_{photo['originalsecret']}_o.{photo['originalformat']}"
    for target in (original, _static(fakeflickr)):
        wire.send(wire.request("GET", target))
        got = wire.answer()
        wire.send(wire.request("HEAD", target))
        status_line = wire.reader.readline()
        head: dict[str, str] = {}
        while (line := wire.reader.readline()) != b"\r\n":
            name, value = line.decode("latin-1").split(":", 1)
            head[name.strip().lower()] = value.strip()
        assert status_line.startswith(b"HTTP/1.1 200 ")
        assert got.status == 200
        assert got.body
        assert {k: v for k, v in head.items() if k != "date"} == {
            k: v for k, v in got.headers.items() if k not in ("date", "transfer-encoding")
        }
    wire.send(wire.request("GET", _rest(fakeflickr, hello="after")))  # nothing was left on the wire
    assert b"after" in wire.answer().body


def test_a_file_answer_sends_what_its_werkzeug_response_would() -> None:
    """A file's answer is served as plain WSGI; a fault that spoils it works on the werkzeug
    Response it stands for (FileAnswer.response): both send the same status, headers and bytes."""

    def served(app: Any, method: str) -> tuple[str, list[tuple[str, str]], bytes]:
        started: list[Any] = []
        body = app({"REQUEST_METHOD": method}, lambda status, headers: started.extend([status, headers]))
        data = b"".join(body)
        getattr(body, "close", lambda: None)()
        return started[0], list(started[1]), data

    headers = {"ETag": '"abc.1"', "Cache-Control": "public, max-age=31536000"}
    for method in ("GET", "HEAD"):
        plain = served(FileAnswer(headers, "image/jpeg", iter([b"ab", b"cd"])), method)
        wrapped = served(FileAnswer(headers, "image/jpeg", iter([b"ab", b"cd"])).response(), method)
        assert plain == wrapped
        assert plain[2] == (b"abcd" if method == "GET" else b"")
        assert plain[1][-1] == ("Content-Type", "image/jpeg")
