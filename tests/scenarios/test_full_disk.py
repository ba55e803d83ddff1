"""A really full disk under the home dir (issue 16 point 14): a small tmpfs, when this machine
lets the tests mount one (root in a container); skipped with the reason otherwise."""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from tests.synchelpers import picture_bytes, run_cli

pytestmark = pytest.mark.slow


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Path]:
    disk = tmp_path / "disk"
    disk.mkdir()
    mount = shutil.which("mount")
    if mount is None:
        pytest.skip("no mount command")
    done = subprocess.run(
        [mount, "-t", "tmpfs", "-o", "size=4m", "tmpfs", str(disk)],
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {done.stderr.strip() or done.returncode}")
    try:
        yield disk
    finally:
        subprocess.run(["umount", str(disk)], check=False)


def test_a_full_home_disk_is_said_to_be_full(small_disk: Path, tmp_path: Path) -> None:
    pictures = tmp_path / "Pictures"
    pictures.mkdir()
    for i in range(20):
        (pictures / f"p{i}.jpg").write_bytes(picture_bytes(i))
    home = small_disk / "home"
    home.mkdir()
    (home / "config.ini").write_text(f"[DEFAULT]\ndirectory = {pictures}\n")
    (home / "config.ini").chmod(0o600)
    filler = small_disk / "filler"
    fd = os.open(filler, os.O_WRONLY | os.O_CREAT)
    try:  # every byte of the disk taken
        while os.write(fd, b"\0" * 4096):
            pass
    except OSError:
        pass
    finally:
        os.close(fd)
    code, _out, err = run_cli(["--home", str(home), "scan"])
    assert code == 1, err
    assert "Traceback" not in err
    [line] = err.splitlines()
    assert "the disk is full" in line, line
    assert "not a usable index" not in line
    filler.unlink()  # space again: the same index works
    code, _out, err = run_cli(["--home", str(home), "scan", "-q"])
    assert code == 0, err
