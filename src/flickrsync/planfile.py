"""A plan you can edit (issue 12 point 6): a sync's plan as a JSON document, and back.

Charter: pure — plain data in, plain data out. :func:`plan_document` turns what the engine
prepared (the plan, the match, the two indexes as records) into a JSON-able document;
:func:`read_document` checks a document (as edited by a person, a script or the review page) and
returns it as records; :func:`reconcile` lays it over a plan made afresh at apply time and says
what is carried out, and which entries are refused, each with a one-line reason. Reading files,
scanning, listing and executing are :mod:`flickrsync.planrun`'s. The format, versioned, is
documented in ``docs/plan-format.md`` with a JSON Schema (``docs/plan.schema.json``).

What a user may change in a document, and what it means at apply time:

* remove an entry: it is not carried out;
* an upload's ``title``, ``description``, ``tags``, ``privacy``, ``safety_level``,
  ``content_type``, ``hidden``, ``resize``: used as given (cut to Flickr's limits);
* a download's ``relpath``: where it goes (a fresh path inside its pictures folder);
* a match's ``add_tag`` false: the photo is not tagged;
* remove a replace (an edit put in place of its photo) or a date to set: not done;
* ``"ignore": true`` on any entry: the picture (uploads, replaces) or the Flickr photo
  (downloads, matches, dates) is ignored for good (``flickrsync ignore``); nothing is done with it;
* ``options.photosets`` false: the photoset step is skipped.

Everything else (content ids, photo ids, sizes, reasons, the informative lists) is for people and
is not read back.
"""

from __future__ import annotations

import posixpath
import re
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

from flickrsync.changes import Changes, Deletion, Edit
from flickrsync.choosing import (
    KEY_KINDS,
    MIN_RESIZE,
    PRIVACY,
    RESIZABLE,
    edited_text,
    privacy,
    upload_tags,
    user_tags,
    with_privacy,
)
from flickrsync.matcher import MatchResult
from flickrsync.models import (
    ACTION_KINDS,
    ON_EDIT,
    Account,
    Action,
    AddTags,
    ContentId,
    Download,
    FailedItem,
    LocalPath,
    LocalPicture,
    OnEdit,
    PhotoId,
    Plan,
    RemotePhoto,
    Replace,
    Resize,
    SetDateTaken,
    SyncMode,
    Upload,
    UploadOptions,
)
from flickrsync.planner import is_safe_relpath, path_key, summarize

#: What the document says it is, and its version. Bump the version on any change a reader of an
#: older version would misread (a key removed, renamed or given another meaning); keys added are
#: compatible, and readers ignore keys they do not know.
FORMAT = "flickrsync-plan"
VERSION = 1

_HEX64 = re.compile(r"[0-9a-f]{64}")
_PHOTO_ID = re.compile(r"[0-9]{1,20}")
_MODES: tuple[SyncMode, ...] = ("sync", "sync2", "download")


class PlanError(ValueError):
    """A document that is not a plan this flickrsync can carry out; the message names the entry
    (``uploads[3].privacy``) and what is wrong."""


# --- writing ---------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class PlanOptionsDoc:
    """The run's choices a document carries (what ``apply`` runs with)."""

    mode: SyncMode = "sync"
    date_match: bool = True
    photosets: bool = True
    prune: bool = False
    force: bool = False
    #: ``--on-edit`` (None: config.ini's ``on_edit``), ``--restore`` and what it names.
    on_edit: OnEdit | None = None
    restore: bool = False
    restore_targets: tuple[str, ...] = ()


