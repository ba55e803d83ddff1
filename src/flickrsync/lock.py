"""One run per profile at a time: an advisory lock file in the home directory.

The lock is ``flock(2)`` on ``<home>/locks/<profile>.lock``, held for the whole run. The kernel
releases it when the process ends, however it ends (``kill -9`` included), so a lock left by a
dead run is simply free: the next run takes it over without guessing from pids. The file's
content (pid, host, start time, command) only serves to tell the user who holds it.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import socket
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from flickrsync.errors import ConfigError, LockedError


def _holder(path: Path) -> str:
    try:
        info = json.loads(path.read_text(encoding="utf-8"))
        started = time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(float(info["started"])))
        return f"pid {int(info['pid'])} on {info['host']}, {info['command']} since {started}"
    except (OSError, ValueError, KeyError, TypeError):
        return "another flickrsync run"


#: How often (seconds) a run's sign of life is written at most.
HEARTBEAT_EVERY = 1.0


@dataclass
class HeldLock:
    """A held profile lock. ``previous_alive``: when the run before this one last showed a sign
    of life (the lock file's modification time), None when unknown. A crashed run's uploads may
    still be arriving at Flickr shortly after that moment."""

    path: Path
    fd: int
    previous_alive: float | None
    _last: float = 0.0

    def heartbeat(self) -> None:
        """Record that this run is alive (at most every :data:`HEARTBEAT_EVERY` seconds)."""
        now = time.monotonic()
        if now - self._last < HEARTBEAT_EVERY:
            return
        self._last = now
        with contextlib.suppress(OSError):
            os.utime(self.fd)


@contextlib.contextmanager
def profile_lock(path: Path, profile: str, command: str) -> Iterator[HeldLock]:
    """Hold the profile's lock for the duration of the ``with`` block, or raise
    :class:`LockedError` (exit 2) naming the run that holds it."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
    except OSError as exc:
        raise ConfigError(
            f"{path}: cannot create the lock file: {exc.strerror}",
            hint="check the home directory's permissions",
        ) from None
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise LockedError(
                f"profile [{profile}] is busy: {_holder(path)}",
                hint="wait for that run to finish, then run again",
            ) from None
        st = os.fstat(fd)
        previous = st.st_mtime if st.st_size else None  # an empty file: never held, or released
        info = {"pid": os.getpid(), "host": socket.gethostname(), "started": time.time(), "command": command}
        os.ftruncate(fd, 0)
        os.pwrite(fd, json.dumps(info).encode("utf-8"), 0)
        try:
            yield HeldLock(path, fd, previous)
        finally:
            with contextlib.suppress(OSError):
                os.ftruncate(fd, 0)
    finally:
        os.close(fd)  # releases the lock
