"""``flickrsync verify``: prove each profile's backup without changing anything (the logic is
:mod:`flickrsync.verify`'s; this module renders its report)."""

from __future__ import annotations

from typing import Any

import click

from flickrsync.cli.app import command, start
from flickrsync.cli.progress import scan_progress
from flickrsync.cli.render import emit_json, verify_json, verify_text
from flickrsync.errors import FlickrsyncError
from flickrsync.index import Index
from flickrsync.lock import profile_lock


@command(
    "profiles",
    "all_profiles",
    "directory",
    "database",
    short_help="Is the backup complete? What is missing, on either side.",
)
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON.")
@click.option(
    "--deep",
    is_flag=True,
    help="Also download each photo's original and check its content (slow; resumable).",
)
@click.option(
    "--both-ways/--one-way",
    "both_ways",
    default=None,
    help="Flickr's photos must be in the library too, as sync2 keeps them (default: as the last run did).",
)
@click.option(
    "--no-photosets", is_flag=True, help="Do not check that pictures are in their folder's photoset."
)
@click.option(
    "--transfers", type=click.IntRange(1, 32), default=None, metavar="N", help="Downloads at once for --deep."
)
@click.option(
    "--checkers",
    type=click.IntRange(1, 32),
    default=None,
    metavar="N",
    help="Album member lists fetched at once (default: config `checkers`).",
)
@click.pass_context
def verify(ctx: click.Context, /, **kwargs: Any) -> int:
    """Check that the backup is complete, per profile: pictures not on Flickr, Flickr photos not
    in the library (sync2 users), edits not pushed, deletions on either side, copies on Flickr,
    pictures not in their folder's photoset; counts per folder and set. Uses the index and one
    listing of the account (no thumbnails). Exits 0 when complete, 1 when anything is missing."""
    from flickrsync.accounts import open_clients  # noqa: PLC0415 - lazily
    from flickrsync.verify import verify_profile  # noqa: PLC0415 - keeps `scan` quick to start
    from flickrsync.wire import new_http_client  # noqa: PLC0415 - lazily

    opts = start(ctx)
    all_settings = opts.settings()
    workers = kwargs["transfers"] or max(s.transfers for s in all_settings)
    worst = 0
    checkers = kwargs["checkers"]
    with new_http_client(max(workers, checkers or max(s.checkers for s in all_settings))) as http:
        clients = open_clients(all_settings, http, need="read")
        for settings in all_settings:
            label = f"[{settings.profile}]"
            try:
                with (
                    profile_lock(settings.lock_file, settings.profile, "verify"),
                    Index.open(settings.database) as index,
                    scan_progress(label, show=not opts.quiet) as progress,
                ):
                    report = verify_profile(
                        settings,
                        clients[settings.profile],
                        index,
                        both_ways=kwargs["both_ways"],
                        photosets=not kwargs["no_photosets"],
                        deep=kwargs["deep"],
                        workers=kwargs["transfers"] or settings.transfers,
                        checkers=checkers,
                        progress=progress,
                    )
            except FlickrsyncError as exc:
                if len(all_settings) == 1:
                    raise
                click.echo(f"flickrsync: error: {label} {exc}", err=True)
                worst = max(worst, exc.exit_code)
                continue
            if kwargs["as_json"]:
                emit_json("verify", verify_json(report))
            else:
                verify_text(report, quiet=opts.quiet, verbose=opts.verbose)
            worst = max(worst, report.exit_code)
    return worst
