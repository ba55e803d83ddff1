"""What a Flickr server sees: a WSGI middleware that records every request fakeflickr receives.

It reads the raw request (query string, ``Authorization`` header, urlencoded or multipart body)
*before* fakeflickr does, keeping every name as often as it was sent and every multipart part
in order, so a test can assert what no dict-based parser would show: a parameter sent twice
(once in the header, once in the body), or a file part that is not the last one. It also keeps
each answer's status and, for OAuth refusals, the ``oauth_problem``.

Independent of the client (no flickrsync import) and of fakeflickr's own parsing (werkzeug's
sans-IO multipart decoder over the bytes as received). :func:`recording_fakeflickr` runs a
fakeflickr (defaults as shipped) behind a recorder.
"""

from __future__ import annotations

import contextlib
import io
import threading
import urllib.request
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, unquote

from werkzeug.http import parse_options_header
from werkzeug.sansio.multipart import Data, Epilogue, Field, File, MultipartDecoder, NeedData

from fakeflickr.server import FakeFlickr
from fakeflickr.testing import TEST_CONSUMER_KEY, TEST_CONSUMER_SECRET, FakeFlickrHandle

WSGIApp = Callable[[dict[str, Any], Any], Iterable[bytes]]
Pairs = list[tuple[str, str]]


@dataclass(frozen=True, slots=True)
class WireRequest:
    """One request as it arrived, and the status it got."""

    method: str
    path: str
    #: Query-string parameters, in order, repeats kept.
    query: Pairs
    #: ``Authorization: OAuth ...`` parameters (``realm`` left out), in order, repeats kept.
    header: Pairs
    #: Body parameters: urlencoded pairs, or the text fields of a multipart body, repeats kept.
    body: Pairs
    #: Names of every multipart part (files too) in the order sent; empty for other bodies.
    parts: tuple[str, ...]
    #: Multipart parts that are files: name -> file name.
    files: dict[str, str]
    status: int
    #: ``oauth_problem`` of a 4xx text/plain answer.
    problem: str | None = None

    @property
    def params(self) -> Pairs:
        """Everything a server merges: header + query + body (not the file parts)."""
        return [*self.header, *self.query, *self.body]

    @property
    def repeated(self) -> list[str]:
        """Parameter names that arrived more than once across header, query and body."""
        counts = Counter(name for name, _ in self.params)
        return sorted(name for name, n in counts.items() if n > 1)

    def get(self, name: str) -> str | None:
        for key, value in self.params:
            if key == name:
                return value
        return None

    @property
    def rest_method(self) -> str | None:
        return self.get("method") if self.path.rstrip("/") == "/services/rest" else None

    @property
    def kind(self) -> str:
        """``flickr.x.y`` for REST, else the last path segment (upload, replace, request_token...),
        or ``static`` for photo files."""
        if self.rest_method:
            return self.rest_method
        if self.path.startswith("/services/"):
            return self.path.rstrip("/").rsplit("/", 1)[1]
        return "static"


def parse_oauth_header(value: str) -> Pairs:
    """``OAuth a="1", b="2"`` -> [(a, 1), (b, 2)], repeats kept, ``realm`` dropped."""
    if value[:6].lower() != "oauth ":
        return []
    out: Pairs = []
    for item in urllib.request.parse_http_list(value[6:]):
        name, _, raw = item.strip().partition("=")
        if raw[:1] == '"' and raw[-1:] == '"':
            raw = raw[1:-1]
        if name != "realm":
            out.append((name, unquote(raw)))
    return out


def parse_multipart(body: bytes, boundary: bytes) -> tuple[Pairs, list[str], dict[str, str]]:
    """(text fields, part names in order, file parts name -> file name)."""
    decoder = MultipartDecoder(boundary)
    decoder.receive_data(body)
    decoder.receive_data(None)
    fields: Pairs = []
    names: list[str] = []
    files: dict[str, str] = {}
    current: Field | File | None = None
    chunks: list[bytes] = []
    while True:
        event = decoder.next_event()
        if isinstance(event, NeedData | Epilogue):
            break
        if isinstance(event, Field | File):
            current, chunks = event, []
            names.append(event.name)
            if isinstance(event, File):
                files[event.name] = event.filename
        elif isinstance(event, Data):
            chunks.append(event.data)
            if not event.more_data and isinstance(current, Field):
                fields.append((current.name, b"".join(chunks).decode("utf-8")))
    return fields, names, files


class WireRecorder:
    """WSGI middleware: records each request to Flickr's paths (not ``/__admin/``), then passes
    it on unchanged."""

    def __init__(self, app: WSGIApp) -> None:
        self.app = app
        self.requests: list[WireRequest] = []
        self._lock = threading.Lock()

    def clear(self) -> None:
        with self._lock:
            self.requests.clear()

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
        path = str(environ.get("PATH_INFO", ""))
        if path.startswith("/__admin/"):
            return self.app(environ, start_response)
        stream = environ["wsgi.input"]
        if environ.get("wsgi.input_terminated"):
            raw = stream.read()
        else:
            raw = stream.read(int(environ.get("CONTENT_LENGTH") or 0))
        environ["wsgi.input"] = io.BytesIO(raw)
        ctype, options = parse_options_header(environ.get("CONTENT_TYPE", ""))
        body: Pairs = []
        parts: list[str] = []
        files: dict[str, str] = {}
        if ctype == "multipart/form-data":
            body, parts, files = parse_multipart(raw, options["boundary"].encode())
        elif ctype == "application/x-www-form-urlencoded":
            body = parse_qsl(raw.decode("utf-8"), keep_blank_values=True)
        answer: dict[str, Any] = {}

        def recording_start(status: str, headers: list[tuple[str, str]], *exc: Any) -> Any:
            answer["status"] = int(status.split(maxsplit=1)[0])
            answer["type"] = {k.lower(): v for k, v in headers}.get("content-type", "")
            return start_response(status, headers, *exc)

        result = self.app(environ, recording_start)
        problem = None
        if answer.get("status", 200) >= 400 and str(answer.get("type", "")).startswith("text/plain"):
            content = b"".join(result)
            result = [content]
            problem = dict(parse_qsl(content.decode("utf-8", "replace"))).get("oauth_problem")
        record = WireRequest(
            method=str(environ["REQUEST_METHOD"]),
            path=path,
            query=parse_qsl(str(environ.get("QUERY_STRING", "")), keep_blank_values=True),
            header=parse_oauth_header(str(environ.get("HTTP_AUTHORIZATION", ""))),
            body=body,
            parts=tuple(parts),
            files=files,
            status=int(answer.get("status", 0)),
            problem=problem,
        )
        with self._lock:
            self.requests.append(record)
        return result


@contextlib.contextmanager
def recording_fakeflickr(data_dir: Path) -> Iterator[tuple[FakeFlickrHandle, WireRecorder]]:
    """A fakeflickr on loopback (its defaults as shipped: strict OAuth, search lag on) behind a
    :class:`WireRecorder`; fails on exit if fakeflickr hit an internal error (a fakeflickr bug)."""
    recorders: list[WireRecorder] = []

    def wrap(app: WSGIApp) -> WireRecorder:
        recorders.append(WireRecorder(app))
        return recorders[0]

    consumers = [(TEST_CONSUMER_KEY, TEST_CONSUMER_SECRET)]
    with FakeFlickr(data_dir, consumers=consumers, middleware=wrap) as server:
        yield FakeFlickrHandle(server.base_url, data_dir=data_dir), recorders[0]
        assert server.app.internal_errors == [], server.app.internal_errors
