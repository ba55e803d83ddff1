"""``flickrsync ignore add|list|remove`` and ``flickrsync identify``: the user's own choices."""

from __future__ import annotations

import click

from flickrsync import userlists
from flickrsync.cli.app import cli, command, start
from flickrsync.cli.render import emit_json, show, to_json
from flickrsync.config import Settings
from flickrsync.index import Index
from flickrsync.models import IgnoreEntry

_WHAT = """\b
PATH: a file (its picture is ignored wherever it is, under any name) or a folder (everything
under it) of the library; FLICKR_ID: a Flickr photo (digits). `photo:ID`, `picture:CONTENT_ID`
and `path:RELPATH` say which explicitly."""


@cli.group(short_help="Never upload, download or tag some pictures or photos.")
def ignore() -> None:
    """The ignore list: pictures flickrsync never uploads, tags or puts in an album, and Flickr
    photos it never matches, tags or downloads. Kept in the index and in
    <home>/ignore-<profile>.txt (one entry a line; you may edit it: the file wins)."""


@command("profiles", "directory", "database", group=ignore, short_help="Ignore files, folders or photos.")
@click.argument("targets", nargs=-1, required=True, metavar="PATH|FLICKR_ID…")
@click.pass_context
def add(ctx: click.Context, targets: tuple[str, ...]) -> int:
    """Ignore each PATH or FLICKR_ID for good.

    {what}
    """
    from flickrsync import userchoices  # noqa: PLC0415 - it brings the client: keeps start-up quick

    opts = start(ctx)
    settings = opts.one_settings()
    with Index.open(settings.database) as index:
        found = userchoices.ignore(settings, index, targets)
    for entry in found.entries:
        click.echo(f"ignored: {_shown(entry)}")
    for problem in found.problems:
        click.echo(f"flickrsync: error: {show(problem)}", err=True)
    return 1 if found.problems else 0


@command("profiles", "directory", "database", group=ignore, short_help="Take entries off the ignore list.")
@click.argument("targets", nargs=-1, required=True, metavar="PATH|FLICKR_ID…")
@click.pass_context
def remove(ctx: click.Context, targets: tuple[str, ...]) -> int:
    """Take each PATH or FLICKR_ID (or an entry as `ignore list` shows it) off the ignore list.

    {what}
    """
    from flickrsync import userchoices  # noqa: PLC0415 - it brings the client: keeps start-up quick

    opts = start(ctx)
    settings = opts.one_settings()
    with Index.open(settings.database) as index:
        found, removed = userchoices.unignore(settings, index, targets)
    click.echo(f"[{settings.profile}] {removed:,} entries taken off the ignore list")
    for problem in found.problems:
        click.echo(f"flickrsync: error: {show(problem)}", err=True)
    return 1 if found.problems or not removed else 0


add.help = (add.help or "").replace("{what}", _WHAT)
remove.help = (remove.help or "").replace("{what}", _WHAT)


@command("profiles", "directory", "database", group=ignore, name="list", short_help="Show the ignore list.")
@click.option("--json", "as_json", is_flag=True, help="Print a JSON document.")
@click.pass_context
def list_(ctx: click.Context, as_json: bool) -> int:
    """Show the ignore list, as in <home>/ignore-<profile>.txt."""
    opts = start(ctx)
    settings = opts.one_settings()
    with Index.open(settings.database) as index:
        choices = userlists.load(settings, index)
    if as_json:
        emit_json(
            "ignore",
            {
                "profile": settings.profile,
                "file": str(userlists.ignore_file(settings)),
                "ignored": to_json(choices.ignored),
            },
        )
        return 0
    where = show(str(userlists.ignore_file(settings)))
    click.echo(f"[{settings.profile}] {len(choices.ignored):,} ignored ({where})")
    for entry in choices.ignored:
        click.echo(f"  {_shown(entry)}")
    return 0


def _shown(entry: IgnoreEntry) -> str:
    if entry.kind == "path":
        return show(entry.value)
    return f"{entry.kind}:{entry.value}" + (f"  # {show(entry.note)}" if entry.note else "")


