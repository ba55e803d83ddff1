"""The upload and replace endpoints and async tickets (REFERENCE §5; upload.api.html,
replace.api.html, upload.async.html).

Checks, in Flickr's documented codes: no ``photo`` part -> 2 "No photo specified"; an empty file
-> 4 "Filesize was zero"; not a picture or video we recognise by content -> 5 "Filetype was not
recognised"; bigger than the account's limit -> 8 "Filesize was too large"; the account's item
limit reached (free accounts: 1,000) -> 6 "Upload limit reached. For more info, visit
flickr.com/pro"; more tags than a photo may carry (``Config.max_tags_per_photo``, 75) -> 2 "Maximum
number of tags reached" (REFERENCE §5.6 gives that code for every ``tags`` string, uploads included;
the upload page's own list has 2 for "No photo specified": UNCONFIRMED which one Flickr answers, both
refuse the upload). Replace also needs a Pro account (1 "Not a pro account") and the caller's
``photo_id``.

``dedup_check=1`` or ``2``: a file whose bytes equal (size and MD5) those of a photo the account
holds, or held (the photo was deleted since), is refused with 9 "Duplicate photo/video detected",
carrying ``<duplicate_photo_id>`` and ``<duplicate_photo_status>`` (``ACTIVE``, a guess; ``DELETED``
for a deleted one, as a client reported Flickr answering with ``dedup_check=1``). Flickr does not
document what "the same" is; the strict plausible reading is "the same bytes": a copy whose
metadata differs is *not* a duplicate, so a client cannot count on this check for anything but
byte-identical files. The check and the storing of a synchronous upload are one transaction, so of
two identical uploads the second always sees the first; an async upload is checked when it is
received, not against tickets still pending (a client must not count on that either).

What a new photo gets: title = the part's file name without extension when no ``title`` field is
sent; date taken = EXIF DateTimeOriginal (``takenunknown=0``), else the upload time in the
configured zone (``takenunknown=1``); a video's date taken is the upload time whatever the file
says (``takenunknown=0``: Flickr ignores a video's capture date); the original bytes are stored
unchanged.

``async=1`` answers a ``<ticketid>`` at once; the photo appears when the ticket completes, after
``Config.ticket_delay`` seconds (tickets are completed lazily, on the next request that arrives
after the delay). An async upload of a file that is not a picture or video fails its ticket
(``complete=2``) instead of answering error 5.
"""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from pathlib import Path, PurePosixPath
from typing import IO, Any

from fakeflickr.errors import ApiError
from fakeflickr.media import Probe, probe_file
from fakeflickr.render import El, text_el
from fakeflickr.state import Store, User
from fakeflickr.text import parse_tags, store_description


@dataclass(frozen=True, slots=True)
class Received:
    """The ``photo`` part, saved under ``incoming/``."""

    path: Path
    filename: str
    size: int
    md5: str


def receive(store: Store, stream: IO[bytes], filename: str | None) -> Received:
    """Save the part to disk (outside the store lock), hashing it on the way."""
    path = store.blobs.incoming(uuid.uuid4().hex)
    size = 0
    digest = hashlib.md5()
    with path.open("wb") as out:
        for chunk in iter(lambda: stream.read(1 << 20), b""):
            out.write(chunk)
            digest.update(chunk)
            size += len(chunk)
    return Received(path, filename or "", size, digest.hexdigest())


def _flag(fields: Mapping[str, str], name: str, default: int) -> int:
    value = (fields.get(name) or "").strip()
    return int(value) if value in ("0", "1") else default


def _choice(fields: Mapping[str, str], name: str, allowed: range, default: int) -> int:
    value = (fields.get(name) or "").strip()
    return int(value) if value.isdigit() and int(value) in allowed else default


def default_title(filename: str) -> str:
    name = PurePosixPath(filename.replace("\\", "/")).name
    stem, dot, _ext = name.rpartition(".")
    return stem if dot and stem else name


