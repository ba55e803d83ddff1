"""Streaming download into the file object it is given: the bytes as sent, or a typed error.

Where the file goes and what its content must be are the library's and the download check's
(tests/unit/test_library.py, tests/unit/test_downloads.py)."""

from __future__ import annotations

import base64
import hashlib
import io
import os
from collections.abc import Iterator

import httpx
import pytest

from flickrsync.errors import JunkAnswerError, RemoteError, TransientError
from flickrsync.retry import is_retryable
from flickrsync.transfers import download_to

DATA = os.urandom(300_000)


def client(handler: httpx.MockTransport) -> httpx.Client:
    return httpx.Client(transport=handler)


def serve(body: bytes, *, status: int = 200, headers: dict[str, str] | None = None) -> httpx.Client:
    def handler(_request: httpx.Request) -> httpx.Response:
        return httpx.Response(status, content=body, headers=headers or {})

    return client(httpx.MockTransport(handler))


def test_complete_download_vouched_for_by_content_md5() -> None:
    md5 = hashlib.md5(DATA)
    http = serve(
        DATA, headers={"Content-MD5": base64.b64encode(md5.digest()).decode(), "ETag": f'"{md5.hexdigest()}"'}
    )
    out = io.BytesIO()
    result = download_to(http, "https://live.staticflickr.com/1/2_3_o.jpg", out, expected_size=len(DATA))
    assert out.getvalue() == DATA
    assert (result.size, result.md5, result.verified) == (len(DATA), md5.hexdigest(), True)


def test_without_content_md5_the_bytes_are_not_vouched_for() -> None:
    result = download_to(serve(DATA), "https://x/1_o.jpg", io.BytesIO())
    assert (result.size, result.verified) == (len(DATA), False)


def test_a_retry_starts_the_file_over() -> None:
    out = io.BytesIO(b"half of an earlier try " * 100_000)
    download_to(serve(b"the whole file"), "https://x/1_o.jpg", out)
    assert out.getvalue() == b"the whole file"


def test_follows_redirects_for_videos() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path.startswith("/photos/"):
            return httpx.Response(
                302, headers={"Location": "https://live.staticflickr.com/video/1/s/orig.mp4"}
            )
        return httpx.Response(200, content=b"mp4 bytes")

    out = io.BytesIO()
    download_to(client(httpx.MockTransport(handler)), "https://www.flickr.com/photos/a/1/play/orig/s/", out)
    assert out.getvalue() == b"mp4 bytes"


@pytest.mark.parametrize("kind", ["text/html; charset=utf-8", "text/plain", "TEXT/HTML"])
def test_a_web_page_instead_of_the_file_is_refused_at_once(kind: str) -> None:
    """A captive portal answers 200 with its login page: nothing is written, and the client does
    not retry it (it would get the same page)."""
    page = b"<html><body>Sign in to the hotel Wi-Fi</body></html>"
    out = io.BytesIO()
    with pytest.raises(JunkAnswerError, match="web page") as info:
        download_to(serve(page, headers={"Content-Type": kind}), "https://x/1_o.jpg", out)
    assert out.getvalue() == b""
    assert not is_retryable(info.value)
    assert "captive portal" in str(info.value)


class Truncated(httpx.SyncByteStream):
    def __iter__(self) -> Iterator[bytes]:
        yield DATA[:100_000]
        yield DATA[100_000:200_000]


def test_truncated_download() -> None:
    def handler(_request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, headers={"Content-Length": str(len(DATA))}, stream=Truncated())

    with pytest.raises(TransientError, match="got 200000 of 300000 bytes") as info:
        download_to(client(httpx.MockTransport(handler)), "https://x/1_o.jpg", io.BytesIO())
    assert is_retryable(info.value)


def test_short_of_the_expected_size() -> None:
    def handler(_request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, stream=Truncated())  # chunked: no Content-Length

    with pytest.raises(TransientError, match="got 200000 of 300000 bytes"):
        download_to(
            client(httpx.MockTransport(handler)), "https://x/1_o.jpg", io.BytesIO(), expected_size=len(DATA)
        )


def test_corrupt_download() -> None:
    headers = {"Content-MD5": base64.b64encode(b"0" * 16).decode()}
    with pytest.raises(TransientError, match="Content-MD5") as info:
        download_to(serve(DATA, headers=headers), "https://x/1_o.jpg", io.BytesIO())
    assert is_retryable(info.value)


def test_a_padded_body_disagrees_with_its_content_md5() -> None:
    md5 = base64.b64encode(hashlib.md5(DATA).digest()).decode()
    padded = DATA + os.urandom(1000)
    with pytest.raises(TransientError, match="Content-MD5"):
        download_to(serve(padded, headers={"Content-MD5": md5}), "https://x/1_o.jpg", io.BytesIO())


def test_announced_size_disagreeing_with_the_expected_one() -> None:
    with pytest.raises(TransientError, match="announces"):
        download_to(serve(DATA), "https://x/1_o.jpg", io.BytesIO(), expected_size=10)


@pytest.mark.parametrize(
    ("status", "kind"), [(404, RemoteError), (429, TransientError), (503, TransientError)]
)
def test_http_failures_are_typed(status: int, kind: type[RemoteError]) -> None:
    with pytest.raises(kind) as info:
        download_to(serve(b"", status=status), "https://x/1_o.jpg", io.BytesIO())
    assert info.value.http_status == status
    assert type(info.value) is kind


def test_dropped_connection_is_transient() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        raise httpx.RemoteProtocolError(
            "peer closed connection without sending complete message body", request=request
        )

    with pytest.raises(TransientError, match="RemoteProtocolError"):
        download_to(client(httpx.MockTransport(handler)), "https://x/1_o.jpg", io.BytesIO())


def test_a_write_error_propagates_as_it_is() -> None:
    class Full(io.BytesIO):
        def write(self, _data: bytes) -> int:  # type: ignore[override]
            raise OSError(28, "No space left on device")

    with pytest.raises(OSError, match="No space left"):
        download_to(serve(DATA), "https://x/1_o.jpg", Full())


def test_messages_never_show_a_signed_query(caplog: pytest.LogCaptureFixture) -> None:
    url = "https://live.staticflickr.com/video/1/s/orig.mp4?s=SIGNEDTOKEN"
    with pytest.raises(RemoteError) as info:
        download_to(serve(b"", status=403), url, io.BytesIO())
    assert "SIGNEDTOKEN" not in str(info.value)
    assert "orig.mp4" in str(info.value)
    with caplog.at_level("DEBUG", logger="flickrsync"):
        download_to(serve(DATA), url, io.BytesIO())
    assert "orig.mp4" in caplog.text
    assert "SIGNEDTOKEN" not in caplog.text
