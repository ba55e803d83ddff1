"""Choosing per photo (issue 12): the settings that apply to a picture's folder, and what its
upload says — title, description and tags.

Charter: pure rules, plain data in and out (no I/O: config.py parses the ``[folder:GLOB]``
sections into :class:`FolderRule` records, the engine hands in the picture's own metadata read by
the scanner). The planner asks here, once per upload:

* :func:`settings_for` — the :class:`PictureSettings` of a folder: the profile's values, each
  replaced by the most specific ``[folder:GLOB]`` section that sets it, with where each value
  came from (``flickrsync inspect FILE`` shows them);
* :func:`upload_text` — title, description and tags from the picture's metadata in the orders
  ``title_from``, ``description_from``, ``tags_from`` (the file name as the title when no source
  has one, flickrsync 0.1.1's rule), cut to Flickr's limits with a warning per cut;
* :func:`upload_tags` — the tags an upload carries: flickrsync's machine tag first, each tag once.

Folder globs are matched against the picture's folder relative to its pictures root, with
``fnmatch`` rules (``*`` also crosses ``/``, case-sensitive), and a glob that matches a folder
covers everything under it — as ``photoset_exclude`` and ``groups`` globs do. The most specific
glob wins: the one with the most literal characters (``Trips/2019`` over ``Trips/*`` over
``Trips`` over ``*``); between two as specific, the later section of config.ini.
"""

from __future__ import annotations

import dataclasses
import difflib
import re
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from fnmatch import fnmatchcase
from typing import Any

from flickrsync.fingerprint import (
    DESCRIPTION_FROM,
    LIST_SOURCES,
    TAGS_FROM,
    TEXT_SOURCES,
    TITLE_FROM,
    ListSource,
    PictureMeta,
    TextSource,
    choose_tags,
    choose_text,
    fit_for_flickr,
)
from flickrsync.matcher import MatchResult
from flickrsync.matcher.keys import OUR_TAG_PREFIX, displayed_size, resized_size
from flickrsync.models import (
    ContentId,
    LocalPath,
    LocalPicture,
    Resize,
    UploadOptions,
    content_tag,
)
from flickrsync.tags import clean_tag, parse_tags

#: Tags per photo on Flickr, flickrsync's machine tag included.
MAX_TAGS = 75
#: ``resize_quality`` when config.ini does not set it: a JPEG quality that keeps a photo's detail
#: (Pillow's default, 75, shows blocks in skies).
DEFAULT_RESIZE_QUALITY = 90
#: Where a value came from when nothing set it.
DEFAULT_ORIGIN = "default"


@dataclass(frozen=True, slots=True)
class PictureSettings:
    """What applies to the pictures of one folder (the profile's settings, then its
    ``[folder:GLOB]`` sections). Field names are config.ini's keys."""

    is_public: bool = False
    is_friend: bool = False
    is_family: bool = False
    #: 1 safe, 2 moderate, 3 restricted.
    safety_level: int = 1
    #: 1 photo, 2 screenshot, 3 other.
    content_type: int = 1
    #: 1 shown in global search, 2 hidden from it.
    hidden: int = 2
    #: Tags added to every upload (a raw Flickr tags string).
    extra_tags: str = ""
    #: Long edge of the uploaded copy in pixels; 0: the file is uploaded as it is.
    resize: int = 0
    resize_quality: int = DEFAULT_RESIZE_QUALITY
    #: The picture's metadata sources for the title, description and tags, in order.
    title_from: tuple[TextSource, ...] = TITLE_FROM
    description_from: tuple[TextSource, ...] = DESCRIPTION_FROM
    tags_from: tuple[ListSource, ...] = TAGS_FROM
    #: The folder takes no part: its pictures are never uploaded, tagged or put in an album.
    ignore: bool = False
    #: Where each value came from, by key (``[folder:Trips/*] line 12``, ``[DEFAULT] line 5``);
    #: a key not listed has its default.
    origins: tuple[tuple[str, str], ...] = ()

    @property
    def upload(self) -> UploadOptions:
        """The upload API's fields of this kind (sent with every upload as they are)."""
        return UploadOptions(
            is_public=self.is_public,
            is_friend=self.is_friend,
            is_family=self.is_family,
            safety_level=self.safety_level,
            content_type=self.content_type,
            hidden=self.hidden,
        )

    @property
    def resize_to(self) -> Resize | None:
        return Resize(self.resize, self.resize_quality) if self.resize else None

    def origin(self, key: str) -> str:
        return dict(self.origins).get(key, DEFAULT_ORIGIN)

    @classmethod
    def defaults(cls) -> dict[str, Any]:
        """Each key's value when nothing sets it."""
        return {f.name: f.default for f in dataclasses.fields(cls)}


