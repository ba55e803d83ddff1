"""Command line: click commands, ``main(argv) -> int``, prompts, exit codes, text and JSON output.

This is the only module that touches argv, stdin/stdout/stderr and exit codes. Each command
parses its options, loads :class:`~flickrsync.config.Settings`, calls one typed function and
renders the result. Errors are mapped to exit codes in :func:`main` only:

* 0 — everything done;
* 1 — some items failed (each named on stderr), or an unexpected internal error;
* 2 — usage or configuration error, missing/invalid authorisation, profile locked.

stdout carries results only; one-line errors and failed items go to stderr; tracebacks go to the
debug log (``<home>/logs/flickrsync.log``), never to the terminal.
"""

from __future__ import annotations

import json
import logging
import logging.handlers
import sys
import webbrowser
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import click

from flickrsync import __version__
from flickrsync.client import authorize, budgets_for, new_http_client, profile_status
from flickrsync.config import CONFIG_NAME, Overrides, Settings, home_dir, load_all, write_template
from flickrsync.errors import FlickrsyncError, UsageError
from flickrsync.models import ProfileStatus
from flickrsync.retry import Backoff

log = logging.getLogger("flickrsync")

#: Version of the ``--json`` output schemas. Bump on any incompatible change.
JSON_SCHEMA_VERSION = 1

F = TypeVar("F", bound=Callable[..., Any])


# --- global options --------------------------------------------------------------------------


@dataclass
class GlobalOptions:
    """Options that may be given before or after the command name (``flickrsync -p a sync``
    and ``flickrsync sync -p a`` mean the same); later values extend/override earlier ones."""

    home: str | None = None
    config: str | None = None
    profiles: list[str] = field(default_factory=list)
    all_profiles: bool = False
    directory: str | None = None
    database: str | None = None
    username: str | None = None
    noprompt: bool = False
    debug: bool = False
    #: Set by :func:`start` once logging is configured.
    logfile: Path | None = None

    @property
    def home_path(self) -> Path:
        return home_dir(self.home)

    @property
    def config_path(self) -> Path:
        return Path(self.config).expanduser().absolute() if self.config else self.home_path / CONFIG_NAME

    def overrides(self) -> Overrides:
        return Overrides(directory=self.directory, database=self.database, username=self.username)

    def settings(self) -> list[Settings]:
        """Settings for every profile this run is about (``-p`` repeated, ``--all-profiles``)."""
        return load_all(
            self.home_path,
            self.profiles,
            self.all_profiles,
            self.overrides(),
            config_file=self.config_path,
        )

    def one_settings(self) -> Settings:
        """Settings for a command that works on exactly one profile."""
        if self.all_profiles or len(self.profiles) > 1:
            raise UsageError("this command works on one profile at a time", hint="give a single -p NAME")
        return self.settings()[0]


def start(ctx: click.Context) -> GlobalOptions:
    """First call of every command: the merged global options, with logging set up."""
    opts = _globals(ctx)
    if opts.logfile is None:
        opts.logfile = _setup_logging(opts)
    return opts


def _globals(ctx: click.Context) -> GlobalOptions:
    root = ctx.find_root()
    if not isinstance(root.obj, GlobalOptions):
        root.obj = GlobalOptions()
    return root.obj


def _store(attr: str) -> Callable[[click.Context, click.Parameter, Any], None]:
    def callback(ctx: click.Context, _param: click.Parameter, value: Any) -> None:
        opts = _globals(ctx)
        if value is None or value is False or value == ():
            return
        if attr == "profiles":
            opts.profiles.extend(value)
        else:
            setattr(opts, attr, value)

    return callback


def global_options(func: F) -> F:
    """Attach the global options; used on the group and on every command."""
    options = [
        click.option(
            "--home",
            metavar="DIR",
            help="Home dir (config.ini, index, tokens). Env FLICKRSYNC_HOME; default ~/.flickrsync.",
        ),
        click.option(
            "-c", "--config", metavar="FILE", help="config.ini to use instead of <home>/config.ini."
        ),
        click.option(
            "-p",
            "--profile",
            "profiles",
            multiple=True,
            metavar="NAME",
            help="Profile (account) to use; repeat for several.",
        ),
        click.option("--all-profiles", is_flag=True, help="Run for every profile in config.ini."),
        click.option("-l", "--directory", metavar="DIR", help="Pictures directory, overrides config.ini."),
        click.option("-d", "--database", metavar="FILE", help="Index database, overrides config.ini."),
        click.option("-u", "--username", metavar="NAME", help="Flickr username, overrides config.ini."),
        click.option(
            "--noprompt", "--yes", "-y", "noprompt", is_flag=True, help="Do not ask for confirmation."
        ),
        click.option("--debug", is_flag=True, help="Show debug logging on stderr."),
    ]
    for option in reversed(options):
        func = option(func)
    for param in getattr(func, "__click_params__", []):
        name = param.name or ""
        if name in GlobalOptions.__dataclass_fields__:
            param.expose_value = False
            param.callback = _store(name)
            param.is_eager = True
    return func


# --- the group -------------------------------------------------------------------------------


