"""One upload that lands once and holds exactly the scanned picture (issue 16 points 3 and 5).

Called by an executor worker (network and the file only: no SQL, no threads of its own). On top
of :meth:`FlickrClient.upload_once`, which makes an upload land once when answers get lost:

* **Flickr's own guard.** The file is sent with ``dedup_check`` (REFERENCE §5.1/§5.2; the
  planner's :attr:`Upload.dedup_check` says when not): a file
  the account holds already is refused with code 9, naming that photo — another home uploaded the
  picture meanwhile, or a killed run's upload was stored after its index was deleted. That photo
  is linked instead of sending a second copy, once it is known to be the picture: it carries the
  picture's machine tag, or its original's content id is the picture's (it then gets the tag).
  A duplicate that is gone (the user deleted it) or is not the picture: the file is sent again
  without the check.
* **Torn uploads.** The upload reads the file as it sends it (:class:`flickrsync.sentfile.SentFile`
  hashes what it reads); afterwards :func:`flickrsync.sentfile.check_sent` compares that with the
  file as it is now. A file rewritten during its upload is a failed upload, never recorded as a
  backup, and the photo it made is repaired: its image replaced by the file as it is now when the
  account allows it (Flickr's replace; it then holds a whole picture with the right machine tag),
  else our machine tag is taken off it (no run takes it for the picture) and the user is told to
  delete it.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import IO

from flickrsync import resizing
from flickrsync.client import FlickrClient
from flickrsync.errors import DuplicateUploadError, FlickrsyncError, LocalFileError, RemoteError
from flickrsync.matcher.keys import OUR_TAG_PREFIX
from flickrsync.models import ContentId, FileStat, PhotoId, RemotePhoto, Upload, content_tag
from flickrsync.sentfile import check_sent, open_sent, send_problem
from flickrsync.tags import clean_tag

log = logging.getLogger("flickrsync.uploading")


@dataclass(frozen=True, slots=True)
class Landed:
    """The photo that holds the picture after :func:`upload_picture`."""

    photo_id: PhotoId
    #: Nothing was stored: Flickr held the picture already (``dedup_check``) and it is linked.
    linked: bool = False
    #: The linked photo as Flickr describes it (getInfo), with our machine tag when it has it.
    record: RemotePhoto | None = None
    #: Bytes sent (0 when linked).
    sent: int = 0


class TornUploadError(LocalFileError):
    """The file changed while it was being uploaded: the photo does not hold the picture."""

    def __init__(self, path: str, reason: str, *, photo_id: PhotoId) -> None:
        super().__init__(path, reason)
        self.photo_id = photo_id


def upload_picture(
    client: FlickrClient,
    action: Upload,
    scanned: FileStat,
    scratch: Path | None,
    original_of: Callable[[RemotePhoto], ContentId],
) -> Landed:
    """Upload ``action``'s file (as the scan saw it: ``scanned``), or its smaller copy under
    ``action.resize`` (made in ``scratch``, :func:`flickrsync.resizing.upload_body`), once, or
    link the photo Flickr says holds it. ``original_of`` gives the content id of a photo's
    original (a download). Raises :class:`TornUploadError` when what was sent is not the
    picture (a copy: not made from it)."""
    with (
        open_sent(action.path, expect=scanned) as stream,
        resizing.upload_body(stream, action.path.name, scanned.size, action.resize, scratch) as sending,
    ):
        body, filename, size = sending
        try:
            photo_id = _send(client, body, filename, action, dedup_check=action.dedup_check)
        except DuplicateUploadError as duplicate:
            linked = _link_duplicate(client, duplicate, action.content_id, original_of)
            if linked is not None:
                return linked
            body.seek(0)
            photo_id = _send(client, body, filename, action, dedup_check=False)
        check = check_sent(stream)
    problem = send_problem(check, action.content_id, scanned)
    if problem is None:
        return Landed(photo_id, sent=size)
    log.warning("%s: %s (photo %s)", stream.shown, problem, photo_id)
    repaired = _replace_torn(client, photo_id, action, scratch)
    if repaired == "whole":
        log.warning("photo %s: replaced by the file as it is now, which is the picture", photo_id)
        return Landed(photo_id, sent=size)
    raise TornUploadError(stream.shown, f"{problem}; {repaired}", photo_id=photo_id)


def _send(
    client: FlickrClient, body: IO[bytes], filename: str, action: Upload, *, dedup_check: bool
) -> PhotoId:
    return client.upload_once(
        body,
        filename,
        machine_tag=content_tag(action.content_id),
        title=action.title,
        description=action.description,
        tags=action.tags,
        options=action.options,
        dedup_check=dedup_check,
    )


def _has_tag(photo: RemotePhoto, tag: str) -> bool:
    return tag in photo.machine_tags or tag in photo.tags


def _link_duplicate(
    client: FlickrClient,
    duplicate: DuplicateUploadError,
    content_id: ContentId,
    original_of: Callable[[RemotePhoto], ContentId],
) -> Landed | None:
    """The photo Flickr named as holding the file already, when it is the picture; None when
    the file must be sent after all (the photo is gone, or it is not the picture)."""
    photo_id = PhotoId(duplicate.photo_id)
    try:
        photo = client.get_info(photo_id)
    except RemoteError as exc:
        if exc.code == 1:  # deleted by the user ("DELETED"): upload a new copy, as without the check
            log.info("photo %s, which Flickr says holds this file, is gone: uploading", photo_id)
            return None
        raise
    tag = content_tag(content_id)
    if not _has_tag(photo, tag):
        try:
            found = original_of(photo)
        except FlickrsyncError as exc:
            log.info("photo %s: original not examined (%s); uploading", photo_id, exc)
            return None
        if found != content_id:
            log.info("photo %s holds the same file by Flickr but another picture: uploading", photo_id)
            return None
        if client.add_tags(photo_id, [tag]):
            photo = replace(photo, tags=(*photo.tags, tag), machine_tags=(*photo.machine_tags, tag))
    log.info("Flickr holds this picture already as photo %s: linked, not uploaded again", photo_id)
    return Landed(photo_id, linked=True, record=photo)


def _replace_torn(client: FlickrClient, photo_id: PhotoId, action: Upload, scratch: Path | None) -> str:
    """Repair the photo a torn upload made. ``"whole"`` when it now holds the picture; else what
    became of it, for the user."""
    tag = content_tag(action.content_id)
    try:
        with open_sent(action.path) as stream:
            size = os.fstat(stream.fileno()).st_size
            with resizing.upload_body(stream, action.path.name, size, action.resize, scratch) as sending:
                client.replace(photo_id, sending[0], sending[1])
            check = check_sent(stream)
    except (FlickrsyncError, OSError) as exc:
        log.info("photo %s: not replaced (%s)", photo_id, exc)
    else:
        if check.sent_is_file and check.content_id == action.content_id:
            return "whole"
        if check.sent_is_file and check.content_id is not None:
            try:
                move_machine_tag(client, photo_id, check.content_id)
            except FlickrsyncError as exc:
                return (
                    f"photo {photo_id} on Flickr now holds its new version, but its machine tag could "
                    f"not be corrected ({exc}): delete photo {photo_id} on Flickr"
                )
            return f"photo {photo_id} on Flickr now holds its new version (replaced)"
    try:
        removed = bool(take_off_tags(client, photo_id, lambda t: t == clean_tag(tag)))
    except FlickrsyncError as exc:
        log.info("photo %s: machine tag not removed (%s)", photo_id, exc)
        removed = False
    if removed:
        return (
            f"photo {photo_id} on Flickr holds a damaged copy: delete it there "
            "(this account cannot replace it); the file is uploaded again on the next run"
        )
    return (
        f"photo {photo_id} on Flickr holds a damaged copy and still carries the picture's machine tag: "
        f"delete photo {photo_id} on Flickr, or the picture counts as backed up"
    )


# --- our machine tag on a photo ----------------------------------------------------------------


def take_off_tags(
    client: FlickrClient,
    photo_id: PhotoId,
    which: Callable[[str], bool],
    tags: Sequence[tuple[str, str]] | None = None,
) -> tuple[str, ...]:
    """Take off the photo's tags whose clean form (:func:`flickrsync.tags.clean_tag`) ``which``
    picks, by their ids (flickr.photos.getInfo, unless ``tags`` gives the photo's ``(tag id, raw
    tag)``); the clean forms taken off."""
    if tags is None:
        _owner, tags = client.tag_ids(photo_id)
    removed = []
    for tag_id, raw in tags:
        if which(clean := clean_tag(raw)):
            client.remove_tag(tag_id)
            removed.append(clean)
    return tuple(removed)


def move_machine_tag(
    client: FlickrClient,
    photo_id: PhotoId,
    content_id: ContentId,
    tags: Sequence[tuple[str, str]] | None = None,
) -> tuple[str, ...]:
    """Give the photo our machine tag for ``content_id`` and no other of ours (a replace, a torn
    upload repaired, ``flickrsync identify``): the others off first, then it on — a run killed
    in between leaves a photo without our tag, never one claiming two pictures. The tags taken
    off (see :func:`take_off_tags` for ``tags``)."""
    ours = content_tag(content_id)
    wanted = clean_tag(ours)
    removed = take_off_tags(client, photo_id, lambda t: t.startswith(OUR_TAG_PREFIX) and t != wanted, tags)
    client.add_tags(photo_id, [ours])
    return removed
