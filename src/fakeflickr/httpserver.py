"""The HTTP server fakeflickr runs on: werkzeug's threaded development server, with HTTP/1.1
persistent connections (RFC 9112 §9.3), as Flickr's hosts keep them.

Werkzeug's server closes every connection after one answer: once the answer is written it reads
whatever is still on the socket (so that a client still sending a refused upload sees the 413
rather than a reset), which on a kept connection would swallow the next request. Here the handler
reads each request through :class:`_FramedInput`, which ends where the request's body ends, so
that reading can no longer reach the next request; the answer's headers and bytes are watched
too. A connection is kept after an answer only when all of these hold:

* the client spoke HTTP/1.1 and did not send ``Connection: close``;
* the request's body was read to its end (a request without one counts as read); its framing
  must be plain (``Content-Length`` alone, or ``Transfer-Encoding: chunked`` alone): any other
  is refused, 400 (both headers, a length that is not one number) or 501 (another transfer
  coding), and the connection closed, as RFC 9112 §6 lets a server do;
* the answer is not an error (status below 400) and its length is known (``Content-Length`` or
  chunked, or an answer without a body: HEAD, 204, 304), and exactly that many bytes were sent;
* the connection was not dropped (fault injection, a client gone) and the server is not stopping.

Otherwise the answer says ``Connection: close`` and the connection is closed after it. A
connection is closed when no request arrives on it for :data:`IDLE_TIMEOUT` seconds; stopping the
server closes the idle ones at once (one in the middle of a request finishes it first).
"""

from __future__ import annotations

import contextlib
import io
import logging
import socket
import threading
from typing import Any

from werkzeug.serving import DechunkedInput, ThreadedWSGIServer, WSGIRequestHandler

log = logging.getLogger("fakeflickr.server")

#: Seconds a kept connection may wait for its next request before the server closes it.
IDLE_TIMEOUT = 5.0
#: A body's first write up to this size goes out in one send with the answer's headers.
_JOINED = 1 << 16


class _FramedInput(io.RawIOBase):
    """The request's bytes up to the end of its body and never beyond (``length``: the body's
    ``Content-Length``; None: the end is told by :meth:`finish`, as the dechunker finds it)."""

    def __init__(self, rfile: io.BufferedIOBase, length: int | None) -> None:
        super().__init__()
        self._rfile = rfile
        self._left = length
        self.complete = length == 0

    def finish(self) -> None:
        self.complete = True

    def readable(self) -> bool:
        return True

    def _allowed(self, size: int) -> int:
        if self.complete:
            return 0
        if self._left is None:
            return size
        return self._left if size < 0 else min(size, self._left)

    def _took(self, count: int) -> None:
        if self._left is not None:
            self._left -= count
            self.complete = self._left == 0

    def readinto(self, buffer: Any) -> int:
        view = memoryview(buffer).cast("B")
        allowed = self._allowed(len(view))
        if allowed == 0:
            return 0
        data = self._rfile.read(allowed)
        view[: len(data)] = data
        self._took(len(data))
        return len(data)

    def readline(self, size: int | None = -1) -> bytes:
        allowed = self._allowed(-1 if size is None else size)
        if allowed == 0:
            return b""
        line = self._rfile.readline(allowed)
        self._took(len(line))
        return line


class _ChunkedEnd(io.RawIOBase):
    """A chunked body as the app reads it; tells the framed input when the last chunk was read."""

    def __init__(self, body: DechunkedInput, framed: _FramedInput) -> None:
        super().__init__()
        self._body = body
        self._framed = framed

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        count = self._body.readinto(buffer)
        if not count and memoryview(buffer):
            self._framed.finish()
        return count


class _CountingOutput:
    """The socket's writer, counting the bytes of the answer's body. What is written while
    :attr:`holding` (the answer's headers) is held back and goes out with the body's first
    bytes, in one send: a small file crosses in one packet rather than two, each a system call
    here and a read in the client. :meth:`flush` sends what is held (an answer without a body)."""

    def __init__(self, wfile: Any) -> None:
        self._wfile = wfile
        self.body_bytes = 0
        self.holding = False
        self._held = b""

    def write(self, data: bytes) -> int:
        if self.holding:
            self._held += data
            return len(data)
        self.body_bytes += len(data)
        if self._held:
            held, self._held = self._held, b""
            if len(data) <= _JOINED:
                self._wfile.write(held + data)
                return len(data)
            self._wfile.write(held)
        written: int = self._wfile.write(data)
        return written

    def flush(self) -> None:
        if self._held:
            held, self._held = self._held, b""
            self._wfile.write(held)
        self._wfile.flush()


class _Exchange:
    """One request and its answer on a connection: what decides whether the connection is kept."""

    def __init__(self, framed: _FramedInput, out: _CountingOutput, *, framing_ok: bool, head: bool) -> None:
        self.framed = framed
        self.out = out
        self.framing_ok = framing_ok
        self.head = head
        self.status = 0
        self.length: int | None = None
        self.chunked = False

    def body_size(self) -> int | None:
        """The bytes the answer's body must have (None: chunked, it ends itself)."""
        if self.head or 100 <= self.status < 200 or self.status in (204, 304):
            return 0
        return None if self.chunked else self.length

    def answer_keeps(self) -> bool:
        """Whether the answer, as its headers go out, allows keeping the connection."""
        return (
            self.framing_ok
            and self.framed.complete
            and self.status < 400
            and (self.chunked or self.body_size() is not None)
        )

    def answer_sent(self) -> bool:
        """Whether the answer was sent whole: its headers, and no more or less body than they
        announced (a chunked body is ended by werkzeug, which closes when it cannot)."""
        if not self.status:
            return False
        size = self.body_size()
        return size is None or self.out.body_bytes == size


