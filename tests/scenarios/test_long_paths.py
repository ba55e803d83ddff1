"""Paths over the system's limit (issue 16 point 12): `scan` reported them, `sync` said
"0 problems" and exited 0 — a picture it could not even see was silently not backed up."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from tests.synchelpers import SyncLib, picture_bytes

from fakeflickr.testing import FakeFlickrHandle

pytestmark = pytest.mark.integration

#: 18 folders of 250 bytes: deeper than PATH_MAX (4,096 bytes on Linux) below any root.
DEPTH, NAME = 18, "d" * 250


def bury(root: Path, data: bytes) -> None:
    """A picture at the bottom of folders whose full path no system call accepts (made with
    paths relative to open folders, as a program can)."""
    fd = os.open(root, os.O_RDONLY)
    try:
        for _ in range(DEPTH):
            os.mkdir(NAME, dir_fd=fd)
            deeper = os.open(NAME, os.O_RDONLY, dir_fd=fd)
            os.close(fd)
            fd = deeper
        out = os.open("deep.jpg", os.O_WRONLY | os.O_CREAT, 0o644, dir_fd=fd)
        try:
            os.write(out, data)
        finally:
            os.close(out)
    finally:
        os.close(fd)


def test_a_path_over_the_system_limit_is_a_problem_sync_counts_and_names(
    fakeflickr: FakeFlickrHandle, tmp_path: Path
) -> None:
    lib = SyncLib.create(fakeflickr, tmp_path)
    lib.add("a.jpg", 1)
    bury(lib.root, picture_bytes(2))
    reason = "its path is longer than this system allows; shorten a folder or file name"

    scan = lib.run("scan")
    assert scan.code == 1, scan
    assert reason in scan.err

    run = lib.run("sync", "--yes", "--no-photosets")
    assert run.code == 1, run
    assert "1 problems" in run.out, run.out
    failed = [line for line in run.err.splitlines() if line.startswith("flickrsync: failed:")]
    assert len(failed) == 1, run.err
    assert failed[0].startswith(f"flickrsync: failed: {lib.root}/{NAME}/")
    assert failed[0].endswith(reason)
    assert run.writes == {"upload": 1}, "the rest is backed up"
