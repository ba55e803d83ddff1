"""``flickrsync sync``, ``sync2``, ``download`` and ``photosets``: one engine run per profile.

The client and the engine are imported inside the commands, so ``scan`` stays quick to start.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from flickrsync import heap
from flickrsync.cli.app import F, GlobalOptions, command, confirm, start
from flickrsync.cli.commands.legacy import gone
from flickrsync.cli.progress import BudgetWaits, run_progress
from flickrsync.cli.render import emit_json, outcome_text, plan_text, show, sync_json, to_json, verbose_lines
from flickrsync.config import Settings
from flickrsync.errors import FlickrsyncError, UsageError
from flickrsync.index import Index
from flickrsync.lock import profile_lock
from flickrsync.models import ON_EDIT, OnEdit, Perms, SyncMode

if TYPE_CHECKING:
    from flickrsync.client import FlickrClient
    from flickrsync.sync import RunOptions


#: The options of the transfer commands, each written once; every command takes those that apply.
_OPTIONS: dict[str, Callable[[F], F]] = {
    "dry_run": click.option(
        "--dry-run", "--dryrun", "dry_run", is_flag=True, help="Show the plan; change nothing."
    ),
    "as_json": click.option("--json", "as_json", is_flag=True, help="Print the plan and outcome as JSON."),
    "transfers": click.option(
        "--transfers",
        type=click.IntRange(1, 32),
        default=None,
        metavar="N",
        help="Transfers at once (default: config `transfers`, 4).",
    ),
    "checkers": click.option(
        "--checkers",
        type=click.IntRange(1, 32),
        default=None,
        metavar="N",
        help="Look-ups at once while matching (default: config `checkers`, 8).",
    ),
    "nodatematch": click.option(
        "--nodatematch",
        is_flag=True,
        help="Do not match by title + date taken (for libraries whose EXIF dates are wrong).",
    ),
    "force": click.option(
        "--force", is_flag=True, help="Download even when the library looks missing or emptied."
    ),
    "full": click.option("--full", is_flag=True, help="List all of Flickr again, not only what changed."),
    "no_photosets": click.option("--no-photosets", is_flag=True, help="Skip the photoset step."),
    "prune": click.option(
        "--prune", is_flag=True, help="Delete tool-made photosets left empty (never photos)."
    ),
    "plan_out": click.option(
        "--plan-out",
        type=click.Path(dir_okay=False, writable=True, path_type=Path),
        default=None,
        metavar="FILE",
        help="Write the plan to FILE (JSON, to edit, then `flickrsync apply FILE`); change nothing.",
    ),
    "on_edit": click.option(
        "--on-edit",
        "on_edit",
        type=click.Choice(ON_EDIT),
        default=None,
        help="A picture edited since it was synced: keep the earlier version on Flickr, replace it, "
        "or upload the edit as a new photo (default: config `on_edit`, keep).",
    ),
    "restore": click.option(
        "--restore",
        is_flag=True,
        help="Bring back what was deleted on the other side (all, or the PATHs and photo IDs given).",
    ),
    "targets": click.argument("targets", nargs=-1, metavar="[PATH|ID]...", type=str),
    # flickrsync 0.1.1's; refused with what replaces it
    "identifymissing": click.option("--identifymissing", is_flag=True, hidden=True),
}

#: The global options that apply to every run of the engine.
_GLOBALS = ("profiles", "all_profiles", "directory", "database", "noprompt")


def _options(*names: str) -> Callable[[F], F]:
    def decorate(func: F) -> F:
        for name in reversed([n for n in _OPTIONS if n in names]):
            func = _OPTIONS[name](func)
        return func

    return decorate


@command(*_GLOBALS, short_help="Upload what is not on Flickr yet; albums from folders.")
@_options(
    "dry_run", "plan_out", "as_json", "checkers", "transfers", "nodatematch", "full", "no_photosets", "prune",
    "on_edit", "restore", "targets", "identifymissing",
)  # fmt: skip
@click.pass_context
def sync(ctx: click.Context, /, *, identifymissing: bool, **kwargs: Any) -> int:
    """Upload every picture that is not on Flickr yet (duplicates once), tag matched photos,
    then make photosets from the folders. Never deletes anything. Pictures whose photo was
    deleted on Flickr are not uploaded again unless `--restore` (all, or the PATHs and IDs
    given)."""
    if identifymissing:
        raise gone("sync --identifymissing")
    return _run_sync(ctx, "sync", **kwargs)


@command(*_GLOBALS, short_help="Both ways: sync, then download Flickr-only photos.")
@_options(
    "dry_run", "plan_out", "as_json", "checkers", "transfers", "nodatematch", "force", "full", "no_photosets",
    "prune", "on_edit", "restore", "targets",
)  # fmt: skip
@click.pass_context
def sync2(ctx: click.Context, /, **kwargs: Any) -> int:
    """Both ways: `sync`, plus download photos that are only on Flickr into the library (a folder
    per photoset, `Flickr/` for the rest). What was deleted on one side is not brought back
    unless `--restore`."""
    return _run_sync(ctx, "sync2", **kwargs)


@command(*_GLOBALS, short_help="Download Flickr-only photos; upload nothing.")
@_options(
    "dry_run", "plan_out", "as_json", "checkers", "transfers", "nodatematch", "force", "full", "restore",
    "targets",
)  # fmt: skip
@click.pass_context
def download(ctx: click.Context, /, **kwargs: Any) -> int:
    """Download photos that are only on Flickr into the library; upload nothing, change no
    photoset. Pictures deleted from the library are not downloaded again unless `--restore`
    (all, or the PATHs and photo IDs given)."""
    return _run_sync(ctx, "download", **kwargs)


@command(*_GLOBALS, short_help="Make albums mirror the folders (no transfers).")
@_options("dry_run", "as_json", "checkers", "prune", "full")
@click.pass_context
def photosets(ctx: click.Context, /, **kwargs: Any) -> int:
    """Make Flickr photosets mirror the folders (one set per folder), without transfers."""
    return _run_sync(ctx, "sync", only_photosets=True, **kwargs)


def _run_sync(
    ctx: click.Context,
    mode: SyncMode,
    *,
    dry_run: bool,
    as_json: bool,
    full: bool,
    transfers: int | None = None,
    checkers: int | None = None,
    nodatematch: bool = False,
    force: bool = False,
    no_photosets: bool = False,
    prune: bool = False,
    only_photosets: bool = False,
    plan_out: Path | None = None,
    on_edit: OnEdit | None = None,
    restore: bool = False,
    targets: tuple[str, ...] = (),
) -> int:
    from flickrsync.accounts import open_clients  # noqa: PLC0415 - lazily
    from flickrsync.sync import RunOptions  # noqa: PLC0415 - keeps `scan` quick to start
    from flickrsync.wire import new_http_client  # noqa: PLC0415 - lazily

    opts = start(ctx)
    if targets and not restore:
        raise UsageError(f"unexpected argument {targets[0]!r}", hint="paths and photo ids are for --restore")
    wanted = restore_targets(targets)
    all_settings = opts.settings()
    if plan_out is not None:
        dry_run = True  # writing a plan changes nothing
        if len(all_settings) > 1:
            raise UsageError("--plan-out writes the plan of one profile", hint="give a single -p NAME")
    # Enough pooled connections for the transfers or the look-ups, whichever is more.
    count = max(
        transfers or max(s.transfers for s in all_settings), checkers or max(s.checkers for s in all_settings)
    )
    need: Perms = "read" if (dry_run or mode == "download") else "write"
    command = "photosets" if only_photosets else mode
    worst = 0
    with new_http_client(count) as http:
        waits = BudgetWaits() if not opts.quiet else None
        clients = open_clients(all_settings, http, need=need, on_wait=waits)
        for settings in all_settings:
            options = RunOptions(
                mode=mode,
                dry_run=dry_run,
                transfers=transfers or settings.transfers,
                checkers=checkers or settings.checkers,
                date_match=not nodatematch,
                force=force,
                full=full,
                photosets=not no_photosets,
                prune=prune,
                only_photosets=only_photosets,
                on_edit=on_edit,
                restore=restore,
                restore_targets=wanted,
            )
            try:
                code = _sync_profile(
                    opts, settings, clients[settings.profile], options, command, as_json, plan_out
                )
            except FlickrsyncError as exc:
                if len(all_settings) == 1:
                    raise
                click.echo(f"flickrsync: error: [{settings.profile}] {exc}", err=True)
                code = exc.exit_code
            worst = max(worst, code)
    return worst


def restore_targets(targets: tuple[str, ...]) -> tuple[str, ...]:
    """``--restore`` arguments as the engine compares them: photo ids as they are, paths made
    absolute (from the current directory)."""
    return tuple(t if t.isdigit() else os.path.abspath(os.path.expanduser(t)) for t in targets)


def _sync_profile(  # noqa: PLR0917 - one profile's part of the command
    opts: GlobalOptions,
    settings: Settings,
    client: FlickrClient,
    options: RunOptions,
    command: str,
    as_json: bool,
    plan_out: Path | None = None,
) -> int:
    from flickrsync.planrun import document_of, write_document  # noqa: PLC0415 - lazily
    from flickrsync.sync import Engine, RunReport  # noqa: PLC0415 - keeps `scan` quick to start

    started = time.monotonic()
    before = client.stats()
    label = f"[{settings.profile}]"
    with (
        profile_lock(settings.lock_file, settings.profile, command) as lock,
        Index.open(settings.database) as index,
        run_progress(label, show=not opts.quiet) as progress,
    ):
        engine = Engine(settings, client, index, options, progress=progress, lock=lock)
        prepared = engine.prepare()
        plan = prepared.plan
        report = RunReport(settings.profile, command, options.dry_run, prepared, None, 0, 0.0)
        if plan_out is not None:
            write_document(plan_out, document_of(settings, options, prepared))
        if not as_json and not opts.quiet:
            plan_text(settings, options, prepared)
            if plan_out is not None:
                click.echo(
                    f"  plan written to {show(str(plan_out))}: edit it, then `flickrsync apply {plan_out}`"
                )
        go = (
            plan.refusal is None
            and not options.dry_run
            and (
                not plan.is_empty or (prepared.set_preview is not None and not prepared.set_preview.is_empty)
            )
        )
        if go and not as_json and not confirm(opts, f"{label} go ahead?"):
            report.stopped = True
            go = False
        if go:
            report.outcome = engine.execute(prepared)
        engine.finish(report)
    after = client.stats()
    report.api_calls = after.calls - before.calls
    report.budget_wait = after.budget_wait - before.budget_wait
    report.elapsed = time.monotonic() - started
    with heap.reporting():
        verbose_lines(report, matched=opts.verbose or opts.debug)
        if as_json:
            emit_json(command, sync_json(report))
        else:
            outcome_text(report, options)
    if plan.refusal is not None:
        click.echo(f"flickrsync: error: {label} {plan.refusal}", err=True)
    for item in report.failed:
        click.echo(f"flickrsync: failed: {show(item.path)}: {item.reason}", err=True)
    return report.exit_code


@command("profiles", "directory", "database", "noprompt", short_help="Carry out a plan file as edited.")
@click.argument("plan_file", metavar="PLAN", type=click.Path(dir_okay=False, path_type=Path))
@_options("as_json", "transfers")
@click.pass_context
def apply(ctx: click.Context, plan_file: Path, as_json: bool, transfers: int | None) -> int:
    """Carry out PLAN (written by `sync`, `sync2` or `download --plan-out`) exactly as edited: a
    removed entry is skipped, a changed title, description, tags, privacy or download path is
    used, `"ignore": true` ignores the picture or photo for good. An entry the library or the
    account no longer allows (the file changed, the photo is gone, the path is taken…) is
    refused, with the reason on stderr; the rest is done."""
    from flickrsync.accounts import open_clients  # noqa: PLC0415 - lazily
    from flickrsync.planrun import apply_plan, read_file  # noqa: PLC0415 - lazily
    from flickrsync.sync import Prepared, RunOptions  # noqa: PLC0415 - lazily
    from flickrsync.wire import new_http_client  # noqa: PLC0415 - lazily

    opts = start(ctx)
    doc = read_file(plan_file)
    if opts.profiles and opts.profiles != [doc.profile]:
        raise UsageError(f"{plan_file} is the plan of profile [{doc.profile}]", hint="leave -p out")
    opts.profiles = [doc.profile]
    settings = opts.one_settings()
    label = f"[{settings.profile}]"
    bars = not opts.quiet
    options = RunOptions(mode=doc.options.mode, photosets=doc.options.photosets)

    def ask(prepared: Prepared) -> bool:
        if not as_json and not opts.quiet:
            plan_text(settings, options, prepared)
        return as_json or confirm(opts, f"{label} go ahead?")

    with new_http_client(max(transfers or settings.transfers, settings.checkers)) as http:
        waits = BudgetWaits() if bars else None
        client = open_clients([settings], http, need="write", on_wait=waits)[settings.profile]
        with (
            profile_lock(settings.lock_file, settings.profile, "apply") as lock,
            Index.open(settings.database) as index,
            run_progress(label, show=bars) as progress,
        ):
            applied = apply_plan(
                settings,
                client,
                index,
                doc,
                transfers=transfers,
                progress=progress,
                lock=lock,
                confirm=ask,
            )
    report = applied.report
    with heap.reporting():
        verbose_lines(report, matched=opts.verbose or opts.debug)
        if as_json:
            emit_json("apply", {**sync_json(report), "refused": [to_json(f) for f in applied.refused]})
        else:
            if applied.ignored:
                ignored = len(applied.ignored)
                click.echo(f"{label} ignored for good: {ignored:,} (see `flickrsync ignore list`)")
            outcome_text(report, options)
    if report.prepared is not None and report.prepared.plan.refusal is not None:
        click.echo(f"flickrsync: error: {label} {report.prepared.plan.refusal}", err=True)
    refused = set(applied.refused)
    for item in report.failed:
        kind = "refused" if item in refused else "failed"
        click.echo(f"flickrsync: {kind}: {show(item.path)}: {item.reason}", err=True)
    return report.exit_code
