"""Plain shared data: the nouns every module of flickrsync speaks.

Nothing here does I/O. Every record is a frozen, slotted dataclass so it can be hashed, compared,
passed between threads and processes, and used as hypothesis test data.

Words are Flickr's (photo, photoset, date taken, machine tag, NSID); see
https://www.flickr.com/services/api/ for their meaning on Flickr's side.

Dates taken are kept as Flickr writes them, ``YYYY-MM-DD HH:MM:SS``: wall-clock time with no
time zone (https://www.flickr.com/services/api/misc.dates.html). Local EXIF dates are converted to
that form by the fingerprint module; they are never shifted between zones.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal, NewType

from flickrsync.tags import format_tags

# --- identifiers -----------------------------------------------------------------------------

#: A picture's identity: 64 lower-case hex digits of SHA-256. For formats ExifTool can hash, this
#: is exactly ``exiftool -api ImageHashType=SHA256 -ImageDataHash`` (image data without metadata);
#: otherwise SHA-256 of the whole file. :data:`IdKind` says which.
ContentId = NewType("ContentId", str)
#: Flickr photo id: a decimal string (``"53084954382"``).
PhotoId = NewType("PhotoId", str)
#: Flickr photoset (album) id: a decimal string starting ``72157``.
PhotosetId = NewType("PhotosetId", str)
#: Flickr user or group NSID, e.g. ``"78733179@N04"``.
Nsid = NewType("Nsid", str)

IdKind = Literal["imagedata", "file"]
Media = Literal["photo", "video"]
Perms = Literal["read", "write", "delete"]
#: Why a file could not be indexed, which decides when it is tried again:
#: ``unreadable`` (the OS refused: permissions, I/O error) and ``changing`` (rewritten while it was
#: read) are retried on every scan; ``media`` (the bytes are not a usable picture or video) is
#: retried only when the file changes.
ProblemKind = Literal["unreadable", "changing", "media"]

#: Our machine tag namespace and predicate: ``flickrsync:imagehash=<content id>``.
MACHINE_TAG_NAMESPACE = "flickrsync"
MACHINE_TAG_PREDICATE = "imagehash"


def content_tag(content_id: ContentId) -> str:
    """The machine tag that names a picture on Flickr (raw and clean forms are identical)."""
    return f"{MACHINE_TAG_NAMESPACE}:{MACHINE_TAG_PREDICATE}={content_id}"


# --- local side ------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Fingerprint:
    """What the fingerprint module learns from a file's bytes. Pure data, no path."""

    content_id: ContentId
    id_kind: IdKind
    media: Media
    #: Detected from content, not the extension: ``jpeg``, ``mpo``, ``png``, ``gif``, ``tiff``,
    #: ``webp``, ``heic``, ``heif``, ``avif``, ``mp4``, ``mov``, ``avi``, ``3gp`` …
    format: str
    width: int | None = None
    height: int | None = None
    #: EXIF Orientation 1..8, or None when the file has none.
    orientation: int | None = None
    #: EXIF DateTimeOriginal (videos: container creation date) as ``YYYY-MM-DD HH:MM:SS``;
    #: None when absent or garbage.
    date_taken: str | None = None
    #: EXIF SubSecTimeOriginal digits, e.g. ``"46"``.
    subsec: str | None = None
    #: EXIF OffsetTimeOriginal, e.g. ``"+03:00"``.
    offset: str | None = None
    #: Non-fatal oddities worth showing in ``inspect`` (e.g. a garbage date that was ignored).
    warnings: tuple[str, ...] = ()
    #: Why the file is incomplete (cut off before its container says it ends), one line, or None
    #: for a complete file. Trailing data after a complete picture is not truncation. The reason
    #: is listed in ``warnings`` too.
    truncated: str | None = None


@dataclass(frozen=True, slots=True)
class FileStat:
    """The identity of a file on disk, used to skip unchanged files on a re-scan."""

    size: int
    mtime_ns: int
    dev: int
    ino: int


