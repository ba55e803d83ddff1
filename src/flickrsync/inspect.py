"""What ``flickrsync inspect`` reports: everything flickrsync knows about a file.

The file is read wherever it is (inside the library or not): its kind, content id, date taken,
orientation, dimensions, perceptual hash, whole-file SHA-256 and problem, then — when the profile
has an index — whether it is indexed as it is now, which other files hold the same picture and
which Flickr photos it is linked to. Plain data out (:class:`FileReport`); the CLI renders it.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from contextlib import ExitStack
from dataclasses import dataclass

from flickrsync import localfs, localmeta
from flickrsync.choosing import FOLDER_KEYS, PictureSettings, UploadText, settings_for, upload_text
from flickrsync.config import Settings
from flickrsync.config_pictures import shown
from flickrsync.errors import LocalFileError
from flickrsync.index import Index
from flickrsync.localfs import ScanConfig
from flickrsync.models import FileStat, IdKind, Link, LocalPath, Media, ProblemKind

#: What a content id was computed from, in words.
ID_KINDS: dict[str, str] = {
    "imagedata": "SHA-256 of the image data, metadata excluded (exiftool ImageDataHash)",
    "file": "SHA-256 of the whole file (format without an image-data hash)",
}

#: EXIF orientation values, in words.
ORIENTATIONS: dict[int, str] = {
    1: "normal",
    2: "mirrored",
    3: "rotated 180°",
    4: "mirrored vertically",
    5: "mirrored, rotated 90° CW",
    6: "rotate 90° CW to view",
    7: "mirrored, rotated 90° CCW",
    8: "rotate 90° CCW to view",
}


@dataclass(frozen=True, slots=True)
class FolderSetting:
    """One setting of a file's folder, in words, and where it came from (``[folder:Trips/*]
    line 12``, ``[DEFAULT] line 5``, ``default``)."""

    key: str
    value: str
    origin: str


@dataclass(frozen=True, slots=True)
class FileReport:
    """One inspected file. Field names are the index's (and the ``--json`` keys)."""

    #: The file as examined (absolute).
    path: str
    #: Its place in the library; None outside every root, or without a profile.
    root: str | None = None
    relpath: str | None = None
    size: int | None = None
    mtime_ns: int | None = None
    dev: int | None = None
    ino: int | None = None
    content_id: str | None = None
    id_kind: IdKind | None = None
    media: Media | None = None
    format: str | None = None
    width: int | None = None
    height: int | None = None
    orientation: int | None = None
    date_taken: str | None = None
    subsec: str | None = None
    tz_offset: str | None = None
    warnings: tuple[str, ...] = ()
    phash: str | None = None
    phash_error: str | None = None
    sha256: str | None = None
    problem: str | None = None
    problem_kind: ProblemKind | None = None
    #: Whether the index holds the file as it is now, in words; None without an index.
    indexed: str | None = None
    #: Other files holding the same picture.
    duplicates: tuple[LocalPath, ...] = ()
    #: Flickr photos the picture is linked to.
    links: tuple[Link, ...] = ()
    #: What applies to the pictures of its folder (config.ini and its ``[folder:GLOB]``
    #: sections); empty outside the library.
    settings: tuple[FolderSetting, ...] = ()
    #: The title, description and tags an upload of it would carry (from its own metadata and
    #: sidecar, by the settings of its folder), with where each came from; None for a video or
    #: a file that is not a picture.
    upload: UploadText | None = None
    #: What could not be read of its metadata, one line each.
    metadata_warnings: tuple[str, ...] = ()


def inspect_files(paths: Sequence[str], settings: Settings | None) -> list[FileReport]:
    """Inspect each file; with ``settings``, also what that profile's index knows (the index is
    read only if it exists)."""
    with ExitStack() as stack:
        index = None
        if settings is not None and settings.database.exists():
            index = stack.enter_context(Index.open(settings.database))
        config = ScanConfig.from_settings(settings) if settings is not None else None
        return [_inspect_one(path, config, index, settings) for path in paths]


def folder_settings(settings: Settings, folder: str) -> tuple[FolderSetting, ...]:
    """The settings of a library folder, each with its value in words and where it came from."""
    resolved = settings_for(folder, settings.pictures, settings.folders)
    return tuple(FolderSetting(key, shown(key, resolved), resolved.origin(key)) for key in FOLDER_KEYS)


def _inspect_one(
    path: str, config: ScanConfig | None, index: Index | None, settings: Settings | None = None
) -> FileReport:
    found = localfs.inspect_file(path)
    fp = found.fingerprint
    st = found.stat
    location = localfs.locate(config, path) if config is not None else None
    indexed: str | None = None
    duplicates: tuple[LocalPath, ...] = ()
    links: tuple[Link, ...] = ()
    upload: UploadText | None = None
    meta_warnings: tuple[str, ...] = ()
    if fp is not None and fp.media == "photo":
        where = location or LocalPath(os.path.dirname(found.path), os.path.basename(found.path))
        try:
            meta = localmeta.with_sidecar(where, localmeta.read_metadata(where))
        except LocalFileError as exc:
            meta_warnings = (str(exc),)
        else:
            meta_warnings = meta.warnings
            chosen = (
                settings_for(where.folder, settings.pictures, settings.folders)
                if settings and location
                else None
            )
            upload = upload_text(where.title, meta, chosen or PictureSettings())
    if index is not None:
        indexed = _indexed(index, location, st)
        if fp is not None:
            duplicates = tuple(f.path for f in index.files(fp.content_id) if f.path != location)
            links = tuple(index.links_of_picture(fp.content_id))
    return FileReport(
        path=found.path,
        root=location.root if location else None,
        relpath=location.relpath if location else None,
        size=st.size if st else None,
        mtime_ns=st.mtime_ns if st else None,
        dev=st.dev if st else None,
        ino=st.ino if st else None,
        content_id=fp.content_id if fp else None,
        id_kind=fp.id_kind if fp else None,
        media=fp.media if fp else None,
        format=fp.format if fp else None,
        width=fp.width if fp else None,
        height=fp.height if fp else None,
        orientation=fp.orientation if fp else None,
        date_taken=fp.date_taken if fp else None,
        subsec=fp.subsec if fp else None,
        tz_offset=fp.offset if fp else None,
        warnings=fp.warnings if fp else (),
        phash=found.phash,
        phash_error=found.phash_error,
        sha256=dict(found.digests).get("sha256"),
        problem=found.problem,
        problem_kind=found.problem_kind,
        indexed=indexed,
        duplicates=duplicates,
        links=links,
        settings=folder_settings(settings, location.folder) if settings and location else (),
        upload=upload,
        metadata_warnings=meta_warnings,
    )


def _indexed(index: Index, location: LocalPath | None, st: FileStat | None) -> str:
    """Whether the index holds the file as it is now, in words."""
    if location is None:
        return "outside the library"
    known = index.file(location)
    if known is None:
        return "no"
    if known.problem is not None:
        return f"yes, as a problem: {known.problem}"
    if st is not None and (known.stat.size, known.stat.mtime_ns) == (st.size, st.mtime_ns):
        return "yes"
    return "changed since the last scan"
