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
import os
import sys
import time
import webbrowser
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import click

from flickrsync import localfs, scanner
from flickrsync.config import CONFIG_NAME, Overrides, Settings, home_dir, load_all, write_template
from flickrsync.errors import FlickrsyncError, UsageError
from flickrsync.index import Index
from flickrsync.localfs import ProgressCallback, ScanConfig
from flickrsync.lock import profile_lock
from flickrsync.models import (
    Action,
    AddTags,
    AddToSet,
    CreateSet,
    DeleteSet,
    Download,
    EditSetMeta,
    EditSetPhotos,
    LocalPath,
    Perms,
    PlanSummary,
    ProfileStatus,
    RemoveFromSet,
    ScanProgress,
    ScanReport,
    SyncMode,
    Upload,
)

if TYPE_CHECKING:
    from flickrsync.client import FlickrClient
    from flickrsync.sync import Prepared, RunOptions, RunReport

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
    # Imported here, not at the top: httpx and the client cost ~0.1 s of start-up that local
    # commands (scan, duplicates, inspect) do not need.
    from flickrsync.client import authorize, new_http_client  # noqa: PLC0415

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
    from flickrsync.client import budgets_for, new_http_client, profile_status  # noqa: PLC0415
    from flickrsync.retry import Backoff  # noqa: PLC0415 - lazily, as in auth

    opts = start(ctx)
    all_settings = opts.settings()
    budgets = budgets_for(all_settings)
    with new_http_client() as http:
        # a status is a quick look: a few tries only when Flickr cannot be reached
        quick = Backoff(attempts=3, base=1.0, cap=4.0)
        found = [
            replace(
                profile_status(s, http, budget=budgets[s.api_key], backoff=quick),
                **_index_figures(s.database),
            )
            for s in all_settings
        ]
    if as_json:
        emit_json("status", {"profiles": [asdict(item) for item in found]})
        return
    for item in found:
        _render_status(item)


def _index_figures(database: Path) -> dict[str, Any]:
    """What the profile's index holds; nothing before its first scan (status never creates one)."""
    if not database.is_file():
        return {}
    with Index.open(database) as index:
        counts = index.counts()
        states = [index.sync_state(a.nsid) for a in index.accounts()]
        remote = sum(len(index.remote_photo_ids(a.nsid)) for a in index.accounts())
    synced = [s.synced_at for s in states if s.synced_at]
    return {
        "index_pictures": counts.pictures,
        "index_videos": counts.videos,
        "index_problems": counts.problems,
        "remote_photos": remote if states else None,
        "last_sync": time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(max(synced))) if synced else None,
    }


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
    if item.index_pictures is None:
        click.echo("  index:     none yet (run `flickrsync scan` or `flickrsync sync`)")
    else:
        click.echo(
            f"  index:     {item.index_pictures:,} pictures, {item.index_videos or 0:,} videos, "
            f"{item.index_problems or 0:,} problems"
            + ("" if item.remote_photos is None else f"; {item.remote_photos:,} Flickr photos")
        )
    click.echo(f"  last sync: {item.last_sync or 'never'}")


# --- output helpers --------------------------------------------------------------------------


def emit_json(kind: str, payload: dict[str, Any]) -> None:
    """Print one JSON document on stdout with the schema version and kind."""
    doc = {"schema": JSON_SCHEMA_VERSION, "kind": kind, **payload}
    text = json.dumps(doc, ensure_ascii=False, sort_keys=False, default=str)
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        # A file name that is not UTF-8 (kept as surrogate escapes): JSON's \udcXX escapes carry
        # it losslessly (os.fsencode(json.loads(...)) gives back the original bytes).
        text = json.dumps(doc, ensure_ascii=True, sort_keys=False, default=str)
    click.echo(text)


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


# --- the local library: scan, duplicates, inspect --------------------------------------------


