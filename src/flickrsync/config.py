"""Home directory and ``config.ini`` profiles -> frozen :class:`Settings`.

The file format is flickrsync 0.1.1's, unchanged: a ``[DEFAULT]`` section plus named profile
sections, each with ``api_key``, ``api_secret``, ``username``, ``directory`` and ``database``. A
named profile inherits every key it does not set from ``[DEFAULT]``. Newer keys are optional and
documented in the README (section "Configuration") and in :data:`TEMPLATE`.

Parsing happens once, here; the result is passed explicitly to whoever needs it. Nothing in this
module talks to Flickr or reads pictures. Errors are :class:`~flickrsync.errors.ConfigError` with
one line naming the file, the section and what to do.
"""

from __future__ import annotations

import configparser
import contextlib
import difflib
import os
import re
import shlex
import stat
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal, cast

from flickrsync import config_pictures as pictures
from flickrsync.choosing import FolderRule, PictureSettings
from flickrsync.errors import ConfigError
from flickrsync.models import ON_EDIT, Endpoints, Nsid, OnEdit, UploadOptions

DEFAULT_SECTION = "DEFAULT"
CONFIG_NAME = "config.ini"
HOME_ENV = "FLICKRSYNC_HOME"

TEMPLATE = (
    """\
# flickrsync configuration (compatible with flickrsync 0.1.1).
#
# [DEFAULT] applies to every profile; each other section is a profile (a Flickr account),
# chosen with `flickrsync -p NAME ...`. A profile inherits every key it does not set.
# Get an API key and secret at https://www.flickr.com/services/apps/create/ then run
# `flickrsync auth` (or `flickrsync auth -p NAME`).

[DEFAULT]
# Your Flickr API key and secret.
api_key =
api_secret =
# Your Flickr user name (shown by `flickrsync status`; optional).
username =
# The root of your picture library.
directory = ~/Pictures
# The index database. Optional: by default each profile gets its own file in the home dir.
# database = ~/.flickrsync/flickrsync.db

# --- optional settings (defaults shown) ---
# More library roots, one per line.
# extra_directories =
# Glob patterns (relative to a root) of files or folders never scanned, one per line.
# exclude =
# A Flickr-compatible server instead of Flickr itself (used by the tests and `make demo`).
# endpoint =
# Parallel uploads/downloads, and API calls allowed per hour for this key (Flickr: 3600).
# transfers = 4
# calls_per_hour = 3600
# Parallel look-ups while matching (small renditions, originals of look-alikes, album members).
# checkers = 4
# Folder (under the first root) for downloaded photos that are in no photoset.
# download_folder = Flickr
# A picture edited since it was synced (same path, same date taken or look): keep the earlier
# version on Flickr and say so, replace it (Flickr's replace API; Pro accounts), or upload the
# edit as a new photo.
# on_edit = keep
# After a crash, how long an upload that was under way may still take to appear on Flickr
# (seconds): a run started sooner waits that long before sending such a picture again.
# upload_settle_seconds = 60
# Photoset titles join the folder path relative to the root with this separator.
# photoset_separator = ", "
# The album of the pictures directly in the pictures directory; empty: none. Default: none, or
# "flickrsync" (flickrsync 0.1.1's) when the index was flickrsync 0.1.1's database.
# root_photoset =
# Only these folders / set titles take part in photosets (globs, one per line); and never these.
# photoset_include =
# photoset_exclude =
# Add photos of a folder to group pools: one `folder glob = group NSID` per line.
# groups =
#     Birds/* = 12345678@N01
"""
    + pictures.PICTURE_TEMPLATE
    + """# [work]
# api_key = ...
# api_secret = ...
# directory = ~/Pictures/Work
"""
)


