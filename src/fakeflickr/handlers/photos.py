"""flickr.photos.*: lists and search, one photo (info, sizes, contexts, EXIF), and the writes."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

from fakeflickr.errors import ApiError
from fakeflickr.handlers.common import (
    caller,
    can_see,
    date_filters,
    dims,
    get_photo,
    is_owner,
    media_filter,
    media_kind,
    parse_id,
    photo_file_url,
    photo_list,
    photo_page_url,
    privacy_filter,
    resolve_user,
    tags_element,
)
from fakeflickr.handlers.registry import Call, method
from fakeflickr.media import available_sizes, exif_entries, size_dims
from fakeflickr.render import El, Scalar, text_el
from fakeflickr.state import Photo, PhotoQuery, new_secret
from fakeflickr.text import (
    format_taken,
    parse_english_date,
    parse_machine_tag_query,
    parse_mysql_datetime,
    parse_tag,
    parse_tags,
    split_tag_string,
    store_description,
)

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
        privacy_filter(call, q, owner)
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
    date_filters(call, q)
    media_filter(call, q)
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
    date_filters(call, q)
    privacy_filter(call, q, user)
    media_filter(call, q)
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
    for size in available_sizes(photo.width, photo.height, media_kind(photo)):
        width, height = size_dims(size, photo.width, photo.height)
        w, h = dims(size.suffix, width, height)
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