@contextmanager
def _progress(label: str) -> Iterator[ProgressCallback | None]:
    """A rich progress bar on stderr when it is a terminal; nothing otherwise."""
    if not sys.stderr.isatty():
        yield None
        return
    # Imported here: rich costs start-up time that a non-interactive run does not need.
    from rich.console import Console  # noqa: PLC0415
    from rich.progress import (  # noqa: PLC0415
        BarColumn,
        Progress,
        SpinnerColumn,
        TextColumn,
        TimeRemainingColumn,
        TransferSpeedColumn,
    )

    names = {"walk": "listing", "read": "reading", "perceptual": "perceptual hashes", "digests": "digests"}
    with Progress(
        SpinnerColumn(),
        TextColumn("{task.description}"),
        BarColumn(),
        TransferSpeedColumn(),
        TimeRemainingColumn(),
        console=Console(stderr=True),
        transient=True,
        # No refresh thread: the scanner may fork worker processes, which is only safe in a
        # process without threads. The bar is redrawn from the callback instead.
        auto_refresh=False,
    ) as bar:
        tasks: dict[str, Any] = {}
        last = [0.0]

        def update(p: ScanProgress) -> None:
            if p.phase not in tasks:
                total = None if p.phase == "walk" else max(p.bytes_total, 1)
                tasks[p.phase] = bar.add_task(f"{label}: {names[p.phase]}", total=total)
            if p.phase == "walk":
                bar.update(tasks[p.phase], description=f"{label}: listing ({p.files_done:,} files)")
            else:
                bar.update(
                    tasks[p.phase],
                    completed=p.bytes_done,
                    description=f"{label}: {names[p.phase]} {p.files_done:,}/{p.files_total:,} files",
                )
            now = time.monotonic()
            if now - last[0] >= 0.1 or p.files_done == p.files_total:
                last[0] = now
                bar.refresh()

        yield update


def _open_index(settings: Settings) -> Index:
    return Index.open(settings.database)


def _scan(settings: Settings, *, perceptual: bool = False) -> ScanReport:
    config = ScanConfig.from_settings(settings)
    localfs.check_roots(config)
    with _open_index(settings) as index, _progress(f"[{settings.profile}]") as progress:
        return scanner.scan_library(index, config, progress=progress, perceptual=perceptual)


def _path_json(path: LocalPath) -> dict[str, str]:
    return {"path": os.path.join(path.root, path.relpath), "root": path.root, "relpath": path.relpath}


def _echo_problems(report: ScanReport) -> None:
    for file in report.problems:
        click.echo(f"flickrsync: problem: {_show(file.path)}: {_show(file.problem or '')}", err=True)
    for issue in report.issues:
        kind = "problem" if issue.problem else "note"
        click.echo(f"flickrsync: {kind}: {_show(issue.path)}: {_show(issue.reason)}", err=True)


def _show(path: LocalPath | str) -> str:
    """A path (or text holding one) for the terminal: bytes that are not UTF-8 are shown as
    ``\\xNN``, never a crash."""
    text = os.path.join(path.root, path.relpath) if isinstance(path, LocalPath) else path
    return text.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")


def _scan_failed(report: ScanReport) -> bool:
    return bool(report.problems) or any(issue.problem for issue in report.issues)


@cli.command()
@global_options
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
        report = _scan(settings, perceptual=perceptual)
        failed = failed or _scan_failed(report)
        if as_json:
            emit_json("scan", _scan_json(settings, report))
        else:
            _render_scan(settings, report)
        _echo_problems(report)
    return 1 if failed else 0


def _scan_json(settings: Settings, report: ScanReport) -> dict[str, Any]:
    return {
        "profile": settings.profile,
        "database": str(settings.database),
        "roots": list(report.roots),
        "counts": asdict(report.counts),
        "read": report.read,
        "read_bytes": report.read_bytes,
        "read_seconds": round(report.read_seconds, 3),
        "reused": report.reused,
        "unchanged": report.unchanged,
        "removed": report.removed,
        "perceptual": report.perceptual,
        "ignored": dict(report.ignored),
        "problems": [
            {**_path_json(f.path), "size": f.stat.size, "problem": f.problem, "problem_kind": f.problem_kind}
            for f in report.problems
        ],
        "issues": [{**_path_json(i.path), "reason": i.reason, "problem": i.problem} for i in report.issues],
        "elapsed": round(report.elapsed, 3),
    }