@dataclass(frozen=True, slots=True)
class PhotosetOptions:
    separator: str = ", "
    include: tuple[str, ...] = ()
    exclude: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Settings:
    """Everything one profile's run needs to know, parsed once."""

    home: Path
    config_file: Path
    profile: str
    api_key: str = field(repr=False)
    api_secret: str = field(repr=False)
    username: str
    #: Pictures roots; the first is ``directory``, downloads go there.
    directories: tuple[Path, ...]
    database: Path
    endpoints: Endpoints = field(default_factory=Endpoints)
    #: True when ``endpoint`` points somewhere other than Flickr.
    custom_endpoint: bool = False
    exclude: tuple[str, ...] = ()
    transfers: int = 4
    #: Threads for the look-ups matching asks for (rclone's ``--checkers``), apart from transfers.
    checkers: int = 4
    calls_per_hour: int = 3600
    download_folder: str = "Flickr"
    #: After a crash: how long an upload under way may still take to appear on Flickr.
    upload_settle_seconds: int = 60
    #: What applies to every picture (who may see it, extra tags, resize, where its title,
    #: description and tags come from), with where each value came from …
    pictures: PictureSettings = PictureSettings()
    #: … unless a ``[folder:GLOB]`` section says otherwise (in config order).
    folders: tuple[FolderRule, ...] = ()
    photosets: PhotosetOptions = PhotosetOptions()
    #: ``root_photoset``: the album of the root's pictures ("" none); None when config.ini does
    #: not say (then the index decides: see :func:`flickrsync.photosets.root_set_title`).
    root_photoset: str | None = None
    #: (folder glob, group NSID) pairs, in config order.
    groups: tuple[tuple[str, Nsid], ...] = ()
    #: What a run does with a picture edited since it was synced: keep, replace or upload.
    on_edit: OnEdit = "keep"

    @property
    def directory(self) -> Path:
        return self.directories[0]

    @property
    def upload(self) -> UploadOptions:
        """Who may see an upload, how Flickr files it (unless its folder says otherwise)."""
        return self.pictures.upload

    @property
    def token_file(self) -> Path:
        return self.home / "tokens" / f"{profile_file_part(self.profile)}.json"

    @property
    def lock_file(self) -> Path:
        return self.home / "locks" / f"{profile_file_part(self.profile)}.lock"

    def require_api_key(self) -> None:
        """Raise unless the profile has an API key and secret (needed to talk to Flickr)."""
        for key, value in (("api_key", self.api_key), ("api_secret", self.api_secret)):
            if not value:
                raise ConfigError(
                    f"{self.config_file}: [{self.profile}] has no {key}",
                    hint=f"set {key} in that section (get one at https://www.flickr.com/services/apps/create/)",
                )


@dataclass(frozen=True, slots=True)
class Overrides:
    """Global command-line options that override config.ini (as in flickrsync 0.1.1)."""

    directory: str | None = None
    database: str | None = None
    username: str | None = None


def home_dir(option: str | None, environ: Mapping[str, str] | None = None) -> Path:
    """The home directory: ``--home``, else ``$FLICKRSYNC_HOME``, else ``~/.flickrsync``."""
    env = os.environ if environ is None else environ
    raw = option or env.get(HOME_ENV) or "~/.flickrsync"
    return Path(raw).expanduser().absolute()


def write_template(path: Path) -> bool:
    """Write the commented template to ``path`` unless a file is already there.

    The file holds the API secret: it is created 0600, and a folder created for it 0700. Returns
    True when written. Never overwrites: an existing file is left exactly as it is.
    """
    private_dir(path.parent)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return False
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(TEMPLATE)
    return True


def private_dir(path: Path) -> None:
    """Create ``path`` and any missing parent with mode 0700 (only you can list or enter them);
    existing folders are left as they are."""
    missing: list[Path] = []
    while not path.exists():
        missing.append(path)
        if path.parent == path:
            break
        path = path.parent
    for folder in reversed(missing):
        with contextlib.suppress(FileExistsError):
            folder.mkdir(mode=0o700)


def loose_permissions(path: Path) -> str | None:
    """A one-line warning when ``path`` (a file holding secrets) can be read by other users, with
    the ``chmod`` that fixes it; None when it is private or absent."""
    try:
        mode = stat.S_IMODE(path.stat().st_mode)
    except OSError:
        return None
    if not mode & 0o077:
        return None
    return (
        f"{path} holds secrets and other users can read it (mode {mode:04o}): "
        f"run `chmod 600 {shlex.quote(str(path))}`"
    )


