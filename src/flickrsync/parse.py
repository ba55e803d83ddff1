"""Pure: Flickr's JSON (and the upload endpoints' XML) -> the records of :mod:`flickrsync.models`.

No I/O. Every function takes a decoded response and returns plain data, or raises
:class:`MalformedResponse` when a field the caller cannot do without is missing.

Flickr's JSON is a mechanical translation of its XML and its scalar types wander (REFERENCE §2.3,
https://www.flickr.com/services/api/response.json.html): numbers arrive as strings or numbers,
sometimes both within one object; ``total`` has been ``""``; text elements are
``{"_content": ...}`` while list items carry plain strings; optional extras are simply absent;
``pathalias`` is ``null``; 2012–2013 answers lack ``datetakenunknown``. So every scalar goes
through :func:`as_int` / :func:`as_str` / :func:`content`, and every optional field has a default.
"""

from __future__ import annotations

import math
import xml.etree.ElementTree as ET
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from flickrsync.models import (
    Account,
    Media,
    Nsid,
    Perms,
    PhotoContext,
    PhotoId,
    PhotoPage,
    Photoset,
    PhotosetId,
    PhotoSize,
    RemotePhoto,
    Ticket,
    TicketId,
    TicketState,
    TokenInfo,
    UploadLimits,
)
from flickrsync.tags import MACHINE_TAG

#: A decoded JSON object as Flickr sends it.
Json = Mapping[str, Any]

#: Flickr's "no date" values for a date taken.
_NO_DATE = {"", "0000-00-00 00:00:00", "0000-00-00"}
_PERMS: dict[str, Perms] = {"read": "read", "write": "write", "delete": "delete"}


class MalformedResponse(ValueError):
    """The response decoded, but lacks something every real Flickr answer of its kind has."""


# --- scalars ---------------------------------------------------------------------------------


def as_int(value: object, default: int | None = None) -> int | None:
    """``12``, ``"12"``, ``"12.0"`` -> 12; ``""``, ``None``, ``"lots"``, garbage -> ``default``."""
    if isinstance(value, str):  # Flickr's usual form, first: a listing page reads ~6,000 of these
        text = value.strip()
        try:
            return int(text)
        except ValueError:
            try:
                return int(float(text))
            except (ValueError, OverflowError):  # "nan", "inf"
                return default
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        return int(value) if math.isfinite(value) else default
    return default


def as_str(value: object, default: str = "") -> str:
    """Any scalar as text; ``None`` -> ``default``; ``{"_content": x}`` -> x."""
    if type(value) is str:  # the usual case, before the slower checks below
        return value
    if value is None:
        return default
    if isinstance(value, Mapping):
        return content(value, default)
    if isinstance(value, bool):
        return "1" if value else "0"
    return str(value)


def content(value: object, default: str = "") -> str:
    """The text of an element: ``{"_content": "x"}`` or a bare ``"x"`` (list items carry those)."""
    if type(value) is str:
        return value
    if isinstance(value, Mapping):
        inner = value.get("_content")
        return default if inner is None else str(inner)
    if value is None:
        return default
    return str(value)


def as_bool(value: object, default: bool = False) -> bool:
    number = as_int(value)
    return default if number is None else number != 0


def _int(value: object, default: int) -> int:
    result = as_int(value, default)
    return default if result is None else result


def _items(value: object) -> list[Json]:
    """A JSON list of objects; tolerate one bare object or nothing."""
    if isinstance(value, list):
        return [item for item in value if isinstance(item, Mapping)]
    if isinstance(value, Mapping):
        return [value]
    return []


def _obj(value: object) -> Json:
    """A JSON object, or an empty one for anything else."""
    return value if isinstance(value, Mapping) else {}


def _require(obj: Json, key: str, what: str) -> Json:
    value = obj.get(key)
    if not isinstance(value, Mapping):
        raise MalformedResponse(f"{what}: no {key!r} object in the response")
    return value


def _require_id(obj: Json, key: str, what: str) -> str:
    value = as_str(obj.get(key)).strip()
    if not value:
        raise MalformedResponse(f"{what}: item without {key!r}")
    return value


# --- photos ----------------------------------------------------------------------------------


def split_tags(text: str) -> tuple[str, ...]:
    """The ``tags``/``machine_tags`` extras: clean forms separated by spaces."""
    return tuple(text.split())


