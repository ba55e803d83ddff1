"""Pure planner: a complete match + options -> :class:`~flickrsync.models.Plan`.

Charter: decide *what* a sync run does — uploads, machine tags to add, downloads and where they
land — without doing any of it. No I/O: only the arguments are read (the two indexes as
:mod:`flickrsync.models` records, the :class:`~flickrsync.matcher.MatchResult`, the sets, options
and counts the scanner passes in). The executor runs the plan; ``--dry-run`` renders it. Each
decision is one small function with a reason, like rclone's ``NeedTransfer``.

* **Uploads** (``sync``, ``sync2``): one per picture on no Flickr photo — duplicates on disk once,
  from the first path that is not ignored; what the upload says (title, description and tags
  from the picture's own metadata, else the file name; who may see it; a smaller copy) follows
  the settings of that path's folder (:mod:`flickrsync.choosing`, which owns those rules and the
  upload's tags: our machine tag, the configured extra tags, the keywords). Pictures downloaded
  from Flickr (``flickr_id``) are never uploaded back, even if the photo has since been deleted
  on Flickr; pictures the user ignores are counted, never uploaded or tagged. Files that cannot
  be read are *failed*, never silently skipped; so are pictures over the account's size limits.
* **Tags** (``sync``, ``sync2``): a photo matched by a weaker rule (checksum, title+date, date,
  look, original) gets our machine tag, so the next run matches it by the strongest key.
  ``download`` writes nothing to Flickr.
* **Downloads** (``sync2``, ``download``): each Flickr photo with no local copy, into a folder per
  photoset (see :func:`download_folder`) or the configured folder, under a file name made from the
  title by :func:`safe_component` — always a fresh relative path inside the first root.
* **Safety stop**: ``sync2``/``download`` refuse to plan downloads into a library that is missing,
  empty, or lost most of its indexed files (an unmounted drive) unless ``force``.

Photoset changes are planned by :func:`flickrsync.photosets.plan_photosets` on the state after
transfers; :func:`flickrsync.preview.preview_after_transfers` gives that state, with stand-in
ids, for a dry run.
"""

from __future__ import annotations

import calendar
import posixpath
import re
import time
import unicodedata
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, fields, replace
from types import MappingProxyType

from flickrsync.choosing import (
    DEFAULT_ORIGIN,
    FolderRule,
    FolderSettings,
    PictureSettings,
    resize_for,
    upload_tags,
    upload_text,
    uploadable_path,
)
from flickrsync.fingerprint import PictureMeta
from flickrsync.matcher import Match, MatchResult, content_ids_in_tags, exact_date, remote_date
from flickrsync.models import (
    DOWNLOAD_MODES,
    FREE_ITEMS,
    FREE_NONPUBLIC,
    UPLOAD_MODES,
    Action,
    AddTags,
    ContentId,
    Download,
    FailedItem,
    LocalFile,
    LocalPath,
    LocalPicture,
    Media,
    PhotoId,
    PhotosetId,
    Plan,
    PlanSummary,
    RemotePhoto,
    RemoteSet,
    Replace,
    ScanIssue,
    SetAction,
    SetDateTaken,
    SyncMode,
    Upload,
    UploadLimits,
    content_tag,
)
from flickrsync.photosets import (
    NO_MEMORY,
    PhotosetPlanOptions,
    SetMemory,
    bind_sets,
    is_tool_made,
    summarize_sets,
)

#: Bytes a path component may have on common file systems (ext4, APFS, NTFS in UTF-16 units).
MAX_COMPONENT_BYTES = 255
#: Room kept in a file name for a collision suffix such as `` (123)`` (:func:`numbered`).
SUFFIX_ROOM = 10
#: A folder path made from a set title is at most this deep and this long, else it is flattened.
MAX_FOLDER_DEPTH = 16
MAX_FOLDER_BYTES = 1024