# --- reading config.ini ----------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Origin:
    """Where a setting's value came from: a line of config.ini, a command-line option, or the
    built-in default."""

    kind: Literal["file", "option", "default"]
    section: str | None = None
    line: int | None = None
    option: str | None = None

    def __str__(self) -> str:
        if self.kind == "file":
            return f"[{self.section}] line {self.line}"
        if self.kind == "option":
            return f"command line {self.option}"
        return "default"


@dataclass(frozen=True, slots=True)
class ConfigFile:
    """config.ini as parsed, with the line of each section and key (for messages)."""

    path: Path
    parser: configparser.ConfigParser
    #: (section, key) -> line number (1-based); section -> line of its header.
    key_lines: Mapping[tuple[str, str], int]
    section_lines: Mapping[str, int]

    def at(self, section: str, key: str | None = None) -> str:
        """``FILE line N: [section]`` (``key``) for a message."""
        line = self.key_lines.get((section, key)) if key else self.section_lines.get(section)
        where = f"{self.path} line {line}" if line else str(self.path)
        return f"{where}: [{section}]" + (f" {key}" if key else "")

    def section(self, name: str) -> dict[str, str]:
        return dict(self.parser.items(name)) if self.parser.has_section(name) else {}


def read_config(config_file: Path) -> ConfigFile:
    """Parse config.ini (``[DEFAULT]`` as an ordinary section: profiles are merged here) and check
    its structure: an unknown key or section is a :class:`ConfigError` naming the file, the line
    and the closest known name."""
    parsed = parse_config(config_file)
    problems = structure_problems(parsed)
    if problems:
        raise problems[0]
    return parsed


def parse_config(config_file: Path) -> ConfigFile:
    """Parse config.ini without checking its keys (:func:`structure_problems` does)."""
    if not config_file.is_file():
        raise ConfigError(
            f"{config_file}: config file not found",
            hint="run `flickrsync init` to write a template, then fill in api_key and api_secret",
        )
    parser = configparser.ConfigParser(default_section="\x00none", interpolation=None)
    try:
        text = config_file.read_text(encoding="utf-8-sig")  # Notepad starts a file with a BOM
        parser.read_string(text, source=str(config_file))
    except (configparser.Error, UnicodeDecodeError) as exc:
        first = str(exc).strip().splitlines()[0]
        raise ConfigError(f"{config_file}: cannot parse: {first}", hint="fix the file's syntax") from exc
    except OSError as exc:
        raise ConfigError(f"{config_file}: cannot read: {exc.strerror}") from exc
    key_lines: dict[tuple[str, str], int] = {}
    section_lines: dict[str, int] = {}
    section: str | None = None
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip() or line.lstrip()[0] in "#;" or line[0].isspace():
            continue  # blank, comment, or a value's continuation line
        header = parser.SECTCRE.match(line)
        if header:
            section = header.group("header")
            section_lines.setdefault(section, number)
            continue
        option = parser.OPTCRE.match(line)
        if option and section is not None:
            key_lines.setdefault((section, parser.optionxform(option.group("option").strip())), number)
    return ConfigFile(config_file, parser, key_lines, section_lines)


def structure_problems(config: ConfigFile) -> list[ConfigError]:
    """Unknown sections and keys, each with the closest known name."""
    problems: list[ConfigError] = []
    for section in config.parser.sections():
        if pictures.is_folder_section(section):
            problems += pictures.folder_section_problems(config, section)
            continue
        if section != DEFAULT_SECTION and section.upper() == DEFAULT_SECTION:
            problems.append(
                ConfigError(
                    f"{config.at(section)} is not a section flickrsync knows",
                    hint=f"did you mean [{DEFAULT_SECTION}]? (section names are case-sensitive)",
                )
            )
        for key in config.parser[section]:
            if key in KEYS:
                continue
            close = difflib.get_close_matches(key, KEYS, n=1)
            hint = (
                f"did you mean `{close[0]}`?"
                if close
                else "see the keys in the README, section Configuration"
            )
            problems.append(ConfigError(f"{config.at(section, key)}: unknown key", hint=hint))
    return problems


def profile_names(config: ConfigFile) -> list[str]:
    """Named profiles, in file order (``[DEFAULT]`` and ``[folder:GLOB]`` are not)."""
    sections = config.parser.sections()
    return [name for name in sections if name != DEFAULT_SECTION and not pictures.is_folder_section(name)]


