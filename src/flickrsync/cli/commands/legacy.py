"""flickrsync 0.1.1's commands and options that are gone: each fails with one line naming what
replaces it (exit 2), so that an old cron line says what to change instead of "No such command".

Every other 0.1.1 command line still works as it is: ``auth``, ``sync``, ``sync2`` and
``photosets`` with the global options ``-c -p -u -d -l --noprompt --debug`` before the command,
and ``--nodatematch`` / ``--dryrun`` after it.
"""

from __future__ import annotations

import click

from flickrsync.cli.app import cli
from flickrsync.errors import UsageError

#: What replaces each 0.1.1 command or option that is gone.
REPLACED = {
    "rebase": "`flickrsync sync --full` lists all of Flickr again",
    "delete": (
        "to start the index afresh, move its file aside: `flickrsync status` shows where it is; "
        "the next run rebuilds it, nothing on Flickr is lost"
    ),
    "deletetags": (
        "flickrsync no longer removes tags; remove them on flickr.com, "
        "e.g. with the Organizr at https://www.flickr.com/photos/organize/"
    ),
    "sync --identifymissing": (
        "`flickrsync download --dry-run` lists the photos that are only on Flickr, "
        "`flickrsync sync2` downloads them"
    ),
}


def gone(what: str) -> UsageError:
    """The error for flickrsync 0.1.1's ``what`` (a key of :data:`REPLACED`)."""
    return UsageError(f"`flickrsync {what}` was flickrsync 0.1.1's and is gone", hint=REPLACED[what])


def _legacy(name: str) -> None:
    @cli.command(
        name,
        hidden=True,
        add_help_option=False,
        context_settings={"ignore_unknown_options": True, "allow_extra_args": True},
    )
    @click.argument("args", nargs=-1, type=click.UNPROCESSED)
    def refuse(args: tuple[str, ...]) -> None:
        del args  # whatever 0.1.1 took
        raise gone(name)


for _name in ("rebase", "delete", "deletetags"):
    _legacy(_name)