def _metadata(user: User, fields: Mapping[str, str], filename: str) -> dict[str, Any]:
    is_public = _flag(fields, "is_public", user.default_is_public)
    return {
        "title": fields["title"] if "title" in fields else default_title(filename),
        "description": store_description(fields.get("description", "")),
        "tags": fields.get("tags", ""),
        "ispublic": is_public,
        "isfriend": 0 if is_public else _flag(fields, "is_friend", user.default_is_friend),
        "isfamily": 0 if is_public else _flag(fields, "is_family", user.default_is_family),
        # Input safety levels are 1-3; responses say 0-2 (REFERENCE §3.6).
        "safety_level": _choice(fields, "safety_level", range(1, 4), 1) - 1,
        "content_type": _choice(fields, "content_type", range(1, 4), 1),
        "hidden": _choice(fields, "hidden", range(1, 3), 1),
    }


def _probe(store: Store, received: Received) -> Probe | None:
    probe = probe_file(received.path)
    if probe is None:
        return None
    if probe.media == "photo":
        formats = {
            "jpg": ("JPEG", "MPO"),
            "png": ("PNG",),
            "gif": ("GIF",),
            "tiff": ("TIFF",),
            "heic": ("HEIF",),
        }
        if not set(formats.get(probe.originalformat, ())) & set(store.config.photo_formats):
            return None
    return probe


def _check_size(user: User, received: Received, probe: Probe) -> None:
    limit = user.videosize_max if probe.media == "video" else user.filesize_max
    if received.size > limit:
        raise ApiError(8, "Filesize was too large")


def _checked_probe(
    store: Store, user: User, fields: Mapping[str, str], received: Received
) -> tuple[bool, Probe | None]:
    """(async?, what the file is). Synchronous calls refuse unrecognised files with 5; async ones
    let the ticket fail later. Too big for the account: 8."""
    asynchronous = (fields.get("async") or "").strip() == "1"
    probe = _probe(store, received)
    if probe is None and not asynchronous:
        raise ApiError(5, "Filetype was not recognised")
    if probe is not None:
        _check_size(user, received, probe)
    return asynchronous, probe


def _check_received(received: Received | None) -> Received:
    if received is None:
        raise ApiError(2, "No photo specified")
    if received.size == 0:
        received.path.unlink(missing_ok=True)
        raise ApiError(4, "Filesize was zero")
    return received


def _create_photo(
    store: Store,
    user: User,
    *,
    meta: dict[str, Any],
    probe: Probe,
    path: Path,
    posted: int,
    digest: tuple[int, str] | None,
) -> int:
    if probe.media == "video":
        # Flickr ignores a video's own capture date: its date taken is the upload time (recorded
        # 2012; a 2023 recording shows 0000-00-00), not flagged unknown. setDates sets it.
        taken, unknown = store.local_time(posted), 0
    elif probe.date_taken is not None:
        taken, unknown = probe.date_taken, 0
    else:
        taken, unknown = store.local_time(posted), 1
    photo = store.add_photo(
        owner=user.nsid,
        title=meta["title"],
        description=meta["description"],
        tags=parse_tags(meta["tags"]),
        ispublic=meta["ispublic"],
        isfriend=meta["isfriend"],
        isfamily=meta["isfamily"],
        safety_level=meta["safety_level"],
        content_type=meta["content_type"],
        hidden=meta["hidden"],
        dateupload=posted,
        datetaken=taken,
        takenunknown=unknown,
        media=probe.media,
        originalformat=probe.originalformat,
        width=probe.width,
        height=probe.height,
        duration=probe.duration,
        source_file=path,
        source_digest=digest,
    )
    return photo.id


def _duplicate_of(store: Store, user: User, received: Received) -> tuple[int, str] | None:
    """(photo id, status) of a photo of the account with the same bytes: a held one first, else
    one deleted since."""
    with store.tx() as db:
        row = db.execute(
            "SELECT id FROM photos WHERE owner = ? AND file_md5 = ? AND file_size = ? ORDER BY id LIMIT 1",
            (user.nsid, received.md5, received.size),
        ).fetchone()
        if row is not None:
            return int(row[0]), "ACTIVE"
    deleted = store.deleted_file(user.nsid, received.md5, received.size)
    return None if deleted is None else (deleted, "DELETED")


def _check_duplicate(store: Store, user: User, fields: Mapping[str, str], received: Received) -> None:
    if (fields.get("dedup_check") or "").strip() not in ("1", "2"):
        return
    duplicate = _duplicate_of(store, user, received)
    if duplicate is not None:
        photo_id, status = duplicate
        raise ApiError(
            9,
            "Duplicate photo/video detected",
            [text_el("duplicate_photo_id", str(photo_id)), text_el("duplicate_photo_status", status)],
        )