def machine_tags_of(tags: Sequence[str], declared: Sequence[str] = ()) -> tuple[str, ...]:
    """Machine tags of a photo: the ``machine_tags`` extra plus any tag shaped like one.

    A 2013 recording had ``vision:night=077`` in ``tags`` and an empty ``machine_tags``
    (REFERENCE §3.3), so trusting ``machine_tags`` alone could miss our own content tag.
    """
    found = dict.fromkeys(declared)
    for tag in tags:
        if MACHINE_TAG.match(tag):
            found.setdefault(tag)
    return tuple(found)


def date_taken(value: object) -> str | None:
    text = as_str(value).strip()
    return None if text in _NO_DATE else text


#: Renditions usable for a perceptual hash, smallest uncropped first (``url_n`` is 320 px).
_SMALL_URLS = ("url_n", "url_w", "url_s", "url_m", "url_z", "url_t", "url_c", "url_o")


def parse_photo(item: Json) -> RemotePhoto:
    """One item of a standard photo list with extras (people.getPhotos, photos.search, ...).

    https://www.flickr.com/services/api/flickr.people.getPhotos.html
    """
    tags = split_tags(as_str(item.get("tags")))
    taken = date_taken(item.get("datetaken"))
    unknown = item.get("datetakenunknown")
    media: Media = "video" if as_str(item.get("media")) == "video" else "photo"
    small = next((as_str(item[k]) for k in _SMALL_URLS if as_str(item.get(k))), None)
    return RemotePhoto(
        id=PhotoId(_require_id(item, "id", "photo")),
        title=content(item.get("title")),
        secret=as_str(item.get("secret")),
        server=as_str(item.get("server")),
        farm=_int(item.get("farm"), 0),
        description=content(item.get("description")),
        tags=tags,
        machine_tags=machine_tags_of(tags, split_tags(as_str(item.get("machine_tags")))),
        date_taken=taken,
        # Absent in 2012-2013 answers: then we cannot tell, and "unknown" is the safe answer
        # (a date Flickr invented must never be matched on).
        date_taken_unknown=True if taken is None or unknown is None else as_bool(unknown, True),
        date_taken_granularity=_int(item.get("datetakengranularity"), 0),
        date_upload=_int(item.get("dateupload"), 0),
        last_update=_int(item.get("lastupdate"), 0),
        media=media,
        original_format=as_str(item.get("originalformat")) or None,
        original_secret=as_str(item.get("originalsecret")) or None,
        o_width=as_int(item.get("o_width"), as_int(item.get("width_o"))),
        o_height=as_int(item.get("o_height"), as_int(item.get("height_o"))),
        url_o=as_str(item.get("url_o")) or None,
        url_small=small,
        is_public=as_bool(item.get("ispublic")),
        is_friend=as_bool(item.get("isfriend")),
        is_family=as_bool(item.get("isfamily")),
    )


def parse_photo_page(rsp: Json, container: str = "photos") -> PhotoPage:
    """A page of a photo list: ``{"photos": {...}}`` or photosets.getPhotos' ``{"photoset": ...}``."""
    body = _require(rsp, container, "photo list")
    photos = tuple(parse_photo(item) for item in _items(body.get("photo")))
    per_page = as_int(body.get("perpage"), as_int(body.get("per_page")))
    return PhotoPage(
        photos=photos,
        page=_int(body.get("page"), 1),
        pages=as_int(body.get("pages")),
        per_page=per_page if per_page else len(photos),
        total=as_int(body.get("total")),
    )


def parse_info(rsp: Json) -> RemotePhoto:
    """flickr.photos.getInfo -> the same record a photo list gives.

    https://www.flickr.com/services/api/flickr.photos.getInfo.html
    """
    photo = _require(rsp, "photo", "photos.getInfo")
    dates = _obj(photo.get("dates"))
    visibility = _obj(photo.get("visibility"))
    tag_items = _items(_obj(photo.get("tags")).get("tag"))
    tags = tuple(content(tag) for tag in tag_items if content(tag))
    declared = tuple(content(tag) for tag in tag_items if as_bool(tag.get("machine_tag")))
    taken = date_taken(dates.get("taken"))
    unknown = dates.get("takenunknown")
    media: Media = "video" if as_str(photo.get("media")) == "video" else "photo"
    return RemotePhoto(
        id=PhotoId(_require_id(photo, "id", "photos.getInfo")),
        title=content(photo.get("title")),
        secret=as_str(photo.get("secret")),
        server=as_str(photo.get("server")),
        farm=_int(photo.get("farm"), 0),
        description=content(photo.get("description")),
        tags=tags,
        machine_tags=machine_tags_of(tags, declared),
        date_taken=taken,
        date_taken_unknown=True if taken is None or unknown is None else as_bool(unknown, True),
        date_taken_granularity=_int(dates.get("takengranularity"), 0),
        date_upload=_int(dates.get("posted"), _int(photo.get("dateuploaded"), 0)),
        last_update=_int(dates.get("lastupdate"), 0),
        media=media,
        original_format=as_str(photo.get("originalformat")) or None,
        original_secret=as_str(photo.get("originalsecret")) or None,
        is_public=as_bool(visibility.get("ispublic")),
        is_friend=as_bool(visibility.get("isfriend")),
        is_family=as_bool(visibility.get("isfamily")),
    )


