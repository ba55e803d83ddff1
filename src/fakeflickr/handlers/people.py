"""flickr.people.*."""

from __future__ import annotations

from fakeflickr.errors import ApiError
from fakeflickr.handlers.common import caller, date_filters, photo_list, privacy_filter, resolve_user
from fakeflickr.handlers.registry import Call, method
from fakeflickr.render import El, text_el
from fakeflickr.state import PhotoQuery


@method("flickr.people.getPhotos")
def people_get_photos(call: Call) -> list[El]:
    owner = resolve_user(
        call,
        call.arg("user_id"),
        missing=ApiError(1, "Required arguments missing"),
        unknown=ApiError(2, "Unknown user"),
    )
    q = PhotoQuery(owner=owner.nsid, viewer=call.user.nsid if call.user else None)
    date_filters(call, q)
    privacy_filter(call, q, owner)
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