def _check_tags(store: Store, fields: Mapping[str, str]) -> None:
    if len(parse_tags(fields.get("tags", ""))) > store.config.max_tags_per_photo:
        raise ApiError(2, "Maximum number of tags reached")


def upload(store: Store, user: User, fields: Mapping[str, str], received: Received | None) -> list[El]:
    """``POST /services/upload/``: returns ``<photoid>`` or ``<ticketid>``."""
    received = _check_received(received)
    try:
        with store.tx():
            asynchronous, probe = _checked_probe(store, user, fields, received)
            if user.item_limit is not None and store.count_items(user.nsid) >= user.item_limit:
                raise ApiError(6, "Upload limit reached. For more info, visit flickr.com/pro")
            _check_tags(store, fields)
            _check_duplicate(store, user, fields, received)
            meta = _metadata(user, fields, received.filename)
            posted = store.now()
            if asynchronous:
                payload = {
                    "incoming": received.path.name,
                    "meta": meta,
                    "probe": asdict(probe) if probe else None,
                    "posted": posted,
                    "size": received.size,
                    "md5": received.md5,
                }
                ticket = store.create_ticket(user, "upload", payload, store.config.ticket_delay)
                return [text_el("ticketid", ticket)]
            assert probe is not None
            photo_id = _create_photo(
                store,
                user,
                meta=meta,
                probe=probe,
                path=received.path,
                posted=posted,
                digest=(received.size, received.md5),
            )
            return [text_el("photoid", str(photo_id))]
    except ApiError:
        received.path.unlink(missing_ok=True)
        raise


def replace(store: Store, user: User, fields: Mapping[str, str], received: Received | None) -> list[El]:
    """``POST /services/replace/``: returns ``<photoid secret originalsecret>`` or a ticket."""
    try:
        if not user.is_pro:
            raise ApiError(1, "Not a pro account")
        received = _check_received(received)
        with store.tx():
            raw_id = (fields.get("photo_id") or "").strip()
            photo = store.photo(int(raw_id)) if raw_id.isdigit() and len(raw_id) < 19 else None
            if photo is None or photo.owner != user.nsid:
                raise ApiError(7, "Photo not found")
            asynchronous, probe = _checked_probe(store, user, fields, received)
            if asynchronous:
                payload = {
                    "incoming": received.path.name,
                    "probe": asdict(probe) if probe else None,
                    "photo_id": photo.id,
                    "size": received.size,
                    "md5": received.md5,
                }
                ticket = store.create_ticket(user, "replace", payload, store.config.ticket_delay)
                return [text_el("ticketid", ticket)]
            assert probe is not None
            updated = store.replace_file(
                photo.id, received.path, asdict(probe), (received.size, received.md5)
            )
            return [
                El(
                    "photoid",
                    {"secret": updated.secret, "originalsecret": updated.originalsecret},
                    text=str(photo.id),
                )
            ]
    except ApiError:
        if received is not None:
            received.path.unlink(missing_ok=True)
        raise


def complete_due_tickets(store: Store) -> None:
    """Turn async uploads/replaces whose delay has passed into photos (or failures)."""
    with store.tx():
        for ticket in store.due_tickets():
            payload = ticket.payload
            path = store.blobs.incoming(payload["incoming"])
            user = store.user(ticket.user_nsid)
            probe = Probe(**payload["probe"]) if payload.get("probe") else None
            if user is None or probe is None or not path.exists():
                path.unlink(missing_ok=True)
                store.finish_ticket(ticket.id, 2, None)
                continue
            digest = (int(payload["size"]), str(payload["md5"]))
            if ticket.kind == "upload":
                photo_id = _create_photo(
                    store,
                    user,
                    meta=payload["meta"],
                    probe=probe,
                    path=path,
                    posted=int(payload["posted"]),
                    digest=digest,
                )
                store.finish_ticket(ticket.id, 1, photo_id)
                continue
            photo = store.photo(int(payload["photo_id"]))
            if photo is None:
                path.unlink(missing_ok=True)
                store.finish_ticket(ticket.id, 2, None)
                continue
            store.replace_file(photo.id, path, asdict(probe), digest)
            store.finish_ticket(ticket.id, 1, photo.id)
