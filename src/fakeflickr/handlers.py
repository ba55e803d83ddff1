"""Flickr's REST methods: one function per method, request parameters in, payload :class:`El` out.

Each handler gets a :class:`Call` (store, merged parameters, the authenticated user and the token's
perms) and returns the elements that go inside ``<rsp stat="ok">``; it raises :class:`ApiError`
with Flickr's code and message on failure. The registry :data:`METHODS` carries, per method, the
permission it needs (reflection ``requiredperms``: 0 none, 1 read, 2 write, 3 delete) and whether it
needs a logged-in user; the server enforces those (error 99) and POST for setters (error 116)
before calling the handler.

JSON value types follow the recorded 2012-2013 JSON bodies field by field (REFERENCE §2.3): e.g.
``total`` is a string in photo lists and a number in photosets.getList, ``farm`` a number,
``dateupload`` a string. Fields that exist only in the modern API (``datetakenunknown``,
``takenunknown``, ``safety_level`` …) are added with types by analogy; see docs/flickr-quirks.md.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from fakeflickr.errors import ApiError
from fakeflickr.media import Size, available_sizes, exif_entries, size_dims, size_secret
from fakeflickr.render import El, Scalar, text_el
from fakeflickr.state import (
    PERM_LEVEL,
    Photo,
    PhotoQuery,
    Photoset,
    Store,
    Tag,
    User,
    new_secret,
)
from fakeflickr.text import (
    format_taken,
    parse_english_date,
    parse_machine_tag_query,
    parse_mysql_datetime,
    parse_tag,
    parse_tags,
    parse_taken_bound,
    parse_timestamp_or_datetime,
    split_tag_string,
    store_description,
)


@dataclass(frozen=True, slots=True)
class Call:
    """One REST call, after OAuth and permission checks."""

    store: Store
    params: dict[str, str]
    user: User | None
    perms: str
    base_url: str
    http_method: str = "GET"
    #: The OAuth access token the call was signed with.
    token: str | None = None

    def arg(self, name: str) -> str | None:
        value = self.params.get(name)
        return None if value is None else value

    def nonempty(self, name: str) -> str | None:
        value = self.params.get(name)
        return value if value not in (None, "") else None


Handler = Callable[[Call], list[El]]


@dataclass(frozen=True, slots=True)
class MethodSpec:
    name: str
    handler: Handler
    perms: int  # 0 none, 1 read, 2 write, 3 delete
    needs_login: bool
    #: Top-level payload elements that are JSON arrays whenever present.
    repeatable: tuple[str, ...] = ()

    @property
    def needs_post(self) -> bool:
        return self.perms >= PERM_LEVEL["write"]


METHODS: dict[str, MethodSpec] = {}


def method(
    name: str, perms: int = 0, login: bool = False, repeatable: tuple[str, ...] = ()
) -> Callable[[Handler], Handler]:
    def register(fn: Handler) -> Handler:
        METHODS[name] = MethodSpec(name, fn, perms, login or perms > 0, repeatable)
        return fn

    return register


# --- shared helpers -----------------------------------------------------------------------------

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


def _dims(suffix: str, width: int, height: int) -> tuple[Scalar, Scalar]:
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
    sizes = {s.code: s for s in available_sizes(photo.width, photo.height, _media(photo))}
    for code in ("sq", "q", "t", "s", "n", "m", "z", "c", "l", "h", "k", "o"):
        if f"url_{code}" not in wanted:
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
        w, h = _dims(suffix, width, height)
        attrs[f"url_{code}"] = url
        attrs[f"height_{code}"] = h
        attrs[f"width_{code}"] = w
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


def _media(photo: Photo) -> Any:
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


def _date_filters(call: Call, q: PhotoQuery) -> None:
    for name, attr in (("min_upload_date", "min_upload"), ("max_upload_date", "max_upload")):
        value = call.nonempty(name)
        if value is not None:
            setattr(q, attr, parse_timestamp_or_datetime(value))
    for name, attr in (("min_taken_date", "min_taken"), ("max_taken_date", "max_taken")):
        value = call.nonempty(name)
        if value is not None:
            setattr(q, attr, parse_taken_bound(value))


def _privacy_filter(call: Call, q: PhotoQuery, owner: User) -> None:
    value = call.nonempty("privacy_filter")
    if value and value.strip() in {"1", "2", "3", "4", "5"} and call.user and call.user.nsid == owner.nsid:
        q.privacy_filter = int(value)


def _media_filter(call: Call, q: PhotoQuery) -> None:
    value = (call.nonempty("media") or "all").strip().lower()
    if value in ("photo", "photos"):
        q.media = "photo"
    elif value in ("video", "videos"):
        q.media = "video"


# --- test / auth --------------------------------------------------------------------------------


@method("flickr.test.login", perms=1, login=True)
def test_login(call: Call) -> list[El]:
    user = caller(call)
    attrs: dict[str, Scalar] = {"id": user.nsid}
    if user.path_alias:
        attrs["path_alias"] = user.path_alias
    return [El("user", attrs, [text_el("username", user.username)])]


@method("flickr.test.null", perms=1, login=True)
def test_null(call: Call) -> list[El]:
    return []


@method("flickr.test.echo")
def test_echo(call: Call) -> list[El]:
    return [text_el(k, v) for k, v in call.params.items() if not k.startswith("oauth_")]


@method("flickr.auth.oauth.checkToken")
def auth_oauth_check_token(call: Call) -> list[El]:
    if call.token is None:
        raise ApiError(97, "Missing signature")  # reflection: needssigning=1
    # The argument comes from the request parameters (query or body), never from the
    # Authorization header: a header-only token is 98, as on Flickr (REFERENCE §10).
    token_value = call.arg("oauth_token")
    token = call.store.token(token_value) if token_value else None
    if token is None or token.kind != "access" or token.state != "active" or token.user_nsid is None:
        raise ApiError(98, "Invalid token")
    user = call.store.user(token.user_nsid)
    assert user is not None
    return [
        El(
            "oauth",
            children=[
                text_el("token", token.token),
                text_el("perms", token.perms or "read"),
                El("user", {"nsid": user.nsid, "username": user.username, "fullname": user.fullname}),
            ],
        )
    ]


# --- people -------------------------------------------------------------------------------------


@method("flickr.people.getPhotos")
def people_get_photos(call: Call) -> list[El]:
    owner = resolve_user(
        call,
        call.arg("user_id"),
        missing=ApiError(1, "Required arguments missing"),
        unknown=ApiError(2, "Unknown user"),
    )
    q = PhotoQuery(owner=owner.nsid, viewer=call.user.nsid if call.user else None)
    _date_filters(call, q)
    _privacy_filter(call, q, owner)
    return photo_list(call, q, cap=call.store.config.deep_page_cap)


@method("flickr.people.getPublicPhotos")
def people_get_public_photos(call: Call) -> list[El]:
    owner = resolve_user(
        call,
        call.arg("user_id"),
        missing=ApiError(1, "User not found"),
        unknown=ApiError(1, "User not found"),
    )
    q = PhotoQuery(owner=owner.nsid, viewer=None)
    return photo_list(call, q, cap=call.store.config.deep_page_cap)


@method("flickr.people.getUploadStatus", perms=1, login=True)
def people_get_upload_status(call: Call) -> list[El]:
    user = caller(call)
    store = call.store
    sets_created = len(store.photosets(user.nsid))
    kb, mb = 1024, 1024 * 1024
    bandwidth_max = 214748364800
    return [
        El(
            "user",
            {"id": user.nsid, "ispro": int(user.is_pro)},
            [
                text_el("username", user.username),
                El(
                    "bandwidth",
                    {
                        "max": 2147483648,
                        "used": 0,
                        "maxbytes": bandwidth_max,
                        "usedbytes": 0,
                        "remainingbytes": bandwidth_max,
                        "maxkb": bandwidth_max // kb,
                        "usedkb": 0,
                        "remainingkb": bandwidth_max // kb,
                        "unlimited": 1,
                    },
                ),
                El(
                    "filesize",
                    {
                        "max": user.filesize_max,
                        "maxbytes": user.filesize_max,
                        "maxkb": user.filesize_max // kb,
                        "maxmb": user.filesize_max // mb,
                    },
                ),
                El("sets", {"created": sets_created, "remaining": "lots"}),
                El(
                    "videosize",
                    {
                        "maxbytes": user.videosize_max,
                        "maxkb": user.videosize_max // kb,
                        "maxmb": user.videosize_max // mb,
                    },
                ),
                El("videos", {"uploaded": store.count_videos(user.nsid), "remaining": "lots"}),
            ],
        )
    ]


@method("flickr.people.getGroups", perms=1, login=True)
def people_get_groups(call: Call) -> list[El]:
    user = resolve_user(
        call,
        call.arg("user_id"),
        missing=ApiError(1, "User not found"),
        unknown=ApiError(1, "User not found"),
    )
    items = []
    for group, admin in call.store.groups_of(user.nsid):
        members, photos = call.store.group_counts(group.nsid)
        items.append(
            El(
                "group",
                {
                    "nsid": group.nsid,
                    "name": group.name,
                    "iconfarm": 66,
                    "iconserver": "65535",
                    "admin": int(admin),
                    "eighteenplus": group.eighteenplus,
                    "invitation_only": group.invitation_only,
                    "members": str(members),
                    "pool_count": str(photos),
                },
            )
        )
    return [El("groups", children=items, arrays=("group",))]


# --- photos: lists ----------------------------------------------------------------------------------


_LIMITING = (
    "user_id",
    "tags",
    "text",
    "machine_tags",
    "min_upload_date",
    "max_upload_date",
    "min_taken_date",
    "max_taken_date",
    "group_id",
    "bbox",
    "woe_id",
    "place_id",
    "license",
    "contacts",
    "is_commons",
    "in_gallery",
    "is_getty",
)


@method("flickr.photos.search")
def photos_search(call: Call) -> list[El]:
    if not any(call.nonempty(name) for name in _LIMITING):
        raise ApiError(3, "Parameterless searches have been disabled")
    store = call.store
    viewer = call.user.nsid if call.user else None
    q = PhotoQuery(viewer=viewer, searchable_before=store.now())
    user_arg = call.nonempty("user_id")
    if user_arg is not None:
        owner = resolve_user(
            call, user_arg, missing=ApiError(2, "Unknown user"), unknown=ApiError(2, "Unknown user")
        )
        q.owner = owner.nsid
        _privacy_filter(call, q, owner)
    tags_arg = call.nonempty("tags")
    if tags_arg:
        include: list[str] = []
        exclude: list[str] = []
        for raw_term in tags_arg.split(","):
            term = raw_term.strip()
            negative = term.startswith("-")
            parsed = parse_tag(term[1:] if negative else term)
            if parsed is None:
                continue
            (exclude if negative else include).append(parsed.clean)
        mode = (call.nonempty("tag_mode") or "any").lower()
        if mode == "all":
            if len(include) > 20:
                raise ApiError(1, "Too many tags in ALL query")
            q.tags_all = include
        else:
            q.tags_any = include
        q.tags_exclude = exclude
        if not include and not exclude:
            q.tags_any = ["\x00no-such-tag"]
    mt_arg = call.nonempty("machine_tags")
    if mt_arg:
        mode = (call.nonempty("machine_tag_mode") or "any").lower()
        terms = [t for t in mt_arg.split(",") if t.strip()]
        queries = [mt for mt in (parse_machine_tag_query(t) for t in terms) if mt is not None]
        if not queries:
            raise ApiError(11, "No valid machine tags")
        if len(queries) > (16 if mode == "all" else 8):
            raise ApiError(12, "Exceeded maximum allowable machine tags")
        q.machine_tags = queries
        q.machine_tag_mode = "all" if mode == "all" else "any"
    text_arg = call.nonempty("text")
    if text_arg:
        for word in split_tag_string(text_arg):
            if word.startswith("-") and len(word) > 1:
                q.text_exclude.append(word[1:])
            elif word:
                q.text_include.append(word)
    _date_filters(call, q)
    _media_filter(call, q)
    group_id = call.nonempty("group_id")
    if group_id:
        group = store.group(group_id)
        if group is None:
            raise ApiError(4, "You don't have permission to view this pool")
        q.in_pool = group.nsid
    # Photos uploaded with hidden=2 stay out of everybody else's searches.
    q.exclude_hidden = q.owner is None or q.owner != viewer
    sort = (call.nonempty("sort") or "date-posted-desc").strip().lower()
    q.sort = (
        sort
        if sort
        in {
            "date-posted-desc",
            "date-posted-asc",
            "date-taken-desc",
            "date-taken-asc",
            "interestingness-desc",
            "interestingness-asc",
            "relevance",
        }
        else "date-posted-desc"
    )
    return photo_list(
        call, q, cap=store.config.deep_page_cap, cap_error=store.config.deep_page_mode == "error"
    )


@method("flickr.photos.recentlyUpdated", perms=1, login=True)
def photos_recently_updated(call: Call) -> list[El]:
    raw = call.nonempty("min_date")
    if raw is None:
        raise ApiError(1, "Required argument missing.")
    min_date = parse_english_date(raw)
    if min_date is None:
        raise ApiError(2, "Not a valid date")
    user = caller(call)
    q = PhotoQuery(owner=user.nsid, viewer=user.nsid, min_lastupdate=min_date, sort="lastupdate-desc")
    return photo_list(call, q)


@method("flickr.photos.getNotInSet", perms=1, login=True)
def photos_get_not_in_set(call: Call) -> list[El]:
    user = caller(call)
    q = PhotoQuery(owner=user.nsid, viewer=user.nsid, not_in_set=True, sort="date-posted-asc")
    _date_filters(call, q)
    _privacy_filter(call, q, user)
    _media_filter(call, q)
    return photo_list(call, q)


# --- photos: one photo ------------------------------------------------------------------------------


@method("flickr.photos.getInfo")
def photos_get_info(call: Call) -> list[El]:
    raw_id = call.arg("photo_id") or ""
    photo_id = parse_id(raw_id)
    photo = call.store.photo(photo_id) if photo_id is not None else None
    if photo is None:
        raise ApiError(1, f'Photo "{raw_id}" not found (invalid ID)')
    secret_ok = call.arg("secret") == photo.secret
    if not can_see(call, photo) and not secret_ok:
        raise ApiError(2, "Photo is private")
    mine = is_owner(call, photo)
    owner = call.store.user(photo.owner)
    assert owner is not None
    tags = call.store.tags_for([photo.id]).get(photo.id, [])
    attrs: dict[str, Scalar] = {
        "id": str(photo.id),
        "secret": photo.secret,
        "server": photo.server,
        "farm": photo.farm,
        "dateuploaded": str(photo.dateupload),
        "isfavorite": 0,
        "license": photo.license,
        "safety_level": str(photo.safety_level),
        "rotation": photo.rotation,
    }
    if mine:
        attrs["originalsecret"] = photo.originalsecret
        attrs["originalformat"] = photo.originalformat
    attrs["views"] = str(photo.views)
    attrs["media"] = photo.media
    children = [
        El(
            "owner",
            {
                "nsid": owner.nsid,
                "username": owner.username,
                "realname": owner.realname,
                "location": owner.location,
                "iconserver": "65535",
                "iconfarm": 66,
                "path_alias": owner.path_alias,
            },
            [El("gift", {"gift_eligible": "", "new_flow": "1"})],
        ),
        text_el("title", photo.title),
        text_el("description", photo.description),
        El(
            "visibility", {"ispublic": photo.ispublic, "isfriend": photo.isfriend, "isfamily": photo.isfamily}
        ),
        El(
            "dates",
            {
                "posted": str(photo.dateupload),
                "taken": photo.datetaken,
                "takengranularity": str(photo.takengranularity),
                "takenunknown": str(photo.takenunknown),
                "lastupdate": str(photo.lastupdate),
            },
        ),
    ]
    if mine:
        children.append(
            El("permissions", {"permcomment": photo.perm_comment, "permaddmeta": photo.perm_addmeta})
        )
    children += [
        El("editability", {"cancomment": int(mine), "canaddmeta": int(mine)}),
        El("publiceditability", {"cancomment": 1, "canaddmeta": 0}),
        El("usage", {"candownload": int(mine), "canblog": int(mine), "canprint": int(mine), "canshare": 1}),
        text_el("comments", "0"),
        El("notes", arrays=("note",)),
        El("people", {"haspeople": 0}),
        tags_element(call, tags),
        El(
            "urls",
            children=[El("url", {"type": "photopage"}, text=photo_page_url(call, owner, photo.id))],
            arrays=("url",),
        ),
    ]
    if photo.media == "video":
        children.append(
            El(
                "video",
                {
                    "ready": 1,
                    "failed": 0,
                    "pending": 0,
                    "duration": str(photo.duration or 0),
                    "width": str(photo.width),
                    "height": str(photo.height),
                },
            )
        )
    return [El("photo", attrs, children)]


@method("flickr.photos.getSizes")
def photos_get_sizes(call: Call) -> list[El]:
    photo_id = parse_id(call.arg("photo_id"))
    photo = call.store.photo(photo_id) if photo_id is not None else None
    if photo is None:
        raise ApiError(1, "Photo not found")
    if not can_see(call, photo):
        raise ApiError(2, "Permission denied")
    mine = is_owner(call, photo)
    owner = call.store.user(photo.owner)
    page = photo_page_url(call, owner, photo.id)
    items = []
    for size in available_sizes(photo.width, photo.height, _media(photo)):
        width, height = size_dims(size, photo.width, photo.height)
        w, h = _dims(size.suffix, width, height)
        items.append(
            El(
                "size",
                {
                    "label": size.label,
                    "width": w,
                    "height": h,
                    "source": photo_file_url(call, photo, size),
                    "url": f"{page}sizes/{size.code}/",
                    "media": "photo",
                },
            )
        )
    if mine:
        items.append(
            El(
                "size",
                {
                    "label": "Original",
                    "width": str(photo.width),
                    "height": str(photo.height),
                    "source": photo_file_url(call, photo, None),
                    "url": f"{page}sizes/o/",
                    "media": "photo",
                },
            )
        )
    if photo.media == "video":
        play = f"{page}play"
        items.append(
            El(
                "size",
                {
                    "label": "Video Player",
                    "width": str(photo.width),
                    "height": str(photo.height),
                    "source": f"{call.base_url}/apps/video/stewart.swf?v=2968162862&photo_id={photo.id}"
                    f"&photo_secret={photo.secret}",
                    "url": page,
                    "media": "video",
                },
            )
        )
        for label, lines in (("360p", 360), ("720p", 720), ("1080p", 1080)):
            if min(photo.width, photo.height) >= lines or label == "360p":
                w360, h360 = _scale_to_lines(photo.width, photo.height, lines)
                items.append(
                    El(
                        "size",
                        {
                            "label": label,
                            "width": str(w360),
                            "height": str(h360),
                            "source": f"{play}/{label}/{photo.secret}/",
                            "url": page,
                            "media": "video",
                        },
                    )
                )
        if mine:
            items.append(
                El(
                    "size",
                    {
                        "label": "Video Original",
                        "width": str(photo.width),
                        "height": str(photo.height),
                        "source": f"{play}/orig/{photo.originalsecret}/",
                        "url": page,
                        "media": "video",
                    },
                )
            )
    usage = int(mine)
    return [
        El(
            "sizes",
            {"canblog": usage, "canprint": usage, "candownload": usage},
            items,
            arrays=("size",),
        )
    ]


def _scale_to_lines(width: int, height: int, lines: int) -> tuple[int, int]:
    short = min(width, height)
    if short <= lines:
        return width, height
    scale = lines / short
    return int(width * scale + 0.5), int(height * scale + 0.5)


@method("flickr.photos.getAllContexts", repeatable=("set", "pool"))
def photos_get_all_contexts(call: Call) -> list[El]:
    photo = get_photo(call)
    out: list[El] = []
    for photoset in call.store.sets_of_photo(photo.id):
        if photoset.owner != photo.owner:
            continue
        primary = call.store.photo(photoset.primary_id)
        out.append(
            El(
                "set",
                {
                    "title": photoset.title,
                    "id": str(photoset.id),
                    "primary": str(photoset.primary_id),
                    "secret": primary.secret if primary else "",
                    "server": primary.server if primary else "0",
                    "farm": primary.farm if primary else 0,
                    "view_count": str(photoset.views),
                    "comment_count": "0",
                    "count_photo": str(photoset.photos),
                    "count_video": str(photoset.videos),
                },
            )
        )
    for group in call.store.pools_of_photo(photo.id):
        members, photos = call.store.group_counts(group.nsid)
        out.append(
            El(
                "pool",
                {
                    "title": group.name,
                    "url": f"/groups/{group.url_name}/pool/",
                    "id": group.nsid,
                    "iconserver": "65535",
                    "iconfarm": 66,
                    "members": str(members),
                    "pool_count": str(photos),
                },
            )
        )
    return out


@method("flickr.photos.getExif")
def photos_get_exif(call: Call) -> list[El]:
    photo_id = parse_id(call.arg("photo_id"))
    photo = call.store.photo(photo_id) if photo_id is not None else None
    if photo is None:
        raise ApiError(1, "Photo not found")
    if not can_see(call, photo) and call.arg("secret") != photo.secret:
        raise ApiError(2, "Permission denied")
    camera, entries = "", list[tuple[str, str, str]]()
    if photo.media == "photo":
        photo, path = call.store.ensure_original(photo)
        camera, entries = exif_entries(path)
    items = [
        El(
            "exif",
            {"tagspace": space, "tagspaceid": "0", "tag": tag, "label": _label(tag)},
            [text_el("raw", raw)],
        )
        for space, tag, raw in entries
    ]
    attrs: dict[str, Scalar] = {
        "id": str(photo.id),
        "secret": photo.secret,
        "server": photo.server,
        "farm": photo.farm,
        "camera": camera,
    }
    return [El("photo", attrs, items, arrays=("exif",))]


def _label(tag: str) -> str:
    """``DateTimeOriginal`` -> ``Date Time Original`` (Flickr labels are spaced words)."""
    return re.sub(r"(?<=[a-z0-9])(?=[A-Z])", " ", tag)


@method("flickr.tags.getListPhoto")
def tags_get_list_photo(call: Call) -> list[El]:
    photo = get_photo(call)
    tags = call.store.tags_for([photo.id]).get(photo.id, [])
    return [El("photo", {"id": str(photo.id)}, [tags_element(call, tags)])]


# --- photos: writes -----------------------------------------------------------------------------------


def _check_tag_limit(call: Call, photo: Photo, adding: int) -> None:
    if call.store.count_tags(photo.id) + adding > call.store.config.max_tags_per_photo:
        raise ApiError(2, "Maximum number of tags reached")


@method("flickr.photos.addTags", perms=2)
def photos_add_tags(call: Call) -> list[El]:
    photo = get_photo(call, owner_only=True)
    tags = parse_tags(call.arg("tags") or "")
    existing = {t.clean for t in call.store.tags_for([photo.id]).get(photo.id, [])}
    new = [t for t in tags if t.clean not in existing]
    _check_tag_limit(call, photo, len(new))
    added = call.store.add_tags(photo.id, caller(call).nsid, new)
    items = [El("tag", {"full_tag_id": t.id, "tag_id": t.id.rsplit("-", 1)[1]}, text=t.clean) for t in added]
    return [El("tags", children=items, arrays=("tag",))]


@method("flickr.photos.setTags", perms=2)
def photos_set_tags(call: Call) -> list[El]:
    photo = get_photo(call, owner_only=True)
    tags = parse_tags(call.arg("tags") or "")
    if len(tags) > call.store.config.max_tags_per_photo:
        raise ApiError(2, "Maximum number of tags reached")
    call.store.set_tags(photo.id, caller(call).nsid, tags)
    return []


@method("flickr.photos.removeTag", perms=2)
def photos_remove_tag(call: Call) -> list[El]:
    tag = call.store.tag_by_id((call.arg("tag_id") or "").strip())
    if tag is None:
        raise ApiError(1, "Tag not found")
    photo = call.store.photo(tag.photo_id)
    user = caller(call)
    if photo is None or user.nsid not in (photo.owner, tag.author):
        raise ApiError(1, "Tag not found")
    call.store.remove_tag(tag)
    return []


@method("flickr.photos.setMeta", perms=2)
def photos_set_meta(call: Call) -> list[El]:
    photo = get_photo(call, owner_only=True)
    title, description = call.arg("title"), call.arg("description")
    if title is None and description is None:
        raise ApiError(2, "At least one of title or description must be set")
    # An omitted field is cleared (UNCONFIRMED on Flickr; the stricter choice, see docs).
    updated = call.store.update_photo(
        photo.id, title=title or "", description=store_description(description or "")
    )
    return [
        El("photo", children=[text_el("title", updated.title), text_el("description", updated.description)])
    ]


@method("flickr.photos.setDates", perms=2)
def photos_set_dates(call: Call) -> list[El]:
    photo = get_photo(call, owner_only=True)
    posted_raw = call.nonempty("date_posted")
    taken_raw = call.nonempty("date_taken")
    gran_raw = call.nonempty("date_taken_granularity")
    if posted_raw is None and taken_raw is None and gran_raw is None:
        raise ApiError(2, "Not enough arguments")
    changes: dict[str, Any] = {}
    granularity = photo.takengranularity
    if gran_raw is not None:
        if gran_raw.strip() not in {"0", "4", "6", "8"}:
            raise ApiError(3, "Invalid granularity")
        granularity = int(gran_raw)
        changes["takengranularity"] = granularity
    if posted_raw is not None:
        digits = ""
        for ch in posted_raw.strip():
            if not ch.isdigit():
                break
            digits += ch
        if not digits or int(digits) > call.store.now():
            raise ApiError(4, "Invalid date_posted")
        changes["dateupload"] = int(digits)
    if taken_raw is not None:
        taken = parse_mysql_datetime(taken_raw)
        if taken is None:
            raise ApiError(5, "Invalid Date Taken Format")
        now_local = parse_mysql_datetime(call.store.local_time(call.store.now()))
        assert now_local is not None
        if taken.year < 1000 or (taken - now_local).days > 1:
            raise ApiError(6, "Invalid Date Taken")
        changes["datetaken"] = format_taken(_truncate(taken, granularity))
        changes["takenunknown"] = 0
    elif "takengranularity" in changes:
        current = parse_mysql_datetime(photo.datetaken)
        if current is not None:
            changes["datetaken"] = format_taken(_truncate(current, granularity))
    call.store.update_photo(photo.id, **changes)
    return []


def _truncate(dt: datetime, granularity: int) -> datetime:
    if granularity == 4:
        return dt.replace(day=1, hour=0, minute=0, second=0)
    if granularity in (6, 8):
        return dt.replace(month=1, day=1, hour=0, minute=0, second=0)
    return dt


@method("flickr.photos.setPerms", perms=2)
def photos_set_perms(call: Call) -> list[El]:
    photo = get_photo(call, owner_only=True)
    values = {}
    for name in ("is_public", "is_friend", "is_family"):
        raw = call.nonempty(name)
        if raw is None or raw.strip() not in {"0", "1"}:
            raise ApiError(2, "Required arguments missing")
        values[name] = int(raw)
    changes: dict[str, Any] = {
        "ispublic": values["is_public"],
        "isfriend": 0 if values["is_public"] else values["is_friend"],
        "isfamily": 0 if values["is_public"] else values["is_family"],
    }
    for name, column in (("perm_comment", "perm_comment"), ("perm_addmeta", "perm_addmeta")):
        raw = call.nonempty(name)
        if raw is not None and raw.strip() in {"0", "1", "2", "3"}:
            changes[column] = int(raw)
    if (changes["ispublic"], changes["isfriend"], changes["isfamily"]) != (
        photo.ispublic,
        photo.isfriend,
        photo.isfamily,
    ):
        # Flickr changes a photo's secret when its privacy changes, so old URLs stop working.
        changes["secret"] = new_secret()
    updated = call.store.update_photo(photo.id, **changes)
    return [El("photoid", {"secret": updated.secret, "originalsecret": ""}, text=str(updated.id))]


@method("flickr.photos.delete", perms=3)
def photos_delete(call: Call) -> list[El]:
    photo = get_photo(call, owner_only=True)
    call.store.delete_photo(photo.id, reason="flickr.photos.delete")
    return []


# --- photosets ------------------------------------------------------------------------------------------


def get_set(call: Call, *, owner_only: bool = False, name: str = "photoset_id") -> Photoset:
    set_id = parse_id(call.arg(name))
    photoset = call.store.photoset(set_id) if set_id is not None else None
    if photoset is None or (owner_only and (call.user is None or call.user.nsid != photoset.owner)):
        raise ApiError(1, "Photoset not found")
    return photoset


def _set_list_item(call: Call, photoset: Photoset, primary: Photo | None) -> El:
    return El(
        "photoset",
        {
            "id": str(photoset.id),
            "primary": str(photoset.primary_id),
            "secret": primary.secret if primary else "",
            "server": primary.server if primary else "0",
            "farm": primary.farm if primary else 0,
            "photos": str(photoset.photos),
            "videos": photoset.videos,
            "needs_interstitial": 0,
            "visibility_can_see_set": 1,
            "count_views": str(photoset.views),
            "count_comments": "0",
            "can_comment": int(call.user is not None),
            "date_create": str(photoset.date_create),
            "date_update": str(photoset.date_update),
        },
        [text_el("title", photoset.title), text_el("description", photoset.description)],
    )


@method("flickr.photosets.getList")
def photosets_get_list(call: Call) -> list[El]:
    user_arg = call.nonempty("user_id")
    if user_arg is None:
        if call.user is None:
            raise ApiError(1, "User not found")
        owner = call.user
    else:
        owner = resolve_user(
            call, user_arg, missing=ApiError(1, "User not found"), unknown=ApiError(1, "User not found")
        )
    mine = call.user is not None and call.user.nsid == owner.nsid
    sets = call.store.photosets(owner.nsid)
    if not mine:
        public = {
            s.id
            for s in sets
            if any(p.ispublic for p in call.store.photos_by_id(call.store.set_members(s.id)).values())
        }
        sets = [s for s in sets if s.id in public]
    total = len(sets)
    if call.nonempty("page") is None and call.nonempty("per_page") is None:
        per_page, page, chosen = max(total, 1), 1, sets
        pages = 1 if total else 0
    else:
        per_page, page = page_args(call, 500, 500)
        paging = paginate(total, per_page, page)
        page, pages = paging.page, paging.pages
        chosen = sets[(paging.fetch - 1) * per_page : paging.fetch * per_page]
    primaries = call.store.photos_by_id(s.primary_id for s in chosen)
    items = [_set_list_item(call, s, primaries.get(s.primary_id)) for s in chosen]
    return [
        El(
            "photosets",
            {
                "cancreate": 1,
                "page": page,
                "pages": pages,
                "perpage": per_page if total else 0,
                "total": total,
            },
            items,
            arrays=("photoset",),
        )
    ]


@method("flickr.photosets.getInfo")
def photosets_get_info(call: Call) -> list[El]:
    photoset = get_set(call)
    owner = call.store.user(photoset.owner)
    assert owner is not None
    primary = call.store.photo(photoset.primary_id)
    attrs: dict[str, Scalar] = {
        "id": str(photoset.id),
        "owner": owner.nsid,
        "username": owner.username,
        "primary": str(photoset.primary_id),
        "secret": primary.secret if primary else "",
        "server": primary.server if primary else "0",
        "farm": primary.farm if primary else 0,
        "photos": photoset.photos + photoset.videos,
        "count_views": str(photoset.views),
        "count_comments": "0",
        "count_photos": str(photoset.photos),
        "count_videos": photoset.videos,
        "can_comment": int(call.user is not None),
        "date_create": str(photoset.date_create),
        "date_update": str(photoset.date_update),
        "visibility_can_see_set": 1,
        "needs_interstitial": 0,
    }
    return [
        El(
            "photoset",
            attrs,
            [text_el("title", photoset.title), text_el("description", photoset.description)],
        )
    ]


@method("flickr.photosets.getPhotos")
def photosets_get_photos(call: Call) -> list[El]:
    photoset = get_set(call)
    user_arg = call.nonempty("user_id")
    if user_arg is not None:
        owner_arg = call.store.find_user(user_arg) if user_arg != "me" else call.user
        if owner_arg is None:
            raise ApiError(2, "User not found")
        if owner_arg.nsid != photoset.owner:
            raise ApiError(1, "Photoset not found")
    owner = call.store.user(photoset.owner)
    assert owner is not None
    viewer = call.user.nsid if call.user else None
    q = PhotoQuery(in_set=photoset.id, viewer=viewer, owner=photoset.owner, sort="set-order")
    _privacy_filter(call, q, owner)
    _media_filter(call, q)
    per_page, page = page_args(call, 500, 500)
    extras = parse_extras(call)
    total = call.store.count_photos(q)
    paging = paginate(total, per_page, page)
    photos = call.store.select_photos(q, per_page, paging.fetch)
    owners = {owner.nsid: owner}
    tags = call.store.tags_for(p.id for p in photos) if {"tags", "machine_tags"} & set(extras) else {}
    items = [
        photo_item(
            call, p, extras, owners, tags, with_owner=False, isprimary=int(p.id == photoset.primary_id)
        )
        for p in photos
    ]
    attrs: dict[str, Scalar] = {
        "id": str(photoset.id),
        "primary": str(photoset.primary_id),
        "owner": owner.nsid,
        "ownername": owner.username,
        "page": paging.page,
        "per_page": per_page,
        "perpage": per_page,
        "pages": paging.pages,
        "title": photoset.title,
        "total": str(total),
    }
    return [El("photoset", attrs, items, arrays=("photo",))]


@method("flickr.photosets.create", perms=2)
def photosets_create(call: Call) -> list[El]:
    title = call.nonempty("title")
    if title is None:
        raise ApiError(1, "No title specified")
    primary_id = parse_id(call.arg("primary_photo_id"))
    primary = call.store.photo(primary_id) if primary_id is not None else None
    if primary is None or primary.owner != caller(call).nsid:
        raise ApiError(2, "Photo not found")
    user = caller(call)
    photoset = call.store.create_photoset(
        user.nsid, title, store_description(call.arg("description") or ""), primary.id
    )
    alias = user.path_alias or user.nsid
    return [
        El("photoset", {"id": str(photoset.id), "url": f"{call.base_url}/photos/{alias}/sets/{photoset.id}/"})
    ]


def _set_photo(call: Call, photoset: Photoset, name: str = "photo_id") -> Photo:
    photo_id = parse_id(call.arg(name))
    photo = call.store.photo(photo_id) if photo_id is not None else None
    if photo is None or photo.owner != photoset.owner:
        raise ApiError(2, "Photo not found")
    return photo


@method("flickr.photosets.addPhoto", perms=2)
def photosets_add_photo(call: Call) -> list[El]:
    photoset = get_set(call, owner_only=True)
    photo = _set_photo(call, photoset)
    members = call.store.set_members(photoset.id)
    if photo.id in members:
        raise ApiError(3, "Photo already in set")
    if len(members) >= 10000:
        raise ApiError(10, "Maximum number of photos in set")
    call.store.add_to_set(photoset.id, photo.id)
    return []


@method("flickr.photosets.removePhoto", perms=2)
def photosets_remove_photo(call: Call) -> list[El]:
    photoset = get_set(call, owner_only=True)
    photo = _set_photo(call, photoset)
    if photo.id not in call.store.set_members(photoset.id):
        raise ApiError(3, "Photo not in set")
    call.store.remove_from_set(photoset.id, [photo.id], reason="flickr.photosets.removePhoto emptied the set")
    return []


def _id_list(value: str | None) -> list[str]:
    return [v.strip() for v in (value or "").split(",") if v.strip()]


@method("flickr.photosets.removePhotos", perms=2)
def photosets_remove_photos(call: Call) -> list[El]:
    photoset = get_set(call, owner_only=True)
    ids = []
    for raw in _id_list(call.arg("photo_ids")):
        photo_id = parse_id(raw)
        photo = call.store.photo(photo_id) if photo_id is not None else None
        if photo is None or photo.owner != photoset.owner:
            raise ApiError(2, "Photo not found")
        ids.append(photo.id)
    if not ids:
        raise ApiError(2, "Photo not found")
    members = set(call.store.set_members(photoset.id))
    call.store.remove_from_set(
        photoset.id, [i for i in ids if i in members], reason="flickr.photosets.removePhotos emptied the set"
    )
    return []


@method("flickr.photosets.editPhotos", perms=2)
def photosets_edit_photos(call: Call) -> list[El]:
    photoset = get_set(call, owner_only=True)
    raw_ids = _id_list(call.arg("photo_ids"))
    if not raw_ids:
        raise ApiError(5, "Empty photos list")
    ids: list[int] = []
    for raw in raw_ids:
        photo_id = parse_id(raw)
        photo = call.store.photo(photo_id) if photo_id is not None else None
        if photo is None or photo.owner != photoset.owner:
            raise ApiError(2, "Photo not found")
        if photo.id not in ids:
            ids.append(photo.id)
    primary_id = parse_id(call.arg("primary_photo_id"))
    primary = call.store.photo(primary_id) if primary_id is not None else None
    if primary is None or primary.owner != photoset.owner:
        raise ApiError(3, "Primary photo not found")
    if primary.id not in ids:
        raise ApiError(4, "Primary photo not in list")
    call.store.edit_set_photos(photoset.id, primary.id, ids)
    return []


@method("flickr.photosets.editMeta", perms=2)
def photosets_edit_meta(call: Call) -> list[El]:
    photoset = get_set(call, owner_only=True)
    title = call.nonempty("title")
    if title is None:
        raise ApiError(2, "No title specified")
    # An omitted description is cleared (UNCONFIRMED on Flickr; the stricter choice, see docs).
    call.store.update_set(
        photoset.id, title=title, description=store_description(call.arg("description") or "")
    )
    return []


@method("flickr.photosets.delete", perms=2)
def photosets_delete(call: Call) -> list[El]:
    photoset = get_set(call, owner_only=True)
    call.store.delete_photoset(photoset.id, reason="flickr.photosets.delete")
    return []


@method("flickr.photosets.setPrimaryPhoto", perms=2)
def photosets_set_primary_photo(call: Call) -> list[El]:
    photoset = get_set(call, owner_only=True)
    photo = _set_photo(call, photoset)
    if photo.id not in call.store.set_members(photoset.id):
        raise ApiError(3, "Photo not in set")
    call.store.update_set(photoset.id, primary_id=photo.id)
    return []


@method("flickr.photosets.orderSets", perms=2)
def photosets_order_sets(call: Call) -> list[El]:
    user = caller(call)
    mine = {s.id for s in call.store.photosets(user.nsid)}
    ids = []
    for raw in _id_list(call.arg("photoset_ids")):
        set_id = parse_id(raw)
        if set_id is None or set_id not in mine:
            raise ApiError(1, "Set not found")
        ids.append(set_id)
    call.store.reorder_sets(user.nsid, ids)
    return []


# --- groups -------------------------------------------------------------------------------------------


@method("flickr.groups.pools.add", perms=2)
def groups_pools_add(call: Call) -> list[El]:
    photo = get_photo(call, owner_only=True)
    group_id = call.nonempty("group_id")
    group = call.store.group(group_id) if group_id else None
    user = caller(call)
    if group is None or not call.store.is_member(group.nsid, user.nsid):
        raise ApiError(2, "Group not found")
    state = call.store.pool_state(group.nsid, photo.id)
    if state == "added":
        raise ApiError(3, "Photo already in pool")
    if state == "pending":
        raise ApiError(7, "Your Photo has already been added to the Pending Queue for this Pool")
    if group.moderated:
        call.store.add_to_pool(group.nsid, photo.id, "pending")
        raise ApiError(6, "Your Photo has been added to the Pending Queue for this Pool", keep_changes=True)
    call.store.add_to_pool(group.nsid, photo.id, "added")
    return []


@method("flickr.groups.pools.getGroups", perms=1, login=True)
def groups_pools_get_groups(call: Call) -> list[El]:
    user = caller(call)
    groups = call.store.groups_of(user.nsid)
    per_page, page = page_args(call, 400, 400)
    paging = paginate(len(groups), per_page, page)
    chosen = groups[(paging.fetch - 1) * per_page : paging.fetch * per_page]
    items = []
    for group, admin in chosen:
        _, photos = call.store.group_counts(group.nsid)
        items.append(
            El(
                "group",
                {
                    "nsid": group.nsid,
                    "name": group.name,
                    "admin": int(admin),
                    "privacy": str(group.privacy),
                    "photos": str(photos),
                    "iconserver": "65535",
                },
            )
        )
    return [
        El(
            "groups",
            {"page": paging.page, "pages": paging.pages, "per_page": per_page, "total": str(len(groups))},
            items,
            arrays=("group",),
        )
    ]


# --- uploads --------------------------------------------------------------------------------------------


@method("flickr.photos.upload.checkTickets")
def photos_upload_check_tickets(call: Call) -> list[El]:
    raw = _id_list(call.arg("tickets"))
    found = call.store.tickets_by_id(raw)
    items = []
    for ticket_id in raw:
        ticket = found.get(ticket_id)
        if ticket is None:
            items.append(El("ticket", {"id": ticket_id, "invalid": 1}))
        elif ticket.complete == 1:
            items.append(
                El(
                    "ticket",
                    {"id": ticket_id, "complete": 1, "photoid": str(ticket.photo_id), "imported": None},
                )
            )
        else:
            items.append(El("ticket", {"id": ticket_id, "complete": ticket.complete}))
    return [El("uploader", children=items, arrays=("ticket",))]