#: Keys a ``[folder:GLOB]`` section may set: every field of :class:`PictureSettings`.
FOLDER_KEYS: tuple[str, ...] = tuple(
    f.name for f in dataclasses.fields(PictureSettings) if f.name != "origins"
)
#: What each key of config.ini takes: ``("bool",)``, ``("int", low, high)``, ``("str",)``, or
#: ``("sources", the sources known)``. config.py reads and checks them.
KEY_KINDS: Mapping[str, tuple[Any, ...]] = {
    "is_public": ("bool",),
    "is_friend": ("bool",),
    "is_family": ("bool",),
    "ignore": ("bool",),
    "safety_level": ("int", 1, 3),
    "content_type": ("int", 1, 3),
    "hidden": ("int", 1, 2),
    "extra_tags": ("str",),
    "resize": ("int", 0, 100_000),
    "resize_quality": ("int", 1, 100),
    "title_from": ("sources", TEXT_SOURCES),
    "description_from": ("sources", TEXT_SOURCES),
    "tags_from": ("sources", LIST_SOURCES),
}
#: The smallest ``resize`` accepted (a thumbnail is no backup).
MIN_RESIZE = 100


def parse_sources(raw: str, known: Sequence[str]) -> tuple[str, ...]:
    """A list of metadata sources (``XMP-dc:Title, IPTC:ObjectName``; commas or blanks between
    them, any case), each once; empty: none. Raises ValueError naming an unknown one."""
    by_name = {name.casefold(): name for name in known}
    found = []
    for word in re.split(r"[,\s]+", raw.strip()):
        if not word:
            continue
        name = by_name.get(word.casefold())
        if name is None:
            close = difflib.get_close_matches(word, known, n=1)
            guess = f" (did you mean `{close[0]}`?)" if close else ""
            raise ValueError(f"{word!r} is not a metadata source here{guess}")
        found.append(name)
    return tuple(dict.fromkeys(found))


@dataclass(frozen=True, slots=True)
class FolderRule:
    """One ``[folder:GLOB]`` section: its glob, and the values it sets (already checked by
    config.py), each with the line it came from."""

    glob: str
    #: ``(key, value, origin)``; keys are :data:`FOLDER_KEYS`.
    values: tuple[tuple[str, Any, str], ...]
    #: The section's position in config.ini (a later section wins a tie).
    position: int = 0

    def matches(self, folder: str) -> bool:
        """The glob matches ``folder`` or a folder above it (``""`` is the root)."""
        return any(fnmatchcase(a, self.glob) for a in ancestors(folder))

    @property
    def specificity(self) -> tuple[int, int]:
        return (literal_chars(self.glob), self.position)


def ancestors(folder: str) -> list[str]:
    """``a/b/c`` -> ``["a", "a/b", "a/b/c"]``; the root -> ``[""]``."""
    if not folder:
        return [""]
    parts = folder.split("/")
    return ["/".join(parts[: i + 1]) for i in range(len(parts))]


def literal_chars(glob: str) -> int:
    """Characters of a glob that are not wildcards (``*``, ``?``, ``[...]``)."""
    count = 0
    i = 0
    while i < len(glob):
        char = glob[i]
        if char == "[":
            end = glob.find("]", i + 2)
            if end > 0:
                i = end + 1
                continue
        if char not in "*?":
            count += 1
        i += 1
    return count


def settings_for(folder: str, base: PictureSettings, rules: Sequence[FolderRule]) -> PictureSettings:
    """The settings of the pictures in ``folder`` (relative to the root): for each key, the value
    of the most specific matching ``[folder:GLOB]`` section that sets it, else ``base``'s."""
    matching = sorted((r for r in rules if r.matches(folder)), key=lambda r: r.specificity)
    if not matching:
        return base
    changes: dict[str, Any] = {}
    origins = dict(base.origins)
    for rule in matching:  # least specific first: a more specific one overwrites
        for key, value, origin in rule.values:
            changes[key] = value
            origins[key] = origin
    return dataclasses.replace(base, **changes, origins=tuple(sorted(origins.items())))


