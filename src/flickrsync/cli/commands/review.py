"""``flickrsync review``: the plan on a local web page, to see and steer before applying it."""

from __future__ import annotations

import os
import sys
import webbrowser

import click

from flickrsync.cli.app import command, start
from flickrsync.cli.progress import run_progress
from flickrsync.index import Index
from flickrsync.lock import profile_lock


@command("profiles", "directory", "database", short_help="See and steer a sync on a local web page.")
@click.option(
    "--port",
    type=click.IntRange(0, 65535),
    default=0,
    metavar="N",
    help="Port on 127.0.0.1 (default: a free one).",
)
@click.option("--no-browser", is_flag=True, help="Only print the page's address; open no browser.")
@click.pass_context
def review(ctx: click.Context, port: int, no_browser: bool) -> int:
    """Plan a two-way sync (as `sync2 --plan-out` does: nothing changes) and show it on a page
    at 127.0.0.1, with thumbnails: uncheck or edit uploads (title, description, tags, privacy,
    resize), uncheck downloads, settle look-alikes (same picture, different, ignore), then Apply
    (what `flickrsync apply` does) and watch it. The page's address, printed on its own line,
    carries a secret token; the server stops on Ctrl-C or the page's Done button."""
    from flickrsync.accounts import open_clients  # noqa: PLC0415 - lazily
    from flickrsync.planrun import build_plan  # noqa: PLC0415 - lazily
    from flickrsync.review.server import ReviewServer  # noqa: PLC0415 - lazily
    from flickrsync.review.session import Review  # noqa: PLC0415 - lazily
    from flickrsync.sync import RunOptions  # noqa: PLC0415 - lazily
    from flickrsync.wire import new_http_client  # noqa: PLC0415 - lazily

    opts = start(ctx)
    settings = opts.one_settings()
    label = f"[{settings.profile}]"
    options = RunOptions(mode="sync2", transfers=settings.transfers, checkers=settings.checkers)
    with new_http_client(max(settings.transfers, settings.checkers)) as http:
        client = open_clients([settings], http, need="write")[settings.profile]
        with (
            profile_lock(settings.lock_file, settings.profile, "review") as lock,
            Index.open(settings.database) as index,
            run_progress(label, show=not opts.quiet) as progress,
        ):
            prepared, document = build_plan(settings, client, index, options, lock=lock, progress=progress)
        session = Review(settings, client, options, prepared, document)
        server = ReviewServer(session, port=port)
        s = document["summary"]
        try:  # from here on, Ctrl-C stops the review
            click.echo(
                f"{label} planned: {s['uploads']:,} to upload, {s['downloads']:,} to download, "
                f"{s['undecided']:,} to settle. Review it on this page (Ctrl-C or Done to stop):"
            )
            click.echo(server.url)
            sys.stdout.flush()
            if not no_browser and _has_display():
                webbrowser.open(server.url)
            server.serve()
        except KeyboardInterrupt:
            click.echo(f"{label} review stopped", err=True)
        finally:
            server.close()
            job = session.job
            if job is not None and job.running and job.future is not None:
                click.echo(f"{label} waiting for the {job.kind} in progress to finish…", err=True)
                job.future.exception()
    applies = len(session.exit_codes)
    click.echo(f"{label} review finished: {applies:,} {'apply' if applies == 1 else 'applies'}")
    return max(session.exit_codes, default=0)


def _has_display() -> bool:
    """A browser can be shown: always on macOS and Windows, with X11 or Wayland elsewhere."""
    if sys.platform in ("darwin", "win32"):
        return True
    return bool(os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))