_WINDOWS_RESERVED = frozenset(
    {"CON", "PRN", "AUX", "NUL"} | {f"COM{i}" for i in "0123456789¹²³"} | {f"LPT{i}" for i in "0123456789¹²³"}
)
_FORBIDDEN = frozenset('/\\<>:"|?*')
#: What :func:`safe_component` replaces in ASCII text: the forbidden characters and the control
#: characters (ASCII's only ones of the categories it replaces).
_ASCII_UNSAFE = str.maketrans(dict.fromkeys([*_FORBIDDEN, *map(chr, range(32)), "\x7f"], "_"))
_EXT = re.compile(r"[a-z0-9]{1,8}")
#: Spellings of one format that count as "the title already has the extension".
_SAME_FORMAT = {"jpg": {"jpg", "jpeg", "jpe"}, "tif": {"tif", "tiff"}, "mpg": {"mpg", "mpeg"}}


@dataclass(frozen=True, slots=True)
class LibraryState:
    """What the scanner and index know about the library, for the safety stop."""

    root_exists: bool = True
    #: Files the index held before this scan, and how many of them this scan did not find.
    previously_indexed: int = 0
    vanished: int = 0
    #: Photos this run would count as deleted locally (synced pictures no file holds any more).
    deleted_locally: int = 0


@dataclass(frozen=True, slots=True)
class PlanOptions:
    """How to plan (from Settings and the command line)."""

    mode: SyncMode = "sync"
    #: The first pictures root: downloads go under it.
    root: str = "."
    #: What applies to the pictures of every folder (privacy, extra tags, resize, the metadata
    #: sources of titles, descriptions and tags), unless a ``[folder:GLOB]`` section says otherwise.
    pictures: PictureSettings = PictureSettings()
    folders: tuple[FolderRule, ...] = ()
    #: Pictures the user ignores (``flickrsync ignore``): never uploaded or tagged.
    ignored: frozenset[ContentId] = frozenset()
    #: Files and folders the user ignores, relative to a pictures root: never uploaded from.
    ignored_paths: frozenset[str] = frozenset()
    #: Folder (relative to the root) for downloaded photos that are in no photoset.
    download_folder: str = "Flickr"
    #: ``--force``: plan downloads even when the safety stop would refuse.
    force: bool = False
    photosets: PhotosetPlanOptions = field(default_factory=PhotosetPlanOptions)
    #: flickr.people.getUploadStatus, when known: size limits and room left on the account.
    limits: UploadLimits | None = None
    #: Photos brought back by ``--restore``: the path their picture had, where the download goes
    #: when it is free (else where any download of the photo would go).
    restore_paths: Mapping[PhotoId, LocalPath] = field(default_factory=dict)
    #: Pictures ``--restore`` uploads again although they came from Flickr (their photo was
    #: deleted there): otherwise such a picture is never uploaded back.
    restore_uploads: frozenset[ContentId] = frozenset()

    def folder_settings(self) -> FolderSettings:
        return FolderSettings(self.pictures, self.folders)


# --- safe names ------------------------------------------------------------------------------


def _truncate_utf8(text: str, max_bytes: int) -> str:
    return text.encode("utf-8")[: max(max_bytes, 0)].decode("utf-8", errors="ignore")


def safe_component(text: str, max_bytes: int = MAX_COMPONENT_BYTES) -> str:
    """One file or folder name from arbitrary text (a Flickr title): no separators, no control
    characters or NUL, none of ``<>:"|?*``, no leading dots (no ``.``/``..``, no hidden files),
    no trailing dots or spaces, no Windows reserved name (``CON``, ``com1.jpg`` …), at most
    ``max_bytes`` UTF-8 bytes. May return ``""``: the caller picks a fallback."""
    if text.isascii():  # most titles: one table, the same answer as the look-up per character
        name = text.translate(_ASCII_UNSAFE)
    else:
        text = unicodedata.normalize("NFC", text)
        unsafe = ("Cc", "Cs", "Zl", "Zp")
        name = "".join("_" if c in _FORBIDDEN or unicodedata.category(c) in unsafe else c for c in text)
    name = name.strip().lstrip(".").strip()
    name = _truncate_utf8(name, max_bytes).rstrip(". ")
    base, dot, rest = name.partition(".")
    if base.rstrip(" ").upper() in _WINDOWS_RESERVED:
        name = _truncate_utf8(base.rstrip(" ") + "_" + dot + rest, max_bytes).rstrip(". ")
    return name