def _render_scan(settings: Settings, report: ScanReport) -> None:
    c = report.counts
    roots = _show(", ".join(report.roots))
    click.echo(f"[{settings.profile}] {roots}")
    click.echo(f"  pictures     {c.pictures:>9,}")
    click.echo(f"  videos       {c.videos:>9,}")
    dup = f"  duplicates   {c.duplicate_groups:>9,} groups"
    if c.duplicate_groups:
        dup += f" ({c.duplicate_files:,} extra copies; see `flickrsync duplicates`)"
    click.echo(dup)
    read = f"  read         {report.read:>9,} files, {_mb(report.read_bytes)}"
    if report.read_seconds > 0:
        read += f" ({report.read_bytes / report.read_seconds / 1e6:,.0f} MB/s)"
    click.echo(read)
    click.echo(f"  unchanged    {report.unchanged:>9,}")
    if report.reused:
        click.echo(f"  moved/linked {report.reused:>9,} (identified without reading)")
    if report.removed:
        click.echo(f"  removed      {report.removed:>9,} (gone from disk)")
    if report.perceptual:
        click.echo(f"  perceptual   {report.perceptual:>9,} hashes computed")
    if report.ignored:
        total = sum(n for _ext, n in report.ignored)
        top = ", ".join(f"{ext} {n:,}" for ext, n in report.ignored[:6])
        click.echo(f"  ignored      {total:>9,} other files ({top})")
    problems = len(report.problems) + sum(1 for i in report.issues if i.problem)
    click.echo(
        f"  problems     {problems:>9,}"
        + (" (listed on stderr: not indexed, not backed up)" if problems else "")
    )
    click.echo(f"  time         {report.elapsed:>9.1f} s")


def _mb(size: int) -> str:
    if size >= 1e9:
        return f"{size / 1e9:,.1f} GB"
    return f"{size / 1e6:,.1f} MB"


@cli.command()
@global_options
@click.option("--no-scan", is_flag=True, help="Use the index as it is; do not look for changes first.")
@click.option("--json", "as_json", is_flag=True, help="Print the result as JSON.")
@click.pass_context
def duplicates(ctx: click.Context, no_scan: bool, as_json: bool) -> int:
    """List pictures held by several files (same content id): one picture, several paths.

    Scans for changes first (cheap when little changed) unless --no-scan.
    """
    opts = start(ctx)
    for settings in opts.settings():
        if not no_scan:
            report = _scan(settings)
            if _scan_failed(report):
                click.echo(
                    f"flickrsync: [{settings.profile}] some files could not be indexed; "
                    "`flickrsync scan` lists them",
                    err=True,
                )
        with _open_index(settings) as index:
            groups = index.duplicates()
        if as_json:
            emit_json(
                "duplicates",
                {
                    "profile": settings.profile,
                    "groups": [
                        {
                            "content_id": p.content_id,
                            "id_kind": p.id_kind,
                            "media": p.media,
                            "format": p.format,
                            "width": p.width,
                            "height": p.height,
                            "date_taken": p.date_taken,
                            "size": p.size,
                            "paths": [_path_json(path) for path in p.paths],
                        }
                        for p in groups
                    ],
                },
            )
            continue
        extra = sum(len(p.paths) - 1 for p in groups)
        click.echo(f"[{settings.profile}] {len(groups):,} duplicate groups, {extra:,} extra copies")
        for p in groups:
            dims = f" {p.width}x{p.height}" if p.width and p.height else ""
            taken = f", taken {p.date_taken}" if p.date_taken else ""
            click.echo(f"{p.content_id[:16]}  {p.format}{dims}{taken}, {len(p.paths)} copies:")
            for path in p.paths:
                click.echo(f"  {_show(path)}")
    return 0


@cli.command()
@global_options
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
    index = None
    if settings is not None and settings.database.exists():
        index = _open_index(settings)
    try:
        results = [_inspect_one(path, settings, index) for path in files]
    finally:
        if index is not None:
            index.close()
    if as_json:
        emit_json(
            "inspect",
            {"profile": settings.profile if settings else None, "files": results},
        )
    else:
        for result in results:
            _render_inspect(result)
    return 1 if any(r["problem"] for r in results) else 0


_ORIENTATION = {
    1: "normal",
    2: "mirrored",
    3: "rotated 180°",
    4: "mirrored vertically",
    5: "mirrored, rotated 90° CW",
    6: "rotate 90° CW to view",
    7: "mirrored, rotated 90° CCW",
    8: "rotate 90° CCW to view",
}
_ID_KINDS = {
    "imagedata": "SHA-256 of the image data, metadata excluded (exiftool ImageDataHash)",
    "file": "SHA-256 of the whole file (format without an image-data hash)",
}