@dataclass(frozen=True, slots=True)
class LocalPath:
    """Where a file lives: a pictures root and a POSIX path relative to it."""

    root: str
    relpath: str

    @property
    def name(self) -> str:
        return self.relpath.rsplit("/", 1)[-1]

    @property
    def folder(self) -> str:
        """The folder relative to the root; ``""`` for files directly in the root."""
        return self.relpath.rsplit("/", 1)[0] if "/" in self.relpath else ""

    @property
    def stem(self) -> str:
        """File name without its last extension (``IMG_0001.JPG`` -> ``IMG_0001``)."""
        name = self.name
        dot = name.rfind(".")
        return name[:dot] if dot > 0 else name


@dataclass(frozen=True, slots=True)
class LocalFile:
    """One file in the library and what the index knows of it.

    Exactly one of ``fingerprint`` and ``problem`` is set: a file that could not be read or is not
    a usable picture/video carries the reason, and is retried when it changes.
    """

    path: LocalPath
    stat: FileStat
    fingerprint: Fingerprint | None
    problem: str | None = None
    #: Set with ``problem``: decides when the file is tried again (see :data:`ProblemKind`).
    problem_kind: ProblemKind | None = None


@dataclass(frozen=True, slots=True)
class LocalPicture:
    """One picture (content id) and every path that holds it: duplicates are one picture.

    Built by the index from :class:`LocalFile` rows. ``phash``, ``md5`` and ``sha1`` are filled
    lazily (only when matching needs them) and are None until then.
    """

    content_id: ContentId
    id_kind: IdKind
    media: Media
    format: str
    #: Every path with this content, sorted; the first is the one uploaded.
    paths: tuple[LocalPath, ...]
    size: int
    date_taken: str | None = None
    width: int | None = None
    height: int | None = None
    orientation: int | None = None
    #: Perceptual hash as hex (ImageHash's text form), None until computed.
    phash: str | None = None
    #: Whole-file digests (hex), computed only when Flickr carries checksum machine tags.
    md5: str | None = None
    sha1: str | None = None
    #: Set when the picture came from Flickr (downloaded by sync2/download): never upload it back.
    flickr_id: PhotoId | None = None


# --- remote side -----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Account:
    """The Flickr user a token belongs to (flickr.test.login)."""

    nsid: Nsid
    username: str
    fullname: str = ""


@dataclass(frozen=True, slots=True)
class AccessToken:
    """An OAuth 1.0a access token for one profile. Secret: never logged."""

    token: str
    secret: str = field(repr=False)
    perms: Perms
    account: Account


@dataclass(frozen=True, slots=True)
class RemotePhoto:
    """A photo or video of the account, as a Flickr photo list reports it with the sync extras.

    https://www.flickr.com/services/api/flickr.people.getPhotos.html
    """

    id: PhotoId
    title: str
    secret: str
    server: str
    farm: int = 0
    description: str = ""
    #: Clean tag forms (the ``tags`` extra), machine tags included.
    tags: tuple[str, ...] = ()
    #: Clean machine tags only (the ``machine_tags`` extra).
    machine_tags: tuple[str, ...] = ()
    #: ``YYYY-MM-DD HH:MM:SS``; meaningless when ``date_taken_unknown`` (Flickr fills in the
    #: upload time) — never match on it then.
    date_taken: str | None = None
    date_taken_unknown: bool = True
    date_taken_granularity: int = 0
    date_upload: int = 0
    last_update: int = 0
    media: Media = "photo"
    original_format: str | None = None
    original_secret: str | None = None
    o_width: int | None = None
    o_height: int | None = None
    url_o: str | None = None
    #: A small rendition (about 320 px, ``url_n``) used for the perceptual hash.
    url_small: str | None = None
    is_public: bool = False
    is_friend: bool = False
    is_family: bool = False


@dataclass(frozen=True, slots=True)
class Photoset:
    """An album. https://www.flickr.com/services/api/flickr.photosets.getList.html"""

    id: PhotosetId
    title: str
    description: str
    primary: PhotoId
    photos: int = 0
    videos: int = 0
    date_create: int = 0
    date_update: int = 0


@dataclass(frozen=True, slots=True)
class PhotoSize:
    """One entry of flickr.photos.getSizes."""

    label: str
    width: int | None
    height: int | None
    source: str
    media: Media = "photo"


