"""The request side of fakeflickr's WSGI app: a werkzeug request that closes what it spooled,
the parameters of a request as Flickr reads them (query and form, first value of each name), the
URL a signature covers, and a connection dropped without an answer (fault injection)."""

from __future__ import annotations

import re
import socket
import struct
from collections.abc import Iterable
from typing import IO, Any

from werkzeug.datastructures import FileStorage, MultiDict
from werkzeug.exceptions import HTTPException
from werkzeug.wrappers import Request

from fakeflickr import oauth


def first_values(pairs: Iterable[tuple[str, str]]) -> dict[str, str]:
    out: dict[str, str] = {}
    for key, value in pairs:
        out.setdefault(key, value)
    return out


class ClosingRequest(Request):
    """A request that closes the files its multipart parts were spooled into even when the body
    broke off mid-part (a client killed or a connection dropped during an upload): werkzeug then
    never hands them to ``request.files``, whose closing is all ``Request.close`` does."""

    def __init__(self, environ: dict[str, Any]) -> None:
        super().__init__(environ)
        self._spooled: list[IO[bytes]] = []

    def _get_file_stream(
        self,
        total_content_length: int | None,
        content_type: str | None,
        filename: str | None = None,
        content_length: int | None = None,
    ) -> IO[bytes]:
        stream = super()._get_file_stream(total_content_length, content_type, filename, content_length)
        self._spooled.append(stream)
        return stream

    def close(self) -> None:
        super().close()
        for stream in self._spooled:
            stream.close()


def form_and_files(request: Request) -> tuple[MultiDict[str, str], MultiDict[str, FileStorage]]:
    return request.form, request.files


def request_params(request: Request) -> dict[str, str]:
    pairs = list(request.args.items(multi=True))
    try:
        form, _files = form_and_files(request)
        pairs += [(k, v) for k, v in form.items(multi=True)]
    except (ValueError, HTTPException):
        pass
    return first_values(pairs)


def api_key_of(request: Request, query: dict[str, str]) -> str | None:
    auth = request.headers.get("Authorization", "")
    m = re.search(r'oauth_consumer_key="([^"]*)"', auth)
    if m:
        return m.group(1)
    params = request_params(request)
    return params.get("oauth_consumer_key") or params.get("api_key") or query.get("api_key")


def base_url_of(request: Request) -> str:
    return request.host_url.rstrip("/")


def signing_url(request: Request) -> str:
    """scheme://host[:port]/path exactly as requested (Flickr signs the path as sent)."""
    raw = request.environ.get("RAW_URI") or request.environ.get("REQUEST_URI") or request.path
    path = str(raw).split("?", 1)[0]
    if "://" in path:  # absolute-form request line
        path = "/" + path.split("://", 1)[1].split("/", 1)[-1]
    return f"{request.scheme}://{request.host}{path}"


def signed_request(request: Request) -> oauth.OAuthRequest:
    query = list(request.args.items(multi=True))
    try:
        form, _files = form_and_files(request)
        form_pairs = list(form.items(multi=True))
    except (ValueError, HTTPException):
        form_pairs = []
    return oauth.gather(
        request.method, signing_url(request), query, form_pairs, request.headers.get("Authorization")
    )


def drop_connection(environ: dict[str, Any]) -> None:
    sock = environ.get("werkzeug.socket")
    if isinstance(sock, socket.socket):
        try:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