def is_safe_relpath(relpath: str) -> bool:
    """A relative POSIX path that stays inside its root: no absolute path, no empty, ``.`` or
    ``..`` component, no NUL, no backslash."""
    if not relpath or relpath.startswith("/") or "\x00" in relpath or "\\" in relpath:
        return False
    return all(part not in ("", ".", "..") for part in relpath.split("/"))


def _safe_folder(parts: Iterable[str]) -> str:
    """A relative folder from name parts, each made safe; ``""`` when nothing is left."""
    components = [c for c in (safe_component(p) for p in parts) if c]
    folder = "/".join(components[:MAX_FOLDER_DEPTH])
    if len(folder.encode("utf-8")) > MAX_FOLDER_BYTES:
        folder = _truncate_utf8(folder, MAX_FOLDER_BYTES)
        folder = "/".join(c for c in (safe_component(p) for p in folder.split("/")) if c)
    return folder


def _extension(photo: RemotePhoto) -> str:
    fmt = (photo.original_format or "").lower()
    if _EXT.fullmatch(fmt):
        return fmt
    return "mp4" if photo.media == "video" else "jpg"


def download_name(photo: RemotePhoto) -> tuple[str, str]:
    """(stem, extension) of a downloaded file: the title made safe, the extension from
    ``originalformat``. A title that already ends with that extension (``IMG_1.JPG``) keeps its
    spelling; an empty or unusable title becomes the photo id."""
    ext = _extension(photo)
    title = photo.title.strip()
    head, dot, tail = title.rpartition(".")
    if dot and head.strip() and tail.lower() in _SAME_FORMAT.get(ext, {ext}):
        title, ext = head, (tail if _EXT.fullmatch(tail.lower()) else ext)
    budget = MAX_COMPONENT_BYTES - len(ext.encode("utf-8")) - 1 - SUFFIX_ROOM
    stem = safe_component(title, budget) or safe_component(photo.id, budget) or "photo"
    return stem, ext


# --- where downloads go ----------------------------------------------------------------------


def _set_rank(s: RemoteSet) -> tuple[bool, int, int, str]:
    """The "first" set of a photo: tool-made sets first, then the oldest."""
    return (not is_tool_made(s.photoset), s.photoset.date_create, len(s.photoset.id), s.photoset.id)


def download_folders(
    local: Sequence[LocalPicture],
    match: MatchResult,
    sets: Sequence[RemoteSet],
    options: PlanOptions,
    memory: SetMemory = NO_MEMORY,
) -> dict[PhotosetId, str]:
    """Each set -> the folder (relative to the root) its photos are downloaded into.

    The folder the set is linked to in this library (remembered, or bound now), whatever its
    title says; else, for a tool-made set, its title split back at the separator (``2014,
    Holiday`` -> ``2014/Holiday``), and for any other set one folder named after its title.
    Every folder is made safe; ``""`` means the root (the root set)."""
    if not sets:
        return {}  # binding the library's folders (a pass over every picture) would answer nothing
    binding = bind_sets(local, match, sets, options.photosets, memory)
    folders: dict[PhotosetId, str] = {}
    sep = options.photosets.separator
    for s in sets:
        sid, title = s.photoset.id, s.photoset.title
        linked = memory.links.get(sid, binding.bound.get(sid))
        if linked is not None and (linked == "" or is_safe_relpath(linked)):
            folders[sid] = linked
            continue
        if is_tool_made(s.photoset):
            folder = _safe_folder(title.split(sep) if sep else [title])
        else:
            folder = _safe_folder([title])
        folders[sid] = folder or _default_folder(options)
    return folders