def plan_document(
    *,
    profile: str,
    account: Account,
    options: PlanOptionsDoc,
    plan: Plan,
    match: MatchResult | None,
    pictures: Mapping[ContentId, LocalPicture],
    photos: Mapping[PhotoId, RemotePhoto],
    created_at: str,
    set_preview: Plan | None = None,
    notes: Sequence[str] = (),
    changes: Changes | None = None,
) -> dict[str, Any]:
    """The plan as a JSON-able document (see ``docs/plan-format.md``)."""
    tagged = {(a.photo_id, a.content_id) for a in plan.tags}

    def first_path(cid: ContentId) -> str | None:
        picture = pictures.get(cid)
        return _full(picture.paths[0]) if picture is not None and picture.paths else None

    summary = plan.summary if set_preview is None else _with_sets(plan, set_preview)
    doc: dict[str, Any] = {
        "format": FORMAT,
        "version": VERSION,
        "created_at": created_at,
        "profile": profile,
        "account": {"nsid": account.nsid, "username": account.username},
        "options": {
            "mode": options.mode,
            "date_match": options.date_match,
            "photosets": options.photosets,
            "prune": options.prune,
            "force": options.force,
            "on_edit": options.on_edit,
            "restore": options.restore,
            "restore_targets": list(options.restore_targets),
        },
        "refusal": plan.refusal,
        "summary": {k: getattr(summary, k) for k in summary.__dataclass_fields__},
        "uploads": [_upload_entry(u) for u in plan.uploads],
        "downloads": [_download_entry(d, photos.get(d.photo_id)) for d in plan.downloads],
        "replaces": [_replace_entry(a) for a in plan.actions if isinstance(a, Replace)],
        "dates": [
            _date_entry(a, first_path(a.content_id)) for a in plan.actions if isinstance(a, SetDateTaken)
        ],
        "changes": _changes_entry(changes),
        "matches": [],
        "undecided": [],
        "duplicates": [],
        "failed": [{"path": f.path, "reason": f.reason} for f in plan.failed],
        "photosets": [_set_entry(a) for a in (set_preview.actions if set_preview is not None else ())],
        "notes": list(notes),
    }
    if match is not None:
        doc["matches"] = [
            {
                "content_id": m.content_id,
                "path": first_path(m.content_id),
                "photo_id": m.photo_id,
                "photo_title": photos[m.photo_id].title if m.photo_id in photos else "",
                "rule": m.rule,
                "evidence": m.reason,
                "add_tag": (m.photo_id, m.content_id) in tagged,
                "ignore": False,
            }
            for m in match.matches
        ]
        doc["undecided"] = [
            {
                "content_ids": list(u.content_ids),
                "paths": [p for p in map(first_path, u.content_ids) if p is not None],
                "photo_ids": list(u.photo_ids),
                "reason": u.reason,
                "commands": identify_commands(u.content_ids, u.photo_ids, pictures),
            }
            for u in match.undecided
        ]
        doc["duplicates"] = [
            {"photo_id": d.photo_id, "of": d.of, "content_id": d.content_id, "reason": d.reason}
            for d in match.duplicates
        ]
    return doc


def identify_commands(
    content_ids: Sequence[ContentId], photo_ids: Sequence[PhotoId], pictures: Mapping[ContentId, LocalPicture]
) -> list[str]:
    """The commands that settle an undecided group: ``flickrsync identify PHOTO PATH`` for each
    pair the user may mean."""
    commands = []
    for cid in content_ids:
        picture = pictures.get(cid)
        if picture is None or not picture.paths:
            continue
        for pid in photo_ids:
            commands.append(f"flickrsync identify {pid} {_shell_quote(_full(picture.paths[0]))}")
    return commands


def _shell_quote(text: str) -> str:
    if re.fullmatch(r"[A-Za-z0-9_./@%+=:,-]+", text):
        return text
    return "'" + text.replace("'", "'\"'\"'") + "'"


def _full(path: LocalPath) -> str:
    return posixpath.join(path.root, path.relpath)


def _with_sets(plan: Plan, sets: Plan) -> Any:
    from flickrsync.planner import add_summaries  # noqa: PLC0415 - one place sums summaries

    return add_summaries(plan.summary, sets.summary)


def _upload_entry(u: Upload) -> dict[str, Any]:
    return {
        "content_id": u.content_id,
        "path": _full(u.path),
        "root": u.path.root,
        "relpath": u.path.relpath,
        "size": u.size,
        "media": u.media,
        "title": u.title,
        "description": u.description,
        "tags": list(user_tags(u.tags, u.content_id)),
        "privacy": privacy(u.options),
        "safety_level": u.options.safety_level,
        "content_type": u.options.content_type,
        "hidden": u.options.hidden,
        "resize": _resize_entry(u.resize),
        "date_taken": u.set_date_taken,
        "reason": u.reason,
        "sources": dict(u.origins),
        "warnings": list(u.warnings),
        "ignore": False,
    }


