"""Records of the local library as the scanner and the index keep them (re-exported by
:mod:`flickrsync.models`)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Literal

from flickrsync.models.base import (
    ContentId,
    FileStat,
    Fingerprint,
    LocalFile,
    LocalPath,
    Media,
    Nsid,
    PhotoId,
    ProblemKind,
)

# --- local library: scanner and index (localfs.py, index/library.py) -------------------------


@dataclass(frozen=True, slots=True)
class ScanIssue:
    """Something the scan could not do at one path (a file or a folder), with the reason.

    ``problem`` issues mean a file or folder is not indexed (not backed up): the scan exits 1.
    The others are notices (e.g. a link leading out of the library was skipped).
    """

    path: LocalPath
    reason: str
    problem: bool = True


@dataclass(frozen=True, slots=True)
class ScanProgress:
    """Reported to the scanner's progress callback; ``*_total`` are known once the walk ended."""

    phase: Literal["walk", "read", "perceptual", "digests"]
    files_done: int = 0
    files_total: int = 0
    bytes_done: int = 0
    bytes_total: int = 0


@dataclass(frozen=True, slots=True)
class LibraryCounts:
    """Totals of the local index, as ``scan`` and ``status`` print them."""

    files: int = 0
    pictures: int = 0
    videos: int = 0
    duplicate_groups: int = 0
    duplicate_files: int = 0
    problems: int = 0
    #: Pictures known to the index (linked to Flickr or journaled) that no file holds any more.
    pictures_without_paths: int = 0


@dataclass(frozen=True, slots=True)
class ScanReport:
    """The outcome of one scan of a profile's roots."""

    roots: tuple[str, ...]
    counts: LibraryCounts
    #: Files read (hashed) this scan, their bytes, and the seconds spent reading them.
    read: int = 0
    read_bytes: int = 0
    read_seconds: float = 0.0
    #: Files identified without reading: moved, renamed or hard-linked (same inode, size, mtime).
    reused: int = 0
    unchanged: int = 0
    #: Paths that left the index (gone from disk, or out of the configured roots).
    removed: int = 0
    #: With ``keep_vanished``: the paths found gone, still in the index (the caller drops them).
    vanished: tuple[LocalPath, ...] = ()
    #: Files of types flickrsync does not handle (sidecars, RAW, documents), by extension.
    ignored: tuple[tuple[str, int], ...] = ()
    #: Every file in the index with a problem (also those found by earlier scans and unchanged).
    problems: tuple[LocalFile, ...] = ()
    #: Folders that could not be listed, links skipped, files that vanished mid-scan…
    issues: tuple[ScanIssue, ...] = ()
    #: Perceptual hashes computed this run (``scan --perceptual``).
    perceptual: int = 0
    elapsed: float = 0.0

    @property
    def problem_count(self) -> int:
        """Files that could not be indexed (issues that are only notes do not count)."""
        return len(self.problems) + sum(1 for issue in self.issues if issue.problem)

    @property
    def failed(self) -> bool:
        """Some file could not be indexed, so it is not backed up: the scan exits 1."""
        return self.problem_count > 0


@dataclass(frozen=True, slots=True)
class FileInspection:
    """Everything the scanner can learn about one file by reading it (``flickrsync inspect``)."""

    path: str
    stat: FileStat | None
    fingerprint: Fingerprint | None
    problem: str | None = None
    problem_kind: ProblemKind | None = None
    #: Perceptual hash (hex) of the picture, computed on demand; None for videos or on failure.
    phash: str | None = None
    phash_error: str | None = None
    #: Whole-file digests computed on demand, e.g. ``{"sha256": hex}``.
    digests: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True, slots=True)
class LazyResult:
    """Outcome of a lazy pass over pictures (perceptual hashes, whole-file digests)."""

    computed: int = 0
    #: (content id or path, reason) for each picture that could not be done.
    failed: tuple[tuple[str, str], ...] = ()
    #: Pictures skipped because every file holding them changed since the scan.
    stale: int = 0
    #: What was computed, by content id (perceptual hashes): the caller need not read it back.
    values: Mapping[ContentId, str] = field(default_factory=dict)


