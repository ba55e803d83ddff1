"""Test controls under ``/__admin/`` (not part of Flickr). JSON in, JSON out; errors are HTTP 400
with ``{"error": "..."}``. :mod:`fakeflickr.testing` wraps every endpoint in a Python method.

==============================  ===========================================================================
``GET  /__admin/health``        ``{"ok": true}``
``GET  /__admin/state``         everything: users, photos (tags raw/clean, sets), photosets (ordered
                                members), groups and pools, tickets, deletions, calls, faults, config
                                (``?photos=0`` leaves photos out; ``?owner=NSID`` only that owner's)
``GET  /__admin/calls``         call counts per REST method / endpoint; ``POST /__admin/calls/reset``
``POST /__admin/consumers``     ``{"key", "secret"}`` registers an API key
``POST /__admin/users``         ``{"username", "nsid"?, "fullname"?, "realname"?, "is_pro"?,
                                "item_limit"?, "filesize_max"?, "videosize_max"?, "path_alias"?,
                                "default_is_public"? …}`` -> the user
``POST /__admin/users/<nsid>``  update the same fields
``POST /__admin/tokens``        ``{"user", "perms", "consumer_key"?}`` -> ``{"token", "secret", …}``
``POST /__admin/tokens/revoke`` ``{"token"}``
``POST /__admin/photos``        ``{"owner", "photos": [spec, …]}`` -> ``{"ids": [...]}`` (see
                                :func:`seed_photos` for the spec)
``POST /__admin/photosets``     ``{"owner", "title", "description"?, "photo_ids": [...]}``
``POST /__admin/groups``        ``{"name", "nsid"?, "moderated"?, "members"?: [nsid], "admins"?: [nsid]}``
``POST /__admin/faults``        a :class:`~fakeflickr.faults.FaultPlan` as JSON; ``DELETE`` clears it
``POST /__admin/rate_limit``    ``{"calls": N or null, "window": seconds}``
``GET|POST /__admin/config``    :class:`~fakeflickr.state.Config` fields
``GET|POST /__admin/link``      ``{"latency_ms", "up_bytes_per_s", "down_bytes_per_s"}`` (any of them;
                                0 = off): the network model of :mod:`fakeflickr.link`
``POST /__admin/tickets/complete``  finish every pending async ticket now
==============================  ===========================================================================
"""

from __future__ import annotations

import base64
import json
import uuid
from collections import defaultdict
from typing import TYPE_CHECKING, Any

from werkzeug.wrappers import Request, Response

from fakeflickr.faults import FaultPlan
from fakeflickr.media import generate_jpeg, probe_file
from fakeflickr.state import PERM_LEVEL, Photo, Store, User
from fakeflickr.text import ParsedTag, parse_mysql_datetime, parse_tags, store_description
from fakeflickr.uploads import complete_due_tickets

if TYPE_CHECKING:
    from fakeflickr.server import App


class AdminError(Exception):
    pass


def _json(data: Any, status: int = 200) -> Response:
    return Response(json.dumps(data, ensure_ascii=False), status=status, content_type="application/json")


def handle(app: App, request: Request) -> Response:
    try:
        body: Any = {}
        if request.method in ("POST", "PUT", "PATCH") and request.get_data():
            body = json.loads(request.get_data(as_text=True))
        return _route(app, request, body)
    except (AdminError, KeyError, ValueError, TypeError) as exc:
        return _json({"error": f"{type(exc).__name__}: {exc}"}, 400)


def _route(app: App, request: Request, body: Any) -> Response:
    store = app.store
    path = request.path[len("/__admin/") :].strip("/")
    method = request.method
    if path == "health":
        return _json({"ok": True})
    if path == "state":
        complete_due_tickets(store)
        with_photos = request.args.get("photos", "1") != "0"
        return _json(dump_state(app, with_photos=with_photos, owner=request.args.get("owner")))
    if path == "calls":
        return _json(app.calls())
    if path == "calls/reset" and method == "POST":
        app.reset_calls()
        return _json({"ok": True})
    if path == "consumers" and method == "POST":
        store.add_consumer(str(body["key"]), str(body["secret"]))
        return _json({"key": body["key"], "secret": body["secret"]})
    if path == "users" and method == "POST":
        return _json(_user_json(_create_user(store, body)))
    if path.startswith("users/") and method == "POST":
        return _json(_user_json(store.update_user(path.split("/", 1)[1], body)))
    if path == "users":
        return _json([_user_json(u) for u in store.users()])
    if path == "tokens" and method == "POST":
        return _json(_mint(store, body))
    if path == "tokens/revoke" and method == "POST":
        if not store.revoke_token(str(body["token"])):
            raise AdminError(f"no access token {body['token']}")
        return _json({"ok": True})
    if path == "photos" and method == "POST":
        return _json({"ids": [str(i) for i in seed_photos(store, body)]})
    if path == "photosets" and method == "POST":
        return _json(_seed_set(store, body))
    if path == "groups" and method == "POST":
        return _json(_seed_group(store, body))
    if path == "faults":
        if method == "DELETE":
            app.faults.set(None)
        elif method == "POST":
            app.faults.set(FaultPlan(**body) if body else None)
        return _json(app.faults.describe())
    if path == "rate_limit" and method == "POST":
        app.rate_limit.configure(body.get("calls"), float(body.get("window", 3600)))
        return _json(app.rate_limit.describe())
    if path == "config":
        if method == "POST":
            store.set_config(body)
        return _json(store.config.to_json())
    if path == "link":
        if method == "POST":
            app.link.update(body)
        return _json(app.link.settings.to_json())
    if path == "tickets/complete" and method == "POST":
        with store.tx() as db:
            db.execute("UPDATE tickets SET ready_at = 0 WHERE complete = 0")
        complete_due_tickets(store)
        return _json({"ok": True})
    return _json({"error": f"no admin endpoint {method} /__admin/{path}"}, 404)