def _resize_entry(resize: Resize | None) -> dict[str, int] | None:
    return None if resize is None else {"long_edge": resize.long_edge, "quality": resize.quality}


def _replace_entry(a: Replace) -> dict[str, Any]:
    return {
        "photo_id": a.photo_id,
        "content_id": a.content_id,
        "old_content_id": a.old_content_id,
        "path": _full(a.path),
        "root": a.path.root,
        "relpath": a.path.relpath,
        "size": a.size,
        "resize": _resize_entry(a.resize),
        "reason": a.reason,
        "ignore": False,
    }


def _date_entry(a: SetDateTaken, path: str | None) -> dict[str, Any]:
    return {
        "photo_id": a.photo_id,
        "content_id": a.content_id,
        "path": path,
        "date_taken": a.date_taken,
        "reason": a.reason,
        "ignore": False,
    }


def _changes_entry(changes: Changes | None) -> dict[str, list[dict[str, Any]]]:
    """What changed on either side since the last sync, for people (not read back): what is done
    about it is in the other lists (a replace, an upload, a download restored) or nowhere (an
    edit kept as it is on Flickr, a deletion left alone)."""

    def edit(e: Edit) -> dict[str, Any]:
        return {
            "photo_id": e.photo_id,
            "content_id": e.content_id,
            "old_content_id": e.old_content_id,
            "path": _full(e.path),
            "media": e.media,
            "reason": e.reason,
            "superseded_by": e.superseded_by,
        }

    def deletion(d: Deletion) -> dict[str, Any]:
        return {"photo_id": d.photo_id, "content_id": d.content_id, "paths": [_full(p) for p in d.paths]}

    if changes is None:
        return {"edits": [], "superseded": [], "deleted_locally": [], "deleted_on_flickr": []}
    return {
        "edits": [edit(e) for e in changes.edits],
        "superseded": [edit(e) for e in changes.superseded],
        "deleted_locally": [deletion(d) for d in changes.deleted_locally],
        "deleted_on_flickr": [deletion(d) for d in changes.deleted_on_flickr],
    }


def _download_entry(d: Download, photo: RemotePhoto | None) -> dict[str, Any]:
    return {
        "photo_id": d.photo_id,
        "photo_title": photo.title if photo is not None else "",
        "path": _full(d.dest),
        "root": d.dest.root,
        "relpath": d.dest.relpath,
        "media": d.media,
        "original_format": d.original_format,
        "reason": d.reason,
        "ignore": False,
    }


def _set_entry(action: Action) -> dict[str, Any]:
    """A photoset change of the preview (for people: apply plans the photosets again after the
    transfers, on the state they leave)."""
    entry: dict[str, Any] = {"action": ACTION_KINDS[type(action)]}
    for name in ("title", "old_title", "photoset_id", "photo_id", "folder", "group_id"):
        value = getattr(action, name, None)
        if value is not None:
            entry[name] = value
    ids = getattr(action, "photo_ids", None)
    if ids is not None:
        entry["photos"] = len(ids)
    return entry


# --- reading ---------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class PlannedUpload:
    content_id: ContentId
    path: LocalPath
    title: str
    description: str
    tags: tuple[str, ...]
    options: UploadOptions
    resize: Resize | None
    ignore: bool = False


@dataclass(frozen=True, slots=True)
class PlannedDownload:
    photo_id: PhotoId
    path: LocalPath
    ignore: bool = False


@dataclass(frozen=True, slots=True)
class PlannedMatch:
    content_id: ContentId
    photo_id: PhotoId
    add_tag: bool
    ignore: bool = False


@dataclass(frozen=True, slots=True)
class PlannedChange:
    """A replace or a date to set, as the document keeps it (only whether it is there)."""

    photo_id: PhotoId
    content_id: ContentId
    ignore: bool = False


