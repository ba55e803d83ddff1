"""Identifiers, the local and remote records, a profile's wire settings, and what the client
hands to the engine (re-exported by :mod:`flickrsync.models`)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal, NewType

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


def readable(text: str) -> str:
    """Text from a file or folder name as people and Flickr read it: a name's bytes that are not
    UTF-8 (a path keeps them as surrogate escapes, ``os.fsdecode``, so it still names the file)
    become U+FFFD. For titles and tags sent to Flickr, and for comparing names with titles; a
    path itself always keeps its bytes."""
    try:
        return text.encode("utf-8", "surrogateescape").decode("utf-8", "replace")
    except UnicodeEncodeError:  # a surrogate no file name holds (U+D800 …): replace it alone
        return "".join("\ufffd" if "\ud800" <= c <= "\udfff" else c for c in text)


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
    #: Bytes after the end of the picture's container (0 when none, or when the format does not
    #: say where it ends: TIFF). Legitimate in some files (a phone's trailer); in a download that
    #: no Content-MD5 vouches for, a sign of something added on the way.
    trailing: int = 0


@dataclass(frozen=True, slots=True)
class FileStat:
    """The identity of a file on disk, used to skip unchanged files on a re-scan."""

    size: int
    mtime_ns: int
    dev: int
    ino: int

    def key(self) -> StatTuple:
        """The same stat as the scanner compares it: ``(dev, ino, size, mtime_ns)``."""
        return (self.dev, self.ino, self.size, self.mtime_ns)


#: A file's ``(dev, ino, size, mtime_ns)``: the cheap form of :class:`FileStat` that the walk
#: builds for every file on every scan (a tuple costs less than a dataclass in that loop).
StatTuple = tuple[int, int, int, int]
#: A picture's file as a decoder opens it: its path as the OS has it (bytes: any name
#: round-trips), and the size and mtime (ns) it was indexed with (a file changed since is skipped).
FileSource = tuple[bytes, int, int]


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

    @property
    def title(self) -> str:
        """The title an upload of this file gets: its :attr:`stem`, :func:`readable`."""
        return readable(self.stem)


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
    #: The pixel size of the smaller copy an upload of this picture sends (``resize``, as shown:
    #: upright), which Flickr then holds as the original; None when it is uploaded as it is.
    resized: tuple[int, int] | None = None


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

    @property
    def file_url(self) -> str | None:
        """The URL of the original file when the listing gives it: ``url_o`` for a photo. None
        for a video: its ``url_o`` is a JPEG frame of it; the file is getSizes' "Video Original"
        (``FlickrClient.original_url``)."""
        return self.url_o if self.media == "photo" else None


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

#: 2004-02-01 (Unix seconds): nothing was uploaded to Flickr before it existed. An upload date
#: before it is garbage (a posted date set to "2013" seconds after 1970), not a date.
FLICKR_EPOCH = 1_075_593_600


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
class Replaced:
    """What the replace endpoint answered: the photo (same id) and its new secrets, when given
    (an asynchronous replace gives only the id)."""

    photo_id: PhotoId
    secret: str | None = None
    original_secret: str | None = None


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