def _default_folder(options: PlanOptions) -> str:
    return _safe_folder(options.download_folder.replace("\\", "/").split("/")) or "Flickr"


def path_key(relpath: str) -> str:
    """Paths (or names) that would be one file on a case-insensitive or normalising file system:
    the one rule for new names the plan takes and for the sidecar names looked for
    (:mod:`flickrsync.localmeta`)."""
    return unicodedata.normalize("NFC", relpath).casefold()


def numbered(name: str, n: int) -> str:
    """The ``n``-th name tried for a new file called ``name``: ``name`` itself, then
    ``stem (2).ext``, ``stem (3).ext`` … (how browsers and file managers avoid a clash). Used for
    names taken within a plan here, and for names taken on disk by :mod:`flickrsync.library`."""
    if n == 1:
        return name
    stem, dot, ext = name.rpartition(".")
    if not dot or not stem:
        return f"{name} ({n})"
    return f"{stem} ({n}).{ext}"


def _fresh_path(folder: str, stem: str, ext: str, taken: set[str]) -> str:
    """``folder/stem.ext``, or ``stem (2).ext`` … when that is taken (case-insensitively)."""
    n = 1
    while True:
        name = numbered(f"{stem}.{ext}", n)
        relpath = f"{folder}/{name}" if folder else name
        if path_key(relpath) not in taken:
            taken.add(path_key(relpath))
            return relpath
        n += 1


# --- decisions -------------------------------------------------------------------------------


def upload_refusal(picture: LocalPicture, limits: UploadLimits | None) -> str | None:
    """Why this picture cannot be uploaded at all (None: it can), whatever else is uploaded."""
    if not picture.paths:
        return "no path holds this picture any more"
    if limits is None:
        return None
    limit = limits.max_video_bytes if picture.media == "video" else limits.max_photo_bytes
    if limit and picture.size > limit:
        return f"too large for this Flickr account ({picture.size:,} bytes > {limit:,} for a {picture.media})"
    return None


@dataclass
class _Room:
    """What the account can still take (None: no limit): items, videos, non-public items.
    The one place that knows Flickr's upload limits besides the file sizes (REFERENCE §5.3)."""

    items: int | None
    videos: int | None
    nonpublic: int | None

    @classmethod
    def of(cls, limits: UploadLimits | None) -> _Room:
        if limits is None:
            return cls(None, None, None)
        return cls(limits.remaining_items, limits.remaining_videos, limits.remaining_private)

    def refusal(self, media: Media, public: bool) -> str | None:
        """Why one more upload would not fit (None: it fits)."""
        if self.items is not None and self.items <= 0:
            return f"the Flickr account has no room left for more photos (free accounts hold {FREE_ITEMS:,})"
        if media == "video" and self.videos is not None and self.videos <= 0:
            return "the Flickr account may upload no more videos"
        if not public and self.nonpublic is not None and self.nonpublic <= 0:
            return (
                "the Flickr account has no room left for non-public items "
                f"(free accounts hold {FREE_NONPUBLIC}; set is_public = 1 or go Pro)"
            )
        return None

    def take(self, media: Media, public: bool) -> None:
        if self.items is not None:
            self.items -= 1
        if media == "video" and self.videos is not None:
            self.videos -= 1
        if not public and self.nonpublic is not None:
            self.nonpublic -= 1


def needs_tag(match: Match, photo: RemotePhoto, *, tags_full: bool = False) -> bool:
    """A photo matched by a weaker rule than our machine tag lacks it. Not for ``flickr_id``: the
    index already links a downloaded picture to its photo (``download`` writes nothing to Flickr,
    and ``sync2`` does not tag what it has just downloaded). Never for an unconfirmed match (a
    video's title and date taken): the tag would make a guess permanent. Not for a photo that
    refused it (``tags_full``: as many tags as Flickr allows, and unchanged since): it is matched
    by the same evidence on every run instead."""
    if match.rule == "flickr_id" or not match.confirmed or tags_full:
        return False
    tag = content_tag(match.content_id)
    if tag in photo.machine_tags or tag in photo.tags:
        return False
    return match.content_id not in content_ids_in_tags(photo)