def _inspect_one(path: str, settings: Settings | None, index: Index | None) -> dict[str, Any]:
    found = localfs.inspect_file(path)
    fp = found.fingerprint
    st = found.stat
    location = localfs.locate(ScanConfig.from_settings(settings), path) if settings else None
    result: dict[str, Any] = {
        "path": found.path,
        "root": location.root if location else None,
        "relpath": location.relpath if location else None,
        "size": st.size if st else None,
        "mtime_ns": st.mtime_ns if st else None,
        "dev": st.dev if st else None,
        "ino": st.ino if st else None,
        "content_id": fp.content_id if fp else None,
        "id_kind": fp.id_kind if fp else None,
        "media": fp.media if fp else None,
        "format": fp.format if fp else None,
        "width": fp.width if fp else None,
        "height": fp.height if fp else None,
        "orientation": fp.orientation if fp else None,
        "date_taken": fp.date_taken if fp else None,
        "subsec": fp.subsec if fp else None,
        "tz_offset": fp.offset if fp else None,
        "warnings": list(fp.warnings) if fp else [],
        "phash": found.phash,
        "phash_error": found.phash_error,
        **dict(found.digests),
        "problem": found.problem,
        "problem_kind": found.problem_kind,
        "indexed": None,
        "duplicates": [],
        "links": [],
    }
    if index is None:
        return result
    if location is not None:
        known = index.file(location)
        if known is None:
            result["indexed"] = "no"
        elif known.problem is not None:
            result["indexed"] = f"yes, as a problem: {known.problem}"
        elif st is not None and (known.stat.size, known.stat.mtime_ns) == (st.size, st.mtime_ns):
            result["indexed"] = "yes"
        else:
            result["indexed"] = "changed since the last scan"
    else:
        result["indexed"] = "outside the library"
    if fp is not None:
        result["duplicates"] = [_path_json(f.path) for f in index.files(fp.content_id) if f.path != location]
        result["links"] = [
            {"nsid": link.nsid, "photo_id": link.photo_id, "rule": link.rule, "linked_at": link.linked_at}
            for link in index.links_of_picture(fp.content_id)
        ]
    return result


def _render_inspect(r: dict[str, Any]) -> None:
    click.echo(_show(str(r["path"])))

    def line(label: str, value: object) -> None:
        click.echo(f"  {label:<13} {value}")

    if r["size"] is not None:
        line("size", f"{r['size']:,} bytes")
    if r["problem"]:
        line("problem", r["problem"])
    if r["content_id"]:
        line("kind", f"{r['media']} ({r['format']})")
        line("content id", r["content_id"])
        line("computed as", _ID_KINDS.get(r["id_kind"], r["id_kind"]))
        taken = r["date_taken"] or "unknown (no usable EXIF date)"
        if r["date_taken"] and r["subsec"]:
            taken += f".{r['subsec']}"
        if r["date_taken"] and r["tz_offset"]:
            taken += f" {r['tz_offset']}"
        line("date taken", taken)
        if r["width"] and r["height"]:
            line("dimensions", f"{r['width']} x {r['height']}")
        orientation = r["orientation"]
        line(
            "orientation", f"{orientation} ({_ORIENTATION.get(orientation, '?')})" if orientation else "none"
        )
        if r["media"] == "photo":
            line("perceptual", r["phash"] or f"not computed: {r['phash_error']}")
        for warning in r["warnings"]:
            line("warning", warning)
    if r.get("sha256"):
        line("sha256", r["sha256"])
    if r["indexed"] is not None:
        line("indexed", r["indexed"])
    for dup in r["duplicates"]:
        line("duplicate", _show(str(dup["path"])))
    for link in r["links"]:
        line("on Flickr", f"photo {link['photo_id']} of {link['nsid']} (matched by {link['rule']})")


# --- sync, sync2, download, photosets --------------------------------------------------------


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
    with profile_lock(settings.lock_file, settings.profile, command) as lock, _open_index(settings) as index:
        with _progress(label) as scan_progress:
            engine = Engine(
                settings,
                client,
                index,
                options,
                progress=_transfer_bars(label),
                scan_progress=scan_progress,
                lock=lock,
            )
            prepared = engine.prepare()
        plan = prepared.plan
        report = RunReport(settings.profile, command, options.dry_run, prepared, None, 0, 0.0)
        if not as_json:
            _render_plan(settings, options, prepared)
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
        emit_json(command, _sync_json(report))
    else:
        _render_outcome(report)
    if plan.refusal is not None:
        click.echo(f"flickrsync: error: {label} {plan.refusal}", err=True)
    for item in report.failed:
        click.echo(f"flickrsync: failed: {_show(item.path)}: {item.reason}", err=True)
    return report.exit_code


