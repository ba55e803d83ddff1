"""Command line: click commands, ``main(argv) -> int``, prompts, exit codes, text and JSON output.

This package is the only code that touches argv, stdin/stdout/stderr and exit codes. Each command
parses its options, loads :class:`~flickrsync.config.Settings`, calls one typed function and
renders the result. Errors are mapped to exit codes in :func:`main` only:

* 0 — everything done;
* 1 — some items failed (each named on stderr), or an unexpected internal error;
* 2 — usage or configuration error, missing/invalid authorisation, profile locked, unusable index.

stdout carries results only; one-line errors and failed items go to stderr; tracebacks go to the
debug log (``<home>/logs/flickrsync.log``), never to the terminal unless ``--debug`` asks to see
that log there. Every message and log line is redacted (:mod:`flickrsync.redact`).

Rooms:

* :mod:`.app` — the click group, the global options, :func:`main` and :func:`run`;
* :mod:`.commands` — one module per family of commands (setup, accounts, library, sync);
* :mod:`.render` — text and ``--json`` documents, built from the report dataclasses;
* :mod:`.progress` — progress bars on a terminal;
* :mod:`.logs` — the debug log and what stderr shows.
"""

from __future__ import annotations

from flickrsync.cli import commands as _commands  # noqa: F401 - registers the commands on the group
from flickrsync.cli.app import cli, main, run

__all__ = ["cli", "main", "run"]