# --- remote side in the index (index/remote.py, for the sync engine) -------------------------

#: How a local picture and a Flickr photo were found to be the same: the matcher's rules, plus
#: ``upload``/``download`` for pictures flickrsync put there itself. Stored as text in the index,
#: so a new rule needs no migration.
LinkRule = Literal[
    "identified",
    "flickr_id",
    "machine_tag",
    "checksum",
    "title_date",
    "date",
    "original",
    "phash",
    "upload",
    "download",
]


@dataclass(frozen=True, slots=True)
class Link:
    """A local picture (content id) is this Flickr photo of this account."""

    nsid: Nsid
    photo_id: PhotoId
    content_id: ContentId
    rule: str
    linked_at: int


@dataclass(frozen=True, slots=True)
class SyncedPair:
    """What the index remembers of a Flickr photo and the local picture it was last seen in sync
    with: the picture's content id (what the photo holds, as far as flickrsync knows), the paths
    that held it, and what it looked like (date taken, perceptual hash, size) — so a later run can
    tell an edit (a path whose content changed into the same photo) and a deletion on either side
    (the picture or the photo gone) from a new picture. Written at the end of each run for every
    pair matched (:func:`flickrsync.changes.pair_updates`)."""

    photo_id: PhotoId
    content_id: ContentId
    paths: tuple[LocalPath, ...]
    media: Media = "photo"
    date_taken: str | None = None
    phash: str | None = None
    width: int | None = None
    height: int | None = None
    #: When this pair was last written (Unix seconds).
    synced_at: int = 0


@dataclass(frozen=True, slots=True)
class SyncState:
    """Per-account watermarks kept between runs (unix seconds; None = never)."""

    nsid: Nsid
    #: Greatest ``lastupdate`` seen: the next incremental listing asks for changes since then.
    last_update: int | None = None
    #: When the whole account was last listed (first run, ``--full``).
    listed_at: int | None = None
    #: When the last sync finished without errors.
    synced_at: int | None = None


@dataclass(frozen=True, slots=True)
class UploadIntent:
    """An upload journal row: committed before the upload, completed after it.

    ``photo_id is None and finished_at is None`` means the outcome is unknown (crash, timeout):
    the engine resolves it by searching Flickr for the picture's machine tag.
    """

    id: int
    nsid: Nsid
    content_id: ContentId
    path: LocalPath
    started_at: int
    photo_id: PhotoId | None = None
    finished_at: int | None = None
    error: str | None = None


@dataclass(frozen=True, slots=True)
class DownloadIntent:
    """A download journal row: the target path and temporary file are recorded before writing."""

    id: int
    nsid: Nsid
    photo_id: PhotoId
    path: LocalPath
    temp_relpath: str
    started_at: int
    finished_at: int | None = None
    content_id: ContentId | None = None
    error: str | None = None


# --- the user's own choices (flickrsync ignore, identify; userlists.py, index/choices.py) -----

#: What an ignore entry names: a picture (content id: wherever it is), a path relative to a
#: pictures root (a file, or a folder and everything under it), or a Flickr photo (its id).
IgnoreKind = Literal["picture", "path", "photo"]


@dataclass(frozen=True, slots=True)
class IgnoreEntry:
    """One entry of the ignore list. ``note`` is for people (the path a picture was ignored by),
    never compared."""

    kind: IgnoreKind
    value: str
    note: str = ""


@dataclass(frozen=True, slots=True)
class Identification:
    """The user said: Flickr photo ``photo_id`` is the picture ``content_id`` (``flickrsync
    identify``). ``note``: the path given then."""

    photo_id: PhotoId
    content_id: ContentId
    note: str = ""


@dataclass(frozen=True, slots=True)
class Distinction:
    """The user said: Flickr photo ``photo_id`` is NOT the picture ``content_id`` (``flickrsync
    identify --different``): the matcher never pairs them. ``note``: the path given then."""

    photo_id: PhotoId
    content_id: ContentId
    note: str = ""
