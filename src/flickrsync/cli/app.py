"""The click group, the global options, and :func:`main`, the one place errors become exit codes."""

from __future__ import annotations

import contextlib
import gc
import logging
import os
import sys
import textwrap
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import click

from flickrsync.cli.logs import LOG_ONLY, close_logging, setup_logging
from flickrsync.config import CONFIG_NAME, Overrides, Settings, home_dir, load_all, loose_permissions
from flickrsync.errors import FlickrsyncError, UsageError
from flickrsync.redact import redact

log = logging.getLogger("flickrsync")

F = TypeVar("F", bound=Callable[..., Any])

#: The program's name, and the variable through which a shell asks it for completions.
PROG = "flickrsync"
COMPLETE_VAR = "_FLICKRSYNC_COMPLETE"


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
    verbose: bool = False
    quiet: bool = False
    log_file: str | None = None
    debug: bool = False
    #: The global options given on the command line (names of the fields above).
    given: set[str] = field(default_factory=set)
    #: Set by :func:`start` once logging is configured.
    logfile: Path | None = None
    #: Files already warned about in this run (:func:`warn_private`).
    warned: set[Path] = field(default_factory=set)

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
        found = load_all(
            self.home_path,
            self.profiles,
            self.all_profiles,
            self.overrides(),
            config_file=self.config_path,
        )
        self.warn_private([self.config_path, *(s.token_file for s in found)])
        return found

    def one_settings(self) -> Settings:
        """Settings for a command that works on exactly one profile."""
        if self.all_profiles or len(self.profiles) > 1:
            raise UsageError("this command works on one profile at a time", hint="give a single -p NAME")
        return self.settings()[0]

    def warn_private(self, paths: Sequence[Path]) -> None:
        """Warn once per run about each file holding secrets that other users can read."""
        for path in paths:
            warning = loose_permissions(path)
            if warning and path not in self.warned:
                self.warned.add(path)
                log.warning("%s", warning)


#: Every global option: its :class:`GlobalOptions` field -> (declarations, click settings), in
#: ``flickrsync --help`` order.
GLOBAL_OPTIONS: dict[str, tuple[tuple[str, ...], dict[str, Any]]] = {
    "home": (
        ("--home",),
        {
            "metavar": "DIR",
            "help": "Home dir (config.ini, indexes, tokens, logs). Env FLICKRSYNC_HOME; "
            "default ~/.flickrsync.",
        },
    ),
    "config": (
        ("-c", "--config"),
        {"metavar": "FILE", "help": "config.ini to use instead of <home>/config.ini."},
    ),
    "profiles": (
        ("-p", "--profile", "profiles"),
        {"multiple": True, "metavar": "NAME", "help": "Profile (account) to use; repeat for several."},
    ),
    "all_profiles": (
        ("--all-profiles",),
        {"is_flag": True, "help": "Every profile in config.ini ([DEFAULT] too when it names an account)."},
    ),
    "directory": (
        ("-l", "--directory"),
        {"metavar": "DIR", "help": "Pictures directory, overrides config.ini."},
    ),
    "database": (("-d", "--database"), {"metavar": "FILE", "help": "Index database, overrides config.ini."}),
    "username": (("-u", "--username"), {"metavar": "NAME", "help": "Flickr username, overrides config.ini."}),
    "noprompt": (
        ("-y", "--yes", "--noprompt", "noprompt"),
        {"is_flag": True, "help": "Do not ask before changing anything."},
    ),
    "verbose": (
        ("-v", "--verbose"),
        {"is_flag": True, "help": "Also one line per file: uploaded, matched (why), skipped (why)."},
    ),
    "quiet": (("-q", "--quiet"), {"is_flag": True, "help": "Only errors and the final line."}),
    "log_file": (
        ("--log-file",),
        {"metavar": "PATH", "help": "Write the debug log here, not in <home>/logs/flickrsync.log."},
    ),
    "debug": (("--debug",), {"is_flag": True, "help": "Show the debug log on stderr too."}),
}

