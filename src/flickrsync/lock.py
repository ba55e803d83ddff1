"""One run per profile at a time: an advisory lock file in the home directory.

The lock is ``flock(2)`` on ``<home>/locks/<profile>.lock``, held for the whole run. The kernel
releases it when the process ends, however it ends (``kill -9`` included), so a lock left by a
dead run is simply free: the next run takes it over without guessing from pids. The file's
content (pid, host, start time, command) tells the user who holds it, and says whether the run
has uploads under way (``"uploading"``): a run that ends normally empties it.

So a run that died leaves its last sign of life (the file's modification time, touched every
second while transfers run) and whether it was uploading — outside the index, so deleting the
index forgets neither. The next run uses both to give a killed run's uploads time to land before
it sends any picture again (:meth:`flickrsync.executor.Executor.resolve_uploads`).
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import socket
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
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
    of life (the lock file's modification time), None when it ended normally. A crashed run's
    uploads may still be arriving at Flickr shortly after that moment. ``previous_uploading``:
    it had uploads under way then (True when its lock does not say: the safe side)."""

    path: Path
    fd: int
    previous_alive: float | None
    previous_uploading: bool = True
    info: dict[str, object] = field(default_factory=dict)
    _last: float = 0.0

    def heartbeat(self) -> None:
        """Record that this run is alive (at most every :data:`HEARTBEAT_EVERY` seconds)."""
        now = time.monotonic()
        if now - self._last < HEARTBEAT_EVERY:
            return
        self._last = now
        with contextlib.suppress(OSError):
            os.utime(self.fd)

    def uploading(self, active: bool) -> None:
        """Record whether uploads are under way (and that the run is alive)."""
        self.info["uploading"] = active
        self._last = time.monotonic()
        with contextlib.suppress(OSError):
            _write(self.fd, self.info)


def _write(fd: int, info: dict[str, object]) -> None:
    data = json.dumps(info).encode("utf-8")
    os.pwrite(fd, data, 0)
    os.ftruncate(fd, len(data))


def _previous_uploading(fd: int) -> bool:
    """What a dead run's lock says of its uploads; True when it does not say (an older version)."""
    try:
        info = json.loads(os.pread(fd, 1 << 16, 0).decode("utf-8"))
    except (OSError, ValueError):
        return True
    value = info.get("uploading") if isinstance(info, dict) else None
    return value if isinstance(value, bool) else True


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
        uploading = _previous_uploading(fd) if previous is not None else False
        info: dict[str, object] = {
            "pid": os.getpid(),
            "host": socket.gethostname(),
            "started": time.time(),
            "command": command,
            "uploading": False,
        }
        _write(fd, info)
        try:
            yield HeldLock(path, fd, previous, uploading, info)
        finally:
            with contextlib.suppress(OSError):
                os.ftruncate(fd, 0)
    finally:
        os.close(fd)  # releases the lock