def all_profile_names(config: ConfigFile) -> list[str]:
    """The profiles ``--all-profiles`` runs: ``[DEFAULT]`` first when it names an account itself
    (its own ``api_key`` and ``directory``), then every named profile; ``[DEFAULT]`` alone in a
    file without named profiles."""
    named = profile_names(config)
    own = config.section(DEFAULT_SECTION)
    names_account = bool(own.get("api_key", "").strip() and own.get("directory", "").strip())
    return ([DEFAULT_SECTION] if names_account or not named else []) + named


def load_settings(
    home: Path,
    profile: str | None,
    overrides: Overrides = Overrides(),
    *,
    config_file: Path | None = None,
) -> Settings:
    """Settings for one profile; ``profile=None`` means ``[DEFAULT]`` (flickrsync 0.1.1)."""
    config = read_config(config_file or home / CONFIG_NAME)
    name = profile or DEFAULT_SECTION
    _refuse_shared_files(config, home, [name], overrides)
    return _profile(config, home, name, overrides).settings()


def load_all(
    home: Path,
    profiles: Iterable[str],
    all_profiles: bool,
    overrides: Overrides = Overrides(),
    *,
    config_file: Path | None = None,
) -> list[Settings]:
    """Settings for each ``-p`` given, or every profile with ``--all-profiles``
    (:func:`all_profile_names`); with neither, the ``[DEFAULT]`` profile."""
    config = read_config(config_file or home / CONFIG_NAME)
    names = list(dict.fromkeys(profiles))
    if all_profiles:
        names = all_profile_names(config)
    names = names or [DEFAULT_SECTION]
    _refuse_shared_files(config, home, names, overrides)
    return [_profile(config, home, name, overrides).settings() for name in names]


# --- files named after profiles --------------------------------------------------------------


def shared_files(
    config: ConfigFile, home: Path, run: Iterable[str], overrides: Overrides
) -> list[ConfigError]:
    """Profiles that would share a file: the token and the lock (named after the profile, see
    :func:`profile_file_part`), or the index. Every profile of the file is compared (``[DEFAULT]``
    when ``--all-profiles`` runs it or it is in ``run``); the command-line overrides count for the
    profiles in ``run`` only. Names are compared ignoring case: on a case-insensitive file system
    (macOS, Windows, a FAT drive) ``Work.json`` and ``work.json`` are one file."""
    run = set(run)
    names = list(dict.fromkeys([*(n for n in run if n == DEFAULT_SECTION), *all_profile_names(config)]))
    found: list[ConfigError] = []
    parts: dict[str, str] = {}
    indexes: dict[str, str] = {}
    for name in names:
        part = profile_file_part(name)
        other = parts.setdefault(part.casefold(), name)
        if other != name:
            found.append(
                ConfigError(
                    f"{config.path}: profiles [{other}] and [{name}] would share their token and lock "
                    f"files ({part}.json, {part}.lock)",
                    hint="rename one of them: file names keep letters, digits and -_. of a profile's name",
                )
            )
            continue
        own = config.section(name) if name != DEFAULT_SECTION else {}
        database = _database_path(
            home,
            name,
            overrides.database if name in run else None,
            own.get("database"),
            config.section(DEFAULT_SECTION).get("database"),
        )
        other = indexes.setdefault(os.path.normpath(database).casefold(), name)
        if other != name:
            found.append(
                ConfigError(
                    f"{config.path}: profiles [{other}] and [{name}] would share the index {database}",
                    hint="give each its own `database` (or --database with one -p only)",
                )
            )
    return found


def _refuse_shared_files(config: ConfigFile, home: Path, run: Iterable[str], overrides: Overrides) -> None:
    problems = shared_files(config, home, run, overrides)
    if problems:
        raise problems[0]


# --- config check ----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ResolvedKey:
    """One setting of a profile as a run will use it (secrets hidden), and where it came from."""

    key: str
    value: str
    origin: Origin


@dataclass(frozen=True, slots=True)
class ProfileCheck:
    """A profile's settings, or the problems that make it unusable."""

    profile: str
    values: tuple[ResolvedKey, ...] = ()
    problems: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class ConfigReport:
    """What ``flickrsync config check`` found: problems of the file, then each profile."""

    config_file: str
    problems: tuple[str, ...]
    profiles: tuple[ProfileCheck, ...]

    @property
    def ok(self) -> bool:
        return not self.problems and not any(p.problems for p in self.profiles)