#: Global options every command but ``completion`` takes: where things are, and logging.
COMMON = ("home", "config", "verbose", "quiet", "log_file", "debug")


def _short(name: str) -> str:
    """``-p NAME``: the shortest way to write a global option, with its value."""
    decls, settings = GLOBAL_OPTIONS[name]
    flag = min((d for d in decls if d.startswith("-")), key=len)
    return f"{flag} {settings['metavar']}" if "metavar" in settings else flag


def _flags(name: str) -> str:
    """``-p/--profile``: how a global option is written."""
    return "/".join(d for d in GLOBAL_OPTIONS[name][0] if d.startswith("-"))


def _store(attr: str) -> Callable[[click.Context, click.Parameter, Any], None]:
    def callback(ctx: click.Context, _param: click.Parameter, value: Any) -> None:
        opts = _globals(ctx)
        if value is None or value is False or value == ():
            return
        opts.given.add(attr)
        if attr == "profiles":
            opts.profiles.extend(value)
        else:
            setattr(opts, attr, value)

    return callback


def _attach(func: F, *, hidden: bool) -> F:
    """Add every global option to a command; their values go to :class:`GlobalOptions`."""
    for name in reversed(GLOBAL_OPTIONS):
        decls, settings = GLOBAL_OPTIONS[name]
        func = click.option(
            *decls, **settings, expose_value=False, is_eager=True, hidden=hidden, callback=_store(name)
        )(func)
    return func


class Command(click.Command):
    """A command that knows which global options apply to it (:attr:`applies`)."""

    applies: frozenset[str] = frozenset()


def command(
    *applies: str, group: click.Group | None = None, common: bool = True, **kwargs: Any
) -> Callable[[Callable[..., Any]], Command]:
    """``@cli.command`` taking every global option before or after its name. Those that apply to
    it (``applies``, besides :data:`COMMON` unless ``common`` is False) are named in one line of
    its help; the others are listed once, in ``flickrsync --help``, and mean nothing here:
    :func:`start` ignores them (one debug line), so that a script or a flickrsync 0.1.1 cron line
    giving one keeps working."""
    names = (*(COMMON if common else ()), *applies)
    takes = ", ".join(_short(n) for n in GLOBAL_OPTIONS if n in names)
    epilog = None
    if takes:
        # \b: click keeps these lines as they are (its wrapping would break `--all-profiles`).
        text = f"Global options that apply here (see `flickrsync --help`): {takes}."
        epilog = "\b\n" + "\n".join(textwrap.wrap(text, 76, break_on_hyphens=False))

    def decorate(func: Callable[..., Any]) -> Command:
        made = (group or cli).command(cls=Command, epilog=epilog, **kwargs)(_attach(func, hidden=True))
        assert isinstance(made, Command)
        made.applies = frozenset(names)
        return made

    return decorate


def start(ctx: click.Context) -> GlobalOptions:
    """First call of every command: the merged global options, with logging set up. A global
    option that means nothing for the command is ignored, with a debug line."""
    opts = check_options(ctx)
    if opts.logfile is None:
        opts.logfile = _open_log(opts, stderr_level(opts))
    unset = GlobalOptions()
    for name in _ignored_options(ctx):
        log.debug("%s means nothing for `%s`; ignored", _flags(name), ctx.command_path)
        setattr(opts, name, getattr(unset, name))
        opts.given.discard(name)
    return opts


def check_options(ctx: click.Context) -> GlobalOptions:
    """The merged global options; a usage error for two that contradict each other."""
    opts = _globals(ctx)
    if opts.verbose and opts.quiet:
        raise UsageError("-v/--verbose and -q/--quiet contradict each other", hint="give one of them")
    return opts


def _ignored_options(ctx: click.Context) -> list[str]:
    """The global options given that mean nothing for the command (names of
    :class:`GlobalOptions` fields)."""
    opts = _globals(ctx)
    applies = ctx.command.applies if isinstance(ctx.command, Command) else frozenset()
    return [name for name in GLOBAL_OPTIONS if name in opts.given and name not in applies]