@dataclass(frozen=True, slots=True)
class PhotoContext:
    """flickr.photos.getAllContexts: the sets and group pools a photo is in."""

    sets: tuple[tuple[PhotosetId, str], ...] = ()
    pools: tuple[tuple[Nsid, str], ...] = ()


#: Free accounts since 2022: 1,000 items, 50 of them non-public (REFERENCE §5.3).
FREE_ITEMS = 1000
FREE_NONPUBLIC = 50


@dataclass(frozen=True, slots=True)
class UploadLimits:
    """flickr.people.getUploadStatus, reduced to what a run must check before uploading."""

    is_pro: bool
    max_photo_bytes: int
    max_video_bytes: int
    #: Items the account may still hold (free accounts: 1,000 in all); None = unlimited.
    remaining_items: int | None = None
    #: Videos the account may still upload (getUploadStatus ``videos.remaining``); None = "lots".
    remaining_videos: int | None = None
    #: Non-public items a free account may still hold (50 in all since 2022); None = unlimited.
    remaining_private: int | None = None


# --- a profile's wire settings (parsed by config.py, sent by client.py) ----------------------

#: Where Flickr itself lives. ``endpoint`` in config.ini replaces all of these with one base URL.
FLICKR_REST_URL = "https://api.flickr.com/services/rest/"
FLICKR_UPLOAD_URL = "https://up.flickr.com/services/upload/"
FLICKR_REPLACE_URL = "https://up.flickr.com/services/replace/"
FLICKR_OAUTH_URL = "https://www.flickr.com/services/oauth/"


@dataclass(frozen=True, slots=True)
class Endpoints:
    """The URLs the client talks to: Flickr's, or a Flickr-compatible server's (``endpoint``)."""

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
class UploadOptions:
    """Who may see an upload and how Flickr files it: the upload API's fields of that kind
    (https://www.flickr.com/services/api/upload.api.html), each sent with every upload as it is.
    The upload's tags are not among them: they are the planner's (``Upload.tags``)."""

    is_public: bool = False
    is_friend: bool = False
    is_family: bool = False
    #: 1 safe, 2 moderate, 3 restricted.
    safety_level: int = 1
    #: 1 photo, 2 screenshot, 3 other.
    content_type: int = 1
    #: 1 shown in global search, 2 hidden from it.
    hidden: int = 2


# --- client (issue 3): what the Flickr client hands to the engine ----------------------------

#: An asynchronous upload ticket (``<ticketid>``), e.g. ``"78701040-72157636215117185"``.
TicketId = NewType("TicketId", str)
TicketState = Literal["pending", "complete", "failed", "invalid"]
#: What ``flickr.groups.pools.add`` did: added, was already there, or queued for a moderator.
PoolAddResult = Literal["added", "already", "pending"]


@dataclass(frozen=True, slots=True)
class PhotoPage:
    """One page of a Flickr photo list (``<photos page pages perpage total>``).

    ``total``/``pages`` are None when Flickr sent them empty (it has, transiently); they can
    also be wrong, so walkers must not trust them alone.
    """

    photos: tuple[RemotePhoto, ...]
    page: int
    pages: int | None
    per_page: int
    total: int | None


@dataclass(frozen=True, slots=True)
class Ticket:
    """One entry of flickr.photos.upload.checkTickets."""

    id: TicketId
    state: TicketState
    photo_id: PhotoId | None = None


@dataclass(frozen=True, slots=True)
class TokenInfo:
    """flickr.auth.oauth.checkToken: the perms a token was granted and whose it is."""

    perms: Perms
    account: Account


@dataclass(frozen=True, slots=True)
class ProfileStatus:
    """What ``flickrsync status`` shows for one profile.

    ``authorization``: ``missing`` (never authorised), ``valid``, ``invalid`` (revoked, expired or
    for another API key), ``unknown`` (Flickr could not be reached: ``problem`` says why).
    The index figures come from the index module; None when not known.
    """

    profile: str
    directory: str
    directory_exists: bool
    authorization: Literal["missing", "valid", "invalid", "unknown"]
    account: Account | None = None
    perms: Perms | None = None
    problem: str | None = None
    index_pictures: int | None = None
    index_videos: int | None = None
    index_problems: int | None = None
    #: Flickr photos in the remote index, and when the last sync finished without errors.
    remote_photos: int | None = None
    last_sync: str | None = None
    #: A sync can run: the token is valid with write permission and the directory is there.
    usable: bool = False