def _request_framing(headers: Any) -> tuple[int | None, int]:
    """The length of a request's body (None: chunked) and 0 when its framing is plain enough to
    find the next request after it, else the status that refuses it (RFC 9112 §6.1, §6.3): 400
    for ``Content-Length`` and ``Transfer-Encoding`` together (a server MAY refuse it: we do)
    or a ``Content-Length`` that is not one number; 501 for a transfer coding other than
    ``chunked`` alone (SHOULD)."""
    lengths = headers.get_all("Content-Length") or []
    codings = headers.get_all("Transfer-Encoding") or []
    if codings:
        if lengths:
            return None, 400
        chunked_only = len(codings) == 1 and codings[0].strip().lower() == "chunked"
        return None, 0 if chunked_only else 501
    if not lengths:
        return 0, 0
    if len(set(lengths)) != 1 or not lengths[0].strip().isdigit():
        return None, 400
    return int(lengths[0]), 0


class _Handler(WSGIRequestHandler):
    """werkzeug's request handler with persistent connections (see the module doc), logging at
    debug level only."""

    protocol_version = "HTTP/1.1"
    #: An answer goes out in several writes (headers, then the body); on a kept connection Nagle's
    #: algorithm would hold the later ones back until the client's delayed ACK (40 ms on Linux).
    disable_nagle_algorithm = True
    server: _Server
    _exchange: _Exchange | None = None

    def handle_one_request(self) -> None:
        if not self.server.idle(self.connection):
            self.close_connection = True
            return
        try:
            self.connection.settimeout(self.server.idle_timeout)
            super().handle_one_request()
        finally:
            self.server.busy(self.connection)

    def run_wsgi(self) -> None:
        self.server.busy(self.connection)
        self.connection.settimeout(None)
        length, refusal = _request_framing(self.headers)
        if refusal:
            # Where the body ends is unknown: answer, and close (nothing after it can be read).
            self.close_connection = True
            self.send_error(refusal, "request framing refused (RFC 9112 section 6)")
            return
        rfile, wfile = self.rfile, self.wfile
        framed = _FramedInput(rfile, length)
        exchange = _Exchange(
            framed,
            _CountingOutput(wfile),
            framing_ok=self.request_version >= "HTTP/1.1",
            head=self.command == "HEAD",
        )
        self.rfile, self.wfile = framed, exchange.out  # type: ignore[assignment]
        self._exchange = exchange
        try:
            super().run_wsgi()
        finally:
            with contextlib.suppress(OSError):
                exchange.out.flush()  # headers still held (none expected: werkzeug flushes)
            self.rfile, self.wfile = rfile, wfile
            self._exchange = None
        if not exchange.answer_sent():
            self.close_connection = True

    def make_environ(self) -> dict[str, Any]:
        environ = super().make_environ()
        body = environ["wsgi.input"]
        if isinstance(body, DechunkedInput) and self._exchange is not None:
            environ["wsgi.input"] = _ChunkedEnd(body, self._exchange.framed)
        return environ

    def send_response(self, code: int, message: str | None = None) -> None:
        if self._exchange is not None:
            self._exchange.status = code
        super().send_response(code, message)

    def send_header(self, keyword: str, value: str) -> None:
        exchange = self._exchange
        if exchange is not None:
            name = keyword.lower()
            if name == "connection":
                return  # werkzeug's "close" on every answer; decided in end_headers
            if name == "content-length":
                exchange.length = int(value) if value.strip().isdigit() else None
            elif name == "transfer-encoding":
                exchange.chunked = value.strip().lower() == "chunked"
        super().send_header(keyword, value)

    def end_headers(self) -> None:
        exchange = self._exchange
        if exchange is None:
            super().end_headers()
            return
        if not exchange.answer_keeps():
            self.close_connection = True
        if self.close_connection:
            super().send_header("Connection", "close")
        exchange.out.holding = True
        try:
            super().end_headers()
        finally:
            exchange.out.holding = False
        exchange.out.body_bytes = 0

    def connection_dropped(self, error: BaseException, environ: dict[str, Any] | None = None) -> None:
        self.close_connection = True

    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        log.debug("%s %s -> %s", self.command, self.path, code)

    def log_error(self, format: str, *args: Any) -> None:
        log.debug(format, *args)

    def log_message(self, format: str, *args: Any) -> None:
        log.debug(format, *args)


class _Server(ThreadedWSGIServer):
    """The threaded server; knows its idle connections so that closing it closes them."""

    def __init__(self, host: str, port: int, app: Any, idle_timeout: float) -> None:
        super().__init__(host, port, app, handler=_Handler)
        self.idle_timeout = idle_timeout
        self._lock = threading.Lock()
        self._idle: set[socket.socket] = set()
        self._closing = False

    def idle(self, connection: socket.socket) -> bool:
        """Note a connection waiting for its next request; False when the server is closing."""
        with self._lock:
            if self._closing:
                return False
            self._idle.add(connection)
            return True

    def busy(self, connection: socket.socket) -> None:
        with self._lock:
            self._idle.discard(connection)

    def server_close(self) -> None:
        with self._lock:
            self._closing = True
            idle, self._idle = list(self._idle), set()
        for connection in idle:
            with contextlib.suppress(OSError):
                connection.shutdown(socket.SHUT_RDWR)
        super().server_close()


def make_server(host: str, port: int, app: Any, *, idle_timeout: float = IDLE_TIMEOUT) -> ThreadedWSGIServer:
    """A threaded server for ``app`` bound to ``host:port`` (0: any free port), not yet serving."""
    return _Server(host, port, app, idle_timeout)