def check_config(
    home: Path,
    profiles: Iterable[str] = (),
    overrides: Overrides = Overrides(),
    *,
    config_file: Path | None = None,
) -> ConfigReport:
    """Check config.ini whole, and resolve the given profiles (default: every profile
    ``--all-profiles`` runs), collecting every problem instead of stopping at the first. Nothing
    but the file is read: Flickr is not asked."""
    path = config_file or home / CONFIG_NAME
    try:
        config = parse_config(path)
    except ConfigError as exc:
        return ConfigReport(str(path), (str(exc),), ())
    names = list(dict.fromkeys(profiles)) or all_profile_names(config)
    problems = tuple(
        str(p) for p in [*structure_problems(config), *shared_files(config, home, names, overrides)]
    )
    checks = []
    for name in names:
        if not _is_profile(config, name):
            checks.append(ProfileCheck(name, problems=(str(_no_profile(config, name)),)))
            continue
        reader = _profile(config, home, name, overrides, collect=True)
        settings = reader.settings()
        values = tuple(ResolvedKey(key, show(settings), reader.origin(key)) for key, show in _SHOW.items())
        checks.append(ProfileCheck(name, values, tuple(str(e) for e in reader.errors)))
    return ConfigReport(str(path), problems, tuple(checks))


# --- one profile -----------------------------------------------------------------------------

_TRUE = {"1", "yes", "true", "on"}
_FALSE = {"0", "no", "false", "off", ""}


def _no_profile(config: ConfigFile, name: str) -> ConfigError:
    known = ", ".join(profile_names(config)) or "none"
    return ConfigError(
        f"{config.path}: no profile [{name}] (profiles: {known})",
        hint=f"add a [{name}] section or pick another with -p",
    )


def _is_profile(config: ConfigFile, name: str) -> bool:
    known = config.parser.has_section(name) and not pictures.is_folder_section(name)
    return name == DEFAULT_SECTION or known


def _profile(
    config: ConfigFile, home: Path, name: str, overrides: Overrides, *, collect: bool = False
) -> _Profile:
    if not _is_profile(config, name):
        raise _no_profile(config, name)
    own = config.section(name) if name != DEFAULT_SECTION else {}
    return _Profile(config, home, name, config.section(DEFAULT_SECTION), own, overrides, collect)


