"""The click group, the global options, and :func:`main`, the one place errors become exit codes."""

from __future__ import annotations

import logging
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import click

from flickrsync.cli.logs import close_logging, setup_logging
from flickrsync.config import CONFIG_NAME, Overrides, Settings, home_dir, load_all
from flickrsync.errors import FlickrsyncError, UsageError

log = logging.getLogger("flickrsync")

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
        opts.logfile = setup_logging(opts.home_path, debug=opts.debug)
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


def confirm(opts: GlobalOptions, question: str) -> bool:
    """Ask unless ``--yes``/``--noprompt`` was given or stdin is not a TTY (then: proceed)."""
    if opts.noprompt or not sys.stdin.isatty():
        return True
    return click.confirm(question, default=True)


# --- the group -------------------------------------------------------------------------------


def _print_version(ctx: click.Context, _param: click.Parameter, value: bool) -> None:
    """``--version``: the version is looked up only here (``importlib.metadata`` is slow to import,
    and every other run of every command would pay for it)."""
    if not value or ctx.resilient_parsing:
        return
    from flickrsync import __version__  # noqa: PLC0415 - lazy, see above

    click.echo(f"flickrsync, version {__version__}")
    ctx.exit()


@click.group(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.option(
    "--version",
    is_flag=True,
    expose_value=False,
    is_eager=True,
    callback=_print_version,
    help="Show the version and exit.",
)
@global_options
def cli() -> None:
    """Keep a local photo library and Flickr accounts in sync, by picture content.

    Pictures are known by what they show (a hash of the image data), so moving, renaming or
    re-tagging a file never uploads it again. flickrsync never deletes a photo, on Flickr or on
    disk.
    """


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
        close_logging()


def run() -> None:
    """Console-script entry point."""
    sys.exit(main())