def stderr_level(opts: GlobalOptions) -> int:
    """What stderr shows of the log: warnings; info with -v (the per-file lines); errors only
    with -q; everything with --debug."""
    if opts.debug:
        return logging.DEBUG
    if opts.verbose:
        return logging.INFO
    if opts.quiet:
        return logging.ERROR
    return logging.WARNING


def _globals(ctx: click.Context) -> GlobalOptions:
    root = ctx.find_root()
    if not isinstance(root.obj, GlobalOptions):
        root.obj = GlobalOptions()
    return root.obj


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
@lambda func: _attach(func, hidden=False)  # shown in its help
def cli() -> None:
    """Keep a local photo library and Flickr accounts in sync, by picture content.

    Pictures are known by what they show (a hash of the image data), so moving, renaming or
    re-tagging a file never uploads it again. flickrsync never deletes a photo, on Flickr or on
    disk.
    """


# --- entry points ----------------------------------------------------------------------------


def main(argv: Sequence[str] | None = None) -> int:
    """Run the CLI and return the exit code. The only place errors become exit codes.

    A shell asking for completions (the script ``flickrsync completion SHELL`` prints sets
    :data:`COMPLETE_VAR`) is answered by click's own completion machinery."""
    instruction = os.environ.get(COMPLETE_VAR)
    if instruction:
        from click.shell_completion import shell_complete  # noqa: PLC0415 - only when completing

        return shell_complete(cli, {}, PROG, COMPLETE_VAR, instruction)
    args = list(sys.argv[1:] if argv is None else argv)
    ctx: click.Context | None = None
    try:
        with cli.make_context(PROG, args) as ctx:
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
        logfile = _ensure_log(ctx)
        log.error("internal error", exc_info=True, extra=LOG_ONLY)  # stderr: the line below
        where = f"; details in {logfile}" if logfile else ""
        click.echo(f"flickrsync: internal error: {redact(f'{type(exc).__name__}: {exc}')}{where}", err=True)
        return 1
    finally:
        _log_resources()
        close_logging()


def _log_resources() -> None:
    """The run's CPU time (this process, and its worker processes) and peak memory, in the
    debug log: where a slow run spent its time."""
    try:
        import resource  # noqa: PLC0415 - Unix only, and only for this line
    except ImportError:  # pragma: no cover - Windows
        return
    me = resource.getrusage(resource.RUSAGE_SELF)
    workers = resource.getrusage(resource.RUSAGE_CHILDREN)
    log.debug(
        "resources: CPU %.1f s (user %.1f, system %.1f), workers' CPU %.1f s, peak memory %.0f MB",
        me.ru_utime + me.ru_stime,
        me.ru_utime,
        me.ru_stime,
        workers.ru_utime + workers.ru_stime,
        me.ru_maxrss / 1024,
    )


def _ensure_log(ctx: click.Context | None) -> Path | None:
    """The run's log file, set up now if the command had not got that far (None if there is
    none)."""
    opts = _globals(ctx) if ctx is not None else GlobalOptions()
    if opts.logfile is None:
        with contextlib.suppress(FlickrsyncError):
            opts.logfile = _open_log(opts, logging.CRITICAL)
    return opts.logfile


def _open_log(opts: GlobalOptions, level: int) -> Path | None:
    log_file = Path(opts.log_file).expanduser().absolute() if opts.log_file else None
    return setup_logging(opts.home_path, log_file=log_file, level=level)


def run() -> None:
    """Console-script entry point."""
    code = main()
    # The process ends here, and the OS takes its memory back at once: the interpreter would
    # otherwise collect and free the objects left one by one (0.5 s of CPU after a
    # 100,000-picture dry run). Frozen, they are left alone at exit; what must be written was
    # written and closed by main (the log, the index), and the standard streams are flushed at
    # exit as ever.
    gc.freeze()
    sys.exit(code)