@dataclass(frozen=True, slots=True)
class PlanDocument:
    """A document as :func:`read_document` understood it."""

    version: int
    profile: str
    nsid: str
    options: PlanOptionsDoc
    uploads: tuple[PlannedUpload, ...] = ()
    downloads: tuple[PlannedDownload, ...] = ()
    matches: tuple[PlannedMatch, ...] = ()
    created_at: str = ""
    replaces: tuple[PlannedChange, ...] = ()
    dates: tuple[PlannedChange, ...] = ()


def read_document(data: object) -> PlanDocument:
    """Check a document and return it as records; :class:`PlanError` names the first thing wrong.
    Keys it does not know are ignored (a newer minor writer, or a user's own notes)."""
    doc = _object(data, "the plan")
    if doc.get("format") != FORMAT:
        raise PlanError(f"not a flickrsync plan (format is {doc.get('format')!r}, not {FORMAT!r})")
    version = doc.get("version")
    if not isinstance(version, int) or isinstance(version, bool) or version < 1:
        raise PlanError("version: must be a whole number")
    if version > VERSION:
        raise PlanError(f"version {version} was written by a newer flickrsync (this one reads {VERSION})")
    account = _object(doc.get("account"), "account")
    raw_options = _object(doc.get("options"), "options")
    mode = raw_options.get("mode")
    if mode not in _MODES:
        raise PlanError(f"options.mode: must be one of {', '.join(_MODES)}")
    on_edit = raw_options.get("on_edit")
    if on_edit is not None and on_edit not in ON_EDIT:
        raise PlanError(f"options.on_edit: must be one of {', '.join(ON_EDIT)}, or null")
    targets = raw_options.get("restore_targets", [])
    if not isinstance(targets, list) or not all(isinstance(t, str) and t for t in targets):
        raise PlanError("options.restore_targets: must be a list of paths and photo ids")
    options = PlanOptionsDoc(
        mode=mode,
        date_match=_bool(raw_options, "date_match", "options", True),
        photosets=_bool(raw_options, "photosets", "options", True),
        prune=_bool(raw_options, "prune", "options", False),
        force=_bool(raw_options, "force", "options", False),
        on_edit=on_edit,
        restore=_bool(raw_options, "restore", "options", False),
        restore_targets=tuple(targets),
    )
    uploads = tuple(_read_upload(e, f"uploads[{i}]") for i, e in enumerate(_list(doc, "uploads")))
    downloads = tuple(_read_download(e, f"downloads[{i}]") for i, e in enumerate(_list(doc, "downloads")))
    matches = tuple(_read_match(e, f"matches[{i}]") for i, e in enumerate(_list(doc, "matches")))
    replaces = tuple(_read_change(e, f"replaces[{i}]") for i, e in enumerate(_list(doc, "replaces")))
    dates = tuple(_read_change(e, f"dates[{i}]") for i, e in enumerate(_list(doc, "dates")))
    _unique([u.content_id for u in uploads], "uploads", "content_id")
    _unique([d.photo_id for d in downloads], "downloads", "photo_id")
    return PlanDocument(
        version=version,
        profile=_text(doc, "profile", "the plan"),
        nsid=_text(account, "nsid", "account"),
        options=options,
        uploads=uploads,
        downloads=downloads,
        matches=matches,
        created_at=str(doc.get("created_at", "")),
        replaces=replaces,
        dates=dates,
    )


def _read_upload(data: object, where: str) -> PlannedUpload:
    e = _object(data, where)
    cid = _text(e, "content_id", where)
    if not _HEX64.fullmatch(cid):
        raise PlanError(f"{where}.content_id: must be 64 hex digits")
    word = e.get("privacy", "private")
    if word not in PRIVACY:
        raise PlanError(f"{where}.privacy: must be one of {', '.join(PRIVACY)}")
    options = with_privacy(
        UploadOptions(
            safety_level=_int(e, "safety_level", where, KEY_KINDS["safety_level"], 1),
            content_type=_int(e, "content_type", where, KEY_KINDS["content_type"], 1),
            hidden=_int(e, "hidden", where, KEY_KINDS["hidden"], 2),
        ),
        str(word),
    )
    tags = e.get("tags", [])
    if not isinstance(tags, list) or not all(isinstance(t, str) for t in tags):
        raise PlanError(f"{where}.tags: must be a list of text")
    return PlannedUpload(
        content_id=ContentId(cid),
        path=_path(e, where),
        title=_text(e, "title", where, allow_empty=True),
        description=_text(e, "description", where, allow_empty=True, default=""),
        tags=tuple(tags),
        options=options,
        resize=_resize(e.get("resize"), f"{where}.resize"),
        ignore=_bool(e, "ignore", where, False),
    )


