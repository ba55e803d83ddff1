"""Logging for a run: the debug log file and what stderr shows.

The debug log (``<home>/logs/flickrsync.log``, or ``--log-file PATH``) gets everything, at debug
level, from every run: what was planned and done per file, each Flickr call (method and status,
never a secret: tokens, secrets and signatures are not logged), retries, tracebacks of internal
errors. It is rotated at :data:`MAX_BYTES` with :data:`BACKUPS` old files kept
(``flickrsync.log.1`` …), and readable by you only (0600, in a 0700 folder).

stderr shows warnings and errors; ``-v`` adds the info lines (one per file), ``-q`` leaves errors
only, ``--debug`` shows everything.
"""

from __future__ import annotations

import io
import logging
import logging.handlers
import os
import stat
import sys
from pathlib import Path

from flickrsync.config import private_dir
from flickrsync.errors import UsageError

#: The debug log, under the home dir.
LOG_DIR = "logs"
LOG_NAME = "flickrsync.log"
#: Rotation: a log file is closed at this size and kept as ``.1`` … ``.BACKUPS``.
MAX_BYTES = 5_000_000
BACKUPS = 3


class PrivateRotatingFileHandler(logging.handlers.RotatingFileHandler):
    """A rotating log whose files only their owner can read (0600)."""

    def _open(self) -> io.TextIOWrapper:
        fd = os.open(self.baseFilename, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
        if stat.S_IMODE(os.fstat(fd).st_mode) & 0o077:
            os.fchmod(fd, 0o600)  # a log written by an older flickrsync
        return open(fd, "a", encoding=self.encoding, errors=self.errors)


class _StderrFormatter(logging.Formatter):
    """``-v``'s info lines as they are; ``flickrsync: warning: …`` for the rest."""

    def format(self, record: logging.LogRecord) -> str:
        message = super().format(record)
        if record.levelno == logging.INFO:
            return message
        return f"flickrsync: {record.levelname.lower()}: {message}"


def setup_logging(home: Path, *, log_file: Path | None = None, level: int = logging.WARNING) -> Path | None:
    """Send flickrsync's log to the debug log file and, from ``level`` up, to stderr.

    Returns the log file, or None when the default one cannot be written (the run goes on
    without it). A ``log_file`` asked for that cannot be written is a usage error."""
    root = logging.getLogger("flickrsync")
    root.setLevel(logging.DEBUG)
    close_logging()
    root.propagate = False
    stderr = logging.StreamHandler(sys.stderr)
    stderr.setLevel(level)
    stderr.setFormatter(_StderrFormatter("%(message)s"))
    root.addHandler(stderr)
    path = log_file or home / LOG_DIR / LOG_NAME
    try:
        if log_file is None:
            private_dir(path.parent)
        # A file name that is not UTF-8 is logged with its bytes escaped (\udce9), never a
        # "Logging error" traceback.
        handler = PrivateRotatingFileHandler(
            path, maxBytes=MAX_BYTES, backupCount=BACKUPS, encoding="utf-8", errors="backslashreplace"
        )
    except OSError as exc:
        if log_file is not None:
            raise UsageError(
                f"cannot write the log file {log_file}: {exc.strerror or exc}", hint="give another --log-file"
            ) from None
        return None
    handler.setLevel(logging.DEBUG)
    handler.setFormatter(logging.Formatter("%(asctime)s %(threadName)s %(name)s %(levelname)s %(message)s"))
    root.addHandler(handler)
    return path


def close_logging() -> None:
    """Remove the run's handlers and close the log file (``main`` may run again in the same
    process)."""
    root = logging.getLogger("flickrsync")
    for handler in list(root.handlers):
        root.removeHandler(handler)
        handler.close()