def parse_tag_ids(rsp: Json) -> tuple[str, tuple[tuple[str, str], ...]]:
    """flickr.photos.getInfo -> the owner's NSID and each tag's ``(id, raw form)``: removeTag
    needs the id (REFERENCE §5.6), which no photo list gives; ``identify`` checks the owner. A tag
    without an id is left out (it cannot be removed)."""
    photo = _require(rsp, "photo", "photos.getInfo")
    owner = as_str(_obj(photo.get("owner")).get("nsid"))
    found = []
    for tag in _items(_obj(photo.get("tags")).get("tag")):
        tag_id = as_str(tag.get("id")).strip()
        raw = as_str(tag.get("raw")) or content(tag)
        if tag_id:
            found.append((tag_id, raw))
    return owner, tuple(found)


def parse_sizes(rsp: Json) -> tuple[PhotoSize, ...]:
    """flickr.photos.getSizes. Old videos list sizes with empty width/height (-> None)."""
    sizes = _require(rsp, "sizes", "photos.getSizes")
    result = []
    for item in _items(sizes.get("size")):
        media: Media = "video" if as_str(item.get("media")) == "video" else "photo"
        result.append(
            PhotoSize(
                label=as_str(item.get("label")),
                width=as_int(item.get("width")),
                height=as_int(item.get("height")),
                source=as_str(item.get("source")),
                media=media,
            )
        )
    return tuple(result)


def parse_contexts(rsp: Json) -> PhotoContext:
    """flickr.photos.getAllContexts: ``{"set": [...], "pool": [...]}``; an empty answer has neither."""
    sets = tuple(
        (PhotosetId(as_str(item.get("id"))), content(item.get("title")))
        for item in _items(rsp.get("set"))
        if as_str(item.get("id"))
    )
    pools = tuple(
        (Nsid(as_str(item.get("id"))), content(item.get("title")))
        for item in _items(rsp.get("pool"))
        if as_str(item.get("id"))
    )
    return PhotoContext(sets=sets, pools=pools)


# --- photosets -------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class PhotosetPage:
    photosets: tuple[Photoset, ...]
    page: int
    pages: int | None


def parse_photoset(item: Json) -> Photoset:
    return Photoset(
        id=PhotosetId(_require_id(item, "id", "photoset")),
        title=content(item.get("title")),
        description=content(item.get("description")),
        primary=PhotoId(as_str(item.get("primary"))),
        photos=_int(item.get("photos"), _int(item.get("count_photos"), 0)),
        videos=_int(item.get("videos"), _int(item.get("count_videos"), 0)),
        date_create=_int(item.get("date_create"), 0),
        date_update=_int(item.get("date_update"), 0),
    )


def parse_photosets(rsp: Json) -> PhotosetPage:
    """flickr.photosets.getList (https://www.flickr.com/services/api/flickr.photosets.getList.html)."""
    body = _require(rsp, "photosets", "photosets.getList")
    return PhotosetPage(
        photosets=tuple(parse_photoset(item) for item in _items(body.get("photoset"))),
        page=_int(body.get("page"), 1),
        pages=as_int(body.get("pages")),
    )


def parse_created_photoset(rsp: Json) -> PhotosetId:
    return PhotosetId(_require_id(_require(rsp, "photoset", "photosets.create"), "id", "photosets.create"))


# --- account ---------------------------------------------------------------------------------


def parse_login(rsp: Json) -> Account:
    """flickr.test.login: ``{"user": {"id": ..., "username": {"_content": ...}}}``."""
    user = _require(rsp, "user", "test.login")
    return Account(
        nsid=Nsid(_require_id(user, "id", "test.login")),
        username=content(user.get("username")),
        fullname=content(user.get("realname")),
    )


