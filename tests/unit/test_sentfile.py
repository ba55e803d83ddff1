"""sentfile: the stream an upload reads, and the rule that says whether it sent the scanned picture."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from tests.synchelpers import content_id, picture_bytes

from flickrsync.errors import LocalFileError
from flickrsync.models import ContentId, FileStat, LocalPath
from flickrsync.sentfile import CHANGED_WHILE_SENT, SentFile, check_sent, open_sent, send_problem


def stat_of(path: Path) -> FileStat:
    st = path.stat()
    return FileStat(size=st.st_size, mtime_ns=st.st_mtime_ns, dev=st.st_dev, ino=st.st_ino)


def library(tmp_path: Path, data: bytes) -> tuple[LocalPath, Path]:
    (tmp_path / "a.jpg").write_bytes(data)
    return LocalPath(str(tmp_path), "a.jpg"), tmp_path / "a.jpg"


def send_all(stream: object) -> bytes:
    """Read like httpx's multipart body does: back to the start, then chunks until empty."""
    assert hasattr(stream, "seek")
    assert hasattr(stream, "read")
    stream.seek(0)
    out = b""
    while chunk := stream.read(1000):
        out += chunk
    return out


def test_an_unchanged_file_sent_whole_holds_the_picture(tmp_path: Path) -> None:
    data = picture_bytes(1)
    path, real = library(tmp_path, data)
    scanned = stat_of(real)
    with open_sent(path, expect=scanned) as stream:
        assert send_all(stream) == data
        check = check_sent(stream)
    assert check.sent_is_file
    assert check.content_id == content_id(data)
    assert send_problem(check, ContentId(content_id(data)), scanned) is None


def test_a_resend_starts_a_new_hash(tmp_path: Path) -> None:
    data = picture_bytes(2)
    path, real = library(tmp_path, data)
    with open_sent(path, expect=stat_of(real)) as stream:
        stream.read(500)  # a first attempt broke off
        assert send_all(stream) == data
        assert check_sent(stream).sent_is_file


def test_a_file_rewritten_in_place_while_sent_is_a_torn_upload(tmp_path: Path) -> None:
    old, new = picture_bytes(3), picture_bytes(4)
    new = new[: len(old)].ljust(len(old), b"\0")
    path, real = library(tmp_path, old)
    scanned = stat_of(real)
    with open_sent(path, expect=scanned) as stream:
        stream.seek(0)
        first = stream.read(1000)
        with real.open("r+b") as f:
            f.write(new)
        os.utime(real, ns=(scanned.mtime_ns, scanned.mtime_ns))  # even with its time kept
        while stream.read(1000):
            pass
        check = check_sent(stream)
    assert first == old[:1000]
    assert not check.sent_is_file
    assert send_problem(check, ContentId(content_id(old)), scanned) == (
        "it changed while it was being uploaded: the bytes sent are not the file's"
    )


def test_a_file_that_became_another_picture_before_it_was_sent(tmp_path: Path) -> None:
    old, new = picture_bytes(5), picture_bytes(6)
    path, real = library(tmp_path, old)
    scanned = stat_of(real)
    real.write_bytes(new)  # after the scan, before the upload: sent whole, but not the scanned one
    with open_sent(path) as stream:
        send_all(stream)
        check = check_sent(stream)
    assert check.sent_is_file
    assert check.content_id == content_id(new)
    assert "not the picture that was scanned" in (
        send_problem(check, ContentId(content_id(old)), scanned) or ""
    )


def read_to_the_end(stream: SentFile) -> None:
    while stream.read(1000):
        pass


@pytest.mark.parametrize("change", [b"x" * 50, b""], ids=["grows", "shrinks"])
def test_a_file_whose_length_changes_under_the_upload_stops_it(tmp_path: Path, change: bytes) -> None:
    data = picture_bytes(7) + b"\0" * 300_000  # bigger than the reader's buffer
    path, real = library(tmp_path, data)
    with open_sent(path, expect=stat_of(real)) as stream:
        stream.seek(0)
        stream.read(100)
        with real.open("r+b") as f:
            if change:
                f.seek(0, os.SEEK_END)
                f.write(change)
            else:
                f.truncate(len(data) - 10)
        with pytest.raises(LocalFileError) as raised:
            read_to_the_end(stream)
    assert raised.value.reason == CHANGED_WHILE_SENT
    assert raised.value.path == str(real)


def test_a_file_changed_since_the_scan_is_not_opened(tmp_path: Path) -> None:
    path, real = library(tmp_path, picture_bytes(8))
    scanned = stat_of(real)
    real.write_bytes(picture_bytes(9))
    with pytest.raises(LocalFileError, match="changed since it was scanned"):
        open_sent(path, expect=scanned)
