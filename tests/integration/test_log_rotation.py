"""The debug log rotates by the bytes it wrote (without asking the file system per record)."""

from __future__ import annotations

import logging
import os
import stat
from pathlib import Path

import pytest

from flickrsync.cli.logs import PrivateRotatingFileHandler


def _logger(handler: logging.Handler) -> logging.Logger:
    log = logging.getLogger("flickrsync.test.rotation")
    log.propagate = False
    log.setLevel(logging.DEBUG)
    log.addHandler(handler)
    return log


def test_the_log_rotates_before_a_record_would_pass_the_limit(tmp_path: Path) -> None:
    path = tmp_path / "flickrsync.log"
    path.write_text("x" * 450 + "\n", encoding="utf-8")  # an earlier run's lines count too
    handler = PrivateRotatingFileHandler(path, maxBytes=1000, backupCount=2, encoding="utf-8")
    handler.setFormatter(logging.Formatter("%(message)s"))
    log = _logger(handler)
    try:
        for i in range(25):
            log.info("%02d %s", i, "y" * 96)  # 100 bytes a line with its newline
    finally:
        log.removeHandler(handler)
        handler.close()
    files = [path, path.with_name("flickrsync.log.1"), path.with_name("flickrsync.log.2")]
    sizes = [f.stat().st_size for f in files]
    assert all(size <= 1000 for size in sizes), sizes
    assert not path.with_name("flickrsync.log.3").exists()
    kept = [line[:2] for f in reversed(files) for line in f.read_text(encoding="utf-8").splitlines()]
    assert kept == [f"{i:02d}" for i in range(25 - len(kept), 25)]  # the newest lines, in order
    assert sizes[1] == sizes[2] == 900  # nine lines each: a tenth would have reached 1,000 bytes


def test_a_log_that_is_not_a_regular_file_is_never_rotated(tmp_path: Path) -> None:
    """``--log-file`` naming a device: written to, never renamed nor chmodded. (A null device of our own in
    tmp_path: a test must never risk renaming the system's /dev/null.)"""
    device = tmp_path / "null"
    try:
        os.mknod(device, 0o666 | stat.S_IFCHR, os.makedev(1, 3))
        device.chmod(0o666)  # whatever the umask
    except OSError as exc:
        pytest.skip(f"cannot make a device node here ({exc.strerror}): needs root")
    handler = PrivateRotatingFileHandler(device, maxBytes=10, backupCount=1)
    log = _logger(handler)
    try:
        for _ in range(5):
            log.info("more than ten bytes")
    finally:
        log.removeHandler(handler)
        handler.close()
    assert device.is_char_device()
    assert stat.S_IMODE(device.stat().st_mode) == 0o666  # not made private either: not ours
    assert sorted(p.name for p in tmp_path.iterdir()) == ["null"]