class FolderSettings:
    """:func:`settings_for` with its answers remembered per folder (a library has far fewer
    folders than pictures)."""

    def __init__(self, base: PictureSettings = PictureSettings(), rules: Sequence[FolderRule] = ()) -> None:
        self.base = base
        self.rules = tuple(rules)
        self._known: dict[str, PictureSettings] = {}

    def __call__(self, folder: str) -> PictureSettings:
        found = self._known.get(folder)
        if found is None:
            found = self._known[folder] = settings_for(folder, self.base, self.rules)
        return found

    def any(self, key: str) -> bool:
        """Some folder may have a true value for ``key`` (``resize``, ``ignore``)."""
        return bool(getattr(self.base, key)) or any(
            k == key and v for r in self.rules for k, v, _o in r.values
        )


# --- what an upload says ---------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class UploadText:
    """The title, description and tags (besides flickrsync's machine tag) of one upload."""

    title: str
    description: str
    #: Extra tags and the picture's keywords, each once, cut to what Flickr takes.
    tags: tuple[str, ...]
    #: Where the title, description and keywords came from: a metadata source (``XMP-dc:Title``,
    #: ``… (sidecar)``), ``file name``, or None when there is none.
    title_from: str
    description_from: str | None = None
    tags_from: str | None = None
    #: What had to be cut or left out, one line each.
    warnings: tuple[str, ...] = ()


def upload_text(stem: str, meta: PictureMeta | None, settings: PictureSettings) -> UploadText:
    """Title, description and tags of an upload from the picture's own metadata (``meta``; None
    when it has none) in the orders of ``settings``, plus the configured extra tags. The title
    falls back to the file name without extension (``stem``)."""
    title, title_from = stem, "file name"
    description, description_from = "", None
    keywords: tuple[str, ...] = ()
    tags_from = None
    if meta is not None and (meta.texts or meta.lists):  # most files carry none: nothing to choose
        if chosen := choose_text(meta, settings.title_from):
            title, title_from = chosen[0], _source(chosen[1].source, chosen[1].sidecar)
        if chosen := choose_text(meta, settings.description_from):
            description, description_from = chosen[0], _source(chosen[1].source, chosen[1].sidecar)
        if found := choose_tags(meta, settings.tags_from):
            keywords, tags_from = found[0], _source(found[1].source, found[1].sidecar)
    extra = parse_tags(settings.extra_tags)
    fitted = fit_for_flickr(title, description, [*extra, *keywords])
    warnings = list(fitted.warnings)
    if not fitted.title.strip():
        fitted = dataclasses.replace(fitted, title=stem)
    return UploadText(
        title=fitted.title,
        description=fitted.description,
        tags=fitted.tags,
        title_from=title_from,
        description_from=description_from,
        tags_from=tags_from,
        warnings=tuple(warnings),
    )


def edited_text(title: str, description: str, tags: Sequence[str]) -> UploadText:
    """An upload's title, description and tags as a plan file gives them, cut to Flickr's
    limits the same way."""
    fitted = fit_for_flickr(title, description, tags)
    return UploadText(fitted.title, fitted.description, fitted.tags, "plan", "plan", "plan", fitted.warnings)


def _source(source: str, sidecar: bool) -> str:
    return f"{source} (sidecar)" if sidecar else source


def upload_tags(content_id: ContentId, extra_tags: str = "", keywords: Iterable[str] = ()) -> tuple[str, ...]:
    """The tags an upload carries, each once: our machine tag first, then the configured extra
    tags (a raw Flickr tags string) and the picture's keywords, in their order, at most
    :data:`MAX_TAGS` in all. The one decision on an upload's tags; the client sends exactly these.

    Tags that Flickr would keep as one (same clean form: ``New York`` and ``newyork``) are sent
    once, the first spelling; a tag in our own ``flickrsync:imagehash=`` namespace is dropped (it
    would claim the photo is another picture)."""
    ours = content_tag(content_id)
    tags = [ours]
    seen = {clean_tag(ours)}
    for tag in (*parse_tags(extra_tags), *keywords):
        key = clean_tag(tag)
        if not key or key in seen or key.startswith(OUR_TAG_PREFIX):
            continue
        seen.add(key)
        tags.append(tag)
        if len(tags) == MAX_TAGS:
            break
    return tuple(tags)