# --- users and tokens ---------------------------------------------------------------------------


def _user_json(user: User) -> dict[str, Any]:
    return {
        "nsid": user.nsid,
        "user_number": user.num,
        "username": user.username,
        "fullname": user.fullname,
        "realname": user.realname,
        "path_alias": user.path_alias,
        "is_pro": user.is_pro,
        "item_limit": user.item_limit,
        "filesize_max": user.filesize_max,
        "videosize_max": user.videosize_max,
        "default_is_public": user.default_is_public,
        "default_is_friend": user.default_is_friend,
        "default_is_family": user.default_is_family,
    }


def _create_user(store: Store, body: dict[str, Any]) -> User:
    username = str(body.pop("username"))
    return store.create_user(username, **body)


def _find_user(store: Store, key: Any) -> User:
    user = store.find_user(str(key)) if key else store.default_user()
    if user is None:
        raise AdminError(f"no user {key!r}")
    return user


def _mint(store: Store, body: dict[str, Any]) -> dict[str, Any]:
    perms = str(body.get("perms", "write"))
    if perms not in PERM_LEVEL or perms == "none":
        raise AdminError("perms must be read, write or delete")
    user = _find_user(store, body.get("user"))
    consumer = body.get("consumer_key") or store.consumers()[0][0]
    if store.consumer_secret(consumer) is None:
        raise AdminError(f"unknown consumer key {consumer}")
    token = store.mint_access_token(consumer, user.nsid, perms)
    return {
        "token": token.token,
        "secret": token.secret,
        "perms": perms,
        "user_nsid": user.nsid,
        "username": user.username,
        "consumer_key": consumer,
    }


# --- seeding ------------------------------------------------------------------------------------


def seed_photos(store: Store, body: dict[str, Any]) -> list[int]:
    """Photos "already on Flickr", as if another client had uploaded them.

    Spec fields (all optional): ``title``, ``description``, ``tags`` (a Flickr tag string),
    ``date_taken`` ("YYYY-MM-DD HH:MM:SS"), ``date_taken_unknown`` (bool), ``granularity``,
    ``date_upload`` (Unix seconds; default now), ``last_update``, ``media`` ("photo"/"video"),
    ``is_public``/``is_friend``/``is_family`` (default: the owner's defaults), ``views``,
    ``license``, ``hidden``, ``width``/``height`` (default 640x480), ``original_format`` (default
    "jpg"), ``sets`` (photoset titles: found by title or created), ``pools`` (group NSIDs);
    and the bytes: ``image_base64`` (stored as the original; size and EXIF date read from it
    unless given) or ``generate: true`` (a JPEG made now, with EXIF date when known, the same for
    the same ``seed``; default seed: owner, title and position in the call). Without either, the
    photo is *lazy*: its JPEG (or MP4) is generated on first download.
    """
    owner = _find_user(store, body.get("owner"))
    specs = body.get("photos")
    if not isinstance(specs, list):
        raise AdminError("photos must be a list of photo specs")
    now = store.now()
    lazy_rows: list[dict[str, Any]] = []
    lazy_index: list[int] = []
    ids: list[int | None] = [None] * len(specs)
    with store.tx():
        for index, spec in enumerate(specs):
            row = _seed_row(store, owner, spec, now)
            data: bytes | None = None
            if spec.get("image_base64"):
                data = base64.b64decode(spec["image_base64"])
            elif spec.get("generate"):
                date = None if row["takenunknown"] else row["datetaken"]
                seed = str(spec.get("seed", f"{owner.nsid}:{row['title']}:{index}"))
                data = generate_jpeg(seed, row["width"], row["height"], date)
            if data is None:
                lazy_rows.append(row)
                lazy_index.append(index)
                continue
            tmp = store.blobs.incoming(f"seed-{uuid.uuid4().hex}")
            tmp.write_bytes(data)
            probe = probe_file(tmp)
            if probe is not None:
                row["media"] = spec.get("media", probe.media)
                row["originalformat"] = spec.get("original_format", probe.originalformat)
                row["width"] = int(spec.get("width", probe.width))
                row["height"] = int(spec.get("height", probe.height))
                if "date_taken" not in spec and probe.date_taken and row["media"] == "photo":
                    row["datetaken"], row["takenunknown"] = probe.date_taken, 0  # a video's is ignored
            tags = row.pop("tags")
            photo = store.add_photo(tags=tags, source_file=tmp, **row)
            ids[index] = photo.id
        if lazy_rows:
            for index, photo_id in zip(lazy_index, store.add_photos_bulk(lazy_rows), strict=True):
                ids[index] = photo_id
        final = [i for i in ids if i is not None]
        _seed_memberships(store, owner, specs, final)
    return final