class _TransferBars:
    """Progress bars for transfers on a terminal (stderr); nothing otherwise."""

    def __init__(self, label: str) -> None:
        self.label = label
        self.bar: Any = None
        self.tasks: dict[str, Any] = {}

    def start(self, label: str, items: int, nbytes: int) -> None:
        if not sys.stderr.isatty():
            return
        from rich.console import Console  # noqa: PLC0415 - only on a terminal
        from rich.progress import (  # noqa: PLC0415
            BarColumn,
            MofNCompleteColumn,
            Progress,
            TextColumn,
            TimeRemainingColumn,
            TransferSpeedColumn,
        )

        if self.bar is None:
            self.bar = Progress(
                TextColumn("{task.description}"),
                BarColumn(),
                MofNCompleteColumn(),
                TransferSpeedColumn(),
                TimeRemainingColumn(),
                console=Console(stderr=True),
                transient=True,
            )
            self.bar.start()
        self.tasks[label] = (
            self.bar.add_task(f"{self.label} {label} (items)", total=items),
            self.bar.add_task(f"{self.label} {label} (bytes sent)", total=max(nbytes, 1)) if nbytes else None,
        )

    def advance(self, label: str, items: int, nbytes: int) -> None:
        if self.bar is None or label not in self.tasks:
            return
        item_task, byte_task = self.tasks[label]
        self.bar.advance(item_task, items)
        if byte_task is not None and nbytes:
            self.bar.advance(byte_task, nbytes)

    def stop(self, label: str) -> None:
        if self.bar is None:
            return
        for task in self.tasks.pop(label, ()):
            if task is not None:
                self.bar.remove_task(task)
        if not self.tasks:
            self.bar.stop()
            self.bar = None


def _transfer_bars(label: str) -> _TransferBars:
    return _TransferBars(label)


def _action_json(action: Action) -> dict[str, Any]:
    if isinstance(action, Upload):
        return {
            "action": "upload",
            "content_id": action.content_id,
            "path": os.path.join(action.path.root, action.path.relpath),
            "title": action.title,
            "size": action.size,
            "media": action.media,
            "reason": action.reason,
        }
    if isinstance(action, Download):
        return {
            "action": "download",
            "photo_id": action.photo_id,
            "dest": os.path.join(action.dest.root, action.dest.relpath),
            "reason": action.reason,
        }
    if isinstance(action, AddTags):
        return {"action": "add_tags", "photo_id": action.photo_id, "content_id": action.content_id,
                "tags": list(action.tags), "reason": action.reason}  # fmt: skip
    if isinstance(action, CreateSet):
        return {"action": "create_set", "title": action.title, "folder": action.folder,
                "photos": len(action.photo_ids)}  # fmt: skip
    if isinstance(action, AddToSet | RemoveFromSet):
        kind = "add_to_set" if isinstance(action, AddToSet) else "remove_from_set"
        return {"action": kind, "photoset_id": action.photoset_id, "photo_id": action.photo_id,
                "title": action.title}  # fmt: skip
    if isinstance(action, EditSetPhotos):
        return {"action": "edit_set_photos", "photoset_id": action.photoset_id, "title": action.title,
                "photos": len(action.photo_ids), "added": list(action.added),
                "removed": list(action.removed)}  # fmt: skip
    if isinstance(action, EditSetMeta):
        return {"action": "rename_set", "photoset_id": action.photoset_id, "old_title": action.old_title,
                "title": action.title}  # fmt: skip
    if isinstance(action, DeleteSet):
        return {"action": "delete_set", "photoset_id": action.photoset_id, "title": action.title}
    return {"action": "add_to_group", "photo_id": action.photo_id, "group_id": action.group_id,
            "folder": action.folder}  # fmt: skip


def _combined(prepared: Prepared) -> tuple[list[Action], PlanSummary]:
    """The transfer plan and the photoset preview as one list and one summary."""
    plan = prepared.plan
    actions: list[Action] = list(plan.actions)
    summary = plan.summary
    if prepared.set_preview is not None:
        actions.extend(prepared.set_preview.actions)
        s = prepared.set_preview.summary
        summary = replace(
            summary,
            sets_created=s.sets_created,
            sets_renamed=s.sets_renamed,
            sets_deleted=s.sets_deleted,
            photos_added=s.photos_added,
            photos_removed=s.photos_removed,
            sets_reordered=s.sets_reordered,
            group_adds=s.group_adds,
            write_calls=summary.write_calls + s.write_calls,
        )
    return actions, summary


