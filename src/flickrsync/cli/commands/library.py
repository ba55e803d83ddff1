"""``flickrsync scan``, ``duplicates`` and ``inspect``: the local library, no Flickr."""

from __future__ import annotations

import click

from flickrsync import scanner
from flickrsync.cli.app import command, start
from flickrsync.cli.progress import scan_progress
from flickrsync.cli.render import (
    duplicates_text,
    emit_json,
    inspect_text,
    scan_json,
    scan_line,
    scan_problems,
    scan_text,
    to_json,
)
from flickrsync.config import Settings
from flickrsync.duplicates import find_duplicates
from flickrsync.inspect import inspect_files


@command(
    "profiles",
    "all_profiles",
    "directory",
    "database",
    short_help="Index the pictures directory (reads only changes).",
)
@click.option("--perceptual", is_flag=True, help="Also compute every picture's perceptual hash (slower).")
@click.option("--json", "as_json", is_flag=True, help="Print the result as JSON.")
@click.pass_context
def scan(ctx: click.Context, perceptual: bool, as_json: bool) -> int:
    """Index the pictures directory: new, changed, moved and vanished files, duplicates, problems.

    Only new or changed files are read. Exits 1 when some file could not be indexed (each is
    named on stderr with its reason): such a file is not backed up.
    """
    opts = start(ctx)
    failed = False
    for settings in opts.settings():
        with scan_progress(f"[{settings.profile}]", show=not opts.quiet) as progress:
            report = scanner.scan_profile(settings, perceptual=perceptual, progress=progress)
        failed = failed or report.failed
        if as_json:
            emit_json("scan", scan_json(settings, report))
        elif opts.quiet:
            scan_line(settings, report)
        else:
            scan_text(settings, report)
        scan_problems(report)
    return 1 if failed else 0


@command(
    "profiles", "all_profiles", "directory", "database", short_help="List pictures held by several files."
)
@click.option("--no-scan", is_flag=True, help="Use the index as it is; do not look for changes first.")
@click.option("--json", "as_json", is_flag=True, help="Print the result as JSON.")
@click.pass_context
def duplicates(ctx: click.Context, no_scan: bool, as_json: bool) -> int:
    """List pictures held by several files (same content id): one picture, several paths.

    Scans for changes first (cheap when little changed) unless --no-scan.
    """
    opts = start(ctx)
    for settings in opts.settings():
        with scan_progress(f"[{settings.profile}]", show=not opts.quiet) as progress:
            report = find_duplicates(settings, rescan=not no_scan, progress=progress)
        if report.scan_failed:
            click.echo(
                f"flickrsync: [{settings.profile}] some files could not be indexed; "
                "`flickrsync scan` lists them",
                err=True,
            )
        if as_json:
            emit_json("duplicates", to_json(report))
        else:
            duplicates_text(report)
    return 0


@command("profiles", "directory", "database", short_help="Show everything flickrsync knows about files.")
@click.argument("files", nargs=-1, required=True, type=click.Path(path_type=str))
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object per file.")
@click.pass_context
def inspect(ctx: click.Context, files: tuple[str, ...], as_json: bool) -> int:
    """Show everything flickrsync knows about FILES: kind, content id, date taken, orientation,
    dimensions, perceptual hash, problems, whether indexed, duplicates and Flickr links.

    Works on any file, inside the library or not. Exits 1 if a file is not a usable picture.
    """
    opts = start(ctx)
    settings: Settings | None = None
    if opts.config_path.is_file() or opts.directory:
        settings = opts.one_settings()
    results = inspect_files(files, settings)
    if as_json:
        emit_json("inspect", {"profile": settings.profile if settings else None, "files": to_json(results)})
    else:
        for result in results:
            inspect_text(result)
    return 1 if any(r.problem for r in results) else 0
