"""fakeflickr's records: the rows of its state as frozen dataclasses, the settings tests may turn
(:class:`Config`), and the photo filter every list method shares (:class:`PhotoQuery`).

Plain data only: no SQL, no files (those live in :mod:`fakeflickr.state.store` and
:mod:`fakeflickr.state.blobs`).
"""

from __future__ import annotations

import secrets
from dataclasses import asdict, dataclass, field, fields
from typing import Any, Literal

from fakeflickr.text import MachineTagQuery

Perms = Literal["none", "read", "write", "delete"]
PERM_LEVEL: dict[str, int] = {"none": 0, "read": 1, "write": 2, "delete": 3}

MB = 1024 * 1024
PHOTO_SIZE_MAX = 200 * MB
VIDEO_SIZE_MAX = 1024 * MB
FREE_ITEM_LIMIT = 1000


@dataclass(slots=True)
class Config:
    """Knobs tests may turn through ``/__admin/config`` (persisted in ``meta``)."""

    #: Deep-paging cap: results past this offset repeat the last page inside the cap
    #: (photos.search and people.getPhotos). 0 disables.
    deep_page_cap: int = 4000
    #: "repeat" (default, as reported 2017-2018) or "error" (search answers code 20).
    deep_page_mode: str = "repeat"
    #: Seconds before an async upload/replace ticket completes.
    ticket_delay: float = 0.5
    #: Zone in which a file without an EXIF date gets its date taken (the upload time).
    timezone: str = "America/Los_Angeles"
    #: Fixed "now" (Unix seconds) for dates Flickr stamps (posted, lastupdate); None = real time.
    clock: float | None = None
    #: Seconds added to real time for those dates (ignored when ``clock`` is set).
    clock_offset: float = 0.0
    #: OAuth timestamps further than this from real time are refused (timestamp_refused).
    oauth_timestamp_window: int = 300
    #: Seconds before a new or edited photo shows up in photos.search (0 = at once). On by
    #: default, as on Flickr (REFERENCE §4.2; docs/flickr-quirks.md): tests that need a fresh
    #: upload in search at once turn it off and say why.
    search_index_delay: int = 3600
    #: Maximum number of tags on one photo (error 2 "Maximum number of tags reached").
    max_tags_per_photo: int = 75
    #: Pillow formats accepted as photos (others -> upload error 5).
    photo_formats: list[str] = field(default_factory=lambda: ["JPEG", "MPO", "PNG", "GIF", "TIFF", "HEIF"])
    #: False makes the ``machine_tags`` extra come back empty while ``tags`` still lists the
    #: machine tags, as one 2013 recording shows (lets tests check a client does not depend on it).
    machine_tags_extra: bool = True
    #: Whether a video's original file can be downloaded through the API (getSizes' ``Video
    #: Original`` and the ``_o`` URL). UNCONFIRMED on Flickr (REFERENCE §6.2): off by default,
    #: the stricter choice; they then answer 403.
    video_originals: bool = False
    #: ``server``/``farm`` given to new photos (modern values).
    server: str = "65535"
    farm: int = 66

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    def update(self, values: dict[str, Any]) -> None:
        names = {f.name for f in fields(self)}
        for key, value in values.items():
            if key not in names:
                raise KeyError(key)
            setattr(self, key, value)


@dataclass(frozen=True, slots=True)
class User:
    nsid: str
    num: int
    username: str
    fullname: str
    realname: str
    location: str
    path_alias: str | None
    is_pro: bool
    item_limit: int | None
    filesize_max: int
    videosize_max: int
    default_is_public: int
    default_is_friend: int
    default_is_family: int
    created: int


@dataclass(frozen=True, slots=True)
class Token:
    token: str
    secret: str
    kind: str
    consumer_key: str
    user_nsid: str | None
    perms: str | None
    callback: str | None
    verifier: str | None
    state: str
    created: int


@dataclass(frozen=True, slots=True)
class Photo:
    id: int
    owner: str
    secret: str
    originalsecret: str
    server: str
    farm: int
    title: str
    description: str
    ispublic: int
    isfriend: int
    isfamily: int
    safety_level: int
    content_type: int
    hidden: int
    license: str
    perm_comment: int
    perm_addmeta: int
    dateupload: int
    lastupdate: int
    datetaken: str
    takengranularity: int
    takenunknown: int
    media: str
    originalformat: str
    width: int
    height: int
    rotation: int
    views: int
    duration: int | None
    file_path: str | None
    file_size: int | None
    file_md5: str | None
    searchable_at: int


@dataclass(frozen=True, slots=True)
class Tag:
    id: str
    photo_id: int
    author: str
    raw: str
    clean: str
    machine: bool


@dataclass(frozen=True, slots=True)
class Photoset:
    id: int
    owner: str
    title: str
    description: str
    primary_id: int
    date_create: int
    date_update: int
    views: int
    photos: int
    videos: int


@dataclass(frozen=True, slots=True)
class Group:
    nsid: str
    name: str
    moderated: bool
    privacy: int
    eighteenplus: int
    invitation_only: int
    url_name: str


@dataclass(frozen=True, slots=True)
class Ticket:
    id: str
    user_nsid: str
    kind: str
    complete: int
    photo_id: int | None
    ready_at: float
    created: int
    imported: int | None
    payload: dict[str, Any]


@dataclass(slots=True)
class PhotoQuery:
    """A filter over photos, shared by people.getPhotos, search, getNotInSet, recentlyUpdated."""

    owner: str | None = None
    #: Who asks: photos not owned by the viewer are visible only when public.
    viewer: str | None = None
    min_upload: int | None = None
    max_upload: int | None = None
    min_taken: str | None = None
    max_taken: str | None = None
    min_lastupdate: int | None = None
    media: str | None = None  # photo | video
    privacy_filter: int | None = None
    tags_any: list[str] = field(default_factory=list)
    tags_all: list[str] = field(default_factory=list)
    tags_exclude: list[str] = field(default_factory=list)
    machine_tags: list[MachineTagQuery] = field(default_factory=list)
    machine_tag_mode: str = "any"
    text_include: list[str] = field(default_factory=list)
    text_exclude: list[str] = field(default_factory=list)
    not_in_set: bool = False
    in_set: int | None = None
    in_pool: str | None = None
    #: Leave out photos uploaded with hidden=2 ("hide from public searches").
    exclude_hidden: bool = False
    searchable_before: int | None = None
    sort: str = "date-posted-desc"


def new_secret() -> str:
    """A photo secret: 10 hex digits, as on Flickr."""
    return secrets.token_hex(5)