class _Profile(pictures.PictureKeys):
    """One profile's keys: its own section over ``[DEFAULT]``, under the command-line overrides.

    Every value is read and checked here, once. A bad value is a :class:`ConfigError` naming the
    file, line, section and key; with ``collect`` every error is kept in :attr:`errors` (the
    default is used meanwhile) so that ``config check`` reports them all.
    """

    def __init__(  # noqa: PLR0917 - the parts of a profile
        self,
        config: ConfigFile,
        home: Path,
        name: str,
        defaults: Mapping[str, str],
        own: Mapping[str, str],
        overrides: Overrides,
        collect: bool,
    ) -> None:
        self.config = config
        self.home = home
        self.name = name
        self.defaults = defaults
        self.own = own
        self.overrides = overrides
        self.merged = {**defaults, **own}
        self.collect = collect
        self.errors: list[ConfigError] = []

    # --- where ---------------------------------------------------------------------------------

    def origin(self, key: str) -> Origin:
        option = _OVERRIDES.get(key)
        if option is not None and getattr(self.overrides, key):
            return Origin("option", option=option)
        for section, values in ((self.name, self.own), (DEFAULT_SECTION, self.defaults)):
            if key in values:
                return Origin("file", section, self.config.key_lines.get((section, key)))
        return Origin("default")

    def where(self, key: str) -> str:
        origin = self.origin(key)
        return self.config.at(origin.section or self.name, key if origin.kind == "file" else None)

    def fail(self, error: ConfigError) -> None:
        if not self.collect:
            raise error
        self.errors.append(error)

    # --- values --------------------------------------------------------------------------------

    def get(self, key: str, default: str = "") -> str:
        return self.merged.get(key, default).strip()

    def get_int(self, key: str, default: int, low: int, high: int) -> int:
        raw = self.get(key)
        if not raw:
            return default
        try:
            value = int(raw)
        except ValueError:
            self.fail(ConfigError(f"{self.where(key)} = {raw!r} is not a number", hint=f"use {low}..{high}"))
            return default
        if not low <= value <= high:
            self.fail(ConfigError(f"{self.where(key)} = {value} is out of range", hint=f"use {low}..{high}"))
            return default
        return value

    def get_bool(self, key: str, default: bool) -> bool:
        if key not in self.merged:
            return default
        raw = self.get(key).lower()
        if raw in _TRUE:
            return True
        if raw in _FALSE:
            return False
        self.fail(ConfigError(f"{self.where(key)} = {raw!r} is not a yes/no value", hint="use 0 or 1"))
        return default

    def get_lines(self, key: str) -> tuple[str, ...]:
        return tuple(line.strip() for line in self.get(key).splitlines() if line.strip())

    # --- the settings --------------------------------------------------------------------------

    def settings(self) -> Settings:
        overrides = self.overrides
        raw_dir = overrides.directory or self.get("directory")
        if not raw_dir:
            self.fail(
                ConfigError(
                    f"{self.config.at(self.name)} has no directory",
                    hint="set directory = /path/to/your/pictures, or pass --directory",
                )
            )
        directories = [_expand(raw_dir or ".")]
        directories += [_expand(line) for line in self.get_lines("extra_directories")]

        database = _database_path(
            self.home, self.name, overrides.database, self.own.get("database"), self.defaults.get("database")
        )

        endpoint = self.get("endpoint")
        if endpoint and not re.match(r"^https?://[^/\s]+", endpoint):
            self.fail(
                ConfigError(
                    f"{self.where('endpoint')} = {endpoint!r} is not an http(s) URL",
                    hint="e.g. http://127.0.0.1:8080",
                )
            )
            endpoint = ""

        groups: list[tuple[str, Nsid]] = []
        for line in self.get_lines("groups"):
            folder, sep, group = line.rpartition("=")
            if not sep or not folder.strip() or not re.fullmatch(r"\d+@N\d\d", group.strip()):
                self.fail(
                    ConfigError(
                        f"{self.where('groups')}: bad line {line!r}",
                        hint="write `folder glob = group NSID`, e.g. Birds/* = 1234@N01",
                    )
                )
                continue
            groups.append((folder.strip().strip("/"), Nsid(group.strip())))

        separator = self.merged.get("photoset_separator", ", ")
        if len(separator) >= 2 and separator[0] == separator[-1] and separator[0] in "\"'":
            separator = separator[1:-1]
        if not separator:
            self.fail(
                ConfigError(f"{self.where('photoset_separator')} is empty", hint='use e.g. ", " or " / "')
            )
            separator = ", "

        download_folder = self.get("download_folder", "Flickr") or "Flickr"
        if Path(download_folder).is_absolute() or ".." in Path(download_folder).parts:
            self.fail(
                ConfigError(
                    f"{self.where('download_folder')} = {download_folder!r} is not a folder in the library",
                    hint="give a folder relative to directory, e.g. Flickr",
                )
            )
            download_folder = "Flickr"

        on_edit = self.get("on_edit", "keep").lower() or "keep"
        if on_edit not in ON_EDIT:
            self.fail(
                ConfigError(
                    f"{self.where('on_edit')} = {on_edit!r} is not a choice",
                    hint="use keep, replace or upload",
                )
            )
            on_edit = "keep"

        return Settings(
            home=self.home,
            config_file=self.config.path,
            profile=self.name,
            api_key=self.get("api_key"),
            api_secret=self.get("api_secret"),
            username=overrides.username or self.get("username"),
            directories=tuple(directories),
            database=database,
            endpoints=Endpoints.from_base(endpoint) if endpoint else Endpoints(),
            custom_endpoint=bool(endpoint),
            exclude=self.get_lines("exclude"),
            transfers=self.get_int("transfers", 4, 1, 32),
            checkers=self.get_int("checkers", 4, 1, 32),
            calls_per_hour=self.get_int("calls_per_hour", 3600, 1, 10_000_000),
            download_folder=download_folder,
            upload_settle_seconds=self.get_int("upload_settle_seconds", 60, 0, 3600),
            pictures=self.pictures(),
            folders=self.folder_rules(),
            photosets=PhotosetOptions(
                separator=separator,
                include=self.get_lines("photoset_include"),
                exclude=self.get_lines("photoset_exclude"),
            ),
            root_photoset=self.merged["root_photoset"].strip() if "root_photoset" in self.merged else None,
            groups=tuple(groups),
            on_edit=cast(OnEdit, on_edit),
        )