def parse_check_token(rsp: Json) -> TokenInfo:
    """flickr.auth.oauth.checkToken (REFERENCE §4.27)."""
    oauth = _require(rsp, "oauth", "auth.oauth.checkToken")
    perms = _PERMS.get(content(oauth.get("perms")).strip().lower())
    if perms is None:
        raise MalformedResponse(f"auth.oauth.checkToken: unknown perms {content(oauth.get('perms'))!r}")
    user = _require(oauth, "user", "auth.oauth.checkToken")
    return TokenInfo(
        perms=perms,
        account=Account(
            nsid=Nsid(_require_id(user, "nsid", "auth.oauth.checkToken")),
            username=as_str(user.get("username")),
            fullname=as_str(user.get("fullname")),
        ),
    )


def parse_upload_status(rsp: Json) -> UploadLimits:
    """flickr.people.getUploadStatus. ``remaining`` fields are numbers or ``"lots"`` (-> None).

    The item limits of free accounts are not in this answer; the client fills them in.
    """
    user = _require(rsp, "user", "people.getUploadStatus")
    filesize = _obj(user.get("filesize"))
    videosize = _obj(user.get("videosize"))
    videos = _obj(user.get("videos"))
    max_photo = as_int(filesize.get("maxbytes"), as_int(filesize.get("max")))
    max_video = as_int(videosize.get("maxbytes"))
    return UploadLimits(
        is_pro=as_bool(user.get("ispro")),
        max_photo_bytes=max_photo if max_photo else 200 * 1024 * 1024,
        max_video_bytes=max_video if max_video else 1024 * 1024 * 1024,
        remaining_videos=as_int(videos.get("remaining")),
    )


# --- uploads ---------------------------------------------------------------------------------

_TICKET_STATES: dict[int, TicketState] = {0: "pending", 1: "complete", 2: "failed"}


def parse_tickets(rsp: Json) -> tuple[Ticket, ...]:
    """flickr.photos.upload.checkTickets (complete: 0 pending, 1 done, 2 failed; or invalid=1)."""
    uploader = _require(rsp, "uploader", "photos.upload.checkTickets")
    result = []
    for item in _items(uploader.get("ticket")):
        ticket = TicketId(_require_id(item, "id", "checkTickets"))
        if as_bool(item.get("invalid")):
            result.append(Ticket(ticket, "invalid"))
            continue
        state = _TICKET_STATES.get(_int(item.get("complete"), 0), "failed")
        photo = as_str(item.get("photoid")) or None
        if state == "complete" and photo is None:
            state = "pending"  # done but no id yet: ask again
        result.append(Ticket(ticket, state, PhotoId(photo) if photo else None))
    return tuple(result)


@dataclass(frozen=True, slots=True)
class UploadAnswer:
    """What the upload/replace endpoint said: a photo id, a ticket id, or an error."""

    photo_id: PhotoId | None = None
    ticket_id: TicketId | None = None
    secret: str | None = None
    original_secret: str | None = None
    error_code: int | None = None
    error_message: str | None = None
    #: With error 9 (``dedup_check``): the photo the file duplicates, and its status.
    duplicate_photo_id: PhotoId | None = None
    duplicate_status: str | None = None


def parse_upload_response(body: bytes | str) -> UploadAnswer:
    """The XML the upload and replace endpoints always answer with (REFERENCE §5.2).

    Raises :class:`MalformedResponse` when it is not such a document.
    """
    try:
        # Flickr's own answer on our connection; expat does not fetch external entities.
        root = ET.fromstring(body)  # noqa: S314
    except ET.ParseError as exc:
        raise MalformedResponse(f"upload answer is not XML ({exc})") from None
    if root.tag != "rsp":
        raise MalformedResponse(f"upload answer has root <{root.tag}>, not <rsp>")
    if root.get("stat") != "ok":
        err = root.find("err")
        code = None if err is None else as_int(err.get("code"))
        if err is None or code is None:
            raise MalformedResponse("upload failed without an <err> element carrying a code")
        duplicate = (root.findtext("duplicate_photo_id") or "").strip()
        status = (root.findtext("duplicate_photo_status") or "").strip()
        return UploadAnswer(
            error_code=code,
            error_message=err.get("msg") or "",
            duplicate_photo_id=PhotoId(duplicate) if duplicate.isdigit() else None,
            duplicate_status=status or None,
        )
    photo = root.find("photoid")
    if photo is not None and (photo.text or "").strip():
        return UploadAnswer(
            photo_id=PhotoId((photo.text or "").strip()),
            secret=photo.get("secret"),
            original_secret=photo.get("originalsecret"),
        )
    ticket = root.find("ticketid")
    if ticket is not None and (ticket.text or "").strip():
        return UploadAnswer(ticket_id=TicketId((ticket.text or "").strip()))
    raise MalformedResponse("upload answer has neither <photoid> nor <ticketid>")
