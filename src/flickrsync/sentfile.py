"""A library file opened to be uploaded, and the check that what was sent is the scanned picture.

Part of the local file room (with :mod:`flickrsync.localfs`): it opens library files read-only
and never writes under a root. An upload streams the file (the client reads it in chunks as it
sends them), so a file rewritten in place during its upload goes out torn: the first part old,
the rest new, under the machine tag of the picture that was scanned (issue 16 point 3). So:

* :class:`SentFile` is the stream the upload reads: it hashes (SHA-256) the bytes read from the
  start of the file, i.e. exactly what the upload sent (a resend starts again from the start and
  starts a new hash);
* :func:`check_sent`, after the upload, compares them with the file as it is now (SHA-256 of
  the whole file) and reads its content id and stat; :func:`send_problem` decides: the bytes sent
  are the file's, the file is still the scanned picture (content id) with the scanned stat, so the
  upload holds the scanned picture. Anything else is a torn upload.

The file is read twice more after the send (whole-file hash, then content id), from the page
cache in the usual case: cheap next to sending it.
"""

from __future__ import annotations

import hashlib
import io
import os
from dataclasses import dataclass

from flickrsync.errors import LocalFileError, MediaError
from flickrsync.localfs import open_file
from flickrsync.models import ContentId, FileStat, LocalPath

_CHUNK = 1 << 20
#: How a file that changed under its upload is reported, whichever way it was noticed.
CHANGED_WHILE_SENT = "it changed while it was being uploaded; not uploaded"


class SentFile(io.BufferedReader):
    """A library file opened for an upload; hashes what is read from its start."""

    def __init__(self, raw: io.FileIO, shown: str) -> None:
        super().__init__(raw, buffer_size=1 << 16)
        self.shown = shown
        #: The length the upload announces (``Content-Length``): the file's size when opened.
        self.length = os.fstat(raw.fileno()).st_size
        self._sha = hashlib.sha256()
        self._sent = 0
        #: False once a read did not follow the previous one (a seek elsewhere than the start).
        self._whole = True

    def read(self, size: int | None = -1) -> bytes:
        """Read on, hashing; a file that turns out longer or shorter than its announced length
        (it grew or shrank under the upload) raises :class:`LocalFileError` rather than let the
        request break off with the HTTP library's words."""
        data = super().read(size)
        if self._whole:
            self._sha.update(data)
            self._sent += len(data)
            if self._sent > self.length or (not data and size != 0 and self._sent < self.length):
                raise LocalFileError(self.shown, CHANGED_WHILE_SENT)
        return data

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        position = super().seek(offset, whence)
        if position == 0:
            self._sha = hashlib.sha256()
            self._sent, self._whole = 0, True
        elif position != self._sent:
            self._whole = False
        return position

    @property
    def sent(self) -> tuple[int, str] | None:
        """(bytes, SHA-256 hex) read since the start, or None when reads skipped around."""
        return (self._sent, self._sha.hexdigest()) if self._whole else None


def open_sent(path: LocalPath, expect: FileStat | None = None) -> SentFile:
    """Open a library file to upload it (:func:`flickrsync.localfs.open_file`: read-only, access
    time untouched; with ``expect``, :class:`~flickrsync.errors.LocalFileError` when it changed
    since the scan recorded that stat)."""
    stream = open_file(path, expect)
    assert isinstance(stream, io.BufferedReader)
    raw = stream.detach()
    assert isinstance(raw, io.FileIO)
    return SentFile(raw, os.path.join(path.root, path.relpath))


@dataclass(frozen=True, slots=True)
class SendCheck:
    """What :func:`check_sent` found out about the file after an upload read it."""

    #: The bytes sent are the file's bytes as they are now (nothing changed them meanwhile).
    sent_is_file: bool
    #: The content id of the file as it is now (None when it is not a usable picture now).
    content_id: ContentId | None
    #: The file's stat now.
    stat: FileStat


def check_sent(stream: SentFile) -> SendCheck:
    """Compare what ``stream`` sent with the file as it is now. Reads the file again (its
    position is lost: close it afterwards)."""
    fd = stream.fileno()
    st = os.fstat(fd)
    now = FileStat(size=st.st_size, mtime_ns=st.st_mtime_ns, dev=st.st_dev, ino=st.st_ino)
    sent = stream.sent
    same = sent is not None and sent == (st.st_size, _whole_file_sha256(fd))
    return SendCheck(same, _content_id(fd), now)


def send_problem(check: SendCheck, content_id: ContentId, scanned: FileStat) -> str | None:
    """Why an upload checked by :func:`check_sent` does not hold the picture ``content_id``
    whose file the scan saw with stat ``scanned`` (None: it holds it). The one rule of what a
    torn upload is."""
    if not check.sent_is_file:
        return "it changed while it was being uploaded: the bytes sent are not the file's"
    if check.content_id != content_id:
        return "it changed while it was being uploaded: it is not the picture that was scanned any more"
    if (check.stat.size, check.stat.mtime_ns) != (scanned.size, scanned.mtime_ns):
        return "it changed while it was being uploaded"
    return None


def _whole_file_sha256(fd: int) -> str:
    digest = hashlib.sha256()
    offset = 0
    while chunk := os.pread(fd, _CHUNK, offset):
        digest.update(chunk)
        offset += len(chunk)
    return digest.hexdigest()


def _content_id(fd: int) -> ContentId | None:
    from flickrsync import fingerprint  # noqa: PLC0415 - Pillow & co. only when uploads run

    with os.fdopen(os.dup(fd), "rb") as again:
        try:
            return fingerprint.fingerprint_stream(again, size=os.fstat(fd).st_size).content_id
        except MediaError:
            return None