@click.group(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.version_option(__version__, prog_name="flickrsync")
@global_options
def cli() -> None:
    """Keep a local photo library and Flickr accounts in sync, by picture content.

    Pictures are known by what they show (a hash of the image data), so moving, renaming or
    re-tagging a file never uploads it again. flickrsync never deletes a photo, on Flickr or on
    disk.
    """


@cli.command()
@global_options
@click.pass_context
def init(ctx: click.Context) -> None:
    """Write a commented template config.ini (never overwrites an existing one)."""
    opts = start(ctx)
    path = opts.config_path
    if write_template(path):
        click.echo(f"wrote {path}")
        click.echo("next: fill in api_key, api_secret and directory, then run `flickrsync auth`")
    else:
        click.echo(f"{path} already exists; left unchanged")


# --- accounts: auth, status ------------------------------------------------------------------


@cli.command()
@global_options
@click.pass_context
def auth(ctx: click.Context) -> None:
    """Authorise flickrsync to use a Flickr account (-p NAME), with write permission.

    Prints a Flickr page to open; approve flickrsync there and enter the code Flickr shows.
    The code may also be piped in on stdin. The token is kept in <home>/tokens/ (mode 0600).
    """
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


@cli.command()
@global_options
@click.option("--json", "as_json", is_flag=True, help="Print a JSON document instead of text.")
@click.pass_context
def status(ctx: click.Context, as_json: bool) -> None:
    """Show each profile's account, whether its token works, its directory and index."""
    opts = start(ctx)
    all_settings = opts.settings()
    budgets = budgets_for(all_settings)
    with new_http_client() as http:
        # a status is a quick look: a few tries only when Flickr cannot be reached
        quick = Backoff(attempts=3, base=1.0, cap=4.0)
        found = [profile_status(s, http, budget=budgets[s.api_key], backoff=quick) for s in all_settings]
    if as_json:
        emit_json("status", {"profiles": [asdict(item) for item in found]})
        return
    for item in found:
        _render_status(item)


def _render_status(item: ProfileStatus) -> None:
    account = item.account
    who = f"{account.username} ({account.nsid})" if account else "no account"
    click.echo(f"[{item.profile}] {who}")
    perms = f" ({item.perms})" if item.perms else ""
    token = {
        "valid": "valid",
        "missing": "none",
        "invalid": "NOT VALID",
        "unknown": "not checked (Flickr unreachable)",
    }[item.authorization]
    click.echo(f"  token:     {token}{perms}")
    if item.problem:
        click.echo(f"             {item.problem}")
    click.echo(f"  directory: {item.directory}" + ("" if item.directory_exists else " (missing)"))
    pictures = "unknown" if item.index_pictures is None else f"{item.index_pictures} pictures"
    click.echo(f"  index:     {pictures}; last sync: {item.last_sync or 'unknown'}")


# --- output helpers --------------------------------------------------------------------------


def emit_json(kind: str, payload: dict[str, Any]) -> None:
    """Print one JSON document on stdout with the schema version and kind."""
    doc = {"schema": JSON_SCHEMA_VERSION, "kind": kind, **payload}
    click.echo(json.dumps(doc, ensure_ascii=False, sort_keys=False, default=str))


def confirm(opts: GlobalOptions, question: str) -> bool:
    """Ask unless ``--yes``/``--noprompt`` was given or stdin is not a TTY (then: proceed)."""
    if opts.noprompt or not sys.stdin.isatty():
        return True
    return click.confirm(question, default=True)


# --- logging ---------------------------------------------------------------------------------


def _setup_logging(opts: GlobalOptions) -> Path | None:
    """Debug log to ``<home>/logs/flickrsync.log``; stderr gets warnings (debug with --debug)."""
    root = logging.getLogger("flickrsync")
    root.setLevel(logging.DEBUG)
    for handler in list(root.handlers):
        root.removeHandler(handler)
        handler.close()
    root.propagate = False
    stderr = logging.StreamHandler(sys.stderr)
    stderr.setLevel(logging.DEBUG if opts.debug else logging.WARNING)
    stderr.setFormatter(logging.Formatter("flickrsync: %(levelname)s: %(message)s"))
    root.addHandler(stderr)
    logfile: Path | None = None
    try:
        logdir = opts.home_path / "logs"
        logdir.mkdir(parents=True, exist_ok=True)
        logfile = logdir / "flickrsync.log"
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


# --- entry points ----------------------------------------------------------------------------


def main(argv: Sequence[str] | None = None) -> int:
    """Run the CLI and return the exit code. The only place errors become exit codes."""
    args = list(sys.argv[1:] if argv is None else argv)
    ctx: click.Context | None = None
    try:
        with cli.make_context("flickrsync", args) as ctx:
            result = cli.invoke(ctx)
        return result if isinstance(result, int) else 0
    except click.exceptions.Exit as exc:
        return exc.exit_code
    except click.ClickException as exc:
        exc.show()
        return 2
    except click.Abort:
        click.echo("flickrsync: aborted", err=True)
        return 130
    except FlickrsyncError as exc:
        log.debug("exiting on %s", type(exc).__name__, exc_info=True)
        click.echo(f"flickrsync: error: {exc}", err=True)
        return exc.exit_code
    except KeyboardInterrupt:
        click.echo("flickrsync: interrupted; safe to run again", err=True)
        return 130
    except Exception as exc:
        log.error("internal error", exc_info=True)
        logfile = _globals(ctx).logfile if ctx is not None else None
        where = f"; details in {logfile}" if logfile else ""
        click.echo(f"flickrsync: internal error: {type(exc).__name__}: {exc}{where}", err=True)
        return 1
    finally:
        for handler in list(logging.getLogger("flickrsync").handlers):
            if isinstance(handler, logging.FileHandler):
                handler.close()
                logging.getLogger("flickrsync").removeHandler(handler)


def run() -> None:
    """Console-script entry point."""
    sys.exit(main())
