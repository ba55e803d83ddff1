"""One download, streamed into the file object it is given.

The bytes are written from the start of ``out`` (a retry starts the file over), hashed (MD5,
which the static host also sends as ``Content-MD5`` for originals, REFERENCE §6.2) and counted as
they arrive. The answer is refused when it is no file at all (an HTTP error, or a web page: a
captive portal or a proxy answering for Flickr), when its size disagrees with ``Content-Length``
or the caller's expectation, or when its MD5 disagrees with ``Content-MD5``. Where the file goes,
its name and what its content must be are not decided here: :mod:`flickrsync.library` gives the
file object and names the file, :mod:`flickrsync.downloads` checks what arrived.

Retrying is the caller's business (:mod:`flickrsync.client` wraps this in its retry policy);
failures are typed so :func:`flickrsync.retry.is_retryable` can judge them. Errors writing into
``out`` (``OSError``) propagate unchanged: the caller knows which file it is.
"""

from __future__ import annotations

import base64
import hashlib
import logging
from dataclasses import dataclass
from typing import BinaryIO

import httpx

from flickrsync.errors import JunkAnswerError, RemoteError, TransientError
from flickrsync.redact import redact_url
from flickrsync.retry import is_retryable_status

log = logging.getLogger("flickrsync.transfers")

CHUNK = 1 << 16


@dataclass(frozen=True, slots=True)
class Downloaded:
    """What arrived: how many bytes, their MD5 (hex), and whether the server vouched for them."""

    size: int
    md5: str
    #: The server sent a ``Content-MD5`` and the bytes agree with it: they are the bytes it
    #: meant to send, nothing added or cut on the way.
    verified: bool = False


def download_to(
    http: httpx.Client,
    url: str,
    out: BinaryIO,
    *,
    expected_size: int | None = None,
    timeout: httpx.Timeout | None = None,
) -> Downloaded:
    """Stream ``url`` into ``out`` (seekable, written from its start and cut to what arrived).

    Raises :class:`TransientError` for a truncated or corrupted transfer, a 429/5xx or a network
    failure, :class:`RemoteError` for a 404 or other refusal, :class:`JunkAnswerError` for a web
    page instead of the file (not retried: a captive portal or a proxy answers).
    """
    out.seek(0)
    out.truncate()
    digest = hashlib.md5()
    size = 0
    shown = redact_url(url)
    try:
        limit = httpx.USE_CLIENT_DEFAULT if timeout is None else timeout
        with http.stream("GET", url, follow_redirects=True, timeout=limit) as response:
            status = response.status_code
            if status != 200:
                message = f"download {shown}: HTTP {status}"
                if is_retryable_status(status):
                    raise TransientError(message, method="download", http_status=status)
                raise RemoteError(message, method="download", http_status=status)
            kind = response.headers.get("Content-Type", "").split(";", 1)[0].strip().lower()
            if kind.startswith("text/"):
                raise JunkAnswerError(
                    f"download {shown}: the answer is a web page ({kind}), not the file; nothing saved",
                    method="download",
                    hint="a captive portal or a proxy may be in the way: sign in to it, then run again",
                )
            announced = _int_header(response, "Content-Length")
            if announced is not None and expected_size is not None and announced != expected_size:
                raise TransientError(
                    f"download {shown}: server announces {announced} bytes, expected {expected_size}",
                    method="download",
                )
            for chunk in response.iter_bytes(CHUNK):
                out.write(chunk)
                digest.update(chunk)
                size += len(chunk)
            content_md5 = response.headers.get("Content-MD5")
    except httpx.TransportError as exc:
        raise TransientError(f"download {shown}: {type(exc).__name__}: {exc}", method="download") from exc
    out.flush()
    want = announced if announced is not None else expected_size
    if want is not None and size != want:
        raise TransientError(f"download {shown}: got {size} of {want} bytes", method="download")
    verified = False
    if content_md5:
        try:
            expected_md5 = base64.b64decode(content_md5, validate=True).hex()
        except ValueError:
            expected_md5 = None
        if expected_md5 is not None and expected_md5 != digest.hexdigest():
            raise TransientError(
                f"download {shown}: content does not match its Content-MD5", method="download"
            )
        verified = expected_md5 is not None
    log.debug("downloaded %s (%d bytes)", shown, size)
    return Downloaded(size=size, md5=digest.hexdigest(), verified=verified)


def _int_header(response: httpx.Response, name: str) -> int | None:
    value = response.headers.get(name)
    if value is None:
        return None
    try:
        return int(value)
    except ValueError:
        return None
