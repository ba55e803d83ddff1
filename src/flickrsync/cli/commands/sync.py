"""``flickrsync sync``, ``sync2``, ``download`` and ``photosets``: one engine run per profile.

The client and the engine are imported inside the commands, so ``scan`` stays quick to start.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any

import click

from flickrsync.cli.app import F, GlobalOptions, cli, confirm, global_options, start
from flickrsync.cli.progress import TransferBars, scan_progress
from flickrsync.cli.render import emit_json, outcome_text, plan_text, show, sync_json
from flickrsync.config import Settings
from flickrsync.errors import FlickrsyncError
from flickrsync.index import Index
from flickrsync.lock import profile_lock
from flickrsync.models import Perms, SyncMode

if TYPE_CHECKING:
    from flickrsync.client import FlickrClient
    from flickrsync.sync import RunOptions


def _sync_options(func: F) -> F:
    options = [
        click.option("--dry-run", "--dryrun", "dry_run", is_flag=True, help="Show the plan; change nothing."),
        click.option("--json", "as_json", is_flag=True, help="Print the plan and outcome as JSON."),
        click.option(
            "--transfers",
            type=click.IntRange(1, 32),
            default=None,
            metavar="N",
            help="Transfers at once (default: config `transfers`, 4).",
        ),
        click.option(
            "--nodatematch",
            is_flag=True,
            help="Do not match by title + date taken (for libraries whose EXIF dates are wrong).",
        ),
        click.option(
            "--force", is_flag=True, help="Download even when the library looks missing or emptied."
        ),
        click.option("--full", is_flag=True, help="List all of Flickr again, not only what changed."),
        click.option("--no-photosets", is_flag=True, help="Skip the photoset step."),
        click.option("--prune", is_flag=True, help="Delete tool-made photosets left empty (never photos)."),
    ]
    for option in reversed(options):
        func = option(func)
    return func


@cli.command()
@global_options
@_sync_options
@click.pass_context
def sync(ctx: click.Context, /, **kwargs: Any) -> int:
    """Upload every picture that is not on Flickr yet (duplicates once), tag matched photos,
    then make photosets from the folders. Never deletes anything."""
    return _run_sync(ctx, "sync", **kwargs)


@cli.command()
@global_options
@_sync_options
@click.pass_context
def sync2(ctx: click.Context, /, **kwargs: Any) -> int:
    """Both ways: `sync`, plus download photos that are only on Flickr into the library (a folder
    per photoset, `Flickr/` for the rest)."""
    return _run_sync(ctx, "sync2", **kwargs)


@cli.command()
@global_options
@_sync_options
@click.pass_context
def download(ctx: click.Context, /, **kwargs: Any) -> int:
    """Download photos that are only on Flickr into the library; upload nothing."""
    return _run_sync(ctx, "download", **kwargs)


@cli.command()
@global_options
@click.option("--dry-run", "--dryrun", "dry_run", is_flag=True, help="Show the set changes; change nothing.")
@click.option("--json", "as_json", is_flag=True, help="Print the plan and outcome as JSON.")
@click.option("--prune", is_flag=True, help="Delete tool-made photosets left empty (never photos).")
@click.option("--full", is_flag=True, help="List all of Flickr again, not only what changed.")
@click.pass_context
def photosets(ctx: click.Context, dry_run: bool, as_json: bool, prune: bool, full: bool) -> int:
    """Make Flickr photosets mirror the folders (one set per folder), without transfers."""
    return _run_sync(
        ctx,
        "sync",
        dry_run=dry_run,
        as_json=as_json,
        transfers=None,
        nodatematch=False,
        force=False,
        full=full,
        no_photosets=False,
        prune=prune,
        only_photosets=True,
    )


def _run_sync(
    ctx: click.Context,
    mode: SyncMode,
    *,
    dry_run: bool,
    as_json: bool,
    transfers: int | None,
    nodatematch: bool,
    force: bool,
    full: bool,
    no_photosets: bool,
    prune: bool,
    only_photosets: bool = False,
) -> int:
    from flickrsync.client import new_http_client, open_clients  # noqa: PLC0415 - lazily
    from flickrsync.sync import RunOptions  # noqa: PLC0415 - keeps `scan` quick to start

    opts = start(ctx)
    all_settings = opts.settings()
    count = transfers or max(s.transfers for s in all_settings)
    need: Perms = "read" if (dry_run or mode == "download") else "write"
    command = "photosets" if only_photosets else mode
    worst = 0
    with new_http_client(count) as http:
        clients = open_clients(all_settings, http, need=need)
        for settings in all_settings:
            options = RunOptions(
                mode=mode,
                dry_run=dry_run,
                transfers=transfers or settings.transfers,
                date_match=not nodatematch,
                force=force,
                full=full,
                photosets=not no_photosets,
                prune=prune,
                only_photosets=only_photosets,
            )
            try:
                code = _sync_profile(opts, settings, clients[settings.profile], options, command, as_json)
            except FlickrsyncError as exc:
                if len(all_settings) == 1:
                    raise
                click.echo(f"flickrsync: error: [{settings.profile}] {exc}", err=True)
                code = exc.exit_code
            worst = max(worst, code)
    return worst


def _sync_profile(  # noqa: PLR0917 - one profile's part of the command
    opts: GlobalOptions,
    settings: Settings,
    client: FlickrClient,
    options: RunOptions,
    command: str,
    as_json: bool,
) -> int:
    from flickrsync.sync import Engine, RunReport  # noqa: PLC0415 - keeps `scan` quick to start

    started = time.monotonic()
    calls_before = client.stats().calls
    label = f"[{settings.profile}]"
    with (
        profile_lock(settings.lock_file, settings.profile, command) as lock,
        Index.open(settings.database) as index,
    ):
        with scan_progress(label) as progress:
            engine = Engine(
                settings,
                client,
                index,
                options,
                progress=TransferBars(label),
                scan_progress=progress,
                lock=lock,
            )
            prepared = engine.prepare()
        plan = prepared.plan
        report = RunReport(settings.profile, command, options.dry_run, prepared, None, 0, 0.0)
        if not as_json:
            plan_text(settings, options, prepared)
        go = (
            plan.refusal is None
            and not options.dry_run
            and (
                not plan.is_empty or (prepared.set_preview is not None and not prepared.set_preview.is_empty)
            )
        )
        if go and not as_json and not confirm(opts, f"{label} go ahead?"):
            click.echo(f"{label} stopped: nothing was done")
            go = False
        if go:
            report.outcome = engine.execute(prepared)
    report.api_calls = client.stats().calls - calls_before
    report.elapsed = time.monotonic() - started
    if as_json:
        emit_json(command, sync_json(report))
    else:
        outcome_text(report)
    if plan.refusal is not None:
        click.echo(f"flickrsync: error: {label} {plan.refusal}", err=True)
    for item in report.failed:
        click.echo(f"flickrsync: failed: {show(item.path)}: {item.reason}", err=True)
    return report.exit_code
