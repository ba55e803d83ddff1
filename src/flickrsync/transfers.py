"""One download, streamed to disk so that a file appears whole or not at all.

The bytes go to a temporary file in the target folder (same file system, so the final step is a
link, not a copy), are hashed (MD5, which the static host also sends as ``Content-MD5`` for
originals, REFERENCE §6.2) and counted as they arrive, then fsynced. Only when the size matches
``Content-Length`` and the caller's expectation (and the MD5 matches ``Content-MD5`` when sent)
is the file given its final name — created exclusively with ``link(2)``: an existing file is
never replaced. Anything else removes the temporary file and raises.

Retrying is the caller's business (:mod:`flickrsync.client` wraps this in its retry policy);
failures are typed so :func:`flickrsync.retry.is_retryable` can judge them.
"""

from __future__ import annotations

import base64
import contextlib
import errno
import hashlib
import logging
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import IO

import httpx

from flickrsync.errors import LocalFileError, RemoteError, TransientError, file_error
from flickrsync.redact import redact_url
from flickrsync.retry import is_retryable_status

log = logging.getLogger("flickrsync.transfers")

CHUNK = 1 << 16
#: errno values meaning "this file system cannot make hard links".
_NO_LINKS = {errno.EPERM, errno.EOPNOTSUPP, errno.ENOTSUP, errno.EMLINK, errno.EXDEV, errno.ENOSYS}


@dataclass(frozen=True, slots=True)
class Downloaded:
    """A file that arrived complete: where, how big, and the MD5 of its bytes (hex)."""

    path: Path
    size: int
    md5: str


def download_file(
    http: httpx.Client,
    url: str,
    dest: Path,
    *,
    expected_size: int | None = None,
    timeout: httpx.Timeout | None = None,
) -> Downloaded:
    """Stream ``url`` into the new file ``dest`` (whose folder must exist).

    Raises :class:`LocalFileError` when ``dest`` exists or cannot be written,
    :class:`TransientError` for a truncated or corrupted transfer, a 429/5xx or a network
    failure, :class:`RemoteError` for a 404 or other refusal.
    """
    if dest.exists() or dest.is_symlink():
        raise LocalFileError(str(dest), "already exists; not overwritten")
    try:
        fd, tmp_name = tempfile.mkstemp(prefix=f".{dest.name}.", suffix=".part", dir=dest.parent)
    except OSError as exc:
        raise file_error(str(dest.parent), "cannot write here", exc) from None
    tmp = Path(tmp_name)
    try:
        try:
            with os.fdopen(fd, "wb") as out:
                size, md5 = _stream(http, url, out, expected_size=expected_size, timeout=timeout)
                out.flush()
                os.fsync(out.fileno())
        except OSError as exc:
            raise file_error(str(dest), "cannot write", exc) from None
        _link_into_place(tmp, dest)
    except BaseException:
        with contextlib.suppress(OSError):
            tmp.unlink()
        raise
    with contextlib.suppress(OSError):
        tmp.unlink()
    fsync_dir(dest.parent)
    log.debug("downloaded %s (%d bytes) to %s", redact_url(url), size, dest)
    return Downloaded(path=dest, size=size, md5=md5)


def _stream(
    http: httpx.Client,
    url: str,
    out: IO[bytes],
    *,
    expected_size: int | None,
    timeout: httpx.Timeout | None,
) -> tuple[int, str]:
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
    want = announced if announced is not None else expected_size
    if want is not None and size != want:
        raise TransientError(f"download {shown}: got {size} of {want} bytes", method="download")
    if content_md5:
        try:
            expected_md5 = base64.b64decode(content_md5, validate=True).hex()
        except ValueError:
            expected_md5 = None
        if expected_md5 is not None and expected_md5 != digest.hexdigest():
            raise TransientError(
                f"download {shown}: content does not match its Content-MD5", method="download"
            )
    return size, digest.hexdigest()


def _int_header(response: httpx.Response, name: str) -> int | None:
    value = response.headers.get(name)
    if value is None:
        return None
    try:
        return int(value)
    except ValueError:
        return None


def _link_into_place(tmp: Path, dest: Path) -> None:
    """Give the complete file its name, never replacing an existing one."""
    try:
        os.link(tmp, dest)
    except FileExistsError:
        raise LocalFileError(str(dest), "appeared while downloading; not overwritten") from None
    except OSError as exc:
        if exc.errno not in _NO_LINKS:
            raise file_error(str(dest), "cannot create", exc) from None
        # No hard links here (some network/FAT file systems): check, then rename. The window
        # between the two is tiny, and the check is repeated as late as possible.
        if dest.exists() or dest.is_symlink():
            raise LocalFileError(str(dest), "appeared while downloading; not overwritten") from None
        os.rename(tmp, dest)


def fsync_dir(directory: Path) -> None:
    """Make a rename/link in ``directory`` durable (best effort: not every file system can)."""
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)
