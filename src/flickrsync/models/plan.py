"""The plan: frozen actions and their summary (re-exported by :mod:`flickrsync.models`)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from flickrsync.models.base import (
    ContentId,
    LocalPath,
    Media,
    Nsid,
    PhotoId,
    Photoset,
    PhotosetId,
    UploadOptions,
)
from flickrsync.tags import format_tags

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

#: What a run does with a picture edited since it was synced (``on_edit``, ``--on-edit``): keep
#: the earlier version on Flickr, replace it (Flickr's replace API), or upload a new photo.
OnEdit = Literal["keep", "replace", "upload"]
ON_EDIT: tuple[OnEdit, ...] = ("keep", "replace", "upload")

#: Written into the description of every photoset flickrsync creates; a set whose description
#: contains it is "ours". flickrsync 0.1.1 wrote exactly this text, so its sets are adopted.
SET_MARKER = "[created by flickrsync]"


@dataclass(frozen=True, slots=True)
class RemoteSet:
    """A photoset with its photos in the set's order (flickr.photosets.getPhotos)."""

    photoset: Photoset
    photo_ids: tuple[PhotoId, ...]


@dataclass(frozen=True, slots=True)
class Resize:
    """Upload a smaller copy: the picture re-encoded as a JPEG whose long edge is at most
    ``long_edge`` pixels (``resize = LONG_EDGE`` in config.ini); the file on disk is never
    changed."""

    long_edge: int
    #: JPEG quality of the copy, 1-100 (``resize_quality``).
    quality: int = 90


@dataclass(frozen=True, slots=True)
class Upload:
    """Upload one picture from ``path`` (its first path that is not ignored), with everything
    Flickr is told about it: the planner decided each field (title, description and tags from
    the picture's own metadata or its file name, who may see it from the settings of its folder),
    and a plan file may have edited them."""

    content_id: ContentId
    path: LocalPath
    title: str
    #: Our machine tag first, then the configured extra tags and the picture's keywords.
    tags: tuple[str, ...]
    size: int
    media: Media
    reason: str
    #: A video's date taken, set with flickr.photos.setDates right after the upload: Flickr
    #: ignores a video's own capture date. None for photos (Flickr reads their EXIF date).
    set_date_taken: str | None = None
    #: Sent with Flickr's ``dedup_check`` (a copy the account holds already is linked, not sent
    #: twice). False for a picture ``--restore`` brings back: Flickr's check would point at the
    #: deleted photo and refuse, so the file would cross the uplink twice.
    dedup_check: bool = True
    description: str = ""
    #: Who may see the photo and how Flickr files it (the upload API's fields, sent as they are).
    options: UploadOptions = UploadOptions()
    #: None: the file is sent as it is.
    resize: Resize | None = None
    #: Where the fields came from, by name (``title``: ``XMP-dc:Title``, ``privacy``:
    #: ``[folder:Family] line 12`` …), for people: what a dry run and a plan file show.
    origins: tuple[tuple[str, str], ...] = ()
    #: What had to be cut or left out to suit Flickr (a 10,000-character description …).
    warnings: tuple[str, ...] = ()

    @property
    def raw_tags(self) -> str:
        """The ``tags`` field of the upload call."""
        return format_tags(self.tags)

    @property
    def calls(self) -> int:
        return 2 if self.set_date_taken else 1


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
class Replace:
    """Put an edited version of a picture in place of the photo holding its earlier version
    (Flickr's replace API: same photo id, sets, comments and favourites), then move the photo's
    machine tag from the old content id to the new one (flickr.photos.getInfo for the old tag's
    id, flickr.photos.removeTag, flickr.photos.addTags). Never planned for a video."""

    photo_id: PhotoId
    content_id: ContentId
    old_content_id: ContentId
    path: LocalPath
    size: int
    reason: str
    #: None: the file is sent as it is; else its smaller copy (``resize``, as uploads are).
    resize: Resize | None = None

    #: Write calls: the replace, removing the old machine tag, adding the new one.
    calls = 3


@dataclass(frozen=True, slots=True)
class SetDateTaken:
    """flickr.photos.setDates on a video matched to a picture whose date taken Flickr does not
    have (it ignores a video's capture date and fills in the upload time): the date an upload's
    own setDates call could not set (the run was killed, the call failed)."""

    photo_id: PhotoId
    content_id: ContentId
    date_taken: str
    reason: str

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
#: What the executor's transfer step does (one item each, ``transfers`` at a time).
FileAction = Upload | Download | AddTags | Replace | SetDateTaken
SetAction = CreateSet | AddToSet | RemoveFromSet | EditSetPhotos | EditSetMeta | DeleteSet | AddToGroup
Action = Upload | AddTags | Download | Replace | SetDateTaken | SetAction

#: Each action's name where plans are shown as data (``--json``, a plan file's photoset preview).
ACTION_KINDS: dict[type, str] = {
    Upload: "upload",
    Download: "download",
    AddTags: "add_tags",
    Replace: "replace",
    SetDateTaken: "set_date_taken",
    CreateSet: "create_set",
    AddToSet: "add_to_set",
    RemoveFromSet: "remove_from_set",
    EditSetPhotos: "edit_set_photos",
    EditSetMeta: "rename_set",
    DeleteSet: "delete_set",
    AddToGroup: "add_to_group",
}


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
    #: Photos replaced by an edited version of their picture (``on_edit = replace``).
    replaces: int = 0
    #: Videos whose date taken is set (flickr.photos.setDates) apart from an upload.
    dates_set: int = 0
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
    #: Pictures not uploaded because the user ignores them (``flickrsync ignore``, a folder's
    #: ``ignore = 1``).
    ignored: int = 0
    #: Edited pictures whose earlier version stays on Flickr (``on_edit = keep``, or replace
    #: refused or not possible): not uploaded, the photo not downloaded.
    edits_kept: int = 0
    #: Photos whose picture was deleted from the library: not downloaded (``--restore`` does).
    deleted_locally: int = 0
    #: Pictures whose photo was deleted on Flickr: not uploaded again (``--restore`` does).
    deleted_on_flickr: int = 0

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
    def file_actions(self) -> tuple[FileAction, ...]:
        """The transfer step's actions (uploads, downloads, tags, replaces, dates), in order."""
        return tuple(a for a in self.actions if isinstance(a, FileAction))

    @property
    def set_actions(self) -> tuple[SetAction, ...]:
        return tuple(a for a in self.actions if not isinstance(a, FileAction))

    @property
    def is_empty(self) -> bool:
        return not self.actions