# --- local library: scanner and index (localfs.py, index.py) ---------------------------------


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


# --- remote side in the index (index.py, for the sync engine) --------------------------------

#: How a local picture and a Flickr photo were found to be the same: the matcher's rules, plus
#: ``upload``/``download`` for pictures flickrsync put there itself. Stored as text in the index,
#: so a new rule needs no migration.
LinkRule = Literal[
    "flickr_id", "machine_tag", "checksum", "title_date", "date", "original", "phash", "upload", "download"
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


# --- plan ------------------------------------------------------------------------------------
#
# The plan is data (STYLE §2): the pure planner (planner.py, photosets.py) returns frozen action
# records, the executor carries them out, ``--dry-run`` only renders them. There is deliberately
# no action that deletes or modifies a photo: the only removal is :class:`DeleteSet`, which
# deletes an album (its photos stay on Flickr) and is planned only with ``--prune``.

#: ``sync`` uploads only, ``sync2`` uploads and downloads, ``download`` downloads only.
SyncMode = Literal["sync", "sync2", "download"]
#: The modes that upload (and tag matched photos), and those that download.
UPLOAD_MODES: frozenset[SyncMode] = frozenset({"sync", "sync2"})
DOWNLOAD_MODES: frozenset[SyncMode] = frozenset({"sync2", "download"})

#: Written into the description of every photoset flickrsync creates; a set whose description
#: contains it is "ours". flickrsync 0.1.1 wrote exactly this text, so its sets are adopted.
SET_MARKER = "[created by flickrsync]"


@dataclass(frozen=True, slots=True)
class RemoteSet:
    """A photoset with its photos in the set's order (flickr.photosets.getPhotos)."""

    photoset: Photoset
    photo_ids: tuple[PhotoId, ...]


@dataclass(frozen=True, slots=True)
class Upload:
    """Upload one picture (its first path). Title = file name without extension."""

    content_id: ContentId
    path: LocalPath
    title: str
    #: Our machine tag first, then the configured extra tags.
    tags: tuple[str, ...]
    size: int
    media: Media
    reason: str

    @property
    def raw_tags(self) -> str:
        """The ``tags`` field of the upload call."""
        return format_tags(self.tags)

    calls = 1


@dataclass(frozen=True, slots=True)
class AddTags:
    """flickr.photos.addTags: give a matched photo our machine tag, so the next run matches it by
    rule 1. Adding a tag the photo already has is not an error on Flickr."""

    photo_id: PhotoId
    content_id: ContentId
    tags: tuple[str, ...]
    reason: str

    @property
    def raw_tags(self) -> str:
        return format_tags(self.tags)

    calls = 1


@dataclass(frozen=True, slots=True)
class Download:
    """Download a photo's original to ``dest`` (a fresh path inside the first root).

    The executor writes a temporary file in the target folder and creates ``dest`` exclusively:
    if something appeared there meanwhile, it must pick another name, never overwrite.
    """

    photo_id: PhotoId
    dest: LocalPath
    media: Media
    original_format: str | None
    url: str | None
    reason: str
    #: The set whose folder ``dest`` is in (remembered as that set's folder here), if any.
    photoset_id: PhotosetId | None = None

    calls = 0


@dataclass(frozen=True, slots=True)
class CreateSet:
    """flickr.photosets.create (with ``primary``, a set cannot be created empty), then — when
    ``photo_ids`` holds more than the primary — one flickr.photosets.editPhotos with the complete
    membership in order. ``folder`` is the library folder the set is made from."""

    title: str
    description: str
    folder: str
    primary: PhotoId
    #: Complete membership in the set's order, primary included.
    photo_ids: tuple[PhotoId, ...]

    @property
    def calls(self) -> int:
        return 1 if len(self.photo_ids) <= 1 else 2


@dataclass(frozen=True, slots=True)
class AddToSet:
    """flickr.photosets.addPhoto (appends at the end; code 3 "already in set" counts as done)."""

    photoset_id: PhotosetId
    photo_id: PhotoId
    title: str

    calls = 1


@dataclass(frozen=True, slots=True)
class RemoveFromSet:
    """flickr.photosets.removePhoto. Never planned for a set's last photo (Flickr would delete the
    set); code 3 "not in set" counts as done."""

    photoset_id: PhotosetId
    photo_id: PhotoId
    title: str

    calls = 1


@dataclass(frozen=True, slots=True)
class EditSetPhotos:
    """flickr.photosets.editPhotos: replace the membership with ``photo_ids`` (in this order,
    primary included). ``added``/``removed`` say what changes, for display only."""

    photoset_id: PhotosetId
    title: str
    primary: PhotoId
    photo_ids: tuple[PhotoId, ...]
    added: tuple[PhotoId, ...] = ()
    removed: tuple[PhotoId, ...] = ()

    calls = 1


@dataclass(frozen=True, slots=True)
class EditSetMeta:
    """flickr.photosets.editMeta: rename a set (its folder was renamed). The description is sent
    unchanged."""

    photoset_id: PhotosetId
    old_title: str
    title: str
    description: str

    calls = 1


@dataclass(frozen=True, slots=True)
class DeleteSet:
    """flickr.photosets.delete of a tool-made set left empty, only with ``--prune``.
    Deletes the album, never a photo."""

    photoset_id: PhotosetId
    title: str

    calls = 1


@dataclass(frozen=True, slots=True)
class AddToGroup:
    """flickr.groups.pools.add. Codes 3 (already in pool), 6 and 7 (pending queue) count as done;
    the index remembers done pairs so a photo is added once."""

    photo_id: PhotoId
    group_id: Nsid
    folder: str

    calls = 1


TransferAction = Upload | Download
SetAction = CreateSet | AddToSet | RemoveFromSet | EditSetPhotos | EditSetMeta | DeleteSet | AddToGroup
Action = Upload | AddTags | Download | SetAction


@dataclass(frozen=True, slots=True)
class FailedItem:
    """Something that will not be synced this run, and why (a file that cannot be read, a picture
    too large for Flickr). The run still exits 1 so the user learns it is not backed up."""

    path: str
    reason: str
    content_id: ContentId | None = None


@dataclass(frozen=True, slots=True)
class PlanSummary:
    """Counts (and bytes where known) per kind, as a summary page shows them."""

    uploads: int = 0
    upload_bytes: int = 0
    downloads: int = 0
    tags: int = 0
    sets_created: int = 0
    sets_renamed: int = 0
    sets_deleted: int = 0
    #: Photo-to-set membership changes ("reassignments"): photos added to / removed from sets.
    photos_added: int = 0
    photos_removed: int = 0
    sets_reordered: int = 0
    group_adds: int = 0
    #: Flickr write calls the actions cost (an upload counts one).
    write_calls: int = 0
    failed: int = 0
    matched: int = 0
    #: Extra Flickr copies of a picture (reported, never deleted).
    duplicates_on_flickr: int = 0
    #: Pictures/photos the matcher could not decide this run (neither uploaded nor downloaded).
    undecided: int = 0
    #: Pictures not uploaded because they came from Flickr (downloaded earlier).
    from_flickr: int = 0

    @property
    def reassignments(self) -> int:
        return self.photos_added + self.photos_removed


@dataclass(frozen=True, slots=True)
class Plan:
    """What one run will do, in order. ``refusal`` set means: do nothing, tell the user why."""

    mode: SyncMode
    actions: tuple[Action, ...] = ()
    failed: tuple[FailedItem, ...] = ()
    summary: PlanSummary = PlanSummary()
    refusal: str | None = None

    @property
    def uploads(self) -> tuple[Upload, ...]:
        return tuple(a for a in self.actions if isinstance(a, Upload))

    @property
    def downloads(self) -> tuple[Download, ...]:
        return tuple(a for a in self.actions if isinstance(a, Download))

    @property
    def tags(self) -> tuple[AddTags, ...]:
        return tuple(a for a in self.actions if isinstance(a, AddTags))

    @property
    def set_actions(self) -> tuple[SetAction, ...]:
        return tuple(a for a in self.actions if not isinstance(a, Upload | Download | AddTags))

    @property
    def is_empty(self) -> bool:
        return not self.actions