def _read_download(data: object, where: str) -> PlannedDownload:
    e = _object(data, where)
    pid = _text(e, "photo_id", where)
    if not _PHOTO_ID.fullmatch(pid):
        raise PlanError(f"{where}.photo_id: must be a Flickr photo id (digits)")
    return PlannedDownload(PhotoId(pid), _path(e, where), _bool(e, "ignore", where, False))


def _read_match(data: object, where: str) -> PlannedMatch:
    e = _object(data, where)
    cid, pid = _text(e, "content_id", where), _text(e, "photo_id", where)
    if not _HEX64.fullmatch(cid) or not _PHOTO_ID.fullmatch(pid):
        raise PlanError(f"{where}: needs a content_id (64 hex digits) and a photo_id (digits)")
    return PlannedMatch(
        ContentId(cid), PhotoId(pid), _bool(e, "add_tag", where, False), _bool(e, "ignore", where, False)
    )


def _read_change(data: object, where: str) -> PlannedChange:
    e = _object(data, where)
    cid, pid = _text(e, "content_id", where), _text(e, "photo_id", where)
    if not _HEX64.fullmatch(cid) or not _PHOTO_ID.fullmatch(pid):
        raise PlanError(f"{where}: needs a content_id (64 hex digits) and a photo_id (digits)")
    return PlannedChange(PhotoId(pid), ContentId(cid), _bool(e, "ignore", where, False))


def _resize(value: object, where: str) -> Resize | None:
    if value is None:
        return None
    e = _object(value, where)
    long_edge = _int(e, "long_edge", where, ("int", MIN_RESIZE, 100_000), 0)
    quality = _int(e, "quality", where, KEY_KINDS["resize_quality"], 90)
    return Resize(long_edge, quality)


def _path(e: Mapping[str, Any], where: str) -> LocalPath:
    root, relpath = _text(e, "root", where), _text(e, "relpath", where)
    if not is_safe_relpath(relpath):
        raise PlanError(f"{where}.relpath: {relpath!r} is not a path inside the pictures folder")
    return LocalPath(root, relpath)


def _object(value: object, where: str) -> Mapping[str, Any]:
    if not isinstance(value, dict):
        raise PlanError(f"{where}: must be an object")
    return value


def _list(doc: Mapping[str, Any], key: str) -> list[Any]:
    value = doc.get(key, [])
    if not isinstance(value, list):
        raise PlanError(f"{key}: must be a list")
    return value


def _text(
    e: Mapping[str, Any], key: str, where: str, *, allow_empty: bool = False, default: str | None = None
) -> str:
    value = e.get(key, default)
    if not isinstance(value, str) or (not value and not allow_empty):
        raise PlanError(f"{where}.{key}: must be {'text' if allow_empty else 'non-empty text'}")
    return value


def _bool(e: Mapping[str, Any], key: str, where: str, default: bool) -> bool:
    value = e.get(key, default)
    if not isinstance(value, bool):
        raise PlanError(f"{where}.{key}: must be true or false")
    return value


def _int(e: Mapping[str, Any], key: str, where: str, kind: tuple[Any, ...], default: int) -> int:
    value = e.get(key, default)
    _kind, low, high = kind
    if not isinstance(value, int) or isinstance(value, bool) or not low <= value <= high:
        raise PlanError(f"{where}.{key}: must be a whole number from {low} to {high}")
    return value


def _unique(values: Sequence[str], where: str, key: str) -> None:
    seen: set[str] = set()
    for value in values:
        if value in seen:
            raise PlanError(f"{where}: {key} {value} is there twice")
        seen.add(value)


