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
import os
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from flickrsync.errors import ConfigError
from flickrsync.models import Nsid

DEFAULT_SECTION = "DEFAULT"
CONFIG_NAME = "config.ini"
HOME_ENV = "FLICKRSYNC_HOME"
#: Where Flickr itself lives. ``endpoint`` in config.ini replaces all of these with one base URL.
FLICKR_REST_URL = "https://api.flickr.com/services/rest/"
FLICKR_UPLOAD_URL = "https://up.flickr.com/services/upload/"
FLICKR_REPLACE_URL = "https://up.flickr.com/services/replace/"
FLICKR_OAUTH_URL = "https://www.flickr.com/services/oauth/"

TEMPLATE = """\
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
# Who may see uploaded photos. Private by default.
# is_public = 0
# is_friend = 0
# is_family = 0
# safety_level = 1        (1 safe, 2 moderate, 3 restricted)
# content_type = 1        (1 photo, 2 screenshot, 3 other)
# hidden = 2              (1 show in global search, 2 hide from it)
# Tags added to every upload, separated by spaces ("quote multi word tags").
# extra_tags =
# Parallel uploads/downloads, and API calls allowed per hour for this key (Flickr: 3600).
# transfers = 4
# calls_per_hour = 3600
# Folder (under the first root) for downloaded photos that are in no photoset.
# download_folder = Flickr
# After a crash, how long an upload that was under way may still take to appear on Flickr
# (seconds): a run started sooner waits that long before sending such a picture again.
# upload_settle_seconds = 60
# Photoset titles join the folder path relative to the root with this separator.
# photoset_separator = ", "
# Only these folders / set titles take part in photosets (globs, one per line); and never these.
# photoset_include =
# photoset_exclude =
# Add photos of a folder to group pools: one `folder glob = group NSID` per line.
# groups =
#     Birds/* = 12345678@N01

# [work]
# api_key = ...
# api_secret = ...
# directory = ~/Pictures/Work
"""


@dataclass(frozen=True, slots=True)
class UploadOptions:
    """What every upload sets on Flickr (flickr upload API fields)."""

    is_public: bool = False
    is_friend: bool = False
    is_family: bool = False
    safety_level: int = 1
    content_type: int = 1
    hidden: int = 2
    extra_tags: str = ""


@dataclass(frozen=True, slots=True)
class PhotosetOptions:
    separator: str = ", "
    include: tuple[str, ...] = ()
    exclude: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Endpoints:
    rest: str = FLICKR_REST_URL
    upload: str = FLICKR_UPLOAD_URL
    replace: str = FLICKR_REPLACE_URL
    oauth: str = FLICKR_OAUTH_URL

    @classmethod
    def from_base(cls, base: str) -> Endpoints:
        base = base.rstrip("/")
        return cls(
            rest=f"{base}/services/rest/",
            upload=f"{base}/services/upload/",
            replace=f"{base}/services/replace/",
            oauth=f"{base}/services/oauth/",
        )


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
    endpoints: Endpoints = Endpoints()
    #: True when ``endpoint`` points somewhere other than Flickr.
    custom_endpoint: bool = False
    exclude: tuple[str, ...] = ()
    transfers: int = 4
    calls_per_hour: int = 3600
    download_folder: str = "Flickr"
    #: After a crash: how long an upload under way may still take to appear on Flickr.
    upload_settle_seconds: int = 60
    upload: UploadOptions = UploadOptions()
    photosets: PhotosetOptions = PhotosetOptions()
    #: (folder glob, group NSID) pairs, in config order.
    groups: tuple[tuple[str, Nsid], ...] = ()

    @property
    def directory(self) -> Path:
        return self.directories[0]

    @property
    def token_file(self) -> Path:
        return self.home / "tokens" / f"{_file_safe(self.profile)}.json"

    @property
    def lock_file(self) -> Path:
        return self.home / "locks" / f"{_file_safe(self.profile)}.lock"

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

    Returns True when written. Never overwrites: an existing file is left exactly as it is.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        with path.open("x", encoding="utf-8") as handle:
            handle.write(TEMPLATE)
    except FileExistsError:
        return False
    return True


