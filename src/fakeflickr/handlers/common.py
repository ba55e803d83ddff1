"""Helpers every namespace shares: paging, ids, visibility, photo URLs, and the standard photo list
with its extras.

JSON value types follow the recorded 2012-2013 JSON bodies field by field (REFERENCE §2.3): e.g.
``total`` is a string in photo lists and a number in photosets.getList, ``farm`` a number,
``dateupload`` a string. Fields that exist only in the modern API (``datetakenunknown``,
``takenunknown``, ``safety_level`` …) are added with types by analogy; see docs/flickr-quirks.md.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any

from fakeflickr.errors import ApiError
from fakeflickr.handlers.registry import Call
from fakeflickr.media import Media, Size, available_sizes, size_dims, size_secret
from fakeflickr.render import El, Scalar, text_el
from fakeflickr.state import Photo, PhotoQuery, Tag, User
from fakeflickr.text import parse_taken_bound, parse_timestamp_or_datetime

#: JSON types of width_X/height_X (lists) and width/height (getSizes), as recorded in 2013.
_DIM_TYPES: dict[str, tuple[type, type]] = {
    "s": (int, int),
    "n": (str, int),
    "c": (str, int),
    "h": (str, int),
    "k": (str, int),
}


def _dim(value: int, kind: type) -> Scalar:
    return value if kind is int else str(value)


def dims(suffix: str, width: int, height: int) -> tuple[Scalar, Scalar]:
    wtype, htype = _DIM_TYPES.get(suffix, (str, str))
    return _dim(width, wtype), _dim(height, htype)


def photo_file_url(call: Call, photo: Photo, size: Size | None) -> str:
    """URL of one size (None = original) on the static host (same host as the API here)."""
    if size is None:
        fmt = "jpg" if photo.media == "video" else photo.originalformat
        return f"{call.base_url}/{photo.server}/{photo.id}_{photo.originalsecret}_o.{fmt}"
    secret = size_secret(photo.secret, photo.originalsecret, size.suffix) if size.own_secret else photo.secret
    suffix = f"_{size.suffix}" if size.suffix else ""
    return f"{call.base_url}/{photo.server}/{photo.id}_{secret}{suffix}.jpg"


def photo_page_url(call: Call, owner: User | None, photo_id: int | str) -> str:
    alias = (owner.path_alias or owner.nsid) if owner else ""
    return f"{call.base_url}/photos/{alias}/{photo_id}/"


def is_owner(call: Call, photo: Photo) -> bool:
    return call.user is not None and call.user.nsid == photo.owner


def can_see(call: Call, photo: Photo) -> bool:
    return is_owner(call, photo) or bool(photo.ispublic)


def parse_id(value: str | None) -> int | None:
    if value is None:
        return None
    value = value.strip()
    if not value.isdigit() or len(value) > 19:
        return None
    return int(value)


def get_photo(call: Call, *, owner_only: bool = False, name: str = "photo_id") -> Photo:
    """The photo named by ``photo_id`` that the caller may see (or own), else error 1."""
    photo_id = parse_id(call.arg(name))
    photo = call.store.photo(photo_id) if photo_id is not None else None
    if photo is None or not can_see(call, photo) or (owner_only and not is_owner(call, photo)):
        raise ApiError(1, "Photo not found")
    return photo


def caller(call: Call) -> User:
    assert call.user is not None  # guaranteed by the registry (needs_login)
    return call.user


def resolve_user(call: Call, value: str | None, *, missing: ApiError, unknown: ApiError) -> User:
    """``user_id`` argument: an NSID (or username/alias), or ``me`` for the caller."""
    if value is None or value == "":
        raise missing
    if value == "me":
        if call.user is None:
            raise ApiError(99, "Insufficient permissions. Method requires read privileges; none granted.")
        return call.user
    user = call.store.find_user(value)
    if user is None:
        raise unknown
    return user


def parse_extras(call: Call) -> list[str]:
    raw = call.arg("extras") or ""
    return [e.strip().lower() for e in raw.split(",") if e.strip()]


def page_args(call: Call, default: int = 100, maximum: int = 500) -> tuple[int, int]:
    def number(name: str, fallback: int) -> int:
        value = (call.arg(name) or "").strip()
        try:
            return int(value)
        except ValueError:
            return fallback

    per_page = number("per_page", default)
    if per_page < 1:
        per_page = default
    per_page = min(per_page, maximum)
    page = max(number("page", 1), 1)
    return per_page, page


@dataclass(frozen=True, slots=True)
class Paging:
    page: int  # reported
    pages: int
    fetch: int  # page actually read


def paginate(total: int, per_page: int, page: int, cap: int = 0) -> Paging:
    """Flickr's paging: a page past the end answers the last page again (REFERENCE §10); past the
    deep-paging cap the last page inside the cap is answered again, under the requested number."""
    pages = math.ceil(total / per_page) if total else 0
    if pages and page > pages:
        page = pages
    if total == 0:
        page = 1
    fetch = page
    if cap and (page - 1) * per_page >= cap:
        fetch = max(1, math.ceil(cap / per_page))
    return Paging(page, pages, fetch)


def owners_of(call: Call, photos: Iterable[Photo]) -> dict[str, User]:
    return call.store.users_by_nsid(p.owner for p in photos)


def _date_taken_attrs(photo: Photo) -> dict[str, Scalar]:
    return {
        "datetaken": photo.datetaken,
        "datetakengranularity": str(photo.takengranularity),
        "datetakenunknown": str(photo.takenunknown),
    }


#: The ``url_X`` extras in the order a photo's attributes list them, with their keys.
_URL_EXTRAS = tuple(
    (code, f"url_{code}", f"height_{code}", f"width_{code}")
    for code in ("sq", "q", "t", "s", "n", "m", "z", "c", "l", "h", "k", "o")
)


@functools.lru_cache(maxsize=1024)
def _sizes_by_code(width: int, height: int, media: Media) -> Mapping[str, Size]:
    """:func:`available_sizes` by size code, for a photo list's items (a list page asks for the
    same few shapes again and again)."""
    return MappingProxyType({s.code: s for s in available_sizes(width, height, media)})


def photo_item(
    call: Call,
    photo: Photo,
    extras: list[str],
    owners: dict[str, User],
    tags: dict[int, list[Tag]],
    *,
    with_owner: bool = True,
    isprimary: int | None = None,
) -> El:
    """One ``<photo>`` of a standard photo list with the requested extras (REFERENCE §3.3)."""
    attrs: dict[str, Scalar] = {"id": str(photo.id)}
    if with_owner:
        attrs["owner"] = photo.owner
    attrs.update({"secret": photo.secret, "server": photo.server, "farm": photo.farm, "title": photo.title})
    if isprimary is not None:
        attrs["isprimary"] = str(isprimary)
    attrs.update({"ispublic": photo.ispublic, "isfriend": photo.isfriend, "isfamily": photo.isfamily})
    wanted = set(extras)
    owner = owners.get(photo.owner)
    mine = is_owner(call, photo)
    if "license" in wanted:
        attrs["license"] = photo.license
    if "safety_level" in wanted:
        attrs["safety_level"] = str(photo.safety_level)
    if "date_upload" in wanted:
        attrs["dateupload"] = str(photo.dateupload)
    if "date_taken" in wanted:
        attrs.update(_date_taken_attrs(photo))
    if "owner_name" in wanted and owner is not None:
        attrs["ownername"] = owner.username
    if "realname" in wanted and owner is not None and owner.realname:
        attrs["realname"] = owner.realname
    if "icon_server" in wanted:
        attrs["iconserver"] = "65535"
        attrs["iconfarm"] = 66
    if "original_format" in wanted and mine:
        attrs["originalsecret"] = photo.originalsecret
        attrs["originalformat"] = photo.originalformat
    if "last_update" in wanted:
        attrs["lastupdate"] = str(photo.lastupdate)
    if "geo" in wanted:
        attrs.update({"latitude": 0, "longitude": 0, "accuracy": 0, "context": 0})
    photo_tags = tags.get(photo.id, [])
    if "tags" in wanted:
        attrs["tags"] = " ".join(t.clean for t in photo_tags)
    if "machine_tags" in wanted:
        shown = call.store.config.machine_tags_extra
        attrs["machine_tags"] = " ".join(t.clean for t in photo_tags if t.machine) if shown else ""
    if "o_dims" in wanted and mine:
        attrs["o_width"] = str(photo.width)
        attrs["o_height"] = str(photo.height)
    if "views" in wanted:
        attrs["views"] = str(photo.views)
    if "count_views" in wanted:
        attrs["count_views"] = str(photo.views)
    if "count_comments" in wanted:
        attrs["count_comments"] = "0"
    if "count_faves" in wanted:
        attrs["count_faves"] = "0"
    if "media" in wanted:
        attrs["media"] = photo.media
        attrs["media_status"] = "ready"
    if "path_alias" in wanted:
        attrs["pathalias"] = owner.path_alias if owner else None
    sizes = _sizes_by_code(photo.width, photo.height, media_kind(photo))
    for code, url_key, height_key, width_key in _URL_EXTRAS:
        if url_key not in wanted:
            continue
        if code == "o":
            if not mine:
                continue
            url, width, height, suffix = photo_file_url(call, photo, None), photo.width, photo.height, "o"
        else:
            size = sizes.get(code)
            if size is None:
                continue
            width, height = size_dims(size, photo.width, photo.height)
            url, suffix = photo_file_url(call, photo, size), size.suffix
        w, h = dims(suffix, width, height)
        attrs[url_key] = url
        attrs[height_key] = h
        attrs[width_key] = w
    children = [text_el("description", photo.description)] if "description" in wanted else []
    return El("photo", attrs, children)


def tags_element(call: Call, tags: list[Tag]) -> El:
    """``<tags><tag id author authorname raw machine_tag>clean</tag>…</tags>`` (getInfo, getListPhoto)."""
    authors = call.store.users_by_nsid(t.author for t in tags)
    items = [
        El(
            "tag",
            {
                "id": t.id,
                "author": t.author,
                "authorname": authors[t.author].username if t.author in authors else "",
                "raw": t.raw,
                "machine_tag": int(t.machine),
            },
            text=t.clean,
        )
        for t in tags
    ]
    return El("tags", children=items, arrays=("tag",))


def media_kind(photo: Photo) -> Any:
    return "video" if photo.media == "video" else "photo"


def photo_list(
    call: Call,
    q: PhotoQuery,
    *,
    default_per_page: int = 100,
    cap: int = 0,
    cap_error: bool = False,
) -> list[El]:
    """A standard ``<photos page pages perpage total>`` list (REFERENCE §3.2, §3.4)."""
    per_page, page = page_args(call, default_per_page)
    extras = parse_extras(call)
    total = call.store.count_photos(q)
    paging = paginate(total, per_page, page, cap)
    if cap_error and cap and (paging.page - 1) * per_page >= cap:
        raise ApiError(20, "Excessive photo offset in search")
    photos = call.store.select_photos(q, per_page, paging.fetch)
    owners = owners_of(call, photos)
    tags = call.store.tags_for(p.id for p in photos) if {"tags", "machine_tags"} & set(extras) else {}
    items = [photo_item(call, p, extras, owners, tags) for p in photos]
    return [
        El(
            "photos",
            {"page": paging.page, "pages": paging.pages, "perpage": per_page, "total": str(total)},
            items,
            arrays=("photo",),
        )
    ]


def date_filters(call: Call, q: PhotoQuery) -> None:
    for name, attr in (("min_upload_date", "min_upload"), ("max_upload_date", "max_upload")):
        value = call.nonempty(name)
        if value is not None:
            setattr(q, attr, parse_timestamp_or_datetime(value))
    for name, attr in (("min_taken_date", "min_taken"), ("max_taken_date", "max_taken")):
        value = call.nonempty(name)
        if value is not None:
            setattr(q, attr, parse_taken_bound(value))


def privacy_filter(call: Call, q: PhotoQuery, owner: User) -> None:
    value = call.nonempty("privacy_filter")
    if value and value.strip() in {"1", "2", "3", "4", "5"} and call.user and call.user.nsid == owner.nsid:
        q.privacy_filter = int(value)


def media_filter(call: Call, q: PhotoQuery) -> None:
    value = (call.nonempty("media") or "all").strip().lower()
    if value in ("photo", "photos"):
        q.media = "photo"
    elif value in ("video", "videos"):
        q.media = "video"


def id_list(value: str | None) -> list[str]:
    return [v.strip() for v in (value or "").split(",") if v.strip()]
