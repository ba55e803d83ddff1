"""Logging for a run: the debug log in ``<home>/logs/`` and what stderr shows."""

from __future__ import annotations

import logging
import logging.handlers
import sys
from pathlib import Path

#: The debug log, under the home dir.
LOG_NAME = "flickrsync.log"


def setup_logging(home: Path, *, debug: bool = False) -> Path | None:
    """Debug log to ``<home>/logs/flickrsync.log``; stderr gets warnings (debug with --debug).

    Returns the log file, or None when it cannot be written (the run goes on without it)."""
    root = logging.getLogger("flickrsync")
    root.setLevel(logging.DEBUG)
    for handler in list(root.handlers):
        root.removeHandler(handler)
        handler.close()
    root.propagate = False
    stderr = logging.StreamHandler(sys.stderr)
    stderr.setLevel(logging.DEBUG if debug else logging.WARNING)
    stderr.setFormatter(logging.Formatter("flickrsync: %(levelname)s: %(message)s"))
    root.addHandler(stderr)
    logfile: Path | None = None
    try:
        logdir = home / "logs"
        logdir.mkdir(parents=True, exist_ok=True)
        logfile = logdir / LOG_NAME
        handler = logging.handlers.RotatingFileHandler(
            logfile, maxBytes=5_000_000, backupCount=3, encoding="utf-8"
        )
        handler.setLevel(logging.DEBUG)
        handler.setFormatter(
            logging.Formatter("%(asctime)s %(threadName)s %(name)s %(levelname)s %(message)s")
        )
        root.addHandler(handler)
    except OSError:
        logfile = None
    return logfile


def close_logging() -> None:
    """Close the log file at the end of a run (``main`` may run again in the same process)."""
    root = logging.getLogger("flickrsync")
    for handler in list(root.handlers):
        if isinstance(handler, logging.FileHandler):
            handler.close()
            root.removeHandler(handler)
