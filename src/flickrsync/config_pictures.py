"""config.ini's keys about pictures, and its ``[folder:GLOB]`` sections (issue 12 point 2).

Read and checked here for :mod:`flickrsync.config` (whose profile reader takes
:class:`PictureKeys` in): a profile's values of :class:`~flickrsync.choosing.PictureSettings`,
with where each came from, and each ``[folder:GLOB]`` section as a
:class:`~flickrsync.choosing.FolderRule`. What each key takes is :data:`~flickrsync.choosing.KEY_KINDS`;
how the settings of a folder are resolved is :func:`~flickrsync.choosing.settings_for`.
"""

from __future__ import annotations

import difflib
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from flickrsync.choosing import FOLDER_KEYS, KEY_KINDS, MIN_RESIZE, FolderRule, PictureSettings, parse_sources
from flickrsync.errors import ConfigError

if TYPE_CHECKING:
    from flickrsync.config import ConfigFile, Origin, Overrides

#: ``[folder:GLOB]``: settings for the pictures under the folders GLOB matches (every profile).
FOLDER_PREFIX = "folder:"
#: The keys of :class:`~flickrsync.choosing.PictureSettings` a profile sets (``ignore`` is for
#: folder sections only).
PROFILE_PICTURE_KEYS: tuple[str, ...] = tuple(k for k in FOLDER_KEYS if k != "ignore")


#: The picture keys' part of config.py's ``TEMPLATE`` (after ``groups``).
PICTURE_TEMPLATE = """\
# Who may see uploaded photos. Private by default.
# is_public = 0
# is_friend = 0
# is_family = 0
# safety_level = 1        (1 safe, 2 moderate, 3 restricted)
# content_type = 1        (1 photo, 2 screenshot, 3 other)
# hidden = 2              (1 show in global search, 2 hide from it)
# Tags added to every upload, separated by spaces ("quote multi word tags").
# extra_tags =
# Upload a smaller copy: a JPEG whose long edge is this many pixels (0: files as they are).
# resize = 0
# resize_quality = 90
# Titles, descriptions and tags come from the picture's own metadata, in this order of sources
# (empty: none); the title falls back to the file name.
# title_from = XMP-dc:Title, IPTC:ObjectName, IFD0:XPTitle
# description_from = XMP-dc:Description, IPTC:Caption-Abstract, IFD0:ImageDescription,
#     IFD0:XPComment, IFD0:XPSubject
# tags_from = XMP-dc:Subject, XMP-lr:HierarchicalSubject, IPTC:Keywords, IFD0:XPKeywords

# Folders of their own (globs relative to directory; the most specific wins) may set any of the
# settings above from is_public to tags_from, and `ignore = 1` (never upload):
# [folder:Family/*]
# is_family = 1

"""


def shown(key: str, settings: PictureSettings) -> str:
    """The value of picture key ``key`` in words, as ``config check`` and ``inspect`` show it."""
    value = getattr(settings, key)
    if isinstance(value, bool):
        return "1 (yes)" if value else "0 (no)"
    if key == "resize":
        return f"{value} pixels (long edge)" if value else "0 (off)"
    if isinstance(value, tuple):
        return ", ".join(map(str, value)) or ("(none: the file name)" if key == "title_from" else "(none)")
    return str(value) if value != "" else "(none)"


def is_folder_section(section: str) -> bool:
    return section.startswith(FOLDER_PREFIX)


def folder_section_problems(config: ConfigFile, section: str) -> list[ConfigError]:
    """A ``[folder:GLOB]`` section without a glob, and its keys that are not folder settings."""
    problems = []
    if not section[len(FOLDER_PREFIX) :].strip().strip("/"):
        problems.append(
            ConfigError(f"{config.at(section)} names no folder", hint="write e.g. [folder:Trips/*]")
        )
    for key in config.parser[section]:
        if key in FOLDER_KEYS:
            continue
        close = difflib.get_close_matches(key, FOLDER_KEYS, n=1)
        hint = f"did you mean `{close[0]}`?" if close else f"a folder section takes {', '.join(FOLDER_KEYS)}"
        problems.append(ConfigError(f"{config.at(section, key)}: not a folder setting", hint=hint))
    return problems


class PictureKeys:
    """The picture keys of a profile reader (config.py's ``_Profile``), which provides the
    attributes and value getters declared here."""

    config: ConfigFile
    home: Path
    own: Mapping[str, str]
    merged: Mapping[str, str]
    collect: bool
    errors: list[ConfigError]

    if TYPE_CHECKING:

        def __init__(  # noqa: PLR0917 - the reader's parts
            self,
            config: ConfigFile,
            home: Path,
            name: str,
            defaults: Mapping[str, str],
            own: Mapping[str, str],
            overrides: Overrides,
            collect: bool,
        ) -> None: ...

        def get(self, key: str, default: str = "") -> str: ...
        def get_int(self, key: str, default: int, low: int, high: int) -> int: ...
        def get_bool(self, key: str, default: bool) -> bool: ...
        def where(self, key: str) -> str: ...
        def fail(self, error: ConfigError) -> None: ...
        def origin(self, key: str) -> Origin: ...

    def picture_value(self, key: str) -> object:
        """One key of :class:`~flickrsync.choosing.PictureSettings`, read and checked (its
        default when it is not set, or bad)."""
        kind, *bounds = KEY_KINDS[key]
        default: Any = PictureSettings.defaults()[key]
        if kind == "bool":
            return self.get_bool(key, bool(default))
        if kind == "int":
            value = self.get_int(key, int(default), *bounds)
            if key == "resize" and 0 < value < MIN_RESIZE:
                hint = f"give the long edge in pixels, at least {MIN_RESIZE} (0: no resizing)"
                self.fail(ConfigError(f"{self.where(key)} = {value} is too small", hint=hint))
                return default
            return value
        if key in self.merged and kind == "sources":
            try:
                return parse_sources(self.get(key), bounds[0])
            except ValueError as exc:
                known = ", ".join(bounds[0])
                self.fail(ConfigError(f"{self.where(key)}: {exc}", hint=f"use some of {known}"))
        return self.get(key) if key in self.merged and kind == "str" else default

    def pictures(self) -> PictureSettings:
        """The profile's settings for every picture, with where each came from."""
        values = {key: self.picture_value(key) for key in PROFILE_PICTURE_KEYS}
        origins = tuple((key, str(self.origin(key))) for key in PROFILE_PICTURE_KEYS if key in self.merged)
        return PictureSettings(**values, origins=origins)  # type: ignore[arg-type]

    def folder_rules(self) -> tuple[FolderRule, ...]:
        """The ``[folder:GLOB]`` sections, each with the values it sets (checked here)."""
        from flickrsync.config import Overrides  # noqa: PLC0415 - config imports this module

        rules = []
        for position, section in enumerate(s for s in self.config.parser.sections() if is_folder_section(s)):
            own = self.config.section(section)
            reader = type(self)(self.config, self.home, section, {}, own, Overrides(), self.collect)
            keys = [k for k in own if k in FOLDER_KEYS]
            values = tuple((k, reader.picture_value(k), str(reader.origin(k))) for k in keys)
            self.errors += reader.errors
            if glob := section[len(FOLDER_PREFIX) :].strip().strip("/"):
                rules.append(FolderRule(glob, values, position))
        return tuple(rules)