def user_tags(tags: Sequence[str], content_id: ContentId) -> tuple[str, ...]:
    """An upload's tags without flickrsync's own machine tag (what a plan file shows and lets a
    user edit)."""
    ours = content_tag(content_id)
    return tuple(t for t in tags if t != ours)


def privacy(options: UploadOptions) -> str:
    """Who may see a photo, in one word (a plan file's ``privacy``)."""
    if options.is_public:
        return "public"
    if options.is_friend and options.is_family:
        return "friends+family"
    if options.is_friend:
        return "friends"
    if options.is_family:
        return "family"
    return "private"


#: Every ``privacy`` a plan file may give, and the flags it stands for.
PRIVACY: Mapping[str, tuple[bool, bool, bool]] = {
    "public": (True, False, False),
    "friends+family": (False, True, True),
    "friends": (False, True, False),
    "family": (False, False, True),
    "private": (False, False, False),
}


def with_privacy(options: UploadOptions, word: str) -> UploadOptions:
    """``options`` with who may see the photo set from a plan file's ``privacy``."""
    public, friend, family = PRIVACY[word]
    return dataclasses.replace(options, is_public=public, is_friend=friend, is_family=family)


# --- ignored paths, resize -------------------------------------------------------------------


def is_ignored_path(relpath: str, ignored: Collection[str]) -> bool:
    """``relpath`` (relative to its root) is an ignored file, or under an ignored folder."""
    if not ignored:
        return False
    return any(a in ignored for a in ancestors(relpath))


def uploadable_path(
    picture: LocalPicture, folders: FolderSettings, ignored: Collection[str] = ()
) -> tuple[LocalPath, PictureSettings] | None:
    """The path a picture is uploaded from — its first path that is neither ignored nor in a
    folder that says ``ignore`` — and the settings of its folder; None when there is none."""
    for path in picture.paths:
        if not left_out(path, folders, ignored):
            return path, folders(path.folder)
    return None


def left_out(path: LocalPath, folders: FolderSettings, ignored: Collection[str] = ()) -> bool:
    """``path`` takes no part: it is on the ignore list (itself or a folder above it), or in a
    folder that says ``ignore``."""
    return is_ignored_path(path.relpath, ignored) or folders(path.folder).ignore


def taking_part(
    local: Sequence[LocalPicture],
    match: MatchResult,
    folders: FolderSettings,
    ignored: Collection[ContentId] = (),
    ignored_paths: Collection[str] = (),
) -> tuple[list[LocalPicture], MatchResult]:
    """The pictures that take part in photosets, and their matches: not those the user ignores
    (their photos stay where they are, as Flickr-only ones do), and of the others only the paths
    not left out (:func:`left_out`)."""
    if not ignored and not ignored_paths and not folders.any("ignore"):
        return list(local), match
    kept: list[LocalPicture] = []
    for picture in local:
        if picture.content_id in ignored:
            continue
        keep = tuple(p for p in picture.paths if not left_out(p, folders, ignored_paths))
        if keep:
            kept.append(dataclasses.replace(picture, paths=keep) if keep != picture.paths else picture)
    cids = {p.content_id for p in kept}
    return kept, dataclasses.replace(match, matches=tuple(m for m in match.matches if m.content_id in cids))


#: Formats a smaller copy can be made of (decoded by Pillow or pillow-heif, sent as a JPEG).
RESIZABLE = frozenset({"jpeg", "mpo", "png", "tiff", "webp", "heic", "heif", "avif"})


def resize_for(picture: LocalPicture, settings: PictureSettings) -> Resize | None:
    """The smaller copy an upload of ``picture`` sends under ``settings``; None: the file as it
    is (resize off, a video or a format that cannot be re-encoded, or no larger than asked)."""
    resize = settings.resize_to
    if resize is None or picture.media != "photo" or picture.format not in RESIZABLE:
        return None
    known = picture.width is not None and picture.height is not None
    if known and resized_size(picture.width or 0, picture.height or 0, resize.long_edge) is None:
        return None
    return resize


def upload_size(picture: LocalPicture, resize: Resize | None) -> tuple[int, int] | None:
    """The pixel size Flickr will hold as the original of an upload of ``picture`` sent with
    ``resize`` (the copy is turned upright, so its size is as shown); None when it is sent as it
    is or the size is unknown."""
    if resize is None or not picture.width or not picture.height:
        return None
    shown = displayed_size(picture.width, picture.height, picture.orientation)
    return resized_size(*shown, resize.long_edge)