def video_date(picture: LocalPicture) -> str | None:
    """The date taken an upload sets with flickr.photos.setDates: a video's own (Flickr ignores
    the capture date of a video file and fills in the upload time), exact to the second. None
    for photos (Flickr reads their EXIF date) and for videos without a date."""
    return exact_date(picture.date_taken) if picture.media == "video" else None


def needs_date(picture: LocalPicture, photo: RemotePhoto) -> str | None:
    """The date taken to set on a matched video whose Flickr date is one Flickr filled in (no
    date, or the upload time in some time zone): an upload's own setDates that did not happen.
    A date the user set on Flickr is never overwritten."""
    date = video_date(picture)
    if date is None or photo.media != "video":
        return None
    theirs = remote_date(photo)
    if theirs == date:
        return None
    if theirs is not None and not is_upload_time(theirs, photo.date_upload):
        return None
    return date


def is_upload_time(date_taken: str, date_upload: int) -> bool:
    """Does this date taken look like Flickr's stand-in for a missing one: the upload time as
    wall-clock time in some zone (at most 14 hours off UTC, in quarter hours)?"""
    try:
        wall = calendar.timegm(time.strptime(date_taken, "%Y-%m-%d %H:%M:%S"))
    except (ValueError, OverflowError):
        return False
    offset = wall - date_upload
    return date_upload > 0 and abs(offset) <= 14 * 3600 and offset % 900 == 0


def safety_refusal(
    local: Sequence[LocalPicture],
    problems: Sequence[LocalFile],
    library: LibraryState,
    options: PlanOptions,
    downloads: int,
) -> str | None:
    """Why downloading now would be unwise (None: go ahead). Only for sync2/download: a library
    that looks unmounted would get the whole account downloaded into the mount point, or its
    synced pictures all counted as deleted locally."""
    if options.force or options.mode == "sync" or downloads + library.deleted_locally == 0:
        return None
    tip = "check the drive is mounted and `directory` is right, or use --force"
    refusing = f"refusing to download {downloads} photos ({tip})"
    if library.deleted_locally:
        refusing = (
            f"refusing to download {downloads} photos and to count {library.deleted_locally} "
            f"synced pictures as deleted here ({tip})"
        )
    if not library.root_exists:
        return f"the pictures folder {options.root} does not exist: {refusing}"
    if not local and not problems:
        return f"the pictures folder {options.root} is empty: {refusing} — that would be the whole account"
    if library.previously_indexed and library.vanished * 2 > library.previously_indexed:
        return (
            f"{library.vanished} of the {library.previously_indexed} files indexed before are gone from "
            f"{options.root}: {refusing}"
        )
    return None


# --- the planner -----------------------------------------------------------------------------

#: The path a picture is uploaded from and the settings of its folder.
UploadSource = tuple[LocalPath, PictureSettings]


def upload_sources(
    match: MatchResult, pictures: Mapping[ContentId, LocalPicture], options: PlanOptions
) -> dict[ContentId, UploadSource]:
    """The pictures on no Flickr photo that may be uploaded, and where from: not those that
    came from Flickr (unless ``--restore`` brings them back), not those the user ignores, not
    those without a path that takes part (:func:`flickrsync.choosing.uploadable_path`). Whether
    each fits the account is :func:`plan_sync`'s to say; the engine reads the metadata of these."""
    folders = options.folder_settings()
    sources: dict[ContentId, UploadSource] = {}
    for cid in match.local_only:
        picture = pictures[cid]
        if _from_flickr(picture, options) or cid in options.ignored:
            continue
        source = uploadable_path(picture, folders, options.ignored_paths)
        if source is not None:
            sources[cid] = source
    return sources