def read_config(config_file: Path) -> configparser.ConfigParser:
    """Parse config.ini with ``[DEFAULT]`` as an ordinary section (we merge it ourselves)."""
    if not config_file.is_file():
        raise ConfigError(
            f"{config_file}: config file not found",
            hint="run `flickrsync init` to write a template, then fill in api_key and api_secret",
        )
    parser = configparser.ConfigParser(default_section="\x00none", interpolation=None)
    try:
        with config_file.open(encoding="utf-8") as handle:
            parser.read_file(handle)
    except (configparser.Error, UnicodeDecodeError) as exc:
        first = str(exc).strip().splitlines()[0]
        raise ConfigError(f"{config_file}: cannot parse: {first}", hint="fix the file's syntax") from exc
    except OSError as exc:
        raise ConfigError(f"{config_file}: cannot read: {exc.strerror}") from exc
    return parser


def profile_names(parser: configparser.ConfigParser) -> list[str]:
    """Named profiles, in file order (``[DEFAULT]`` is not one)."""
    return [name for name in parser.sections() if name != DEFAULT_SECTION]


def load_settings(
    home: Path,
    profile: str | None,
    overrides: Overrides = Overrides(),
    *,
    config_file: Path | None = None,
) -> Settings:
    """Settings for one profile; ``profile=None`` means ``[DEFAULT]`` (flickrsync 0.1.1)."""
    config_file = config_file or home / CONFIG_NAME
    parser = read_config(config_file)
    name = profile or DEFAULT_SECTION
    if name != DEFAULT_SECTION and not parser.has_section(name):
        known = ", ".join(profile_names(parser)) or "none"
        raise ConfigError(
            f"{config_file}: no profile [{name}] (profiles: {known})",
            hint=f"add a [{name}] section or pick another with -p",
        )
    defaults = dict(parser.items(DEFAULT_SECTION)) if parser.has_section(DEFAULT_SECTION) else {}
    own = dict(parser.items(name)) if name != DEFAULT_SECTION else {}
    return _settings_from(config_file, home, name, defaults, own, overrides=overrides)


def load_all(
    home: Path,
    profiles: Iterable[str],
    all_profiles: bool,
    overrides: Overrides = Overrides(),
    *,
    config_file: Path | None = None,
) -> list[Settings]:
    """Settings for each ``-p`` given, or every profile with ``--all-profiles``.

    With neither, the ``[DEFAULT]`` profile. ``--all-profiles`` on a file with no named
    sections means ``[DEFAULT]`` alone.
    """
    config_file = config_file or home / CONFIG_NAME
    names = list(dict.fromkeys(profiles))
    if all_profiles:
        names = profile_names(read_config(config_file)) or [DEFAULT_SECTION]
    if not names:
        return [load_settings(home, None, overrides, config_file=config_file)]
    return [load_settings(home, n, overrides, config_file=config_file) for n in names]


# --- helpers ---------------------------------------------------------------------------------

_TRUE = {"1", "yes", "true", "on"}
_FALSE = {"0", "no", "false", "off", ""}