# --- applying --------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Reconciled:
    """What applying a document does: ``plan`` (its uploads, downloads and tags as edited, in the
    order a fresh plan puts them), and the entries refused because the library or the account
    changed under the plan in a way that matters, each with why."""

    plan: Plan
    refused: tuple[FailedItem, ...] = ()


def reconcile(
    doc: PlanDocument,
    fresh: Plan,
    match: MatchResult,
    *,
    pictures: Mapping[ContentId, LocalPicture],
    photos: Collection[PhotoId],
    taken: Collection[str],
) -> Reconciled:
    """Lay ``doc`` over ``fresh``, the plan made now for the same profile and options. An entry
    is carried out when the fresh plan would do the same (the picture still to upload, from a
    file that still holds it; the photo still to download, to a path that is still free; the
    match still there), with the document's edits. ``taken`` are the relative paths under the
    first root that a download must not take (every file the library holds)."""
    if fresh.refusal is not None:
        return Reconciled(fresh)
    refused: list[FailedItem] = []
    actions: _Actions = {}
    _uploads(doc, fresh, match, pictures, actions, refused)
    _downloads(doc, fresh, match, pictures, photos, taken, actions, refused)
    _tags(doc, fresh, match, actions, refused)
    _changes(doc, fresh, actions, refused)
    kept = [a for a in fresh.actions if isinstance(a, _Kept) and _key(a) in actions]
    edited = [actions[_key(a)] for a in kept]
    summary = replace(summarize(edited), failed=len(fresh.failed))
    return Reconciled(Plan(fresh.mode, tuple(edited), fresh.failed, summary), tuple(refused))


_Kept = Upload | Download | AddTags | Replace | SetDateTaken
_Actions = dict[tuple[str, ...], _Kept]


def _uploads(  # noqa: PLR0917 - one step of reconcile
    doc: PlanDocument,
    fresh: Plan,
    match: MatchResult,
    pictures: Mapping[ContentId, LocalPicture],
    actions: _Actions,
    refused: list[FailedItem],
) -> None:
    matched = match.photo_of()
    fresh_uploads = {u.content_id: u for u in fresh.uploads}
    failed = {f.content_id: f for f in fresh.failed if f.content_id is not None}
    for planned in doc.uploads:
        if planned.ignore:
            continue
        where = _full(planned.path)
        now = fresh_uploads.get(planned.content_id)
        picture = pictures.get(planned.content_id)
        if now is None or picture is None:
            why = _why_no_upload(planned.content_id, matched, picture, failed)
            refused.append(FailedItem(where, why, planned.content_id))
        elif planned.path not in picture.paths:
            why = "no longer holds the picture of the plan (changed, moved or gone since): not uploaded"
            refused.append(FailedItem(where, why, planned.content_id))
        else:
            actions[("u", planned.content_id)] = _edited_upload(now, planned, picture)


def _downloads(  # noqa: PLR0917 - one step of reconcile
    doc: PlanDocument,
    fresh: Plan,
    match: MatchResult,
    pictures: Mapping[ContentId, LocalPicture],
    photos: Collection[PhotoId],
    taken: Collection[str],
    actions: _Actions,
    refused: list[FailedItem],
) -> None:
    picture_of = match.picture_of()
    fresh_downloads = {d.photo_id: d for d in fresh.downloads}
    claimed = {path_key(p) for p in taken}
    for planned in doc.downloads:
        if planned.ignore:
            continue
        now = fresh_downloads.get(planned.photo_id)
        label = f"photo {planned.photo_id} -> {_full(planned.path)}"
        key = path_key(planned.path.relpath)
        if now is None:
            refused.append(
                FailedItem(label, _why_no_download(planned.photo_id, picture_of, photos, pictures))
            )
        elif planned.path.root != now.dest.root:
            refused.append(FailedItem(label, "its pictures folder is not the first one now: not downloaded"))
        elif key in claimed:
            refused.append(FailedItem(label, f"{planned.path.relpath} is taken now: not downloaded"))
        else:
            claimed.add(key)
            actions[("d", planned.photo_id)] = replace(now, dest=planned.path)


