"""Streaming download: complete files appear whole under their name, or not at all."""

from __future__ import annotations

import base64
import hashlib
import os
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from flickrsync.errors import LocalFileError, RemoteError, TransientError
from flickrsync.transfers import download_file

DATA = os.urandom(300_000)


def client(handler: httpx.MockTransport) -> httpx.Client:
    return httpx.Client(transport=handler)


def serve(body: bytes, *, status: int = 200, headers: dict[str, str] | None = None) -> httpx.Client:
    def handler(_request: httpx.Request) -> httpx.Response:
        return httpx.Response(status, content=body, headers=headers or {})

    return client(httpx.MockTransport(handler))


def leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir())


def test_complete_download(tmp_path: Path) -> None:
    md5 = hashlib.md5(DATA)
    http = serve(
        DATA, headers={"Content-MD5": base64.b64encode(md5.digest()).decode(), "ETag": f'"{md5.hexdigest()}"'}
    )
    result = download_file(
        http, "https://live.staticflickr.com/1/2_3_o.jpg", tmp_path / "IMG.jpg", expected_size=len(DATA)
    )
    assert result.path.read_bytes() == DATA
    assert (result.size, result.md5) == (len(DATA), md5.hexdigest())
    assert leftovers(tmp_path) == ["IMG.jpg"]


def test_follows_redirects_for_videos(tmp_path: Path) -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path.startswith("/photos/"):
            return httpx.Response(
                302, headers={"Location": "https://live.staticflickr.com/video/1/s/orig.mp4"}
            )
        return httpx.Response(200, content=b"mp4 bytes")

    result = download_file(
        client(httpx.MockTransport(handler)),
        "https://www.flickr.com/photos/a/1/play/orig/s/",
        tmp_path / "v.mp4",
    )
    assert result.path.read_bytes() == b"mp4 bytes"


def test_never_overwrites(tmp_path: Path) -> None:
    dest = tmp_path / "IMG.jpg"
    dest.write_bytes(b"mine")
    with pytest.raises(LocalFileError, match="already exists"):
        download_file(serve(DATA), "https://x/1_o.jpg", dest)
    assert dest.read_bytes() == b"mine"
    assert leftovers(tmp_path) == ["IMG.jpg"]


def test_file_appearing_meanwhile_is_not_replaced(tmp_path: Path) -> None:
    dest = tmp_path / "IMG.jpg"

    def handler(_request: httpx.Request) -> httpx.Response:
        dest.write_bytes(b"someone else")
        return httpx.Response(200, content=DATA)

    with pytest.raises(LocalFileError, match="appeared while downloading"):
        download_file(client(httpx.MockTransport(handler)), "https://x/1_o.jpg", dest)
    assert dest.read_bytes() == b"someone else"
    assert leftovers(tmp_path) == ["IMG.jpg"]


class Truncated(httpx.SyncByteStream):
    def __iter__(self) -> Iterator[bytes]:
        yield DATA[:100_000]
        yield DATA[100_000:200_000]


def test_truncated_download_leaves_nothing(tmp_path: Path) -> None:
    def handler(_request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, headers={"Content-Length": str(len(DATA))}, stream=Truncated())

    with pytest.raises(TransientError, match="got 200000 of 300000 bytes"):
        download_file(client(httpx.MockTransport(handler)), "https://x/1_o.jpg", tmp_path / "IMG.jpg")
    assert leftovers(tmp_path) == []


def test_short_of_the_expected_size_leaves_nothing(tmp_path: Path) -> None:
    def handler(_request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, stream=Truncated())  # chunked: no Content-Length

    with pytest.raises(TransientError, match="got 200000 of 300000 bytes"):
        download_file(
            client(httpx.MockTransport(handler)),
            "https://x/1_o.jpg",
            tmp_path / "a.jpg",
            expected_size=len(DATA),
        )
    assert leftovers(tmp_path) == []


def test_corrupt_download_leaves_nothing(tmp_path: Path) -> None:
    headers = {"Content-MD5": base64.b64encode(b"0" * 16).decode()}
    with pytest.raises(TransientError, match="Content-MD5"):
        download_file(serve(DATA, headers=headers), "https://x/1_o.jpg", tmp_path / "IMG.jpg")
    assert leftovers(tmp_path) == []


def test_announced_size_disagreeing_with_the_expected_one(tmp_path: Path) -> None:
    with pytest.raises(TransientError, match="announces"):
        download_file(serve(DATA), "https://x/1_o.jpg", tmp_path / "a.jpg", expected_size=10)
    assert leftovers(tmp_path) == []


@pytest.mark.parametrize(
    ("status", "kind"), [(404, RemoteError), (429, TransientError), (503, TransientError)]
)
def test_http_failures_are_typed(tmp_path: Path, status: int, kind: type[RemoteError]) -> None:
    with pytest.raises(kind) as info:
        download_file(serve(b"", status=status), "https://x/1_o.jpg", tmp_path / "a.jpg")
    assert info.value.http_status == status
    assert type(info.value) is kind
    assert leftovers(tmp_path) == []


def test_dropped_connection_is_transient(tmp_path: Path) -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        raise httpx.RemoteProtocolError(
            "peer closed connection without sending complete message body", request=request
        )

    with pytest.raises(TransientError, match="RemoteProtocolError"):
        download_file(client(httpx.MockTransport(handler)), "https://x/1_o.jpg", tmp_path / "a.jpg")
    assert leftovers(tmp_path) == []


def test_unwritable_folder(tmp_path: Path) -> None:
    with pytest.raises(LocalFileError, match="cannot write here"):
        download_file(serve(DATA), "https://x/1_o.jpg", tmp_path / "missing" / "a.jpg")


def test_messages_never_show_a_signed_query(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    url = "https://live.staticflickr.com/video/1/s/orig.mp4?s=SIGNEDTOKEN"
    with pytest.raises(RemoteError) as info:
        download_file(serve(b"", status=403), url, tmp_path / "a.mp4")
    assert "SIGNEDTOKEN" not in str(info.value)
    assert "orig.mp4" in str(info.value)
    with caplog.at_level("DEBUG", logger="flickrsync"):
        download_file(serve(DATA), url, tmp_path / "b.mp4")
    assert "b.mp4" in caplog.text
    assert "SIGNEDTOKEN" not in caplog.text