def _sync_json(report: RunReport) -> dict[str, Any]:
    prepared = report.prepared
    assert prepared is not None
    actions, summary = _combined(prepared)
    outcome = report.outcome
    return {
        "profile": report.profile,
        "account": {"nsid": prepared.account.nsid, "username": prepared.account.username},
        "dry_run": report.dry_run,
        "summary": {**asdict(summary), "reassignments": summary.reassignments},
        "actions": [_action_json(a) for a in actions],
        "failed": [{"path": f.path, "reason": f.reason} for f in prepared.plan.failed],
        "refusal": prepared.plan.refusal,
        "notes": prepared.notes,
        "outcome": None
        if outcome is None
        else {
            "uploaded": len(outcome.uploaded),
            "downloaded": len(outcome.downloaded),
            "tagged": len(outcome.tagged),
            "set_calls": outcome.set_calls,
            "bytes_sent": outcome.bytes_sent,
            "bytes_received": outcome.bytes_received,
            "failed": [{"item": f.path, "reason": f.reason} for f in outcome.failed],
            "aborted": outcome.aborted,
        },
        "api_calls": report.api_calls,
        "elapsed": round(report.elapsed, 3),
    }


def _render_plan(settings: Settings, options: RunOptions, prepared: Prepared) -> None:
    account = prepared.account
    label = f"[{settings.profile}]"
    command = "photosets" if options.only_photosets else options.mode
    dry = " (dry run: nothing will change)" if options.dry_run else ""
    click.echo(f"{label} {command} — Flickr account {account.username} ({account.nsid}){dry}")
    for note in prepared.notes:
        click.echo(f"  note: {note}")
    if prepared.scan is not None:
        c = prepared.scan.counts
        click.echo(
            f"  library      {c.pictures:>9,} pictures, {c.videos:,} videos, {c.problems:,} problems "
            f"({prepared.scan.read:,} files read)"
        )
    listing = prepared.listing
    kind = "full listing" if listing.full else "changes since the last sync"
    click.echo(f"  flickr       {len(listing.photos):>9,} photos in the {kind}")
    if prepared.plan.refusal is not None:
        return
    _actions, s = _combined(prepared)
    click.echo(f"  matched      {s.matched:>9,} pictures already on Flickr")
    if s.duplicates_on_flickr:
        click.echo(f"  on Flickr twice {s.duplicates_on_flickr:>6,} photos (reported, never deleted)")
    if s.undecided:
        click.echo(f"  undecided    {s.undecided:>9,} (left alone this run)")
    if options.mode != "download" and not options.only_photosets:
        click.echo(f"  to upload    {s.uploads:>9,} ({_mb(s.upload_bytes)})")
        click.echo(f"  to tag       {s.tags:>9,} matched photos get flickrsync's machine tag")
    if options.mode != "sync":
        click.echo(f"  to download  {s.downloads:>9,}")
    if prepared.set_preview is not None:
        click.echo(
            f"  photosets    {s.sets_created:>9,} to create, {s.sets_renamed:,} to rename, "
            f"{s.reassignments:,} reassignments (+{s.photos_added:,} −{s.photos_removed:,})"
            + (f", {s.sets_deleted:,} to delete" if s.sets_deleted else "")
            + (f", {s.group_adds:,} group additions" if s.group_adds else "")
        )
    if s.failed:
        click.echo(f"  cannot sync  {s.failed:>9,} (listed on stderr)")
    if not _actions:
        click.echo("  nothing to do: everything is in sync")


def _render_outcome(report: RunReport) -> None:
    outcome = report.outcome
    label = f"[{report.profile}]"
    if outcome is None:
        click.echo(f"{label} {report.api_calls:,} Flickr API calls, {report.elapsed:.1f} s")
        return
    click.echo(
        f"{label} done: {len(outcome.uploaded):,} uploaded ({_mb(outcome.bytes_sent)}), "
        f"{len(outcome.downloaded):,} downloaded ({_mb(outcome.bytes_received)}), "
        f"{len(outcome.tagged):,} tagged, {outcome.set_calls:,} photoset changes; "
        f"{report.api_calls:,} Flickr API calls, {report.elapsed:.1f} s"
    )
    if outcome.aborted:
        click.echo(f"{label} stopped early: {outcome.aborted}")
    if outcome.failed:
        click.echo(
            f"{label} {len(outcome.failed):,} items failed (listed on stderr); run again to retry them"
        )
