"""One run per profile: the lock file, a busy profile, a killed run's lock."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import pytest

from flickrsync.errors import LockedError
from flickrsync.lock import profile_lock

HOLD = """
import os, signal, sys, time
from pathlib import Path
from flickrsync.lock import profile_lock
with profile_lock(Path(sys.argv[1]), "work", "sync2") as lock:
    if sys.argv[2] == "die uploading":
        lock.uploading(True)
    if sys.argv[2] == "die after uploading":
        lock.uploading(True)
        lock.uploading(False)
    print("held", flush=True)
    if sys.argv[2].startswith("die"):
        os.kill(os.getpid(), signal.SIGKILL)
    time.sleep(60)
"""


def hold(path: Path, how: str) -> subprocess.Popen[str]:
    proc = subprocess.Popen([sys.executable, "-c", HOLD, str(path), how], stdout=subprocess.PIPE, text=True)
    assert proc.stdout is not None
    assert proc.stdout.readline() == "held\n"
    return proc


def test_a_second_run_is_refused_naming_the_first(tmp_path: Path) -> None:
    path = tmp_path / "locks" / "work.lock"
    with hold(path, "wait") as proc:
        try:
            busy = rf"profile \[work\] is busy: pid {proc.pid} on .*, sync2 since"
            with pytest.raises(LockedError, match=busy), profile_lock(path, "work", "sync"):
                pass
        finally:
            proc.kill()


def test_a_killed_runs_lock_is_taken_over_and_its_last_sign_of_life_known(tmp_path: Path) -> None:
    path = tmp_path / "locks" / "work.lock"
    with hold(path, "die") as proc:
        proc.wait()
    with profile_lock(path, "work", "sync") as lock:
        assert lock.previous_alive is not None
        assert abs(lock.previous_alive - time.time()) < 30
    # A run that ended normally leaves nothing to wait for.
    with profile_lock(path, "work", "sync") as lock:
        assert lock.previous_alive is None
    assert path.stat().st_mode & 0o777 == 0o600


@pytest.mark.parametrize(
    ("how", "uploading"), [("die uploading", True), ("die after uploading", False), ("die", False)]
)
def test_a_killed_run_says_whether_it_was_uploading(tmp_path: Path, how: str, uploading: bool) -> None:
    """The lock file, not the index, remembers it: deleting the index must not forget it."""
    path = tmp_path / "locks" / "work.lock"
    with hold(path, how) as proc:
        proc.wait()
    with profile_lock(path, "work", "sync") as lock:
        assert lock.previous_alive is not None
        assert lock.previous_uploading is uploading