def _seed_row(store: Store, owner: User, spec: dict[str, Any], now: int) -> dict[str, Any]:
    posted = int(spec.get("date_upload", now))
    unknown = bool(spec.get("date_taken_unknown", "date_taken" not in spec))
    if "date_taken" in spec:
        parsed = parse_mysql_datetime(str(spec["date_taken"]))
        if parsed is None and not str(spec["date_taken"]).startswith("0000"):
            raise AdminError(f"bad date_taken {spec['date_taken']!r}")
        taken = str(spec["date_taken"]) if parsed is None else parsed.strftime("%Y-%m-%d %H:%M:%S")
    else:
        taken = store.local_time(posted)
    is_public = int(spec.get("is_public", owner.default_is_public))
    tags: list[ParsedTag] = parse_tags(str(spec.get("tags", "")))
    return {
        "owner": owner.nsid,
        "title": str(spec.get("title", "")),
        "description": store_description(str(spec.get("description", ""))),
        "tags": tags,
        "ispublic": is_public,
        "isfriend": 0 if is_public else int(spec.get("is_friend", owner.default_is_friend)),
        "isfamily": 0 if is_public else int(spec.get("is_family", owner.default_is_family)),
        "dateupload": posted,
        "lastupdate": int(spec.get("last_update", posted)),
        "datetaken": taken,
        "takenunknown": int(unknown),
        "takengranularity": int(spec.get("granularity", 0)),
        "media": str(spec.get("media", "photo")),
        "originalformat": str(spec.get("original_format", "mp4" if spec.get("media") == "video" else "jpg")),
        "width": int(spec.get("width", 640)),
        "height": int(spec.get("height", 480)),
        "views": int(spec.get("views", 0)),
        "license": str(spec.get("license", "0")),
        "hidden": int(spec.get("hidden", 1)),
    }


def _seed_memberships(store: Store, owner: User, specs: list[dict[str, Any]], ids: list[int]) -> None:
    by_title: dict[str, list[int]] = defaultdict(list)
    for spec, photo_id in zip(specs, ids, strict=True):
        for title in spec.get("sets", []) or []:
            by_title[str(title)].append(photo_id)
        for group in spec.get("pools", []) or []:
            if store.group(str(group)) is None:
                raise AdminError(f"no group {group}")
            store.add_to_pool(str(group), photo_id, "added")
    with store.tx() as db:
        for title, photo_ids in by_title.items():
            existing = store.find_photosets_by_title(owner.nsid, title)
            if existing:
                set_id = existing[0].id
                members = set(store.set_members(set_id))
                top = db.execute(
                    "SELECT MAX(position) FROM set_photos WHERE set_id = ?", (set_id,)
                ).fetchone()[0]
                start = (top if top is not None else -1) + 1
            else:
                set_id = store.create_photoset(owner.nsid, title, "", photo_ids[0]).id
                members, start = {photo_ids[0]}, 1
            rows = [
                (set_id, pid, start + i) for i, pid in enumerate(p for p in photo_ids if p not in members)
            ]
            db.executemany("INSERT INTO set_photos (set_id, photo_id, position) VALUES (?, ?, ?)", rows)


def _seed_set(store: Store, body: dict[str, Any]) -> dict[str, Any]:
    owner = _find_user(store, body.get("owner"))
    photo_ids = [int(p) for p in body.get("photo_ids", [])]
    if not photo_ids:
        raise AdminError("a photoset needs at least one photo (Flickr has no empty sets)")
    photos = store.photos_by_id(photo_ids)
    for pid in photo_ids:
        if pid not in photos or photos[pid].owner != owner.nsid:
            raise AdminError(f"photo {pid} is not {owner.nsid}'s")
    photoset = store.create_photoset(
        owner.nsid, str(body["title"]), store_description(str(body.get("description", ""))), photo_ids[0]
    )
    if len(photo_ids) > 1:
        store.edit_set_photos(photoset.id, photo_ids[0], list(dict.fromkeys(photo_ids)))
    return {"id": str(photoset.id)}