def _from_flickr(picture: LocalPicture, options: PlanOptions) -> bool:
    """Downloaded from Flickr, so never uploaded back (unless ``--restore`` uploads it again)."""
    return picture.flickr_id is not None and picture.content_id not in options.restore_uploads


def plan_sync(
    match: MatchResult,
    local: Sequence[LocalPicture],
    remote: Sequence[RemotePhoto],
    options: PlanOptions = PlanOptions(),
    *,
    sets: Sequence[RemoteSet] = (),
    problems: Sequence[LocalFile] = (),
    library: LibraryState = LibraryState(),
    existing: Collection[str] = (),
    set_memory: SetMemory = NO_MEMORY,
    metadata: Mapping[LocalPath, PictureMeta] = MappingProxyType({}),
    tags_full: Collection[PhotoId] = (),
    issues: Sequence[ScanIssue] = (),
    sources: Mapping[ContentId, UploadSource] | None = None,
) -> Plan:
    """Plan uploads, tags and downloads. Pure; the result does not depend on input order.

    ``sets`` place downloads in set folders (those ``set_memory`` links, else see
    :func:`download_folders`); ``problems`` are files that could not be used (they become failed
    items); ``existing`` are other relative paths under the root a download must not take;
    ``metadata`` is what the files to upload say about themselves (title, description, keywords:
    read by the scanner, merged with their sidecars); ``tags_full`` are photos that refused our
    machine tag (see :func:`needs_tag`); ``issues`` what the scan could not do (a folder it could
    not list, a path over the system's limit: the problem ones are failed items, as the scan
    counts them); ``sources`` what :func:`upload_sources` gave for these arguments, when the
    caller asked it already. Raises ValueError if ``match`` is incomplete (its ``needs`` were not
    answered).
    """
    if not match.complete:
        raise ValueError("plan_sync needs a complete match (MatchResult.needs must be empty)")
    pictures = {p.content_id: p for p in local}
    photos = {r.id: r for r in remote}
    actions: list[Action] = []
    failed: list[FailedItem] = [
        FailedItem(posixpath.join(f.path.root, f.path.relpath), f.problem or "not a usable picture")
        for f in sorted(problems, key=lambda f: (f.path.root, f.path.relpath))
    ]
    failed += [
        FailedItem(posixpath.join(i.path.root, i.path.relpath), i.reason)
        for i in sorted(issues, key=lambda i: (i.path.root, i.path.relpath, i.reason))
        if i.problem
    ]
    from_flickr = 0

    ignored = 0
    if options.mode in UPLOAD_MODES:
        room = _Room.of(options.limits)
        if sources is None:
            sources = upload_sources(match, pictures, options)
        for cid in sorted(match.local_only):
            picture = pictures[cid]
            if _from_flickr(picture, options):
                from_flickr += 1
                continue
            source = sources.get(cid)
            if picture.paths and source is None:
                ignored += 1
                continue
            public = source[1].is_public if source is not None else False
            why_not = upload_refusal(picture, options.limits) or room.refusal(picture.media, public)
            if why_not is not None or source is None:
                first = picture.paths[0] if picture.paths else None
                where = posixpath.join(first.root, first.relpath) if first is not None else cid
                failed.append(FailedItem(where, why_not or "no path holds this picture any more", cid))
                continue
            room.take(picture.media, public)
            restoring = cid in options.restore_uploads
            actions.append(_upload(picture, *source, metadata.get(source[0]), restoring=restoring))
        for m in match.matches:
            if m.content_id in options.ignored:
                continue
            photo = photos[m.photo_id]
            if needs_tag(m, photo, tags_full=m.photo_id in tags_full):
                actions.append(AddTags(m.photo_id, m.content_id, (content_tag(m.content_id),), m.reason))
            date = needs_date(pictures[m.content_id], photo)
            if date is not None:
                actions.append(
                    SetDateTaken(m.photo_id, m.content_id, date, "Flickr has no date taken for this video")
                )

    downloads: list[Download] = []
    if options.mode in DOWNLOAD_MODES:
        downloads = _plan_downloads(
            match,
            local=local,
            photos=photos,
            options=options,
            sets=sets,
            problems=problems,
            existing=existing,
            memory=set_memory,
        )
    refusal = safety_refusal(local, problems, library, options, len(downloads))
    if refusal is not None:
        return Plan(
            mode=options.mode, failed=tuple(failed), refusal=refusal, summary=PlanSummary(failed=len(failed))
        )
    actions.extend(downloads)

    undecided = sum(len(u.content_ids) + len(u.photo_ids) for u in match.undecided)
    counts = PlanSummary(
        matched=len(match.matches),
        duplicates_on_flickr=len(match.duplicates),
        undecided=undecided,
        from_flickr=from_flickr,
        ignored=ignored,
    )
    return _plan(options.mode, actions, failed, counts)


