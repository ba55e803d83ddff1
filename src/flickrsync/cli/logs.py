"""Logging for a run: the debug log file and what stderr shows.

The debug log (``<home>/logs/flickrsync.log``, or ``--log-file PATH``) gets everything, at debug
level, from every run: what was planned and done per file, each Flickr call (method and status,
never a secret: tokens, secrets and signatures are not logged), retries, tracebacks of internal
errors. It is rotated at :data:`MAX_BYTES` with :data:`BACKUPS` old files kept
(``flickrsync.log.1`` …), and readable by you only (0600, in a 0700 folder).

stderr shows warnings and errors, one line each; ``-v`` adds the info lines (one per file), ``-q``
leaves errors only, ``--debug`` shows everything, tracebacks included.
"""

from __future__ import annotations

import contextlib
import io
import itertools
import logging
import logging.handlers
import os
import stat
import sys
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from flickrsync.config import private_dir
from flickrsync.errors import UsageError
from flickrsync.redact import redact, redact_lines

#: The debug log, under the home dir.
LOG_DIR = "logs"
LOG_NAME = "flickrsync.log"
#: Rotation: a log file is closed at this size and kept as ``.1`` … ``.BACKUPS``.
MAX_BYTES = 5_000_000
BACKUPS = 3


class PrivateRotatingFileHandler(logging.handlers.RotatingFileHandler):
    """A rotating log whose files only their owner can read (0600): the current one and the old
    ones (``.1`` …), also those an older flickrsync left readable.

    It counts what it writes instead of asking the file system before each record (the base
    class formats every record twice and stats the file twice per record: a run that logs one
    line per file of a 100,000-picture library spent 20 s there)."""

    _size = 0
    _regular = True

    def __init__(self, filename: Path, **kwargs: Any) -> None:
        super().__init__(filename, **kwargs)
        self._tighten_old_logs()

    def _open(self) -> io.TextIOWrapper:
        fd = os.open(self.baseFilename, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
        info = os.fstat(fd)
        # Never rotate nor chmod anything but a regular file (--log-file /dev/stderr; bpo-45401).
        self._regular = stat.S_ISREG(info.st_mode)
        if self._regular and stat.S_IMODE(info.st_mode) & 0o077:
            os.fchmod(fd, 0o600)  # a log written by an older flickrsync
        self._size = info.st_size
        return open(fd, "a", encoding=self.encoding, errors=self.errors)

    def emit(self, record: logging.LogRecord) -> None:
        try:
            line = self.format(record) + self.terminator
            if self.stream is None:
                self.stream = self._open()
            if self._regular and 0 < self.maxBytes <= self._size + len(line):
                self.doRollover()
            self.stream.write(line)
            self.flush()
            self._size += len(line)
        except RecursionError:
            raise
        except Exception:  # noqa: BLE001 - logging never stops a run (the standard handlers do the same)
            self.handleError(record)

    def doRollover(self) -> None:
        super().doRollover()
        self._tighten_old_logs()

    def handleError(self, record: logging.LogRecord) -> None:
        """A log line that cannot be written (a full disk) is lost, not a traceback on stderr:
        the terminal still gets every message meant for it."""
        del record

    def _tighten_old_logs(self) -> None:
        for number in range(1, self.backupCount + 1):
            with contextlib.suppress(OSError):
                old = Path(f"{self.baseFilename}.{number}")
                if stat.S_IMODE(old.stat().st_mode) & 0o077:
                    old.chmod(0o600)


#: ``log.error(..., extra=LOG_ONLY)``: the record goes to the log file, not to stderr (which
#: says the same thing in its own words).
LOG_ONLY = {"log_only": True}


#: Lines :func:`info_lines` puts in one record: each handler formats and writes them at once.
LINES_PER_RECORD = 1000
#: The attribute of a record from :func:`info_lines` that holds its lines.
_LINES = "flickrsync_lines"
#: Stands for the message while a record's prefix and suffix are formatted (never in a format).
_MARK = "\x00flickrsync-message\x00"


def info_lines(logger: logging.Logger, lines: Iterable[str]) -> None:
    """Log each of ``lines`` at info level: what ``logger.info(line)`` for each would log, line
    for line, in records of up to :data:`LINES_PER_RECORD` lines (one line per file of a
    100,000-picture library cost 2 s as a record of its own: a record made, formatted, written
    and flushed 125,000 times). A line is logged once its record is: a crash loses at most the
    lines of one record, not yet written."""
    if not logger.isEnabledFor(logging.INFO):
        return
    it = iter(lines)
    while chunk := list(itertools.islice(it, LINES_PER_RECORD)):
        logger.info("%s", "\n".join(chunk), extra={_LINES: chunk})


class _Formatter(logging.Formatter):
    """Every line through :func:`~flickrsync.redact.redact`, tracebacks included: no private
    photo's URL, token or secret reaches the log or the terminal. A record of
    :func:`info_lines` gives each of its lines as a record of its own would be formatted (with
    this record's time and thread)."""

    def format(self, record: logging.LogRecord) -> str:
        lines: list[str] | None = getattr(record, _LINES, None)
        if lines is None:
            return redact(super().format(record))
        record.message = _MARK
        if self.usesTime():
            record.asctime = self.formatTime(record, self.datefmt)
        head, _, tail = self.formatMessage(record).partition(_MARK)
        return redact_lines([f"{head}{line}{tail}" for line in lines])


class _StderrFormatter(_Formatter):
    """``-v``'s info lines as they are; ``flickrsync: warning: …`` for the rest. One line per
    record: a traceback stays in the log file, unless stderr shows the debug log (``--debug``)."""

    def __init__(self, *, tracebacks: bool) -> None:
        super().__init__("%(message)s")
        self.tracebacks = tracebacks

    def format(self, record: logging.LogRecord) -> str:
        if not self.tracebacks and (record.exc_info or record.stack_info):
            record = logging.makeLogRecord({**record.__dict__, "exc_info": None, "exc_text": None})
            record.stack_info = None
        message = super().format(record)
        if record.levelno == logging.INFO:
            return message
        return f"flickrsync: {record.levelname.lower()}: {message}"


def _not_log_only(record: logging.LogRecord) -> bool:
    return not getattr(record, "log_only", False)


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
    stderr.setFormatter(_StderrFormatter(tracebacks=level <= logging.DEBUG))
    stderr.addFilter(_not_log_only)
    root.addHandler(stderr)
    path = log_file or home / LOG_DIR / LOG_NAME
    try:
        if log_file is None:
            private_dir(path.parent)
        handler = PrivateRotatingFileHandler(
            path,
            maxBytes=MAX_BYTES,
            backupCount=BACKUPS,
            encoding="utf-8",
            errors="backslashreplace",  # a file name that is not UTF-8 is logged, not a traceback
        )
    except OSError as exc:
        if log_file is not None:
            raise UsageError(
                f"cannot write the log file {log_file}: {exc.strerror or exc}", hint="give another --log-file"
            ) from None
        return None
    handler.setLevel(logging.DEBUG)
    handler.setFormatter(_Formatter("%(asctime)s %(threadName)s %(name)s %(levelname)s %(message)s"))
    root.addHandler(handler)
    return path


def close_logging() -> None:
    """Remove the run's handlers and close the log file (``main`` may run again in the same
    process)."""
    root = logging.getLogger("flickrsync")
    for handler in list(root.handlers):
        root.removeHandler(handler)
        with contextlib.suppress(OSError):  # the last lines of a log on a full disk are lost
            handler.close()