@command(
    "profiles",
    "directory",
    "database",
    short_help="Say which picture a Flickr photo is (or is not: --different).",
)
@click.argument("photo_id", metavar="FLICKR_ID", required=False)
@click.argument("path", metavar="PATH", required=False)
@click.option(
    "--different",
    is_flag=True,
    help="FLICKR_ID is NOT the picture in PATH: never pair them (nothing changes on Flickr).",
)
@click.option("--undo", is_flag=True, help="Forget FLICKR_ID's identification and take its tag off.")
@click.option("--list", "list_all", is_flag=True, help="Show the photos identified by hand.")
@click.option("--json", "as_json", is_flag=True, help="Print a JSON document.")
@click.pass_context
def identify(
    ctx: click.Context,
    photo_id: str | None,
    path: str | None,
    *,
    different: bool,
    undo: bool,
    list_all: bool,
    as_json: bool,
) -> int:
    """Say that Flickr photo FLICKR_ID is the picture in PATH: they are linked, the photo gets
    flickrsync's machine tag (one of ours naming another picture is taken off), and the picture
    is never uploaded, nor the photo downloaded, again. Use it for what the summary of a sync
    lists as undecided. `identify --undo FLICKR_ID` forgets it. Kept in the index and in
    <home>/identify-<profile>.txt.

    `identify --different FLICKR_ID PATH` says the opposite: they are different pictures, never
    to be matched nor left undecided together again (kept in <home>/different-<profile>.txt);
    `--undo --different FLICKR_ID [PATH]` forgets it (without PATH: all of that photo's)."""
    from flickrsync import userchoices  # noqa: PLC0415 - lazily
    from flickrsync.accounts import open_clients  # noqa: PLC0415 - lazily
    from flickrsync.errors import UsageError  # noqa: PLC0415 - lazily
    from flickrsync.wire import new_http_client  # noqa: PLC0415 - lazily

    opts = start(ctx)
    settings = opts.one_settings()
    if list_all:
        with Index.open(settings.database) as index:
            choices = userlists.load(settings, index)
        items, apart = choices.identified, choices.different
        if as_json:
            emit_json(
                "identify",
                {"profile": settings.profile, "identified": to_json(items), "different": to_json(apart)},
            )
        else:
            click.echo(f"[{settings.profile}] {len(items):,} photos identified by hand")
            for item in items:
                click.echo(f"  photo {item.photo_id} = {item.content_id}  ({show(item.note)})")
            click.echo(f"[{settings.profile}] {len(apart):,} pairs said different")
            for pair in apart:
                click.echo(f"  photo {pair.photo_id} ≠ {pair.content_id}  ({show(pair.note)})")
        return 0
    if different:
        return _different(settings, photo_id, path, undo=undo, as_json=as_json)
    if photo_id is None or (path is None) != undo:
        raise UsageError(
            "give FLICKR_ID and PATH (or --undo FLICKR_ID, or --list)",
            hint="see `flickrsync identify --help`",
        )
    with new_http_client(1) as http:
        client = open_clients([settings], http, need="write")[settings.profile]
        with Index.open(settings.database) as index:
            if undo:
                done = userchoices.undo_identify(settings, client, index, photo_id)
            else:
                assert path is not None
                done = userchoices.identify(settings, client, index, photo_id, path)
    if as_json:
        emit_json("identify", {"profile": settings.profile, "undo": undo, **to_json(done)})
    elif undo:
        click.echo(f"[{settings.profile}] photo {done.photo_id} is no longer identified by hand")
    else:
        assert done.path is not None
        click.echo(f"[{settings.profile}] identified: photo {done.photo_id} is {show(done.path)}")
        for tag in done.removed:
            click.echo(f"  took off {tag} (it named another picture)")
    return 0


def _different(
    settings: Settings, photo_id: str | None, path: str | None, *, undo: bool, as_json: bool
) -> int:
    """``identify --different [--undo]``: local lists only, no Flickr call."""
    from flickrsync import userchoices  # noqa: PLC0415 - lazily
    from flickrsync.errors import UsageError  # noqa: PLC0415 - lazily

    if photo_id is None or (path is None and not undo):
        raise UsageError(
            "give FLICKR_ID and PATH (or --undo FLICKR_ID [PATH])", hint="see `flickrsync identify --help`"
        )
    with Index.open(settings.database) as index:
        if undo:
            removed = userchoices.undo_different(settings, index, photo_id, path)
        else:
            assert path is not None
            pair = userchoices.different(settings, index, photo_id, path)
    if as_json:
        done = {"removed": removed} if undo else to_json(pair)
        emit_json("identify", {"profile": settings.profile, "undo": undo, "different": done})
    elif undo:
        click.echo(f"[{settings.profile}] {removed:,} pairs of photo {photo_id} no longer said different")
    else:
        click.echo(f"[{settings.profile}] different: photo {pair.photo_id} is not {show(pair.note)}")
    return 0