#: The keys the command line can override, and the option that does.
_OVERRIDES = {"directory": "--directory", "database": "--database", "username": "--username"}


def _listed(items: Iterable[object], empty: str = "(none)") -> str:
    text = ", ".join(str(item) for item in items)
    return text or empty


def _picture(key: str) -> Callable[[Settings], str]:
    return lambda s: pictures.shown(key, s.pictures)


#: Every key config.ini may hold, and how ``config check`` shows the value a run uses. The one
#: list of known keys: a key missing here is refused as unknown.
_SHOW: dict[str, Callable[[Settings], str]] = {
    "api_key": lambda s: f"{s.api_key[:4]}… (set)" if s.api_key else "(not set: needed to talk to Flickr)",
    "api_secret": lambda s: "(set, hidden)" if s.api_secret else "(not set: needed to talk to Flickr)",
    "username": lambda s: s.username or "(not set)",
    "directory": lambda s: str(s.directories[0]),
    "extra_directories": lambda s: _listed(s.directories[1:]),
    "database": lambda s: str(s.database),
    "exclude": lambda s: _listed(s.exclude),
    "endpoint": lambda s: s.endpoints.rest.removesuffix("services/rest/") if s.custom_endpoint else "Flickr",
    **{key: _picture(key) for key in pictures.PROFILE_PICTURE_KEYS},
    "transfers": lambda s: str(s.transfers),
    "checkers": lambda s: str(s.checkers),
    "calls_per_hour": lambda s: str(s.calls_per_hour),
    "download_folder": lambda s: s.download_folder,
    "upload_settle_seconds": lambda s: str(s.upload_settle_seconds),
    "photoset_separator": lambda s: f'"{s.photosets.separator}"',
    "photoset_include": lambda s: _listed(s.photosets.include, "(all)"),
    "photoset_exclude": lambda s: _listed(s.photosets.exclude),
    "root_photoset": lambda s: (
        "(flickrsync 0.1.1's index: flickrsync; else none)"
        if s.root_photoset is None
        else (s.root_photoset or "(none)")
    ),
    "groups": lambda s: _listed(f"{folder} = {group}" for folder, group in s.groups),
    "on_edit": lambda s: s.on_edit,
}

#: Every key config.ini may hold (the README's table documents each).
KEYS: tuple[str, ...] = tuple(_SHOW)


def _expand(raw: str) -> Path:
    return Path(os.path.expandvars(raw.strip())).expanduser().absolute()


def _database_path(
    home: Path, profile: str, override: str | None, own: str | None, inherited: str | None
) -> Path:
    """One index file per profile.

    ``--database`` or a ``database`` key in the profile's own section wins. A value inherited
    from ``[DEFAULT]`` (flickrsync 0.1.1's template puts it there) is used as is by the
    ``[DEFAULT]`` profile, and gets the profile name appended for named profiles, so two accounts
    never share an index: ``flickrsync.db`` -> ``flickrsync-work.db``.
    """
    if override:
        return _expand(override)
    if own and own.strip():
        return _expand(own)
    if inherited and inherited.strip():
        base = _expand(inherited)
        if profile == DEFAULT_SECTION:
            return base
        return base.with_name(f"{base.stem}-{profile_file_part(profile)}{base.suffix or '.db'}")
    return home / f"index-{profile_file_part(profile)}.db"


def profile_file_part(name: str) -> str:
    """A profile name as a file-name part (token, lock, index): letters, digits, ``-_.``;
    anything else as ``_``. Two profiles whose parts are equal, ignoring case, are refused
    (:func:`shared_files`): ``my work`` and ``my_work`` cannot live in one config.ini."""
    safe = re.sub(r"[^A-Za-z0-9._-]", "_", name).strip(".")
    return safe or "_"
