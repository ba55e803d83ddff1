"""``flickrsync auth`` and ``status``: the Flickr accounts of the profiles.

httpx and the client are imported inside the commands: they cost ~0.1 s of start-up that the
local commands (scan, duplicates, inspect) do not need.
"""

from __future__ import annotations

import sys
import webbrowser

import click

from flickrsync.cli.app import command, start
from flickrsync.cli.render import emit_json, status_text, to_json
from flickrsync.errors import UsageError


@command("profiles", short_help="Authorise flickrsync to use a Flickr account.")
@click.pass_context
def auth(ctx: click.Context) -> None:
    """Authorise flickrsync to use a Flickr account (-p NAME), with write permission.

    Prints a Flickr page to open; approve flickrsync there and enter the code Flickr shows.
    The code may also be piped in on stdin. The token is kept in <home>/tokens/ (mode 0600).
    """
    from flickrsync.accounts import authorize  # noqa: PLC0415 - lazily, see above
    from flickrsync.wire import new_http_client  # noqa: PLC0415 - lazily, see above

    opts = start(ctx)
    settings = opts.one_settings()
    with new_http_client(settings.transfers) as http:
        info = authorize(settings, http, show_url=_show_authorize_url, read_verifier=_read_verifier)
    account = info.account
    who = f"{account.username} ({account.nsid})" + (f", {account.fullname}" if account.fullname else "")
    click.echo(f"logged in to Flickr as {who} with {info.perms} permission [{settings.profile}]")
    if info.perms == "read":
        click.echo("warning: read permission only; uploads and photosets need write", err=True)


def _show_authorize_url(url: str) -> None:
    interactive = sys.stdin.isatty()
    click.echo("Open this page in a browser, approve flickrsync, then enter the code Flickr shows:", err=True)
    click.echo(url)
    if interactive:
        _open_browser(url)


def _open_browser(url: str) -> None:
    """Open ``url`` when a browser is available (never when stdin is piped, so never in tests)."""
    try:
        webbrowser.get()
    except webbrowser.Error:
        return
    webbrowser.open(url)


def _read_verifier() -> str:
    if sys.stdin.isatty():
        return str(click.prompt("Code", err=True))
    line = sys.stdin.readline()
    if not line:
        raise UsageError(
            "no verification code on stdin", hint="pipe the code Flickr shows, or run in a terminal"
        )
    return line.strip()


@command(
    "profiles",
    "all_profiles",
    "directory",
    "database",
    short_help="Show each profile's account, token, directory and index.",
)
@click.option("--json", "as_json", is_flag=True, help="Print a JSON document instead of text.")
@click.pass_context
def status(ctx: click.Context, as_json: bool) -> int:
    """Show each profile's account, whether its token works (Flickr is asked), its directory,
    what its index holds and when the last sync finished without errors.

    Exits 0 when every profile asked for can sync (token valid with write permission, directory
    present), 1 when one cannot, 2 on a usage or configuration error.
    """
    from flickrsync.status import statuses  # noqa: PLC0415 - lazily, see above

    opts = start(ctx)
    found = statuses(opts.settings())
    if as_json:
        emit_json("status", {"profiles": to_json(found)})
    else:
        for item in found:
            status_text(item)
    return 0 if all(item.usable for item in found) else 1