#: Why ``--restore`` uploads a picture again.
RESTORED_UPLOAD = "restored (--restore): its photo was deleted on Flickr"


def _upload(
    picture: LocalPicture,
    path: LocalPath,
    settings: PictureSettings,
    meta: PictureMeta | None,
    *,
    restoring: bool = False,
) -> Upload:
    """The upload of ``picture`` from ``path``, whose folder has ``settings``: every field
    Flickr is told (see :mod:`flickrsync.choosing`). ``restoring``: ``--restore`` uploads it
    again (its photo was deleted on Flickr), without ``dedup_check``."""
    text = upload_text(path.title, meta, settings)
    copies = len(picture.paths)
    resize = resize_for(picture, settings)
    origins = {"title": text.title_from, "description": text.description_from, "tags": text.tags_from}
    flags = [settings.origin(k) for k in ("is_public", "is_friend", "is_family")]
    origins["privacy"] = next((o for o in flags if o != DEFAULT_ORIGIN), DEFAULT_ORIGIN)
    if resize is not None:
        origins["resize"] = settings.origin("resize")
    return Upload(
        content_id=picture.content_id,
        path=path,
        title=text.title,
        tags=upload_tags(picture.content_id, "", text.tags),
        size=picture.size,
        media=picture.media,
        reason=(RESTORED_UPLOAD if restoring else "on no Flickr photo")
        + (f" ({copies} copies on disk)" if copies > 1 else ""),
        set_date_taken=video_date(picture),
        dedup_check=not restoring,
        description=text.description,
        options=settings.upload,
        resize=resize,
        origins=tuple((k, v) for k, v in origins.items() if v is not None),
        warnings=text.warnings,
    )


#: Summary fields that count what was found, not what the actions do: kept through :func:`_plan`.
_FOUND = (
    "matched",
    "duplicates_on_flickr",
    "undecided",
    "from_flickr",
    "edits_kept",
    "deleted_locally",
    "deleted_on_flickr",
    "ignored",
)


def _plan(
    mode: SyncMode, actions: Sequence[Action], failed: Sequence[FailedItem], counts: PlanSummary
) -> Plan:
    """A plan whose summary counts its actions and failed items, plus the ``counts`` found."""
    summary = replace(
        summarize(actions), failed=len(failed), **{name: getattr(counts, name) for name in _FOUND}
    )
    return Plan(mode=mode, actions=tuple(actions), failed=tuple(failed), summary=summary)


def with_actions(plan: Plan, actions: Sequence[Action], counts: PlanSummary = PlanSummary()) -> Plan:
    """``plan`` plus more actions (before its downloads) and more counts found; a refused plan
    stays as it is."""
    if plan.refusal is not None:
        return plan
    total = add_summaries(plan.summary, counts)
    transfers = [a for a in plan.actions if not isinstance(a, Download)]
    ordered = [*transfers, *actions, *(a for a in plan.actions if isinstance(a, Download))]
    return _plan(plan.mode, ordered, plan.failed, total)