def _seed_group(store: Store, body: dict[str, Any]) -> dict[str, Any]:
    group = store.create_group(
        str(body["name"]),
        nsid=body.get("nsid"),
        moderated=bool(body.get("moderated", False)),
        privacy=int(body.get("privacy", 3)),
    )
    for member in body.get("members", []) or []:
        store.add_member(group.nsid, _find_user(store, member).nsid)
    for member in body.get("admins", []) or []:
        store.add_member(group.nsid, _find_user(store, member).nsid, admin=True)
    return {"nsid": group.nsid, "name": group.name}


# --- state dump -----------------------------------------------------------------------------------


def _photo_json(photo: Photo) -> dict[str, Any]:
    return {
        "id": str(photo.id),
        "owner": photo.owner,
        "title": photo.title,
        "description": photo.description,
        "secret": photo.secret,
        "originalsecret": photo.originalsecret,
        "server": photo.server,
        "ispublic": photo.ispublic,
        "isfriend": photo.isfriend,
        "isfamily": photo.isfamily,
        "safety_level": photo.safety_level,
        "content_type": photo.content_type,
        "hidden": photo.hidden,
        "dateupload": photo.dateupload,
        "lastupdate": photo.lastupdate,
        "datetaken": photo.datetaken,
        "takenunknown": photo.takenunknown,
        "takengranularity": photo.takengranularity,
        "media": photo.media,
        "originalformat": photo.originalformat,
        "width": photo.width,
        "height": photo.height,
        "file_md5": photo.file_md5,
        "file_size": photo.file_size,
        "lazy": photo.file_path is None,
    }


def dump_state(app: App, *, with_photos: bool = True, owner: str | None = None) -> dict[str, Any]:
    store = app.store
    with store.tx() as db:
        users = [u for u in store.users() if owner is None or u.nsid == owner]
        out: dict[str, Any] = {
            "users": [_user_json(u) for u in users],
            "config": store.config.to_json(),
            "calls": app.calls(),
            "faults": app.faults.describe(),
            "rate_limit": app.rate_limit.describe(),
            "deletions": store.deletions(),
            "internal_errors": list(app.internal_errors),
            "tickets": [
                {
                    "id": t.id,
                    "user": t.user_nsid,
                    "kind": t.kind,
                    "complete": t.complete,
                    "photo_id": str(t.photo_id) if t.photo_id else None,
                }
                for t in store.all_tickets()
            ],
        }
        sets_out = []
        membership: dict[int, list[str]] = defaultdict(list)
        for user in users:
            for photoset in store.photosets(user.nsid):
                members = store.set_members(photoset.id)
                for pid in members:
                    membership[pid].append(str(photoset.id))
                sets_out.append(
                    {
                        "id": str(photoset.id),
                        "owner": photoset.owner,
                        "title": photoset.title,
                        "description": photoset.description,
                        "primary": str(photoset.primary_id),
                        "photos": [str(p) for p in members],
                    }
                )
        out["photosets"] = sets_out
        groups = []
        for row in db.execute("SELECT nsid FROM groups ORDER BY nsid").fetchall():
            group = store.group(row[0])
            assert group is not None
            members_rows = db.execute(
                "SELECT user_nsid, admin FROM group_members WHERE group_nsid = ? ORDER BY user_nsid",
                (group.nsid,),
            ).fetchall()
            pool_rows = db.execute(
                "SELECT photo_id, state FROM pool_photos WHERE group_nsid = ? ORDER BY added, photo_id",
                (group.nsid,),
            ).fetchall()
            groups.append(
                {
                    "nsid": group.nsid,
                    "name": group.name,
                    "moderated": group.moderated,
                    "members": [{"nsid": r[0], "admin": bool(r[1])} for r in members_rows],
                    "pool": [str(r[0]) for r in pool_rows if r[1] == "added"],
                    "pending": [str(r[0]) for r in pool_rows if r[1] == "pending"],
                }
            )
        out["groups"] = groups
        if with_photos:
            if owner:
                rows = db.execute("SELECT id FROM photos WHERE owner = ? ORDER BY id", (owner,))
            else:
                rows = db.execute("SELECT id FROM photos ORDER BY id")
            ids = [int(r[0]) for r in rows]
            photos = store.photos_by_id(ids)
            tags = store.tags_for(ids)
            out["photos"] = [
                {
                    **_photo_json(photos[i]),
                    "tags": [
                        {"id": t.id, "raw": t.raw, "clean": t.clean, "machine": t.machine, "author": t.author}
                        for t in tags.get(i, [])
                    ],
                    "sets": membership.get(i, []),
                }
                for i in ids
            ]
    return out
