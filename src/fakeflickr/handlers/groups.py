"""flickr.groups.*."""

from __future__ import annotations

from fakeflickr.errors import ApiError
from fakeflickr.handlers.common import caller, get_photo, page_args, paginate
from fakeflickr.handlers.registry import Call, method
from fakeflickr.render import El


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