def withhold(plan: Plan, held: Mapping[Action, FailedItem]) -> Plan:
    """``plan`` without the actions in ``held``, each reported as its failed item instead (the
    engine holds back what it cannot decide safely this run)."""
    if not held:
        return plan
    keep = [a for a in plan.actions if a not in held]
    failed = [*plan.failed, *(held[a] for a in plan.actions if a in held)]
    return replace(_plan(plan.mode, keep, failed, plan.summary), refusal=plan.refusal)


def _plan_downloads(
    match: MatchResult,
    *,
    local: Sequence[LocalPicture],
    photos: Mapping[PhotoId, RemotePhoto],
    options: PlanOptions,
    sets: Sequence[RemoteSet],
    problems: Sequence[LocalFile],
    existing: Collection[str],
    memory: SetMemory,
) -> list[Download]:
    if not match.remote_only:
        return []
    root = options.root
    taken = {path_key(p.relpath) for pic in local for p in pic.paths if p.root == root}
    taken |= {path_key(f.path.relpath) for f in problems if f.path.root == root}
    taken |= {path_key(p) for p in existing}
    folder_of_set = download_folders(local, match, sets, options, memory)
    first_set: dict[PhotoId, RemoteSet] = {}
    for a_set in sorted(sets, key=_set_rank):
        for pid in a_set.photo_ids:
            first_set.setdefault(pid, a_set)
    default = _default_folder(options)
    downloads: list[Download] = []
    for pid in sorted(match.remote_only, key=lambda p: (len(p), p)):
        photo = photos[pid]
        s = first_set.get(pid)
        folder = folder_of_set[s.photoset.id] if s is not None else default
        stem, ext = download_name(photo)
        back = options.restore_paths.get(pid)
        if back is not None and back.root == root and path_key(back.relpath) not in taken:
            relpath = back.relpath
            taken.add(path_key(relpath))
            reason = "restored (--restore) where it was"
        else:
            relpath = _fresh_path(folder, stem, ext, taken)
            where = f"photoset {s.photoset.title!r}" if s is not None else "no photoset"
            reason = f"{'restored (--restore)' if back is not None else 'not in the library'} ({where})"
        downloads.append(
            Download(
                photo_id=pid,
                dest=LocalPath(root, relpath),
                media=photo.media,
                original_format=photo.original_format,
                url=photo.file_url,
                reason=reason,
                photoset_id=s.photoset.id if s is not None else None,
            )
        )
    return downloads


def summarize(actions: Iterable[Action]) -> PlanSummary:
    """Counts, bytes and write calls of transfer and tag actions (set actions: photosets.py)."""
    uploads = downloads = tags = upload_bytes = calls = replaces = dates = 0
    set_actions: list[SetAction] = []
    for action in actions:
        if isinstance(action, Upload):
            uploads += 1
            upload_bytes += action.size
            calls += action.calls
        elif isinstance(action, Download):
            downloads += 1
        elif isinstance(action, AddTags):
            tags += 1
            calls += 1
        elif isinstance(action, Replace):
            replaces += 1
            upload_bytes += action.size
            calls += action.calls
        elif isinstance(action, SetDateTaken):
            dates += 1
            calls += action.calls
        else:
            set_actions.append(action)
    base = PlanSummary(
        uploads=uploads,
        upload_bytes=upload_bytes,
        downloads=downloads,
        tags=tags,
        replaces=replaces,
        dates_set=dates,
        write_calls=calls,
    )
    return add_summaries(base, summarize_sets(set_actions))


def add_summaries(a: PlanSummary, b: PlanSummary) -> PlanSummary:
    """Field-by-field sum of two summaries."""
    return PlanSummary(**{f.name: getattr(a, f.name) + getattr(b, f.name) for f in fields(PlanSummary)})


def merge_plans(first: Plan, second: Plan) -> Plan:
    """One plan doing ``first`` then ``second`` (transfers, then the set changes): the one way
    plans are combined, for showing them together."""
    return Plan(
        mode=first.mode,
        actions=first.actions + second.actions,
        failed=first.failed + second.failed,
        summary=add_summaries(first.summary, second.summary),
        refusal=first.refusal or second.refusal,
    )