def _tags(
    doc: PlanDocument, fresh: Plan, match: MatchResult, actions: _Actions, refused: list[FailedItem]
) -> None:
    matched = match.photo_of()
    fresh_tags = {(a.photo_id, a.content_id): a for a in fresh.tags}
    for planned in doc.matches:
        if planned.ignore or not planned.add_tag:
            continue
        pair = (planned.photo_id, planned.content_id)
        tag = fresh_tags.get(pair)
        if tag is not None:
            actions[("t", *pair)] = tag
        elif matched.get(planned.content_id) != planned.photo_id:
            why = "the match of the plan no longer holds: not tagged"
            refused.append(FailedItem(f"photo {planned.photo_id} (adding tag)", why, planned.content_id))


def _changes(doc: PlanDocument, fresh: Plan, actions: _Actions, refused: list[FailedItem]) -> None:
    """Replaces and dates: carried out when the fresh plan has them too (the same edit of the same
    photo; the same video still without its date)."""
    now = {_key(a): a for a in fresh.actions if isinstance(a, Replace | SetDateTaken)}
    for kind, planned_list in (("r", doc.replaces), ("s", doc.dates)):
        for planned in planned_list:
            if planned.ignore:
                continue
            key = (kind, planned.photo_id, planned.content_id)
            if key in now:
                actions[key] = now[key]
            elif kind == "r":
                why = "the edit of the plan no longer holds (changed again, photo gone): not replaced"
                refused.append(FailedItem(f"photo {planned.photo_id} (replace)", why, planned.content_id))
            else:
                why = "its date taken is set now, or its match no longer holds: not set"
                refused.append(FailedItem(f"photo {planned.photo_id} (date taken)", why, planned.content_id))


def _key(action: _Kept) -> tuple[str, ...]:
    if isinstance(action, Upload):
        return ("u", action.content_id)
    if isinstance(action, Download):
        return ("d", action.photo_id)
    if isinstance(action, Replace):
        return ("r", action.photo_id, action.content_id)
    if isinstance(action, SetDateTaken):
        return ("s", action.photo_id, action.content_id)
    return ("t", action.photo_id, action.content_id)


def _edited_upload(fresh: Upload, planned: PlannedUpload, picture: LocalPicture) -> Upload:
    text = edited_text(planned.title, planned.description, planned.tags)
    resize = planned.resize
    warnings = list(text.warnings)
    if resize is not None and (picture.media != "photo" or picture.format not in RESIZABLE):
        warnings.append(f"a {picture.format} cannot be resized: sent as it is")
        resize = None
    return replace(
        fresh,
        path=planned.path,
        title=text.title,
        description=text.description,
        tags=upload_tags(planned.content_id, "", text.tags),
        options=planned.options,
        resize=resize,
        origins=(("title", "plan"), ("description", "plan"), ("tags", "plan"), ("privacy", "plan")),
        warnings=tuple(warnings),
    )


def _why_no_upload(
    cid: ContentId,
    matched: Mapping[ContentId, PhotoId],
    picture: LocalPicture | None,
    failed: Mapping[ContentId, FailedItem],
) -> str:
    if cid in matched:
        return f"on Flickr already (photo {matched[cid]}): not uploaded again"
    if picture is None or not picture.paths:
        return "no file holds the picture of the plan any more: not uploaded"
    if cid in failed:
        return failed[cid].reason
    return "no longer to be uploaded (ignored, or undecided this run): not uploaded"


def _why_no_download(
    pid: PhotoId,
    picture_of: Mapping[PhotoId, ContentId],
    photos: Collection[PhotoId],
    pictures: Mapping[ContentId, LocalPicture],
) -> str:
    if pid not in photos:
        return "no longer on Flickr: not downloaded"
    if pid in picture_of:
        picture = pictures.get(picture_of[pid])
        where = f" ({_full(picture.paths[0])})" if picture is not None and picture.paths else ""
        return f"in the library now{where}: not downloaded"
    return "no longer to be downloaded (ignored, or undecided this run): not downloaded"
