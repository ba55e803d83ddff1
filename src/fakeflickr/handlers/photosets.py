"""flickr.photosets.*."""

from __future__ import annotations

from fakeflickr.errors import ApiError
from fakeflickr.handlers.common import (
    caller,
    id_list,
    media_filter,
    page_args,
    paginate,
    parse_extras,
    parse_id,
    photo_item,
    privacy_filter,
    resolve_user,
)
from fakeflickr.handlers.registry import Call, method
from fakeflickr.render import El, Scalar, text_el
from fakeflickr.state import Photo, PhotoQuery, Photoset
from fakeflickr.text import store_description


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
    privacy_filter(call, q, owner)
    media_filter(call, q)
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


@method("flickr.photosets.removePhotos", perms=2)
def photosets_remove_photos(call: Call) -> list[El]:
    photoset = get_set(call, owner_only=True)
    ids = []
    for raw in id_list(call.arg("photo_ids")):
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
    raw_ids = id_list(call.arg("photo_ids"))
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
    for raw in id_list(call.arg("photoset_ids")):
        set_id = parse_id(raw)
        if set_id is None or set_id not in mine:
            raise ApiError(1, "Set not found")
        ids.append(set_id)
    call.store.reorder_sets(user.nsid, ids)
    return []