def _settings_from(
    config_file: Path,
    home: Path,
    name: str,
    defaults: Mapping[str, str],
    own: Mapping[str, str],
    *,
    overrides: Overrides,
) -> Settings:
    merged = {**defaults, **own}

    def where(key: str) -> str:
        return f"{config_file}: [{name if key in own else DEFAULT_SECTION}] {key}"

    def get(key: str, default: str = "") -> str:
        return merged.get(key, default).strip()

    def get_int(key: str, default: int, low: int, high: int) -> int:
        raw = get(key)
        if not raw:
            return default
        try:
            value = int(raw)
        except ValueError:
            raise ConfigError(f"{where(key)} = {raw!r} is not a number", hint=f"use {low}..{high}") from None
        if not low <= value <= high:
            raise ConfigError(f"{where(key)} = {value} is out of range", hint=f"use {low}..{high}")
        return value

    def get_bool(key: str, default: bool) -> bool:
        raw = get(key).lower()
        if key not in merged:
            return default
        if raw in _TRUE:
            return True
        if raw in _FALSE:
            return False
        raise ConfigError(f"{where(key)} = {raw!r} is not a yes/no value", hint="use 0 or 1")

    def get_lines(key: str) -> tuple[str, ...]:
        return tuple(line.strip() for line in get(key).splitlines() if line.strip())

    raw_dir = overrides.directory or get("directory")
    if not raw_dir:
        raise ConfigError(
            f"{config_file}: [{name}] has no directory",
            hint="set directory = /path/to/your/pictures, or pass --directory",
        )
    directories = [_expand(raw_dir)]
    directories += [_expand(line) for line in get_lines("extra_directories")]

    database = _database_path(home, name, overrides.database, own.get("database"), defaults.get("database"))

    endpoint = get("endpoint")
    if endpoint and not re.match(r"^https?://[^/\s]+", endpoint):
        raise ConfigError(
            f"{where('endpoint')} = {endpoint!r} is not an http(s) URL", hint="e.g. http://127.0.0.1:8080"
        )

    groups: list[tuple[str, Nsid]] = []
    for line in get_lines("groups"):
        folder, sep, group = line.rpartition("=")
        if not sep or not folder.strip() or not re.fullmatch(r"\d+@N\d\d", group.strip()):
            raise ConfigError(
                f"{where('groups')}: bad line {line!r}",
                hint="write `folder glob = group NSID`, e.g. Birds/* = 1234@N01",
            )
        groups.append((folder.strip().strip("/"), Nsid(group.strip())))

    separator = merged.get("photoset_separator", ", ")
    if len(separator) >= 2 and separator[0] == separator[-1] and separator[0] in "\"'":
        separator = separator[1:-1]
    if not separator:
        raise ConfigError(f"{where('photoset_separator')} is empty", hint='use e.g. ", " or " / "')

    return Settings(
        home=home,
        config_file=config_file,
        profile=name,
        api_key=get("api_key"),
        api_secret=get("api_secret"),
        username=overrides.username or get("username"),
        directories=tuple(directories),
        database=database,
        endpoints=Endpoints.from_base(endpoint) if endpoint else Endpoints(),
        custom_endpoint=bool(endpoint),
        exclude=get_lines("exclude"),
        transfers=get_int("transfers", 4, 1, 32),
        calls_per_hour=get_int("calls_per_hour", 3600, 1, 10_000_000),
        download_folder=get("download_folder", "Flickr") or "Flickr",
        upload_settle_seconds=get_int("upload_settle_seconds", 60, 0, 3600),
        upload=UploadOptions(
            is_public=get_bool("is_public", False),
            is_friend=get_bool("is_friend", False),
            is_family=get_bool("is_family", False),
            safety_level=get_int("safety_level", 1, 1, 3),
            content_type=get_int("content_type", 1, 1, 3),
            hidden=get_int("hidden", 2, 1, 2),
            extra_tags=get("extra_tags"),
        ),
        photosets=PhotosetOptions(
            separator=separator,
            include=get_lines("photoset_include"),
            exclude=get_lines("photoset_exclude"),
        ),
        groups=tuple(groups),
    )


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
        return base.with_name(f"{base.stem}-{_file_safe(profile)}{base.suffix or '.db'}")
    return home / f"index-{_file_safe(profile)}.db"


def _file_safe(name: str) -> str:
    """A profile name as a file-name part: letters, digits, ``-_.``; anything else as ``_``."""
    safe = re.sub(r"[^A-Za-z0-9._-]", "_", name).strip(".")
    return safe or "_"
